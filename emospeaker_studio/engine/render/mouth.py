"""The inside of the mouth: cavity, upper and lower teeth, tongue, lit like the face.

Drawn inside the warped inner-lip contour whenever the lips move away from
their shape in the photo (the photo's own teeth cannot be stretched into an
open mouth). Everything is laid out in the mouth's own frame: u runs from
the image-left corner (-1) to the right corner (+1), v is the distance in
pixels towards the chin. The upper teeth hang from the upper lip's middle
(they belong to the skull), the lower teeth and tongue ride on the lower
lip's middle (they belong to the jaw).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.render.masks import polygon_window, soft_polygons
from emospeaker_studio.engine.render.warp import sample_region

# Where neighbouring teeth meet, as fractions of the half mouth width (incisors widest).
_UPPER_TOOTH_EDGES = (0.0, 0.21, 0.39, 0.54, 0.67, 0.78, 0.88)
_LOWER_TOOTH_EDGES = (0.0, 0.15, 0.3, 0.44, 0.57, 0.69, 0.8)
_LIT_SKIN = (50, 280, 4, 101, 330)  # cheeks and nose: the skin whose brightness lights the mouth
# The landmarks make_mouth_layer reads (with its lip contours). A layer made from
# the same crop, face height and these points is the same layer: the renderer
# keeps it when a key-point move leaves them where they were.
MOUTH_LAYER_POINTS = tuple(sorted(set(
    _LIT_SKIN + lm.LIPS_UPPER_OUTER + lm.LIPS_LOWER_OUTER + lm.LIPS_UPPER_INNER + lm.LIPS_LOWER_INNER
)))


@dataclass(frozen=True)
class MouthLook:
    """Colours (0..255 RGB, already lit) and sizes (output pixels) of the mouth interior."""

    teeth: tuple[float, float, float]
    cavity: tuple[float, float, float]
    cavity_edge: tuple[float, float, float]
    lips: tuple[float, float, float]  # the photo's lip colour, for the seam of closed lips
    tongue: tuple[float, float, float]
    face_height: float
    upper_teeth: float  # visible height of the upper incisors
    lower_teeth: float


def make_look(rgb: np.ndarray, face_points: np.ndarray, inner_polygon: np.ndarray, face_height: float) -> MouthLook:
    """Colours matched to this photo: its skin's brightness and, if visible, its teeth."""
    import cv2

    height, width = rgb.shape[:2]
    samples = []
    for index in _LIT_SKIN:
        x, y = np.clip(face_points[index, :2].round().astype(int), 0, [width - 1, height - 1])
        r = max(1, int(face_height * 0.02))
        samples.append(rgb[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1].reshape(-1, 3))
    skin = np.concatenate(samples).astype(np.float64).mean(axis=0)
    light = float(np.clip(skin.mean() / 150.0, 0.45, 1.25))
    tint = skin / max(skin.mean(), 1.0)  # the photo's colour cast, mildly applied below
    tint = 0.8 + 0.2 * tint

    teeth = np.array([222.0, 214.0, 196.0]) * light * tint
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(inner_polygon).astype(np.int32)], 1)
    inside = rgb[mask.astype(bool)].astype(np.float64)
    if len(inside) >= 30:
        luma = inside.mean(axis=1)
        bright = inside[luma >= np.percentile(luma, 70)]
        candidate = np.median(bright, axis=0)
        if candidate.mean() > 90 and _saturation(candidate) < 0.35:
            teeth = candidate  # the photo shows its teeth: use their real colour
    lip_mask = np.zeros((height, width), np.uint8)
    for outer, inner in ((lm.LIPS_UPPER_OUTER, lm.LIPS_UPPER_INNER), (lm.LIPS_LOWER_OUTER, lm.LIPS_LOWER_INNER)):
        ring = np.concatenate([face_points[list(outer), :2], face_points[list(inner)[::-1], :2]])
        cv2.fillPoly(lip_mask, [np.round(ring).astype(np.int32)], 1)
    lip_pixels = rgb[lip_mask.astype(bool)].astype(np.float64)
    lips = np.median(lip_pixels, axis=0) if len(lip_pixels) >= 10 else np.array([170.0, 100.0, 100.0]) * light
    # The drawn inside is as colourful as the photo's own lips: a red mouth in a
    # black-and-white or sepia photo looks pasted in.
    colourful = float(np.clip(_saturation(lips) / _LIP_SATURATION, 0.0, 1.0))
    cavity, cavity_edge, tongue = (
        _desaturated(np.array(colour) * light * tint, colourful)
        for colour in ((38.0, 14.0, 16.0), (92.0, 38.0, 40.0), (176.0, 84.0, 88.0))
    )
    return MouthLook(
        teeth=tuple(np.clip(teeth, 0, 255)),
        cavity=tuple(np.clip(cavity, 0, 255)),
        cavity_edge=tuple(np.clip(cavity_edge, 0, 255)),
        lips=tuple(np.clip(lips, 0, 255)),
        tongue=tuple(np.clip(tongue, 0, 255)),
        face_height=face_height,
        upper_teeth=0.052 * face_height,
        lower_teeth=0.036 * face_height,
    )


