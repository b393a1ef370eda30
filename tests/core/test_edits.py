"""Edits (apply -> revert -> apply round trips, merging) and the undo stack."""

from __future__ import annotations

from typing import Callable, Optional

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
    UndoStack,
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


@pytest.mark.parametrize("name", sorted(EDITS))
def test_every_edit_works_in_the_stack(name: str) -> None:
    project = base_project()
    stack = UndoStack(project)
    after = stack.push(EDITS[name]())
    assert stack.can_undo and not stack.can_redo and not stack.is_clean
    assert stack.undo() == project and stack.is_clean
    assert stack.redo() == after


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
    stack = UndoStack(project)
    for edit in (
        MoveKeyframe("b", time=4.0),  # onto c
        AddKeyframe(Keyframe("d", 1.5, Emotion.SAD)),
        PasteKeyframes([Keyframe("x", 0.0, Emotion.SAD)], at_time=4.0),
        SetStyle("head_motion", 3.0),
        SetOutput(fps=0.0),
    ):
        with pytest.raises(UserError):
            stack.push(edit)
    assert stack.project is project and not stack.can_undo and stack.is_clean
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
    stack = UndoStack(project)
    for i in range(10):
        stack.push(MoveKeyframe("b", time=1.5 + 0.1 * i, intensity=0.8 - 0.05 * i, drag_id=42))
    stack.close_merge()
    assert len(stack) == 1 and stack.undo_text == "Move Keyframe"
    moved = stack.project.emotions.get("b")
    assert moved.time == pytest.approx(2.4) and moved.intensity == pytest.approx(0.35)
    assert stack.undo() == project
    assert stack.redo().emotions.get("b").time == pytest.approx(2.4)


def test_merge_respects_close_merge_drag_id_and_keyframe() -> None:
    stack = UndoStack(base_project())
    stack.push(MoveKeyframe("b", time=2.0, drag_id=1))
    stack.push(MoveKeyframe("b", time=2.1, drag_id=1))
    stack.close_merge()
    stack.push(MoveKeyframe("b", time=2.2, drag_id=1))  # same key, but the drag was released
    stack.push(MoveKeyframe("b", time=2.3, drag_id=2))  # another drag
    stack.push(MoveKeyframe("c", time=5.0, drag_id=2))  # another keyframe
    stack.push(MoveKeyframe("c", time=5.5))  # no drag id: never merges
    stack.push(MoveKeyframe("c", time=6.0))
    assert len(stack) == 6


def test_block_move_slides_past_its_own_members() -> None:
    project = base_project()  # a=0, b=1.5, c=4
    stack = UndoStack(project)
    # shifting a and b by 1.5 s puts a where b was: fine, because b moves too
    for step in (0.5, 1.0, 1.5):
        stack.push(MoveKeyframes({"a": (0.0 + step, None), "b": (1.5 + step, None)}, drag_id="band"))
    assert len(stack) == 1 and stack.undo_text == "Move Keyframes"
    assert stack.project.emotions.times == (1.5, 3.0, 4.0)
    with pytest.raises(UserError, match="different time"):
        stack.push(MoveKeyframes({"a": (4.0, None)}))
    with pytest.raises(KeyError):
        stack.push(MoveKeyframes({"zz": (4.5, None)}))
    assert stack.undo() == project


def test_track_replacements_of_one_drag_merge() -> None:
    project = base_project()
    stack = UndoStack(project)
    for t in (2.0, 2.5, 3.0):
        stack.push(SetEmotionTrack(project.emotions.moved("b", t), "Move Keyframes", drag_id=9))
    assert len(stack) == 1
    assert stack.project.emotions.get("b").time == 3.0
    assert stack.undo() == project


def test_merged_edit_moves_time_then_intensity() -> None:
    project = base_project()
    stack = UndoStack(project)
    stack.push(MoveKeyframe("b", time=2.0, drag_id=1))
    stack.push(MoveKeyframe("b", intensity=0.2, drag_id=1))
    assert len(stack) == 1
    b = stack.project.emotions.get("b")
    assert (b.time, b.intensity) == (2.0, 0.2)
    assert stack.undo() == project


