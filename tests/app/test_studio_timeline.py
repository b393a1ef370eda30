"""Keyframes edited on the timeline with the mouse and keys, checked in the document."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from emospeaker_studio.core.edits import AddKeyframe
from emospeaker_studio.core.emotions import Emotion
from emospeaker_studio.core.keyframes import Keyframe


@pytest.fixture
def window(window):
    """conftest's window, started clean as after opening a file, its whole voice in view."""
    window.document.reset(window.document.project)
    window.timeline.fit_all()
    return window


def _viewport(window):
    return window.timeline.emotion_plot.viewport()


def _send(widget, kind, pos: QPoint, button=Qt.LeftButton, buttons=Qt.LeftButton, modifiers=Qt.NoModifier):
    local = QPointF(pos)
    event = QMouseEvent(kind, local, widget.mapToGlobal(local), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(window, start: QPoint, end: QPoint, modifiers=Qt.NoModifier, steps: int = 8):
    vp = _viewport(window)
    _send(vp, QMouseEvent.MouseButtonPress, start, modifiers=modifiers)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        _send(vp, QMouseEvent.MouseMove, p, button=Qt.NoButton, modifiers=modifiers)
    _send(vp, QMouseEvent.MouseButtonRelease, end, buttons=Qt.NoButton, modifiers=modifiers)


def click(window, pos: QPoint, modifiers=Qt.NoModifier):
    vp = _viewport(window)
    _send(vp, QMouseEvent.MouseButtonPress, pos, modifiers=modifiers)
    _send(vp, QMouseEvent.MouseButtonRelease, pos, buttons=Qt.NoButton, modifiers=modifiers)


def double_click(window, pos: QPoint):
    vp = _viewport(window)
    click(window, pos)
    _send(vp, QMouseEvent.MouseButtonDblClick, pos)
    _send(vp, QMouseEvent.MouseButtonRelease, pos, buttons=Qt.NoButton)


def point(window, t, intensity):
    return window.timeline.emotion_point(t, intensity)


def keyframes(window):
    return list(window.document.project.emotions)


def test_double_click_adds_a_keyframe_with_the_inspector_emotion(window):
    window.inspector.emotion_buttons[Emotion.SAD].click()
    double_click(window, point(window, 1.0, 0.7))
    (kf,) = keyframes(window)
    assert kf.emotion is Emotion.SAD
    assert kf.time == pytest.approx(1.0, abs=0.041)  # on a frame near the cursor
    assert round(kf.time * 25, 6) == int(round(kf.time * 25))
    assert kf.intensity == pytest.approx(0.7, abs=0.02)
    assert window.selection.ids == (kf.id,)
    assert "*" in window.windowTitle()
    window.actions_["undo"].trigger()
    assert keyframes(window) == []


def test_drag_moves_in_time_and_intensity_as_one_undo_step(window):
    kf = Keyframe.new(1.0, "happy", 0.8)
    window.document.push(AddKeyframe(kf))
    steps_before = window.document.undo_stack.count()
    drag(window, point(window, 1.0, 0.8), point(window, 2.0, 0.3))
    moved = window.document.project.emotions.get(kf.id)
    assert moved.time == pytest.approx(2.0, abs=0.041)
    assert round(moved.time * 25, 6) == int(round(moved.time * 25))  # snapped to a frame
    assert moved.intensity == pytest.approx(0.3, abs=0.02)
    assert window.document.undo_stack.count() == steps_before + 1
    window.actions_["undo"].trigger()
    back = window.document.project.emotions.get(kf.id)
    assert (back.time, back.intensity) == (1.0, 0.8)
    window.actions_["redo"].trigger()
    assert window.document.project.emotions.get(kf.id) == moved


def test_shift_drag_does_not_snap_to_frames(window):
    kf = Keyframe.new(1.0, "happy", 0.5)
    window.document.push(AddKeyframe(kf))
    drag(window, point(window, 1.0, 0.5), point(window, 1.513, 0.5), modifiers=Qt.ShiftModifier)
    t = window.document.project.emotions.get(kf.id).time
    assert abs(t * 25 - round(t * 25)) > 1e-3  # between frames
    assert t == pytest.approx(1.513, abs=0.02)


def test_drag_does_not_land_on_another_keyframe(window):
    a, b = Keyframe.new(1.0, "happy", 0.5), Keyframe.new(2.0, "sad", 0.5)
    window.document.push(AddKeyframe(a))
    window.document.push(AddKeyframe(b))
    drag(window, point(window, 1.0, 0.5), point(window, 2.0, 0.5))
    times = sorted(kf.time for kf in keyframes(window))
    assert len(times) == 2 and times[1] - times[0] >= 0.039
    assert not window.banner.isVisible()


def test_delete_key_and_rubber_band_selection(window, qtbot):
    for t, e in ((0.6, "happy"), (1.2, "sad"), (2.4, "angry")):
        window.document.push(AddKeyframe(Keyframe.new(t, e, 0.5)))
    # A band around the first two keyframes selects exactly them.
    drag(window, point(window, 0.4, 0.95), point(window, 1.5, 0.1))
    chosen = {window.document.project.emotions.get(i).time for i in window.selection.ids}
    assert chosen == {0.6, 1.2}
    window.activateWindow()
    window.timeline.emotion_plot.setFocus()
    qtbot.keyClick(window.timeline.emotion_plot, Qt.Key_Delete)
    assert [kf.time for kf in keyframes(window)] == [2.4]
    window.actions_["undo"].trigger()
    assert [kf.time for kf in keyframes(window)] == [0.6, 1.2, 2.4]


def test_click_selects_and_ctrl_click_adds(window):
    a, b = Keyframe.new(1.0, "happy", 0.5), Keyframe.new(2.0, "sad", 0.9)
    window.document.push(AddKeyframe(a))
    window.document.push(AddKeyframe(b))
    click(window, point(window, 1.0, 0.5))
    assert window.selection.ids == (a.id,)
    click(window, point(window, 2.0, 0.9), modifiers=Qt.ControlModifier)
    assert set(window.selection.ids) == {a.id, b.id}
    # Dragging one of a selection moves both, as one step.
    drag(window, point(window, 2.0, 0.9), point(window, 2.4, 0.9))
    track = window.document.project.emotions
    assert track.get(a.id).time == pytest.approx(1.4, abs=0.041)
    assert track.get(b.id).time == pytest.approx(2.4, abs=0.041)
    window.actions_["undo"].trigger()
    assert window.document.project.emotions.get(a.id).time == 1.0


def test_click_on_empty_lane_deselects_then_seeks(window):
    kf = Keyframe.new(1.0, "happy", 0.5)
    window.document.push(AddKeyframe(kf))
    window.selection.set([kf.id])
    click(window, point(window, 2.2, 0.05))
    assert window.selection.ids == ()
    assert window.clock.position == 0.0  # deselecting leaves the playhead where it was
    click(window, point(window, 2.2, 0.05))
    assert window.clock.position == pytest.approx(2.2, abs=0.05)
    assert window.transport.timecode.text().startswith("00:02.")


def test_copy_paste_at_playhead_and_duplicate(window, qtbot):
    a = Keyframe.new(0.4, "happy", 0.6)
    window.document.push(AddKeyframe(a))
    window.selection.set([a.id])
    window.actions_["copy"].trigger()
    window.seek(2.0)
    window.actions_["paste"].trigger()
    pasted = [kf for kf in keyframes(window) if kf.id != a.id]
    assert len(pasted) == 1 and pasted[0].time == pytest.approx(2.0) and pasted[0].emotion is Emotion.HAPPY
    assert window.selection.ids == (pasted[0].id,)
    window.actions_["duplicate"].trigger()
    assert len(keyframes(window)) == 3


def test_inspector_edits_the_selected_keyframe(window):
    kf = Keyframe.new(1.0, "happy", 0.5)
    window.document.push(AddKeyframe(kf))
    window.selection.set([kf.id])
    inspector = window.inspector
    assert inspector.intensity.value() == pytest.approx(0.5)
    inspector.intensity.slider.setValue(737)  # fine steps: 0.1 % resolution
    assert window.document.project.emotions.get(kf.id).intensity == pytest.approx(0.737)
    inspector.emotion_buttons[Emotion.FEARFUL].click()
    assert window.document.project.emotions.get(kf.id).emotion is Emotion.FEARFUL
    index = inspector.easing_combo.findData("ease-in-out")
    inspector.easing_combo.activated.emit(index)
    assert window.document.project.emotions.get(kf.id).easing.kind.value == "ease-in-out"
    window.actions_["undo"].trigger()
    window.actions_["undo"].trigger()
    assert window.document.project.emotions.get(kf.id).emotion is Emotion.HAPPY


def _wheel(window, pos: QPoint, delta: int, modifiers=Qt.NoModifier):
    from PySide6.QtGui import QWheelEvent

    vp = _viewport(window)
    event = QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta), Qt.NoButton, modifiers,
                        Qt.NoScrollPhase, False)
    QApplication.sendEvent(vp, event)


