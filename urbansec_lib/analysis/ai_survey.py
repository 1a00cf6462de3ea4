"""AI-inclusive technologies in public spaces (UA Partnership Action 3): survey of urban authorities.

The survey uses the ``ai_technologies`` instrument (``instruments/ai_technologies.yaml``) and is
read with :func:`urbansec_lib.instruments.read_responses`. Authorities are not named in the
form; results are shares of authorities, overall or by size class / country, with Wilson score
confidence intervals (:func:`statsmodels.stats.proportion.proportion_confint`,
``method="wilson"``; Wilson 1927) and cells of fewer than ``min_n`` authorities suppressed.

* :func:`prevalence` -- share of authorities using / testing each technology.
* :func:`shares` -- the same for any select question (bottlenecks, purposes, DPIA ...).
* :func:`bottlenecks` -- bottlenecks by size class or country.
* :func:`safeguards` -- legal basis, DPIA and contact with the data-protection authority
  among the authorities that use at least one technology.
* :func:`read_national_positions` / :func:`join_national_positions` -- a user-maintained file
  of national positions (``data/raw/ai/national_positions.csv``: country, position_summary,
  source, date, status) set beside the survey's country results.

Rows always follow the form's order of technologies and the alphabetical order of groups: no
output orders authorities or countries from most to least "advanced".

Answer conventions
    ``tech_used`` is required (with a ``none`` option). For the optional select_multiple
    questions an empty answer counts as "none of these" (Kobo cannot tell a skipped
    select_multiple from an empty one); the denominator is then every authority.

Example
-------
>>> from urbansec_lib import ai_survey, instruments
>>> from pathlib import Path
>>> demo = Path(ai_survey.__file__).resolve().parents[2] / "data" / "raw" / "ai"
>>> df = instruments.read_responses(demo / "ai_survey_kobo.csv", "ai_technologies")
>>> p = ai_survey.prevalence(df, by="size_class")
>>> p[["size_class", "status", "technology", "n", "share"]].head(1).values.tolist()
[['small', 'used', 'video_analytics', 20, 0.45]]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.defaults import MIN_N
from ..core.ingest import read_frame
from ..core.schema import Column, TableSchema, Unique
from ..inputs import instruments as _instr
from ..inputs.privacy import secondary_suppress

__all__ = [
    "POSITION_COLUMNS",
    "bottlenecks",
    "join_national_positions",
    "plot_prevalence",
    "prevalence",
    "read_national_positions",
    "report_table",
    "safeguards",
    "shares",
    "wilson",
]

_INSTRUMENT = "ai_technologies"
#: Columns of the national positions file.
POSITION_COLUMNS = ("country", "position_summary", "source", "date", "status")
_STATUS = ("illustrative", "draft", "verified")


def wilson(k, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes out of n (vectorised; statsmodels).

    Example
    -------
    >>> lo, hi = wilson(3, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1078, 0.6032)
    """
    from statsmodels.stats.proportion import proportion_confint

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    lo = np.full(np.shape(n), np.nan)
    hi = np.full(np.shape(n), np.nan)
    ok = n > 0
    if np.any(ok):
        lo_ok, hi_ok = proportion_confint(k[ok], n[ok], alpha=alpha, method="wilson")
        lo[ok], hi[ok] = lo_ok, hi_ok
    return lo, hi


