"""Export: rendered frames + the original audio -> a video file, streamed through ffmpeg."""

from emospeaker_studio.engine.export.writer import check_frame_folder_replaceable, export_frames, png_sequence_folder

__all__ = ["check_frame_folder_replaceable", "export_frames", "png_sequence_folder"]