def test_ctrl_wheel_zooms_wheel_pans_and_fit_all_restores(window):
    timeline = window.timeline
    before = timeline.visible_range()
    _wheel(window, point(window, 1.5, 0.5), 240, Qt.ControlModifier)  # two notches in
    zoomed = timeline.visible_range()
    assert zoomed[1] - zoomed[0] < (before[1] - before[0]) * 0.8
    assert zoomed[0] < 1.5 < zoomed[1]  # around the cursor
    _wheel(window, point(window, 1.5, 0.5), -120)  # one notch: pan later in time
    panned = timeline.visible_range()
    assert panned[0] > zoomed[0] and panned[1] - panned[0] == pytest.approx(zoomed[1] - zoomed[0], rel=1e-3)
    timeline.fit_all()
    fitted = timeline.visible_range()
    assert fitted[0] <= 0.0 and fitted[1] >= 3.0 - 0.05


def test_right_click_menu_changes_emotion_easing_and_deletes(window):
    a, b = Keyframe.new(1.0, "happy", 0.5), Keyframe.new(2.0, "sad", 0.5)
    window.document.push(AddKeyframe(a))
    window.document.push(AddKeyframe(b))
    window.selection.set([a.id])
    editor = window.timeline.editor
    menu = editor.build_menu(True, editor.scene_pos_of(1.0, 0.5))
    entries = {action.text(): action for action in menu.actions()}
    assert {"Emotion", "Easing", "Copy", "Duplicate", "Delete"} <= set(entries)
    angry = [x for x in entries["Emotion"].menu().actions() if x.text() == "Angry"][0]
    angry.trigger()
    assert window.document.project.emotions.get(a.id).emotion is Emotion.ANGRY
    hold = [x for x in entries["Easing"].menu().actions() if x.text() == "Hold"][0]
    hold.trigger()
    assert window.document.project.emotions.get(a.id).easing.is_hold
    entries["Delete"].trigger()
    assert [kf.id for kf in keyframes(window)] == [b.id]
    empty_menu = editor.build_menu(False, editor.scene_pos_of(2.6, 0.4))
    add = [x for x in empty_menu.actions() if x.text() == "Add Keyframe Here"][0]
    add.trigger()
    assert len(keyframes(window)) == 2 and keyframes(window)[1].time == pytest.approx(2.6, abs=0.041)


