"""The joint dashboard: a static website built from the produced reports (no server).

``urbansec site`` writes ``reports/site/``: a landing page listing every unit with its
level, country, size class, peer group and fields of activity (client-side filtering by
country, level, size class and field); one page per unit linking its study reports and
showing progress between periods; one page per peer group; and a "fields of activity"
matrix (units x fields) pointing to peers to learn from. Units are always listed in
alphabetical order of name: no page orders units by score.

The site is plain HTML with one small inline script and inline CSS: it opens from disk
and from any static host, with no CDN asset.

Example
-------
>>> from urbansec_lib import site
>>> site.size_class(250_000)
'medium (100k-500k)'
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from .recorder import _atomic_write

__all__ = ["build", "collect", "size_class", "fields_of_activity"]

SIZE_CLASSES = (
    (0, 50_000, "small (<50k)"),
    (50_000, 100_000, "small-medium (50k-100k)"),
    (100_000, 500_000, "medium (100k-500k)"),
    (500_000, 1_000_000, "large (500k-1M)"),
    (1_000_000, float("inf"), "very large (1M+)"),
)


def size_class(population: float | None) -> str:
    """Population size class label (the population of the unit's NUTS 3 region).

    Parameters
    ----------
    population : float or None

    Returns
    -------
    str
        A label of ``SIZE_CLASSES`` (lower bound included), ``"unknown"`` when missing.

    Examples
    --------
    >>> size_class(250_000), size_class(1_000_000), size_class(None), size_class(float("nan"))
    ('medium (100k-500k)', 'very large (1M+)', 'unknown', 'unknown')
    """
    if population is None or pd.isna(population):
        return "unknown"
    for lo, hi, label in SIZE_CLASSES:
        if lo <= float(population) < hi:
            return label
    return "unknown"


def _esc(x) -> str:
    return html.escape("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x))


def _period(x) -> str:
    """A period as written by people: 2023, not 2023.0."""
    try:
        f = float(x)
        return _esc(int(f) if f.is_integer() else f)
    except (TypeError, ValueError):
        return _esc(x)


def _read_json(p: Path) -> dict:
    try:
        return json.loads(p.read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def _frame(obj) -> pd.DataFrame:
    if isinstance(obj, dict) and obj.get("__frame__"):
        return pd.DataFrame(obj["data"], columns=obj["columns"])
    return pd.DataFrame()


def collect(reports_dir: Path, units: pd.DataFrame) -> dict:
    """Gather, per unit, its reports and the numbers the site shows.

    Returns a dict unit_id -> {"reports": {study: html relpath}, "results": {study: results}}.
    Policy inventories and CI assessments made for a unit's NUTS 3 region are attached to
    the city that lies in it (registry column ``nuts3``).

    Parameters
    ----------
    reports_dir : Path
        Holds ``<unit>/manifest.json`` and each study's ``<study>.results.json``.
    units : DataFrame
        The units (``unit_id``, optionally ``nuts3``).

    Returns
    -------
    dict

    Examples
    --------
    >>> import json, tempfile
    >>> reports = Path(tempfile.mkdtemp())
    >>> (reports / "AT130").mkdir()
    >>> _ = (reports / "AT130" / "manifest.json").write_text(
    ...     json.dumps({"studies": {"orpheus_impact": {"html": "orpheus_impact.html"}}}))
    >>> _ = (reports / "AT130" / "orpheus_impact.results.json").write_text(
    ...     json.dumps({"results": {"domains": ["public_space"]}}))
    >>> units = pd.DataFrame({"unit_id": ["AT001C"], "nuts3": ["AT130"]})
    >>> collect(reports, units)  # the region's report belongs to its city
    {'AT001C': {'reports': {'orpheus_impact': '../AT130/orpheus_impact.html'}, 'results': {'orpheus_impact': {'domains': ['public_space']}}}}
    """
    alias = {}
    for r in units.itertuples():
        alias[r.unit_id] = r.unit_id
        n3 = getattr(r, "nuts3", None)
        if isinstance(n3, str) and n3 and n3 not in set(units["unit_id"]):
            alias.setdefault(n3, r.unit_id)
    out: dict[str, dict] = {u: {"reports": {}, "results": {}} for u in units["unit_id"]}
    for man in sorted(reports_dir.glob("*/manifest.json")):
        folder = man.parent.name
        unit = alias.get(folder)
        if unit is None:
            continue
        doc = _read_json(man)
        for study, entry in doc.get("studies", {}).items():
            out[unit]["reports"][study] = f"../{folder}/{entry.get('html', study + '.html')}"
            res = _read_json(man.parent / entry.get("results", f"{study}.results.json"))
            out[unit]["results"][study] = res.get("results", {})
    return out


def _site_units(own: pd.DataFrame, reports_dir: Path, data_dir) -> pd.DataFrame:
    """The workspace's units plus every registry unit with a report (from the processed
    store, e.g. the existing-data profiles of all cities and regions), by name."""
    from ..study.store import open_store, store_dir

    try:
        stored = open_store(store_dir(data_dir)).units()
    except FileNotFoundError:
        return own.sort_values("name", kind="stable")
    have = {p.parent.name for p in reports_dir.glob("*/manifest.json")}
    extra = stored[stored["unit_id"].isin(have) & ~stored["unit_id"].isin(own["unit_id"])]
    both = pd.concat(
        [own, extra[[c for c in own.columns if c in extra.columns]]], ignore_index=True
    )
    return both.sort_values("name", kind="stable").reset_index(drop=True)


def fields_of_activity(info: dict, dim_labels: dict[str, str]) -> list[str]:
    """Fields in which a unit is active: dimensions where it sits in the upper part of its
    peers (from the self-assessment) and policy domains with initiatives (from the
    pyramid inventory), and Collective Impact conditions rated as strengths.

    Parameters
    ----------
    info : dict
        One unit's entry of :func:`collect`.
    dim_labels : dict
        Dimension id -> label.

    Returns
    -------
    list of str
        Sorted.

    Examples
    --------
    >>> position = {"__frame__": True, "columns": ["node_id", "score", "peer_median"],
    ...             "data": [["safety", 61.0, 55.0], ["cohesion", 40.0, 52.0]]}
    >>> info = {"results": {"city_self_assessment": {"position": position},
    ...                     "orpheus_impact": {"domains": ["public_space"]},
    ...                     "collective_impact_swot": {"strengths": ["backbone support"]}}}
    >>> fields_of_activity(info, {"safety": "Safety", "cohesion": "Social cohesion"})
    ['CI: backbone support', 'Safety', 'public space']
    """
    fields: set[str] = set()
    sa = info["results"].get("city_self_assessment", {})
    pos = _frame(sa.get("position"))
    if not len(pos):
        pos = _frame(info["results"].get("existing_data", {}).get("position"))
    if len(pos):
        strong = pos[(pos["score"] >= pos["peer_median"]) & pos["score"].notna()]
        fields.update(dim_labels.get(n, n) for n in strong["node_id"])
    orph = info["results"].get("orpheus_impact", {})
    for d in orph.get("domains", []) or []:
        fields.add(str(d).replace("_", " "))
    ci = info["results"].get("collective_impact_swot", {})
    for c in ci.get("strengths", []) or []:
        fields.add(f"CI: {c}")
    return sorted(fields)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d1d1d;line-height:1.45}
header,main,footer{max-width:1150px;margin:0 auto;padding:0.6em 1em}
header{border-bottom:3px solid #1b6ca8}
a{color:#0b5394}a:focus,select:focus,button:focus{outline:3px solid #f0a500;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1em;top:1em;background:#fff;padding:.3em}
table{border-collapse:collapse;width:100%;margin:0.6em 0}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f6f9}
.filters{display:flex;flex-wrap:wrap;gap:1em;margin:0.8em 0}
.filters label{display:flex;flex-direction:column;font-size:0.9em}
.tag{display:inline-block;background:#e8f0f8;border-radius:3px;padding:0 5px;margin:1px;font-size:0.85em}
.note{background:#fff3cd;border:1px solid #e0c36b;padding:0.4em 0.8em}
td.yes{background:#dcefdc;text-align:center}
nav ul{list-style:none;padding:0;display:flex;gap:1.2em}
"""

