"""The packaging (installer/) without building: the spec ships what the app loads at run time.

A real build and smoke test is ``python installer/build.py`` (minutes; not part of the suite).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from emospeaker_studio import paths

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "emospeaker_studio.spec"
BUILD_SCRIPT = ROOT / "installer" / "build.py"


def _literals(path: Path) -> dict:
    """Top-level ``NAME = <literal>`` assignments of a Python file, evaluated."""
    values = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return values


def _mediapipe_dir() -> Path:
    spec = importlib.util.find_spec("mediapipe")
    assert spec is not None and spec.origin, "mediapipe is a runtime dependency"
    return Path(spec.origin).parent


def test_spec_ships_every_folder_paths_looks_up():
    spec = _literals(SPEC)
    looked_up = set(re.findall(r'_shipped\("([^"]+)"\)', (ROOT / "emospeaker_studio" / "paths.py").read_text(encoding="utf-8")))
    assert looked_up, "paths.py no longer resolves shipped folders with _shipped(); update this test"
    assert looked_up <= set(spec["SHIPPED_FOLDERS"])
    for folder in spec["SHIPPED_FOLDERS"]:
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file() and not any(p.match(x) for x in spec["NOT_SHIPPED"])]
        assert files, f"{folder}/ has nothing to ship"


def test_spec_ships_the_demo_and_the_speech_weights():
    spec = _literals(SPEC)
    for needed in ("resources/demo.esproj", "resources/demo_portrait.jpg", "resources/demo_voice.flac", "models/speech_viseme.pt"):
        assert (ROOT / needed).is_file()
        assert Path(needed).parts[0] in spec["SHIPPED_FOLDERS"]
        assert not any(Path(needed).match(x) for x in spec["NOT_SHIPPED"])


def test_spec_collects_the_face_mesh_graph_and_models():
    modules = set(_literals(SPEC)["MEDIAPIPE_MODULES"])
    mediapipe = _mediapipe_dir()
    # The graph the Python face mesh loads...
    face_mesh = (mediapipe / "python" / "solutions" / "face_mesh.py").read_text(encoding="utf-8")
    graph = re.search(r"_BINARYPB_FILE_PATH = '([^']+)'", face_mesh)
    assert graph, "mediapipe's face_mesh.py no longer names its graph; check what the face mesh loads"
    needed = {graph.group(1)}
    # ...and the face models its compiled subgraphs load by path.
    bindings = next((mediapipe / "python").glob("_framework_bindings*"))
    needed |= {m.decode() for m in re.findall(rb"mediapipe/modules/face_[a-z_]+/[A-Za-z0-9_.]+\.tflite", bindings.read_bytes())}
    assert any(name.endswith("face_landmark_with_attention.tflite") for name in needed)
    for name in sorted(needed):
        module = Path(name).parts[2]
        assert module in modules, f"the spec does not collect mediapipe/modules/{module}/ ({name})"
        assert (mediapipe.parent / name).is_file(), f"{name} is missing from the installed mediapipe"


def test_build_script_and_spec_agree_on_names():
    spec, build = _literals(SPEC), _literals(BUILD_SCRIPT)
    assert build["APP_FOLDER"] == spec["APP_NAME"]
    assert build["EXE_NAME"] == spec["EXE_NAME"]


def test_frozen_app_finds_shipped_folders_in_its_bundle(tmp_path, monkeypatch):
    (tmp_path / "resources").mkdir()
    (tmp_path / "models").mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resources_dir() == tmp_path / "resources"
    assert paths.models_dir() == tmp_path / "models"


def test_frozen_app_without_bundled_folders_falls_back_to_the_source_tree(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resources_dir() == ROOT / "resources"


def test_build_without_pyinstaller_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    loader = importlib.util.spec_from_file_location("emospeaker_installer_build", BUILD_SCRIPT)
    build = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(build)
    monkeypatch.setitem(sys.modules, "PyInstaller", None)  # makes `import PyInstaller` fail
    assert build.main(["--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "build")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert 'pip install -e ".[installer]"' in err
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("folder", ["resources", "models"])
def test_source_checkout_still_finds_its_folders(folder, monkeypatch):
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert getattr(paths, f"{folder}_dir")() == ROOT / folder


def test_nothing_the_package_imports_is_excluded_from_the_build():
    excluded = set(_literals(SPEC)["EXCLUDES"])
    # librosa cannot run without numba, which the spec leaves out to save ~175 MB.
    if "numba" in excluded:
        excluded.add("librosa")
    offenders = []
    for source in sorted((ROOT / "emospeaker_studio").rglob("*.py")):
        names = []
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if any(name == x or name.startswith(x + ".") for x in excluded):
                offenders.append(f"{source.relative_to(ROOT)} imports {name}")
    assert not offenders, "the installer spec excludes modules the app imports: " + "; ".join(offenders)


def test_spec_ships_the_mediapipe_sources_the_engine_reads_as_files():
    sources = _literals(SPEC)["MEDIAPIPE_SOURCES"]
    mesh = (ROOT / "emospeaker_studio" / "engine" / "face" / "mesh.py").read_text(encoding="utf-8")
    for name in re.findall(r'"([a-z_]+\.py)"', mesh):
        assert any(source.endswith("/" + name) for source in sources), f"mesh.py reads mediapipe's {name} by path; add it to MEDIAPIPE_SOURCES"
    for source in sources:
        assert (_mediapipe_dir() / source).is_file()
