"""Benchmark: vectorised sensitivity analysis vs a per-draw reference.

Problem: 1,000 units x 60 indicators (6 dimensions x 10) x 10,000 model runs, with every
assumption on (weights +-25%, normalisation minmax/zscore/rank, aggregation
arithmetic/geometric, imputation none/mean, treatment off/on, indicator removal, dummy).

Targets (issue "Every European city and region from existing data, fast"): < 5 s and
< 1 GB peak on 2 cores, and >= 50x faster than the reference that rebuilds the profile
once per draw with :func:`urbansec_lib.scoring.score`. The reference is timed on a
subsample of draws (``--ref-draws``, default 20) and extrapolated linearly to all runs.

Second part (``--asem``, on by default): COINr's own design on COINr's ASEM example,
timed for COINr 1.1.14's ``get_sensitivity`` (recorded from the R build in
tests/data/coinr_ref/sensitivity_timing.csv, see its PROVENANCE.txt; ``--rerun-coinr``
re-times it when ``Rscript`` with COINr in ~/rlib is available) and for urbansec's
:func:`urbansec_lib.sensitivity.run_specs` on the same design (winmax 1-5, min-max
(1, 100) / z-score (10, 2), 100 noisy weight sets at levels 2-3 with noise 0.25,
arithmetic / geometric mean, N = 20 -> 120 runs, bootstrap 100): runs per second for both.

Run: ``OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_sensitivity.py``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from urbansec_lib import coinr, sensitivity, stages
from urbansec_lib.framework import Framework

REF = Path(__file__).resolve().parent.parent / "tests" / "data" / "coinr_ref"
_R_TIMING = """
suppressPackageStartupMessages(library(COINr)); coin <- build_example_coin(quietly = TRUE)
set.seed(1)
sp <- list(
 Winmax = list(Address = "$Log$Treat$global_specs$f1_para$winmax", Distribution = 1:5,
               Type = "discrete"),
 Normalisation = list(Address = "$Log$Normalise$global_specs", Type = "discrete",
   Distribution = list(list(f_n = "n_minmax", f_n_para = list(c(1, 100))),
                       list(f_n = "n_zscore", f_n_para = list(c(10, 2))))),
 Weights = list(Address = "$Log$Aggregate$w", Type = "discrete",
   Distribution = get_noisy_weights(w = coin$Meta$Weights$Original, noise_specs =
     data.frame(Level = c(2, 3), NoiseFactor = c(0.25, 0.25)), Nrep = 100)),
 Aggregation = list(Address = "$Log$Aggregate$f_ag", Distribution = c("a_amean", "a_gmean"),
                    Type = "discrete"))
t0 <- proc.time()[["elapsed"]]
sa <- suppressMessages(get_sensitivity(coin, SA_specs = sp, N = 20, SA_type = "SA",
  dset = "Aggregated", iCode = "Index", Nboot = 100, quietly = TRUE, check_addresses = FALSE))
cat(proc.time()[["elapsed"]] - t0)
"""


def asem_comparison(rerun_coinr: bool = False, N: int = 20) -> dict:
    """COINr's get_sensitivity vs urbansec's run_specs on COINr's ASEM design."""
    rec = pd.read_csv(REF / "sensitivity_timing.csv").iloc[0]
    coinr_s, coinr_runs, source = float(rec["seconds"]), int(rec["runs"]), "recorded"
    if rerun_coinr and shutil.which("Rscript"):
        env = {**os.environ, "R_LIBS": os.path.expanduser("~/rlib")}
        outp = subprocess.run(
            ["Rscript", "-e", _R_TIMING], capture_output=True, text=True, env=env, check=True
        )
        coinr_s, coinr_runs, source = float(outp.stdout.strip().split()[-1]), 120, "re-timed"
    t = coinr.read_coinr(REF / "ASEM_iData.csv", REF / "ASEM_iMeta.csv")
    pipe = stages.Pipeline(
        denominate=stages.Denominate(t.denominators),
        impute=stages.Impute("group_mean", group="EurAsia_group"),
        screen=stages.Screen(enabled=True, min_unit_coverage=0.9, after_impute=True),
        treat=stages.Treat(enabled=True, winmax=5, log_fallback="log_CT"),
        normalise=stages.Normalise("minmax", {"range": (0, 100)}),
        aggregate=stages.Aggregate("arithmetic"),
        groups=t.groups,
    )
    specs = {
        "treat.winmax": {"values": [1, 2, 3, 4, 5]},
        "normalise": {
            "values": [
                stages.Normalise("minmax", {"range": (1, 100)}),
                stages.Normalise("zscore", {"mean": 10, "sd": 2}),
            ]
        },
        "weight.scheme": {"values": sensitivity.noisy_weights(t.fw, {2: 0.25, 3: 0.25}, 100)},
        "aggregate.method": {"values": ["arithmetic", "geometric"]},
    }
    t0 = time.perf_counter()
    res = sensitivity.run_specs(t.data, t.fw, specs, pipe, N=N, nboot=100, seed=1)
    us_s = time.perf_counter() - t0
    return {
        "design": "COINr sensitivity vignette on ASEM (4 assumptions, N(d+2) runs, Nboot 100)",
        "coinr_get_sensitivity_s": round(coinr_s, 2),
        "coinr_runs": coinr_runs,
        "coinr_runs_per_s": round(coinr_runs / coinr_s, 1),
        "coinr_timing": source,
        "urbansec_run_specs_s": round(us_s, 2),
        "urbansec_runs": res.n_runs,
        "urbansec_runs_per_s": round(res.n_runs / us_s, 1),
        "urbansec_distinct_pre_aggregation_configs": res.info["n_unique"],
    }


