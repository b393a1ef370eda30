"""The voice as the Studio plays it: blocks forwards, backwards and at double speed."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from emospeaker_studio.core.errors import InputError
from emospeaker_studio.engine.playback_audio import PLAYBACK_SAMPLE_RATE, PlaybackAudio, load_playback_audio


def _ramp(n: int = 1000) -> PlaybackAudio:
    return PlaybackAudio("ramp.wav", np.arange(n, dtype=np.int16), 1000)


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    samples = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1.0 / rate)[np.argmax(spectrum)])


def test_forward_blocks_follow_on_from_each_other_and_stop_at_the_end():
    audio = _ramp()
    first = audio.block(0, 1, 400)
    second = audio.block(400, 1, 400)
    third = audio.block(800, 1, 400)
    assert np.array_equal(np.concatenate([first, second, third]), np.arange(1000))
    assert audio.block(1000, 1, 10).size == 0


def test_backward_blocks_play_the_recording_in_reverse_down_to_its_first_sample():
    audio = _ramp()
    block = audio.block(999, -1, 600)
    assert np.array_equal(block, np.arange(999, 399, -1))
    rest = audio.block(399, -1, 600)
    assert np.array_equal(rest, np.arange(399, -1, -1))
    assert audio.block(-1, -1, 10).size == 0


def test_double_speed_takes_every_other_sample_and_fractions_interpolate():
    audio = _ramp()
    assert np.array_equal(audio.block(10, 2, 5), [10, 12, 14, 16, 18])
    tens = PlaybackAudio("tens.wav", np.arange(100, dtype=np.int16) * 10, 1000)
    assert np.array_equal(tens.block(10.5, 1, 2), [105, 115])
    assert np.array_equal(audio.block(20, -2, 4), [20, 18, 16, 14])
    assert audio.block(996, 2, 10).size == 2  # 996 and 998, then the end


def test_a_tone_played_backwards_keeps_its_pitch_and_double_speed_doubles_it(tmp_path):
    rate = 16000
    t = np.arange(rate) / rate
    audio = PlaybackAudio("tone.wav", np.round(np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16), rate)
    assert _dominant_hz(audio.block(rate - 1, -1, 8000), rate) == pytest.approx(440, abs=4)
    assert _dominant_hz(audio.block(0, 2, 8000), rate) == pytest.approx(880, abs=4)


def test_a_recording_is_decoded_to_mono_pcm_at_the_playback_rate(tmp_path):
    path = tmp_path / "voice.wav"
    rate = 44100
    t = np.arange(int(1.5 * rate)) / rate
    tone = (0.5 * np.sin(2 * np.pi * 300 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(np.column_stack([tone, tone]).tobytes())
    audio = load_playback_audio(path)
    assert audio.sample_rate == PLAYBACK_SAMPLE_RATE
    assert audio.samples.dtype == np.int16
    assert audio.duration_s == pytest.approx(1.5, abs=0.01)
    assert 15000 < np.abs(audio.samples).max() <= 16500
    assert _dominant_hz(audio.samples, audio.sample_rate) == pytest.approx(300, abs=3)


def test_a_file_without_audio_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("not audio")
    with pytest.raises(InputError, match="notes.wav"):
        load_playback_audio(path)
