"""Random ctypes structures written as Python source (so that their ``_fields_`` can
be read back, as a user's can): scalars of every written name, arrays, nested
structures, unions, bit-fields, ``_pack_``, big-endian structures, a structure
derived from another.  ``source(seed, count)`` is a module whose ``STRUCTS`` lists
them; the same seed gives the same module on every interpreter.
"""

from __future__ import annotations

import random
from typing import List

SCALARS = ["c_char", "c_byte", "c_ubyte", "c_short", "c_ushort", "c_int", "c_uint", "c_long", "c_ulong",
           "c_longlong", "c_ulonglong", "c_float", "c_double", "c_bool", "c_wchar", "c_void_p",
           "c_char_p", "c_size_t", "c_ssize_t", "c_int8", "c_uint8", "c_int16", "c_uint16", "c_int32",
           "c_uint32", "c_int64", "c_uint64", "ctypes.POINTER(ctypes.c_int)"]
# Types ctypes takes bit-fields of (and their widths in bits).
BITS = {"c_byte": 8, "c_ubyte": 8, "c_short": 16, "c_ushort": 16, "c_int": 32, "c_uint": 32,
        "c_long": 0, "c_int8": 8, "c_uint8": 8, "c_int16": 16, "c_uint16": 16, "c_int32": 32,
        "c_uint32": 32, "c_int64": 64, "c_uint64": 64}
# Types a swapped (other-endian) structure takes.
SWAPPABLE = ["c_byte", "c_ubyte", "c_short", "c_ushort", "c_int", "c_uint", "c_longlong", "c_int16",
             "c_uint16", "c_int32", "c_uint32", "c_int64", "c_uint64", "c_float", "c_double"]


def _scalar(rng: random.Random, pool: List[str]) -> str:
    name = rng.choice(pool)
    return name if name.startswith("ctypes.") else f"ctypes.{name}"


def source(seed: int, count: int) -> str:
    rng = random.Random(seed)
    lines = ["import ctypes", ""]
    made: List[str] = []  # native-order structures and unions, usable as members
    bases: List[str] = []  # native-order structures (a union derived from a union can be
    # smaller than its base's members in ctypes 3.9-3.13: not a layout a user can use)
    for i in range(count):
        name = f"S{i}"
        kind = rng.choice(["Structure"] * 5 + ["Union", "BigEndianStructure", "derived"])
        swapped = kind == "BigEndianStructure"
        base = f"ctypes.{kind}" if kind != "derived" or not bases else rng.choice(bases)
        if kind == "derived" and not bases:
            base = "ctypes.Structure"
        lines.append(f"class {name}({base}):")
        pack = rng.choice([0, 0, 0, 1, 2, 4, 8])
        if pack:
            lines.append(f"    _pack_ = {pack}")
        if rng.random() < 0.1:
            lines.append(f"    _align_ = {rng.choice([8, 16, 32])}  # (3.13+; earlier ctypes ignores it)")
        lines.append("    _fields_ = [")
        for j in range(rng.randint(1, 7)):
            member = f"{name.lower()}_{j}"  # unique: a derived structure keeps its base's
            roll = rng.random()
            pool = SWAPPABLE if swapped else SCALARS
            if roll < 0.35:
                bit_types = [t for t in BITS if (not swapped or t in SWAPPABLE)]
                t = rng.choice(bit_types)
                width = BITS[t] or 32
                lines.append(f"        ({member!r}, ctypes.{t}, {rng.randint(1, width)}),")
            elif roll < 0.5:
                lines.append(f"        ({member!r}, {_scalar(rng, pool)} * {rng.randint(1, 4)}),")
            elif roll < 0.6 and made and not swapped:
                nested = rng.choice(made)
                lines.append(f"        ({member!r}, {nested}{' * 2' if rng.random() < 0.3 else ''}),")
            else:
                lines.append(f"        ({member!r}, {_scalar(rng, pool)}),")
        lines += ["    ]", ""]
        if not swapped:
            made.append(name)
            if kind != "Union":
                bases.append(name)
    lines.append(f"STRUCTS = [{', '.join(f'S{i}' for i in range(count))}]")
    return "\n".join(lines) + "\n"
