"""Prevention-pyramid mapping of local security policy.

Maps a city's policy inventory onto a prevention pyramid, following the Urban Agenda
Partnership on Security in Public Spaces (Action 5, "Prevention Pyramid Manual", led by
Mechelen; the brief calls it "ORPHEUS"), and shows where the policy mix is thin.

Workflow
--------
1. :func:`inventory_template` writes an empty CSV or XLSX inventory to fill in.
2. :func:`read_inventory` reads and validates it (all problems located, then raised).
3. :func:`classify` assigns every initiative a pyramid layer by a transparent rule table
   (:func:`rules`); a reviewer's layer always wins and is recorded as such.
4. :func:`coverage` and :func:`gaps` summarise the result per unit;
   :func:`plot_pyramid` and :func:`plot_pyramids` draw it.

The pyramids are package data (``urbansec_lib/pyramids/*.yaml``): the Partnership's
4-level version (``partnership_4``, default) and Deklerck's 5-level variant
(``deklerck_5``, levels 0-4), with a crosswalk between them. A user can pass the path of
their own YAML file wherever a pyramid name is accepted.

Confidence
----------
Every rule carries a categorical confidence:

- ``high``: the three coded answers (target group, security aim, timing) point to one
  layer without ambiguity (DOMAIN.md 1d);
- ``medium``: the layer fits, but the policy plausibly also works at the secondary layer;
- ``low``: the answers are in tension; a reviewer should look at the initiative.

A domain hint (e.g. domain ``policing`` suggests specific prevention) that points to a
higher (more problem-oriented) layer than the rule, when the rule gives no secondary
layer, becomes the secondary layer and lowers the confidence one step. A reviewer's layer
gets confidence ``high``; the rule's suggestion stays in ``rule_layer`` and
``rule_confidence``.

This module is the public face; the code lives in one module per concept:
:mod:`~urbansec_lib.analysis.pyramid` (vocabulary, pyramids and crosswalks),
:mod:`~urbansec_lib.analysis.inventory` (the inventory: columns, schema, reading, template),
:mod:`~urbansec_lib.analysis.pyramid_rules` (the classification rules),
:mod:`~urbansec_lib.analysis.pyramid_coverage` (coverage, gaps, key findings) and
:mod:`~urbansec_lib.analysis.pyramid_figures` (figures).

Example
-------
>>> import pandas as pd
>>> inv = pd.DataFrame({
...     "unit_id": ["BE212"], "initiative_id": ["a1"], "name": ["Hot-spot patrols"],
...     "target_group": ["specific_problem"], "security_aim": ["yes"],
...     "timing": ["before"], "domain": ["policing"]})
>>> out = classify(inv)
>>> out.loc[0, ["layer", "confidence", "layer_source"]].tolist()
['specific_prevention', 'high', 'rule']
"""

# ruff: noqa: F401 - this module re-exports the names of its parts (the old import paths)
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from ..core.schema import Check, Column, TableSchema, Unique
from .inventory import (
    _CODED,
    _REQUIRED,
    COLUMNS,
    _blank,
    _code,
    _norm_header,
    _parse_date,
    _parse_number,
    _read_table,
    _text,
    _unit_from_stem,
    _validate,
    _whole,
    inventory_schema,
    inventory_template,
    read_inventories,
    read_inventory,
)
from .pyramid import (
    _AIM_SYNONYMS,
    _CONFIDENCE,
    DOMAINS,
    PYRAMID_DIR,
    RULES_MODEL,
    SECURITY_AIMS,
    TARGET_GROUPS,
    TIMINGS,
    Layer,
    Pyramid,
    _read_pyramid_file,
    _rule_frame,
    _yaml_problem,
    builtin_pyramids,
    load_pyramid,
)
from .pyramid_coverage import (
    _MEASURE_LABEL,
    _MEASURES,
    _pyramid_of,
    coverage,
    gap_summary,
    gaps,
    key_findings,
)
from .pyramid_figures import (
    _draw,
    _fmt,
    _unit_rows,
    _values,
    plot_pyramid,
    plot_pyramids,
)
from .pyramid_rules import (
    _validated,
    classify,
    domain_hints,
    rules,
)

__all__ = [
    "gap_summary",
    "COLUMNS",
    "DOMAINS",
    "SECURITY_AIMS",
    "TARGET_GROUPS",
    "TIMINGS",
    "Layer",
    "Pyramid",
    "builtin_pyramids",
    "classify",
    "coverage",
    "domain_hints",
    "gaps",
    "inventory_template",
    "load_pyramid",
    "plot_pyramid",
    "plot_pyramids",
    "read_inventories",
    "read_inventory",
    "rules",
]
