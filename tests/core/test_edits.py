"""Edits: apply -> revert -> apply round trips, and merging the edits of one gesture."""

from __future__ import annotations

from typing import Callable, Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emospeaker_studio.core.easing import EASE_IN, HOLD, LINEAR
from emospeaker_studio.core.edits import (
    AddKeyframe,
    Edit,
    MacroEdit,
    MoveKeyframe,
    MoveKeyframes,
    PasteKeyframes,
    RemoveKeyframes,
    SetAudio,
    SetEmotionTrack,
    SetFaceIndex,
    SetKeyframeEasing,
    SetKeyframeEmotion,
    SetKeyframeIntensity,
    SetLandmarkOffsets,
    SetOutput,
    SetPortrait,
    SetStyle,
)
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.errors import UserError
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.project import ExportFormat, Project


def base_project() -> Project:
    return Project(
        portrait="/media/photo.png",
        audio="/media/voice.wav",
        emotions=EmotionTrack(
            (
                Keyframe("a", 0.0, Emotion.NEUTRAL, 1.0),
                Keyframe("b", 1.5, Emotion.HAPPY, 0.8, EASE_IN),
                Keyframe("c", 4.0, Emotion.SURPRISED, 1.0),
            )
        ),
        face_index=1,
        landmark_offsets=((10, 1.0, -1.0),),
    )


