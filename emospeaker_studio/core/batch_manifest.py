"""A batch manifest: many renders described in one CSV or JSON Lines file, or a folder of projects.

Each row is one job: its inputs (``portrait`` + ``audio`` [+ ``emotion``], or
``project``), its ``output``, and any render option as a column. Reading a
manifest never stops at the first mistake: every problem of every row is
collected, with its row number, so one run of the command lists them all.
Relative paths resolve against the manifest's folder. Standard library only.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from emospeaker_studio.core.errors import InputError, UserError
from emospeaker_studio.core.export_paths import export_target
from emospeaker_studio.core.files import PathLike, check_input_file, open_input, same_file
from emospeaker_studio.core.project import ExportFormat

#: Columns naming files, and the render option each becomes.
PATH_COLUMNS = {"portrait": "--portrait", "audio": "--audio", "project": "--project"}
#: Columns holding a render option's value, and that option.
VALUE_COLUMNS = {
    "emotion": "--emotion", "face_index": "--face-index", "format": "--format", "size": "--size",
    "aspect": "--aspect", "framing": "--framing", "fill": "--fill", "fps": "--fps",
    "head_motion": "--head-motion", "blink_rate": "--blink-rate", "lipsync": "--lipsync",
    "expressiveness": "--expressiveness", "seed": "--seed",
}
#: Yes/no columns, and the render flag each sets when yes.
FLAG_COLUMNS = {"still": "--still"}
COLUMNS = ("output", *PATH_COLUMNS, *VALUE_COLUMNS, *FLAG_COLUMNS)

_YES = {"1", "true", "yes", "y"}
_NO = {"", "0", "false", "no", "n"}
# A manifest is text a person writes; a bigger file is a mistake (a video given by accident).
MAX_MANIFEST_BYTES = 50_000_000
PROJECT_SUFFIX = ".esproj"


@dataclass(frozen=True)
class BatchJob:
    """One row: ``row`` counts data rows from 1; ``settings`` holds the row's columns as given
    (paths made absolute); ``output`` is absolute."""

    row: int
    output: Path
    settings: dict = field(hash=False)

    def render_arguments(self) -> list[str]:
        """The ``render`` command's arguments for this job (without the command name)."""
        args: list[str] = []
        for column, option in {**PATH_COLUMNS, **VALUE_COLUMNS}.items():
            if self.settings.get(column, "") != "":
                args += [option, self.settings[column]]
        for column, flag in FLAG_COLUMNS.items():
            if self.settings.get(column, "").lower() in _YES:
                args.append(flag)
        return args + ["-o", str(self.output)]

    @property
    def input_files(self) -> list[Path]:
        """The files the row names directly (a project's own portrait and audio are not among them)."""
        return [Path(self.settings[c]) for c in PATH_COLUMNS if self.settings.get(c)]


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row (row 0: with the manifest as a whole)."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row else self.message


@dataclass
class Manifest:
    """What a manifest asks for: the jobs that read well and the problems of the others."""

    source: Path
    jobs: list[BatchJob]
    problems: list[RowProblem]
    rows: int

    @property
    def invalid_rows(self) -> set[int]:
        return {p.row for p in self.problems}

    def valid_jobs(self) -> list[BatchJob]:
        bad = self.invalid_rows
        return [job for job in self.jobs if job.row not in bad]

    def add_problem(self, row: int, message: str) -> None:
        self.problems.append(RowProblem(row, message))

    def results_path(self) -> Path:
        """Where the outcome of each job is recorded: beside a manifest file, inside a folder."""
        if self.source.is_dir():
            return self.source / "batch.results.jsonl"
        return self.source.with_name(self.source.name + ".results.jsonl")


def read_manifest(path: PathLike, *, output_dir: Optional[PathLike] = None) -> Manifest:
    """Read a CSV, a JSON Lines file or a folder of ``.esproj`` files; InputError only when the
    manifest as a whole cannot be read, every row's problems in ``Manifest.problems``."""
    source = Path(os.fspath(path)).expanduser()
    if source.is_dir():
        return _folder_manifest(source.resolve(), output_dir)
    if output_dir is not None:
        raise InputError("--output-dir is for a folder of projects; a manifest file names each row's output")
    checked = check_input_file(source, "manifest", max_bytes=MAX_MANIFEST_BYTES)
    suffix = checked.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise InputError(f"manifest {checked.name} is neither .csv nor .jsonl; give a CSV or JSON Lines file "
                         "(one job a row) or a folder of .esproj projects")
    try:
        text = open_input(checked, "manifest", max_bytes=MAX_MANIFEST_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"manifest {checked.name} is not UTF-8 text; save it as a UTF-8 CSV or JSON Lines file") from None
    raw_rows = _csv_rows(text, checked) if suffix == ".csv" else _jsonl_rows(text, checked)
    manifest = Manifest(checked, [], [], len(raw_rows))
    for number, row in enumerate(raw_rows, start=1):
        if isinstance(row, str):  # a row that could not be read at all
            manifest.add_problem(number, row)
            continue
        job = _job_from_row(number, row, checked.parent, manifest)
        if job is not None:
            manifest.jobs.append(job)
    if not raw_rows:
        raise InputError(f"manifest {checked.name} has no jobs; add one row per render")
    check_outputs_apart(manifest)
    return manifest


