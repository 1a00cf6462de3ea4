"""Collective Impact readiness and SWOT self-assessment (UA Partnership Action 5, method 2).

The model (five conditions, three preconditions, six backbone functions, five FSG phases, the
Tamarack 1-4 scale and the checklist prompts) is replaceable data in
``urbansec_lib/ci_models/collective_impact.yaml``; see ``/work/shared/DOMAIN.md`` section 2 for
the sources. The workflow is:

1. :func:`template` writes a fill-in workbook per city (or :func:`template_markdown` /
   :func:`template_html` for a workshop hand-out). The cover lists the initiatives of the
   prevention-pyramid inventory that showed no measurable impact, so the two Action 5 methods
   connect.
2. :func:`read` reads a filled workbook into a :class:`CIAssessment`; every input problem is
   located (sheet, row, column) and all of them are raised together as a
   :class:`~urbansec_lib.core.errors.ValidationError`.
3. :func:`plot_swot_matrix`, :func:`plot_condition_heatmap`, :func:`plot_readiness` draw one or
   several assessments; :func:`synthesis` finds recurring items and lessons across 3-5 cities.

No function scores or orders cities: cities always appear in the order they are given.

This module is the public face; the code lives in one module per concept:
:mod:`~urbansec_lib.analysis.ci_model` (the model and its YAML),
:mod:`~urbansec_lib.analysis.ci_template` (fill-in templates),
:mod:`~urbansec_lib.analysis.ci_markdown` (the hand-out's Markdown as HTML),
:mod:`~urbansec_lib.analysis.ci_schema` (the declared sheet schemas),
:mod:`~urbansec_lib.analysis.ci_read` (reading filled workbooks),
:mod:`~urbansec_lib.analysis.ci_figures` (figures and display tables) and
:mod:`~urbansec_lib.analysis.ci_synthesis` (the cross-city synthesis).

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from urbansec_lib import collective_impact as ci
>>> path = ci.template("BE212", Path(tempfile.mkdtemp()) / "BE212_ci.xlsx", problem="Youth nuisance")
>>> path.name
'BE212_ci.xlsx'
>>> demo = Path(ci.__file__).resolve().parents[2] / "data" / "raw" / "collective_impact"
>>> a = ci.read(demo / "BE212_ci.xlsx")  # a workbook filled in by a (demo) workshop
>>> print(a.summary().splitlines()[0])
Collective Impact self-assessment: BE212
"""

# ruff: noqa: F401 - this module re-exports the names of its parts (the old import paths)
from __future__ import annotations

import html
import io
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from ..core.schema import Check, Column, TableSchema, Unique
from .ci_figures import (
    _QUADRANT_COLOURS,
    lessons_table,
    plot_condition_heatmap,
    plot_readiness,
    plot_swot_matrix,
    readiness_table,
    sector_label,
    swot_table,
)
from .ci_markdown import inline_md as _inline_md
from .ci_markdown import markdown_to_html as _markdown_to_html
from .ci_model import (
    _MODEL_CACHE,
    ACTION_COLUMNS,
    BLOCK_COLUMNS,
    COVER,
    DEFAULT_MODEL_PATH,
    GENERAL,
    LISTS,
    NEXT_ACTIONS,
    PHASE_GUIDE,
    STAKEHOLDER_COLUMNS,
    STAKEHOLDERS,
    SWOT,
    SWOT_COLUMNS,
    CIBlock,
    CIItem,
    CIModel,
    CIPhase,
    _resolve_model,
    load_model,
)
from .ci_read import CIAssessment, overview, read, strengths
from .ci_schema import _lookup, _parse_rating
from .ci_synthesis import CISynthesis, key_findings, normalise_text, synthesis
from .ci_template import template, template_html, template_markdown

__all__ = [
    "CIAssessment",
    "CIBlock",
    "CIItem",
    "CIModel",
    "CIPhase",
    "CISynthesis",
    "DEFAULT_MODEL_PATH",
    "load_model",
    "plot_condition_heatmap",
    "plot_readiness",
    "plot_swot_matrix",
    "read",
    "synthesis",
    "overview",
    "strengths",
    "template",
    "template_html",
    "template_markdown",
]
