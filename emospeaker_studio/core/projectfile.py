"""The ``.esproj`` project file: JSON with an integer ``schema_version``.

Older files are upgraded by ONE ordered chain of pure migration functions
(:data:`MIGRATIONS`), one step per version. Saving is atomic (temporary file
beside the target, then rename) and keeps the previous file as
``<name>.bak``; when it replaces a file of an older schema it also keeps that
original once as ``<name>.v<N>.bak``, for going back to an older app. A
corrupt file is never written over the last good ``.bak``.

Schema 2 (current)::

    {
      "schema_version": 2,
      "app": "EmoSpeaker Studio 0.1.0",
      "portrait": "photo.jpg",            # relative to the project file (POSIX /), or absolute, or null
      "audio": "voice.wav",
      "face_index": 0,
      "landmark_offsets": [[61, 1.5, -0.5]],          # [landmark index, dx px, dy px]
      "output": {"height": 512, "width": null, "fps": 25.0, "format": "mp4"},
      "style": {"head_motion": 0.5, "still": false, "blink_rate": 1.0,
                "lipsync_strength": 1.0, "expressiveness": 1.0, "seed": 0},
      "emotions": {"keyframes": [
        {"id": "3f2a...", "time": 1.5, "emotion": "happy", "intensity": 0.8,
         "easing": "ease-in-out"}                       # or {"kind": "custom", "bezier": [x1, y1, x2, y2]}
      ]}
    }

Schema 1 (EmoSpeaker Studio before keyframe ids): ``portrait_path`` /
``audio_path``; ``video: {resolution, fps, format}``; style names
``head_motion_amount, still_mode, blink_rate, lip_sync, expression_scale,
random_seed``; ``keyframes`` as ``[time, emotion, intensity]`` lists with one
track-wide ``interpolation`` ("linear", "smooth" or "step").
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any, Callable, Optional, Union

from emospeaker_studio import __version__
from emospeaker_studio.core.easing import Easing, EasingKind, parse_easing
from emospeaker_studio.core.emotions import Emotion, parse_emotion
from emospeaker_studio.core.errors import InputError, OutputError, UserError
from emospeaker_studio.core.files import (
    atomic_write_bytes,
    check_output_path,
    commit_temp,
    new_file_mode,
    open_input,
    remove_quietly,
    write_temp,
)
from emospeaker_studio.core.keyframes import MAX_TIME, TIME_EPSILON, EmotionTrack, Keyframe
from emospeaker_studio.core.numbers import is_finite_number, show_number
from emospeaker_studio.core.project import (
    FACE_INDEX_RANGE,
    FPS_RANGE,
    HEIGHT_RANGE,
    SEED_RANGE,
    STYLE_RANGES,
    WIDTH_RANGE,
    ExportFormat,
    Fill,
    Framing,
    OutputSettings,
    Project,
    StyleSettings,
)

SCHEMA_VERSION = 2
FILE_SUFFIX = ".esproj"
BACKUP_SUFFIX = ".bak"
#: Project files are small (keyframes and settings); anything bigger is the wrong file.
MAX_FILE_BYTES = 50_000_000

PathLike = Union[str, "os.PathLike[str]"]


class ProjectFileError(InputError):
    """A project file cannot be read: missing, corrupt, too new, or a field is wrong.

    ``field`` is the JSON path of the wrong field (e.g. ``emotions.keyframes[2].intensity``) or None.
    """

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field


# -- migrations --------------------------------------------------------------

_V1_ID_NAMESPACE = uuid.UUID("6a1c55e4-6f7b-4bde-9f5e-2f1b0c8e1d01")
_V1_INTERPOLATION = {"linear": "linear", "smooth": "ease-in-out", "step": "hold"}


def migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 -> 2: keyframe lists become objects with ids and per-keyframe easing; fields renamed.

    Pure: returns a new dict. Values are carried over as they are (schema 2
    validation checks them); only the shapes this step must take apart are
    checked here.
    """
    old = copy.deepcopy(data)
    new: dict[str, Any] = {"schema_version": 2}
    if "app" in old:
        new["app"] = old["app"]
    new["portrait"] = old.get("portrait_path")
    new["audio"] = old.get("audio_path")

    video = _v1_object(old, "video")
    output: dict[str, Any] = {}
    for old_name, new_name in (("resolution", "height"), ("fps", "fps"), ("format", "format")):
        if old_name in video:
            output[new_name] = video[old_name]
    new["output"] = output

    style_v1 = _v1_object(old, "style")
    style: dict[str, Any] = {}
    for old_name, new_name in (
        ("head_motion_amount", "head_motion"),
        ("still_mode", "still"),
        ("blink_rate", "blink_rate"),
        ("lip_sync", "lipsync_strength"),
        ("expression_scale", "expressiveness"),
        ("random_seed", "seed"),
    ):
        if old_name in style_v1:
            style[new_name] = style_v1[old_name]
    new["style"] = style

    interpolation = old.get("interpolation", "linear")
    if not isinstance(interpolation, str) or interpolation not in _V1_INTERPOLATION:
        raise ProjectFileError(
            f"interpolation: expected one of {', '.join(map(json.dumps, _V1_INTERPOLATION))}, "
            f"got {_show(interpolation)}",
            "interpolation",
        )
    easing = _V1_INTERPOLATION[interpolation]
    keyframes_v1 = old.get("keyframes", [])
    if not isinstance(keyframes_v1, list):
        raise ProjectFileError(
            f"keyframes: expected a list of [time, emotion, intensity], got {_show(keyframes_v1)}", "keyframes"
        )
    keyframes = []
    for i, item in enumerate(keyframes_v1):
        if not isinstance(item, list) or len(item) not in (2, 3):
            raise ProjectFileError(
                f"keyframes[{i}]: expected [time, emotion, intensity], got {_show(item)}", f"keyframes[{i}]"
            )
        keyframe = {
            "id": uuid.uuid5(_V1_ID_NAMESPACE, f"{i}").hex,
            "time": item[0],
            "emotion": item[1],
            "intensity": item[2] if len(item) == 3 else 1.0,
            "easing": easing,
        }
        keyframes.append(keyframe)
    new["emotions"] = {"keyframes": keyframes}
    return new