def _csv_rows(text: str, path: Path) -> list:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), skipinitialspace=True)
        header = reader.fieldnames
        if not header:
            raise InputError(f"manifest {path.name} is empty; its first line names the columns (output, portrait, audio, ...)")
        _check_header([h.strip() for h in header if h is not None], path)
        rows: list = []
        for record in reader:
            if None in record:
                rows.append(f"has {len(record[None])} more value(s) than the header has columns")
            elif any(value is None for value in record.values()):
                rows.append("has fewer values than the header has columns")
            else:
                rows.append({key.strip(): value.strip() for key, value in record.items()})
        return rows
    except csv.Error as exc:
        raise InputError(f"manifest {path.name} is not valid CSV ({exc}); check its quoting") from None


def _jsonl_rows(text: str, path: Path) -> list:
    rows: list = []
    unknown: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(f"is not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict):
            rows.append("is not a JSON object; write one {\"column\": value} object per line")
            continue
        unknown |= set(record) - set(COLUMNS)
        row = {}
        for key, value in record.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif value is None:
                value = ""
            elif isinstance(value, (int, float)):
                value = json.dumps(value)
            elif not isinstance(value, str):
                rows.append(f"column {key!r} holds a JSON {type(value).__name__}; give a string or a number")
                break
            row[key] = value.strip()
        else:
            rows.append(row)
    if unknown:
        _check_header(sorted(unknown), path)
    return rows


def _check_header(columns: list[str], path: Path) -> None:
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise InputError(f"manifest {path.name}: unknown column(s) {', '.join(unknown)}; "
                         f"the columns are {', '.join(COLUMNS)}")
    if "output" not in columns and path.suffix.lower() == ".csv":
        raise InputError(f"manifest {path.name} has no output column; every row names the file it writes")


def _job_from_row(number: int, row: dict, base: Path, manifest: Manifest) -> Optional[BatchJob]:
    settings = {key: value for key, value in row.items() if value != ""}
    for column in PATH_COLUMNS:
        if column in settings:
            settings[column] = str(_resolve(settings[column], base))
    has_project = "project" in settings
    for column in ("portrait", "audio"):
        if not has_project and column not in settings:
            manifest.add_problem(number, f"no {column}; give a portrait and an audio column, or a project")
    for column in PATH_COLUMNS:
        if column in settings:
            what = "project file" if column == "project" else "audio file" if column == "audio" else column
            try:
                settings[column] = str(check_input_file(settings[column], what))
            except UserError as exc:
                manifest.add_problem(number, str(exc))
    for column in FLAG_COLUMNS:
        value = settings.get(column, "").lower()
        if value not in _YES | _NO:
            manifest.add_problem(number, f"{column} is {settings[column]!r}; give true or false")
    if "output" not in settings:
        manifest.add_problem(number, "no output; name the file this row writes")
        return None
    # Kept even with problems: the checks across rows (one output twice) still see it.
    return BatchJob(number, _resolve(settings.pop("output"), base), settings)


def _resolve(text: str, base: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


def _folder_manifest(folder: Path, output_dir: Optional[PathLike]) -> Manifest:
    projects = sorted(p for p in folder.iterdir() if p.suffix.lower() == PROJECT_SUFFIX and p.is_file())
    if not projects:
        raise InputError(f"folder {folder} holds no {PROJECT_SUFFIX} projects; give a folder of projects or a manifest file")
    target_dir = folder
    if output_dir is not None:
        target_dir = Path(os.fspath(output_dir)).expanduser().absolute()
        if not target_dir.is_dir():
            raise InputError(f"--output-dir {target_dir} is not a folder; create it first")
    manifest = Manifest(folder, [], [], len(projects))
    for number, project in enumerate(projects, start=1):
        output = target_dir / (project.stem + ".mp4")
        manifest.jobs.append(BatchJob(number, output, {"project": str(project.resolve())}))
    check_outputs_apart(manifest)
    return manifest


def check_outputs_apart(manifest: Manifest) -> None:
    """Record a problem for two rows writing one file and for an output that is any row's input."""
    seen: dict[str, int] = {}
    for job in manifest.jobs:
        # What the row writes: clip.png as a PNG sequence is the folder clip/, as "clip/" is.
        key = os.path.normcase(os.path.realpath(_written(job)))
        if key in seen:
            manifest.add_problem(job.row, f"output {job.output} is also row {seen[key]}'s output; give each row its own")
        else:
            seen[key] = job.row
    for job in manifest.jobs:
        readers: dict[str, list[int]] = {}  # each input this output would destroy -> the rows reading it
        for other in manifest.jobs:
            for source in other.input_files:
                if same_file(job.output, source) or os.path.realpath(source).startswith(os.path.realpath(job.output) + os.sep):
                    readers.setdefault(str(source), []).append(other.row)
        for source, rows in readers.items():
            which = "its own" if job.row in rows else f"row {rows[0]}'s"
            manifest.add_problem(job.row, f"output {job.output} is {which} input {source}; "
                                          "writing it would destroy that input")
        if same_file(job.output, manifest.source):
            manifest.add_problem(job.row, f"output {job.output} is the manifest itself; choose another output name")


def _written(job: BatchJob) -> Path:
    """The file or folder a job's render writes (export_paths.export_target)."""
    try:
        fmt = ExportFormat.parse(job.settings["format"]) if job.settings.get("format") else ExportFormat.from_path(job.output)
    except UserError:
        return job.output  # an unknown format is the row's own problem, reported by render's checks
    return export_target(job.output, fmt)


def column_of_option(option: str) -> str:
    """The manifest column that gives the render option ``option`` ("--head-motion" -> "head_motion")."""
    for column, known in {**PATH_COLUMNS, **VALUE_COLUMNS, **FLAG_COLUMNS}.items():
        if known == option:
            return column
    return option
