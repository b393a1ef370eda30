"""The renderer's frames, measured: the photo at rest, a still background, sizes, alpha."""

from __future__ import annotations

import numpy as np
import pytest
from frame_meter import astronaut_rgb, coefficients, frames, ssim, write_png

from emospeaker_studio.core.errors import UserError
from emospeaker_studio.engine.controls import CONTROL_NAMES, FACE_CONTROLS
from emospeaker_studio.engine.device import dtype_for, resolve_device
from emospeaker_studio.engine.face.fit import fit_face
from emospeaker_studio.engine.face.portrait import load_portrait
from emospeaker_studio.engine.render.renderer import Renderer


def test_all_zero_coefficients_reproduce_the_photo(astronaut, astronaut_renderer):
    portrait, _ = astronaut
    frame = astronaut_renderer.render(coefficients()[None])[0]
    assert frame.shape == (512, 512, 3) and frame.dtype == np.uint8
    assert ssim(frame, portrait.rgb) >= 0.98
    assert np.abs(frame.astype(int) - portrait.rgb).max() <= 1


def test_background_outside_the_head_never_moves(astronaut, astronaut_renderer):
    rng = np.random.default_rng(3)
    rows = np.zeros((6, len(CONTROL_NAMES)), np.float32)
    rows[:, : len(FACE_CONTROLS) + 3] = rng.uniform(-1, 1, (6, len(FACE_CONTROLS) + 3))
    rows[:, CONTROL_NAMES.index("jaw_open")] = np.abs(rows[:, CONTROL_NAMES.index("jaw_open")])
    still = astronaut_renderer.render(coefficients()[None])[0]
    moving = astronaut_renderer.render(rows)
    changed = (moving != still[None]).any(axis=(0, 3))
    assert changed.any(), "the face controls moved nothing"
    # The head region: an ellipse twice the face's size around it; nothing outside moves.
    x, y, w, h = astronaut[1].face_box
    yy, xx = np.mgrid[:512, :512]
    head = ((xx - (x + w / 2)) / (1.05 * w)) ** 2 + ((yy - (y + h / 2)) / (0.95 * h)) ** 2 <= 1
    assert not changed[~head].any()


def test_head_pose_moves_the_head_but_not_the_far_background(astronaut, astronaut_renderer):
    still, turned = frames(astronaut_renderer, {}, {"head_yaw": 12.0, "head_pitch": 6.0, "head_roll": 5.0})
    changed = (turned != still).any(axis=2)
    x, y, w, h = astronaut[1].face_box
    assert changed[int(y) : int(y + h), int(x) : int(x + w)].mean() > 0.5
    yy, xx = np.mgrid[:512, :512]
    far = ((xx - (x + w / 2)) / (1.2 * w)) ** 2 + ((yy - (y + h / 2)) / (1.1 * h)) ** 2 > 1
    assert not changed[far].any()


def test_any_frame_renders_alone_as_in_a_batch(astronaut_renderer):
    rows = np.stack([coefficients(AU12=0.5, jaw_open=0.3), coefficients(blink=1.0, head_yaw=5.0), coefficients(AU04=0.7)])
    batch = astronaut_renderer.render(rows)
    alone = astronaut_renderer.render(rows[1:2])
    assert np.abs(batch[1].astype(int) - alone[0]).max() <= 1


def test_frown_and_nose_creases_of_a_frame_do_not_depend_on_its_batch(astronaut_renderer):
    # Creases are drawn per frame: a frame exported inside a batch must equal the
    # same frame rendered alone for the preview, whatever its neighbours do.
    rows = np.stack([
        coefficients(AU04=0.9, head_yaw=-10.0),
        coefficients(AU09=1.0, AU10=0.6, AU04=0.4, head_yaw=10.0, head_roll=6.0),
        coefficients(AU09=0.5, AU04=0.9, head_pitch=8.0),
        coefficients(AU09=0.9, head_yaw=-4.0, head_pitch=-6.0),
    ])
    batch = astronaut_renderer.render(rows)
    for index in range(len(rows)):
        alone = astronaut_renderer.render(rows[index : index + 1])[0]
        assert np.abs(batch[index].astype(int) - alone).max() <= 1, f"frame {index} changed with its batch"


def test_batches_rendered_on_several_threads_at_once_match_serial_ones(astronaut_renderer):
    # Export renders batches on several threads with one renderer; each batch needs
    # full-resolution buffers of its own while the others run.
    from concurrent.futures import ThreadPoolExecutor

    rows = np.stack([coefficients(AU12=0.2 * i, jaw_open=0.1 * i, head_yaw=i - 3.0) for i in range(8)])
    batches = [rows[i : i + 2] for i in range(0, 8, 2)]
    serial = [astronaut_renderer.render(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            together = list(pool.map(astronaut_renderer.render, batches))
            for alone, parallel in zip(serial, together):
                assert np.array_equal(alone, parallel)


def test_output_size_keeps_the_aspect_or_covers_a_given_size(hopper):
    portrait, fit = hopper  # 512 x 600
    auto = Renderer(portrait, fit, height=300, device="cpu")
    assert auto.size == (256, 300) and auto.render(coefficients()[None]).shape == (1, 300, 256, 3)
    wide = Renderer(portrait, fit, height=180, width=320, device="cpu")
    frame = wide.render(coefficients(jaw_open=0.5)[None])
    assert wide.size == (320, 180) and frame.shape == (1, 180, 320, 3)


def test_alpha_is_carried_through(tmp_path):
    rgb = astronaut_rgb()
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, :60] = 0
    alpha[:, 60:90] = 128
    portrait = load_portrait(write_png(tmp_path / "cutout.png", np.dstack([rgb, alpha])))
    renderer = Renderer(portrait, fit_face(portrait), height=256, device="cpu")
    assert renderer.has_alpha
    out = frames(renderer, {}, {"jaw_open": 0.6, "AU12": 1.0})
    assert out.shape == (2, 256, 256, 4)
    expected = alpha[::2, ::2]
    assert np.abs(out[0, :, :, 3].astype(int) - expected).max() <= 2
    assert np.abs(out[1, :, :40, 3].astype(int) - expected[:, :40]).max() <= 2


def test_grayscale_portrait_renders(tmp_path):
    import cv2

    gray = cv2.cvtColor(astronaut_rgb(), cv2.COLOR_RGB2GRAY)
    path = tmp_path / "gray.png"
    cv2.imwrite(str(path), gray)
    portrait = load_portrait(path)
    renderer = Renderer(portrait, fit_face(portrait), height=256, device="cpu")
    out = frames(renderer, {}, {"jaw_open": 0.5})
    assert out.shape == (2, 256, 256, 3)
    assert (out[0] != out[1]).any()


def test_bad_coefficient_shape_is_refused(astronaut_renderer):
    with pytest.raises(ValueError):
        astronaut_renderer.render(np.zeros((2, 5), np.float32))


def test_device_choice():
    import torch

    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    assert dtype_for("cpu") == torch.float32
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="CUDA"):
            resolve_device("cuda")
    with pytest.raises(UserError):
        resolve_device("tpu")


def test_out_of_range_and_missing_values_are_drawn_as_the_nearest_valid_face(astronaut_renderer):
    wild = np.stack([coefficients(blink=5.0), coefficients(lip_press=-2.0), coefficients(AU12=np.nan)])
    tame = np.stack([coefficients(blink=1.0), coefficients(), coefficients()])
    assert np.array_equal(astronaut_renderer.render(wild), astronaut_renderer.render(tame))
