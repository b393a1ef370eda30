"""The .esproj file: round trips, migrations, backups, atomic save, clear errors."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emospeaker_studio.core import projectfile
from emospeaker_studio.core.easing import EASE_IN_OUT, HOLD, Easing
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.errors import InputError, OutputError
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.project import ExportFormat, OutputSettings, Project, StyleSettings
from emospeaker_studio.core.projectfile import (
    MIGRATIONS,
    SCHEMA_VERSION,
    ProjectFileError,
    backup_path,
    load_project,
    migrate,
    migrate_1_to_2,
    project_from_dict,
    project_to_dict,
    save_project,
    version_backup_path,
)

from .strategies import tracks

FIXTURES = Path(__file__).parent / "fixtures"


def sample_project(folder: Path) -> Project:
    return Project(
        portrait=str(folder / "media" / "photo.png"),
        audio=str(folder.parent / "voice.wav"),
        output=OutputSettings(height=720, width=1280, fps=30.0, format=ExportFormat.MOV),
        style=StyleSettings(head_motion=0.25, still=True, blink_rate=2.0, lipsync_strength=1.3, expressiveness=0.7, seed=99),
        emotions=EmotionTrack(
            (
                Keyframe("k1", 0.0, Emotion.NEUTRAL, 1.0, HOLD),
                Keyframe("k2", 1.5, Emotion.HAPPY, 0.8, Easing.custom(0.1, 1.4, 0.6, 1.0)),
                Keyframe("k3", 4.0, Emotion.SURPRISED, 0.6, EASE_IN_OUT),
                Keyframe("k4", 6.0, Emotion.SAD, 0.123456789),
            )
        ),
        face_index=2,
        landmark_offsets=((61, 1.5, -0.5), (291, -2.0, 0.25)),
    )


# -- round trips -----------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path) -> None:
    project = sample_project(tmp_path)
    path = tmp_path / "song.esproj"
    save_project(project, path)
    assert load_project(path) == project
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["portrait"] == "media/photo.png"  # relative, POSIX separators
    assert data["audio"] == "../voice.wav"
    assert data["emotions"]["keyframes"][1]["easing"] == {"kind": "custom", "bezier": [0.1, 1.4, 0.6, 1.0]}
    assert data["emotions"]["keyframes"][2]["easing"] == "ease-in-out"
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file left behind"


def test_moving_the_folder_keeps_the_media(tmp_path: Path) -> None:
    old = tmp_path / "old"
    (old / "media").mkdir(parents=True)
    project = Project(portrait=str(old / "media" / "photo.png"))
    save_project(project, old / "p.esproj")
    new = tmp_path / "new"
    shutil.move(str(old), str(new))
    assert load_project(new / "p.esproj").portrait == str(new / "media" / "photo.png")


def test_empty_project_round_trip(tmp_path: Path) -> None:
    save_project(Project(), tmp_path / "empty.esproj")
    assert load_project(tmp_path / "empty.esproj") == Project()


def test_paths_on_another_drive_stay_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_relpath(path: str, start: str) -> str:
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(projectfile.os.path, "relpath", no_relpath)
    project = Project(audio=str(tmp_path / "voice.wav"))
    data = project_to_dict(project, base_dir=tmp_path)
    assert data["audio"] == Path(tmp_path / "voice.wav").as_posix()
    monkeypatch.undo()
    assert project_from_dict(data, base_dir="/elsewhere").audio == str(tmp_path / "voice.wav")


def test_windows_style_relative_paths_resolve(tmp_path: Path) -> None:
    data = project_to_dict(Project())
    data["portrait"] = "media/photo.png"
    assert project_from_dict(data, base_dir=tmp_path).portrait == str(tmp_path / "media" / "photo.png")


@settings(max_examples=60)
@given(tracks(max_size=6))
def test_dict_round_trip_of_any_track(track: EmotionTrack) -> None:
    project = Project(emotions=track)
    data = project_to_dict(project)
    assert project_from_dict(json.loads(json.dumps(data))) == project


def test_dict_functions_are_pure(tmp_path: Path) -> None:
    data = project_to_dict(sample_project(tmp_path), base_dir=tmp_path)
    before = copy.deepcopy(data)
    project_from_dict(data, base_dir=tmp_path)
    assert data == before


# -- backups -------------------------------------------------------------------------


def test_previous_file_is_kept_as_bak(tmp_path: Path) -> None:
    path = tmp_path / "p.esproj"
    first = sample_project(tmp_path)
    second = first.with_(face_index=0)
    save_project(first, path)
    assert not backup_path(path).exists()
    save_project(second, path)
    assert backup_path(path) == tmp_path / "p.esproj.bak"
    assert load_project(backup_path(path)) == first
    assert load_project(path) == second
    # saving the same content again keeps the real previous version in .bak
    save_project(second, path)
    assert load_project(backup_path(path)) == first


def test_a_corrupt_file_never_replaces_a_good_bak(tmp_path: Path) -> None:
    path = tmp_path / "p.esproj"
    good = sample_project(tmp_path)
    save_project(good, path)
    save_project(good.with_(face_index=0), path)  # .bak = good
    path.write_text('{"schema_version": 2, "emotions": {"keyf', encoding="utf-8")  # truncated by a crash
    save_project(Project(), path)
    assert load_project(backup_path(path)) == good
    assert load_project(path) == Project()


def test_failed_save_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.esproj"
    save_project(sample_project(tmp_path), path)
    original = path.read_bytes()

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(projectfile.os, "replace", failing_replace)
    with pytest.raises(OutputError, match="the disk is full.*; the previous file is unchanged"):
        save_project(Project(), path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.esproj"], "no temporary file left behind"


def test_failed_final_rename_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.esproj"
    save_project(sample_project(tmp_path), path)
    original = path.read_bytes()
    real_replace = os.replace

    def replace_fails_on_target(src: str, dst: str) -> None:
        if Path(dst) == path:
            raise OSError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(projectfile.os, "replace", replace_fails_on_target)
    with pytest.raises(OutputError, match="cannot write .*permission denied.*the previous file is unchanged"):
        save_project(Project(), path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert backup_path(path).read_bytes() == original  # the backup is a copy, never a move
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.esproj", "p.esproj.bak"]


def test_failed_write_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.esproj"
    save_project(sample_project(tmp_path), path)
    original = path.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(projectfile.os, "fsync", failing_fsync)
    with pytest.raises(OutputError, match="input/output error"):
        save_project(Project(), path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.esproj"]


def test_folder_refusing_new_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What an unwritable folder does, also when the tests run as root (who may write anywhere)."""
    path = tmp_path / "p.esproj"
    save_project(sample_project(tmp_path), path)
    original = path.read_bytes()

    real_open = os.open

    def no_new_files(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_new_files)
    with pytest.raises(OutputError, match="permission denied; .*; the previous file is unchanged"):
        save_project(Project(), path)
    monkeypatch.undo()
    assert path.read_bytes() == original


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions as a normal user")
def test_unwritable_folder(tmp_path: Path) -> None:
    path = tmp_path / "p.esproj"
    save_project(sample_project(tmp_path), path)
    original = path.read_bytes()
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="could not save"):
            save_project(Project(), path)
    finally:
        tmp_path.chmod(0o700)
    assert path.read_bytes() == original


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_save_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "p.esproj"
    save_project(Project(), path)
    assert path.stat().st_mode & 0o077, "a new project file is not private (mkstemp's 0600)"
    path.chmod(0o640)
    save_project(sample_project(tmp_path), path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert backup_path(path).stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_save_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.esproj"
    save_project(Project(), real)
    link = tmp_path / "link.esproj"
    link.symlink_to(real)
    save_project(sample_project(tmp_path), link)
    assert link.is_symlink()
    assert load_project(real) == sample_project(tmp_path)


def test_huge_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projectfile, "MAX_FILE_BYTES", 100)
    path = write(tmp_path, valid_dict(tmp_path))
    with pytest.raises(ProjectFileError, match="over the 100 bytes limit"):
        load_project(path)


