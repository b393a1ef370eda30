"""How far speech stands above the background: a sliding estimate from the features.

Per analysis frame, the spread in dB between loud frames (the 95th percentile
of frame energy: vowels) and the quietest ones (the 2nd percentile: pauses and
stop closures, or the noise that fills them) within an 8 s window around it.
Measured on 20 s of the benchmark's dev speech without leading or trailing
silence: clean 86 dB (also through a phone band alone), with pink noise at
50/40/30/20/15 dB SNR 59/49/39/30/25 dB, the benchmark's noisy phone line
23 dB, reverberation alone (RT60 0.35 s) 28 dB. (The 10th percentile does not
work: in running speech it is a consonant, 28 dB both clean and at 40 dB SNR.)
The window is evaluated once per STEP_S on the 1-D energy curve only (4 bytes
per 10 ms, 1.4 MB for an hour; about 0.1 s of CPU for an hour), so long audio costs
little and the estimate follows noise that changes over a recording.
"""

from __future__ import annotations

import numpy as np

from emospeaker_studio.engine.speech.features import FRAME_RATE, Features

WINDOW_S = 8.0  # the span the percentiles are taken over, centred on the frame
STEP_S = 0.5  # the estimate is updated this often and held in between
LOW_PERCENTILE, HIGH_PERCENTILE = 2.0, 95.0
_DB_PER_NEPER_POWER = 10.0 / np.log(10.0)


def frame_energy(features: Features) -> np.ndarray:
    """Natural-log power of each analysis frame, summed over the mel bands."""
    # log-mel values lie between log(POWER_FLOOR) (-23) and a few tens: exp stays finite in float32.
    return np.log(np.exp(features.logmel.astype(np.float32)).sum(axis=1) + 1e-30).astype(np.float32)


def speech_to_noise_db(features: Features) -> np.ndarray:
    """(n,) dB between the loud and the quiet frames around each analysis frame."""
    energy = frame_energy(features)
    n = energy.size
    if n == 0:
        return np.zeros(0, np.float32)
    width = min(n, int(WINDOW_S * FRAME_RATE))
    step = max(1, int(STEP_S * FRAME_RATE))
    starts = np.arange(0, n, step)
    # The window centred on each step, held inside the audio (full length at the edges).
    lows = np.clip(starts + step // 2 - width // 2, 0, n - width)
    k_low = int(round(LOW_PERCENTILE / 100.0 * (width - 1)))
    k_high = int(round(HIGH_PERCENTILE / 100.0 * (width - 1)))
    windows = np.lib.stride_tricks.sliding_window_view(energy, width)
    spread = np.empty(starts.size, np.float32)
    for first in range(0, starts.size, 256):  # a few MB at a time, however long the audio
        part = np.partition(windows[lows[first: first + 256]], (k_low, k_high), axis=1)
        spread[first: first + 256] = part[:, k_high] - part[:, k_low]
    return np.repeat(spread * np.float32(_DB_PER_NEPER_POWER), step)[:n]
