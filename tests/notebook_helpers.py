"""Small notebooks for the execution-engine tests (warm kernel, in-process)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def write_notebook(path: Path, *sources: str, params: str = "x = 0\nout = ''") -> Path:
    """Write a notebook: a markdown cell, a `parameters` cell, then the given code cells."""
    cells = [new_markdown_cell("# test"), new_code_cell(params)]
    cells[1].metadata["tags"] = ["parameters"]
    cells += [new_code_cell(s) for s in sources]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def stdout_of(cell) -> str:
    """The text a cell printed to stdout."""
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
