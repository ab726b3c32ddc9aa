"""Loading a user's ctypes structures: ``--structs SPEC`` of the ABI suite's commands.

``SPEC`` is a module name (``mypkg.wire``) or a Python file (``path/to/wire.py``),
optionally followed by ``:ATTRIBUTE`` (dotted: ``:Outer.Inner``), a structure class or
a sequence of them.
Without an attribute: every ``ctypes.Structure`` and ``ctypes.Union`` subclass the
module defines (not those it imports), in the order it defines them.  A class's C
name is its ``_c_name_`` attribute, else its Python name (:func:`abi.layout.c_name`).
"""

from __future__ import annotations

import ast
import ctypes
import functools
import importlib
import importlib.util
import inspect
import re
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple, Type

StructClass = Type[Any]  # a ctypes.Structure or ctypes.Union subclass


class StructsSpecError(ValueError):
    """``--structs`` names no loadable module, file, attribute or structure."""


def _is_struct(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, (ctypes.Structure, ctypes.Union)) \
        and hasattr(obj, "_fields_")


def module(name: str) -> Any:
    """The module ``name`` names (a module name, or a Python file imported afresh)."""
    if name.endswith(".py") or "/" in name or "\\" in name:
        path = Path(name)
        if not path.is_file():
            raise StructsSpecError(f"--structs {name}: no such file")
        spec = importlib.util.spec_from_file_location(f"shm_signal_structs_{uuid.uuid4().hex}", path)
        if spec is None or spec.loader is None:
            raise StructsSpecError(f"--structs {name}: cannot load it as a Python module")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod  # (dataclasses and typing look their module up)
        try:
            spec.loader.exec_module(mod)
        except Exception as exc:
            raise StructsSpecError(f"--structs {name}: importing it raised "
                                   f"{type(exc).__name__}: {exc}") from exc
        return mod
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise StructsSpecError(f"--structs {name}: no such module ({exc})") from exc
    except Exception as exc:
        raise StructsSpecError(f"--structs {name}: importing it raised {type(exc).__name__}: {exc}") from exc


def split(spec: str) -> Tuple[str, str]:
    """(module or file, attribute or "") of ``spec``; a Windows drive's colon is not
    the separator."""
    where, sep, attr = spec.rpartition(":")
    if sep and all(part.isidentifier() for part in attr.split(".")) and len(where) > 1:
        return where, attr
    return spec, ""


def load(spec: str) -> List[StructClass]:
    """The structure classes ``spec`` names (see the module's text), at least one."""
    where, attr = split(spec)
    mod = module(where)
    if attr:
        value = mod
        for part in attr.split("."):
            if not hasattr(value, part):
                raise StructsSpecError(f"--structs {spec}: {where} has no attribute {attr!r}")
            value = getattr(value, part)
        found = [value] if _is_struct(value) else list(value) if isinstance(value, (list, tuple)) else []
        bad = [repr(v) for v in found if not _is_struct(v)]
        if not found or bad:
            raise StructsSpecError(f"--structs {spec}: expected a ctypes Structure/Union class or a list "
                                   f"of them, got {', '.join(bad) or type(value).__name__}")
        return found
    found = [v for v in vars(mod).values() if _is_struct(v) and v.__module__ == mod.__name__]
    if not found:
        raise StructsSpecError(f"--structs {spec}: {where} defines no ctypes Structure or Union")
    return found


@functools.lru_cache(maxsize=4096)
def source_names(cls: Any) -> Dict[str, str]:
    """Member -> the type as written in the class's ``_fields_`` (``{}`` when the
    source cannot be read or ``_fields_`` is not a literal list), with the module's
    own aliases written out (``u64 = ctypes.c_uint64``; ``u64 * 4`` reads as
    ``ctypes.c_uint64 * 4``).  Cached: a caller must not change the dict."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    aliases = _module_aliases(getattr(cls, "__module__", ""))
    out: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_fields_"
                                                for t in node.targets):
            for elt in getattr(node.value, "elts", []):
                parts = getattr(elt, "elts", [])
                if len(parts) >= 2 and isinstance(parts[0], ast.Constant):
                    out[str(parts[0].value)] = _unalias(ast.unparse(parts[1]), aliases, 0)
    return out


@functools.lru_cache(maxsize=256)
def _module_aliases(name: str) -> Dict[str, str]:
    """Name -> expression of each plain top-level assignment of the module
    (``a, b = x, y`` included)."""
    try:
        tree = ast.parse(inspect.getsource(sys.modules[name]))
    except (KeyError, OSError, TypeError, SyntaxError):
        return {}
    out: Dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        if isinstance(target, ast.Name):
            out[target.id] = ast.unparse(value)
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) \
                and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts):
                if isinstance(t, ast.Name):
                    out[t.id] = ast.unparse(v)
    return out


def _unalias(expr: str, aliases: Dict[str, str], depth: int) -> str:
    if depth > 8:  # (an alias of an alias of ...: give up, as written)
        return expr

    def one(m: Any) -> str:
        name = m.group(0)
        if name not in aliases:
            return name
        value = _unalias(aliases[name], aliases, depth + 1)
        return value if re.fullmatch(r"[\w.]+", value) else f"({value})"

    return re.sub(r"(?<![\w.])[A-Za-z_]\w*", one, expr)


def all_fields(cls: Any) -> List[Tuple[Any, ...]]:
    """Every ``_fields_`` entry of ``cls``, its bases' first (as ctypes lays them out;
    ``cls._fields_`` of a derived structure holds its own only)."""
    return [f for k in reversed(cls.__mro__) for f in vars(k).get("_fields_", ())]


def is_flexible(t: Any) -> bool:
    """An array of length 0: ctypes' way of writing a flexible tail (C's ``x[]``)."""
    return isinstance(t, type) and issubclass(t, ctypes.Array) and int(t._length_) == 0  # type: ignore[call-overload]
