"""Property-based fuzzing of the two texts a user writes by hand: the project file and the emotion spec.

Whatever the text, the answer is a valid object or one UserError line: never
another exception (a traceback on the command line), never a crash.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from emospeaker_studio.core.emotion_spec import parse_emotion_spec
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack
from emospeaker_studio.core.project import Project
from emospeaker_studio.core.projectfile import ProjectFileError, load_project, parse_project_bytes, project_from_dict

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)

VALID = {
    "schema_version": 2,
    "portrait": "face.jpg",
    "audio": "voice.wav",
    "face_index": 0,
    "landmark_offsets": [[61, 1.5, -0.5]],
    "output": {"height": 512, "width": None, "fps": 25.0, "format": "mp4"},
    "style": {"head_motion": 0.5, "still": False, "blink_rate": 1.0, "lipsync_strength": 1.0, "expressiveness": 1.0, "seed": 0},
    "emotions": {"keyframes": [{"id": "a", "time": 1.5, "emotion": "happy", "intensity": 0.8, "easing": "ease-in-out"}]},
}
# Every place a value sits in a valid file, as a path of keys and indexes.
FIELD_PATHS = [("schema_version",), ("portrait",), ("audio",), ("face_index",), ("landmark_offsets",),
               ("landmark_offsets", 0), ("landmark_offsets", 0, 0), ("output",), ("output", "height"),
               ("output", "width"), ("output", "fps"), ("output", "format"), ("style",), ("style", "head_motion"),
               ("style", "still"), ("style", "seed"), ("emotions",), ("emotions", "keyframes"),
               ("emotions", "keyframes", 0), ("emotions", "keyframes", 0, "id"), ("emotions", "keyframes", 0, "time"),
               ("emotions", "keyframes", 0, "emotion"), ("emotions", "keyframes", 0, "intensity"),
               ("emotions", "keyframes", 0, "easing")]


def _with_value(data: dict, path: tuple, value: object) -> dict:
    copy = json.loads(json.dumps(data))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def _loads_or_refuses(load) -> None:
    try:
        result = load()
    except ProjectFileError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert isinstance(result, Project)


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(FIELD_PATHS), value=json_values)
def test_any_value_in_any_field_loads_or_names_the_field(path, value) -> None:
    _loads_or_refuses(lambda: project_from_dict(_with_value(VALID, path, value), base_dir="/projects"))


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.sampled_from(list(VALID) + ["extra"]), json_values, max_size=8))
def test_any_object_with_the_right_keys_loads_or_is_refused(data) -> None:
    _loads_or_refuses(lambda: project_from_dict({"schema_version": 2, **data}, base_dir="/projects"))


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=600) | st.text(max_size=300).map(str.encode))
def test_any_bytes_parse_or_are_refused(raw) -> None:
    try:
        parse_project_bytes(raw, "p.esproj")
    except ProjectFileError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(0, 2000), flip=st.integers(0, 2000), byte=st.integers(0, 255))
def test_truncated_or_damaged_files_on_disk_load_or_are_refused(tmp_path_factory, cut, flip, byte) -> None:
    raw = bytearray(json.dumps(VALID, indent=2).encode())
    if flip < len(raw):
        raw[flip] = byte
    path = Path(tmp_path_factory.mktemp("fuzz")) / "p.esproj"
    path.write_bytes(bytes(raw[:cut]))
    _loads_or_refuses(lambda: load_project(path))


spec_items = st.builds(
    lambda time, emotion, intensity, easing: f"{time}={emotion}{intensity}{easing}",
    st.sampled_from(["0", "1.5", "-1", "1e400", "nan", "2s", "", "x"]),
    st.sampled_from(["happy", "sad", "surprise", "grumpy", "", "HAPPY", "anger"]),
    st.sampled_from(["", ":0.5", ":2", ":80%", ":nan", ":", ":-0"]),
    st.sampled_from(["", "/hold", "/ease-in", "/cubic-bezier(0.1, 0.2, 0.3, 0.4)", "/cubic-bezier(", "/bogus", "/"]),
)


@settings(max_examples=300, deadline=None)
@given(spec=st.lists(spec_items, max_size=5).map(", ".join) | st.text(max_size=60))
def test_any_emotion_spec_parses_or_is_one_line(spec) -> None:
    try:
        track = parse_emotion_spec(spec)
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert isinstance(track, EmotionTrack) and len(track) >= 1
