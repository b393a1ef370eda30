"""Stream rendered frames (and the original audio) into a video file.

The video is never held in memory: frames go straight into ffmpeg's stdin as
they are rendered. ffmpeg writes to a hidden temporary file (or folder, for a
PNG sequence) beside the target, which is renamed over the target only when
ffmpeg has finished cleanly; on cancel or on any error ffmpeg is killed, the
temporary output deleted, and nothing is left in the folder.

Audio is the *original* file, muxed by ffmpeg and cut to the video's length
with ``-t frame_count/fps`` (``-shortest`` could drop the last video frame
when the audio ends inside it; the video is the reference length).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Iterable, Iterator, Optional

import numpy as np

from emospeaker_studio.core.errors import OutputError
from emospeaker_studio.core.export_paths import export_target
from emospeaker_studio.core.files import check_output_path, remove_quietly, temp_path_for, write_error
from emospeaker_studio.core.project import ExportFormat
from emospeaker_studio.engine.export import formats
from emospeaker_studio.engine.export.ffmpeg_pipe import FfmpegPipe
from emospeaker_studio.engine.jobs import CancelToken, ProgressCallback, RateMeter


# The progress callback is called at most this often (and at the end): a GUI
# signal or a terminal line per frame would cost more than the frame.
_PROGRESS_INTERVAL_S = 0.1
_QUEUE_BYTES = 128 * 1024 * 1024


def png_sequence_folder(out_path: Path) -> Path:
    """Where a PNG sequence for ``out_path`` goes: ``clip.png`` -> folder ``clip/``."""
    return export_target(out_path, ExportFormat.PNG)


def export_frames(
    frames: Iterable[np.ndarray],
    *,
    out_path: Path,
    fmt: ExportFormat,
    fps: float,
    size: tuple[int, int],
    frame_count: int,
    audio_path: Optional[Path] = None,
    alpha: bool = False,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
) -> Path:
    """Encode ``frame_count`` frames of ``size`` (w, h) at ``fps`` into ``out_path``.

    ``frames`` yields uint8 frames (H, W, 3|4) or batches (B, H, W, 3|4);
    frames with 4 channels keep their alpha when ``alpha`` is set and the
    format carries it (WebM, MOV, PNG). ``audio_path`` is muxed when the
    format carries audio (GIF does not); a PNG sequence gets it as
    ``audio.wav`` inside its folder. Returns the written path (for PNG the
    folder, see :func:`png_sequence_folder`).

    Raises OutputError (folder missing or read-only, ffmpeg failure, disk
    full) and Cancelled; either way nothing is left behind.
    """
    fmt_name = fmt.name
    out_path = Path(out_path).absolute()
    target = png_sequence_folder(out_path) if fmt_name == "PNG" else out_path
    target = check_output_path(target, inputs={"audio file": audio_path}, folder_output=fmt_name == "PNG")
    check_frame_folder_replaceable(target, is_folder=fmt_name == "PNG")
    if frame_count <= 0:
        raise OutputError("nothing to export: the video has no frames; check the audio length and fps")
    cancel = cancel or CancelToken()

    batches = _as_batches(frames)
    first = next(batches, None)
    if first is None:
        raise OutputError("nothing to export: no frames were rendered")
    w, h = size
    if first.shape[1:3] != (h, w) or first.shape[3] not in (3, 4) or first.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 ({h}, {w}, 3|4), got {first.dtype} {first.shape[1:]}")
    channels = first.shape[3]

    temp = temp_path_for(target)
    pipe = None
    try:
        if fmt_name == "PNG":
            temp.mkdir()
        palette = _gif_palette(first, temp, fps, target) if fmt_name == "GIF" else None
        args = _ffmpeg_args(fmt_name, temp, channels=channels, alpha=alpha, fps=fps, size=(w, h),
                            frame_count=frame_count, audio_path=audio_path, palette=palette)
        pipe = FfmpegPipe(args, queue_frames=_queue_frames(first))
        meter = RateMeter("encode", frame_count)
        done = 0
        last_report = 0.0

        def chain() -> Iterator[np.ndarray]:
            yield first
            yield from batches

        for batch in chain():
            if batch.shape[1:] != first.shape[1:]:
                raise ValueError(f"frame shape changed from {first.shape[1:]} to {batch.shape[1:]}")
            batch = batch[: frame_count - done]
            # Cancel is checked every frame: a batch is fed frame by frame.
            for frame in batch:
                cancel.raise_if_cancelled()
                pipe.feed(frame, cancel)
            done += len(batch)
            now = time.perf_counter()
            if progress is not None and (now - last_report >= _PROGRESS_INTERVAL_S or done >= frame_count):
                progress(meter.progress(done))
                last_report = now
            if done >= frame_count:
                break
        code = pipe.finish(cancel)
        if code != 0:
            raise OutputError(_failure_message(target, pipe.error_text()))
        if pipe.write_error is not None:
            raise pipe.write_error
        _move_into_place(temp, target)
        return target
    except OSError as exc:
        if pipe is not None:
            pipe.kill()
        raise OutputError(_os_error_message(target, exc, pipe)) from exc
    except BaseException:
        if pipe is not None:
            pipe.kill()
        raise
    finally:
        if pipe is not None:
            pipe.close()
        remove_quietly(temp)
        remove_quietly(_palette_path(temp))
        # Stop the renderer now (its worker threads), not whenever the generator is collected.
        for source in (batches, frames):
            close = getattr(source, "close", None)
            if close is not None:
                close()


def _queue_frames(first_batch: np.ndarray) -> int:
    """Frames in flight to ffmpeg: two render batches, so a whole batch renders while the
    previous one is written; capped in bytes so big GPU batches at 4K stay cheap."""
    frame_bytes = first_batch[0].nbytes
    return max(2, min(2 * len(first_batch), _QUEUE_BYTES // frame_bytes))


def _as_batches(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    for item in frames:
        item = np.asarray(item)
        yield item[None] if item.ndim == 3 else item


def _palette_path(temp: Path) -> Path:
    return temp.with_name(temp.name + ".palette.png")


def _gif_palette(first_batch: np.ndarray, temp: Path, fps: float, target: Path) -> Path:
    """A GIF palette from the first batch of frames, written beside the temporary output."""
    import subprocess

    from emospeaker_studio.engine.export.ffmpeg_pipe import ffmpeg_exe

    palette = _palette_path(temp)
    _, h, w, channels = first_batch.shape
    proc = subprocess.run([ffmpeg_exe(), *formats.palette_args((w, h), channels, fps, str(palette))],
                          input=np.ascontiguousarray(first_batch).tobytes(), capture_output=True)
    if proc.returncode != 0 or not palette.is_file():
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
        raise OutputError(_failure_message(target, lines[-1]))
    return palette


def _ffmpeg_args(fmt_name: str, temp: Path, *, channels: int, alpha: bool, fps: float, size: tuple[int, int],
                 frame_count: int, audio_path: Optional[Path],
                 palette: Optional[Path] = None) -> list[str]:
    w, h = size
    rate = formats.fps_text(fps)
    duration = f"{frame_count / fps:.6f}"
    args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgba" if channels == 4 else "rgb24", "-s", f"{w}x{h}",
            "-framerate", rate, "-i", "pipe:0"]
    if palette is not None:
        args += ["-i", str(palette)]
    with_audio = audio_path is not None and formats.carries_audio(fmt_name)
    if with_audio:
        args += ["-i", str(audio_path)]
    video = formats.video_args(fmt_name, alpha=alpha and channels == 4, size=size)
    if fmt_name != "GIF":  # the GIF filter graph maps its own output
        args += ["-map", "0:v:0"]
    if fmt_name == "PNG":
        args += video + ["-t", duration, str(temp / formats.PNG_FRAME_PATTERN)]
        if with_audio:
            args += ["-map", "1:a:0", *formats.audio_args(fmt_name), "-t", duration,
                     "-f", "wav", str(temp / formats.PNG_AUDIO_NAME)]
        return args
    if with_audio:
        args += ["-map", "1:a:0", *formats.audio_args(fmt_name)]
    return args + video + ["-t", duration, str(temp)]


def check_frame_folder_replaceable(target: Path, *, is_folder: bool = True) -> None:
    """A PNG sequence replaces a whole folder: only one that holds nothing but an earlier sequence."""
    if is_folder and target.exists() and not _is_frame_folder(target):
        raise OutputError(f"folder {target} holds other files; give a new folder name for the PNG frames, e.g. {target / 'frames'}")


def _is_frame_folder(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return all(p.is_file() and (p.name == formats.PNG_AUDIO_NAME or
                                (p.name.startswith("frame_") and p.suffix == ".png"))
               for p in folder.iterdir())


def _move_into_place(temp: Path, target: Path) -> None:
    if not temp.is_dir():
        if not temp.is_file() or temp.stat().st_size == 0:
            raise OutputError(f"ffmpeg wrote nothing for {target}; try another format")
        os.replace(temp, target)
        return
    # A folder cannot be renamed over a non-empty one: move the old sequence
    # aside first, so the target always holds one complete sequence.
    old = None
    if target.exists():
        old = temp_path_for(target)
        os.replace(target, old)
    os.replace(temp, target)
    if old is not None:
        remove_quietly(old)


def _failure_message(target: Path, ffmpeg_line: str) -> str:
    if "No space left" in ffmpeg_line:
        return f"disk full while writing {target}; free some space or choose another folder"
    return f"ffmpeg could not write {target.name}: {ffmpeg_line}"


def _os_error_message(target: Path, exc: OSError, pipe: Optional[FfmpegPipe]) -> str:
    if exc.errno == errno.ENOSPC:
        return f"disk full while writing {target}; free some space or choose another folder"
    if isinstance(exc, BrokenPipeError) and pipe is not None:
        # ffmpeg stopped reading: its own message says why.
        return _failure_message(target, pipe.error_text())
    return str(write_error(target, exc))
