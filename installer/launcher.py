"""Entry script of the packaged app: the same entry point as the ``emospeaker-studio`` console script.

With no arguments it opens the Studio window; with a sub-command it runs the
command line (``emospeaker-studio fit …``, ``demo …``, ``render …``).
"""

import multiprocessing

from emospeaker_studio.entry import run

if __name__ == "__main__":
    # A frozen app that (or whose libraries) start worker processes must call
    # this first, or each child would start another copy of the app.
    multiprocessing.freeze_support()
    run()
