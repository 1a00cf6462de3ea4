"""House rule: the code base is ruff-clean (lint and format)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["urbansec_lib", "tests", "benchmarks", "scripts"]


def _ruff():
    exe = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(exe).exists():
        pytest.skip("ruff not installed (pip install -e '.[test]')")
    return exe


def test_ruff_check_clean():
    r = subprocess.run([_ruff(), "check", *PATHS], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]


def test_ruff_format_clean():
    r = subprocess.run(
        [_ruff(), "format", "--check", *PATHS], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout[-3000:]
