"""The renderer: coefficients to frames on the torch device."""

import os

# The renderer issues many small tensor operations per frame. With OpenMP's
# default busy-waiting, torch's worker threads spin for the CPU that ffmpeg (or
# anything else) needs, and a loaded 2-core machine renders 15-20x slower
# (measured: 7.7 vs 135 fps at 512 px). Passive waiting costs nothing when the
# machine is idle. It only takes effect if torch has not been imported yet, so
# the application's entry points should set it too.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
