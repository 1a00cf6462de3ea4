"""urbansec: an open research toolkit for urban security studies in Europe."""

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
]
