"""A new user's route, from a built wheel in a fresh virtual environment outside the repository.

Toruń (PL013C) is not in the demo. The test builds the wheel, installs it into a fresh venv
in a temporary folder, creates a workspace in an empty folder, adds the unit by its code,
writes the unit's survey forms, imports a (simulated) Kobo export saved under an arbitrary
file name, and runs the self-assessment, the orpheus report (inventory only) and the
Collective Impact report (one city) to HTML. It checks that no demo data enter, no
"synthetic" wording appears, the years shown are the data's own, the survey answers are
used, and the exit codes are the documented ones (0 ok, 2 bad input with nothing written).

Dependencies: by default the fresh venv sees the test environment's site-packages through a
``.pth`` line (the wheel itself is installed with ``--no-deps`` and comes first on the
path; the test environment's editable install is not active there). Set
``URBANSEC_TEST_PYPI=1`` to install the dependencies from PyPI instead (slow).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _text(html: str) -> str:
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _fill_ci(path: Path) -> None:
    """Fill a blank `urbansec ci template` workbook as a city would (phase and ratings)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    cover = wb["Cover"]
    head = [c.value for c in cover[1]]
    cover.cell(row=4, column=head.index("value") + 1, value="Assess readiness")
    for name in ("Conditions", "Preconditions", "Backbone functions"):
        ws = wb[name]
        head = [c.value for c in ws[1]]
        col = head.index("rating") + 1
        for r in range(2, ws.max_row + 1):
            if ws.cell(row=r, column=1).value:
                ws.cell(row=r, column=col, value="2 - Some progress")
    wb.save(path)


@pytest.fixture(scope="module")
def venv():
    # own temporary folder: pytest's shared basetemp may be rotated by concurrent runs
    tmp = Path(tempfile.mkdtemp(prefix="urbansec-newuser-"))
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=600,
        env=clean,
    )
    wheel = next(wheels.glob("urbansec-*.whl"))
    env_dir = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300, env=clean)
    py = env_dir / "bin" / "python"
    if os.environ.get("URBANSEC_TEST_PYPI"):
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=3000
        )
    else:
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
            check=True,
            timeout=600,
            env=clean,
        )
        purelib = subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        # after the wheel: pip must not see the test environment's editable install
        Path(purelib, "zz_test_deps.pth").write_text(
            "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
        )
        # pip installs nbconvert's templates as data files under the prefix: copy them
        # (not the kernel specs: the kernel must be this venv's python)
        shutil.copytree(
            Path(sys.prefix) / "share" / "jupyter" / "nbconvert",
            env_dir / "share" / "jupyter" / "nbconvert",
        )
    yield tmp, env_dir
    shutil.rmtree(tmp, ignore_errors=True)


