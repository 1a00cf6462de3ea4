"""Benchmark: the social-cohesion study's within-city estimator on the bundled panel.

Times (median of ``--repeat`` runs, one BLAS thread and the machine's default) of

* ``absorbed``: :func:`urbansec_lib.social_cohesion.fit_within` (fixed effects absorbed by
  alternating projections, CRV1 by city), the primary specification;
* ``dummies``: the same regression as plain statsmodels OLS with city and wave dummies and
  cluster-robust SEs (the independent check of the tests);
* ``loco``: the leave-one-country-out table (one within fit per country);
* ``load``: reading every input once and building the three coded panels.

Run: ``.venv/bin/python benchmarks/bench_cohesion.py [--repeat 5]``; results go to
``benchmarks/results/bench_cohesion.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pandas as pd
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

from urbansec_lib import social_cohesion as sc

OUT = Path(__file__).resolve().parent / "results" / "bench_cohesion.json"


def _dummies(d: pd.DataFrame):
    X = d[["trust_city"]].astype(float)
    for f in ("city", "year"):
        X = X.join(pd.get_dummies(d[f].astype(str), prefix=f, drop_first=True, dtype=float))
    g = d["city"].astype("category").cat.codes.to_numpy()
    return sm.OLS(d["safe_city"], sm.add_constant(X)).fit(
        cov_type="cluster", cov_kwds={"groups": g}
    )


def _time(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    t = time.perf_counter()
    cdata = sc.load_panels()
    load = time.perf_counter() - t
    p = cdata.panel
    d = p.dropna(subset=["safe_city", "trust_city"])
    res: dict[str, float | int] = {"load_s": load, "n_obs": len(d), "n_cities": d.city.nunique()}
    for label, limit in (("1thread", 1), ("default", None)):
        with threadpool_limits(limit) if limit else _Null():
            res[f"absorbed_s_{label}"] = _time(
                lambda: sc.fit_within(p, "safe_city", "trust_city"), a.repeat
            )
            res[f"dummies_s_{label}"] = _time(lambda: _dummies(d), a.repeat)
            res[f"loco_s_{label}"] = _time(lambda: sc.leave_one_country_out(p), 1)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(json.dumps(res, indent=1))


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
