"""What a new user hit in the Studio, each in a real window: a new project, the same voice
again, deselecting, holds, keyframes past the voice, and the small things around them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

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


def _selected_keyframe(window, time=1.0, emotion="happy"):
    kf = Keyframe.new(time, emotion, 0.5)
    window.document.push(AddKeyframe(kf))
    window.selection.set([kf.id], kf.id)
    return kf


def test_escape_deselects_the_keyframes(loaded, qtbot):
    window = loaded
    _selected_keyframe(window)
    window.activateWindow()
    window.timeline.emotion_plot.setFocus()
    qtbot.keyClick(window.timeline.emotion_plot, Qt.Key_Escape)
    assert window.selection.ids == ()
    assert "for new keyframes" in window.inspector.keyframe_title.text()


def test_an_emotion_picked_in_the_inspector_says_which_keyframe_it_changed(loaded):
    from emospeaker_studio.core.emotions import Emotion

    window = loaded
    kf = _selected_keyframe(window)
    assert "changes this keyframe" in window.inspector.keyframe_title.text()
    window.inspector.emotion_buttons[Emotion.SAD].click()
    assert window.document.project.emotions.get(kf.id).emotion is Emotion.SAD
    message = window.statusBar().currentMessage()
    assert "Sad" in message and "00:01" in message and "Ctrl+Z" in message


def test_h_holds_the_selected_emotion_until_the_next_keyframe_and_again_blends(loaded, qtbot):
    from emospeaker_studio.core.keyframes import emotion_at

    window = loaded
    first = _selected_keyframe(window, 0.5, "happy")
    window.document.push(AddKeyframe(Keyframe.new(2.5, "sad", 0.9)))
    window.selection.set([first.id], first.id)
    window.activateWindow()
    window.timeline.emotion_plot.setFocus()
    qtbot.keyClick(window.timeline.emotion_plot, Qt.Key_H)
    track = window.document.project.emotions
    assert track.get(first.id).easing.is_hold
    assert emotion_at(track, 2.4).emotion.value == "happy"  # still the first emotion just before the next keyframe
    assert "Hold" in window.inspector.easing_combo.currentText()
    qtbot.keyClick(window.timeline.emotion_plot, Qt.Key_H)
    assert not window.document.project.emotions.get(first.id).easing.is_hold
    window.selection.clear()
    qtbot.keyClick(window.timeline.emotion_plot, Qt.Key_H)
    assert "press H" in window.banner.message


def test_the_first_keyframes_label_is_not_cut_off_at_the_left_edge(loaded):
    window = loaded
    window.document.push(AddKeyframe(Keyframe.new(0.0, "surprised", 0.6)))
    window.timeline.fit_all()
    editor = window.timeline.editor
    label = next(item for item in editor.labels if item.isVisible())
    shown = label.mapRectToScene(label.boundingRect())
    lane = window.timeline.emotion_view.sceneBoundingRect()
    assert shown.left() >= lane.left() - 0.5
    assert "Surprised" in label.toPlainText()


def test_every_shortcut_description_is_shown_whole(loaded, qtbot):
    from emospeaker_studio.app.dialogs import ShortcutsDialog

    dialog = ShortcutsDialog(loaded)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    viewport = table.viewport().rect()
    for row in range(table.rowCount()):
        for col in range(table.columnCount()):
            item = table.item(row, col)
            rect = table.visualItemRect(item)
            needed = table.fontMetrics().horizontalAdvance(item.text())
            assert rect.width() >= needed + 8, item.text()
            assert rect.right() <= viewport.right(), item.text()
    dialog.close()


def test_a_banner_does_not_shrink_the_preview(loaded, qtbot):
    window = loaded
    before = window.preview.size()
    window.show_info("Something worth saying, over the picture")
    qtbot.waitUntil(lambda: window.banner.isVisible())
    qtbot.wait(50)  # the layout settles
    assert window.preview.size() == before
    assert window.banner.geometry().top() <= window.preview.geometry().top() + 1  # over the top of the preview
    assert window.banner.width() >= window.preview.width() * 0.5


def test_the_export_of_an_unsaved_project_is_suggested_beside_its_voice(loaded, media, monkeypatch):
    from pathlib import Path

    from PySide6.QtWidgets import QDialog

    from emospeaker_studio.app import main_window as main_window_module

    window = loaded
    _portrait, audio = media
    suggested = []

    def cancel(dialog):
        suggested.append(Path(dialog.path_edit.text()))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(main_window_module.ExportDialog, "exec", cancel)
    window.actions_["export"].trigger()
    first = suggested[-1]
    assert first.parent == audio.parent and first.suffix == ".mp4" and first.stem.startswith(audio.stem)
    first.write_bytes(b"an earlier export")
    window.actions_["export"].trigger()
    assert suggested[-1] != first and suggested[-1].parent == audio.parent  # never an existing file


def test_the_timecode_reads_as_minutes_seconds_and_hundredths(loaded):
    window = loaded
    window.seek(2.84)
    assert window.transport.timecode.text() == "00:02.84"  # the frame at 2.84 s (71 at 25 fps), not "00:02:21"
    assert window.transport.total.text() == "/ 00:02.96"  # the last frame starts at 2.96 s
    window.selection.set([_selected_keyframe(window, 1.23).id])
    assert "00:01.23" in window.inspector.keyframe_title.text()  # a keyframe's own time, between frames too


def test_keyframes_after_the_voice_are_kept_greyed_with_a_notice(loaded):
    from PySide6.QtGui import QColor

    from emospeaker_studio.app.theme import EMOTION_COLORS
    from emospeaker_studio.core.edits import MoveKeyframe
    from emospeaker_studio.core.emotions import Emotion

    window = loaded
    late = Keyframe.new(3.5, "angry", 0.6)
    window.document.push(AddKeyframe(late))
    assert late.id in window.document.project.emotions  # kept
    (diamond,) = window.timeline.editor.diamonds
    angry = QColor(EMOTION_COLORS[Emotion.ANGRY]).name()
    assert diamond.colour != angry
    assert QColor(diamond.colour).saturation() < 40  # grey
    assert "after the end of the voice" in window.banner.message
    window.timeline.fit_all()
    image = window.timeline.emotion_plot.grab().toImage()
    assert image.pixelColor(window.timeline.emotion_point(3.5, 0.6)).name() == QColor(diamond.colour).name()
    window.document.push(MoveKeyframe(late.id, time=2.0))
    assert window.timeline.editor.diamonds[0].colour == EMOTION_COLORS[Emotion.ANGRY]


def _closed_eyes():
    """Landmarks of a face of the right size whose lids are shut (see expression_limits)."""
    import numpy as np

    from emospeaker_studio.engine.face import landmarks as lm

    points = np.zeros((478, 3), np.float32)
    for upper, lower, x0 in ((lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER, 20.0), (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER, 60.0)):
        points[list(upper), 0] = points[list(lower), 0] = np.linspace(x0, x0 + 30.0, len(upper))
        points[list(upper), 1], points[list(lower), 1] = 50.0, 51.0
    points[lm.CHEEK_RIGHT, 0] = 100.0
    return points


def test_a_portrait_without_a_face_is_said_as_soon_as_it_is_opened(make_window, fake_backend, media, qtbot):
    fake_backend.face_count = 0
    window = make_window(fake_backend)
    portrait, _audio = media
    window.import_portrait(str(portrait))  # no voice yet
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "no face found in face.png" in window.banner.message


def test_closed_eyes_and_a_small_face_are_said_before_there_is_a_voice(make_window, fake_backend, media, qtbot):
    fake_backend.landmarks = _closed_eyes()
    fake_backend.face_height = 120.0
    window = make_window(fake_backend)
    portrait, audio = media
    window.import_portrait(str(portrait))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "eyes are closed" in window.banner.message and "only 120 px tall" in window.banner.message
    assert window.preview._landmarks is not None  # the face fit can be shown and corrected already
    assert fake_backend.prepare_calls == 0
    window.banner.hide()
    window.import_audio(str(audio))  # the voice comes: the same notes are not said again
    qtbot.waitUntil(lambda: window.preview.has_frame, timeout=5000)
    qtbot.wait(100)
    assert not window.banner.isVisible()


def test_the_empty_window_says_what_to_do_next_until_both_files_are_there(make_window, fake_backend, media, qtbot, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = make_window(fake_backend)
    portrait, audio = media
    empty = window.empty_state
    assert empty.isVisible() and not empty.compact
    assert empty.portrait_button.isVisible() and empty.voice_button.isVisible() and empty.demo_button.isVisible()
    def in_window(widget):
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())

    assert abs(in_window(empty).center().y() - in_window(window.preview).center().y()) < 30  # in the middle

    chosen = iter([str(portrait), str(audio)])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (next(chosen), ""))
    empty.portrait_button.click()
    assert window.document.project.portrait == str(portrait)
    assert empty.isVisible() and empty.compact  # only the voice is missing: one line at the bottom
    assert empty.voice_button.isVisible() and not empty.portrait_button.isVisible()
    qtbot.waitUntil(lambda: in_window(empty).bottom() > in_window(window.preview).bottom() - 60, timeout=2000)
    empty.voice_button.click()
    assert window.document.project.audio == str(audio)
    assert not empty.isVisible()
    window.new_project()
    assert empty.isVisible() and not empty.compact


def test_help_has_a_getting_started_page(loaded, monkeypatch):
    from emospeaker_studio.app import guide

    shown = []
    monkeypatch.setattr(guide.GettingStartedDialog, "exec", lambda dialog: shown.append(dialog.page.toPlainText()))
    help_menu = [a.menu() for a in loaded.menuBar().actions() if a.text() == "&Help"][0]
    entry = [a for a in help_menu.actions() if a.text() == "&Getting Started"][0]
    entry.trigger()
    text = shown[0]
    for step in ("The portrait", "The voice", "Emotion keyframes", "Preview", "Export"):
        assert step in text
    loaded.empty_state.guide_button.click()  # hidden here, but the same page
    assert len(shown) == 2


def test_the_inspector_offers_the_platforms_frames(loaded):
    window = loaded
    combo = window.inspector.size_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert any("9:16 · 1080×1920" in text for text in labels) and any("16:9 · 1920×1080" in text for text in labels)
    combo.setCurrentIndex(combo.findData("1080x1920"))
    combo.activated.emit(combo.currentIndex())
    out = window.document.project.output
    assert (out.width, out.height) == (1080, 1920)
    inspector = window.inspector
    inspector.widget().adjustSize()
    assert inspector.widget().sizeHint().width() <= inspector.viewport().width()  # a long name does not cut the panel off
    window.actions_["undo"].trigger()
    assert combo.currentData() == "512"  # back to the photo's shape, and the menu follows


def test_the_export_dialog_offers_frames_a_custom_size_and_says_when_the_photo_is_enlarged(loaded, tmp_path):
    from emospeaker_studio.app.dialogs import ExportDialog

    project = loaded.document.project
    face_box = (30.0, 30.0, 36.0, 44.0)
    dialog = ExportDialog(project, str(tmp_path / "clip.mp4"), loaded, photo_size=(96, 128), face_box=face_box)
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("1080x1920"))
    out = dialog.result_output()
    assert (out.width, out.height) == (1080, 1920)
    assert dialog.size_note.text().startswith("The photo is enlarged")  # a 128 px photo for a 1920 px frame
    assert not dialog.custom_size.isVisibleTo(dialog)
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("custom"))
    assert dialog.custom_size.isVisibleTo(dialog)
    dialog.custom_size.setText("720x720")
    assert (dialog.result_output().width, dialog.result_output().height) == (720, 720)
    dialog.custom_size.setText("721x720")
    assert "It will be 722×720: video encoders need even sizes." in dialog.size_note.text()
    dialog.custom_size.setText("wide")
    assert "invalid size" in dialog.size_note.text().lower()
    dialog._accept()
    assert "invalid size" in dialog.error.text().lower() and dialog.result() != dialog.DialogCode.Accepted
    roomy = ExportDialog(project, str(tmp_path / "clip.mp4"), loaded, photo_size=(4000, 6000), face_box=(1500, 1200, 1000, 1300))
    roomy.size_combo.setCurrentIndex(roomy.size_combo.findData("1280x720"))
    assert roomy.size_note.text() == ""


def test_the_export_dialog_sets_the_framing_and_fill_of_a_frame_of_its_own_shape(loaded, tmp_path):
    from emospeaker_studio.app.dialogs import ExportDialog
    from emospeaker_studio.core.project import Fill, Framing

    project = loaded.document.project
    face_box = (30.0, 30.0, 36.0, 44.0)
    dialog = ExportDialog(project, str(tmp_path / "clip.mp4"), loaded, photo_size=(96, 128), face_box=face_box)
    # A size that keeps the photo's shape has nothing to compose: the menus are off and say why.
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("512"))
    assert not dialog.framing_combo.isEnabled() and not dialog.fill_combo.isEnabled()
    assert "own shape" in dialog.framing_combo.toolTip()
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("1080x1920"))
    assert dialog.framing_combo.isEnabled() and dialog.fill_combo.isEnabled()
    full_note = dialog.size_note.text()
    dialog.framing_combo.setCurrentIndex(dialog.framing_combo.findData(Framing.CLOSE_UP.value))
    dialog.fill_combo.setCurrentIndex(dialog.fill_combo.findData(Fill.MIRROR.value))
    out = dialog.result_output()
    assert (out.width, out.height, out.framing, out.fill) == (1080, 1920, Framing.CLOSE_UP, Fill.MIRROR)
    # A close-up takes a smaller part of the photo, so the enlargement the note reports follows it.
    assert dialog.size_note.text() != full_note and dialog.size_note.text().startswith("The photo is enlarged")


def test_a_platforms_frame_shows_its_safe_area_in_the_preview(loaded, qtbot):
    from emospeaker_studio.core.edits import SetOutput

    window = loaded
    preview = window.preview
    assert preview.safe_area() is None
    before = preview.grab().toImage()
    window.document.push(SetOutput(width=1080, height=1920))
    qtbot.waitUntil(lambda: preview.safe_area() is not None, timeout=3000)
    qtbot.wait(100)
    safe = preview.safe_area()
    edge = preview.mapFromScene(safe.left(), safe.center().y())
    image = preview.grab().toImage()

    def lightest(x):  # over a few rows: the line is dashed
        return max(image.pixelColor(x, edge.y() + dy).lightness() for dy in range(-6, 7))

    assert max(lightest(edge.x() + dx) for dx in (-1, 0, 1)) > lightest(edge.x() + 6) + 30  # the line, over the picture
    assert before.size() == image.size()
    window.actions_["undo"].trigger()
    assert preview.safe_area() is None


def test_framing_and_fill_are_chosen_in_the_inspector_for_a_frame_of_its_own_shape(loaded):
    from emospeaker_studio.core.edits import SetOutput

    window = loaded
    inspector = window.inspector
    assert not inspector.framing_combo.isEnabled() and not inspector.fill_combo.isEnabled()  # the photo's shape
    window.document.push(SetOutput(width=1080, height=1920))
    assert inspector.framing_combo.isEnabled() and inspector.fill_combo.isEnabled()
    inspector.framing_combo.activated.emit(inspector.framing_combo.findData("close-up"))
    inspector.fill_combo.activated.emit(inspector.fill_combo.findData("mirror"))
    out = window.document.project.output
    assert (out.framing.value, out.fill.value) == ("close-up", "mirror")
    window.actions_["undo"].trigger()
    assert inspector.fill_combo.currentData() == "blur"


def test_a_menu_that_does_not_apply_looks_disabled(loaded, tmp_path):
    """The framing menus of a frame that follows the photo's shape are off, and must look it:
    faint text on the window's colour, not the same field as an enabled one."""
    import numpy as np

    from emospeaker_studio.app.dialogs import ExportDialog

    from emospeaker_studio.app.theme import palette_for, style_sheet

    dialog = ExportDialog(loaded.document.project, str(tmp_path / "clip.mp4"), loaded)
    dialog.setStyleSheet(style_sheet(palette_for("dark")))  # the Studio's own look
    dialog.show()

    def pixels():
        image = dialog.framing_combo.grab().toImage()
        return np.array([[image.pixelColor(x, y).lightness() for x in range(image.width())] for y in range(image.height())], float)

    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("1080x1920"))
    enabled = pixels()
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("512"))
    disabled = pixels()
    assert not dialog.framing_combo.isEnabled()
    assert enabled.shape == disabled.shape
    # The text is what a user reads: its brightest strokes are clearly fainter when disabled.
    assert np.percentile(disabled, 99) < np.percentile(enabled, 99) - 25, (np.percentile(enabled, 99), np.percentile(disabled, 99))
    dialog.close()