def test_new_user_route(venv):
    tmp, env_dir = venv
    home = tmp / "home"
    home.mkdir()
    downloads = tmp / "Downloads"
    downloads.mkdir()
    env = {
        "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "URBANSEC_PSEUDONYM_KEY": "new-user-test-key-0123456789abcdef",
        "MPLBACKEND": "Agg",
    }
    py = str(env_dir / "bin" / "python")
    urbansec = str(env_dir / "bin" / "urbansec")

    def run(*args, cwd, code=0):
        r = subprocess.run(
            [urbansec, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
        )
        assert r.returncode == code, (args, r.returncode, r.stdout[-2000:], r.stderr[-2000:])
        return r

    # the installed package is the wheel, not the repository
    where = subprocess.run(
        [py, "-c", "import urbansec_lib; print(urbansec_lib.__file__)"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where and str(ROOT) not in where
    assert run("--version", cwd=tmp).stdout.strip() == "urbansec 0.1.0"
    helptext = run("run", "--help", cwd=tmp).stdout
    assert (
        "orpheus_impact [per unit]" in helptext and "ai_technologies [partnership-wide]" in helptext
    )

    run("init", "torun", "--name", "Toruń urban security", cwd=tmp)
    ws = tmp / "torun"
    assert (ws / "urbansec.toml").is_file() and (ws / "data" / "raw").is_dir()

    # a wrong code never attaches another city's data
    r = run("unit", "add", "PL011C", "--name", "Toruń", cwd=ws, code=2)
    assert "Białystok" in r.stderr and "PL013C" in r.stderr
    assert not (ws / "units.csv").exists()
    run("unit", "add", "PL013C", cwd=ws)
    rows = list(csv.DictReader((ws / "units.csv").open(encoding="utf-8")))
    assert [(u["unit_id"], u["name"], u["nuts3"]) for u in rows] == [("PL013C", "Toruń", "PL613")]

    # bad requests: exit 2, one line, nothing written
    r = run("run", "--unit", "XX999", cwd=ws, code=2)
    assert len(r.stderr.strip().splitlines()) == 1
    r = run("run", "--study", "ai_technologies", "--unit", "PL013C", cwd=ws, code=2)
    assert "partnership-wide" in r.stderr
    r = run("run", "--study", "orpheus_impact", "--unit", "PL013C", cwd=ws, code=2)
    assert "inventory" in r.stderr
    run("run", "--unit", "../../etc", cwd=ws, code=2)
    assert list((ws / "reports").iterdir()) == []

    # the survey forms for this unit
    run("survey", "form", "--unit", "PL013C", "--out", "forms", cwd=ws)
    run("survey", "form", "--unit", "PL013C", "--language", "pl", cwd=ws, code=2)
    from openpyxl import load_workbook

    forms = sorted(p.name for p in (ws / "forms").iterdir())
    res_form = next(f for f in forms if "residents-xlsform" in f)
    staff_form = next(f for f in forms if "staff-xlsform" in f)
    sheet = load_workbook(ws / "forms" / res_form)["survey"]
    head = [c.value for c in sheet[1]]
    rows_res = [dict(zip(head, [c.value for c in r])) for r in sheet.iter_rows(min_row=2)]
    unit_q = next(q for q in rows_res if q["name"] == "unit")
    assert unit_q["type"] == "calculate" and unit_q["calculation"] == "'PL013C'"
    sheet = load_workbook(ws / "forms" / staff_form)["survey"]
    staff_names = {r[1].value for r in sheet.iter_rows(min_row=2)}
    res_names = {q["name"] for q in rows_res}
    from urbansec_lib import load_framework

    staff_ids = {
        i.id
        for i in load_framework().survey_indicators()
        if i.source.get("respondent") == "city_staff"
    }
    assert staff_ids and staff_ids <= staff_names and not (staff_ids & res_names)

    # a Kobo export saved under an arbitrary name, outside the workspace
    export = downloads / "Ankieta bezpieczeństwo eksport (30.11.2025).csv"
    subprocess.run(
        [
            py,
            "-c",
            "import urbansec_lib as us, sys; fw = us.load_framework();"
            "from urbansec_lib.demo.survey import simulate_responses;"
            "df = simulate_responses(fw, ['PL013C'], n=80, seed=5, waves=[2023, 2025],"
            " areas={'PL013C': [('StareMiasto', 'intervention'), ('Bydgoskie', 'comparison')]});"
            "us.survey.write_kobo_export(df, fw, sys.argv[1])",
            str(export),
        ],
        env=env,
        cwd=tmp,
        check=True,
        timeout=300,
    )
    run("survey", "import", str(export), "--unit", "PL013C", cwd=ws / "data")  # from below
    assert (ws / "data" / "processed" / "PL013C" / "responses.csv").is_file()
    assert not list(downloads.glob("*.json"))  # nothing written next to the export

    # the city's own inventory (no evaluation) and its filled Collective Impact workbook
    (ws / "data" / "raw" / "orpheus").mkdir()
    inv = (ROOT / "data" / "raw" / "orpheus" / "BE212_inventory.csv").read_text("utf-8")
    (ws / "data" / "raw" / "orpheus" / "PL013C_inventory.csv").write_text(inv, "utf-8")
    run(
        "ci",
        "template",
        "--unit",
        "PL013C",
        "--problem",
        "Feeling unsafe at night",
        "--out",
        str(downloads / "PL013C_ci.xlsx"),
        cwd=ws,
    )
    (ws / "data" / "raw" / "collective_impact").mkdir()
    ci_file = ws / "data" / "raw" / "collective_impact" / "PL013C_ci.xlsx"
    shutil.copy(downloads / "PL013C_ci.xlsx", ci_file)
    _fill_ci(ci_file)

    for study in ("city_self_assessment", "orpheus_impact", "collective_impact_swot"):
        run("run", "--study", study, "--unit", "PL013C", "--jobs", "1", "--no-progress", cwd=ws)
    out = ws / "reports" / "PL013C"
    assert sorted(p.name for p in (ws / "reports").iterdir() if not p.name.startswith("_")) == [
        "PL013C"
    ]
    reference = {r["unit_id"] for r in csv.DictReader((ROOT / "data/raw/units.csv").open())}
    for study in ("city_self_assessment", "orpheus_impact", "collective_impact_swot"):
        html = (out / f"{study}.html").read_text("utf-8")
        text = _text(html)
        for word in ("synthetic", "illustrative", "planted", "SYNTHETIC"):
            assert word not in text, (study, word)
        assert "Toruń" in re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        man = json.loads((out / "manifest.json").read_text())["studies"][study]
        assert not [p for p in man["inputs"] if "raw/survey" in p or "demo" in p], man["inputs"]

    res = json.loads((out / "city_self_assessment.results.json").read_text())["results"]
    comp = res["comparators"]
    cols = comp["columns"]
    for row in comp["data"]:
        r = dict(zip(cols, row))
        assert r["workspace"] == []  # no other unit of this workspace
        assert set(r["reference"]) <= reference  # bundled real public data only
        assert r["short_by"] == max(0, 3 - r["n_comparators"])
    # the survey answers are used: a survey-fed dimension scored for 2023 and 2025; sense of
    # safety has 4 of its 9 indicators (no QoL wave covers Toruń, no staff questionnaire
    # was filled), below the data threshold of half, so it is withheld, never guessed
    sc = res["scores"]
    rows = [dict(zip(sc["columns"], x)) for x in sc["data"]]
    scored = {(r["node_id"], r["period"]) for r in rows if r["score"] is not None}
    assert {("victimisation", 2023), ("victimisation", 2025)} <= scored
    assert not {n for n, _ in scored} & {"sense_of_safety"}
    # change over time like with like: only indicators observed in both waves, years named
    ch = res["change"]
    for row in ch["data"]:
        r = dict(zip(ch["columns"], row))
        assert (r["years_from"], r["years_to"]) == ("2023", "2025")
    city_text = _text((out / "city_self_assessment.html").read_text("utf-8"))
    assert "data year" in city_text and "Too few comparators" in city_text
    # orpheus: the regional crime figure shows its own years (the bundled Eurostat extract)
    orph = json.loads((out / "orpheus_impact.results.json").read_text())["results"]
    latest = orph["region_crime_latest"]
    years = {dict(zip(latest["columns"], x))["year"] for x in latest["data"]}
    geos = {dict(zip(latest["columns"], x))["geo"] for x in latest["data"]}
    assert geos == {"PL613"}
    tsv = (ROOT / "data/raw/public/eurostat_crim_gen_reg/estat_crim_gen_reg.tsv").read_text()
    head = tsv.splitlines()[0].split("\t")
    have = [
        int(h.strip())
        for line in tsv.splitlines()[1:]
        if line.split("\t")[0].split(",")[1::2] == ["P_HTHAB", "PL613"]
        for h, v in zip(head[1:], line.split("\t")[1:])
        if v.strip()[:1].isdigit()
    ]
    assert years == {max(have)}
    orph_text = _text((out / "orpheus_impact.html").read_text("utf-8"))
    assert "No impact evaluation for Toruń yet" in orph_text
    assert f"{min(have)}-{max(have)}" in (out / "orpheus_impact.html").read_text("utf-8")
    ci_text = _text((out / "collective_impact_swot.html").read_text("utf-8"))
    assert "Only Toruń's workbook" in ci_text
