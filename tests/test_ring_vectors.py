"""Golden vectors of the message ring (abi/vectors/ring.json, from a transcription of
spec 15): both engines, and each engine's producer with the other's consumer, leave
the expected region bytes after every step, and refuse every broken region with the
expected field and offset, writing nothing."""

from __future__ import annotations

import copy
import json
import mmap
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
from test_ring_engines import ENGINES

from abi.faults import BadRing

ROOT = Path(__file__).resolve().parent.parent
RING = ROOT / "abi" / "vectors" / "ring.json"
VECTORS = json.loads(RING.read_text())
PAIRS = [("py", "py"), ("c", "c"), ("py", "c"), ("c", "py")]


def _region(hexbytes: str) -> Any:
    """The region in a page-aligned mapping (the C engine wants 64-aligned)."""
    raw = bytes.fromhex(hexbytes)
    buf = mmap.mmap(-1, max(len(raw), 1))
    buf[:len(raw)] = raw
    return buf


def replay(case: Dict[str, Any], producer: str, consumer: str) -> None:
    start = bytes.fromhex(case["steps"][0]["expect"])
    buf = _region(case["steps"][0]["expect"])
    ENGINES[producer].init(buf, 0, case["capacity"], case["max_message"])
    struct.pack_into("<II", buf, 64, case["start"], 0)  # a case may start from other indices
    struct.pack_into("<I", buf, 128, case["start"])
    assert buf[:] == start, "create"
    tx, rx = ENGINES[producer](buf, 0, "producer"), ENGINES[consumer](buf, 0, "consumer")
    try:
        for i, step in enumerate(case["steps"][1:], 1):
            if step["op"] == "send":
                got = "ok" if tx.send(bytes.fromhex(step["data"])) else "full"
            else:
                msg = rx.recv()
                got = "empty" if msg is None else msg.hex()
            assert got == step["result"], f"step {i} ({step['op']}): result {got}, expected {step['result']}"
            want = bytes.fromhex(step["expect"])
            if buf[:] != want:
                at = next(j for j in range(len(want)) if buf[j] != want[j])
                raise AssertionError(f"step {i} ({step['op']}): region byte {at} is {buf[at]:#04x}, "
                                     f"expected {want[at]:#04x}")
    finally:
        tx.close()
        rx.close()


@pytest.mark.parametrize("producer,consumer", PAIRS)
@pytest.mark.parametrize("name", [c["name"] for c in VECTORS["cases"]])
def test_case_replays_byte_for_byte(name: str, producer: str, consumer: str) -> None:
    replay(next(c for c in VECTORS["cases"] if c["name"] == name), producer, consumer)


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("name", [f["name"] for f in VECTORS["faults"]])
def test_fault_is_refused_naming_the_field(name: str, engine: str) -> None:
    vec = next(f for f in VECTORS["faults"] if f["name"] == name)
    buf = _region(vec["region"])
    before = buf[:]
    with pytest.raises(BadRing) as caught:
        side = ENGINES[engine](buf, 0, vec["side"])
        assert vec["op"] != "open", "the open succeeded"
        for at, value in vec["poke"]:
            buf[at:at + 4] = bytes.fromhex(value)
        before = buf[:]
        if vec["op"] == "send":
            side.send(bytes.fromhex(vec["data"]))
        else:
            side.recv()
    fault = caught.value
    assert (fault.code, fault.field, fault.offset) == (vec["code"], vec["field"], vec["field_offset"]), \
        str(fault)
    assert buf[:] == before, "the refused call wrote to the region"


def test_a_wrong_vector_fails() -> None:
    """The replay catches one flipped byte and a wrong result."""
    case = copy.deepcopy(next(c for c in VECTORS["cases"] if c["name"] == "padding"))
    step = case["steps"][5]  # the send that writes a padding record at 96
    step["expect"] = step["expect"][:2 * (192 + 110)] + "01" + step["expect"][2 * (192 + 111):]
    with pytest.raises(AssertionError, match="step 5 .send.: region byte 302"):
        replay(case, "py", "c")
    case = copy.deepcopy(next(c for c in VECTORS["cases"] if c["name"] == "padding_then_full"))
    case["steps"][4]["result"] = "ok"
    with pytest.raises(AssertionError, match="step 4 .send.: result full, expected ok"):
        replay(case, "c", "py")


def test_vectors_pinned_by_hand() -> None:
    """Hand-written from spec 15.1-15.2, independently of the generator."""
    cases = {c["name"]: c["steps"] for c in VECTORS["cases"]}
    created = bytes.fromhex(cases["fill_and_drain"][0]["expect"])
    assert created[:12] == b"ring" + bytes.fromhex("40000000" "38000000")  # magic, capacity 64, max 56
    assert created[12:] == bytes(192 - 12 + 64)
    first = bytes.fromhex(cases["fill_and_drain"][1]["expect"])  # 8 bytes sent
    assert first[64:68] == bytes.fromhex("10000000")  # head 16
    assert first[192:200] == bytes.fromhex("08000000" "00000000")  # length 8, kind message
    pad = bytes.fromhex(cases["padding"][5]["expect"])  # the third 40-byte message
    assert pad[192 + 96:192 + 104] == bytes.fromhex("18000000" "01000000")  # padding: 24 to the end
    assert pad[192 + 104:192 + 128] == bytes.fromhex(cases["padding"][2]["expect"])[192 + 104:192 + 128], \
        "a padding record's body is never written"
    assert pad[64:68] == struct.pack("<I", 96 + 32 + 48)
    wrapped = bytes.fromhex(cases["index_wraps_past_2_32"][1]["expect"])
    assert wrapped[64:68] == struct.pack("<I", (0xFFFFFFC0 + 32) & 0xFFFFFFFF)


def test_the_vectors_are_current() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "abi" / "vectors" / "make_ring.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
