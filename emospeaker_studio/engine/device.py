"""Which torch device renders, in which precision, and on how many CPU threads."""

from __future__ import annotations

import contextlib
import os
from enum import Enum
from typing import Iterator, Optional

from emospeaker_studio.core.errors import UserError

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(pref: str = "auto"):
    """``auto`` → CUDA when present, else CPU; ``cuda`` without a GPU is a UserError."""
    import torch

    choice = str(pref or "auto").lower()
    if choice.startswith("cuda") and choice not in DEVICE_CHOICES and ":" not in choice:
        choice = "cuda"
    if choice == "auto":
        return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
    if choice == "cpu":
        return torch.device("cpu")
    if choice.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UserError("CUDA was requested but no CUDA GPU is available to torch; use --device cpu or auto")
        return torch.device(choice)
    raise UserError(f"unknown device {pref!r}; choose one of {', '.join(DEVICE_CHOICES)}")


def dtype_for(device):
    """float16 on CUDA (twice the throughput, ample for pixel displacements), float32 on CPU."""
    import torch

    return torch.float16 if torch.device(device).type == "cuda" else torch.float32


def usable_cores() -> int:
    """The cores this process may run on: its affinity where the OS has one (a batch gives
    each render its own share), else every core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- torch CPU threads per kind of job ------------------------------------------


class TorchJob(str, Enum):
    """What a thread renders: a few frames for the eye now, or a whole file."""

    PREVIEW = "preview"
    EXPORT = "export"


def torch_threads(job: TorchJob, device="cpu") -> Optional[int]:
    """How many torch intra-op threads a thread doing ``job`` on ``device`` uses; None leaves torch's choice.

    Both kinds use one thread on the CPU; they differ in how the cores are used.

    * PREVIEW (any device): one thread. A preview frame is one small batch
      whose parallel regions are too short to pay for waking a second thread,
      and the GUI thread and the audio player need a core of their own.
      Measured at 512 px on the 2-core development machine (shared with other
      work, so absolute figures are pessimistic): under heavier load and before
      OpenMP waiting was made passive (``emospeaker_studio/__init__.py``),
      1200 ms per frame with 2 threads vs 48 ms with 1; with passive waiting,
      median 9.1-12.2 ms with 2 threads vs 8.4-8.5 ms with 1 (two runs each).
    * EXPORT on the CPU: one thread per rendering thread; the cores are used
      by rendering batches in parallel (the pipeline's render workers)
      while ffmpeg encodes in its own process. Intra-op threads that share
      cores with the encoder and the other batches stall at every parallel
      region. Measured with ``emospeaker-studio demo -o /tmp/x.mp4 --size
      512|1080p --device cpu`` (352 frames, render + encode, two runs each) on
      the same machine: 512 px 125-177 fps with two one-thread workers, 106
      fps one batch at a time on one thread, 86-103 fps on two threads; 1080p
      32-48, 25-31 and 31-32 fps.
    * EXPORT on a GPU: torch's default (the CPU only feeds the GPU and copies).
    """
    job = TorchJob(job)
    if job is TorchJob.PREVIEW or _device_type(device) == "cpu":
        return 1
    return None


def use_torch_threads(job: TorchJob, device="cpu") -> Optional[int]:
    """Give the calling thread ``torch_threads(job, device)`` threads from now on; returns the count (None: unchanged).

    For a thread that does one kind of job for its whole life (the preview
    worker). With torch's OpenMP backend the count belongs to the calling
    thread once that thread has run a torch operation, so a preview worker and
    an export running beside it each keep their own; a thread that has not run
    one yet starts from the count set last by any thread, which is why every
    job sets its own on its own thread.
    """
    wanted = torch_threads(job, device)
    if wanted is not None:
        import torch

        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)
    return wanted


@contextlib.contextmanager
def torch_threads_for(job: TorchJob, device="cpu") -> Iterator[Optional[int]]:
    """``use_torch_threads`` for the ``with`` body only; the thread's previous count is restored after."""
    if torch_threads(job, device) is None:
        yield None
        return
    import torch

    before = torch.get_num_threads()
    try:
        yield use_torch_threads(job, device)
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def _device_type(device) -> str:
    """'cpu', 'cuda'... of a torch.device or a device preference string ('auto' resolved)."""
    kind = getattr(device, "type", None) or str(device or "cpu").split(":", 1)[0].lower()
    if kind == "auto":
        return "cuda" if _cuda_available() else "cpu"
    return kind


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()
