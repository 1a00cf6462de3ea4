"""Privacy safeguards: keyed pseudonyms, identifier stripping, small-cell suppression, scans.

Respondent-level survey data must never reach a report (DESIGN.md, invariant 3). This module
holds the four safeguards the survey import and the report pipeline use:

* :func:`pseudonymise` replaces respondent ids by a keyed hash (HMAC-SHA256). Without the key
  a pseudonym cannot be linked back to the submission id, and with another key the same
  respondent gets another pseudonym (so two projects cannot join their data by accident).
* :func:`load_key` finds the secret key outside the repository (env var or a 0600 key file).
* :func:`strip_identifiers` removes direct identifiers and free text (names, e-mails, phone
  numbers, addresses, GPS, comments, text questions not in the framework) or moves them to a
  side file the user chooses, readable by the owner only.
* :func:`suppress` masks aggregates over fewer than ``min_n`` respondents.
* :func:`scan_html` searches a rendered report for things that must not be there.

Limits: suppression is per cell only (no complementary suppression against differencing
between overlapping tables); pseudonyms are not anonymisation in the GDPR sense — the
processed data stays personal data while the key exists.

Example
-------
>>> ids = ["uuid-1", "uuid-2", "uuid-1"]
>>> p = pseudonymise(ids, key=b"0123456789abcdef0123456789abcdef")
>>> p.iloc[0] == p.iloc[2], p.iloc[0].startswith("r_"), len(p.iloc[0])
(True, True, 18)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..core.defaults import MIN_N
from .privacy_scan import (  # the report scan, re-exported: one public face
    MIN_UNITS,
    PSEUDONYM_RE,
    Finding,
    scan_html,
    scan_results,
    secondary_suppress,
)

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "DEFAULT_KEY_FILE",
    "PSEUDONYM_RE",
    "PseudonymKeyError",
    "Finding",
    "pseudonymise",
    "key_fingerprint",
    "load_key",
    "is_identifier",
    "identifier_columns",
    "strip_identifiers",
    "suppress",
    "secondary_suppress",
    "scan_html",
    "scan_results",
    "MIN_UNITS",
]


#: Environment variable holding the pseudonymisation key itself.
KEY_ENV = "URBANSEC_PSEUDONYM_KEY"
#: Environment variable naming the key file.
KEY_FILE_ENV = "URBANSEC_KEY_FILE"
#: Default key file (outside any repository).
DEFAULT_KEY_FILE = Path("~/.config/urbansec/pseudonym.key")
_MIN_KEY_BYTES = 16


class PseudonymKeyError(RuntimeError):
    """The pseudonymisation key is missing or unusable.

    Raised by :func:`load_key`, :func:`pseudonymise` and :func:`key_fingerprint`; the
    message says how to provide a key.

    Examples
    --------
    >>> pseudonymise(["uuid-1"], key="too short")
    Traceback (most recent call last):
    ...
    urbansec_lib.inputs.privacy.PseudonymKeyError: the pseudonymisation key must be at least 16 bytes (use load_key(create=True) to make a random one)
    """


# ------------------------------------------------------------------ pseudonyms
def _key_bytes(key: bytes | str) -> bytes:
    if isinstance(key, str):
        key = key.strip().encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or len(key) < _MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"the pseudonymisation key must be at least {_MIN_KEY_BYTES} bytes "
            "(use load_key(create=True) to make a random one)"
        )
    return bytes(key)


def pseudonymise(ids: Iterable, key: bytes | str) -> pd.Series:
    """Keyed pseudonyms for respondent ids: ``"r_" + HMAC-SHA256(key, id)[:16]`` (hex).

    Parameters
    ----------
    ids : iterable or Series
        Source ids (e.g. Kobo ``_uuid``). Converted to ``str``; missing ids stay missing.
    key : bytes or str
        The secret key (>= 16 bytes), see :func:`load_key`.

    Returns
    -------
    Series of str
        Same index as ``ids`` when it is a Series. Deterministic for a key; another key
        gives unrelated pseudonyms. 64 bits of the MAC are kept: collisions are negligible
        below millions of respondents.

    Examples
    --------
    >>> pseudonymise(["a"], "k" * 16).iloc[0]  # doctest: +ELLIPSIS
    'r_...'
    """
    k = _key_bytes(key)
    s = ids if isinstance(ids, pd.Series) else pd.Series(list(ids), dtype=object)
    miss = s.isna().to_numpy()
    uniq = pd.unique(s[~miss].astype(str).to_numpy(dtype=object)).tolist()
    # one HMAC per distinct id (hashing cannot be vectorised further)
    macs = {u: "r_" + hmac.digest(k, u.encode("utf-8"), "sha256").hex()[:16] for u in uniq}
    out = s.astype(object).copy()
    out[~miss] = s[~miss].astype(str).map(macs)
    out[miss] = None
    return out.astype(object).rename(s.name)


def key_fingerprint(key: bytes | str) -> str:
    """A short, non-secret fingerprint of the key (to notice a key change in manifests).

    Parameters
    ----------
    key : bytes or str
        The pseudonymisation key (>= 16 bytes; a ``str`` is stripped and UTF-8 encoded).

    Returns
    -------
    str
        12 hex digits of an HMAC of a fixed text: the same for the same key, without
        revealing it.

    Raises
    ------
    PseudonymKeyError
        When the key is too short.

    Examples
    --------
    >>> key_fingerprint("k" * 16), key_fingerprint(b"k" * 16), key_fingerprint("x" * 16)
    ('4998ec5b712c', '4998ec5b712c', '1bd3227a95bc')
    """
    return hmac.new(_key_bytes(key), b"urbansec-key-fingerprint", hashlib.sha256).hexdigest()[:12]


def _in_git_repo(path: Path) -> bool:
    return any((p / ".git").exists() for p in path.parents)


def load_key(create: bool = False) -> bytes:
    """Return the pseudonymisation key.

    Looks in ``$URBANSEC_PSEUDONYM_KEY`` first, then in the key file named by
    ``$URBANSEC_KEY_FILE`` (default ``~/.config/urbansec/pseudonym.key``).

    Parameters
    ----------
    create : bool
        When no key exists, write a random 256-bit key (hex) to the key file with
        permissions 0600 and return it. Default ``False``: refuse.

    Raises
    ------
    PseudonymKeyError
        No key and ``create=False``, or the key is too short.

    Notes
    -----
    Keep the key out of the repository and back it up with the raw data: losing it means
    a re-import produces new pseudonyms that cannot be linked to the old ones.

    Examples
    --------
    A key file in a fresh folder (the environment is restored afterwards):

    >>> import tempfile
    >>> from unittest import mock
    >>> key_file = Path(tempfile.mkdtemp()) / "pseudonym.key"
    >>> with mock.patch.dict(os.environ, {KEY_FILE_ENV: str(key_file)}):
    ...     _ = os.environ.pop(KEY_ENV, None)
    ...     load_key()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    urbansec_lib.inputs.privacy.PseudonymKeyError: no pseudonymisation key: set $URBANSEC_PSEUDONYM_KEY, or point $URBANSEC_KEY_FILE at a key file, or create one at .../pseudonym.key with load_key(create=True) (CLI: urbansec key init). Keep it outside the repository and back it up.
    >>> with mock.patch.dict(os.environ, {KEY_FILE_ENV: str(key_file)}):
    ...     _ = os.environ.pop(KEY_ENV, None)
    ...     key = load_key(create=True)
    ...     len(key), oct(key_file.stat().st_mode & 0o777), load_key() == key
    (64, '0o600', True)

    ``$URBANSEC_PSEUDONYM_KEY`` wins over any key file:

    >>> with mock.patch.dict(os.environ, {KEY_ENV: "k" * 16}):
    ...     load_key()
    b'kkkkkkkkkkkkkkkk'
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return _key_bytes(env)
    path = Path(os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE).expanduser()
    if path.exists():
        if _in_git_repo(path.resolve()):
            warnings.warn(
                f"pseudonymisation key file {path} is inside a git repository; move it out",
                stacklevel=2,
            )
        if path.stat().st_mode & 0o077:
            warnings.warn(f"key file {path} is readable by others; chmod 600 it", stacklevel=2)
        return _key_bytes(path.read_bytes().strip())
    if not create:
        raise PseudonymKeyError(
            f"no pseudonymisation key: set ${KEY_ENV}, or point ${KEY_FILE_ENV} at a key file, "
            f"or create one at {path} with load_key(create=True) "
            "(CLI: urbansec key init). Keep it outside the repository and back it up."
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    os.chmod(path, 0o600)
    return key


# ------------------------------------------------------------------ identifiers
#: Name tokens that mark a direct identifier or free text.
IDENTIFIER_TOKENS = frozenset(
    """name names firstname first_name surname lastname last_name fullname full_name
    username user email e_mail mail phone phonenumber telephone tel mobile cell msisdn
    whatsapp address street postcode zipcode zip gps geopoint geoshape geotrace geolocation
    location latitude longitude lat lon lng long altitude accuracy precision coordinates
    comment comments remark remarks note notes free_text freetext text other_specify specify
    deviceid device imei subscriberid simserial ip ip_address submitted_by submitter
    submittername submitterid audit signature photo image audio video""".split()
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_identifier(column: str) -> bool:
    """True when a column name looks like a direct identifier or free text.

    The last path segment (``group/question``) is split into lower-case tokens at
    ``_``, ``-``, spaces and camelCase; the column is an identifier when the whole name or
    any token is in :data:`IDENTIFIER_TOKENS` (``respondent_name``, ``SubmitterName``,
    ``_geolocation``, ``gps_latitude``, ``e-mail``, ``other_comments`` ...).

    Examples
    --------
    >>> is_identifier("contact/e-mail"), is_identifier("SubmitterName"), is_identifier("safe_day")
    (True, True, False)
    """
    last = re.split(r"[/:]", str(column))[-1]
    whole = _CAMEL.sub("_", last).lower().strip("_ ").replace("-", "_").replace(" ", "_")
    if whole in IDENTIFIER_TOKENS:
        return True
    tokens = [t for t in re.split(r"[_\-\s.]+", whole) if t]
    return any(t in IDENTIFIER_TOKENS for t in tokens)


def identifier_columns(columns: Iterable[str], keep: Iterable[str] = ()) -> list[str]:
    """Columns whose names mark identifiers or free text (see :func:`is_identifier`).

    Parameters
    ----------
    columns : iterable of str
        Column names (export headers).
    keep : iterable of str
        Columns never reported (known to be safe).

    Returns
    -------
    list of str
        In the order of ``columns``.

    Examples
    --------
    >>> identifier_columns(["respondent_name", "contact/e-mail", "safe_day", "_geolocation"],
    ...                    keep=["respondent_name"])
    ['contact/e-mail', '_geolocation']
    """
    keep = set(keep)
    return [c for c in columns if c not in keep and is_identifier(c)]


def _is_text(s: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    v = s.dropna().astype(str).str.strip()
    v = v[(v != "") & (v.str.lower() != "n/a")]
    if v.empty:
        return False
    return bool(pd.to_numeric(v, errors="coerce").isna().any())


def _write_private_csv(df: pd.DataFrame, path: Path) -> None:
    from ..core.ingest import write_csv

    write_csv(df, path, private=True)  # 0600, formula prefixes neutralised, atomic


def strip_identifiers(
    df: pd.DataFrame,
    keep_side_file: str | Path | None = None,
    keep: Iterable[str] | None = None,
    id_col: str = "respondent",
) -> pd.DataFrame:
    """Drop direct identifiers and free text; optionally move them to a private side file.

    Parameters
    ----------
    df : DataFrame
        Respondent-level data.
    keep_side_file : path, optional
        Where to write the dropped columns (plus ``id_col`` when present) as CSV with
        permissions 0600. Choose a place outside the repository and outside shared folders.
        ``None`` (default): the columns are discarded.
    keep : iterable of str, optional
        Columns known to be safe (framework questions and metadata). They are never
        dropped; and when ``keep`` is given, every *other* column that holds non-numeric
        text is treated as a free-text question and dropped too.
    id_col : str
        Respondent id column, copied into the side file for linkage.

    Returns
    -------
    DataFrame
        ``df`` without the identifier columns; their names are in
        ``result.attrs["stripped_columns"]``.

    Examples
    --------
    >>> d = pd.DataFrame({"respondent": ["r_1"], "email": ["a@b.eu"], "safe_day": [3]})
    >>> list(strip_identifiers(d).columns)
    ['respondent', 'safe_day']
    """
    keep_set = set(keep) if keep is not None else set()
    keep_set.add(id_col)
    drop = identifier_columns(df.columns, keep=keep_set)
    if keep is not None:
        drop += [c for c in df.columns if c not in keep_set and c not in drop and _is_text(df[c])]
    out = df.drop(columns=drop)
    out.attrs = {**df.attrs, "stripped_columns": list(drop)}
    if keep_side_file is not None and drop:
        cols = ([id_col] if id_col in df.columns else []) + drop
        _write_private_csv(df[cols], Path(keep_side_file))
    return out


# ------------------------------------------------------------------ suppression
def suppress(
    table: pd.DataFrame,
    n_col: str = "n",
    min_n: int = MIN_N,
    value_cols: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Mask aggregates computed from fewer than ``min_n`` respondents.

    Parameters
    ----------
    table : DataFrame
        Aggregates with a respondent count column ``n_col``.
    n_col : str
        The count column (a missing count counts as too small).
    min_n : int
        Threshold (default 10, DESIGN.md invariant 3).
    value_cols : iterable of str, optional
        Columns to mask. Default: ``value`` when present, else every numeric column except
        ``n_col``.

    Returns
    -------
    DataFrame
        A copy with masked values set to NaN and a boolean ``suppressed`` column.

    Examples
    --------
    >>> t = pd.DataFrame({"value": [50.0, 20.0], "n": [30, 4]})
    >>> suppress(t)["value"].tolist(), suppress(t)["suppressed"].tolist()
    ([50.0, nan], [False, True])
    """
    if min_n < 1:
        raise ValueError("min_n must be >= 1")
    if n_col not in table.columns:
        raise KeyError(f"count column {n_col!r} not in table")
    out = table.copy()
    if value_cols is None:
        value_cols = (
            ["value"]
            if "value" in out.columns
            else [
                c
                for c in out.columns
                if c != n_col and c != "suppressed" and pd.api.types.is_numeric_dtype(out[c])
            ]
        )
    n = pd.to_numeric(out[n_col], errors="coerce")
    mask = (n < min_n) | n.isna()
    for c in value_cols:
        out[c] = out[c].astype("float64").mask(mask.to_numpy())
    prev = out["suppressed"].astype(bool) if "suppressed" in out.columns else False
    out["suppressed"] = mask.to_numpy() | prev
    return out
