"""The package's layers: each may import only from the layers before it, and no cycles.

The rule (CONTRIBUTING.md): ``core -> model -> inputs -> engine -> methods -> presentation
-> analysis -> study -> publish -> cli``. Imports inside functions count as much as those at
the top of a module (a deferred import is still a dependency); only imports under
``if TYPE_CHECKING:`` are left out.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import urbansec_lib as us

PKG = Path(us.__file__).resolve().parent
LAYERS = list(us.LAYERS)


def _modules() -> dict[str, Path]:
    """Dotted name (``inputs.survey``, ``cli``) -> file, for every library module."""
    out = {"cli": PKG / "cli" / "__init__.py"}
    out |= {f"cli.{f.stem}": f for f in sorted((PKG / "cli").glob("*.py")) if f.stem != "__init__"}
    for layer in LAYERS:
        for f in sorted((PKG / layer).glob("*.py")):
            if f.stem != "__init__":
                out[f"{layer}.{f.stem}"] = f
    return out


def _resolve(name: str) -> str | None:
    """``survey``/``inputs.survey``/``inputs`` (relative to the package) -> ``inputs.survey``."""
    parts = name.split(".")
    if parts[0] in us._MODULES:
        return f"{us._MODULES[parts[0]]}.{parts[0]}"
    if parts[0] in LAYERS and len(parts) > 1 and parts[1] in us._MODULES:
        return f"{parts[0]}.{parts[1]}"
    return None


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    return skip


def imports_of(dotted: str, path: Path) -> set[str]:
    """Library modules imported by one module (relative and absolute, anywhere in it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    pkg_parts = dotted.split(".")[:-1]  # the module's package, relative to urbansec_lib
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        bases: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level:
            up = pkg_parts[: len(pkg_parts) - (node.level - 1)]
            base = ".".join([*up, *([node.module] if node.module else [])])
            if node.module:
                bases.append(base)
            bases += [f"{base}.{a.name}".lstrip(".") for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("urbansec_lib"):
            base = node.module.removeprefix("urbansec_lib").lstrip(".")
            bases += [base] if base else []
            bases += [f"{base}.{a.name}".lstrip(".") for a in node.names]
        elif isinstance(node, ast.Import):
            bases += [
                a.name.removeprefix("urbansec_lib.")
                for a in node.names
                if a.name.startswith("urbansec_lib.")
            ]
        for b in bases:
            target = _resolve(b)
            if target and target != dotted:
                out.add(target)
    return out


def _layer(dotted: str) -> int:
    return len(LAYERS) if dotted.split(".")[0] == "cli" else LAYERS.index(dotted.split(".")[0])


GRAPH = {m: imports_of(m, p) for m, p in _modules().items()}


def test_every_module_is_in_a_layer():
    flat = sorted(p.name for p in PKG.glob("*.py") if p.stem not in {"__init__", "cli", "_lazy"})
    assert flat == [], f"modules outside the layers: {flat}"
    assert {m.split(".")[-1] for m in GRAPH if m.split(".")[0] != "cli"} == set(us._MODULES)


def test_layer_rule():
    bad = sorted(
        f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
        for m, targets in GRAPH.items()
        for t in targets
        if _layer(t) > _layer(m)
    )
    assert bad == [], "imports against the layer rule:\n" + "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert imports_of("study.pipeline", PKG / "study" / "pipeline.py") >= {"model.framework"}


def test_layer_rule_catches_an_upward_import(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from ..publish import reports\n")
    assert imports_of("core.x", f) == {"publish.reports"}


@pytest.mark.parametrize("short", sorted(us._MODULES))
def test_short_and_layered_names_are_one_module(short):
    layered = importlib.import_module(f"urbansec_lib.{us._MODULES[short]}.{short}")
    assert importlib.import_module(f"urbansec_lib.{short}") is layered
    assert getattr(us, short) is layered
    assert getattr(getattr(us, us._MODULES[short]), short) is layered


def test_public_names_resolve():
    for name in us.__all__:
        assert getattr(us, name) is not None
    from urbansec_lib.framework import load_framework
    from urbansec_lib.scoring import score

    assert load_framework is us.load_framework and score is us.score


# ------------------------------------------------------------------ the demo package
#: ``urbansec_lib.demo`` (the demo's data simulators) is not a layer: no library module may
#: import it, except this lazy alias: a module-level ``__getattr__`` in these modules keeps a
#: simulator's old name working (with a DeprecationWarning) and imports ``demo`` only when
#: the old name is used.
DEMO_ALIASES = {
    "inputs.survey": {"simulate_responses", "DEMO_AREAS"},
    "analysis.outcomes": {"simulate_survey", "simulate_incidents", "simulate_rollout"},
}


def _demo_references(dotted: str, path: Path) -> list[tuple[int, bool]]:
    """(line, inside a module-level ``__getattr__``) of every reference to ``demo``: imports
    (relative or absolute) and ``import_module``/``__import__`` strings naming it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    alias_nodes: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            alias_nodes |= {id(n) for n in ast.walk(node)}
    pkg_parts = dotted.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                up = pkg_parts[: len(pkg_parts) - (node.level - 1)]
                base = ".".join([*up, *([node.module] if node.module else [])])
            else:
                base = (node.module or "").removeprefix("urbansec_lib").lstrip(".")
                if not (node.module or "").startswith("urbansec_lib"):
                    continue
            names = [base, *(f"{base}.{a.name}".lstrip(".") for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name.removeprefix("urbansec_lib.") for a in node.names]
            names = [n for n, a in zip(names, node.names) if a.name.startswith("urbansec_lib.")]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(("urbansec_lib.demo", ".demo", "..demo")):
                names = [node.value.removeprefix("urbansec_lib.").lstrip(".")]
        if any(n == "demo" or n.startswith("demo.") for n in names):
            out.append((node.lineno, id(node) in alias_nodes))
    return out


def test_no_library_module_imports_demo():
    bad = []
    for dotted, path in _modules().items():
        for line, in_alias in _demo_references(dotted, path):
            if not (in_alias and dotted in DEMO_ALIASES):
                bad.append(f"{dotted}:{line}")
    assert bad == [], "library modules importing urbansec_lib.demo:\n" + "\n".join(bad)


def test_demo_finder_sees_imports(tmp_path):
    f = tmp_path / "x.py"
    f.write_text(
        "import importlib\nfrom ..demo import survey\n"
        "def __getattr__(name):\n    from ..demo.outcomes import simulate_survey\n"
        "def g():\n    importlib.import_module('urbansec_lib.demo.survey')\n"
    )
    assert _demo_references("inputs.x", f) == [(2, False), (4, True), (6, False)]


def test_demo_is_not_a_layer():
    assert "demo" not in LAYERS and "demo" not in us._MODULES.values()
    assert (PKG / "demo" / "__init__.py").is_file()


@pytest.mark.parametrize(
    "module, name", sorted((m, n) for m, names in DEMO_ALIASES.items() for n in names)
)
def test_demo_aliases_warn_and_resolve(module, name):
    import warnings

    old = importlib.import_module(f"urbansec_lib.{module}")
    new = importlib.import_module(f"urbansec_lib.demo.{module.split('.')[-1]}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert getattr(old, name) is getattr(new, name)
    assert [w.category for w in caught] == [DeprecationWarning]
    assert f"urbansec_lib.demo.{module.split('.')[-1]}.{name}" in str(caught[0].message)


# ------------------------------------------------------------ one room per concept (size)
MAX_MODULE_LINES = 620  # "about 600": a split is due before a module grows past this
MAX_FUNCTION_LINES = 80  # of code (docstring excluded), unless the docstring says why


def _code_lines(node: ast.AST) -> int:
    body = list(getattr(node, "body", []))
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(getattr(body[0], "value", None), ast.Constant)
    ):
        body = body[1:]
    if not body:
        return 0
    return body[-1].end_lineno - body[0].lineno + 1


def test_no_module_over_about_600_lines():
    big = {m: p.read_text(encoding="utf-8").count("\n") for m, p in _modules().items()}
    assert {m: n for m, n in big.items() if n > MAX_MODULE_LINES} == {}


def test_long_functions_say_why():
    long = []
    for m, p in _modules().items():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = _code_lines(node)
                if n > MAX_FUNCTION_LINES and "Long because" not in (ast.get_docstring(node) or ""):
                    long.append(f"{m}.{node.name} ({n} lines)")
    assert long == []


def test_one_definition_of_each_default():
    """The project's seed and suppression threshold are written once, in core/defaults.py;
    every other module takes them from there (a literal copy would drift). Docstrings and
    their examples do not count."""
    from urbansec_lib.core import defaults

    def is_min_n(arg_name: str, value: ast.AST | None) -> bool:
        return (
            arg_name == "min_n"
            and isinstance(value, ast.Constant)
            and value.value == defaults.MIN_N
        )

    copies = []
    for m, p in _modules().items():
        if m == "core.defaults":
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) is int:
                if node.value == defaults.SEED:
                    copies.append(f"{m}:{node.lineno} the seed")
            elif isinstance(node, ast.arguments):
                args = [*node.posonlyargs, *node.args]
                pos = list(zip(args[len(args) - len(node.defaults) :], node.defaults))
                kw = list(zip(node.kwonlyargs, node.kw_defaults))
                copies += [f"{m}:{a.lineno} min_n" for a, d in pos + kw if is_min_n(a.arg, d)]
            elif isinstance(node, ast.keyword) and is_min_n(node.arg or "", node.value):
                copies.append(f"{m}:{node.value.lineno} min_n")
    assert copies == []