def shares(
    df: pd.DataFrame,
    question: str,
    by: str | None = None,
    alpha: float = 0.05,
    min_n: int = MIN_N,
    codes: Sequence[str] | None = None,
    subset: pd.Series | None = None,
    instr=_INSTRUMENT,
) -> pd.DataFrame:
    """Share of authorities choosing each code of a select question, with Wilson CIs.

    Long because: the docstring (parameters, returns, example) is half of it; the code is one
    pass: dummies, grouped counts, intervals, suppression, order.

    Parameters
    ----------
    df : DataFrame
        Survey answers (one row per authority).
    question : str
        A select_one or select_multiple question of the instrument.
    by : str, optional
        Grouping column (``size_class`` or ``country``); groups in code order.
    alpha : float
        1 - confidence level.
    min_n : int
        Groups with fewer authorities are suppressed (k, share and CI masked).
    codes : list of str, optional
        Codes to report (default all codes of the question).
    subset : boolean Series, optional
        Restrict to these authorities (e.g. those using a technology).

    Returns
    -------
    DataFrame: [by], question, code, label, n, k, share, ci_low, ci_high, suppressed.

    Examples
    --------
    >>> from pathlib import Path
    >>> from urbansec_lib import instruments
    >>> demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "ai"
    >>> df = instruments.read_responses(demo / "ai_survey_kobo.csv", "ai_technologies")
    >>> s = shares(df, "dpia")
    >>> s[["code", "n", "k", "share"]].round(3).values.tolist()
    [['yes', 48, 25.0, 0.521], ['no', 48, 15.0, 0.312], ['dont_know', 48, 8.0, 0.167]]
    """
    instr = _instr.load_instrument(instr)
    q = instr.question(question)
    data = df if subset is None else df.loc[subset.reindex(df.index).fillna(False).astype(bool)]
    labels = instr.labels(question)
    codes = list(codes) if codes is not None else list(labels)
    s = data[question]
    if q.type == "select_multiple":
        d = _instr.dummies(data, instr, question)[codes].astype("Float64")
        if not q.required:
            d = d.fillna(0)  # an empty optional select_multiple = none of these
    else:
        d = pd.DataFrame(
            {c: (s == c).astype("Float64").where(s.notna()) for c in codes}, index=data.index
        )
    groups = data[by] if by is not None else pd.Series("all", index=data.index)
    long = d.assign(_g=groups.to_numpy()).melt(id_vars="_g", var_name="code", value_name="x")
    long = long.dropna(subset=["x", "_g"]).astype({"x": float})
    agg = long.groupby(["_g", "code"], sort=False)["x"].agg(n="count", k="sum").reset_index()
    agg["k"] = agg["k"].astype(float)
    agg["share"] = agg["k"] / agg["n"]
    agg["ci_low"], agg["ci_high"] = wilson(agg["k"], agg["n"], alpha)
    agg["suppressed"] = agg["n"] < min_n
    agg[["k", "share", "ci_low", "ci_high"]] = agg[["k", "share", "ci_low", "ci_high"]].mask(
        agg["suppressed"]
    )
    if by is not None:  # totals are published too: protect a lone small cell from subtraction
        agg = secondary_suppress(agg, "code", value_cols=["k", "share", "ci_low", "ci_high"])
    agg["question"] = question
    agg["label"] = agg["code"].map(labels)
    gorder = (
        instr.codes(by)
        if by is not None and by in instr.names and instr.codes(by)
        else sorted(agg["_g"].unique())
    )
    gpos = {g: i for i, g in enumerate(gorder)}
    cpos = {c: i for i, c in enumerate(codes)}
    agg = (
        agg.assign(_gp=agg["_g"].map(gpos), _cp=agg["code"].map(cpos))
        .sort_values(["_gp", "_cp"])
        .drop(columns=["_gp", "_cp"])
    )
    cols = ["question", "code", "label", "n", "k", "share", "ci_low", "ci_high", "suppressed"]
    if by is not None:
        agg = agg.rename(columns={"_g": by})
        cols = [by, *cols]
    return agg[cols].reset_index(drop=True)


def prevalence(
    df: pd.DataFrame,
    by: str | None = None,
    alpha: float = 0.05,
    min_n: int = MIN_N,
    instr=_INSTRUMENT,
) -> pd.DataFrame:
    """Share of authorities using and testing each technology, with Wilson CIs.

    Parameters
    ----------
    df : DataFrame
        Survey answers.
    by : str, optional
        ``size_class`` or ``country``.
    alpha, min_n : see :func:`shares`.

    Returns
    -------
    DataFrame: [by], status (``used`` / ``tested``), technology, label, n, k, share, ci_low,
    ci_high, suppressed. ``technology == "any"`` is the share using (testing) at least one.

    Example
    -------
    >>> df = pd.DataFrame({"tech_used": ["anpr drones", "none", "anpr"],
    ...                    "tech_tested": [None, "drones", None]})
    >>> t = prevalence(df, min_n=1)
    >>> t.query("status == 'used' and technology == 'anpr'")[["n", "k"]].values.tolist()
    [[3.0, 2.0]]
    """
    instr = _instr.load_instrument(instr)
    techs = [c for c in instr.codes("tech_used") if c != "none"]
    frames = []
    for q, status in (("tech_used", "used"), ("tech_tested", "tested")):
        if q not in df.columns:
            continue
        d = _instr.dummies(df, instr, q)[techs]
        if not instr.question(q).required:
            d = d.fillna(0)
        t = shares(df, q, by=by, alpha=alpha, min_n=min_n, codes=techs, instr=instr)
        any_ = (d.sum(axis=1) > 0).map({True: "any", False: "none_of_these"})
        any_ = any_.where(d.notna().all(axis=1))
        a = _any_share(df.assign(_any=any_), by, alpha, min_n)
        t = pd.concat([t, a[t.columns]], ignore_index=True)
        if by is not None:
            t = _order_groups(t, by, instr)
        t.insert(0 if by is None else 1, "status", status)
        frames.append(t)
    out = pd.concat(frames, ignore_index=True).rename(columns={"code": "technology"})
    return out.drop(columns=["question"])