# The saturation ((max - min) / max) of lips in an ordinary colour photo; a photo's
# lips below it make the drawn mouth as much less colourful.
_LIP_SATURATION = 0.25


def _saturation(rgb: np.ndarray) -> float:
    return float((rgb.max() - rgb.min()) / max(float(rgb.max()), 1.0))


def _desaturated(rgb: np.ndarray, amount: float) -> np.ndarray:
    """``rgb`` with ``amount`` (0..1) of its colour kept around its own grey (same luma)."""
    grey = float(rgb @ np.array([0.299, 0.587, 0.114]))
    return grey + amount * (rgb - grey)


# Lip gap (face heights) that still shows no teeth, only the shadow between the lips.
_SHADOWED_GAP = 0.005
# The upper lip's arch (middle below the corners, in half mouth widths) of a
# smile, and how much darker the teeth of a flat mouth are.
_SMILE_ARCH = 0.12
_FLAT_MOUTH_SHADOW = 0.75
# Opening (lip gap over half mouth width) up to which that shadow is full, and
# from which the mouth is open enough to be lit.
_SLIT = 0.6
_WIDE_OPEN = 1.2
# Teeth in the lips' shadow: how much darker they get, and how much of the
# cavity's warm colour comes in, per unit of shadow.
_SHADOW_DARKEN = 0.6
_SHADOW_WARM = 0.3
_SHADOW_TINT = (0.0, 0.15, 0.3)  # shade takes more blue and green than red: ivory, not grey
# Each tooth's front is convex: its sides are this much darker than its middle.
_TOOTH_ROUNDING = 0.12
# The mouth is worked out in float64, the frames' pixels aside. Its formulas hold
# many Python numbers, and each number in a float32 operation is first converted
# to a float32 tensor (a further operation; 70 of them per frame, 5 µs each); in
# float64 it is used as it is. The pixels are few (under a thousand at 512 px),
# so the wider type costs nothing.
_SHADING = torch.float64
# Lips are curves, not the mesh's polylines: at large sizes the corners of an
# 11-point contour would show, so they are drawn through a Catmull-Rom
# subdivision with this many segments between neighbouring points.
_SMOOTHING_STEPS = 3


# The upper and lower rows of teeth are drawn side by side (row 0 upper, row 1
# lower): how far out along the mouth each reaches (half widths), and its shadow
# under the upper lip, as base + per unit of closeness to the lip.
_TEETH_REACH = (0.78, 0.7)
_TEETH_SHADOW = ((0.6, 0.4), (0.9, 0.1))


