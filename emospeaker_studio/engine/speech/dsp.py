"""The DSP floor: visemes and articulation from loudness, voicing and formant proxies.

No training, no model file: every other recognizer must beat it on the
benchmark. Cues per 10 ms frame, all from the log-mel spectrum and the
zero-crossing rate:

- speech activity: loudness above the recording's own noise floor and within
  45 dB of its loud parts (levels are relative, so gain does not matter),
  where the spectral shape keeps changing as formants do (music holds it);
- voicing: energy concentrated below 1 kHz and few zero crossings;
- openness: loudness of voiced frames and the centroid of the 250-1000 Hz
  band (a first-formant proxy: open vowels raise F1);
- rounding / spreading: the centroid of the 900-2800 Hz band (an F2 proxy:
  rounded vowels lower F2, spread vowels raise it);
- sibilants: most energy above 3.5 kHz (s) or in 2-3.5 kHz (sh);
- lip closure: a short dip in loudness between louder frames with little
  high-frequency energy (the silence or murmur of p, b, m).
"""

from __future__ import annotations

import numpy as np

from emospeaker_studio.engine.speech.features import Features, mel_band_centres
from emospeaker_studio.engine.speech.frames import FrameEstimates
from emospeaker_studio.engine.speech.phonemes import VISEME_INDEX

DIP_DB = (6.0, 14.0)  # a closure: this much quieter than the frames around it (ramp, dB)


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    if width <= 1 or x.size == 0:
        return x
    kernel = np.hanning(width + 2)[1:-1]
    kernel /= kernel.sum()
    return np.convolve(np.pad(x, width // 2, mode="edge"), kernel, mode="valid")[: x.size]


def _band_centroid(power: np.ndarray, centres: np.ndarray, low: float, high: float) -> np.ndarray:
    band = (centres >= low) & (centres <= high)
    weights = power[:, band]
    return (weights * centres[band]).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-20)


def _ramp(x, low: float, high: float) -> np.ndarray:
    return np.clip((np.asarray(x) - low) / (high - low), 0.0, 1.0)


def recognize_dsp(features: Features) -> FrameEstimates:
    n = features.frames
    if n == 0:
        return FrameEstimates(np.zeros((0, 15), np.float32), np.zeros((0, 4), np.float32), np.zeros(0, np.float32))
    centres = mel_band_centres()
    power = np.exp(features.logmel.astype(np.float64))
    total = power.sum(axis=1) + 1e-20
    level_db = 10.0 * np.log10(total)
    loud = float(np.percentile(level_db, 99))
    floor = float(np.percentile(level_db, 10))
    # Digital silence or a flat hum has no loud part to speak of.
    if loud - floor < 6.0 or loud < -75.0:
        return _silent(n)
    threshold = max(floor + 8.0, loud - 45.0)
    activity = _ramp(_smooth(level_db, 3), threshold, threshold + 12.0) * _speechiness(features.logmel)

    low_ratio = power[:, centres < 1000].sum(axis=1) / total
    high_ratio = power[:, centres > 3500].sum(axis=1) / total
    mid_high_ratio = power[:, (centres > 2000) & (centres <= 3500)].sum(axis=1) / total
    voicing = _ramp(low_ratio, 0.3, 0.7) * _ramp(-features.zcr, -0.25, -0.08)
    f1 = _band_centroid(power, centres, 250.0, 1000.0)
    f2 = _band_centroid(power, centres, 900.0, 2800.0)
    relative_db = level_db - loud

    openness = _ramp(f1, 380.0, 720.0)
    jaw = activity * voicing * _ramp(relative_db, -30.0, -3.0) * (0.35 + 0.65 * openness)
    rounding = activity * voicing * _ramp(-f2, -1500.0, -1000.0)
    spreading = activity * voicing * _ramp(f2, 1500.0, 2100.0)

    # A closure: 30-150 ms dip at least 8 dB under the frames around it, not a fricative.
    smooth_db = _smooth(level_db, 3)
    around = np.minimum(_window_max(smooth_db, 3, 12), _window_max(smooth_db, -12, -3))
    dip = _ramp(around - smooth_db, *DIP_DB) * _ramp(-high_ratio, -0.3, -0.1)
    dip *= _ramp(around, threshold + 6.0, threshold + 18.0)
    press = np.clip(dip, 0.0, 1.0)

    fricative = activity * (1.0 - voicing)
    scores = np.full((n, 15), 0.02)
    scores[:, VISEME_INDEX["sil"]] = 1.0 - activity
    scores[:, VISEME_INDEX["PP"]] = press * 1.5
    scores[:, VISEME_INDEX["SS"]] = fricative * _ramp(high_ratio, 0.3, 0.6)
    scores[:, VISEME_INDEX["CH"]] = fricative * _ramp(mid_high_ratio, 0.25, 0.5)
    scores[:, VISEME_INDEX["FF"]] = fricative * 0.35
    scores[:, VISEME_INDEX["DD"]] = fricative * 0.3
    scores[:, VISEME_INDEX["kk"]] = fricative * 0.25
    murmur = activity * voicing * _ramp(-relative_db, 8.0, 20.0)
    scores[:, VISEME_INDEX["nn"]] = murmur * 0.6
    vowel = activity * voicing * (1.0 - press)
    scores[:, VISEME_INDEX["aa"]] = vowel * openness * (1 - rounding)
    scores[:, VISEME_INDEX["E"]] = vowel * (1 - openness) * spreading * 0.8 + vowel * 0.2
    scores[:, VISEME_INDEX["ih"]] = vowel * (1 - openness) * spreading
    scores[:, VISEME_INDEX["oh"]] = vowel * rounding * (0.3 + openness)
    scores[:, VISEME_INDEX["ou"]] = vowel * rounding * (1 - openness)
    logits = scores * 6.0
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)

    articulation = np.stack([jaw * (1 - press), rounding, spreading, press], axis=1)
    return FrameEstimates(probs.astype(np.float32), np.clip(articulation, 0, 1).astype(np.float32),
                          activity.astype(np.float32))


def _speechiness(logmel: np.ndarray) -> np.ndarray:
    """0..1: how much the spectral shape keeps changing, as in speech, over ~300 ms.

    Formants move all the time in speech; a note or a hum keeps its spectral
    shape while it rings (loudness changes are removed by subtracting each
    frame's mean). Median over 31 frames so note onsets do not count, then
    the most speech-like value within +-120 ms so held vowels stay speech.
    """
    shape = logmel - logmel.mean(axis=1, keepdims=True)
    flux = np.zeros(shape.shape[0])
    flux[1:-1] = np.abs(shape[2:] - shape[:-2]).mean(axis=1)
    padded = np.pad(flux, 15, mode="edge")
    median = np.median(np.lib.stride_tricks.sliding_window_view(padded, 31), axis=1)
    return _ramp(_window_max(median, -12, 12), 0.25, 0.45)


def _window_max(x: np.ndarray, first: int, last: int) -> np.ndarray:
    """max of x[t + first .. t + last] for every t, edges repeated."""
    pad = max(abs(first), abs(last))
    padded = np.pad(x, pad, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, last - first + 1)
    return windows[pad + first: pad + first + x.size].max(axis=1)


def _silent(n: int) -> FrameEstimates:
    probs = np.zeros((n, 15), np.float32)
    probs[:, 0] = 1.0
    return FrameEstimates(probs, np.zeros((n, 4), np.float32), np.zeros(n, np.float32))
