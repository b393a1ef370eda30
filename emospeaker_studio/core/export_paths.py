"""Where an export writes, checked before any work starts.

The command line, the Studio's export dialog and the engine's render all ask
here, so a video never replaces the voice it was made from, whichever way it
was started.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from emospeaker_studio.core.errors import OutputError
from emospeaker_studio.core.files import PathLike, check_output_path, same_file
from emospeaker_studio.core.project import ExportFormat, Project


def export_target(out_path: PathLike, fmt: ExportFormat) -> Path:
    """What an export to ``out_path`` writes: the file, or for a PNG sequence its folder
    (``clip.png`` -> folder ``clip/``)."""
    out_path = Path(out_path)
    if fmt is ExportFormat.PNG and out_path.suffix.lower() == ".png":
        return out_path.with_suffix("")
    return out_path


def check_export_paths(project: Project, out_path: PathLike, fmt: ExportFormat,
                       coefficients_out: Optional[PathLike] = None) -> tuple[Path, Optional[Path]]:
    """The checked video (or PNG folder) and coefficients paths of an export of ``project``.

    OutputError when an output is or would hold the portrait or the voice, is
    not a regular file (or folder, for PNG), cannot be written there, or both
    outputs name one file.
    """
    inputs = {"portrait": project.portrait, "audio file": project.audio}
    is_folder = fmt is ExportFormat.PNG
    video = check_output_path(export_target(out_path, fmt), inputs=inputs, folder_output=is_folder)
    if coefficients_out is None:
        return video, None
    coefficients = check_output_path(coefficients_out, inputs=inputs, what="coefficients output")
    if same_file(video, coefficients) or (is_folder and str(coefficients).startswith(str(video) + os.sep)):
        raise OutputError(f"--coefficients-out {coefficients} would be written over or inside the video output "
                          f"{video}; give it its own name")
    return video, coefficients
