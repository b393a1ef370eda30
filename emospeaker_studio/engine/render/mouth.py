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

from dataclasses import dataclass

import numpy as np
import torch

from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.render.masks import polygon_window, soft_polygons
from emospeaker_studio.engine.render.warp import sample_points, sample_region

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
        saturation = (candidate.max() - candidate.min()) / max(candidate.max(), 1.0)
        if candidate.mean() > 90 and saturation < 0.35:
            teeth = candidate  # the photo shows its teeth: use their real colour
    lip_mask = np.zeros((height, width), np.uint8)
    for outer, inner in ((lm.LIPS_UPPER_OUTER, lm.LIPS_UPPER_INNER), (lm.LIPS_LOWER_OUTER, lm.LIPS_LOWER_INNER)):
        ring = np.concatenate([face_points[list(outer), :2], face_points[list(inner)[::-1], :2]])
        cv2.fillPoly(lip_mask, [np.round(ring).astype(np.int32)], 1)
    lip_pixels = rgb[lip_mask.astype(bool)].astype(np.float64)
    lips = np.median(lip_pixels, axis=0) if len(lip_pixels) >= 10 else np.array([170.0, 100.0, 100.0]) * light
    cavity = np.array([38.0, 14.0, 16.0]) * light * tint
    cavity_edge = np.array([92.0, 38.0, 40.0]) * light * tint
    tongue = np.array([176.0, 84.0, 88.0]) * light * tint
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


@dataclass(frozen=True, eq=False)
class MouthLayer:
    """What is constant about the mouth: colours, the photo's opening and its frame."""

    look: MouthLook
    opening_mask: torch.Tensor  # (1, 1, H, W) crop-sized: 1 inside the photo's inner lips
    texture: torch.Tensor  # (1, C, H, W) the crop as photographed
    rest_upper: torch.Tensor  # (1, K, 2) inner-lip contours in the photo, crop pixels
    rest_lower: torch.Tensor


def make_mouth_layer(crop_rgb: np.ndarray, vertices: np.ndarray, upper_ids, lower_ids, face_height: float, texture: torch.Tensor) -> MouthLayer:
    height, width = crop_rgb.shape[:2]
    polygon = vertices[list(lm.inner_lip_polygon()), :2]
    mask = np.zeros((height, width), np.float32)
    x0, y0, x1, y1 = window = polygon_window(polygon, 2, (width, height))
    mask[y0:y1, x0:x1] = soft_polygons([polygon], window).astype(np.float32) / 255.0
    device = texture.device
    as_tensor = lambda a: torch.tensor(np.asarray(a, np.float32), device=device)  # noqa: E731
    return MouthLayer(
        look=make_look(crop_rgb, vertices, polygon, face_height),
        opening_mask=as_tensor(mask)[None, None],
        texture=texture,
        rest_upper=as_tensor(vertices[list(upper_ids), :2])[None],
        rest_lower=as_tensor(vertices[list(lower_ids), :2])[None],
    )


def _mouth_frame(upper: torch.Tensor):
    """Centre (B, 2), unit axis (B, 2), normal (B, 2) and half width (B, 1) from corner to corner."""
    left, right = upper[:, 0], upper[:, -1]
    centre = (left + right) / 2
    axis = right - left
    half_width = (axis.norm(dim=-1, keepdim=True) / 2).clamp_min(1.0)
    axis = axis / (2 * half_width)
    normal = torch.stack([-axis[:, 1], axis[:, 0]], dim=-1)
    return centre, axis, normal, half_width


def _contour_in_frame(points, centre, axis, normal, half_width):
    rx, ry = points[..., 0] - centre[:, :1], points[..., 1] - centre[:, 1:]
    cu = (rx * axis[:, :1] + ry * axis[:, 1:]) / half_width
    cv = rx * normal[:, :1] + ry * normal[:, 1:]
    return torch.cummax(cu, dim=1).values, cv


def _catmull_rom_matrix(count: int, per_segment: int) -> np.ndarray:
    """(M, count) weights that resample a contour through its points with Catmull-Rom."""
    rows = []
    for i in range(count - 1):
        for step in range(per_segment):
            t = step / per_segment
            t2, t3 = t * t, t * t * t
            weights = np.zeros(count)
            for offset, w in zip((-1, 0, 1, 2), (-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2)):
                weights[min(max(i + offset, 0), count - 1)] += w
            rows.append(weights)
    end = np.zeros(count)
    end[-1] = 1.0
    rows.append(end)
    return np.array(rows)


