"""Every keyboard shortcut of the Studio in one table: the actions and the help dialog both read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shortcut:
    name: str  # action name used by the main window
    keys: tuple[str, ...]  # QKeySequence strings
    text: str  # what it does, for the help dialog
    group: str


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("play", ("Space",), "Play / pause", "Playback"),
    Shortcut("shuttle_back", ("J",), "Play backwards; press again for double speed", "Playback"),
    Shortcut("shuttle_stop", ("K",), "Pause", "Playback"),
    Shortcut("shuttle_forward", ("L",), "Play; press again for double speed", "Playback"),
    Shortcut("prev_frame", ("Left",), "Previous frame", "Playback"),
    Shortcut("next_frame", ("Right",), "Next frame", "Playback"),
    Shortcut("back_second", ("Shift+Left",), "One second back", "Playback"),
    Shortcut("forward_second", ("Shift+Right",), "One second forward", "Playback"),
    Shortcut("go_start", ("Home",), "Go to the start", "Playback"),
    Shortcut("go_end", ("End",), "Go to the end", "Playback"),
    Shortcut("loop_in", ("I",), "Set the loop start at the playhead", "Playback"),
    Shortcut("loop_out", ("O",), "Set the loop end at the playhead", "Playback"),
    Shortcut("add_keyframe", ("Ins", "Ctrl+K"), "Add an emotion keyframe at the playhead", "Keyframes"),
    Shortcut("delete", ("Delete", "Backspace"), "Delete the selected keyframes", "Keyframes"),
    Shortcut("copy", ("Ctrl+C",), "Copy the selected keyframes", "Keyframes"),
    Shortcut("paste", ("Ctrl+V",), "Paste keyframes at the playhead", "Keyframes"),
    Shortcut("duplicate", ("Ctrl+D",), "Duplicate the selected keyframes", "Keyframes"),
    Shortcut("select_all", ("Ctrl+A",), "Select all keyframes", "Keyframes"),
    Shortcut("deselect", ("Esc",), "Deselect the keyframes", "Keyframes"),
    Shortcut("hold", ("H",), "Hold the selected keyframes' emotion until the next keyframe (again: blend)", "Keyframes"),
    Shortcut("undo", ("Ctrl+Z",), "Undo", "Edit"),
    Shortcut("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo", "Edit"),
    Shortcut("new", ("Ctrl+N",), "New project", "File"),
    Shortcut("open", ("Ctrl+O",), "Open a project", "File"),
    Shortcut("save", ("Ctrl+S",), "Save", "File"),
    Shortcut("save_as", ("Ctrl+Shift+S",), "Save as", "File"),
    Shortcut("export", ("Ctrl+E",), "Export a video", "File"),
    Shortcut("fit_timeline", ("F",), "Fit the whole timeline", "View"),
    Shortcut("toggle_original", ("\\",), "Show the original photo (A/B)", "View"),
    Shortcut("toggle_overlay", ("Ctrl+L",), "Show the face fit", "View"),
    Shortcut("zoom_fit", ("Ctrl+0",), "Preview: zoom to fit", "View"),
    Shortcut("zoom_100", ("Ctrl+1",), "Preview: 100 %", "View"),
    Shortcut("preferences", ("Ctrl+,",), "Preferences", "View"),
    Shortcut("shortcuts", ("F1",), "This list", "Help"),
)

BY_NAME = {s.name: s for s in SHORTCUTS}
