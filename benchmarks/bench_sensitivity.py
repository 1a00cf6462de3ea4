"""Benchmark: vectorised sensitivity analysis vs a per-draw reference.

Problem: 1,000 units x 60 indicators (6 dimensions x 10) x 10,000 model runs, with every
assumption on (weights +-25%, normalisation minmax/zscore/rank, aggregation
arithmetic/geometric, imputation none/mean, treatment off/on, indicator removal, dummy).

Targets: < 10 s, < 2 GB peak, >= 50x faster than the reference that rebuilds the profile
once per draw with :func:`urbansec_lib.scoring.score`. The reference is timed on a
subsample of draws (``--ref-draws``, default 20) and extrapolated linearly to all runs.

Run: ``OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_sensitivity.py``
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np
import pandas as pd

from urbansec_lib import sensitivity
from urbansec_lib.framework import Framework


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
    a = ap.parse_args()
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
    ok = t_vec < 10 and peak_mb < 2048 and t_ref / t_vec >= 50
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
