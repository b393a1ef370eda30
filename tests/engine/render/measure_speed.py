"""Renderer speed on the demo portraits (a measurement script, not a test).

    python tests/engine/render/measure_speed.py [--device cpu|cuda] [--heights 512,1080]

Prints preparation time, one-frame latency (median of 10) and batched
render-only fps (best of 3 runs) with animated coefficients (every face
control, blinks, gaze and head pose).
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np


def animated_rows(count: int, seed: int = 0) -> np.ndarray:
    from emospeaker_studio.engine.controls import CONTROL_INDEX, CONTROL_NAMES, FACE_CONTROLS

    rng = np.random.default_rng(seed)
    rows = np.zeros((count, len(CONTROL_NAMES)), np.float32)
    rows[:, : len(FACE_CONTROLS)] = rng.uniform(-0.3, 0.6, (count, len(FACE_CONTROLS)))
    rows[:, CONTROL_INDEX["jaw_open"]] = rng.uniform(0, 0.6, count)
    rows[:, CONTROL_INDEX["blink"]] = (rng.uniform(size=count) < 0.1).astype(np.float32)
    for name in ("gaze_x", "gaze_y"):
        rows[:, CONTROL_INDEX[name]] = rng.uniform(-0.4, 0.4, count)
    for name in ("head_pitch", "head_yaw", "head_roll"):
        rows[:, CONTROL_INDEX[name]] = rng.uniform(-6, 6, count)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="auto")
    parser.add_argument("--heights", default="512,1080")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--frames", type=int, default=128)
    parser.add_argument("--portrait", default=None)
    args = parser.parse_args()

    # The package sets OpenMP's wait policy (emospeaker_studio/__init__.py); import it before torch.
    from emospeaker_studio.engine.render.renderer import Renderer

    import torch

    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait

    path = args.portrait
    if path is None:
        from skimage import data

        path = "/tmp/emospeaker-astronaut.png"
        cv2.imwrite(path, cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    portrait = load_portrait(path)
    fit = fit_face(portrait)  # cached after the first run, as in the application
    print(f"torch threads {torch.get_num_threads()}, portrait {portrait.width}x{portrait.height}")
    for height in (int(h) for h in args.heights.split(",")):
        start = time.perf_counter()
        renderer = Renderer(portrait, fit, height=height, device=args.device)
        prepare = time.perf_counter() - start
        rows = animated_rows(args.frames)
        renderer.render(rows[:2])  # warm-up
        latencies = []
        for i in range(10):
            start = time.perf_counter()
            renderer.render(rows[i : i + 1])
            latencies.append(time.perf_counter() - start)
        elapsed = float("inf")
        for _ in range(3):  # best of three: the machine may be shared
            start = time.perf_counter()
            for i in range(0, len(rows), args.batch):
                renderer.render(rows[i : i + args.batch])
            if renderer.device.type == "cuda":
                torch.cuda.synchronize()
            elapsed = min(elapsed, time.perf_counter() - start)
        w, h = renderer.size
        print(
            f"{w}x{h} on {renderer.device}: prepare {prepare:.2f} s, one frame {1000 * np.median(latencies):.1f} ms, "
            f"batched {len(rows) / elapsed:.1f} fps (batch {args.batch}, crop {renderer.crop_size[0]}x{renderer.crop_size[1]})"
        )


if __name__ == "__main__":
    main()
