"""The cases of the check-peer conformance suite (:mod:`abi.conformance.check_peer` runs them).

Each case is a function registered with :func:`abi.conformance.check_peer.case` (or appended to
``CASES`` for the generated ones: one per golden vector and role, one per fault
vector); it drives the peer through its :class:`~abi.conformance.check_peer.Context` and raises
:class:`~abi.conformance.check_peer.CaseFailure` to fail, :class:`~abi.conformance.check_peer.CaseSkipped`
when it does not apply.  Importing this module registers them all.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from abi import layout
from abi.conformance import peer_fuzz
from abi.conformance.check_peer import (
    CASES,
    GOLDEN,
    SIDES,
    STRESS_WAIT,
    ByteDiff,
    Case,
    CaseFailure,
    CaseSkipped,
    Context,
    case,
    record,
)
from abi.conformance.inspect_file import field_at
from abi.conformance.replay import RefSide, Replay, Side
from abi.descriptor import initialize, validate
from abi.faults import Fault, ShmSignalFault

# ---------------------------------------------------------------- protocol


@case("protocol", "hello", "hello answers protocol=1, an implementation name and a feature set (13.2).")
def _hello(ctx: Context) -> None:
    r = ctx.ok("hello", protocol=1)
    if "impl" not in r.values:
        raise CaseFailure(f"hello lacks impl=: {r.raw!r}")
    feats = ctx.num(r, "features")
    if feats & ~layout.FEATURES_KNOWN:
        raise CaseFailure(f"hello claims unassigned feature bits 0x{feats & ~layout.FEATURES_KNOWN:x}")


@case("protocol", "errors", "Unknown commands, commands without a channel, an existing file and a "
                            "missing file are refused with the right code, and the peer keeps "
                            "answering (13.1, 13.3).")
def _errors(ctx: Context) -> None:
    ctx.err("no_such_command 1 2", 100)
    ctx.err("enable", 101)
    ctx.err("inject", 101)
    ctx.err("wakeup", 101)
    ctx.err("dump", 101)
    ctx.err("create", 100)
    existing = ctx.tmp / "exists"
    existing.write_bytes(b"x")
    ctx.err(f"create {existing} 0", 103)
    ctx.err(f"attach {ctx.tmp / 'missing'}", 104)
    ctx.ok("hello", protocol=1)


@case("protocol", "one_channel", "A second create or attach while a channel is open is a USAGE error; "
                                 "after close the channel commands answer NO_CHANNEL, and a new "
                                 "channel can be created (13.1).")
def _one_channel(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    ctx.ok(f"create {p} 0")
    ctx.err(f"create {ctx.tmp / 'other'} 0", 100)
    ctx.err(f"attach {p}", 100)
    ctx.ok("close")
    ctx.err("inject", 101)
    ctx.err("close", 101)
    ctx.ok(f"create {ctx.tmp / 'again'} 1", locality=1)  # a new channel after close (13.1)
    ctx.ok("close")


# ---------------------------------------------------------------- golden vectors


def _vectors() -> Dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


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
    for vec in _vectors()["cases"]:
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


# ---------------------------------------------------------------- handshake


@case("handshake", "create_validates", "A descriptor the peer creates with its own random instance_id "
                                       "and pid passes the reference validator, offers what hello said, "
                                       "and a reference attacher negotiates with it (6.1-6.4).")
def _create_validates(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    hello = ctx.ok("hello")
    ctx.ok(f"create {p} 0", locality=0)
    raw = ctx.file_desc(p)
    try:
        d = validate(bytearray(raw), 0, len(raw))
    except ShmSignalFault as exc:
        raise CaseFailure(f"the reference validator refuses the peer's descriptor: {exc}") from None
    if d.features_offered != ctx.num(hello, "features"):
        raise CaseFailure(f"offered 0x{d.features_offered:x}, hello said {hello.values.get('features')}")
    if d.irq[0].pid == 0:
        raise CaseFailure("the creator's pid is 0 (spec 6.1 step 3 writes the own pid)")
    ch = ctx.ref_attach(p)
    ctx.ok("wait_peer 2", attached=1)
    want = d.features_offered & ctx.ref_features()
    ctx.ok("features", features=f"0x{want:x}")
    if ch.features != want:
        raise CaseFailure(f"the reference negotiated 0x{ch.features:x}, expected 0x{want:x}")


@case("handshake", "create_at_offset", "The peer creates a south descriptor at offset 128 of a 512-byte "
                                       "file; the bytes equal the reference's, the file has the size asked "
                                       "for, and "
                                       "a reference attacher at that offset exchanges an inject (5, 6.1).")
def _create_at_offset(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_NOTIFY_COUNT
    feats &= ctx.peer_features
    inst = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    ctx.ok(f"create {p} 1 offset=128 size=512 features=0x{feats:x} required=0x0 instance={inst} pid=77",
           locality=1)
    if os.path.getsize(p) < 512:
        raise CaseFailure(f"the file is {os.path.getsize(p)} bytes, create asked for size=512")
    want = bytearray(512)
    initialize(want, 128, 1, feats, 0, bytes.fromhex(inst), 77)
    ctx.compare(bytes(want[128:320]), ctx.file_desc(p, 128), "after create at offset 128")
    if any(ctx.file_desc(p, 0)[:128]):
        raise CaseFailure("the peer wrote bytes before its descriptor's offset")
    ch = ctx.ref_attach(p, offset=128)
    if ch.locality != 0:
        raise CaseFailure(f"the reference attached as {ch.locality}")
    ctx.ok("wait_peer 2", attached=1)
    ctx.ok("enable")
    if not ch.inject():
        raise CaseFailure("an inject into the enabled peer sent no notification")
    ctx.ok("wait 2", ready=1)
    ctx.ok("wakeup", calls=1, more=0)


# ---------------------------------------------------------------- semantics


def _pair(ctx: Context, peer_creates: bool, features: Optional[int] = None) -> Any:
    """A channel between the peer and a reference engine; returns the reference channel."""
    p = ctx.tmp / "chan"
    feats = (layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT) \
        if features is None else features
    feats &= ctx.peer_features & ctx.ref_features()
    if peer_creates:
        ctx.ok(f"create {p} 0 features=0x{feats:x}", locality=0)
        ch = ctx.ref_attach(p)
        ctx.ok("wait_peer 2", attached=1)
    else:
        ch = ctx.ref_create(p, 0, features=feats)
        ctx.ok(f"attach {p}", locality=1)
        if not ch.wait_for_peer(2.0):
            raise CaseFailure("the reference creator does not see the peer's attach")
    return ch


def _peer_loc(ch: Any) -> int:
    return 1 - int(ch.locality)


@case("semantics", "coalescing_peer_injects", "The peer injects 50 times into an enabled reference "
                                              "owner: one notification (pending suppresses the rest, 7.1), "
                                              "notify_count 1; after the owner's wakeup the next inject "
                                              "notifies again.")
def _coalesce_peer(ctx: Context) -> None:
    ch = _pair(ctx, peer_creates=False)
    ch.enable()
    r = ctx.ok("inject 50")
    if ctx.num(r, "notified") != 1:
        raise CaseFailure(f"50 injects into an enabled owner sent {r.values.get('notified')} notifications, "
                          "expected 1: an inject must not notify while pending is set (7.1 step 5)")
    rec = record(ctx.file_desc(ctx.tmp / "chan"), ch.locality)
    if (rec["pending"], rec["dirty"]) != (1, 1):
        raise CaseFailure(f"after the injects the owner's pending/dirty are {rec['pending']}/{rec['dirty']}, "
                          "expected 1/1")
    if ch.features & layout.FEATURE_NOTIFY_COUNT and rec["notify_count"] != 1:
        raise CaseFailure(f"notify_count is {rec['notify_count']} after one notification")
    if ch.wakeup() != 1:
        raise CaseFailure("the owner's wakeup did not call the notifier once")
    ctx.ok("inject", notified=1)


@case("semantics", "coalescing_reference_injects", "The reference injects 50 times into the enabled peer: "
                                                   "one notification; the peer's wakeup calls the notifier "
                                                   "once and clears pending and dirty (7.2), so the next "
                                                   "inject notifies again.")
def _coalesce_ref(ctx: Context) -> None:
    ch = _pair(ctx, peer_creates=True)
    ctx.ok("enable", calls=0)
    notified = sum(bool(ch.inject()) for _ in range(50))
    if notified != 1:
        raise CaseFailure(f"the reference sent {notified} notifications (reference engine problem)")
    ctx.ok("wait 2", ready=1)
    ctx.ok("wakeup", calls=1, more=0)
    raw = ctx.file_desc(ctx.tmp / "chan")
    rec = record(raw, _peer_loc(ch))
    if rec["pending"] or rec["dirty"]:
        at = layout.IRQ_OFFSET + layout.IRQ_SIZE * _peer_loc(ch) + (1 if rec["pending"] else 2)
        diff = ByteDiff(at, field_at(at), "00", f"{raw[at]:02x}", "after the peer's wakeup")
        raise CaseFailure(f"after the peer's wakeup: {diff.describe()} (the wakeup must clear dirty, "
                          "then pending, 7.2)", diff)
    if not ch.inject():
        raise CaseFailure("an inject after the peer's wakeup sent no notification: pending stayed set")
    ctx.ok("wakeup", calls=1, more=0)
    ctx.ok("wakeup", calls=0, more=0)


@case("semantics", "masking", "A disabled peer is not notified but dirty is set (7.4); enable runs the "
                              "wakeup at once (7.3); a disabled owner's wakeup does nothing.")
def _masking(ctx: Context) -> None:
    ch = _pair(ctx, peer_creates=False)
    ctx.ok("enable", calls=0)
    ctx.ok("disable")
    if ch.inject():
        raise CaseFailure("an inject into the disabled peer sent a notification (reference engine problem)")
    rec = record(ctx.file_desc(ctx.tmp / "chan"), _peer_loc(ch))
    if (rec["enabled"], rec["pending"], rec["dirty"]) != (0, 0, 1):
        raise CaseFailure(f"after disable and an inject: enabled/pending/dirty {rec['enabled']}/"
                          f"{rec['pending']}/{rec['dirty']}, expected 0/0/1")
    ctx.ok("wakeup", calls=0, more=0)
    ctx.ok("enable", calls=1)
    ctx.ok("wakeup", calls=0, more=0)


@case("semantics", "peer_masks_reference", "Injects by the peer into a disabled reference owner set dirty "
                                           "and notify nobody; the owner's enable finds the work.")
def _peer_masks(ctx: Context) -> None:
    ch = _pair(ctx, peer_creates=True)
    ch.disable()
    ctx.ok("inject 3", notified=0)
    if ch.enable() != 1:
        raise CaseFailure("the reference's enable found no work after the peer's injects (dirty was not set)")


@case("semantics", "wait", "wait returns ready=0 after its timeout when nothing is signalled, and ready=1 "
                           "as soon as the remote injects (13.2 wait, 7.5).")
def _wait(ctx: Context) -> None:
    ch = _pair(ctx, peer_creates=True)
    ctx.ok("enable")
    t0 = time.monotonic()
    ctx.ok("wait 0.2", ready=0)
    if time.monotonic() - t0 < 0.15:
        raise CaseFailure("wait 0.2 returned ready=0 before its timeout")
    ctx.peer.send("wait 5")
    time.sleep(0.05)
    ch.inject()
    t0 = time.monotonic()
    r = ctx.peer.reply(ctx.opts.timeout)
    if not r.ok or r.values.get("ready") != "1":
        raise CaseFailure(f"a waiting peer answered {r.raw!r} to an inject, expected ok ready=1")
    if time.monotonic() - t0 > 2.0:
        raise CaseFailure("the waiting peer took more than 2 s to notice the inject")
    ctx.ok("wakeup", calls=1)


@case("semantics", "close_by_peer", "The peer's close sets its state closed and the remote's dirty, "
                                    "leaving pending and notify_count alone; the reference sees "
                                    "PEER_CLOSED (section 9).")
def _close_by_peer(ctx: Context) -> None:
    ch = _pair(ctx, peer_creates=False)
    ch.enable()
    ctx.ok("close")
    raw = ctx.file_desc(ctx.tmp / "chan")
    own, peer = record(raw, ch.locality), record(raw, _peer_loc(ch))
    if peer["state"] != layout.STATE_CLOSED:
        at = layout.IRQ_OFFSET + layout.IRQ_SIZE * _peer_loc(ch) + 4
        raise CaseFailure(f"after close the peer's state is {peer['state']}, expected 2 (closed)",
                          ByteDiff(at, field_at(at), "02", f"{raw[at]:02x}", "after close"))
    if (own["dirty"], own["pending"], own["notify_count"]) != (1, 0, 0):
        raise CaseFailure(f"after the peer's close the reference's dirty/pending/notify_count are "
                          f"{own['dirty']}/{own['pending']}/{own['notify_count']}, "
                          "expected 1/0/0 (section 9)")
    try:
        for _ in range(3):  # the close's dirty makes a wait ready; the wakeup drains it
            if ch.wait(2.0):
                ch.wakeup()
    except ShmSignalFault as exc:
        if exc.code != Fault.PEER_CLOSED:
            raise CaseFailure(f"the reference saw {exc.code.name}, expected PEER_CLOSED") from None
    else:
        raise CaseFailure("the reference's wait did not report PEER_CLOSED")


@case("semantics", "close_by_reference", "When the reference closes, a peer parked in wait wakes at once "
                                         "and reports PEER_CLOSED (err 16), and keeps answering.")
def _close_by_ref(ctx: Context) -> None:
    ch = _pair(ctx, peer_creates=True)
    ctx.ok("enable")
    ctx.peer.send("wait 10")
    time.sleep(0.1)
    ch.close()
    t0 = time.monotonic()
    r = ctx.peer.reply(ctx.opts.timeout)
    took = time.monotonic() - t0
    if r.ok and r.values.get("ready") == "1":
        # the close set the peer's dirty, so wait may answer ready=1 first (13.2 wait);
        # after the wakeup that drains it, the next wait must report the close
        ctx.ok("wakeup")
        r = ctx.raw("wait 1")
    if r.ok or r.code != int(Fault.PEER_CLOSED):
        raise CaseFailure(f"after the remote's close the peer's wait answered {r.raw!r}, expected err 16 "
                          "PEER_CLOSED")
    if took > 2.0:
        raise CaseFailure(f"the parked peer took {took:.1f} s to notice the close (the close wakes "
                          "unconditionally, section 9)")
    ctx.ok("hello")


# ---------------------------------------------------------------- WAITER_FLAG

_WF = getattr(layout, "FEATURE_WAITER_FLAG", 1 << 4)


def _waiter_pair(ctx: Context, peer_creates: bool) -> Any:
    if not ctx.peer_features & _WF:
        raise CaseSkipped("the peer does not implement WAITER_FLAG (optional)")
    if not ctx.ref_features() & _WF:
        raise CaseSkipped(f"the {ctx.engine} reference engine does not implement WAITER_FLAG")
    ch = _pair(ctx, peer_creates, layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_NOTIFY_COUNT | _WF)
    _long_liveness(ch)  # one park per wait: pad0 stays 1 while it is parked
    return ch


def _wait_for_byte(ctx: Context, at: int, value: int, seconds: float = 2.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ctx.file_desc(ctx.tmp / "chan")[at] == value:
            return True
        time.sleep(0.001)
    return False


def _pad0(locality: int) -> int:
    return layout.IRQ_OFFSET + layout.IRQ_SIZE * locality + 3


@case("waiter", "peer_injects", "WAITER_FLAG negotiated, the peer injecting: into an owner that is not "
                                "parked it sets pending and dirty but makes no kernel call (notified=0, "
                                "notify_count unchanged); into a parked owner (pad0 = 1) it notifies and "
                                "wakes it (7.1 step 5, 7.5).")
def _waiter_peer_injects(ctx: Context) -> None:
    ch = _waiter_pair(ctx, peer_creates=False)
    ch.enable()
    ctx.ok("inject", notified=0)
    rec = record(ctx.file_desc(ctx.tmp / "chan"), ch.locality)
    if (rec["pending"], rec["dirty"], rec["notify_count"]) != (1, 1, 0):
        raise CaseFailure(f"pending/dirty/notify_count {rec['pending']}/{rec['dirty']}/{rec['notify_count']} "
                          "after an inject into an owner that was not parked, expected 1/1/0")
    if ch.wakeup() != 1:
        raise CaseFailure("the owner's wakeup found no work")
    result: Dict[str, Any] = {}
    waiter = threading.Thread(target=lambda: result.setdefault("ready", ch.wait(5.0)), daemon=True)
    waiter.start()
    ctx.track(waiter, ch)
    if not _wait_for_byte(ctx, _pad0(ch.locality), 1):
        waiter.join(6)
        raise CaseFailure("the reference owner never set its waiting flag (reference engine problem)")
    ctx.ok("inject", notified=1)
    waiter.join(2.0)
    if waiter.is_alive() or not result.get("ready"):
        raise CaseFailure("the parked owner was not woken by the peer's inject within 2 s")
    rec = record(ctx.file_desc(ctx.tmp / "chan"), ch.locality)
    if rec["notify_count"] != 1:
        raise CaseFailure(f"notify_count {rec['notify_count']} after one notification")


@case("waiter", "peer_parks", "WAITER_FLAG negotiated, the peer owning: at rest its pad0 is 0, so a "
                              "remote's inject makes no kernel call; parked in wait it sets pad0 = 1, the "
                              "inject wakes it, and it clears pad0 after (7.5).")
def _waiter_peer_parks(ctx: Context) -> None:
    ch = _waiter_pair(ctx, peer_creates=True)
    peer = _peer_loc(ch)
    ctx.ok("enable")
    if ch.inject():
        raise CaseFailure("the peer's waiting flag (pad0) was set while it was not waiting")
    ctx.ok("wakeup", calls=1, more=0)
    ctx.peer.send("wait 5")
    if not _wait_for_byte(ctx, _pad0(peer), 1):
        r = ctx.peer.reply(ctx.opts.timeout)
        diff = ByteDiff(_pad0(peer), field_at(_pad0(peer)), "01", "00", "during wait")
        raise CaseFailure(f"the peer waited without setting its waiting flag pad0 (7.5 step 1); it "
                          f"replied {r.raw!r}", diff)
    t0 = time.monotonic()
    if not ch.inject():
        raise CaseFailure("an inject into the parked peer sent no notification (reference engine problem)")
    r = ctx.peer.reply(ctx.opts.timeout)
    if not r.ok or r.values.get("ready") != "1":
        raise CaseFailure(f"the parked peer answered {r.raw!r}, expected ok ready=1")
    if time.monotonic() - t0 > 1.0:
        raise CaseFailure("the parked peer took more than 1 s to wake")
    raw = ctx.file_desc(ctx.tmp / "chan")
    if raw[_pad0(peer)] != 0:
        raise CaseFailure("the peer left its waiting flag set after the wait returned (7.5 step 5)",
                          ByteDiff(_pad0(peer), field_at(_pad0(peer)), "00", f"{raw[_pad0(peer)]:02x}",
                                   "after wait"))
    ctx.ok("wakeup", calls=1, more=0)


@case("waiter", "creator_parked_before_attach", "The peer creates offering WAITER_FLAG, enables and parks "
                                                "before anyone attached; the reference attaches (and wakes "
                                                "it once, 7.5): within 1 s the peer must be parked again "
                                                "with its waiting flag set, so the reference's next inject "
                                                "wakes it.")
def _waiter_creator_parked(ctx: Context) -> None:
    if not ctx.peer_features & _WF:
        raise CaseSkipped("the peer does not implement WAITER_FLAG (optional)")
    if not ctx.ref_features() & _WF:
        raise CaseSkipped(f"the {ctx.engine} reference engine does not implement WAITER_FLAG")
    p = ctx.tmp / "chan"
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_NOTIFY_COUNT | _WF
    ctx.ok(f"create {p} 0 features=0x{feats:x}", locality=0)
    ctx.ok("enable")
    ctx.peer.send("wait 10")
    time.sleep(0.2)  # parked, not knowing the features yet
    ch = ctx.ref_attach(p)
    if not (ch.features or 0) & _WF:
        raise CaseFailure(f"the reference negotiated 0x{ch.features or 0:x} without WAITER_FLAG")
    if not _wait_for_byte(ctx, _pad0(0), 1, 1.0):
        r = ctx.peer.reply(ctx.opts.timeout) if ch.inject() else None
        raise CaseFailure("1 s after the attach the parked creator has not set its waiting flag: it did not "
                          "re-read the negotiated features when the attacher woke it (7.5)"
                          + (f"; its wait answered {r.raw!r}" if r is not None else ""),
                          ByteDiff(_pad0(0), field_at(_pad0(0)), "01", "00", "after the attach"))
    t0 = time.monotonic()
    if not ch.inject():
        raise CaseFailure("an inject into the parked creator sent no notification (reference engine problem)")
    r = ctx.peer.reply(ctx.opts.timeout)
    if not r.ok or r.values.get("ready") != "1" or time.monotonic() - t0 > 1.0:
        raise CaseFailure(f"the parked creator answered {r.raw!r} after {time.monotonic() - t0:.2f} s, "
                          "expected ok ready=1 within 1 s")
    ctx.ok("wakeup", calls=1, more=0)


def _waiter_descriptor(pad0: int) -> bytes:
    buf = bytearray(layout.DESC_SIZE)
    offered = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_NOTIFY_COUNT | _WF
    initialize(buf, 0, 0, offered, 0, bytes.fromhex("00112233445566778899aabbccddeeff"), 4660)
    buf[_pad0(0)] = pad0
    return bytes(buf)


@case("waiter", "stale_pad0_accepted", "A descriptor offering WAITER_FLAG with the creator's pad0 = 1 (a "
                                       "flag left by an earlier wait) is valid: the peer attaches, whatever "
                                       "features it implements itself (6.4 rule 8).")
def _waiter_stale(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    p.write_bytes(_waiter_descriptor(1))
    r = ctx.raw(f"attach {p}")
    if not r.ok:
        raise CaseFailure(f"the peer refused a valid descriptor: {r.raw} (with WAITER_FLAG offered, pad0 "
                          "is a 0/1 flag, not reserved: spec 6.4 rule 8)")


@case("waiter", "pad0_not_a_flag", "A descriptor offering WAITER_FLAG with pad0 = 2 is refused with "
                                   "BAD_FLAG (6.4 rule 8).")
def _waiter_bad(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    bad = _waiter_descriptor(2)
    p.write_bytes(bad)
    r = ctx.raw(f"attach {p}")
    if r.ok or r.code != int(Fault.BAD_FLAG):
        raise CaseFailure(f"attach answered {r.raw!r}, expected err 9 BAD_FLAG (irq[0].pad0 at offset 67)")
    if p.read_bytes() != bad:
        raise CaseFailure("the refused attach wrote to the file")


# ---------------------------------------------------------------- liveness


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
        ch.check_peer() if hasattr(ch, "check_peer") else ch.wait(0.05)
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


# ---------------------------------------------------------------- faults


def _fault_cases() -> None:
    for vec in _vectors()["faults"]:
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


# ---------------------------------------------------------------- stress


class _RefServer(threading.Thread):
    """The reference side of a stress run: wait, wakeup, optionally echo; counts
    waits that timed out with work pending (lost wake-ups)."""

    def __init__(self, ch: Any, echo: bool) -> None:
        super().__init__(daemon=True)
        self.ch, self.echo = ch, echo
        self.stop = threading.Event()
        self.calls = self.wakeups = self.lost = self.echoes = 0
        self.closed = False
        self.error: Optional[BaseException] = None

    def run(self) -> None:
        ch = self.ch
        try:
            while not self.stop.is_set():
                try:
                    ready = ch.wait(STRESS_WAIT)
                except ShmSignalFault as exc:
                    if exc.code != Fault.PEER_CLOSED:
                        raise
                    self.calls += ch.wakeup()
                    self.closed = True
                    return
                if not ready:
                    rec = record(ch.descriptor_bytes(), ch.locality)
                    if rec["enabled"] and (rec["dirty"] or rec["pending"]):
                        self.lost += 1  # parked for STRESS_WAIT s with work waiting
                    else:
                        continue
                c = ch.wakeup()
                self.wakeups += 1
                self.calls += c
                if self.echo and c:
                    ch.inject()
                    self.echoes += 1
        except BaseException as exc:  # reported by the case
            self.error = exc


def _stress_timeout(ctx: Context, count: int) -> float:
    return max(ctx.opts.timeout, 30.0 + count * 100e-6)


STRESS_BURST = 1000  # injects per burst; after each, the owner must be drained
DRAIN_LIMIT = 1.0  # seconds the owner may take to drain after a burst


def _long_liveness(ch: Any) -> None:
    """Park in one piece (see STRESS_WAIT)."""
    if hasattr(ch, "set_liveness_interval"):
        ch.set_liveness_interval(STRESS_WAIT * 5)
    elif hasattr(ch, "liveness_interval"):
        ch.liveness_interval = STRESS_WAIT * 5


def _drained(ctx: Context, locality: int, seconds: float) -> Dict[str, int]:
    """Poll the record until dirty and pending are both 0; the last state seen."""
    deadline = time.monotonic() + seconds
    while True:
        rec = record(ctx.file_desc(ctx.tmp / "chan"), locality)
        if not rec["dirty"] and not rec["pending"] or time.monotonic() >= deadline:
            return rec
        time.sleep(0.0005)


@case("stress", "peer_injects", "The peer injects N times, in bursts of 1000 with random pauses (inject "
                                "1000 2), into a reference owner that drains and parks: after every burst "
                                "the owner is drained within 1 s (the burst's last inject woke it), every "
                                "notification the peer counted is in notify_count.")
def _stress_peer_injects(ctx: Context) -> None:
    n = ctx.opts.stress_injects
    ch = _pair(ctx, peer_creates=False)
    _long_liveness(ch)
    ch.enable()
    server = _RefServer(ch, echo=False)
    server.start()
    ctx.track(server, ch)
    notified = sent = 0
    try:
        while sent < n:
            k = min(STRESS_BURST, n - sent)
            r = ctx.ok(f"inject {k} 2", timeout=_stress_timeout(ctx, k))
            sent += k
            notified += ctx.num(r, "notified")
            rec = _drained(ctx, ch.locality, DRAIN_LIMIT)
            if rec["dirty"] or rec["pending"]:
                raise CaseFailure(
                    f"lost wake-up: {DRAIN_LIMIT:g} s after the peer's inject {sent} the parked owner still "
                    f"has dirty/pending {rec['dirty']}/{rec['pending']}: the last inject neither found "
                    "pending clear nor left dirty where the owner would see it before parking "
                    "(inject: store dirty, full fence F1, then load enabled/pending; spec 7.1)")
        stats = ctx.ok("stats")
        ctx.ok("close")
    finally:
        server.stop.set()
        server.join(STRESS_WAIT * 3)
    if server.error is not None:
        raise CaseFailure(f"the reference owner failed: {server.error}")
    rec = record(ctx.file_desc(ctx.tmp / "chan"), ch.locality)
    if server.lost:
        raise CaseFailure(f"{server.lost} wake-up(s) lost: the owner parked {STRESS_WAIT} s with work "
                          "pending (inject must store dirty, fence, then read enabled/pending, 7.1)")
    if ch.features & layout.FEATURE_NOTIFY_COUNT and rec["notify_count"] != ctx.num(stats, "notifications"):
        raise CaseFailure(f"notify_count {rec['notify_count']} != the peer's notifications "
                          f"{stats.values.get('notifications')}")
    if ctx.num(stats, "notifications") != notified:
        raise CaseFailure(f"stats says notifications={stats.values.get('notifications')}, the inject "
                          f"replies said {notified}")
    if not 1 <= notified <= n:
        raise CaseFailure(f"notified={notified} for {n} injects")
    if (rec["pending"], rec["dirty"]) != (0, 0):
        raise CaseFailure(f"the owner ended with pending/dirty {rec['pending']}/{rec['dirty']}")


@case("stress", "reference_injects", "The reference injects N times with random pauses into the peer "
                                     "serving (serve): after every 1000 the peer is drained within 1 s, "
                                     "it ends drained, its notify_count equals the reference's "
                                     "notifications, and it reports no late wake-up.")
def _stress_ref_injects(ctx: Context) -> None:
    n = ctx.opts.stress_injects
    ch = _pair(ctx, peer_creates=True)
    ctx.ok("enable")
    ctx.peer.send(f"serve {STRESS_WAIT * 5}")
    rng = random.Random(1)
    notifications = 0
    t_end = 0.0
    peer = _peer_loc(ch)
    for i in range(n):
        if i and rng.randrange(1000) == 0:
            time.sleep(0.0002)  # now and then long enough for the peer to park
        notifications += bool(ch.inject())
        t_end = time.monotonic()
        if (i + 1) % STRESS_BURST == 0 or i + 1 == n:
            # a pause after each burst: the serving peer must drain what the burst left
            rec = _drained(ctx, peer, DRAIN_LIMIT)
            if rec["dirty"] or rec["pending"]:
                raise CaseFailure(
                    f"lost wake-up: {DRAIN_LIMIT:g} s after inject {i + 1} the serving peer still has "
                    f"dirty/pending {rec['dirty']}/{rec['pending']}: it parked without seeing the work "
                    "(wakeup: clear pending, fence F3, re-read dirty; park only on the word last read, "
                    "spec 7.2, 7.5)")
    stats = dict(ch.stats)
    negotiated = ch.features or 0
    ch.close()
    r = ctx.peer.reply(_stress_timeout(ctx, n))
    if not r.ok or r.values.get("closed") != "1":
        raise CaseFailure(f"serve answered {r.raw!r}, expected ok closed=1 after the reference closed")
    if time.monotonic() - t_end > STRESS_WAIT * 4:
        raise CaseFailure("the serving peer noticed the close late")
    st = ctx.ok("stats")
    raw = ctx.dump()
    rec = record(raw, _peer_loc(ch))
    if st.values.get("late", "0") != "0":
        raise CaseFailure(f"the peer counted {st.values['late']} late wake-ups (a lost notification)")
    if negotiated & layout.FEATURE_NOTIFY_COUNT and rec["notify_count"] != notifications:
        raise CaseFailure(f"notify_count {rec['notify_count']} != the reference's notifications "
                          f"{notifications} (stats {stats})")
    if (rec["pending"], rec["dirty"]) != (0, 0):
        raise CaseFailure(f"the peer ended with pending/dirty {rec['pending']}/{rec['dirty']}")


@case("stress", "ping_from_reference", "Ping-pong: the peer serves with echo=1 and the reference pings "
                                       "N rounds, each answered within 2 s (a lost wake-up on either side "
                                       "stalls a round).")
def _ping_ref(ctx: Context) -> None:
    rounds = ctx.opts.ping_rounds
    ch = _pair(ctx, peer_creates=False)
    ch.enable()
    ctx.ok("enable")
    ctx.peer.send(f"serve {STRESS_WAIT * 5} echo=1 max={rounds}")
    for i in range(rounds):
        ch.inject()
        calls = 0
        t0 = time.monotonic()
        while calls == 0:
            if not ch.wait(STRESS_WAIT):
                raise CaseFailure(f"round {i}: no echo within {STRESS_WAIT} s")
            calls = ch.wakeup()
            if calls == 0 and time.monotonic() - t0 > STRESS_WAIT:
                raise CaseFailure(f"round {i}: no echo within {STRESS_WAIT} s")
    r = ctx.peer.reply(_stress_timeout(ctx, rounds))
    if not r.ok or ctx.num(r, "echoes") != rounds:
        raise CaseFailure(f"serve answered {r.raw!r}, expected echoes={rounds}")


@case("stress", "ping_from_peer", "Ping-pong: the reference serves with echo and the peer pings N "
                                  "rounds (ping N 2).")
def _ping_peer(ctx: Context) -> None:
    rounds = ctx.opts.ping_rounds
    ch = _pair(ctx, peer_creates=True)
    ctx.ok("enable")
    ch.enable()
    server = _RefServer(ch, echo=True)
    server.start()
    ctx.track(server, ch)
    try:
        r = ctx.raw(f"ping {rounds} {STRESS_WAIT}", timeout=_stress_timeout(ctx, rounds))
        ctx.raw("close")  # the server sees PEER_CLOSED and ends at once
    finally:
        server.stop.set()
        server.join(STRESS_WAIT * 3)
    if server.error is not None:
        raise CaseFailure(f"the reference server failed: {server.error}")
    if not r.ok:
        raise CaseFailure(f"ping failed: {r.raw}")
    if ctx.num(r, "rounds") != rounds:
        raise CaseFailure(f"ping answered {r.raw!r}")


# ---------------------------------------------------------------- fuzz (--fuzz N)

CASES.append(Case("fuzz.validator", "fuzz",
                  "The peer attaches to mutated descriptors (--fuzz N, or a --fuzz-replay corpus); "
                  "each verdict (accept, or the fault code and the field) must be the reference "
                  "validator's, and a refusal must write nothing (6.4).", peer_fuzz.run_case,
                  uses_reference=False, when=lambda o: bool(o.fuzz or o.fuzz_replay)))


# ---------------------------------------------------------------- engines


def _with_engines() -> None:
    """Every case that has a reference side also runs against the C engine."""
    extra: List[Case] = []
    for c in CASES:
        if c.group in ("protocol", "fault") or not c.uses_reference \
                or c.name in ("waiter.stale_pad0_accepted", "waiter.pad0_not_a_flag"):
            continue
        extra.append(Case(c.name + "@c", c.group, c.doc + " (reference: the C engine)", c.fn, "c"))
    CASES.extend(extra)


_with_engines()