def test_timeline_colours_follow_a_theme_switch(window):
    import dataclasses

    from PySide6.QtGui import QColor

    from emospeaker_studio.app.theme import DARK, LIGHT

    def corner(plot):
        return plot.grab().toImage().pixelColor(3, 3).name()

    timeline = window.timeline
    assert window.settings.theme == "dark"
    assert corner(timeline.emotion_plot) == QColor(DARK.lane).name()
    window.apply_settings(dataclasses.replace(window.settings, theme="light"))
    assert corner(timeline.emotion_plot) == QColor(LIGHT.lane).name()
    assert corner(timeline.speech_plot) == QColor(LIGHT.lane_alt).name()
    assert corner(timeline.ruler_plot) == QColor(LIGHT.panel).name()
    assert timeline.editor.total_item.opts["pen"].color().name() == QColor(LIGHT.text).name()
    assert timeline.palette_ == LIGHT
    assert corner(window.preview) == QColor(LIGHT.sunken).name()
    for button in (window.transport.step_forward, window.transport.play):
        assert _icon_colour(button.icon()) == QColor(LIGHT.text).name()
    assert _icon_colour(window.actions_["export"].icon()) == QColor(LIGHT.text).name()


def _icon_colour(icon) -> str:
    """The colour of an icon's most opaque pixel."""
    image = icon.pixmap(32, 32).toImage()
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    return max(pixels, key=lambda c: c.alpha()).name()


def test_the_playhead_is_drawn_at_its_time_across_every_lane(window, qtbot):
    from PySide6.QtGui import QColor

    timeline = window.timeline
    overlay = timeline.playhead_overlay
    window.seek(1.2)
    on_lane = timeline.emotion_plot.mapTo(timeline, point(window, 1.2, 0.5)).x() - overlay.pos().x()
    assert overlay.line_x == pytest.approx(on_lane, abs=1.0)
    image = timeline.grab().toImage()
    column = round(overlay.pos().x() + overlay.line_x)
    playhead = QColor(timeline.palette_.playhead)
    def near_playhead(colour) -> bool:
        return abs(colour.red() - playhead.red()) < 40 and abs(colour.green() - playhead.green()) < 40

    for plot in (timeline.ruler_plot, timeline.waveform_plot, timeline.speech_plot, timeline.emotion_plot):
        y = plot.geometry().center().y()
        assert any(near_playhead(image.pixelColor(column + dx, y)) for dx in (-1, 0, 1)), plot
    timeline.zoom(0.25)  # the playhead stays in view, the line moves with the zoom
    on_lane = timeline.emotion_plot.mapTo(timeline, point(window, 1.2, 0.5)).x() - overlay.pos().x()
    assert overlay.line_x == pytest.approx(on_lane, abs=1.0)
    timeline.emotion_view.setXRange(2.0, 2.5, padding=0)  # panned away: no line
    assert overlay.line_x is None


