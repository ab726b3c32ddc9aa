"""Writes ``ring.json``: the golden vectors of the message ring (docs/spec.md section 15).

    python abi/vectors/make_ring.py           # rewrite ring.json
    python abi/vectors/make_ring.py --check   # exit 1 if ring.json is stale

The expected bytes come from :class:`SpecRing`, a transcription of spec 15.1-15.4
onto a bytearray, single-threaded, with no engine code, so that both engines (and a
third party's) are checked against the spec and not against each other.
tests/test_ring_vectors.py also pins some steps by hand-written bytes.

Format (``cases``): a ring created in a region of ``192 + capacity`` bytes
(``start``: the two indices the case starts from, both sides opened on them), then
steps: ``send`` (``data`` hex; ``result`` "ok" or "full") and ``recv`` (``result``
the payload as hex, or "empty"); ``expect`` is the whole region as hex after the
step.  ``faults``: a region (hex), the side that opens it, the le32 values ``poke``
writes after the open, and the one call it makes (``open``, ``send`` of ``data``,
``recv``); that call must fail with BAD_RING naming ``field`` at ``field_offset``
from the start of the region, and write nothing.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from make_golden import write_vectors  # type: ignore[import-not-found]  # (a sibling script)

HERE = Path(__file__).resolve().parent
RING = HERE / "ring.json"

MAGIC, HEADER, HEAD, TAIL = 0x676E6972, 192, 64, 128
MESSAGE, PADDING = 0, 1
U32 = 0xFFFFFFFF


def round8(n: int) -> int:
    return (n + 7) // 8 * 8


class SpecRing:
    """Spec 15's byte effects, nothing more: one producer and one consumer, each with
    its own index, over ``b`` (the region)."""

    def __init__(self, capacity: int, max_message: int, start: int = 0) -> None:
        self.cap, self.max = capacity, max_message
        self.b = bytearray(HEADER + capacity)
        self.u32(4, capacity)  # 15.1: capacity, max_message, zeros, magic last
        self.u32(8, max_message)
        self.u32(0, MAGIC)
        self.u32(HEAD, start)
        self.u32(TAIL, start)
        self.head = self.tail = start

    def u32(self, at: int, v: Optional[int] = None) -> int:
        if v is not None:
            struct.pack_into("<I", self.b, at, v)
        return int(struct.unpack_from("<I", self.b, at)[0])

    # 15.3
    def send(self, data: bytes) -> str:
        size = 8 + round8(len(data))
        used = (self.head - self.u32(TAIL)) & U32
        p = self.head % self.cap
        to_end = self.cap - p
        if size > to_end:  # step 2: padding to the end, published on its own
            if self.cap - used < to_end:
                return "full"
            self.u32(HEADER + p, to_end - 8)
            self.u32(HEADER + p + 4, PADDING)
            self.head = (self.head + to_end) & U32
            self.u32(HEAD, self.head)
            used += to_end
            p = 0
        if self.cap - used < size:  # step 3
            return "full"
        at = HEADER + p  # step 4: payload, zero fill, length and kind, then head
        self.b[at + 8:at + 8 + len(data)] = data
        self.b[at + 8 + len(data):at + size] = bytes(size - 8 - len(data))
        self.u32(at, len(data))
        self.u32(at + 4, MESSAGE)
        self.head = (self.head + size) & U32
        self.u32(HEAD, self.head)
        return "ok"

    # 15.4
    def recv(self) -> str:
        while True:
            used = (self.u32(HEAD) - self.tail) & U32
            if used == 0:
                return "empty"
            p = self.tail % self.cap
            length, kind = self.u32(HEADER + p), self.u32(HEADER + p + 4)
            if kind == PADDING:
                assert p and length == self.cap - p - 8
                self.tail = (self.tail + self.cap - p) & U32
                self.u32(TAIL, self.tail)
                continue
            assert kind == MESSAGE and length <= self.max
            data = bytes(self.b[HEADER + p + 8:HEADER + p + 8 + length])
            self.tail = (self.tail + 8 + round8(length)) & U32
            self.u32(TAIL, self.tail)
            return data.hex()


def _payload(n: int, seed: int) -> bytes:
    return bytes((seed * 31 + i * 7 + 1) & 0xFF for i in range(n))


def cases() -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []

    def case(name: str, capacity: int, max_message: int, ops: List[Any], start: int = 0,
             about: str = "") -> None:
        r = SpecRing(capacity, max_message, start)
        steps: List[Dict[str, Any]] = [{"op": "create", "expect": r.b.hex()}]
        for i, op in enumerate(ops):
            if op == "recv":
                steps.append({"op": "recv", "result": r.recv(), "expect": r.b.hex()})
            else:
                data = _payload(op, i)
                steps.append({"op": "send", "data": data.hex(), "result": r.send(data), "expect": r.b.hex()})
        out.append({"name": name, "about": about, "capacity": capacity, "max_message": max_message,
                    "start": start, "steps": steps})

    case("fill_and_drain", 64, 56, [8, 8, 8, 8, 8, "recv", 1, "recv", "recv", "recv", "recv", "recv"],
         about="four 16-byte records fill 64 bytes; the fifth is full; a release makes room at offset 0")
    case("empty", 64, 56, ["recv", 0, "recv", "recv"], about="an empty ring; a zero-length message")
    case("largest_message", 128, 120, [120, 1, "recv", 1, "recv", "recv"],
         about="a message of max_message fills the data area on its own")
    case("padding", 128, 56, [40, 40, "recv", "recv", 40, "recv", "recv"],
         about="the third message does not fit before the end: a padding record, then the message at 0")
    case("padding_then_full", 128, 56, [40, 40, "recv", 56, "recv", 56, "recv", "recv"],
         about="the padding is published, then there is no room for the message behind it")
    case("exactly_full", 128, 56, [40, 40, 24, 40, "recv", 40, "recv", "recv", "recv"],
         about="three records fill the data area to the byte")
    case("no_padding_while_the_end_is_taken", 128, 56, [0, 56, "recv", "recv", 56, 0, 56, "recv", "recv", 56,
                                                        "recv", "recv", "recv"],
         about="the message does not fit before the end and the bytes to the end are not free: full, "
               "and no padding record")
    case("index_wraps_past_2_32", 64, 56, [20, "recv", 20, 3, "recv", "recv", 20, "recv"], start=0xFFFFFFC0,
         about="head and tail count modulo 2^32")
    return out


def _good(capacity: int = 64, max_message: int = 56) -> SpecRing:
    return SpecRing(capacity, max_message)


def faults() -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []

    def add(name: str, r: SpecRing, side: str, op: str, field: str, offset: int, data: bytes = b"",
            poke: Sequence[Tuple[int, int]] = (), about: str = "") -> None:
        out.append({"name": name, "about": about, "region": r.b.hex(), "side": side,
                    "poke": [[at, struct.pack("<I", v).hex()] for at, v in poke], "op": op,
                    "data": data.hex(), "code": 18, "fault": "BAD_RING", "field": field,
                    "field_offset": offset})

    for side in ("producer", "consumer"):
        r = _good()
        r.u32(0, 0)
        add(f"{side}_open_no_magic", r, side, "open", "magic", 0)
        r = _good()
        r.u32(4, 96)
        add(f"{side}_open_capacity_not_a_power_of_two", r, side, "open", "capacity", 4)
        r = _good()
        r.u32(8, 57)
        add(f"{side}_open_max_message_too_large", r, side, "open", "max_message", 8)
        r = _good()
        r.u32(8, 0)
        add(f"{side}_open_max_message_zero", r, side, "open", "max_message", 8)
        for name, at in (("reserved0", 63), ("reserved1", 68), ("reserved2", 191)):
            r = _good()
            r.b[at] = 1
            add(f"{side}_open_{name}_nonzero", r, side, "open", name, at)
    r = _good()
    r.b = r.b[:HEADER + 32]
    add("open_region_shorter_than_capacity", r, "consumer", "open", "capacity", 4,
        about="the region ends before the data area does")
    # at open, head then tail (memory order, whichever side opens), then used
    for side in ("producer", "consumer"):
        r = _good()
        r.u32(HEAD, 4)
        r.u32(TAIL, 4)
        add(f"{side}_open_both_not_aligned", r, side, "open", "head", HEAD)
        r = _good()
        r.u32(TAIL, 4)
        add(f"{side}_open_tail_not_aligned", r, side, "open", "tail", TAIL)
    # the other side's index: at open, and again when the call loads it (15.3 step 1,
    # 15.4 step 1), poked after the open
    r = _good()
    r.u32(HEAD, 72)
    add("consumer_open_head_beyond_capacity", r, "consumer", "open", "head", HEAD)
    r = _good()
    r.u32(TAIL, 8)
    add("producer_open_tail_ahead_of_head", r, "producer", "open", "tail", TAIL,
        about="used (0 - 8) mod 2^32 > capacity")
    r = _good()
    add("recv_head_not_aligned", r, "consumer", "recv", "head", HEAD, poke=[(HEAD, 12)])
    add("recv_head_beyond_capacity", r, "consumer", "recv", "head", HEAD, poke=[(HEAD, 72)],
        about="used 72 > capacity 64")
    add("recv_head_backwards", r, "consumer", "recv", "head", HEAD, poke=[(HEAD, 0xFFFFFFF8)],
        about="head behind tail: used wraps to 2^32 - 8")
    r = _good()
    r.send(b"x" * 40)  # 48 bytes used: a 32-byte record needs a fresh tail
    add("send_tail_not_aligned", r, "producer", "send", "tail", TAIL, data=b"y" * 24, poke=[(TAIL, 4)])
    add("send_tail_ahead_of_head", r, "producer", "send", "tail", TAIL, data=b"y" * 24, poke=[(TAIL, 56)],
        about="used (48 - 56) mod 2^32 > capacity")
    # records (15.4 step 2): the kind first, then the length against it
    r = _good()
    r.send(b"abc")
    r.u32(HEADER + 4, 2)
    add("recv_unknown_kind", r, "consumer", "recv", "kind", HEADER + 4)
    r = _good()
    r.send(b"abc")
    r.u32(HEADER + 4, PADDING)
    r.u32(HEADER, 56)
    add("recv_padding_at_offset_0", r, "consumer", "recv", "kind", HEADER + 4)
    r = _good()
    r.send(b"a" * 24)
    r.recv()
    r.send(b"b" * 8)
    r.recv()  # tail 48
    r.send(b"c" * 16)  # a 24-byte record: padding at 48, then the message at 0
    r.u32(HEADER + 48, 0)  # the padding's length no longer reaches the end
    add("recv_padding_short_of_the_end", r, "consumer", "recv", "length", HEADER + 48)
    r = _good()
    r.send(b"abc")
    r.u32(HEADER, 57)
    add("recv_length_beyond_max_message", r, "consumer", "recv", "length", HEADER)
    r = _good()
    r.send(b"abc")
    r.u32(HEADER, 9)
    add("recv_record_beyond_head", r, "consumer", "recv", "length", HEADER,
        about="a 24-byte record where head published 16")
    r = SpecRing(128, 120, start=120)
    r.send(b"")  # a record at 120..128 would be fine; this one claims 16 bytes to an 8-byte end
    r.u32(HEADER + 120, 8)
    r.u32(HEAD, 136)
    add("recv_record_past_the_end", r, "consumer", "recv", "length", HEADER + 120,
        about="a message record that crosses the end of the data area")
    return out


def build() -> Dict[str, Any]:
    return {
        "format": 1,
        "about": "Golden vectors of the message ring (docs/spec.md section 15); written by "
                 "abi/vectors/make_ring.py from a transcription of the spec. Each case creates a ring "
                 "of 'capacity' bytes and 'max_message' in a region of 192 + capacity bytes, sets head "
                 "and tail to 'start', opens a producer and a consumer on it and runs the steps: 'send' "
                 "of 'data' (hex; 'result' ok or full) and 'recv' ('result' the payload as hex, or "
                 "empty). 'expect' is the whole region after the step. Fault vectors: the side opens "
                 "'region', writes each [offset, hex] of 'poke' after the open, and makes the call "
                 "'op' ('open' alone, 'send' of 'data', 'recv'); the call must fail with 'code' "
                 "(BAD_RING) naming 'field' at 'field_offset' from the start of the region, and leave "
                 "the region unchanged.",
        "cases": cases(),
        "faults": faults(),
    }


def render() -> str:
    return json.dumps(build(), indent=1) + "\n"


def main(argv: List[str]) -> int:
    return write_vectors(argv, RING, render(), Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
