"""Social cohesion and (feelings of) security across European cities (Action 5's question).

City-level analysis on Eurostat ``urb_percep`` (Quality of Life in European Cities survey)
with context from Eurostat ``urb_cpop1`` (city population), the Urban Audit city -> NUTS 3
link and Eurostat ``crim_gen_reg`` (police-recorded crime of the NUTS 3 region). Pure
functions and result objects; the study notebook only calls them.

Codings (all shares in % of respondents of the city-wave, from the 5 answer codes of each
question: 1 strongly agree / very satisfied, 2 somewhat agree / fairly satisfied, 3 somewhat
disagree, 4 strongly disagree, 5 don't know / no answer; see :data:`ITEMS`):

* ``"agree"`` (default): codes 1 + 2.
* ``"strongly"``: code 1 only.
* ``"excl_dk"``: (codes 1 + 2) / (100 - code 5) * 100, i.e. among those with an opinion;
  a city-wave counts only where the don't-know share is published.

A city-wave enters a coding only when every code it needs is published (``:`` is missing,
never zero). Labels of the codes are checked against Eurostat's ``indic_ur`` code list
(:func:`check_item_labels`).

The primary specification (:func:`primary`) is the within-city association: outcome "feel
safe in this city" (agree), exposure "most people in this city can be trusted" (agree),
city and wave fixed effects, standard errors clustered by city.

This module is the public face; the code lives in one module per concept:
:mod:`~urbansec_lib.analysis.cohesion_data` (questions, codings, readers of the Eurostat
files), :mod:`~urbansec_lib.analysis.cohesion_panel` (the city panel and its context),
:mod:`~urbansec_lib.analysis.cohesion_fit` (the estimates),
:mod:`~urbansec_lib.analysis.cohesion_robustness` (specifications and robustness),
:mod:`~urbansec_lib.analysis.cohesion_figures` (figures) and
:mod:`~urbansec_lib.analysis.cohesion_unit` (one unit's report section).

Example
-------
>>> percep = pd.DataFrame({
...     "indic_ur": ["PS3290V", "PS3291V", "PS3294V"] * 2,
...     "cities": ["AT001C"] * 3 + ["AT002C"] * 3, "time": [2012] * 6,
...     "value": [40.0, 45.0, 5.0, 30.0, 40.0, 10.0], "flag": [""] * 6})
>>> city_panel(percep, items=["safe_city"])[["city", "year", "safe_city"]].values.tolist()
[['AT001C', 2012, 85.0], ['AT002C', 2012, 70.0]]
>>> city_panel(percep, coding="excl_dk", items=["safe_city"])["safe_city"].round(2).tolist()
[89.47, 77.78]
"""

# ruff: noqa: F401 - this module re-exports the names of its parts (the old import paths)
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from ..core.errors import Problem, ValidationError  # noqa: E402
from ..core.ingest import read_frame  # noqa: E402
from ..core.schema import Column, TableSchema, Unique  # noqa: E402
from ..methods.omitted_variable import RobustnessValue, oster_delta, robustness_value  # noqa: E402
from .cohesion_data import (
    _CATEGORY_WORDS,
    CODINGS,
    CRIME_ICCS,
    FILES,
    ITEMS,
    SIZE_CLASSES,
    SOURCE_CONTEXT,
    SOURCE_PERCEP,
    Item,
    _codes,
    _label,
    _sample,
    check_item_labels,
    default_path,
    read_city_lookup,
    read_city_population,
    read_code_labels,
)
from .cohesion_figures import (
    _source_note,
    plot_coefficients,
    plot_within_changes,
)
from .cohesion_fit import (
    CohesionEstimate,
    _classical_se,
    _fe_rank,
    _feols,
    _ols_formula_fit,
    _within_ols,
    _WithinFit,
    demean,
    fit_between,
    fit_cross_section,
    fit_within,
    primary,
)
from .cohesion_panel import (
    CohesionData,
    _nearest_year,
    add_context,
    city_panel,
    coding_table,
    load_panels,
    region_crime_rates,
    size_class,
)
from .cohesion_robustness import (
    Specifications,
    by_size_class,
    leave_one_country_out,
    omitted_variable_sensitivity,
    partial_regression,
    plot_partial_regression,
    specifications,
)
from .cohesion_unit import (
    design_statement,
    plot_unit_trajectory,
    trajectory_table,
    unit_section,
    unit_trajectory,
)

__all__ = [
    "ITEMS",
    "CODINGS",
    "SIZE_CLASSES",
    "CRIME_ICCS",
    "SOURCE_PERCEP",
    "SOURCE_CONTEXT",
    "Item",
    "CohesionData",
    "CohesionEstimate",
    "load_panels",
    "unit_section",
    "default_path",
    "FILES",
    "Specifications",
    "read_code_labels",
    "check_item_labels",
    "read_city_lookup",
    "read_city_population",
    "city_panel",
    "coding_table",
    "add_context",
    "size_class",
    "region_crime_rates",
    "demean",
    "fit_within",
    "fit_between",
    "fit_cross_section",
    "primary",
    "specifications",
    "leave_one_country_out",
    "by_size_class",
    "omitted_variable_sensitivity",
    "partial_regression",
    "plot_within_changes",
    "plot_coefficients",
    "plot_partial_regression",
    "unit_trajectory",
    "plot_unit_trajectory",
    "trajectory_table",
    "design_statement",
]
