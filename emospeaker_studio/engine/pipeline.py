"""The whole engine behind one call: a project snapshot -> frames -> a video file.

Preparation (portrait, face fit, audio, speech analysis, animation, renderer)
is split from rendering so that

* the preview can render any single frame (``render_frames(i, i + 1)``), and
* the GUI can re-animate after an emotion or style edit without re-fitting the
  face or re-analysing the speech: :meth:`PreparedRender.with_project` reuses
  every stage whose inputs did not change and re-runs only what did (an
  emotion edit costs one ``animate`` call, milliseconds);
* a key-point drag in the face editor (only ``landmark_offsets`` change) keeps
  the decoded portrait and the detected face, and builds the new renderer from
  the previous one, which takes over every part the moved points do not
  affect (see ``Renderer(previous=...)``); the frames are those of a fresh
  ``prepare``.

Frame ``i`` shows time ``i / fps``; a video has ``ceil(duration * fps)`` frames
so the last frame covers the end of the audio.
"""

from __future__ import annotations

import math
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np

from emospeaker_studio.core.errors import InputError, UserError
from emospeaker_studio.core.export_paths import check_export_paths
from emospeaker_studio.core.files import check_input_file, commit_temp, remove_quietly, write_temp
from emospeaker_studio.core.project import ExportFormat, Project
from emospeaker_studio.engine.controls import CoefficientTrack
from emospeaker_studio.engine.device import TorchJob, usable_cores, use_torch_threads
from emospeaker_studio.engine.export import check_frame_folder_replaceable, export_frames
from emospeaker_studio.engine.jobs import CancelToken, Progress, ProgressCallback
from emospeaker_studio.engine.speech.track import SpeechTrack

# Frames per renderer call when the renderer does not say what suits it: on
# CPU 8 is as fast per frame as 16 (measured at 512) and keeps memory low; a
# GPU needs bigger batches to fill.
DEFAULT_BATCH = 8
DEFAULT_BATCH_CUDA = 32
# Parallel CPU render workers at most: more only adds batches in memory.
MAX_CPU_WORKERS = 4
# Video length is ceil(duration * fps); this tolerance keeps a 2.0000001 s
# clip at 50 frames (25 fps) instead of 51 because of float rounding.
_FRAME_EPSILON = 1e-6
_PREPARE_STEPS = ("portrait", "face fit", "audio", "speech", "animation", "renderer")


def frame_count_for(duration_s: float, fps: float) -> int:
    """Frames needed to cover ``duration_s`` seconds at ``fps``: ceil(duration * fps)."""
    return max(1, math.ceil(duration_s * fps - _FRAME_EPSILON))


# --- what each stage depends on (a stage is reused while its key is equal) ---


def _file_key(path: Optional[str], what: str, option: str) -> tuple[str, int, int]:
    if not path:
        raise UserError(f"the project has no {what}; choose one ({option})")
    checked = check_input_file(path, what, option=option)  # a regular file, readable: nothing waits on a FIFO
    stat = os.stat(checked)
    return (os.path.abspath(path), stat.st_mtime_ns, stat.st_size)


def _source_key(project: Project) -> tuple:
    """The portrait and which face in it: what face detection depends on."""
    return (_file_key(project.portrait, "portrait", "--portrait"), project.face_index)


def _speech_key(project: Project) -> tuple:
    return (_file_key(project.audio, "audio file", "--audio"), project.output.fps)


def _renderer_key(project: Project, device: str) -> tuple:
    """What a renderer is made for, besides the face's landmarks: the face, the size and framing, the device."""
    out = project.output
    return (_source_key(project), out.height, out.width, out.framing, out.fill, device)


def _motion_key(project: Project, speech_key: tuple) -> tuple:
    """What the animation depends on besides the photo's expression."""
    return (speech_key, project.emotions, project.style)


@dataclass(frozen=True)
class _Stages:
    """Everything that is expensive to make, with the inputs it was made from."""

    source_key: tuple
    portrait: object  # engine.face.portrait.Portrait
    detected_fit: object  # engine.face.fit.FaceFit as detected, before the user's corrections
    corrections: tuple  # Project.landmark_offsets
    fit: object  # the detected fit with the corrections applied
    speech_key: tuple
    duration_s: float
    speech: SpeechTrack
    motion_key: tuple
    motion: object  # engine.animation.animate.Motion
    coefficients: CoefficientTrack  # the motion, for the fit's photo expression
    renderer_key: tuple
    renderer: object  # engine.render.renderer.Renderer


