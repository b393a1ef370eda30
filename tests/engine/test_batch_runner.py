"""The batch runner's pieces that need no render: how many jobs, the job hash, the results file."""

from __future__ import annotations

from pathlib import Path

from emospeaker_studio.core.batch_manifest import BatchJob
from emospeaker_studio.engine import batch


def test_default_jobs_is_one_per_core_capped_by_memory(monkeypatch) -> None:
    monkeypatch.setattr(batch, "usable_cores", lambda: 8)
    monkeypatch.setattr(batch, "_available_memory", lambda: 5 * batch.JOB_MEMORY_BYTES)
    assert batch.default_parallel_jobs() == 5
    monkeypatch.setattr(batch, "_available_memory", lambda: 100 * batch.JOB_MEMORY_BYTES)
    assert batch.default_parallel_jobs() == 8
    monkeypatch.setattr(batch, "_available_memory", lambda: 1)
    assert batch.default_parallel_jobs() == 1


def test_default_jobs_on_a_gpu_is_one_unless_the_batch_asks_for_the_cpu(monkeypatch) -> None:
    monkeypatch.setattr(batch, "usable_cores", lambda: 8)
    monkeypatch.setattr(batch, "_available_memory", lambda: 100 * batch.JOB_MEMORY_BYTES)
    monkeypatch.setattr(batch, "_gpu_present", lambda: True)
    assert batch.default_parallel_jobs("auto") == 1 and batch.default_parallel_jobs("cuda") == 1
    assert batch.default_parallel_jobs("cpu") == 8
    monkeypatch.setattr(batch, "_gpu_present", lambda: False)
    assert batch.default_parallel_jobs("auto") == 8


def test_slots_hand_out_disjoint_cores(monkeypatch) -> None:
    monkeypatch.setattr(batch.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4}, raising=False)
    slots = batch._Slots(2)
    first, second = slots.take(), slots.take()
    assert len(first) == len(second) == 2 and not first & second and slots.threads == 2
    assert not slots.free
    slots.give(first)
    assert slots.take() == first


def test_the_job_key_follows_input_bytes_and_settings(tmp_path: Path) -> None:
    audio = tmp_path / "voice.wav"
    audio.write_bytes(b"one")
    job = BatchJob(1, tmp_path / "a.mp4", {"audio": str(audio), "seed": "1"})
    key = batch.job_key(batch.PlannedJob(job, (audio,)))
    assert batch.job_key(batch.PlannedJob(job, (audio,))) == key
    assert batch.job_key(batch.PlannedJob(BatchJob(1, job.output, {**job.settings, "seed": "2"}), (audio,))) != key
    audio.write_bytes(b"two")
    assert batch.job_key(batch.PlannedJob(job, (audio,))) != key


def test_results_round_trip_and_unreadable_lines_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "m.csv.results.jsonl"
    records = {"/b.mp4": {"row": 2, "output": "/b.mp4", "status": "failed"},
               "/a.mp4": {"row": 1, "output": "/a.mp4", "status": "done"}}
    batch.save_results(path, records)
    assert [line.split('"row": ')[1][0] for line in path.read_text().splitlines()] == ["1", "2"]
    path.write_text(path.read_text() + "{half a line\n[1]\n")
    assert batch.load_results(path) == records
    assert batch.load_results(tmp_path / "none.jsonl") == {}
