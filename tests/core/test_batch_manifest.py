"""Reading a batch manifest: columns, relative paths, and every row's problems at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from emospeaker_studio.core.batch_manifest import read_manifest
from emospeaker_studio.core.errors import InputError


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "face.jpg").write_bytes(b"jpeg")
    (tmp_path / "voice.wav").write_bytes(b"wave")
    (tmp_path / "out").mkdir()
    return tmp_path


def _problems(manifest) -> list[str]:
    return [str(p) for p in manifest.problems]


def test_csv_paths_resolve_against_the_manifest_folder(folder: Path) -> None:
    (folder / "m.csv").write_text("portrait,audio,emotion,output,size,still,seed\n"
                                  "face.jpg,voice.wav,0=happy,out/a.mp4,64,true,3\n")
    manifest = read_manifest(folder / "m.csv")
    assert manifest.problems == []
    (job,) = manifest.jobs
    assert job.row == 1 and job.output == folder / "out" / "a.mp4"
    assert job.render_arguments() == [
        "--portrait", str((folder / "face.jpg").resolve()), "--audio", str((folder / "voice.wav").resolve()),
        "--emotion", "0=happy", "--size", "64", "--seed", "3", "--still", "-o", str(folder / "out" / "a.mp4")]
    assert manifest.results_path() == folder / "m.csv.results.jsonl"


def test_jsonl_values_may_be_numbers_and_booleans(folder: Path) -> None:
    (folder / "m.jsonl").write_text('{"portrait": "face.jpg", "audio": "voice.wav", "output": "out/a.webm", '
                                    '"fps": 12.5, "still": false, "seed": 7}\n\n')
    (job,) = read_manifest(folder / "m.jsonl").jobs
    arguments = job.render_arguments()
    assert arguments[arguments.index("--fps") + 1] == "12.5"
    assert "--still" not in arguments and "7" in arguments


def test_every_row_problem_is_listed_with_its_row(folder: Path) -> None:
    (folder / "m.csv").write_text("portrait,audio,output,still\n"
                                  "face.jpg,voice.wav,out/a.mp4,\n"
                                  "face.jpg,missing.wav,out/a.mp4,\n"
                                  "face.jpg,voice.wav,voice.wav,maybe\n"
                                  "face.jpg,,out/d.mp4,\n")
    manifest = read_manifest(folder / "m.csv")
    problems = _problems(manifest)
    assert manifest.invalid_rows == {2, 3, 4}
    assert any(p.startswith("row 2:") and "missing.wav" in p and "does not exist" in p for p in problems)
    assert any(p.startswith("row 2:") and "also row 1's output" in p for p in problems)
    assert any(p.startswith("row 3:") and "its own input" in p for p in problems)
    assert any(p.startswith("row 3:") and "still is 'maybe'" in p for p in problems)
    assert any(p.startswith("row 4:") and "no audio" in p for p in problems)
    assert [job.row for job in manifest.valid_jobs()] == [1]


def test_an_output_that_is_another_rows_input_is_refused(folder: Path) -> None:
    (folder / "other.wav").write_bytes(b"wave")
    (folder / "m.csv").write_text("portrait,audio,output\n"
                                  "face.jpg,voice.wav,other.wav\n"
                                  "face.jpg,other.wav,out/b.mp4\n")
    assert any(p.startswith("row 1:") and "row 2's input" in p for p in _problems(read_manifest(folder / "m.csv")))


def test_two_spellings_of_one_png_sequence_folder_are_one_output(folder: Path) -> None:
    """out/b.png as a PNG sequence is the folder out/b/, as out/b/ is: two rows would write one folder."""
    (folder / "m.csv").write_text("portrait,audio,output,format\n"
                                  "face.jpg,voice.wav,out/b.png,\n"
                                  "face.jpg,voice.wav,out/b/,png\n"
                                  "face.jpg,voice.wav,out/c.png,\n")
    problems = _problems(read_manifest(folder / "m.csv"))
    assert any(p.startswith("row 2:") and "also row 1's output" in p for p in problems), problems
    assert not any(p.startswith("row 3:") for p in problems)


@pytest.mark.parametrize("name, text, fragment", [
    ("m.txt", "portrait,audio,output\n", "neither .csv nor .jsonl"),
    ("m.csv", "portrait,audio,output,colour\nface.jpg,voice.wav,a.mp4,red\n", "unknown column(s) colour"),
    ("m.csv", "portrait,audio\nface.jpg,voice.wav\n", "no output column"),
    ("m.csv", "portrait,audio,output\n", "has no jobs"),
    ("m.jsonl", '{"portrait": "face.jpg", "output": "a.mp4", "speed": 2}\n', "unknown column(s) speed"),
])
def test_a_manifest_that_cannot_be_read_is_one_error(folder: Path, name: str, text: str, fragment: str) -> None:
    (folder / name).write_text(text)
    with pytest.raises(InputError, match=r".*" + fragment.replace("(", r"\(").replace(")", r"\)")):
        read_manifest(folder / name)


def test_rows_with_the_wrong_number_of_values_or_bad_json(folder: Path) -> None:
    (folder / "m.csv").write_text("portrait,audio,output\nface.jpg,voice.wav,a.mp4,extra\nface.jpg,voice.wav\n")
    assert [str(p) for p in read_manifest(folder / "m.csv").problems] == [
        "row 1: has 1 more value(s) than the header has columns", "row 2: has fewer values than the header has columns"]
    (folder / "m.jsonl").write_text('{"portrait": "face.jpg"\n[1, 2]\n')
    problems = _problems(read_manifest(folder / "m.jsonl"))
    assert problems[0].startswith("row 1: is not valid JSON") and problems[1].startswith("row 2: is not a JSON object")


def test_a_folder_of_projects_writes_beside_each_or_into_output_dir(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    projects.mkdir()
    for name in ("b.esproj", "a.esproj", "notes.txt"):
        (projects / name).write_text("{}")
    manifest = read_manifest(projects)
    assert [job.output for job in manifest.jobs] == [projects / "a.mp4", projects / "b.mp4"]
    assert manifest.results_path() == projects / "batch.results.jsonl"
    out = tmp_path / "videos"
    out.mkdir()
    assert [job.output for job in read_manifest(projects, output_dir=out).jobs] == [out / "a.mp4", out / "b.mp4"]
    with pytest.raises(InputError, match="no .esproj"):
        read_manifest(out)
