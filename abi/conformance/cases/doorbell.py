"""GROUP_DOORBELL: the head's doorbell word and the waiting byte's bit 1 (7.8).

The line protocol (13) has no many-channel wait, so the peer is checked as the
remote: that it negotiates the feature only where 6.3 step 4 allows, rings the
head's fixed word exactly when the owner's waiting byte asks for it (and only then),
and rings it on close and attach.  The reference engine is the owner, parked on the
doorbell in a real :class:`abi.WaitSet`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

from abi import layout
from abi.conformance.cases.common import long_liveness
from abi.conformance.harness import ByteDiff, CaseFailure, CaseSkipped, Context, case
from abi.conformance.inspect_file import field_at

BELL = layout.FEATURE_GROUP_DOORBELL
FEATS = (layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT
         | layout.FEATURE_WAITER_FLAG | BELL)
SECOND = layout.DESC_SIZE  # the channel under test: not the head


def _both_implement(ctx: Context) -> None:
    if not ctx.peer_features & BELL:
        raise CaseSkipped("the peer does not implement GROUP_DOORBELL (optional)")
    if not ctx.ref_features() & BELL:
        raise CaseSkipped(f"the {ctx.engine} reference engine does not implement GROUP_DOORBELL here")


def _bells(path: Path) -> Tuple[int, int, int]:
    """North's and south's doorbells in the head, and north's in the second
    descriptor (which must never move: only the head's are rung)."""
    raw = path.read_bytes()

    def u32(at: int) -> int:
        return int.from_bytes(raw[at:at + 4], "little")
    north, south = layout.doorbell_offset(0), layout.doorbell_offset(1)
    return u32(north), u32(south), u32(SECOND + north)


def _group_of_two(ctx: Context, peer_creates: bool) -> Tuple[Path, Any]:
    """Descriptors at 0 (the head) and 192, both offering GROUP_DOORBELL; the peer and
    the reference on the second.  Returns the path and the reference channel."""
    _both_implement(ctx)
    p = ctx.tmp / "group"
    size = 2 * layout.DESC_SIZE
    if peer_creates:
        ctx.ok(f"create {p} 0 features=0x{FEATS:x} size={size}", locality=0)
        ctx.ok("close")
        # the peer's head is published (and closed); the channel under test is the second
        ctx.ok(f"create {p} 0 offset={SECOND} features=0x{FEATS:x} exist_ok=1", locality=0)
        ch = ctx.ref_attach(p, offset=SECOND)
        ctx.ok("wait_peer 2", attached=1)
    else:
        ctx.ref_create(p, 0, offset=0, size=size, features=FEATS)
        ch = ctx.ref_create(p, 0, offset=SECOND, features=FEATS, exist_ok=True)
        r = ctx.ok(f"attach {p} offset={SECOND}", locality=1)
        if not int(r.values.get("features", "0"), 16) & BELL:
            raise CaseFailure(f"the peer did not accept GROUP_DOORBELL on a descriptor whose head offers it, "
                              f"with WAKE_ADDRESS and WAITER_FLAG (6.3 step 4): {r.raw!r}")
        if not ch.wait_for_peer(2.0):
            raise CaseFailure("the reference creator does not see the peer's attach")
    if not (ch.features or 0) & BELL:
        raise CaseFailure(f"negotiated 0x{ch.features or 0:x} without GROUP_DOORBELL")
    long_liveness(ch)
    return p, ch


def _own_bell(ch: Any, path: Path) -> int:
    return _bells(path)[int(ch.locality)]


def _check_rings(ctx: Context, peer_creates: bool) -> None:
    from abi.engine.waitset import WaitSet

    p, ch = _group_of_two(ctx, peer_creates)
    own = int(ch.locality)
    pad0 = SECOND + layout.IRQ_OFFSET + layout.IRQ_SIZE * own + 3
    ch.enable()
    before = _bells(p)
    # At rest (waiting byte 0): no notification, no ring.
    ctx.ok("inject", notified=0)
    if _bells(p) != before:
        raise CaseFailure(f"an inject into an owner whose waiting byte is 0 moved a doorbell: {before} -> "
                          f"{_bells(p)} (7.8: a remote rings only an owner parked on it)")
    ch.wakeup()
    # Parked on the doorbell, in a real WaitSet.
    result: Dict[str, List[Any]] = {}
    ws = WaitSet([ch])
    if ws.mechanism != "doorbell":
        ws.close()
        raise CaseFailure(f"the reference WaitSet parks with {ws.mechanism}, not the doorbell "
                          "(reference engine problem)")
    waiter = threading.Thread(target=lambda: result.setdefault("ready", ws.wait(5.0)), daemon=True)
    waiter.start()
    ctx.track(waiter, ch)
    deadline = time.monotonic() + 2.0
    while p.read_bytes()[pad0] != 2 and time.monotonic() < deadline:
        time.sleep(0.001)
    if p.read_bytes()[pad0] != 2:
        waiter.join(6)
        ws.close()
        raise CaseFailure("the reference owner never announced its doorbell park (reference engine problem)")
    t0 = time.monotonic()
    ctx.ok("inject", notified=1)
    waiter.join(2.0)
    after = _bells(p)  # before the set closes: leaving a doorbell park rings it too
    ws.close()
    want = list(before)
    want[own] = (want[own] + 1) & 0xFFFFFFFF
    if after[own] == before[own]:
        at = layout.doorbell_offset(own)
        raise CaseFailure("an inject into an owner whose waiting byte is 2 (parked on the doorbell) did not "
                          f"ring the head's doorbell at file offset {at} (7.1 step 5, 7.8)",
                          ByteDiff(at, field_at(at), f"{want[own] & 0xFF:02x}", f"{after[own] & 0xFF:02x}",
                                   "after the inject"))
    if list(after) != want:
        raise CaseFailure(f"doorbells (head north, head south, second descriptor's north) {before} -> "
                          f"{after}, expected {tuple(want)}: one ring, of the head's word of the owner's "
                          "locality only (7.8)")
    if waiter.is_alive() or not result.get("ready") or time.monotonic() - t0 > 2.0:
        raise CaseFailure("the owner parked on the doorbell was not woken by the peer's inject within 2 s")
    ch.wakeup()


@case("doorbell", "peer_rings", "GROUP_DOORBELL negotiated on the second descriptor of a file whose head "
                                "offers it, the reference creating both: the peer accepts it (6.3 step 4); "
                                "its inject into an owner at rest moves no doorbell, and into an owner "
                                "parked on the doorbell (waiting byte 2) it adds exactly 1 to the head's "
                                "word of the owner's locality (file offset 88 or 152), nothing else, and "
                                "wakes it (7.1 step 5, 7.8).")
def _peer_rings(ctx: Context) -> None:
    _check_rings(ctx, peer_creates=False)


@case("doorbell", "peer_rings_as_creator", "As doorbell.peer_rings with the peer creating the head and the "
                                           "second descriptor and the reference attaching: the peer rings "
                                           "the attacher's doorbell in the head.")
def _peer_rings_as_creator(ctx: Context) -> None:
    _check_rings(ctx, peer_creates=True)


def _accepted(ctx: Context, line: str) -> int:
    r = ctx.ok(line)
    return int(r.values.get("features", "0"), 16)


@case("doorbell", "no_head_not_accepted", "A descriptor at offset 192 offering GROUP_DOORBELL in a file "
                                          "with no head (zeros at offset 0), and one whose head does not "
                                          "offer it: the peer attaches without accepting it (6.3 step 4).")
def _no_head(ctx: Context) -> None:
    _both_implement(ctx)
    for name, head in (("nohead", False), ("plainhead", True)):
        p = ctx.tmp / name
        if head:
            ctx.ref_create(p, 0, offset=0, size=2 * layout.DESC_SIZE, features=FEATS & ~BELL)
        ctx.ref_create(p, 0, offset=SECOND, size=2 * layout.DESC_SIZE, features=FEATS, exist_ok=head)
        got = _accepted(ctx, f"attach {p} offset={SECOND}")
        ctx.ok("close")
        if got & BELL:
            raise CaseFailure(f"the peer accepted GROUP_DOORBELL (0x{got:x}) where the head "
                              f"{'does not offer it' if head else 'is missing'}: it would ring a word no "
                              "owner parks on, or application data (6.3 step 4)")


@case("doorbell", "not_accepted_without_waiter_flag", "The peer attaching with WAITER_FLAG left out of what "
                                                      "it accepts (features=...) does not accept "
                                                      "GROUP_DOORBELL either (6.3 step 4, 6.4 rule 12).")
def _without_waiter_flag(ctx: Context) -> None:
    _both_implement(ctx)
    p = ctx.tmp / "chan"
    ctx.ref_create(p, 0, features=FEATS)
    got = _accepted(ctx, f"attach {p} features=0x{FEATS & ~layout.FEATURE_WAITER_FLAG:x}")
    ctx.ok("close")
    if got & BELL:
        raise CaseFailure(f"the peer accepted 0x{got:x}: GROUP_DOORBELL without WAITER_FLAG")


@case("doorbell", "attach_and_close_ring", "The peer's attach (accepting GROUP_DOORBELL) rings the "
                                           "creator's doorbell once, and its close rings it once more, "
                                           "whatever the waiting byte (7.5, 9, 7.8).")
def _attach_and_close(ctx: Context) -> None:
    _both_implement(ctx)
    p = ctx.tmp / "group"
    ctx.ref_create(p, 0, offset=0, size=2 * layout.DESC_SIZE, features=FEATS)
    ctx.ref_create(p, 0, offset=SECOND, features=FEATS, exist_ok=True)
    before = _bells(p)[0]
    got = _accepted(ctx, f"attach {p} offset={SECOND}")
    if not got & BELL:
        raise CaseFailure(f"the peer did not accept GROUP_DOORBELL (0x{got:x}) on a group's second "
                          "descriptor")
    attached = _bells(p)[0]
    ctx.ok("close")
    closed = _bells(p)[0]
    if (attached - before, closed - attached) != (1, 1):
        raise CaseFailure(f"the creator's doorbell went {before} -> {attached} at the attach -> {closed} at "
                          "the close: expected one ring each (7.5, 9: the unconditional notifications ring "
                          "the doorbell too)")
