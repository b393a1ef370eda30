"""The core is pure Python: importing all of it loads no Qt, torch, numpy or engine code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "emospeaker_studio" / "core"


def test_core_imports_only_the_standard_library() -> None:
    # -I -S: no site-packages on the path and no site .pth files run, so nothing is preloaded
    # and a third-party import in the core fails here instead of being found.
    modules = sorted(f"emospeaker_studio.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    script = (
        "import importlib, json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "before = set(sys.modules)\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the core needs more than the standard library:\n{done.stderr}"
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "emospeaker_studio.core.project" in loaded  # the baseline did not already hold the core
    top_levels = {name.split(".")[0] for name in loaded}
    for heavy in ("PySide6", "shiboken6", "pyqtgraph", "torch", "numpy", "cv2", "mediapipe", "librosa", "platformdirs"):
        assert heavy not in top_levels, f"core pulled in {heavy}"
    ours = {name for name in loaded if name.startswith("emospeaker_studio.")}
    assert all(name.startswith("emospeaker_studio.core") for name in ours), sorted(ours)
    third_party = {
        name
        for name in top_levels
        if name not in sys.stdlib_module_names and name != "emospeaker_studio" and not name.startswith("_")
    }
    assert not third_party, f"core imported third-party packages: {sorted(third_party)}"
