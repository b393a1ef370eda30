"""The benchmark runs end to end and reports every figure (values are not timed here)."""

from __future__ import annotations

import json
import math

import pytest

from emospeaker_studio.engine.bench import run_benchmark


def _numbers(value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)


@pytest.mark.slow
def test_quick_benchmark_reports_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    lines = []
    figures = run_benchmark(out_json=out, device="cpu", quick=True, progress=lines.append)
    assert json.loads(out.read_text()) == json.loads(json.dumps(figures))
    assert figures["device"] == "cpu"
    assert set(figures["prepare"]) == {"fit_cold_s", "fit_warm_s", "prepare_first_call_s", "prepare_s", "reanimate_s"}
    assert set(figures["render_fps"]) == {"512", "1080"}
    assert set(figures["export_fps_512"]) == {"mp4", "webm", "mov", "gif", "png"}
    assert set(figures["mp4_1080"]) == {"export_fps", "encode_only_fps", "export_over_encode"}
    assert figures["random_frame_ms"]["512"] > 0
    assert set(figures["refit_ms"]["512"]) == {"mouth_corner", "eye_corner", "brow", "chin", "nose_tip"}
    assert figures["long_export"]["rss_samples_mb"]
    assert set(figures["meets_targets"]) == set(figures["targets"])
    # Every figure is a real measurement: positive and finite (rss growth may be 0 or negative).
    growth = figures["long_export"].pop("rss_growth_mb")
    assert math.isfinite(growth)
    for value in _numbers({k: v for k, v in figures.items() if k not in ("quick",)}):
        assert math.isfinite(value) and value > 0, figures
    assert any("export" in line for line in lines)
    # The benchmark cleans up after itself.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.json"]
