"""The ffmpeg arguments for each export format.

Kept apart from the streaming code so what each format contains (codec, pixel
format, audio codec, alpha) can be read in one place. Formats are looked up by
the member *name* of ``core.project.ExportFormat`` (MP4, WEBM, MOV, PNG, GIF),
which the architecture pins; what each carries (audio, alpha) is the core's.

What each format carries:
  MP4  H.264 (libx264, yuv420p, +faststart) + AAC        no alpha
  WEBM VP9 (libvpx-vp9) + Opus                            alpha (yuva420p)
  MOV  ProRes 4444 (prores_ks, yuva444p10le) with alpha,
       else ProRes 422 HQ (yuv422p10le); audio PCM 16-bit alpha
  PNG  a folder of frame_000001.png ... plus audio.wav    alpha (rgba)
  GIF  one palette made from the first frames (paletteuse)  no alpha, no audio
"""

from __future__ import annotations

from fractions import Fraction

from emospeaker_studio.core.project import ExportFormat


# What each format carries is the core's to say (core.project.ExportFormat);
# this module looks formats up by the member name.
FORMATS_WITH_ALPHA = frozenset(f.name for f in ExportFormat if f.supports_alpha)
FORMATS_WITH_AUDIO = frozenset(f.name for f in ExportFormat if f.has_audio)
# x264: `veryfast` encodes 1080p well above real time on two cores, which the
# export target needs (`medium` halves the speed for ~10 % smaller files).
_X264 = ("veryfast", "20")
# libvpx-vp9 is the slowest encoder here; the realtime deadline keeps it usable.
_VP9 = ("realtime", "6", "31")
# zlib level 1 encodes PNG 2.7x faster than level 3 for files ~6 % larger.
_PNG_LEVEL = "1"
# Names inside a PNG-sequence folder.
PNG_FRAME_PATTERN = "frame_%06d.png"
PNG_AUDIO_NAME = "audio.wav"


def fps_text(fps: float) -> str:
    """fps as ffmpeg wants it: exact for integers and the NTSC rates (29.97 = 30000/1001)."""
    frac = Fraction(fps).limit_denominator(1001)
    return str(frac.numerator) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"


def carries_alpha(fmt_name: str) -> bool:
    return fmt_name in FORMATS_WITH_ALPHA


def carries_audio(fmt_name: str) -> bool:
    return fmt_name in FORMATS_WITH_AUDIO


def video_args(fmt_name: str, *, alpha: bool, size: tuple[int, int]) -> list[str]:
    """Encoder and muxer arguments for the video stream (input 0)."""
    alpha = alpha and carries_alpha(fmt_name)
    w, h = size
    if fmt_name == "MP4":
        preset, crf = _X264
        args = ["-c:v", "libx264", "-preset", preset, "-crf", crf, "-pix_fmt", "yuv420p"]
        if w % 2 or h % 2:
            # 4:2:0 needs even sides; add one black row/column rather than fail.
            args += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"]
        return args + ["-movflags", "+faststart", "-f", "mp4"]
    if fmt_name == "WEBM":
        deadline, cpu_used, crf = _VP9
        return ["-c:v", "libvpx-vp9", "-pix_fmt", "yuva420p" if alpha else "yuv420p", "-b:v", "0",
                "-crf", crf, "-deadline", deadline, "-cpu-used", cpu_used, "-row-mt", "1", "-f", "webm"]
    if fmt_name == "MOV":
        if alpha:
            codec = ["-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", "yuva444p10le", "-alpha_bits", "16"]
        else:
            codec = ["-c:v", "prores_ks", "-profile:v", "hq", "-pix_fmt", "yuv422p10le"]
        # "apl0" makes Final Cut and QuickTime accept the stream without a warning.
        return codec + ["-vendor", "apl0", "-movflags", "+faststart", "-f", "mov"]
    if fmt_name == "GIF":
        # Input 1 is a palette made from the first frames (see palette_args): a
        # palette per frame streams too but is 30x slower, and a palette from
        # every frame would need the whole video first. The portrait's colours
        # barely change over a video. Ordered (bayer) dithering keeps the still
        # background from shimmering between frames.
        return ["-filter_complex", "[0:v][1:v]paletteuse=dither=bayer:bayer_scale=4", "-loop", "0", "-f", "gif"]
    if fmt_name == "PNG":
        return ["-c:v", "png", "-pix_fmt", "rgba" if alpha else "rgb24", "-compression_level", _PNG_LEVEL,
                "-start_number", "1", "-f", "image2"]
    raise ValueError(f"unknown export format {fmt_name!r}")


def palette_args(size: tuple[int, int], channels: int, fps: float, out_png: str) -> list[str]:
    """ffmpeg arguments that turn raw frames on stdin into one 256-colour GIF palette."""
    w, h = size
    return ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "rawvideo",
            "-pix_fmt", "rgba" if channels == 4 else "rgb24", "-s", f"{w}x{h}", "-framerate", fps_text(fps),
            "-i", "pipe:0", "-vf", "palettegen=stats_mode=full", "-frames:v", "1", "-update", "1", out_png]


def audio_args(fmt_name: str) -> list[str]:
    """Encoder arguments for the muxed audio stream (input 1)."""
    if fmt_name == "MP4":
        return ["-c:a", "aac", "-b:a", "192k"]
    if fmt_name == "WEBM":
        # Opus runs only at 48 kHz and a few lower rates; resample explicitly.
        return ["-c:a", "libopus", "-b:a", "128k", "-ar", "48000"]
    if fmt_name in ("MOV", "PNG"):
        return ["-c:a", "pcm_s16le"]
    raise ValueError(f"{fmt_name} carries no audio")
