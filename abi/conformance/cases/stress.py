"""No lost wake-up under random pauses in either direction, and timed ping-pong."""


from __future__ import annotations

import contextlib
import random
import threading
import time
from typing import Any, Dict, Iterator, Optional

from abi import layout
from abi.conformance.cases.common import long_liveness, pair, peer_locality
from abi.conformance.harness import (
    STRESS_WAIT,
    CaseFailure,
    CaseSkipped,
    Context,
    case,
    record,
)
from abi.engine.interface import ChannelInterface
from abi.faults import Fault, ShmSignalFault


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


@contextlib.contextmanager
def _serving(ctx: Context, ch: ChannelInterface, echo: bool) -> Iterator[_RefServer]:
    """The reference channel ``ch`` served by a :class:`_RefServer` for the block;
    stopped after it, and its failure is the case's."""
    server = _RefServer(ch, echo=echo)
    server.start()
    ctx.track(server, ch)
    try:
        yield server
    finally:
        server.stop.set()
        server.join(STRESS_WAIT * 3)
    if server.error is not None:
        raise CaseFailure(f"the reference {'server' if echo else 'owner'} failed: {server.error}")


def _stress_timeout(ctx: Context, count: int) -> float:
    return max(ctx.opts.timeout, 30.0 + count * 100e-6)


STRESS_BURST = 1000  # injects per burst; after each, the owner must be drained
# Seconds an owner may take to drain after a burst.  Longer than any preemption a
# loaded CI machine inflicts, and shorter than the owner's own wait timeout
# (STRESS_WAIT for the reference owner, STRESS_WAIT * 5 for a serving peer), so a
# stall this long is an owner parked on a lost wake-up, never a slow one.  (A peer
# whose own periodic re-check rescues a lost wake-up sooner is not caught here; its
# stats `late` counter, where it keeps one, still is.)
DRAIN_LIMIT = 1.5


def _drained(ctx: Context, locality: int, seconds: float) -> Dict[str, int]:
    """Poll the record until dirty and pending are both 0; the last state seen."""
    deadline = time.monotonic() + seconds
    while True:
        rec = record(ctx.file_desc(ctx.tmp / "chan"), locality)
        if not rec["dirty"] and not rec["pending"] or time.monotonic() >= deadline:
            return rec
        time.sleep(0.0005)


def _peer_injects(ctx: Context, features: Optional[int] = None) -> None:
    n = ctx.opts.stress_injects
    ch = pair(ctx, peer_creates=False, features=features)
    long_liveness(ch)
    # An owner that parks as soon as it is drained (no spin before the park) gives a
    # missing fence in the peer's inject the most park/inject interleavings to lose.
    if hasattr(ch, "spin"):
        ch.spin = 0.0
    ch.enable()
    notified = sent = 0
    with _serving(ctx, ch, echo=False) as server:
        while sent < n:
            k = min(STRESS_BURST, n - sent)
            r = ctx.ok(f"inject {k} 2", timeout=_stress_timeout(ctx, k))
            sent += k
            notified += ctx.num(r, "notified")
            rec = _drained(ctx, ch.locality, DRAIN_LIMIT)
            if rec["dirty"] or rec["pending"] or server.lost:
                raise CaseFailure(
                    f"lost wake-up: {DRAIN_LIMIT:g} s after the peer's inject {sent} the parked owner still "
                    f"has dirty/pending {rec['dirty']}/{rec['pending']}: the last inject neither found "
                    "pending clear nor left dirty where the owner would see it before parking "
                    "(inject: store dirty, full fence F1, then load enabled/pending; spec 7.1)")
        stats = ctx.ok("stats")
        ctx.ok("close")
    rec = record(ctx.file_desc(ctx.tmp / "chan"), ch.locality)
    if server.lost:
        raise CaseFailure(f"{server.lost} wake-up(s) lost: the owner parked {STRESS_WAIT} s with work "
                          "pending (inject must store dirty, fence, then read enabled/pending, 7.1)")
    counted = (ch.features or 0) & layout.FEATURE_NOTIFY_COUNT
    if counted and rec["notify_count"] != ctx.num(stats, "notifications"):
        raise CaseFailure(f"notify_count {rec['notify_count']} != the peer's notifications "
                          f"{stats.values.get('notifications')}")
    if ctx.num(stats, "notifications") != notified:
        raise CaseFailure(f"stats says notifications={stats.values.get('notifications')}, the inject "
                          f"replies said {notified}")
    if not 1 <= notified <= n:
        raise CaseFailure(f"notified={notified} for {n} injects")
    if (rec["pending"], rec["dirty"]) != (0, 0):
        raise CaseFailure(f"the owner ended with pending/dirty {rec['pending']}/{rec['dirty']}")


