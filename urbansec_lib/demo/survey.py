"""Synthetic self-assessment survey responses (SYNTHETIC: tests, demos, benchmarks).

:func:`simulate_responses` draws answers from a latent "sense of security" with a planted
improvement in intervention areas; :func:`urbansec_lib.survey.write_kobo_export` writes them
as a Kobo export (``scripts/make_demo_survey.py`` makes ``data/raw/survey`` that way).
Moved here from :mod:`urbansec_lib.survey` (the old path still resolves, deprecated).
"""

from __future__ import annotations

import uuid as _uuid
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..inputs.survey_questions import RESPONDENT_ROLES, item_codes, num_range, survey_items
from ..model.framework import Framework, Indicator

__all__ = ["DEMO_AREAS", "simulate_responses"]

#: Default synthetic areas per pilot unit: (area code, area type).
DEMO_AREAS: dict[str, list[tuple[str, str]]] = {
    "ES001C": [
        ("Lavapies", "intervention"),
        ("San-Cristobal", "intervention"),
        ("Chamberi", "comparison"),
        ("Usera", "comparison"),
    ],
    "FI001C": [
        ("Kallio", "intervention"),
        ("Itäkeskus", "intervention"),
        ("Vuosaari", "comparison"),
        ("Kontula", "comparison"),
    ],
    "LV001C": [
        ("Maskavas-forstate", "intervention"),
        ("Purvciems", "comparison"),
        ("Imanta", "comparison"),
    ],
    "AT001C": [
        ("Favoriten", "intervention"),
        ("Floridsdorf", "comparison"),
        ("Simmering", "comparison"),
        ("Innere-Stadt", "none"),
    ],
    "DE001C": [
        ("Neukölln-Nord", "intervention"),
        ("Märkisches-Viertel", "intervention"),
        ("Spandau-Mitte", "comparison"),
        ("Köpenick", "comparison"),
    ],
    "BE212": [
        ("Mechelen-Noord", "intervention"),
        ("Nekkerspoel", "comparison"),
        ("Muizen", "comparison"),
    ],
    "FRL03": [
        ("Nice-Libération", "intervention"),
        ("Ariane", "intervention"),
        ("Cimiez", "comparison"),
        ("Saint-Roch", "comparison"),
    ],
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _answers(
    ind: Indicator, z: np.ndarray, k: int, rng: np.random.Generator, missing: float
) -> object:
    """One item's answers, coded like the real form, from the latent ``z`` (same draws in
    the same order as ever: the demo data stay byte-identical)."""
    load = rng.uniform(0.5, 0.85)
    off = rng.normal(0.3, 0.4)
    ystar = ind.direction * load * z + np.sqrt(1 - load**2) * rng.normal(0, 1, k) + off
    if ind.type in ("likert4", "likert5"):
        m = int(ind.type[-1])
        cuts = np.linspace(-1.2, 1.2, m - 1)
        v = pd.array(1 + np.searchsorted(cuts, ystar), dtype="Int64")
    elif ind.type == "yes_no":
        v = pd.array((rng.random(k) < _sigmoid(ystar - 0.8)).astype(np.int64), dtype="Int64")
    elif ind.type == "select_multiple":
        codes = item_codes(ind) or []
        offs = rng.normal(-0.8, 0.6, len(codes))
        tick = rng.random((k, len(codes))) < _sigmoid(offs[None, :] - 0.7 * ystar[:, None])
        s = pd.Series(np.full(k, "", dtype=object))
        for j, c in enumerate(codes):
            s = s + np.where(tick[:, j], f"{c} ", "")
        v = s.str.rstrip().where(lambda x: x != "", None).to_numpy(dtype=object)
    else:
        lo, hi = num_range(ind)
        lo = 0.0 if lo is None else lo
        if ind.type == "count":
            x = lo + rng.poisson(np.exp(1.6 + 0.4 * ystar))
        elif ind.type == "share" or (hi is not None and hi - lo <= 100):
            top = 100.0 if hi is None else hi
            x = np.round(lo + (top - lo) * _sigmoid(0.9 * ystar - 0.3), 1)
        else:
            scale = 10.0 if hi is None else (hi - lo) / 12
            x = np.round(lo + scale * np.exp(0.45 * ystar), 1)
        if hi is not None:
            x = np.minimum(x, hi)
        v = pd.array(x, dtype="Float64").astype("Int64") if ind.type == "count" else x
    if not ind.source.get("required") and missing > 0:
        drop = rng.random(k) < missing
        v = pd.Series(v)
        v[drop] = None
        v = v.to_numpy(dtype=object) if ind.type == "select_multiple" else v.array
    return v


def simulate_responses(
    fw: Framework,
    units: Sequence[str],
    n: int | tuple[int, int] = (60, 150),
    seed: int = 0,
    waves: Sequence[int] = (2023, 2025),
    areas: dict[str, list[tuple[str, str]]] | None = None,
    effect: float = 0.6,
    missing: float = 0.03,
    levels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Synthetic survey responses (SYNTHETIC - for tests, demos and benchmarks).

    A latent "sense of security" per respondent = unit effect + area effect + role effect
    + noise, with a planted improvement of ``effect`` (latent SD units) in intervention
    areas in the last wave. Each item reads the latent with its direction (an improvement
    lowers "higher is worse" items), a loading and item-specific offset; items are then
    coded like the real form (Likert codes, 0/1, numbers in range, ticked options).

    Parameters
    ----------
    fw : Framework
    units : sequence of str
        Unit codes.
    n : int or (low, high)
        Respondents per unit (all waves together); a pair draws a number per unit.
    seed : int
        Random seed (everything is derived from it).
    waves : sequence of int
        Survey waves (years); respondents are split evenly at random.
    areas : dict, optional
        ``unit -> [(area code, area type), ...]``; default :data:`DEMO_AREAS` or
        ``<unit>-A1..A4`` (two intervention, two comparison areas).
    effect : float
        Planted improvement in intervention areas in the last wave.
    missing : float
        Share of missing answers per non-required item.
    levels : sequence of str, optional
        Only indicators for these levels.

    Returns
    -------
    DataFrame
        ``_uuid, unit, area, wave, area_type, respondent_role`` and one column per survey
        indicator (template layout, plus ``_uuid``).

    Examples
    --------
    >>> from urbansec_lib import load_framework
    >>> df = simulate_responses(load_framework(), ["DE001C"], n=100, seed=1)
    >>> len(df), df["unit"].unique().tolist(), sorted(df["area_type"].unique())
    (100, ['DE001C'], ['comparison', 'intervention'])
    """
    rng = np.random.default_rng(seed)
    items = survey_items(fw, levels)
    frames = []
    roles = np.array(list(RESPONDENT_ROLES))
    role_p = np.array([0.78, 0.06, 0.04, 0.05, 0.05, 0.02])
    role_eff = {
        "resident": 0.0,
        "city_staff": 0.3,
        "police": 0.4,
        "civil_society": -0.1,
        "business": -0.2,
        "other": 0.0,
    }
    last = max(waves)
    for unit in units:
        k = int(rng.integers(n[0], n[1] + 1)) if isinstance(n, tuple) else int(n)
        ua = (
            (areas or {}).get(unit)
            or DEMO_AREAS.get(unit)
            or [
                (f"{unit}-A{j + 1}", t)
                for j, t in enumerate(["intervention", "intervention", "comparison", "comparison"])
            ]
        )
        unit_eff = rng.normal(0, 0.4)
        area_eff = rng.normal(0, 0.25, len(ua))
        ai = rng.integers(0, len(ua), k)
        wave = rng.choice(np.asarray(waves), k)
        role = rng.choice(roles, k, p=role_p)
        atype = np.array([t for _a, t in ua], dtype=object)[ai]
        z = (
            unit_eff
            + area_eff[ai]
            + np.vectorize(role_eff.get)(role)
            + 0.05 * (wave - min(waves)) / max(1, last - min(waves))
            + effect * ((atype == "intervention") & (wave == last))
            + rng.normal(0, 1, k)
        )
        uu = rng.integers(0, 256, (k, 16), dtype=np.uint8)
        uu[:, 6] = (uu[:, 6] & 0x0F) | 0x40
        uu[:, 8] = (uu[:, 8] & 0x3F) | 0x80
        df = pd.DataFrame(
            {
                "_uuid": [str(_uuid.UUID(bytes=b.tobytes())) for b in uu],
                "unit": unit,
                "area": np.array([a for a, _t in ua], dtype=object)[ai],
                "wave": wave.astype(np.int64),
                "area_type": atype,
                "respondent_role": role,
            }
        )
        for ind in items:
            df[ind.id] = _answers(ind, z, k, rng, missing)
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
