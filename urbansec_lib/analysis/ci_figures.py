"""Figures and display-ready tables of Collective Impact self-assessments.

Part of :mod:`urbansec_lib.analysis.collective_impact` (its public face): the SWOT matrix,
the SWOT heatmap per item and the readiness dot plot; the SWOT, readiness and lessons tables
of the reports. Cities always keep the order they are given in.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .ci_model import GENERAL, CIModel, _resolve_model
from .ci_read import CIAssessment

_QUADRANT_COLOURS = {"S": "#dcefdc", "W": "#f8dcdc", "O": "#dce8f8", "T": "#fbe8cf"}

# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _frames(data: Any, attr: str) -> pd.DataFrame:
    """Concatenate ``attr`` of one or several assessments, or pass a tidy frame through."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, CIAssessment):
        data = [data]
    data = list(data)
    if not data:
        raise ValueError("no assessments given")
    return pd.concat([getattr(a, attr) for a in data], ignore_index=True)


def _units(df: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(df["unit_id"]))


def plot_swot_matrix(
    assessment: CIAssessment | pd.DataFrame,
    max_items: int = 8,
    width: int = 60,
    max_chars: int = 140,
    model: CIModel | str | Path | None = None,
):
    """Classic 2x2 SWOT matrix of one unit, with the items as wrapped, truncated text.

    Long because: a quarter of it documents the parameters; the drawing of the four quadrants is one
    loop best read in one piece.

    Parameters
    ----------
    assessment : CIAssessment or DataFrame
        An assessment, or its tidy ``swot`` frame (one unit).
    max_items : int
        Items shown per quadrant; the rest are counted ("... and 3 more").
    width : int
        Wrap width in characters.
    max_chars : int
        Longer items are truncated with an ellipsis.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> from urbansec_lib.analysis.ci_read import _DEMO, read
    >>> fig = plot_swot_matrix(read(_DEMO / "BE212_ci.xlsx"))
    >>> [ax.get_title(loc="left") for ax in fig.axes][:2]
    ['Strengths (internal)', 'Weaknesses (internal)']
    """
    from matplotlib.figure import Figure

    model = _resolve_model(model if model is not None else getattr(assessment, "model", None))
    swot = _frames(assessment, "swot")
    units = _units(swot) if len(swot) else [getattr(assessment, "unit_id", "")]
    if len(units) > 1:
        raise ValueError(f"plot_swot_matrix draws one unit; got {units}")
    fig = Figure(figsize=(12, 8.5), layout="constrained")
    axes = fig.subplots(2, 2)
    kinds = ["internal", "internal", "external", "external"]
    for ax, (qid, qname), kind in zip(axes.ravel(), model.quadrants.items(), kinds):
        ax.set_facecolor(_QUADRANT_COLOURS.get(qid, "#eeeeee"))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{qname} ({kind})", fontsize=12, fontweight="bold", loc="left")
        items = swot[swot["quadrant"] == qid]
        lines: list[str] = []
        for _, row in items.head(max_items).iterrows():
            tag = f" [{row['item_name']}]" if row.get("item_name") else ""
            text = textwrap.shorten(f"{row['item']}{tag}", width=max_chars, placeholder=" ...")
            wrapped = textwrap.wrap(text, width=width) or [""]
            lines.append("\u2022 " + wrapped[0])
            lines += ["   " + w for w in wrapped[1:]]
        if len(items) > max_items:
            lines.append(f"... and {len(items) - max_items} more")
        if not lines:
            ax.text(
                0.5,
                0.5,
                "(no items)",
                ha="center",
                va="center",
                color="grey",
                style="italic",
                transform=ax.transAxes,
            )
        else:
            ax.text(
                0.02,
                0.97,
                "\n".join(lines),
                ha="left",
                va="top",
                fontsize=9.5,
                transform=ax.transAxes,
                linespacing=1.3,
            )
    title = f"SWOT: {units[0]}"
    prob = getattr(assessment, "problem", None)
    if prob:
        title += f" - {textwrap.shorten(prob, 90, placeholder=' ...')}"
    fig.suptitle(title, fontsize=13)
    return fig


