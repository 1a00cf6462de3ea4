"""Layer 1, ``model``: The indicator framework: its model (dimensions, indicators, weights)
and its COINr tables.

May import from: ``core`` (and its own modules).

Modules
-------
framework
    The indicator framework: dimensions, sub-dimensions and indicators, loaded from
    YAML.
coinr
    Interoperability with COINr (JRC): the ``iMeta`` and ``iData`` tables.
"""

from .._lazy import lazy_modules

__all__ = ["framework", "coinr"]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
