"""A frame of a fixed shape (16:9, 9:16, 1:1, 4:5 ...) composed around the portrait's face.

Covering the frame with the photo and cutting off what stuck out took the top
of the head off a portrait photo made 16:9. Here the part of the photo the
frame shows is chosen around the head: the largest region of the frame's
shape the photo holds, centred on the face with the eyes a little above the
middle, then moved (never shrunk) so that the head with room above it is
inside. Where the head does not fit, the region grows past the photo's edges
and the photo is extended there with a blurred, darkened copy of itself
(transparent where the portrait has an alpha channel). The renderer then
draws that region whole, at the frame's size.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from emospeaker_studio.core.project import Fill, Framing
from emospeaker_studio.engine.face.fit import FaceFit
from emospeaker_studio.engine.face.portrait import Portrait

# Room kept around the face box inside the frame, in face-box heights (above,
# below) and widths (each side): hair above the forehead, the chin and neck.
HEAD_ROOM = 0.55
CHIN_ROOM = 0.35
SIDE_ROOM = 0.35
# Where the face box's centre sits, as a fraction of the frame's height from its top.
FACE_CENTRE_HEIGHT = 0.42
# Pixels over which the photo's edge fades into its extension.
SEAM_PX = 24
# The extension is the photo blurred this much (fraction of the region's longer side) and darkened.
BLUR_FRACTION = 0.04
EXTENSION_BRIGHTNESS = 0.7
# Enlarged more than this beyond its own pixels, a photo looks soft: the render says so.
SOFT_ENLARGEMENT = 1.15
# How high the region of the tighter framings is, in face-box heights.
FRAMING_FACE_HEIGHTS = {Framing.HEAD_AND_SHOULDERS: 3.2, Framing.CLOSE_UP: 1.9}


def frame_region(photo_size: tuple[int, int], face_box: tuple[float, float, float, float],
                 frame_size: tuple[int, int], framing: Framing = Framing.FULL) -> tuple[int, int, int, int]:
    """The part of the photo (x, y, w, h in photo pixels) that a frame of ``frame_size``
    (w, h) shows; it may reach past the photo's edges, and always holds the head.

    ``framing``: FULL shows as much of the photo as the frame's shape allows; the others
    show a region so many face heights high (FRAMING_FACE_HEIGHTS), no more than FULL would."""
    src_w, src_h = photo_size
    out_w, out_h = frame_size
    aspect = out_w / out_h
    fx, fy, fw, fh = face_box
    # The head with room around it, as far as the photo has it (nothing is invented past a cut-off head).
    head_x0, head_x1 = max(0.0, fx - SIDE_ROOM * fw), min(float(src_w), fx + fw + SIDE_ROOM * fw)
    head_y0, head_y1 = max(0.0, fy - HEAD_ROOM * fh), min(float(src_h), fy + fh + CHIN_ROOM * fh)
    # The largest region of the frame's shape inside the photo (or a tighter one), grown until the head fits.
    w, h = (src_h * aspect, float(src_h)) if src_w / src_h > aspect else (float(src_w), src_w / aspect)
    tight = FRAMING_FACE_HEIGHTS.get(framing)
    if tight is not None and tight * fh < h:
        w, h = tight * fh * aspect, tight * fh
    grow = max(1.0, (head_x1 - head_x0) / w, (head_y1 - head_y0) / h)
    w, h = w * grow, h * grow
    x = _place(fx + fw / 2 - w / 2, w, src_w, head_x0, head_x1)
    y = _place(fy + fh / 2 - FACE_CENTRE_HEIGHT * h, h, src_h, head_y0, head_y1)
    w_px = max(1, round(w))
    h_px = max(1, round(w_px / aspect))
    return math.floor(x), math.floor(y), w_px, h_px


def _place(start: float, length: float, photo_length: int, head_start: float, head_end: float) -> float:
    """Where a region of ``length`` starts along one axis: at ``start`` moved inside the photo
    where it fits, then moved (if it must) so that the head lies inside it."""
    if length <= photo_length:
        start = min(max(start, 0.0), photo_length - length)
    else:
        start = min(max(start, photo_length - length), 0.0)  # the photo centred-ish inside it
    return min(max(start, head_end - length), head_start)


def enlargement_note(frame_size: tuple[int, int], region_height: int, photo_height: int) -> str:
    """One line when a frame of ``frame_size`` enlarges the photo (``photo_height`` px, of which the
    frame shows ``region_height``) beyond its own resolution; "" when it does not, much."""
    width, height = frame_size
    scale = height / max(1, region_height)
    if scale <= SOFT_ENLARGEMENT:
        return ""
    sharp = math.ceil(photo_height * scale / SOFT_ENLARGEMENT)
    return (f"the photo is enlarged {scale:.1f}× beyond its own resolution to fill {width}×{height}: the face will look "
            f"soft; a photo about {sharp} px high, or a smaller size, is sharper")


def framed_portrait(portrait: Portrait, fit: FaceFit, frame_size: tuple[int, int], framing: Framing = Framing.FULL,
                    fill: Fill = Fill.BLUR) -> tuple[Portrait, FaceFit, int]:
    """The region of ``portrait`` a frame of ``frame_size`` shows (extended past the photo with
    ``fill`` where it must be), and ``fit`` moved into it. Returns (portrait, fit, region height in photo pixels)."""
    x, y, w, h = frame_region((portrait.width, portrait.height), fit.face_box, frame_size, framing)
    rgb, alpha = _region_pixels(portrait, (x, y, w, h), fill)
    moved = fit.landmarks.copy()
    moved[:, 0] -= x
    moved[:, 1] -= y
    fx, fy, fw, fh = fit.face_box
    framed_fit = dataclasses.replace(fit, landmarks=moved, face_box=(fx - x, fy - y, fw, fh), image_size=(w, h))
    framed = Portrait(rgb=rgb, alpha=alpha, sha256=f"{portrait.sha256}:{x},{y},{w},{h}:{fill.value}", path=portrait.path)
    return framed, framed_fit, h


def _region_pixels(portrait: Portrait, region: tuple[int, int, int, int], fill: Fill) -> tuple[np.ndarray, "np.ndarray | None"]:
    """The photo's pixels in ``region``; past the photo, ``fill`` (and alpha 0 there where there is alpha)."""
    x, y, w, h = region
    src_h, src_w = portrait.rgb.shape[:2]
    ix0, iy0, ix1, iy1 = max(0, x), max(0, y), min(src_w, x + w), min(src_h, y + h)
    if (ix0, iy0, ix1, iy1) == (x, y, x + w, y + h):
        alpha = None if portrait.alpha is None else portrait.alpha[y : y + h, x : x + w].copy()
        return np.ascontiguousarray(portrait.rgb[y : y + h, x : x + w]), alpha
    pads = ((iy0 - y, y + h - iy1), (ix0 - x, x + w - ix1))
    inside = portrait.rgb[iy0:iy1, ix0:ix1]
    if fill is Fill.MIRROR:
        rgb = np.pad(inside, pads + ((0, 0),), mode="symmetric")
    elif fill is Fill.SOLID:
        rgb = np.pad(inside, pads + ((0, 0),), mode="constant")
    else:  # the blur, under a transparent fill too: it is what formats without alpha show
        weight = _seam_weight((ix0 - x, iy0 - y, ix1 - x, iy1 - y), (w, h), region, (src_w, src_h))
        photo = np.pad(inside, pads + ((0, 0),), mode="constant").astype(np.float32)
        backdrop = _blurred_extension(portrait.rgb, region)
        rgb = (photo * weight[..., None] + backdrop * (1.0 - weight[..., None])).round().astype(np.uint8)
    alpha = None
    if portrait.alpha is not None or fill is Fill.TRANSPARENT:
        inside_alpha = portrait.alpha[iy0:iy1, ix0:ix1] if portrait.alpha is not None else np.full(inside.shape[:2], 255, np.uint8)
        alpha = np.pad(inside_alpha, pads, mode="constant")  # transparent past the photo, for formats that keep alpha
    return np.ascontiguousarray(rgb), alpha


