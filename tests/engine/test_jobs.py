"""Progress throttling: a few reports a second reach the bar, and the last one always does."""

from __future__ import annotations

from emospeaker_studio.engine import jobs
from emospeaker_studio.engine.jobs import Progress, ThrottledProgress


def test_a_burst_of_reports_is_thinned_but_the_final_one_always_arrives(monkeypatch):
    clock = {"now": 100.0}
    monkeypatch.setattr(jobs.time, "perf_counter", lambda: clock["now"])
    seen: list[int] = []
    throttled = ThrottledProgress(lambda p: seen.append(p.done), per_second=10)
    for done in range(1, 21):  # a frame every 30 ms
        throttled(Progress("render", done, 20))
        clock["now"] += 0.03
    # At most one report per 0.1 s (at 0, 120, 240, 360, 480 ms), then the last frame.
    assert seen == [1, 5, 9, 13, 17, 20]
