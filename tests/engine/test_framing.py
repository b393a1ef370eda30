"""Frames of a fixed shape composed around the face: the head is never cut off, the photo is
extended where it does not cover the frame, and an enlargement past the photo's pixels is said."""

from __future__ import annotations

import numpy as np
import pytest

from emospeaker_studio.engine.face.fit import FaceFit
from emospeaker_studio.engine.face.portrait import Portrait
from emospeaker_studio.engine.framing import HEAD_ROOM, enlargement_note, frame_region, framed_portrait

# A head-and-shoulders portrait photo, 768 x 1024, the face box in its upper half.
PHOTO = (768, 1024)
FACE = (254.0, 260.0, 260.0, 300.0)  # x, y, w, h


def _head_is_inside(region, face=FACE, photo=PHOTO):
    x, y, w, h = region
    fx, fy, fw, fh = face
    head_top = max(0.0, fy - HEAD_ROOM * fh)
    return x <= fx and x + w >= fx + fw and y <= head_top and y + h >= fy + fh


@pytest.mark.parametrize("frame", [(1920, 1080), (1280, 720), (1080, 1920), (1080, 1080), (1080, 1350)])
def test_every_preset_keeps_the_head_and_the_frames_shape(frame):
    region = frame_region(PHOTO, FACE, frame)
    x, y, w, h = region
    assert _head_is_inside(region), region
    assert w / h == pytest.approx(frame[0] / frame[1], rel=0.01)


def test_a_wide_frame_from_a_portrait_photo_extends_the_sides_instead_of_cutting_the_head():
    x, y, w, h = frame_region(PHOTO, FACE, (1920, 1080))
    # Covering 16:9 with the photo showed a 768 x 432 band around the face centre: the top of the head was cut.
    assert h > 432 and w > PHOTO[0]
    assert x < 0 and x + w > PHOTO[0]  # extended on both sides, the face in the middle
    assert abs((x + w / 2) - (FACE[0] + FACE[2] / 2)) < 2
    assert 0 <= y and y + h <= PHOTO[1]  # vertically the photo holds it


def test_a_tall_frame_from_a_portrait_photo_stays_inside_the_photo():
    x, y, w, h = frame_region(PHOTO, FACE, (1080, 1920))
    assert 0 <= x and x + w <= PHOTO[0] and 0 <= y and y + h <= PHOTO[1]
    assert h == PHOTO[1]  # the largest 9:16 region the photo holds


def test_a_face_near_the_top_edge_is_not_pushed_out():
    face = (300.0, 10.0, 200.0, 240.0)
    region = frame_region(PHOTO, face, (1920, 1080))
    assert _head_is_inside(region, face)
    assert region[1] <= 0  # the region starts at (or above) the photo's top: nothing above the head is cut


def _portrait(alpha: bool) -> tuple[Portrait, FaceFit]:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (PHOTO[1], PHOTO[0], 3), dtype=np.uint8)
    landmarks = np.zeros((478, 3), np.float32)
    landmarks[:, 0], landmarks[:, 1] = FACE[0] + FACE[2] / 2, FACE[1] + FACE[3] / 2
    fit = FaceFit(landmarks=landmarks, face_box=FACE, face_count=1, face_index=0, image_size=PHOTO)
    return Portrait(rgb=rgb, alpha=np.full(rgb.shape[:2], 255, np.uint8) if alpha else None, sha256="abc", path="/p.png"), fit