def _v1_object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ProjectFileError(f"{key}: expected an object, got {_show(value)}", key)
    return value


#: version N -> the function that turns a version-N dict into a version-(N+1) dict.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: migrate_1_to_2}


def schema_version_of(data: object) -> int:
    """The ``schema_version`` of a parsed project file; ProjectFileError if missing or unusable."""
    if not isinstance(data, dict):
        raise ProjectFileError(
            f"expected a JSON object at the top level, got {_json_type(data)}; this is not an EmoSpeaker Studio project"
        )
    if "schema_version" not in data:
        raise ProjectFileError("schema_version: missing; this is not an EmoSpeaker Studio project", "schema_version")
    version = data["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(
            f"schema_version: expected a whole number, got {_show(version)}", "schema_version"
        )
    if version > SCHEMA_VERSION:
        raise ProjectFileError(
            f"made by a newer EmoSpeaker Studio (schema {version} > {SCHEMA_VERSION}); update the app",
            "schema_version",
        )
    if version < min(MIGRATIONS, default=SCHEMA_VERSION):
        raise ProjectFileError(
            f"schema_version: unknown version {version}; expected 1 to {SCHEMA_VERSION}", "schema_version"
        )
    return version


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a parsed project file of any supported schema to :data:`SCHEMA_VERSION` (pure)."""
    version = schema_version_of(data)
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        if data.get("schema_version") != version:
            raise AssertionError(f"migration to schema {version} did not set schema_version")
    return data


# -- dict <-> project --------------------------------------------------------


def _easing_to_json(easing: Easing) -> Union[str, dict[str, Any]]:
    if easing.kind is EasingKind.CUSTOM:
        assert easing.bezier is not None
        return {"kind": "custom", "bezier": list(easing.bezier)}
    return easing.kind.value


def _store_path(path: Optional[str], base_dir: Optional[PathLike]) -> Optional[str]:
    """A path for the file: relative to ``base_dir`` (POSIX separators) when possible."""
    if path is None:
        return None
    if base_dir is None or not os.path.isabs(path):
        return PurePath(path).as_posix()
    try:
        relative = os.path.relpath(path, os.path.abspath(base_dir))
    except ValueError:  # another drive on Windows
        return PurePath(path).as_posix()
    return PurePath(relative).as_posix()


def _resolve_path(stored: str, base_dir: Optional[PathLike]) -> str:
    """An absolute path for memory: stored relative paths are taken from ``base_dir``."""
    if os.name != "nt" and PureWindowsPath(stored).drive:
        return stored  # a Windows path in a file opened elsewhere: keep it for the user to see
    native = stored.replace("/", os.sep)
    if os.path.isabs(native) or base_dir is None:
        return os.path.normpath(native)
    return os.path.normpath(os.path.join(os.path.abspath(base_dir), native))


def project_to_dict(project: Project, base_dir: Optional[PathLike] = None) -> dict[str, Any]:
    """The schema-2 JSON dict of ``project``; paths relative to ``base_dir`` when given (pure)."""
    output, style = project.output, project.style
    return {
        "schema_version": SCHEMA_VERSION,
        "app": f"EmoSpeaker Studio {__version__}",
        "portrait": _store_path(project.portrait, base_dir),
        "audio": _store_path(project.audio, base_dir),
        "face_index": project.face_index,
        "landmark_offsets": [list(offset) for offset in project.landmark_offsets],
        "output": {
            "height": output.height,
            "width": output.width,
            "fps": output.fps,
            "format": output.format.value,
            "framing": output.framing.value,
            "fill": output.fill.value,
        },
        "style": {
            "head_motion": style.head_motion,
            "still": style.still,
            "blink_rate": style.blink_rate,
            "lipsync_strength": style.lipsync_strength,
            "expressiveness": style.expressiveness,
            "seed": style.seed,
        },
        "emotions": {
            "keyframes": [
                {
                    "id": kf.id,
                    "time": kf.time,
                    "emotion": kf.emotion.value,
                    "intensity": kf.intensity,
                    "easing": _easing_to_json(kf.easing),
                }
                for kf in project.emotions
            ]
        },
    }


_MISSING = object()


def _show(value: object) -> str:
    """A short JSON rendering of a wrong value for an error message."""
    if isinstance(value, int) and not isinstance(value, bool):
        return show_number(value)
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = f"a {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


def _json_type(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"


class _Reader:
    """Typed access to a parsed schema-2 dict; every failure names the JSON path."""

    def fail(self, path: str, expected: str, value: object) -> ProjectFileError:
        got = "nothing (the field is missing)" if value is _MISSING else _show(value)
        return ProjectFileError(f"{path}: expected {expected}, got {got}", path)

    def obj(self, parent: dict[str, Any], key: str, path: str, required: bool = False) -> dict[str, Any]:
        value = parent.get(key, _MISSING)
        if value is _MISSING and not required:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, "an object", value)
        return value

    def number(
        self, parent: dict[str, Any], key: str, path: str, low: float, high: float, default: object = _MISSING
    ) -> float:
        value = parent.get(key, default)
        if not is_finite_number(value) or not low <= value <= high:  # type: ignore[operator]
            raise self.fail(path, f"a number {low:g}..{high:g}", value)
        return float(value)

    def integer(
        self, parent: dict[str, Any], key: str, path: str, low: int, high: int, default: object = _MISSING
    ) -> int:
        value = parent.get(key, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(path, f"a whole number {low}..{high}", value)
        return value

    def choice(self, parent: dict[str, Any], key: str, path: str, kind: type, default: Any) -> Any:
        """A named choice (an enum's value); ``default`` when the key is absent (files before it existed)."""
        value = parent.get(key, default.value)
        names = [member.value for member in kind]
        if not isinstance(value, str) or value not in names:
            raise self.fail(path, f"one of {', '.join(names)}", value)
        return kind(value)

    def boolean(self, parent: dict[str, Any], key: str, path: str, default: object = _MISSING) -> bool:
        value = parent.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(path, "true or false", value)
        return value

    def path_or_null(self, parent: dict[str, Any], key: str, path: str) -> Optional[str]:
        value = parent.get(key, None)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise self.fail(path, "a file path or null", value)
        return value


def _read_easing(value: object, path: str) -> Easing:
    reader = _Reader()
    if isinstance(value, str):
        try:
            return parse_easing(value)
        except UserError:
            pass
        names = ", ".join(k.value for k in EasingKind if k is not EasingKind.CUSTOM)
        raise reader.fail(path, f"one of {names} or {{\"kind\": \"custom\", \"bezier\": [x1, y1, x2, y2]}}", value)
    if isinstance(value, dict):
        kind = value.get("kind", _MISSING)
        kinds = [k.value for k in EasingKind]
        if not isinstance(kind, str) or kind not in kinds:
            raise reader.fail(f"{path}.kind", f"one of {', '.join(kinds)}", kind)
        if kind != EasingKind.CUSTOM.value:
            return Easing(EasingKind(kind))
        bezier = value.get("bezier", _MISSING)
        if (
            not isinstance(bezier, list)
            or len(bezier) != 4
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in bezier)
        ):
            raise reader.fail(f"{path}.bezier", "four numbers [x1, y1, x2, y2]", bezier)
        try:
            return Easing(EasingKind.CUSTOM, tuple(bezier))  # type: ignore[arg-type]
        except UserError as exc:
            raise ProjectFileError(f"{path}.bezier: {exc}", f"{path}.bezier") from None
    raise reader.fail(path, "an easing name or object", value)


