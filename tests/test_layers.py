"""The layer rules: core knows neither Qt nor torch; engine knows no Qt.

Checked two ways: statically (every import statement in the package's source)
and dynamically (importing every module of a layer in a fresh interpreter
must not pull the forbidden packages in, even indirectly).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "emospeaker_studio"
QT = {"PySide6", "pyqtgraph", "PyQt5", "PyQt6", "shiboken6"}
FORBIDDEN = {
    "core": QT | {"torch", "cv2", "mediapipe", "librosa"},
    "engine": QT,
}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(layer: str) -> list[str]:
    root = PACKAGE / layer
    return sorted(
        "emospeaker_studio." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
        for p in root.rglob("*.py")
    )


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_source_imports_respect_layer(layer: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        bad = _imported_top_levels(path) & FORBIDDEN[layer]
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)} imports {sorted(bad)}")
    assert not offenders, "\n".join(offenders)


# The core's stricter check (standard library only) is tests/core/test_core_purity.py.
@pytest.mark.parametrize("layer", ["engine"])
def test_importing_layer_does_not_load_forbidden_packages(layer: str) -> None:
    modules = [m for m in _modules(layer) if not m.endswith("__main__")]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & FORBIDDEN[layer], f"{layer} pulled in {sorted(loaded & FORBIDDEN[layer])}"


def test_cli_help_does_not_load_heavy_packages() -> None:
    script = (
        "import sys, json\n"
        "from emospeaker_studio import cli\n"
        "cli.build_parser()\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert not loaded & (QT | {"torch", "cv2", "mediapipe", "librosa"})