def make_framework(n_dims: int = 6, per_dim: int = 10) -> Framework:
    dims = []
    for j in range(n_dims):
        inds = [
            {
                "id": f"i{j}_{k}",
                "label": f"indicator {j}.{k}",
                "definition": "synthetic",
                "type": "continuous",
                "direction": -1 if k % 3 == 0 else 1,
                "unit": "x",
                "source": {"kind": "statistic", "dataset": "synthetic"},
                "levels": ["city"],
                "nature": "objective",
                "frequency": "annual",
                "indices": [],
                "weight": 1.0 + (k % 2),
            }
            for k in range(per_dim)
        ]
        dims.append(
            {
                "id": f"d{j}",
                "label": f"dimension {j}",
                "description": "synthetic",
                "weight": 1.0,
                "indicators": inds,
            }
        )
    doc = {
        "framework": {
            "id": "bench",
            "name": "Benchmark",
            "version": "1.0.0",
            "description": "synthetic",
            "index": {"id": "index"},
            "changelog": [{"version": "1.0.0", "date": "", "changes": "-"}],
        },
        "dimensions": dims,
    }
    return Framework.from_dict(doc)


def make_data(fw: Framework, n_units: int = 1000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = [i.id for i in fw.indicators]
    latent = rng.normal(size=(n_units, 1))
    X = np.exp(0.6 * latent + rng.normal(size=(n_units, len(ids))))  # skewed, correlated
    X[rng.random(X.shape) < 0.05] = np.nan
    units = [f"U{u:04d}" for u in range(n_units)]
    return pd.DataFrame(
        {
            "unit_id": np.repeat(units, len(ids)),
            "indicator_id": np.tile(ids, n_units),
            "period": 2024,
            "value": X.reshape(-1),
        }
    )


ASSUMPTIONS = {
    "weights": 0.25,
    "normalisation": ["minmax", "zscore", "rank"],
    "aggregation": ["arithmetic", "geometric"],
    "imputation": ["none", "mean"],
    "treatment": [False, True],
    "removal": True,
    "dummy": True,
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--ref-draws", type=int, default=20)
    ap.add_argument("--chunk-size", type=int, default=None)
    ap.add_argument("--no-asem", action="store_true", help="skip the COINr/ASEM comparison")
    ap.add_argument("--rerun-coinr", action="store_true", help="re-time COINr with Rscript")
    ap.add_argument("--asem-only", action="store_true")
    a = ap.parse_args()
    if not a.no_asem:
        print(json.dumps({"asem_vs_coinr": asem_comparison(a.rerun_coinr)}, indent=2))
        if a.asem_only:
            return 0
    fw = make_framework()
    data = make_data(fw, a.units)

    t0 = time.perf_counter()
    res = sensitivity.run(data, fw, ASSUMPTIONS, n=a.runs, seed=0, chunk_size=a.chunk_size)
    t_vec = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB

    # Reference: rebuild the profile once per draw with the ordinary step functions.
    reps = res.replicates.sample(a.ref_draws, random_state=0).to_dict("records")
    t0 = time.perf_counter()
    for rep in reps:
        sensitivity.reference_scores(data, fw, rep)
    t_ref_each = (time.perf_counter() - t0) / len(reps)
    t_ref = t_ref_each * res.n_runs
    out = {
        "units": a.units,
        "indicators": len(fw.indicators),
        "runs": res.n_runs,
        "base_samples_N": res.n_base,
        "variants": res.info["n_variants"],
        "chunk_size": res.info["chunk_size"],
        "vectorised_s": round(t_vec, 2),
        "peak_rss_MB": round(peak_mb),
        "reference_s_per_draw": round(t_ref_each, 3),
        "reference_draws_timed": len(reps),
        "reference_extrapolated_s": round(t_ref, 1),
        "speedup": round(t_ref / t_vec, 1),
    }
    print(json.dumps(out, indent=2))
    print(res.summary().splitlines()[0])
    ok = t_vec < 5 and peak_mb < 1024 and t_ref / t_vec >= 50
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
