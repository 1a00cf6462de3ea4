"""Benchmark: cost per unit report of a batch of ``city_self_assessment`` reports.

Three ways to produce the reports of n units (n = 1, 10, 50 by default):

(a) ``naive``   the naive loop: for each unit, ``papermill nb out.ipynb -p ...`` then
                ``jupyter nbconvert --to html --no-input out.ipynb``, one after the other,
                as subprocesses of the venv's binaries;
(b) ``script``  the same analysis as a plain Python script in ONE process (import once, loop
                over units, same library calls, same recorded results, the same figures
                rendered to PNG, tables rendered to HTML): the lower bound, no notebook,
                no kernel, no HTML report;
(c) ``warm``    ``urbansec_lib.reports.run(..., jobs=J, engine="warm")`` (the product: one
                warm kernel per worker, HTML rendered in-process, manifests, privacy scan);
    ``papermill`` the same with ``engine="papermill"`` (a new kernel per unit), for reference.

For every method and n: wall time T(n), T(n)/n and the marginal cost per unit
(T(n_max) - T(n_mid)) / (n_max - n_mid), which removes fixed costs (pool and kernel
start-up, first imports). CPU seconds (this process + all children) are reported too:
(b) uses one core, (a) mostly one, (c) ``jobs`` cores.

Units: all units of ``data/raw/units.csv`` (pilots first), reused cyclically beyond 26.
``reports.run`` runs each unit id once per call (it de-duplicates and writes
``reports/<unit>/``), so n > 26 units are run as consecutive ``run`` calls of distinct
units, each into its own reports folder; each call starts its own worker pool and kernels,
which makes T(50) of (c) slightly pessimistic (one extra start-up).

Targets (issue): (c) >= 3x faster than (a) per unit, and within 1.5x of (b), at 50 units
on 2 cores.

Run: ``.venv/bin/python benchmarks/bench_batch.py`` (full: ~20 min; the naive loop
dominates), ``--quick`` (sizes 1,3) for a smoke run, ``--naive-max 10`` to time (a) up to
10 units and extrapolate linearly (labelled as such). Results go to
``benchmarks/results/bench_batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NB = ROOT / "notebooks" / "city_self_assessment.ipynb"
STUDY = "city_self_assessment"
SEED = 20261124


# ---------------------------------------------------------------------------- helpers
def all_units() -> list[str]:
    """Unit ids of the registry, pilot units first (the notebook works for any of them)."""
    import csv

    with open(ROOT / "data" / "raw" / "units.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pilots = [r["unit_id"] for r in rows if r["pilot"].lower() == "true"]
    return pilots + [r["unit_id"] for r in rows if r["unit_id"] not in pilots]


def units_for(n: int) -> list[str]:
    u = all_units()
    return [u[i % len(u)] for i in range(n)]


def rounds(units: list[str]) -> list[list[str]]:
    """Split a cyclic unit list into consecutive rounds of distinct unit ids."""
    out: list[list[str]] = []
    for u in units:
        if not out or u in out[-1]:
            out.append([])
        out[-1].append(u)
    return out


def cpu_seconds() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


# ---------------------------------------------------------------------------- (a) naive CLI
def naive(units: list[str], out: Path) -> dict:
    """papermill CLI then nbconvert CLI per unit, sequentially."""
    papermill, jupyter = str(VENV_BIN / "papermill"), str(VENV_BIN / "jupyter")
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    n_ok = 0
    for i, u in enumerate(units):
        d = out / f"{i:03d}_{u}"
        d.mkdir(parents=True)
        nb_out = d / f"{STUDY}.ipynb"
        r1 = subprocess.run(
            [
                papermill,
                str(NB),
                str(nb_out),
                "-k",
                "python3",
                "--no-progress-bar",
                "-r",
                "unit_id",
                u,
                "-r",
                "data_dir",
                str(ROOT / "data"),
                "-r",
                "results_path",
                str(d / f"{STUDY}.results.json"),
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        r2 = subprocess.run(
            [jupyter, "nbconvert", "--to", "html", "--no-input", str(nb_out)],
            capture_output=True,
            text=True,
            env=env,
        )
        ok = r1.returncode == 0 and r2.returncode == 0 and (d / f"{STUDY}.html").exists()
        if not ok:
            print(f"  naive: {u} failed\n{r1.stderr[-2000:]}\n{r2.stderr[-2000:]}", file=sys.stderr)
        n_ok += ok
    return {"n_ok": n_ok}


# ---------------------------------------------------------------------------- (b) plain script
_SCRIPT = r"""
import sys, time
t0 = time.perf_counter()
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import urbansec_lib as us
import warnings
warnings.filterwarnings("ignore", category=FutureWarning)
us.plots.set_style()
pd.set_option("display.precision", 1)
t_import = time.perf_counter() - t0
from pathlib import Path

