"""EmoSpeaker Studio: one portrait + one voice -> a talking portrait with keyframed emotion.

Layers (see docs/architecture.md):
  core    the document (pure Python; no Qt, no torch)
  engine  face fit, speech analysis, animation, renderer, export (no Qt)
  app     the PySide6 desktop application
"""

import os as _os

# OpenMP threads that spin while waiting starve ffmpeg and the GUI on a laptop
# CPU (measured: 7.7 vs 135 fps at 512 px with an encoder running beside the
# renderer). The policy is read once, when torch loads, so it is set here,
# before any layer can import torch.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
