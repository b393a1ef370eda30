"""Loading a portrait photo: any common format, EXIF orientation honoured.

The result is always 8-bit RGB plus an optional 8-bit alpha plane, whatever
the file held (grayscale, 16-bit, palette, CMYK JPEG, RGBA), so every later
stage sees one layout. OpenCV decodes; the EXIF orientation tag is read here
because OpenCV only applies it when it is also allowed to drop alpha and depth.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from emospeaker_studio.core.errors import InputError
from emospeaker_studio.core.files import open_input
from emospeaker_studio.engine.face.image_header import header_size

#: Larger files are refused before they are read (a 100-megapixel JPEG is ~30 MB).
MAX_PORTRAIT_BYTES = 200_000_000
#: Larger pictures are refused from their header, before decoding: one of this
#: size takes 400 MB decoded (RGBA) and every later stage works on it.
MAX_PORTRAIT_PIXELS = 100_000_000
_CHOOSE = "choose a JPEG, PNG, WebP, BMP or TIFF photo"


@dataclass(frozen=True, eq=False)
class Portrait:
    """A decoded portrait: ``rgb`` uint8 (H, W, 3), ``alpha`` uint8 (H, W) or None."""

    rgb: np.ndarray
    alpha: Optional[np.ndarray]
    sha256: str
    path: str

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def name(self) -> str:
        return Path(self.path).name


def load_portrait(path) -> Portrait:
    """Decode ``path`` into a :class:`Portrait`; raise InputError for anything unusable."""
    import cv2  # deferred: importing OpenCV touches Qt environment variables

    path = Path(path)
    data = open_input(path, "portrait", max_bytes=MAX_PORTRAIT_BYTES)
    if not data:
        raise InputError(f"portrait {path.name} is empty; {_CHOOSE}")
    _check_pixel_count(path, header_size(data))

    buffer = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error:  # OpenCV's own limits (a format whose header is not read here)
        raise InputError(f"cannot decode portrait {path.name}: the image is too large or damaged; "
                         f"use a photo under {MAX_PORTRAIT_PIXELS // 1_000_000} megapixels") from None
    except MemoryError:
        raise InputError(f"portrait {path.name} does not fit in memory when decoded; use a smaller photo") from None
    if image is None or image.size == 0:
        raise InputError(
            f"cannot decode portrait {path.name}: not a supported image or the file is damaged; "
            "use a JPEG, PNG, WebP, BMP or TIFF photo"
        )
    _check_pixel_count(path, (image.shape[1], image.shape[0]))
    if image.ndim == 3 and image.shape[2] > 4:
        raise InputError(f"portrait {path.name} has {image.shape[2]} channels; save it as an RGB or RGBA image")
    rgb, alpha = _to_rgb_alpha(image, cv2)
    orientation = exif_orientation(data)
    rgb = apply_orientation(rgb, orientation)
    if alpha is not None:
        alpha = apply_orientation(alpha, orientation)
        if alpha.min() == 255:
            alpha = None  # an opaque alpha plane carries nothing worth keeping
    return Portrait(
        rgb=np.ascontiguousarray(rgb),
        alpha=None if alpha is None else np.ascontiguousarray(alpha),
        sha256=hashlib.sha256(data).hexdigest(),
        path=str(path.resolve()),
    )


def _check_pixel_count(path: Path, size: Optional[tuple[int, int]]) -> None:
    if size is None:
        return
    width, height = size
    if width <= 0 or height <= 0:
        raise InputError(f"portrait {path.name} declares a size of {width}x{height} pixels; {_CHOOSE}")
    if width * height > MAX_PORTRAIT_PIXELS:
        raise InputError(f"portrait {path.name} is {width}x{height} pixels, over the limit of "
                         f"{MAX_PORTRAIT_PIXELS // 1_000_000} megapixels; scale it down first")


def _to_8bit(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image.astype(np.uint32) * 255 // 65535).astype(np.uint8)
    if image.dtype.kind == "f":
        return (np.clip(np.nan_to_num(image), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if image.dtype == np.int8:
        return (image.astype(np.int16) + 128).astype(np.uint8)
    if image.dtype == np.int16:
        return ((image.astype(np.int32) + 32768) * 255 // 65535).astype(np.uint8)
    # 32-bit integer images: scale by their own range rather than guess a white point.
    wide = image.astype(np.float64)
    top = wide.max() if wide.max() > 0 else 1.0
    return (np.clip(wide / top, 0, 1) * 255 + 0.5).astype(np.uint8)


def _to_rgb_alpha(image: np.ndarray, cv2) -> tuple[np.ndarray, Optional[np.ndarray]]:
    image = _to_8bit(image)
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2), None
    channels = image.shape[2]
    if channels == 1:
        return np.repeat(image, 3, axis=2), None
    if channels == 2:  # gray + alpha
        return np.repeat(image[:, :, :1], 3, axis=2), image[:, :, 1].copy()
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB), None
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2RGB), image[:, :, 3].copy()


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn pixels stored with EXIF ``orientation`` (1..8) upright."""
    if orientation == 2:
        return image[:, ::-1]
    if orientation == 3:
        return image[::-1, ::-1]
    if orientation == 4:
        return image[::-1]
    if orientation == 5:
        return np.swapaxes(image, 0, 1)
    if orientation == 6:
        return np.swapaxes(image, 0, 1)[:, ::-1]
    if orientation == 7:
        return np.swapaxes(image, 0, 1)[::-1, ::-1]
    if orientation == 8:
        return np.swapaxes(image, 0, 1)[::-1]
    return image


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation tag (1..8) of an encoded image, 1 when absent or unreadable."""
    # EXIF is a TIFF structure after an "Exif\0\0" header (JPEG APP1, WebP, PNG eXIf);
    # it sits near the start of the file, so looking at the first 128 KiB suffices.
    head = data[: 128 * 1024]
    candidates = [head]  # a TIFF file is itself the structure
    start = head.find(b"Exif\x00\x00")  # JPEG APP1 (and some WebP writers)
    if start >= 0:
        candidates.append(head[start + 6 :])
    start = head.find(b"eXIf")  # PNG chunk: type, then the TIFF structure
    if start >= 0:
        candidates.append(head[start + 4 :])
    start = head.find(b"EXIF")  # WebP chunk: id, 4-byte size, then the TIFF structure
    if start >= 0:
        candidates.append(head[start + 8 :])
    for tiff in candidates:
        if tiff[:4] not in (b"II*\x00", b"MM\x00*"):
            continue
        try:
            return _orientation_from_tiff(tiff)
        except (struct.error, IndexError, ValueError):
            return 1
    return 1


def _orientation_from_tiff(tiff: bytes) -> int:
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return 1
    (ifd_offset,) = struct.unpack(order + "I", tiff[4:8])
    (count,) = struct.unpack(order + "H", tiff[ifd_offset : ifd_offset + 2])
    for i in range(count):
        entry = tiff[ifd_offset + 2 + 12 * i : ifd_offset + 14 + 12 * i]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag == 0x0112 and kind == 3:
            (value,) = struct.unpack(order + "H", entry[8:10])
            return int(value) if 1 <= value <= 8 else 1
    return 1
