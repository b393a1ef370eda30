"""The timeline: ruler, waveform, speech and emotion lanes over one time axis."""

from emospeaker_studio.app.timeline.widget import TimelineWidget

__all__ = ["TimelineWidget"]
