"""The file system, checked in one place: what may be read, what may be written, and how.

Every command and the Studio go through these functions, so one rule holds
everywhere:

* an input is a regular file (a folder, a FIFO, a device or a socket is named
  as such: reading a FIFO would wait forever, ``/dev/zero`` never ends);
* an output is never one of the inputs (compared after resolving symbolic
  links, ``..`` and hard links), never a device, FIFO, socket or folder, and
  its folder exists and is writable; this is checked before any work starts;
* a file is written to a temporary name beside its target and renamed over it
  when complete; temporary names carry the writer's process id, so the next
  run that writes to the same place removes what a killed run left behind;
* every ``OSError`` becomes one line that says what went wrong and what to do.

Standard library only: the core knows neither Qt nor torch.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping, Optional, Union

from emospeaker_studio.core.errors import InputError, OutputError

PathLike = Union[str, "os.PathLike[str]"]

#: Every temporary file or folder the app writes ends with this (before any
#: format suffix ffmpeg needs), so a user can recognise and delete it.
TEMP_MARK = ".partial"
# A temporary name holds at most this many bytes of its target's name, so a
# long but valid target name still leaves room for the marks.
_TEMP_NAME_BYTES = 120
# How a temporary name ends: ".<pid>-<8 hex digits>.partial", maybe then a format suffix.
# A temporary file not written for this long is a killed run's, whatever its
# process id says: a render streams into its file every frame, and a save is quick.
STALE_AFTER_S = 24 * 3600
_TEMP_ID = re.compile(r"\.(\d+)-[0-9a-f]{8}" + re.escape(TEMP_MARK) + r"(\..*)?$")


# -- messages for OS errors ----------------------------------------------------

_OS_REASONS = {
    errno.ENOENT: ("does not exist", "check the path"),
    errno.ENAMETOOLONG: ("the name is too long for the file system", "choose a shorter name"),
    errno.EACCES: ("permission denied", "check the permissions or choose another folder"),
    errno.EPERM: ("the operation is not permitted", "check the permissions or choose another folder"),
    errno.EROFS: ("the file system is read-only", "choose a folder on a writable drive"),
    errno.ENOSPC: ("the disk is full", "free some space or choose another drive"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or choose another drive"),
    errno.EMFILE: ("too many files are open", "close other programs and try again"),
    errno.ENFILE: ("too many files are open on this system", "close other programs and try again"),
    errno.EISDIR: ("it is a folder", "give a file name"),
    errno.ENOTDIR: ("a part of the path is not a folder", "check the path"),
    errno.ELOOP: ("too many symbolic links in the path", "check the path"),
    errno.EIO: ("input/output error (a failing or disconnected drive?)", "check the drive"),
    errno.EFBIG: ("the file is too large for the file system", "choose another drive"),
    errno.ETXTBSY: ("the file is in use by a running program", "choose another name"),
}


def os_error_reason(exc: OSError) -> tuple[str, str]:
    """(what happened, what to do) for an OSError, in words a user can act on."""
    if exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return (exc.strerror or str(exc) or type(exc).__name__), "check the path and try again"


def read_error(path: PathLike, what: str, exc: OSError) -> InputError:
    """An InputError for ``exc`` raised while reading ``what`` at ``path``."""
    reason, advice = os_error_reason(exc)
    if exc.errno == errno.ENOENT:
        return InputError(f"{what} {os.fspath(path)} does not exist; check the path")
    return InputError(f"cannot read {what} {os.fspath(path)}: {reason}; {advice}")


def write_error(path: PathLike, exc: OSError) -> OutputError:
    """An OutputError for ``exc`` raised while writing ``path``."""
    reason, advice = os_error_reason(exc)
    return OutputError(f"cannot write {os.fspath(path)}: {reason}; {advice}")


# -- inputs ----------------------------------------------------------------------


def _special_kind(mode: int) -> Optional[str]:
    """What a non-regular file is, in words ("a folder", "a FIFO", ...); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input_file(path: Optional[PathLike], what: str, *, option: str = "",
                     max_bytes: Optional[int] = None, choose: str = "") -> Path:
    """The absolute, resolved path of an input that can be read; InputError otherwise.

    ``what`` names the input in messages ("portrait", "audio file"); ``option``
    is how to give it ("--portrait"); ``max_bytes`` refuses bigger files before
    anything reads them; ``choose`` says what to pick instead ("an image file").
    """
    if path is None or not os.fspath(path).strip():
        how = f"; pass {option} FILE" if option else ""
        raise InputError(f"no {what} given{how}")
    text = os.fspath(path)
    if "\x00" in text:
        raise InputError(f"{what} path {text!r} contains a NUL character; check the path")
    candidate = Path(text).expanduser()
    try:
        info = os.stat(candidate)
    except OSError as exc:
        raise read_error(candidate, what, exc) from None
    except ValueError:  # a path the OS cannot represent
        raise InputError(f"{what} path {text!r} is not valid; check the path") from None
    kind = _special_kind(info.st_mode)
    if kind is not None:
        instead = f"; choose {choose}" if choose else "; choose a file"
        raise InputError(f"{what} {candidate} is {kind}, not a file{instead}")
    if max_bytes is not None and info.st_size > max_bytes:
        raise InputError(f"{what} {candidate.name} is {_megabytes(info.st_size)}, over the "
                         f"{_megabytes(max_bytes)} limit; use a smaller file")
    if not os.access(candidate, os.R_OK):
        raise InputError(f"cannot read {what} {candidate}: permission denied; check the file's permissions")
    return candidate.resolve()


