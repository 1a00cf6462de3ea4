"""Reproduce a report from its manifest: re-run it with the recorded parameters and
compare every recorded number (and every input's hash).

Example
-------
>>> out = []
>>> _compare({"a": 1.0}, {"a": 1.0 + 1e-12}, "s", out, 1e-9)
>>> out
[]
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.defaults import config_above
from ..core.errors import Problem, ValidationError
from ..inputs.workspace import project_root
from .recorder import sha256_file
from .unit_report import _notebook_path, run_unit


# ------------------------------------------------------------------ reproduce
@dataclass
class ReproduceResult:
    """Outcome of :func:`reproduce`: changed inputs and differing numbers, per study.

    Examples
    --------
    >>> r = ReproduceResult(Path("manifest.json"), [], ["s.x: 1 != 2"], ["s"])
    >>> r.identical, r.summary().splitlines()[-1]
    (False, '  NOT identical')
    """

    manifest: Path
    changed_inputs: list[str]
    differences: list[str]
    studies: list[str]

    @property
    def identical(self) -> bool:
        return not self.changed_inputs and not self.differences

    def summary(self) -> str:
        lines = [f"reproduce {self.manifest} ({', '.join(self.studies)})"]
        lines += [f"  input changed: {p}" for p in self.changed_inputs]
        lines += [f"  differs: {d}" for d in self.differences[:100]]
        if len(self.differences) > 100:
            lines.append(f"  ... {len(self.differences) - 100} more differences")
        lines.append("  identical" if self.identical else "  NOT identical")
        return "\n".join(lines)


def _compare(a: Any, b: Any, path: str, out: list[str], rtol: float) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: present in only one run")
            else:
                _compare(a[k], b[k], f"{path}.{k}", out, rtol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{i}]", out, rtol)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if not np.isclose(a, b, rtol=rtol, atol=0.0):
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")


_MANIFEST_ENTRY = {
    "study": str,
    "unit_id": str,
    "run_id": str,
    "notebook": str,
    "notebook_sha256": str,
    "parameters": dict,
    "inputs": dict,
    "results": str,
}


def read_manifest(path: str | Path) -> dict[str, dict]:
    """The ``studies`` of a report manifest, validated (located errors, never a traceback):
    valid JSON, a ``studies`` mapping whose entries hold every field :func:`reproduce`
    needs with the right type, safe unit ids and relative result paths.

    Examples
    --------
    >>> import json, tempfile
    >>> p = Path(tempfile.mkdtemp()) / "manifest.json"
    >>> _ = p.write_text(json.dumps({"studies": {"s": {"study": "s", "unit_id": "../x"}}}))
    >>> try:
    ...     read_manifest(p)
    ... except ValidationError as e:
    ...     print(len(e.problems), e.problems[-1].column)
    7 studies.s.unit_id
    """
    from ..core.ingest import NAME_PATTERN, read_json

    f = str(path)
    doc = read_json(path, f)
    problems: list[Problem] = []
    studies = doc.get("studies") if isinstance(doc, dict) else None
    if not isinstance(studies, dict) or not studies:
        raise ValidationError(
            [Problem(f, None, "studies", type(studies).__name__, "a mapping of study entries")], f
        )
    for name, e in studies.items():
        if not isinstance(e, dict):
            problems.append(Problem(f, None, f"studies.{name}", type(e).__name__, "a mapping"))
            continue
        for key, typ in _MANIFEST_ENTRY.items():
            if not isinstance(e.get(key), typ):
                problems.append(
                    Problem(f, None, f"studies.{name}.{key}", e.get(key), f"a {typ.__name__}")
                )
        uid = e.get("unit_id")
        if isinstance(uid, str) and not NAME_PATTERN.match(uid):
            problems.append(Problem(f, None, f"studies.{name}.unit_id", uid, "a unit id"))
        res = e.get("results")
        if isinstance(res, str) and (Path(res).is_absolute() or ".." in Path(res).parts):
            problems.append(
                Problem(f, None, f"studies.{name}.results", res, "a file name next to the manifest")
            )
        for k, v in (e.get("inputs") or {}).items() if isinstance(e.get("inputs"), dict) else []:
            if not isinstance(v, str) or not re.fullmatch(r"[0-9a-f]{64}", v):
                problems.append(Problem(f, None, f"studies.{name}.inputs.{k}", v, "a sha256"))
    if problems:
        raise ValidationError(problems, f)
    return studies


def reproduce(
    manifest_path: str | Path,
    study: str | None = None,
    root: str | Path | None = None,
    rtol: float = 1e-9,
) -> ReproduceResult:
    """Re-run a report from its manifest and compare every recorded number.

    Inputs whose sha256 changed since the report are named; the study is re-executed
    with the recorded parameters into a temporary directory and its results compared
    with the original (relative tolerance ``rtol``, default 1e-9: same numbers). ``root``
    (default: the workspace holding the manifest, else the project) is where the
    manifest's relative paths start.

    Examples
    --------
    >>> from urbansec_lib.publish.unit_report import example_study
    >>> root, nb = example_study()  # a folder with data/ and a one-number study notebook
    >>> from urbansec_lib.publish.unit_report import run_unit
    >>> _ = run_unit(nb, "BE212", root=root)
    >>> reproduce(root / "reports" / "BE212" / "manifest.json", root=root).identical
    True
    """
    manifest_path = Path(manifest_path)
    # the workspace holding the manifest (its urbansec.toml), else the project
    cfg = config_above(manifest_path.parent) if root is None else None
    root = Path(root or (cfg.parent if cfg is not None else project_root()))
    entries = read_manifest(manifest_path)
    if study is not None and study not in entries:
        raise ValidationError(
            [Problem(str(manifest_path), None, "studies", study, f"one of {sorted(entries)}")],
            str(manifest_path),
        )
    names = [study] if study else sorted(entries)
    changed: list[str] = []
    diffs: list[str] = []
    for name in names:
        entry = entries[name]
        for rel, digest in entry["inputs"].items():
            p = Path(rel) if Path(rel).is_absolute() else root / rel
            if not p.exists():
                changed.append(f"{rel} (missing)")
            elif sha256_file(p) != digest:
                changed.append(rel)
        nb = (
            _notebook_path(entry["study"], root)
            if not str(entry["study"]).endswith(".ipynb")
            else root / entry["notebook"]
        )
        if sha256_file(nb) != entry["notebook_sha256"]:
            changed.append(f"{entry['notebook']} (notebook changed)")
        original = json.loads((manifest_path.parent / entry["results"]).read_text("utf-8"))
        with tempfile.TemporaryDirectory(prefix="urbansec-reproduce-") as tmp:
            st = run_unit(
                entry["study"],
                entry["unit_id"],
                parameters=entry["parameters"],
                reports_dir=tmp,
                run_id=f"reproduce-{entry['run_id']}",
                root=root,
            )
            if st["status"] != "ok":
                diffs.append(f"{name}: re-run {st['status']}: {st['error']}")
                continue
            again = json.loads((Path(tmp) / entry["unit_id"] / entry["results"]).read_text("utf-8"))
        _compare(original.get("results", {}), again.get("results", {}), name, diffs, rtol)
    return ReproduceResult(manifest_path, changed, diffs, names)
