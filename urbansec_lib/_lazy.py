"""Lazy submodules for a package ``__init__`` (imported on first attribute access)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
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


def _set_pandas_options(pd: Any) -> None:
    """One string behaviour whatever is installed: pandas 3 stores its default ``str`` dtype
    in pyarrow when pyarrow is importable (it is, for the Parquet store) and then refuses
    mixed ``str + object`` concatenations that work with Python storage. The library is
    written and tested for Python storage (storage only: values and dtypes are the same)."""
    try:
        pd.set_option("mode.string_storage", "python")
    except (KeyError, ValueError, pd.errors.OptionError):  # older pandas: no such value
        pass


class _PandasOptions(importlib.abc.MetaPathFinder):
    """Sets :func:`_set_pandas_options` the moment pandas is imported, so that importing the
    package (or running ``urbansec --help``) does not import pandas itself."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: D102
        if fullname != "pandas":
            return None
        sys.meta_path.remove(self)  # find pandas the normal way, then wrap its loader
        try:
            spec = importlib.util.find_spec("pandas")
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_set(module):
            exec_module(module)
            _set_pandas_options(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)

        loader.exec_module = exec_and_set
        return spec


def pandas_options_on_import() -> None:
    """Apply the package's pandas options now if pandas is loaded, else when it is.

    Examples
    --------
    >>> import pandas as pd
    >>> pandas_options_on_import()
    >>> pd.get_option("mode.string_storage")
    'python'
    """
    if "pandas" in sys.modules:
        _set_pandas_options(sys.modules["pandas"])
    elif not any(isinstance(f, _PandasOptions) for f in sys.meta_path):
        sys.meta_path.insert(0, _PandasOptions())
