"""A folder of good and hostile inputs, and the contract every hostile case must keep.

The contract, for a command given bad input: exit status 2, exactly one
``error: ...`` line on stderr, no traceback, every file in the folder
unchanged (content, kind and permissions), nothing new left in it, and an
answer within a few seconds (no hang).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from emospeaker_studio import cli
from emospeaker_studio.paths import resources_dir

#: A case that takes longer than this is a hang (every case fails in validation, before heavy work).
CASE_TIMEOUT_S = 20


class Hang(BaseException):
    """Raised by the alarm: the command did not answer in time (BaseException: nothing may catch it)."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def on_alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _png(width: int, height: int, idat: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat or zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _float_wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    """A 32-bit float WAV (format 3) of ``samples``, whatever values they hold."""
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def build_sources(folder: Path) -> Path:
    """The expensive inputs, made once: a short voice (WAV and MP4) and the demo portrait."""
    import imageio_ffmpeg

    folder.mkdir(parents=True, exist_ok=True)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    voice = resources_dir() / "demo_voice.flac"
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-i", str(voice), "-t", "1.0", str(folder / "voice.wav")], check=True, timeout=60)
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-i", str(voice), "-t", "1.0", str(folder / "voice.mp4")], check=True, timeout=60)
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=64x64:d=1",
                    str(folder / "silent_video.mp4")], check=True, timeout=60)
    shutil.copy(resources_dir() / "demo_portrait.jpg", folder / "face.jpg")
    return folder


def populate(ws: Path, sources: Path) -> None:
    """Fill ``ws`` with good inputs and every kind of hostile one the cases name."""
    for name in ("voice.wav", "voice.mp4", "silent_video.mp4", "face.jpg"):
        shutil.copy(sources / name, ws / name)
    (ws / "sub").mkdir()
    (ws / "folder").mkdir()
    (ws / "folder.jpg").mkdir()
    os.mkfifo(ws / "fifo")
    os.mkfifo(ws / "fifo.jpg")
    os.mkfifo(ws / "fifo.wav")
    os.mkfifo(ws / "fifo.mp4")
    os.mkfifo(ws / "fifo.json")
    os.mkfifo(ws / "fifo.esproj")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(ws / "socket.mp4"))
    try:  # a device node like /dev/null (root only; the cases that need it skip otherwise)
        os.mknod(ws / "null.mp4", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pass
    (ws / "dir.mp4").mkdir()
    (ws / "dir.json").mkdir()
    (ws / "notes").mkdir()
    (ws / "notes" / "readme.txt").write_text("keep me\n")
    (ws / "plainfile").write_text("a file, not a folder\n")
    os.symlink("voice.mp4", ws / "link_to_voice.mp4")
    os.symlink("voice.wav", ws / "link_to_voice.wav")
    os.symlink("face.jpg", ws / "link_to_face.jpg")
    os.symlink("nowhere.wav", ws / "dangling.wav")
    os.link(ws / "voice.wav", ws / "hardlink_voice.wav")
    os.link(ws / "voice.mp4", ws / "hardlink_voice.mp4")
    (ws / "seq").mkdir()
    shutil.copy(ws / "voice.wav", ws / "seq" / "audio.wav")
    (ws / "frames_with_voice").mkdir()
    os.link(ws / "voice.wav", ws / "frames_with_voice" / "audio.wav")
    (ws / "empty.jpg").write_bytes(b"")
    (ws / "empty.wav").write_bytes(b"")
    (ws / "text.jpg").write_text("not an image\n")
    (ws / "text.wav").write_text("not a recording\n")
    (ws / "garbage.jpg").write_bytes(bytes(range(256)) * 8)
    (ws / "garbage.wav").write_bytes(bytes(range(256)) * 8)
    (ws / "bomb.png").write_bytes(_png(60000, 60000))
    (ws / "bomb_wide.png").write_bytes(_png(2_000_000, 64))
    (ws / "zero_size.png").write_bytes(_png(0, 0))
    (ws / "bomb.gif").write_bytes(b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\0" * 32)
    (ws / "bomb.bmp").write_bytes(b"BM" + b"\0" * 16 + struct.pack("<ii", 40000, -40000) + b"\0" * 64)
    (ws / "bomb.jpg").write_bytes(b"\xff\xd8\xff\xc0\x00\x11\x08" + struct.pack(">HH", 65000, 65000) + b"\x03" + b"\0" * 64)
    (ws / "bomb.webp").write_bytes(b"RIFF\0\0\0\0WEBPVP8X" + b"\0" * 8 + (30000).to_bytes(3, "little") * 2 + b"\0" * 16)
    (ws / "truncated.png").write_bytes(_png(64, 64)[:40])
    with open(ws / "sparse_huge.jpg", "wb") as handle:  # 300 MB on paper, no disk used
        handle.truncate(300_000_000)
    with open(ws / "sparse_huge.esproj", "wb") as handle:
        handle.truncate(60_000_000)
    wave = np.sin(np.arange(16000) / 10.0).astype(np.float32) * 0.3
    nan_wave = wave.copy()
    nan_wave[100:200] = np.nan
    inf_wave = wave.copy()
    inf_wave[500] = np.inf
    (ws / "nan.wav").write_bytes(_float_wav(nan_wave))
    (ws / "inf.wav").write_bytes(_float_wav(inf_wave))
    (ws / "header_only.wav").write_bytes(_float_wav(np.zeros(0, np.float32)))
    import cv2

    cv2.imwrite(str(ws / "noface.png"), np.full((96, 96, 3), 128, np.uint8))
    projects = {"good": ("face.jpg", "voice.wav"), "mp4": ("face.jpg", "voice.mp4"),
                "fifo_portrait": ("fifo.jpg", "voice.wav"), "zero_portrait": ("/dev/zero", "voice.wav"),
                "folder_portrait": ("folder.jpg", "voice.wav"), "missing_portrait": ("gone.jpg", "voice.wav"),
                "fifo_audio": ("face.jpg", "fifo.wav"), "zero_audio": ("face.jpg", "/dev/zero"),
                "folder_audio": ("face.jpg", "folder"), "missing_audio": ("face.jpg", "gone.wav")}
    for name, (portrait, audio) in projects.items():
        (ws / f"{name}.esproj").write_text(json.dumps({"schema_version": 2, "portrait": portrait, "audio": audio}))


def snapshot(folder: Path) -> dict[str, tuple]:
    """Everything about the folder a command could break: each entry's kind, mode, and content hash."""
    state = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = os.lstat(path)
            digest = None
            if stat.S_ISREG(info.st_mode):
                # The sparse "huge" files are compared by size and time: reading them would take the time.
                content = path.read_bytes() if info.st_size < 5_000_000 else f"{info.st_size}:{info.st_mtime_ns}".encode()
                digest = hashlib.sha256(content).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                digest = os.readlink(path)
            state[str(path.relative_to(folder))] = (stat.S_IFMT(info.st_mode), info.st_mode & 0o7777, info.st_ino, digest)
    return state


def run_hostile(capsys, ws: Path, argv: Sequence[str], fragments: Sequence[str] = (), code: int = 2) -> str:
    """Run the command line on ``argv`` ({ws} is the folder) and check the contract; returns the error line."""
    args = [arg.replace("{ws}", str(ws)) for arg in argv]
    before = snapshot(ws)
    cwd = os.getcwd()
    os.chdir(ws)
    try:
        with deadline(CASE_TIMEOUT_S):
            status = cli.main(args)
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    assert status == code, f"exit {status}, expected {code}; stderr: {captured.err}"
    assert "Traceback" not in captured.err and "Exception ignored" not in captured.err, captured.err
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    for fragment in fragments:
        assert fragment.replace("{ws}", str(ws)) in lines[0], lines[0]
    assert snapshot(ws) == before, "an input changed or something was left behind"
    return lines[0]
