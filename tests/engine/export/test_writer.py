"""Export: each format is playable with the right frames, size, fps and audio; failures leave nothing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emospeaker_studio.core.errors import Cancelled, OutputError
from emospeaker_studio.core.project import ExportFormat
from emospeaker_studio.engine.export import export_frames, ffmpeg_pipe
from emospeaker_studio.engine.jobs import CancelToken

from export_media import decode_frames, media_info

W, H, FPS = 160, 120, 25.0
AUDIO_S = 1.23  # not a whole number of frames: the video is ceil(1.23 * 25) = 31 frames
FRAMES = 31


@pytest.fixture(scope="module")
def voice(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "voice.wav"
    sr = 22050
    t = np.arange(int(AUDIO_S * sr)) / sr
    sf.write(path, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), sr)
    return path


def pattern_frame(i: int, channels: int = 3) -> np.ndarray:
    """A frame with a colour ramp (catches channel order) and a moving bar (catches frame order)."""
    frame = np.zeros((H, W, channels), np.uint8)
    frame[..., 0] = np.linspace(0, 255, W, dtype=np.uint8)[None, :]
    frame[..., 1] = 60
    frame[..., 2] = 200
    x = (i * 5) % (W - 10)
    frame[:, x : x + 10, :3] = 255
    if channels == 4:
        frame[..., 3] = 255
        frame[: H // 2, :, 3] = 0  # top half transparent
    return frame


def batches(n: int = FRAMES, batch: int = 8, channels: int = 3, on_frame=None):
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        if on_frame is not None:
            on_frame(start)
        yield np.stack([pattern_frame(i, channels) for i in range(start, stop)])


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize(
    "fmt, video_codec, audio_codec",
    [
        (ExportFormat.MP4, "h264", "aac"),
        (ExportFormat.WEBM, "vp9", "opus"),
        (ExportFormat.MOV, "prores", "pcm_s16le"),
        (ExportFormat.GIF, "gif", None),
    ],
)
def test_each_video_format_is_playable_with_right_frames_size_fps_and_audio(tmp_path, voice, fmt, video_codec, audio_codec):
    out = tmp_path / f"clip{fmt.suffix}"
    reports = []
    written = export_frames(batches(), out_path=out, fmt=fmt, fps=FPS, size=(W, H), frame_count=FRAMES,
                            audio_path=voice, progress=reports.append)
    assert written == out
    info = media_info(out)
    assert (info.frames, info.width, info.height) == (FRAMES, W, H), info.text
    assert info.fps == pytest.approx(FPS), info.text
    assert info.video_codec == video_codec
    assert info.audio_codec == audio_codec, info.text
    assert reports[-1].done == FRAMES and reports[-1].total == FRAMES and reports[-1].fps > 0
    assert leftovers(tmp_path, {out.name}) == []


def test_mp4_frames_decode_to_what_was_rendered(tmp_path, voice):
    out = tmp_path / "clip.mp4"
    export_frames(batches(), out_path=out, fmt=ExportFormat.MP4, fps=FPS, size=(W, H), frame_count=FRAMES,
                  audio_path=voice)
    data = out.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # +faststart: plays while still downloading
    decoded = decode_frames(out)
    assert decoded.shape == (FRAMES, H, W, 3)
    for i in (0, 17, FRAMES - 1):
        error = np.abs(decoded[i].astype(int) - pattern_frame(i).astype(int)).mean()
        assert error < 6, f"frame {i} differs by {error:.1f} grey levels on average"


def test_gif_colours_stay_close_to_the_frames(tmp_path):
    out = tmp_path / "clip.gif"
    export_frames(batches(), out_path=out, fmt=ExportFormat.GIF, fps=FPS, size=(W, H), frame_count=FRAMES)
    decoded = decode_frames(out)
    assert decoded.shape == (FRAMES, H, W, 3)
    for i in (0, FRAMES - 1):
        error = np.abs(decoded[i].astype(int) - pattern_frame(i).astype(int)).mean()
        assert error < 10, f"GIF frame {i} differs by {error:.1f} grey levels on average"


def test_single_frames_and_frame_count_limit(tmp_path):
    # Single (H, W, 3) frames are accepted too, and frames past frame_count are not written.
    out = tmp_path / "clip.mp4"
    export_frames((pattern_frame(i) for i in range(40)), out_path=out, fmt=ExportFormat.MP4, fps=FPS,
                  size=(W, H), frame_count=20)
    info = media_info(out)
    assert info.frames == 20 and info.audio_codec is None


def test_png_sequence_is_a_folder_of_lossless_frames_with_the_audio(tmp_path, voice):
    out = tmp_path / "clip.png"
    written = export_frames(batches(channels=4), out_path=out, fmt=ExportFormat.PNG, fps=FPS, size=(W, H),
                            frame_count=FRAMES, audio_path=voice, alpha=True)
    assert written == tmp_path / "clip" and written.is_dir()
    names = sorted(p.name for p in written.iterdir())
    assert names == ["audio.wav"] + [f"frame_{i:06d}.png" for i in range(1, FRAMES + 1)]
    from PIL import Image

    with Image.open(written / "frame_000012.png") as image:
        assert image.mode == "RGBA"
        assert np.array_equal(np.asarray(image), pattern_frame(11, 4))
    info = sf.info(written / "audio.wav")
    assert info.duration == pytest.approx(AUDIO_S, abs=0.01)
    assert leftovers(tmp_path, {"clip"}) == []


def test_png_sequence_replaces_an_earlier_sequence_but_never_other_files(tmp_path):
    folder = tmp_path / "frames"
    export_frames(batches(n=10), out_path=folder, fmt=ExportFormat.PNG, fps=FPS, size=(W, H), frame_count=10)
    export_frames(batches(n=5), out_path=folder, fmt=ExportFormat.PNG, fps=FPS, size=(W, H), frame_count=5)
    assert len(list(folder.iterdir())) == 5
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="holds other files"):
        export_frames(batches(n=5), out_path=folder, fmt=ExportFormat.PNG, fps=FPS, size=(W, H), frame_count=5)
    assert (folder / "notes.txt").read_text() == "mine"
    assert leftovers(tmp_path, {"frames"}) == []


def test_alpha_portrait_gives_prores_4444_with_alpha(tmp_path, voice):
    out = tmp_path / "clip.mov"
    export_frames(batches(channels=4), out_path=out, fmt=ExportFormat.MOV, fps=FPS, size=(W, H),
                  frame_count=FRAMES, audio_path=voice, alpha=True)
    info = media_info(out)
    # ffmpeg's ProRes decoder reports 4444 with alpha as yuva444p12le (it was encoded yuva444p10le).
    assert info.pix_fmt.startswith("yuva444p"), info.text
    assert "4444" in info.text


def test_alpha_portrait_gives_webm_with_alpha(tmp_path):
    out = tmp_path / "clip.webm"
    export_frames(batches(channels=4), out_path=out, fmt=ExportFormat.WEBM, fps=FPS, size=(W, H),
                  frame_count=FRAMES, alpha=True)
    assert "alpha_mode      : 1" in media_info(out).text


def test_opaque_portrait_gives_prores_422_hq(tmp_path):
    out = tmp_path / "clip.mov"
    export_frames(batches(), out_path=out, fmt=ExportFormat.MOV, fps=FPS, size=(W, H), frame_count=FRAMES)
    info = media_info(out)
    assert info.pix_fmt.startswith("yuv422p10"), info.text
    assert "(HQ)" in info.text


def test_alpha_is_dropped_for_mp4(tmp_path):
    out = tmp_path / "clip.mp4"
    export_frames(batches(channels=4), out_path=out, fmt=ExportFormat.MP4, fps=FPS, size=(W, H),
                  frame_count=FRAMES, alpha=True)
    assert media_info(out).pix_fmt == "yuv420p"


def test_cancel_mid_export_leaves_nothing(tmp_path, voice):
    token = CancelToken()

    def cancel_at(start):
        if start >= 16:
            token.cancel()

    with pytest.raises(Cancelled):
        export_frames(batches(on_frame=cancel_at), out_path=tmp_path / "clip.mp4", fmt=ExportFormat.MP4,
                      fps=FPS, size=(W, H), frame_count=FRAMES, audio_path=voice, cancel=token)
    assert leftovers(tmp_path, set()) == []


def test_cancel_png_sequence_leaves_no_folder(tmp_path):
    token = CancelToken()
    with pytest.raises(Cancelled):
        export_frames(batches(on_frame=lambda s: s >= 8 and token.cancel()), out_path=tmp_path / "seq",
                      fmt=ExportFormat.PNG, fps=FPS, size=(W, H), frame_count=FRAMES, cancel=token)
    assert leftovers(tmp_path, set()) == []


def test_ffmpeg_failure_is_one_line_output_error_and_leaves_nothing(tmp_path):
    bad_audio = tmp_path / "voice.wav"
    bad_audio.write_bytes(b"this is not audio at all" * 10)
    existing = tmp_path / "clip.mp4"
    existing.write_bytes(b"previous video")
    with pytest.raises(OutputError) as info:
        export_frames(batches(), out_path=existing, fmt=ExportFormat.MP4, fps=FPS, size=(W, H),
                      frame_count=FRAMES, audio_path=bad_audio)
    assert "\n" not in str(info.value) and "clip.mp4" in str(info.value)
    # The earlier file is untouched and no temporary file is left.
    assert existing.read_bytes() == b"previous video"
    assert leftovers(tmp_path, {"voice.wav", "clip.mp4"}) == []


def test_missing_output_folder_is_refused_before_any_work(tmp_path):
    consumed = []
    frames = (consumed.append(i) or pattern_frame(i) for i in range(FRAMES))
    with pytest.raises(OutputError, match="does not exist"):
        export_frames(frames, out_path=tmp_path / "nowhere" / "clip.mp4", fmt=ExportFormat.MP4, fps=FPS,
                      size=(W, H), frame_count=FRAMES)
    assert consumed == []  # nothing was rendered
    assert leftovers(tmp_path, set()) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_output_folder_is_refused(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            export_frames(batches(), out_path=folder / "clip.mp4", fmt=ExportFormat.MP4, fps=FPS, size=(W, H),
                          frame_count=FRAMES)
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_disk_full_mid_export_removes_the_temporary_file(tmp_path, voice, monkeypatch):
    real_write = ffmpeg_pipe.write_to_pipe
    writes = []

    def write_until_full(pipe, data):
        writes.append(len(data))
        if len(writes) > 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(pipe, data)

    monkeypatch.setattr(ffmpeg_pipe, "write_to_pipe", write_until_full)
    with pytest.raises(OutputError, match="disk full"):
        export_frames(batches(), out_path=tmp_path / "clip.mp4", fmt=ExportFormat.MP4, fps=FPS, size=(W, H),
                      frame_count=FRAMES, audio_path=voice)
    assert len(writes) > 10
    assert leftovers(tmp_path, set()) == []


def test_target_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "clip.mp4").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        export_frames(batches(), out_path=tmp_path / "clip.mp4", fmt=ExportFormat.MP4, fps=FPS, size=(W, H),
                      frame_count=FRAMES)
