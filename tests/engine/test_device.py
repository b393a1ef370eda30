"""Device choice and the torch thread policy per kind of job (preview, export)."""

from __future__ import annotations

import threading

import pytest
import torch

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.engine.device import (
    TorchJob,
    dtype_for,
    resolve_device,
    torch_threads,
    torch_threads_for,
    use_torch_threads,
)


def test_cpu_device_and_precision():
    assert resolve_device("cpu") == torch.device("cpu")
    assert dtype_for("cpu") is torch.float32
    with pytest.raises(UserError, match="unknown device"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_without_a_gpu_says_what_to_use_instead():
    with pytest.raises(UserError, match="--device cpu"):
        resolve_device("cuda")


@pytest.mark.parametrize(
    ("job", "device", "expected"),
    [
        (TorchJob.PREVIEW, "cpu", 1),
        (TorchJob.PREVIEW, "cuda", 1),
        (TorchJob.EXPORT, "cpu", 1),
        (TorchJob.EXPORT, torch.device("cpu"), 1),
        ("export", "cuda:0", None),  # the GPU renders; torch keeps its own CPU threads
        (TorchJob.EXPORT, torch.device("cuda", 0), None),
    ],
)
def test_thread_policy(job, device, expected):
    assert torch_threads(job, device) == expected


def test_auto_device_follows_what_auto_resolves_to():
    expected = None if torch.cuda.is_available() else 1
    assert torch_threads(TorchJob.EXPORT, "auto") == expected


def test_unknown_job_is_refused():
    with pytest.raises(ValueError):
        torch_threads("thumbnail", "cpu")


def _in_thread(function):
    """Run ``function`` on a fresh thread and return its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()))
    thread.start()
    thread.join(30)
    return result["value"]


@pytest.fixture
def two_threads_by_default():
    """Threads that have not chosen start from the count set last: make that two here."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_the_context_sets_the_count_and_restores_it(two_threads_by_default):
    def job():
        torch.ones(4).sum()  # the thread's torch state starts here
        seen = []
        with torch_threads_for(TorchJob.PREVIEW, "cpu") as applied:
            seen.append((applied, torch.get_num_threads()))
        seen.append(torch.get_num_threads())
        return seen

    assert _in_thread(job) == [(1, 1), 2]


def test_a_thread_keeps_its_count_while_another_thread_sets_its_own(two_threads_by_default):
    """The preview worker and an export job beside it do not change each other's threads."""
    preview_set = threading.Event()
    export_done = threading.Event()

    def preview():
        torch.ones(4).sum()
        use_torch_threads(TorchJob.PREVIEW)
        preview_set.set()
        export_done.wait(30)
        return torch.get_num_threads()

    def other_job():
        torch.ones(4).sum()
        preview_set.wait(30)
        torch.set_num_threads(2)  # e.g. a job with a different policy
        export_done.set()
        return torch.get_num_threads()

    results = {}
    threads = [threading.Thread(target=lambda f=f: results.setdefault(f.__name__, f())) for f in (preview, other_job)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {"preview": 1, "other_job": 2}


def test_openmp_waits_passively_whichever_module_loads_torch_first():
    """The wait policy is read once, when torch loads: the package sets it before any layer can."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    script = ("import emospeaker_studio.engine.render.renderer, os, sys, torch\n"
              "assert 'torch' in sys.modules\n"
              "print(os.environ.get('OMP_WAIT_POLICY'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "PASSIVE"
