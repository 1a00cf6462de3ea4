"""Benchmark: two-way fixed-effects ``impact.did`` against pyfixest on the same model.

Problem (issue 16): Di Tella & Schargrodsky (2004, AER 94(1)) car-theft panel shape, 876
Buenos Aires blocks x 9 months (April-December 1994) = 7,884 rows, 37 blocks with a
Jewish institution protected by police after the July 1994 attack (treated from August).
The real data are not bundled (no package in reach ships them), so the panel is
SIMULATED with that shape (Poisson thefts, block and month effects, a planted effect of
-0.08 thefts per block-month), then scaled 10x and 100x in blocks (78,840 and 788,400
rows).

For each size: ``impact.did(df, "thefts", "treat", unit="block", time="month",
cluster="block")`` (absorbed FE, CRV1 by block, plus its event study, group means and
checks), ``fixed_effects.feols`` alone, and ``pyfixest.feols("thefts ~ treat | block +
month", vcov={"CRV1": "block"})``; the estimate and the CRV1 SE must equal pyfixest's to
1e-8. Times are the best of ``--repeat`` runs after a warm-up (pyfixest JIT-compiles on
first use); peak memory is the tracemalloc peak of one call (numpy allocations included).

Target: ``did`` within 2x of pyfixest at every size.

Run by hand (never a timed test): ``OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_did.py``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from urbansec_lib import impact
from urbansec_lib.fixed_effects import feols


def ditella_shaped(scale: int = 1, seed: int = 1994) -> pd.DataFrame:
    """Simulated panel with the Di Tella & Schargrodsky shape (x ``scale`` blocks)."""
    rng = np.random.default_rng(seed)
    blocks, months = 876 * scale, np.arange(4, 13)
    block = np.repeat(np.arange(blocks), months.size)
    month = np.tile(months, blocks)
    protected = (np.arange(blocks) % 876) < 37  # 37 protected blocks per 876
    treat = (protected[block] & (month >= 8)).astype(float)
    rate = np.exp(np.log(0.09) + rng.normal(0, 0.5, blocks)[block] + 0.05 * (month - 8))
    thefts = rng.poisson(np.clip(rate - 0.08 * treat, 0.001, None)).astype(float)
    return pd.DataFrame({"block": block, "month": month, "treat": treat, "thefts": thefts})


def _timed(fn, repeat: int):
    fn()  # warm-up
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, best, peak / 2**20


def run(scales: list[int], repeat: int) -> list[dict]:
    import pyfixest as pf

    rows = []
    for scale in scales:
        d = ditella_shaped(scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res, t_did, m_did = _timed(
                lambda d=d: impact.did(
                    d, "thefts", "treat", unit="block", time="month", cluster="block"
                ),
                repeat,
            )
            fit, t_fe, m_fe = _timed(
                lambda d=d: feols(d, "thefts", ["treat"], fe=["block", "month"], cluster="block"),
                repeat,
            )
            ref, t_pf, m_pf = _timed(
                lambda d=d: pf.feols(
                    "thefts ~ treat | block + month", data=d, vcov={"CRV1": "block"}
                ),
                repeat,
            )
        b_ref, se_ref = float(ref.coef()["treat"]), float(ref.se()["treat"])
        d_est, d_se = abs(res.estimate - b_ref), abs(res.se - se_ref)
        assert d_est < 1e-8 and d_se < 1e-8, (scale, d_est, d_se)
        assert abs(fit.params["treat"] - b_ref) < 1e-8 and abs(fit.se["treat"] - se_ref) < 1e-8
        rows.append(
            {
                "rows": len(d),
                "blocks": 876 * scale,
                "estimate": res.estimate,
                "se_crv1": res.se,
                "max_abs_diff_estimate": d_est,
                "max_abs_diff_se": d_se,
                "did_s": round(t_did, 4),
                "feols_s": round(t_fe, 4),
                "pyfixest_s": round(t_pf, 4),
                "did_over_pyfixest": round(t_did / t_pf, 2),
                "feols_over_pyfixest": round(t_fe / t_pf, 2),
                "did_peak_mib": round(m_did, 1),
                "feols_peak_mib": round(m_fe, 1),
                "pyfixest_peak_mib": round(m_pf, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_did.json"))
    args = ap.parse_args(argv)
    rows = run(args.scales, args.repeat)
    Path(args.out).write_text(json.dumps(rows, indent=2) + "\n")
    ok = all(r["did_over_pyfixest"] <= 2.0 for r in rows)
    print("target (did within 2x of pyfixest at every size):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
