"""Each corrupt golden descriptor handed to the peer: the right fault, nothing written (6.4, 11)."""


from __future__ import annotations

from typing import Any, Dict

from abi import layout
from abi.conformance.cases.common import golden_vectors
from abi.conformance.harness import (
    CASES,
    ByteDiff,
    Case,
    CaseFailure,
    Context,
)
from abi.conformance.inspect_file import field_at


def _fault_cases() -> None:
    for vec in golden_vectors()["faults"]:
        def fn(ctx: Context, f: Dict[str, Any] = vec) -> None:
            p = ctx.tmp / "bad"
            mapping = bytes.fromhex(f["mapping"])
            p.write_bytes(mapping)
            r = ctx.raw(f"attach {p} offset={f['offset']} features={f['features']}")
            if r.ok:
                raise CaseFailure(f"the peer attached to a descriptor with {f['fault']} "
                                  f"({f['field']} at offset {f['field_offset']}); expected err {f['code']} "
                                  f"{f['fault']}")
            if r.code != f["code"]:
                raise CaseFailure(f"refused with err {r.code} {r.name}, "
                                  f"expected err {f['code']} {f['fault']} "
                                  f"({f['field']} at offset {f['field_offset']}; the checks run in the "
                                  "order of spec 6.4)")
            after = p.read_bytes()
            if after != mapping:
                at = next((i for i in range(min(len(after), len(mapping))) if after[i] != mapping[i]),
                          min(len(after), len(mapping)))
                rel = at - f["offset"]
                name = field_at(rel) if 0 <= rel < layout.DESC_SIZE else f"file byte {at}"
                exp = f"{mapping[at]:02x}" if at < len(mapping) else "--"
                act = f"{after[at]:02x}" if at < len(after) else "--"
                raise CaseFailure(f"the refused attach wrote to the file: byte {at} ({name}) was 0x{exp}, "
                                  f"now 0x{act}", ByteDiff(at, name, exp, act, "after the refused attach"))
            ctx.ok("hello")  # a fault is a value: the peer carries on

        CASES.append(Case(f"fault.{vec['name']}", "fault",
                          f"attach must refuse with {vec['code']} {vec['fault']} ({vec['field']}) and write "
                          "nothing (6.4).", fn))


_fault_cases()
