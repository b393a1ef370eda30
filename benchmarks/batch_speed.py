"""How much a batch gains over rendering the same jobs one after another.

Renders N copies of the demo (each with its own seed, so no two outputs are
alike) once as single ``render`` commands in a row, then once as one
``batch`` with ``--jobs P``, and reports::

    ratio = batch wall time / (sum of the single render times / P)

1.0 means the batch is exactly P times as fast as rendering the jobs in a
row; the issue's target is <= 1.15. For context it also times the single
renders held to one core (what each of P jobs gets on P cores) and the batch
one job at a time. Every figure includes the start of each
process, as a user running the commands would see it.

    python -m benchmarks.batch_speed --count 4 --parallel 2 --size 512
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "resources" / "demo.esproj"


def _run(args: list[str], one_core: bool = False) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    pin = (lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})) if one_core else None
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "emospeaker_studio", *args], capture_output=True, text=True, env=env,
                          preexec_fn=pin)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=4, help="jobs (default 4)")
    parser.add_argument("--parallel", type=int, default=2, help="batch --jobs (default 2)")
    parser.add_argument("--size", default="512", help="output height (default 512)")
    parser.add_argument("-o", "--output", help="also write the figures to this JSON file")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="batch-speed-") as folder:
        work = Path(folder)
        # One render first, not counted: the face fit lands in the cache, the files in the page cache.
        _run(["render", "--project", str(DEMO), "-o", str(work / "warm.mp4"), "--size", options.size, "-q"])
        def single(i: int, one_core: bool = False) -> float:
            return _run(["render", "--project", str(DEMO), "-o", str(work / f"single{i}.mp4"), "--size", options.size,
                         "--seed", str(i), "-q"], one_core)

        singles = [single(i) for i in range(options.count)]
        # The same renders held to one core: what each job of a batch gets on a machine of P cores.
        singles_one_core = [single(i, one_core=True) for i in range(options.count)]
        manifest = work / "jobs.csv"
        manifest.write_text("project,output,size,seed\n" + "".join(
            f"{DEMO},batch{i}.mp4,{options.size},{i}\n" for i in range(options.count)))
        batch = _run(["batch", str(manifest), "--jobs", str(options.parallel), "-q"])
        (work / "jobs.csv.results.jsonl").unlink()
        batch_serial = _run(["batch", str(manifest), "--jobs", "1", "-q"])

    ideal = sum(singles) / options.parallel
    figures = {
        "count": options.count, "parallel": options.parallel, "size": options.size, "cpu_count": os.cpu_count(),
        "single_s": [round(s, 2) for s in singles], "single_sum_s": round(sum(singles), 2),
        "single_one_core_s": [round(s, 2) for s in singles_one_core],
        "single_one_core_sum_s": round(sum(singles_one_core), 2),
        "batch_s": round(batch, 2), "batch_jobs_1_s": round(batch_serial, 2),
        "ideal_s": round(ideal, 2), "ratio": round(batch / ideal, 3),
        "ratio_to_one_core_renders": round(batch / (sum(singles_one_core) / options.parallel), 3),
    }
    print(json.dumps(figures, indent=2))
    if options.output:
        Path(options.output).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
