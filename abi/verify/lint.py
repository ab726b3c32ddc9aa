"""``shm-signal lint --structs SPEC``: the layout rules of spec section 2 on anyone's
ctypes structures, each finding with the ABIs it shows on and the fix.

* **implicit padding** (between members, at the tail): bytes no member names, whose
  number depends on the ABI's alignment rules;
* **ABI-sized types**: ``c_long``, ``c_size_t``, pointers, ``c_bool``, ``c_wchar``,
  ``c_int`` (2 bytes on 16-bit targets), ``c_longdouble``.  Read from the class's
  source: ctypes resolves its aliases at import (``c_int64`` *is* ``c_long`` on a
  64-bit Linux), so the classes alone cannot tell;
* **bit-fields**: where their bits go differs between MSVC and System V.

Which targets a finding shows on comes from a model of each target of
``platforms/*.json``: natural alignment capped at the target's ``u64_align``, the
sizes of the ABI-sized types from its word size and OS.  The model predicts; the
compilers decide (``shm-signal matrix --header --structs``, and
``tests/test_lint.py`` checks the two agree).  The fix is the member list with the
padding made explicit and fixed-width types of this machine's sizes.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from abi import layout
from abi.verify.platforms import Target
from abi.verify.structs import source_names

# Source names of ctypes types whose size depends on the ABI.
ABI_SIZED = {"c_long", "c_ulong", "c_size_t", "c_ssize_t", "c_void_p", "c_char_p", "c_wchar_p",
             "c_wchar", "c_bool", "c_longdouble", "c_int", "c_uint", "POINTER", "c_time_t"}


@dataclass
class Finding:
    struct: str
    rule: str  # "implicit-padding" | "abi-sized-type" | "bit-field"
    member: str
    message: str
    targets: List[str] = field(default_factory=list)  # where the layout differs from here

    def to_json(self) -> Dict[str, object]:
        return {"struct": self.struct, "rule": self.rule, "member": self.member, "message": self.message,
                "targets": self.targets}


def _abi_sized(written: str) -> Optional[str]:
    """The ABI-sized type a written type expression names, if any."""
    for name in ABI_SIZED:
        if written == name or written.endswith("." + name) or written.startswith(name + "(") \
                or ("." + name + "(") in written:
            return name
    return None


def _sized(name: str, host_size: int, t: Target) -> int:
    """The size of an ABI-sized type on ``t`` (the model)."""
    word = t.word_bits // 8
    if name in ("c_long", "c_ulong"):
        return 8 if t.word_bits == 64 and t.os != "windows" else 4
    if name in ("c_size_t", "c_ssize_t", "c_void_p", "c_char_p", "c_wchar_p", "POINTER", "c_time_t"):
        return word
    if name in ("c_int", "c_uint"):
        return 2 if t.word_bits == 16 else 4
    if name == "c_wchar":
        return 2 if t.os == "windows" else 4
    return host_size  # c_bool, c_longdouble: modelled as here (the matrix decides)


def _member_type(written: Optional[str], ftype: Any, t: Target) -> Tuple[int, int]:
    """(size, alignment) of a member's type on ``t``."""
    dims = 1
    elem = ftype
    while isinstance(elem, type) and issubclass(elem, ctypes.Array):
        dims *= int(elem._length_)  # type: ignore[call-overload]
        elem = elem._type_
    if isinstance(elem, type) and issubclass(elem, (ctypes.Structure, ctypes.Union)):
        size, align, _ = predict(elem, t)
        return size * dims, align
    abi = _abi_sized(written) if written else None
    size = _sized(abi, ctypes.sizeof(elem), t) if abi else ctypes.sizeof(elem)
    return size * dims, max(1, min(size, t.u64_align))


