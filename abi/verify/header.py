"""The verifier: compares what a C compiler made of ``shm_signal.h`` with the ctypes
layout, struct by struct, field by field and byte by byte.

A field's status is one of

* ``match``: same offset and size on both sides;
* ``mismatch``: this field is where the two sides first part (its size differs, or
  its offset moved by more than the fields before it explain);
* ``follows``: it differs only because an earlier field does (its offset is shifted
  by exactly the amount the previous field's end moved, or it is an array of a
  structure that itself differs);
* ``missing-in-c`` / ``missing-in-ctypes``: one side has no such member.

so that one widened field is reported once, not as every field after it.
"""

from __future__ import annotations

import ctypes
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Type

from abi import layout
from abi.toolchain import CompileError, Compiler, find_c_compiler, note_missing_members
from abi.verify import probe

HEADER_DIR = Path(__file__).resolve().parent.parent / "c_reference"


@dataclass
class FieldResult:
    member: str
    offset: Optional[int]  # the C compiler's
    size: Optional[int]
    ctypes_offset: Optional[int]
    ctypes_size: Optional[int]
    status: str
    message: str = ""


@dataclass
class ByteDiff:
    offset: int
    c: int
    ctypes: int
    c_field: str  # the ctypes layout's field at that offset (where C should have it)
    message: str = ""


@dataclass
class StructResult:
    c_name: str
    size: int
    align: int
    ctypes_size: int
    ctypes_align: int
    status: str
    fields: List[FieldResult] = field(default_factory=list)
    image_status: str = "match"
    image_diffs: List[ByteDiff] = field(default_factory=list)
    messages: List[str] = field(default_factory=list)


@dataclass
class Report:
    compiler: str
    target: Dict[str, object]
    structs: List[StructResult]

    @property
    def ok(self) -> bool:
        return all(s.status == "match" for s in self.structs)

    def mismatches(self) -> List[str]:
        """``struct.member`` of every field that is where a difference starts."""
        return [f"{s.c_name}.{f.member}" for s in self.structs for f in s.fields
                if f.status not in ("match", "follows")]

    def to_json(self) -> Dict[str, object]:
        return {"status": "match" if self.ok else "mismatch", "compiler": self.compiler,
                "target": self.target, "structs": [asdict(s) for s in self.structs]}


def _leaf_at(cls: Type[ctypes.Structure], offset: int) -> str:
    for leaf in layout.leaves(cls):
        if leaf.offset <= offset < leaf.offset + leaf.size:
            return leaf.path
    return "(no field: a hole)"


def compare_struct(cls: Type[ctypes.Structure], c: probe.CStruct,
                   missing_in_c: Sequence[str] = (),
                   differing_structs: Sequence[str] = (),
                   gone: Sequence[Tuple[str, str]] = ()) -> StructResult:
    """Compare one ctypes structure with the C compiler's view of it."""
    py = layout.describe(cls)
    res = StructResult(py.c_name, c.size, c.align, py.size, py.align, "match")
    py_fields = {f.name: f for f in py.fields}
    prev_c_end = prev_py_end = 0
    diverged = False  # has any earlier field differed? Only then can a field "follow"
    for member in probe.member_names(cls):
        pf = py_fields.get(member)
        cf = c.fields.get(member)
        if pf is None and (member in missing_in_c or cf is None):
            continue  # neither side has it: not a difference between them
        if member in missing_in_c or (cf is None and pf is not None):
            res.fields.append(FieldResult(
                member, None, None, pf.offset if pf else None, pf.size if pf else None,
                "missing-in-c",
                f"{py.c_name}.{member}: ctypes has it at offset {pf.offset if pf else '?'}, "
                "the C header has no such member"))
            diverged = True
            continue
        assert cf is not None
        if pf is None:
            res.fields.append(FieldResult(
                member, cf[0], cf[1], None, None, "missing-in-ctypes",
                f"{py.c_name}.{member}: C has it at offset {cf[0]}, ctypes has no such field"))
            prev_c_end, prev_py_end, diverged = cf[0] + cf[1], -1, True
            continue
        c_off, c_size = cf
        msgs = []
        if c_size != pf.size:
            msgs.append(f"C says size {c_size}, ctypes says {pf.size}")
        if c_off != pf.offset:
            msgs.append(f"C says offset {c_off}, ctypes says {pf.offset}")
        # Where each side would put this field right after the previous one.
        placed_after_previous = (_next_slot(prev_c_end, pf, c_off)
                                 and _next_slot(prev_py_end, pf, pf.offset))
        if not msgs:
            status = "match"
        elif placed_after_previous and ((diverged and c_size == pf.size)
                                        or pf.struct in differing_structs):
            status = "follows"  # moved by an earlier field, or an array of a differing struct
        else:
            status = "mismatch"
        message = f"{py.c_name}.{member}: " + ", ".join(msgs) if msgs else ""
        if status == "follows":
            message += " (follows from an earlier difference)"
        res.fields.append(FieldResult(member, c_off, c_size, pf.offset, pf.size, status, message))
        diverged = diverged or status != "match"
        prev_c_end, prev_py_end = c_off + c_size, pf.offset + pf.size
    if c.size != py.size:
        res.messages.append(f"sizeof(struct {py.c_name}): C says {c.size}, ctypes says {py.size}")
    if c.align != py.align:
        res.messages.append(f"alignof(struct {py.c_name}): C says {c.align}, ctypes says {py.align}")
        # An alignment difference with no field to blame is a difference of its own.
        if all(f.status == "match" for f in res.fields):
            res.fields.append(FieldResult("(alignment)", None, c.align, None, py.align,
                                          "mismatch", res.messages[-1]))
    expected = probe.ctypes_image(cls, gone)
    if c.image != expected:
        res.image_status = "mismatch"
        for off in range(max(len(c.image), len(expected))):
            cb = c.image[off] if off < len(c.image) else -1
            pb = expected[off] if off < len(expected) else -1
            if cb != pb:
                where = _leaf_at(cls, off)
                res.image_diffs.append(ByteDiff(
                    off, cb, pb, where,
                    f"byte {off} ({where}): C wrote {_hex(cb)}, ctypes wrote {_hex(pb)}"))
    if any(f.status != "match" for f in res.fields) or res.messages or res.image_diffs:
        res.status = "mismatch"
    return res