class PreparedRender:
    """A project ready to render: any frame range, or all frames in batches for export."""

    def __init__(self, project: Project, stages: _Stages, device: str) -> None:
        self.project = project
        self._stages = stages
        self.coefficients = stages.coefficients
        self.device = device

    # -- what was prepared --------------------------------------------------
    @property
    def fps(self) -> float:
        return self.project.output.fps

    @property
    def frame_count(self) -> int:
        return self.coefficients.frame_count

    @property
    def duration_s(self) -> float:
        """Length of the audio in seconds (the video is frame_count / fps, a little longer)."""
        return self._stages.duration_s

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the rendered frames in pixels."""
        return tuple(self._stages.renderer.size)

    @property
    def has_alpha(self) -> bool:
        """True when frames carry an alpha channel (the portrait is transparent)."""
        return bool(self._stages.renderer.has_alpha)

    @property
    def speech(self) -> SpeechTrack:
        return self._stages.speech

    @property
    def fit(self):
        """The face fit (engine.face.fit.FaceFit), user landmark corrections applied."""
        return self._stages.fit

    @property
    def portrait(self):
        return self._stages.portrait

    @property
    def renderer(self):
        return self._stages.renderer

    @property
    def notes(self) -> tuple[str, ...]:
        """One-line remarks a user should see (the render still goes ahead): several faces,
        and what this face will show weakly (engine/face/limits.py)."""
        from emospeaker_studio.engine.face.limits import expression_limits

        fit = self._stages.fit
        notes = []
        if getattr(fit, "face_count", 1) > 1:
            which = "the largest" if fit.face_index == 0 else f"face {fit.face_index}"
            notes.append(f"{fit.face_count} faces found in the portrait; animating {which} "
                         "(choose another with --face-index or in the face editor)")
        notes.extend(expression_limits(fit.landmarks, fit.face_height))
        enlarged = self._enlargement_note()
        if enlarged:
            notes.append(enlarged)
        out, (width, height) = self.project.output, self.size
        if height != out.height or (out.width is not None and width != out.width):
            asked = f"{out.width}×{out.height}" if out.width is not None else f"{out.height} px high"
            notes.append(f"{asked} rounded to {width}×{height}: video encoders need even sizes")
        return tuple(notes)

    def _enlargement_note(self) -> str:
        """Said when the frame needs more pixels than the photo has (the face looks soft)."""
        from emospeaker_studio.engine.framing import enlargement_note, frame_region

        portrait, size = self._stages.portrait, self.size
        if self.project.output.width is None:
            region_height = portrait.height
        else:
            region_height = frame_region((portrait.width, portrait.height), self._stages.fit.face_box, size,
                                         self.project.output.framing)[3]
        return enlargement_note(size, region_height, portrait.height)

    @property
    def batch_size(self) -> int:
        """Frames per renderer call in ``iter_batches``."""
        renderer = self._stages.renderer
        chosen = getattr(renderer, "batch_size", None)
        if chosen:
            return int(chosen)
        on_gpu = getattr(getattr(renderer, "device", None), "type", "cpu") == "cuda"
        return DEFAULT_BATCH_CUDA if on_gpu else DEFAULT_BATCH

    # -- rendering ----------------------------------------------------------
    def render_frames(self, start: int, stop: int) -> np.ndarray:
        """Frames ``start`` to ``stop - 1`` as uint8 (n, H, W, 3|4); any range, any order."""
        if not 0 <= start < stop <= self.frame_count:
            raise IndexError(f"frame range {start}:{stop} is outside 0:{self.frame_count}")
        return self._stages.renderer.render(self.coefficients.values[start:stop])

    @property
    def render_workers(self) -> int:
        """Batches rendered at the same time by ``iter_batches``: one per core on the CPU.

        On the CPU, several batches each on one torch thread beat one batch on
        every thread: the renderer's many small ops do not split well across
        threads. Measured on 2 cores: 512 px 140-150 fps with one thread,
        112 fps with two intra-op threads, 294-299 fps with two workers of one
        thread each; 1080p 44-57, 36 and 83-107 fps. A GPU takes one batch at a time.
        """
        device = getattr(self._stages.renderer, "device", None)
        if getattr(device, "type", "cpu") != "cpu":
            return 1
        return max(1, min(MAX_CPU_WORKERS, usable_cores()))

    def iter_batches(self, batch_size: Optional[int] = None, *, start: int = 0, stop: Optional[int] = None,
                     cancel: Optional[CancelToken] = None, workers: Optional[int] = None) -> Iterator[np.ndarray]:
        """Frames ``start``..``stop`` in order, ``batch_size`` at a time (the renderer's choice by default).

        Up to ``workers`` batches (default :attr:`render_workers`) render at the
        same time, at most one more waits rendered: memory stays a few batches.
        """
        stop = self.frame_count if stop is None else stop
        step = max(1, batch_size or self.batch_size)
        workers = self.render_workers if workers is None else max(1, workers)
        if workers == 1:
            for first in range(start, stop, step):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                yield self.render_frames(first, min(stop, first + step))
            return
        # Each render worker runs torch on one intra-op thread of its own
        # (engine.device owns that policy; the count is per thread).
        with ThreadPoolExecutor(workers, thread_name_prefix="render",
                                initializer=use_torch_threads, initargs=(TorchJob.EXPORT, "cpu")) as pool:
            pending: deque = deque()
            next_first = start
            try:
                while pending or next_first < stop:
                    while next_first < stop and len(pending) <= workers:
                        if cancel is not None:
                            cancel.raise_if_cancelled()
                        pending.append(pool.submit(self.render_frames, next_first, min(stop, next_first + step)))
                        next_first += step
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()

    # -- edits --------------------------------------------------------------
    def with_project(self, project: Project, *, device: Optional[str] = None,
                     progress: Optional[ProgressCallback] = None,
                     cancel: Optional[CancelToken] = None) -> "PreparedRender":
        """Prepared for ``project``, reusing every stage whose inputs are unchanged.

        An emotion or style edit only re-runs the animation; a new audio file
        re-analyses the speech; a new portrait, face or size rebuilds the rig; a
        landmark correction re-fits the rig from the previous one (the parts the
        moved points do not affect are kept).
        """
        return _prepare(project, device or self.device, progress, cancel, previous=self._stages)


def prepare(project: Project, *, device: str = "auto", progress: Optional[ProgressCallback] = None,
            cancel: Optional[CancelToken] = None) -> PreparedRender:
    """Load, fit, analyse, animate and build the renderer for ``project``.

    Raises UserError subclasses for a missing portrait or audio, no face, and
    unreadable files; Cancelled when ``cancel`` fires between steps.
    """
    return _prepare(project, device, progress, cancel, previous=None)


def fit_portrait(project: Project, *, cancel: Optional[CancelToken] = None) -> object:
    """The portrait's face fit with the user's corrections, before there is a voice: the window
    shows the fit and what the photo will show weakly as soon as it is opened. UserError for no
    face or an unreadable photo. The fit is cached per image, so the full preparation reuses it."""
    portrait, detected = _fit_face(project, _StepReporter(None), cancel or CancelToken())
    return _with_landmark_offsets(detected, project.landmark_offsets)


def _prepare(project: Project, device: str, progress: Optional[ProgressCallback], cancel: Optional[CancelToken],
             previous: Optional[_Stages]) -> PreparedRender:
    cancel = cancel or CancelToken()
    step = _StepReporter(progress)
    source_key, speech_key, renderer_key = _source_key(project), _speech_key(project), _renderer_key(project, device)

    corrections = project.landmark_offsets
    same_face = previous is not None and previous.source_key == source_key
    if same_face:
        portrait, detected = previous.portrait, previous.detected_fit
        step.skip(2)
    else:
        portrait, detected = _fit_face(project, step, cancel)
    same_fit = same_face and previous.corrections == corrections
    fit = previous.fit if same_fit else _with_landmark_offsets(detected, corrections)

    cancel.raise_if_cancelled()
    if previous is not None and previous.speech_key == speech_key:
        duration_s, speech = previous.duration_s, previous.speech
        step.skip(2)
    else:
        duration_s, speech = _analyse_speech(project, step, cancel, device)

    cancel.raise_if_cancelled()
    # A landmark correction changes the animation through the photo's measured
    # expression only, if at all.
    motion_key = _motion_key(project, speech_key)
    same_motion = previous is not None and previous.motion_key == motion_key
    if same_motion and previous.fit.photo_expression == fit.photo_expression:
        motion, coefficients = previous.motion, previous.coefficients
        step.skip(1)
    else:
        step.begin("animation")
        motion = previous.motion if same_motion else _animate(project, speech, None if previous is None else previous.motion)
        coefficients = motion.coefficients(fit.photo_expression)

    cancel.raise_if_cancelled()
    same_picture = previous is not None and previous.renderer_key == renderer_key
    if same_picture and same_fit:
        renderer = previous.renderer
        step.skip(1)
    else:
        step.begin("renderer")
        # Only the landmark corrections differ: a re-fit, from the previous renderer.
        renderer = _build_renderer(project, portrait, fit, device, previous=previous.renderer if same_picture else None)
    step.done()
    stages = _Stages(source_key, portrait, detected, corrections, fit, speech_key, duration_s, speech,
                     motion_key, motion, coefficients, renderer_key, renderer)
    return PreparedRender(project, stages, device)


def _fit_face(project: Project, step: "_StepReporter", cancel: CancelToken):
    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait

    step.begin("portrait")
    portrait = load_portrait(project.portrait)
    cancel.raise_if_cancelled()
    step.begin("face fit")
    return portrait, fit_face(portrait, face_index=project.face_index)


def _with_landmark_offsets(fit, offsets) -> object:
    """The fit with the user's landmark corrections (index, dx, dy in portrait pixels) applied."""
    if not offsets:
        return fit
    from emospeaker_studio.engine.face.expression import estimate_photo_expression

    landmarks = fit.landmarks.copy()
    for index, dx, dy in offsets:
        if not 0 <= index < landmarks.shape[0]:
            raise InputError(f"landmark correction for point {index} is out of range 0..{landmarks.shape[0] - 1}; "
                             "remove it in the face editor")
        landmarks[index, 0] += dx
        landmarks[index, 1] += dy
    # The photo's own expression is measured on the landmarks: re-measure it.
    return replace(fit, landmarks=landmarks, photo_expression=estimate_photo_expression(landmarks))


def _analyse_speech(project: Project, step: "_StepReporter", cancel: CancelToken,
                    device: str) -> tuple[float, SpeechTrack]:
    from emospeaker_studio.engine.audio import load_audio
    from emospeaker_studio.engine.device import resolve_device
    from emospeaker_studio.engine.speech.analyze import analyze_speech

    step.begin("audio")
    # Decoded once here; the clip is dropped after analysis (export muxes the
    # original file), so a long recording does not stay in memory.
    clip = load_audio(project.audio)
    duration_s = clip.duration_s
    frames = frame_count_for(duration_s, project.output.fps)
    cancel.raise_if_cancelled()
    step.begin("speech")
    # The speech network runs where the renderer does.
    speech = analyze_speech(clip, fps=project.output.fps, frame_count=frames, device=resolve_device(device))
    if speech.frame_count != frames:
        raise RuntimeError(f"speech analysis gave {speech.frame_count} frames, expected {frames}")
    return duration_s, speech


def _animate(project: Project, speech: SpeechTrack, previous=None):
    """The project's animation up to the photo's expression (engine.animation.animate.Motion);
    ``previous``: the last one, whose parts the edit did not change are reused."""
    from emospeaker_studio.engine.animation.animate import animate_speech

    return animate_speech(project.emotions, speech, project.style, fps=project.output.fps, frame_count=speech.frame_count,
                          previous=previous)


def _build_renderer(project: Project, portrait, fit, device: str, previous=None):
    from emospeaker_studio.engine.render.renderer import Renderer

    width, height = project.output.resolve_size(portrait.width, portrait.height)
    if project.output.width is not None:
        # A frame of its own shape (16:9, 9:16 ...): the photo's part around the head, extended where it must be.
        from emospeaker_studio.engine.framing import framed_portrait

        portrait, fit, _region_height = framed_portrait(portrait, fit, (width, height), project.output.framing,
                                                        project.output.fill)
    return Renderer(portrait, fit, height=height, width=width, device=device, previous=previous)


class _StepReporter:
    """Reports preparation as one 'prepare' progress bar over its steps."""

    def __init__(self, progress: Optional[ProgressCallback]) -> None:
        self._progress = progress
        self._done = 0

    def begin(self, name: str) -> None:
        if self._progress is not None:
            self._progress(Progress(f"prepare: {name}", self._done, len(_PREPARE_STEPS)))
        self._done += 1

    def skip(self, steps: int) -> None:
        self._done += steps

    def done(self) -> None:
        if self._progress is not None:
            self._progress(Progress("prepare", len(_PREPARE_STEPS), len(_PREPARE_STEPS)))


# --- one call: project -> file -----------------------------------------------


def output_format_for(out_path: Path, project: Project) -> ExportFormat:
    """The format ``out_path``'s suffix names, else the project's output format."""
    suffix = Path(out_path).suffix.lower()
    for fmt in ExportFormat:
        if suffix == fmt.suffix:
            return fmt
    return project.output.format


def render_project(project: Project, out_path: Path, *, device: str = "auto", fmt: Optional[ExportFormat] = None,
                   progress: Optional[ProgressCallback] = None, cancel: Optional[CancelToken] = None,
                   coefficients_out: Optional[Path] = None,
                   prepared: Optional[PreparedRender] = None,
                   notice: Optional[Callable[[str], None]] = None) -> Path:
    """Render ``project`` into ``out_path`` and return the path written.

    ``fmt``: the export format; by default the one ``out_path``'s suffix names,
    else ``project.output.format``. A PNG sequence goes into a folder (see
    ``export.png_sequence_folder``). ``coefficients_out``: also write the
    animated coefficients as JSON (``{"fps", "names", "frames"}``).
    ``prepared``: reuse an earlier preparation of this project (the GUI has one).
    ``notice``: receives one-line remarks (e.g. "3 faces found; animating the
    largest") before the export starts. Output folders are checked before any work; nothing partial is left behind
    on error or cancel.
    """
    fmt = fmt or output_format_for(out_path, project)
    target, coefficients_out = check_render_outputs(project, out_path, fmt, coefficients_out)
    cancel = cancel or CancelToken()

    if prepared is None:
        prepared = prepare(project, device=device, progress=progress, cancel=cancel)
    elif prepared.project != project or prepared.device != device:
        prepared = prepared.with_project(project, device=device, progress=progress, cancel=cancel)
    if notice is not None:
        for note in prepared.notes:
            notice(note)
    # The coefficients are written first, under a temporary name, and put in
    # place with the video: a command that fails leaves neither.
    coefficients_temp = None
    if coefficients_out is not None:
        import json

        coefficients_temp = write_temp(coefficients_out, json.dumps(prepared.coefficients.to_json_dict()).encode())
    try:
        # Frames render in parallel workers (iter_batches) while ffmpeg encodes.
        written = export_frames(
            prepared.iter_batches(cancel=cancel),
            out_path=target,
            fmt=fmt,
            fps=prepared.fps,
            size=prepared.size,
            frame_count=prepared.frame_count,
            audio_path=Path(project.audio),
            alpha=prepared.has_alpha,
            progress=progress,
            cancel=cancel,
        )
        if coefficients_temp is not None:
            try:
                commit_temp(coefficients_temp, coefficients_out)
            except BaseException:
                remove_quietly(written)
                raise
    except BaseException:
        if coefficients_temp is not None:
            remove_quietly(coefficients_temp)
        raise
    return written


def check_render_outputs(project: Project, out_path: Path, fmt: ExportFormat,
                         coefficients_out: Optional[Path] = None) -> tuple[Path, Optional[Path]]:
    """Where a render of ``project`` writes (the video or PNG folder; the coefficients), checked
    before any work (core.export_paths), and that a PNG folder holds only an earlier sequence."""
    video, coefficients = check_export_paths(project, out_path, fmt, coefficients_out)
    check_frame_folder_replaceable(video, is_folder=fmt is ExportFormat.PNG)
    return video, coefficients
