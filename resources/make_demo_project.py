"""Remake resources/demo.esproj: the bundled demo's portrait, voice and emotion arc.

The arc follows the sentences of the demo voice (their start times are what
resources/make_demo_voice.py prints): neutral -> happy -> surprised -> sad ->
angry -> happy. Each emotion is held while its sentence is spoken, with an
eased transition of about half a second in the pause before the next one.
Run: ``python resources/make_demo_project.py``.
"""

from __future__ import annotations

from pathlib import Path

from emospeaker_studio.core.easing import EASE_IN_OUT, LINEAR
from emospeaker_studio.core.keyframes import EmotionTrack, Keyframe
from emospeaker_studio.core.project import ExportFormat, OutputSettings, Project, StyleSettings
from emospeaker_studio.core.projectfile import save_project

HERE = Path(__file__).resolve().parent
OUT = HERE / "demo.esproj"

# (time s, emotion, intensity 0..1, easing of the segment that follows)
ARC = (
    (0.0, "neutral", 1.0, LINEAR),
    (2.5, "neutral", 1.0, EASE_IN_OUT),  # "Hello, I am Pam, and I map the moon."
    (3.1, "happy", 0.8, LINEAR),
    (4.5, "happy", 0.8, EASE_IN_OUT),  # "My big project is complete!"
    (5.0, "surprised", 0.9, LINEAR),
    (7.1, "surprised", 0.9, EASE_IN_OUT),  # "Wait, what? A message from Mars?"
    (7.7, "sad", 0.8, LINEAR),
    (9.0, "sad", 0.8, EASE_IN_OUT),  # "Maybe nobody will believe me."
    (9.5, "angry", 0.9, LINEAR),
    (11.2, "angry", 0.9, EASE_IN_OUT),  # "Stop! Bring back my papers!"
    (11.8, "happy", 1.0, LINEAR),  # "Ha, just kidding. Bye bye!"
)


def demo_project() -> Project:
    # Stable ids, so remaking the file gives the same bytes.
    keyframes = tuple(
        Keyframe(f"demo-{i + 1:02d}", time, emotion, intensity, easing)
        for i, (time, emotion, intensity, easing) in enumerate(ARC)
    )
    return Project(
        portrait=str(HERE / "demo_portrait.jpg"),
        audio=str(HERE / "demo_voice.flac"),
        output=OutputSettings(height=512, fps=25.0, format=ExportFormat.MP4),
        style=StyleSettings(head_motion=0.5, seed=0),
        emotions=EmotionTrack(keyframes),
    )


def main() -> None:
    OUT.unlink(missing_ok=True)  # no .bak of an older demo in resources/
    save_project(demo_project(), OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
