"""Figures, display tables and key findings of training evaluations.

Part of :mod:`urbansec_lib.analysis.training` (its public face).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def plot_evaluation(areas: pd.DataFrame, title: str = ""):
    """Before -> after means (left) and Cohen's d_z with CI (right) per competence area.

    Suppressed areas are labelled "suppressed" and drawn without values.

    Examples
    --------
    >>> from urbansec_lib.analysis.training_eval import _DEMO_DATA, evaluate, read_training
    >>> res = evaluate(*read_training(_DEMO_DATA, "TR-MAD-2025"))
    >>> len(plot_evaluation(res.areas, title="TR-MAD-2025").axes)
    2
    """
    import matplotlib.pyplot as plt

    df = areas.reset_index(drop=True)
    y = np.arange(len(df))[::-1]
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(10, 0.55 * len(df) + 1.6), sharey=True, gridspec_kw={"width_ratios": [3, 2]}
    )
    ok = ~df["suppressed"].to_numpy()
    ax1.hlines(y[ok], df["mean_pre"][ok], df["mean_post"][ok], color="#999999", lw=2)
    ax1.scatter(df["mean_pre"][ok], y[ok], color="#E69F00", s=50, label="before", zorder=3)
    ax1.scatter(df["mean_post"][ok], y[ok], color="#0072B2", s=50, label="after", zorder=3)
    for yy in y[~ok]:
        ax1.text(
            3,
            yy,
            "suppressed (too few pairs)",
            ha="center",
            va="center",
            fontsize=8,
            color="#666666",
        )
    ax1.set_xlim(1, 5)
    ax1.set_xlabel("Mean self-assessed confidence (1-5)")
    ax1.set_yticks(y)
    ax1.set_yticklabels(df["area_name"])
    ax1.legend(loc="lower right", fontsize=8, frameon=False)
    ax2.errorbar(
        df["dz"][ok],
        y[ok],
        xerr=[(df["dz"] - df["dz_low"])[ok], (df["dz_high"] - df["dz"])[ok]],
        fmt="o",
        color="#0072B2",
        capsize=3,
    )
    ax2.axvline(0, color="#444444", lw=0.8)
    ax2.set_xlabel("effect size d_z (mean change / SD of changes), 95% CI")
    for ax in (ax1, ax2):
        ax.grid(axis="x", color="#eeeeee")
        ax.spines[["top", "right"]].set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_compare(table: pd.DataFrame):
    """d_z with CI per area for several trainings (output of :func:`compare`); a Figure.

    Examples
    --------
    >>> from urbansec_lib.analysis.training_eval import _DEMO_DATA, compare, evaluate_all
    >>> plot_compare(compare(evaluate_all(_DEMO_DATA))).axes[0].get_title()
    'Effect size per competence area, every training (codes in order)'
    """
    import matplotlib.pyplot as plt

    areas = list(dict.fromkeys(table["area_name"]))
    trainings = list(dict.fromkeys(table["training_id"]))
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(areas) + 1.5))
    base = np.arange(len(areas))[::-1].astype(float)
    step = 0.7 / max(1, len(trainings))
    from ..presentation.figures import CATEGORICAL as colours

    for k, tr in enumerate(trainings):
        sub = table[table["training_id"] == tr].set_index("area_name").reindex(areas)
        yy = base + 0.35 - step * (k + 0.5)
        ok = ~sub["suppressed"].fillna(True).astype(bool).to_numpy()
        ax.errorbar(
            sub["dz"][ok],
            yy[ok],
            xerr=[(sub["dz"] - sub["dz_low"])[ok], (sub["dz_high"] - sub["dz"])[ok]],
            fmt="o",
            capsize=3,
            color=colours[k % len(colours)],
            label=tr,
        )
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(base)
    ax.set_yticklabels(areas)
    ax.set_xlabel("effect size d_z (mean change / SD of changes), 95% CI")
    ax.set_title("Effect size per competence area, every training (codes in order)")
    ax.legend(fontsize=8, frameon=False, title="training")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def profile_table(result, instrument=None):
    """Display-ready mean change per staff profile and competence area (suppressed groups
    say so), with readable profile and area names.

    Examples
    --------
    >>> from urbansec_lib.analysis.training_eval import _DEMO_DATA, evaluate, read_training
    >>> res = evaluate(*read_training(_DEMO_DATA, "TR-MAD-2025"))
    >>> profile_table(res).data.shape
    (6, 4)
    """
    from ..inputs import instruments
    from ..presentation.present import table

    inst = instrument or instruments.load_instrument("training_pre_post")
    profiles = inst.choices.get("profiles", {})
    areas = dict(zip(result.areas["area"], result.areas["area_name"]))
    bp = result.by_profile
    min_n = result.params["min_n"]
    withheld = sorted(
        set(bp.loc[bp["suppressed"], "profile"]) - set(bp.loc[~bp["suppressed"], "profile"])
    )
    note = f"Groups with fewer than {min_n} matched participants are withheld" + (
        ": " + ", ".join(profiles.get(w, w) for w in withheld) + "." if withheld else "."
    )
    bp = bp[~bp["profile"].isin(withheld)]
    return table(
        bp,
        columns={
            "profile": "Staff profile",
            "area": "Competence area",
            "n_pairs": "Pairs",
            "mean_diff": "Mean change (points on 1-5)",
        },
        labels={"profile": profiles, "area": areas},
        kinds={"n_pairs": "int", "mean_diff": ("number", 2)},
        missing={"n_pairs": f"fewer than {min_n}", "mean_diff": "withheld"},
        notes=[note],
    )


def satisfaction_table(result, instrument=None):
    """Display-ready satisfaction items: the question, answers, mean (1-5), share agreeing.

    Examples
    --------
    >>> from urbansec_lib.analysis.training_eval import _DEMO_DATA, evaluate, read_training
    >>> res = evaluate(*read_training(_DEMO_DATA, "TR-MAD-2025"))
    >>> satisfaction_table(res).data.columns.tolist()
    ['Statement', 'Answers', 'Mean (1-5)', 'Agree or strongly agree']
    """
    from ..inputs import instruments
    from ..presentation.present import table

    inst = instrument or instruments.load_instrument("training_pre_post")

    def label(name):
        try:
            return inst.question(name).label
        except KeyError:
            return str(name).replace("_", " ")

    return table(
        result.satisfaction,
        columns={
            "item": "Statement",
            "n": "Answers",
            "mean": "Mean (1-5)",
            "share_agree": "Agree or strongly agree",
        },
        labels={"item": label},
        kinds={"n": "int", "mean": ("number", 2), "share_agree": "share"},
        missing="withheld",
    )


def key_findings(result) -> list[str]:
    """Generated key findings: matched participants and which areas changed clearly.

    Examples
    --------
    >>> from urbansec_lib.analysis.training_eval import _DEMO_DATA, evaluate, read_training
    >>> res = evaluate(*read_training(_DEMO_DATA, "TR-MAD-2025"))
    >>> key_findings(res)[0]
    '33 participants answered before and after the training.'
    """
    m = result.matching
    a = result.areas[~result.areas["suppressed"]]
    out = [f"{m['n_matched']} participants answered before and after the training."]
    clear = a[(a["p_holm"] < 0.05) & (a["mean_diff"] > 0)]
    if len(clear):
        out.append(
            "Self-assessed confidence rose clearly (Holm-adjusted p < 0.05) in: "
            + ", ".join(f"{r.area_name} (d_z {r.dz:.2f})" for r in clear.itertuples())
            + "."
        )
    rest = a[~a.index.isin(clear.index)]
    if len(rest):
        out.append("No clear change in: " + ", ".join(rest["area_name"]) + ".")
    out.append(
        "The change is self-assessed confidence, not measured skill, without a comparison group."
    )
    return out