def _megabytes(size: int) -> str:
    if size < 100_000:
        return f"{size} bytes"
    return f"{size / 1e6:.0f} MB" if size >= 10e6 else f"{size / 1e6:.1f} MB"


def open_input(path: PathLike, what: str, *, max_bytes: Optional[int] = None) -> bytes:
    """The bytes of an input checked by :func:`check_input_file`, never more than ``max_bytes``."""
    checked = check_input_file(path, what, max_bytes=max_bytes)
    try:
        # O_NONBLOCK: a FIFO swapped in after the check fails instead of waiting forever.
        fd = os.open(checked, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise InputError(f"{what} {checked} is not a regular file; choose a file")
            limit = -1 if max_bytes is None else max_bytes + 1
            data = handle.read(limit)
    except OSError as exc:
        raise read_error(checked, what, exc) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise InputError(f"{what} {checked.name} is over the {_megabytes(max_bytes)} limit; use a smaller file")
    return data


# -- outputs ---------------------------------------------------------------------


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):
        return 255


def same_file(a: PathLike, b: PathLike) -> bool:
    """True when two paths name one file: after symbolic links and ``..``, or the same inode (a hard link)."""
    try:
        if os.path.samefile(a, b):
            return True
    except (OSError, ValueError):
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def _inside(path: PathLike, folder: PathLike) -> bool:
    real_folder = os.path.realpath(folder)
    return os.path.realpath(path).startswith(real_folder.rstrip(os.sep) + os.sep)


def check_output_path(path: PathLike, *, inputs: Mapping[str, Optional[PathLike]] = {},
                      folder_output: bool = False, what: str = "output") -> Path:
    """The absolute path to write ``path`` at; OutputError when writing there would be wrong.

    ``inputs``: what the command reads, by a label for messages ("audio file"
    -> path). The output must not be one of them (nor, for a folder output,
    hold one of them, since the folder is replaced as a whole). Only a regular
    file (or, with ``folder_output``, a folder) is ever replaced; a symbolic
    link is written through. Stale temporary files of killed runs that wrote
    here are removed.
    """
    text = os.fspath(path)
    if not text.strip() or "\x00" in text:
        raise OutputError(f"{what} path {text!r} is not valid; give a file name")
    target = Path(text).expanduser().absolute()
    limit = _name_max(target.parent)
    too_long = [part for part in target.parts if len(os.fsencode(part)) > limit]
    if too_long:
        raise OutputError(f"{what} name {too_long[0][:40]}... is {len(os.fsencode(too_long[0]))} bytes, over the "
                          f"{limit} bytes a name may have; choose a shorter name")
    try:
        if target.is_symlink():
            target = Path(os.path.realpath(target))  # write through the link; it stays a link
        folder = target.parent
        folder_ok = folder.is_dir()
    except OSError as exc:
        raise write_error(target, exc) from None
    _check_folder(folder, folder_ok)
    try:
        info: Optional[os.stat_result] = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise write_error(target, exc) from None
    if info is not None:
        kind = _special_kind(info.st_mode)
        if folder_output:
            if kind != "a folder":
                raise OutputError(f"{what} {target} is {kind or 'a file'}, not a folder; "
                                  "give a new folder name for the PNG frames")
        elif kind is not None:
            raise OutputError(f"{what} {target} is {kind}, not a regular file, and only a file is ever "
                              "replaced; give the name of a new or ordinary file")
    for label, source in inputs.items():
        if not source:
            continue
        if same_file(target, source) or (folder_output and _holds(target, source)):
            relation = "holds" if folder_output and not same_file(target, source) else "is"
            raise OutputError(f"{what} {target} {relation} the {label} {source}; writing it would destroy "
                              "that input; choose another output name")
    remove_stale_temps(target)
    return target


def _holds(folder: Path, source: PathLike) -> bool:
    """True when ``folder`` holds ``source`` by path or as a hard link among its entries."""
    if _inside(source, folder):
        return True
    if not folder.is_dir():
        return False
    try:
        source_info = os.stat(source)
        for entry in os.scandir(folder):
            info = entry.stat(follow_symlinks=True)
            if (info.st_dev, info.st_ino) == (source_info.st_dev, source_info.st_ino):
                return True
    except OSError:
        return False
    return False


