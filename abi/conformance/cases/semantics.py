"""enable, disable, inject, wakeup, wait, close and coalescing between the peer and a reference (7, 9)."""


from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any, Dict

from abi import layout
from abi.conformance.cases.common import pair, peer_locality
from abi.conformance.harness import (
    ByteDiff,
    CaseFailure,
    Context,
    case,
    record,
)
from abi.conformance.inspect_file import field_at
from abi.faults import Fault, ShmSignalFault


@case("semantics", "coalescing_peer_injects", "The peer injects 50 times into an enabled reference "
                                              "owner: one notification (pending suppresses the rest, 7.1), "
                                              "notify_count 1; after the owner's wakeup the next inject "
                                              "notifies again.")
def _coalesce_peer(ctx: Context) -> None:
    ch = pair(ctx, peer_creates=False)
    ch.enable()
    r = ctx.ok("inject 50")
    if ctx.num(r, "notified") != 1:
        raise CaseFailure(f"50 injects into an enabled owner sent {r.values.get('notified')} notifications, "
                          "expected 1: an inject must not notify while pending is set (7.1 step 5)")
    rec = record(ctx.file_desc(ctx.tmp / "chan"), ch.locality)
    if (rec["pending"], rec["dirty"]) != (1, 1):
        raise CaseFailure(f"after the injects the owner's pending/dirty are {rec['pending']}/{rec['dirty']}, "
                          "expected 1/1")
    if (ch.features or 0) & layout.FEATURE_NOTIFY_COUNT and rec["notify_count"] != 1:
        raise CaseFailure(f"notify_count is {rec['notify_count']} after one notification")
    if ch.wakeup() != 1:
        raise CaseFailure("the owner's wakeup did not call the notifier once")
    ctx.ok("inject", notified=1)


@case("semantics", "coalescing_reference_injects", "The reference injects 50 times into the enabled peer: "
                                                   "one notification; the peer's wakeup calls the notifier "
                                                   "once and clears pending and dirty (7.2), so the next "
                                                   "inject notifies again.")
def _coalesce_ref(ctx: Context) -> None:
    ch = pair(ctx, peer_creates=True)
    ctx.ok("enable", calls=0)
    notified = sum(bool(ch.inject()) for _ in range(50))
    if notified != 1:
        raise CaseFailure(f"the reference sent {notified} notifications (reference engine problem)")
    ctx.ok("wait 2", ready=1)
    ctx.ok("wakeup", calls=1, more=0)
    raw = ctx.file_desc(ctx.tmp / "chan")
    rec = record(raw, peer_locality(ch))
    if rec["pending"] or rec["dirty"]:
        at = layout.IRQ_OFFSET + layout.IRQ_SIZE * peer_locality(ch) + (1 if rec["pending"] else 2)
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
    ch = pair(ctx, peer_creates=False)
    ctx.ok("enable", calls=0)
    ctx.ok("disable")
    if ch.inject():
        enabled = record(ctx.file_desc(ctx.tmp / "chan"), peer_locality(ch))["enabled"]
        raise CaseFailure(f"an inject into the peer after its 'disable' sent a notification: its enabled "
                          f"byte is {enabled} (7.4: disable stores enabled = 0)")
    rec = record(ctx.file_desc(ctx.tmp / "chan"), peer_locality(ch))
    if (rec["enabled"], rec["pending"], rec["dirty"]) != (0, 0, 1):
        raise CaseFailure(f"after disable and an inject: enabled/pending/dirty {rec['enabled']}/"
                          f"{rec['pending']}/{rec['dirty']}, expected 0/0/1")
    ctx.ok("wakeup", calls=0, more=0)
    ctx.ok("enable", calls=1)
    ctx.ok("wakeup", calls=0, more=0)


@case("semantics", "peer_masks_reference", "Injects by the peer into a disabled reference owner set dirty "
                                           "and notify nobody; the owner's enable finds the work.")
def _peer_masks(ctx: Context) -> None:
    ch = pair(ctx, peer_creates=True)
    ch.disable()
    ctx.ok("inject 3", notified=0)
    if ch.enable() != 1:
        raise CaseFailure("the reference's enable found no work after the peer's injects (dirty was not set)")


@case("semantics", "wait", "wait returns ready=0 after its timeout when nothing is signalled, and ready=1 "
                           "as soon as the remote injects (13.2 wait, 7.5).")
