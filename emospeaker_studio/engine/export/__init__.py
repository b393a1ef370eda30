"""Export: rendered frames + the original audio -> a video file, streamed through ffmpeg."""

from emospeaker_studio.engine.export.formats import ExportQuality
from emospeaker_studio.engine.export.writer import export_frames, png_sequence_folder

__all__ = ["ExportQuality", "export_frames", "png_sequence_folder"]
