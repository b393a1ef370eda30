"""Coefficients → frames: the rig's displacement, a backward warp, the mouth, paste-back.

Everything constant is prepared once: the output-size portrait, the face
crop's texture, the barycentric weights of the mesh on a grid over the crop
(so a batch's dense displacement field is one matrix product, coefficients x
dense bases), the grid's depth for head turns, and the mouth's and lids'
colours. Per batch only the crop is computed; the rest of the frame is the
photo, which therefore never moves.

Per batch: field = coefficients @ dense bases (+ the head's rotation of each
grid point, fading out around the face) → Newton-inverted on the grid →
upsampled → one grid_sample of the crop (whose copy for a frame first has a
smiling photo's folds flattened as far as its smile is relaxed,
render/relief.py, and its lip opening painted shut as far as the lips
close, render/closed_lips.py) → lids, creases of raised brows
(render/forehead.py) and mouth composited where they changed → the crop
pasted into copies of the photo.

Frames larger than the photo draw the crop at the photo's own scale (all the
steps above) and upsample only the finished crop to the frame's, bicubic like
the background: at 1080 from the 768 px demo that halves the pixels drawn
(10.1 → 6.7 ms a frame, one thread). Frames the photo's size or smaller are
drawn at their own scale.

The full-resolution steps write into buffers the renderer keeps (one set per
batch rendering at a time) and run a few MB at a time: on the CPU, memory
fresh from the allocator costs a page fault per 4 KB, which at 1080p cost as
much as the warp itself.
"""

from __future__ import annotations

import threading

import numpy as np
import torch
import torch.nn.functional as F

from emospeaker_studio.core.errors import InputError
from emospeaker_studio.engine.controls import CONTROL_INDEX, CONTROL_NAMES, HEAD_POSE
from emospeaker_studio.engine.device import dtype_for, resolve_device
from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.face.fit import FaceFit
from emospeaker_studio.engine.face.portrait import Portrait
from emospeaker_studio.engine.face.rig import LINEAR_CONTROLS, FaceRig, build_rig
from emospeaker_studio.engine.render.closed_lips import CLOSED_LIPS_POINTS, make_closed_lips_layer, paint_closed_lips
from emospeaker_studio.engine.render.eyes import EYE_LAYER_POINTS, composite_eyelids, make_eye_layer
from emospeaker_studio.engine.render.forehead import FOREHEAD_POINTS, composite_forehead_lines, make_forehead_layer
from emospeaker_studio.engine.render.mouth import MOUTH_LAYER_POINTS, composite_mouth, make_mouth_layer
from emospeaker_studio.engine.render.raster import barycentric_on_grid
from emospeaker_studio.engine.render.relief import RELIEF_POINTS, flatten_relief, make_relief_layer, relaxed_share
from emospeaker_studio.engine.render.warp import invert_field
from emospeaker_studio.engine.reuse import Parts

# The displacement field is piecewise linear over the mesh's triangles, so a grid
# a few pixels apart loses nothing visible; its spacing follows the face's size
# (about a 55th of the face height: 2 px for a face 110 px tall).
FIELD_STEPS_PER_FACE = 55
MOUTH_FADE = 0.012  # inner-lip change (face heights) over which the drawn mouth replaces the photo's
FEATHER_PX = 4
POSE_DEPTH_SCALE = 0.7  # relief of the face used for head turns (see the grid depth below)
# The crop's four edge strips, FEATHER_PX wide, as (rows, columns): the only pixels
# the feathered seam changes.
_EDGE_STRIPS = ((slice(None, FEATHER_PX), slice(None)), (slice(-FEATHER_PX, None), slice(None)),
                (slice(FEATHER_PX, -FEATHER_PX), slice(None, FEATHER_PX)), (slice(FEATHER_PX, -FEATHER_PX), slice(-FEATHER_PX, None)))
DENSE_CHUNK_BYTES = 6 << 20  # crop pixels per pass of the full-resolution steps (see Renderer._chunk)


