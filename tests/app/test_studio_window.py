"""The main window's file workflow: title and close prompt, save/open, recovery, drops, playback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from emospeaker_studio.core.edits import AddKeyframe, SetAudio, SetLandmarkOffsets, SetPortrait
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.project import Project
from emospeaker_studio.engine.jobs import Progress


def test_title_shows_name_and_unsaved_star(window, tmp_path):
    assert window.windowTitle().startswith("Untitled*")
    path = tmp_path / "scene.esproj"
    assert window._save_to(str(path))
    assert window.windowTitle() == "scene.esproj — EmoSpeaker Studio"
    window.document.push(AddKeyframe(Keyframe.new(1.0, "happy")))
    assert window.windowTitle() == "scene.esproj* — EmoSpeaker Studio"
    window.actions_["undo"].trigger()
    assert "*" not in window.windowTitle()


def test_close_with_unsaved_changes_asks_and_cancel_keeps_the_window(make_window, fake_backend):
    window = make_window(fake_backend, answer=QMessageBox.Cancel)
    window.document.push(AddKeyframe(Keyframe.new(1.0, "happy")))
    assert not window.close()
    assert window.isVisible() and window.asked == ["Unsaved changes"]
    assert len(window.document.project.emotions) == 1


def test_close_discarding_closes_without_saving(make_window, fake_backend, tmp_path):
    window = make_window(fake_backend, answer=QMessageBox.Discard)
    window.document.push(AddKeyframe(Keyframe.new(1.0, "happy")))
    assert window.close()
    assert window.asked == ["Unsaved changes"]
    assert not list(tmp_path.glob("*.esproj"))


def test_open_recent_and_reopen(window, tmp_path):
    path = tmp_path / "take.esproj"
    window.document.push(AddKeyframe(Keyframe.new(1.0, "sad", 0.25)))
    assert window._save_to(str(path))
    window.new_project()
    assert window.document.project == Project()
    window._fill_recent_menu()
    recent = [a for a in window.recent_menu.actions() if a.text() == "take.esproj"]
    assert recent, "the saved file is in Open Recent"
    recent[0].trigger()
    (kf,) = window.document.project.emotions
    assert (kf.time, kf.emotion.value, kf.intensity) == (1.0, "sad", 0.25)
    assert window.windowTitle().startswith("take.esproj")


def test_broken_project_file_is_a_message_not_a_crash(window, tmp_path):
    bad = tmp_path / "bad.esproj"
    bad.write_text("{ this is not json")
    before = window.document.project
    assert not window.open_path(str(bad), ask=False)
    assert window.banner.isVisible() and "bad.esproj" in window.banner.message
    assert window.document.project is before


def test_autosave_and_recovery_offer(make_window, fake_backend, media):
    first = make_window(fake_backend)
    first.document.push(AddKeyframe(Keyframe.new(2.0, "angry", 0.6)))
    first.autosave()
    assert first.recovery.pending() is not None
    # A second session (after a crash) finds the recovery file and offers it.
    second = make_window(fake_backend)
    assert second.offer_recovery()
    assert "Recover" in [b.text() for b in second.banner._actions]
    second.banner._actions[0].click()
    (kf,) = second.document.project.emotions
    assert kf.emotion.value == "angry" and second.document.is_dirty


def test_two_projects_keep_separate_autosaves(tmp_path):
    from emospeaker_studio.app.recovery import RecoveryStore

    folder = tmp_path / "recovery"
    first, second, untitled_a, untitled_b = (RecoveryStore(folder) for _ in range(4))
    saves = [
        (first, str(tmp_path / "a.esproj"), "happy"),
        (second, str(tmp_path / "b.esproj"), "sad"),
        (untitled_a, "", "angry"),
        (untitled_b, "", "surprised"),
    ]
    for store, path, emotion in saves:
        store.save(Project().with_(emotions=EmotionTrack((Keyframe.new(1.0, emotion),))), path)
    # Every window's autosave survives the others' and still holds its own project.
    found = {r.slot: r for r in first.leftovers()}
    assert len(found) == 4
    for store, path, emotion in saves:
        recovery = found[store.slot]
        assert recovery.original_path == path
        (kf,) = store.load(recovery).emotions
        assert kf.emotion.value == emotion
    # The offer is the newest one; a clean exit of one window removes only its own slot.
    assert first.pending().slot == untitled_b.slot
    untitled_b.clear()
    assert first.pending().slot == untitled_a.slot
    assert {r.slot for r in first.leftovers()} == {first.slot, second.slot, untitled_a.slot}
    # Save As moves an untitled project to its path's slot and drops the old one.
    untitled_a.save(Project(), str(tmp_path / "c.esproj"))
    assert [r.original_path for r in first.leftovers()].count("") == 0


@pytest.mark.skipif(os.name != "posix", reason="a running instance is recognised by its process id on POSIX")
def test_a_running_instances_autosave_is_not_offered(tmp_path):
    from emospeaker_studio.app.recovery import RecoveryStore

    other = RecoveryStore(tmp_path / "recovery")
    other.save(Project(), str(tmp_path / "busy.esproj"))
    meta = other.folder / f"{other.slot}.json"
    # Pretend the slot belongs to a live process other than this one (the test runner's parent).
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "pid": os.getppid()}))
    assert RecoveryStore(tmp_path / "recovery").pending() is None


def test_dropping_files_imports_them(window, media, qtbot):
    portrait, audio = media
    window.document.reset(Project())
    for path in (portrait, audio):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(QPointF(200, 200), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        window.dropEvent(event)
    assert window.document.project.portrait == str(portrait)
    assert window.document.project.audio == str(audio)
    window.document.undo_stack.undo()
    assert window.document.project.audio is None


def test_dropping_an_unknown_file_says_so(window, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    window.open_path(str(text))
    assert "notes.txt" in window.banner.message


def test_play_follows_the_clock_and_pause_stops(make_window, fake_backend, media, qtbot):
    window = make_window(fake_backend, audio=True)
    portrait, audio = media
    window.document.push(SetPortrait(str(portrait)))
    window.document.push(SetAudio(str(audio)))
    qtbot.waitUntil(lambda: window.preview_controller.frame_count > 0, timeout=5000)
    window.seek(0.0)
    with qtbot.waitSignal(window.clock.playingChanged, timeout=2000):
        window.actions_["play"].trigger()
    qtbot.waitUntil(lambda: window.clock.position > 0.3, timeout=5000)
    with qtbot.waitSignal(window.clock.playingChanged, timeout=2000):
        window.actions_["play"].trigger()
    stopped = window.clock.position
    assert window.transport.timecode.text() != "00:00.00"
    assert window.timeline._playhead == pytest.approx(stopped)
    window.actions_["next_frame"].trigger()
    assert window.preview_controller.frame_index(window.clock.position) == window.preview_controller.frame_index(stopped) + 1
    window.actions_["go_start"].trigger()
    assert window.clock.position == 0.0
    # The frame under the playhead is shown once it arrives (frame 0's red channel is 0).
    qtbot.waitUntil(lambda: window.preview.frame_pixmap.toImage().pixelColor(0, 0).red() == 0, timeout=5000)


def test_shortcuts_dialog_lists_the_video_editor_keys(window):
    from emospeaker_studio.app.dialogs import ShortcutsDialog

    dialog = ShortcutsDialog(window)
    keys = {dialog.table.item(row, 1).text() for row in range(dialog.table.rowCount())}
    for expected in ("Space", "J", "K", "L", "Left", "Right", "Home", "End", "Del", "Ctrl+Z", "Ctrl+S"):
        assert any(expected in k for k in keys), expected


def test_dragging_a_face_point_records_a_landmark_correction(window, qtbot):
    import numpy as np
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QMouseEvent

    qtbot.waitUntil(lambda: window.preview.has_frame, timeout=5000)
    rng = np.random.default_rng(0)
    landmarks = np.column_stack([rng.uniform(20, 70, 478), rng.uniform(20, 100, 478), np.zeros(478)])
    landmarks[61] = (30.0, 80.0, 0.0)  # a mouth corner, away from the others
    landmarks[[i for i in range(478) if i != 61], 0] += 200  # move every other point out of the way
    window.preview.set_landmarks(landmarks)
    window.transport.overlay.setChecked(True)
    scale = window.preview._scale()
    start = window.preview.mapFromScene(30.0 * scale, 80.0 * scale)
    end = start + QPoint(12, -6)
    vp = window.preview.viewport()
    for kind, pos, buttons in ((QMouseEvent.MouseButtonPress, start, Qt.LeftButton), (QMouseEvent.MouseMove, end, Qt.LeftButton),
                               (QMouseEvent.MouseButtonRelease, end, Qt.NoButton)):
        event = QMouseEvent(kind, QPointF(pos), QPointF(vp.mapToGlobal(pos)), Qt.LeftButton, buttons, Qt.NoModifier)
        QApplication.sendEvent(vp, event)
    ((index, dx, dy),) = window.document.project.landmark_offsets
    pixel = 1.0 / (scale * window.preview.transform().m11())
    assert index == 61
    assert dx == pytest.approx(12 * pixel, abs=2 * pixel) and dy == pytest.approx(-6 * pixel, abs=2 * pixel)
    window.actions_["undo"].trigger()
    assert window.document.project.landmark_offsets == ()


def test_a_dragged_face_point_follows_the_mouse_before_release(window, qtbot):
    import numpy as np
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QMouseEvent

    qtbot.waitUntil(lambda: window.preview.has_frame, timeout=5000)
    rng = np.random.default_rng(1)
    landmarks = np.column_stack([rng.uniform(220, 270, 478), rng.uniform(20, 100, 478), np.zeros(478)])
    landmarks[291] = (40.0, 60.0, 0.0)  # the other mouth corner, alone on the left
    window.preview.set_landmarks(landmarks)
    window.transport.overlay.setChecked(True)
    preview, vp = window.preview, window.preview.viewport()
    scale = preview._scale()
    start = preview.mapFromScene(40.0 * scale, 60.0 * scale)

    def send(kind, pos, buttons):
        event = QMouseEvent(kind, QPointF(pos), QPointF(vp.mapToGlobal(pos)), Qt.LeftButton, buttons, Qt.NoModifier)
        QApplication.sendEvent(vp, event)

    def marker_at(view_pos) -> bool:
        return preview._keypoints.path().contains(preview.mapToScene(view_pos))

    assert marker_at(start)
    send(QMouseEvent.MouseButtonPress, start, Qt.LeftButton)
    assert vp.cursor().shape() == Qt.ClosedHandCursor
    # Steps well beyond the marker's radius (about 10 screen pixels here), so each spot is distinct.
    for step in (QPoint(25, 0), QPoint(50, 10), QPoint(75, 20)):
        send(QMouseEvent.MouseMove, start + step, Qt.LeftButton)
        # The marker is redrawn under the mouse on every move, the old spot is left empty,
        # and the document (so the rig re-fit) is untouched until release.
        assert marker_at(start + step) and not marker_at(start)
        assert window.document.project.landmark_offsets == ()
    send(QMouseEvent.MouseButtonRelease, start + QPoint(75, 20), Qt.NoButton)
    ((index, _dx, _dy),) = window.document.project.landmark_offsets
    assert index == 291 and marker_at(start + QPoint(75, 20))
    assert vp.cursor().shape() != Qt.ClosedHandCursor


def test_several_faces_offer_a_choice(make_window, fake_backend, media, qtbot):
    fake_backend.face_count = 3
    window = make_window(fake_backend)
    portrait, audio = media
    window.document.push(SetPortrait(str(portrait)))
    window.document.push(SetAudio(str(audio)))
    qtbot.waitUntil(lambda: window.face_row.isVisible(), timeout=5000)
    assert window.face_combo.count() == 3
    window.face_combo.activated.emit(2)
    assert window.document.project.face_index == 2


def test_a_portrait_with_closed_eyes_is_said_once_as_soon_as_it_is_fitted(make_window, fake_backend, media, qtbot):
    from emospeaker_studio.engine.face import landmarks as lm

    # An open-eyed face of the right size, then its lids shut.
    points = np.zeros((478, 3), np.float32)
    for upper, lower, x0 in ((lm.EYE_LEFT_UPPER, lm.EYE_LEFT_LOWER, 20.0), (lm.EYE_RIGHT_UPPER, lm.EYE_RIGHT_LOWER, 60.0)):
        points[list(upper), 0] = points[list(lower), 0] = np.linspace(x0, x0 + 30.0, len(upper))
        points[list(upper), 1], points[list(lower), 1] = 50.0, 51.0
    points[lm.CHEEK_RIGHT, 0] = 100.0
    fake_backend.landmarks = points
    window = make_window(fake_backend)
    portrait, audio = media
    window.document.push(SetPortrait(str(portrait)))
    window.document.push(SetAudio(str(audio)))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "eyes are closed" in window.banner.message
    # A re-fit of the same face (a key-point move) does not say it again.
    window.banner.hide()
    with qtbot.waitSignal(window.preview_controller.info, timeout=5000):  # the re-fitted face, reported
        window.document.push(SetLandmarkOffsets(((lm.CHIN, 1.0, 0.0),)))
    assert fake_backend.prepare_calls == 2
    assert not window.banner.isVisible()


def test_preferences_are_applied_and_saved(window, qtbot):
    from emospeaker_studio.app.dialogs import PreferencesDialog

    dialog = PreferencesDialog(window.settings, window)
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.preview.setCurrentIndex(dialog.preview.findData(384))
    chosen = dialog.result_settings()
    window.apply_settings(chosen)
    assert window.saved_settings[-1] == chosen
    assert (window.preview_controller.device, window.preview_controller.preview_height) == ("cpu", 384)
    # The preview is rendered again with the new settings.
    qtbot.waitUntil(lambda: window.preview.has_frame, timeout=5000)


def test_keyboard_shortcuts_step_and_jump(window, qtbot):
    from PySide6.QtTest import QTest

    qtbot.waitUntil(lambda: window.preview_controller.frame_count > 0, timeout=5000)
    window.activateWindow()
    window.preview.setFocus()
    QTest.keyClick(window.preview, Qt.Key_End)
    assert window.clock.position == pytest.approx((window.preview_controller.frame_count - 1) / 25)
    QTest.keyClick(window.preview, Qt.Key_Home)
    assert window.clock.position == 0.0
    QTest.keyClick(window.preview, Qt.Key_Right)
    QTest.keyClick(window.preview, Qt.Key_Right)
    assert window.preview_controller.frame_index(window.clock.position) == 2
    QTest.keyClick(window.preview, Qt.Key_Left)
    assert window.preview_controller.frame_index(window.clock.position) == 1
    QTest.keyClick(window.preview, Qt.Key_Space)
    assert window.clock.playing
    QTest.keyClick(window.preview, Qt.Key_K)
    assert not window.clock.playing
    count = len(window.document.project.emotions)
    QTest.keyClick(window.preview, Qt.Key_Insert)
    assert len(window.document.project.emotions) == count + 1
    QTest.keyClick(window.preview, Qt.Key_Z, Qt.ControlModifier)
    assert len(window.document.project.emotions) == count
    QTest.keyClick(window.preview, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert len(window.document.project.emotions) == count + 1


def test_j_plays_backwards_k_stops_l_plays_forward_and_the_status_bar_names_the_speed(window, qtbot):
    from PySide6.QtTest import QTest

    qtbot.waitUntil(lambda: window.preview_controller.frame_count > 0, timeout=5000)
    window.activateWindow()
    window.preview.setFocus()
    window.seek(2.5)
    start = window.clock.position
    QTest.keyClick(window.preview, Qt.Key_J)
    assert window.clock.playing and window.clock.rate == -1.0
    assert window.statusBar().currentMessage() == "Playing backwards"
    # The playhead, the timeline's and the picture's frame all run backwards.
    qtbot.waitUntil(lambda: window.clock.position < start - 0.2, timeout=5000)
    qtbot.waitUntil(lambda: window.timeline._playhead < start - 0.2, timeout=5000)
    assert window.preview_controller.frame_index(window.clock.position) < window.preview_controller.frame_index(start)
    QTest.keyClick(window.preview, Qt.Key_J)
    assert window.clock.rate == -2.0
    assert window.statusBar().currentMessage() == "Playing 2× backwards"
    QTest.keyClick(window.preview, Qt.Key_K)
    assert not window.clock.playing
    assert window.statusBar().currentMessage() == ""
    stopped = window.clock.position
    QTest.keyClick(window.preview, Qt.Key_L)
    assert window.clock.playing and window.clock.rate == 1.0
    assert window.statusBar().currentMessage() == ""
    qtbot.waitUntil(lambda: window.clock.position > stopped + 0.2, timeout=5000)
    QTest.keyClick(window.preview, Qt.Key_L)
    assert window.clock.rate == 2.0
    assert window.statusBar().currentMessage() == "Playing 2× forwards"
    QTest.keyClick(window.preview, Qt.Key_K)
    assert not window.clock.playing
    assert window.statusBar().currentMessage() == ""


def test_loop_range_repeats_playback(window, qtbot):
    qtbot.waitUntil(lambda: window.preview_controller.frame_count > 0, timeout=5000)
    window.seek(1.0)
    window.actions_["loop_in"].trigger()
    window.seek(1.3)
    window.actions_["loop_out"].trigger()
    assert window.transport.loop.isChecked() and window.timeline.loop_region.isVisible()
    assert window.timeline.loop_region.getRegion() == pytest.approx((1.0, 1.3))
    window.seek(1.0)
    window.clock.play()
    positions = []
    window.clock.positionChanged.connect(positions.append)
    qtbot.waitUntil(lambda: len(positions) > 5 and any(b < a - 0.2 for a, b in zip(positions, positions[1:])), timeout=5000)
    window.clock.pause()
    assert all(0.99 <= p <= 1.31 for p in positions)


def test_export_dialog_builds_the_output_settings(window, tmp_path):
    from PySide6.QtWidgets import QDialog

    from emospeaker_studio.app.dialogs import ExportDialog
    from emospeaker_studio.core.project import ExportFormat

    dialog = ExportDialog(window.document.project, str(tmp_path / "clip.mp4"), window)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(ExportFormat.WEBM))
    assert dialog.path_edit.text().endswith("clip.webm")
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("720"))
    dialog.fps_combo.setCurrentIndex(dialog.fps_combo.findData(30.0))
    out = dialog.result_output()
    assert (out.height, out.fps, out.format) == (720, 30.0, ExportFormat.WEBM)
    dialog.path_edit.setText(str(tmp_path / "missing" / "clip.webm"))
    dialog._accept()
    assert "does not exist" in dialog.error.text() and dialog.result() != QDialog.DialogCode.Accepted


def test_export_menu_runs_the_dialog_then_the_job(make_window, fake_backend, media, tmp_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from emospeaker_studio.app import main_window as main_window_module

    written = []

    def fake_render(project, out_path, *, device, fmt, progress, cancel):
        written.append((project.output.height, fmt))
        open(out_path, "wb").write(b"video")

    window = make_window(fake_backend, export_render=fake_render)
    portrait, audio = media
    window.document.push(SetPortrait(str(portrait)))
    window.document.push(SetAudio(str(audio)))
    target = tmp_path / "final.mp4"

    def accept(dialog):
        dialog.path_edit.setText(str(target))
        dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("720"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(main_window_module.ExportDialog, "exec", accept)
    with qtbot.waitSignal(window.exportFinished, timeout=5000) as blocker:
        window.actions_["export"].trigger()
    assert blocker.args == [str(target)] and target.read_bytes() == b"video"
    assert written[0][0] == 720 and window.document.project.output.height == 720  # remembered in the project
    assert "Exported" in window.banner.message


def test_the_framing_chosen_for_an_export_is_rendered_and_remembered(make_window, fake_backend, media, tmp_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from emospeaker_studio.app import main_window as main_window_module
    from emospeaker_studio.core.project import Fill, Framing

    rendered = []

    def fake_render(project, out_path, *, device, fmt, progress, cancel):
        rendered.append(project.output)
        open(out_path, "wb").write(b"video")

    window = make_window(fake_backend, export_render=fake_render)
    portrait, audio = media
    window.document.push(SetPortrait(str(portrait)))
    window.document.push(SetAudio(str(audio)))

    def accept(dialog):
        dialog.path_edit.setText(str(tmp_path / "short.mp4"))
        dialog.size_combo.setCurrentIndex(dialog.size_combo.findData("1080x1920"))
        dialog.framing_combo.setCurrentIndex(dialog.framing_combo.findData(Framing.CLOSE_UP.value))
        dialog.fill_combo.setCurrentIndex(dialog.fill_combo.findData(Fill.SOLID.value))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(main_window_module.ExportDialog, "exec", accept)
    with qtbot.waitSignal(window.exportFinished, timeout=10000):
        window.actions_["export"].trigger()
    wanted = (1080, 1920, Framing.CLOSE_UP, Fill.SOLID)
    assert (rendered[0].width, rendered[0].height, rendered[0].framing, rendered[0].fill) == wanted
    out = window.document.project.output
    assert (out.width, out.height, out.framing, out.fill) == wanted  # remembered, and one undo takes it back
    window.actions_["undo"].trigger()
    assert window.document.project.output.framing is Framing.FULL


def test_every_menu_action_runs_without_error(window, monkeypatch, qtbot):
    """Each action, with its dialogs answered at once (Cancel), must not raise."""
    from PySide6.QtWidgets import QDialog, QFileDialog

    monkeypatch.setattr(QDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a: None))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    qtbot.waitUntil(lambda: window.preview_controller.frame_count > 0, timeout=5000)
    window.document.push(AddKeyframe(Keyframe.new(1.0, "happy")))
    window.selection.set(window.document.project.emotions.ids)
    skip = {"quit", "new"}  # closing and starting over are tested elsewhere
    for name, action in window.actions_.items():
        if name not in skip:
            action.trigger()
    window.clock.pause()
    for menu in window.menuBar().findChildren(type(window.recent_menu)):
        menu.aboutToShow.emit()


def test_history_panel_lists_edits_and_jumps_back(window):
    for t in (0.5, 1.0, 1.5):
        window.document.push(AddKeyframe(Keyframe.new(t, "happy")))
    stack = window.document.undo_stack
    assert window.history_view.model().rowCount() == stack.count() + 1  # + the "Opened" state
    window.history_view.setCurrentIndex(window.history_view.model().index(stack.count() - 2, 0))
    assert len(window.document.project.emotions) == 1


def test_portrait_without_voice_asks_for_the_voice_without_an_error(make_window, fake_backend, media, qtbot):
    window = make_window(fake_backend)
    portrait, _ = media
    with qtbot.waitSignal(window.worker.idle, timeout=5000):
        assert window.import_portrait(str(portrait))
    assert not window.banner.isVisible()
    assert window.empty_state.isVisible() and window.empty_state.voice_button.isVisible()
    assert "voice recording" in window.empty_state.voice_step.text()
    assert window.project_bar.audio_chip.text() == "+ Add voice"


def test_an_export_started_as_the_last_one_ends_keeps_running(make_window, fake_backend, media, tmp_path, qtbot):
    """The previous export's thread ends a moment after it reports; that must not tear down the next export."""
    import threading

    release = threading.Event()
    calls = []

    def fake_render(project, out_path, *, device, fmt, progress, cancel):
        calls.append(out_path)
        if len(calls) == 2:
            progress(Progress("encode", 1, 10))
            while not release.wait(0.02):
                cancel.raise_if_cancelled()
        Path(out_path).write_bytes(b"video")

    window = make_window(fake_backend, export_render=fake_render)
    portrait, audio = media
    window.import_portrait(str(portrait))
    window.import_audio(str(audio))
    second = []
    window.exportFinished.connect(lambda path: second.append(window.start_export(str(tmp_path / "b.mp4"))) if not second else None)
    with qtbot.waitSignal(window.exportFinished, timeout=5000):
        first = window.start_export(str(tmp_path / "a.mp4"))
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=5000)
    # The first export's thread has finished and the window has handled it (deleted the job).
    qtbot.waitUntil(lambda: not shiboken6.isValid(first), timeout=5000)
    assert second[0].isRunning() and window._export_job is second[0]
    assert window.job_cancel.isVisible() and not window.actions_["export"].isEnabled()
    with qtbot.waitSignal(window.exportFinished, timeout=5000) as blocker:
        release.set()
    assert blocker.args == [str(tmp_path / "b.mp4")]
    qtbot.waitUntil(lambda: window.actions_["export"].isEnabled(), timeout=5000)


