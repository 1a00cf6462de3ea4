"""urbansec: an open research toolkit for urban security studies in Europe.

The package is layered; each layer may import only from the layers before it
(``tests/test_layers.py`` checks it, see CONTRIBUTING.md)::

    core -> model -> inputs -> engine -> methods -> presentation -> analysis -> study -> publish -> cli

Every module is reachable by its short name (``us.survey``, ``urbansec_lib.survey``), the
name it had before the layers, as well as by its place (``urbansec_lib.inputs.survey``).

Example
-------
>>> import urbansec_lib as us
>>> fw = us.load_framework()
>>> [d.id for d in fw.dimensions][:2]
['quality_of_life', 'social_cohesion']
>>> us.survey is us.inputs.survey
True
"""

import importlib
import importlib.abc
import importlib.util
import sys
from typing import TYPE_CHECKING, Any

from ._lazy import pandas_options_on_import

pandas_options_on_import()  # pandas keeps Python string storage, set when pandas loads

#: The layers, in import order (a layer may import only from those before it).
LAYERS = (
    "core",
    "model",
    "inputs",
    "engine",
    "methods",
    "presentation",
    "analysis",
    "study",
    "publish",
)

#: Every module, by its short name -> its layer. Imported on first attribute access
#: (``us.impact``) so that ``import urbansec_lib`` and the ``urbansec`` command start fast
#: (no scipy, statsmodels, matplotlib or scikit-learn until a command needs them).
_MODULES = {
    "aggregation": "engine",
    "ai_survey": "analysis",
    "bacon": "methods",
    "batch": "publish",
    "bounds": "core",
    "catalogue": "engine",
    "catalogue_report": "engine",
    "catalogue_schema": "engine",
    "ci_figures": "analysis",
    "ci_markdown": "analysis",
    "ci_model": "analysis",
    "ci_read": "analysis",
    "ci_schema": "analysis",
    "ci_synthesis": "analysis",
    "ci_template": "analysis",
    "coherence": "engine",
    "cohesion_data": "analysis",
    "cohesion_figures": "analysis",
    "cohesion_fit": "analysis",
    "cohesion_panel": "analysis",
    "cohesion_robustness": "analysis",
    "cohesion_unit": "analysis",
    "coinr": "model",
    "collective_impact": "analysis",
    "crosswalk": "engine",
    "data": "inputs",
    "data_paths": "inputs",
    "defaults": "core",
    "demean": "methods",
    "denomination": "engine",
    "design": "methods",
    "design_checks": "methods",
    "diff_in_diff": "methods",
    "displacement": "methods",
    "documents": "core",
    "drdid": "methods",
    "errors": "core",
    "eurostat": "inputs",
    "executor": "publish",
    "existing_data": "study",
    "exports": "inputs",
    "feols_result": "methods",
    "figures": "presentation",
    "fixed_effects": "methods",
    "framework": "model",
    "framework_build": "model",
    "funding": "analysis",
    "good_practices": "analysis",
    "gp_attributes": "analysis",
    "gp_factors": "analysis",
    "gp_page": "analysis",
    "group_time": "methods",
    "group_time_results": "methods",
    "imeta": "model",
    "impact": "methods",
    "imputation": "engine",
    "indices": "engine",
    "ingest": "core",
    "inprocess": "publish",
    "inprocess_shell": "publish",
    "input_provenance": "study",
    "instrument_model": "inputs",
    "instrument_read": "inputs",
    "instruments": "inputs",
    "inventory": "analysis",
    "kernel_state": "publish",
    "kobo_export": "inputs",
    "leads_lags": "methods",
    "lint_report": "publish",
    "multilevel": "methods",
    "multiplier_bootstrap": "methods",
    "nodes": "model",
    "normalisation": "engine",
    "nuts": "inputs",
    "omitted_variable": "methods",
    "ordinal": "methods",
    "orpheus": "analysis",
    "outcome_readers": "analysis",
    "outcomes": "analysis",
    "outliers": "engine",
    "outputs": "core",
    "pdf": "publish",
    "peers": "engine",
    "pilot": "analysis",
    "pipeline": "study",
    "plots": "presentation",
    "power": "methods",
    "present": "presentation",
    "privacy": "inputs",
    "privacy_scan": "inputs",
    "public_indicators": "inputs",
    "pyramid": "analysis",
    "pyramid_coverage": "analysis",
    "pyramid_figures": "analysis",
    "pyramid_rules": "analysis",
    "recorder": "publish",
    "registry": "core",
    "render": "publish",
    "reports": "publish",
    "reproduce": "publish",
    "rollout": "methods",
    "runs": "publish",
    "sa_basics": "study",
    "sa_change": "study",
    "sa_peers": "study",
    "sa_quality": "study",
    "schema": "core",
    "score_steps": "engine",
    "scoring": "engine",
    "screening": "engine",
    "sdid": "methods",
    "sdid_weights": "methods",
    "self_assessment": "study",
    "sensitivity": "engine",
    "sensitivity_runs": "engine",
    "sensitivity_specs": "engine",
    "sensitivity_variants": "engine",
    "site": "publish",
    "sobol": "engine",
    "social_cohesion": "analysis",
    "stages": "engine",
    "staggered": "methods",
    "staggered_panel": "methods",
    "staggered_plots": "methods",
    "store": "study",
    "studies": "study",
    "study_inputs": "study",
    "sunab": "methods",
    "survey": "inputs",
    "survey_aggregate": "inputs",
    "survey_answers": "inputs",
    "survey_forms": "inputs",
    "survey_import": "inputs",
    "survey_questions": "inputs",
    "survey_read": "inputs",
    "synth_fit": "methods",
    "synth_inference": "methods",
    "synth_plots": "methods",
    "synth_results": "methods",
    "synth_study": "study",
    "synth_weights": "methods",
    "synthesis": "engine",
    "synthetic_control": "methods",
    "tables": "core",
    "tidy": "engine",
    "time_series": "methods",
    "training": "analysis",
    "training_competences": "analysis",
    "training_eval": "analysis",
    "training_figures": "analysis",
    "tree": "engine",
    "trends": "engine",
    "unit_codes": "core",
    "unit_inputs": "study",
    "unit_report": "publish",
    "units_table": "inputs",
    "versions": "core",
    "weighting": "engine",
    "wildboot": "methods",
    "workspace": "inputs",
    "workspace_model": "inputs",
    "workspace_open": "inputs",
    "xlsform": "inputs",
    "xlsx": "core",
}
_SUBMODULES = tuple(_MODULES)

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


