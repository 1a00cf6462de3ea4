"""Layer 5, ``presentation``: Presentation primitives: display-ready tables and the one
figure style.

May import from: ``core``, ``model``, ``inputs``, ``engine``, ``methods`` (and its own
modules).

Modules
-------
present
    Display-ready tables for reports: one number format per kind, labels instead of ids.
figures
    The one figure style shared by every study: palette, titles, axis labels, year
    ticks.
plots
    Figures for self-assessment profiles and peer comparison.
"""

from .._lazy import lazy_modules

__all__ = ["present", "figures", "plots"]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
