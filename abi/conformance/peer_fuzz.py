"""``check-peer --fuzz N``: a third-party peer's validator against the reference's.

The peer gets N mutated descriptors (the inputs of :mod:`abi.conformance.fuzz`) through the line
protocol's ``attach``, each in a file of its own; its verdict (accept, or ``err`` with
a fault code and the field its message names) is compared with what the reference
Python engine's attach says of the same bytes, validating as a peer that implements
what the peer announced in ``hello``.  A refused attach must also leave the file as
it was.  Disagreements are reported with the input, both verdicts and the field that
decides, and saved as a corpus file that ``--fuzz-replay`` runs again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

from abi.conformance import fuzz
from abi.conformance.fuzz.judges import verdict_of
from abi.conformance.harness import CaseFailure, Context
from abi.conformance.peer_driver import PeerFailure
from abi.faults import Fault

Verdict = Tuple[str, ...]
SHOWN = 5  # disagreements spelled out in the failure message
# 13.1: "field=F offset=N expected=E actual=A:" (a field name may hold spaces)
_FIELD = re.compile(r"field=(.*?) offset=|field=(\S+)")


def _reference(case: fuzz.Case, path: Path, supported: int) -> Verdict:
    from abi.engine.channel import Channel

    path.write_bytes(case.data)
    return verdict_of(lambda: Channel.attach(path, offset=case.offset, features=supported,
                                                liveness_interval=1).close())


def _peer(ctx: Context, case: fuzz.Case, path: Path) -> Verdict:
    path.write_bytes(case.data)
    try:
        r = ctx.raw(f"attach {path} offset={case.offset} timeout=0")
    except PeerFailure as exc:
        ctx.suite.kill_peer()  # the next input gets a fresh peer
        return ("error", f"the peer {exc.kind}: {exc}")
    if r.ok:
        try:
            ctx.raw("close")
        except PeerFailure:
            ctx.suite.kill_peer()
        return ("ok",)
    try:
        name = Fault(r.code if r.code is not None else -1).name
    except ValueError:
        return ("error", f"err {r.code} {r.name} is no fault code: {r.message}")
    m = _FIELD.search(r.message)
    named = (m.group(1) or m.group(2)) if m else ""
    verdict: Verdict = ("fault", name, "" if named == "-" else named)
    if path.read_bytes() != case.data:
        return ("error", f"refused with {name} but wrote to the file")
    return verdict


def _differ(ref: Verdict, peer: Verdict) -> bool:
    if peer[0] == "error" or ref[:2] != peer[:2]:
        return True
    # Same fault: the field counts when the peer names one (13.1: the message SHOULD).
    return ref[0] == "fault" and bool(peer[2]) and peer[2] != ref[2]


def _show(v: Verdict) -> str:
    if v[0] == "ok":
        return "accepts"
    if v[0] == "fault":
        return f"err {int(Fault[v[1]])} {v[1]}" + (f" ({v[2]})" if v[2] else "")
    return v[1]


def run_case(ctx: Context) -> None:
    """The ``fuzz.validator`` case."""
    opts = ctx.opts
    supported = ctx.peer_features
    if opts.fuzz_replay:
        cases = fuzz.load_reproducers([opts.fuzz_replay])
    else:
        mutator = fuzz.Mutator(opts.fuzz_seed)
        cases = [next(mutator) for _ in range(opts.fuzz)]
    found: List[Dict[str, Any]] = []
    for i, case in enumerate(cases):
        ref = _reference(case, ctx.tmp / "reference", supported)
        peer = _peer(ctx, case, ctx.tmp / f"input{i % 2}")
        if _differ(ref, peer):
            found.append({"input": case.to_json(), "reference": list(ref), "peer": list(peer)})
    if not found:
        return
    corpus = Path(opts.fuzz_corpus)
    corpus.write_text(json.dumps(found, indent=1) + "\n")
    lines = [f"{len(found)} of {len(cases)} descriptors get a different verdict from the peer than from the "
             f"reference validator (validating as a peer with features 0x{supported:x}, spec 6.4):"]
    for d in found[:SHOWN]:
        ref, peer = tuple(d["reference"]), tuple(d["peer"])
        decides = ref[2] if ref[0] == "fault" else (peer[2] if peer[0] == "fault" else "-")
        lines += [f"  input {d['input']['data']} offset={d['input']['offset']}",
                  f"    reference: {_show(ref)}; peer: {_show(peer)}; the field that decides: {decides}"]
    if len(found) > SHOWN:
        lines.append(f"  ... and {len(found) - SHOWN} more")
    lines.append(f"corpus saved: {corpus} (replay: shm-signal check-peer --fuzz-replay {corpus} -- PEER)")
    raise CaseFailure("\n".join(lines))