def _frame_green(window) -> int:
    image = window.preview.frame_pixmap.toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2).green()


def test_an_edit_updates_the_picture_under_a_still_playhead(window, qtbot):
    """After an edit the frame under the playhead is re-rendered and shown, though its index is the same."""
    from studio_fakes import tint_of

    qtbot.waitUntil(lambda: window.preview.has_frame, timeout=5000)
    before = _frame_green(window)
    window.document.push(AddKeyframe(Keyframe.new(1.0, "happy", 0.7)))
    expected = tint_of(window.document.project)
    assert expected != before
    qtbot.waitUntil(lambda: _frame_green(window) == expected, timeout=5000)


def test_dragging_a_face_point_refits_the_face_live_and_is_one_undo_step(window, fake_backend, qtbot):
    import numpy as np
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QMouseEvent
    from studio_fakes import tint_of

    qtbot.waitUntil(lambda: window.preview.has_frame, timeout=5000)
    rng = np.random.default_rng(2)
    landmarks = np.column_stack([rng.uniform(220, 270, 478), rng.uniform(20, 100, 478), np.zeros(478)])
    landmarks[61] = (40.0, 60.0, 0.0)
    window.preview.set_landmarks(landmarks)
    window.transport.overlay.setChecked(True)
    preview, vp = window.preview, window.preview.viewport()
    start = preview.mapFromScene(40.0 * preview._scale(), 60.0 * preview._scale())

    def send(kind, pos, buttons):
        event = QMouseEvent(kind, QPointF(pos), QPointF(vp.mapToGlobal(pos)), Qt.LeftButton, buttons, Qt.NoModifier)
        QApplication.sendEvent(vp, event)

    steps_before = window.document.undo_stack.count()
    send(QMouseEvent.MouseButtonPress, start, Qt.LeftButton)
    for step in (QPoint(10, 0), QPoint(30, 8)):
        send(QMouseEvent.MouseMove, start + step, Qt.LeftButton)
        # The face follows the held point before release: a re-fit with the dragged offset is rendered and shown...
        qtbot.waitUntil(lambda: any(o and o[0][0] == 61 and o[0][1] > 0 for o in fake_backend.prepared_offsets[-1:]), timeout=5000)
        live = fake_backend.prepared_offsets[-1]
        qtbot.waitUntil(lambda: _frame_green(window) == tint_of(window.document.project.with_(landmark_offsets=live)), timeout=5000)
        # ...while the document is untouched, and the overlay still draws the held point under the mouse.
        assert window.document.project.landmark_offsets == ()
        assert preview._keypoints.path().contains(preview.mapToScene(start + step))
    send(QMouseEvent.MouseButtonRelease, start + QPoint(30, 8), Qt.NoButton)
    ((index, dx, dy),) = window.document.project.landmark_offsets
    assert index == 61 and dx > 0 and dy > 0
    assert window.document.undo_stack.count() == steps_before + 1
    qtbot.waitUntil(lambda: _frame_green(window) == tint_of(window.document.project), timeout=5000)
    window.actions_["undo"].trigger()
    assert window.document.project.landmark_offsets == ()
    qtbot.waitUntil(lambda: _frame_green(window) == tint_of(window.document.project), timeout=5000)