def _any_share(df: pd.DataFrame, by: str | None, alpha: float, min_n: int) -> pd.DataFrame:
    g = df[by] if by else pd.Series("all", index=df.index)
    x = (df["_any"] == "any").astype(float).where(df["_any"].notna())
    agg = x.groupby(g.to_numpy()).agg(["count", "sum"]).rename(columns={"count": "n", "sum": "k"})
    agg["share"] = agg["k"] / agg["n"]
    agg["ci_low"], agg["ci_high"] = wilson(agg["k"], agg["n"], alpha)
    agg["suppressed"] = agg["n"] < min_n
    agg[["k", "share", "ci_low", "ci_high"]] = agg[["k", "share", "ci_low", "ci_high"]].mask(
        agg["suppressed"]
    )
    agg = agg.reset_index(names=by or "_g")
    if by:
        agg = secondary_suppress(
            agg.assign(_all="any"), "_all", value_cols=["k", "share", "ci_low", "ci_high"]
        ).drop(columns="_all")
    agg["code"], agg["label"] = "any", "At least one technology"
    agg["question"] = ""
    if not by:
        agg = agg.drop(columns="_g")
    return agg


def _order_groups(t: pd.DataFrame, by: str, instr) -> pd.DataFrame:
    order = instr.codes(by) if by in instr.names and instr.codes(by) else sorted(t[by].unique())
    gpos = {g: i for i, g in enumerate(order)}
    return (
        t.assign(_gp=t[by].map(gpos))
        .sort_values("_gp", kind="stable")
        .drop(columns="_gp")
        .reset_index(drop=True)
    )


def bottlenecks(
    df: pd.DataFrame,
    by: str | None = "size_class",
    alpha: float = 0.05,
    min_n: int = MIN_N,
    instr=_INSTRUMENT,
) -> pd.DataFrame:
    """Share of authorities citing each bottleneck, by size class (default) or country.

    Cells of groups with fewer than ``min_n`` authorities are suppressed. See :func:`shares`.

    Examples
    --------
    >>> from pathlib import Path
    >>> from urbansec_lib import instruments
    >>> demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "ai"
    >>> df = instruments.read_responses(demo / "ai_survey_kobo.csv", "ai_technologies")
    >>> b = bottlenecks(df)
    >>> b["size_class"].unique().tolist()
    ['small', 'medium', 'large', 'metropolitan']
    >>> b[["size_class", "code", "n", "k", "share"]].head(2).values.tolist()
    [['small', 'legal', 20, 3.0, 0.15], ['small', 'financial', 20, 14.0, 0.7]]
    """
    return shares(df, "bottlenecks", by=by, alpha=alpha, min_n=min_n, instr=instr)


