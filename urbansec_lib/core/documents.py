"""YAML and JSON documents, bounded and strict: duplicate keys, NaN/infinity, alias bombs,
self-referencing anchors and deep nesting are located errors; unknown keys name the
nearest valid one.

Example
-------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "fw.yaml"
>>> _ = p.write_text("a: 1\\na: 2\\n")
>>> try:
...     read_yaml(p)
... except Exception as e:
...     print(e.problems[0].expected)
each key once per mapping (also in line 1: a duplicate key silently drops one of them)
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .bounds import DEFAULT_LIMITS, Limits, _fatal, _human, decode_text, read_bytes
from .errors import Problem, ValidationError

# ================================================================== YAML
try:  # pragma: no cover - the C parser is optional
    import yaml
except ImportError:  # pragma: no cover
    yaml = None  # type: ignore[assignment]


class _YamlStop(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def _make_loader():
    """Long because: the strict YAML loader is one class, built once, whose overridden methods
    check duplicate keys, NaN, aliases and depth.
    """

    class Loader(yaml.SafeLoader):
        pass

    # YAML 1.2 floats: 1e400, 1.5e3 (YAML 1.1 would read them as strings)
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"),
    )

    def compose_node(self, parent, index):
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > self._limits.max_yaml_depth:
                mark = self.peek_event().start_mark
                raise _YamlStop(
                    Problem(
                        self._label,
                        mark.line + 1,
                        None,
                        f"nesting deeper than {self._limits.max_yaml_depth}",
                        f"at most {self._limits.max_yaml_depth} levels of nesting",
                    )
                )
            if self.check_event(yaml.AliasEvent):
                self._aliases = getattr(self, "_aliases", 0) + 1
                if self._aliases > self._limits.max_yaml_aliases:
                    mark = self.peek_event().start_mark
                    raise _YamlStop(
                        Problem(
                            self._label,
                            mark.line + 1,
                            None,
                            f"more than {self._limits.max_yaml_aliases} aliases",
                            f"at most {self._limits.max_yaml_aliases} alias references (*name)",
                        )
                    )
            return yaml.SafeLoader.compose_node(self, parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for k, _v in node.value:
                if k.tag == "tag:yaml.org,2002:merge":
                    continue
                if isinstance(k, yaml.ScalarNode):
                    key = (
                        self.construct_scalar(k)
                        if k.tag == "tag:yaml.org,2002:str"
                        else (self.construct_object(k))
                    )
                    try:
                        hash(key)
                    except TypeError:
                        continue
                    if key in seen:
                        self._problems.append(
                            Problem(
                                self._label,
                                k.start_mark.line + 1,
                                str(key),
                                str(key),
                                f"each key once per mapping (also in line {seen[key]}: "
                                "a duplicate key silently drops one of them)",
                            )
                        )
                    else:
                        seen[key] = k.start_mark.line + 1
        return yaml.SafeLoader.construct_mapping(self, node, deep=deep)

    def construct_yaml_float(self, node):
        v = yaml.SafeLoader.construct_yaml_float(self, node)
        if not math.isfinite(v):
            self._problems.append(
                Problem(
                    self._label,
                    node.start_mark.line + 1,
                    None,
                    node.value,
                    "a finite number (NaN and infinity are not accepted)",
                )
            )
        return v

    Loader.compose_node = compose_node
    Loader.construct_mapping = construct_mapping
    Loader.add_constructor("tag:yaml.org,2002:float", construct_yaml_float)
    return Loader


_LOADER = None


def _expanded_size(node, limits: Limits, label: str) -> None:
    """Count the nodes of the alias-expanded document (memoised); refuse cycles."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(n) -> int:
        key = id(n)
        if key in memo:
            return memo[key]
        if key in active:
            raise _YamlStop(
                Problem(
                    label,
                    n.start_mark.line + 1,
                    None,
                    "an anchor used inside itself",
                    "an alias (*name) that refers to a completed node, not to one of its own "
                    "parents (a self-referencing anchor never ends)",
                )
            )
        active.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            total += sum(size(c) for c in n.value)
        elif isinstance(n, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        active.discard(key)
        memo[key] = total
        if total > limits.max_yaml_nodes:
            raise _YamlStop(
                Problem(
                    label,
                    n.start_mark.line + 1,
                    None,
                    f"more than {limits.max_yaml_nodes} values once aliases are expanded",
                    f"a document of at most {limits.max_yaml_nodes} values (nested aliases "
                    "multiply: this looks like a 'billion laughs' file)",
                )
            )
        return total

    size(node)


def read_yaml(
    path: str | Path | None = None,
    *,
    text: str | None = None,
    label: str | None = None,
    mapping: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> Any:
    """Read one YAML document safely, with located errors.

    Refuses (as :class:`ValidationError`, row = the line): a directory, a missing or too
    large file, non-UTF-8 bytes, invalid YAML, duplicate keys, NaN / infinity (also
    ``1e400``), more aliases than ``limits.max_yaml_aliases``, a document that expands to
    more than ``limits.max_yaml_nodes`` values, a self-referencing anchor, nesting deeper
    than ``limits.max_yaml_depth``; with ``mapping`` (default) a document that is not a
    mapping. Only plain data is built (``!!python/...`` tags are refused).

    Example
    -------
    >>> read_yaml(text="a: 1\\nb: .nan\\na: 2\\n", label="x.yaml")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 2 problem(s) in x.yaml:
      - x.yaml, row 2: got '.nan', expected a finite number (NaN and infinity are not accepted)
      - x.yaml, row 3, column 'a': got 'a', expected each key once per mapping (also in line 1: ...
    """
    if yaml is None:  # pragma: no cover
        raise ImportError("pyyaml is required")
    if text is None:
        if path is None:
            raise TypeError("give path or text")
        label = label or str(path)
        data = read_bytes(path, label, limits.max_yaml_bytes)
        text, _enc = decode_text(data, label, allow_legacy=False)
    label = label or "<yaml>"
    if len(text) > limits.max_yaml_bytes:
        raise _fatal(label, _human(len(text)), f"a file of at most {_human(limits.max_yaml_bytes)}")
    key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), label, limits)
    if key in _PARSED:  # the same text read again (a framework per report): parse once
        doc = copy.deepcopy(_PARSED[key])
    else:
        doc = _parse(text, label, limits)
        if len(text) <= _CACHE_MAX_CHARS:
            _PARSED[key] = copy.deepcopy(doc)
            while len(_PARSED) > _CACHE_DOCS:
                _PARSED.pop(next(iter(_PARSED)))
    if mapping and not isinstance(doc, dict):
        raise _fatal(label, type(doc).__name__, "a YAML mapping (key: value lines)")
    return doc