def test_save_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        save_project(Project(), tmp_path / "missing" / "p.esproj")
    with pytest.raises(OutputError, match="is a folder"):
        save_project(Project(), tmp_path)


# -- schema 1 and migrations -----------------------------------------------------------


def test_v1_fixture_loads_and_migrates() -> None:
    path = FIXTURES / "v1_project.esproj"
    project = load_project(path)
    assert project.portrait == str(FIXTURES / "media" / "portrait.png")
    assert project.audio == os.path.normpath(str(FIXTURES / ".." / "voices" / "hello.wav"))
    assert project.output == OutputSettings(height=720, width=None, fps=30.0, format=ExportFormat.WEBM)
    assert project.style == StyleSettings(
        head_motion=0.3, still=False, blink_rate=1.5, lipsync_strength=1.2, expressiveness=0.9, seed=1234
    )
    track = project.emotions
    assert [(k.time, k.emotion, k.intensity) for k in track] == [
        (0.0, Emotion.NEUTRAL, 1.0),
        (1.5, Emotion.HAPPY, 0.8),
        (4.0, Emotion.SURPRISED, 0.6),
        (6.25, Emotion.SAD, 1.0),
    ]
    assert all(k.easing == EASE_IN_OUT for k in track)  # v1 "smooth"
    assert len(set(track.ids)) == 4
    assert load_project(path) == project, "migrated ids are deterministic"


