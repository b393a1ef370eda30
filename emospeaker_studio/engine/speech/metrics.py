"""Lip-sync scores of a SpeechTrack against ground truth from exact phone timings.

All comparisons are at the track's frame rate. Ground truth per clip:
labels (frames,) viseme index at each frame centre, openness (frames,) the
eased jaw target averaged over each frame, closures [(start_s, end_s)] of
every p/b/m. Clips are scored pooled (frames concatenated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emospeaker_studio.engine.speech.phonemes import GROUP_OF_VISEME
from emospeaker_studio.engine.speech.track import SpeechTrack

CLOSED_AT = 0.5  # lip_press at or above this is a visible closure
# A closure counts as found when the lips close between 120 ms before the
# sound and 40 ms after it ends (anticipation is expected, lateness is not).
CLOSURE_EARLY_S, CLOSURE_LATE_S = 0.12, 0.04
MAX_LAG_S = 0.3


@dataclass(frozen=True)
class GroundTruth:
    labels: np.ndarray
    openness: np.ndarray
    closures: tuple[tuple[float, float], ...]


@dataclass
class Scores:
    viseme_accuracy: float
    group_accuracy: float
    jaw_r: float
    closure_recall: float
    closure_precision: float
    offset_ms: float  # negative: the mouth leads the sound

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in self.__dict__.items()}


def _closed_runs(press: np.ndarray) -> list[tuple[int, int]]:
    mask = np.concatenate([[False], press >= CLOSED_AT, [False]])
    changes = np.flatnonzero(mask[1:] != mask[:-1])
    return list(zip(changes[::2], changes[1::2]))


def closure_hits(track: SpeechTrack, closures) -> tuple[int, int, int]:
    """(closures found, predicted closures, predicted closures that match one)."""
    fps = track.fps
    runs = _closed_runs(track.tracks["lip_press"])
    windows = [(start - CLOSURE_EARLY_S, end + CLOSURE_LATE_S) for start, end in closures]
    found = 0
    for low, high in windows:
        if any(first / fps < high and stop / fps > low for first, stop in runs):
            found += 1
    matched = sum(1 for first, stop in runs if any(first / fps < high and stop / fps > low for low, high in windows))
    return found, len(runs), matched


def offset_ms(predicted: np.ndarray, truth: np.ndarray, fps: float) -> float:
    """Lag at peak cross-correlation of two curves, in ms; negative when ``predicted`` is early.

    Both are linearly interpolated to 1 kHz so the answer is finer than a frame.
    """
    fine = 1000.0
    t_fine = np.arange(0, predicted.size / fps, 1.0 / fine)
    centres = (np.arange(predicted.size) + 0.5) / fps
    p = np.interp(t_fine, centres, predicted) - predicted.mean()
    g = np.interp(t_fine, centres, truth) - truth.mean()
    max_lag = int(MAX_LAG_S * fine)
    best, best_lag = -np.inf, 0
    for lag in range(-max_lag, max_lag + 1, 2):
        # correlation of predicted(t) with truth(t + lag)
        if lag >= 0:
            score = float(np.dot(p[: p.size - lag], g[lag:]))
        else:
            score = float(np.dot(p[-lag:], g[: g.size + lag]))
        if score > best:
            best, best_lag = score, lag
    return -float(best_lag)


def score(tracks: list[SpeechTrack], truths: list[GroundTruth]) -> Scores:
    predicted = np.concatenate([t.probs.argmax(axis=1) for t in tracks])
    labels = np.concatenate([g.labels for g in truths])
    jaw = np.concatenate([t.tracks["jaw_open"] for t in tracks])
    openness = np.concatenate([g.openness for g in truths])
    found = total = runs = matched = 0
    for track, truth in zip(tracks, truths):
        f, r, m = closure_hits(track, truth.closures)
        found, total, runs, matched = found + f, total + len(truth.closures), runs + r, matched + m
    r = float(np.corrcoef(jaw, openness)[0, 1]) if jaw.std() > 0 else 0.0
    return Scores(
        viseme_accuracy=float((predicted == labels).mean()),
        group_accuracy=float((GROUP_OF_VISEME[predicted] == GROUP_OF_VISEME[labels]).mean()),
        jaw_r=r,
        closure_recall=found / max(total, 1),
        closure_precision=matched / max(runs, 1),
        offset_ms=offset_ms(jaw, openness, tracks[0].fps),
    )
