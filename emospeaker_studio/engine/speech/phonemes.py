"""espeak-ng phoneme mnemonics -> the 15 visemes and ground-truth articulation.

espeak writes phonemes in an ASCII notation close to Kirshenbaum's (``tS`` for
"ch", ``aI`` for the vowel of "my", ``@`` for schwa) with modifiers appended
(``:`` long, ``~`` nasal, ``;`` palatalised, digits for language variants).
A mnemonic is split into base units (two letters for affricates, one letter
otherwise, modifiers dropped); a diphthong's units share its duration, so
"my" goes aa -> ih as the lips do.

Articulation targets are in 0..1 and describe the mouth *at* the sound, with
no anticipation; they are what the recognizers learn and what the benchmark
compares against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from emospeaker_studio.engine.speech.track import VISEMES

ARTICULATION_NAMES: tuple[str, ...] = ("jaw_open", "lip_round", "lip_spread", "lip_press")
VISEME_INDEX = {name: index for index, name in enumerate(VISEMES)}
SILENCE = VISEME_INDEX["sil"]
CLOSURE = VISEME_INDEX["PP"]

# The 6 visually distinct groups the benchmark also scores on.
GROUPS: tuple[str, ...] = ("rest", "closed", "FV", "open", "round", "spread")
VISEME_GROUP: dict[str, str] = {
    "sil": "rest", "PP": "closed", "FF": "FV",
    "TH": "open", "DD": "open", "kk": "open", "nn": "open", "aa": "open",
    "CH": "round", "RR": "round", "oh": "round", "ou": "round",
    "SS": "spread", "E": "spread", "ih": "spread",
}
GROUP_OF_VISEME = np.array([GROUPS.index(VISEME_GROUP[v]) for v in VISEMES], np.int64)


@dataclass(frozen=True)
class UnitShape:
    """One base sound: its viseme and (jaw_open, lip_round, lip_spread, lip_press)."""

    viseme: str
    jaw: float = 0.0
    round: float = 0.0
    spread: float = 0.0
    press: float = 0.0

    def vector(self) -> np.ndarray:
        return np.array([self.jaw, self.round, self.spread, self.press], np.float32)


_TWO_LETTER: dict[str, UnitShape] = {
    "tS": UnitShape("CH", 0.15, 0.5, 0.0), "dZ": UnitShape("CH", 0.15, 0.5, 0.0),
    "ts": UnitShape("SS", 0.1, 0.0, 0.4), "dz": UnitShape("SS", 0.1, 0.0, 0.4),
}
_ONE_LETTER: dict[str, UnitShape] = {
    # lips together
    "p": UnitShape("PP", press=1.0), "b": UnitShape("PP", press=1.0), "m": UnitShape("PP", press=1.0),
    "B": UnitShape("PP", 0.05, press=0.8),
    # lower lip to teeth, tongue to teeth
    "f": UnitShape("FF", 0.08, 0.0, 0.2), "v": UnitShape("FF", 0.08, 0.0, 0.2),
    "T": UnitShape("TH", 0.2, 0.0, 0.1), "D": UnitShape("TH", 0.2, 0.0, 0.1),
    # tongue tip, back of the tongue
    "t": UnitShape("DD", 0.2, 0.0, 0.2), "d": UnitShape("DD", 0.2, 0.0, 0.2),
    "*": UnitShape("DD", 0.25, 0.0, 0.1), "c": UnitShape("DD", 0.2, 0.0, 0.2),
    "k": UnitShape("kk", 0.3, 0.0, 0.1), "g": UnitShape("kk", 0.3, 0.0, 0.1),
    "x": UnitShape("kk", 0.3, 0.0, 0.1), "G": UnitShape("kk", 0.3, 0.0, 0.1),
    "q": UnitShape("kk", 0.3, 0.0, 0.1), "N": UnitShape("kk", 0.25, 0.0, 0.1),
    "Q": UnitShape("kk", 0.3, 0.0, 0.1), "?": UnitShape("kk", 0.2, 0.0, 0.0),
    # sibilants and post-alveolars (lips pushed forward)
    "s": UnitShape("SS", 0.1, 0.0, 0.5), "z": UnitShape("SS", 0.1, 0.0, 0.5),
    "S": UnitShape("CH", 0.15, 0.5, 0.0), "Z": UnitShape("CH", 0.15, 0.5, 0.0),
    "C": UnitShape("CH", 0.15, 0.2, 0.3),
    # nasals and laterals made with the tongue
    "n": UnitShape("nn", 0.2, 0.0, 0.2), "J": UnitShape("nn", 0.2, 0.0, 0.3),
    "l": UnitShape("nn", 0.25, 0.0, 0.2), "L": UnitShape("nn", 0.25, 0.0, 0.3),
    "r": UnitShape("RR", 0.25, 0.3, 0.0), "R": UnitShape("RR", 0.3, 0.2, 0.0),
    # glides take the shape of the vowel they start from
    "j": UnitShape("ih", 0.2, 0.0, 0.7), "w": UnitShape("ou", 0.15, 1.0, 0.0),
    "H": UnitShape("ou", 0.2, 0.8, 0.0),
    # vowels
    "a": UnitShape("aa", 1.0, 0.0, 0.3), "A": UnitShape("aa", 0.95, 0.1, 0.1),
    "&": UnitShape("aa", 0.85, 0.0, 0.5), "V": UnitShape("aa", 0.7, 0.0, 0.2),
    "@": UnitShape("E", 0.4, 0.0, 0.2), "3": UnitShape("E", 0.45, 0.1, 0.2),
    "e": UnitShape("E", 0.5, 0.0, 0.7), "E": UnitShape("E", 0.65, 0.0, 0.6),
    "i": UnitShape("ih", 0.25, 0.0, 0.9), "I": UnitShape("ih", 0.3, 0.0, 0.7),
    "o": UnitShape("oh", 0.55, 0.75, 0.0), "O": UnitShape("oh", 0.75, 0.6, 0.0),
    "0": UnitShape("oh", 0.8, 0.5, 0.0), "8": UnitShape("oh", 0.45, 0.6, 0.0),
    "Y": UnitShape("oh", 0.45, 0.7, 0.0), "W": UnitShape("oh", 0.5, 0.7, 0.0),
    "u": UnitShape("ou", 0.25, 1.0, 0.0), "U": UnitShape("ou", 0.3, 0.8, 0.0),
    "y": UnitShape("ou", 0.25, 0.9, 0.0),
}
_SILENT = UnitShape("sil")
# 'h' has no mouth shape of its own: it takes the next sound's, a little more closed.
_ASPIRATE = "h"


def phone_units(symbol: str) -> list[UnitShape | str]:
    """Base units of one espeak mnemonic; the string "h" marks an aspirate to resolve from context."""
    if not symbol or symbol[0] == "_":
        return [_SILENT]
    units: list[UnitShape | str] = []
    index = 0
    while index < len(symbol):
        pair = symbol[index:index + 2]
        if pair in _TWO_LETTER:
            units.append(_TWO_LETTER[pair])
            index += 2
            continue
        char = symbol[index]
        if char in _ONE_LETTER:
            units.append(_ONE_LETTER[char])
        elif char == _ASPIRATE:
            units.append(_ASPIRATE)
        index += 1
    return units


@dataclass(frozen=True)
class TimedUnit:
    start_s: float
    end_s: float
    shape: UnitShape


def timed_units(phones: Sequence) -> list[TimedUnit]:
    """Phones (objects with symbol, start_s, end_s) -> consecutive timed unit shapes.

    Mnemonics that name no sound (language switches like "(en)", stress marks)
    extend the previous unit; aspirates take the next unit's shape.
    """
    pieces: list[tuple[float, float, UnitShape | str]] = []
    for phone in phones:
        if phone.symbol.startswith("("):
            continue
        units = phone_units(phone.symbol)
        if not units:
            if pieces:
                start, _, shape = pieces[-1]
                pieces[-1] = (start, phone.end_s, shape)
            continue
        step = (phone.end_s - phone.start_s) / len(units)
        for k, unit in enumerate(units):
            pieces.append((phone.start_s + k * step, phone.start_s + (k + 1) * step, unit))
    resolved: list[TimedUnit] = []
    following: UnitShape = _SILENT
    for start, end, unit in reversed(pieces):
        if unit == _ASPIRATE:
            base = following if following.viseme != "sil" else _ONE_LETTER["@"]
            unit = UnitShape(base.viseme if base.viseme != "PP" else "E", base.jaw * 0.6, base.round * 0.6,
                             base.spread * 0.6, 0.0)
        resolved.append(TimedUnit(start, end, unit))
        following = unit
    resolved.reverse()
    return resolved


def frame_targets(phones: Sequence, frame_rate: float, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Viseme index (frames,) int64 and articulation (frames, 4) float32 at frame centres.

    Frame k covers [k, k+1) / frame_rate seconds; it takes the unit sounding
    at its centre. Frames beyond the last phone are silence.
    """
    labels = np.full(frames, SILENCE, np.int64)
    articulation = np.zeros((frames, len(ARTICULATION_NAMES)), np.float32)
    centres = (np.arange(frames) + 0.5) / frame_rate
    for unit in timed_units(phones):
        first, last = np.searchsorted(centres, [unit.start_s, unit.end_s])
        labels[first:last] = VISEME_INDEX[unit.shape.viseme]
        articulation[first:last] = unit.shape.vector()
    return labels, articulation


# The mouth cannot jump between shapes: ground-truth curves are step targets
# eased with a 20 ms Gaussian, the same for training and for the benchmark.
TARGET_EASE_S = 0.02


def articulation_curves(phones: Sequence, frame_rate: float, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """frame_targets with the articulation eased over TARGET_EASE_S: labels (n,), curves (n, 4)."""
    labels, steps = frame_targets(phones, frame_rate, frames)
    sigma = TARGET_EASE_S * frame_rate
    radius = max(1, int(np.ceil(3 * sigma)))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(steps, ((radius, radius), (0, 0)), mode="edge")
    eased = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(steps.shape[1])], axis=1)
    return labels, eased.astype(np.float32)