@pytest.mark.parametrize("alpha", [False, True])
def test_the_framed_photo_is_the_photo_where_it_has_pixels_and_its_extension_elsewhere(alpha):
    portrait, fit = _portrait(alpha)
    framed, framed_fit, region_height = framed_portrait(portrait, fit, (1920, 1080))
    x, y, w, h = frame_region(PHOTO, FACE, (1920, 1080))
    assert framed.rgb.shape == (h, w, 3) and region_height == h
    inner = framed.rgb[40 : h - 40, -x + 40 : -x + PHOTO[0] - 40]
    assert np.array_equal(inner, portrait.rgb[y + 40 : y + h - 40, 40 : PHOTO[0] - 40])  # untouched photo
    assert framed_fit.face_box[0] == pytest.approx(FACE[0] - x)
    assert framed_fit.landmarks[0, 0] == pytest.approx(fit.landmarks[0, 0] - x)
    assert framed.sha256 != portrait.sha256  # renderer caches keyed on it see another picture
    if alpha:
        assert framed.alpha[:, 0].max() == 0 and framed.alpha[h // 2, -x + 100] == 255  # transparent past the photo
    else:
        assert framed.alpha is None


def test_an_enlargement_beyond_the_photos_pixels_is_one_line():
    assert enlargement_note((1920, 1080), 540, 1024).startswith("the photo is enlarged 2.0×")
    assert "\n" not in enlargement_note((1920, 1080), 540, 1024)
    assert enlargement_note((1280, 720), 700, 1024) == ""


def test_the_pipeline_renders_a_wide_frame_around_the_face_and_says_it_enlarges(tmp_path):
    from emospeaker_studio import paths
    from emospeaker_studio.core.projectfile import load_project
    from emospeaker_studio.engine import pipeline

    demo = load_project(paths.resources_dir() / "demo.esproj")
    wide = demo.with_(output=demo.output.with_(width=640, height=360))
    prepared = pipeline.prepare(wide, device="cpu")
    frame = prepared.render_frames(0, 1)[0]
    assert frame.shape == (360, 640, 3)
    assert not any("enlarged" in note for note in prepared.notes)  # 360 px from the demo photo's pixels
    big = pipeline.prepare(demo.with_(output=demo.output.with_(width=1920, height=1080)), device="cpu")
    assert any(note.startswith("the photo is enlarged") for note in big.notes)


def test_an_odd_size_is_rounded_to_even_and_said():
    from emospeaker_studio import paths
    from emospeaker_studio.core.projectfile import load_project
    from emospeaker_studio.engine import pipeline

    demo = load_project(paths.resources_dir() / "demo.esproj")
    prepared = pipeline.prepare(demo.with_(output=demo.output.with_(width=361, height=641)), device="cpu")
    assert prepared.size == (362, 642)
    assert "361×641 rounded to 362×642: video encoders need even sizes" in prepared.notes


def test_tighter_framings_show_less_around_the_same_head():
    from emospeaker_studio.core.project import Framing

    heights = [frame_region(PHOTO, FACE, (1080, 1920), framing)[3] for framing in
               (Framing.FULL, Framing.HEAD_AND_SHOULDERS, Framing.CLOSE_UP)]
    assert heights[0] > heights[1] > heights[2]
    for framing in Framing:
        assert _head_is_inside(frame_region(PHOTO, FACE, (1920, 1080), framing))


@pytest.mark.parametrize("fill", ["mirror", "solid", "transparent"])
def test_each_fill_extends_the_photo_its_own_way(fill):
    from emospeaker_studio.core.project import Fill

    portrait, fit = _portrait(alpha=False)
    framed, _fit, _h = framed_portrait(portrait, fit, (1920, 1080), fill=Fill(fill))
    x, y, w, h = frame_region(PHOTO, FACE, (1920, 1080))
    left = framed.rgb[:, : -x]  # past the photo's left edge
    if fill == "mirror":
        assert np.array_equal(left[:, -1], portrait.rgb[y : y + h, 0])  # the edge column, reflected
        assert framed.alpha is None
    elif fill == "solid":
        assert left.max() == 0 and framed.alpha is None
    else:
        assert framed.alpha is not None and framed.alpha[:, : -x].max() == 0 and framed.alpha[:, -x:][:, :PHOTO[0]].min() == 255
        assert left.max() > 0  # the blur under it, for formats without alpha
