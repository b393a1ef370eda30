"""Audio decoding for any container through the ffmpeg binary that imageio-ffmpeg ships.

ffmpeg decodes, downmixes to mono and resamples in one pass and pipes raw
float32 samples to us, so WAV, FLAC, MP3, M4A/AAC, OGG/Opus and the audio
track of a video all go through one path. This avoids librosa's first
resampling call, which spends ~20 s compiling with numba on a fresh install.

Every failure a user can cause (missing file, not audio, a video without an
audio track, an empty file) raises :class:`InputError` with one line.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

from emospeaker_studio.core.errors import InputError
from emospeaker_studio.core.files import check_input_file

DEFAULT_SAMPLE_RATE = 16000
# The longest recording the app takes. Decoded whole, two hours of voice are
# 460 MB at 16 kHz (and more for playback); a day-long file or a stream that
# never ends would fill the memory first. ffmpeg is told to stop just past it.
MAX_AUDIO_SECONDS = 2 * 3600
_BYTES_PER_SAMPLE = 4  # float32
_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_AUDIO_STREAM_RE = re.compile(r"Stream #\d+:\d+.*?: Audio:")


@dataclass(frozen=True)
class AudioClip:
    """Mono audio. samples: float32 (n,), nominally in -1..1; sample_rate in Hz; duration_s in seconds."""

    samples: np.ndarray
    sample_rate: int
    duration_s: float

    @classmethod
    def from_samples(cls, samples: np.ndarray, sample_rate: int) -> "AudioClip":
        data = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        return cls(data, int(sample_rate), data.shape[0] / float(sample_rate))


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _check_input_file(path: Path) -> Path:
    # A regular file only: ffmpeg would wait forever on a FIFO and never finish /dev/zero.
    return check_input_file(path, "audio file", choose="an audio or video file")


def _check_finite(path: Path, samples: np.ndarray) -> np.ndarray:
    """The samples, or InputError when a float recording holds NaN or infinite values
    (which no encoder accepts and which would turn every later number into NaN)."""
    if not np.isfinite(samples).all():
        raise InputError(f"{path.name} contains invalid samples (NaN or infinity), a damaged float recording; "
                         "re-export it as 16-bit PCM WAV or FLAC")
    return samples


def _check_sample_rate(sample_rate: int) -> int:
    if int(sample_rate) != sample_rate or not 1000 <= sample_rate <= 384000:
        raise InputError(f"sample rate {sample_rate} is out of range; use 1000..384000 Hz")
    return int(sample_rate)


def _decode_command(path: Path, sample_rate: int, average_channels: bool = False) -> list[str]:
    # -map 0:a:0 takes the first audio stream and makes "no audio stream" an error
    # instead of an empty output; -vn skips decoding the video of a video file.
    # ffmpeg downmixes to float with -3 dB per channel, so identical stereo
    # channels come out 1.41x louder; -rematrix_maxval 1 makes it their mean
    # (what a listener hears, and never beyond full scale).
    average = ["-rematrix_maxval", "1.0"] if average_channels else []
    return [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error",
        "-i", str(path), "-map", "0:a:0", "-vn", "-sn", "-dn", *average,
        "-t", f"{MAX_AUDIO_SECONDS + 1:g}",
        "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-acodec", "pcm_f32le", "-",
    ]


def _error_from_stderr(path: Path, stderr: str) -> InputError:
    text = stderr.lower()
    if "matches no streams" in text:
        return InputError(f"{path.name} has no audio stream; give a file with a voice track")
    if "no such file" in text:
        return InputError(f"audio file {path} does not exist; check the path")
    if "permission denied" in text:
        return InputError(f"cannot read {path}: permission denied; check the file's permissions")
    return InputError(f"{path.name} is not a readable audio file (unknown format or corrupt); "
                      "convert it to WAV, FLAC, MP3, M4A or OGG")


def _check_length(path: Path, samples: int, sample_rate: int) -> None:
    if samples > MAX_AUDIO_SECONDS * sample_rate:
        hours = MAX_AUDIO_SECONDS / 3600
        raise InputError(f"{path.name} is longer than {hours:g} hours, the longest recording the app takes; "
                         "trim it or split it into parts")


def _empty_error(path: Path) -> InputError:
    return InputError(f"{path.name} contains no audio samples; give a recording that is not empty")


def load_audio(path: Path | str, sample_rate: int = DEFAULT_SAMPLE_RATE) -> AudioClip:
    """Decode the first audio stream of ``path`` to mono float32 at ``sample_rate`` Hz."""
    path = _check_input_file(Path(path))
    sample_rate = _check_sample_rate(sample_rate)
    proc = subprocess.run(_decode_command(path, sample_rate), capture_output=True, check=False)
    if proc.returncode != 0:
        raise _error_from_stderr(path, proc.stderr.decode("utf-8", "replace"))
    usable = len(proc.stdout) - len(proc.stdout) % _BYTES_PER_SAMPLE
    samples = np.frombuffer(proc.stdout[:usable], dtype="<f4").astype(np.float32)
    if samples.size == 0:
        raise _empty_error(path)
    _check_length(path, samples.size, sample_rate)
    return AudioClip.from_samples(_check_finite(path, samples), sample_rate)


def iter_audio_blocks(
    path: Path | str, sample_rate: int = DEFAULT_SAMPLE_RATE, block_seconds: float = 30.0,
    *, average_channels: bool = False,
) -> Iterator[np.ndarray]:
    """Yield consecutive mono float32 blocks of ``block_seconds`` (the last may be shorter).

    Streams from ffmpeg so an hour-long file is never held in memory at once.
    ``average_channels``: mono is the channels' mean (for listening) rather
    than ffmpeg's default downmix (-3 dB per channel, what the analysis was tuned on).
    Raises InputError (before or after yielding) when the file cannot be decoded
    or holds no samples at all.
    """
    path = _check_input_file(Path(path))
    sample_rate = _check_sample_rate(sample_rate)
    if block_seconds <= 0:
        raise ValueError("block_seconds must be positive")
    block_bytes = max(1, int(round(block_seconds * sample_rate))) * _BYTES_PER_SAMPLE
    proc = subprocess.Popen(
        _decode_command(path, sample_rate, average_channels), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    total = 0
    try:
        assert proc.stdout is not None and proc.stderr is not None
        while True:
            chunk = _read_exactly(proc.stdout, block_bytes)
            if not chunk:
                break
            usable = len(chunk) - len(chunk) % _BYTES_PER_SAMPLE
            if usable:
                total += usable // _BYTES_PER_SAMPLE
                _check_length(path, total, sample_rate)
                yield _check_finite(path, np.frombuffer(chunk[:usable], dtype="<f4").astype(np.float32))
        stderr = proc.stderr.read().decode("utf-8", "replace")
        if proc.wait() != 0:
            raise _error_from_stderr(path, stderr)
        if total == 0:
            raise _empty_error(path)
    finally:
        # Closing the generator early (or an exception) must not leave ffmpeg running.
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _read_exactly(stream, size: int) -> bytes:
    parts = []
    remaining = size
    while remaining > 0:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def probe_duration(path: Path | str) -> float:
    """Duration in seconds of the first audio stream, read from the container header.

    Falls back to decoding when the container does not state a duration (e.g. a
    raw stream); raises InputError when the file holds no audio.
    """
    path = _check_input_file(Path(path))
    # `ffmpeg -i` with no output exits 1 by design after printing the stream info.
    proc = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path)], capture_output=True, check=False
    )
    info = proc.stderr.decode("utf-8", "replace")
    if not _AUDIO_STREAM_RE.search(info):
        if "Input #0" in info:
            raise InputError(f"{path.name} has no audio stream; give a file with a voice track")
        raise _error_from_stderr(path, info)
    match = _DURATION_RE.search(info)
    if match:
        hours, minutes, seconds = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    samples = sum(block.size for block in iter_audio_blocks(path, 8000, 60.0))
    return samples / 8000.0