def test_style_changes_of_one_field_merge() -> None:
    project = base_project()
    stack = UndoStack(project)
    for value in (0.1, 0.2, 0.3):
        stack.push(SetStyle("head_motion", value))
    stack.push(SetStyle("blink_rate", 2.0))
    stack.push(SetStyle("blink_rate", 3.0))
    assert stack.history() == ["Change Head Motion", "Change Blink Rate"]
    assert stack.project.style.blink_rate == 3.0
    stack.undo()
    assert stack.project.style == project.style.with_(head_motion=0.3)
    stack.undo()
    assert stack.project == project


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


def test_undo_redo_texts_and_flags() -> None:
    stack = UndoStack(base_project())
    assert (stack.can_undo, stack.can_redo, stack.undo_text, stack.redo_text) == (False, False, "", "")
    stack.push(RemoveKeyframes(["a", "b"]))
    assert stack.undo_text == "Delete Keyframes"
    stack.undo()
    assert stack.redo_text == "Delete Keyframes" and stack.can_redo
    # undo/redo with nothing to do is a no-op
    project = stack.project
    assert stack.undo() is project


def test_push_after_undo_drops_redo() -> None:
    stack = UndoStack(base_project())
    stack.push(SetAudio(None))
    stack.push(SetStyle("seed", 3))
    stack.undo()
    stack.push(SetFaceIndex(0))
    assert not stack.can_redo and stack.history() == ["Remove Audio", "Choose Face"]


def test_clean_state() -> None:
    stack = UndoStack(base_project())
    assert stack.is_clean
    stack.push(SetStyle("seed", 1))
    assert not stack.is_clean
    stack.mark_clean()
    assert stack.is_clean
    stack.push(SetStyle("seed", 2))  # same field: would merge, but saving closed the merge
    assert len(stack) == 2 and not stack.is_clean
    stack.undo()
    assert stack.is_clean and stack.project.style.seed == 1
    stack.undo()
    assert not stack.is_clean
    stack.redo()
    assert stack.is_clean
    # saved state undone and then overwritten: it can never come back
    stack.undo()
    stack.push(SetAudio(None))
    assert not stack.is_clean
    stack.undo()
    assert not stack.is_clean


def test_listeners_hear_every_change() -> None:
    stack = UndoStack(base_project())
    heard: list[tuple[Project, Optional[Edit]]] = []
    callback = stack.add_listener(lambda project, edit: heard.append((project, edit)))
    edit = SetAudio(None)
    stack.push(edit)
    stack.undo()
    stack.redo()
    assert [e for _, e in heard] == [edit, edit, edit]
    assert [p.audio for p, _ in heard] == [None, "/media/voice.wav", None]
    stack.remove_listener(callback)
    stack.undo()
    assert len(heard) == 3


def test_reset_and_limit() -> None:
    stack = UndoStack(base_project(), limit=3)
    for seed in range(1, 6):
        stack.push(SetStyle("seed", seed))
        stack.close_merge()
    assert len(stack) == 3 and not stack.is_clean
    while stack.can_undo:
        stack.undo()
    assert stack.project.style.seed == 2  # the oldest steps were dropped
    assert not stack.is_clean  # the clean state was dropped with them
    fresh = Project()
    stack.reset(fresh)
    assert stack.project is fresh and stack.is_clean and not stack.can_undo and not stack.can_redo


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


def test_pushing_the_same_edit_object_twice() -> None:
    start = base_project()
    stack = UndoStack(start)
    edit = SetStyle("seed", 5)
    stack.push(edit)
    stack.close_merge()
    stack.push(edit)
    stack.undo()
    stack.undo()
    assert stack.project == start


@settings(max_examples=100)
@given(st.lists(st.tuples(_random_edits, st.booleans()), max_size=25))
def test_random_edits_undo_to_start_and_redo_to_end(steps: list) -> None:
    start = base_project()
    stack = UndoStack(start)
    for edit, release in steps:
        try:
            stack.push(edit)
        except (UserError, KeyError):
            pass  # refused (keyframe missing or time taken): nothing changed
        if release:
            stack.close_merge()
        track = stack.project.emotions
        assert list(track.times) == sorted(track.times)
    end = stack.project
    while stack.can_undo:
        stack.undo()
    assert stack.project == start and stack.is_clean
    while stack.can_redo:
        stack.redo()
    assert stack.project == end
