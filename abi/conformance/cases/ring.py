"""A peer's message ring (spec 15) through the ring commands of 13.2: every
golden ring vector replayed by the peer (the region's bytes compared after every
step), every broken region refused, and long streams in both directions against
the reference engine's ring (order, nothing lost or duplicated, wrap-around, a full
ring, the wake-ups both ways).

A peer that does not know the ring commands skips these cases: rings are optional
(a peer need not implement MESSAGE_RINGS), and the line protocol's ring commands
with them."""

from __future__ import annotations

import functools
import json
import struct
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from abi import layout
from abi.conformance import stream
from abi.conformance.harness import CASES, Case, CaseFailure, CaseSkipped, Context, case
from abi.conformance.peer_driver import Reply
from abi.faults import Fault, ShmSignalFault

RING_VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "ring.json"
AT = 256  # the ring's file offset: 64-aligned, after the descriptor at 0
STREAM_LARGEST = 200
# 1 KiB: a ring that wraps and fills many times over; 256 bytes: one where a message
# may find no room even in an empty ring, after its padding, until the consumer
# releases that padding (15.3 step 3, R15-16)
STREAM_RINGS = {"": 1024, "_small_ring": 256}
HEAD, TAIL = layout.RING_HEAD_OFFSET, layout.RING_TAIL_OFFSET


def ring_vectors() -> Dict[str, Any]:
    return dict(json.loads(RING_VECTORS.read_text()))


def _known(ctx: Context, r: Reply) -> Reply:
    """Skip the case when the peer does not know a ring command at all."""
    if not r.ok and r.code == 100 and "unknown command" in r.message:
        raise CaseSkipped("the peer does not implement the ring commands (spec 13.2: they are optional)")
    return r


def _ok(ctx: Context, line: str, timeout: Optional[float] = None, **want: Any) -> Reply:
    r = _known(ctx, ctx.raw(line, timeout))
    if not r.ok:
        raise CaseFailure(f"'{line}' was refused: {r.raw}")
    for key, value in want.items():
        if r.values.get(key) != str(value):
            raise CaseFailure(f"'{line}': expected {key}={value}, the peer replied {r.raw!r}")
    return r


