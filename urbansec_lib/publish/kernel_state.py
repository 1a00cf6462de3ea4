"""The warm kernel's own side: code run inside the Jupyter kernel once (a snapshot of its
state after the preload imports) and before every notebook (the restore: namespace,
figures, working folder, ``sys.path``, environment, warnings, logging, matplotlib and
pandas settings, seeds), kept in a private module that a namespace reset does not touch.

Example
-------
>>> compile(_KERNEL_SETUP.replace("__PRELOAD__", "()").replace("__WATCH__", "()"), "k", "exec").co_name
'<module>'
"""

# Kernel-side code. Everything lives in a private module in sys.modules, which a namespace
# reset does not touch. ``_snapshot`` runs once per kernel (after the preload imports),
# ``_restore`` before every notebook.
_KERNEL_SETUP = r"""
def __urbansec_setup(preload, watch):
    import importlib, logging, os, sys, types, warnings
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
        rc = dict(matplotlib.rcParams.copy())
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
        import gc, random
        st.stale = check_stale()
        if st.stale:  # library code changed on disk: the executor replaces the kernel
            return
        ip = get_ipython()  # noqa: F821 - defined in every IPython kernel
        # %reset -f, plus a new history session (counts from 1). IPython's reset runs two
        # full garbage collections (~0.15 s each on this heap, the largest per-unit cost of
        # the warm kernel); the young generations are collected below and the rest is left
        # to the collector's own schedule, which bounds memory as in any long process.
        full = gc.collect
        gc.collect = lambda *a, **k: 0
        try:
            ip.reset(new_session=True)
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
                    if not (same is True):
                        pd.set_option(k, v)
                except Exception:
                    pass
        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        gc.collect(1)

    st.restore = restore
    sys.modules["_urbansec_warm_state"] = st
    return st.failed_imports

__urbansec_failed = __urbansec_setup(__PRELOAD__, __WATCH__)
del __urbansec_setup
"""

_KERNEL_STATE = "__import__('sys').modules['_urbansec_warm_state']"
_KERNEL_RESTORE = _KERNEL_STATE + ".restore()"
_KERNEL_STALE = _KERNEL_STATE + ".stale"
