"""Frame features shared by every recognizer: log-mel energies and zero-crossing rate.

Analysis runs at 16 kHz with a 10 ms hop (100 analysis frames per second)
and a 32 ms Hann window. Analysis frame k is centred on (k + 0.5) * 10 ms, the
same convention as :func:`phonemes.frame_targets`, so labels and features line
up without an offset. Blocks of any length can be fed in turn: the extractor
keeps the window overlap between them, so a one-hour file is processed as it
streams out of the decoder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

import numpy as np

SAMPLE_RATE = 16000
HOP = 160  # 10 ms
FRAME_RATE = SAMPLE_RATE / HOP  # analysis frames per second
N_FFT = 512
N_MELS = 40
F_MIN, F_MAX = 60.0, 7600.0
# Power floor: about -100 dB re full scale, so silence is a flat, finite floor.
POWER_FLOOR = 1e-10
# Left padding that centres frame k's window on sample (k + 0.5) * HOP.
_LEAD_PAD = N_FFT // 2 - HOP // 2


@dataclass(frozen=True)
class Features:
    """logmel: float32 (n, N_MELS) natural-log power; zcr: float32 (n,) crossings per sample."""

    logmel: np.ndarray
    zcr: np.ndarray

    @property
    def frames(self) -> int:
        return int(self.logmel.shape[0])

    @staticmethod
    def concatenate(parts: list["Features"]) -> "Features":
        if not parts:
            return Features(np.zeros((0, N_MELS), np.float32), np.zeros(0, np.float32))
        return Features(np.concatenate([p.logmel for p in parts]), np.concatenate([p.zcr for p in parts]))


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


@lru_cache(maxsize=1)
def mel_filterbank() -> np.ndarray:
    """Triangular HTK-style filters, (N_FFT // 2 + 1, N_MELS), each normalised to unit area."""
    bins = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(F_MIN), _hz_to_mel(F_MAX), N_MELS + 2))
    bank = np.zeros((bins.size, N_MELS), np.float32)
    for m in range(N_MELS):
        low, centre, high = edges[m], edges[m + 1], edges[m + 2]
        rising = (bins - low) / (centre - low)
        falling = (high - bins) / (high - centre)
        bank[:, m] = np.clip(np.minimum(rising, falling), 0.0, None)
        bank[:, m] /= max(bank[:, m].sum(), 1e-9)
    return bank


def mel_band_centres() -> np.ndarray:
    return _mel_to_hz(np.linspace(_hz_to_mel(F_MIN), _hz_to_mel(F_MAX), N_MELS + 2))[1:-1]


class FeatureExtractor:
    """Streaming log-mel + ZCR at 100 frames/s from 16 kHz mono blocks."""

    def __init__(self) -> None:
        self._buffer = np.zeros(_LEAD_PAD, np.float32)
        self._window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)
        self._consumed = 0  # real samples received
        self._emitted = 0  # frames emitted

    def feed(self, samples: np.ndarray) -> Features:
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, np.float32).reshape(-1)])
        self._consumed += int(np.asarray(samples).size)
        return self._emit(final=False)

    def finish(self) -> Features:
        """Frames for the tail; the total is ceil(samples / HOP)."""
        return self._emit(final=True)

    def _emit(self, final: bool) -> Features:
        target_total = -(-self._consumed // HOP) if final else None
        if final:
            needed = (target_total - self._emitted - 1) * HOP + N_FFT
            if needed > self._buffer.size:
                self._buffer = np.concatenate([self._buffer, np.zeros(needed - self._buffer.size, np.float32)])
            count = max(0, target_total - self._emitted)
        else:
            count = max(0, (self._buffer.size - N_FFT) // HOP + 1)
        if count == 0:
            return Features.concatenate([])
        frames = np.lib.stride_tricks.sliding_window_view(self._buffer[: (count - 1) * HOP + N_FFT], N_FFT)[::HOP]
        # DC is removed per frame so an offset in the recording changes nothing.
        frames = frames - frames.mean(axis=1, keepdims=True)
        power = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2 / N_FFT
        logmel = np.log(power.astype(np.float32) @ mel_filterbank() + POWER_FLOOR).astype(np.float32)
        centre = frames[:, N_FFT // 2 - HOP: N_FFT // 2 + HOP]
        signs = np.signbit(centre)
        zcr = (signs[:, 1:] != signs[:, :-1]).mean(axis=1).astype(np.float32)
        self._buffer = self._buffer[count * HOP:]
        self._emitted += count
        return Features(logmel, zcr)


def extract_features(blocks: Iterable[np.ndarray]) -> Features:
    """Features of a whole signal given as consecutive 16 kHz blocks."""
    extractor = FeatureExtractor()
    parts = [extractor.feed(block) for block in blocks]
    parts.append(extractor.finish())
    return Features.concatenate(parts)


def blocks_of(samples: np.ndarray, block: int = SAMPLE_RATE * 30) -> Iterator[np.ndarray]:
    for start in range(0, samples.size, block):
        yield samples[start:start + block]
