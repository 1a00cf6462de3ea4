"""The demo/study pipeline: raw inputs -> tidy indicator data -> processed files and reports.

Everything derived is rebuilt from ``data/raw`` (never written here). This module is the
pipeline's public face (``us.pipeline.x``); its parts live in their own modules:

* :mod:`~urbansec_lib.study.study_inputs`: the data folders, :func:`load_inputs` (the unit
  registry, the public statistics and every pilot survey export, as tidy indicator values
  aligned on the survey waves) and :class:`StudyInputs`.
* :mod:`~urbansec_lib.study.input_provenance`: what each input is, as the workspace
  declares it (:func:`provenance_note`, :func:`source_label`, :func:`declared_provenance`,
  :func:`data_kind`, :func:`provenance_banner`).
* :mod:`~urbansec_lib.study.unit_inputs`: per-unit files (Collective Impact workbooks,
  policy inventories, impact evaluations), each read on its own (:func:`read_each`).
* here: a unit's name, context features and its region's recorded crime.

Example
-------
>>> inputs = load_inputs(demo_copy())
>>> inputs.indicators.columns.tolist()
['unit_id', 'indicator_id', 'period', 'value', 'source', 'n', 'source_period']
>>> unit_name("ES001C", demo_copy())
'Madrid'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..model.framework import Framework, load_framework  # noqa: F401 - the old public names
from .input_provenance import (
    data_kind,
    declared_provenance,
    provenance_banner,
    provenance_note,
    source_label,
)
from .study_inputs import (
    StudyInputs,
    align_periods,
    check_unit_inputs,
    data_dir,
    demo_copy,
    load_inputs,
    processed_dir,
    raw_dir,
    survey_exports,
    workspace,
)
from .unit_inputs import (
    UnitFiles,
    _unit_files,
    all_effects,
    collective_impact_files,
    evaluation_file,
    has_evaluation,
    initiatives_without_impact,
    orpheus_files,
    read_collective_impact,
    read_each,
    read_evaluation,
    read_orpheus,
    read_rollout,
    skipped_note,
)

__all__ = [
    "StudyInputs",
    "load_inputs",
    "align_periods",
    "data_dir",
    "raw_dir",
    "processed_dir",
    "check_unit_inputs",
    "workspace",
    "provenance_note",
    "declared_provenance",
    "data_kind",
    "source_label",
    "provenance_banner",
    "read_each",
    "skipped_note",
    "UnitFiles",
    # re-exported from the modules above (public before the split, not in __all__ then)
    "survey_exports",
    "demo_copy",
    "collective_impact_files",
    "read_collective_impact",
    "orpheus_files",
    "read_orpheus",
    "evaluation_file",
    "has_evaluation",
    "read_evaluation",
    "read_rollout",
    "all_effects",
    "initiatives_without_impact",
    # defined here
    "unit_name",
    "unit_context",
    "ICCS_LABELS",
    "region_crime",
]

_PRIVATE_REEXPORTS = (_unit_files,)  # reachable as pipeline._unit_files, as before


def unit_name(unit_id: str, data: str | Path | None = None) -> str:
    """A unit's name from the workspace's units, else the bundled reference units, else the
    NUTS table, else the code itself.

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> unit_name("AT001C", demo_copy()), unit_name("XX999", demo_copy())
    ('Wien', 'XX999')
    """
    ws = workspace(data)
    try:
        units = ws.comparator_units()
        hit = units.loc[units["unit_id"] == unit_id, "name"]
        if len(hit):
            return str(hit.iloc[0])
        nuts = pd.read_csv(ws.public_file("nuts"), dtype=str)
        hit = nuts.loc[nuts["NUTS_ID"] == unit_id, "NAME_LATN"]
        if len(hit):
            return str(hit.iloc[0])
    except (OSError, KeyError):
        pass
    return unit_id


def unit_context(units: pd.DataFrame, data: str | Path | None = None) -> pd.DataFrame:
    """Numeric context features of each unit for peer grouping.

    log10 population (of the unit's NUTS 3 region), and the urban-rural type (1 urban,
    2 intermediate, 3 rural) and coastal flag of that NUTS 3 region from the GISCO NUTS
    2021 table.

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> d = demo_copy()
    >>> ctx = unit_context(workspace(d).units(), d)
    >>> ctx.index.tolist(), "log10_population" in ctx.columns
    (['AT001C', 'ES001C'], True)
    """
    from ..engine.peers import context_features
    from ..inputs import data as usdata

    nuts = usdata.read_nuts(workspace(data).public_file("nuts"))
    n3 = nuts.set_index("nuts_id")
    key = units["nuts3"].where(units["nuts3"].notna() & (units["nuts3"] != ""), units["unit_id"])
    u = units.assign(
        urban_type=pd.to_numeric(key.map(n3["urban_type"]), errors="coerce"),
        coastal=pd.to_numeric(key.map(n3["coast_type"]), errors="coerce")
        .isin([1, 2])
        .astype(float),
    )
    return context_features(u, numeric=["urban_type", "coastal"])


#: ICCS codes of Eurostat crim_gen_reg with readable labels.
ICCS_LABELS = {
    "ICCS0101": "intentional homicide",
    "ICCS02011": "assault",
    "ICCS0401": "robbery",
    "ICCS0501": "burglary",
    "ICCS05012": "burglary of private residential premises",
    "ICCS0502": "theft",
    "ICCS050211": "theft of a motorised land vehicle",
}


def region_crime(
    unit_id: str, data: str | Path | None = None, recorder=None, unit: str = "P_HTHAB"
) -> pd.DataFrame:
    """Police-recorded offences per 100,000 inhabitants (Eurostat ``crim_gen_reg``, real data)
    in the NUTS 3 region of a unit (the unit itself when it is a NUTS code, else the
    registry's ``nuts3``). Tidy: geo, year, offence, value. Empty when Eurostat has none
    (e.g. France is not in this extraction).

    Examples
    --------
    >>> from urbansec_lib.study.study_inputs import demo_copy
    >>> c = region_crime("AT001C", demo_copy())
    >>> c["geo"].unique().tolist(), c.columns.tolist()
    (['AT130'], ['geo', 'year', 'offence', 'value'])
    """
    from ..inputs import data as usdata

    ws = workspace(data)
    track = recorder.use if recorder is not None else (lambda p: Path(p))
    geo = unit_id
    units = ws.comparator_units()
    hit = units.loc[units["unit_id"] == unit_id, "nuts3"].dropna()
    if len(hit) and hit.iloc[0]:
        geo = hit.iloc[0]
    tsv = usdata.read_eurostat_tsv(track(ws.public_file("crim_gen_reg")))
    sel = tsv[(tsv["geo"] == geo) & (tsv["unit"] == unit) & tsv["value"].notna()]
    return pd.DataFrame(
        {
            "geo": sel["geo"],
            "year": sel["time"].astype(int),
            "offence": sel["iccs"].map(ICCS_LABELS).fillna(sel["iccs"]),
            "value": sel["value"],
        }
    ).reset_index(drop=True)
