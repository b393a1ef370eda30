"""Closed eyelids: what shows where the lids meet.

The blink basis pulls the upper lid's skin down onto the lower lid, but the
warp can only squeeze the eye's own pixels between them into a seam, and a
squeezed seam still glints white. So wherever an output pixel comes from
inside the photo's eye opening, a lid-skin version of the photo (the opening
filled in from the surrounding skin) takes over as the eye closes.

The upper face's folds live here too, for the same reason (the warp squeezes
skin but cannot fold it): vertical frown lines between brows drawn together
(AU4) and creases across the root of a wrinkled nose (AU9), each drawn from
how far its landmarks have converged, so a face at rest is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.render.masks import polygon_window, soft_polygons
from emospeaker_studio.engine.render.warp import sample_region

CLOSING_FROM = 0.55  # fraction of the opening closed where the skin starts to take over
CLOSED_AT = 0.92
# Bands along the lid margins (face heights above the upper, below the lower)
# whose dark pixels the closed lid covers too, and how much darker than the
# lid's skin counts as dark.
LASH_BAND = 0.02
LOWER_BAND = 0.012
DARKER_THAN_LID = 0.8
LASH_STRENGTH = 0.5  # how far the closed lid's lash line goes to the lashes' colour
LID_ROUNDING = 0.06  # how much darker the closed lid is at the lashes than across its middle


@dataclass(frozen=True, eq=False)
class EyeLayer:
    """Per eye: the crop-space box it can occupy, lid vertex ids, rest opening."""

    boxes: tuple[tuple[int, int, int, int], ...]
    measured_ids: torch.Tensor  # _MEASURED, on the device
    rest_opening: tuple[float, ...]
    rest_gaps: torch.Tensor  # (2,) the rest openings, at least 1e-3
    closed: torch.Tensor  # (1, 4, H, W): lid-skin RGB and the eye-opening mask, crop-sized
    lid_ids: tuple[torch.Tensor, ...]  # each upper lid margin, corner to corner
    lashes: tuple[tuple[float, float, float], ...]  # each upper lid's lash colour
    face_height: float
    brow_gap: float = 0.0  # rest distance between the inner brow heads, crop pixels
    nose_rise: float = 0.0  # rest distance from the inner eye corners down to the nose wings, crop pixels
    cheek_rise: float = 0.0  # ... and down to the cheeks beside the nose


def make_eye_layer(crop_rgb: np.ndarray, vertices: np.ndarray, face_height: float, device) -> EyeLayer:
    import cv2

    height, width = crop_rgb.shape[:2]
    cover_sigma = max(0.6, 0.005 * face_height)
    eye_openings, bands = [], []
    boxes = []
    for side in ("left", "right"):
        upper, lower = (lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER) if side == "left" else (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER)
        polygon = vertices[list(lm.eye_polygon(side)), :2]
        eye_openings.append(polygon)
        # Bands along the lids' margins, just outside the fitted opening: the
        # lashes, and whatever of the iris the fit leaves outside it (behind
        # glasses it often does).
        for line, reach in ((vertices[list(upper), :2], -LASH_BAND), (vertices[list(lower), :2], LOWER_BAND)):
            bands.append(np.vstack([line, (line + [0.0, reach * face_height])[::-1]]))
        margin = 0.05 * face_height
        x0, y0 = np.floor(polygon.min(axis=0) - margin).astype(int)
        x1, y1 = np.ceil(polygon.max(axis=0) + margin).astype(int)
        boxes.append((max(0, x0), max(0, y0), min(width, x1), min(height, y1)))
    openings = _lid_gaps(torch.tensor(vertices[None, list(_MEASURED), :2]))[0].tolist()
    # Everything is worked out in a window around the eyes only (a renderer is built
    # for every step of a key-point drag). The openings, their margins and the
    # closed lid's cover are zero beyond it, cover_sigma's blur included, and every
    # step there works pixel by pixel or on a few neighbours: the same numbers as
    # over the whole crop. The lid skin is left zero beyond it: a frame takes the
    # skin in proportion to the cover it samples (bilinearly, from 2x2 pixels), so
    # skin more than a pixel away from any cover is never seen.
    window = polygon_window(np.concatenate(bands), int(np.ceil(4 * cover_sigma)) + 4, (width, height))
    wx0, wy0, wx1, wy1 = window
    grown = cv2.dilate(soft_polygons(eye_openings, window), np.ones((3, 3), np.uint8))
    # Beyond the eyes: the surroundings averaged in (a normalised blur that ignores
    # the eye itself), from the photo as far around the window as the blur reaches.
    # Over each eye: a closed lid, the upper lid's own skin (taken from just above
    # its lashes, column by column) down to a lash line where the lids meet.
    sigma = max(1.0, 0.025 * face_height)
    reach = int(np.ceil(4 * sigma)) + 2  # more than the radius of OpenCV's kernel for sigma
    bx0, by0, bx1, by1 = max(0, wx0 - reach), max(0, wy0 - reach), min(width, wx1 + reach), min(height, wy1 + reach)
    inside = (slice(wy0 - by0, wy1 - by0), slice(wx0 - bx0, wx1 - bx0))  # the window within that
    outside = np.ones((by1 - by0, bx1 - bx0), np.float32)
    outside[inside] = 1.0 - (grown.astype(np.float32) / 255.0)
    weight = cv2.GaussianBlur(outside, (0, 0), sigma)
    summed = cv2.GaussianBlur(crop_rgb[by0:by1, bx0:bx1, :3].astype(np.float32) * outside[..., None], (0, 0), sigma)
    skin = np.zeros((height, width, 3), np.float32)
    skin[wy0:wy1, wx0:wx1] = summed[inside] / np.maximum(weight[inside], 1e-3)[..., None]
    luma_weights = np.array([0.299, 0.587, 0.114], np.float32)
    luma = crop_rgb[..., :3].astype(np.float32) @ luma_weights
    lashes = [_paint_closed_lid(skin, crop_rgb, luma, vertices, side, box, face_height) for box, side in zip(boxes, ("left", "right"))]
    # The closing lid covers the opening, and in the bands along its margins
    # what is darker than the lid's skin: lashes and iris that the closing lid
    # would otherwise stretch into a dark slit between the closed lids. The
    # skin in those bands stays as photographed.
    band = soft_polygons(bands, window).astype(np.float32) / 255.0
    # (Luma over the whole crop, then cut: the products are the ones always taken.)
    lid_luma = np.maximum((skin @ luma_weights)[wy0:wy1, wx0:wx1], 1.0)
    darkness = (DARKER_THAN_LID - luma[wy0:wy1, wx0:wx1] / lid_luma) / 0.15
    darker = cv2.dilate(np.clip(darkness, 0.0, 1.0), np.ones((3, 3), np.uint8))
    closed = np.zeros((4, height, width), np.float32)  # lid skin RGB and cover, as the layer keeps them
    closed[:3] = skin.transpose(2, 0, 1)
    # A soft edge: the closed lid's skin blends into the skin around it.
    closed[3, wy0:wy1, wx0:wx1] = cv2.GaussianBlur(np.maximum(grown.astype(np.float32) / 255.0, band * darker), (0, 0), cover_sigma)
    return EyeLayer(
        boxes=tuple(boxes),
        measured_ids=torch.tensor(_MEASURED, device=device),
        rest_opening=tuple(openings),
        rest_gaps=torch.tensor([max(rest, 1e-3) for rest in openings], dtype=torch.float32, device=device),
        closed=torch.from_numpy(closed).unsqueeze(0).to(device),
        lid_ids=tuple(torch.tensor(ids, device=device) for ids in (lm.EYE_LEFT_UPPER, lm.EYE_RIGHT_UPPER)),
        lashes=tuple(tuple(float(c) for c in colour) for colour in lashes),
        face_height=face_height,
        brow_gap=float(np.linalg.norm(vertices[_BROW_HEAD[0], :2] - vertices[_BROW_HEAD[1], :2])),
        nose_rise=float(np.linalg.norm(_midpoint(vertices, _EYE_INNER) - _midpoint(vertices, _NOSE_WINGS))),
        cheek_rise=float(np.linalg.norm(_midpoint(vertices, _EYE_INNER) - _midpoint(vertices, _CHEEKS))),
    )


def _lid_gaps(points: torch.Tensor) -> torch.Tensor:
    """(B, 2) mean distance between paired upper and lower lid points across each eye,
    from the (B, len(_MEASURED), 2) measured points.

    Measured square to the line between the eye's corners: the paired points do
    not sit at the same place along the eye, so their full distance stays well
    above zero when the lids meet.
    """
    batch = points.shape[0]
    corners = points[:, _AT_CORNERS].reshape(batch, 2, 2, 2)
    gaps = (points[:, _AT_UPPERS] - points[:, _AT_LOWERS]).view(batch, 2, -1, 2)
    line = corners[:, :, 1] - corners[:, :, 0]
    across = line @ _QUARTER_TURN.to(line)  # square to the line: (-y, x)
    distances = (gaps @ across.unsqueeze(-1)).squeeze(-1).abs().mean(dim=-1)
    return distances / across.norm(dim=-1).clamp_min(1e-6)


# (x, y) @ this = (-y, x): exact, products with 0 and ±1 only.
_QUARTER_TURN = torch.tensor([[0.0, 1.0], [-1.0, 0.0]])


def _paint_closed_lid(skin: np.ndarray, rgb: np.ndarray, luma: np.ndarray, vertices: np.ndarray, side: str, box,
                      face_height: float) -> np.ndarray:
    """Fill the eye's opening in ``skin`` with its upper lid's colour; return its lashes' colour."""
    import cv2

    upper, lower = (lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER) if side == "left" else (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER)
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return np.zeros(3)
    xs = np.arange(x0, x1, dtype=np.float64)
    up, lo = vertices[list(upper), :2], vertices[list(lower), :2]
    up, lo = up[np.argsort(up[:, 0])], lo[np.argsort(lo[:, 0])]
    lid_y = np.interp(xs, up[:, 0], up[:, 1])
    low_y = np.interp(xs, lo[:, 0], lo[:, 1])
    columns = xs.astype(int)
    # The lid's skin just above the lashes, leaving out what is far darker
    # than it: stray lashes, or a glasses frame resting above the eye.
    top = np.clip(np.round(lid_y - 0.035 * face_height), 0, rgb.shape[0] - 1).astype(int)
    bottom = np.clip(np.round(lid_y - 0.012 * face_height), top + 1, rgb.shape[0]).astype(int)
    lid = _lid_skin(rgb, luma, columns, top, bottom)
    # The lashes: the darkest pixel from a little above the lid's margin to just below it.
    start = np.maximum(0, (lid_y - 0.012 * face_height).astype(int))
    stop = np.clip(lid_y + 2, 1, rgb.shape[0]).astype(int)
    lashes = np.where((stop > start)[:, None], _darkest(rgb, luma, columns, start, stop), lid).astype(np.float32)
    smooth = max(1.0, 0.01 * face_height)
    lid = cv2.GaussianBlur(lid[None], (0, 0), smooth)[0]
    lashes = cv2.GaussianBlur(lashes[None], (0, 0), smooth)[0]
    ys = np.arange(y0, y1, dtype=np.float64)[:, None]
    # A closed lid is rounded over the eyeball: a little darker towards the
    # lashes at its lower edge than across the middle.
    across = np.clip((ys - lid_y[None, :]) / np.maximum(low_y - lid_y, 1.0)[None, :], 0.0, 1.0)
    painted = lid[None, :, :] * (1.0 - LID_ROUNDING * across**2)[..., None]
    region = skin[y0:y1, x0:x1]
    # Only around the opening itself; the blur stays elsewhere in the box.
    near = ((ys > lid_y[None, :] - 0.02 * face_height) & (ys < low_y[None, :] + 0.02 * face_height))[..., None]
    skin[y0:y1, x0:x1] = np.where(near, painted, region)
    return np.median(lashes, axis=0)


