"""``shm-signal header``: a C header from ctypes structures, for a Python-first project
to hand its peers (the style of ``abi/c_reference/shm_signal.h``).

The header freezes the layout ctypes computes here into a form every ABI lays out
the same way:

* fixed-width types only: an integer ctypes type becomes ``intN_t``/``uintN_t`` of its
  size here, with a comment where the Python type's size depends on the ABI
  (``c_long``, ``c_size_t``, pointers, ``c_bool``, ``c_wchar``);
* every byte named: implicit padding, between fields and at the tail, becomes an
  explicit ``uint8_t _padN[K]`` member (the 2009 review's "suggest explicit padding");
* ``_pack_`` as ``#pragma pack``; unions as unions; bit-fields as their storage unit,
  a plain integer (where each bit-field's bits go differs between ABIs);
* ``_Static_assert`` (``static_assert`` in C++) of every structure's size and every
  member's offset, so that a compiler whose layout differs refuses the header.

Byte order is not C's to say: a ``BigEndianStructure`` (or a little-endian one on a
big-endian host) is marked in a comment, and its multi-byte fields keep their types.
"""

from __future__ import annotations

import ctypes
import re
from typing import Any, Iterator, List, Sequence, Tuple

from abi import layout
from abi.verify import ctypes_model
from abi.verify.structs import all_fields, is_flexible, source_names

# ctypes type codes with a size that depends on the ABI (the header freezes this host's).
_ABI_DEPENDENT = {"l": "long", "L": "unsigned long", "P": "void *", "z": "char *", "Z": "wchar_t *",
                  "?": "bool", "u": "wchar_t", "g": "long double"}
_FLOATS = {"f": "float", "d": "double"}


class HeaderError(ValueError):
    """A structure the generator cannot express in C (it says which and why)."""


def _is_record(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union))


def _scalar(t: Any, where: str) -> Tuple[str, str]:
    """(C type, comment) of a scalar ctypes type, as laid out here."""
    size = ctypes.sizeof(t)
    code = getattr(t, "_type_", None)
    if isinstance(code, type) or code in ("P", "z", "Z"):  # a pointer
        return f"uint{8 * size}_t", f"a pointer here ({size} bytes): its size depends on the ABI"
    if not isinstance(code, str):
        raise HeaderError(f"{where}: {t.__name__} is not a scalar ctypes type")
    if code in _FLOATS:
        return _FLOATS[code], ""
    if code == "g":
        raise HeaderError(f"{where}: c_longdouble has no fixed-width C type")
    if code in ("c", "b", "h", "i", "l", "q", "B", "H", "I", "L", "Q", "?", "u"):
        signed = code in ("b", "h", "i", "l", "q")
        ctype = f"{'' if signed else 'u'}int{8 * size}_t"
        note = f"{t.__name__} here: {_ABI_DEPENDENT[code]}, whose size depends on the ABI" \
            if code in _ABI_DEPENDENT else ("c_char" if code == "c" else "")
        return ctype, note
    raise HeaderError(f"{where}: ctypes type code {code!r} ({t.__name__}) has no C type here")


def _element(t: Any) -> Tuple[Any, List[int]]:
    """The innermost element type of a (possibly nested) array type, and its dims."""
    dims: List[int] = []
    while isinstance(t, type) and issubclass(t, ctypes.Array):
        dims.append(int(t._length_))  # type: ignore[call-overload]
        t = t._type_
    return t, dims


def _order(structs: Sequence[Any]) -> List[Any]:
    """The structures, and those they contain, each after what it contains."""
    out: List[Any] = []

    def visit(cls: Any, path: Tuple[Any, ...]) -> None:
        if cls in out:
            return
        if cls in path:
            raise HeaderError(f"struct {layout.c_name(cls)} contains itself")
        for f in cls._fields_:
            elem, _ = _element(f[1])
            if _is_record(elem):
                visit(elem, path + (cls,))
        out.append(cls)

    for cls in structs:
        visit(cls, ())
    return out


def _keyword(cls: Any) -> str:
    return "union" if issubclass(cls, ctypes.Union) else "struct"


def _bit_place(desc: Any) -> Tuple[int, int]:
    """(first bit, number of bits) of a bit-field member, within its storage unit."""
    if hasattr(desc, "bit_size"):  # Python 3.14+
        return int(desc.bit_offset), int(desc.bit_size)
    return int(desc.size) & 0xFFFF, int(desc.size) >> 16  # before: (bits << 16) | first bit


def _fixed_width(t: Any, written: Any) -> bool:
    """Whether the source names a fixed-width type for ``t`` (``c_int64``, ``c_uint8``)."""
    try:
        return ctypes_model.c_type(t, written) in ctypes_model.FIXED_WIDTH if written else False
    except ctypes_model.ModelError:
        return False