data_dir, out, seed, n_draws, min_n = sys.argv[1], Path(sys.argv[2]), 20261124, 2000, 10
units = sys.argv[3].split(",")

def png(fig, path):
    fig.savefig(path, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)

def html(obj):
    return obj._repr_html_() if hasattr(obj, "_repr_html_") else str(obj)

for i, unit_id in enumerate(units):
    d = out / f"{i:03d}_{unit_id}"
    d.mkdir(parents=True)
    parts = []
    rec = us.reports.Recorder(d / "city_self_assessment.results.json")
    fw = us.load_framework(None)
    inputs = us.pipeline.load_inputs(data_dir, fw, recorder=rec)
    us.pipeline.check_unit_inputs(inputs, unit_id)
    unit = us.self_assessment.unit_record(inputs.units, unit_id)
    rec.record("unit_name", unit["name"])
    parts.append(us.self_assessment.unit_intro(unit, inputs, fw))
    parts.append(html(us.self_assessment.framework_overview(fw)))
    rec.record("framework_version", fw.version)
    prof = us.score(inputs.indicators, fw)
    ctx = us.pipeline.unit_context(inputs.units, data_dir)
    groups = us.peers.peer_groups(ctx, seed=seed)
    pos = us.peers.position(prof, unit_id, groups, nodes=us.self_assessment.dimension_ids(fw))
    rec.record("scores", prof.scores.query("unit_id == @unit_id"))
    rec.record("position", pos)
    rec.record("peer_group", groups.to_dict())
    parts.append(us.self_assessment.peer_text(unit_id, groups, inputs.units))
    parts.append(us.self_assessment.profile_alt_text(unit["name"], pos, fw))
    png(us.plots.plot_profile(pos, labels=us.self_assessment.node_labels(fw), title=unit["name"]),
        d / "profile.png")
    parts.append(html(us.self_assessment.position_table(pos, fw)))
    partners = us.peers.learning_partners(prof, unit_id, groups,
                                          nodes=us.self_assessment.dimension_ids(fw))
    rec.record("learning_partners", partners)
    parts.append(html(us.self_assessment.partners_table(partners, fw, inputs.units)))
    change = us.self_assessment.latest_change(prof, unit_id, fw)
    rec.record("change", change)
    if len(change):
        png(us.plots.plot_change(change, labels=us.self_assessment.node_labels(fw)),
            d / "change.png")
    cov = us.self_assessment.unit_coverage(prof, unit_id, fw)
    rec.record("coverage", cov)
    png(us.plots.plot_coverage(cov, labels=us.self_assessment.node_labels(fw)), d / "coverage.png")
    parts.append(html(us.self_assessment.survey_table(inputs.indicators, unit_id, fw, min_n=min_n)))
    coh = us.coherence.coherence(prof, period=prof.scores["period"].max(), min_coverage=0.2)
    rec.record("coherence", coh.alpha)
    parts.append(html(us.self_assessment.coherence_table(coh, fw)))
    sa = us.sensitivity.run(inputs.indicators, fw,
                            assumptions=us.self_assessment.DEFAULT_ASSUMPTIONS,
                            n=n_draws, seed=seed)
    rec.record("robustness_bands", sa.bands.query("unit_id == @unit_id"))
    rec.record("sensitivity_indices", sa.indices)
    png(sa.plot_bands(unit_id), d / "bands.png")
    parts.append(html(us.self_assessment.robustness_table(sa, unit_id, fw)))
    parts.append(html(us.self_assessment.sensitivity_table(sa, unit_id, fw)))
    parts.append(html(us.self_assessment.sources_table(inputs)))
    (d / "fragments.html").write_text("\n".join(parts), encoding="utf-8")
