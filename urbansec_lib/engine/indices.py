"""Catalogue of existing indices and tools, crosswalk to the framework, and their gaps.

The Urban Agenda Partnership's Action 1 first mapped "the indices, benchmarking tools and
self-assessment tools already used in urban security, to find good practice, gaps and
shortcomings" (DOMAIN.md section 0). This module holds that mapping as versioned package
data (``urbansec_lib/catalogues/indices.yaml``) and reads it against the indicator
framework, whose indicators name the catalogue indices that carry them
(:attr:`urbansec_lib.framework.Indicator.indices`).


The catalogue schema is described in :mod:`urbansec_lib.engine.catalogue`. This module is
the public face of four smaller ones and re-exports every name:

``catalogue``
    The vocabularies (:data:`KINDS`, :data:`GEO_UNITS`, ...) and :class:`Catalogue`.
``catalogue_schema``
    :func:`load_catalogue`: reading and validating the YAML file.
``crosswalk``
    :func:`crosswalk`, :func:`coverage_matrix`, :func:`dimension_status`,
    :func:`unit_status`, :func:`gaps`.
``catalogue_report``
    :func:`catalogue_html`, :func:`sources_html`, :func:`plot_coverage_heatmap`,
    :func:`plot_unit_coverage`.

===============================  ==========================================================

Analyses never order indices or units by a score: indices keep catalogue order and
dimensions framework order.

Example
-------
>>> import urbansec_lib as us
>>> cat = load_catalogue()
>>> cat.ids[:2]
['safe_cities_index', 'qol_eu_cities']
>>> fw = us.load_framework()
>>> cw = crosswalk(fw, cat)
>>> set(cw.columns) >= {"indicator_id", "dimension", "index_id", "nature"}
True
"""

from __future__ import annotations

from ..core.errors import Problem as Problem
from ..core.errors import ValidationError as ValidationError
from ..core.errors import check_version_block as check_version_block
from ..core.ingest import read_yaml_mapping as read_yaml_mapping
from .catalogue import DIMENSIONS as DIMENSIONS
from .catalogue import GAP_KINDS as GAP_KINDS
from .catalogue import GAP_UNITS as GAP_UNITS
from .catalogue import GEO_UNITS as GEO_UNITS
from .catalogue import KINDS as KINDS
from .catalogue import NATURES as NATURES
from .catalogue import NOT_APPLICABLE as NOT_APPLICABLE
from .catalogue import OPENNESS as OPENNESS
from .catalogue import STATUSES as STATUSES
from .catalogue import UNKNOWN as UNKNOWN
from .catalogue import Catalogue as Catalogue
from .catalogue import catalogue_path as catalogue_path
from .catalogue import framework_file as framework_file
from .catalogue_report import _TABLES as _TABLES
from .catalogue_report import catalogue_html as catalogue_html
from .catalogue_report import plot_coverage_heatmap as plot_coverage_heatmap
from .catalogue_report import plot_unit_coverage as plot_unit_coverage
from .catalogue_report import sources_html as sources_html
from .catalogue_schema import load_catalogue as load_catalogue
from .crosswalk import coverage_matrix as coverage_matrix
from .crosswalk import crosswalk as crosswalk
from .crosswalk import dimension_status as dimension_status
from .crosswalk import gaps as gaps
from .crosswalk import unit_status as unit_status

__all__ = [
    "DIMENSIONS",
    "GAP_KINDS",
    "GAP_UNITS",
    "GEO_UNITS",
    "KINDS",
    "NATURES",
    "OPENNESS",
    "STATUSES",
    "Catalogue",
    "catalogue_html",
    "catalogue_path",
    "coverage_matrix",
    "crosswalk",
    "dimension_status",
    "framework_file",
    "gaps",
    "load_catalogue",
    "plot_coverage_heatmap",
    "plot_unit_coverage",
    "sources_html",
    "unit_status",
]
