"""Benchmark: staggered-adoption estimators on did's mpdta data and large synthetic panels.

Times :func:`urbansec_lib.staggered.att_gt` (unconditional and doubly robust with a
covariate), its dynamic aggregation, the multiplier bootstrap (999 draws),
:func:`~urbansec_lib.staggered.sun_abraham` and
:func:`~urbansec_lib.staggered.bacon_decomposition` on mpdta (500 counties x 5 years;
reference R did 2.3.0 takes about 1 s per att_gt call there) and on synthetic panels of
10,000 and 100,000 areas x 9 years (3 cohorts, a third never treated).

Run: ``OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_staggered.py [--sizes 10000,100000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

from urbansec_lib import staggered
from urbansec_lib.demo.outcomes import simulate_rollout

ROOT = Path(__file__).resolve().parent.parent


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench(df, outcome, unit, time_col, group, covariate=None) -> dict:
    res, t_cs = timed(lambda: staggered.att_gt(df, outcome, unit, time_col, group))
    _, t_dyn = timed(lambda: res.aggregate("dynamic"))
    row = {"rows": len(df), "att_gt_s": t_cs, "aggregate_dynamic_s": t_dyn}
    if covariate:
        _, row["att_gt_dr_covariate_s"] = timed(
            lambda: staggered.att_gt(df, outcome, unit, time_col, group, covariates=[covariate])
        )
    _, row["att_gt_bootstrap999_s"] = timed(
        lambda: staggered.att_gt(df, outcome, unit, time_col, group, bootstrap=999, seed=0)
    )
    _, row["sun_abraham_s"] = timed(
        lambda: staggered.sun_abraham(df, outcome, unit, time_col, group)
    )
    d = df.assign(_d=((df[group] > 0) & (df[time_col] >= df[group])).astype(int))
    _, row["bacon_s"] = timed(
        lambda: staggered.bacon_decomposition(d, outcome, unit, time_col, "_d")
    )
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    out = {}
    mp = pd.read_csv(ROOT / "tests" / "data" / "staggered" / "mpdta.csv")
    out["mpdta"] = bench(mp, "lemp", "countyreal", "year", "first.treat", covariate="lpop")
    for n in [int(s) for s in a.sizes.split(",") if s]:
        r = simulate_rollout(n_areas=n, seed=1)
        r["lpop"] = r["population"].astype(float).map(lambda v: v / 1000)
        out[f"synthetic_{n}"] = bench(r, "incidents_per_1000", "area", "year", "first_year", "lpop")
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(out, sys.stdout, indent=2)
    print()
    (ROOT / "benchmarks" / "results" / "bench_staggered.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
