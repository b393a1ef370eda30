"""The command line's contract: help, exit codes, and one clear line for every user mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from emospeaker_studio import cli


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_error_line(err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def placeholder_inputs(folder: Path) -> tuple[Path, Path]:
    """A portrait and a voice file that exist (their content is never read: the
    command line refuses the arguments first)."""
    image, audio = folder / "face.png", folder / "voice.wav"
    image.write_bytes(b"x")
    audio.write_bytes(b"x")
    return image, audio


def test_help_lists_every_subcommand() -> None:
    done = subprocess.run([sys.executable, "-m", "emospeaker_studio", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("render", "demo", "analyze", "fit", "bench"):
        assert command in done.stdout


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_each_subcommand_has_help(capsys, command: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_unknown_option_is_one_line_exit_2(capsys) -> None:
    code, _, err = run_cli(capsys, "render", "-o", "x.mp4", "--bogus")
    assert code == 2
    assert_one_error_line(err, "--bogus", "--help")


def test_missing_portrait_says_which_file(capsys, tmp_path: Path) -> None:
    audio = tmp_path / "voice.wav"
    audio.write_bytes(b"RIFF")
    code, _, err = run_cli(capsys, "render", "--portrait", str(tmp_path / "nope.jpg"), "--audio", str(audio), "-o", str(tmp_path / "o.mp4"))
    assert code == 2
    assert_one_error_line(err, "nope.jpg", "does not exist")


def test_render_without_inputs_names_the_option(capsys, tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "render", "-o", str(tmp_path / "o.mp4"))
    assert code == 2
    assert_one_error_line(err, "--portrait")


def test_bad_emotion_spec_is_exit_2(capsys, tmp_path: Path) -> None:
    image, audio = placeholder_inputs(tmp_path)
    code, _, err = run_cli(
        capsys, "render", "--portrait", str(image), "--audio", str(audio), "--emotion", "1=grumpy", "-o", str(tmp_path / "o.mp4")
    )
    assert code == 2
    assert_one_error_line(err, "grumpy")


def test_bad_size_is_exit_2(capsys, tmp_path: Path) -> None:
    image, audio = placeholder_inputs(tmp_path)
    code, _, err = run_cli(capsys, "render", "--portrait", str(image), "--audio", str(audio), "--size", "huge", "-o", str(tmp_path / "o.mp4"))
    assert code == 2
    assert_one_error_line(err, "huge")


def test_analyze_into_missing_folder_is_exit_2(capsys, tmp_path: Path) -> None:
    audio = tmp_path / "voice.wav"
    audio.write_bytes(b"x")
    code, _, err = run_cli(capsys, "analyze", str(audio), "-o", str(tmp_path / "missing" / "speech.json"))
    assert code == 2
    assert_one_error_line(err, "does not exist")


def test_ctrl_c_exits_130_without_traceback(capsys, monkeypatch) -> None:
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_fit", interrupted)
    code, _, err = run_cli(capsys, "fit", "x.png", "-o", "fit.json")
    assert code == 130
    assert "Traceback" not in err


def test_gui_file_argument_must_exist(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    code, _, err = run_cli(capsys, str(tmp_path / "missing.esproj"))
    assert code == 2
    assert_one_error_line(err, "missing.esproj")


def test_two_words_that_are_not_a_command(capsys) -> None:
    code, _, err = run_cli(capsys, "rendr", "-o")
    assert code == 2
    assert_one_error_line(err, "rendr", "render")


def test_format_that_contradicts_the_suffix_is_refused(capsys, tmp_path: Path) -> None:
    image, audio = placeholder_inputs(tmp_path)
    code, _, err = run_cli(capsys, "render", "--portrait", str(image), "--audio", str(audio), "--format", "webm", "-o", str(tmp_path / "o.mp4"))
    assert code == 2
    assert_one_error_line(err, "--format webm", "o.mp4")
    assert not list(tmp_path.glob("o*"))


@pytest.fixture(scope="module")
def short_voice(tmp_path_factory) -> Path:
    """The first 1.6 s of the bundled demo voice, as WAV."""
    import imageio_ffmpeg

    from emospeaker_studio.paths import resources_dir

    out = tmp_path_factory.mktemp("voice") / "short.wav"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(resources_dir() / "demo_voice.flac"), "-t", "1.6", str(out)],
        check=True,
        timeout=60,
    )
    return out


def test_render_writes_video_and_the_coefficients_it_animated(capsys, tmp_path: Path, short_voice: Path) -> None:
    import json

    import imageio_ffmpeg

    from emospeaker_studio.engine.controls import CONTROL_NAMES
    from emospeaker_studio.paths import resources_dir

    video = tmp_path / "talk.mp4"
    coefficients = tmp_path / "coefficients.json"
    code, out, err = run_cli(
        capsys,
        "render", "--portrait", str(resources_dir() / "demo_portrait.jpg"), "--audio", str(short_voice),
        "--emotion", "0=neutral, 0.8=sad:0.9", "--size", "128", "--fps", "20", "--still",
        "--coefficients-out", str(coefficients), "-o", str(video), "-q",
    )
    assert code == 0, err
    assert "wrote" in out
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(video))
    assert frames == 32  # ceil(1.6 s x 20 fps)
    data = json.loads(coefficients.read_text())
    assert data["fps"] == 20 and data["names"] == list(CONTROL_NAMES) and len(data["frames"]) == 32
    frown = CONTROL_NAMES.index("AU15")  # the demo photo smiles as broadly as the rig does: sad shows, happy would not
    assert data["frames"][-1][frown] > data["frames"][0][frown]
    head = [CONTROL_NAMES.index(n) for n in ("head_pitch", "head_yaw", "head_roll")]
    assert all(row[i] == 0 for row in data["frames"] for i in head)  # --still
    assert [p.name for p in tmp_path.iterdir()] and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a CUDA GPU")
def test_analyze_on_cuda_without_a_gpu_is_exit_2(capsys, tmp_path: Path) -> None:
    audio = tmp_path / "voice.wav"
    audio.write_bytes(b"x")
    code, _, err = run_cli(capsys, "analyze", str(audio), "--device", "cuda", "-o", str(tmp_path / "speech.json"))
    assert code == 2
    assert_one_error_line(err, "CUDA")
    assert not (tmp_path / "speech.json").exists()


@pytest.mark.parametrize(("kind", "split", "allowed"), [("--emotions", "test", "held-out"), ("--speech", "tune", "dev")])
def test_bench_refuses_a_split_of_the_other_benchmark(capsys, kind, split, allowed):
    code, out, err = run_cli(capsys, "bench", kind, "--split", split)
    assert code == 2 and out == ""
    assert_one_error_line(err, f"--split {split}", allowed)


def test_bench_emotions_outside_a_source_checkout_says_where_it_runs(capsys, monkeypatch):
    from emospeaker_studio import paths

    monkeypatch.setattr(paths, "source_checkout", lambda: None)
    code, out, err = run_cli(capsys, "bench", "--emotions")
    assert code == 2 and out == ""
    assert_one_error_line(err, "source checkout", "clone the repository")


def test_an_output_named_like_one_png_says_it_is_a_folder_of_frames(capsys, tmp_path: Path, monkeypatch) -> None:
    code, err, seen = _rendered_output(capsys, monkeypatch, tmp_path, out="x.png")
    assert code == 0
    assert seen[0].format.name == "PNG"
    assert f"note: x.png is a PNG sequence: its frames and audio.wav went into the folder {tmp_path / 'x'}" in err


def _rendered_output(capsys, monkeypatch, tmp_path: Path, *options: str, out: str = "o.mp4"):
    """The output settings the render command hands the engine (the engine's part is tested elsewhere)."""
    from emospeaker_studio.engine import pipeline

    image, audio = placeholder_inputs(tmp_path)
    seen = []
    monkeypatch.setattr(pipeline, "render_project", lambda project, out_path, **kwargs: seen.append(project.output) or out_path)
    code, _out, err = run_cli(capsys, "render", "--portrait", str(image), "--audio", str(audio), *options, "-o", str(tmp_path / out))
    return code, err, seen


@pytest.mark.parametrize("options, size", [(("--aspect", "9:16", "--size", "1920"), (1080, 1920)),
                                           (("--aspect", "16:9", "--size", "1080p"), (1920, 1080)),
                                           (("--aspect", "1:1"), (512, 512)),
                                           (("--size", "1080x1350"), (1080, 1350))])
def test_aspect_and_size_choose_the_frame(capsys, monkeypatch, tmp_path: Path, options, size) -> None:
    code, err, seen = _rendered_output(capsys, monkeypatch, tmp_path, *options)
    assert code == 0, err
    assert (seen[0].width, seen[0].height) == size


@pytest.mark.parametrize("options, fragment", [(("--aspect", "wide"), "invalid aspect 'wide'"),
                                               (("--aspect", "16:9", "--size", "1280x720"), "both set the width"),
                                               (("--aspect", "32:1", "--size", "2160"), "must be from 16 to 7680")])
def test_bad_framing_is_one_line_exit_2(capsys, monkeypatch, tmp_path: Path, options, fragment) -> None:
    code, err, seen = _rendered_output(capsys, monkeypatch, tmp_path, *options)
    assert code == 2 and not seen
    assert_one_error_line(err, fragment)


def test_framing_and_fill_reach_the_engine(capsys, monkeypatch, tmp_path: Path) -> None:
    code, err, seen = _rendered_output(capsys, monkeypatch, tmp_path, "--aspect", "9:16", "--framing", "close-up",
                                       "--fill", "mirror")
    assert code == 0, err
    assert (seen[0].framing.value, seen[0].fill.value) == ("close-up", "mirror")


@pytest.mark.parametrize("options, fragment", [(("--aspect", "1:1", "--framing", "tight"), "--framing must be one of full"),
                                               (("--aspect", "1:1", "--fill", "pink"), "--fill must be one of blur"),
                                               (("--framing", "close-up"), "add --aspect 9:16")])
def test_bad_framing_or_fill_is_one_line_exit_2(capsys, monkeypatch, tmp_path: Path, options, fragment) -> None:
    code, err, seen = _rendered_output(capsys, monkeypatch, tmp_path, *options)
    assert code == 2 and not seen
    assert_one_error_line(err, fragment)