@dataclass(frozen=True, eq=False)
class MouthPalette:
    """The look's colours and the teeth rows' constants as tensors, made once: a frame's
    mouth is a few hundred small tensor operations, each costing microseconds whatever
    its size, and making a tensor is one more."""

    teeth: torch.Tensor  # (2, 3, 1) upper, lower (a little darker)
    cavity: torch.Tensor  # (3, 1) each
    cavity_edge: torch.Tensor
    lips: torch.Tensor
    tongue: torch.Tensor
    shadow_tint: torch.Tensor
    teeth_reach: torch.Tensor  # (2, 1) _TEETH_REACH
    teeth_shadow: torch.Tensor  # (2, 2, 1) _TEETH_SHADOW: base, per closeness


def _palette(look: MouthLook, device) -> MouthPalette:
    as_tensor = lambda a: torch.tensor(a, dtype=_SHADING, device=device)  # noqa: E731
    colour = lambda rgb: as_tensor(rgb).view(3, 1)  # noqa: E731
    return MouthPalette(teeth=torch.stack([colour(look.teeth), colour(look.teeth) * 0.82]), cavity=colour(look.cavity),
                        cavity_edge=colour(look.cavity_edge), lips=colour(look.lips), tongue=colour(look.tongue),
                        shadow_tint=colour(_SHADOW_TINT), teeth_reach=as_tensor(_TEETH_REACH).view(2, 1),
                        teeth_shadow=as_tensor(_TEETH_SHADOW).T.reshape(2, 2, 1))


@dataclass(frozen=True, eq=False)
class MouthLayer:
    """What is constant about the mouth: colours, the photo's opening and its frame."""

    look: MouthLook
    opening_mask: torch.Tensor  # (1, 1, H, W) crop-sized: 1 inside the photo's inner lips
    texture: torch.Tensor  # (1, C, H, W) the crop as photographed
    rest_upper: torch.Tensor  # (1, K, 2) inner-lip contours in the photo, crop pixels
    rest_lower: torch.Tensor
    palette: MouthPalette
    pixels: torch.Tensor  # (2, H, W) each crop pixel's x and y
    smoothing: torch.Tensor  # (M, K) Catmull-Rom weights: a K-point lip contour → M points on the curve
    tooth_edges: torch.Tensor  # (2, E) where neighbouring upper (row 0) and lower teeth meet, u ascending
    # The photo's own inner lips in its own mouth frame, as M knots (u ascending, then v)
    # per lip (1, 2, 2, M), and that frame in grid_sample's coordinates over the crop
    # (3, 2: the centre, per unit of u, per pixel towards the chin). None where the
    # photo's lips are nowhere parted enough to show its own teeth.
    rest_lips: torch.Tensor | None
    teeth_grid: torch.Tensor | None
    # The photo's half mouth width (crop pixels): the teeth's scale. Teeth belong
    # to the skull, so lips stretched wider (a smile, fear's AU20, a spread "ee")
    # uncover more of the row, darker towards the back, instead of widening it.
    rest_half_width: float = 1.0


def make_mouth_layer(crop_rgb: np.ndarray, vertices: np.ndarray, upper_ids, lower_ids, face_height: float, texture: torch.Tensor) -> MouthLayer:
    height, width = crop_rgb.shape[:2]
    polygon = vertices[list(lm.inner_lip_polygon()), :2]
    mask = np.zeros((height, width), np.float32)
    x0, y0, x1, y1 = window = polygon_window(polygon, 2, (width, height))
    mask[y0:y1, x0:x1] = soft_polygons([polygon], window).astype(np.float32) / 255.0
    device = texture.device
    as_tensor = lambda a: torch.tensor(np.asarray(a, np.float32), device=device)  # noqa: E731
    look = make_look(crop_rgb, vertices, polygon, face_height)
    rest_upper, rest_lower = as_tensor(vertices[list(upper_ids), :2])[None], as_tensor(vertices[list(lower_ids), :2])[None]
    count = rest_upper.shape[1]
    shading = lambda a: torch.tensor(a, dtype=_SHADING, device=device)  # noqa: E731
    rest_lips, teeth_grid = _photo_mouth(rest_upper.to(_SHADING), rest_lower.to(_SHADING), (width, height),
                                         shading(_resampling_matrix(count, _linear)))
    tooth_edges = [sorted(set([-e for e in edges] + list(edges))) for edges in (_UPPER_TOOTH_EDGES, _LOWER_TOOTH_EDGES)]
    return MouthLayer(
        look=look,
        opening_mask=as_tensor(mask)[None, None],
        texture=texture,
        rest_upper=rest_upper,
        rest_lower=rest_lower,
        palette=_palette(look, device),
        pixels=torch.stack(torch.meshgrid(*(torch.arange(n, dtype=_SHADING, device=device) for n in (width, height)), indexing="xy")),
        smoothing=as_tensor(_resampling_matrix(count, _catmull_rom)),
        tooth_edges=shading(tooth_edges),
        rest_lips=rest_lips,
        teeth_grid=teeth_grid,
        rest_half_width=float(_mouth_frame(rest_upper)[2]),
    )


