"""The static, searchable and filterable HTML page of the good-practice inventory.

Part of :mod:`urbansec_lib.analysis.good_practices` (its public face): one self-contained
file, inline JavaScript, no CDN, labelled form controls, works when opened from disk.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..inputs import instruments as _instr
from .gp_attributes import _INSTRUMENT

# --------------------------------------------------------------------------------------------
# Inventory page
# --------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#1a1a1a}
h1{font-size:1.5rem}.note{color:#444;max-width:60rem}
form{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0;align-items:flex-end}
label{display:flex;flex-direction:column;font-size:.9rem;gap:.2rem}
select,input{font:inherit;padding:.3rem;border:1px solid #767676;border-radius:3px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}caption{text-align:left;font-weight:600;margin-bottom:.5rem}
button{font:inherit;padding:.3rem .8rem}:focus{outline:3px solid #f9a825}
"""

_JS = """
(function(){
  var f=document.getElementById('filters'), rows=[].slice.call(document.querySelectorAll('#inv tbody tr'));
  var out=document.getElementById('count');
  function apply(){
    var q=document.getElementById('q').value.toLowerCase().trim(), shown=0;
    var sel=[].slice.call(f.querySelectorAll('select'));
    rows.forEach(function(r){
      var ok=!q||r.textContent.toLowerCase().indexOf(q)>=0;
      sel.forEach(function(s){
        if(ok&&s.value){var v=(r.getAttribute('data-'+s.name)||'').split(' ');ok=v.indexOf(s.value)>=0;}
      });
      r.hidden=!ok; if(ok){shown++;}
    });
    out.textContent=shown+' of '+rows.length+' practices shown';
  }
  f.addEventListener('input',apply); f.addEventListener('change',apply);
  f.addEventListener('reset',function(){setTimeout(apply,0);});
  f.addEventListener('submit',function(e){e.preventDefault();});
  apply();
})();
"""


_PAGE_COLUMNS = (
    "practice_name",
    "city",
    "country",
    "year",
    "location_type",
    "threat",
    "measures",
    "liveability",
    "cost_band",
    "partners",
    "success",
)


def _esc(v: Any) -> str:
    """HTML-escaped text of a cell; empty for a missing value."""
    return (
        ""
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA
        else html.escape(str(v))
    )


def _write_labelled_csv(data: pd.DataFrame, instr: Any, path: Path) -> None:
    """The inventory as CSV, with the codes of choice questions replaced by their labels."""
    from ..core.ingest import write_csv

    csv = data.copy()
    for c in data.columns:
        if c in instr.names and instr.question(c).choices and not instr.numeric_codes(c):
            lab = instr.labels(c)
            csv[c] = csv[c].map(
                lambda v, lab=lab: (
                    "; ".join(lab.get(t, t) for t in str(v).split()) if isinstance(v, str) else v
                )
            )
    write_csv(csv, path)


def _controls(data: pd.DataFrame, filters: list[str], heads: dict, instr: Any) -> list[str]:
    """The search box, one labelled select per filter (codes present only), a reset button."""
    controls = [
        '<label for="q">Search<input id="q" name="q" type="search" '
        'placeholder="title, city, measure..."></label>'
    ]
    for c in filters:
        present = set(" ".join(data[c].dropna().astype(str)).split())
        opts = "".join(
            f'<option value="{html.escape(k)}">{html.escape(v)}</option>'
            for k, v in instr.labels(c).items()
            if k in present
        )
        controls.append(
            f'<label for="f-{c}">{html.escape(heads[c])}<select id="f-{c}" '
            f'name="{c}"><option value="">All</option>{opts}</select></label>'
        )
    controls.append('<button type="reset">Clear filters</button>')
    return controls


