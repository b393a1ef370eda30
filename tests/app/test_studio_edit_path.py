"""What happens between an emotion edit and the frame shown: the preview's request leaves
before the panels redraw, and the emotion lane redraws only the curves that changed, drawn
with the same blend rule as the core's ``emotion_at``."""

from __future__ import annotations

import numpy as np
import pytest

from emospeaker_studio.core.easing import PRESETS
from emospeaker_studio.core.edits import (
    AddKeyframe,
    MoveKeyframes,
    RemoveKeyframes,
    SetEmotionTrack,
    SetKeyframeEasing,
    SetKeyframeEmotion,
    SetKeyframeIntensity,
)
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe, emotion_at


def _track() -> EmotionTrack:
    """Every easing preset, transitions between different emotions and within one emotion."""
    emotions = [Emotion.HAPPY, Emotion.SAD, Emotion.SAD, Emotion.ANGRY, Emotion.SURPRISED, Emotion.HAPPY,
                Emotion.FEARFUL, Emotion.FEARFUL, Emotion.DISGUSTED, Emotion.NEUTRAL, Emotion.HAPPY]
    easings = list(PRESETS.values())
    return EmotionTrack(tuple(
        Keyframe.new(0.1 + 0.27 * i, emotion, round(0.15 + 0.8 * ((i * 5) % 11) / 10, 3), easings[i % len(easings)])
        for i, emotion in enumerate(emotions)
    ))


def _assert_curves_follow_emotion_at(editor, track: EmotionTrack) -> None:
    times, total = editor.total_item.getData()
    expected = {e: np.zeros(len(times)) for e in Emotion}
    for i, t in enumerate(times):
        for component in emotion_at(track, float(t)).components:
            expected[component.emotion][i] += component.amount
    np.testing.assert_allclose(total, sum(expected.values()), rtol=0, atol=1e-12)
    present = {kf.emotion for kf in track}
    for emotion, item in editor.area_items.items():
        assert item.isVisible() == (emotion in present)
        if emotion in present:
            x, y = item.getData()
            np.testing.assert_array_equal(x, times)
            np.testing.assert_allclose(y, expected[emotion], rtol=0, atol=1e-12, err_msg=emotion.value)


def test_lane_curves_follow_the_core_emotion_at(window):
    track = _track()
    window.document.push(SetEmotionTrack(track))
    _assert_curves_follow_emotion_at(window.timeline.editor, track)


def test_lane_curves_stay_right_through_edits_that_resample_only_part_of_them(window):
    """The lane samples again only between the neighbours of what an edit changed."""
    window.document.push(SetEmotionTrack(_track()))
    editor = window.timeline.editor
    kfs = window.document.project.emotions.keyframes
    edits = [
        SetKeyframeIntensity(kfs[3].id, 0.05),
        MoveKeyframes({kfs[5].id: (kfs[5].time + 0.1, 0.9)}),
        SetKeyframeEmotion(kfs[0].id, Emotion.CONTEMPTUOUS),
        SetKeyframeEasing(kfs[7].id, PRESETS["hold"]),
        RemoveKeyframes((kfs[9].id,)),
        AddKeyframe(Keyframe.new(3.5, Emotion.SURPRISED, 0.7)),
        RemoveKeyframes((kfs[10].id,)),  # the last one: the samples after it follow the one before
    ]
    for edit in edits:
        window.document.push(edit)
        _assert_curves_follow_emotion_at(editor, window.document.project.emotions)
    for _ in edits:
        window.document.undo_stack.undo()
        _assert_curves_follow_emotion_at(editor, window.document.project.emotions)


def test_an_intensity_edit_redraws_only_that_emotions_area_and_the_total(window):
    track = _track()
    window.document.push(SetEmotionTrack(track))
    editor = window.timeline.editor
    redrawn = []
    for emotion, item in editor.area_items.items():
        item.sigPlotChanged.connect(lambda _item, e=emotion: redrawn.append(e))
    editor.total_item.sigPlotChanged.connect(lambda _item: redrawn.append("total"))
    angry = next(kf for kf in track if kf.emotion is Emotion.ANGRY)
    window.document.push(SetKeyframeIntensity(angry.id, 0.05))
    assert sorted(redrawn, key=str) == sorted([Emotion.ANGRY, "total"], key=str)


def test_the_preview_request_leaves_before_the_panels_redraw(window, monkeypatch):
    window.document.push(SetEmotionTrack(_track()))
    order = []
    submit = window.worker.submit
    monkeypatch.setattr(window.worker, "submit", lambda request: (order.append("preview request"), submit(request)))
    refresh_curves = window.timeline.editor.refresh_curves
    monkeypatch.setattr(window.timeline.editor, "refresh_curves", lambda: (order.append("lane"), refresh_curves()))
    refresh_inspector = window.inspector.refresh
    monkeypatch.setattr(window.inspector, "refresh", lambda: (order.append("inspector"), refresh_inspector()))
    kf = window.document.project.emotions[2]
    window.document.push(SetKeyframeIntensity(kf.id, 0.5))
    assert order and order[0] == "preview request", order
    assert {"lane", "inspector"} <= set(order)
