"""Degradations of clean speech, so a recognizer trained on a synthesizer hears real rooms and lines.

Each function takes and returns mono float32 at 16 kHz (except ``speed``,
which also returns the factor phone times must be multiplied by). Training
draws random chains of them; the benchmark uses fixed ones to report how the
recognizers hold up on degraded audio.
"""

from __future__ import annotations

import subprocess

import numpy as np
import soxr
from scipy.signal import fftconvolve

from emospeaker_studio.engine.audio import ffmpeg_exe

RATE = 16000


def to_rate(samples: np.ndarray, rate: int, speed: float = 1.0) -> np.ndarray:
    """Resample to 16 kHz; speed < 1 slows down (and lowers pitch), phone times scale by 1 / speed."""
    return soxr.resample(samples.astype(np.float32), rate * speed, RATE).astype(np.float32)


def _fft_filter(samples: np.ndarray, gain_of_hz) -> np.ndarray:
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(samples.size, 1.0 / RATE)
    return np.fft.irfft(spectrum * gain_of_hz(freqs), n=samples.size).astype(np.float32)


def coloured_noise(n: int, rng: np.random.Generator, exponent: float) -> np.ndarray:
    """Noise with power ~ 1 / f**exponent (0 white, 1 pink, 2 brown), unit RMS."""
    white = rng.standard_normal(n).astype(np.float32)
    if exponent == 0:
        return white
    shaped = _fft_filter(white, lambda f: 1.0 / np.maximum(f, 20.0) ** (exponent / 2))
    return shaped / (np.sqrt(np.mean(shaped ** 2)) + 1e-12)


def add_noise(samples: np.ndarray, rng: np.random.Generator, snr_db: float, exponent: float) -> np.ndarray:
    speech_rms = np.sqrt(np.mean(samples ** 2)) + 1e-9
    noise = coloured_noise(samples.size, rng, exponent)
    return samples + noise * speech_rms * 10 ** (-snr_db / 20)


def reverb(samples: np.ndarray, rng: np.random.Generator, rt60_s: float, wet: float) -> np.ndarray:
    """Convolve with an exponentially decaying noise tail (a synthetic room)."""
    length = int(rt60_s * RATE)
    t = np.arange(length) / RATE
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60_s)
    tail[0] = 0.0
    tail /= np.sqrt(np.sum(tail ** 2)) + 1e-12
    wet_signal = fftconvolve(samples, tail)[: samples.size]
    out = (1 - wet) * samples + wet * wet_signal * np.sqrt(np.mean(samples ** 2)) / (np.sqrt(np.mean(wet_signal ** 2)) + 1e-9)
    return out.astype(np.float32)


def telephone(samples: np.ndarray) -> np.ndarray:
    """300-3400 Hz through an 8 kHz line, back at 16 kHz."""
    narrow = soxr.resample(samples, RATE, 8000)
    narrow = np.fft.irfft(np.fft.rfft(narrow) * _band(np.fft.rfftfreq(narrow.size, 1 / 8000), 300, 3400), n=narrow.size)
    return soxr.resample(narrow.astype(np.float32), 8000, RATE).astype(np.float32)[: samples.size]


def _band(freqs: np.ndarray, low: float, high: float) -> np.ndarray:
    return 1.0 / np.sqrt(1 + (low / np.maximum(freqs, 1.0)) ** 4) / np.sqrt(1 + (freqs / high) ** 8)


def lowpass(samples: np.ndarray, cutoff_hz: float) -> np.ndarray:
    return _fft_filter(samples, lambda f: 1.0 / np.sqrt(1 + (f / cutoff_hz) ** 8))


def gain_and_clip(samples: np.ndarray, gain_db: float, clip: float | None) -> np.ndarray:
    out = samples * 10 ** (gain_db / 20)
    if clip is not None:
        out = np.clip(out, -clip, clip)
    return out.astype(np.float32)


def codec(samples: np.ndarray, encoder: str, bitrate: str) -> np.ndarray:
    """Round trip through a lossy codec (libopus, libmp3lame, aac) with the bundled ffmpeg."""
    fmt = {"libopus": "ogg", "libmp3lame": "mp3", "aac": "adts"}[encoder]
    encode = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "-",
         "-c:a", encoder, "-b:a", bitrate, "-f", fmt, "-"],
        input=samples.astype("<f4").tobytes(), capture_output=True, check=True)
    decode = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", fmt, "-i", "-", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"],
        input=encode.stdout, capture_output=True, check=True)
    out = np.frombuffer(decode.stdout, "<f4").astype(np.float32)
    # Codecs add priming delay; trim or pad back to the input length from the start
    # only after aligning with cross-correlation over the first second.
    lag = _delay(samples[:RATE], out[: RATE + 2000])
    out = out[lag:]
    if out.size < samples.size:
        out = np.concatenate([out, np.zeros(samples.size - out.size, np.float32)])
    return out[: samples.size]


def _delay(reference: np.ndarray, delayed: np.ndarray) -> int:
    if reference.size == 0 or not np.any(reference):
        return 0
    best, best_lag = -np.inf, 0
    for lag in range(0, min(2000, max(0, delayed.size - reference.size)) + 1, 8):
        score = float(np.dot(reference[: delayed.size - lag], delayed[lag: lag + reference.size]))
        if score > best:
            best, best_lag = score, lag
    return best_lag


def music(n: int, rng: np.random.Generator) -> np.ndarray:
    """Speech-free music-like audio: harmonic notes and chords with a noise-burst beat, unit-ish peak."""
    out = np.zeros(n, np.float32)
    t = np.arange(n) / RATE
    position = 0
    while position < n:
        length = int(rng.uniform(0.15, 0.8) * RATE)
        stop = min(n, position + length)
        local = t[: stop - position]
        envelope = np.exp(-local * rng.uniform(1.0, 8.0))
        for _ in range(int(rng.integers(1, 4))):
            f0 = 110.0 * 2 ** (rng.integers(0, 36) / 12)
            for harmonic in range(1, 6):
                if f0 * harmonic < RATE / 2:
                    out[position:stop] += (envelope * np.sin(2 * np.pi * f0 * harmonic * local)
                                           * rng.uniform(0.1, 0.5) / harmonic).astype(np.float32)
        if rng.random() < 0.5:
            burst = min(stop - position, int(0.05 * RATE))
            out[position:position + burst] += (rng.standard_normal(burst) * np.exp(-np.arange(burst) / 200.0) * 0.3).astype(np.float32)
        position = stop
    return out / (np.abs(out).max() + 1e-9) * 0.5