def _read_keyframes(emotions: dict[str, Any]) -> EmotionTrack:
    reader = _Reader()
    items = emotions.get("keyframes", [])
    if not isinstance(items, list):
        raise reader.fail("emotions.keyframes", "a list of keyframes", items)
    keyframes: list[Keyframe] = []
    ids: dict[str, int] = {}
    emotion_names = ", ".join(e.value for e in Emotion)
    for i, item in enumerate(items):
        path = f"emotions.keyframes[{i}]"
        if not isinstance(item, dict):
            raise reader.fail(path, "a keyframe object", item)
        keyframe_id = item.get("id", _MISSING)
        if keyframe_id is _MISSING:  # a hand-written keyframe: a deterministic id of its own
            keyframe_id = uuid.uuid5(_V1_ID_NAMESPACE, f"unnamed-{i}").hex
        if not isinstance(keyframe_id, str) or not keyframe_id.strip():
            raise reader.fail(f"{path}.id", "a non-empty string", keyframe_id)
        if keyframe_id in ids:
            raise ProjectFileError(
                f"{path}.id: duplicate id {_show(keyframe_id)} (also keyframes[{ids[keyframe_id]}]); "
                "give each keyframe its own id",
                f"{path}.id",
            )
        ids[keyframe_id] = i
        time = reader.number(item, "time", f"{path}.time", 0.0, MAX_TIME)
        emotion_text = item.get("emotion", _MISSING)
        if not isinstance(emotion_text, str):
            raise reader.fail(f"{path}.emotion", f"one of {emotion_names}", emotion_text)
        try:
            emotion = parse_emotion(emotion_text)
        except UserError:
            raise reader.fail(f"{path}.emotion", f"one of {emotion_names}", emotion_text) from None
        intensity = reader.number(item, "intensity", f"{path}.intensity", 0.0, 1.0, default=1.0)
        easing = _read_easing(item.get("easing", "linear"), f"{path}.easing")
        keyframes.append(Keyframe(keyframe_id, time, emotion, intensity, easing))
    order = sorted(range(len(keyframes)), key=lambda k: keyframes[k].time)
    for a, b in zip(order, order[1:]):
        if keyframes[b].time - keyframes[a].time < TIME_EPSILON:
            first, second = sorted((a, b))
            raise ProjectFileError(
                f"emotions.keyframes[{second}].time: {keyframes[second].time:g} s is also the time of "
                f"keyframes[{first}]; two keyframes cannot share a time, change one of them",
                f"emotions.keyframes[{second}].time",
            )
    return EmotionTrack(tuple(keyframes))


