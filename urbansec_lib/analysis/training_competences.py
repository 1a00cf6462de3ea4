"""The competence framework of the training evaluation: areas and their items, from YAML.

Part of :mod:`urbansec_lib.analysis.training` (its public face).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import Problem, ValidationError
from ..core.ingest import read_yaml_mapping

COMPETENCES_PATH = Path(__file__).resolve().parents[1] / "instruments" / "competences.yaml"

# --------------------------------------------------------------------------------------------
# Competence framework
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetenceArea:
    """One competence area with its self-assessment items (id -> statement).

    Examples
    --------
    >>> a = load_competences().areas[0]
    >>> a.id, a.name, list(a.items)[:2]
    ('integrated_security', 'Integrated urban security', ['is_1', 'is_2'])
    """

    id: str
    name: str
    items: dict[str, str]


@dataclass(frozen=True)
class Competences:
    """The competence framework: areas, items, staff profiles and the rating scale.

    Examples
    --------
    >>> c = load_competences()
    >>> c.items.shape, c.scale, list(c.profiles)[:2]
    ((16, 4), (1, 5), ['security_coordinator', 'urban_planner'])
    >>> c.matrix().loc["Urban security coordinator", "integrated_security"]
    'core'
    """

    name: str
    version: str
    areas: tuple[CompetenceArea, ...]
    profiles: dict[str, dict[str, Any]]
    scale: tuple[int, int] = (1, 5)
    path: str = ""

    @property
    def items(self) -> pd.DataFrame:
        """Tidy frame: area, area_name, item, text (framework order)."""
        rows = [(a.id, a.name, i, t) for a in self.areas for i, t in a.items.items()]
        return pd.DataFrame(rows, columns=["area", "area_name", "item", "text"])

    def area_names(self) -> dict[str, str]:
        return {a.id: a.name for a in self.areas}

    def matrix(self) -> pd.DataFrame:
        """Profiles x areas: ``core`` / ``supporting`` / empty."""
        cols = [a.id for a in self.areas]
        rows = {
            p["name"]: [
                "core" if a in p["core"] else ("supporting" if a in p["supporting"] else "")
                for a in cols
            ]
            for p in self.profiles.values()
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def load_competences(path: str | Path | None = None) -> Competences:
    """Load the competence framework (default the packaged ``instruments/competences.yaml``).

    Raises
    ------
    ValidationError
        Every problem located by YAML path (``areas[2].items[0].id``).

    Example
    -------
    >>> c = load_competences()
    >>> [a.id for a in c.areas][:2]
    ['integrated_security', 'crime_prevention']
    """
    path = Path(path) if path is not None else COMPETENCES_PATH
    f = str(path)
    raw = read_yaml_mapping(path, f)
    problems: list[Problem] = []
    areas: list[CompetenceArea] = []
    seen_items: set[str] = set()
    for i, a in enumerate(raw.get("areas") or []):
        w = f"areas[{i}]"
        if not isinstance(a, dict) or not a.get("id") or not a.get("name"):
            problems.append(Problem(f, None, w, a, "an area with id and name"))
            continue
        items: dict[str, str] = {}
        lst = a.get("items") or []
        if not 2 <= len(lst) <= 3:
            problems.append(Problem(f, None, f"{w}.items", len(lst), "2 or 3 items per area"))
        for j, it in enumerate(lst):
            iid = it.get("id") if isinstance(it, dict) else None
            if not iid or iid in seen_items or not (it.get("text") or "").strip():
                problems.append(
                    Problem(f, None, f"{w}.items[{j}]", it, "an item with a unique id and a text")
                )
                continue
            seen_items.add(iid)
            items[iid] = it["text"].strip()
        areas.append(CompetenceArea(str(a["id"]), str(a["name"]), items))
    if not areas:
        problems.append(Problem(f, None, "areas", raw.get("areas"), "a list of areas"))
    area_ids = {a.id for a in areas}
    profiles: dict[str, dict[str, Any]] = {}
    for i, p in enumerate(raw.get("profiles") or []):
        w = f"profiles[{i}]"
        if not isinstance(p, dict) or not p.get("id") or not p.get("name"):
            problems.append(Problem(f, None, w, p, "a profile with id and name"))
            continue
        for k in ("core", "supporting"):
            unknown = [x for x in (p.get(k) or []) if x not in area_ids]
            if unknown:
                problems.append(Problem(f, None, f"{w}.{k}", unknown, "ids of areas"))
        profiles[p["id"]] = {
            "name": p["name"],
            "core": list(p.get("core") or []),
            "supporting": list(p.get("supporting") or []),
        }
    sc = raw.get("scale") or {}
    if problems:
        raise ValidationError(problems, what=f)
    return Competences(
        name=str(raw.get("name", "")),
        version=str(raw.get("version", "")),
        areas=tuple(areas),
        profiles=profiles,
        scale=(int(sc.get("min", 1)), int(sc.get("max", 5))),
        path=f,
    )
