"""``shm-signal verify --header FILE --structs SPEC``: the *binding* verdict on this
machine for anyone's structures: does ctypes lay each structure out as this
machine's C compiler lays out the same-named structure of the user's header?

A probe program includes the header and prints, per structure, its size and
alignment, every member's offset and size (bit-fields aside: they have neither), and
a byte image: a zeroed instance with a distinct sentinel stored in every scalar it
holds (through nested structures and arrays; a union's first member; a bit-field's
bits; no pointer).  The same stores through ctypes give ctypes' image.  Equal images
mean equal offsets, sizes, byte order and bit-field places; the first difference is
reported with the member it falls in and both values.
"""

from __future__ import annotations

import ctypes
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from abi import layout
from abi.toolchain import Compiler
from abi.verify import probe
from abi.verify.header import ProbeRunError
from abi.verify.structs import all_fields, is_flexible


def _keyword(cls: Any) -> str:
    return "union" if issubclass(cls, ctypes.Union) else "struct"


@dataclass(frozen=True)
class Store:
    """One sentinel store: a C designator (``a.b[2].c``), the ctypes path to the
    same place, and the value."""

    designator: str
    path: Tuple[Any, ...]  # member names and array indexes
    value: Any
    member: str  # the top-level member it belongs to


def _sentinel(k: int, size: int, signed: bool) -> int:
    """A value with a distinct non-zero byte in every byte, that fits the type."""
    v = 0
    for i in range(size):
        v |= ((0x11 * (k % 13 + 1) + 0x07 * i) & 0x7F or 0x5A) << (8 * i)
    return v if not signed else v & ((1 << (8 * size - 1)) - 1)


def stores(cls: Any) -> List[Store]:
    """The sentinel stores of ``cls``, in member order."""
    out: List[Store] = []

    def walk(t: Any, designator: str, path: Tuple[Any, ...], member: str, bits: Optional[int]) -> None:
        if isinstance(t, type) and issubclass(t, ctypes.Array):
            n, elem = int(t._length_), t._type_  # type: ignore[call-overload]
            for i in range(n):
                walk(elem, f"{designator}[{i}]", path + (i,), member, None)
            return
        if isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union)):
            fields = all_fields(t)[:1] if issubclass(t, ctypes.Union) else all_fields(t)
            for f in fields:
                walk(f[1], f"{designator}.{f[0]}", path + (f[0],), member, f[2] if len(f) > 2 else None)
            return
        code = getattr(t, "_type_", None)
        if not isinstance(code, str) or code in ("P", "z", "Z", "O", "g"):
            return  # a pointer (its bytes would be an address), a long double (padding bytes)
        k = len(out)
        if code in ("f", "d"):
            value: Any = k + 0.5
        elif code == "?":
            value = True
        elif code in ("c",):
            value = bytes([0x41 + k % 26])
        elif code == "u":
            value = chr(0x41 + k % 26)
        elif bits is not None:
            value = (0x5A5A5A5A5A5A5A5A >> (k % 7)) & ((1 << (bits - 1)) - 1) or 1
        else:
            value = _sentinel(k, ctypes.sizeof(t), code in "bhilq")
        out.append(Store(designator.lstrip("."), path, value, member))

    for f in all_fields(cls)[:1] if issubclass(cls, ctypes.Union) else all_fields(cls):
        walk(f[1], f".{f[0]}", (f[0],), f[0], f[2] if len(f) > 2 else None)
    return out


def _c_value(v: Any) -> str:
    if isinstance(v, bool):
        return "1"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return str(v[0])
    if isinstance(v, str):
        return str(ord(v))
    return f"{v}u" if v >= 0 else str(v)


def ctypes_image(cls: Any) -> bytes:
    """The image ctypes gives after :func:`stores` (the probe's C image, if equal)."""
    obj = cls()
    for s in stores(cls):
        target: Any = obj
        for step in s.path[:-1]:
            if isinstance(step, int):
                target = target[step]
                continue
            ftype = {f[0]: f[1] for f in all_fields(type(target))}[step]
            # (a c_char or c_wchar array member reads as bytes or str: take the array itself)
            target = ftype.from_buffer(target, getattr(type(target), step).offset)
        last = s.path[-1]
        if isinstance(last, int):
            target[last] = s.value
        else:
            setattr(target, last, s.value)
    return bytes(memoryview(obj).cast("B"))


def probe_source(structs: Sequence[Any], header: str) -> str:
    return probe_unit(structs, header)[0]


