"""Train the speech viseme network (emospeaker_studio/engine/speech/model.py) on generated espeak speech.

Generates the training set first when it is not there (see
generate_speech_data.py), trains for a fixed number of steps on random 3 s
crops of one or more generated sets, keeps the weights that score best on
held-out clips (written at every improvement, so a stopped run leaves its best
weights), and writes models/speech_viseme.pt + models/speech_viseme.json.
The shipped model's exact command is in models/speech_viseme.md; in general:
    python training/train_speech_model.py --data SET.npz [SET2.npz ...] --steps 3000 --channels 96 --dilations 1 2 4 8 16
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from emospeaker_studio.engine.speech.model import NetConfig, VisemeNet, save_model
from emospeaker_studio.paths import models_dir

CROP = 300  # frames (3 s)


def load_data(paths: list[Path], minutes: float, seed: int) -> dict[str, np.ndarray]:
    """One or more generated sets, concatenated (the first is generated when missing)."""
    if not paths[0].is_file():
        from generate_speech_data import generate

        generate(paths[0], minutes, seed)
    parts = []
    for path in paths:
        data = np.load(path)
        parts.append({k: data[k] for k in data.files})
    if len(parts) == 1:
        return parts[0]
    merged = {k: np.concatenate([part[k] for part in parts]) for k in ("logmel", "labels", "curves")}
    bounds, offset = [np.zeros(1, np.int64)], 0
    for part in parts:
        bounds.append(part["bounds"][1:] + offset)
        offset += int(part["bounds"][-1])
    merged["bounds"] = np.concatenate(bounds)
    return merged


def split_clips(bounds: np.ndarray, held_out: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    clips = np.arange(bounds.size - 1)
    rng.shuffle(clips)
    count = max(1, int(held_out * clips.size))
    return np.sort(clips[count:]), np.sort(clips[:count])


def crops(data: dict, clips: np.ndarray, batch: int, rng: np.random.Generator, mean, std):
    """A batch of CROP-frame windows drawn from random clips (clips shorter than CROP are padded with rest)."""
    bounds = data["bounds"]
    x = np.zeros((batch, CROP, mean.size), np.float32)
    y = np.zeros((batch, CROP), np.int64)
    c = np.zeros((batch, CROP, 4), np.float32)
    mask = np.zeros((batch, CROP), np.float32)
    floor = (np.log(1e-10) - mean) / std
    for row in range(batch):
        clip = int(rng.choice(clips))
        start, stop = int(bounds[clip]), int(bounds[clip + 1])
        first = int(rng.integers(start, max(start + 1, stop - CROP + 1)))
        last = min(stop, first + CROP)
        x[row] = floor
        x[row, : last - first] = (data["logmel"][first:last].astype(np.float32) - mean) / std
        y[row, : last - first] = data["labels"][first:last]
        c[row, : last - first] = data["curves"][first:last]
        mask[row, : last - first] = 1.0
    return (torch.from_numpy(x).transpose(1, 2), torch.from_numpy(y), torch.from_numpy(c).transpose(1, 2),
            torch.from_numpy(mask))


def loss_of(net, batch, class_weights, press_weight: float = 1.0):
    """Viseme cross-entropy + 2 x smooth-L1 on articulation; lip_press errors on p/b/m frames count press_weight x."""
    x, y, c, mask = batch
    logits, art = net(x)
    ce = F.cross_entropy(logits, y, weight=class_weights, reduction="none")
    reg = F.smooth_l1_loss(art, c, reduction="none", beta=0.1)
    if press_weight != 1.0:
        closure = (c[:, 3] > 0.1).float()
        reg = torch.cat([reg[:, :3], reg[:, 3:] * (1.0 + (press_weight - 1.0) * closure[:, None])], dim=1)
    total = ((ce + 2.0 * reg.sum(dim=1)) * mask).sum() / mask.sum()
    return total, logits, art


def evaluate(net, data, clips, mean, std) -> dict[str, float]:
    """Frame accuracy and jaw correlation on whole held-out clips."""
    net.eval()
    correct = total = 0
    jaw_pred, jaw_true = [], []
    with torch.inference_mode():
        for clip in clips:
            start, stop = int(data["bounds"][clip]), int(data["bounds"][clip + 1])
            x = torch.from_numpy(((data["logmel"][start:stop].astype(np.float32) - mean) / std).T[None].copy())
            logits, art = net(x)
            labels = data["labels"][start:stop]
            correct += int((logits[0].argmax(0).numpy() == labels).sum())
            total += labels.size
            jaw_pred.append(art[0, 0].numpy())
            jaw_true.append(data["curves"][start:stop, 0].astype(np.float32))
    net.train()
    r = float(np.corrcoef(np.concatenate(jaw_pred), np.concatenate(jaw_true))[0, 1])
    return {"accuracy": correct / max(total, 1), "jaw_r": r}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=[Path("/tmp/emospeaker_speech/train.npz")],
                        help="one or more generated sets (concatenated)")
    parser.add_argument("--minutes", type=float, default=120.0, help="audio to generate when --data is missing")
    parser.add_argument("--steps", type=int, default=1400)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--channels", type=int, default=NetConfig.channels)
    parser.add_argument("--dilations", type=int, nargs="+", default=list(NetConfig.dilations))
    parser.add_argument("--closure-weight", type=float, default=2.0, help="class weight multiplier for PP (p/b/m)")
    parser.add_argument("--press-weight", type=float, default=1.0,
                        help="lip_press regression weight on p/b/m frames (1: same as elsewhere)")
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--out", type=Path, default=models_dir())
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    data = load_data(list(args.data), args.minutes, args.seed)
    train_clips, val_clips = split_clips(data["bounds"], 0.04, rng)
    sample = data["logmel"][:: 7].astype(np.float32)
    mean, std = sample.mean(axis=0), sample.std(axis=0) + 1e-3
    counts = np.bincount(data["labels"].astype(np.int64), minlength=15).astype(np.float64)
    # Soften the class imbalance (silence is common, TH rare) without letting rare classes dominate.
    weights = (counts.sum() / np.maximum(counts, 1) / 15) ** 0.3
    # A missed p/b/m is the error viewers notice most: weigh lip closures double.
    weights[1] *= args.closure_weight
    class_weights = torch.tensor(weights, dtype=torch.float32)

    net = VisemeNet(NetConfig(channels=args.channels, dilations=tuple(args.dilations)))
    params = sum(p.numel() for p in net.parameters())
    print(f"{params} parameters, {len(train_clips)} training clips, {len(val_clips)} held out, "
          f"{data['labels'].size / 6000:.1f} min of frames")
    optimiser = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=args.steps, pct_start=0.1)
    best, best_state = -math.inf, None
    started = time.time()
    for step in range(1, args.steps + 1):
        loss, _, _ = loss_of(net, crops(data, train_clips, args.batch, rng, mean, std), class_weights,
                             args.press_weight)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimiser.step()
        schedule.step()
        if step % args.eval_every == 0 or step == args.steps:
            scores = evaluate(net, data, val_clips, mean, std)
            score = scores["accuracy"] + scores["jaw_r"]
            print(f"step {step} loss {loss.item():.3f} held-out acc {scores['accuracy']:.3f} "
                  f"jaw r {scores['jaw_r']:.3f} ({time.time() - started:.0f} s)", flush=True)
            if score > best:
                best, best_state = score, {k: v.clone() for k, v in net.state_dict().items()}
                best_scores = dict(scores, step=step)
                # Written at every improvement, so a run stopped early still leaves its best weights.
                _save(net, best_state, mean, std, args, best_scores, params, time.time() - started)
    _save(net, best_state, mean, std, args, best_scores, params, time.time() - started)
    print(f"saved to {args.out} (held-out {best_scores})")


def _save(net, state, mean, std, args, scores, params, seconds) -> None:
    current = {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    net.eval()
    save_model(net, mean, std, args.out, {
        "trained": {"steps": args.steps, "batch": args.batch, "seconds": round(seconds), "held_out": scores,
                    "parameters": params, "data": [str(p) for p in args.data], "lr": args.lr,
                    "closure_weight": args.closure_weight, "press_weight": args.press_weight},
    })
    net.load_state_dict(current)
    net.train()


if __name__ == "__main__":
    main()