def _region(path: Path, size: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(AT)
        return f.read(size)


def _poke(path: Path, at: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(AT + at)
        f.write(data)


def _compare(ctx: Context, expected: bytes, actual: bytes, where: str) -> None:
    if expected != actual:
        n = min(len(expected), len(actual))
        at = next((i for i in range(n) if expected[i] != actual[i]), n)
        exp = f"0x{expected[at]:02x}" if at < len(expected) else "nothing"
        act = f"0x{actual[at]:02x}" if at < len(actual) else "nothing"
        raise CaseFailure(f"{where}: ring byte {at} ({_ring_field(at)}) is {act}, expected {exp}")


def _ring_field(at: int) -> str:
    if at >= layout.RING_HEADER_SIZE:
        return f"data offset {at - layout.RING_HEADER_SIZE}"
    return next(f.name for f in layout.describe(layout.ShmSignalRingHeader).fields
                if f.offset <= at < f.offset + f.size)


# ---------------------------------------------------------------- vectors


def _replay(ctx: Context, vec: Dict[str, Any]) -> None:
    """The peer plays both sides of one golden ring case in its own channel's file."""
    p = ctx.tmp / "ring"
    size = layout.RING_HEADER_SIZE + vec["capacity"]
    ctx.ok(f"create {p} 0 size={AT + size}")
    _ok(ctx, f"ring_create {AT} {vec['capacity']} max={vec['max_message']}")
    if vec["start"]:
        _poke(p, HEAD, vec["start"].to_bytes(4, "little"))
        _poke(p, TAIL, vec["start"].to_bytes(4, "little"))
    _compare(ctx, bytes.fromhex(vec["steps"][0]["expect"]), _region(p, size), "after ring_create")
    _ok(ctx, f"ring_open {AT} producer", capacity=vec["capacity"], max=vec["max_message"])
    _ok(ctx, f"ring_open {AT} consumer", capacity=vec["capacity"], max=vec["max_message"])
    for i, step in enumerate(vec["steps"][1:], 1):
        if step["op"] == "send":
            r = _ok(ctx, f"ring_send {step['data'] or '-'}")
            got = {"1": "ok", "0": "full"}.get(r.values.get("sent", ""), r.raw)
        else:
            r = _ok(ctx, "ring_recv")
            got = "empty" if r.values.get("got") == "0" else r.values.get("data", r.raw)
            got = "" if got == "-" else got
        if got != step["result"]:
            raise CaseFailure(f"step {i} ({step['op']}): the peer's result is {got!r}, "
                              f"expected {step['result']!r}")
        _compare(ctx, bytes.fromhex(step["expect"]), _region(p, size), f"after step {i} ({step['op']})")
    ctx.ok("close")


def _fault(ctx: Context, vec: Dict[str, Any]) -> None:
    """The peer opens a broken region (or a good one, broken after the open) and
    must refuse it with BAD_RING naming the field, writing nothing."""
    p = ctx.tmp / "ring"
    region = bytes.fromhex(vec["region"])
    ctx.ok(f"create {p} 0 size={AT + len(region)}")
    _poke(p, 0, region)
    line = f"ring_open {AT} {vec['side']}"
    calls = [line] if vec["op"] == "open" else \
        [f"ring_send {vec['data'] or '-'}" if vec["op"] == "send" else "ring_recv"]
    if vec["op"] != "open":
        _ok(ctx, line)
        for at, value in vec["poke"]:
            _poke(p, at, bytes.fromhex(value))
    before = _region(p, len(region))
    r = _known(ctx, ctx.raw(calls[0]))
    if r.ok or r.code != int(Fault.BAD_RING):
        raise CaseFailure(f"'{calls[0]}' on a ring whose {vec['field']} is broken ({vec['name']}) should be "
                          f"refused with err {int(Fault.BAD_RING)} BAD_RING, the peer replied {r.raw!r}")
    want = f"field={vec['field']} offset={vec['field_offset']} "
    if r.message.startswith("field=") and not r.message.startswith(want):
        raise CaseFailure(f"'{calls[0]}': the fault should name '{want.strip()}' (15.1 and 15.4 fix the "
                          f"checks, their order and the names), the peer's message is {r.message!r}")
    _compare(ctx, before, _region(p, len(region)), f"after the refused {vec['op']}")
    ctx.ok("close")


def _ring_cases() -> None:
    vecs = ring_vectors()
    for vec in vecs["cases"]:
        CASES.append(Case(f"ring.vector.{vec['name']}", "ring",
                          f"The golden ring vector {vec['name']} ({vec['about']}), both sides played by "
                          "the peer: results and the ring's bytes after every step (15.1-15.4).",
                          functools.partial(_replay, vec=vec), uses_reference=False))
    for vec in vecs["faults"]:
        CASES.append(Case(f"ring.fault.{vec['name']}", "ring",
                          f"A ring whose {vec['field']} is broken ({vec['name']}): the peer's "
                          f"{vec['side']} refuses it at {vec['op']} with BAD_RING, writing nothing (15.1, "
                          "15.3, 15.4).", functools.partial(_fault, vec=vec), uses_reference=False))


_ring_cases()


# ---------------------------------------------------------------- streams against the reference


def _ring_channel(ctx: Context, capacity: int) -> Any:
    """The reference creates a channel whose file holds a ring at AT; the peer attaches."""
    p = ctx.tmp / "chan"
    feats = (layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_WAKE_NAMED_EVENT | layout.FEATURE_LIVENESS_LOCK
             | layout.FEATURE_WAITER_FLAG) & ctx.peer_features & ctx.ref_features()
    ch = ctx.ref_create(p, 0, features=feats, size=AT + layout.RING_HEADER_SIZE + capacity)
    ctx.ok(f"attach {p}", locality=1)
    if not ch.wait_for_peer(2.0):
        raise CaseFailure("the reference creator does not see the peer's attach")
    return ch


def _ref_side(ctx: Context, ch: Any, role: str, capacity: int, create: bool = False) -> Any:
    """A reference ring side at AT of the channel's file, in the case's engine (that
    creates the ring first with ``create``), with the channel's waits and injects."""
    from abi.engine import ring

    if ctx.engine == "py":
        buf, at = ch.buffer, AT
        if create:
            ring.create(buf, at, capacity, STREAM_LARGEST)
        side: Any = (ring.Producer if role == "producer" else ring.Consumer)(buf, at)
    else:
        from abi.engine.c_ring import CRing

        buf, at = ch.data(AT, layout.RING_HEADER_SIZE + capacity), 0
        if create:
            CRing.init(buf, at, capacity, STREAM_LARGEST)
        side = CRing(buf, at, role)
    return ring.RingSender(ch, side=side) if role == "producer" else ring.RingReceiver(ch, side=side)


def _messages(ctx: Context) -> int:
    return max(1000, ctx.opts.stress_injects // 10)


def _woken(ch: Any, wait: float, stop: threading.Event, failure: str) -> None:
    """Wait on the channel until the peer's inject runs the notifier (a wake-up that
    is only a timeout or the liveness check does not count), at most ``wait`` s."""
    deadline = time.monotonic() + wait
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            raise CaseFailure(failure)
        if ch.poll(left):
            return
    raise CaseFailure("stopped")


class _Worker(threading.Thread):
    """The reference's half of a stream, beside the peer's blocking command."""

    def __init__(self, fn: Any) -> None:
        super().__init__(daemon=True)
        self.fn, self.error = fn, ""
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            self.fn(self.stop)
        except ShmSignalFault as exc:
            self.error = f"the reference refused the peer's ring: fault {int(exc.code)} {exc.code.name} " \
                         f"field={exc.field} offset={exc.offset}: {exc}"
        except Exception as exc:  # reported as the case's failure, with what it was
            self.error = f"{type(exc).__name__}: {exc}"


def _stream_to_peer(ctx: Context, capacity: int) -> None:
    ch = _ring_channel(ctx, capacity)
    tx = _ref_side(ctx, ch, "producer", capacity, create=True)
    n, wait = _messages(ctx), ctx.opts.timeout
    _ok(ctx, f"ring_open {AT} consumer", capacity=capacity)

    def produce(stop: threading.Event) -> None:
        for i in range(n):
            msg = stream.message(21, i, 0, STREAM_LARGEST)
            while not tx.try_send(msg):  # full: only the peer's inject may send us back to look
                _woken(ch, wait, stop, f"message {i}: the ring is full and the peer did not wake the "
                                       f"producer within {wait} s (it released nothing, or never injects "
                                       "for room: 15.4 step 4)")

    worker = _Worker(produce)
    worker.start()
    ctx.track(worker, ch)
    r = ctx.raw(f"ring_check {n} 21 max={STREAM_LARGEST}", timeout=60.0 + n / 1000)
    worker.join(15.0)
    if worker.error:  # the reference's view first: it says why the peer's command failed
        raise CaseFailure(worker.error)
    if not r.ok:
        raise CaseFailure(f"ring_check was refused: {r.raw}")
    if "bad" in r.values:
        raise CaseFailure(f"message {r.values['bad']} the peer received is not message {r.values['bad']} "
                          "of the stream: lost, duplicated, reordered or altered")
    if r.values.get("received") != str(n):
        raise CaseFailure(f"the peer received {r.values.get('received')} messages of {n}")


def _stream_from_peer(ctx: Context, capacity: int) -> None:
    ch = _ring_channel(ctx, capacity)
    _ok(ctx, f"ring_create {AT} {capacity} max={STREAM_LARGEST}")
    _ok(ctx, f"ring_open {AT} producer", capacity=capacity, max=STREAM_LARGEST)
    rx = _ref_side(ctx, ch, "consumer", capacity)
    n, wait = _messages(ctx), ctx.opts.timeout
    got: List[int] = []

    def consume(stop: threading.Event) -> None:
        for i in range(n):
            msg = rx.try_recv()
            while msg is None:  # empty: only the peer's inject may send us back to look
                _woken(ch, wait, stop, f"message {i}: the ring is empty and the peer did not wake the "
                                       f"consumer within {wait} s (it published nothing, or never injects "
                                       "after publishing: 15.3 step 5; or after a padding record that "
                                       "left it no room: step 3)")
                msg = rx.try_recv()
            if msg != stream.message(22, i, 0, STREAM_LARGEST):
                raise CaseFailure(f"message {i} from the peer is not message {i} of the stream: lost, "
                                  f"duplicated, reordered or altered ({len(msg)} bytes: {msg[:16].hex()}...)")
            got.append(i)

    worker = _Worker(consume)
    worker.start()
    ctx.track(worker, ch)
    r = ctx.raw(f"ring_stream {n} 22 max={STREAM_LARGEST}", timeout=60.0 + n / 1000)
    worker.join(15.0)
    if worker.error:
        raise CaseFailure(worker.error)
    if not r.ok:
        raise CaseFailure(f"ring_stream was refused after the reference received {len(got)} messages: "
                          f"{r.raw}")
    if len(got) != n:
        raise CaseFailure(f"the reference received {len(got)} messages of {n}")
    extra = rx.recv(0)
    if extra is not None:
        raise CaseFailure(f"after {n} messages the ring holds one more ({len(extra)} bytes)")


for _suffix, _capacity in STREAM_RINGS.items():
    _size = f"{_capacity} B" if _capacity < 1024 else f"{_capacity // 1024} KiB"
    CASES.append(Case(f"ring.stream_to_peer{_suffix}", "ring",
                      f"The reference sends a stream of messages (0 to {STREAM_LARGEST} bytes, a {_size} "
                      "ring that wraps and fills over and over) and the peer's consumer receives every one "
                      "once, in order, unaltered; the producer waits for room, and only the peer's injects "
                      "send it back to look (15.3, 15.4).",
                      functools.partial(_stream_to_peer, capacity=_capacity)))
    CASES.append(Case(f"ring.stream_from_peer{_suffix}", "ring",
                      f"The peer's producer sends a stream of messages (0 to {STREAM_LARGEST} bytes, a "
                      f"{_size} ring the peer created) and the reference receives every one once, in order, "
                      "unaltered, every record valid; it waits on the channel, and only the peer's injects "
                      "send it back to look (15.2-15.4).",
                      functools.partial(_stream_from_peer, capacity=_capacity)))


@case("ring", "padding_wakes_the_consumer",
      "A send that publishes a padding record and then finds no room injects all the same: the consumer "
      "may be parked on an empty ring, and only its release of that padding makes the room (15.3 step 3, "
      "R15-16). A 256-byte ring, empty at data offset 200; the peer sends 200 bytes.")
def _padding_wakes_the_consumer(ctx: Context) -> None:
    ch = _ring_channel(ctx, 256)
    rx = _ref_side(ctx, ch, "consumer", 256, create=True)
    rx.consumer.close()
    with open(ctx.tmp / "chan", "r+b") as f:  # head = tail = 200: empty, 56 bytes to the end
        for at in (HEAD, TAIL):
            f.seek(AT + at)
            f.write((200).to_bytes(4, "little"))
    rx = _ref_side(ctx, ch, "consumer", 256)
    _ok(ctx, f"ring_open {AT} producer", capacity=256)
    ch.wakeup()  # whatever the attach and the open left
    if ch.flags()["dirty"]:
        raise CaseFailure("the reference's dirty is set before the send: the case cannot tell")
    msg = stream.message(5, 0, 200, 200)
    r = _ok(ctx, f"ring_send {msg.hex()}")
    if r.values.get("sent") != "0":
        raise CaseFailure(f"a 200-byte message at data offset 200 of an empty 256-byte ring should find no "
                          f"room behind its padding, the peer replied {r.raw!r}")
    with open(ctx.tmp / "chan", "rb") as f:
        f.seek(AT + layout.RING_HEADER_SIZE + 200)
        pad = f.read(8)
    if pad != struct.pack("<II", 48, 1):
        raise CaseFailure(f"no padding record at data offset 200 (found {pad.hex()}): 15.3 step 2")
    if not ch.flags()["dirty"]:
        raise CaseFailure("the peer published a padding record, found no room and did not inject: a parked "
                          "consumer would never release it (15.3 step 3)")
    if rx.try_recv() is not None:
        raise CaseFailure("the ring held a message behind the padding")
    _ok(ctx, f"ring_send {msg.hex()} timeout=2", sent=1)  # the padding released: room at 0
    if rx.recv(2.0) != msg:
        raise CaseFailure("the message after the padding did not arrive intact")


@case("ring", "usage", "Ring commands without a channel, without ring_open of their role, or with a bad "
                       "role or bounds are refused with NO_CHANNEL or USAGE (13.2).", uses_reference=False)
def _usage(ctx: Context) -> None:
    r = _known(ctx, ctx.raw("ring_recv"))
    if r.ok or r.code != 101:
        raise CaseFailure(f"'ring_recv' without a channel should be err 101 NO_CHANNEL, got {r.raw!r}")
    p = ctx.tmp / "ring"
    ctx.ok(f"create {p} 0 size={AT + layout.RING_HEADER_SIZE + 64}")
    _ok(ctx, f"ring_create {AT} 64")
    ctx.err("ring_send 00", 100)
    ctx.err("ring_recv", 100)
    ctx.err(f"ring_open {AT} sideways", 100)
    _ok(ctx, f"ring_open {AT} consumer", capacity=64, max=56)
    ctx.err("ring_check 1 1 max=57", 100)
    ctx.err("ring_check 1 1 min=9 max=8", 100)
    ctx.err(f"ring_create {AT} 96", 100)  # not a power of two
    ctx.ok("close")