def _read_landmark_offsets(data: dict[str, Any]) -> tuple[tuple[int, float, float], ...]:
    reader = _Reader()
    items = data.get("landmark_offsets", [])
    if not isinstance(items, list):
        raise reader.fail("landmark_offsets", "a list of [index, dx, dy]", items)
    result = []
    seen = set()
    for i, item in enumerate(items):
        path = f"landmark_offsets[{i}]"
        if not isinstance(item, list) or len(item) != 3:
            raise reader.fail(path, "[index, dx, dy]", item)
        as_dict = {"index": item[0], "dx": item[1], "dy": item[2]}
        index = reader.integer(as_dict, "index", f"{path}[0]", 0, 100_000)
        if index in seen:
            raise ProjectFileError(f"{path}[0]: landmark {index} is corrected twice; keep one entry", f"{path}[0]")
        seen.add(index)
        dx = reader.number(as_dict, "dx", f"{path}[1]", -1e5, 1e5)
        dy = reader.number(as_dict, "dy", f"{path}[2]", -1e5, 1e5)
        result.append((index, dx, dy))
    return tuple(result)


def project_from_dict(data: object, base_dir: Optional[PathLike] = None) -> Project:
    """The project in a parsed project file of any supported schema (pure).

    Relative paths are resolved against ``base_dir`` (the project file's
    folder). Missing optional fields take their defaults. Raises
    :class:`ProjectFileError` naming the JSON path of a wrong field.
    """
    original_version = schema_version_of(data)
    assert isinstance(data, dict)
    try:
        return _project_from_current(migrate(data), base_dir)
    except ProjectFileError as exc:
        if original_version == SCHEMA_VERSION:
            raise
        raise ProjectFileError(
            f"{exc.message} (in this schema-{original_version} file upgraded to schema {SCHEMA_VERSION})", exc.field
        ) from None