def _ref_injects(ctx: Context, features: Optional[int] = None) -> None:
    n = ctx.opts.stress_injects
    ch = pair(ctx, peer_creates=True, features=features)
    ctx.ok("enable")
    ctx.peer.send(f"serve {STRESS_WAIT * 5}")
    rng = random.Random(1)
    notifications = 0
    t_end = 0.0
    peer = peer_locality(ch)
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
        now = record(ctx.file_desc(ctx.tmp / "chan"), 1 - peer)
        raise CaseFailure(f"serve answered {r.raw!r}, expected ok closed=1 after the reference closed "
                          f"(the reference's record in the file now: {now}; it sent {notifications} "
                          f"notifications in {n} injects)")
    if time.monotonic() - t_end > STRESS_WAIT * 4:
        raise CaseFailure("the serving peer noticed the close late")
    st = ctx.ok("stats")
    raw = ctx.dump()
    rec = record(raw, peer_locality(ch))
    if st.values.get("late", "0") != "0":
        raise CaseFailure(f"the peer counted {st.values['late']} late wake-ups (a lost notification)")
    if negotiated & layout.FEATURE_NOTIFY_COUNT and rec["notify_count"] != notifications:
        raise CaseFailure(f"notify_count {rec['notify_count']} != the reference's notifications "
                          f"{notifications} (stats {stats})")
    # (Every inject was drained before the close: checked after the last burst.  The
    # close itself sets the peer's dirty after its state (spec 9), so a peer that saw
    # the state first may end with dirty 1 from it; pending it must not have.)
    if rec["pending"] != 0:
        raise CaseFailure(f"the peer ended with pending/dirty {rec['pending']}/{rec['dirty']}")


@case("stress", "peer_injects", "The peer injects N times, in bursts of 1000 with random pauses (inject "
                                "1000 2), into a reference owner that drains and parks at once (no "
                                "spin): after every burst "
                                "the owner is drained within 1.5 s (the burst's last inject woke it), every "
                                "notification the peer counted is in notify_count.")
def _stress_peer_injects(ctx: Context) -> None:
    _peer_injects(ctx)


@case("stress", "reference_injects", "The reference injects N times with random pauses into the peer "
                                     "serving (serve): after every 1000 the peer is drained within 1.5 s, "
                                     "it ends with nothing pending, its notify_count equals the reference's "
                                     "notifications, and it reports no late wake-up.")
def _stress_ref_injects(ctx: Context) -> None:
    _ref_injects(ctx)


_WAITER = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT \
    | layout.FEATURE_WAITER_FLAG


def _need_waiter_flag(ctx: Context) -> int:
    if not ctx.peer_features & ctx.ref_features() & layout.FEATURE_WAITER_FLAG:
        raise CaseSkipped("WAITER_FLAG is not implemented by both sides (optional)")
    return _WAITER


@case("stress", "peer_injects_waiter_flag", "peer_injects with WAITER_FLAG negotiated: the peer's "
                                            "inject must re-read the owner's waiting flag after F6 "
                                            "(7.1 step 5), the owner announces its parks (F5).")
def _stress_peer_injects_wf(ctx: Context) -> None:
    _peer_injects(ctx, _need_waiter_flag(ctx))


@case("stress", "reference_injects_waiter_flag", "reference_injects with WAITER_FLAG negotiated: the "
                                                 "serving peer must set its waiting flag, F5, and look "
                                                 "once more before it parks (7.5).")
def _stress_ref_injects_wf(ctx: Context) -> None:
    _ref_injects(ctx, _need_waiter_flag(ctx))


@case("stress", "ping_from_reference", "Ping-pong: the peer serves with echo=1 and the reference pings "
                                       "N rounds, each answered within 2 s (a lost wake-up on either side "
                                       "stalls a round).")
def _ping_ref(ctx: Context) -> None:
    rounds = ctx.opts.ping_rounds
    ch = pair(ctx, peer_creates=False)
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
    ch = pair(ctx, peer_creates=True)
    ctx.ok("enable")
    ch.enable()
    with _serving(ctx, ch, echo=True):
        r = ctx.raw(f"ping {rounds} {STRESS_WAIT}", timeout=_stress_timeout(ctx, rounds))
        ctx.raw("close")  # the server sees PEER_CLOSED and ends at once
    if not r.ok:
        raise CaseFailure(f"ping failed: {r.raw}")
    if ctx.num(r, "rounds") != rounds:
        raise CaseFailure(f"ping answered {r.raw!r}")