def _photo_mouth(rest_upper: torch.Tensor, rest_lower: torch.Tensor, crop_size: tuple[int, int], subdivide: torch.Tensor):
    """The photo's inner lips (1, K, 2 each) in the photo's mouth frame, as knots (1, 2, 2, M)
    of the same polylines with points added along their segments (M as many as the
    drawn lips have, so that all four curves are looked up in one pass), and that
    frame in grid_sample's coordinates (3, 2); (None, None) when the lips are closed.
    """
    centre, to_frame, half_width = _mouth_frame(rest_upper)
    knots = _lips_in_frame(torch.stack([rest_upper, rest_lower], dim=1), centre, to_frame)  # (1, 2, 2, K)
    # The photo shows teeth only where its lips are over 2 px apart (see _photo_teeth);
    # the gap is piecewise linear in u, largest at a knot or at the mouth's ends.
    u = torch.cat([knots[0, :, 0].reshape(-1), knots.new_tensor([-1.0, 1.0])]).clamp(-1, 1)
    gap = _interp(knots[0, 1], u) - _interp(knots[0, 0], u)
    if not bool((gap > 2.0).any()):
        return None, None
    per_u = to_frame[0, 0] * half_width[0] ** 2  # (axis / half width) x half width²: a unit of u in pixels
    span = centre.new_tensor([max(crop_size[0] - 1, 1), max(crop_size[1] - 1, 1)])
    teeth_grid = torch.stack([centre[0] / span * 2 - 1, per_u / span * 2, to_frame[0, 1] / span * 2])
    return knots @ subdivide.T, teeth_grid


def _mouth_frame(upper: torch.Tensor):
    """From the corners (the contour's ends, (B, K, 2)): the centre (B, 2), the map into the
    mouth's frame (B, 2, 2: rows give u, along the mouth in half widths, and v, pixels
    towards the chin, per pixel from the centre) and the half width (B, 1)."""
    left, right = upper[:, 0], upper[:, -1]
    centre = (left + right) / 2.0
    axis = right - left
    half_width = (axis.norm(dim=-1, keepdim=True) / 2.0).clamp_min(1.0)
    axis = axis / (2.0 * half_width)
    normal = torch.stack([-axis[:, 1], axis[:, 0]], dim=-1)
    return centre, torch.stack([axis / half_width, normal], dim=1), half_width


def _lips_in_frame(lips: torch.Tensor, centre: torch.Tensor, to_frame: torch.Tensor) -> torch.Tensor:
    """Contours (B, L, K, 2), corner to corner → knots (B, L, 2, K): u (made ascending) then v."""
    u, v = (to_frame.unsqueeze(1) @ (lips - centre[:, None, None]).transpose(-1, -2)).unbind(-2)
    return torch.stack([torch.cummax(u, dim=-1).values, v], dim=-2)


def _catmull_rom(t: float) -> tuple[float, ...]:
    """Weights of the points before, at, after and two after a segment's start, ``t`` along it."""
    t2, t3 = t * t, t * t * t
    return -0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2


def _linear(t: float) -> tuple[float, ...]:
    return 0.0, 1.0 - t, t, 0.0