class Renderer:
    """Renders frames of one portrait from rows of coefficients (engine/controls.py order).

    ``previous``: the renderer this one replaces, typically of the same portrait
    before a key-point move in the face editor. Whatever does not depend on what
    changed is taken from it (the photo at output size, the rig's unchanged
    harmonic solutions, the lid, mouth and head-turn layers whose landmarks did
    not move; see engine/reuse.py): the frames are the same as without it.
    """

    def __init__(self, portrait: Portrait, fit: FaceFit, *, height: int = 512, width: int | None = None, device="auto",
                 previous: Renderer | None = None) -> None:
        import cv2

        self.device = resolve_device(device) if not isinstance(device, torch.device) else device
        self.dtype = dtype_for(self.device)
        height = int(height)
        if height < 16:
            raise InputError(f"output height {height} px is too small; use at least 16 px")
        src_h, src_w = portrait.rgb.shape[:2]
        scale = height / src_h
        if width is None:
            width = max(2, int(round(src_w * scale / 2)) * 2)  # even, as video encoders need
            offset_x = 0.0
        else:
            width = int(width)
            scale = max(height / src_h, width / src_w)  # cover the frame, crop the excess
            face_cx = (fit.face_box[0] + fit.face_box[2] / 2) * scale
            offset_x = float(np.clip(face_cx - width / 2, 0, src_w * scale - width))
        offset_y = float(np.clip(((fit.face_box[1] + fit.face_box[3] / 2) * scale) - height / 2, 0, src_h * scale - height))
        self._size = (width, height)
        self.has_alpha = portrait.alpha is not None
        channels = 4 if self.has_alpha else 3

        self._parts = parts = Parts(None if previous is None else previous._parts)

        # The photo at output size: the background of every frame.
        full = portrait.rgb if portrait.alpha is None else np.dstack([portrait.rgb, portrait.alpha])
        ox, oy = int(round(offset_x)), int(round(offset_y))
        photo = (portrait.sha256, portrait.rgb.shape, channels, scale, width, height, ox, oy)
        background = parts.get("photo", photo, lambda: _photo_at_size(full, scale, (width, height), (ox, oy)))
        self._background = background
        self._background_tensor = torch.from_numpy(background)

        # The rig, mapped into output pixels.
        rig = build_rig(fit, (src_w, src_h), previous=None if previous is None else previous.rig)
        self.rig = rig
        to_out = lambda p: p * scale - np.array([ox, oy])  # noqa: E731
        cx0, cy0 = np.floor(to_out(np.array(rig.crop[:2], float))).astype(int)
        cx1, cy1 = np.ceil(to_out(np.array(rig.crop[2:], float))).astype(int)
        cx0, cy0 = max(cx0, 0), max(cy0, 0)
        cx1, cy1 = min(cx1, width), min(cy1, height)
        # Larger than the photo, the face is drawn at the photo's own scale (its
        # pixels hold all there is) and only the finished crop is upsampled to the
        # frame: the warp, lids and mouth then cost the photo's pixels, not the
        # frame's (at 1080 from a 768 px photo, half as many).
        self._upscale = scale > 1
        work = 1.0 if self._upscale else scale  # output pixels per portrait pixel, while drawing
        step = max(1, int(round(rig.face_height * work / FIELD_STEPS_PER_FACE)))
        self._step = step
        if self._upscale:
            # The crop starts a few pixels further up and left where a photo pixel
            # falls (nearly) on a frame pixel: the photo's pixels are then drawn as
            # they are, instead of resampled by a fraction of a pixel (a blur).
            cx0, cy0 = (_aligned_start(c, o, scale) for c, o in ((cx0, ox), (cy0, oy)))
            out_w, out_h = max(cx1 - cx0, 2), max(cy1 - cy0, 2)
            out_w, out_h = min(out_w, width - cx0), min(out_h, height - cy0)
            self._crop = (cx0, cy0, out_w, out_h)
            # Output pixel i of the crop is photo pixel (i + 0.5) / scale - 0.5 from
            # the crop's photo origin: upsampling by ``scale`` (bicubic, as the
            # background was) lines the drawn crop up with the photo exactly; what
            # is left of the origin's fraction is resampled into the texture.
            origin = np.array([cx0 + ox, cy0 + oy], float) / scale
            needed = [int(np.floor((n - 0.5) / scale - 0.5)) + 2 for n in (out_w, out_h)]
            crop_w, crop_h = (-(-(n - 1) // step) * step + 1 for n in needed)
            to_crop = np.array([[1.0, 0.0, origin[0]], [0.0, 1.0, origin[1]]])
            crop_pixels = parts.get("crop pixels", (photo, tuple(origin), crop_w, crop_h), lambda: cv2.warpAffine(
                full, to_crop, (crop_w, crop_h), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REPLICATE).reshape(crop_h, crop_w, channels))
        else:
            # Grid points at 0, step, ..., must land on the crop's last pixel.
            crop_w = ((max(cx1 - cx0, step + 1) - 1) // step) * step + 1
            crop_h = ((max(cy1 - cy0, step + 1) - 1) // step) * step + 1
            crop_w, crop_h = min(crop_w, width - cx0), min(crop_h, height - cy0)
            crop_w = ((crop_w - 1) // step) * step + 1
            crop_h = ((crop_h - 1) // step) * step + 1
            self._crop = (cx0, cy0, crop_w, crop_h)
            origin = np.array([cx0 + ox, cy0 + oy], float) / scale  # crop origin in portrait pixels
            crop_pixels = background[cy0 : cy0 + crop_h, cx0 : cx0 + crop_w]
        self._work_size = (crop_w, crop_h)
        self._upscale_factor = scale
        scale = work
        # What the crop's layers are drawn from: the photo, where the crop lies in it, the grid.
        crop = (photo, self._crop, crop_w, crop_h, tuple(origin), step, str(self.device))

        vertices = rig.vertices.astype(np.float64).copy()
        vertices[:, :2] = (vertices[:, :2] - origin) * scale  # crop pixels
        vertices[:, 2] *= scale
        self._face_height = rig.face_height * scale
        grid_w, grid_h = (crop_w - 1) // step + 1, (crop_h - 1) // step + 1
        gy, gx = np.meshgrid(np.arange(grid_h) * step, np.arange(grid_w) * step, indexing="ij")
        samples = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float64)
        ids, weights = barycentric_on_grid(vertices[:, :2], rig.triangles, step, (grid_h, grid_w), depth=vertices[:, 2])
        self._grid_shape = (grid_h, grid_w)

        bases = rig.bases.astype(np.float64) * scale  # (L, V, 3) output pixels
        dev, dt = self.device, self.dtype
        self._dense_basis = _dense_basis(bases, ids, weights, dt).to(dev)
        self._vertex_basis = torch.tensor(bases.reshape(len(LINEAR_CONTROLS), -1), dtype=torch.float32, device=dev)
        self._rest = torch.tensor(vertices, dtype=torch.float32, device=dev)
        pivot = (rig.pivot.astype(np.float64) - np.r_[origin, 0.0]) * scale
        self._pivot = torch.tensor(pivot, dtype=torch.float32, device=dev)
        self._pivot_column = self._pivot.view(3, 1)
        self._one_zero = torch.tensor([[1.0, 0.0]], device=dev)
        self._rotation_entries = torch.tensor(_ROTATION_ENTRIES, device=dev)
        self._pose_weight = torch.tensor(rig.pose_weight, dtype=torch.float32, device=dev)
        # Depth at each grid point, smoothed and flattened a little: at the cheeks'
        # silhouette the real surface turns away so steeply that a turn would fold
        # the image there (a 2D warp cannot hide what the head now occludes).
        depth = (vertices[ids, 2] * weights).sum(axis=1).reshape(grid_h, grid_w)
        sigma = max(0.5, 0.04 * self._face_height / step)
        depth = cv2.GaussianBlur(depth.astype(np.float32), (0, 0), sigma).ravel().astype(np.float64)
        mean_depth = float(np.mean(vertices[: lm.LANDMARK_COUNT, 2]))
        depth = mean_depth + POSE_DEPTH_SCALE * (depth - mean_depth)
        # x, y and depth of every grid point in rows (3, P): a turn is then a (3, 3) x (3, P)
        # product, where as (P, 3) x (3, 3) the same sums took five times as long.
        self._grid_points = torch.tensor(np.vstack([samples.T, depth]), dtype=torch.float32, device=dev)
        oval = vertices[list(lm.FACE_OVAL), :2]
        self._pose_falloff = parts.get("pose falloff", (crop, oval, self._face_height), lambda: torch.tensor(
            _pose_falloff(samples, oval, (crop_w, crop_h), self._face_height), dtype=torch.float32, device=dev))
        self._linear_columns = torch.tensor([CONTROL_INDEX[n] for n in LINEAR_CONTROLS], device=dev)
        self._lowest, self._highest = (torch.tensor(v, dtype=torch.float32, device=dev) for v in _coefficient_limits(rig))
        self._pose_columns = torch.tensor([CONTROL_INDEX[n] for n in HEAD_POSE], device=dev)

        textures = parts.get("textures", crop, lambda: _CropTextures(crop_pixels, background, self._crop, self._upscale,
                                                                     (grid_w, grid_h), step, dev))
        self._texture, self._edge_texture, self._feather = textures.texture, textures.edge, textures.feather
        self._seam, self._seam_photo, self._seam_weight = textures.seam, textures.seam_photo, textures.seam_weight
        self._coarse_grid, self._grid_scale = textures.coarse_grid, textures.grid_scale.view(1, 2, 1, 1)

        inner_upper, inner_lower = list(lm.LIPS_UPPER_INNER), list(lm.LIPS_LOWER_INNER)
        self._inner_lips = torch.tensor(inner_upper + inner_lower, device=dev)
        self._inner_all = torch.tensor(sorted(set(inner_upper + inner_lower)), device=dev)
        self._mouth = parts.get("mouth", (crop, vertices[list(MOUTH_LAYER_POINTS)], self._face_height), lambda: make_mouth_layer(
            crop_pixels[..., :3], vertices, inner_upper, inner_lower, self._face_height, self._texture))
        self._eyes = parts.get("eyes", (crop, vertices[list(EYE_LAYER_POINTS)], self._face_height), lambda: make_eye_layer(
            crop_pixels[..., :3], vertices, self._face_height, dev))
        smile = max(0.0, float(fit.photo_expression.get("AU12", 0.0)))
        self._relief = parts.get("relief", (crop, vertices[list(RELIEF_POINTS)], self._face_height, smile), lambda: make_relief_layer(
            crop_pixels[..., :3], vertices, self._face_height, smile, dev))
        self._smile_column = CONTROL_INDEX["AU12"]
        self._closed_lips = parts.get("closed lips", (crop, vertices[list(CLOSED_LIPS_POINTS)], self._face_height),
                                      lambda: make_closed_lips_layer(crop_pixels[..., :3], vertices, self._face_height, dev))
        self._press_column = CONTROL_INDEX["lip_press"]
        self._forehead = parts.get("forehead", (crop, vertices[list(FOREHEAD_POINTS)], self._face_height), lambda: make_forehead_layer(
            crop_pixels[..., :3], vertices, self._face_height, dev))
        parts.forget_earlier()
        # Full-resolution buffers, one set per batch rendering at the same time (export
        # renders on several threads), kept across calls and exports: fresh ones would
        # be page faults again (see _chunk).
        self._idle_workspaces: list[_Workspace] = []
        self._workspace_lock = threading.Lock()

    @property
    def reused(self) -> frozenset[str]:
        """Names of the parts taken over from the ``previous`` renderer (for tests and diagnostics)."""
        return frozenset(self._parts.reused)

    @property
    def crop_size(self) -> tuple[int, int]:
        """(width, height) of the region that moves, in the pixels it is drawn in (the
        photo's own when the frame is larger than the photo); the rest of every frame is the photo."""
        return self._work_size

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames."""
        return self._size

    def render(self, coeffs) -> np.ndarray:
        """Frames for a batch of coefficient rows (B, len(CONTROL_NAMES)) → uint8 (B, H, W, 3 or 4)."""
        values = torch.as_tensor(np.asarray(coeffs, dtype=np.float32), device=self.device)
        if values.ndim == 1:
            values = values.unsqueeze(0)
        if values.ndim != 2 or values.shape[1] != len(CONTROL_NAMES):
            raise ValueError(f"coefficients must be (B, {len(CONTROL_NAMES)}), got {tuple(values.shape)}")
        frames = np.empty((values.shape[0],) + self._background.shape, np.uint8)
        with self._workspace_lock:
            space = self._idle_workspaces.pop() if self._idle_workspaces else _Workspace()
        try:
            with torch.inference_mode():
                values = torch.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
                values = torch.minimum(torch.maximum(values, self._lowest), self._highest)
                coarse, moved, strength = self._coarse_grids(values)
                crops, grid = self._warp(coarse, space, self._skin_changes(values))
                composite_eyelids(crops, grid, moved, self._eyes)
                if self._forehead is not None:
                    composite_forehead_lines(crops, grid, moved, self._forehead)
                lips = moved.index_select(1, self._inner_lips)[..., :2].view(moved.shape[0], 2, -1, 2)
                composite_mouth(crops, grid, lips, strength, self._mouth)
                if not self._upscale:
                    self._feather_edges(crops)
                self._paste(crops, torch.from_numpy(frames))
        finally:
            with self._workspace_lock:
                self._idle_workspaces.append(space)
        return frames

    def _chunk(self, batch: int, size: tuple[int, int] | None = None) -> int:
        """Frames per pass of the full-resolution steps that allocate (warp, conversion).

        A batch's float crops at 1080p (5 MB a frame) pass glibc's mmap threshold
        (32 MB), so each batch would be written into fresh pages: measured, the page
        faults cost as much as the warp itself (2 ms a frame). Passes of a few MB
        reuse the same memory and stay in the cache.
        """
        w, h = self._work_size if size is None else size
        per_frame = w * h * self._texture.shape[1] * self._texture.element_size()
        return max(1, min(batch, DENSE_CHUNK_BYTES // per_frame))

    def _skin_changes(self, values: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Per frame (B,): how much of the photo's smile relief to flatten and of its lip
        opening to paint shut (None where the photo has nothing of the kind, or no frame asks)."""
        share = closing = None
        if self._relief is not None:
            share = relaxed_share(values[:, self._smile_column], self._relief)
        if self._closed_lips is not None:
            closing = values[:, self._press_column].clamp(0, 1)
        # One read-back for both (each waits for the device).
        wanted = [t for t in (share, closing) if t is not None]
        if wanted and not bool(torch.stack([t.max() for t in wanted]).gt(0.01).any()):
            return None, None
        return share, closing

    def _textures(self, part: slice, n: int, changes, space: "_Workspace") -> torch.Tensor:
        """The texture each of ``n`` frames samples: the crop's own, or per-frame copies with the
        smile's relief flattened and the lip opening painted shut (render/relief.py, closed_lips.py)."""
        share, closing = changes
        if share is None and closing is None:
            return self._texture.expand(n, -1, -1, -1)
        if space.textures is None or space.textures.shape[0] < n:
            space.textures = torch.empty((n,) + tuple(self._texture.shape[1:]), dtype=self._texture.dtype, device=self.device)
        textures = space.textures[:n]
        textures.copy_(self._texture.expand(n, -1, -1, -1))
        if share is not None:
            flatten_relief(textures, share[part], self._relief)
        if closing is not None:
            paint_closed_lips(textures, closing[part], self._closed_lips)
        return textures

    def _warp(self, coarse: torch.Tensor, space: "_Workspace", changes=(None, None)) -> tuple[torch.Tensor, torch.Tensor]:
        """The warped crops (B, C, h, w) and the full-resolution sampling grid (B, h, w, 2).

        Both are views of ``space``'s buffers: allocated per batch they would be
        fresh pages every time (see _chunk). The lids and the mouth are then drawn
        on the whole batch at once, as before. ``changes``: the frames' skin
        changes (see _skin_changes), made to their textures before they are sampled.
        """
        batch = coarse.shape[0]
        w, h = self._work_size
        if space.crops is None or space.crops.shape[0] < batch:
            space.crops = torch.empty((batch,) + tuple(self._texture.shape[1:]), dtype=self._texture.dtype, device=self.device)
            space.grid = torch.empty((batch, 2, h, w), dtype=coarse.dtype, device=self.device)
        crops, grid = space.crops[:batch], space.grid[:batch]
        chunk = self._chunk(batch)
        for first in range(0, batch, chunk):
            part = slice(first, first + chunk)
            # Upsampled into the kept buffer just before the warp reads it, while it is
            # in the cache; down the columns first (a narrow image), then along the
            # rows as 1-D linear interpolation: bilinear all the same, 20 % cheaper
            # than the 2-D kernel at 1080p.
            if self._step > 1:
                n = coarse[part].shape[0]
                columns = F.interpolate(coarse[part], size=(h, coarse.shape[-1]), mode="bilinear", align_corners=True)
                torch.ops.aten.upsample_linear1d.out(columns.view(n, 2 * h, -1), [w], True, None, out=grid[part].view(n, 2 * h, w))
            else:
                grid[part].copy_(coarse[part])
            points = grid[part].permute(0, 2, 3, 1)
            texture = self._textures(part, points.shape[0], changes, space)
            crops[part] = F.grid_sample(texture, points, mode="bilinear", padding_mode="border", align_corners=True)
        return crops, grid.permute(0, 2, 3, 1)

    def _paste(self, crops: torch.Tensor, out: torch.Tensor) -> None:
        """Float crops (B, C, h, w), rounded, into the frames ``out`` (B, H, W, C, uint8) over the photo.

        Crops drawn at the photo's scale are upsampled to the frame's on the way
        (bicubic, as the background: a still face is the background), and their
        edges then blended into the photo there.
        """
        x0, y0, w, h = self._crop
        background = self._background_tensor
        chunk = self._chunk(crops.shape[0])
        for first in range(0, crops.shape[0], chunk):
            part = slice(first, first + chunk)
            frame = out[part]
            # The whole photo, then the crop over it: one copy costs a third of the four
            # strips around the crop (their slicing alone is most of it).
            frame.copy_(background.expand_as(frame))
            region = frame[:, y0 : y0 + h, x0 : x0 + w]
            if not self._upscale:
                region.copy_(_to_uint8(crops[part]))
                continue
            # On the CPU in uint8, pixels interleaved: torch's kernel for that is
            # 20x faster than for float planes (0.5 vs 10 ms for a 1080p crop from
            # the 768 px demo, one thread). On a GPU the float crops are upsampled
            # and rounded after.
            factor = self._upscale_factor
            if self.device.type == "cpu":
                low = _to_uint8(crops[part]).permute(0, 3, 1, 2)
                region.copy_(torch.ops.aten.upsample_bicubic2d(low, [h, w], False, factor, factor).permute(0, 2, 3, 1))
            else:
                region.copy_(_to_uint8(torch.ops.aten.upsample_bicubic2d(crops[part], [h, w], False, factor, factor)))
            self._feather_frame_edges(region)

    def _feather_frame_edges(self, region: torch.Tensor) -> None:
        """Blend the upsampled crop's outermost pixels (``region``, (n, h, w, C) uint8 in
        the frames) into the photo, in place, as _feather_edges does for a crop drawn at
        the frame's scale."""
        for rows, cols in _EDGE_STRIPS:
            part = region[:, rows, cols].permute(0, 3, 1, 2).to(self._edge_texture.dtype)
            region[:, rows, cols] = _to_uint8(self._into_photo(part, rows, cols))

    def _coarse_grids(self, values: torch.Tensor):
        """Per frame: the sampling grid on the coarse grid (B, 2, gh, gw, normalised), the moved
        vertices (B, V, 3, crop pixels) and the mouth's strength (B,)."""
        batch = values.shape[0]
        linear = values.index_select(1, self._linear_columns)
        grid_h, grid_w = self._grid_shape
        field = (linear.to(self.dtype) @ self._dense_basis).view(batch, 2, grid_h * grid_w)  # x then y, per point

        displacement = (linear @ self._vertex_basis).view(batch, -1, 3)
        moved = self._rest + displacement
        pose = values.index_select(1, self._pose_columns)
        if bool(pose.any()):
            rotation = self._head_rotation(pose)
            moved[..., :2] += (self._turn(moved, rotation) - moved)[..., :2] * self._pose_weight.view(1, -1, 1)
            # Every grid point turns with the head by its own depth, fading out smoothly
            # between the face's outline and the anchors (not triangle by triangle,
            # whose thin band triangles would fold).
            points = self._grid_points.repeat(batch, 1, 1)
            points[:, :2] += field.float()
            turned = rotation @ (points - self._pivot_column) + self._pivot_column
            field = field + ((turned - points)[:, :2] * self._pose_falloff).to(field.dtype)
        field = field.view(batch, 2, grid_h, grid_w).float()

        inverse = invert_field(field, self._step)
        # The sampling grid is rest position + inverse, both bilinear over the coarse
        # grid, so it is formed there and upsampled once (exact for the rest part):
        # no full-resolution inverse, no full-resolution add and multiply.
        grid = torch.addcmul(self._coarse_grid, inverse, self._grid_scale)
        return grid, moved, self._mouth_strength(displacement)

    def _feather_edges(self, crops: torch.Tensor) -> None:
        """Blend the crop's outermost pixels into the photo, in place.

        The anchors hold the crop's border still, so this only hides rounding
        (float16 on a GPU); blending the thin seam alone keeps it cheap, and as
        one list of pixels it is a handful of operations rather than four strips'.
        """
        pixels = crops.flatten(2)
        seam = self._seam.expand(crops.shape[0], -1, -1)  # gather and scatter: index_select took 25 times as long
        pixels.scatter_(2, seam, torch.lerp(self._seam_photo, pixels.gather(2, seam), self._seam_weight))

    def _into_photo(self, part: torch.Tensor, rows: slice, cols: slice) -> torch.Tensor:
        """An edge strip of the crop (n, C, ...) at output size, feathered into the photo beneath it."""
        base = self._edge_texture[:, :, rows, cols]
        return base + (part - base) * self._feather[:, :, rows, cols]

    def _mouth_strength(self, displacement: torch.Tensor) -> torch.Tensor:
        """0 while the inner lips keep the photo's shape, 1 once they have moved (by the
        rig's ``displacement``, (B, V, 3))."""
        moved = displacement.index_select(1, self._inner_all)[..., :2]
        relative = moved - moved.mean(dim=1, keepdim=True)
        change = relative.norm(dim=-1).max(dim=1).values / (MOUTH_FADE * self._face_height)
        return change.clamp(0, 1)

    def _head_rotation(self, pose: torch.Tensor) -> torch.Tensor:
        """(B, 3, 3) rotations from pitch/yaw/roll degrees (B, 3)."""
        angles = torch.deg2rad(pose)
        sines = angles.sin()
        table = torch.cat([angles.cos(), sines, -sines, self._one_zero.expand(pose.shape[0], -1)], dim=1)
        pitch, yaw, roll = table.index_select(1, self._rotation_entries).view(-1, 3, 3, 3).unbind(1)
        return roll @ yaw @ pitch

    def _turn(self, points: torch.Tensor, rotation: torch.Tensor) -> torch.Tensor:
        """Rotate (B, N, 3) points about the neck (orthographic projection: drop z after)."""
        return (points - self._pivot) @ rotation.transpose(1, 2) + self._pivot


# Image axes: x right, y down, z away from the camera. The entries of each
# elementary rotation, by its angle's cosine, sine, minus sine, or 1 or 0.
_ELEMENTARY_ROTATIONS = (
    ("1", "0", "0", "0", "cos", "-sin", "0", "sin", "cos"),  # pitch > 0 brings the face down
    ("cos", "0", "-sin", "0", "1", "0", "sin", "0", "cos"),  # yaw > 0 turns it to the image's right
    ("cos", "-sin", "0", "sin", "cos", "0", "0", "0", "1"),  # roll > 0 is clockwise
)
# Where each entry is in the table _head_rotation makes: cosines, sines, minus sines
# of (pitch, yaw, roll), then 1 and 0.
_ROTATION_ENTRIES = [{"cos": axis, "sin": 3 + axis, "-sin": 6 + axis, "1": 9, "0": 10}[entry]
                     for axis, entries in enumerate(_ELEMENTARY_ROTATIONS) for entry in entries]


class _CropTextures:
    """The crop as the warp samples it, and the constants of its grid and its seam."""

    def __init__(self, crop_pixels: np.ndarray, background: np.ndarray, crop: tuple[int, int, int, int], upscale: bool,
                 grid_size: tuple[int, int], step: int, device) -> None:
        self.texture = torch.tensor(crop_pixels, dtype=torch.float32, device=device).permute(2, 0, 1).unsqueeze(0).contiguous()
        # The crop's edges are blended into the photo at output size.
        x0, y0, out_w, out_h = crop
        self.edge = self.texture
        if upscale:
            edge = background[y0 : y0 + out_h, x0 : x0 + out_w]
            self.edge = torch.tensor(edge, dtype=torch.float32, device=device).permute(2, 0, 1).unsqueeze(0).contiguous()
        feather = np.ones((out_h, out_w), np.float32)
        ramp = np.clip(np.arange(max(out_h, out_w)) / FEATHER_PX, 0, 1).astype(np.float32)
        feather *= np.minimum(ramp[:out_w], ramp[:out_w][::-1])[None, :]
        feather *= np.minimum(ramp[:out_h], ramp[:out_h][::-1])[:, None]
        self.feather = torch.tensor(feather, device=device).view(1, 1, out_h, out_w)
        # The seam those blend, as flat indices into the crop (drawn at the frame's scale):
        # its pixels (1, C, n) per channel, the photo there (1, C, n) and how much of the
        # crop shows (n,).
        seam = torch.tensor(np.flatnonzero(feather < 1), device=device)
        self.seam = seam.expand(1, self.texture.shape[1], -1)
        self.seam_photo = self.edge.flatten(2).gather(2, self.seam)
        self.seam_weight = self.feather.flatten()[seam]
        # The coarse grid's points at rest, in grid_sample's normalised coordinates.
        grid_w, grid_h = grid_size
        crop_h, crop_w = crop_pixels.shape[:2]
        span = np.array([max(crop_w - 1, 1), max(crop_h - 1, 1)], np.float32)
        base = np.stack(np.meshgrid(np.arange(grid_w) * step, np.arange(grid_h) * step, indexing="xy"), axis=0).astype(np.float32)
        base = base / span[:, None, None] * 2 - 1
        self.coarse_grid = torch.tensor(base, device=device).unsqueeze(0)  # (1, 2, grid_h, grid_w)
        self.grid_scale = torch.tensor(2 / span, device=device)


def _dense_basis(bases: np.ndarray, ids: np.ndarray, weights: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    """Each control's displacement at every grid point, (L, 2 * P) of ``dtype``: x at every
    point, then y (so that a frame's field is two planes), from the vertex bases (L, V, 3)
    and each grid point's triangle corners ``ids`` and ``weights`` (P, 3).

    As a sparse (P, V) interpolation matrix times the bases, in float64: a quarter of
    the time of gathering (L, P, 3, 2) products, with the same sums in the same order.
    Rounded to ``dtype`` before the rows are regrouped by control (a transposing
    copy, cheaper on the narrower numbers).
    """
    from scipy import sparse

    count, points = bases.shape[0], ids.shape[0]
    by_vertex = np.ascontiguousarray(bases[:, :, :2].transpose(1, 0, 2)).reshape(bases.shape[1], -1)
    interpolate = sparse.csr_matrix((weights.astype(np.float64).ravel(), ids.ravel(), np.arange(0, 3 * points + 1, 3)),
                                    shape=(points, bases.shape[1]))
    dense = torch.from_numpy(interpolate @ by_vertex).to(dtype)  # (P, L * 2)
    return dense.view(points, count, 2).permute(1, 2, 0).reshape(count, -1)


def _photo_at_size(full: np.ndarray, scale: float, size: tuple[int, int], offset: tuple[int, int]) -> np.ndarray:
    """The photo (H, W, C) scaled by ``scale`` and cut to ``size`` (w, h) from ``offset`` (x, y), uint8."""
    import cv2

    src_h, src_w = full.shape[:2]
    (width, height), (ox, oy) = size, offset
    scaled_w, scaled_h = max(1, round(src_w * scale)), max(1, round(src_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(full, (scaled_w, scaled_h), interpolation=interpolation)
    background = np.zeros((height, width, full.shape[2]), np.uint8)
    piece = scaled[oy : oy + height, ox : ox + width]
    background[: piece.shape[0], : piece.shape[1]] = piece
    return background


class _Workspace:
    """The full-resolution buffers of one batch being rendered, grown to the largest batch."""

    def __init__(self) -> None:
        self.crops: torch.Tensor | None = None  # (B, C, h, w) warped crop
        self.textures: torch.Tensor | None = None  # (B, C, h, w) per-frame textures, when the skin changes
        self.grid: torch.Tensor | None = None  # (B, 2, h, w) sampling grid


def _aligned_start(start: int, offset: int, scale: float) -> int:
    """The frame pixel at or a few before ``start`` (at least 0) whose photo position
    ((pixel + offset) / scale, the crop's origin) is nearest a whole photo pixel."""
    candidates = np.arange(max(0, start - int(np.ceil(4 * scale))), start + 1)
    position = (candidates + offset) / scale
    miss = np.abs(position - np.round(position))
    return int(candidates[::-1][np.argmin(miss[::-1])])


def _to_uint8(pixels: torch.Tensor) -> torch.Tensor:
    """Float pixels (n, C, h, w), rounded (in place) → uint8 (n, h, w, C), channels interleaved.

    Through int16 because torch's float → uint8 cast is scalar on the CPU (0.56 vs
    0.15 ms for a 1080p crop); both truncate alike. The channels are interleaved in
    uint8, where a permuted float → uint8 copy took 1.5 ms. On a GPU this also
    brings back a quarter of the bytes. + 0.5 then truncation rounds: values are
    non-negative after the clamp.
    """
    pixels = pixels.add_(0.5).clamp_(0, 255).to(torch.int16).to(torch.uint8)
    return torch.stack(pixels.unbind(1), dim=-1)


def _coefficient_limits(rig: FaceRig) -> tuple[np.ndarray, np.ndarray]:
    """Per-control bounds beyond which the mesh would fold (lids or lips through each other).

    Out-of-range rows are clamped rather than refused: a frame is always drawable.
    """
    low = np.full(len(CONTROL_NAMES), -1.5, np.float32)
    high = np.full(len(CONTROL_NAMES), 1.5, np.float32)
    for name in HEAD_POSE:
        low[CONTROL_INDEX[name]], high[CONTROL_INDEX[name]] = -45.0, 45.0
    jaw = rig.basis("jaw_open")
    press = rig.basis("lip_press")
    # Closing the jaw further than the photo's own gap would push the lower lip
    # through the upper one; lip_press already closes exactly that gap.
    gap_travel = abs(float(press[lm.LOWER_INNER_MID, 1] - press[lm.UPPER_INNER_MID, 1]))
    jaw_travel = max(abs(float(jaw[lm.LOWER_INNER_MID, 1])), 1e-6)
    low[CONTROL_INDEX["jaw_open"]] = -min(gap_travel / jaw_travel, 1.0)
    high[CONTROL_INDEX["jaw_open"]] = 1.2
    low[CONTROL_INDEX["lip_press"]], high[CONTROL_INDEX["lip_press"]] = 0.0, 1.0
    low[CONTROL_INDEX["blink"]], high[CONTROL_INDEX["blink"]] = -0.3, 1.0
    return low, high


def _pose_falloff(samples: np.ndarray, oval: np.ndarray, crop_size: tuple[int, int], face_height: float) -> np.ndarray:
    """How much of the head's turn each sample point follows: 1 on the face, easing to 0
    about half a face height outside its outline, and 0 at the crop's edge."""
    from matplotlib.path import Path

    inside = Path(oval).contains_points(samples)
    # Distance to the outline from the points outside it (inside, the turn is whole):
    # to the nearest point of each edge in turn, on (P,) arrays, in place. The same
    # arithmetic as one (P, edges, 2) array at a tenth of the time; the face editor
    # redraws this whenever the chin or the outline moves.
    x, y = samples[~inside, 0], samples[~inside, 1]
    squared = np.full(len(x), np.inf)
    t, dx, dy = (np.empty_like(x) for _ in range(3))
    for (ax, ay), (bx, by) in zip(oval, np.roll(oval, -1, axis=0)):
        ex, ey = bx - ax, by - ay
        np.multiply(np.subtract(x, ax, out=dx), ex, out=t)
        t += np.multiply(np.subtract(y, ay, out=dy), ey, out=dy)
        np.clip(np.divide(t, max(ex * ex + ey * ey, 1e-9), out=t), 0, 1, out=t)
        np.subtract(x, np.add(np.multiply(t, ex, out=dx), ax, out=dx), out=dx)
        np.subtract(y, np.add(np.multiply(t, ey, out=dy), ay, out=dy), out=dy)
        np.multiply(dx, dx, out=dx)
        np.minimum(squared, np.add(dx, np.multiply(dy, dy, out=dy), out=dx), out=squared)
    smooth = lambda x: x * x * (3 - 2 * x)  # noqa: E731
    falloff = np.ones(len(samples))
    falloff[~inside] = smooth(np.clip(1 - np.sqrt(squared) / (0.5 * face_height), 0, 1))
    width, height = crop_size
    to_border = np.minimum.reduce([samples[:, 0], samples[:, 1], width - 1 - samples[:, 0], height - 1 - samples[:, 1]])
    return falloff * smooth(np.clip(to_border / (0.1 * face_height), 0, 1))
