"""Teeth in a shadowed mouth read as teeth; a blink closes the eyes and leaves glasses alone.

Both measured on Grace Hopper's portrait (closed lips, glasses resting on
the brow bone), on frames the renderer produced through the real animation
stage, with the face mesh re-fitted on each frame to find the mouth and eyes.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from frame_meter import FaceMeasure, frames

from emospeaker_studio.core.emotion_spec import parse_emotion_spec
from emospeaker_studio.core.project import StyleSettings
from emospeaker_studio.engine.animation import animate
from emospeaker_studio.engine.face import landmarks as lm
from emospeaker_studio.engine.speech.track import SpeechTrack
from tests.engine.test_emotion_quality import patch_shift

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hopper_renderer(hopper):
    from emospeaker_studio.engine.render.renderer import Renderer

    return Renderer(*hopper, height=512, device="cpu")


def render_emotion(renderer, fit, spec: str) -> np.ndarray:
    track = parse_emotion_spec(f"0={spec}")
    style = StyleSettings(still=True, blink_rate=0.0)
    coefficients = animate(track, SpeechTrack.silent(25.0, 1), style, fit.photo_expression, fps=25.0, frame_count=1)
    return renderer.render(coefficients.values)[0][..., :3]


# Inside the open mouth, across its middle half (the front teeth): the
# luminance's spread, and its spread along each row (tooth edges, each
# tooth's rounded front) averaged over the rows. Teeth shaded as one flat
# grey band measured 8.8 and 5.8 (fear) and 7.2 and 6.6 (disgust at 0.5).
TEETH_SPREAD = 15.0
TEETH_ALONG_ROWS = 8.5


def front_teeth_luma(frame: np.ndarray) -> tuple[float, float, int]:
    """(std of luma, mean per-row std of luma, pixel count) inside the re-fitted inner lips' middle half."""
    points = FaceMeasure.of(frame).points
    mask = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points[list(lm.inner_lip_polygon()), :2]).astype(np.int32)], 1)
    mask = cv2.erode(mask, np.ones((3, 3), np.uint8))  # keep off the lips' edge
    luma = frame.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    ys, xs = np.nonzero(mask)
    left, right = np.percentile(xs, 25), np.percentile(xs, 75)
    keep = (xs >= left) & (xs <= right)
    ys, xs = ys[keep], xs[keep]
    rows = [luma[y, xs[ys == y]] for y in np.unique(ys)]
    along = float(np.mean([row.std() for row in rows if len(row) > 4]))
    return float(luma[ys, xs].std()), along, int(len(ys))


@pytest.mark.parametrize("spec", ["fearful:1.0", "disgusted:0.5"])
def test_teeth_in_a_shadowed_mouth_are_not_a_flat_band(spec, hopper, hopper_renderer):
    frame = render_emotion(hopper_renderer, hopper[1], spec)
    spread, along, count = front_teeth_luma(frame)
    assert count >= 40, f"{spec}: only {count} pixels inside the lips: the mouth did not open"
    assert spread >= TEETH_SPREAD, f"{spec}: luma spread {spread:.1f} inside the mouth (flat band)"
    assert along >= TEETH_ALONG_ROWS, f"{spec}: luma spread along rows {along:.1f} (no tooth edges)"


# The glasses frame's lower edge lies on the third ring of mesh points above
# each eye; at 512 px her face is about 173 px high. The blink used to drag
# the frame down by up to 2.5 px over the eyes (0.75 px at the least).
FRAME_RING = (225, 224, 223, 445, 444, 443)
FRAME_SHIFT_MAX = 0.0035  # face heights (0.6 px here)


# Behind her glasses the mesh cannot tell closed lids from open ones, so the
# closing is read on the pixels of the photo's eye openings: dark iris and
# lashes give way to lid skin. Half-covered lids left it at 1.5 to 1.7 times
# the open eye's median luminance (the iris still showing).
CLOSED_EYE_BRIGHTER = 2.5


def test_blink_closes_eyes_behind_glasses(hopper, hopper_renderer):
    from frame_meter import pixels_inside

    open_frame, closed_frame = frames(hopper_renderer, {}, {"blink": 1.0})
    scale = hopper_renderer.size[1] / hopper[0].height
    points = hopper[1].landmarks[:, :2] * scale
    for side in ("left", "right"):
        opening = points[list(lm.eye_polygon(side))]
        luma = [np.median(pixels_inside(frame, opening).astype(float) @ [0.299, 0.587, 0.114]) for frame in (open_frame, closed_frame)]
        assert luma[1] >= CLOSED_EYE_BRIGHTER * luma[0], f"{side} eye: median luma {luma[0]:.0f} open, {luma[1]:.0f} closed"


def test_blink_leaves_the_glasses_frame_straight(hopper_renderer):
    open_frame, closed_frame = frames(hopper_renderer, {}, {"blink": 1.0})
    rest = FaceMeasure.of(open_frame)
    radius = max(4, int(round(0.04 * rest.face_height)))
    shifts = [abs(patch_shift(open_frame, closed_frame, rest.points[i], radius)[1]) for i in FRAME_RING]
    worst = max(shifts) / rest.face_height
    assert worst <= FRAME_SHIFT_MAX, f"the blink moved the frame above the eyes {shifts} px (face {rest.face_height:.0f} px)"


def test_an_open_mouth_in_a_black_and_white_photo_is_not_red(tmp_path):
    """The drawn inside of the mouth (cavity, tongue) is as colourful as the photo: a red
    mouth in a black-and-white portrait looks pasted in. The same photo in colour keeps
    its red mouth (the measure is not blind to colour)."""
    from frame_meter import hopper_rgb, pixels_inside, write_png

    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait
    from emospeaker_studio.engine.render.renderer import Renderer

    colour = hopper_rgb()
    grey = np.repeat(cv2.cvtColor(colour, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    chroma = {}
    for name, image in (("colour", colour), ("grey", grey)):
        portrait = load_portrait(write_png(tmp_path / f"{name}.png", image))
        fit = fit_face(portrait, cache=False)
        renderer = Renderer(portrait, fit, height=512, device="cpu")
        frame = frames(renderer, {"jaw_open": 0.6})[0][..., :3]
        points = FaceMeasure.of(frame).points
        inside = pixels_inside(frame, points[list(lm.inner_lip_polygon())]).astype(np.float64)
        assert len(inside) >= 100, f"{name}: the mouth did not open"
        chroma[name] = float(np.median(inside.max(axis=1) - inside.min(axis=1)))
    assert chroma["grey"] <= 3.0, f"the open mouth of a grey photo has colour (median chroma {chroma['grey']:.1f})"
    assert chroma["colour"] >= 15.0, f"the open mouth of a colour photo lost its colour (median chroma {chroma['colour']:.1f})"
