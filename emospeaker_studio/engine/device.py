"""Which torch device renders, and in which precision."""

from __future__ import annotations

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
