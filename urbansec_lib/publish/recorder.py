"""What a study notebook calls: a :class:`Recorder` of inputs and numbers, and
:func:`show_figure` (an embedded PNG with its caption and alt text); with the file helpers
every report writer shares (hashes, atomic writes, JSON-safe values).

Example
-------
>>> _jsonable({"a": float("nan"), "b": (1, 2)})
{'a': None, 'b': [1, 2]}
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


# ------------------------------------------------------------------ helpers
def _uses_synthetic(sources, datasets) -> bool:
    """Whether any source or dataset of a report is declared synthetic or illustrative."""
    texts = [str(x) for x in (sources or [])]
    texts += [f"{d.get('name', '')} {d.get('provenance', '')}" for d in (datasets or [])]
    return any(w in t.lower() for t in texts for w in ("synthetic", "illustrative", "demo"))


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same directory and rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(
            fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})
        ) as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    """Convert numbers, arrays and frames into JSON-safe plain values."""
    if isinstance(value, pd.DataFrame):
        df = value.reset_index(drop=True)
        return {
            "__frame__": True,
            "columns": [str(c) for c in df.columns],
            "data": [[_jsonable(v) for v in row] for row in df.itertuples(index=False)],
        }
    if isinstance(value, pd.Series):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in list(value)]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if not np.isfinite(f) else f
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.isoformat()
    return value


# ------------------------------------------------------------------ in-notebook API
class Recorder:
    """Records a notebook's inputs (with sha256) and results (numbers, tidy frames).

    Parameters
    ----------
    path : str or Path or None
        JSON file to write; ``None`` keeps everything in memory (interactive use).

    Examples
    --------
    >>> rec = Recorder(None)
    >>> rec.record("n_units", 7)
    >>> rec.results["n_units"]
    7
    """

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.results: dict[str, Any] = {}
        self.inputs: dict[str, str] = {}
        self.sources: list[str] = []
        self.datasets: list[dict[str, str]] = []
        self.skipped: dict[str, str] = {}

    def use(self, path: str | Path) -> Path:
        """Declare an input file (its sha256 goes to the manifest); returns the path."""
        p = Path(path)
        self.inputs[str(p)] = sha256_file(p)
        self._flush()
        return p

    def source(self, text: str) -> None:
        """Declare a data source shown in the report header (e.g. "Eurostat crim_gen_reg")."""
        if text not in self.sources:
            self.sources.append(text)
            self._flush()

    def dataset(self, name: str, year: str | int, provenance: str, url: str | None = None) -> None:
        """Declare a dataset for the report's "Methods and data sources" section.

        ``year`` is the reference year or period of the data (e.g. "2008-2022"),
        ``provenance`` who produced it and whether it is real, illustrative or synthetic.
        """
        entry = {"name": str(name), "year": str(year), "provenance": str(provenance)}
        if url:
            entry["url"] = str(url)
        if entry not in self.datasets:
            self.datasets.append(entry)
            self._flush()

    def skip(self, file: str, problem: str) -> None:
        """Declare an input left out because it failed validation (listed in the report's
        results and in the run's ``summary.json``)."""
        self.skipped[str(file)] = str(problem)
        self._flush()

    def record(self, name: str, value: Any) -> None:
        """Record a number, list, Series or DataFrame under ``name``."""
        self.results[name] = _jsonable(value)
        self._flush()

    def _flush(self) -> None:
        if self.path is not None:
            doc = {
                "results": self.results,
                "inputs": self.inputs,
                "sources": self.sources,
                "datasets": self.datasets,
            }
            if self.skipped:
                doc["skipped_inputs"] = self.skipped
            _atomic_write(self.path, json.dumps(doc, indent=1, sort_keys=True))


#: Widest figure (px) embedded in a report; wider figures are rendered at a lower dpi.
MAX_FIGURE_PX = 1100


def show_figure(fig, alt: str, dpi: int = 110, title: str | None = None) -> None:
    """Display a matplotlib figure as an embedded PNG with a title and alt text, then close it.

    ``title`` (default: the figure's own title, :func:`urbansec_lib.figures.title_of`) is
    shown as the figure's caption; ``alt`` should state the finding, not only the topic. A
    figure wider than :data:`MAX_FIGURE_PX` is rendered at a lower resolution so that it
    fits the page.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([1, 2, 3])
    >>> show_figure(fig, alt="A rising line.", title="Example")  # in a notebook: the image
    <IPython.core.display.Image object>
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    from ..presentation.figures import title_of

    title = title or title_of(fig)
    # the title is shown once, as the caption above the image (selectable, searchable text)
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text().strip() == title:
        sup.set_text("")
    elif len(fig.axes) >= 1 and fig.axes[0].get_title().strip() == title:
        fig.axes[0].set_title("")

    def _png(d: float) -> bytes:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=d, bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()

    data = _png(dpi)
    width = int.from_bytes(data[16:20], "big")
    if width > MAX_FIGURE_PX:
        data = _png(dpi * MAX_FIGURE_PX / width * 0.995)
    plt.close(fig)
    meta = {"alt": alt}
    if title:
        meta["title"] = title
    display(Image(data=data, format="png"), metadata={"image/png": meta})
