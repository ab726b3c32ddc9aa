"""What ctypes computes on *another* target: the layout (and the sentinel byte image)
of a user's structures as that target's CPython would lay them out.

ctypes takes the size and alignment of each simple type from libffi, i.e. from the C
compiler CPython was built with (the alignment is the member alignment,
``offsetof(struct { char c; T x; }, x)``), and lays structures out by its own rules
(``Modules/_ctypes/stgdict.c`` and ``cfield.c`` of CPython 3.9 to 3.13), quirks
included: a bit-field that widens its storage unit does not raise the structure's
alignment, and a union's bit-fields after the first get negative offsets.  Those
rules are applied here to a :class:`Scalars` table, which the platform matrix takes
from each target's own compiler (``abi.verify.matrix.scalars``).  On this machine the
table of the real ctypes gives the real ctypes' layout exactly
(``tests/test_ctypes_model.py`` holds the model to it over random structures, and to
the 32-bit CPython of the i386 root).

A member's C type on another target comes from how its class was *written*:
ctypes resolves its aliases at import (``c_int64`` is ``c_long`` on 64-bit Linux and
``c_longlong`` on Windows), so the class alone cannot tell; the source of
``_fields_`` can (:func:`abi.verify.structs.source_names`).  Where the source does not
say, an integer is read as the fixed-width type of its size here, and
:func:`layout_on` notes each member where the other reading differs on the target.
"""

from __future__ import annotations

import ctypes
import re
import struct as _struct
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from abi import layout
from abi.verify.structs import all_fields, source_names

# The C types whose sizes and member alignments a target's compiler is asked for.
C_TYPES = ("char", "short", "int", "long", "long long", "float", "double", "long double", "_Bool",
           "wchar_t", "void *", "size_t", "int8_t", "int16_t", "int32_t", "int64_t", "time_t")
# Those of one size on every target.
FIXED_WIDTH = ("int8_t", "int16_t", "int32_t", "int64_t", "float", "double", "char")
# Those a target without a C library may lack (then what uses them is not modelled there).
OPTIONAL_TYPES = ("time_t",)

# A written ctypes name -> the C type it stands for on every target.
_BY_NAME = {
    "c_char": "char", "c_byte": "char", "c_ubyte": "char", "c_short": "short", "c_ushort": "short",
    "c_int": "int", "c_uint": "int", "c_long": "long", "c_ulong": "long", "c_longlong": "long long",
    "c_ulonglong": "long long", "c_float": "float", "c_double": "double", "c_longdouble": "long double",
    "c_bool": "_Bool", "c_wchar": "wchar_t", "c_void_p": "void *", "c_char_p": "void *",
    "c_wchar_p": "void *", "py_object": "void *", "POINTER": "void *", "CFUNCTYPE": "void *",
    "c_size_t": "size_t", "c_ssize_t": "size_t", "c_time_t": "time_t",
    "c_int8": "int8_t", "c_uint8": "int8_t", "c_int16": "int16_t", "c_uint16": "int16_t",
    "c_int32": "int32_t", "c_uint32": "int32_t", "c_int64": "int64_t", "c_uint64": "int64_t",
}
# A ctypes type code -> its C type (when the written name is not known).
_BY_CODE = {"c": "char", "b": "char", "B": "char", "h": "short", "H": "short", "i": "int", "I": "int",
            "l": "long", "L": "long", "q": "long long", "Q": "long long", "f": "float", "d": "double",
            "g": "long double", "?": "_Bool", "u": "wchar_t", "P": "void *", "z": "void *",
            "Z": "void *", "O": "void *", "X": "void *", "v": "short"}
_WRITTEN = re.compile(r"\b(c_\w+|POINTER|CFUNCTYPE|WINFUNCTYPE|py_object)\b")


class ModelError(ValueError):
    """The structure cannot be modelled on that target (a type the table lacks, a
    ctypes version whose rules are not modelled); the message says which."""


class ModelDisagrees(RuntimeError):
    """The model and a real ctypes (the i386 CPython's) lay a structure out differently:
    an error of this tool, never a verdict on the structure."""