def _project_from_current(data: dict[str, Any], base_dir: Optional[PathLike]) -> Project:
    reader = _Reader()
    portrait = reader.path_or_null(data, "portrait", "portrait")
    audio = reader.path_or_null(data, "audio", "audio")
    output_data = reader.obj(data, "output", "output")
    width_value = output_data.get("width")
    format_value = output_data.get("format", "mp4")
    formats = [f.value for f in ExportFormat]
    if not isinstance(format_value, str) or format_value.lower() not in formats:
        raise reader.fail("output.format", f"one of {', '.join(formats)}", format_value)
    output = OutputSettings(
        height=reader.integer(output_data, "height", "output.height", *HEIGHT_RANGE, default=512),
        width=None if width_value is None else reader.integer(output_data, "width", "output.width", *WIDTH_RANGE),
        fps=reader.number(output_data, "fps", "output.fps", *FPS_RANGE, default=25.0),
        format=ExportFormat(format_value.lower()),
        framing=reader.choice(output_data, "framing", "output.framing", Framing, Framing.FULL),
        fill=reader.choice(output_data, "fill", "output.fill", Fill, Fill.BLUR),
    )
    style_data = reader.obj(data, "style", "style")
    defaults = StyleSettings()
    style = StyleSettings(
        still=reader.boolean(style_data, "still", "style.still", default=defaults.still),
        seed=reader.integer(style_data, "seed", "style.seed", *SEED_RANGE, default=defaults.seed),
        **{
            name: reader.number(style_data, name, f"style.{name}", low, high, default=getattr(defaults, name))
            for name, (low, high) in STYLE_RANGES.items()
        },
    )
    emotions = _read_keyframes(reader.obj(data, "emotions", "emotions"))
    try:
        return Project(
            portrait=None if portrait is None else _resolve_path(portrait, base_dir),
            audio=None if audio is None else _resolve_path(audio, base_dir),
            output=output,
            style=style,
            emotions=emotions,
            face_index=reader.integer(data, "face_index", "face_index", *FACE_INDEX_RANGE, default=0),
            landmark_offsets=_read_landmark_offsets(data),
        )
    except UserError as exc:  # a rule the field checks above do not know about
        raise ProjectFileError(str(exc)) from None


