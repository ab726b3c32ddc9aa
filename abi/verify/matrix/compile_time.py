"""The compile-time check, run on every target that has a compiler here.

The generated static asserts are compiled for the target; when one fails, the reveal
unit makes the compiler print the values it computed, so a difference is reported
with both numbers and where it starts.  A header lacking a member the ctypes layout
has is retried without that member and reported as missing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from abi import layout
from abi.toolchain import CompileError, missing_members
from abi.verify import header as verify
from abi.verify import probe
from abi.verify.matrix.build import check_compile, check_key
from abi.verify.matrix.cache import header_digest
from abi.verify.matrix.compare import normalize_alignment, starts
from abi.verify.matrix.model import Context, TargetResult
from abi.verify.matrix.sources import check_source, failed_checks, parse_reveal, reveal_source
from abi.verify.platforms import CompilerSpec, Target


def compile_check(ctx: Context, t: Target, spec: CompilerSpec, res: TargetResult) -> None:
    """Static asserts for ``t``; on failure, the values the compiler computed."""
    hdr = header_digest(ctx.header_dir)
    exclude: List[Tuple[str, str]] = []
    hit: Optional[Dict[str, Any]] = None
    for _attempt in range(2):
        text = check_source(ctx.structs, exclude)
        key = check_key(ctx, "check", text, spec, hdr)
        hit = ctx.cache.get_json(key)
        if hit is None:
            with tempfile.TemporaryDirectory(prefix="shm-signal-check-") as tmp:
                try:
                    check_compile(spec, text, ctx.header_dir, Path(tmp), "check.o")
                    hit = {"ok": True, "output": ""}
                except CompileError as exc:
                    hit = {"ok": False, "output": exc.output}
                    if not failed_checks(exc.output):  # e.g. a missing member
                        gone = [(str(a), str(b)) for a, b in missing_members(exc.output)]
                        if gone and not exclude:
                            exclude = gone
                            continue
                        raise
                    rtext, lines_of = reveal_source(ctx.structs, exclude)
                    try:
                        check_compile(spec, rtext, ctx.header_dir, Path(tmp), "reveal.o", reveal=True)
                        hit["reveal"] = ""
                    except CompileError as rexc:
                        hit["reveal"] = rexc.output
                        hit["where"] = {str(k): list(v) for k, v in lines_of.items()}
            ctx.cache.put_json(key, hit)
        else:
            res.cached = True
        break
    assert hit is not None
    res.checked.append("compile-time")
    missing: Dict[str, List[str]] = {}
    for s, m in exclude:
        missing.setdefault(s, []).append(m)
    if hit.get("ok") and not exclude:
        for cls in ctx.structs:
            res.structs.setdefault(layout.describe(cls).c_name, "match")
        return
    if hit.get("ok"):  # everything asserted holds, but members are missing
        for cls in ctx.structs:
            name = layout.describe(cls).c_name
            miss = missing.get(name, [])
            res.structs[name] = "MISMATCH" if miss else res.structs.get(name, "match")
            for m in miss:
                res.differences.append(f"compile-time: {name}.{m}: ctypes has it, the C header "
                                       "has no such member")
                res.mismatches.append(f"{name}.{m}")
        return
    failed = failed_checks(str(hit.get("output", "")))
    where: Dict[int, Tuple[str, str, str]] = {
        int(k): (str(v[0]), str(v[1]), str(v[2])) for k, v in dict(hit.get("where", {})).items()}
    revealed: Optional[probe.ProbeResult] = None
    try:
        revealed = parse_reveal(str(hit.get("reveal", "")), where, ctx.structs)
    except CompileError:
        revealed = None
    values = _values(revealed)
    for what, name, expected in failed:
        kind = {"wrong offset for field": "offset", "wrong size for field": "msize",
                "wrong size of struct": "size", "alignment of struct": "align"}[what]
        sname, _, member = name.partition(".")
        got = values.get((sname, member, kind))
        says = f", C compiler says {got}" if got is not None else ""
        label = f"wrong {'offset' if kind == 'offset' else 'size'} for field '{name}'" \
            if member else (f"wrong size of struct '{name}'" if kind == "size"
                            else f"alignment of struct '{name}' does not divide {layout.DESC_ALIGN}")
        res.differences.append(f"compile-time: {label} (ctypes says {expected}{says})")
        res.structs[sname] = "MISMATCH"
    for cls in ctx.structs:
        res.structs.setdefault(layout.describe(cls).c_name, "match")
    if revealed is not None:
        revealed = normalize_alignment(revealed, ctx.structs)
        for sr in verify.compare(revealed, ctx.structs, missing):
            res.mismatches += starts(sr)
    else:
        res.mismatches += [n for _w, n, _e in failed if "." in n]
    res.mismatches = list(dict.fromkeys(res.mismatches))


def _values(r: Optional[probe.ProbeResult]) -> Dict[Tuple[str, str, str], int]:
    out: Dict[Tuple[str, str, str], int] = {}
    if r is None:
        return out
    for s in r.structs.values():
        out[(s.c_name, "", "size")] = s.size
        out[(s.c_name, "", "align")] = s.align
        for m, (off, size) in s.fields.items():
            out[(s.c_name, m, "offset")] = off
            out[(s.c_name, m, "msize")] = size
    return out
