"""The program's entry point (the console script and ``python -m emospeaker_studio``).

The command line handles Ctrl-C and SIGTERM once it runs (cli._StopSignals),
but importing it takes a moment first; a Ctrl-C in that moment would end the
program with Python's KeyboardInterrupt traceback. Here it ends it the way an
interrupted command does: one line and exit 130 (nothing has been written yet).
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # 128 + SIGINT
INTERRUPTED_LINE = "\ninterrupted; nothing was written"


def run() -> None:
    try:
        from emospeaker_studio.cli import main
    except KeyboardInterrupt:
        print(INTERRUPTED_LINE, file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    raise SystemExit(main())