def predict(cls: Any, t: Target) -> Tuple[int, int, Dict[str, Tuple[int, int]]]:
    """(size, alignment, member -> (offset, size)) of ``cls`` on ``t`` (the model;
    bit-fields take their storage unit, as on System V when they fill it)."""
    written = source_names(cls)
    pack = getattr(cls, "_pack_", 0) or 0
    union = issubclass(cls, ctypes.Union)
    offset, align = 0, 1
    offsets: Dict[str, Tuple[int, int]] = {}
    unit_at: Optional[Tuple[int, int]] = None  # (offset, size) of the current bit-field unit
    for f in cls._fields_:
        size, a = _member_type(written.get(f[0]), f[1], t)
        if pack:
            a = min(a, pack)
        align = max(align, a)
        if len(f) > 2 and unit_at is not None and unit_at[1] == size and not union:
            offsets[f[0]] = (unit_at[0], size)  # shares the storage unit
            continue
        at = 0 if union else -(-offset // a) * a
        offsets[f[0]] = (at, size)
        unit_at = (at, size) if len(f) > 2 else None
        offset = max(offset, at + size) if union else at + size
    total = -(-offset // align) * align
    return total, align, offsets


def _here(cls: Any) -> Tuple[int, Dict[str, Tuple[int, int]]]:
    return ctypes.sizeof(cls), {f[0]: (int(getattr(cls, f[0]).offset), ctypes.sizeof(f[1]))
                                for f in cls._fields_}


def _gap(size: int, members: Dict[str, Tuple[int, int]], names: List[str], i: int) -> int:
    """The padding before member ``i`` (``len(names)``: at the tail)."""
    end = max((members[n][0] + members[n][1] for n in names[:i]), default=0)
    return (members[names[i]][0] if i < len(names) else size) - end


def lint(structs: Sequence[Any], targets: Sequence[Target]) -> List[Finding]:
    findings: List[Finding] = []
    for cls in structs:
        name = layout.c_name(cls)
        written = source_names(cls)
        size, here = _here(cls)
        there = {t.name: predict(cls, t) for t in targets}
        names = [f[0] for f in cls._fields_]
        union = issubclass(cls, ctypes.Union)
        for i, f in enumerate(cls._fields_):
            if len(f) > 2:
                findings.append(Finding(name, "bit-field", f[0], f"{name}.{f[0]}: a bit-field: MSVC and "
                                        "System V place its bits differently (use its unit and masks)"))
                continue
            gap = 0 if union else _gap(size, here, names, i)
            if gap > 0:
                # the targets where this gap itself is another size
                on = sorted(n for n, (s, _a, m) in there.items() if _gap(s, m, names, i) != gap)
                findings.append(Finding(name, "implicit-padding", f[0],
                                        f"{name}: {gap} byte(s) of implicit padding at offset "
                                        f"{here[f[0]][0] - gap}, before {f[0]}", on))
            abi = _abi_sized(written.get(f[0], ""))
            if abi:
                on = sorted(n for n, (_s, _a, m) in there.items() if m[f[0]][1] != here[f[0]][1])
                findings.append(Finding(name, "abi-sized-type", f[0],
                                        f"{name}.{f[0]}: {abi}, {here[f[0]][1]} bytes here", on))
        tail = 0 if union else _gap(size, here, names, len(names))
        if tail > 0:
            on = sorted(n for n, (s, _a, m) in there.items() if _gap(s, m, names, len(names)) != tail)
            findings.append(Finding(name, "implicit-padding", "", f"{name}: {tail} byte(s) of implicit tail "
                                    f"padding at offset {size - tail}", on))
    return findings


def fix(cls: Any) -> str:
    """The member list with every padding byte named and fixed-width types of this
    machine's sizes (bit-fields as their storage unit), as Python."""
    from abi.verify.cheader import members  # the header's own rules, one place

    ctype = {"int8_t": "c_int8", "int16_t": "c_int16", "int32_t": "c_int32", "int64_t": "c_int64",
             "uint8_t": "c_uint8", "uint16_t": "c_uint16", "uint32_t": "c_uint32", "uint64_t": "c_uint64",
             "float": "c_float", "double": "c_double"}
    base_cls = "ctypes.Union" if issubclass(cls, ctypes.Union) else "ctypes.Structure"
    lines = [f"class {cls.__name__}({base_cls}):", "    _fields_ = ["]
    for decl, _offset, _note in members(cls):
        typ, rest = decl.rstrip(";").rsplit(" ", 1)
        dims = rest[rest.index("["):] if "[" in rest else ""
        member = rest.split("[")[0]
        base = ctype.get(typ) or typ.split()[-1]
        py = f"ctypes.{base}" if typ in ctype else base
        for d in reversed(dims.strip("[]").split("][")) if dims else []:
            py = f"({py} * {d})"
        lines.append(f"        ({member!r}, {py}),")
    lines.append("    ]")
    return "\n".join(lines)