def plot_condition_heatmap(
    assessments: CIAssessment | Sequence[CIAssessment] | pd.DataFrame,
    blocks: Sequence[str] | None = None,
    value: str = "items",
    model: CIModel | str | Path | None = None,
):
    """Heatmap of SWOT counts per item (condition, precondition, function) and quadrant.

    Parameters
    ----------
    assessments : CIAssessment, list of them, or a tidy ``swot`` frame
    blocks : list of str, optional
        Blocks to show (default all, plus ``general`` items if any).
    value : {"items", "cities"}
        Count SWOT items, or the number of cities naming at least one item in the cell.

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> from urbansec_lib.analysis.ci_read import _DEMO, read
    >>> fig = plot_condition_heatmap([read(_DEMO / f"{u}_ci.xlsx") for u in ("BE212", "ES300")])
    >>> fig.axes[0].get_title()
    'SWOT items per item and quadrant (BE212, ES300)'
    """
    import seaborn as sns
    from matplotlib.figure import Figure

    if value not in ("items", "cities"):
        raise ValueError("value must be 'items' or 'cities'")
    model = _resolve_model(model)
    swot = _frames(assessments, "swot")
    blocks = list(blocks) if blocks is not None else [b.id for b in model.blocks] + [GENERAL]
    rows = [
        (b.id, it.id, f"{b.name}: {it.name}")
        for b in model.blocks
        if b.id in blocks
        for it in b.items
    ]
    if GENERAL in blocks and (swot["block"] == GENERAL).any():
        rows.append((GENERAL, "", "General / cross-cutting"))
    key = pd.MultiIndex.from_tuples([(b, i) for b, i, _ in rows], names=["block", "item_id"])
    sub = swot[swot["block"].isin(blocks)]
    if value == "items":
        counts = sub.groupby(["block", "item_id", "quadrant"]).size()
    else:
        counts = sub.groupby(["block", "item_id", "quadrant"])["unit_id"].nunique()
    mat = (
        counts.unstack("quadrant")
        .reindex(index=key, columns=list(model.quadrants))
        .fillna(0)
        .astype(int)
    )
    mat.index = [lab for _, _, lab in rows]
    mat.columns = [f"{q}\n{n}" for q, n in model.quadrants.items()]
    fig = Figure(figsize=(10, 0.42 * len(mat) + 2.0), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        mat,
        annot=True,
        fmt="d",
        cmap="Blues",
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "SWOT items" if value == "items" else "cities"},
        ax=ax,
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    units = _units(swot) if len(swot) else []
    ax.tick_params(axis="x", labelrotation=0)
    ax.set_title(
        textwrap.fill(f"SWOT {value} per item and quadrant ({', '.join(units)})", 70), fontsize=11
    )
    return fig


def plot_readiness(
    assessments: CIAssessment | Sequence[CIAssessment] | pd.DataFrame,
    blocks: Sequence[str] = ("conditions", "preconditions"),
    model: CIModel | str | Path | None = None,
):
    """Dot plot of the 1-4 ratings per item, one marker and colour per city.

    Long because: a quarter of it documents the parameters; the rest sets up one axes step by step
    (markers, legend, scale, gap band).

    Cities keep the order given (never sorted by score); items keep the model order. Hollow
    markers flag ratings without evidence; the shaded band marks the gap zone (rating <= 2).

    Parameters
    ----------
    assessments : CIAssessment, list of them, or a tidy ``readiness`` frame
    blocks : list of str
        Blocks shown (default conditions and preconditions).

    Returns
    -------
    matplotlib.figure.Figure

    Example
    -------
    >>> from urbansec_lib.analysis.ci_read import _DEMO, read
    >>> fig = plot_readiness([read(_DEMO / f"{u}_ci.xlsx") for u in ("BE212", "ES300")])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['BE212', 'ES300', 'no evidence']
    """
    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    model = _resolve_model(model)
    df = _frames(assessments, "readiness")
    units = _units(df)
    items = [(b, it) for b in model.blocks if b.id in blocks for it in b.items]
    ypos = {it.id: len(items) - 1 - k for k, (_, it) in enumerate(items)}
    df = df[df["item_id"].isin(ypos)]
    colours = sns.color_palette("colorblind", max(len(units), 1))
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    # first city on top within each item row
    offsets = np.linspace(0.25, -0.25, len(units)) if len(units) > 1 else np.zeros(1)
    fig = Figure(figsize=(9, 0.55 * len(items) + 1.8), layout="constrained")
    ax = fig.subplots()
    ax.axvspan(0.5, model.gap_at_or_below + 0.5, color="#f3e0e0", zorder=0)
    handles = []
    for k, u in enumerate(units):
        d = df[(df["unit_id"] == u) & df["rating"].notna()]
        y = d["item_id"].map(ypos).to_numpy(float) + offsets[k]
        x = d["rating"].to_numpy(float)
        has_ev = (d["evidence_count"] > 0).to_numpy()
        mk, col = markers[k % len(markers)], colours[k]
        ax.scatter(x[has_ev], y[has_ev], marker=mk, color=col, s=60, zorder=3)
        ax.scatter(
            x[~has_ev], y[~has_ev], marker=mk, facecolors="none", edgecolors=col, s=60, zorder=3
        )
        handles.append(Line2D([], [], marker=mk, color=col, linestyle="", markersize=8, label=u))
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            color="grey",
            markerfacecolor="none",
            linestyle="",
            label="no evidence",
        )
    )
    ax.set_yticks(list(ypos.values()), [f"{it.name}" for _, it in items])
    ax.set_xticks(
        list(model.scale), [f"{v}\n{textwrap.fill(lab, 12)}" for v, lab in model.scale.items()]
    )
    ax.set_xlim(0.5, max(model.scale) + 0.5)
    ax.set_ylim(-0.6, len(items) - 0.4)
    for k in range(len(items) - 1):
        ax.axhline(k + 0.5, color="#dddddd", linewidth=0.6, zorder=1)
    ax.grid(axis="x", color="#dddddd", zorder=1)
    ax.set_xlabel("Rating (Tamarack-style 1-4 scale)")
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
        title="City (order as given)",
    )
    ax.set_title("Collective Impact readiness per condition / precondition", fontsize=11)
    return fig