def probe_unit(structs: Sequence[Any], header: str, no_image: Sequence[str] = ()
               ) -> Tuple[str, Dict[int, str]]:
    """The probe's source, and line -> C name of the structure each store line is for;
    the structures named in ``no_image`` get no image (their stores do not compile:
    a C union where ctypes has an integer, say)."""
    lines = [f'#include "{header}"', *probe.PRELUDE]
    owner: Dict[int, str] = {}
    for cls in structs:
        name, kw = layout.c_name(cls), _keyword(cls)
        st = f"{kw} {name}"
        lines.append(f'\tprintf("struct {name} %u %u\\n", (unsigned)sizeof({st}), '
                     f"(unsigned)PROBE_ALIGNOF({st}));")
        for f in all_fields(cls):
            if len(f) == 2:
                # (a flexible tail, ctypes' array of 0, has no sizeof in C: 0 is its size)
                size = "0" if is_flexible(f[1]) else f"sizeof((({st} *)0)->{f[0]})"
                lines.append(f'\tprintf("field {name} {f[0]} %u %u\\n", (unsigned)offsetof({st}, {f[0]}), '
                             f"(unsigned){size});")
        if name in no_image:
            continue
        lines += ["\t{", f"\t\t{st} s;", "\t\tmemset(&s, 0, sizeof s);"]
        for store in stores(cls):
            lines.append(f"\t\ts.{store.designator} = {_c_value(store.value)};")
            owner[len(lines)] = name
        lines += [f'\t\timage("{name}", &s, sizeof s);', "\t}"]
    lines += ["\treturn 0;", "}", ""]
    return "\n".join(lines), owner


@dataclass
class StructVerdict:
    c_name: str
    messages: List[str] = field(default_factory=list)  # one per difference, first first

    @property
    def ok(self) -> bool:
        return not self.messages


def _member_at(cls: Any, offset: int) -> str:
    """The top-level member whose bytes include ``offset``, or "padding"."""
    for f in all_fields(cls):
        d = getattr(cls, f[0])
        size = ctypes.sizeof(f[1])
        if d.offset <= offset < d.offset + size:
            return f[0]
    return "padding"


def compare(cls: Any, c: probe.CStruct) -> StructVerdict:
    name = layout.c_name(cls)
    v = StructVerdict(name)
    if c.size != ctypes.sizeof(cls):
        v.messages.append(f"{name}: C says sizeof {c.size}, ctypes says {ctypes.sizeof(cls)}")
    if c.align != ctypes.alignment(cls):
        v.messages.append(f"{name}: C says alignment {c.align}, ctypes says {ctypes.alignment(cls)}")
    for f in all_fields(cls):
        if len(f) > 2:
            continue
        d = getattr(cls, f[0])
        want = (int(d.offset), ctypes.sizeof(f[1]))
        got = c.fields.get(f[0])
        if got is None:
            v.messages.append(f"{name}.{f[0]}: not in the C structure")
        elif got != want:
            v.messages.append(f"{name}.{f[0]}: C says offset {got[0]} size {got[1]}, "
                              f"ctypes says offset {want[0]} size {want[1]}")
    mine = ctypes_image(cls)
    if c.image != mine and len(c.image) == len(mine):
        i = next(k for k in range(len(mine)) if mine[k] != c.image[k])
        v.messages.append(f"{name}: byte images differ first at byte {i} (in {_member_at(cls, i)}): "
                          f"C has {c.image[i]:#04x}, ctypes {mine[i]:#04x}")
    return v


@dataclass
class BindingReport:
    compiler: str
    structs: List[StructVerdict]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.structs)

    def to_json(self) -> Dict[str, object]:
        return {"compiler": self.compiler, "ok": self.ok,
                "structs": [{"c_name": s.c_name, "status": "match" if s.ok else "mismatch",
                             "differences": s.messages} for s in self.structs]}


def verify(structs: Sequence[Any], header: Path, compiler: Compiler,
           include_dirs: Sequence[Path] = ()) -> BindingReport:
    """Compile and run the probe of ``structs`` against ``header``; compare."""
    header = header.resolve()
    with tempfile.TemporaryDirectory(prefix="shm-signal-binding-") as tmp:
        src = Path(tmp) / "binding_probe.c"
        src.write_text(probe_source(structs, header.name))
        exe = Path(tmp) / ("binding_probe.exe" if compiler.kind == "msvc" else "binding_probe")
        compiler.build(src, exe, [header.parent, *include_dirs])
        proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise ProbeRunError(f"the probe exited {proc.returncode}: {proc.stderr.strip()}")
        result = probe.parse(proc.stdout)
    verdicts = []
    for cls in structs:
        c = result.structs.get(layout.c_name(cls))
        if c is None:
            verdicts.append(StructVerdict(layout.c_name(cls), ["not reported by the probe"]))
        else:
            verdicts.append(compare(cls, c))
    return BindingReport(compiler.version(), verdicts)


def render(report: BindingReport) -> str:
    lines = [f"C compiler: {report.compiler}", ""]
    for s in report.structs:
        lines.append(f"{s.c_name}: {'match' if s.ok else 'MISMATCH'}")
        lines += [f"  {m}" for m in s.messages]
    bad = [s.c_name for s in report.structs if not s.ok]
    lines += ["", f"FAIL: {len(bad)} of {len(report.structs)} structures differ: {', '.join(bad)}" if bad
              else f"OK: {len(report.structs)} structures match (sizes, alignments, offsets, byte images)"]
    return "\n".join(lines)
