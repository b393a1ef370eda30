"""Contact sheets of every control on the demo portraits (a viewing aid, not a test).

    python tests/engine/render/make_contact_sheet.py [--out /tmp/render] [--height 512] [--value 1.0]

Writes one PNG per portrait: the photo as rendered at rest, then each control
at ``--value`` (head pose in degrees: 15 x value), cropped to the head and
labelled, plus a row of combinations that read as emotions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

EMOTION_LIKE = {
    "happy": {"AU06": 0.8, "AU12": 1.0, "jaw_open": 0.15},
    "sad": {"AU01": 1.0, "AU04": 0.5, "AU15": 1.0, "AU12": -0.6},
    "surprised": {"AU01": 1.0, "AU02": 1.0, "AU05": 0.8, "jaw_open": 0.55},
    "angry": {"AU04": 1.0, "AU05": 0.4, "AU07": 0.8, "AU23": 0.8, "AU12": -0.4},
    "fearful": {"AU01": 1.0, "AU02": 0.8, "AU04": 0.5, "AU05": 0.8, "AU20": 1.0, "jaw_open": 0.25},
    "disgusted": {"AU09": 1.0, "AU10": 0.6, "AU15": 0.6, "AU16": 0.5},
    "contempt": {"AU12R": 1.0, "AU14R": 0.8},
    "speaking 'ah'": {"jaw_open": 0.5},
    "speaking 'oo'": {"lip_round": 1.0, "jaw_open": 0.15},
    "speaking 'ee'": {"lip_spread": 1.0, "jaw_open": 0.1},
    "speaking 'm'": {"lip_press": 1.0},
}


def demo_portraits(folder: Path) -> list[Path]:
    import matplotlib.cbook as cbook
    from skimage import data

    astronaut = folder / "astronaut.png"
    cv2.imwrite(str(astronaut), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    return [astronaut, Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))]


def sheet(path: Path, height: int, value: float, columns: int = 6) -> np.ndarray:
    from emospeaker_studio.engine.controls import CONTROL_INDEX, CONTROL_NAMES, HEAD_POSE
    from emospeaker_studio.engine.face.fit import fit_face
    from emospeaker_studio.engine.face.portrait import load_portrait
    from emospeaker_studio.engine.render.renderer import Renderer

    portrait = load_portrait(path)
    fit = fit_face(portrait)
    renderer = Renderer(portrait, fit, height=height, device="auto")
    labels, rows = ["rest"], [np.zeros(len(CONTROL_NAMES), np.float32)]
    for name in CONTROL_NAMES:
        row = np.zeros(len(CONTROL_NAMES), np.float32)
        row[CONTROL_INDEX[name]] = value * (15.0 if name in HEAD_POSE else 1.0)
        labels.append(f"{name} {row[CONTROL_INDEX[name]]:g}")
        rows.append(row)
    for label, values in EMOTION_LIKE.items():
        row = np.zeros(len(CONTROL_NAMES), np.float32)
        for name, amount in values.items():
            row[CONTROL_INDEX[name]] = amount
        labels.append(label)
        rows.append(row)
    frames = np.concatenate([renderer.render(np.stack(rows[i : i + 8])) for i in range(0, len(rows), 8)])
    scale = renderer.size[1] / portrait.height
    x, y, w, h = (v * scale for v in fit.face_box)
    x0, y0 = max(0, int(x - 0.25 * w)), max(0, int(y - 0.2 * h))
    x1, y1 = min(renderer.size[0], int(x + 1.25 * w)), min(renderer.size[1], int(y + 1.3 * h))
    tiles = []
    for label, frame in zip(labels, frames):
        tile = cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1, :3]), cv2.COLOR_RGB2BGR)
        cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(tile, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
    while len(tiles) % columns:
        tiles.append(np.zeros_like(tiles[0]))
    return np.vstack([np.hstack(tiles[i : i + columns]) for i in range(0, len(tiles), columns)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/render")
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--value", type=float, default=1.0)
    parser.add_argument("portraits", nargs="*", help="portraits to use instead of the demo ones")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    portraits = [Path(p) for p in args.portraits] or demo_portraits(out)
    for path in portraits:
        target = out / f"contact-{path.stem}-{args.value:g}.png"
        cv2.imwrite(str(target), sheet(path, args.height, args.value))
        print(target)


if __name__ == "__main__":
    main()