print(f"import {t_import:.2f}")
"""


def script(units: list[str], out: Path) -> dict:
    """The plain-script lower bound: one Python process for all units."""
    path = out / "analysis.py"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(_SCRIPT, encoding="utf-8")
    r = subprocess.run(
        [sys.executable, str(path), str(ROOT / "data"), str(out / "units"), ",".join(units)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    n_ok = len(list((out / "units").glob("*/city_self_assessment.results.json")))
    return {"n_ok": n_ok, "import_s": float(r.stdout.split()[-1])}


# ---------------------------------------------------------------------------- (c) reports.run
def batch(units: list[str], out: Path, jobs: int, engine: str) -> dict:
    from urbansec_lib import reports

    n_ok = 0
    for k, rnd in enumerate(rounds(units)):
        s = reports.run(
            STUDY,
            rnd,
            jobs=jobs,
            reports_dir=out / f"round{k}",
            root=ROOT,
            progress=False,
            engine=engine,
        )
        n_ok += int((s.table["status"] == "ok").sum())
        if not s.ok:
            print(s.summary(), file=sys.stderr)
    return {"n_ok": n_ok}


# ---------------------------------------------------------------------------- main
METHODS = {
    "naive": "(a) papermill CLI + nbconvert CLI, sequential",
    "script": "(b) plain Python script, one process",
    "warm": "(c) reports.run(jobs=J, engine='warm')",
    "papermill": "    reports.run(jobs=J, engine='papermill')",
}


def measure(method: str, n: int, jobs: int, work: Path) -> dict:
    units = units_for(n)
    out = work / f"{method}_{n}"
    c0, t0 = cpu_seconds(), time.perf_counter()
    if method == "naive":
        info = naive(units, out)
    elif method == "script":
        info = script(units, out)
    else:
        info = batch(units, out, jobs, method)
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    if info["n_ok"] != n:
        print(f"WARNING: {method} n={n}: only {info['n_ok']} reports ok", file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)
    return {
        "method": method,
        "n": n,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "per_unit_s": round(wall / n, 3),
        **info,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,10,50", help="comma-separated unit counts")
    ap.add_argument("--quick", action="store_true", help="smoke run: sizes 1,3")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for (c)")
    ap.add_argument("--methods", default="naive,script,warm,papermill")
    ap.add_argument(
        "--naive-max",
        type=int,
        default=None,
        help="time (a) only up to this many units; extrapolate larger sizes "
        "linearly from the two largest measured sizes (labelled)",
    )
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "bench_batch.json"))
    a = ap.parse_args(argv)
    sizes = [1, 3] if a.quick else sorted({int(x) for x in a.sizes.split(",")})
    methods = [m for m in a.methods.split(",") if m]
    rows: list[dict] = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="urbansec-bench-") as tmp:
        for method in methods:
            for n in sizes:
                if method == "naive" and a.naive_max is not None and n > a.naive_max:
                    continue
                print(f"{method:>9} n={n:<3} ...", end=" ", flush=True, file=sys.stderr)
                r = measure(method, n, a.jobs, Path(tmp))
                print(f"{r['wall_s']:.1f} s", file=sys.stderr)
                rows.append(r)
    rows += extrapolate(rows, sizes)
    res = summarise(rows, sizes, a.jobs)
    res["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(table(res))
    print(f"\nwritten: {a.out}")
    return 0


def extrapolate(rows: list[dict], sizes: list[int]) -> list[dict]:
    """Linear extrapolation of (a) to sizes that were not measured."""
    got = sorted((r["n"], r["wall_s"], r["cpu_s"]) for r in rows if r["method"] == "naive")
    out = []
    if len(got) >= 2:
        (n1, w1, c1), (n2, w2, c2) = got[-2], got[-1]
        slope_w, slope_c = (w2 - w1) / (n2 - n1), (c2 - c1) / (n2 - n1)
        for n in sizes:
            if n > n2:
                w = w2 + slope_w * (n - n2)
                out.append(
                    {
                        "method": "naive",
                        "n": n,
                        "wall_s": round(w, 3),
                        "cpu_s": round(c2 + slope_c * (n - n2), 3),
                        "per_unit_s": round(w / n, 3),
                        "n_ok": None,
                        "extrapolated_from": [n1, n2],
                    }
                )
    return out


def summarise(rows: list[dict], sizes: list[int], jobs: int) -> dict:
    by = {(r["method"], r["n"]): r for r in rows}
    methods = list(dict.fromkeys(r["method"] for r in rows))
    big = sizes[-1]
    mid = sizes[-2] if len(sizes) > 1 else None
    summary = {}
    for m in methods:
        s: dict = {"label": METHODS.get(m, m)}
        for n in sizes:
            if (m, n) in by:
                s[f"T({n})"] = by[(m, n)]["wall_s"]
                s[f"T({n})/{n}"] = by[(m, n)]["per_unit_s"]
                s[f"cpu({n})/{n}"] = round(by[(m, n)]["cpu_s"] / n, 3)
        if mid is not None and (m, big) in by and (m, mid) in by:
            s["marginal"] = round(
                (by[(m, big)]["wall_s"] - by[(m, mid)]["wall_s"]) / (big - mid), 3
            )
            s["marginal_cpu"] = round(
                (by[(m, big)]["cpu_s"] - by[(m, mid)]["cpu_s"]) / (big - mid), 3
            )
        s["extrapolated"] = bool(by.get((m, big), {}).get("extrapolated_from"))
        summary[m] = s
    ratios = {}
    for m in methods:
        r: dict = {}
        for key in ("marginal", f"T({big})/{big}"):
            x = summary[m].get(key)
            a = summary.get("naive", {}).get(key)
            b = summary.get("script", {}).get(key)
            if x:
                if a:
                    r[f"speedup_vs_naive[{key}]"] = round(a / x, 2)
                if b:
                    r[f"ratio_vs_script[{key}]"] = round(x / b, 2)
        ratios[m] = r
    return {
        "study": STUDY,
        "sizes": sizes,
        "jobs": jobs,
        "rows": rows,
        "summary": summary,
        "ratios": ratios,
        "targets": {"speedup_vs_naive_at_least": 3.0, "ratio_vs_script_at_most": 1.5},
    }


def table(res: dict) -> str:
    sizes, big = res["sizes"], res["sizes"][-1]
    head = (
        ["method"]
        + [f"T({n})/{n} s" for n in sizes]
        + ["marginal s/unit", "cpu s/unit", "x vs (a)", "/ (b)"]
    )
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for m, s in res["summary"].items():
        r = res["ratios"][m]
        key = "marginal" if "marginal" in s else f"T({big})/{big}"
        cells = [s["label"] + (" [T(50) extrapolated]" if s["extrapolated"] else "")]
        cells += [f"{s.get(f'T({n})/{n}', float('nan')):.2f}" for n in sizes]
        cells += [
            f"{s.get('marginal', float('nan')):.2f}",
            f"{s.get('marginal_cpu', s.get(f'cpu({big})/{big}', float('nan'))):.2f}",
            f"{r.get(f'speedup_vs_naive[{key}]', float('nan')):.2f}",
            f"{r.get(f'ratio_vs_script[{key}]', float('nan')):.2f}",
        ]
        lines.append(" | ".join(cells))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