# -- temporary names and atomic writes ------------------------------------------


def _temp_stem(target: Path) -> str:
    return "." + os.fsdecode(os.fsencode(target.name)[:_TEMP_NAME_BYTES])


def temp_path_for(target: PathLike) -> Path:
    """A fresh temporary name beside ``target``: ``.<name>.<pid>-<random>.partial``."""
    target = Path(target)
    return target.parent / f"{_temp_stem(target)}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_MARK}"


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # no cheap check: keep it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def _untouched_for(path: Path) -> float:
    """Seconds since ``path`` was last written (0 when that cannot be told)."""
    try:
        return max(0.0, time.time() - os.stat(path).st_mtime)
    except OSError:
        return 0.0


def _stale_in(folder: Path, prefix: str) -> list[Path]:
    """Temporary files and folders in ``folder`` whose names start with ``prefix``, of dead processes.

    A writer counts as dead when its process is gone, or when the file has not
    been written for STALE_AFTER_S: no write takes that long, and it covers a
    process id that a later process reuses and systems where a process cannot
    be looked up cheaply (Windows).
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        match = _TEMP_ID.search(name) if name.startswith(prefix) else None
        if match and (not _process_alive(int(match.group(1))) or _untouched_for(folder / name) > STALE_AFTER_S):
            found.append(folder / name)
    return found


def stale_temps(target: PathLike) -> list[Path]:
    """Temporary files and folders beside ``target`` left by runs that are no longer alive: its
    own and those of files named after it (a project's ``.bak``, whose write a kill can interrupt
    while the project itself stays as it was)."""
    target = Path(target)
    return _stale_in(target.parent, _temp_stem(target) + ".")


def remove_stale_temps_in(folder: PathLike) -> int:
    """Remove every temporary file or folder of a dead process in ``folder``, whatever its target
    (for a folder the app alone writes in, such as the autosave folder); returns how many."""
    return _remove_all(_stale_in(Path(folder), "."))


def remove_stale_temps(target: PathLike) -> int:
    """Remove what killed runs left beside ``target``; returns how many were removed."""
    return _remove_all(stale_temps(target))


def _remove_all(paths: list[Path]) -> int:
    for path in paths:
        remove_quietly(path)
    return len(paths)


def remove_quietly(path: PathLike) -> None:
    """Remove a file or folder if it is there; never raises."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def new_file_mode() -> int:
    """The permissions a newly created file gets (0o666 minus the umask), read without changing it."""
    umask = 0o022
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    umask = int(line.split()[1], 8)
                    break
    except (OSError, ValueError):
        pass
    return 0o666 & ~umask


def write_temp(target: PathLike, data: bytes, mode: Optional[int] = None) -> Path:
    """Write ``data`` to a fresh temporary file beside ``target``, flushed to disk; returns its path.

    ``mode``: permission bits (default: those of the file it will replace, else
    what a new file gets). OutputError on any OS error, nothing left behind.
    """
    target = Path(target)
    temp = temp_path_for(target)
    if mode is None:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except OSError:
            mode = new_file_mode()
    with _removed_on_failure(temp, target):
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return temp


def commit_temp(temp: PathLike, target: PathLike) -> None:
    """Rename a finished temporary file over ``target``; OutputError (temp removed) on failure."""
    with _removed_on_failure(temp, target):
        os.replace(temp, target)


@contextmanager
def _removed_on_failure(temp: Path, target: PathLike) -> Iterator[None]:
    """Remove ``temp`` when the block fails; an OSError becomes the OutputError that names ``target``."""
    try:
        yield
    except OSError as exc:
        remove_quietly(temp)
        raise write_error(target, exc) from None
    except BaseException:
        remove_quietly(temp)
        raise


def atomic_write_bytes(path: PathLike, data: bytes, *, mode: Optional[int] = None,
                       inputs: Mapping[str, Optional[PathLike]] = {}) -> Path:
    """Write ``data`` to ``path`` all at once (a temporary file, then a rename); returns the path written.

    The checks of :func:`check_output_path` come first; on any failure the file
    at ``path`` is unchanged and nothing is left beside it.
    """
    target = check_output_path(path, inputs=inputs)
    commit_temp(write_temp(target, data, mode), target)
    return target


def atomic_write_text(path: PathLike, text: str, **kwargs) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), **kwargs)


def check_output_folder(path: PathLike) -> None:
    """OutputError unless the folder ``path`` goes into exists and is writable (for outputs
    that are checked further where they are written, such as a benchmark's report folder)."""
    folder = Path(os.fspath(path)).expanduser().absolute().parent
    _check_folder(folder, folder.is_dir())


def _check_folder(folder: Path, exists: bool) -> None:
    if not exists:
        raise OutputError(f"output folder {folder} does not exist; create it or choose another path")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"output folder {folder} is not writable; choose another path")
