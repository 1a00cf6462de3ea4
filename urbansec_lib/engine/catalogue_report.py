"""The catalogue for a report: HTML tables with footnoted sources, coverage figures."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import (
    _STATUS_MARK,
    NOT_APPLICABLE,
    UNKNOWN,
    Catalogue,
    _fmt,
    _source_keys,
    _source_numbers,
)

__all__ = [
    "catalogue_html",
    "plot_coverage_heatmap",
    "plot_unit_coverage",
    "sources_html",
]


# ---------------------------------------------------------------------- report helpers
def _cell(cat: Catalogue, fact: dict, numbers: dict[str, int], text: str | None = None) -> str:
    import html

    text = html.escape(_fmt(fact["value"]) if text is None else text)
    # dataset codes (crim_gen_reg) are identifiers a reader looks up: shown as code
    text = re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", r"<code>\g<0></code>", text)
    mark = _STATUS_MARK.get(fact.get("status", ""), "")
    refs = ",".join(
        f'<a href="#src-{numbers[k]}">{numbers[k]}</a>' for k in _source_keys(fact.get("source"))
    )
    return f"{text}{mark}" + (f"<sup>[{refs}]</sup>" if refs else "")


_TABLES = (
    (
        "Who publishes it, when and where",
        [
            ("Publisher", "publisher"),
            ("Kind", "kind"),
            ("Years", "years"),
            ("Geographic unit", "geographic_unit"),
            ("Countries", "coverage.countries"),
            ("Cities", "coverage.n_cities"),
            ("Small / medium cities", "coverage.small_medium_cities"),
            ("Frequency", "frequency"),
            ("Openness", "openness"),
        ],
    ),
    (
        "What it measures and how",
        [
            ("Dimensions", "dimensions"),
            ("Indicators", "n_indicators"),
            ("Objective / perceived", "objective_perceived"),
            ("Ranking", "method.ranking"),
            ("Weighting", "method.weighting"),
            ("Known weaknesses", "known_weaknesses"),
        ],
    ),
)
_TD = '<td style="text-align:left;vertical-align:top">'


def catalogue_html(catalogue: Catalogue) -> str:
    """The catalogue as two HTML tables, every value with footnote links to its sources.

    The first table says who publishes each index, when and for which units; the second
    what it measures and how (with its known weaknesses). Footnote numbers link to the
    anchors of :func:`sources_html`; ``†`` marks facts to verify (status recall) and ``*``
    our reading of a source (status synthesis).

    Examples
    --------
    >>> from urbansec_lib.indices import load_catalogue
    >>> html = catalogue_html(load_catalogue())
    >>> html.startswith("<h4>"), html.count("<table") == 2
    (True, True)
    """
    import html

    numbers = _source_numbers(catalogue)
    parts = []
    for title, cols in _TABLES:
        head = "".join(
            f'<th style="text-align:left">{html.escape(c)}</th>'
            for c in ["Index or tool", *(c for c, _ in cols)]
        )
        body = []
        for e in catalogue.entries:
            first = f"<b>{html.escape(e['label'])}</b>"
            if title == _TABLES[0][0]:
                first += f"<br><small>{_cell(catalogue, e['name'], numbers)}</small>"
            cells = [f"{_TD}{first}</td>"]
            for _, path in cols:
                if path == "known_weaknesses":
                    items = "".join(f"<li>{_cell(catalogue, w, numbers)}</li>" for w in e[path])
                    cells.append(f'{_TD}<ul style="margin:0;padding-left:1.1em">{items}</ul></td>')
                    continue
                node: Any = e
                for part in path.split("."):
                    node = node[part]
                text = None
                if node.get("year") is not None and node["value"] not in (UNKNOWN, NOT_APPLICABLE):
                    text = f"{_fmt(node['value'])} ({node['year']})"
                cells.append(f"{_TD}{_cell(catalogue, node, numbers, text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(
            f"<h4>{html.escape(title)}</h4>"
            '<table class="urbansec-catalogue" style="font-size:0.85em">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    parts.append(
        "<p><small>Numbers in brackets link to the sources below. † to verify (background "
        "knowledge, status recall); * our reading of the source (status synthesis); "
        "unknown: not stated in the sources.</small></p>"
    )
    return "".join(parts)


def sources_html(catalogue: Catalogue) -> str:
    """Numbered list of every cited source (anchors ``src-<n>``), with the facts citing it.

    Examples
    --------
    >>> from urbansec_lib.indices import load_catalogue
    >>> sources_html(load_catalogue()).startswith('<ol class="urbansec-sources"><li id="src-1"')
    True
    """
    import html

    numbers = _source_numbers(catalogue)
    facts = catalogue.facts()
    items = []
    for key, n in sorted(numbers.items(), key=lambda kv: kv[1]):
        s = catalogue.sources[key]
        cited = facts[facts["sources"].str.split(",").map(lambda ks, k=key: k in ks)]
        where = "; ".join(
            f"{i}: " + ", ".join(g["field"]) for i, g in cited.groupby("index_id", sort=False)
        )
        url = html.escape(s["url"], quote=True)
        items.append(
            f'<li id="src-{n}" value="{n}">{html.escape(s["title"])}. '
            f'<a href="{url}">{html.escape(s["url"])}</a><br><small>{len(cited)} facts: '
            f"{html.escape(where)}</small></li>"
        )
    return f'<ol class="urbansec-sources">{"".join(items)}</ol>'


# ---------------------------------------------------------------------- figures
def _wrap(s: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(str(s), width)) or str(s)


def plot_coverage_heatmap(matrix: pd.DataFrame):
    """Heatmap of framework dimensions (rows) x indices (columns).

    Colour and number: framework indicators of the dimension the index carries (blank =
    none). An outlined cell: the catalogue declares the index covers the dimension.

    Parameters
    ----------
    matrix : pandas.DataFrame
        The tidy output of :func:`coverage_matrix`.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> import urbansec_lib as us
    >>> from urbansec_lib.indices import coverage_matrix, load_catalogue
    >>> fig = plot_coverage_heatmap(coverage_matrix(us.load_framework(), load_catalogue()))
    >>> type(fig).__name__
    'Figure'
    """
    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    dims = list(dict.fromkeys(matrix["dimension"]))
    idx = list(dict.fromkeys(matrix["index_id"]))
    dlab = dict(zip(matrix["dimension"], matrix.get("dimension_label", matrix["dimension"])))
    ilab = dict(zip(matrix["index_id"], matrix.get("index_label", matrix["index_id"])))
    counts = matrix.pivot(index="dimension", columns="index_id", values="n_indicators")
    counts = counts.reindex(index=dims, columns=idx).fillna(0).astype(int)
    declared = matrix.pivot(index="dimension", columns="index_id", values="declared")
    declared = declared.reindex(index=dims, columns=idx).fillna(False).astype(bool)
    annot = counts.astype(str).where((counts > 0) | declared, "")
    fig = Figure(figsize=(2.5 + 1.0 * len(idx), 1.6 + 0.75 * len(dims)))
    ax = fig.add_subplot()
    sns.heatmap(
        counts,
        ax=ax,
        cmap="Blues",
        annot=annot.to_numpy(),
        fmt="",
        linewidths=0.6,
        linecolor="white",
        vmin=0,
        vmax=max(1, int(counts.to_numpy().max())),
        cbar_kws={"label": "framework indicators carried", "shrink": 0.8},
        annot_kws={"fontsize": 10},
    )
    for r, c in zip(*np.nonzero(declared.to_numpy())):
        ax.add_patch(
            Rectangle(
                (c + 0.06, r + 0.06), 0.88, 0.88, fill=False, edgecolor="#d95f02", linewidth=2.2
            )
        )
    ax.set_yticks(
        np.arange(len(dims)) + 0.5, [_wrap(dlab[d], 22) for d in dims], rotation=0, fontsize=10
    )
    ax.set_xticks(
        np.arange(len(idx)) + 0.5, [_wrap(ilab[i], 11) for i in idx], rotation=0, fontsize=8.5
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.xaxis.tick_top()
    _legend_below(
        ax,
        [
            Patch(
                facecolor="none",
                edgecolor="#d95f02",
                linewidth=2.2,
                label="catalogue declares the index covers the dimension",
            )
        ],
        -0.02,
    )
    fig.tight_layout()
    return fig


def plot_unit_coverage(catalogue: Catalogue | pd.DataFrame):
    """Dot matrix: which geographic units (and small/medium cities) each index covers.

    Parameters
    ----------
    catalogue : Catalogue or pandas.DataFrame
        A catalogue, or the tidy frame of :meth:`Catalogue.unit_coverage`.

    Returns
    -------
    matplotlib.figure.Figure
        Filled dot = covered, open dot = not known, nothing = not covered. Indices in
        catalogue order.

    Examples
    --------
    >>> from urbansec_lib.indices import load_catalogue
    >>> type(plot_unit_coverage(load_catalogue())).__name__
    'Figure'
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    uc = catalogue.unit_coverage() if isinstance(catalogue, Catalogue) else catalogue
    units = list(dict.fromkeys(uc["unit"]))
    idx = list(dict.fromkeys(uc["index_id"]))
    labels = dict(zip(uc["index_id"], uc.get("label", uc["index_id"])))
    unit_names = {
        "small_medium_cities": "small / medium\ncities",
        "NUTS3": "NUTS 3",
        "NUTS1": "NUTS 1",
        "NUTS2": "NUTS 2",
    }
    x = uc["unit"].map({u: k for k, u in enumerate(units)}).to_numpy()
    y = uc["index_id"].map({i: k for k, i in enumerate(idx)}).to_numpy()
    fig = Figure(figsize=(1.6 + 0.95 * len(units), 0.9 + 0.42 * len(idx)))
    ax = fig.add_subplot()
    cov = uc["coverage"].to_numpy()
    on, unk = cov == "covered", cov == UNKNOWN
    ax.scatter(x[on], y[on], s=140, color="#1b6ca8", zorder=3)
    ax.scatter(
        x[unk], y[unk], s=140, facecolor="white", edgecolor="#7f7f7f", linewidth=1.5, zorder=3
    )
    ax.set_xticks(range(len(units)), [unit_names.get(u, u) for u in units], fontsize=9)
    ax.set_yticks(range(len(idx)), [labels[i] for i in idx], fontsize=9)
    ax.set_xlim(-0.5, len(units) - 0.5)
    ax.set_ylim(len(idx) - 0.5, -0.5)
    ax.xaxis.tick_top()
    ax.grid(True, color="#e5e5e5", zorder=0)
    ax.set_axisbelow(True)
    for s in ax.spines.values():
        s.set_visible(False)
    _legend_below(
        ax,
        [
            Line2D([], [], marker="o", ls="", color="#1b6ca8", markersize=9, label="covered"),
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                markerfacecolor="white",
                markeredgecolor="#7f7f7f",
                markersize=9,
                label="not known",
            ),
        ],
        -0.01,
        ncol=2,
    )
    fig.tight_layout()
    return fig


def _legend_below(ax: Any, handles: list, y: float, **kw: Any) -> None:
    """The figure's legend under the axes, left-aligned, without a frame."""
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0, y),
        frameon=False,
        fontsize=9,
        **kw,
    )
