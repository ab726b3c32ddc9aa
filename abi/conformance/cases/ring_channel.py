"""A peer's channel rings (MESSAGE_RINGS, spec 15.6) through 13.2's `create ...
rings=` and `ring_open channel ROLE`: where a creating peer lays them out and what
it offers, that it leaves an application's bytes alone, that messages go both ways
with the reference as creator or attacher, and that rings which do not fill
desc_size are refused.  A peer that does not implement MESSAGE_RINGS skips them."""

from __future__ import annotations

import struct
import threading
from typing import Any

from abi import layout
from abi.conformance import stream
from abi.conformance.cases.ring import _known, _ok, _woken, _Worker
from abi.conformance.harness import CaseFailure, CaseSkipped, Context, case
from abi.faults import Fault

RINGS = layout.FEATURE_MESSAGE_RINGS
C0, C1 = 256, 1024  # north's ring, south's: each direction its own size
MESSAGES = 500


def _needs_rings(ctx: Context) -> None:
    if not ctx.peer_features & RINGS:
        raise CaseSkipped("the peer does not implement MESSAGE_RINGS (spec 15.6)")


def _exchange(ctx: Context, ch: Any) -> None:
    """The peer streams into its producer ring while the reference checks every
    message; then the reference streams into its own and the peer checks (15.6: one
    channel, both directions)."""
    wait = ctx.opts.timeout
    rx = ch.ring_receiver()
    _ok(ctx, "ring_open channel producer")

    def consume(stop: threading.Event) -> None:
        for i in range(MESSAGES):
            msg = rx.try_recv()
            while msg is None:
                _woken(ch, wait, stop, f"message {i}: nothing came through the peer's channel ring, and the "
                                       f"peer did not wake the reference within {wait} s")
                msg = rx.try_recv()
            if msg != stream.message(31, i, 0, 200):
                raise CaseFailure(f"message {i} through the channel ring is not message {i} of the stream")

    worker = _Worker(consume)
    worker.start()
    ctx.track(worker, ch)
    r = ctx.raw(f"ring_stream {MESSAGES} 31 max=200", timeout=60.0)
    worker.join(15.0)
    if worker.error:
        raise CaseFailure(worker.error)
    if not r.ok:
        raise CaseFailure(f"ring_stream through the channel ring was refused: {r.raw}")
    tx = ch.ring_sender()
    _ok(ctx, "ring_open channel consumer")

    def produce(stop: threading.Event) -> None:
        for i in range(MESSAGES):
            msg = stream.message(32, i, 0, 200)
            while not tx.try_send(msg):
                _woken(ch, wait, stop, f"message {i}: the reference's channel ring stayed full, and the peer "
                                       f"did not wake it within {wait} s")

    worker = _Worker(produce)
    worker.start()
    ctx.track(worker, ch)
    r = ctx.raw(f"ring_check {MESSAGES} 32 max=200", timeout=60.0)
    worker.join(15.0)
    if worker.error:
        raise CaseFailure(worker.error)
    if r.values.get("received") != str(MESSAGES) or "bad" in r.values:
        raise CaseFailure(f"the peer's ring_check of the reference's channel ring: {r.raw}")


@case("ring", "channel_peer_creates",
      "The peer creates a channel with rings=256,1024: MESSAGE_RINGS offered, desc_size 1856, north's ring "
      "at descriptor offset 192 and south's at 640, nothing else written; messages go both ways with the "
      "reference as attacher (15.6, 6.1).")
def _channel_peer_creates(ctx: Context) -> None:
    _needs_rings(ctx)
    p = ctx.tmp / "chan"
    r = _known(ctx, ctx.raw(f"create {p} 0 rings={C0},{C1}"))
    if not r.ok:
        raise CaseFailure(f"'create ... rings={C0},{C1}' was refused: {r.raw}")
    raw = p.read_bytes()
    size = layout.rings_desc_size(C0, C1)
    desc_size, offered = struct.unpack_from("<I", raw, 8)[0], struct.unpack_from("<Q", raw, 16)[0]
    if desc_size != size or not offered & RINGS:
        raise CaseFailure(f"desc_size {desc_size}, features_offered 0x{offered:x}: expected {size} and "
                          "MESSAGE_RINGS (15.6)")
    for name, at, cap in (("north's", 192, C0), ("south's", layout.ring_offset(1, C0), C1)):
        want = b"ring" + struct.pack("<II", cap, cap - 8) + bytes(180) + bytes(cap)
        if raw[at:at + 192 + cap] != want:
            diff = next(i for i in range(192 + cap) if raw[at + i] != want[i])
            raise CaseFailure(f"{name} ring at descriptor offset {at}: byte {diff} is "
                              f"0x{raw[at + diff]:02x}, expected 0x{want[diff]:02x} (a fresh ring: magic, "
                              f"capacity {cap}, max_message {cap - 8}, zeros)")
    ch = ctx.ref_attach(p)
    if ch.features is None or not ch.features & RINGS:
        raise CaseFailure("the reference did not negotiate MESSAGE_RINGS with the peer's descriptor")
    ctx.ok("wait_peer 2", attached=1)
    _exchange(ctx, ch)