def test_migration_chain_is_complete_and_pure() -> None:
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))
    original = json.loads((FIXTURES / "v1_project.esproj").read_text(encoding="utf-8"))
    data = copy.deepcopy(original)
    upgraded = migrate(data)
    assert data == original
    assert upgraded["schema_version"] == SCHEMA_VERSION
    assert migrate_1_to_2(data) == upgraded
    assert migrate(upgraded) == upgraded  # the current version passes through


@pytest.mark.parametrize("interpolation, easing", [("linear", "linear"), ("step", "hold"), ("smooth", "ease-in-out")])
def test_v1_interpolations(interpolation: str, easing: str) -> None:
    data = {"schema_version": 1, "interpolation": interpolation, "keyframes": [[0, "happy", 0.5], [1, "sad", 1]]}
    project = project_from_dict(data)
    assert all(k.easing.kind.value == easing for k in project.emotions)


def test_saving_over_a_v1_file_keeps_the_original(tmp_path: Path) -> None:
    path = tmp_path / "old.esproj"
    shutil.copy(FIXTURES / "v1_project.esproj", path)
    original = path.read_bytes()
    project = load_project(path)
    save_project(project.with_(face_index=1), path)
    assert version_backup_path(path, 1).read_bytes() == original
    assert backup_path(path).read_bytes() == original
    save_project(project.with_(face_index=2), path)
    assert version_backup_path(path, 1).read_bytes() == original, "the v1 original survives later saves"
    assert load_project(path) == project.with_(face_index=2)


def test_v1_errors_name_the_v1_field() -> None:
    with pytest.raises(ProjectFileError, match=r"keyframes\[1\]: expected \[time, emotion, intensity\], got"):
        project_from_dict({"schema_version": 1, "keyframes": [[0, "happy", 1], {"t": 1}]})
    with pytest.raises(ProjectFileError, match=r"interpolation: expected one of"):
        project_from_dict({"schema_version": 1, "interpolation": "bouncy"})
    with pytest.raises(ProjectFileError, match=r"upgraded to schema 2"):
        project_from_dict({"schema_version": 1, "keyframes": [[0, "happy", "high"]]})


# -- errors ------------------------------------------------------------------------------


def write(tmp_path: Path, content: Any, name: str = "p.esproj") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def valid_dict(tmp_path: Path) -> dict[str, Any]:
    return project_to_dict(sample_project(tmp_path), base_dir=tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="does not exist"):
        load_project(tmp_path / "nope.esproj")
    with pytest.raises(ProjectFileError, match="is a folder"):
        load_project(tmp_path)


