"""Loading portraits: every common layout becomes 8-bit RGB (+ alpha), upright."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from face_images import astronaut_rgb, jpeg_with_orientation, write_png

from emospeaker_studio.core.errors import InputError
from emospeaker_studio.engine.face.portrait import exif_orientation, load_portrait


@pytest.fixture(scope="module")
def small_rgb() -> np.ndarray:
    return cv2.resize(astronaut_rgb(), (160, 120), interpolation=cv2.INTER_AREA)


def test_rgb_png_loads_exactly(tmp_path, small_rgb):
    portrait = load_portrait(write_png(tmp_path / "p.png", small_rgb))
    assert portrait.rgb.dtype == np.uint8 and portrait.alpha is None
    np.testing.assert_array_equal(portrait.rgb, small_rgb)
    assert len(portrait.sha256) == 64 and portrait.path.endswith("p.png")


def test_grayscale_becomes_three_equal_channels(tmp_path, small_rgb):
    gray = cv2.cvtColor(small_rgb, cv2.COLOR_RGB2GRAY)
    portrait = load_portrait(write_png(tmp_path / "g.png", gray))
    assert portrait.rgb.shape == (120, 160, 3)
    for channel in range(3):
        np.testing.assert_array_equal(portrait.rgb[:, :, channel], gray)


def test_sixteen_bit_is_scaled_to_eight(tmp_path, small_rgb):
    wide = small_rgb.astype(np.uint16) * 257
    path = tmp_path / "w.png"
    assert cv2.imwrite(str(path), cv2.cvtColor(wide, cv2.COLOR_RGB2BGR))
    np.testing.assert_array_equal(load_portrait(path).rgb, small_rgb)


def test_alpha_is_kept(tmp_path, small_rgb):
    alpha = np.full(small_rgb.shape[:2], 255, np.uint8)
    alpha[:, :40] = 0
    portrait = load_portrait(write_png(tmp_path / "a.png", np.dstack([small_rgb, alpha])))
    np.testing.assert_array_equal(portrait.alpha, alpha)
    np.testing.assert_array_equal(portrait.rgb, small_rgb)


def test_palette_and_cmyk_images_load(tmp_path, small_rgb):
    from PIL import Image  # only to write these layouts; the loader itself uses OpenCV

    Image.fromarray(small_rgb).convert("P", palette=Image.ADAPTIVE, colors=64).save(tmp_path / "p.png")
    Image.fromarray(small_rgb).convert("CMYK").save(tmp_path / "c.jpg", quality=95)
    for name in ("p.png", "c.jpg"):
        portrait = load_portrait(tmp_path / name)
        assert portrait.rgb.shape == small_rgb.shape
        assert np.abs(portrait.rgb.astype(int) - small_rgb).mean() < 12, name


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_honoured(tmp_path, small_rgb, orientation):
    # Store pixels turned the way a camera would, tagged so that a viewer turns them back.
    stored = {3: np.rot90(small_rgb, 2), 6: np.rot90(small_rgb, 1), 8: np.rot90(small_rgb, -1)}[orientation]
    path = tmp_path / f"o{orientation}.jpg"
    path.write_bytes(jpeg_with_orientation(np.ascontiguousarray(stored), orientation))
    assert exif_orientation(path.read_bytes()) == orientation
    portrait = load_portrait(path)
    assert portrait.rgb.shape == small_rgb.shape
    assert np.abs(portrait.rgb.astype(int) - small_rgb).mean() < 6


@pytest.mark.parametrize(
    "content, expected",
    [(b"", "empty"), (b"not an image at all", "cannot decode"), (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "cannot decode")],
)
def test_unusable_files_raise_one_line_input_errors(tmp_path, content, expected):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_portrait(path)
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_missing_file_and_folder_raise_input_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_portrait(tmp_path / "missing.png")
    with pytest.raises(InputError, match="folder"):
        load_portrait(tmp_path)


def test_png_exif_chunk_orientation_is_honoured(tmp_path, small_rgb):
    import struct
    import zlib

    stored = np.ascontiguousarray(np.rot90(small_rgb, 1))
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(stored, cv2.COLOR_RGB2BGR))
    assert ok
    tiff = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack(">I", 0)
    chunk = struct.pack(">I", len(tiff)) + b"eXIf" + tiff + struct.pack(">I", zlib.crc32(b"eXIf" + tiff))
    data = encoded.tobytes()
    path = tmp_path / "turned.png"
    path.write_bytes(data[:33] + chunk + data[33:])  # after the signature and IHDR
    np.testing.assert_array_equal(load_portrait(path).rgb, small_rgb)