# Lip gap (face heights) that still shows no teeth, only the shadow between the lips.
_SHADOWED_GAP = 0.005
# The upper lip's arch (middle below the corners, in half mouth widths) of a
# smile, and how much darker the teeth of a flat mouth are.
_SMILE_ARCH = 0.12
_FLAT_MOUTH_SHADOW = 0.6
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


_SMOOTHING: dict[tuple[int, int], np.ndarray] = {}


def smooth_contour(points: torch.Tensor, per_segment: int = 3) -> torch.Tensor:
    """(B, K, 2) contour → (B, (K-1)*per_segment+1, 2) through the same points."""
    count = points.shape[1]
    key = (count, per_segment)
    if key not in _SMOOTHING:
        _SMOOTHING[key] = _catmull_rom_matrix(count, per_segment)
    matrix = torch.as_tensor(_SMOOTHING[key], dtype=points.dtype, device=points.device)
    return torch.einsum("mk,bkd->bmd", matrix, points)


def _interp(knots_u: torch.Tensor, knots_v: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear v(u) per frame: knots (B, K), queries (B, P)."""
    k = knots_u.shape[1]
    idx = torch.searchsorted(knots_u.contiguous(), u.contiguous()).clamp(1, k - 1)
    u0, u1 = knots_u.gather(1, idx - 1), knots_u.gather(1, idx)
    v0, v1 = knots_v.gather(1, idx - 1), knots_v.gather(1, idx)
    t = ((u - u0) / (u1 - u0).clamp_min(1e-4)).clamp(0, 1)
    return v0 + t * (v1 - v0)


def _soft(distance: torch.Tensor) -> torch.Tensor:
    """Anti-aliased coverage from a signed distance in pixels (positive inside)."""
    return (distance + 0.5).clamp(0, 1)


def _tooth_shape(u: torch.Tensor, half_width: torch.Tensor, edges) -> tuple[torch.Tensor, torch.Tensor]:
    """(gap lines, roundness) along the teeth: darkening (0..1) where neighbouring teeth
    meet, and each tooth's front lit most in its middle (1 there, less towards its sides)."""
    edge = torch.tensor(sorted(set([-e for e in edges] + list(edges))), dtype=u.dtype, device=u.device)
    index = torch.searchsorted(edge, u.contiguous()).clamp(1, len(edge) - 1)
    left, right = edge[index - 1], edge[index]
    nearest = torch.minimum((u - left).abs(), (right - u).abs())
    across = ((2 * u - left - right) / (right - left).clamp_min(1e-3)).clamp(-1, 1)
    return torch.exp(-((nearest * half_width / 0.9) ** 2)), 1 - _TOOTH_ROUNDING * across * across


def composite_mouth(frames: torch.Tensor, grid: torch.Tensor, upper: torch.Tensor, lower: torch.Tensor, strength: torch.Tensor, layer: MouthLayer) -> None:
    """Draw the mouth interior into ``frames`` (B, C, H, W), in place.

    ``grid`` is the sampling grid (B, H, W, 2, normalised) that made the frames; ``upper``/``lower``:
    (B, K, 2) inner-lip contours in the frame's pixels, corner to corner;
    ``strength`` (B,) 0 keeps the photo's own mouth.
    """
    look = layer.look
    if float(strength.max()) <= 0:
        return
    # Lips are curves, not the mesh's polylines: at large sizes the corners of an
    # 11-point contour would show, so draw through a Catmull-Rom subdivision.
    upper = smooth_contour(upper)
    lower = smooth_contour(lower)
    polygon = torch.cat([upper, lower[:, 1:-1].flip(1)], dim=1)
    height, width = frames.shape[-2:]
    x0 = int(max(0, np.floor(float(polygon[..., 0].min())) - 2))
    y0 = int(max(0, np.floor(float(polygon[..., 1].min())) - 2))
    x1 = int(min(width, np.ceil(float(polygon[..., 0].max())) + 3))
    y1 = int(min(height, np.ceil(float(polygon[..., 1].max())) + 3))
    if x1 <= x0 or y1 <= y0:
        return
    dtype, device = frames.dtype, frames.device
    ys = torch.arange(y0, y1, device=device, dtype=dtype)
    xs = torch.arange(x0, x1, device=device, dtype=dtype)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    px = gx.reshape(1, -1)
    py = gy.reshape(1, -1)

    # The mouth's own frame: u along the mouth, v towards the chin, and the lips
    # as functions v(u). "Inside the lips" is then v_upper(u) < v < v_lower(u),
    # and the distance to those curves anti-aliases the edge (the mouth is wide
    # and flat, so the vertical distance is the distance that matters).
    centre, axis, normal, half_width = _mouth_frame(upper.to(dtype))
    rel_x = px - centre[:, :1]
    rel_y = py - centre[:, 1:]
    u = (rel_x * axis[:, :1] + rel_y * axis[:, 1:]) / half_width
    v = rel_x * normal[:, :1] + rel_y * normal[:, 1:]

    upper_u, upper_v = _contour_in_frame(upper.to(dtype), centre, axis, normal, half_width)
    lower_u, lower_v = _contour_in_frame(lower.to(dtype), centre, axis, normal, half_width)
    zero = torch.zeros_like(u[:, :1])
    v_upper = _interp(upper_u, upper_v, u)
    v_lower = _interp(lower_u, lower_v, u)
    upper_mid = _interp(upper_u, upper_v, zero)
    lower_mid = _interp(lower_u, lower_v, zero)
    opening = (lower_mid - upper_mid).clamp_min(0)

    signed = torch.minimum(torch.minimum(v - v_upper, v_lower - v), (1 - u.abs()) * half_width)
    coverage = _soft(signed)
    # Pixels the warp brought from inside the photo's lips are mouth too, however
    # thin the opening: pressed lips must not let the photo's teeth glint through.
    # Only next to the lips, though: a hairline opening is finer than the warp's
    # grid, and further out that lookup is smeared.
    from_opening = sample_region(layer.opening_mask, grid, (x0, y0, x1, y1)).reshape(coverage.shape[0], -1)
    band = max(2.5, 0.012 * look.face_height)
    near_lips = ((signed + band) / 1.5).clamp(0, 1) * _soft((0.9 - u.abs()) * half_width)
    coverage = torch.maximum(coverage, from_opening.to(dtype) * near_lips) * strength.to(dtype).view(-1, 1)

    # Shade only the pixels the mouth covers (a batch's box is the union of all its
    # frames' mouths, mostly lips and skin): one row of N pixels from here on, with
    # each frame's quantities repeated per pixel.
    frame_of, pixel_of = (coverage > 0).nonzero(as_tuple=True)
    if len(frame_of) == 0:
        return
    pick = lambda t: t[frame_of, pixel_of].unsqueeze(0)  # noqa: E731
    per_pixel = lambda t: t[frame_of, 0].unsqueeze(0)  # noqa: E731
    u, v, v_upper, v_lower, signed, coverage = (pick(t) for t in (u, v, v_upper, v_lower, signed, coverage))
    upper_mid, lower_mid, opening, half_width = (per_pixel(t) for t in (upper_mid, lower_mid, opening, half_width))

    face_h = look.face_height
    # Teeth and tongue show only between the lips: where the lips meet (pressed or
    # closed) the seam is cavity-dark, never a sliver of tooth. A lip gap of a
    # few pixels (corners pulled down on closed lips) is in the lips' shadow too:
    # teeth come in only as the lips part beyond that.
    parted = ((v_lower - v_upper - _SHADOWED_GAP * face_h) / (0.006 * face_h)).clamp(0, 1)
    between_lips = (_soft(v - v_upper) * _soft(v_lower - v) * parted).unsqueeze(1)
    colour = lambda rgb: torch.tensor(rgb, dtype=dtype, device=device).view(1, 3, 1)  # noqa: E731
    # Cavity: reddish at the lips' inner edge, dark towards the back and the corners.
    depth = torch.minimum(v - v_upper, v_lower - v).clamp_min(0) / (0.03 * face_h)
    u_abs = u.abs()
    depth = torch.maximum(depth.clamp(0, 1), torch.square(u_abs.clamp(0, 1)))
    rgb = colour(look.cavity_edge) * (1 - depth.unsqueeze(1)) + colour(look.cavity) * depth.unsqueeze(1)
    # Outside the lip curves (where only the photo's squeezed opening is covered) it
    # is lip, and where the lips meet a thin dark line: closed lips, not a dark band.
    outside = (-signed).clamp(0, 1).unsqueeze(1)
    seam = torch.exp(-((v - (v_upper + v_lower) / 2) / (0.5 + 0.002 * face_h)) ** 2).unsqueeze(1)
    lip_rgb = colour(look.lips) * (1 - 0.45 * seam)
    rgb = rgb + (lip_rgb - rgb) * outside

    # Tongue: an ellipse resting on the floor of the mouth, darker at its back.
    tongue_top = lower_mid - (0.035 * face_h + 0.25 * opening).clamp_max(0.5 * opening + 1)
    tongue_radius_v = (lower_mid - tongue_top).clamp_min(1.0) * 1.3
    # A low, broad mound: flatter across than an ellipse.
    across_tongue = u_abs / 0.75
    ellipse = across_tongue * across_tongue * across_tongue + torch.square((v - (lower_mid + 0.3 * (lower_mid - tongue_top))) / tongue_radius_v)
    tongue = _soft((1 - ellipse) * tongue_radius_v * 0.5)
    tongue_shade = (0.55 + 0.45 * ((v - tongue_top) / (lower_mid - tongue_top).clamp_min(1.0)).clamp(0, 1)).unsqueeze(1)
    rgb = rgb + (colour(look.tongue) * tongue_shade - rgb) * tongue.unsqueeze(1) * between_lips

    side = u_abs.clamp(0, 1)
    teeth_shade = (1 - 0.6 * side * side.sqrt()).unsqueeze(1)  # back teeth recede into shadow
    # A smile lifts the corners above the lips' middle and opens the mouth to the
    # light; a flat or down-turned mouth (stretched in fear, snarling in disgust,
    # talking) keeps its cavity, teeth included, in the lips' shadow. Bright teeth
    # in a flat mouth read as a grin whatever the rest of the face does.
    # A mouth opened wide (a dropped jaw) lets the light in again, so the shadow
    # is for mouths whose opening is small for their width.
    arch = upper_mid / half_width  # > 0: the upper lip's middle hangs below the corners
    slit = ((_WIDE_OPEN - opening / half_width) / (_WIDE_OPEN - _SLIT)).clamp(0, 1)
    flat = _FLAT_MOUTH_SHADOW * ((_SMILE_ARCH - arch) / _SMILE_ARCH).clamp(0, 1) * slit
    # Shadow inside a mouth darkens towards the cavity's warm dark, not grey. It is
    # deepest under the upper lip and fades towards the teeth's biting edges,
    # which catch what light gets in: teeth in shadow still read as teeth, a
    # gradient with lighter edges, not a flat band.
    cavity_edge = colour(look.cavity_edge)
    warm = colour(_SHADOW_TINT)
    in_shadow = lambda rgb, amount: rgb * (1 - _SHADOW_DARKEN * amount) * (1 - warm * amount) + cavity_edge * (_SHADOW_WARM * amount)  # noqa: E731
    under_lip = torch.exp(-(v - v_upper).clamp_min(0) / (0.012 * face_h))
    photo_upper, photo_lower, photo_weight, photo_opening = _photo_teeth(layer, u, v - v_upper, v_lower - v, dtype)
    # Upper teeth: hang from the upper lip's middle, in the lip's shadow at the top.
    upper_gap_lines, upper_round = _tooth_shape(u, half_width, _UPPER_TOOTH_EDGES)
    # Each tooth's biting edge is rounded at its corners: the edge dips between teeth.
    upper_edge = upper_mid + look.upper_teeth * (1 - 0.5 * u * u - 0.1 * upper_gap_lines * (1 - photo_weight[:, 0]))
    # Lower teeth: visible edge rides on the lower lip's middle; the upper teeth
    # overlap them, and cast a thin shadow on them just below their edge.
    lower_edge = lower_mid - look.lower_teeth * (1 - 0.35 * u * u)
    lower_teeth = _soft(v - lower_edge) * _soft((0.7 - u_abs) * half_width)
    lower_gaps, lower_round = _tooth_shape(u, half_width, _LOWER_TOOTH_EDGES)
    # Gaps between teeth show darker the deeper the shadow: light falls on the
    # teeth's fronts, not into the gaps.
    gap_depth = 0.16 + 0.15 * flat
    below_edge = v - upper_edge
    cast = 1 - 0.45 * (1 - below_edge / (0.012 * face_h)).clamp(0, 1) * _soft(below_edge)
    lower_rgb = colour(look.teeth) * 0.82 * teeth_shade * ((1 - gap_depth * lower_gaps) * lower_round * cast).unsqueeze(1)
    lower_rgb = lower_rgb + (photo_lower - lower_rgb) * photo_weight
    lower_rgb = in_shadow(lower_rgb, (flat * (0.9 + 0.1 * under_lip)).unsqueeze(1))
    rgb = rgb + (lower_rgb - rgb) * lower_teeth.unsqueeze(1) * between_lips

    upper_teeth = _soft(upper_edge - v) * _soft((0.78 - u_abs) * half_width)
    # The photo's own upper teeth show as far down as they did in the photo.
    photo_reach = _soft(0.8 * photo_opening - (v - v_upper)) * _soft((0.92 - u_abs) * half_width)
    upper_teeth = upper_teeth + (torch.maximum(upper_teeth, photo_reach) - upper_teeth) * photo_weight[:, 0]
    shadow = 1 - 0.35 * under_lip
    upper_rgb = colour(look.teeth) * teeth_shade * (shadow * (1 - gap_depth * upper_gap_lines) * upper_round).unsqueeze(1)
    upper_rgb = upper_rgb + (photo_upper - upper_rgb) * photo_weight
    upper_rgb = in_shadow(upper_rgb, (flat * (0.6 + 0.4 * under_lip)).unsqueeze(1))
    rgb = rgb + (upper_rgb - rgb) * upper_teeth.unsqueeze(1) * between_lips

    b = frames.shape[0]
    region = frames[:, :3, y0:y1, x0:x1].reshape(b, 3, -1)
    current = region[frame_of, :, pixel_of]  # (N, 3)
    region[frame_of, :, pixel_of] = current + (rgb[0].T - current) * coverage[0].unsqueeze(1)
    frames[:, :3, y0:y1, x0:x1] = region.view(b, 3, y1 - y0, x1 - x0)


def _photo_teeth(layer: MouthLayer, u: torch.Tensor, below_upper: torch.Tensor, above_lower: torch.Tensor, dtype):
    """The photo's own teeth, where its lips were parted: (B, 3, P) upper, lower, weight (B, 1, P).

    A pixel ``below_upper`` pixels under the upper lip shows what lay that far
    under the upper lip in the photo (clamped to the photo's opening), so the
    real teeth move with the lips instead of being replaced by drawn ones.
    """
    rest_upper, rest_lower = layer.rest_upper.to(dtype), layer.rest_lower.to(dtype)
    centre, axis, normal, half_width = _mouth_frame(rest_upper)
    up_u, up_v = _contour_in_frame(rest_upper, centre, axis, normal, half_width)
    lo_u, lo_v = _contour_in_frame(rest_lower, centre, axis, normal, half_width)
    batch = u.shape[0]
    rest_top = _interp(up_u.expand(batch, -1), up_v.expand(batch, -1), u)
    rest_bottom = _interp(lo_u.expand(batch, -1), lo_v.expand(batch, -1), u)
    usable = (rest_bottom - rest_top - 2.0).clamp_min(0)
    weight = (usable / 2.0).clamp(0, 1) * (u.abs() < 1).to(dtype)
    if float(weight.max()) <= 0:  # lips closed in the photo: no teeth of its own to show
        nothing = torch.zeros((batch, 3, u.shape[1]), dtype=dtype, device=u.device)
        return nothing, nothing, weight.unsqueeze(1), usable

    def sample(v_rest):
        along = u * half_width[:, :1]
        x = centre[:, :1] + along * axis[:, :1] + v_rest * normal[:, :1]
        y = centre[:, 1:] + along * axis[:, 1:] + v_rest * normal[:, 1:]
        points = torch.stack([x, y], dim=-1).unsqueeze(1)  # (B, 1, P, 2)
        return sample_points(layer.texture, points)[:, :3, 0].to(dtype)

    upper = sample(rest_top + 1.0 + torch.minimum(below_upper.clamp_min(0), usable))
    lower = sample(rest_bottom - 1.0 - torch.minimum(above_lower.clamp_min(0), usable))
    return upper, lower, weight.unsqueeze(1), usable