def safeguards(
    df: pd.DataFrame,
    by: str | None = None,
    alpha: float = 0.05,
    min_n: int = MIN_N,
    instr=_INSTRUMENT,
) -> pd.DataFrame:
    """Legal basis, DPIA and DPA contact among authorities using at least one technology.

    Returns the :func:`shares` tables of ``legal_basis``, ``dpia`` and ``dpa_contacted``
    stacked (denominator: users who answered the question).

    Examples
    --------
    >>> from pathlib import Path
    >>> from urbansec_lib import instruments
    >>> demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "ai"
    >>> df = instruments.read_responses(demo / "ai_survey_kobo.csv", "ai_technologies")
    >>> s = safeguards(df)
    >>> s["question"].unique().tolist()
    ['legal_basis', 'dpia', 'dpa_contacted']
    >>> s.query("question == 'dpia' and code == 'yes'")[["n", "k"]].values.tolist()
    [[48.0, 25.0]]
    """
    instr = _instr.load_instrument(instr)
    users = df["tech_used"].fillna("none").str.split().apply(lambda t: t != ["none"])
    frames = [
        shares(df, q, by=by, alpha=alpha, min_n=min_n, subset=users, instr=instr)
        for q in ("legal_basis", "dpia", "dpa_contacted")
        if q in df.columns
    ]
    return pd.concat(frames, ignore_index=True)


