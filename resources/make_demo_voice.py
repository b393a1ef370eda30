"""Remake resources/demo_voice.flac: a ~13 s female voice generated with espeak-ng.

Each sentence matches one step of the demo's emotion arc (neutral, happy,
surprised, sad, angry, happy) and is synthesised on its own, then joined
with short pauses, so the arc's keyframes (resources/make_demo_project.py)
land on the sentence starts that this script prints. The text is rich in
p/b/m words, whose lip closures are the easiest lip-sync errors to see.

Needs the espeak-ng program (Debian/Ubuntu: ``apt install espeak-ng``).
Run: ``python resources/make_demo_voice.py``.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

OUT = Path(__file__).resolve().parent / "demo_voice.flac"
VOICE = "en-us+f3"  # a female variant, to match the portrait
WORDS_PER_MINUTE = 175
LEAD_IN_S = 0.3  # a moment of silence first: the video opens on the still photo
PAUSE_S = 0.3  # between sentences, so the mouth visibly rests

# (emotion this sentence is spoken in, text)
SENTENCES: tuple[tuple[str, str], ...] = (
    ("neutral", "Hello, I am Pam, and I map the moon."),
    ("happy", "My big project is complete!"),
    ("surprised", "Wait, what? A message from Mars?"),
    ("sad", "Maybe nobody will believe me."),
    ("angry", "Stop! Bring back my papers!"),
    ("happy", "Ha, just kidding. Bye bye!"),
)


def synthesize(text: str, folder: Path) -> tuple[np.ndarray, int]:
    wav = folder / "sentence.wav"
    subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(wav), text], check=True)
    samples, rate = sf.read(wav, dtype="float32")
    # espeak-ng pads each utterance with silence; trim it so pauses are ours.
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return samples[loud[0] : loud[-1] + 1], rate


def main() -> None:
    pieces: list[np.ndarray] = []
    rate = 22050
    with tempfile.TemporaryDirectory() as tmp:
        position = LEAD_IN_S
        for emotion, text in SENTENCES:
            samples, rate = synthesize(text, Path(tmp))
            pause = np.zeros(int(round((LEAD_IN_S if not pieces else PAUSE_S) * rate)), np.float32)
            pieces += [pause, samples]
            print(f"{position:6.2f} s  {emotion:<10} {text}")
            position += len(samples) / rate + PAUSE_S
        pieces.append(np.zeros(int(round(PAUSE_S * rate)), np.float32))
    voice = np.concatenate(pieces)
    voice = 0.9 * voice / np.max(np.abs(voice))
    sf.write(OUT, voice, rate, subtype="PCM_16", format="FLAC")
    print(f"wrote {OUT}: {len(voice) / rate:.2f} s, {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
