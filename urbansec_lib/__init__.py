"""urbansec: an open research toolkit for urban security studies in Europe.

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> [d.id for d in fw.dimensions][:2]
['quality_of_life', 'social_cohesion']
"""

from . import (
    collective_impact,
    impact,
    orpheus,
    outcomes,
    peers,
    pipeline,
    plots,
    reports,
    self_assessment,
    site,
)
from .errors import Problem, ValidationError
from .framework import Dimension, Framework, Indicator, load_framework

__version__ = "0.1.0"

__all__ = [
    "Dimension",
    "Framework",
    "Indicator",
    "Problem",
    "ValidationError",
    "load_framework",
    "collective_impact",
    "data",
    "impact",
    "orpheus",
    "outcomes",
    "peers",
    "pipeline",
    "plots",
    "reports",
    "self_assessment",
    "site",
]
