"""The voice as the Studio plays it: PCM blocks from any position, at any speed, either way.

The Studio feeds these blocks to the sound card itself (instead of handing the
file to a media player) so that it can play the voice backwards and at double
speed under the J/K/L shuttle, and so that its playback clock is the count of
samples the sound card has taken, exact to the sample, rather than a media
player's coarse position reports.

The recording is decoded once, in blocks, to mono 16-bit PCM at
PLAYBACK_SAMPLE_RATE: speech needs nothing above 12 kHz to be heard as it
is, and an hour of audio stays at 173 MB. The export muxes the original
file; this copy is for listening while editing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emospeaker_studio.engine.audio import iter_audio_blocks

PLAYBACK_SAMPLE_RATE = 24000
#: Decoded this many seconds at a time: the float32 copy never holds more.
_DECODE_BLOCK_S = 20.0


@dataclass(frozen=True, eq=False)
class PlaybackAudio:
    """Mono int16 samples at ``sample_rate`` Hz, read block by block while playing."""

    path: str
    samples: np.ndarray  # int16 (n,)
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / float(self.sample_rate)

    @property
    def frame_count(self) -> int:
        """Samples (one channel: a sample is a frame)."""
        return int(self.samples.shape[0])

    def block(self, start: float, step: float, count: int) -> np.ndarray:
        """Up to ``count`` samples (int16) from sample index ``start``, advancing ``step`` samples each.

        ``step`` is the playback rate: 1 plays as recorded, 2 twice as fast
        (and an octave higher, as a tape would), -1 backwards. A fractional
        position is interpolated linearly. The block ends early where the
        recording does (at its last sample forwards, at its first backwards),
        so an empty block means there is nothing left to play that way.
        """
        n = self.frame_count
        if count <= 0 or step == 0 or n == 0:
            return np.zeros(0, np.int16)
        last = n - 1
        if step > 0:
            available = int(np.floor((last - start) / step)) + 1 if start <= last else 0
        else:
            available = int(np.floor(start / -step)) + 1 if start >= 0 else 0
        count = max(0, min(count, available))
        if count == 0:
            return np.zeros(0, np.int16)
        if step in (1, -1) and float(start).is_integer():
            first = int(start)
            if step == 1:
                return self.samples[first : first + count].copy()
            stop = first - count
            return self.samples[first : (stop if stop >= 0 else None) : -1].copy()
        positions = start + step * np.arange(count, dtype=np.float64)
        lower = np.clip(np.floor(positions).astype(np.int64), 0, last)
        upper = np.minimum(lower + 1, last)
        fraction = positions - lower
        values = self.samples[lower] * (1.0 - fraction) + self.samples[upper] * fraction
        return np.round(values).astype(np.int16)


def load_playback_audio(path: Path | str, sample_rate: int = PLAYBACK_SAMPLE_RATE) -> PlaybackAudio:
    """Decode ``path`` (any container ffmpeg reads) for playback; InputError when it holds no audio."""
    parts = [_to_int16(block) for block in iter_audio_blocks(path, sample_rate, _DECODE_BLOCK_S, average_channels=True)]
    samples = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return PlaybackAudio(str(path), samples, int(sample_rate))


def _to_int16(block: np.ndarray) -> np.ndarray:
    return np.round(np.clip(block, -1.0, 1.0) * 32767.0).astype(np.int16)
