"""The document: project, emotion track, keyframes, easing, edits, file format.

Pure Python. Imports neither Qt nor torch (tests/core/test_layers.py enforces it).
"""