def report_table(table: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """A shares table for a report: label, [by], n, "share (95% CI)" as percentages.

    Suppressed cells read "suppressed (fewer than min_n authorities)".

    Examples
    --------
    >>> from pathlib import Path
    >>> from urbansec_lib import instruments
    >>> demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "ai"
    >>> df = instruments.read_responses(demo / "ai_survey_kobo.csv", "ai_technologies")
    >>> r = report_table(prevalence(df))
    >>> r.iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'label': 'Video analytics', 'status': 'used', 'authorities': 60,
     'share [95% CI]': '45 % [33 %, 58 %]'}
    """
    from ..presentation.present import fmt_share

    pct = pd.Series(
        [
            f"{fmt_share(s)} [{fmt_share(lo)}, {fmt_share(hi)}]"
            for s, lo, hi in zip(table["share"], table["ci_low"], table["ci_high"])
        ],
        index=table.index,
    )
    cols = {}
    if "question" in table.columns:
        cols["question"] = table["question"].map(_question_label)
    cols["label"] = table["label"].str.replace(r"\s*\(.*\)", "", regex=True)
    if "status" in table.columns:
        cols["status"] = table["status"]
    if by is not None:
        cols[by.replace("_", " ")] = table[by]
    cols["authorities"] = (
        table["n"].astype(int).astype(object).where(~table["suppressed"], "too few")
    )
    cols["share [95% CI]"] = pct.where(
        ~table["suppressed"], "withheld (too few authorities to publish)"
    )
    return pd.DataFrame(cols).reset_index(drop=True)


def _question_label(name: str) -> str:
    try:
        q = _instr.load_instrument(_INSTRUMENT).question(name)
        return q.label
    except (KeyError, AttributeError):
        return str(name).replace("_", " ")


# --------------------------------------------------------------------------------------------
# National positions
# --------------------------------------------------------------------------------------------


def read_national_positions(path: str | Path, instr=_INSTRUMENT) -> pd.DataFrame:
    """Read the user-maintained national positions file (CSV, UTF-8).

    Columns: ``country`` (a country code of the survey), ``position_summary`` (plain text),
    ``source`` (URL or citation), ``date`` (YYYY-MM-DD, when the position was stated or last
    checked), ``status`` (``illustrative``, ``draft`` or ``verified``). One row per country.

    Raises
    ------
    ValidationError
        Every problem located by row (header = row 1) and column.

    Examples
    --------
    >>> from pathlib import Path
    >>> demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "ai"
    >>> pos = read_national_positions(demo / "national_positions.csv")
    >>> list(pos.columns) == list(POSITION_COLUMNS), len(pos)
    (True, 10)
    >>> pos["status"].unique().tolist()
    ['illustrative']
    """
    instr = _instr.load_instrument(instr)
    path = Path(path)
    df = read_frame(path, path.name)
    t = positions_schema(instr.codes("country")).validate(df, path.name)
    t["date"] = t["date"].dt.date
    return t.reset_index(drop=True)


def positions_schema(countries: Sequence[str]) -> TableSchema:
    """The table schema of the national positions file (see :func:`read_national_positions`).

    Examples
    --------
    >>> positions_schema(["ES", "FR"]).names
    ['country', 'position_summary', 'source', 'date', 'status']
    """

    def malformed_url(x: pd.Series) -> pd.Series:
        url = x.str.startswith(("http://", "https://"))
        return url & ~x.str.match(r"^https?://[^\s/]+\.[^\s]+$")

    return TableSchema(
        "national positions",
        [
            Column(
                "country",
                "choice",
                choices=tuple(countries),
                expected="a country code of the survey (e.g. ES)",
            ),
            Column("position_summary", blank_expected="a short summary of the position"),
            Column(
                "source",
                blank_expected="a URL or citation of the source",
                checks=((malformed_url, "a well-formed URL"),),
            ),
            Column("date", "date", expected="a date YYYY-MM-DD"),
            Column("status", "choice", choices=_STATUS),
        ],  # fmt: skip
        extra_expected=f"one of the columns {', '.join(POSITION_COLUMNS)}",
        unique=[Unique("country", expected="one row per country")],
    )


def join_national_positions(
    df: pd.DataFrame,
    positions: pd.DataFrame,
    min_n: int = MIN_N,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Country results of the survey beside the national positions (countries A-Z).

    Returns one row per country in the survey or the positions file: country, n (authorities;
    masked below ``min_n``), share_any_used with Wilson CI (masked below ``min_n``),
    position_summary, source, date, status, suppressed.

    Examples
    --------
    >>> from pathlib import Path
    >>> from urbansec_lib import instruments
    >>> demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "ai"
    >>> df = instruments.read_responses(demo / "ai_survey_kobo.csv", "ai_technologies")
    >>> pos = read_national_positions(demo / "national_positions.csv")
    >>> j = join_national_positions(df, pos)
    >>> j[~j["suppressed"]][["country", "n", "share_any_used"]].round(3).values.tolist()
    [['DE', 10.0, 0.6], ['ES', 12.0, 1.0], ['FR', 11.0, 0.818]]
    """
    d = df.assign(
        _any=df["tech_used"].map(
            lambda v: (
                None
                if not isinstance(v, str)
                else ("none_of_these" if v.split() == ["none"] else "any")
            )
        )
    )
    a = _any_share(d, "country", alpha, min_n)
    a = a.rename(columns={"share": "share_any_used", "ci_low": "ci_low", "ci_high": "ci_high"})
    a["n"] = a["n"].astype(float).mask(a["suppressed"])
    a = a[["country", "n", "share_any_used", "ci_low", "ci_high", "suppressed"]]
    pos = positions[[c for c in POSITION_COLUMNS if c in positions.columns]]
    out = a.merge(pos, on="country", how="outer")
    out["suppressed"] = out["suppressed"].fillna(True).astype(bool)
    return out.sort_values("country").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------


def plot_prevalence(table: pd.DataFrame, status: str = "used", by: str | None = None):
    """Shares with Wilson CIs per technology (form order), one marker per group; a Figure.

    Suppressed cells are not drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from pathlib import Path
    >>> from urbansec_lib import instruments
    >>> demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "ai"
    >>> df = instruments.read_responses(demo / "ai_survey_kobo.csv", "ai_technologies")
    >>> fig = plot_prevalence(prevalence(df, by="size_class"), by="size_class")
    >>> type(fig).__name__, len(fig.axes)
    ('Figure', 1)
    """
    import matplotlib.pyplot as plt

    t = table[table["status"] == status]
    techs = list(dict.fromkeys(t["technology"]))
    labels = dict(zip(t["technology"], t["label"]))
    groups = list(dict.fromkeys(t[by])) if by else ["all"]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(techs) + 1.6))
    base = np.arange(len(techs))[::-1].astype(float)
    step = 0.7 / len(groups)
    colours = plt.get_cmap("tab10").colors
    for k, g in enumerate(groups):
        sub = (t[t[by] == g] if by else t).set_index("technology").reindex(techs)
        ok = ~sub["suppressed"].fillna(True).astype(bool).to_numpy()
        yy = base + 0.35 - step * (k + 0.5)
        ax.errorbar(
            sub["share"][ok],
            yy[ok],
            xerr=[(sub["share"] - sub["ci_low"])[ok], (sub["ci_high"] - sub["share"])[ok]],
            fmt="o",
            capsize=3,
            color=colours[k % 10],
            label=str(g) if by else None,
        )
    ax.set_yticks(base)
    ax.set_yticklabels([re.sub(r"\s*\(.*\)", "", labels[c]) for c in techs])
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"Share of authorities ({status}), Wilson 95% CI")
    if by:
        ax.legend(title=by.replace("_", " "), fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