def test_truncated_file(tmp_path: Path) -> None:
    text = json.dumps(valid_dict(tmp_path))
    path = write(tmp_path, text[: len(text) // 2], "song.esproj")
    with pytest.raises(
        ProjectFileError,
        match=r"^song\.esproj: the file is truncated or not JSON; restore from song\.esproj\.bak if it exists$",
    ):
        load_project(path)


@pytest.mark.parametrize("content", [b"", b"   \n", b"\x00\x01\xff\xfe", "<html></html>", "NaN"])
def test_not_json(tmp_path: Path, content: Any) -> None:
    with pytest.raises(ProjectFileError, match="restore from p.esproj.bak"):
        load_project(write(tmp_path, content))


def test_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + json.dumps(valid_dict(tmp_path)).encode())
    assert load_project(path) == sample_project(tmp_path)


def test_too_new(tmp_path: Path) -> None:
    data = valid_dict(tmp_path)
    data["schema_version"] = 7
    with pytest.raises(
        ProjectFileError, match=r"made by a newer EmoSpeaker Studio \(schema 7 > 2\); update the app"
    ):
        load_project(write(tmp_path, data))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["emotions"]["keyframes"][2].update(intensity="high"),
         r'emotions\.keyframes\[2\]\.intensity: expected a number 0\.\.1, got "high"'),
        (lambda d: d["emotions"]["keyframes"][0].update(intensity=1.5),
         r"emotions\.keyframes\[0\]\.intensity: expected a number 0\.\.1, got 1\.5"),
        (lambda d: d["emotions"]["keyframes"][1].update(time=-2),
         r"emotions\.keyframes\[1\]\.time: expected a number 0\.\.1e\+07, got -2"),
        (lambda d: d["emotions"]["keyframes"][1].pop("time"),
         r"emotions\.keyframes\[1\]\.time: expected a number .*, got nothing \(the field is missing\)"),
        (lambda d: d["emotions"]["keyframes"][1].update(emotion="ecstatic"),
         r'emotions\.keyframes\[1\]\.emotion: expected one of neutral, happy.*, got "ecstatic"'),
        (lambda d: d["emotions"]["keyframes"][1].update(easing="wobbly"),
         r'emotions\.keyframes\[1\]\.easing: expected one of hold, linear'),
        (lambda d: d["emotions"]["keyframes"][1].update(easing={"kind": "custom", "bezier": [2, 0, 0, 1]}),
         r"emotions\.keyframes\[1\]\.easing\.bezier: easing bezier x1 must be in 0\.\.1"),
        (lambda d: d["emotions"]["keyframes"][1].update(easing={"kind": "custom"}),
         r"emotions\.keyframes\[1\]\.easing\.bezier: expected four numbers"),
        (lambda d: d["emotions"].update(keyframes={"a": 1}),
         r"emotions\.keyframes: expected a list of keyframes"),
        (lambda d: d["emotions"]["keyframes"].append(5),
         r"emotions\.keyframes\[4\]: expected a keyframe object, got 5"),
        (lambda d: d["emotions"]["keyframes"][3].update(id="k1"),
         r'emotions\.keyframes\[3\]\.id: duplicate id "k1" \(also keyframes\[0\]\)'),
        (lambda d: d["emotions"]["keyframes"][3].update(time=1.5),
         r"emotions\.keyframes\[3\]\.time: 1\.5 s is also the time of keyframes\[1\]"),
        (lambda d: d["output"].update(height="big"), r'output\.height: expected a whole number 16\.\.4320, got "big"'),
        (lambda d: d["output"].update(format="avi"), r'output\.format: expected one of mp4, webm, mov, png, gif, got "avi"'),
        (lambda d: d["output"].update(fps=True), r"output\.fps: expected a number 1\.\.120, got true"),
        (lambda d: d["style"].update(head_motion=2), r"style\.head_motion: expected a number 0\.\.1, got 2"),
        (lambda d: d["style"].update(still="no"), r'style\.still: expected true or false, got "no"'),
        (lambda d: d.update(style=[1, 2]), r"style: expected an object, got \[1, 2\]"),
        (lambda d: d.update(portrait=42), r"portrait: expected a file path or null, got 42"),
        (lambda d: d.update(face_index=-1), r"face_index: expected a whole number 0\.\.1000, got -1"),
        (lambda d: d["landmark_offsets"].append([61, 0, 0]), r"landmark_offsets\[2\]\[0\]: landmark 61 is corrected twice"),
        (lambda d: d["landmark_offsets"].append("x"), r'landmark_offsets\[2\]: expected \[index, dx, dy\], got "x"'),
        (lambda d: d.update(schema_version="2"), r'schema_version: expected a whole number, got "2"'),
        (lambda d: d.pop("schema_version"), r"schema_version: missing; this is not an EmoSpeaker Studio project"),
        (lambda d: d.update(schema_version=0), r"schema_version: unknown version 0"),
    ],
)
def test_wrong_fields_are_named(tmp_path: Path, change: Any, message: str) -> None:
    data = valid_dict(tmp_path)
    change(data)
    with pytest.raises(ProjectFileError, match=r"^p\.esproj: " + message) as info:
        load_project(write(tmp_path, data))
    assert "\n" not in str(info.value)
    assert isinstance(info.value, InputError)


def test_top_level_must_be_an_object(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="expected a JSON object at the top level, got a list"):
        load_project(write(tmp_path, [1, 2]))


