"""urbansec: an open research toolkit for urban security studies in Europe.

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> [d.id for d in fw.dimensions][:2]
['quality_of_life', 'social_cohesion']
"""

import importlib
from typing import TYPE_CHECKING, Any

#: Submodules, imported on first attribute access (``us.impact``) so that
#: ``import urbansec_lib`` and the ``urbansec`` command start fast (no scipy,
#: statsmodels, matplotlib or scikit-learn until a command needs them).
_SUBMODULES = (
    "ai_survey",
    "coherence",
    "coinr",
    "collective_impact",
    "data",
    "defaults",
    "errors",
    "executor",
    "existing_data",
    "figures",
    "fixed_effects",
    "framework",
    "funding",
    "good_practices",
    "impact",
    "indices",
    "ingest",
    "instruments",
    "lint_report",
    "multilevel",
    "omitted_variable",
    "orpheus",
    "outcomes",
    "pdf",
    "peers",
    "pilot",
    "pipeline",
    "plots",
    "present",
    "privacy",
    "registry",
    "reports",
    "scoring",
    "self_assessment",
    "sensitivity",
    "site",
    "social_cohesion",
    "stages",
    "staggered",
    "store",
    "studies",
    "survey",
    "synth_study",
    "synthesis",
    "synthetic_control",
    "training",
    "trends",
    "wildboot",
    "workspace",
)

#: Public names defined in submodules: name -> submodule.
_NAMES = {
    "Problem": "errors",
    "ValidationError": "errors",
    "Dimension": "framework",
    "Framework": "framework",
    "Indicator": "framework",
    "load_framework": "framework",
    "UnitRecord": "registry",
    "load_registry": "registry",
    "register_unit": "registry",
    "Profile": "scoring",
    "score": "scoring",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES or name in _NAMES:
        importlib.import_module(".errors", __name__)  # sets pandas' string storage first
    if name in _SUBMODULES:
        mod = importlib.import_module(f".{name}", __name__)
        globals()[name] = mod
        return mod
    if name in _NAMES:
        value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - static type checkers see eager imports
    from . import (  # noqa: F401
        ai_survey,
        coherence,
        coinr,
        collective_impact,
        data,
        defaults,
        errors,
        executor,
        existing_data,
        figures,
        fixed_effects,
        framework,
        funding,
        good_practices,
        impact,
        indices,
        ingest,
        instruments,
        lint_report,
        multilevel,
        omitted_variable,
        orpheus,
        outcomes,
        pdf,
        peers,
        pilot,
        pipeline,
        plots,
        present,
        privacy,
        registry,
        reports,
        scoring,
        self_assessment,
        sensitivity,
        site,
        social_cohesion,
        stages,
        staggered,
        store,
        studies,
        survey,
        synth_study,
        synthesis,
        synthetic_control,
        training,
        trends,
        wildboot,
        workspace,
    )
    from .errors import Problem, ValidationError  # noqa: F401
    from .framework import Dimension, Framework, Indicator, load_framework  # noqa: F401
    from .registry import UnitRecord, load_registry, register_unit  # noqa: F401
    from .scoring import Profile, score  # noqa: F401

__version__ = "0.1.0"

__all__ = sorted([*_SUBMODULES, *_NAMES])
