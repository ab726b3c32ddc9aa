"""The ABI's design rules, checked on a ctypes structure (docs/spec.md, "Layout rules").

Each check returns a list of problems, one sentence each, naming the structure and
field; an empty list means the rule holds.  ``check_all`` runs every rule.
"""

from __future__ import annotations

import ctypes
from typing import Any, Callable, List

from abi import layout

# The only scalar types a shared structure may use: fixed width, no bool, no long.
FIXED_WIDTH = (ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64,
               ctypes.c_int8, ctypes.c_int16, ctypes.c_int32, ctypes.c_int64)
_FIXED_SIZES = {ctypes.sizeof(t) for t in FIXED_WIDTH}


def size_multiple_of_8(cls: Any) -> List[str]:
    d = layout.describe(cls)
    return [] if d.size % 8 == 0 else [f"sizeof(struct {d.c_name}) is {d.size}, not a multiple of 8"]


def no_holes(cls: Any) -> List[str]:
    """Every byte belongs to a named field: no implicit padding inside or at the tail."""
    d = layout.describe(cls)
    problems, end = [], 0
    for f in d.fields:
        if f.offset > end:
            problems.append(f"struct {d.c_name}: implicit padding of {f.offset - end} byte(s) "
                            f"at offset {end}, before {f.name}")
        end = max(end, f.offset + f.size)
    if d.size > end:
        problems.append(f"struct {d.c_name}: implicit tail padding of {d.size - end} byte(s) "
                        f"at offset {end}")
    return problems


def naturally_aligned(cls: Any) -> List[str]:
    """Each field's offset is a multiple of its element size (8 for nested structures),
    so that no ABI, whatever alignment it gives a type, moves it."""
    d = layout.describe(cls)
    problems = []
    for f in d.fields:
        align = 8 if f.struct else f.elem_size
        if f.offset % align:
            problems.append(f"struct {d.c_name}.{f.name}: offset {f.offset} is not a multiple "
                            f"of its natural alignment {align}")
    return problems


def fixed_width_only(cls: Any) -> List[str]:
    """Only fixed-width integers, arrays of them and nested structures; no bitfields,
    pointers, bool, long, size_t, floats; little-endian; no _pack_."""
    d = layout.describe(cls)
    problems = []
    if not d.little_endian:
        problems.append(f"struct {d.c_name}: not a LittleEndianStructure")
    if getattr(cls, "_pack_", None) is not None:
        problems.append(f"struct {d.c_name}: uses _pack_")
    for entry in cls._fields_:
        name = entry[0]
        if len(entry) > 2:
            problems.append(f"struct {d.c_name}.{name}: is a bitfield")
            continue
        elem, _ = layout.member_type(cls, name)
        if isinstance(elem, type) and issubclass(elem, ctypes.Structure):
            problems += fixed_width_only(elem)
            continue
        simple = getattr(elem, "_type_", "")
        # ctypes type codes of fixed-width unsigned/signed integers (B b H h I i L l Q q);
        # '?' is bool, 'P'/'z' pointers, 'f'/'d' floats.
        if not (isinstance(simple, str) and simple in "BbHhIiLlQq" and len(simple) == 1
                and ctypes.sizeof(elem) in _FIXED_SIZES and elem.__name__ != "c_bool"):
            problems.append(f"struct {d.c_name}.{name}: type {elem.__name__} is not a "
                            "fixed-width integer")
        elif elem.__name__ in ("c_long", "c_ulong") and elem not in FIXED_WIDTH:
            problems.append(f"struct {d.c_name}.{name}: type {elem.__name__} is long")
    return problems


def has_reserved(cls: Any) -> List[str]:
    """Every structure keeps must-be-zero reserved space for growth, or names the
    field it grows by (``_growth_``: a per-message header grows by new values of a
    field old readers refuse, not by bytes every message would carry)."""
    d = layout.describe(cls)
    if any(f.name.startswith("reserved") for f in d.fields):
        return []
    growth = getattr(cls, "_growth_", None)
    if growth in {f.name for f in d.fields}:
        return []
    return [f"struct {d.c_name}: has no reserved field for growth"]


RULES: List[Callable[[Any], List[str]]] = [
    size_multiple_of_8, no_holes, naturally_aligned, fixed_width_only, has_reserved,
]


def check_all(cls: Any) -> List[str]:
    return [p for rule in RULES for p in rule(cls)]
