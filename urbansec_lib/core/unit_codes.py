"""Official unit codes as text: the patterns of Urban Audit city, NUTS and LAU codes, the
check that makes a code safe in a path, and the accent-folding of names for search.

Example
-------
>>> code_kind("ES001C"), code_kind("BE212"), code_kind("PL_0201011")
('city', 'nuts', 'lau')
>>> normalise_name("Toruń")
'torun'
"""

from __future__ import annotations

import re
import unicodedata

from .errors import Problem, ValidationError

#: A unit id safe to use in a path: letters, digits, ``_`` and ``-``, 1-40 characters,
#: starting with a letter or digit (no ``.``, ``/``, ``\\`` or spaces).
UNIT_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")

_CITY_RE = re.compile(r"[A-Z]{2}[0-9]{3}[A-Z]")
_OLD_CITY_RE = re.compile(r"[A-Z]{2}[0-9]{3}[A-Z][0-9]")
_NUTS_RE = re.compile(r"[A-Z]{2}[A-Z0-9]{0,3}")
_LAU_RE = re.compile(r"[A-Z]{2}_[A-Za-z0-9]{1,20}")

#: Units-table columns written by :func:`register_unit` (the layout of ``units.csv``).
UNITS_COLUMNS = (
    "unit_id",
    "name",
    "level",
    "country",
    "nuts3",
    "urau_code",
    "population",
    "population_source",
    "pilot",
    "notes",
)

# Letters that Unicode does not decompose into a base letter + accent.
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ß": "ss", "æ": "ae",
     "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "þ": "th", "ð": "d", "ħ": "h"}
)  # fmt: skip


def normalise_name(text: str) -> str:
    """Accent- and case-insensitive form of a place name, for matching.

    Example
    -------
    >>> normalise_name("Białystok"), normalise_name("  TORUŃ ")
    ('bialystok', 'torun')
    """
    s = unicodedata.normalize("NFKD", str(text).translate(_FOLD))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s.casefold()).strip()


def valid_unit_id(unit_id: object) -> bool:
    """True when ``unit_id`` matches :data:`UNIT_ID_PATTERN` (safe to put in a path).

    Example
    -------
    >>> valid_unit_id("PL013C"), valid_unit_id("BE_21001"), valid_unit_id("../etc")
    (True, True, False)
    """
    return isinstance(unit_id, str) and UNIT_ID_PATTERN.fullmatch(unit_id) is not None


def check_unit_id(unit_id: object, *, source: str = "unit id") -> str:
    """Return ``unit_id`` when it is a safe id, else raise a located :class:`ValidationError`.

    Example
    -------
    >>> check_unit_id("ES001C")
    'ES001C'
    """
    if not valid_unit_id(unit_id):
        raise ValidationError(
            [
                Problem(
                    source,
                    None,
                    "unit_id",
                    unit_id,
                    "a unit code of letters, digits, '_' or '-' (1-40 characters), "
                    "e.g. an Urban Audit code like PL013C or a NUTS code like PL613",
                )
            ],
            source,
        )
    return str(unit_id)


def code_kind(code: str) -> str | None:
    """The kind of official code by its shape: ``city``, ``old_city``, ``nuts``, ``lau``.

    Example
    -------
    >>> code_kind("PL013C"), code_kind("PL013C1"), code_kind("PL613"), code_kind("BE_21001")
    ('city', 'old_city', 'nuts', 'lau')
    """
    code = str(code)
    if _CITY_RE.fullmatch(code):
        return "city"
    if _OLD_CITY_RE.fullmatch(code):
        return "old_city"
    if _LAU_RE.fullmatch(code):
        return "lau"
    if _NUTS_RE.fullmatch(code):
        return "nuts"
    return None
