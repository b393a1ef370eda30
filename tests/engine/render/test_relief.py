"""A smiling photo's folds and cheek bulges flatten as far as the animation relaxes its smile."""

from __future__ import annotations

import numpy as np
import pytest
from frame_meter import rgb_frame as frame
from frame_meter import rgb_frame_without

from emospeaker_studio.engine.face import landmarks as lm


def mid_scale_relief(rgb: np.ndarray, box: tuple[slice, slice]) -> float:
    """Mean absolute band-pass luma (a smile's folds and bulges; not pores, not the face's modelling) in ``box``."""
    import cv2

    luma = rgb.mean(axis=2).astype(np.float32)
    band = cv2.GaussianBlur(luma, (0, 0), 1.0) - cv2.GaussianBlur(luma, (0, 0), 5.0)
    return float(np.abs(band[box]).mean())


def cheek_box(renderer, fit, portrait) -> tuple[slice, slice]:
    """From the image-left nose wing out past the mouth corner: where the photo's smile folds the skin."""
    scale = renderer.size[1] / portrait.rgb.shape[0]
    wing, corner = fit.landmarks[lm.NOSE_ALA_LEFT, :2] * scale, fit.landmarks[lm.MOUTH_CORNER_LEFT, :2] * scale
    x0, x1 = int(corner[0] - 0.08 * fit.face_height * scale), int(wing[0])
    y0, y1 = int(wing[1]), int(corner[1] + 0.05 * fit.face_height * scale)
    return slice(y0, y1), slice(x0, x1)


def test_relaxing_the_photo_smile_flattens_its_folds(astronaut_renderer, astronaut):
    portrait, fit = astronaut
    smile = fit.photo_expression["AU12"]
    assert smile > 0.5 and astronaut_renderer._relief is not None
    box = cheek_box(astronaut_renderer, fit, portrait)
    # The same corner movement with and without the layer: what it adds is the flattening.
    relaxed = frame(astronaut_renderer, AU12=-smile)
    shape_only = rgb_frame_without(astronaut_renderer, "_relief", AU12=-smile)
    half = frame(astronaut_renderer, AU12=-smile / 2)
    assert mid_scale_relief(relaxed, box) < 0.8 * mid_scale_relief(shape_only, box)
    assert mid_scale_relief(relaxed, box) < mid_scale_relief(half, box)  # in proportion to the relaxation


@pytest.mark.parametrize("values", [{}, {"AU12": 0.4}, {"AU15": 0.5, "AU01": 0.5}])
def test_a_smile_kept_or_added_leaves_the_skin_as_the_warp_draws_it(astronaut_renderer, values):
    np.testing.assert_array_equal(frame(astronaut_renderer, **values), rgb_frame_without(astronaut_renderer, "_relief", **values))


def test_a_photo_that_does_not_smile_has_no_relief_to_flatten(hopper):
    from emospeaker_studio.engine.render.renderer import Renderer

    assert Renderer(*hopper, height=256, device="cpu")._relief is None