def _wait(ctx: Context) -> None:
    ch = pair(ctx, peer_creates=True)
    ctx.ok("enable")
    t0 = time.monotonic()
    ctx.ok("wait 0.2", timeout=max(ctx.opts.timeout, 5.0), ready=0)
    took = time.monotonic() - t0
    if took < 0.15:
        raise CaseFailure("wait 0.2 returned ready=0 before its timeout")
    if took > 1.2:
        raise CaseFailure(f"wait 0.2 took {took:.2f} s: a wait returns within its timeout plus the OS's "
                          "latency (7.5), here allowed a whole second")
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
    ch = pair(ctx, peer_creates=False)
    ch.enable()
    ctx.ok("close")
    raw = ctx.file_desc(ctx.tmp / "chan")
    own, peer = record(raw, ch.locality), record(raw, peer_locality(ch))
    if peer["state"] != layout.STATE_CLOSED:
        at = layout.IRQ_OFFSET + layout.IRQ_SIZE * peer_locality(ch) + 4
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
    ch = pair(ctx, peer_creates=True)
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


@case("semantics", "close_wakes_disabled_owner", "The peer's close wakes a reference owner that is "
                                                 "disabled and parked (its liveness re-check 30 s "
                                                 "away): within 1.5 s its wait ends, ready or with "
                                                 "PEER_CLOSED (9: the close notifies unconditionally).")
def _close_wakes_disabled(ctx: Context) -> None:
    ch = pair(ctx, peer_creates=False)
    ch.liveness_interval = 30.0
    outcome: Dict[str, Any] = {}

    def park() -> None:
        t0 = time.monotonic()
        try:
            outcome["ready"] = ch.wait(5.0)
        except ShmSignalFault as exc:
            outcome["fault"] = exc.code
        outcome["seconds"] = time.monotonic() - t0

    waiter = threading.Thread(target=park, daemon=True)
    parks = ch.stats["parks"]
    waiter.start()
    ctx.track(waiter, ch)
    deadline = time.monotonic() + 2.0
    while ch.stats["parks"] == parks and waiter.is_alive():
        if time.monotonic() > deadline:
            raise CaseFailure("the reference owner did not park (harness)")
        time.sleep(0.001)
    # No race left: the owner read its wait word before counting the park, so a close
    # from here on either changes the word before the kernel wait (which then returns
    # at once) or wakes the kernel wait.
    ctx.ok("close")
    waiter.join(6.0)
    seconds = outcome.get("seconds", 6.0)
    if seconds > 1.5:
        raise CaseFailure(f"the parked, disabled owner woke only after {seconds:.1f} s: the peer's close "
                          "did not notify it (9: state closed, dirty, then an unconditional wake-up, "
                          "whatever enabled and pending say)")
    if outcome.get("fault") not in (None, Fault.PEER_CLOSED):
        raise CaseFailure(f"the woken owner reported {outcome['fault']!r}, expected PEER_CLOSED or ready")


_FLOOD = """
import mmap, sys
with open(sys.argv[1], "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
    at = int(sys.argv[2])
    mm[at] = 1
    print("flooding", flush=True)
    while True:
        mm[at] = 1
"""


@case("semantics", "wakeup_budget_against_a_flood", "While another writer sets the peer's dirty "
                                                    "again and again, each of 50 'wakeup 1' returns at "
                                                    "once with at most 1 notifier call (7.2: a remote "
                                                    "that sets dirty forever must not starve the "
                                                    "owner).")
def _budget_flood(ctx: Context) -> None:
    ch = pair(ctx, peer_creates=False)
    ctx.ok("enable")
    own = layout.IRQ_OFFSET + layout.IRQ_SIZE * peer_locality(ch) + layout.ShmSignalIrq.dirty.offset
    # A process of its own (no lock shared with this one), setting dirty in a loop.
    flooder = subprocess.Popen([sys.executable, "-c", _FLOOD, str(ctx.tmp / "chan"), str(own)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert flooder.stdout is not None
        if flooder.stdout.readline().strip() != "flooding":
            raise CaseFailure("the flooding writer did not start (harness)")
        # Budget 1, many times: a wakeup that ignores its budget needs the flood to win
        # only once (dirty set again between two of its rounds) to show it; whether it
        # does in any one call is a race with the scheduler.
        for i in range(50):
            t0 = time.monotonic()
            r = ctx.ok("wakeup 1", timeout=5.0)
            seconds = time.monotonic() - t0
            calls = ctx.num(r, "calls")
            if calls > 1 or seconds > 1.0:
                raise CaseFailure(f"'wakeup 1' number {i + 1} made {calls} notifier calls in {seconds:.2f} s "
                                  "while dirty kept being set: the budget must bound one wakeup (7.2)")
    finally:
        flooder.kill()
        flooder.wait(10)
