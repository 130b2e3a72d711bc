"""Wall time of ``motorseq demo`` and of its analysis/report stage. Prints figures.

Usage: ``python tests/benchmarks/demo_time.py [PARTICIPANTS] [WORKERS]`` (defaults 4 and 2).
The demo's first run includes compiling the model (cached afterwards in the build folder);
the load average is printed because other processes on the machine slow every stage.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    participants = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    from motorseq.analysis.report.build import build_report
    from motorseq.analysis.report.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        run_demo(out, participants=participants, seed=0, workers=workers)
        total = time.perf_counter() - t0
        t1 = time.perf_counter()
        build_report(out / "data", out / "again.html", brain_out=out / "brain2")
        report = time.perf_counter() - t1
        load1 = os.getloadavg()[0]
    print(f"participants: {participants}, workers: {workers}, cores: {os.cpu_count()}")
    print(f"load average (1 min) at start / end: {load0:.1f} / {load1:.1f}")
    print(f"demo total wall time: {total:.1f} s ({total / 60:.2f} min)")
    print(f"analysis + brain comparison + report alone: {report:.1f} s")
    print(f"simulation (incl. any compile): {total - report:.1f} s (approx.)")


if __name__ == "__main__":
    main()
