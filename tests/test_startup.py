"""Start-up stays light: ``urbansec --help`` imports no heavy scientific stack.

Timing itself lives in ``benchmarks/bench_startup.py`` (never a timed unit test); this
checks the cause of slow start-up instead: which modules the command loads.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("scipy", "statsmodels", "matplotlib", "sklearn", "seaborn", "nbformat", "papermill")
#: ``--help`` and argument errors need not even pandas or numpy (0.3 s of imports).
HEAVY_FOR_HELP = (*HEAVY, "pandas", "numpy")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_help_imports_no_heavy_module():
    code = (
        "import contextlib, io\n"
        "from urbansec_lib import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        cli.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    loaded = _modules_after(code)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY_FOR_HELP}


def test_pandas_keeps_python_string_storage_when_imported_later():
    code = "import urbansec_lib, pandas, json; print(json.dumps([pandas.get_option('mode.string_storage')]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["python"]


def test_package_import_is_lazy_but_complete():
    loaded = _modules_after("import urbansec_lib as us")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    import urbansec_lib as us

    for name in us.__all__:  # every advertised name resolves
        assert getattr(us, name) is not None
