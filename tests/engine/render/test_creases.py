"""Frown lines (AU4) and nose wrinkles (AU9): drawn only when their skin actually bunches."""

from __future__ import annotations

import pytest
import torch

from emospeaker_studio.engine.face.rig import LINEAR_CONTROLS
from emospeaker_studio.engine.render.eyes import composite_frown_lines, composite_nose_wrinkles

GRAY = 160.0


def moved_vertices(renderer, **values: float) -> torch.Tensor:
    """(1, V, 3) vertices in crop pixels with the given controls applied (as the renderer moves them)."""
    bases = renderer._vertex_basis.view(len(LINEAR_CONTROLS), -1, 3)
    moved = renderer._rest.clone()
    for name, value in values.items():
        moved = moved + value * bases[LINEAR_CONTROLS.index(name)]
    return moved.unsqueeze(0)


def drawn(renderer, draw, **values: float) -> torch.Tensor:
    """How much ``draw`` darkened a uniform grey crop (1, H, W), for a face moved by ``values``."""
    w, h = renderer.crop_size
    frame = torch.full((1, 3, h, w), GRAY)
    draw(frame, moved_vertices(renderer, **values), renderer._eyes)
    return (GRAY - frame[:, :3].mean(dim=1)).clamp_min(0)


@pytest.mark.parametrize("draw", [composite_frown_lines, composite_nose_wrinkles])
def test_rest_face_is_untouched(astronaut_renderer, draw):
    assert float(drawn(astronaut_renderer, draw).abs().max()) == 0.0


def test_frown_lines_fold_between_brows_drawn_together(astronaut_renderer):
    half, full = (drawn(astronaut_renderer, composite_frown_lines, AU04=v) for v in (0.5, 1.0))
    assert float(full.max()) > 0.15 * GRAY  # a visible groove
    assert float(full.sum()) > float(half.sum()) > 0  # deeper as the brows come closer
    # Between the brow heads and above the nose bridge, where the glabella folds.
    moved = moved_vertices(astronaut_renderer, AU04=1.0)[0]
    ys, xs = torch.nonzero(full[0] > 0.05 * GRAY, as_tuple=True)
    left, right = sorted((float(moved[55, 0]), float(moved[285, 0])))
    assert float(xs.min()) >= left - 2 and float(xs.max()) <= right + 2
    assert float(ys.max()) <= float(moved[168, 1]) + 2


@pytest.mark.parametrize("control", ["AU01", "AU02", "AU06", "AU12", "AU10"])
def test_no_frown_lines_without_a_frown(astronaut_renderer, control):
    assert float(drawn(astronaut_renderer, composite_frown_lines, **{control: 1.0}).max()) == 0.0


def test_nose_wrinkler_creases_the_nose_root(astronaut_renderer):
    half, full = (drawn(astronaut_renderer, composite_nose_wrinkles, AU09=v) for v in (0.6, 1.0))
    assert float(full.max()) > 0.15 * GRAY
    assert float(full.sum()) > float(half.sum()) > 0


@pytest.mark.parametrize("control, value", [("AU06", 1.0), ("AU12", 1.0), ("AU04", 1.0), ("AU10", 0.6)])
def test_a_smile_or_a_frown_alone_does_not_wrinkle_the_nose(astronaut_renderer, control, value):
    # The cheek raiser lifts the whole mid-face (nose included); only the nose
    # wings rising past the cheeks is the nose wrinkler's. A raised upper lip
    # (at disgust's level) lifts the wings too little on its own.
    assert float(drawn(astronaut_renderer, composite_nose_wrinkles, **{control: value}).max()) == 0.0