def _blurred_extension(rgb: np.ndarray, region: tuple[int, int, int, int]) -> np.ndarray:
    """The photo scaled to cover ``region``, blurred and darkened: a backdrop that continues its colours."""
    import cv2

    _x, _y, w, h = region
    src_h, src_w = rgb.shape[:2]
    scale = max(w / src_w, h / src_h)
    # Blurred at a small size and scaled up: the same look as a wide blur at full size, for a fraction of the work.
    small = max(16.0, max(w, h) * BLUR_FRACTION * 4)
    shrink = small / max(w, h)
    cover = cv2.resize(rgb, (max(1, round(src_w * scale * shrink)), max(1, round(src_h * scale * shrink))),
                       interpolation=cv2.INTER_AREA)
    cw, ch = max(1, round(w * shrink)), max(1, round(h * shrink))
    ox, oy = (cover.shape[1] - cw) // 2, (cover.shape[0] - ch) // 2
    cover = cv2.GaussianBlur(np.ascontiguousarray(cover[oy : oy + ch, ox : ox + cw]), (0, 0), sigmaX=2.0)
    backdrop = cv2.resize(cover, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    return backdrop * EXTENSION_BRIGHTNESS


def _seam_weight(inside: tuple[int, int, int, int], size: tuple[int, int], region: tuple[int, int, int, int],
                 photo_size: tuple[int, int]) -> np.ndarray:
    """1 on the photo, 0 past it, ramping over SEAM_PX inside the photo along each edge where it is extended."""
    ix0, iy0, ix1, iy1 = inside
    w, h = size
    x, y, rw, rh = region
    src_w, src_h = photo_size
    cols = np.ones(w, np.float32)
    rows = np.ones(h, np.float32)
    for axis, (lo, hi, extended_lo, extended_hi, n) in (
        (cols, (ix0, ix1, x < 0, x + rw > src_w, w)),
        (rows, (iy0, iy1, y < 0, y + rh > src_h, h)),
    ):
        index = np.arange(n, dtype=np.float32)
        axis[:] = ((index >= lo) & (index < hi)).astype(np.float32)
        if extended_lo:
            axis *= np.clip((index - lo + 0.5) / SEAM_PX, 0.0, 1.0)
        if extended_hi:
            axis *= np.clip((hi - index - 0.5) / SEAM_PX, 0.0, 1.0)
    return rows[:, None] * cols[None, :]
