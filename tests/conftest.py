"""Test-wide setup: no display, and per-run user directories.

The user's cache/config/data folders are redirected into a temporary folder
for the whole run, so tests never read a real user's settings or leave files
in their home (the face-fit cache included).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_USER_DIRS = tempfile.mkdtemp(prefix="emospeaker-tests-")
atexit.register(shutil.rmtree, _USER_DIRS, ignore_errors=True)
for _var, _sub in (("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
    os.environ[_var] = os.path.join(_USER_DIRS, _sub)