@dataclass(frozen=True)
class Scalars:
    """A target as ctypes sees it: C type -> (size, member alignment), its byte order
    and whether it is a Windows CPython (``MS_WIN32``: MSVC's bit-field rules)."""

    types: Dict[str, Tuple[int, int]]
    byte_order: str = "little"
    ms_bitfields: bool = False

    def of(self, c_type: str) -> Tuple[int, int]:
        if c_type not in self.types:
            raise ModelError(f"the size of {c_type} on this target is not known")
        return self.types[c_type]


def host_scalars() -> Scalars:
    """This interpreter's own table (what the model must reproduce here)."""
    t: Dict[str, Any] = {
        "char": ctypes.c_char, "short": ctypes.c_short, "int": ctypes.c_int, "long": ctypes.c_long,
        "long long": ctypes.c_longlong, "float": ctypes.c_float, "double": ctypes.c_double,
        "long double": ctypes.c_longdouble, "_Bool": ctypes.c_bool, "wchar_t": ctypes.c_wchar,
        "void *": ctypes.c_void_p, "size_t": ctypes.c_size_t, "int8_t": ctypes.c_int8,
        "int16_t": ctypes.c_int16, "int32_t": ctypes.c_int32, "int64_t": ctypes.c_int64,
    }
    if hasattr(ctypes, "c_time_t"):  # 3.12+
        t["time_t"] = ctypes.c_time_t
    return Scalars({k: (ctypes.sizeof(v), ctypes.alignment(v)) for k, v in t.items()}, sys.byteorder,
                   sys.platform == "win32")


@dataclass(frozen=True)
class Member:
    name: str
    offset: int
    size: int  # of the member's type (a bit-field: of its storage unit)
    bits: int = 0  # a bit-field's width
    low_bit: int = 0  # its first bit, counted from the unit's least significant bit


@dataclass
class Layout:
    c_name: str
    size: int
    align: int
    byte_order: str
    members: List[Member] = field(default_factory=list)
    # what the model had to guess (not part of the layout: equal layouts compare equal)
    guesses: List[str] = field(default_factory=list, compare=False)

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)


def _big_endian(cls: Any, sc: Scalars) -> bool:
    """A structure with ``_swappedbytes_`` is in the order opposite to this host's
    (``BigEndianStructure`` here); any other is in the target's native order."""
    if hasattr(cls, "_swappedbytes_"):
        return sys.byteorder == "little"
    return sc.byte_order == "big"


def _named(written: Optional[str]) -> Optional[str]:
    m = _WRITTEN.search(written or "")
    return _BY_NAME[m.group(1)] if m and m.group(1) in _BY_NAME else None


_INTS = {"b": ctypes.c_byte, "B": ctypes.c_ubyte, "h": ctypes.c_short, "H": ctypes.c_ushort,
         "i": ctypes.c_int, "I": ctypes.c_uint, "l": ctypes.c_long, "L": ctypes.c_ulong,
         "q": ctypes.c_longlong, "Q": ctypes.c_ulonglong}


def unnamed_integer(t: Any, written: Optional[str]) -> Optional[Tuple[str, str]]:
    """(fixed-width reading, native reading) of an integer member whose source does not
    name its type: ctypes made ``c_int64`` *be* ``c_long`` (64-bit Linux) and
    ``c_int32`` be ``c_int``, so the class cannot tell which was meant."""
    while isinstance(t, type) and issubclass(t, ctypes.Array):
        t = t._type_
    code = getattr(t, "_type_", None)
    if _named(written) is not None or not isinstance(code, str) or code not in _INTS:
        return None
    return f"int{8 * ctypes.sizeof(_INTS[code])}_t", _BY_CODE[code]


def c_type(t: Any, written: Optional[str]) -> str:
    """The C type of the simple (non-array, non-structure) ctypes type ``t``.  An
    integer the source does not name is read as the fixed-width type of its size
    here (what a structure shared between ABIs has; :func:`layout_on` says where
    that guess matters)."""
    named = _named(written)
    if named is not None:
        return named
    if isinstance(t, type) and issubclass(t, (ctypes._Pointer, ctypes._CFuncPtr)):  # type: ignore[attr-defined]
        return "void *"
    guess = unnamed_integer(t, None)
    if guess is not None:
        return guess[0]
    code = getattr(t, "_type_", None)
    if isinstance(code, str) and code in _BY_CODE:
        return _BY_CODE[code]
    raise ModelError(f"{getattr(t, '__name__', t)!r} is not a ctypes type the model knows")