@case("ring", "channel_peer_attaches",
      "The reference creates a channel with rings of 256 and 1024 bytes; the peer attaches, accepts "
      "MESSAGE_RINGS and finds both rings where 15.6 puts them: messages go both ways.")
def _channel_peer_attaches(ctx: Context) -> None:
    _needs_rings(ctx)
    p = ctx.tmp / "chan"
    ch = ctx.ref_create(p, 0, rings=(C0, C1))
    r = ctx.ok(f"attach {p}", locality=1)
    if not ctx.num(r, "features") & RINGS:
        raise CaseFailure(f"the peer did not accept MESSAGE_RINGS: {r.raw}")
    if not ch.wait_for_peer(2.0):
        raise CaseFailure("the reference creator does not see the peer's attach")
    _exchange(ctx, ch)


@case("ring", "channel_no_rings_no_offer", "A channel created without rings never offers MESSAGE_RINGS, even "
                                           "when features= asks for it (15.6, R15-14); ring_open channel "
                                           "then answers UNSUPPORTED_FEATURE.", uses_reference=False)
def _channel_no_rings_no_offer(ctx: Context) -> None:
    _needs_rings(ctx)
    p = ctx.tmp / "chan"
    ctx.ok(f"create {p} 0 features=0x{ctx.peer_features:x}")
    offered = struct.unpack_from("<Q", p.read_bytes(), 16)[0]
    if offered & RINGS:
        raise CaseFailure(f"features_offered 0x{offered:x} has MESSAGE_RINGS, and there are no rings")
    ctx.err("ring_open channel producer", int(Fault.UNSUPPORTED_FEATURE))
    ctx.ok("close")


@case("ring", "channel_rings_spare_foreign_bytes",
      "A creator with rings refuses a file whose bytes where the rings go are not zero (BAD_RING), and "
      "writes nothing (6.1 step 3, R6.1-7).", uses_reference=False)
def _channel_rings_spare_foreign_bytes(ctx: Context) -> None:
    _needs_rings(ctx)
    p = ctx.tmp / "chan"
    p.write_bytes(bytes(1000) + b"\x07" + bytes(1000))
    before = p.read_bytes()
    r = _known(ctx, ctx.raw(f"create {p} 0 rings=256,256 exist_ok=1"))
    if r.ok or r.code != int(Fault.BAD_RING):
        raise CaseFailure(f"a create whose rings would cover an application's byte at 1000 should be refused "
                          f"with err 18 BAD_RING, the peer replied {r.raw!r}")
    if p.read_bytes() != before:
        raise CaseFailure("the refused create wrote to the file")


@case("ring", "channel_rings_must_fill_desc_size",
      "After the attach, the reference changes south's ring's capacity: the peer refuses both of its rings "
      "with BAD_RING naming capacity (15.6, R15-15), and the channel goes on working.")
def _channel_rings_must_fill_desc_size(ctx: Context) -> None:
    _needs_rings(ctx)
    p = ctx.tmp / "chan"
    ch = ctx.ref_create(p, 0, rings=(C0, C1))
    ctx.ok(f"attach {p}", locality=1)
    if not ch.wait_for_peer(2.0):
        raise CaseFailure("the reference creator does not see the peer's attach")
    with open(p, "r+b") as f:  # a hostile creator: a ring valid in itself, short of desc_size
        f.seek(layout.ring_offset(1, C0) + 4)
        f.write(struct.pack("<II", C1 // 2, C1 // 2 - 8))
    for role in ("producer", "consumer"):
        r = _known(ctx, ctx.raw(f"ring_open channel {role}"))
        if r.ok or r.code != int(Fault.BAD_RING):
            raise CaseFailure(f"'ring_open channel {role}' with rings that do not fill desc_size should be "
                              f"refused with err 18 BAD_RING, the peer replied {r.raw!r}")
        if r.message.startswith("field=") and not r.message.startswith("field=capacity offset=4 "):
            raise CaseFailure(f"the fault should name 'field=capacity offset=4', the peer's message is "
                              f"{r.message!r}")
    ch.inject()
    ctx.ok("wait 2", ready=1)