class _ShortNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import urbansec_lib.survey`` finds ``urbansec_lib.inputs.survey`` (same module object)."""

    def find_spec(self, fullname, path=None, target=None):
        head, _, rest = fullname.partition(".")
        if head != __name__ or "." in rest or rest not in _MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        short = spec.name.rpartition(".")[2]
        return importlib.import_module(f"{__name__}.{_MODULES[short]}.{short}")

    def exec_module(self, module):  # the real module is already executed
        pass


if not any(isinstance(f, _ShortNames) for f in sys.meta_path):
    sys.meta_path.insert(0, _ShortNames())


def __getattr__(name: str) -> Any:
    if name in _MODULES or name in _NAMES or name in LAYERS:
        importlib.import_module(".core.errors", __name__)  # sets pandas' string storage first
    if name in LAYERS:
        mod = importlib.import_module(f".{name}", __name__)
        globals()[name] = mod
        return mod
    if name in _MODULES:
        mod = importlib.import_module(f".{_MODULES[name]}.{name}", __name__)
        globals()[name] = mod
        return mod
    if name in _NAMES:
        short = _NAMES[name]
        value = getattr(importlib.import_module(f".{_MODULES[short]}.{short}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - static type checkers see eager imports
    from .analysis import (
        ai_survey,  # noqa: F401
        collective_impact,  # noqa: F401
        funding,  # noqa: F401
        good_practices,  # noqa: F401
        orpheus,  # noqa: F401
        outcomes,  # noqa: F401
        pilot,  # noqa: F401
        social_cohesion,  # noqa: F401
        training,  # noqa: F401
    )
    from .core import (
        defaults,  # noqa: F401
        errors,  # noqa: F401
        ingest,  # noqa: F401
        registry,  # noqa: F401
        versions,  # noqa: F401
    )
    from .core.errors import Problem, ValidationError  # noqa: F401
    from .core.registry import UnitRecord, load_registry, register_unit  # noqa: F401
    from .engine import (
        coherence,  # noqa: F401
        indices,  # noqa: F401
        peers,  # noqa: F401
        scoring,  # noqa: F401
        sensitivity,  # noqa: F401
        stages,  # noqa: F401
        synthesis,  # noqa: F401
        trends,  # noqa: F401
    )
    from .engine.scoring import Profile, score  # noqa: F401
    from .inputs import (
        data,  # noqa: F401
        exports,  # noqa: F401
        instrument_model,  # noqa: F401
        instrument_read,  # noqa: F401
        instruments,  # noqa: F401
        kobo_export,  # noqa: F401
        privacy,  # noqa: F401
        survey,  # noqa: F401
        survey_aggregate,  # noqa: F401
        survey_answers,  # noqa: F401
        survey_forms,  # noqa: F401
        survey_import,  # noqa: F401
        survey_questions,  # noqa: F401
        survey_read,  # noqa: F401
        workspace,  # noqa: F401
        xlsform,  # noqa: F401
    )
    from .methods import (
        demean,  # noqa: F401
        design,  # noqa: F401
        fixed_effects,  # noqa: F401
        impact,  # noqa: F401
        multilevel,  # noqa: F401
        omitted_variable,  # noqa: F401
        staggered,  # noqa: F401
        synthetic_control,  # noqa: F401
        wildboot,  # noqa: F401
    )
    from .model import (
        coinr,  # noqa: F401
        framework,  # noqa: F401
    )
    from .model.framework import Dimension, Framework, Indicator, load_framework  # noqa: F401
    from .presentation import (
        figures,  # noqa: F401
        plots,  # noqa: F401
        present,  # noqa: F401
    )
    from .publish import (
        batch,  # noqa: F401
        executor,  # noqa: F401
        lint_report,  # noqa: F401
        pdf,  # noqa: F401
        reports,  # noqa: F401
        site,  # noqa: F401
    )
    from .study import (
        existing_data,  # noqa: F401
        input_provenance,  # noqa: F401
        pipeline,  # noqa: F401
        sa_basics,  # noqa: F401
        sa_change,  # noqa: F401
        sa_peers,  # noqa: F401
        sa_quality,  # noqa: F401
        self_assessment,  # noqa: F401
        store,  # noqa: F401
        studies,  # noqa: F401
        study_inputs,  # noqa: F401
        synth_study,  # noqa: F401
        unit_inputs,  # noqa: F401
    )

__version__ = "0.1.0"

__all__ = sorted([*_SUBMODULES, *_NAMES, *LAYERS])
