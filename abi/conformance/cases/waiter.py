"""WAITER_FLAG: pad0 as the owner's waiting flag (7.5)."""


from __future__ import annotations

import threading
import time
from typing import Any, Dict

from abi import layout
from abi.conformance.cases.common import long_liveness, pair, peer_locality
from abi.conformance.harness import (
    ByteDiff,
    CaseFailure,
    CaseSkipped,
    Context,
    case,
    record,
)
from abi.conformance.inspect_file import field_at
from abi.descriptor import initialize
from abi.faults import Fault

_WF = getattr(layout, "FEATURE_WAITER_FLAG", 1 << 4)


def _waiter_pair(ctx: Context, peer_creates: bool) -> Any:
    if not ctx.peer_features & _WF:
        raise CaseSkipped("the peer does not implement WAITER_FLAG (optional)")
    if not ctx.ref_features() & _WF:
        raise CaseSkipped(f"the {ctx.engine} reference engine does not implement WAITER_FLAG")
    ch = pair(ctx, peer_creates, layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_NOTIFY_COUNT | _WF)
    long_liveness(ch)  # one park per wait: pad0 stays 1 while it is parked
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
    peer = peer_locality(ch)
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