def swot_table(assessment: CIAssessment, model: CIModel | str | Path | None = None):
    """The SWOT matrix of one unit as a display-ready 2x2 table (internal / external by
    helpful / harmful), every item in full with the condition it concerns; no empty space
    and no cut text (:func:`urbansec_lib.present.table`).

    Parameters
    ----------
    assessment : CIAssessment
    model : CIModel or path, optional
        Default the assessment's model.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> from urbansec_lib.analysis.ci_read import _DEMO, read
    >>> swot_table(read(_DEMO / "BE212_ci.xlsx")).data.columns.tolist()
    ['', 'Strengths / Opportunities (helpful)', 'Weaknesses / Threats (harmful)']
    """
    from ..presentation.present import table

    model = _resolve_model(model if model is not None else getattr(assessment, "model", None))
    swot = _frames(assessment, "swot")

    def items(q: str) -> list[str]:
        rows = swot[swot["quadrant"] == q]
        return [
            f"{r['item']} ({r['item_name']})" if r.get("item_name") else str(r["item"])
            for _, r in rows.iterrows()
        ] or ["(none named)"]

    q = model.quadrants
    df = pd.DataFrame(
        {
            "": ["Internal (the partnership)", "External (its environment)"],
            "helpful": [items("S"), items("O")],
            "harmful": [items("W"), items("T")],
        }
    )
    return table(
        df,
        columns={
            "": "",
            "helpful": f"{q.get('S', 'Strengths')} / {q.get('O', 'Opportunities')} (helpful)",
            "harmful": f"{q.get('W', 'Weaknesses')} / {q.get('T', 'Threats')} (harmful)",
        },
        kinds={"helpful": "lines", "harmful": "lines"},
        caption=f"SWOT of {getattr(assessment, 'meta', {}).get('unit_name') or assessment.unit_id}",
    )


def sector_label(sector: str) -> str:
    """Readable stakeholder sector: ``police_justice -> 'Police and justice'``.

    Examples
    --------
    >>> sector_label("police_justice"), sector_label("local_media")
    ('Police and justice', 'Local media')
    """
    return _SECTORS.get(sector, str(sector).replace("_", " ").capitalize())


_SECTORS = {
    "public": "Public authorities",
    "police_justice": "Police and justice",
    "civil_society": "Civil society",
    "research": "Research",
    "community": "Community",
    "private": "Private sector",
    "business": "Business",
}


def readiness_table(assessment: CIAssessment):
    """Display-ready readiness ratings of one unit: block and item names, rating label,
    pieces of evidence, whether the item is a gap (rating 2 or lower).

    Parameters
    ----------
    assessment : CIAssessment

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> from urbansec_lib.analysis.ci_read import _DEMO, read
    >>> len(readiness_table(read(_DEMO / "BE212_ci.xlsx")).data)
    14
    """
    from ..presentation.present import table

    model = _resolve_model(getattr(assessment, "model", None))
    blocks = {b.id: b.name for b in model.blocks}
    r = assessment.readiness
    return table(
        r,
        columns={
            "block": "Block",
            "item_name": "Condition or function",
            "rating_label": "Rating (1-4)",
            "evidence_count": "Pieces of evidence",
            "gap": "Gap (rated 2 or lower)",
        },
        labels={"block": blocks},
        kinds={"evidence_count": "int"},
        missing={"rating_label": "not rated"},
    )


def lessons_table(syn, model: CIModel | str | Path | None = None, names: dict | None = None):
    """Display-ready recurring lessons of a :func:`synthesis`: quadrant, cities (by name)
    and the lesson in full (wrapped, never cut).

    Parameters
    ----------
    syn : CISynthesis
    model : CIModel or path, optional
    names : dict, optional
        Unit id -> display name of the cities.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> from urbansec_lib.analysis.ci_synthesis import CISynthesis
    >>> lessons = pd.DataFrame({"quadrant": ["S"], "cities": ["BE212, ES300"],
    ...                         "lesson": ["Trust is a strength: a (BE212) | b (ES300)"]})
    >>> syn = CISynthesis(["BE212", "ES300"], recurring=pd.DataFrame(), lessons=lessons)
    >>> t = lessons_table(syn, names={"BE212": "Mechelen", "ES300": "Madrid"})
    >>> t.data.iloc[0].tolist()
    ['Strengths', 'Mechelen, Madrid', 'Trust is a strength: a (BE212); b (ES300)']
    """
    from ..presentation.present import table

    model = _resolve_model(model)
    lessons = syn.lessons.assign(
        cities=syn.lessons["cities"].map(
            lambda s: ", ".join((names or {}).get(c.strip(), c.strip()) for c in str(s).split(","))
        ),
        lesson=syn.lessons["lesson"].str.replace(" | ", "; ", regex=False),
    )
    return table(
        lessons,
        columns={"quadrant": "SWOT quadrant", "cities": "Cities", "lesson": "Lesson"},
        labels={"quadrant": model.quadrants},
    )
