"""The transparent rule table that assigns each initiative a pyramid layer (reviewer wins).

Part of :mod:`urbansec_lib.analysis.orpheus` (its public face); see its docstring for the
confidence levels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import ValidationError
from .inventory import _validate
from .pyramid import RULES_MODEL, SECURITY_AIMS, TARGET_GROUPS, TIMINGS, Pyramid, load_pyramid

# ------------------------------------------------------------------------------ rules


def rules(pyramid: str | Path | Pyramid = "partnership_4") -> pd.DataFrame:
    """The classification rule table (target group x aim x timing -> layer).

    A pyramid without its own ``rules:`` section uses the ``partnership_4`` rules, with
    layers mapped through the crosswalk (primary targets).

    Returns
    -------
    DataFrame
        rule_id, target_group, security_aim, timing, layer, secondary_layer, confidence,
        rationale; one row per combination (16 rows).

    Examples
    --------
    >>> r = rules()
    >>> r.query("target_group == 'specific_problem' and security_aim == 'yes' "
    ...         "and timing == 'before'").layer.item()
    'specific_prevention'
    """
    pyr = load_pyramid(pyramid)
    if pyr.rules_table is not None:
        return pyr.rules_table.copy()
    base = load_pyramid(RULES_MODEL)
    tab = base.rules_table.copy()
    tab["layer"] = base.translate(tab["layer"], pyr).to_numpy()
    sec = base.translate(tab["secondary_layer"], pyr)
    tab["secondary_layer"] = sec.where(sec.to_numpy() != tab["layer"].to_numpy(), None).to_numpy()
    return tab


def domain_hints(pyramid: str | Path | Pyramid = "partnership_4") -> pd.DataFrame:
    """Domain hints (domain -> suggested secondary layer) used by :func:`classify`.

    Examples
    --------
    >>> domain_hints().set_index("domain").loc["justice", "layer"]
    'reaction'
    """
    pyr = load_pyramid(pyramid)
    if pyr.rules_table is not None:
        hints = pyr.domain_hints_table
        return pd.DataFrame(columns=["domain", "layer", "note"]) if hints is None else hints.copy()
    base = load_pyramid(RULES_MODEL)
    hints = base.domain_hints_table.copy()
    hints["layer"] = base.translate(hints["layer"], pyr).to_numpy()
    return hints


def _validated(inventory: pd.DataFrame, pyr: Pyramid) -> pd.DataFrame:
    raw = inventory.reset_index(drop=True)
    raw.index = raw.index + 2
    out, problems = _validate(raw, "<DataFrame>", unit_id=None, pyramid=pyr, domains=None)
    if problems:
        raise ValidationError(problems, what="inventory")
    return out


def classify(
    inventory: pd.DataFrame, pyramid: str | Path | Pyramid = "partnership_4"
) -> pd.DataFrame:
    """Assign each initiative a pyramid layer by the rule table (reviewer wins).

    Long because: the docstring documents the columns added (29 lines); the code applies the rule
    table, the domain hints and the reviewer's layer in that order, one step after the other.

    Parameters
    ----------
    inventory : DataFrame
        As returned by :func:`read_inventory` (or built by hand with at least unit_id,
        initiative_id, name, target_group, security_aim, timing, domain). It is
        re-validated; problems raise :class:`ValidationError` (file ``<DataFrame>``,
        rows = position + 2 as if exported to a spreadsheet). Domains may be any code
        of :data:`DOMAINS`.
    pyramid : str, Path or Pyramid

    Returns
    -------
    DataFrame
        The inventory plus: layer, layer_name, secondary_layer, confidence
        (high/medium/low, see module docstring), layer_source (``"rule"`` or
        ``"reviewer"``), rule_id, rule_layer, rule_secondary_layer, rule_confidence,
        rationale (plain language), pyramid. Row order is kept.

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({"unit_id": ["X"], "initiative_id": ["1"], "name": ["Victim desk"],
    ...     "target_group": ["after_incident"], "security_aim": ["no"], "timing": ["after"],
    ...     "domain": ["victim_support"], "reviewer_layer": ["specific_prevention"]})
    >>> classify(inv).loc[0, ["layer", "layer_source", "rule_layer"]].tolist()
    ['specific_prevention', 'reviewer', 'reaction']
    """
    pyr = load_pyramid(pyramid)
    inv = _validated(inventory, pyr)
    names = pyr.names()
    tab = rules(pyr)
    hints = domain_hints(pyr)
    keys = ["target_group", "security_aim", "timing"]
    m = inv[keys].merge(tab, on=keys, how="left", validate="many_to_one")
    rule_layer = m["layer"].astype(object)
    secondary = m["secondary_layer"].astype(object).where(m["secondary_layer"].notna(), None)
    conf = m["confidence"].astype(object)
    hint = inv["domain"].map(dict(zip(hints["domain"], hints["layer"])))
    hint_note = inv["domain"].map(dict(zip(hints["domain"], hints["note"])))
    level = {la.id: la.level for la in pyr.layers}
    use_hint = secondary.isna() & hint.notna() & (hint.map(level) > rule_layer.map(level))
    secondary = secondary.where(~use_hint, hint)
    step = {"high": "medium", "medium": "low", "low": "low"}
    conf = conf.where(~use_hint, conf.map(step))

    def lname(s: pd.Series) -> pd.Series:
        return s.map(names).astype(object)

    sec_txt = ("; secondary: " + lname(secondary).str.lower()).fillna("")
    hint_txt = (
        " Domain '"
        + inv["domain"]
        + "' suggests "
        + lname(hint).str.lower()
        + " as a secondary layer ("
        + hint_note.str.rstrip(".")
        + "); confidence lowered one step."
    )
    rule_txt = (
        m["rule_id"]
        + ": aimed at "
        + inv["target_group"].map(TARGET_GROUPS)
        + ", "
        + inv["security_aim"].map(SECURITY_AIMS)
        + ", "
        + inv["timing"].map(TIMINGS)
        + " -> "
        + lname(rule_layer).str.lower()
        + sec_txt
        + ". "
        + m["rationale"]
        + hint_txt.where(use_hint, "")
    )
    rev = inv["reviewer_layer"]
    by_rev = rev.notna()
    agree = np.where(rev == rule_layer, "confirmed", "assigned")
    rev_txt = (
        "Reviewer "
        + pd.Series(agree, index=inv.index)
        + " "
        + lname(rev).str.lower()
        + ". The rules suggested (confidence "
        + conf
        + ") "
        + rule_txt
    )
    out = inv.copy()
    out["layer"] = rule_layer.where(~by_rev, rev)
    out["layer_name"] = lname(out["layer"])
    out["secondary_layer"] = secondary.where(~by_rev, None)
    out["confidence"] = conf.where(~by_rev, "high")
    out["layer_source"] = np.where(by_rev, "reviewer", "rule")
    out["rule_id"] = m["rule_id"].astype(object)
    out["rule_layer"] = rule_layer
    out["rule_secondary_layer"] = secondary
    out["rule_confidence"] = conf
    out["rationale"] = rule_txt.where(~by_rev, rev_txt).astype(object)
    out["pyramid"] = pyr.name
    out.attrs["pyramid"] = pyr.name
    return out
