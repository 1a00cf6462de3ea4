"""Start-up time of the ``urbansec`` command (target: ``--help`` and argument errors < 0.5 s).

Run by hand: ``.venv/bin/python benchmarks/bench_startup.py``. Prints the median wall time of
10 runs of each command line, and of a bare ``python -c "import pandas"`` for comparison.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time


def _median_seconds(cmd: list[str], n: int = 10) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    exe = shutil.which("urbansec") or f"{sys.prefix}/bin/urbansec"
    cases = {
        "urbansec --help": [exe, "--help"],
        "urbansec run --help": [exe, "run", "--help"],
        "urbansec --bogus (argument error)": [exe, "--bogus"],
        "urbansec --version": [exe, "--version"],
        'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
    }
    for label, cmd in cases.items():
        print(f"{label:40s} {_median_seconds(cmd):6.3f} s (median of 10)")


if __name__ == "__main__":
    main()