def _lid_skin(rgb: np.ndarray, luma: np.ndarray, columns: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Per column x of ``columns``: the median colour (3,) of its rows top..bottom - 1
    whose luma is at least 0.6 of their 75th percentile.

    All columns of one height at once; the numbers are those of one np.percentile
    and np.median per column (the medians of whole numbers are exact either way).
    """
    lid = np.zeros((len(columns), 3), np.float32)
    for height in np.unique(bottom - top):
        which = np.flatnonzero(bottom - top == height)
        rows = top[which, None] + np.arange(height)  # (n, height)
        column_luma = luma[rows, columns[which, None]]
        skin_like = column_luma >= 0.6 * np.percentile(column_luma, 75, axis=1, keepdims=True)
        # Rows left out sort last; the median is the mean of the middle one or two.
        colours = np.where(skin_like[..., None], rgb[rows, columns[which, None], :3].astype(np.int16), 1 << 10)
        colours = np.sort(colours, axis=1)
        kept = skin_like.sum(axis=1)
        pick = lambda k: np.take_along_axis(colours, k[:, None, None], axis=1)[:, 0]  # noqa: E731
        lid[which] = (pick((kept - 1) // 2) + pick(kept // 2).astype(np.float64)) / 2
    return lid


def _darkest(rgb: np.ndarray, luma: np.ndarray, columns: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Per column x of ``columns``: the colour (3,) of its darkest row in start..stop - 1
    (the first, where several are as dark), any colour where the range is empty."""
    first, last = int(start.min()), max(int(stop.max()), int(start.min()) + 1)
    rows = np.arange(first, last)[:, None]
    window = np.where((rows >= start) & (rows < stop), luma[first:last, columns], np.inf)
    darkest = np.clip(first + np.argmin(window, axis=0), 0, rgb.shape[0] - 1)
    return rgb[darkest, columns, :3].astype(np.float32)


def composite_eyelids(frames: torch.Tensor, grid: torch.Tensor, moved: torch.Tensor, layer: EyeLayer) -> None:
    """Cover what is left of each closing eye with lid skin, in place (and crease a frowning
    brow or a wrinkled nose)."""
    points = _measured(moved, layer)
    frown, wrinkles, closing = _frown_depth(points, layer), _wrinkle_depth(points, layer), _closing(points, layer)
    # Most frames draw none of these: whether each is drawn is read back in one go
    # (each read waits for the device, and costs a few microseconds even on the CPU).
    deepest_frown, deepest_wrinkles, *most_closed = torch.cat([frown.unsqueeze(1), wrinkles.unsqueeze(1), closing], dim=1).amax(dim=0).tolist()
    if deepest_frown > 0:
        composite_frown_lines(frames, moved, layer, frown)
    if deepest_wrinkles > 0:
        composite_nose_wrinkles(frames, moved, layer, wrinkles)
    for eye, closed in enumerate(most_closed):
        if closed > 0:
            _composite_closed_lid(frames, grid, moved, layer, eye, closing[:, eye])


def _measured(moved: torch.Tensor, layer: EyeLayer) -> torch.Tensor:
    """The points the lids, frown and nose are measured on (B, len(_MEASURED), 2), from
    (B, V, 3) vertices, in one lookup (each costs the same whatever it fetches)."""
    return moved.index_select(1, layer.measured_ids)[..., :2]


def _closing(points: torch.Tensor, layer: EyeLayer) -> torch.Tensor:
    """(B, 2) how far each eye's lid skin covers it, 0..1, from the measured points."""
    closure = 1 - _lid_gaps(points) / layer.rest_gaps
    return ((closure - CLOSING_FROM) / (CLOSED_AT - CLOSING_FROM)).clamp(0, 1)


def _composite_closed_lid(frames: torch.Tensor, grid: torch.Tensor, moved: torch.Tensor, layer: EyeLayer, eye: int,
                          weight: torch.Tensor) -> None:
    """Lid skin over eye ``eye`` (0: image-left) of the frames, in proportion to ``weight`` (B,)."""
    x0, y0, x1, y1 = box = layer.boxes[eye]
    if x1 <= x0 or y1 <= y0:
        return
    sampled = sample_region(layer.closed, grid, box)
    cover = sampled[:, 3:4] * weight.view(-1, 1, 1, 1).to(sampled.dtype)
    region = frames[:, :3, y0:y1, x0:x1]
    region = region + (sampled[:, :3] - region) * cover
    # The closed lid's lashes, along where the upper lid's margin now is.
    margin = moved[:, layer.lid_ids[eye], :2]
    order = torch.argsort(margin[..., 0], dim=1)
    mx, my = margin[..., 0].gather(1, order), margin[..., 1].gather(1, order)
    xs = torch.arange(x0, x1, device=frames.device, dtype=mx.dtype).expand(mx.shape[0], -1).contiguous()
    index = torch.searchsorted(mx.contiguous(), xs).clamp(1, mx.shape[1] - 1)
    xa, xb = mx.gather(1, index - 1), mx.gather(1, index)
    t = ((xs - xa) / (xb - xa).clamp_min(1e-3)).clamp(0, 1)
    lid_y = my.gather(1, index - 1) + t * (my.gather(1, index) - my.gather(1, index - 1))
    ys = torch.arange(y0, y1, device=frames.device, dtype=mx.dtype).view(1, -1, 1)
    width = max(0.8, 0.006 * layer.face_height)
    line = torch.exp(-(((ys - lid_y.unsqueeze(1)) / width) ** 2))
    inside = ((xs > mx[:, :1]) & (xs < mx[:, -1:])).to(line.dtype).unsqueeze(1)
    strength = LASH_STRENGTH * line * inside * weight.view(-1, 1, 1).to(line.dtype)
    colour = torch.tensor(layer.lashes[eye], dtype=region.dtype, device=frames.device).view(1, 3, 1, 1)
    frames[:, :3, y0:y1, x0:x1] = region + (colour - region) * strength.unsqueeze(1).to(region.dtype)


# Inner brow heads (image-left, image-right), and the glabella's bottom and top
# (the nose bridge between the eyes, the forehead above the brows).
_BROW_HEAD = (55, 285)
_GLABELLA = (168, 9)
CREASE_FROM = 0.06  # fraction of the brow gap closed before the skin starts to bunch
CREASE_FULL = 0.40  # ... and where the creases are at their deepest


def composite_frown_lines(frames: torch.Tensor, moved: torch.Tensor, layer: EyeLayer, depth: torch.Tensor | None = None) -> None:
    """Vertical creases between brows drawn together (AU4), in place.

    The warp can squeeze the skin between the brows but not fold it; a frown
    reads from the two short vertical furrows that fold there, each a dark
    groove with the bunched skin catching light beside it. Their depth follows
    how far the inner brow heads have come together, so a rest frame (and any
    frame whose brows do not converge) is left untouched. ``depth``: the
    frames' _frown_depth, where it is known already.
    """
    points = _measured(moved, layer)
    depth = _frown_depth(points, layer) if depth is None else depth
    if float(depth.max()) <= 0:
        return
    heads, gap = _brow_heads(points)
    bottom, top = moved[:, _GLABELLA[0], :2], moved[:, _GLABELLA[1], :2]
    # From the nose bridge up to a little above the brow heads.
    base = bottom + 0.15 * (top - bottom)
    span = top - bottom
    length = span.norm(dim=-1).clamp_min(1.0)
    up = span / length.unsqueeze(-1)
    across = torch.stack([-up[:, 1], up[:, 0]], dim=-1)
    centre = torch.stack([(heads[:, 0, 0] + heads[:, 1, 0]) / 2, base[:, 1]], dim=-1)
    height, width = frames.shape[-2:]
    groove_w = max(1.0, 0.009 * layer.face_height)
    # The furrows end where `ends` does along the midline, and across it they
    # have faded to nothing six groove widths beyond their offset.
    x0, x1, y0, y1 = _support_window(centre, up * length.unsqueeze(-1), (-0.1, 0.8),
                                     across, 0.2 * gap + 6 * groove_w, height, width)
    if x1 <= x0 or y1 <= y0:
        return
    dtype = frames.dtype
    ys = torch.arange(y0, y1, device=frames.device, dtype=dtype).view(1, -1, 1)
    xs = torch.arange(x0, x1, device=frames.device, dtype=dtype).view(1, 1, -1)
    rx = xs - centre[:, 0].view(-1, 1, 1).to(dtype)
    ry = ys - centre[:, 1].view(-1, 1, 1).to(dtype)
    along = (rx * up[:, 0].view(-1, 1, 1) + ry * up[:, 1].view(-1, 1, 1)) / length.view(-1, 1, 1)
    side = rx * across[:, 0].view(-1, 1, 1) + ry * across[:, 1].view(-1, 1, 1)
    # Two furrows a quarter of the (narrowed) brow gap either side of the midline,
    # fading out at both ends; a furrow is deepest near the brows.
    offset = (0.2 * gap).view(-1, 1, 1).to(dtype)
    ends = ((along + 0.1) / 0.35).clamp(0, 1) * ((0.8 - along) / 0.4).clamp(0, 1)
    groove = torch.exp(-(((side.abs() - offset) / groove_w) ** 2))
    ridge = torch.exp(-(((side.abs() - offset - 1.6 * groove_w) / (1.4 * groove_w)) ** 2))
    shade = 1 - depth.view(-1, 1, 1).to(dtype) * ends * (0.2 * groove - 0.06 * ridge)
    region = frames[:, :3, y0:y1, x0:x1]
    frames[:, :3, y0:y1, x0:x1] = (region * shade.unsqueeze(1)).clamp(0, 255)


def _brow_heads(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The inner brow heads (B, 2, 2) and their distance (B,), from the measured points."""
    heads = points[:, _AT_BROW_HEADS]
    return heads, (heads[:, 0] - heads[:, 1]).norm(dim=-1)


def _frown_depth(points: torch.Tensor, layer: EyeLayer) -> torch.Tensor:
    """(B,) how deep the frown lines are, 0..1: how far the inner brow heads have come
    together, from the measured points."""
    if layer.brow_gap <= 1.0:
        return points.new_zeros(points.shape[0])
    closed = 1 - _brow_heads(points)[1] / layer.brow_gap
    return ((closed - CREASE_FROM) / (CREASE_FULL - CREASE_FROM)).clamp(0, 1)


_EYE_INNER = (133, 362)
_NOSE_WINGS = (98, 327)
_CHEEKS = (50, 280)
# How much more of the eye-to-nose-wing distance than of the eye-to-cheek
# distance has closed: where the nose starts to wrinkle, and where fully.
WRINKLE_FROM = 0.03
WRINKLE_FULL = 0.065


def _support_window(origin: torch.Tensor, along: torch.Tensor, along_range: tuple[float, float],
                    across: torch.Tensor, half_width: torch.Tensor, height: int, width: int) -> tuple[int, int, int, int]:
    """Pixel box (x0, x1, y0, y1) holding every frame's drawing, clipped to the image.

    A frame draws inside the parallelogram origin + t * along + s * across,
    t in along_range, |s| <= half_width (per frame). The box covers all of
    them, so whether a frame is drawn alone or in a batch, nothing of it is
    cut off, and the drawing inside (computed per frame) is the same.
    """
    corners = torch.stack([origin + t * along + sign * half_width.unsqueeze(-1) * across
                           for t in along_range for sign in (-1.0, 1.0)])
    low, high = corners.amin(dim=(0, 1)), corners.amax(dim=(0, 1))
    return (int(max(0.0, float(low[0]) - 1)), int(min(width, float(high[0]) + 2)),
            int(max(0.0, float(low[1]) - 1)), int(min(height, float(high[1]) + 2)))


def _midpoint(points, ids):
    return (points[..., ids[0], :2] + points[..., ids[1], :2]) / 2


def _wrinkle_depth(points: torch.Tensor, layer: EyeLayer) -> torch.Tensor:
    """(B,) how deep the nose's wrinkles are, 0..1: how much further its wings have risen
    towards the inner eye corners than the cheeks beside them, from the measured points."""
    if layer.nose_rise <= 1.0 or layer.cheek_rise <= 1.0:
        return points.new_zeros(points.shape[0])
    eyes, wings, cheeks = points[:, _AT_WRINKLE_PAIRS].reshape(-1, 3, 2, 2).mean(dim=2).unbind(1)
    rise, cheek_rise = (wings - eyes).norm(dim=-1), (cheeks - eyes).norm(dim=-1)
    lift = (cheek_rise / layer.cheek_rise) - (rise / layer.nose_rise)
    return ((lift - WRINKLE_FROM) / (WRINKLE_FULL - WRINKLE_FROM)).clamp(0, 1)


def composite_nose_wrinkles(frames: torch.Tensor, moved: torch.Tensor, layer: EyeLayer, depth: torch.Tensor | None = None) -> None:
    """Wrinkles across the root of a nose pulled up towards the eyes (AU9), in place.

    The nose wrinkler lifts the nose wings towards the inner eye corners and
    folds the skin of the nose's root into short creases across it, slanting
    down at the sides; the warp can only squeeze that skin. Their depth
    follows how much further the wings have risen than the cheeks beside
    them: a smile's cheek raiser lifts the whole mid-face, nose included,
    and must not wrinkle it; a raised upper lip alone lifts the wings too
    little to start them. ``depth``: the frames' _wrinkle_depth, where it is
    known already.
    """
    depth = _wrinkle_depth(_measured(moved, layer), layer) if depth is None else depth
    if float(depth.max()) <= 0:
        return
    eyes, wings = _midpoint(moved, _EYE_INNER), _midpoint(moved, _NOSE_WINGS)
    span = wings - eyes
    rise = span.norm(dim=-1)
    down = span / rise.clamp_min(1.0).unsqueeze(-1)
    across = torch.stack([-down[:, 1], down[:, 0]], dim=-1)
    half = 0.22 * (moved[:, _EYE_INNER[0], :2] - moved[:, _EYE_INNER[1], :2]).norm(dim=-1)
    height, width = frames.shape[-2:]
    # The creases live where `fade` does: from the eyes down to 0.45 of the
    # way to the wings, and 1.2 half-widths either side of the nose's ridge.
    x0, x1, y0, y1 = _support_window(eyes, span, (0.0, 0.45), across, 1.2 * half, height, width)
    if x1 <= x0 or y1 <= y0:
        return
    dtype = frames.dtype
    ys = torch.arange(y0, y1, device=frames.device, dtype=dtype).view(1, -1, 1)
    xs = torch.arange(x0, x1, device=frames.device, dtype=dtype).view(1, 1, -1)
    rx, ry = xs - eyes[:, 0].view(-1, 1, 1).to(dtype), ys - eyes[:, 1].view(-1, 1, 1).to(dtype)
    along = (rx * down[:, 0].view(-1, 1, 1) + ry * down[:, 1].view(-1, 1, 1)) / rise.view(-1, 1, 1).to(dtype)
    side = (rx * across[:, 0].view(-1, 1, 1) + ry * across[:, 1].view(-1, 1, 1)) / half.view(-1, 1, 1).to(dtype)
    # Three creases, lower towards the sides (the skin folds around the nose's
    # ridge), fading out across the cheeks.
    bent = along - 0.12 * side.abs() ** 2
    groove_w = (max(0.7, 0.006 * layer.face_height) / rise.clamp_min(1.0)).view(-1, 1, 1).to(dtype)
    lines = sum(torch.exp(-(((bent - t) / groove_w) ** 2)) for t in (0.12, 0.22, 0.32))
    lit = sum(torch.exp(-(((bent - t + 1.8 * groove_w) / (1.4 * groove_w)) ** 2)) for t in (0.12, 0.22, 0.32))
    fade = (1.2 - side.abs()).clamp(0, 1) * ((0.45 - along) / 0.1).clamp(0, 1) * (along / 0.06).clamp(0, 1)
    shade = 1 - depth.view(-1, 1, 1).to(dtype) * fade * (0.18 * lines - 0.05 * lit)
    region = frames[:, :3, y0:y1, x0:x1]
    frames[:, :3, y0:y1, x0:x1] = (region * shade.unsqueeze(1)).clamp(0, 255)


# The points each frame's lids, frown and nose are measured on: per eye (image-left,
# then right) the corners, then the upper lids' inner points, the lower lids' paired
# with them; the inner brow heads; the pairs whose midpoints the nose's wrinkles
# compare (inner eye corners, nose wings, cheeks). _AT_*: where each group is.
_LIDS = ((lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER), (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER))
_GROUPS = (sum(((upper[0], upper[-1]) for upper, _ in _LIDS), ()), sum((upper[1:-1] for upper, _ in _LIDS), ()),
           sum((lower[1:-1] for _, lower in _LIDS), ()), _BROW_HEAD, _EYE_INNER + _NOSE_WINGS + _CHEEKS)
_MEASURED = sum(_GROUPS, ())
_AT_CORNERS, _AT_UPPERS, _AT_LOWERS, _AT_BROW_HEADS, _AT_WRINKLE_PAIRS = (
    slice(sum(map(len, _GROUPS[:i])), sum(map(len, _GROUPS[: i + 1]))) for i in range(len(_GROUPS)))

# The landmarks make_eye_layer reads. A layer made from the same crop, face height
# and these points is the same layer: the renderer keeps it when a key-point move
# leaves them where they were.
EYE_LAYER_POINTS = tuple(sorted(set(
    lm.EYE_LEFT_UPPER + lm.EYE_LEFT_LOWER + lm.EYE_RIGHT_UPPER + lm.EYE_RIGHT_LOWER
    + _BROW_HEAD + _EYE_INNER + _NOSE_WINGS + _CHEEKS
)))
