"""Kobo-shaped CSV exports of survey responses (for tests, demos and benchmarks).

:func:`write_kobo_export` writes responses in the template layout the way KoboToolbox
exports them: XML names with group prefixes, system columns, a chosen delimiter, encoding,
missing-answer text and ``select_multiple`` shape, so the importer can be exercised on every
shape a real export takes.
"""

from __future__ import annotations

import hashlib
import uuid as _uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.framework import Framework
from .survey_questions import METADATA_COLUMNS, form_version, item_codes

__all__ = ["write_kobo_export"]


def write_kobo_export(
    df: pd.DataFrame,
    fw: Framework,
    path: str | Path,
    sep: str = ";",
    encoding: str = "utf-8",
    multi_sel: str = "space",
    groups: bool = True,
    na_rep: str = "",
    seed: int = 0,
    version: str | None = None,
) -> Path:
    """Write responses (template layout, e.g. :func:`urbansec_lib.demo.survey.simulate_responses`)
    as a Kobo CSV export.

    Columns as KoboToolbox writes them with XML names and group prefixes: ``start, end``,
    metadata, ``<dimension>/<question>`` (and ``<dimension>/<question>/<code>`` 0/1 columns
    when ``multi_sel`` is ``"split"`` or ``"both"``), ``form_version``,
    ``meta/instanceID``, ``_id, _uuid, _submission_time, _validation_status, _status,
    __version__, _index``.

    Parameters
    ----------
    sep : str
        Delimiter (Kobo's default is ``;``).
    encoding : str
        ``utf-8``, ``utf-8-sig`` (BOM) or ``latin-1``.
    multi_sel : {"space", "split", "both"}
    groups : bool
        Prefix question names with their dimension group.
    na_rep : str
        How missing answers are written (``""`` or ``"n/a"``).
    seed : int
        Seed for timestamps / ids that are not in ``df``.
    version : str, optional
        ``form_version`` value (default :func:`form_version`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from urbansec_lib import load_framework
    >>> df = pd.DataFrame({"unit": ["DE001C"], "area": ["Mitte"], "wave": [2024],
    ...                    "area_type": ["none"], "respondent_role": ["resident"],
    ...                    "qol_life_satisfaction": [3]})
    >>> p = write_kobo_export(df, load_framework(), pathlib.Path(tempfile.mkdtemp()) / "k.csv")
    >>> p.read_text().splitlines()[0].split(";")[:8]
    ['start', 'end', 'unit', 'area', 'wave', 'area_type', 'respondent_role', 'quality_of_life/qol_life_satisfaction']
    """
    rng = np.random.default_rng(seed)
    k = len(df)
    uuids = (
        df["_uuid"].astype(str).to_numpy()
        if "_uuid" in df.columns
        else np.array(
            [str(_uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(k)], dtype=object
        )
    )
    waves = pd.to_numeric(df["wave"], errors="coerce").fillna(2000).astype(int).to_numpy()
    day = rng.integers(0, 60, k)
    sec = rng.integers(8 * 3600, 20 * 3600, k)
    t0 = (
        pd.to_datetime([f"{w}-04-01" for w in waves])
        + pd.to_timedelta(day, "D")
        + pd.to_timedelta(sec, "s")
    )
    dur = pd.to_timedelta(rng.integers(240, 1500, k), "s")
    fmt = "%Y-%m-%dT%H:%M:%S.000+00:00"
    out: dict[str, Any] = {
        "start": t0.strftime(fmt),
        "end": (t0 + dur).strftime(fmt),
    }
    for m in METADATA_COLUMNS:
        out[m] = df[m].to_numpy() if m in df.columns else np.full(k, "", dtype=object)
    for ind in fw.survey_indicators():
        if ind.id not in df.columns:
            continue
        name = f"{fw.dimension_of(ind.id)}/{ind.id}" if groups else ind.id
        col = df[ind.id]
        if ind.type == "select_multiple":
            st = col.astype(object).where(col.notna(), None)
            if multi_sel in ("space", "both"):
                out[name] = st.to_numpy()
            if multi_sel in ("split", "both"):
                for c in item_codes(ind) or []:
                    toks = st.fillna("").astype(str).str.split()
                    has = toks.map(lambda t, c=c: str(c) in t)
                    out[f"{name}/{c}"] = np.where(st.isna(), None, has.astype(int).astype(str))
        else:
            out[name] = col.to_numpy(dtype=object)
    out["form_version"] = version or form_version(fw)
    out["meta/instanceID"] = ["uuid:" + u for u in uuids]
    out["_id"] = np.arange(1, k + 1) + 10_000_000
    out["_uuid"] = uuids
    out["_submission_time"] = (
        t0 + dur + pd.to_timedelta(rng.integers(60, 86400, k), "s")
    ).strftime("%Y-%m-%dT%H:%M:%S")
    out["_validation_status"] = ""
    out["_status"] = "submitted_via_web"
    out["__version__"] = "v" + hashlib.sha1(form_version(fw).encode()).hexdigest()[:21]
    out["_index"] = np.arange(1, k + 1)
    frame = pd.DataFrame(out)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(sep=sep, index=False, na_rep=na_rep, lineterminator="\n")
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8-sig" else encoding
    path.write_bytes(text.encode(enc))
    return path
