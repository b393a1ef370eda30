"""Emotion sheet for looking at (a viewing aid, not a test).

    python tests/engine/render/make_emotion_sheet.py [--out /tmp/animation/emotion_sheet.png] [--scale 2]

Renders the eight emotions at intensities 0.5 and 1.0 through the real
animation stage and renderer on both test portraits, crops the face, upscales
it and labels each cell: two rows of eight per portrait (neutral first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.engine.test_emotion_quality import PORTRAITS, portrait_image  # noqa: E402

INTENSITIES = (0.5, 1.0)


def portrait_rows(name: str, scale: float) -> np.ndarray:
    import tempfile

    import imageio.v3 as iio

    from emospeaker_studio.core.emotion_spec import parse_emotion_spec
    from emospeaker_studio.core.emotions import Emotion
    from emospeaker_studio.core.project import StyleSettings
    from emospeaker_studio.engine.animation import animate
    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait
    from emospeaker_studio.engine.render.renderer import Renderer
    from emospeaker_studio.engine.speech.track import SpeechTrack

    path = Path(tempfile.gettempdir()) / f"emotion_sheet_{name}.png"
    iio.imwrite(path, portrait_image(name))
    portrait = load_portrait(path)
    fit = fit_face(portrait)
    renderer = Renderer(portrait, fit, height=512, device="cpu")
    style = StyleSettings(still=True, blink_rate=0.0)
    x, y, w, h = (v * renderer.size[1] / portrait.height for v in fit.face_box)
    m = 0.12 * h
    crop = (slice(max(0, int(y - m)), int(y + h + m)), slice(max(0, int(x - m)), int(x + w + m)))
    rows = []
    for intensity in INTENSITIES:
        cells = []
        for emotion in Emotion:
            track = parse_emotion_spec(f"0={emotion.value}:{intensity}")
            coeffs = animate(track, SpeechTrack.silent(25.0, 1), style, fit.photo_expression, fps=25.0, frame_count=1)
            frame = renderer.render(coeffs.values)[0][..., :3][crop]
            cell = cv2.resize(np.ascontiguousarray(frame), None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
            label = emotion.value if emotion is Emotion.NEUTRAL else f"{emotion.value} {intensity:g}"
            cv2.putText(cell, label, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 0), 2, cv2.LINE_AA)
            cells.append(cell)
        rows.append(np.concatenate(cells, axis=1))
    return np.concatenate(rows, axis=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/animation/emotion_sheet.png")
    parser.add_argument("--scale", type=float, default=1.5)
    parser.add_argument("--portrait", choices=PORTRAITS, default=None)
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for name in [args.portrait] if args.portrait else PORTRAITS:
        target = out.with_name(f"{out.stem}_{name}{out.suffix}")
        cv2.imwrite(str(target), cv2.cvtColor(portrait_rows(name, args.scale), cv2.COLOR_RGB2BGR))
        print(target)


if __name__ == "__main__":
    main()