_JS = """
(function(){
  var sels=document.querySelectorAll('select[data-filter]');
  var rows=document.querySelectorAll('#units tbody tr');
  var count=document.getElementById('count');
  var search=document.querySelector('input[data-search]');
  function apply(){
    var want={};sels.forEach(function(s){want[s.dataset.filter]=s.value;});
    var q=search?search.value.trim().toLowerCase():'';
    var n=0;
    rows.forEach(function(r){
      var ok=!q||(r.dataset.text||'').indexOf(q)>=0;
      Object.keys(want).forEach(function(k){
        var v=want[k];if(!v)return;
        var have=(r.dataset[k]||'').split('|');
        if(have.indexOf(v)<0)ok=false;
      });
      r.hidden=!ok;if(ok)n++;
    });
    if(count)count.textContent=n;
  }
  sels.forEach(function(s){s.addEventListener('change',apply);});
  if(search)search.addEventListener('input',apply);
  apply();
})();
"""


def _page(title: str, body: str, depth: int = 0) -> str:
    up = "../" * depth
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)} - urbansec joint dashboard</title><style>{_CSS}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><p><strong>urbansec joint dashboard</strong>: peer learning among European urban authorities</p>
<nav aria-label="Site"><ul><li><a href="{up}index.html">Units</a></li>
<li><a href="{up}fields.html">Fields of activity</a></li>
<li><a href="{up}groups.html">Peer groups</a></li></ul></nav></header>
<main id="main"><h1>{_esc(title)}</h1>
{body}
</main>
<footer><p class="note">No page orders units by score: units are listed alphabetically and
compared with their peers and with their own past. Survey answers of the demo pilots are
synthetic.</p></footer></body></html>
"""


def build(
    reports_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    root: str | Path | None = None,
) -> Path:
    """Build the static site from a workspace's ``reports/`` and its units; returns its
    index path (``root``: the workspace folder, default the current workspace).

    Pages: the index (every unit, alphabetical, with filters: never a ranking), one page
    per unit (its reports, its progress against its own past, its learning partners), one
    per peer group, and the fields-of-activity matrix.

    Parameters
    ----------
    reports_dir : str or Path, optional
        Default: the workspace's ``reports/``.
    data_dir : str or Path, optional
        A data folder (its workspace is read with :func:`~urbansec_lib.workspace.for_data_dir`).
    out_dir : str or Path, optional
        Default: ``reports_dir/site``.
    root : str or Path, optional
        The workspace folder (default: the current workspace).

    Returns
    -------
    Path
        The site's ``index.html``.

    Examples
    --------
    A workspace with one unit and one report:

    >>> import json, tempfile
    >>> from urbansec_lib.inputs.workspace import bundled_raw_dir, init
    >>> ws = init(tempfile.mkdtemp() + "/vienna", name="Vienna study")
    >>> lines = (bundled_raw_dir() / "units.csv").read_text("utf-8").splitlines()
    >>> _ = ws.units_file.write_text(
    ...     "\\n".join([lines[0]] + [r for r in lines if r.startswith("AT001C,")]) + "\\n")
    >>> (ws.reports_dir / "AT001C").mkdir()
    >>> _ = (ws.reports_dir / "AT001C" / "manifest.json").write_text(
    ...     json.dumps({"studies": {"existing_data": {"html": "existing_data.html"}}}))
    >>> _ = (ws.reports_dir / "AT001C" / "existing_data.results.json").write_text(
    ...     json.dumps({"results": {"peer_group": {"AT001C": "Capital regions"}}}))
    >>> index = build(root=ws.root)
    >>> index.relative_to(ws.root).as_posix()
    'reports/site/index.html'
    >>> sorted(p.relative_to(index.parent).as_posix() for p in index.parent.rglob("*.html"))
    ['fields.html', 'groups.html', 'groups/group-Capital regions.html', 'index.html', 'units/AT001C.html']
    >>> "../../AT001C/existing_data.html" in (index.parent / "units" / "AT001C.html").read_text()
    True
    >>> "Capital regions" in (index.parent / "groups.html").read_text()
    True
    """
    from ..inputs.workspace import current, for_data_dir, load
    from ..model.framework import load_framework
    from .reports import _atomic_write

    if data_dir is not None:
        ws = for_data_dir(data_dir)
    else:
        ws = load(root) if root is not None else current()
    reports_dir = Path(reports_dir or ws.reports_dir)
    out = Path(out_dir or reports_dir / "site")
    units = _site_units(ws.units(), reports_dir, ws.data_dir)
    fw = load_framework(ws.framework_path())
    dim_labels = {d.id: d.label for d in fw.dimensions}
    table = _unit_table(units, collect(reports_dir, units), dim_labels)
    all_fields = sorted({f for fs in table["fields"] for f in fs})
    index = _index_page(table, all_fields, _wide_studies(reports_dir, units))
    _atomic_write(out / "index.html", _page("Units", index))
    names = units.set_index("unit_id")["name"].to_dict()
    for r in table.itertuples():
        page = _page(r.name, _unit_page(r, names, dim_labels), depth=1)
        _atomic_write(out / "units" / f"{r.unit_id}.html", page)
    _group_pages(table, out)
    _atomic_write(out / "fields.html", _page("Fields of activity", _fields_page(table, all_fields)))
    return out / "index.html"


def _unit_table(units: pd.DataFrame, info: dict, dim_labels: dict) -> pd.DataFrame:
    """One row per unit: its context, peer group, fields of activity, reports, results."""
    rows = []
    for u in units.itertuples():
        i = info[u.unit_id]
        sa = i["results"].get("city_self_assessment", {})
        groups = sa.get("peer_group", {}) or {}
        rows.append(
            {
                "unit_id": u.unit_id,
                "name": u.name,
                "level": u.level,
                "country": u.country,
                "size": size_class(getattr(u, "population", None)),
                "group": groups.get(u.unit_id, ""),
                "fields": fields_of_activity(i, dim_labels),
                "reports": i["reports"],
                "results": i["results"],
            }
        )
    cols = ["unit_id", "name", "level", "country", "size", "group", "fields", "reports", "results"]
    table = pd.DataFrame(rows, columns=cols)  # also for a workspace without units yet
    # peer groups from any unit's self-assessment results (all runs share one grouping)
    group_of: dict[str, object] = {}
    for r in rows:
        group_of.update(r["results"].get("existing_data", {}).get("peer_group", {}) or {})
    for r in rows:
        group_of.update(r["results"].get("city_self_assessment", {}).get("peer_group", {}) or {})
    table["group"] = table["unit_id"].map(group_of).astype(object).fillna("")
    return table


def _options(col: str, values) -> str:
    opts = "".join(f'<option value="{_esc(v)}">{_esc(v)}</option>' for v in values)
    return (
        f'<label>{_esc(col.capitalize())}<select data-filter="{col}">'
        f'<option value="">all</option>{opts}</select></label>'
    )


def _wide_studies(reports_dir: Path, units: pd.DataFrame) -> str:
    """Links to the partnership-wide studies (report folders that are not units)."""
    from .reports import STUDIES

    known = set(units["unit_id"]) | set(units["nuts3"].dropna())
    wide_items = []
    for man in sorted(reports_dir.glob("*/manifest.json")):
        if man.parent.name in known:
            continue
        for study, entry in sorted(_read_json(man).get("studies", {}).items()):
            title = STUDIES.get(study, {}).get("title", study.replace("_", " "))
            if study not in STUDIES:  # only declared studies appear on the dashboard
                continue
            href = f"../{man.parent.name}/{entry.get('html', study + '.html')}"
            wide_items.append(
                f'<li><a href="{_esc(href)}">{_esc(title)}</a> '
                f"(<code>{_esc(man.parent.name)}</code>)</li>"
            )
    wide = (
        "<h2>Studies across the partnership</h2><ul>" + "".join(wide_items) + "</ul>"
        if wide_items
        else ""
    )
    return wide


def _index_page(table: pd.DataFrame, all_fields: list[str], wide: str) -> str:
    """The index: every unit in alphabetical order, with filters to find peers."""
    filt = (
        '<div class="filters" role="search" aria-label="Filter units">'
        + '<label>Search<input type="search" data-search placeholder="name or code"></label>'
        + _options("country", sorted(table["country"].dropna().unique()))
        + _options("level", sorted(table["level"].dropna().unique()))
        + _options("size", [c[2] for c in SIZE_CLASSES] + ["unknown"])
        + _options("group", sorted({str(g) for g in table["group"] if g != ""}))
        + _options("field", all_fields)
        + "</div>"
    )
    trs = []
    for r in table.itertuples():
        fields = "".join(f'<span class="tag">{_esc(f)}</span>' for f in r.fields)
        grp = (
            f'<a href="groups/group-{_esc(r.group)}.html">group {_esc(r.group)}</a>'
            if r.group != ""
            else "-"
        )
        trs.append(
            f'<tr data-country="{_esc(r.country)}" data-level="{_esc(r.level)}" '
            f'data-size="{_esc(r.size)}" data-group="{_esc(r.group)}" '
            f'data-text="{_esc((str(r.name) + " " + r.unit_id).lower())}" '
            f'data-field="{_esc("|".join(r.fields))}">'
            f'<td><a href="units/{_esc(r.unit_id)}.html">{_esc(r.name)}</a></td>'
            f"<td><code>{_esc(r.unit_id)}</code></td><td>{_esc(r.level)}</td><td>{_esc(r.country)}</td>"
            f"<td>{_esc(r.size)}</td><td>{grp}</td><td>{len(r.reports)}</td><td>{fields}</td></tr>"
        )
    index_body = (
        "<p>Every urban authority with data, in alphabetical order. Choose filters to find "
        "peers; open a unit to see its reports and its progress between periods.</p>"
        + filt
        + '<p><span id="count"></span> units shown.</p>'
        + '<div style="overflow-x:auto"><table id="units"><caption>Units (alphabetical)</caption>'
        + "<thead><tr>"
        + "".join(
            f'<th scope="col">{h}</th>'
            for h in (
                "Unit",
                "Code",
                "Level",
                "Country",
                "Size class",
                "Peer group",
                "Reports",
                "Fields of activity",
            )
        )
        + "</tr></thead><tbody>"
        + "".join(trs)
        + "</tbody></table></div>"
        + wide
        + f"<script>{_JS}</script>"
    )
    return index_body


def _unit_page(r: Any, names: dict, dim_labels: dict) -> str:
    """A unit's page: its reports, its progress between periods, its learning partners."""
    links = (
        "".join(
            f'<li><a href="../{_esc(p)}">{_esc(s.replace("_", " "))}</a></li>'
            for s, p in sorted(r.reports.items())
        )
        or "<li>No report yet.</li>"
    )
    sa = r.results.get("city_self_assessment", {})
    change = _frame(sa.get("change"))
    if len(change):
        ch_rows = "".join(
            f"<tr><th scope='row'>{_esc(dim_labels.get(c.node_id, c.node_id))}</th>"
            f"<td>{_period(c.period_from)}</td><td>{c.score_from:.1f}</td><td>{_period(c.period_to)}</td>"
            f"<td>{c.score_to:.1f}</td><td>{c.change:+.1f}</td></tr>"
            for c in change.itertuples()
        )
        progress = (
            "<table><caption>Progress between periods (the unit against its own past)</caption>"
            "<thead><tr><th scope='col'>Dimension</th><th scope='col'>From</th><th scope='col'>Score</th>"
            "<th scope='col'>To</th><th scope='col'>Score</th><th scope='col'>Change</th></tr></thead>"
            f"<tbody>{ch_rows}</tbody></table>"
        )
    else:
        progress = "<p>Only one period with data so far.</p>"
    partners = _frame(sa.get("learning_partners"))
    if len(partners):
        lp = "".join(
            f"<li>{_esc(dim_labels.get(p.node_id, p.node_id))}: "
            f'<a href="{_esc(p.partner_id)}.html">{_esc(names.get(p.partner_id, p.partner_id))}</a></li>'
            for p in partners.sort_values(["node_id", "partner_id"]).itertuples()
        )
        lp = f"<h2>Learning partners</h2><ul>{lp}</ul>"
    else:
        lp = ""
    grp = (
        f'<a href="../groups/group-{_esc(r.group)}.html">peer group {_esc(r.group)}</a>'
        if r.group != ""
        else "no peer group yet"
    )
    fields = "".join(f'<span class="tag">{_esc(f)}</span>' for f in r.fields) or "none recorded"
    body = (
        f"<p><code>{_esc(r.unit_id)}</code> &middot; {_esc(r.level)} &middot; {_esc(r.country)} "
        f"&middot; {_esc(r.size)} &middot; {grp}</p>"
        f"<h2>Study reports</h2><ul>{links}</ul><h2>Progress</h2>{progress}{lp}"
        f"<h2>Fields of activity</h2><p>{fields}</p>"
    )
    return body


