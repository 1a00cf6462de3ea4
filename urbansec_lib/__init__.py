"""urbansec: an open research toolkit for urban security studies in Europe.

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> [d.id for d in fw.dimensions][:2]
['quality_of_life', 'social_cohesion']
"""

from . import (
    coherence,
    coinr,
    collective_impact,
    data,
    impact,
    indices,
    orpheus,
    outcomes,
    peers,
    pipeline,
    plots,
    privacy,
    reports,
    scoring,
    self_assessment,
    sensitivity,
    site,
    survey,
)
from .errors import Problem, ValidationError
from .framework import Dimension, Framework, Indicator, load_framework
from .scoring import Profile, score

__version__ = "0.1.0"

__all__ = [
    "Dimension",
    "Framework",
    "Indicator",
    "Profile",
    "Problem",
    "ValidationError",
    "coherence",
    "coinr",
    "collective_impact",
    "data",
    "impact",
    "indices",
    "load_framework",
    "orpheus",
    "outcomes",
    "peers",
    "pipeline",
    "plots",
    "privacy",
    "reports",
    "score",
    "scoring",
    "self_assessment",
    "sensitivity",
    "site",
    "survey",
]
