"""The renderer: coefficients to frames on the torch device.

OpenMP's passive wait policy, which the renderer's many small tensor
operations need beside ffmpeg, is set in ``emospeaker_studio/__init__.py``,
before any layer can import torch.
"""
