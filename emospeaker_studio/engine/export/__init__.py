"""Export: rendered frames + the original audio -> a video file, streamed through ffmpeg."""

from emospeaker_studio.engine.export.formats import ExportQuality
from emospeaker_studio.engine.export.writer import check_frame_folder_replaceable, export_frames, png_sequence_folder

__all__ = ["ExportQuality", "check_frame_folder_replaceable", "export_frames", "png_sequence_folder"]
