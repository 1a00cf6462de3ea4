"""Lazy submodules for a package ``__init__`` (imported on first attribute access)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any


def lazy_modules(
    package: str, names: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` that import ``package.<name>`` on first access.

    Examples
    --------
    >>> getattr_, dir_ = lazy_modules("urbansec_lib.core", ["errors"])
    >>> getattr_("errors").__name__
    'urbansec_lib.core.errors'
    """
    names = tuple(names)

    def __getattr__(name: str) -> Any:
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(names)

    return __getattr__, __dir__
