"""Layer 1, ``model``: The indicator framework: its model (dimensions, indicators, weights)
and its COINr tables.

May import from: ``core`` (and its own modules).

Modules
-------
nodes
    The framework's vocabulary and its nodes: measurement types, levels, aggregation
    methods, indicators and dimensions.
framework_build
    Building a framework's nodes from its YAML document, every problem with its path.
imeta
    COINr's iMeta table, the framework's table form: read, checked and written.
framework
    The indicator framework: dimensions, sub-dimensions and indicators, loaded from
    YAML.
coinr
    Interoperability with COINr (JRC): the ``iMeta`` and ``iData`` tables.
"""

from .._lazy import lazy_modules

__all__ = ["nodes", "framework_build", "imeta", "framework", "coinr"]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