def test_missing_optional_fields_take_defaults(tmp_path: Path) -> None:
    data = {"schema_version": 2, "emotions": {"keyframes": [{"time": 1, "emotion": "Fear"}]}}
    project = load_project(write(tmp_path, data))
    assert project.output == OutputSettings() and project.style == StyleSettings()
    (keyframe,) = project.emotions
    assert (keyframe.time, keyframe.emotion, keyframe.intensity) == (1.0, Emotion.FEARFUL, 1.0)
    assert keyframe.id  # hand-written keyframes get an id


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    data = valid_dict(tmp_path)
    data["future_feature"] = {"x": 1}
    data["style"]["new_knob"] = 3
    assert load_project(write(tmp_path, data)) == sample_project(tmp_path)


# -- property: no mutation of a valid file raises anything but ProjectFileError --------------


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _paths(child, prefix + (i,))
    return found


def _get(value: Any, path: tuple) -> Any:
    for key in path:
        value = value[key]
    return value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.sampled_from([10**400, -(10**400)])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=8,
)


@st.composite
def mutated_files(draw) -> bytes:
    data = project_to_dict(sample_project(Path("/base")), base_dir="/base")
    kind = draw(st.sampled_from(["delete", "replace", "truncate", "bytes", "random", "insert", "version"]))
    if kind in ("delete", "replace", "insert"):
        for _ in range(draw(st.integers(1, 3))):
            paths = [p for p in _paths(data) if p]
            if not paths:
                break
            path = draw(st.sampled_from(paths))
            parent = _get(data, path[:-1])
            if kind == "delete":
                del parent[path[-1]]
            elif kind == "replace":
                parent[path[-1]] = draw(json_values)
            elif isinstance(parent, list):
                parent.insert(path[-1], draw(json_values))
            else:
                parent[draw(st.text(max_size=6))] = draw(json_values)
        return json.dumps(data).encode()
    if kind == "version":
        data["schema_version"] = draw(st.one_of(st.integers(-3, 5), json_values))
        return json.dumps(data).encode()
    raw = json.dumps(data, indent=draw(st.sampled_from([None, 2]))).encode()
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if kind == "bytes":
        raw = bytearray(raw)
        for _ in range(draw(st.integers(1, 5))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    return draw(st.binary(max_size=200))


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(mutated_files())
def test_loader_raises_only_its_own_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "m.esproj"
    path.write_bytes(raw)
    try:
        project = load_project(path)
    except ProjectFileError as exc:
        message = str(exc)
        assert message and "\n" not in message
        assert "Traceback" not in message
    else:
        assert isinstance(project, Project)


@settings(max_examples=200)
@given(json_values)
def test_any_json_value_as_the_file(value: Any) -> None:
    try:
        project = project_from_dict(value)
    except ProjectFileError as exc:
        message = str(exc)
        assert message and "\n" not in message
    else:  # whatever loads is a project that saves and loads as itself
        assert isinstance(value, dict) and isinstance(project, Project)
        assert project_from_dict(project_to_dict(project)) == project


@pytest.mark.parametrize("field", ["time", "intensity"])
def test_huge_numbers(tmp_path: Path, field: str) -> None:
    data = valid_dict(tmp_path)
    data["emotions"]["keyframes"][0][field] = 10**400
    with pytest.raises(ProjectFileError, match=rf"keyframes\[0\]\.{field}: expected a number .*, got a huge number"):
        load_project(write(tmp_path, data))
    data = valid_dict(tmp_path)
    data["output"]["height"] = 10**400
    with pytest.raises(ProjectFileError, match=r"output\.height: expected a whole number"):
        load_project(write(tmp_path, data))
    path = write(tmp_path, '{"schema_version": 2, "face_index": ' + "9" * 5000 + "}")
    with pytest.raises(ProjectFileError, match="truncated or not JSON"):
        load_project(path)


def test_deeply_nested_json(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError):
        load_project(write(tmp_path, "[" * 100000 + "]" * 100000))


def test_framing_and_fill_are_saved_and_a_file_without_them_gets_the_defaults(tmp_path: Path) -> None:
    from emospeaker_studio.core.project import Fill, Framing

    framed = Project(output=OutputSettings(height=1920, width=1080, framing=Framing.CLOSE_UP, fill=Fill.MIRROR))
    path = tmp_path / "short.esproj"
    save_project(framed, path)
    assert load_project(path).output == framed.output
    data = project_to_dict(framed)
    del data["output"]["framing"], data["output"]["fill"]  # a file saved before these existed
    older = project_from_dict(data)
    assert (older.output.framing, older.output.fill) == (Framing.FULL, Fill.BLUR)
    data["output"]["fill"] = "glitter"
    with pytest.raises(ProjectFileError, match="output.fill: expected one of blur, mirror, solid, transparent"):
        project_from_dict(data)
