"""urbansec: an open research toolkit for urban security studies in Europe.

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> [d.id for d in fw.dimensions][:2]
['quality_of_life', 'social_cohesion']
"""

from . import (
    ai_survey,
    coherence,
    coinr,
    collective_impact,
    data,
    executor,
    figures,
    funding,
    good_practices,
    impact,
    indices,
    instruments,
    lint_report,
    orpheus,
    outcomes,
    peers,
    pilot,
    pdf,
    pipeline,
    plots,
    present,
    privacy,
    reports,
    scoring,
    self_assessment,
    sensitivity,
    site,
    survey,
    synthesis,
    training,
)
from .errors import Problem, ValidationError
from .framework import Dimension, Framework, Indicator, load_framework
from .scoring import Profile, score

__version__ = "0.1.0"

__all__ = [
    "ai_survey",
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
    "executor",
    "figures",
    "funding",
    "good_practices",
    "impact",
    "indices",
    "instruments",
    "lint_report",
    "load_framework",
    "orpheus",
    "outcomes",
    "pdf",
    "peers",
    "pilot",
    "pipeline",
    "plots",
    "present",
    "privacy",
    "reports",
    "score",
    "scoring",
    "self_assessment",
    "sensitivity",
    "site",
    "survey",
    "synthesis",
    "training",
]
