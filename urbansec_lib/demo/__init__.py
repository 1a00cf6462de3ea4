"""Demo data simulators: the synthetic survey, incident and rollout data of the demo.

Not a layer of the library: no module under the layers (``core`` ... ``publish``) or the
``cli`` imports this package (``tests/test_layers.py`` checks it). The demo scripts
(``scripts/make_demo_*.py``), the tests, the benchmarks and notebooks use it; the data it
made are packaged under ``data/raw`` and read like real data.

The old paths (``urbansec_lib.survey.simulate_responses``,
``urbansec_lib.outcomes.simulate_survey`` ...) still resolve, with a DeprecationWarning,
through a module-level ``__getattr__`` of those modules: the one allowed reference from the
library to this package.

Modules
-------
survey
    Synthetic self-assessment survey responses (:func:`survey.simulate_responses`).
outcomes
    Synthetic outcome data of impact evaluations: survey waves, monthly incidents, a
    staggered rollout.
cohesion
    A simulated city panel of perceived cohesion and security (the examples' input).
"""

from .._lazy import lazy_modules

__all__ = ["survey", "outcomes", "cohesion"]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