def members(cls: Any) -> Iterator[Tuple[str, int, str]]:
    """(C declaration, offset, comment) of each member, with the explicit padding
    ctypes left implicit.  Bit-fields that share a storage unit become that unit, a
    plain integer named after them, their bits in the comment: where a compiler puts
    a bit-field's bits differs between ABIs (MSVC and System V, and ctypes before
    3.14 follows neither everywhere), a plain integer's place does not."""
    name = layout.c_name(cls)
    union = issubclass(cls, ctypes.Union)
    end, pads = 0, 0
    fields = all_fields(cls)
    written = source_names(cls)
    i = 0
    while i < len(fields):
        fname, ftype = fields[i][0], fields[i][1]
        desc = getattr(cls, fname)
        offset = int(desc.offset)
        size = ctypes.sizeof(ftype)
        if not union and offset > end:
            yield f"uint8_t _pad{pads}[{offset - end}];", end, "explicit padding"
            pads += 1
        where = f"{name}.{fname}"
        if len(fields[i]) > 2:  # a run of bit-fields in one storage unit
            run = [fields[i]]
            while i + 1 < len(fields) and len(fields[i + 1]) > 2 \
                    and int(getattr(cls, fields[i + 1][0]).offset) == offset \
                    and ctypes.sizeof(fields[i + 1][1]) == size:
                i += 1
                run.append(fields[i])
            places = []
            for f in run:
                first, nbits = _bit_place(getattr(cls, f[0]))
                places.append(f"{f[0]} bits {first}-{first + nbits - 1}")
            unit = "_".join(f[0] for f in run)
            yield f"uint{8 * size}_t {unit};", offset, "bit-fields: " + ", ".join(places)
        else:
            elem, dims = _element(ftype)
            if _is_record(elem):
                ctype, note = f"{_keyword(elem)} {layout.c_name(elem)}", ""
            else:
                ctype, note = _scalar(elem, where)
                if note and _fixed_width(elem, written.get(fname)):
                    note = ""  # (written c_int64 etc.: ctypes aliased it to an ABI-sized type here)
            shape = "".join(f"[{d}]" for d in dims)
            if dims == [0] and i == len(fields) - 1 and not union:
                shape = "[]"  # a flexible tail: C99's flexible array member, not GNU's [0]
            yield ctype + f" {fname}" + shape + ";", offset, note
        if not union:
            end = max(end, offset + size)
        i += 1
    total = ctypes.sizeof(cls)
    # (after a flexible tail nothing may follow: C rounds the size up as ctypes does,
    # and the size's assert says so)
    if not union and total > end and not (fields and is_flexible(fields[-1][1])):
        yield f"uint8_t _pad{pads}[{total - end}];", end, "explicit tail padding"


def _guard(name: str) -> str:
    g = re.sub(r"[^A-Za-z0-9]", "_", name).upper().strip("_") or "STRUCTS"
    return g if not g[0].isdigit() else "H_" + g


def generate(structs: Sequence[Any], name: str = "structs.h", prefix: str = "") -> str:
    """The header (text) for ``structs`` and every structure they contain."""
    guard = _guard(name)
    prefix = prefix or guard.rsplit("_H", 1)[0]
    assert_macro = f"{prefix}_ASSERT"
    lines = [f"/* {name}: generated by `shm-signal header` from ctypes structures; do not edit. */",
             f"#ifndef {guard}", f"#define {guard}", "",
             "#include <stddef.h>", "#include <stdint.h>", "",
             "#ifdef __cplusplus",
             f"#define {assert_macro}(c, m) static_assert(c, m)",
             "#else",
             f"#define {assert_macro}(c, m) _Static_assert(c, m)",
             "#endif", ""]
    asserts: List[str] = []
    for cls in _order(structs):
        c_name, kw = layout.c_name(cls), _keyword(cls)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", c_name):
            raise HeaderError(f"{cls.__name__}: {c_name!r} is not a C identifier (set _c_name_)")
        pack = getattr(cls, "_pack_", None)
        notes = []
        if not layout.is_little_endian(cls):
            notes.append("multi-byte fields are stored big-endian")
        lines.append(f"/* {kw} {c_name}: {ctypes.sizeof(cls)} bytes"
                     + (f"; {'; '.join(notes)}" if notes else "") + " */")
        if pack:
            lines.append(f"#pragma pack(push, {int(pack)})")
        lines.append(f"{kw} {c_name} {{")
        for decl, offset, note in members(cls):
            comment = f"/* {offset:>4}: {note} */" if note else f"/* {offset:>4} */"
            lines.append(f"\t{decl:<40} {comment}")
            member = decl.split("[")[0].rstrip(";").split()[-1]
            if not member.startswith("_pad"):
                asserts.append(f"{assert_macro}(offsetof({kw} {c_name}, {member}) == {offset}, "
                               f"\"{c_name}.{member} at offset {offset}\");")
        lines.append("};")
        if pack:
            lines.append("#pragma pack(pop)")
        asserts.append(f"{assert_macro}(sizeof({kw} {c_name}) == {ctypes.sizeof(cls)}, "
                       f"\"sizeof({kw} {c_name}) is {ctypes.sizeof(cls)}\");")
        lines.append("")
    lines += ["/* The layout above, as ctypes computed it: a compiler that disagrees stops here. */",
              *asserts, "", f"#endif /* {guard} */", ""]
    return "\n".join(lines)
