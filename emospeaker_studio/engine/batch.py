"""Running a batch manifest on this machine: N renders at a time, each in its own process.

Each job is ``python -m emospeaker_studio render ...`` in a child process, so
a job that fails or crashes never takes the others down, and a render in a
batch is byte for byte the render the command gives. Each child gets its own
share of the CPU cores (its affinity, on Linux), so the pipeline's parallel
render workers of the jobs never fight for one core.

The results file is rewritten atomically after every job: a batch killed
outright loses only the jobs it was running. A job whose output exists and
whose inputs (their bytes) and settings hash as they did when it was written
is not rendered again.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from emospeaker_studio.core.batch_manifest import BatchJob
from emospeaker_studio.core.errors import InputError
from emospeaker_studio.core.files import atomic_write_text, read_error
from emospeaker_studio.engine.device import usable_cores

#: Memory one job may take at 1080p (prepare + render workers + encoder), for the default --jobs.
JOB_MEMORY_BYTES = 2 * 1024**3
_HASH_CHUNK = 1 << 20
# A child asked to stop gets this long to clean up before it is killed.
_STOP_GRACE_S = 30.0


class Outcome:
    """What became of a job; the values are what the results file and the events say."""

    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class PlannedJob:
    """A checked job and every file its render reads (a project's portrait and audio included)."""

    job: BatchJob
    inputs: tuple[Path, ...]


@dataclass
class BatchEvent:
    """One step of the batch, as printed and as written by ``--progress jsonl``."""

    event: str
    row: int
    output: str
    finished: int = 0
    total: int = 0
    details: dict = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        return {"event": self.event, "row": self.row, "output": self.output,
                "finished": self.finished, "total": self.total, **self.details}


@dataclass
class BatchSummary:
    done: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    invalid: dict[int, str] = field(default_factory=dict)

    @property
    def all_succeeded(self) -> bool:
        return not self.failed and not self.invalid


def _available_memory() -> Optional[int]:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_parallel_jobs(device: str = "cpu") -> int:
    """One job per core, at most what memory holds; one at a time on a GPU.

    A render's own parallel workers do not use two cores fully (reading the
    voice and fitting the face run on one), so jobs of one core each finish a
    batch sooner than jobs of two cores each (docs/performance.md). On a GPU
    each job would load its own copy of the renderer into the one card, where
    a single job already renders far faster than its encoder writes.
    ``device``: the render device the jobs ask for ("auto", "cpu", "cuda")."""
    if device != "cpu" and _gpu_present():
        return 1
    jobs = usable_cores()
    memory = _available_memory()
    if memory is not None:
        jobs = min(jobs, max(1, memory // JOB_MEMORY_BYTES))
    return jobs


def _gpu_present() -> bool:
    from emospeaker_studio.engine.device import resolve_device
    from emospeaker_studio.core.errors import UserError

    try:
        return resolve_device("auto").type == "cuda"
    except UserError:
        return False


def job_key(planned: PlannedJob) -> str:
    """A content hash of the job: its settings, its output path and the bytes of every input."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"settings": planned.job.settings, "output": str(planned.job.output)},
                             sort_keys=True).encode())
    for path in sorted(set(planned.inputs)):
        digest.update(b"\0" + os.fsencode(str(path)) + b"\0")
        try:
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(_HASH_CHUNK), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise read_error(path, "input", exc) from None
    return digest.hexdigest()


def load_results(path: Path) -> dict[str, dict]:
    """The records of an earlier run, by output path; {} when there is none. A line that does not
    read (a file edited by hand) is dropped: its job simply runs again."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, OSError):
            raise read_error(path, "results file", exc) from None
        raise InputError(f"results file {path} is not UTF-8 text; delete it to start the batch afresh") from None
    records = {}
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("output"), str):
            records[record["output"]] = record
    return records


def save_results(path: Path, records: dict[str, dict]) -> None:
    lines = [json.dumps(records[key], sort_keys=True) for key in sorted(records, key=lambda k: records[k].get("row", 0))]
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def _is_unchanged(record: Optional[dict], key: str) -> bool:
    if not record or record.get("status") != Outcome.DONE or record.get("key") != key:
        return False
    written = record.get("written")
    return isinstance(written, str) and os.path.exists(written)


def _bytes_of(path: Path) -> int:
    if path.is_dir():
        return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())
    return path.stat().st_size


def _media_duration(path: Path) -> Optional[float]:
    """Seconds of the written video (a PNG sequence: of its audio.wav); None when it has no audio."""
    from emospeaker_studio.engine.audio import probe_duration

    source = path / "audio.wav" if path.is_dir() else path
    try:
        return round(probe_duration(source), 3)
    except (InputError, OSError):
        return None


def _error_line(stderr: str, returncode: int) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("error: "):
            return line[len("error: "):]
    if returncode < 0:
        return f"the render was killed by signal {-returncode}"
    tail = f": {lines[-1]}" if lines else ""
    return f"the render exited with status {returncode}{tail}"


class _Slots:
    """Disjoint sets of cores, one per job running at the same time."""

    def __init__(self, parallel: int) -> None:
        try:
            cores = sorted(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cores = []
        share = len(cores) // parallel if cores else 0
        self._free = [set(cores[i * share:(i + 1) * share]) if share else set() for i in range(parallel)]
        self.threads = max(1, share or (os.cpu_count() or 1) // parallel)

    @property
    def free(self) -> bool:
        return bool(self._free)

    def take(self) -> set:
        return self._free.pop()

    def give(self, cores: set) -> None:
        self._free.append(cores)


def render_command(job: BatchJob) -> list[str]:
    return [sys.executable, "-m", "emospeaker_studio", "render", "-q", *job.render_arguments()]


def run_batch(planned: list[PlannedJob], *, results_path: Path, parallel: int,
              on_event: Callable[[BatchEvent], None], invalid: Optional[dict[int, tuple[str, str]]] = None,
              device: str = "auto") -> BatchSummary:
    """Run the jobs, ``parallel`` at a time; every outcome goes to ``results_path`` and ``on_event``.

    ``invalid``: rows left out for their problems (row -> (output, why)), recorded as skipped.
    A KeyboardInterrupt (Ctrl-C) stops the running renders, which remove their partial
    outputs, and is raised again once they have ended.
    """
    summary = BatchSummary()
    records = load_results(results_path)
    total = len(planned) + len(invalid or {})
    finished = 0

    def emit(kind: str, job_row: int, output: str, **details) -> None:
        on_event(BatchEvent(kind, job_row, output, finished, total, details))

    for row, (output, why) in sorted((invalid or {}).items()):
        finished += 1
        summary.invalid[row] = why
        records[output] = {"row": row, "output": output, "status": Outcome.SKIPPED, "reason": why}
        emit(Outcome.SKIPPED, row, output, reason=why)
    waiting: list[tuple[PlannedJob, str]] = []
    for item in planned:
        key = job_key(item)
        output = str(item.job.output)
        if _is_unchanged(records.get(output), key):
            finished += 1
            summary.unchanged.append(item.job.row)
            records[output]["row"] = item.job.row
            emit(Outcome.SKIPPED, item.job.row, output, reason="unchanged since it was rendered")
        else:
            waiting.append((item, key))
    if invalid or summary.unchanged:
        save_results(results_path, records)
    waiting.reverse()  # pop() takes them in manifest order

    slots = _Slots(max(1, min(parallel, len(waiting) or 1)))
    done_queue: "queue.Queue[tuple]" = queue.Queue()
    running: dict[int, subprocess.Popen] = {}
    env = dict(os.environ, OMP_NUM_THREADS=str(slots.threads), MKL_NUM_THREADS=str(slots.threads))

    def start(item: PlannedJob, key: str) -> None:
        cores = slots.take()
        command = render_command(item.job) + ["--device", device]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env)
        if cores:
            try:
                os.sched_setaffinity(process.pid, cores)
            except OSError:
                pass  # it ended already, or the OS refuses: it runs on every core
        running[item.job.row] = process
        emit(Outcome.STARTED, item.job.row, str(item.job.output))
        began = time.monotonic()

        def wait() -> None:
            stdout, stderr = process.communicate()
            done_queue.put((item, key, cores, process.returncode, stdout.decode("utf-8", "replace"),
                            stderr.decode("utf-8", "replace"), time.monotonic() - began))

        threading.Thread(target=wait, name=f"batch-row-{item.job.row}", daemon=True).start()

    try:
        while waiting or running:
            while waiting and slots.free:
                start(*waiting.pop())
            item, key, cores, code, stdout, stderr, seconds = done_queue.get()
            running.pop(item.job.row, None)
            slots.give(cores)
            finished += 1
            output = str(item.job.output)
            written = [line[len("wrote "):].strip() for line in stdout.splitlines() if line.startswith("wrote ")]
            if code == 0 and written:
                path = Path(written[-1])
                record = {"row": item.job.row, "output": output, "status": Outcome.DONE, "key": key,
                          "written": str(path), "bytes": _bytes_of(path), "duration_s": _media_duration(path),
                          "seconds": round(seconds, 2)}
                summary.done.append(item.job.row)
                records[output] = record
                save_results(results_path, records)
                emit(Outcome.DONE, item.job.row, output, written=record["written"], bytes=record["bytes"],
                     duration_s=record["duration_s"], seconds=record["seconds"])
            else:
                error = _error_line(stderr, code)
                summary.failed[item.job.row] = error
                records[output] = {"row": item.job.row, "output": output, "status": Outcome.FAILED,
                                   "error": error, "seconds": round(seconds, 2)}
                save_results(results_path, records)
                emit(Outcome.FAILED, item.job.row, output, error=error, seconds=round(seconds, 2))
    finally:
        _stop_all(list(running.values()))
    return summary


def _stop_all(processes: list[subprocess.Popen]) -> None:
    """Ask each render to stop (SIGTERM: it removes its partial output), then wait for it."""
    for process in processes:
        if process.poll() is None:
            try:
                process.terminate()
            except OSError:
                pass
    deadline = time.monotonic() + _STOP_GRACE_S
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