EDITS: dict[str, Callable[[], Edit]] = {
    "add": lambda: AddKeyframe(Keyframe("new", 2.0, Emotion.SAD, 0.5)),
    "remove one": lambda: RemoveKeyframes(["b"]),
    "remove several": lambda: RemoveKeyframes(["a", "c"]),
    "move time": lambda: MoveKeyframe("b", time=3.0),
    "move intensity": lambda: MoveKeyframe("b", intensity=0.1),
    "move both past a neighbour": lambda: MoveKeyframe("a", time=5.0, intensity=0.3),
    "move several": lambda: MoveKeyframes({"a": (1.5, None), "b": (5.0, 0.5), "c": (None, 0.2)}),
    "emotion": lambda: SetKeyframeEmotion("c", Emotion.ANGRY),
    "easing": lambda: SetKeyframeEasing("a", HOLD),
    "intensity": lambda: SetKeyframeIntensity("b", 0.25),
    "style": lambda: SetStyle("head_motion", 0.9),
    "style still": lambda: SetStyle("still", True),
    "output": lambda: SetOutput(height=720, width=1280),
    "output format": lambda: SetOutput(format=ExportFormat.GIF, fps=12.0),
    "portrait": lambda: SetPortrait("/media/other.jpg"),
    "no portrait": lambda: SetPortrait(None),
    "audio": lambda: SetAudio("/media/other.mp3"),
    "face": lambda: SetFaceIndex(0),
    "landmarks": lambda: SetLandmarkOffsets([(3, 2.0, 2.0)]),
    "paste": lambda: PasteKeyframes([Keyframe("x", 0.0, Emotion.FEARFUL, 0.7), Keyframe("y", 0.5, Emotion.SAD)], at_time=6.0),
    "paste in place": lambda: PasteKeyframes([Keyframe("x", 2.5, Emotion.FEARFUL, 0.7)]),
    "track": lambda: SetEmotionTrack(EmotionTrack((Keyframe("z", 1.0, Emotion.DISGUSTED),))),
    "macro": lambda: MacroEdit(
        [MoveKeyframe("b", time=2.0), SetKeyframeEmotion("b", Emotion.SAD), RemoveKeyframes(["c"]), SetStyle("seed", 7)],
        "Several Things",
    ),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_apply_revert_apply_round_trip(name: str) -> None:
    project = base_project()
    edit = EDITS[name]()
    applied = edit.apply(project)
    assert applied != project, "the edit should change something"
    reverted = edit.revert(applied)
    assert reverted == project
    assert edit.apply(reverted) == applied
    assert edit.revert(edit.apply(reverted)) == project
    assert edit.description and edit.description != "Edit" or name == "macro"


def gesture(project: Project, edits: Iterable[Edit]) -> tuple[Edit, Project]:
    """Apply ``edits`` in turn and merge them into one, as the Studio does with the edits of
    one drag (app/document.py: EditCommand.mergeWith); returns the merged edit and the project."""
    merged = None
    for edit in edits:
        project = edit.apply(project)
        merged = edit if merged is None else merged.merge(edit)
    assert merged is not None
    return merged, project


def test_specific_effects() -> None:
    project = base_project()
    assert MoveKeyframe("a", time=5.0).apply(project).emotions.ids == ("b", "c", "a")
    assert SetPortrait("/x.png").apply(project).landmark_offsets == ()
    assert SetPortrait("/x.png").apply(project).face_index == 0
    assert SetStyle("head_motion", 0.9).apply(project).style.head_motion == 0.9
    pasted = PasteKeyframes([project.emotions.get("b"), project.emotions.get("c")], at_time=10.0)
    result = pasted.apply(project)
    assert [result.emotions.get(i).time for i in pasted.keyframe_ids] == [10.0, 12.5]
    assert not set(pasted.keyframe_ids) & set(project.emotions.ids)


def test_refused_edits_raise_user_error_and_change_nothing() -> None:
    project = base_project()
    for edit in (
        MoveKeyframe("b", time=4.0),  # onto c
        AddKeyframe(Keyframe("d", 1.5, Emotion.SAD)),
        PasteKeyframes([Keyframe("x", 0.0, Emotion.SAD)], at_time=4.0),
        SetStyle("head_motion", 3.0),
        SetOutput(fps=0.0),
    ):
        with pytest.raises(UserError):
            edit.apply(project)
        with pytest.raises(RuntimeError):  # a refused edit was never applied
            edit.revert(project)
    assert project == base_project()
    with pytest.raises(UserError, match="unknown style setting"):
        SetStyle("volume", 1)
    with pytest.raises(UserError, match="unknown output setting"):
        SetOutput(codec="h264")
    with pytest.raises(UserError, match="from 0 to 1"):
        MoveKeyframe("b", intensity=2.0)
    with pytest.raises(UserError, match=">= 0"):
        MoveKeyframe("b", time=-1.0)
    with pytest.raises(UserError, match="nothing to paste"):
        PasteKeyframes([])


def test_revert_before_apply_is_a_bug() -> None:
    with pytest.raises(RuntimeError):
        SetAudio(None).revert(base_project())


def test_drag_is_one_undo_step() -> None:
    project = base_project()
    edits = [MoveKeyframe("b", time=1.5 + 0.1 * i, intensity=0.8 - 0.05 * i, drag_id=42) for i in range(10)]
    assert len({edit.merge_key for edit in edits}) == 1
    merged, dragged = gesture(project, edits)
    assert merged.description == "Move Keyframe"
    moved = dragged.emotions.get("b")
    assert moved.time == pytest.approx(2.4) and moved.intensity == pytest.approx(0.35)
    assert merged.revert(dragged) == project
    assert merged.apply(project) == dragged


def test_merge_keys_follow_the_drag_and_the_keyframe() -> None:
    key = MoveKeyframe("b", time=2.0, drag_id=1).merge_key
    assert key is not None and MoveKeyframe("b", time=2.1, drag_id=1).merge_key == key
    assert MoveKeyframe("b", time=2.3, drag_id=2).merge_key != key  # another drag
    assert MoveKeyframe("c", time=5.0, drag_id=1).merge_key != key  # another keyframe
    assert MoveKeyframe("c", time=5.5).merge_key is None  # no drag id: never merges
    with pytest.raises(ValueError):
        MoveKeyframe("b", time=2.0, drag_id=1).merge(MoveKeyframe("b", time=2.3, drag_id=2))


def test_block_move_slides_past_its_own_members() -> None:
    project = base_project()  # a=0, b=1.5, c=4
    # shifting a and b by 1.5 s puts a where b was: fine, because b moves too
    merged, moved = gesture(
        project, [MoveKeyframes({"a": (0.0 + step, None), "b": (1.5 + step, None)}, drag_id="band") for step in (0.5, 1.0, 1.5)]
    )
    assert merged.description == "Move Keyframes"
    assert moved.emotions.times == (1.5, 3.0, 4.0)
    with pytest.raises(UserError, match="different time"):
        MoveKeyframes({"a": (4.0, None)}).apply(moved)
    with pytest.raises(KeyError):
        MoveKeyframes({"zz": (4.5, None)}).apply(moved)
    assert merged.revert(moved) == project


def test_track_replacements_of_one_drag_merge() -> None:
    project = base_project()
    merged, dragged = gesture(
        project, [SetEmotionTrack(project.emotions.moved("b", t), "Move Keyframes", drag_id=9) for t in (2.0, 2.5, 3.0)]
    )
    assert dragged.emotions.get("b").time == 3.0
    assert merged.revert(dragged) == project


def test_merged_edit_moves_time_then_intensity() -> None:
    project = base_project()
    merged, dragged = gesture(project, [MoveKeyframe("b", time=2.0, drag_id=1), MoveKeyframe("b", intensity=0.2, drag_id=1)])
    b = dragged.emotions.get("b")
    assert (b.time, b.intensity) == (2.0, 0.2)
    assert merged.revert(dragged) == project
    assert merged.apply(project) == dragged


def test_style_changes_of_one_field_merge() -> None:
    project = base_project()
    merged, changed = gesture(project, [SetStyle("head_motion", value) for value in (0.1, 0.2, 0.3)])
    assert merged.description == "Change Head Motion"
    assert SetStyle("blink_rate", 2.0).merge_key not in (None, merged.merge_key)
    assert changed.style == project.style.with_(head_motion=0.3)
    assert merged.revert(changed) == project


def test_merge_of_unrelated_edits_is_refused() -> None:
    a, b = SetStyle("seed", 1), SetStyle("head_motion", 0.1)
    with pytest.raises(ValueError):
        a.merge(b)
    with pytest.raises(ValueError):
        AddKeyframe(Keyframe("q", 9.0, Emotion.SAD)).merge(a)


def test_standalone_merge_like_a_qundocommand() -> None:
    """The GUI applies each edit itself and asks the older one to merge the newer."""
    project = base_project()
    first = SetKeyframeIntensity("b", 0.5, drag_id="slider")
    second = SetKeyframeIntensity("b", 0.6, drag_id="slider")
    p1 = first.apply(project)
    p2 = second.apply(p1)
    assert first.merge_key == second.merge_key is not None
    merged = first.merge(second)
    assert merged.revert(p2) == project
    assert merged.apply(project) == p2


# -- property: random edit sequences undo back to the start ------------------------

_ids = st.sampled_from(["a", "b", "c", "x"])
_random_edits = st.one_of(
    st.builds(lambda i, t: MoveKeyframe(i, time=t, drag_id=i), _ids, st.floats(0.0, 8.0)),
    st.builds(lambda i, v: SetKeyframeIntensity(i, v, drag_id=1), _ids, st.floats(0.0, 1.0)),
    st.builds(lambda i, e: SetKeyframeEmotion(i, e), _ids, st.sampled_from(list(Emotion))),
    st.builds(lambda i: SetKeyframeEasing(i, HOLD), _ids),
    st.builds(lambda i: RemoveKeyframes([i]), _ids),
    st.builds(lambda d: MoveKeyframes({"a": (d, None), "b": (1.5 + d, 0.5)}, drag_id="ab"), st.floats(0.0, 3.0)),
    st.builds(lambda t: AddKeyframe(Keyframe.new(t, Emotion.SAD, 0.5, LINEAR)), st.floats(0.0, 8.0)),
    st.builds(lambda v: SetStyle("head_motion", v), st.floats(0.0, 1.0)),
    st.builds(lambda h: SetOutput(height=h), st.integers(16, 2000)),
    st.builds(lambda: SetAudio(None)),
)


@settings(max_examples=100)
@given(st.lists(st.tuples(_random_edits, st.booleans()), max_size=25))
def test_random_edits_revert_to_start_and_apply_to_end(steps: list) -> None:
    """Random edits, merged while a drag lasts (``release`` ends it), as undo steps: reverted
    in reverse order they give the start again, applied again in order the end."""
    start = base_project()
    project = start
    undo_steps: list[Edit] = []
    merging = False
    for edit, release in steps:
        try:
            project = edit.apply(project)
        except (UserError, KeyError):
            merging = merging and not release
            continue  # refused (keyframe missing or time taken): nothing changed
        top = undo_steps[-1] if undo_steps else None
        if merging and top is not None and edit.merge_key is not None and top.merge_key == edit.merge_key:
            undo_steps[-1] = top.merge(edit)
        else:
            undo_steps.append(edit)
        merging = not release
        track = project.emotions
        assert list(track.times) == sorted(track.times)
    end = project
    for step in reversed(undo_steps):
        project = step.revert(project)
    assert project == start
    for step in undo_steps:
        project = step.apply(project)
    assert project == end
