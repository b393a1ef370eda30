"""The document controller: edits through QUndoStack, drags as one step, dirty state, files."""

from __future__ import annotations

import pytest

from emospeaker_studio.app.document import DocumentController
from emospeaker_studio.core.edits import AddKeyframe, MoveKeyframe, RemoveKeyframes, SetStyle
from emospeaker_studio.core.keyframes import Keyframe
from emospeaker_studio.core.project import Project


@pytest.fixture
def doc(qapp):
    return DocumentController(Project())


def _add(doc, t, emotion="happy", intensity=0.5):
    kf = Keyframe.new(t, emotion, intensity)
    assert doc.push(AddKeyframe(kf))
    return kf


def test_undo_redo_sequence_restores_every_state(doc):
    states = [doc.project]
    a = _add(doc, 1.0)
    states.append(doc.project)
    _add(doc, 2.0, "sad")
    states.append(doc.project)
    doc.push(MoveKeyframe(a.id, time=0.5))
    states.append(doc.project)
    doc.push(RemoveKeyframes([a.id]))
    states.append(doc.project)
    for expected in reversed(states[:-1]):
        doc.undo_stack.undo()
        assert doc.project == expected
    for expected in states[1:]:
        doc.undo_stack.redo()
        assert doc.project == expected


def test_edits_of_one_gesture_are_one_undo_step(doc):
    kf = _add(doc, 1.0)
    doc.begin_gesture()
    for step in range(1, 20):
        doc.push(MoveKeyframe(kf.id, time=1.0 + step * 0.04, intensity=0.5 + step * 0.01, drag_id="drag"))
    doc.end_gesture()
    assert doc.project.emotions.get(kf.id).time == pytest.approx(1.76)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    moved_back = doc.project.emotions.get(kf.id)
    assert (moved_back.time, moved_back.intensity) == (1.0, 0.5)


def test_separate_slider_changes_outside_a_gesture_stay_separate(doc):
    doc.push(SetStyle("head_motion", 0.2))
    doc.push(SetStyle("head_motion", 0.3))
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.project.style.head_motion == 0.2


def test_refused_edit_reports_and_changes_nothing(doc, qtbot):
    kf = _add(doc, 1.0)
    before = doc.project
    with qtbot.waitSignal(doc.editFailed) as blocker:
        assert not doc.push(AddKeyframe(Keyframe.new(1.0, "sad")))
    assert "already" in blocker.args[0]
    assert doc.project is before and doc.undo_stack.count() == 1 and kf.id in doc.project.emotions


def test_dirty_follows_save_and_undo(doc, tmp_path, qtbot):
    assert not doc.is_dirty
    with qtbot.waitSignal(doc.dirtyChanged):
        _add(doc, 1.0)
    assert doc.is_dirty
    path = doc.save(str(tmp_path / "take"))
    assert path.endswith("take.esproj") and not doc.is_dirty
    doc.undo_stack.undo()
    assert doc.is_dirty
    doc.undo_stack.redo()
    assert not doc.is_dirty
    reopened = DocumentController()
    reopened.open(path)
    assert reopened.project.emotions == doc.project.emotions
