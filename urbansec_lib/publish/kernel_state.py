"""The state of a notebook-running Python process, snapshot and restore: the namespace,
figures, working folder, ``sys.path``, environment, warnings, logging, matplotlib and pandas
settings, random seeds.

:func:`_setup_state` is one function used in two places: its source is sent to the warm
Jupyter kernel (:data:`_KERNEL_SETUP`, run once, after the preload imports; the state is
kept in a private module that a namespace reset does not touch, and restored before every
notebook), and the in-process engine (:mod:`urbansec_lib.publish.inprocess`) calls it
directly before every notebook and restores the process after it.

Example
-------
>>> compile(_KERNEL_SETUP.replace("__PRELOAD__", "()").replace("__WATCH__", "()"), "k", "exec").co_name
'<module>'
"""

import inspect


def _setup_state(preload, watch, shell, register=True):
    """Import ``preload``, snapshot the process state and return it (a module object).

    Long because: one self-contained function (its source runs in the kernel too, so it
    imports what it uses and calls nothing of this package): the snapshot, the stale-code
    check and the restore share the snapshot's fields.

    Parameters
    ----------
    preload : sequence of str
        Modules imported first (a failure is recorded in ``failed_imports``, not raised).
    watch : sequence of str
        Module name prefixes whose source files ``check_stale()`` watches.
    shell : IPython.core.interactiveshell.InteractiveShell
        The shell whose namespace ``restore()`` clears (``%reset -f``, new history session).
    register : bool
        Keep the state in ``sys.modules["_urbansec_warm_state"]`` (the kernel's way: a
        namespace reset does not touch it).

    Returns
    -------
    module
        ``failed_imports``, ``check_stale()`` (changed files of watched modules),
        ``restore()`` (namespace cleared, figures closed, working folder, ``sys.path``,
        ``os.environ``, warnings filters and registries, root logger, matplotlib rcParams
        and pandas options as at the snapshot, ``random``/``numpy.random`` re-seeded from
        the OS).

    Examples
    --------
    >>> import os
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> st = _setup_state((), (), InteractiveShell.instance(), register=False)
    >>> os.environ["URBANSEC_DOCTEST_LEAK"] = "1"
    >>> st.restore()
    >>> "URBANSEC_DOCTEST_LEAK" in os.environ, st.failed_imports
    (False, [])
    """
    import importlib
    import logging
    import os
    import sys
    import types
    import warnings

    st = types.ModuleType("_urbansec_warm_state")
    st.failed_imports = []
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional module is not fatal
            st.failed_imports.append(f"{name}: {exc!r}")
    st.cwd = os.getcwd()
    st.path = list(sys.path)
    st.environ = dict(os.environ)
    st.filters = list(warnings.filters)
    root = logging.getLogger()
    st.log_handlers = list(root.handlers)
    st.log_level = root.level
    st.watch = tuple(watch)
    st.mtimes = {}
    st.stale = []

    def check_stale():
        # files of watched modules changed since they were first seen (recorded here)
        changed = []
        if not st.watch:  # nothing watched (the in-process engine)
            return changed
        for name, mod in list(sys.modules.items()):
            if not name.startswith(st.watch):
                continue
            f = getattr(mod, "__file__", None)
            if not f:
                continue
            try:
                m = os.stat(f).st_mtime_ns
            except OSError:
                m = None
            if st.mtimes.setdefault(f, m) != m:
                changed.append(f)
        return changed

    st.check_stale = check_stale
    check_stale()
    st.rc = None  # only libraries imported by now (the preload) have their settings restored
    st.pd_options = None
    if "matplotlib" in sys.modules:
        import matplotlib

        rc = dict(dict.items(matplotlib.rcParams))  # the raw values, as _update_raw takes them
        rc.pop("backend", None)
        st.rc = rc
    if "pandas" in sys.modules:
        import pandas as pd
        from pandas._config import config as cf

        opts = {}
        for k in cf._registered_options:
            if k in cf._deprecated_options:
                continue
            try:
                opts[k] = pd.get_option(k)
            except Exception:
                pass
        st.pd_options = opts

    def restore():
        import gc
        import random

        st.stale = check_stale()
        if st.stale:  # library code changed on disk: the executor replaces the kernel
            return
        # %reset -f, plus a new history session (counts from 1). IPython's reset runs two
        # full garbage collections (~0.15 s each on this heap, the largest per-unit cost of
        # the warm kernel); the young generations are collected below and the rest is left
        # to the collector's own schedule, which bounds memory as in any long process.
        full = gc.collect
        gc.collect = lambda *a, **k: 0
        try:
            shell.reset(new_session=True)
        finally:
            gc.collect = full
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        if os.getcwd() != st.cwd:
            os.chdir(st.cwd)
        sys.path[:] = st.path
        for k in set(os.environ) - set(st.environ):
            del os.environ[k]
        for k, v in st.environ.items():
            if os.environ.get(k) != v:
                os.environ[k] = v
        warnings.filters[:] = st.filters
        mutated = getattr(warnings, "_filters_mutated", None)
        if mutated is not None:  # forget "already shown" registries, as in a new process
            mutated()
        root = logging.getLogger()
        root.handlers[:] = st.log_handlers
        root.setLevel(st.log_level)
        if st.rc is not None:
            import matplotlib

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                matplotlib.rcParams._update_raw(st.rc)
        if st.pd_options is not None:
            import pandas as pd

            for k, v in st.pd_options.items():
                try:
                    same = pd.get_option(k) == v
                    if same is not True:
                        pd.set_option(k, v)
                except Exception:
                    pass
        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        gc.collect(1)

    st.restore = restore
    if register:
        sys.modules["_urbansec_warm_state"] = st
    return st


#: Code run once in the warm kernel: the definition of :func:`_setup_state` and its call.
_KERNEL_SETUP = (
    inspect.getsource(_setup_state)
    + "\n__urbansec_failed = _setup_state(__PRELOAD__, __WATCH__, get_ipython()).failed_imports\n"
    + "del _setup_state\n"
)
_KERNEL_STATE = "__import__('sys').modules['_urbansec_warm_state']"
_KERNEL_RESTORE = _KERNEL_STATE + ".restore()"
_KERNEL_STALE = _KERNEL_STATE + ".stale"
