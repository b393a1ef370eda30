"""The README's promises that a change elsewhere can break: CI runs its test command,
and the files it and the docs name exist inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    test_commands = [line for block in blocks for line in block.splitlines() if "pytest" in line]
    assert test_commands == ['python -m pip install -e ".[test]" && python -m pytest']
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1] == test_commands[0]


TOP_LEVEL = ("docs", "models", "benchmarks", "installer", "training", "tests", "resources", "emospeaker_studio")


def test_files_the_docs_name_exist_in_the_repository():
    docs = {ROOT / "README.md": README} | {p: p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md")}
    for path, text in docs.items():
        assert "`../" not in text and "](../" not in text, f"{path.name} points outside the repository"
        links = {(path.parent / name) for name in re.findall(r"\]\(([^)#:]+)\)", text)}  # Markdown links, images
        paths = {ROOT / name for name in re.findall(rf"`((?:{'|'.join(TOP_LEVEL)})/[\w./-]+)`", text)}
        assert links | paths, path
        for named in links | paths:
            assert named.exists(), f"{path.name} names {named.relative_to(ROOT)}, which does not exist"
