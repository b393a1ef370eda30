"""Frames larger than the photo: the face is drawn at the photo's scale and only the
finished crop is upsampled, and the result matches drawing at the frame's scale."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from frame_meter import astronaut_rgb, coefficients, ssim, write_png

from emospeaker_studio.engine.face.portrait import load_portrait
from emospeaker_studio.engine.render.renderer import Renderer

ROWS = np.stack([
    coefficients(AU12=0.6, jaw_open=0.4, AU04=0.5),
    coefficients(blink=0.8, head_yaw=8.0, AU09=0.7, jaw_open=0.2),
    coefficients(AU01=0.6, AU02=0.5, AU05=0.6, jaw_open=0.6, gaze_x=0.3),
    coefficients(AU15=0.7, AU04=0.8, lip_press=0.6, head_pitch=-5.0, head_roll=4.0),
])


# 512 → 720 px: the bundled demo's 768 px photo exported at 1080 is upsampled alike.
SIZE = 720


@pytest.fixture(scope="module")
def enlarged(astronaut, tmp_path_factory):
    """The astronaut photo upsampled to SIZE px beforehand (cubic, as the renderer's
    background) with its fit scaled alike: drawn at the frame's scale, the previous method."""
    portrait, fit = astronaut
    k = SIZE / portrait.height
    big = cv2.resize(astronaut_rgb(), (SIZE, SIZE), interpolation=cv2.INTER_CUBIC)
    big_portrait = load_portrait(write_png(tmp_path_factory.mktemp("upscale") / "astronaut_big.png", big))
    landmarks = fit.landmarks.copy()
    landmarks[:, :2] = (landmarks[:, :2] + 0.5) * k - 0.5  # pixel centres, as cv2.resize maps them
    landmarks[:, 2] *= k
    x, y, w, h = fit.face_box
    big_fit = dataclasses.replace(fit, landmarks=landmarks, face_box=((x + 0.5) * k - 0.5, (y + 0.5) * k - 0.5, w * k, h * k),
                                  image_size=(SIZE, SIZE))
    return big_portrait, big_fit


def test_upscaled_render_matches_drawing_at_the_frames_scale(astronaut, enlarged):
    upscaled = Renderer(*astronaut, height=SIZE, device="cpu")
    reference = Renderer(*enlarged, height=SIZE, device="cpu")
    assert upscaled.size == reference.size == (SIZE, SIZE)
    assert upscaled.crop_size[0] < 0.8 * reference.crop_size[0]  # drawn at the photo's scale
    ours, theirs = upscaled.render(ROWS), reference.render(ROWS)
    # Over the crop that moves (the face and its surroundings), as the previous method drew it.
    x, y, w, h = reference._crop
    for index, (a, b) in enumerate(zip(ours, theirs)):
        face = (slice(y, y + h), slice(x, x + w))
        assert ssim(a[face], b[face]) >= 0.99, f"frame {index}"
    # The photo around the face is the same background in both.
    x0, y0, cw, ch = upscaled._crop
    assert np.array_equal(ours[:, :y0], theirs[:, :y0])


def test_upscaled_frame_renders_alone_as_in_a_batch(astronaut):
    renderer = Renderer(*astronaut, height=SIZE, device="cpu")
    batch = renderer.render(ROWS)
    alone = renderer.render(ROWS[2:3])
    assert np.abs(batch[2].astype(int) - alone[0]).max() <= 1


def test_upscaled_rest_frame_is_the_photo(astronaut):
    renderer = Renderer(*astronaut, height=SIZE, device="cpu")
    frame = renderer.render(coefficients()[None])[0]
    background = renderer._background
    assert ssim(frame, background) >= 0.99
    assert np.abs(frame.astype(int) - background).mean() < 1.0


def test_upscaled_head_pose_moves_the_head_but_not_the_far_background(astronaut):
    renderer = Renderer(*astronaut, height=SIZE, width=SIZE + 160, device="cpu")  # wider: the photo is cropped too
    rows = np.stack([coefficients(), coefficients(head_yaw=12.0, head_pitch=6.0, head_roll=5.0, jaw_open=0.4)])
    still, turned = renderer.render(rows)
    changed = (turned != still).any(axis=2)
    x0, y0, w, h = renderer._crop
    assert changed[y0 : y0 + h, x0 : x0 + w].mean() > 0.2
    outside = np.ones_like(changed)
    outside[y0 : y0 + h, x0 : x0 + w] = False
    assert not changed[outside].any()
    assert np.array_equal(still[outside], renderer._background[outside])


def test_upscaled_alpha_is_carried_through(tmp_path):
    rgb = astronaut_rgb()
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, :60] = 0
    portrait = load_portrait(write_png(tmp_path / "cutout.png", np.dstack([rgb, alpha])))
    from emospeaker_studio.engine.face.fit import fit_face

    renderer = Renderer(portrait, fit_face(portrait), height=SIZE, device="cpu")
    frame = renderer.render(coefficients(AU12=0.5, jaw_open=0.3)[None])[0]
    assert frame.shape == (SIZE, SIZE, 4)
    x0, y0, w, h = renderer._crop
    face_alpha = frame[y0 + 4 : y0 + h - 4, x0 + 4 : x0 + w - 4, 3]
    assert (face_alpha >= 254).all()  # the face region is opaque, as in the photo
