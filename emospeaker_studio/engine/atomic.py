"""Atomic file writes: write a temporary file beside the target, then rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from emospeaker_studio.core.errors import OutputError


def check_output_folder(path: Path) -> None:
    """Raise OutputError unless ``path``'s folder exists and is writable."""
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise OutputError(f"output folder {folder} does not exist; create it or choose another path")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"output folder {folder} is not writable; choose another path")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    check_output_folder(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.resolve().parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"could not write {path}: {exc.strerror or exc}; check free space and permissions") from exc
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
