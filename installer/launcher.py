"""Entry script of the packaged app: the same ``main`` as the ``emospeaker-studio`` console script.

With no arguments it opens the Studio window; with a sub-command it runs the
command line (``emospeaker-studio fit …``, ``demo …``, ``render …``).
"""

import multiprocessing
import sys

from emospeaker_studio.cli import main

if __name__ == "__main__":
    # A frozen app that (or whose libraries) start worker processes must call
    # this first, or each child would start another copy of the app.
    multiprocessing.freeze_support()
    sys.exit(main())
