"""The peer's lock keeps its locality busy; its death is noticed (9)."""


from __future__ import annotations

from abi import layout
from abi.conformance.harness import (
    CaseFailure,
    CaseSkipped,
    Context,
    case,
)
from abi.faults import Fault, ShmSignalFault


@case("liveness", "locality_busy", "While the peer is attached with LIVENESS_LOCK its lock keeps the "
                                   "locality busy: a second attacher gets LOCALITY_BUSY (6.3, 9).")
def _busy(ctx: Context) -> None:
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK
    if feats & ~ctx.peer_features:
        raise CaseSkipped("the peer does not implement LIVENESS_LOCK")
    p = ctx.tmp / "chan"
    ctx.ref_create(p, 0, features=feats)
    ctx.ok(f"attach {p}", locality=1)
    # the peer's record is attached and (with LIVENESS_LOCK negotiated) only its lock
    # says it is alive: a second attacher must find the lock taken
    try:
        ctx.ref_attach(p)
    except ShmSignalFault as exc:
        if exc.code != Fault.LOCALITY_BUSY:
            raise CaseFailure(f"expected LOCALITY_BUSY, got {exc.code.name}") from None
    else:
        raise CaseFailure("a second attacher took the peer's locality: the peer does not hold its "
                          "liveness lock at LOCK_BASE + offset + 64 + 64 * locality (section 9)")


@case("liveness", "death_noticed", "A peer killed while attached leaves its record attached but its "
                                   "liveness lock free: the reference reports PEER_DEAD (section 9).")
def _death(ctx: Context) -> None:
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK
    if feats & ~ctx.peer_features:
        raise CaseSkipped("the peer does not implement LIVENESS_LOCK")
    p = ctx.tmp / "chan"
    ch = ctx.ref_create(p, 0, features=feats)
    ctx.ok(f"attach {p}", locality=1)
    if not ch.wait_for_peer(2.0):
        raise CaseFailure("the reference does not see the peer's attach")
    try:
        ch.check_peer()
    except ShmSignalFault as exc:
        raise CaseFailure(f"the live peer is reported as {exc.code.name}: does it hold its liveness "
                          "lock at LOCK_BASE + 64 + 64 * locality (section 9)?") from None
    ctx.suite.kill_peer()
    try:
        ch.enable()
        ch.wait(3.0)
    except ShmSignalFault as exc:
        if exc.code != Fault.PEER_DEAD:
            raise CaseFailure(f"expected PEER_DEAD, got {exc.code.name}") from None
    else:
        raise CaseFailure("the killed peer was not noticed within 3 s")
