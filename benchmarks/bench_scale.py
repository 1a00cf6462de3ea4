"""Every European city and region from existing data: build once, read per unit.

Run by hand (never a timed unit test)::

    .venv/bin/python benchmarks/bench_scale.py                 # store build + 100 units
    .venv/bin/python benchmarks/bench_scale.py --units 100 1000
    .venv/bin/python benchmarks/bench_scale.py --engine warm inprocess --out results.json

Targets (issue "Every European city and region from existing data, fast"):

* ``urbansec data build`` of all bundled public data (the store): < 30 s, < 1 GB;
* marginal cost per existing-data unit report at 100 and 1,000 units: <= 0.5 s of CPU per
  unit on 2 cores, all units ok, against the same analysis as a plain script (ratio <= 1.2);
* the dashboard at that size: no page over ~2 MB.

CPU is counted for this process and all its children (workers and kernels) with
``resource.getrusage``; the marginal cost is (CPU at N units - CPU at a 10-unit warm-up run
of the same batch code path) / (N - 10), so kernel start-up is not spread over the units.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def bench_build(ws: Path) -> dict:
    code = (
        "import json, resource, time, sys\n"
        "t = time.perf_counter()\n"
        "from urbansec_lib import store\n"
        f"s = store.build_store({str(ws)!r})\n"
        "r = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(json.dumps({'wall_s': time.perf_counter() - t, 'cpu_s': r.ru_utime + r.ru_stime,"
        " 'peak_mb': r.ru_maxrss / 1024, 'rows': s.manifest['rows']}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _plain_script(ws: Path, units: list[str]) -> float:
    """The notebook's code cells run as a plain script, unit after unit, in one process."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "existing_data.ipynb", as_version=4)
    body = "\n".join(
        c.source
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in (c.metadata.get("tags") or [])
    )
    code = (
        "import resource, sys, matplotlib\nmatplotlib.use('Agg')\n"
        # displayed objects are formatted as the kernel formats them (tables to HTML,
        # figures to PNG), so the script produces what the report shows; only sending
        # them to a front end is left out
        "from IPython.core.formatters import DisplayFormatter\n"
        "import IPython.display as _ipd\n_fmt = DisplayFormatter()\n"
        "_ipd.display = lambda *a, **k: [_fmt.format(o) for o in a]\n"
        f"units = {units!r}\n"
        "t0 = resource.getrusage(resource.RUSAGE_SELF)\n"
        "for unit_id in units:\n"
        f"    data_dir = {str(ws)!r}; seed = 20261124; results_path = ''\n"
        "    exec(compile(BODY, 'existing_data', 'exec'), {'unit_id': unit_id, 'data_dir': data_dir,"
        " 'seed': seed, 'results_path': results_path})\n"
        "t1 = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print((t1.ru_utime - t0.ru_utime + t1.ru_stime - t0.ru_stime) / len(units))\n"
    )
    code = "BODY = " + repr(body) + "\n" + code
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_reports(ws: Path, n: int, jobs: int = 2, engine: str | None = None) -> dict:
    from urbansec_lib import reports, site, studies

    units = studies.study_units("existing_data", ws, scope="registry")
    step = max(1, len(units) // n)
    sel = units[::step][:n]
    out = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    params = {"data_dir": str(ws)}
    kw = {} if engine is None else {"engine": engine}  # None: the batch's default engine
    warm = sel[:10]
    c0 = _cpu()
    reports.run(
        "existing_data", warm, jobs=jobs, parameters=params, reports_dir=out, progress=False, **kw
    )
    c1 = _cpu()
    t = time.perf_counter()
    s = reports.run(
        "existing_data", sel, jobs=jobs, parameters=params, reports_dir=out, progress=False, **kw
    )
    wall = time.perf_counter() - t
    c2 = _cpu()
    marginal = ((c2 - c1) - (c1 - c0)) / (len(sel) - len(warm))
    plain = _plain_script(ws, sel[: min(len(sel), 50)])
    t = time.perf_counter()
    index = site.build(reports_dir=out, data_dir=ws, out_dir=out / "site")
    site_s = time.perf_counter() - t
    pages = list((out / "site").rglob("*.html"))
    biggest = max(p.stat().st_size for p in pages)
    import inspect

    res = {
        "engine": engine or inspect.signature(reports.run).parameters["engine"].default,
        "units": len(sel),
        "ok": int((s.table["status"] == "ok").sum()),
        "wall_s": round(wall, 1),
        "cpu_per_unit_s": round((c2 - c1) / len(sel), 3),
        "marginal_cpu_per_unit_s": round(marginal, 3),
        "plain_script_cpu_per_unit_s": round(plain, 3),
        "ratio_to_plain": round(marginal / plain, 2) if plain > 0 else None,
        "site_build_s": round(site_s, 1),
        "site_index_kb": round(index.stat().st_size / 1024),
        "site_largest_page_kb": round(biggest / 1024),
    }
    shutil.rmtree(out, ignore_errors=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, nargs="*", default=[100])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--engine",
        nargs="*",
        default=[None],
        help="batch engine(s) to measure: warm, inprocess, papermill (default: run()'s default)",
    )
    ap.add_argument("--out", default=None, help="also write the results to this JSON file")
    a = ap.parse_args()
    import os

    load_start = [round(x, 2) for x in os.getloadavg()]
    ws = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    shutil.copytree(ROOT / "data" / "raw", ws / "raw")
    doc = {"store_build": bench_build(ws), "reports": []}
    print("store build:", json.dumps(doc["store_build"]))
    for n in a.units:
        for engine in a.engine:
            res = bench_reports(ws, n, a.jobs, engine)
            doc["reports"].append(res)
            print(f"{n} units, engine {res['engine']}:", json.dumps(res))
    shutil.rmtree(ws, ignore_errors=True)
    if a.out:
        doc["jobs"] = a.jobs
        doc["load_average_at_start"] = load_start
        doc["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        doc["cpu_count"] = os.cpu_count()
        Path(a.out).write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
