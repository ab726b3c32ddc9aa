"""Reading a comparison of the C and ctypes layouts: where a structure's differences
start, their messages, and the structure alignments that do not matter.
"""

from __future__ import annotations

from typing import List

from abi import layout
from abi.verify import header as verify
from abi.verify import probe
from abi.verify.matrix.model import Structs


def starts(sr: verify.StructResult) -> List[str]:
    """``struct.member`` where the differences of one structure start.  The verifier
    calls a field that sits right after its predecessor on both sides "follows"; when no
    earlier field differs, the first such field is where the ABIs part (e.g. a uint64_t
    that one ABI aligns to 8 and another to 4)."""
    if sr.status == "match":
        return []
    out = [f"{sr.c_name}.{f.member}" for f in sr.fields if f.status not in ("match", "follows")]
    if not out:
        out = [f"{sr.c_name}.{f.member}" for f in sr.fields if f.status != "match"][:1]
    if not out and sr.image_diffs:
        out = [f"{sr.c_name}.{sr.image_diffs[0].c_field}"]
    return out


def field_messages(sr: verify.StructResult) -> List[str]:
    """The differing fields' messages, without "follows from an earlier difference" on
    the field where the differences start (see :func:`starts`)."""
    first = set(starts(sr))
    out = []
    for f in sr.fields:
        if f.status == "match":
            continue
        msg = f.message
        if f"{sr.c_name}.{f.member}" in first:
            msg = msg.replace(" (follows from an earlier difference)", "")
        out.append(msg)
    return out


def normalize_alignment(result: probe.ProbeResult, structs: Structs) -> probe.ProbeResult:
    """Accept any structure alignment that divides DESC_ALIGN (i386: 4, m68k: 2, avr: 1):
    such a difference does not move a byte of a descriptor placed as the spec says."""
    for cls in structs:
        d = layout.describe(cls)
        c = result.structs.get(d.c_name)
        if c is not None and c.align != d.align and c.align > 0 and layout.DESC_ALIGN % c.align == 0:
            c.align = d.align
    return result
