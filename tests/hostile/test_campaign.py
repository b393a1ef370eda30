"""The hostile-input campaign: bad and unlucky input against every command.

Each case runs the command line in a folder of good and hostile files
(workspace.py) and checks the whole contract: exit 2, one ``error:`` line
(with the words that say what is wrong), no traceback, every file in the
folder unchanged and nothing left behind, no hang. Every case is refused
before heavy work, so the campaign takes about a minute.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile.workspace import build_sources, populate, run_hostile

LONG = "a" * 300
RENDER = ["render", "--portrait", "face.jpg", "--audio", "voice.wav", "-q"]


def render(*extra: str, out: str = "out.mp4") -> list[str]:
    return [*RENDER, "-o", out, *extra]


def case(case_id: str, argv: list[str], *fragments: str, needs: str = "") -> pytest.param:
    return pytest.param(argv, fragments, needs, id=case_id)


# -- 1. outputs never touch inputs ----------------------------------------------------------
OUTPUT_IS_INPUT = [
    case("render-o-is-audio", ["render", "--portrait", "face.jpg", "--audio", "voice.mp4", "-o", "voice.mp4"], "voice.mp4", "audio file"),
    case("render-o-is-audio-via-dotdot", ["render", "--portrait", "face.jpg", "--audio", "voice.mp4", "-o", "./sub/../voice.mp4"], "audio file"),
    case("render-o-is-audio-absolute", ["render", "--portrait", "face.jpg", "--audio", "voice.mp4", "-o", "{ws}/voice.mp4"], "audio file"),
    case("render-o-is-audio-hard-link", ["render", "--portrait", "face.jpg", "--audio", "voice.mp4", "-o", "hardlink_voice.mp4"], "audio file"),
    case("render-o-is-audio-symlink", ["render", "--portrait", "face.jpg", "--audio", "voice.mp4", "-o", "link_to_voice.mp4"], "audio file"),
    case("render-audio-via-symlink-o-target", ["render", "--portrait", "face.jpg", "--audio", "link_to_voice.mp4", "-o", "voice.mp4"], "audio file"),
    case("render-project-o-is-audio", ["render", "--project", "mp4.esproj", "-o", "voice.mp4"], "audio file"),
    case("coefficients-is-audio", render("--coefficients-out", "voice.wav"), "voice.wav", "audio file"),
    case("coefficients-is-audio-symlink", render("--coefficients-out", "link_to_voice.wav"), "audio file"),
    case("coefficients-is-audio-hard-link", render("--coefficients-out", "hardlink_voice.wav"), "audio file"),
    case("coefficients-is-audio-dotdot", render("--coefficients-out", "sub/../voice.wav"), "audio file"),
    case("coefficients-is-portrait", render("--coefficients-out", "face.jpg"), "portrait"),
    case("coefficients-is-portrait-symlink", render("--coefficients-out", "link_to_face.jpg"), "portrait"),
    case("coefficients-is-project", ["render", "--project", "good.esproj", "-o", "out.mp4", "--coefficients-out", "good.esproj"], "project file"),
    case("project-o-is-project", ["render", "--project", "good.esproj", "--format", "mp4", "-o", "good.esproj"]),
    case("coefficients-is-the-video", render("--coefficients-out", "out.mp4"), "out.mp4"),
    case("png-folder-holds-audio", ["render", "--portrait", "face.jpg", "--audio", "seq/audio.wav", "-o", "seq/"], "seq", "audio file"),
    case("png-folder-holds-audio-by-suffix", ["render", "--portrait", "face.jpg", "--audio", "seq/audio.wav", "-o", "seq.png"], "audio file"),
    case("png-folder-holds-audio-hard-link", render(out="frames_with_voice/"), "frames_with_voice", "audio file"),
    case("analyze-o-is-input", ["analyze", "voice.wav", "-o", "voice.wav"], "voice.wav", "audio file"),
    case("analyze-o-is-input-dotdot", ["analyze", "voice.wav", "-o", "./sub/../voice.wav"], "audio file"),
    case("analyze-o-is-input-symlink", ["analyze", "voice.wav", "-o", "link_to_voice.wav"], "audio file"),
    case("analyze-o-is-input-hard-link", ["analyze", "voice.wav", "-o", "hardlink_voice.wav"], "audio file"),
    case("analyze-input-symlink-o-target", ["analyze", "link_to_voice.wav", "-o", "voice.wav"], "audio file"),
    case("analyze-mp4-o-hard-link", ["analyze", "voice.mp4", "-o", "hardlink_voice.mp4"], "audio file"),
    case("fit-o-is-input", ["fit", "face.jpg", "-o", "face.jpg"], "face.jpg", "image"),
    case("fit-o-is-input-symlink", ["fit", "face.jpg", "-o", "link_to_face.jpg"], "image"),
    case("fit-input-symlink-o-target", ["fit", "link_to_face.jpg", "-o", "face.jpg"], "image"),
    case("fit-o-is-input-dotdot", ["fit", "face.jpg", "-o", "sub/../face.jpg"], "image"),
]

# -- 2. only regular files are replaced; outputs need a folder that takes them -------------
OUTPUT_KINDS = []
for command, base, suffix in (
    ("render", lambda out: render(out=out), ".mp4"),
    ("coefficients", lambda out: render("--coefficients-out", out), ".json"),
    ("analyze", lambda out: ["analyze", "voice.wav", "-o", out], ".json"),
    ("fit", lambda out: ["fit", "face.jpg", "-o", out], ".json"),
):
    OUTPUT_KINDS += [
        case(f"{command}-o-fifo", base("fifo.mp4"), "FIFO"),
        case(f"{command}-o-socket", base("socket.mp4"), "socket"),
        case(f"{command}-o-device-node", base("null.mp4"), "device", needs="null.mp4"),
        case(f"{command}-o-folder", base("dir" + suffix), "folder"),
        case(f"{command}-o-missing-folder", base("missing/out" + suffix), "does not exist"),
        case(f"{command}-o-under-a-file", base("voice.wav/out" + suffix), "does not exist"),
        case(f"{command}-o-name-too-long", base(LONG + suffix), "bytes", "shorter"),
        case(f"{command}-o-name-too-long-in-sub", base("sub/" + LONG + suffix), "shorter"),
    ]
OUTPUT_KINDS += [
    case("render-o-empty", render(out=""), "output"),
    case("coefficients-out-empty", render("--coefficients-out="), "coefficients output"),
    case("render-png-into-folder-with-other-files", render(out="notes/"), "holds other files"),
    case("render-png-onto-a-file", render(out="plainfile/"), "not a folder"),
    case("render-o-unknown-suffix", render(out="out.avi"), ".avi"),
    case("render-o-no-suffix", render(out="out"), "cannot tell the output format"),
]

# -- 3. inputs are what they claim ------------------------------------------------------------
SPECIAL = [("missing", "gone.jpg", "does not exist"), ("folder", "folder.jpg", "folder"), ("fifo", "fifo.jpg", "FIFO"),
           ("dev-zero", "/dev/zero", "device"), ("dev-null", "/dev/null", "device"), ("socket", "socket.mp4", "socket"),
           ("dangling-symlink", "dangling.wav", "does not exist")]
INPUT_KINDS = []
for kind, path, words in SPECIAL:
    INPUT_KINDS += [
        case(f"render-portrait-{kind}", ["render", "--portrait", path, "--audio", "voice.wav", "-o", "out.mp4"], "portrait", words),
        case(f"fit-image-{kind}", ["fit", path, "-o", "fit.json"], "image", words),
        case(f"render-audio-{kind}", ["render", "--portrait", "face.jpg", "--audio", path, "-o", "out.mp4"], "audio", words),
        case(f"analyze-audio-{kind}", ["analyze", path, "-o", "speech.json"], "audio", words),
        case(f"render-project-{kind}", ["render", "--project", path, "-o", "out.mp4"], "project", words),
    ]
for name, words in (("fifo_portrait", "FIFO"), ("zero_portrait", "device"), ("folder_portrait", "folder"),
                    ("missing_portrait", "does not exist"), ("fifo_audio", "FIFO"), ("zero_audio", "device"),
                    ("folder_audio", "folder"), ("missing_audio", "does not exist")):
    INPUT_KINDS.append(case(f"project-with-{name}", ["render", "--project", f"{name}.esproj", "-o", "out.mp4"], words))

BAD_IMAGES = [("empty", "empty.jpg", "empty"), ("text", "text.jpg", "cannot decode"), ("garbage", "garbage.jpg", "cannot decode"),
              ("png-60000-squared", "bomb.png", "60000x60000", "100 megapixels"), ("png-2-million-wide", "bomb_wide.png", "megapixels"),
              ("png-zero-size", "zero_size.png", "0x0"), ("gif-bomb", "bomb.gif", "megapixels"), ("bmp-bomb", "bomb.bmp", "megapixels"),
              ("jpeg-bomb", "bomb.jpg", "megapixels"), ("webp-bomb", "bomb.webp", "megapixels"), ("truncated-png", "truncated.png", "portrait"),
              ("300-MB-file", "sparse_huge.jpg", "200 MB"), ("audio-as-image", "voice.wav", "cannot decode"), ("no-face", "noface.png", "face")]
for kind, path, *words in BAD_IMAGES:
    INPUT_KINDS += [
        case(f"render-portrait-{kind}", ["render", "--portrait", path, "--audio", "voice.wav", "-o", "out.mp4"], *words),
        case(f"fit-image-{kind}", ["fit", path, "-o", "fit.json"], *words),
    ]
BAD_AUDIO = [("empty", "empty.wav"), ("text", "text.wav"), ("garbage", "garbage.wav"), ("nan-samples", "nan.wav", "NaN"),
             ("inf-samples", "inf.wav", "infinity"), ("header-only", "header_only.wav", "no audio samples"),
             ("video-without-audio", "silent_video.mp4", "no audio stream"), ("image-as-audio", "face.jpg")]
for kind, path, *words in BAD_AUDIO:
    INPUT_KINDS += [
        case(f"render-audio-{kind}", ["render", "--portrait", "face.jpg", "--audio", path, "-o", "out.mp4"], path, *words),
        case(f"analyze-audio-{kind}", ["analyze", path, "-o", "speech.json"], path, *words),
    ]

# -- 4. numeric options are bounded, the range in the message ------------------------------------
NUMBERS = []
for value in ("0", "-1", "1e6", "1e300", "1e-9", "nan", "inf", "-inf", "abc", "121"):
    NUMBERS.append(case(f"render-fps-{value}", render(f"--fps={value}"), "--fps", "1 to 120"))
    NUMBERS.append(case(f"analyze-fps-{value}", ["analyze", "voice.wav", "-o", "speech.json", f"--fps={value}"], "--fps", "1 to 120"))
for value in ("0", "-5", "100000", "abc", "1e3", "100000x10", "10x10", "", "512x", "x512"):
    NUMBERS.append(case(f"render-size-{value or 'empty'}", render(f"--size={value}"), "size"))
for option, values, allowed in (
    ("--head-motion", ("-0.1", "1.5", "nan", "abc"), "0 to 1"),
    ("--blink-rate", ("-1", "5", "inf"), "0 to 4"),
    ("--lipsync", ("2", "nan", "-0.01"), "0 to 1.5"),
    ("--expressiveness", ("-1", "1e9"), "0 to 1.5"),
    ("--seed", ("-1", str(2**32), "1.5", "abc"), "0 to 4294967295"),
    ("--face-index", ("-1", "1001", "x"), "0 to 1000"),
):
    for value in values:
        NUMBERS.append(case(f"render{option}-{value}", render(f"{option}={value}"), option, allowed))
for value in ("2", "-1", "nan"):
    NUMBERS.append(case(f"analyze-strength-{value}", ["analyze", "voice.wav", "-o", "speech.json", f"--strength={value}"], "--strength", "0 to 1.5"))

# -- 5. emotion specs ----------------------------------------------------------------------------------
EMOTION_SPECS = ["", " ", ",", ";;", "1=grumpy", "x=happy", "-1=happy", "1=happy:2", "1=happy:nan", "inf=happy",
                 "1e400=happy", "1=happy/bogus", "1=happy, 1=sad", "=happy", "1=", "happy", "1=happy:-0.5",
                 "1=happy:150%", "1=happy/cubic-bezier(2,0,1,1)", "1=happy/cubic-bezier(", "0=neutral,,2=angry:x"]
EMOTIONS = [case(f"emotion-{i}-{spec.strip() or 'blank'}", render(f"--emotion={spec}"), "emotion") for i, spec in enumerate(EMOTION_SPECS)]

# -- 6. project files ------------------------------------------------------------------------------------
PROJECT_TEXTS = {
    "empty": "",
    "whitespace": "  \n",
    "open-brace": "{",
    "list": "[]",
    "null": "null",
    "string": '"text"',
    "no-schema": '{"portrait": "face.jpg"}',
    "schema-99": '{"schema_version": 99}',
    "schema-text": '{"schema_version": "2"}',
    "schema-0": '{"schema_version": 0}',
    "fps-1e9": '{"schema_version": 2, "output": {"fps": 1e9}}',
    "height-negative": '{"schema_version": 2, "output": {"height": -1}}',
    "width-zero": '{"schema_version": 2, "output": {"width": 0}}',
    "format-avi": '{"schema_version": 2, "output": {"format": "avi"}}',
    "portrait-number": '{"schema_version": 2, "portrait": 5}',
    "portrait-nul": '{"schema_version": 2, "portrait": "a\\u0000b"}',
    "keyframes-text": '{"schema_version": 2, "emotions": {"keyframes": "x"}}',
    "keyframe-time-negative": '{"schema_version": 2, "emotions": {"keyframes": [{"time": -1, "emotion": "happy"}]}}',
    "keyframe-intensity-2": '{"schema_version": 2, "emotions": {"keyframes": [{"time": 1, "emotion": "happy", "intensity": 2}]}}',
    "keyframe-emotion-bogus": '{"schema_version": 2, "emotions": {"keyframes": [{"time": 1, "emotion": "grumpy"}]}}',
    "nan-literal": '{"schema_version": 2, "output": {"fps": NaN}}',
    "huge-int": '{"schema_version": 2, "face_index": 1' + "0" * 400 + "}",
    "huge-float": '{"schema_version": 2, "style": {"head_motion": 1e400}}',
    "deep-nesting": "[" * 100_000 + "]" * 100_000,
    "duplicate-ids": '{"schema_version": 2, "emotions": {"keyframes": [{"id": "a", "time": 1, "emotion": "happy"}, {"id": "a", "time": 2, "emotion": "sad"}]}}',
    "face-index-5000": '{"schema_version": 2, "face_index": 5000}',
    "landmark-offsets-bad": '{"schema_version": 2, "landmark_offsets": [[1, 2]]}',
    "v1-bad-interpolation": '{"schema_version": 1, "interpolation": "cubic"}',
}
PROJECTS = [case(f"project-{name}", ["render", "--project", f"{name}.esproj", "-o", "out.mp4"], f"{name}.esproj")
            for name in PROJECT_TEXTS]
PROJECTS += [
    case("project-binary", ["render", "--project", "garbage.jpg", "-o", "out.mp4"], "not JSON"),
    case("project-60-MB", ["render", "--project", "sparse_huge.esproj", "-o", "out.mp4"], "limit"),
    case("project-no-portrait", ["render", "--project", "no-schema-portrait.esproj", "-o", "out.mp4"]),
]

# -- 7. usage mistakes ------------------------------------------------------------------------------------
USAGE = [
    case("unknown-command", ["rendr", "-o", "x"], "rendr"),
    case("unknown-option", render("--bogus"), "--bogus"),
    case("render-without-o", RENDER, "-o"),
    case("analyze-without-o", ["analyze", "voice.wav"], "-o"),
    case("fit-without-image", ["fit", "-o", "fit.json"], "IMAGE"),
    case("format-contradicts-suffix", render("--format", "webm"), "--format webm"),
    case("device-unknown", render("--device", "quantum"), "quantum"),
    case("recognizer-unknown", ["analyze", "voice.wav", "-o", "speech.json", "--recognizer", "bogus"], "bogus"),
    case("bench-split-of-other-kind", ["bench", "--speech", "--split", "tune"], "--split tune"),
    case("render-without-audio", ["render", "--portrait", "face.jpg", "-o", "out.mp4"], "--audio"),
    case("render-without-portrait", ["render", "--audio", "voice.wav", "-o", "out.mp4"], "--portrait"),
    case("render-nul-in-path", ["render", "--portrait", "fa\x00ce.jpg", "--audio", "voice.wav", "-o", "out.mp4"], "NUL"),
]

# -- 8. batch manifests that cannot be read as a whole (a row's problems are tests/test_batch.py's) ---------
BATCH = [
    case("batch-manifest-missing", ["batch", "gone.csv"], "gone.csv", "does not exist"),
    case("batch-manifest-fifo", ["batch", "fifo.jpg"], "FIFO"),
    case("batch-manifest-not-csv", ["batch", "face.jpg"], "neither .csv nor .jsonl"),
    case("batch-manifest-binary-csv", ["batch", "garbage.csv"], "not UTF-8"),
    case("batch-folder-without-projects", ["batch", "seq"], "no .esproj"),
    case("batch-output-dir-for-a-file", ["batch", "jobs.csv", "--output-dir", "seq"], "--output-dir"),
    case("batch-jobs-zero", ["batch", "jobs.csv", "--jobs", "0"], "--jobs"),
    case("batch-unknown-column", ["batch", "colour.csv"], "unknown column(s) colour"),
]

ALL_CASES = OUTPUT_IS_INPUT + OUTPUT_KINDS + INPUT_KINDS + NUMBERS + EMOTIONS + PROJECTS + USAGE + BATCH


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    return build_sources(tmp_path_factory.mktemp("hostile-sources"))


@pytest.fixture
def workspace(tmp_path: Path, sources: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    populate(ws, sources)
    for name, text in PROJECT_TEXTS.items():
        (ws / f"{name}.esproj").write_text(text)
    (ws / "no-schema-portrait.esproj").write_text('{"schema_version": 2, "audio": "voice.wav"}')
    (ws / "garbage.csv").write_bytes(b"\xff\xfe\x00\x81binary")
    (ws / "jobs.csv").write_text("portrait,audio,output\nface.jpg,voice.wav,out.mp4\n")
    (ws / "colour.csv").write_text("portrait,audio,output,colour\nface.jpg,voice.wav,out.mp4,red\n")
    return ws


def test_the_campaign_is_large_enough() -> None:
    assert len(ALL_CASES) >= 150


@pytest.mark.parametrize(("argv", "fragments", "needs"), ALL_CASES)
def test_hostile_input_keeps_the_contract(capsys, workspace: Path, argv: list[str], fragments: tuple[str, ...], needs: str) -> None:
    if needs and not os.path.lexists(workspace / needs):
        pytest.skip(f"{needs} cannot be made here (device nodes need root)")
    run_hostile(capsys, workspace, argv, fragments)
