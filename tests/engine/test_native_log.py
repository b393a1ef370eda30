"""Native libraries' lines go to the log file while they run; fd 2 is the terminal's again afterwards."""

from __future__ import annotations

import os

import pytest

from emospeaker_studio import paths
from emospeaker_studio.engine.native_log import native_output_to_log


def test_native_writes_go_to_the_log_and_later_ones_to_the_terminal(capfd):
    with native_output_to_log("a test"):
        os.write(2, b"W0000 native noise\n")
    os.write(2, b"error: our own line\n")
    err = capfd.readouterr().err
    assert "native noise" not in err
    assert "error: our own line" in err
    log = paths.log_file().read_text()
    assert "W0000 native noise" in log and ": a test" in log


def test_an_error_inside_the_block_leaves_fd_2_on_the_terminal(capfd):
    with pytest.raises(RuntimeError):
        with native_output_to_log("failing work"):
            with native_output_to_log("nested"):
                os.write(2, b"inner noise\n")
            os.write(2, b"outer noise\n")
            raise RuntimeError("boom")
    os.write(2, b"after the error\n")
    err = capfd.readouterr().err
    assert err == "after the error\n"
    log = paths.log_file().read_text()
    assert "inner noise" in log and "outer noise" in log
    assert ": nested" not in log  # one redirection, one header line


def test_a_full_log_is_moved_aside(capfd, monkeypatch):
    from emospeaker_studio.engine import native_log

    monkeypatch.setattr(native_log, "MAX_LOG_BYTES", 10)
    log = paths.log_file()
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("old lines, more than ten bytes\n")
    with native_output_to_log("rotation"):
        os.write(2, b"new line\n")
    assert log.read_text().endswith("new line\n") and "old lines" not in log.read_text()
    assert log.with_name(log.name + ".1").read_text() == "old lines, more than ten bytes\n"
