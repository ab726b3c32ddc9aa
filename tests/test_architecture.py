"""The layout rules of docs/architecture.md, checked on the source: which room may
import which, no import circles, and no module over its size limit without a reason
stated at its top.  Each rule also gets a broken input that it must catch."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, List, Optional, Set

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "abi"
C_DIR = PKG / "c_reference"
PY_LIMIT, C_LIMIT = 400, 600
REASON = re.compile(r"over (?:about )?\d+ lines", re.I)

# room -> the rooms it may import (a room imports itself freely)
ROOMS = {
    "abi.core": {"abi.core"},  # the ABI: layout, faults, rules, descriptor, exit codes; pure
    "abi.toolchain": set(),  # finding a C compiler: used by the engine's on-demand build and by verify
    "abi.engine": {"abi.core", "abi.toolchain"},
    "abi.verify": {"abi.core", "abi.toolchain"},
    "abi.conformance": {"abi.core", "abi.toolchain", "abi.engine"},
    "abi.devtools": {"abi.core"},
    "abi.model": {"abi.core", "abi.toolchain"},  # the SPIN model of section 7 and its runner
    "abi.api": {"abi.core", "abi.engine", "abi.conformance"},  # abi/__init__.py, compatibility modules
    "abi.cli": {"abi.core", "abi.toolchain", "abi.engine", "abi.verify", "abi.conformance", "abi.devtools",
                "abi.model"},
}
CORE = {"abi.layout", "abi.faults", "abi.features", "abi.rules", "abi.descriptor", "abi.exit_codes"}
API = {"abi", "abi.c_engine", "abi.peer"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def room(mod: str) -> str:
    if mod in CORE:
        return "abi.core"
    if mod in API:
        return "abi.api"
    if mod in ("abi.cli", "abi.__main__"):
        return "abi.cli"
    return ".".join(mod.split(".")[:2])


def python_modules() -> Dict[str, Path]:
    return {module_name(p): p for p in PKG.rglob("*.py")
            if "c_reference" not in p.parts and "vectors" not in p.parts}


def imports_of(source: str, mod: str, known: Set[str]) -> Set[str]:
    """Every abi module ``mod`` imports, at any depth of the code, except under
    ``if TYPE_CHECKING:`` (annotations only)."""
    tree = ast.parse(source)
    skip: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            skip.update(id(n) for b in node.body for n in ast.walk(b))
    found: Set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("abi"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = mod.split(".") if module_name_is_package(mod, known) else mod.split(".")[:-1]
                pkg = pkg[:len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            if not base.startswith("abi"):
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if sub in known else base)
    found.discard(mod)
    return found


def module_name_is_package(mod: str, known: Set[str]) -> bool:
    return any(k.startswith(mod + ".") for k in known)


def graph(sources: Optional[Dict[str, str]] = None) -> Dict[str, Set[str]]:
    if sources is None:
        sources = {m: p.read_text() for m, p in python_modules().items()}
    known = set(sources)
    return {m: imports_of(src, m, known) & known for m, src in sources.items()}


def cycles(g: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on: Set[str] = set()
    out: List[List[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
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

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def violations(g: Dict[str, Set[str]]) -> List[str]:
    bad = []
    for mod, deps in sorted(g.items()):
        r = room(mod)
        allowed = ROOMS[r] | {r}
        bad += [f"{mod} ({r}) imports {d} ({room(d)})" for d in sorted(deps) if room(d) not in allowed]
    return bad


def too_long(paths: List[Path], limit: int) -> List[str]:
    out = []
    for p in paths:
        text = p.read_text()
        n = text.count("\n")
        if n > limit and not REASON.search(text[:1500]):
            shown = p.relative_to(ROOT) if ROOT in p.parents else p
            out.append(f"{shown}: {n} lines, over {limit}, and no reason at its top")
    return out


def test_every_module_lives_in_a_room_with_rules():
    assert {room(m) for m in python_modules()} <= set(ROOMS)


def test_no_import_circles():
    assert cycles(graph()) == []


def test_rooms_import_only_what_they_may():
    """The runtime imports nothing from verify, conformance or the dev tools."""
    assert violations(graph()) == []


def test_no_module_over_its_size_limit_without_a_reason():
    assert too_long(sorted(python_modules().values()), PY_LIMIT) == []
    assert too_long(sorted(C_DIR.glob("*.c")), C_LIMIT) == []


def test_the_checks_catch_what_they_are_for(tmp_path):
    sources = {"abi.engine.a": "from abi.engine import b\n", "abi.engine.b": "import abi.engine.a\n",
               "abi.engine.c": "from abi.conformance import d\n", "abi.conformance.d": "",
               "abi.engine.e": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                               "    from abi.conformance import d\n"}
    g = graph(sources)
    assert cycles(g) == [["abi.engine.a", "abi.engine.b"]]
    assert violations(g) == ["abi.engine.c (abi.engine) imports abi.conformance.d (abi.conformance)"]
    long = tmp_path / "long.py"
    long.write_text('"""A module."""\n' + "x = 1\n" * 401)
    reasoned = tmp_path / "reasoned.py"
    reasoned.write_text('"""A module, over 400 lines: one table."""\n' + "x = 1\n" * 401)
    assert [line.split(":")[0] for line in too_long([long, reasoned], PY_LIMIT)] == [str(long)]