def _type_of(t: Any, written: Optional[str], sc: Scalars) -> Tuple[int, int]:
    """(size, alignment) of a member type on the target, as ctypes would have it."""
    if isinstance(t, type) and issubclass(t, ctypes.Array):
        size, align = _type_of(t._type_, written, sc)
        return size * int(t._length_), align  # type: ignore[call-overload]
    if isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union)):
        lay = layout_on(t, sc)
        return lay.size, lay.align
    return sc.of(c_type(t, written))


def layout_on(cls: Any, sc: Scalars) -> Layout:
    """``cls`` laid out by the ctypes of the target ``sc`` describes (CPython 3.9-3.13)."""
    if sys.version_info >= (3, 14):
        raise ModelError("the ctypes layout rules of Python 3.14 and later are not modelled yet")
    big = _big_endian(cls, sc)
    is_struct = not issubclass(cls, ctypes.Union)
    base = cls.__mro__[1]
    size = offset = 0
    total_align = 1
    members: List[Member] = []
    guesses: List[str] = []
    if issubclass(base, (ctypes.Structure, ctypes.Union)) and hasattr(base, "_fields_"):
        inherited = layout_on(base, sc)  # a derived structure continues its base's
        size = offset = inherited.size
        total_align = inherited.align or 1
        members = list(inherited.members)
        guesses = list(inherited.guesses)
    pack = int(getattr(cls, "_pack_", 0) or 0)
    written = source_names(cls)
    field_size = bitofs = 0  # the open bit-field unit, in bits, and the next free bit in it
    union_size = 0
    align = 0
    for f in vars(cls).get("_fields_", ()):
        name, t = f[0], f[1]
        bitsize = int(f[2]) if len(f) > 2 else 0
        tsize, talign = _type_of(t, written.get(name), sc)
        guess = unnamed_integer(t, written.get(name))
        if guess is not None and sc.of(guess[0]) != sc.of(guess[1]):
            guesses.append(f"{layout.c_name(cls)}.{name}: the source does not name its integer type "
                           f"(ctypes made {guess[0]} and {guess[1]} one type here): read as {guess[0]}, "
                           f"{sc.of(guess[0])[0]} bytes on this target ({guess[1]}: {sc.of(guess[1])[0]})")
        elem = t
        while isinstance(elem, type) and issubclass(elem, ctypes.Array):
            elem = elem._type_
        if isinstance(elem, type) and issubclass(elem, (ctypes.Structure, ctypes.Union)):
            guesses += [g for g in layout_on(elem, sc).guesses if g not in guesses]
        if not is_struct:
            size = offset = align = 0
        # cfield.c, PyCField_FromDesc: which kind of field this is
        fits = tsize * 8 == field_size if sc.ms_bitfields else tsize * 8 <= field_size
        if bitsize and field_size and fits and bitofs + bitsize <= field_size:
            kind = "cont"
        elif not sc.ms_bitfields and bitsize and field_size and tsize * 8 >= field_size \
                and bitofs + bitsize <= tsize * 8:
            kind = "expand"
        elif bitsize:
            kind = "new"
            bitofs, field_size = 0, tsize * 8
        else:
            kind = "none"
            bitofs = field_size = 0
        if kind in ("new", "none"):
            low = field_size - bitofs - bitsize if big else bitofs
            if kind == "new":
                bitofs = bitsize
            a = min(pack, talign) if pack else talign
            if a and offset % a:
                delta = a - offset % a
                size += delta
                offset += delta
            at = offset
            size += tsize
            offset += tsize
            align = a
        else:
            if kind == "expand":
                offset += tsize - field_size // 8
                size += tsize - field_size // 8
                field_size = tsize * 8
            low = field_size - bitofs - bitsize if big else bitofs
            at = offset - tsize
            bitofs += bitsize
        members.append(Member(name, at, tsize, bitsize, low if bitsize else 0))
        if not is_struct:
            union_size = max(size, union_size)
        total_align = max(align, total_align)
    if sys.version_info >= (3, 13):  # (_align_ is 3.13's; earlier ctypes ignores it)
        total_align = max(total_align, int(getattr(cls, "_align_", 0) or 0))
    if not is_struct:
        size = union_size
    size = -(-size // total_align) * total_align
    return Layout(layout.c_name(cls), size, total_align, "big" if big else "little", members, guesses)


def real_layout(cls: Any) -> Layout:
    """``cls`` as this interpreter's ctypes laid it out (what the model must equal here)."""
    members = []
    for f in all_fields(cls):
        d = getattr(cls, f[0])
        if len(f) > 2:
            members.append(Member(f[0], int(d.offset), ctypes.sizeof(f[1]), d.size >> 16, d.size & 0xFFFF))
        else:
            members.append(Member(f[0], int(d.offset), int(d.size)))
    order = "big" if _big_endian(cls, host_scalars()) else "little"
    return Layout(layout.c_name(cls), ctypes.sizeof(cls), ctypes.alignment(cls), order, members)


def difference(mine: Layout, theirs: Layout) -> str:
    """The first way two layouts of one structure differ, both values given."""
    for what in ("size", "align", "byte_order"):
        if getattr(mine, what) != getattr(theirs, what):
            return f"{what} {getattr(mine, what)} against {getattr(theirs, what)}"
    for a, b in zip(mine.members, theirs.members):
        if a != b:
            return f"{a} against {b}"
    return f"{len(mine.members)} members against {len(theirs.members)}"


def _written(cls: Any) -> Dict[str, str]:
    """Member -> its type as written, each from the class that declares it (a
    derived structure's source holds its own members only)."""
    out: Dict[str, str] = {}
    for k in reversed(cls.__mro__):
        if "_fields_" in vars(k):
            out.update(source_names(k))
    return out


def image_on(cls: Any, sc: Scalars) -> bytes:
    """The byte image the target's ctypes would give after the binding probe's
    sentinel stores (:func:`abi.verify.binding.stores`), each in the byte order of
    the structure it is in."""
    from abi.verify.binding import stores  # the one list of stores, shared with the probe

    lays: Dict[Any, Layout] = {}

    def lay(k: Any) -> Layout:
        if k not in lays:
            lays[k] = layout_on(k, sc)
        return lays[k]

    buf = bytearray(lay(cls).size)
    for s in stores(cls):
        at, t, owner, written = 0, cls, cls, None
        member: Optional[Member] = None
        for step in s.path:
            if isinstance(step, int):
                t = t._type_
                at += step * _type_of(t, written, sc)[0]
            else:
                owner = t
                member = lay(owner).member(step)
                at += member.offset
                t = {f[0]: f[1] for f in all_fields(owner)}[step]
                written = _written(owner).get(step)
        size = _type_of(t, written, sc)[0]
        bits = member if member is not None and member.bits and isinstance(s.path[-1], str) else None
        if bits is not None and bits.low_bit >= 8 * max(size, 4):
            # ctypes' own rules put it there, and its C shift (in int, or the type's own
            # width if wider) is then undefined; bits shifted past the unit are dropped
            raise ModelError(f"ctypes places {layout.c_name(owner)}.{bits.name} at bit {bits.low_bit} of a "
                             f"{size}-byte unit: what it stores there is undefined")
        _store(buf, at, size, s.value, bits, lay(owner).byte_order)
    return bytes(buf)


def _store(buf: bytearray, at: int, size: int, value: Any, bitfield: Optional[Member], order: str) -> None:
    if isinstance(value, float):
        raw = _struct.pack((">" if order == "big" else "<") + ("f" if size == 4 else "d"), value)
    else:
        v = value[0] if isinstance(value, bytes) else ord(value) if isinstance(value, str) else int(value)
        if bitfield is not None:
            unit = int.from_bytes(buf[at:at + size], order)  # type: ignore[arg-type]
            mask = (1 << bitfield.bits) - 1
            v = (unit & ~(mask << bitfield.low_bit)) | ((v & mask) << bitfield.low_bit)
        raw = (v & ((1 << (8 * size)) - 1)).to_bytes(size, order)  # type: ignore[arg-type]
    buf[at:at + size] = raw
