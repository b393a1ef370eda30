"""The whole engine on real pieces: a short clip of the demo, rendered small."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emospeaker_studio.core.errors import Cancelled, InputError, OutputError, UserError
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.project import ExportFormat, OutputSettings, Project, StyleSettings
from emospeaker_studio.engine.jobs import CancelToken
from emospeaker_studio.engine.pipeline import frame_count_for, prepare, render_project
from emospeaker_studio.paths import resources_dir

# The helper that reads videos back lives with the export tests.
sys.path.insert(0, str(Path(__file__).resolve().parent / "export"))
from export_media import media_info  # noqa: E402

HEIGHT = 128
FPS = 25.0
CLIP_S = 2.02  # not a whole number of frames: ceil(2.02 * 25) = 51
CALM = StyleSettings(still=True, blink_rate=0.0, head_motion=0.0)


def _write_clip(path: Path, seconds: float, *, silent: bool) -> Path:
    voice, rate = sf.read(resources_dir() / "demo_voice.flac", dtype="float32")
    samples = np.zeros(int(round(seconds * rate)), np.float32)
    if not silent:
        # From 0.3 s: "Hello, I am Pam..." -- speech from the first frames on.
        piece = voice[int(0.3 * rate) :][: samples.size]
        samples[: piece.size] = piece
    sf.write(path, samples, rate)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "speech": _write_clip(folder / "speech.wav", CLIP_S, silent=False),
        "silence": _write_clip(folder / "silence.wav", CLIP_S, silent=True),
    }


def _project(audio: Path, *, emotions: EmotionTrack = EmotionTrack(), style: StyleSettings = CALM,
             portrait: Path | None = None) -> Project:
    return Project(
        portrait=str(portrait or resources_dir() / "demo_portrait.jpg"),
        audio=str(audio),
        output=OutputSettings(height=HEIGHT, fps=FPS),
        style=style,
        emotions=emotions,
    )


@pytest.fixture(scope="module")
def prepared_speech(clips):
    return prepare(_project(clips["speech"]))


def test_frame_count_is_ceil_of_duration_times_fps():
    assert frame_count_for(2.0, 25.0) == 50
    assert frame_count_for(2.0000000001, 25.0) == 50  # float noise is not a frame
    assert frame_count_for(2.01, 25.0) == 51
    assert frame_count_for(1.0, 29.97) == 30


def test_prepare_covers_the_audio(prepared_speech):
    assert prepared_speech.frame_count == math.ceil(CLIP_S * FPS) == 51
    assert prepared_speech.speech.frame_count == prepared_speech.frame_count
    assert prepared_speech.coefficients.frame_count == prepared_speech.frame_count
    w, h = prepared_speech.size
    assert h == HEIGHT and w == HEIGHT  # the demo portrait is square
    frames = prepared_speech.render_frames(0, 3)
    assert frames.shape == (3, HEIGHT, HEIGHT, 3) and frames.dtype == np.uint8


def test_any_frame_alone_equals_the_same_frame_in_sequence(prepared_speech):
    sequence = np.concatenate(list(prepared_speech.iter_batches(batch_size=7)))
    assert len(sequence) == prepared_speech.frame_count
    for i in (40, 0, 23, 50):
        alone = prepared_speech.render_frames(i, i + 1)[0]
        assert np.abs(alone.astype(int) - sequence[i].astype(int)).max() <= 1, f"frame {i}"
    # Speech moves the mouth: frames are not all the photo.
    assert np.abs(sequence.astype(int) - sequence[:1].astype(int)).max() > 30


def test_neutral_silent_first_frame_is_the_portrait(clips):
    from skimage.metrics import structural_similarity

    from emospeaker_studio.engine.face.portrait import load_portrait

    prepared = prepare(_project(clips["silence"]))
    assert not np.any(prepared.coefficients.values[0])  # nothing to animate
    frame = prepared.render_frames(0, 1)[0]
    import cv2

    portrait = load_portrait(resources_dir() / "demo_portrait.jpg").rgb
    expected = cv2.resize(portrait, prepared.size, interpolation=cv2.INTER_AREA)
    ssim = structural_similarity(frame, expected, channel_axis=2, data_range=255)
    assert ssim >= 0.95, f"SSIM {ssim:.3f} between the neutral silent frame and the portrait"


def test_emotion_edit_reanimates_without_refitting_or_reanalysing(prepared_speech, clips):
    sad = EmotionTrack((Keyframe.new(0.0, "sad", 1.0),))
    edited = prepared_speech.with_project(prepared_speech.project.with_(emotions=sad))
    assert edited.fit is prepared_speech.fit
    assert edited.speech is prepared_speech.speech
    assert edited.renderer is prepared_speech.renderer
    au15 = edited.coefficients.column("AU15")
    assert np.all(au15 > prepared_speech.coefficients.column("AU15") + 0.1)  # lip corners down
    # A new audio file re-analyses the speech but keeps the face.
    other = edited.with_project(edited.project.with_(audio=str(clips["silence"])))
    assert other.fit is prepared_speech.fit and other.speech is not prepared_speech.speech
    assert float(other.speech.tracks["jaw_open"].max()) < 0.05


def test_render_project_writes_mp4_with_audio_and_coefficients(clips, tmp_path):
    out = tmp_path / "talk.mp4"
    coefficients = tmp_path / "coefficients.json"
    reports = []
    written = render_project(_project(clips["speech"]), out, progress=reports.append, coefficients_out=coefficients)
    assert written == out
    info = media_info(out)
    assert (info.frames, info.width, info.height) == (51, HEIGHT, HEIGHT), info.text
    assert info.audio_codec == "aac"
    data = json.loads(coefficients.read_text())
    assert data["fps"] == FPS and len(data["frames"]) == 51 and len(data["frames"][0]) == len(data["names"])
    assert any(r.stage.startswith("prepare") for r in reports) and reports[-1].stage == "encode"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coefficients.json", "talk.mp4"]


def test_format_follows_the_suffix_and_png_goes_to_a_folder(clips, tmp_path, prepared_speech):
    written = render_project(prepared_speech.project, tmp_path / "frames.png", prepared=prepared_speech)
    assert written == tmp_path / "frames" and len(list(written.glob("frame_*.png"))) == 51


def test_cancel_during_render_leaves_nothing(clips, tmp_path, prepared_speech):
    token = CancelToken()

    def cancel_midway(progress):
        if progress.stage == "encode" and progress.done >= 8:
            token.cancel()

    with pytest.raises(Cancelled):
        render_project(prepared_speech.project, tmp_path / "talk.webm", prepared=prepared_speech,
                       progress=cancel_midway, cancel=token, coefficients_out=tmp_path / "c.json")
    assert list(tmp_path.iterdir()) == []


def test_output_folder_is_checked_before_any_work(tmp_path):
    project = _project(tmp_path / "missing.wav", portrait=tmp_path / "missing.jpg")
    with pytest.raises(OutputError, match="does not exist"):
        render_project(project, tmp_path / "no-folder" / "talk.mp4")


def test_missing_inputs_are_user_errors(tmp_path, clips):
    with pytest.raises(InputError, match="does not exist"):
        prepare(_project(clips["speech"], portrait=tmp_path / "missing.jpg"))
    with pytest.raises(UserError, match="no audio"):
        prepare(Project(portrait=str(resources_dir() / "demo_portrait.jpg")))


def test_corrupt_audio_is_an_input_error_and_writes_nothing(tmp_path):
    bad = tmp_path / "voice.mp3"
    bad.write_bytes(b"\x00garbage" * 100)
    out_folder = tmp_path / "out"
    out_folder.mkdir()
    with pytest.raises(InputError):
        render_project(_project(bad), out_folder / "talk.mp4")
    assert list(out_folder.iterdir()) == []


@pytest.mark.slow
def test_transparent_portrait_keeps_alpha_in_mov(tmp_path, clips):
    from PIL import Image

    portrait = Image.open(resources_dir() / "demo_portrait.jpg").convert("RGBA")
    rgba = np.asarray(portrait).copy()
    rgba[:, :80, 3] = 0  # a transparent strip at the left edge, away from the face
    transparent = tmp_path / "cutout.png"
    Image.fromarray(rgba).save(transparent)
    out = tmp_path / "talk.mov"
    render_project(_project(clips["speech"], portrait=transparent), out)
    info = media_info(out)
    assert info.pix_fmt.startswith("yuva444p"), info.text
    assert info.frames == 51


def test_several_faces_render_the_largest_and_say_so(tmp_path, clips):
    from PIL import Image

    photo = Image.open(resources_dir() / "demo_portrait.jpg")
    pair = Image.new("RGB", (1152, 768), (200, 200, 200))
    pair.paste(photo, (0, 0))
    pair.paste(photo.resize((384, 384)), (768, 192))
    two_faces = tmp_path / "pair.jpg"
    pair.save(two_faces, quality=92)
    notes = []
    out = render_project(_project(clips["silence"], portrait=two_faces), tmp_path / "pair.gif", notice=notes.append)
    assert out.is_file()
    assert len(notes) == 1 and notes[0].startswith("2 faces found") and "largest" in notes[0]
    prepared = prepare(_project(clips["silence"], portrait=two_faces))
    assert prepared.fit.face_index == 0 and prepared.fit.face_box[0] < 768  # the big face on the left


def test_demo_project_is_complete():
    from emospeaker_studio.core.projectfile import load_project

    project = load_project(resources_dir() / "demo.esproj")
    assert Path(project.portrait).is_file() and Path(project.audio).is_file()
    assert 10.0 <= sf.info(project.audio).duration <= 14.5
    order = [k.emotion.value for k in project.emotions]
    distinct = [e for i, e in enumerate(order) if i == 0 or order[i - 1] != e]
    assert distinct == ["neutral", "happy", "surprised", "sad", "angry", "happy"]