#: Parsed documents by (text hash, label, limits): a document is a pure function of its
#: text, so a text read again (the framework, once per report) is parsed once per process.
_PARSED: dict[tuple, Any] = {}
_CACHE_DOCS = 32
_CACHE_MAX_CHARS = 2 << 20


def _parse(text: str, label: str, limits: Limits) -> Any:
    """Parse ``text`` with the bounded, strict loader (see :func:`read_yaml`)."""
    global _LOADER
    if _LOADER is None:
        _LOADER = _make_loader()
    loader = _LOADER(text)
    loader._label = label
    loader._limits = limits
    loader._problems = []
    try:
        node = loader.get_single_node()
        if node is None:
            doc = None
        else:
            _expanded_size(node, limits, label)
            doc = loader.construct_document(node)
    except _YamlStop as exc:
        raise ValidationError([exc.problem], label) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise _fatal(label, str(exc).splitlines()[0], "valid YAML", row=row) from None
    except RecursionError:
        raise _fatal(label, "nesting too deep", "less deeply nested YAML") from None
    finally:
        loader.dispose()
    if loader._problems:
        raise ValidationError(sorted(loader._problems, key=lambda p: p.row or 0), label)
    return doc


def read_json(path: str | Path, label: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Read a JSON file with located errors (size, encoding, syntax with its line, depth,
    NaN / infinity refused).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> _ = p.write_text('{"a": 1,\\n "b": }')
    >>> read_json(p, "m.json")
    Traceback (most recent call last):
    ...
    urbansec_lib.core.errors.ValidationError: 1 problem(s) in m.json:
      - m.json, row 2: got 'Expecting value', expected valid JSON
    """
    label = label or str(path)
    data = read_bytes(path, label, limits.max_yaml_bytes)
    text, _ = decode_text(data, label, allow_legacy=False)

    def bad_constant(c: str) -> Any:
        raise ValueError(c)

    depth = 0
    for ch in text:  # cheap bracket depth before json's recursive decoder sees it
        if ch in "[{":
            depth += 1
            if depth > limits.max_yaml_depth:
                raise _fatal(label, "nesting too deep", f"at most {limits.max_yaml_depth} levels")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text, parse_constant=bad_constant)
    except json.JSONDecodeError as exc:
        raise _fatal(label, exc.msg, "valid JSON", row=exc.lineno) from None
    except ValueError as exc:
        raise _fatal(label, str(exc), "valid JSON without NaN or Infinity") from None
    except RecursionError:
        raise _fatal(label, "nesting too deep", "less deeply nested JSON") from None


def check_keys(
    d: dict,
    allowed: Iterable[str],
    where: str,
    bad: Callable[[str, Any, str], None],
) -> None:
    """Report every key of ``d`` not in ``allowed`` through ``bad(path, key, expected)``,
    with the nearest valid name.

    Example
    -------
    >>> found = []
    >>> check_keys({"wieght": 1, "id": "x"}, ["id", "weight"], "dimensions[0]",
    ...            lambda *a: found.append(a))
    >>> found
    [('dimensions[0].wieght', 'wieght', "a known field: did you mean 'weight'? (known: id, weight)")]
    """
    allowed = list(allowed)
    for k in d:
        if k in allowed:
            continue
        near = difflib.get_close_matches(str(k), allowed, 1, 0.6)
        known = ", ".join(sorted(allowed))
        exp = (
            f"a known field: did you mean {near[0]!r}? (known: {known})"
            if near
            else f"a known field ({known})"
        )
        bad(f"{where}.{k}", k, exp)


def finite_number(
    value: Any,
    where: str,
    bad: Callable[[str, Any, str], None],
    low: float | None = None,
    high: float | None = None,
    default: float | None = None,
) -> float | None:
    """``value`` as a finite float within ``[low, high]``, else report it and return
    ``default`` (booleans, strings, NaN, infinity and ``1e400`` are refused).

    Example
    -------
    >>> finite_number(float("inf"), "w", lambda *a: print(a), low=0)
    ('w', inf, 'a finite number >= 0')
    """
    exp = "a finite number" + (
        f" from {low:g} to {high:g}"
        if low is not None and high is not None
        else f" >= {low:g}"
        if low is not None
        else ""
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        bad(where, value, exp)
        return default
    try:
        v = float(value)
    except OverflowError:
        bad(where, value, exp)
        return default
    if not math.isfinite(v) or (low is not None and v < low) or (high is not None and v > high):
        bad(where, value, exp)
        return default
    return v


def read_yaml_mapping(path, file: str | None = None) -> dict:
    """Read a YAML file that must hold a mapping, with located errors.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    file : str, optional
        How the file is named in problems (default: the path as given).

    Raises
    ------
    ValidationError
        Unreadable file, invalid YAML (with the line as ``row``), or not a mapping; and
        everything :func:`urbansec_lib.ingest.read_yaml` refuses (duplicate keys, NaN /
        infinity, alias bombs, self-referencing anchors, deep nesting, non-UTF-8 bytes).

    Example
    -------
    >>> try:
    ...     read_yaml_mapping("missing.yaml")
    ... except ValidationError as e:
    ...     print(e.problems[0].file)
    missing.yaml
    """
    return read_yaml(path, label=file or str(path), mapping=True)
