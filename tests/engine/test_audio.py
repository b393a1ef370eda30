"""The audio decoder: every common container, and one clear line for each bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from emospeaker_studio.core.errors import InputError
from emospeaker_studio.engine.audio import ffmpeg_exe, iter_audio_blocks, load_audio, probe_duration

# container suffix -> encoder options for a 1.5 s 440 Hz tone
CONTAINERS = {
    ".wav": ["-c:a", "pcm_s16le"],
    ".flac": ["-c:a", "flac"],
    ".mp3": ["-c:a", "libmp3lame"],
    ".m4a": ["-c:a", "aac"],
    ".ogg": ["-c:a", "libvorbis"],
    ".opus": ["-c:a", "libopus"],
}


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args], check=True)


def _encoders() -> str:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True, text=True).stdout


def _tone(path: Path, options: list[str], rate: int = 44100, channels: int = 2, seconds: float = 1.5) -> Path:
    _ffmpeg("-f", "lavfi", "-i", f"sine=f=440:sample_rate={rate}:d={seconds}", "-ac", str(channels), *options, str(path))
    return path


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1.0 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("suffix", sorted(CONTAINERS))
def test_every_audio_container_decodes_to_the_same_tone(tmp_path, suffix):
    options = CONTAINERS[suffix]
    if options[1] not in _encoders() and options[1] != "pcm_s16le":
        # vorbis may be absent from some ffmpeg builds; opus in ogg covers the container then
        options = ["-c:a", "libopus"]
    path = _tone(tmp_path / f"tone{suffix}", options)
    clip = load_audio(path, 16000)
    assert clip.sample_rate == 16000
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert abs(clip.duration_s - 1.5) < 0.1
    assert abs(_dominant_hz(clip.samples[2000:20000], 16000) - 440) < 5
    assert 0.1 < np.abs(clip.samples).max() < 0.15  # lavfi sine amplitude is 1/8
    assert abs(probe_duration(path) - 1.5) < 0.1


def test_audio_track_of_a_video(tmp_path):
    path = tmp_path / "clip.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=d=2:s=64x64:r=25", "-f", "lavfi", "-i", "sine=f=300:d=2",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path))
    clip = load_audio(path, 22050)
    assert clip.sample_rate == 22050 and abs(clip.duration_s - 2.0) < 0.1
    assert abs(_dominant_hz(clip.samples[5000:40000], 22050) - 300) < 5


def test_high_rate_multichannel_input_is_resampled_and_downmixed(tmp_path):
    path = _tone(tmp_path / "studio.wav", ["-c:a", "pcm_s24le"], rate=96000, channels=6)
    clip = load_audio(path)
    assert clip.sample_rate == 16000 and clip.samples.size == pytest.approx(24000, abs=50)


def test_streaming_blocks_match_the_whole_decode(tmp_path):
    path = tmp_path / "noise.flac"
    _ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=3.3:c=pink:seed=3", "-c:a", "flac", str(path))
    whole = load_audio(path, 16000).samples
    blocks = list(iter_audio_blocks(path, 16000, block_seconds=1.0))
    assert [b.size for b in blocks[:-1]] == [16000] * (len(blocks) - 1)
    np.testing.assert_array_equal(np.concatenate(blocks), whole)


def test_silence_is_valid_audio(tmp_path):
    path = _tone(tmp_path / "silence.wav", ["-af", "volume=0", "-c:a", "pcm_s16le"])
    clip = load_audio(path)
    assert clip.duration_s == pytest.approx(1.5, abs=0.01) and np.abs(clip.samples).max() == 0


def _assert_one_line(exc: pytest.ExceptionInfo, *words: str) -> None:
    message = str(exc.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as exc:
        load_audio(tmp_path / "nope.wav")
    _assert_one_line(exc, "does not exist")
    with pytest.raises(InputError):
        probe_duration(tmp_path / "nope.wav")


def test_corrupt_file(tmp_path):
    path = tmp_path / "voice.mp3"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(InputError) as exc:
        load_audio(path)
    _assert_one_line(exc, "voice.mp3", "not a readable audio file")
    with pytest.raises(InputError):
        list(iter_audio_blocks(path))


def test_text_file_is_not_audio(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("hello, this is not audio\n")
    with pytest.raises(InputError) as exc:
        probe_duration(path)
    _assert_one_line(exc, "notes.wav")


def test_video_without_audio_stream(tmp_path):
    path = tmp_path / "mute.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=d=1:s=64x64:r=25", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path))
    for call in (load_audio, probe_duration, lambda p: list(iter_audio_blocks(p))):
        with pytest.raises(InputError) as exc:
            call(path)
        _assert_one_line(exc, "no audio stream")


def test_empty_audio(tmp_path):
    path = tmp_path / "empty.wav"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", "-c:a", "pcm_s16le", str(path))
    with pytest.raises(InputError) as exc:
        load_audio(path)
    _assert_one_line(exc, "no audio samples")


def test_a_recording_longer_than_the_limit_is_refused_before_it_fills_the_memory(tmp_path, monkeypatch):
    """Whole and streamed decoding both stop just past the limit (here 2 s for a 6 s file)
    and say so in one line; a recording within the limit is taken whole."""
    from emospeaker_studio.engine import audio

    monkeypatch.setattr(audio, "MAX_AUDIO_SECONDS", 2)
    long_path = _tone(tmp_path / "long.wav", ["-c:a", "pcm_s16le"], seconds=6.0)
    with pytest.raises(InputError) as exc:
        load_audio(long_path)
    _assert_one_line(exc, "long.wav", "longer than", "trim it or split it")
    with pytest.raises(InputError) as exc:
        list(iter_audio_blocks(long_path, block_seconds=0.5))
    _assert_one_line(exc, "longer than")
    # ffmpeg stopped just past the limit rather than decoding the whole file.
    command = audio._decode_command(long_path, 16000)
    assert command[command.index("-t") + 1] == "3"
    assert load_audio(_tone(tmp_path / "short.wav", ["-c:a", "pcm_s16le"], seconds=1.5)).duration_s == pytest.approx(1.5, abs=0.01)
