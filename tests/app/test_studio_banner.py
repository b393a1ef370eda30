"""The message strip: actions run what they name, and messages replace each other cleanly."""

from __future__ import annotations

from emospeaker_studio.app.banner import Banner


def test_each_message_shows_its_own_actions_and_a_click_runs_the_right_one(qtbot):
    banner = Banner()
    qtbot.addWidget(banner)
    ran = []
    banner.show_message("Exported a.mp4", "info", actions=(("Open", lambda: ran.append("open a")),
                                                           ("Show in Folder", lambda: ran.append("folder a"))))
    banner.show_message("Recover b?", "info", actions=(("Recover", lambda: ran.append("recover b")),))
    shown = [b for b in banner._actions if b.isVisibleTo(banner)]
    assert [b.text() for b in shown] == ["Recover"]
    shown[0].click()
    assert ran == ["recover b"]
    assert banner.message == ""  # a clicked action dismisses its message


def test_an_action_that_reports_a_problem_leaves_that_report_on_screen(qtbot):
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show()
    banner.show_message("Recover the unsaved project?", "info",
                        actions=(("Recover", lambda: banner.show_message("the recovery file cannot be read", "error")),))
    banner._actions[0].click()
    assert banner.message == "the recovery file cannot be read"
    assert banner.property("level") == "error"
    assert not any(b.isVisibleTo(banner) for b in banner._actions)
