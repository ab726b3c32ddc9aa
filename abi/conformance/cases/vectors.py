"""Every golden vector replayed with the peer as one side (the descriptor bytes compared after every step)."""


from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from abi import layout
from abi.conformance.cases.common import golden_vectors
from abi.conformance.harness import (
    CASES,
    SIDES,
    Case,
    CaseFailure,
    CaseSkipped,
    Context,
)
from abi.conformance.replay import RefSide, Replay, Side


class PeerSide:
    """The side of a golden vector the peer plays, over the line protocol (13.1)."""

    name = "peer"

    def __init__(self, ctx: Context, side: int) -> None:
        self.ctx, self.side = ctx, side

    def create(self, path: Path, step: Dict[str, Any]) -> None:
        size = f" size={step['size']}" if step.get("size") else ""
        self.ctx.ok(f"create {path} {self.side} offset={step['offset']} features={step['features']} "
                    f"required={step['required']} instance={step['instance_id']} pid={step['pid']}{size}",
                    locality=self.side)

    def attach(self, path: Path, offset: int, step: Dict[str, Any]) -> Tuple[int, int]:
        r = self.ctx.ok(f"attach {path} offset={offset} features={step['features']} pid={step['pid']}")
        return self.ctx.num(r, "locality"), self.ctx.num(r, "features")

    def wait_peer(self) -> bool:
        self.ctx.ok("wait_peer 1", attached=1)
        return True

    def enable(self) -> int:
        return self.ctx.num(self.ctx.ok("enable"), "calls")

    def disable(self) -> None:
        self.ctx.ok("disable")

    def inject(self) -> bool:
        return bool(self.ctx.num(self.ctx.ok("inject"), "notified"))

    def wakeup(self, budget: Optional[int], reinject: int) -> Tuple[int, bool]:
        # reinject is 0 here: _vector_cases leaves out the orientations where the
        # peer's wakeup would need the reference to inject from inside it
        r = self.ctx.ok("wakeup" + (f" {budget}" if budget else ""))
        return self.ctx.num(r, "calls"), bool(self.ctx.num(r, "more"))

    def close(self) -> None:
        self.ctx.ok("close")


def _replay(ctx: Context, vec: Dict[str, Any], peer_side: int) -> None:
    """Runs one golden case with the peer as ``peer_side`` and the reference engine
    as the other side, comparing the descriptor after every step."""
    peer = PeerSide(ctx, peer_side)
    ref = RefSide(1 - peer_side, ctx.ref_create, ctx.ref_attach, ctx.reinject)
    sides: List[Side] = [peer, ref] if peer_side == 0 else [ref, peer]
    Replay(ctx.tmp / "chan", sides, failure=CaseFailure, compare=ctx.compare).run(vec)


def _vector_cases() -> None:
    for vec in golden_vectors()["cases"]:
        sides = []
        for s in vec["steps"]:
            side = SIDES.get(s.get("side", ""), -1)
            if side >= 0 and side not in sides:
                sides.append(side)
        reinject_sides = {SIDES[s["side"]] for s in vec["steps"] if s.get("reinject")}
        creator = next((SIDES[s["side"]] for s in vec["steps"] if s["op"] == "create"), None)
        for side in sides:
            if side in reinject_sides:
                # the peer's notifier only counts (13.2): it cannot make the reference
                # inject from inside a wakeup, so this orientation has no line-protocol form
                continue
            role = "creator" if side == creator else "attacher"
            name = f"{vec['name']}.peer_{layout.LOCALITY_NAMES[side]}_{role}"

            def fn(ctx: Context, vec: Dict[str, Any] = vec, side: int = side) -> None:
                needed = 0
                for s in vec["steps"]:
                    if s["op"] == "create" and SIDES[s["side"]] == side:
                        needed |= int(s["features"], 16)
                if needed & ~ctx.peer_features:
                    raise CaseSkipped(f"the vector offers 0x{needed:x}, the peer implements "
                                      f"0x{ctx.peer_features:x}")
                _replay(ctx, vec, side)

            CASES.append(Case(f"vector.{name}", "vector", vec.get("doc", ""), fn,
                              uses_reference=len(sides) == 2))


_vector_cases()
