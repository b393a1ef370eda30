"""Raised brows fold the forehead into creases above them, where the brows rose and only on skin."""

from __future__ import annotations

import numpy as np
import pytest
from frame_meter import rgb_frame as frame
from frame_meter import rgb_frame_without

from emospeaker_studio.engine.face import landmarks as lm


def creases(renderer, **values: float) -> np.ndarray:
    """How much the forehead layer darkened each pixel (luma) for a face moved by ``values``."""
    return (rgb_frame_without(renderer, "_forehead", **values) - frame(renderer, **values)).mean(axis=2)


@pytest.fixture(scope="module")
def hopper_renderer(hopper):
    from emospeaker_studio.engine.render.renderer import Renderer

    return Renderer(*hopper, height=512, device="cpu")


def brow_top(renderer, fit, portrait) -> float:
    scale = renderer.size[1] / portrait.rgb.shape[0]
    return float(fit.landmarks[list(lm.BROW_LEFT_UPPER + lm.BROW_RIGHT_UPPER), 1].min() * scale)


@pytest.mark.parametrize("values", [{}, {"AU04": 1.0}, {"AU12": 1.0, "jaw_open": 0.5}])
def test_brows_that_do_not_rise_leave_the_forehead_smooth(hopper_renderer, values):
    assert np.abs(creases(hopper_renderer, **values)).max() == 0.0


def test_raised_brows_crease_the_forehead_above_them(hopper_renderer, hopper):
    portrait, fit = hopper
    full, half = creases(hopper_renderer, AU01=1.0, AU02=1.0), creases(hopper_renderer, AU01=0.5, AU02=0.5)
    top = brow_top(hopper_renderer, fit, portrait)
    assert full.max() > 12  # a groove a viewer sees (luma levels)
    rows = np.flatnonzero(np.abs(full).max(axis=1) > 2)
    assert rows.max() < top  # above the brows only
    assert full.clip(0).sum() > half.clip(0).sum() > 0  # deeper as the brows rise further


def test_inner_brows_raised_alone_crease_the_middle_of_the_forehead(hopper_renderer, hopper):
    portrait, fit = hopper
    scale = hopper_renderer.size[1] / portrait.rgb.shape[0]
    inner = creases(hopper_renderer, AU01=1.0).clip(0)
    outer = creases(hopper_renderer, AU02=1.0).clip(0)
    middle = slice(int(fit.landmarks[107, 0] * scale), int(fit.landmarks[336, 0] * scale))
    share = lambda drawn: drawn[:, middle].sum() / max(drawn.sum(), 1e-6)  # noqa: E731
    assert share(inner) > 1.5 * share(outer)


def test_creases_are_drawn_on_skin_not_on_hair(astronaut_renderer):
    """The astronaut's fringe comes down onto her forehead: the layer's skin mask leaves it out."""
    layer = astronaut_renderer._forehead
    x0, y0, x1, y1 = layer.box
    texture = astronaut_renderer._texture[0, :3, y0:y1, x0:x1].mean(dim=0).numpy()
    skin = layer.skin[0, 0, y0:y1, x0:x1].numpy()
    hair, bare = texture < 110, texture > 170
    assert hair.sum() > 50 and bare.sum() > 50  # both are in the creases' box
    assert skin[hair].mean() < 0.3 and skin[bare].mean() > 0.7
