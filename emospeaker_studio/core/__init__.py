"""The document: project, emotion track, keyframes, easing, edits, file format.

Pure Python (standard library only). Imports neither Qt nor torch nor numpy;
tests/test_layers.py and tests/core/test_core_purity.py enforce it.

Modules: ``easing`` (segment curves), ``keyframes`` (keyframes, the track,
``emotion_at``), ``project`` (the document and its settings), ``edits``
(undoable edits; the Studio keeps them on a ``QUndoStack``), ``projectfile``
(the ``.esproj`` format, migrations, atomic save), ``emotion_spec`` (the
command line's emotion spec).
"""
