"""The platform matrix's output: the summary counts, the text table with its
differences, and the JSON document of ``shm-signal matrix --json``.
"""

from __future__ import annotations

from typing import Dict, Sequence

from abi import exit_codes, layout
from abi.verify.matrix.model import Structs, TargetResult


def summary(results: Sequence[TargetResult]) -> Dict[str, int]:
    per_verdict = {}
    if any(r.verdicts for r in results):  # a user's structures: targets each verdict fails on
        per_verdict = {f"{v}_mismatching": sum(1 for r in results if any(d.get(v) == "MISMATCH"
                                                                          for d in r.verdicts.values()))
                       for v in ("binding", "wire")}
    return {
        **per_verdict,
        "targets": len(results),
        "compiled": sum(1 for r in results if "compile-time" in r.checked),
        "executed": sum(1 for r in results if "executed" in r.checked),
        "matching": sum(1 for r in results if r.status == "match"),
        "mismatching": sum(1 for r in results if r.status == "mismatch"),
        "skipped": sum(1 for r in results if r.status == "skipped"),
        "errors": sum(1 for r in results if r.status == "error"),
    }


def exit_status(results: Sequence[TargetResult]) -> int:
    """MATRIX_MISMATCH when a layout differs on a target, else MATRIX_ERROR when a
    target's tools failed (no verdict), else OK (skipped targets are reported)."""
    if any(r.status == "mismatch" for r in results):
        return exit_codes.MATRIX_MISMATCH
    if any(r.status == "error" for r in results):
        return exit_codes.MATRIX_ERROR
    return exit_codes.OK


def _how(r: TargetResult) -> str:
    """How the target was checked: as its data says, unless only its compile-time
    check ran (a user's structures, or no emulator here)."""
    if "compile-time" in r.checked and "executed" not in r.checked and r.target.mode not in ("compile",
                                                                                            "cpython"):
        return "compile-time only"
    return r.target.how


_SHORT = {"match": "ok", "MISMATCH": "DIFF", "not modelled": "n/a", "not run": "n/a"}


def _cell(r: TargetResult, name: str) -> str:
    v = r.verdicts.get(name)
    if v:  # a user's structures: binding/wire
        return "/".join(_SHORT.get(v.get(k, "-"), v.get(k, "-")) for k in ("binding", "wire"))
    return r.structs.get(name, "skipped" if r.status == "skipped" else "-")


def render(results: Sequence[TargetResult], structs: Structs) -> str:
    names = [layout.describe(cls).c_name for cls in structs]
    tw = max([6] + [len(r.target.name) for r in results])
    hw = max([3] + [len(_how(r)) for r in results])
    cols = [max(len(n), 9) for n in names]
    head = f"{'target':<{tw}}  {'checked':<{hw}}  " + "  ".join(f"{n:<{w}}" for n, w in zip(names, cols))
    lines = [head, "-" * len(head)]
    if any(r.verdicts for r in results):
        lines.insert(0, "cells: binding/wire (binding: the target's ctypes against its C compiler; "
                        "wire: its C compiler against ctypes on this machine)")
    for r in results:
        cells = [f"{_cell(r, n):<{w}}" for n, w in zip(names, cols)]
        line = f"{r.target.name:<{tw}}  {_how(r):<{hw}}  " + "  ".join(cells)
        if r.status in ("skipped", "error"):
            line += f"  ({r.reason})"
        lines.append(line.rstrip())
    s = summary(results)
    lines.append("")
    notes = [(r, n) for r in results for n in r.notes]
    if notes:
        lines.append("Notes:")
        lines += [f"  {r.target.name}: {n}" for r, n in notes[:50]]
        lines.append("")
    problems = [(r, d) for r in results for d in r.differences]
    if problems:
        lines.append("Differences:")
        lines += [f"  {r.target.name}: {d}" for r, d in problems[:200]]
        lines.append("")
    ex = {r.target.name: r for r in results}
    ours = not any(r.verdicts for r in results)  # (a user's images are held to ctypes' own)
    if ours and "linux-s390x" in ex and "linux-x86_64" in ex and ex["linux-s390x"].images \
            and ex["linux-x86_64"].images:
        same = ex["linux-s390x"].images == ex["linux-x86_64"].images
        lines.append("big-endian s390x byte image vs x86_64: "
                     + ("identical" if same else "DIFFERENT"))
    verdict = "FAIL" if s["mismatching"] else "ERROR" if s["errors"] else "OK"
    lines.append(f"{verdict}: {s['targets']} targets: {s['compiled']} compiled, {s['executed']} executed, "
                 f"{s['matching']} matching, {s['mismatching']} mismatching, {s['skipped']} skipped, "
                 f"{s['errors']} errors (tools that failed: no verdict)")
    return "\n".join(lines)


def to_json(results: Sequence[TargetResult]) -> Dict[str, object]:
    return {"targets": [r.to_json() for r in results], "summary": summary(results)}
