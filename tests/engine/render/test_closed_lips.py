"""A parted photo's lip opening is painted shut as the lips close: no dark specks of the smile left."""

from __future__ import annotations

import numpy as np
import pytest
from frame_meter import rgb_frame as frame
from frame_meter import rgb_frame_without

from emospeaker_studio.engine.face import landmarks as lm


def without_layer(renderer, **values: float) -> np.ndarray:
    return rgb_frame_without(renderer, "_closed_lips", **values)


def around_mouth(renderer, fit, portrait) -> tuple[slice, slice]:
    scale = renderer.size[1] / portrait.rgb.shape[0]
    left, right = fit.landmarks[lm.MOUTH_CORNER_LEFT, :2] * scale, fit.landmarks[lm.MOUTH_CORNER_RIGHT, :2] * scale
    pad = 0.08 * fit.face_height * scale
    return slice(int(min(left[1], right[1]) - pad), int(max(left[1], right[1]) + 2 * pad)), slice(int(left[0] - pad), int(right[0] + pad))


@pytest.fixture(scope="module")
def astronaut_1024(astronaut):
    from emospeaker_studio.engine.render.renderer import Renderer

    return Renderer(*astronaut, height=1024, device="cpu")


def test_a_toothy_smile_closed_leaves_no_dark_specks(astronaut_1024, astronaut):
    portrait, fit = astronaut
    assert astronaut_1024._closed_lips is not None
    closed = {"lip_press": 1.0, "AU12": -fit.photo_expression["AU12"], "AU15": 0.7}
    box = around_mouth(astronaut_1024, fit, portrait)
    # Cavity-dark pixels (teeth gaps, the smile's dark corners); the closed lips' own seam is lighter.
    dark = lambda rgb: int((rgb[box].mean(axis=2) < 70).sum())  # noqa: E731
    painted, plain = dark(frame(astronaut_1024, **closed)), dark(without_layer(astronaut_1024, **closed))
    assert plain > 15 and painted < 0.5 * plain


@pytest.mark.parametrize("values", [{}, {"jaw_open": 0.5}, {"AU12": -0.5}])
def test_lips_that_do_not_close_keep_the_photo_as_the_warp_draws_it(astronaut_renderer, values):
    np.testing.assert_array_equal(frame(astronaut_renderer, **values), without_layer(astronaut_renderer, **values))


def test_a_photo_with_closed_lips_has_nothing_to_paint(hopper):
    from emospeaker_studio.engine.render.renderer import Renderer

    assert Renderer(*hopper, height=256, device="cpu")._closed_lips is None