def test_keyframe_diamonds_follow_the_track_and_the_selection(window):
    a, b = Keyframe.new(1.0, "happy", 0.5), Keyframe.new(2.0, "sad", 0.8)
    window.document.push(AddKeyframe(a))
    window.document.push(AddKeyframe(b))
    window.selection.set([b.id])
    diamonds = window.timeline.editor.diamonds
    assert [(d.time, d.intensity, d.selected) for d in diamonds] == [(1.0, 0.5, False), (2.0, 0.8, True)]
    from emospeaker_studio.app.theme import EMOTION_COLORS

    assert [d.colour for d in diamonds] == [EMOTION_COLORS[Emotion.HAPPY], EMOTION_COLORS[Emotion.SAD]]
    from PySide6.QtGui import QColor

    image = window.timeline.emotion_plot.grab().toImage()
    centre = point(window, 1.0, 0.5)
    assert image.pixelColor(centre).name() == QColor(EMOTION_COLORS[Emotion.HAPPY]).name()
    window.document.undo_stack.undo()
    assert [d.time for d in window.timeline.editor.diamonds] == [1.0]


def test_the_waveform_and_visemes_are_drawn_again_for_a_new_theme_and_a_zoom(window, qtbot):
    """The two lanes keep their own drawing (see lanes.PictureCachedItem): it must not go stale."""
    import dataclasses

    from PySide6.QtGui import QColor

    from emospeaker_studio.app.theme import DARK, LIGHT

    timeline = window.timeline
    qtbot.waitUntil(lambda: timeline.waveform_item.boundingRect().width() > 1.0, timeout=5000)

    def pixels_like(plot, colour: str) -> int:
        image, target = plot.grab().toImage(), QColor(colour)
        return sum(
            1
            for x in range(0, image.width(), 2)
            for y in range(0, image.height(), 2)
            if abs(image.pixelColor(x, y).red() - target.red()) + abs(image.pixelColor(x, y).green() - target.green())
            + abs(image.pixelColor(x, y).blue() - target.blue()) < 30
        )

    assert pixels_like(timeline.waveform_plot, DARK.waveform) > 50
    window.apply_settings(dataclasses.replace(window.settings, theme="light"))
    assert pixels_like(timeline.waveform_plot, LIGHT.waveform) > 50
    assert pixels_like(timeline.waveform_plot, DARK.waveform) < 5
    before = {plot: plot.grab().toImage() for plot in (timeline.waveform_plot, timeline.speech_plot)}
    start = timeline.speech_item.segments[0][0]
    timeline.emotion_view.setXRange(start, start + 0.5, padding=0)  # zoomed in on the first viseme
    for plot, image in before.items():
        assert plot.grab().toImage() != image, plot


def test_the_same_speech_again_keeps_the_viseme_drawing(window, monkeypatch):
    """Every preparation (a face re-fit too) reports the speech; drawing a long voice's visemes is slow."""
    import numpy as np

    item = window.timeline.speech_item
    labels = ("sil", "PP", "aa")
    probs = np.zeros((50, 3), np.float32)
    probs[10:20, 1] = probs[20:30, 2] = 1.0
    probs[:10, 0] = probs[30:, 0] = 1.0
    item.set_speech(labels, probs, 25.0)
    assert item.segments == [(0.4, 0.8, "PP"), (0.8, 1.2, "aa")]
    drawn = []
    monkeypatch.setattr(item, "redraw", lambda: drawn.append(1))
    item.set_speech(labels, probs.copy(), 25.0)  # equal content, another array (as from the preview process)
    assert drawn == []
    probs[20:30, 2], probs[20:30, 1] = 0.0, 1.0
    item.set_speech(labels, probs, 25.0)
    assert drawn and item.segments == [(0.4, 1.2, "PP")]


def test_keyframes_added_after_the_timeline_grew_are_drawn(make_window, fake_backend, media, qtbot):
    """A project that starts without keyframes (a portrait opened, File > New) shows 0-1 s; once
    the voice makes it longer, a keyframe later than 1 s still gets its diamond."""
    from PySide6.QtGui import QColor

    from emospeaker_studio.app.theme import EMOTION_COLORS

    window = make_window(fake_backend)
    portrait, audio = media
    window.import_portrait(str(portrait))
    window.document.push(AddKeyframe(Keyframe.new(0.3, "happy", 0.5)))
    window.import_audio(str(audio))
    qtbot.waitUntil(lambda: window.timeline.duration > 2.5, timeout=5000)
    late = Keyframe.new(2.5, "sad", 0.6)
    window.document.push(AddKeyframe(late))
    image = window.timeline.emotion_plot.grab().toImage()
    assert image.pixelColor(point(window, late.time, late.intensity)).name() == QColor(EMOTION_COLORS[Emotion.SAD]).name()
