"""What a recognizer produces at the analysis rate (100 frames/s), before coarticulation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FrameEstimates:
    """Per analysis frame (100/s): probs (n, 15) rows summing to 1, articulation (n, 4)
    (jaw_open, lip_round, lip_spread, lip_press) and speech (n,) voice activity, all in 0..1."""

    probs: np.ndarray
    articulation: np.ndarray
    speech: np.ndarray

    @property
    def frames(self) -> int:
        return int(self.probs.shape[0])