def test_the_timecode_shows_whole_as_it_grows_past_an_hour(qtbot):
    from emospeaker_studio.app.theme import DARK
    from emospeaker_studio.app.transport import TransportBar

    bar = TransportBar(DARK)
    qtbot.addWidget(bar)
    bar.show()
    bar.set_time(2.0, 70.0, 25.0)
    short_width = bar.timecode.width()
    bar.set_time(3725.0, 4000.0, 25.0)  # past an hour: the timecode gains its hours
    assert bar.timecode.text() == "1:02:05.00"
    assert bar.timecode.width() > short_width
    assert bar.timecode.width() >= bar.timecode.sizeHint().width()
    assert bar.total.width() >= bar.total.sizeHint().width()


def test_export_progress_reads_whole_in_a_label_that_keeps_its_size(window):
    label = window.job_label
    size = label.size()
    window._on_export_progress(Progress("render: frames", 120, 352, fps=45.1, eta_s=5.0))
    assert label.text() == "Export: Render 120/352 · 45.1 fps · ETA 00:05"
    window._on_export_progress(Progress("render: frames", 35120, 90000, fps=231.7, eta_s=3725.0))
    assert label.text().startswith("Export: Render 35120/90000 · 231.7 fps · ETA ")
    assert "…" not in label.text()
    assert label.size() == size  # a label that changes size would lay the whole window out again
    window._set_job_text("Exporting " + "a_very_long_file_name_" * 6 + ".mp4…")
    assert "…" in label.text() and label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    assert label.toolTip().startswith("Exporting a_very_long")
