"""EmoSpeaker Studio: one portrait + one voice -> a talking portrait with keyframed emotion.

Layers (see docs/architecture.md):
  core    the document (pure Python; no Qt, no torch)
  engine  face fit, speech analysis, animation, renderer, export (no Qt)
  app     the PySide6 desktop application
"""

__version__ = "0.1.0"