def _resampling_matrix(count: int, weights, per_segment: int = _SMOOTHING_STEPS) -> np.ndarray:
    """(M, count) weights that resample a contour through its points, ``per_segment`` points per segment."""
    rows = []
    for i in range(count - 1):
        for step in range(per_segment):
            row = np.zeros(count)
            for offset, w in zip((-1, 0, 1, 2), weights(step / per_segment)):
                row[min(max(i + offset, 0), count - 1)] += w
            rows.append(row)
    end = np.zeros(count)
    end[-1] = 1.0
    rows.append(end)
    return np.array(rows)


def _interp(knots: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear v(u) per row: knots (..., 2, K), u ascending then v; queries (..., P)."""
    count = knots.shape[-1]
    index = torch.searchsorted(knots[..., 0, :].contiguous(), u.contiguous()).clamp_(1, count - 1)
    index = index.unsqueeze(-2).expand(*knots.shape[:-1], -1)
    (u0, v0), (u1, v1) = knots.gather(-1, index - 1).unbind(-2), knots.gather(-1, index).unbind(-2)
    t = ((u - u0) / (u1 - u0).clamp_min(1e-4)).clamp(0, 1)
    return v0 + t * (v1 - v0)


def _soft(distance: torch.Tensor) -> torch.Tensor:
    """Anti-aliased coverage from a signed distance in pixels (positive inside)."""
    return (distance + 0.5).clamp(0, 1)


def _tooth_shape(u: torch.Tensor, half_width: torch.Tensor, edges: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(gap lines, roundness) along the upper and lower teeth, (2, P) each, from where they
    meet (``edges``, (2, E)): darkening (0..1) where neighbouring teeth meet, and each
    tooth's front lit most in its middle (1 there, less towards its sides)."""
    index = torch.searchsorted(edges, u.expand(2, -1).contiguous()).clamp_(1, edges.shape[1] - 1)
    left, right = edges.gather(1, index - 1), edges.gather(1, index)
    nearest = torch.minimum((u - left).abs(), (right - u).abs())
    across = ((2.0 * u - left - right) / (right - left).clamp_min(1e-3)).clamp(-1, 1)
    return torch.exp(-((nearest * half_width / 0.9) ** 2)), 1.0 - _TOOTH_ROUNDING * across * across


def composite_mouth(frames: torch.Tensor, grid: torch.Tensor, lips: torch.Tensor, strength: torch.Tensor, layer: MouthLayer) -> None:
    """Draw the mouth interior into ``frames`` (B, C, H, W), in place.

    ``grid`` is the sampling grid (B, H, W, 2, normalised) that made the frames; ``lips``:
    (B, 2, K, 2) the upper and the lower inner-lip contour in the frame's pixels, corner
    to corner; ``strength`` (B,) 0 keeps the photo's own mouth.
    """
    look = layer.look
    lips = layer.smoothing @ lips  # (B, 2, M, 2)
    # Whether to draw and where, read back in one go (each read waits for the device).
    drawn, low_x, low_y, high_x, high_y = torch.cat([strength.max().view(1), lips.amin(dim=(0, 1, 2)), lips.amax(dim=(0, 1, 2))]).tolist()
    height, width = frames.shape[-2:]
    x0, y0 = int(max(0, math.floor(low_x) - 2)), int(max(0, math.floor(low_y) - 2))
    x1, y1 = int(min(width, math.ceil(high_x) + 3)), int(min(height, math.ceil(high_y) + 3))
    if drawn <= 0 or x1 <= x0 or y1 <= y0:
        return
    dtype = _SHADING
    pixels = layer.pixels[:, y0:y1, x0:x1].reshape(2, -1)  # (2, P)

    # The mouth's own frame: u along the mouth, v towards the chin, and the lips
    # as functions v(u). "Inside the lips" is then v_upper(u) < v < v_lower(u),
    # and the distance to those curves anti-aliases the edge (the mouth is wide
    # and flat, so the vertical distance is the distance that matters).
    lips = lips.to(dtype)
    centre, to_frame, half_width = _mouth_frame(lips[:, 0])
    u, v = (to_frame @ (pixels - centre.unsqueeze(-1))).unbind(1)  # (B, P) each
    # Both lips (and the photo's, for its own teeth) at every pixel's u, and at the
    # mouth's middle (u = 0, the last column).
    curves = _lips_in_frame(lips, centre, to_frame)
    if layer.rest_lips is not None:
        curves = torch.cat([curves, layer.rest_lips.expand(curves.shape[0], -1, -1, -1)], dim=1)
    along = torch.cat([u, torch.zeros_like(u[:, :1])], dim=1)
    heights = _interp(curves, along.unsqueeze(1).expand(-1, curves.shape[1], -1))  # (B, lips, P + 1)
    v_upper, v_lower = heights[:, 0, :-1], heights[:, 1, :-1]

    u_abs = u.abs()
    signed = torch.minimum(torch.minimum(v - v_upper, v_lower - v), (1.0 - u_abs) * half_width)
    # Pixels the warp brought from inside the photo's lips are mouth too, however
    # thin the opening: pressed lips must not let the photo's teeth glint through.
    # Only next to the lips, though: a hairline opening is finer than the warp's
    # grid, and further out that lookup is smeared.
    from_opening = sample_region(layer.opening_mask, grid, (x0, y0, x1, y1)).reshape(signed.shape[0], -1)
    band = max(2.5, 0.012 * look.face_height)
    near_lips = ((signed + band) / 1.5).clamp(0, 1) * _soft((0.9 - u_abs) * half_width)
    coverage = torch.maximum(_soft(signed), from_opening.to(dtype) * near_lips) * strength.to(dtype).view(-1, 1)

    # Shade only the pixels the mouth covers (a batch's box is the union of all its
    # frames' mouths, mostly lips and skin): one row of N pixels from here on, with
    # each frame's quantities repeated per pixel. Picked by flat index (frame x P +
    # pixel): index_select takes a quarter of the time of indexing by (frame, pixel).
    batch, count = coverage.shape
    picked = (coverage.reshape(-1) > 0.0).nonzero().squeeze(1)
    if len(picked) == 0:
        return
    per_pixel = torch.cat([torch.stack([u, v, signed, coverage], dim=1), heights[:, :, :-1]], dim=1)
    u, v, signed, coverage, v_upper, v_lower, *rest = _rows(per_pixel).index_select(1, picked)
    mids = torch.cat([heights[:, :2, -1], half_width], dim=1).index_select(0, picked // count).T
    rgb = _shade(layer, u, v, v_upper, v_lower, signed, *mids, rest)

    region = _rows(frames[:, :3, y0:y1, x0:x1])  # a copy, (3, B x P)
    region.index_copy_(1, picked, torch.lerp(region.index_select(1, picked), rgb.to(region.dtype), coverage.to(region.dtype)))
    frames[:, :3, y0:y1, x0:x1] = region.view(3, batch, y1 - y0, x1 - x0).transpose(0, 1)


def _rows(values: torch.Tensor) -> torch.Tensor:
    """(B, k, ...) → (k, B x ...): each of k quantities in one row, frame after frame."""
    return values.transpose(0, 1).reshape(values.shape[1], -1)


def _shade(layer: MouthLayer, u, v, v_upper, v_lower, signed, upper_mid, lower_mid, half_width, rest) -> torch.Tensor:
    """The mouth's colour (3, N) at N pixels: their place in the mouth's frame (u, v), the
    lips there (v_upper, v_lower), their distance inside the lips (``signed``), their
    frame's lips at the middle and half width, and the photo's lips there (``rest``:
    its upper and lower, or nothing). All (N,)."""
    look, palette = layer.look, layer.palette
    face_h = look.face_height
    # Teeth and tongue show only between the lips: where the lips meet (pressed or
    # closed) the seam is cavity-dark, never a sliver of tooth. A lip gap of a
    # few pixels (corners pulled down on closed lips) is in the lips' shadow too:
    # teeth come in only as the lips part beyond that.
    below_upper, above_lower = v - v_upper, v_lower - v
    parted = ((v_lower - v_upper - _SHADOWED_GAP * face_h) / (0.006 * face_h)).clamp(0, 1)
    between_lips = _soft(below_upper) * _soft(above_lower) * parted
    # Cavity: reddish at the lips' inner edge, dark towards the back and the corners.
    depth = torch.minimum(below_upper, above_lower).clamp_min(0) / (0.03 * face_h)
    u_abs = u.abs()
    depth = torch.maximum(depth.clamp(0, 1), torch.square(u_abs.clamp(0, 1)))
    rgb = torch.lerp(palette.cavity_edge, palette.cavity, depth)
    # Outside the lip curves (where only the photo's squeezed opening is covered) it
    # is lip, and where the lips meet a thin dark line: closed lips, not a dark band.
    outside = (-signed).clamp(0, 1)
    seam = torch.exp(-((v - (v_upper + v_lower) / 2.0) / (0.5 + 0.002 * face_h)) ** 2)
    rgb = torch.lerp(rgb, palette.lips * (1.0 - 0.45 * seam), outside)

    # Tongue: an ellipse resting on the floor of the mouth, darker at its back.
    opening = (lower_mid - upper_mid).clamp_min(0)
    tongue_top = lower_mid - (0.035 * face_h + 0.25 * opening).clamp_max(0.5 * opening + 1.0)
    tongue_height = lower_mid - tongue_top
    tongue_radius_v = tongue_height.clamp_min(1.0) * 1.3
    # A low, broad mound: flatter across than an ellipse.
    across_tongue = u_abs / 0.75
    ellipse = across_tongue * across_tongue * across_tongue + torch.square((v - (lower_mid + 0.3 * tongue_height)) / tongue_radius_v)
    tongue = _soft((1.0 - ellipse) * tongue_radius_v * 0.5)
    tongue_shade = 0.55 + 0.45 * ((v - tongue_top) / tongue_height.clamp_min(1.0)).clamp(0, 1)
    rgb = torch.lerp(rgb, palette.tongue * tongue_shade, tongue * between_lips)

    # The teeth in their own frame: u along the row in the photo's half widths.
    teeth_u = u * (half_width / layer.rest_half_width)
    side = teeth_u.abs().clamp(0, 1)
    teeth_shade = 1.0 - 0.6 * side * side.sqrt()  # back teeth recede into shadow
    # A smile lifts the corners above the lips' middle and opens the mouth to the
    # light; a flat or down-turned mouth (stretched in fear, snarling in disgust,
    # talking) keeps its cavity, teeth included, in the lips' shadow. Bright teeth
    # in a flat mouth read as a grin whatever the rest of the face does.
    # A mouth opened wide (a dropped jaw) lets the light in again, so the shadow
    # is for mouths whose opening is small for their width.
    arch = upper_mid / half_width  # > 0: the upper lip's middle hangs below the corners
    slit = ((_WIDE_OPEN - opening / half_width) / (_WIDE_OPEN - _SLIT)).clamp(0, 1)
    flat = _FLAT_MOUTH_SHADOW * ((_SMILE_ARCH - arch) / _SMILE_ARCH).clamp(0, 1) * slit
    under_lip = torch.exp(-below_upper.clamp_min(0) / (0.012 * face_h))
    photo = _photo_teeth(layer, u, below_upper, above_lower, *rest) if rest else None
    # Both rows of teeth at once from here on, (2, ...): row 0 upper, row 1 lower.
    gap_lines, rounding = _tooth_shape(teeth_u, layer.rest_half_width, layer.tooth_edges)
    # Upper teeth: hang from the upper lip's middle, in the lip's shadow at the top.
    # Each tooth's biting edge is rounded at its corners: the edge dips between teeth.
    dip = 0.1 * gap_lines[0] if photo is None else 0.1 * gap_lines[0] * (1.0 - photo[1])
    upper_edge = upper_mid + look.upper_teeth * (1.0 - 0.5 * teeth_u * teeth_u - dip)
    # Lower teeth: visible edge rides on the lower lip's middle; the upper teeth
    # overlap them, and cast a thin shadow on them just below their edge.
    lower_edge = lower_mid - look.lower_teeth * (1.0 - 0.35 * teeth_u * teeth_u)
    below_edge = v - upper_edge
    cast = 1.0 - 0.45 * (1.0 - below_edge / (0.012 * face_h)).clamp(0, 1) * _soft(below_edge)
    # Gaps between teeth show darker the deeper the shadow: light falls on the
    # teeth's fronts, not into the gaps.
    gap_depth = 0.16 + 0.15 * flat
    lit = teeth_shade * (1.0 - gap_depth * gap_lines) * rounding * torch.stack([1.0 - 0.35 * under_lip, cast])
    teeth = palette.teeth * lit.unsqueeze(1)  # (2, 3, N)
    cover = _soft(torch.stack([upper_edge - v, v - lower_edge])) * _soft((palette.teeth_reach - teeth_u.abs()) * layer.rest_half_width)
    if photo is not None:
        photo_rgb, photo_weight, photo_opening = photo
        teeth = torch.lerp(teeth, photo_rgb, photo_weight)
        # The photo's own upper teeth show as far down as they did in the photo.
        photo_reach = _soft(0.8 * photo_opening - below_upper) * _soft((0.92 - u_abs) * half_width)
        cover[0] = torch.lerp(cover[0], torch.maximum(cover[0], photo_reach), photo_weight)
    # Shadow inside a mouth darkens towards the cavity's warm dark, not grey. It is
    # deepest under the upper lip and fades towards the teeth's biting edges,
    # which catch what light gets in: teeth in shadow still read as teeth, a
    # gradient with lighter edges, not a flat band.
    shadow_base, shadow_near_lip = palette.teeth_shadow
    amount = (flat * torch.addcmul(shadow_base, shadow_near_lip, under_lip)).unsqueeze(1)  # (2, 1, N)
    teeth = teeth * (1.0 - _SHADOW_DARKEN * amount) * (1.0 - palette.shadow_tint * amount) + palette.cavity_edge * (_SHADOW_WARM * amount)
    cover = cover * between_lips
    rgb = torch.lerp(rgb, teeth[1], cover[1])
    return torch.lerp(rgb, teeth[0], cover[0])


def _photo_teeth(layer: MouthLayer, u: torch.Tensor, below_upper: torch.Tensor, above_lower: torch.Tensor,
                 rest_top: torch.Tensor, rest_bottom: torch.Tensor):
    """The photo's own teeth, where its lips were parted: upper and lower (2, 3, N), weight (N,)
    and the photo's opening (N,), at N pixels ``u`` along the mouth, ``below_upper`` and
    ``above_lower`` pixels inside the lips, where the photo's lips were at ``rest_top``
    and ``rest_bottom`` (pixels from its mouth's centre).

    A pixel ``below_upper`` pixels under the upper lip shows what lay that far
    under the upper lip in the photo (clamped to the photo's opening), so the
    real teeth move with the lips instead of being replaced by drawn ones.
    """
    usable = (rest_bottom - rest_top - 2.0).clamp_min(0)
    weight = (usable / 2.0).clamp(0, 1) * (u.abs() < 1.0).to(u.dtype)
    v_rest = torch.stack([rest_top + 1.0 + torch.minimum(below_upper.clamp_min(0), usable),
                          rest_bottom - 1.0 - torch.minimum(above_lower.clamp_min(0), usable)])  # (2, N)
    centre, along, across = layer.teeth_grid
    points = centre + u.unsqueeze(-1) * along + v_rest.unsqueeze(-1) * across  # (2, N, 2), both in one lookup
    texture = layer.texture
    sampled = F.grid_sample(texture, points.unsqueeze(0).to(texture.dtype), mode="bilinear", padding_mode="border", align_corners=True)
    return sampled[0, :3].to(u.dtype).transpose(0, 1), weight, usable
