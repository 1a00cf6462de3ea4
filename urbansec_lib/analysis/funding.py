"""EU funding instruments for urban security (UA Partnership Action 2): catalogue and matching.

The catalogue is versioned package data (``urbansec_lib/catalogues/funding.yaml``; schema in
the file's header). Its ``themes`` use the ids of the framework's six dimensions, so a city's
weak dimensions (from its self-assessment profile) can be matched with instruments that fund
work on them (:func:`match`), optionally with the peer cities that are strong there (the
learning partners of :func:`urbansec_lib.peers.learning_partners`).

Facts that the compilers could not confirm are marked ``verify`` in the catalogue and carried
into every output: read the official page and the current call before relying on them. The
catalogue does not judge eligibility.

Example
-------
>>> cat = load_catalogue()
>>> "isf_2021_2027" in cat.table()["id"].tolist()
True
>>> m = match(["urban_security"])
>>> sorted(m["instrument_id"])[:2]
['eui_2021_2027', 'horizon_europe_cluster3']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping
from ..engine.catalogue import DIMENSIONS as _DIMENSIONS

__all__ = [
    "CATALOGUE_PATH",
    "DIMENSIONS",
    "FundingCatalogue",
    "load_catalogue",
    "match",
]

CATALOGUE_PATH = Path(__file__).resolve().parents[1] / "catalogues" / "funding.yaml"
#: Theme vocabulary: the dimension ids of the packaged framework (one definition, with the
#: catalogue of existing indices; a test keeps them in step with the framework).
DIMENSIONS = _DIMENSIONS
_FIELDS = (
    "id",
    "name",
    "programme_period",
    "managing_body",
    "eligible_applicants",
    "themes",
    "tags",
    "typical_grant",
    "link",
    "verify",
    "notes",
)
_OPTIONAL = ("tags", "verify", "notes")
_REQUIRED = tuple(f for f in _FIELDS if f not in _OPTIONAL)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PERIOD_RE = re.compile(r"^(\d{4})-(\d{4})$")
_URL_RE = re.compile(r"^https://[A-Za-z0-9.-]+\.[a-z]{2,}(/\S*)?$")
_SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class FundingCatalogue:
    """A loaded funding catalogue.

    Attributes
    ----------
    name, version : str
    applicant_types : dict
        Applicant type id -> description.
    instruments : tuple of dict
        One mapping per instrument (keys as in the YAML; ``verify`` normalised to a tuple of
        field names, ``("all",)`` for ``verify: true``).

    Examples
    --------
    >>> cat = load_catalogue()
    >>> cat.version, len(cat.instruments), "local_authorities" in cat.applicant_types
    ('1.0.0', 8, True)
    >>> cat.table()[["id", "name"]].iloc[0].tolist()
    ['isf_2021_2027', 'Internal Security Fund (ISF)']
    """

    name: str
    version: str
    applicant_types: dict[str, str]
    instruments: tuple[dict[str, Any], ...]
    path: str = ""

    def table(self) -> pd.DataFrame:
        """One row per instrument (lists joined with ``"; "``), in catalogue order."""
        rows = []
        for ins in self.instruments:
            r = {k: ins.get(k) for k in _FIELDS}
            for k in ("eligible_applicants", "themes", "tags", "verify"):
                r[k] = "; ".join(ins.get(k) or ())
            rows.append(r)
        return pd.DataFrame(rows, columns=list(_FIELDS))


def load_catalogue(path: str | Path | None = None) -> FundingCatalogue:
    """Load and validate a funding catalogue (default the packaged one).

    Long because: one validation pass over every entry and field, kept in one piece so that the
    problems keep the order of the file.

    Raises
    ------
    ValidationError
        Every problem located by YAML path (``instruments[3].themes[1]``): missing fields,
        unknown theme (not a dimension id) or applicant type, malformed period or link,
        duplicate ids, ``verify`` naming an unknown field, missing or malformed version.

    Examples
    --------
    >>> cat = load_catalogue()  # the packaged catalogue
    >>> cat.name
    'EU funding instruments for urban security in public spaces'
    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "catalogue.yaml"
    >>> _ = bad.write_text("version: one\\napplicant_types: {}\\ninstruments: []\\n")
    >>> try:
    ...     load_catalogue(bad)
    ... except ValidationError as e:
    ...     print(len(e.problems), sorted(p.column for p in e.problems))
    3 ['applicant_types', 'instruments', 'version']
    """
    path = Path(path) if path is not None else CATALOGUE_PATH
    f = str(path)
    raw = read_yaml_mapping(path, f)
    problems: list[Problem] = []

    def bad(where: str, value: Any, expected: str) -> None:
        problems.append(Problem(f, None, where, value, expected))

    version = str(raw.get("version", ""))
    if not _SEMVER_RE.match(version):
        bad("version", raw.get("version"), "a semantic version such as 1.0.0")
    types = raw.get("applicant_types")
    if not isinstance(types, dict) or not types:
        bad("applicant_types", types, "a mapping of applicant type id -> description")
        types = {}
    items = raw.get("instruments")
    if not isinstance(items, list) or not items:
        bad("instruments", items, "a non-empty list of instruments")
        items = []
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for i, ins in enumerate(items):
        w = f"instruments[{i}]"
        if not isinstance(ins, dict):
            bad(w, ins, "a mapping")
            continue
        for k in ins:
            if k not in _FIELDS:
                bad(f"{w}.{k}", k, f"one of the fields {', '.join(_FIELDS)}")
        for k in _REQUIRED:
            v = ins.get(k)
            if v is None or (isinstance(v, (str, list)) and not v):
                bad(f"{w}.{k}", None, "a value (required field)")
        iid = ins.get("id")
        if iid is not None and (not isinstance(iid, str) or not _ID_RE.match(iid) or iid in seen):
            bad(f"{w}.id", iid, "a unique id of lower-case letters, digits, underscores")
        seen.add(str(iid))
        per = str(ins.get("programme_period") or "")
        m = _PERIOD_RE.match(per)
        if per and (not m or int(m.group(1)) > int(m.group(2))):
            bad(f"{w}.programme_period", per, "a period YYYY-YYYY")
        link = ins.get("link")
        if link and (not isinstance(link, str) or not _URL_RE.match(link)):
            bad(f"{w}.link", link, "an https:// URL of the official home page")
        for k, vocab, what in (
            ("themes", DIMENSIONS, "a dimension id"),
            ("eligible_applicants", tuple(types), "an applicant type id"),
        ):
            v = ins.get(k)
            if v is None:
                continue
            if not isinstance(v, list):
                bad(f"{w}.{k}", v, "a list")
                continue
            for j, x in enumerate(v):
                if x not in vocab:
                    bad(f"{w}.{k}[{j}]", x, f"{what} ({', '.join(vocab)})")
        tags = ins.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            bad(f"{w}.tags", tags, "a list of free-text tags")
            tags = []
        ver = ins.get("verify", False)
        if ver is True:
            verify: tuple[str, ...] = ("all",)
        elif ver is False or ver is None:
            verify = ()
        elif isinstance(ver, list) and all(x in _FIELDS for x in ver):
            verify = tuple(ver)
        else:
            bad(f"{w}.verify", ver, "true, false or a list of field names")
            verify = ("all",)
        rec = {k: ins.get(k) for k in _FIELDS}
        rec.update(
            tags=tuple(tags),
            verify=verify,
            themes=tuple(ins.get("themes") or ()),
            eligible_applicants=tuple(ins.get("eligible_applicants") or ()),
        )
        for k in ("managing_body", "typical_grant", "notes", "name"):
            if isinstance(rec.get(k), str):
                rec[k] = " ".join(rec[k].split())
        out.append(rec)
    if problems:
        raise ValidationError(problems, what=f)
    return FundingCatalogue(
        name=str(raw.get("name", "")),
        version=version,
        applicant_types={str(k): str(v) for k, v in types.items()},
        instruments=tuple(out),
        path=f,
    )


def match(
    weak_dimensions: Iterable[str] | pd.Series | pd.DataFrame,
    catalogue: FundingCatalogue | str | Path | None = None,
    learning_partners: pd.DataFrame | None = None,
    applicant: str | None = None,
) -> pd.DataFrame:
    """Instruments whose themes cover each weak dimension (+ peers strong there).

    Long because: the docstring documents the matching rules and every column (35 lines); the code
    is 67.

    Parameters
    ----------
    weak_dimensions : iterable of str, Series, or DataFrame with a ``node_id`` column
        Dimension ids where the unit is weak (e.g. below its peers' median).
    catalogue : FundingCatalogue or path, optional
        Default the packaged catalogue.
    learning_partners : DataFrame, optional
        Columns ``node_id`` and ``partner_id`` (as returned by
        :func:`urbansec_lib.peers.learning_partners`): the partners listed for a dimension are
        added as a comma-separated ``learning_partners`` column.
    applicant : str, optional
        Keep only instruments listing this applicant type (e.g. ``local_authorities``).

    Returns
    -------
    DataFrame
        dimension, instrument_id, name, programme_period, managing_body,
        eligible_applicants, typical_grant, link, verify, tags[, learning_partners];
        dimensions in the order given and instruments in catalogue order (never ranked).
        ``attrs["catalogue_version"]`` holds the catalogue version.

    Raises
    ------
    ValueError
        A weak dimension that is not a dimension id, or an unknown applicant type.

    Example
    -------
    >>> lp = pd.DataFrame({"node_id": ["social_cohesion"], "partner_id": ["BE212"]})
    >>> m = match(["social_cohesion"], learning_partners=lp)
    >>> m["learning_partners"].unique().tolist()
    ['BE212']
    """
    cat = catalogue if isinstance(catalogue, FundingCatalogue) else load_catalogue(catalogue)
    if isinstance(weak_dimensions, pd.DataFrame):
        weak = list(weak_dimensions["node_id"])
    else:
        weak = list(weak_dimensions)
    weak = list(dict.fromkeys(str(w) for w in weak))
    unknown = [w for w in weak if w not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension(s) {unknown}; expected ids among {DIMENSIONS}")
    if applicant is not None and applicant not in cat.applicant_types:
        raise ValueError(
            f"unknown applicant type {applicant!r}; known: {', '.join(cat.applicant_types)}"
        )
    rows = []
    for dim in weak:
        for ins in cat.instruments:
            if dim not in ins["themes"]:
                continue
            if applicant is not None and applicant not in ins["eligible_applicants"]:
                continue
            rows.append(
                {
                    "dimension": dim,
                    "instrument_id": ins["id"],
                    "name": ins["name"],
                    "programme_period": ins["programme_period"],
                    "managing_body": ins["managing_body"],
                    "eligible_applicants": "; ".join(ins["eligible_applicants"]),
                    "typical_grant": ins["typical_grant"],
                    "link": ins["link"],
                    "verify": "; ".join(ins["verify"]),
                    "tags": "; ".join(ins["tags"]),
                }
            )
    cols = [
        "dimension",
        "instrument_id",
        "name",
        "programme_period",
        "managing_body",
        "eligible_applicants",
        "typical_grant",
        "link",
        "verify",
        "tags",
    ]
    out = pd.DataFrame(rows, columns=cols)
    if learning_partners is not None:
        missing = {"node_id", "partner_id"} - set(learning_partners.columns)
        if missing:
            raise ValueError(
                f"learning_partners needs columns node_id, partner_id (missing {sorted(missing)})"
            )
        lp = (
            learning_partners.dropna(subset=["partner_id"])
            .groupby("node_id", sort=False)["partner_id"]
            .agg(lambda s: ", ".join(dict.fromkeys(map(str, s))))
        )
        out["learning_partners"] = out["dimension"].map(lp).fillna("")
    out.attrs["catalogue_version"] = cat.version
    return out