def _group_pages(table: pd.DataFrame, out: Path) -> None:
    """One page per peer group (alphabetical members) and the list of groups."""
    glinks = []
    for g, members in table[table["group"] != ""].groupby("group"):
        items = "".join(
            f'<li><a href="../units/{_esc(m.unit_id)}.html">{_esc(m.name)}</a> '
            f"({_esc(m.country)}, {_esc(m.size)})</li>"
            for m in members.itertuples()
        )
        body = (
            f"<p>Units alike in context (population, level, urban-rural type), found by "
            f"seeded clustering. Alphabetical.</p><ul>{items}</ul>"
        )
        _atomic_write(out / "groups" / f"group-{g}.html", _page(f"Peer group {g}", body, depth=1))
        glinks.append(
            f'<li><a href="groups/group-{_esc(g)}.html">Peer group {_esc(g)}</a>: '
            f"{len(members)} units</li>"
        )
    _atomic_write(
        out / "groups.html", _page("Peer groups", f"<ul>{''.join(glinks) or '<li>none</li>'}</ul>")
    )


def _fields_page(table: pd.DataFrame, all_fields: list[str]) -> str:
    """Units x fields of activity: where each unit has something to share."""
    head = "".join(f'<th scope="col">{_esc(f)}</th>' for f in all_fields)
    body_rows = "".join(
        f'<tr><th scope="row"><a href="units/{_esc(r.unit_id)}.html">{_esc(r.name)}</a></th>'
        + "".join(
            '<td class="yes">&#10003;<span class="skip">active</span></td>'
            if f in r.fields
            else "<td></td>"
            for f in all_fields
        )
        + "</tr>"
        for r in table.itertuples()
    )
    fbody = (
        "<p>In what fields are European urban authorities active? A tick marks a field "
        "where the unit reports initiatives (policy inventory) or sits in the upper part "
        "of its peers (self-assessment): a peer to learn from in that field.</p>"
        f'<div style="overflow-x:auto"><table><caption>Units x fields of activity</caption>'
        f'<thead><tr><th scope="col">Unit</th>{head}</tr></thead><tbody>{body_rows}</tbody></table></div>'
    )
    return fbody
