from __future__ import annotations

import pytest
from frame_meter import astronaut_rgb, hopper_rgb, write_png

from emospeaker_studio.engine.face.fit import fit_face
from emospeaker_studio.engine.face.portrait import load_portrait


@pytest.fixture(scope="session")
def astronaut(tmp_path_factory):
    portrait = load_portrait(write_png(tmp_path_factory.mktemp("render") / "astronaut.png", astronaut_rgb()))
    return portrait, fit_face(portrait)


@pytest.fixture(scope="session")
def hopper(tmp_path_factory):
    portrait = load_portrait(write_png(tmp_path_factory.mktemp("render") / "hopper.png", hopper_rgb()))
    return portrait, fit_face(portrait)


@pytest.fixture(scope="session")
def astronaut_renderer(astronaut):
    from emospeaker_studio.engine.render.renderer import Renderer

    return Renderer(*astronaut, height=512, device="cpu")