def _next_slot(prev_end: int, f: layout.FieldLayout, offset: int) -> bool:
    """Is ``offset`` the first place after ``prev_end`` a field like ``f`` can go, with
    any alignment an ABI may give it (exactly after, or naturally aligned)?"""
    align = min(f.elem_size, 8) if f.struct is None else 8
    return offset in (prev_end, -(-prev_end // align) * align)


def _hex(b: int) -> str:
    return "none" if b < 0 else f"0x{b:02x}"


def run_probe(compiler: Compiler, header_dir: Path, structs: Sequence[Type[ctypes.Structure]],
              workdir: Path) -> tuple[probe.ProbeResult, Dict[str, List[str]]]:
    """Build and run the probe; members the header lacks are reported, not fatal."""
    import subprocess

    missing: Dict[str, List[str]] = {}
    for _attempt in range(2):
        src = probe.generate(structs, exclude=[(s, m) for s, ms in missing.items() for m in ms])
        source = workdir / "shm_signal_probe.c"
        source.write_text(src.text)
        exe = workdir / ("shm_signal_probe.exe" if compiler.kind == "msvc" else "shm_signal_probe")
        try:
            compiler.build(source, exe, include_dirs=[header_dir])
        except CompileError as exc:
            if not note_missing_members(exc.output, missing):
                raise
            continue
        proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise ProbeRunError(f"the probe exited {proc.returncode}: {proc.stderr.strip()}")
        return probe.parse(proc.stdout), missing
    raise AssertionError("unreachable")


class ProbeRunError(RuntimeError):
    """The compiled probe did not run to completion."""


def compare(result: probe.ProbeResult, structs: Sequence[Type[ctypes.Structure]],
            missing: Optional[Dict[str, List[str]]] = None) -> List[StructResult]:
    """Compare every structure; nested structures first so that members of their type
    can be marked as following from them."""
    missing = missing or {}
    gone = [(s, m) for s, ms in missing.items() for m in ms]
    out: List[StructResult] = []
    differing: List[str] = []
    for cls in structs:
        name = layout.describe(cls).c_name
        c = result.structs.get(name)
        if c is None:
            raise probe.ProbeOutputError(f"the probe did not report struct {name}")
        res = compare_struct(cls, c, missing.get(name, ()), differing, gone)
        if res.status != "match":
            differing.append(name)
        out.append(res)
    return out


def verify(header_dir: Path = HEADER_DIR,
           structs: Sequence[Type[ctypes.Structure]] = layout.STRUCTS,
           compiler: Optional[Compiler] = None) -> Report:
    """Compile the probe against ``header_dir/shm_signal.h``, run it, compare."""
    compiler = compiler or find_c_compiler()
    with tempfile.TemporaryDirectory(prefix="shm-signal-verify-") as tmp:
        result, missing = run_probe(compiler, Path(header_dir), structs, Path(tmp))
    target = {"pointer_bytes": result.pointer_bytes, "byte_order": result.byte_order}
    return Report(compiler.version(), target, compare(result, structs, missing))


def render(report: Report) -> str:
    """The human-readable table."""
    t = report.target
    lines = [f"C compiler: {report.compiler} "
             f"({8 * int(t['pointer_bytes'])}-bit, {t['byte_order']}-endian)",  # type: ignore[call-overload]
             "ctypes:     LittleEndianStructure mirror in abi/layout.py", ""]
    nfields = 0
    for s in report.structs:
        lines.append(f"struct {s.c_name}: C size {s.size} align {s.align}, "
                     f"ctypes size {s.ctypes_size} align {s.ctypes_align}: "
                     f"{'match' if s.status == 'match' else 'MISMATCH'}")
        lines.append(f"  {'member':<20} {'C off':>6} {'size':>5} {'ctypes off':>11} {'size':>5}  status")
        for f in s.fields:
            nfields += 1
            lines.append(f"  {f.member:<20} {_num(f.offset):>6} {_num(f.size):>5} "
                         f"{_num(f.ctypes_offset):>11} {_num(f.ctypes_size):>5}  "
                         f"{f.status if f.status == 'match' else f.status.upper()}")
        lines.append(f"  byte image ({s.size} bytes, sentinels through the LE helpers): "
                     f"{'identical' if s.image_status == 'match' else 'DIFFERS'}")
        lines.append("")
    problems = [f.message for s in report.structs for f in s.fields if f.status != "match"]
    problems += [m for s in report.structs for m in s.messages]
    problems += [d.message for s in report.structs for d in s.image_diffs[:16]]
    if problems:
        lines.append("Differences:")
        lines += [f"  {p}" for p in problems]
        lines.append(f"FAIL: {len(report.mismatches())} field(s) differ: "
                     + ", ".join(report.mismatches()))
    else:
        lines.append(f"OK: {len(report.structs)} structs and {nfields} fields match, "
                     "byte images identical")
    return "\n".join(lines)


def _num(v: Optional[int]) -> str:
    return "-" if v is None else str(v)