# -- files -------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def parse_project_bytes(raw: bytes, name: str = "the project file") -> object:
    """Parse the bytes of a project file into JSON; ProjectFileError if it is not JSON."""
    if not raw.strip():
        raise ProjectFileError(
            f"{name} is empty (a save was interrupted?); restore from {name}{BACKUP_SUFFIX} if it exists"
        )
    try:
        return json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProjectFileError(
            f"{name}: the file is truncated or not JSON; restore from {name}{BACKUP_SUFFIX} if it exists"
        ) from None


def load_project(path: PathLike) -> Project:
    """Read a ``.esproj`` file (any supported schema); paths come back absolute.

    Raises :class:`ProjectFileError` with a one-line message for a missing,
    unreadable, corrupt, too-new or wrongly edited file.
    """
    path = Path(path)
    name = path.name or str(path)
    try:
        raw = open_input(path, "project file", max_bytes=MAX_FILE_BYTES)
    except InputError as exc:
        raise ProjectFileError(str(exc)) from None
    data = parse_project_bytes(raw, name)
    try:
        return project_from_dict(data, base_dir=path.absolute().parent)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{name}: {exc.message}", exc.field) from None


def _good_schema_version(raw: bytes) -> Optional[int]:
    """The schema version of a file that parses as a project file, else None (a corrupt file)."""
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        return None
    return version


def backup_path(path: PathLike) -> Path:
    """Where :func:`save_project` keeps the previous version of ``path``: ``<path>.bak``."""
    path = Path(path)
    return path.with_name(path.name + BACKUP_SUFFIX)


def version_backup_path(path: PathLike, version: int) -> Path:
    """Where the original of an older-schema file is kept: ``<path>.v<N>.bak``."""
    path = Path(path)
    return path.with_name(f"{path.name}.v{version}{BACKUP_SUFFIX}")


def save_project(project: Project, path: PathLike) -> None:
    """Write ``project`` to ``path`` atomically.

    Paths are stored relative to the file's folder (POSIX separators) when
    possible. A previous good file at ``path`` is kept as ``<path>.bak`` (and,
    if it had an older schema, once more as ``<path>.v<N>.bak``). If anything
    fails, the file at ``path`` is left as it was and OutputError is raised.
    """
    path = check_output_path(path, what="project file",
                             inputs={"portrait": project.portrait, "audio file": project.audio})
    folder = path.parent
    text = json.dumps(project_to_dict(project, base_dir=folder), indent=2, ensure_ascii=False) + "\n"
    new_bytes = text.encode("utf-8")
    try:
        mode = path.stat().st_mode & 0o7777  # a saved project keeps its permissions, and so do its backups
    except OSError:
        mode = new_file_mode()
    tmp = None
    try:
        tmp = write_temp(path, new_bytes, mode)
        if path.exists():
            old_bytes = open_input(path, "project file", max_bytes=MAX_FILE_BYTES)
            version = _good_schema_version(old_bytes)
            if version is not None:  # never overwrite a good .bak with a corrupt file
                if version < SCHEMA_VERSION:
                    original = version_backup_path(path, version)
                    if not original.exists():
                        atomic_write_bytes(original, old_bytes, mode=mode)
                if old_bytes != new_bytes:
                    atomic_write_bytes(backup_path(path), old_bytes, mode=mode)
        commit_temp(tmp, path)
    except UserError as exc:
        if tmp is not None:
            remove_quietly(tmp)
        raise OutputError(f"{exc}; the previous file is unchanged") from None
    except BaseException:
        if tmp is not None:
            remove_quietly(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the OS allows it (POSIX)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
