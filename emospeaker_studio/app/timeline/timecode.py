"""Timecode text and the ruler axis of the timeline."""

from __future__ import annotations

import math

import pyqtgraph as pg


def format_timecode(seconds: float, fps: float) -> str:
    """``MM:SS.hh`` (``H:MM:SS.hh`` past an hour): the start of the frame at ``seconds`` in
    minutes, seconds and hundredths; negative times clamp to 0.

    Hundredths, not frames: ``00:04:21`` read as four minutes and twenty-one seconds.
    """
    fps = max(1.0, float(fps))
    frames_total = int(math.floor(max(0.0, seconds) * fps + 1e-6))
    return format_seconds(frames_total / fps)


def format_seconds(seconds: float) -> str:
    """``MM:SS.hh`` of ``seconds`` itself (a keyframe's time, which need not start a frame)."""
    whole_seconds, fraction = divmod(int(round(max(0.0, seconds) * 100)), 100)
    return f"{format_duration(whole_seconds)}.{fraction:02d}"


def format_duration(seconds: float) -> str:
    """Whole seconds as ``MM:SS`` (``H:MM:SS`` past an hour), e.g. for a time left."""
    minutes, secs = divmod(int(max(0.0, seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def format_ruler_label(seconds: float, spacing: float) -> str:
    """A short ruler label: ``1:05`` for whole seconds, ``1:05.5`` when ticks are finer."""
    seconds = max(0.0, seconds)
    minutes, secs = divmod(seconds, 60.0)
    if spacing >= 1.0 - 1e-9:
        return f"{int(minutes)}:{int(round(secs)) % 60:02d}" if secs < 59.5 else f"{int(minutes) + 1}:00"
    decimals = 1 if spacing >= 0.1 - 1e-9 else 2
    return f"{int(minutes)}:{secs:0{3 + decimals}.{decimals}f}"


class TimecodeAxis(pg.AxisItem):
    """A time axis labelled in minutes:seconds, with tick spacing chosen for readability."""

    _STEPS = (0.04, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0)

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802 - pyqtgraph's name
        span = max(1e-6, maxVal - minVal)
        target = span * 90.0 / max(size, 1.0)  # about one label every 90 px
        major = next((s for s in self._STEPS if s >= target), self._STEPS[-1])
        minor = major / 5 if major >= 0.2 else major / 2
        return [(major, 0), (minor, 0)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        return [format_ruler_label(v, spacing) if v >= -1e-9 else "" for v in values]