def _body_rows(data: pd.DataFrame, filters: list[str], instr: Any) -> list[str]:
    """One table row per practice (codes as labels), its filter values as data attributes."""
    cols = list(data.columns)
    body_rows = []
    for r in data.itertuples(index=False):
        rec = dict(zip(cols, r))
        attrs = " ".join(f'data-{c}="{_esc(rec[c])}"' for c in filters)
        cells = []
        for c in cols:
            v = rec[c]
            if isinstance(v, str) and c in instr.names and instr.question(c).choices:
                lab = instr.labels(c)
                v = "; ".join(lab.get(t, t) for t in v.split())
            cells.append(f"<td>{_esc(v)}</td>")
        body_rows.append(f"<tr {attrs}>{''.join(cells)}</tr>")
    return body_rows


def inventory_html(
    df: pd.DataFrame,
    path: str | Path,
    title: str = "Security by design in public spaces: good-practice inventory",
    note: str = "",
    instr: Any = _INSTRUMENT,
    include_text: bool = False,
) -> Path:
    """Write the inventory as one static, searchable, filterable HTML page and a CSV.

    Long because: the docstring documents the accessibility of the page (34 lines); the code is 47,
    most of it the page template.

    Parameters
    ----------
    df : DataFrame
        Practices as read by :func:`urbansec_lib.instruments.read_responses`.
    path : str or Path
        The ``.html`` file; the CSV is written next to it (same name, ``.csv``).
    title, note : str
        Page title and an introductory note (e.g. "SYNTHETIC demo data").
    include_text : bool
        Show the free-text ``outcomes`` column when present (default ``False``).

    Returns
    -------
    Path of the HTML page. Practices appear in the order given (never sorted by success).

    Notes
    -----
    Filters (country, type of space, threat, measure, partner) and a free-text search work
    offline (inline JavaScript, no external resources); every control has a visible label,
    the table has a caption and column headers with ``scope``, and the number of shown
    practices is announced in an ``aria-live`` region.

    Examples
    --------
    >>> import tempfile
    >>> from urbansec_lib import instruments
    >>> from urbansec_lib.analysis.gp_attributes import _DEMO
    >>> df = instruments.read_responses(_DEMO, "good_practice")  # the demo export
    >>> page = inventory_html(df, Path(tempfile.mkdtemp()) / "inventory.html")
    >>> sorted(p.name for p in page.parent.iterdir())
    ['inventory.csv', 'inventory.html']
    """
    instr = _instr.load_instrument(instr)
    path = Path(path)
    cols = [c for c in _PAGE_COLUMNS if c in df.columns]
    if include_text and "outcomes" in df.columns:
        cols.append("outcomes")
    data = df[cols].reset_index(drop=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_labelled_csv(data, instr, path.with_suffix(".csv"))
    heads = {
        c: (instr.question(c).label.split("(")[0].split("?")[0].strip() if c in instr.names else c)
        for c in cols
    }
    filters = [
        c for c in ("country", "location_type", "threat", "measures", "partners") if c in cols
    ]
    controls = _controls(data, filters, heads, instr)
    body_rows = _body_rows(data, filters, instr)
    th = "".join(f'<th scope="col">{html.escape(heads[c])}</th>' for c in cols)
    meta = json.dumps({"instrument": instr.stamp, "n": len(data)})
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="urbansec good_practices.inventory_html {html.escape(meta)}">
<title>{html.escape(title)}</title><style>{_CSS}</style></head>
<body><main>
<h1>{html.escape(title)}</h1>
<p class="note">{html.escape(note)}</p>
<p class="note">Practices in the order they were submitted. Success is the submitting team's
own rating (1-5); it is not an independent evaluation and the list is not a ranking.</p>
<form id="filters" role="search" aria-label="Filter the practices">{"".join(controls)}</form>
<p id="count" aria-live="polite"></p>
<table id="inv"><caption>{html.escape(title)}</caption>
<thead><tr>{th}</tr></thead><tbody>
{chr(10).join(body_rows)}
</tbody></table>
</main><script>{_JS}</script></body></html>
"""
    path.write_text(page, encoding="utf-8")
    return path
