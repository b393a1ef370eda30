"""What a new user hit in the Studio, each in a real window: a new project, the same voice
again, deselecting, holds, keyframes past the voice, and the small things around them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from emospeaker_studio.core.edits import AddKeyframe
from emospeaker_studio.core.keyframes import Keyframe


@pytest.fixture
def loaded(make_window, fake_backend, media, qtbot):
    """A window with the portrait and the 3 s voice imported and the first frame shown."""
    window = make_window(fake_backend)
    portrait, audio = media
    window.import_portrait(str(portrait))
    window.import_audio(str(audio))
    qtbot.waitUntil(lambda: window.preview.has_frame and bool(window.timeline.speech_item.segments), timeout=5000)
    return window


def test_a_new_project_forgets_the_old_voice_and_the_same_voice_comes_back_whole(loaded, media, qtbot):
    window = loaded
    _portrait, audio = media
    window.new_project()
    timeline = window.timeline
    assert timeline.speech_item.segments == []  # the old visemes went with the old project
    assert timeline.waveform_item.boundingRect().width() < 0.01
    assert window.preview_controller.frame_count == 0
    assert timeline.duration == pytest.approx(1.0)
    assert window.clock._duration == pytest.approx(window._duration())

    window.import_audio(str(audio))  # the same file again
    qtbot.waitUntil(lambda: timeline.duration > 2.9, timeout=5000)
    assert timeline.waveform_item.boundingRect().width() == pytest.approx(3.0, abs=0.05)
    window.document.push(AddKeyframe(Keyframe.new(0.4, "happy", 0.7)))
    happy = [area for emotion, area in timeline.editor.area_items.items() if emotion.value == "happy"][0]
    assert happy.getData()[0].max() >= 2.95  # the emotion fill runs to the end of the voice
    timeline.emotion_view.setXRange(0.0, 0.5, padding=0)
    window.actions_["fit_timeline"].trigger()
    start, end = timeline.visible_range()
    assert start <= 0.0 and end >= 2.95
    assert window.clock._duration == pytest.approx(3.0, abs=0.05)  # playback stops at the end of the voice
