"""The channel's own message rings (MESSAGE_RINGS, spec 15.6) in the Python engine:
where the creator lays them out and what else it writes, when it may write over what
is there (6.1 step 3, R6.1-7), what an attacher accepts and refuses (6.4 rule 5),
and how each side finds its two rings, refusing rings that do not fill desc_size."""

from __future__ import annotations

import os
import struct
import threading
import time
from pathlib import Path

import pytest

from abi import Channel, descriptor, layout
from abi.engine.c_channel import CChannel
from abi.engine.wake import supported_features
from abi.faults import BadRing, BadSize, Fault, ShmSignalFault

RINGS = layout.FEATURE_MESSAGE_RINGS


def _pair(tmp_path: Path, rings=(256, 1024), **kw):
    path = tmp_path / "chan"
    a = Channel.create(path, rings=rings, **kw)
    b = Channel.attach(path)
    assert a.wait_for_peer(5)
    return path, a, b


def test_both_directions_through_the_channels_rings(tmp_path: Path) -> None:
    """North sends to south, which echoes every message back, each side a thread of
    its own: both rings wrap and fill many times over.  North sends and receives in
    one thread, so it drains its ring while it waits for room in the other (one
    channel carries the notifications of both directions)."""
    path, a, b = _pair(tmp_path)
    try:
        assert RINGS & a.features and RINGS & b.features
        north_tx, south_rx = a.ring_sender(), b.ring_receiver()
        south_tx, north_rx = b.ring_sender(), a.ring_receiver()
        assert (north_tx.producer.capacity, south_tx.producer.capacity) == (256, 1024)
        sent = [bytes([i % 256]) * (i % 200) for i in range(2000)]

        def echo() -> None:
            for _ in sent:
                m = south_rx.recv(timeout=10)
                assert m is not None and south_tx.send(m, timeout=10)

        t = threading.Thread(target=echo)
        t.start()
        got: list = []

        def drain() -> None:
            while (r := north_rx.try_recv()) is not None:
                got.append(r)

        deadline = time.monotonic() + 30
        for m in sent:
            while not north_tx.try_send(m):
                drain()
                assert time.monotonic() < deadline, f"stuck after {len(got)} echoes"
                a.poll(0.5)
            drain()
        while len(got) < len(sent) and (r := north_rx.recv(timeout=10)) is not None:
            got.append(r)
        t.join(10)
        assert got == sent
        for side in (north_tx, south_rx, south_tx, north_rx):
            side.close()
    finally:
        b.close()
        a.close()


def test_the_creator_writes_the_descriptor_and_both_ring_headers_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "chan"
    with Channel.create(path, 1, rings=(64, 128), ring_max=(40, 100), instance_id=bytes(range(1, 17)), pid=9,
                        size=4096):
        raw = path.read_bytes()
    size = 192 + 192 + 64 + 192 + 128
    assert struct.unpack_from("<I", raw, 8)[0] == size == layout.rings_desc_size(64, 128)
    assert struct.unpack_from("<Q", raw, 16)[0] & RINGS
    north, south = 192, 192 + 192 + 64
    assert raw[north:north + 12] == b"ring" + struct.pack("<II", 64, 40)
    assert raw[south:south + 12] == b"ring" + struct.pack("<II", 128, 100)
    written = {i for i in range(len(raw)) if raw[i]}
    headers = set(range(north, north + 12)) | set(range(south, south + 12))
    assert {i for i in written if i >= 192} == {i for i in headers if raw[i]}  # indices 0, data untouched
    assert descriptor.validate(raw).desc_size == size


def test_without_rings_message_rings_is_never_offered(tmp_path: Path) -> None:
    with Channel.create(tmp_path / "a", features=supported_features()) as a:
        assert not a._offered & RINGS
        with pytest.raises(ShmSignalFault) as e:
            a.ring("producer")
        assert e.value.code == Fault.UNSUPPORTED_FEATURE and e.value.field == "features_accepted"
    with pytest.raises(ValueError, match="MESSAGE_RINGS required"):
        Channel.create(tmp_path / "b", required=RINGS)


@pytest.mark.parametrize("rings, ring_max, why", [
    ((256, 100), None, "power of two"), ((32, 256), None, "power of two"), ((256,), None, "north's capacity"),
    ((256, 256), (249, 8), "from 1 to 248"), ((256, 256), (0, 8), "from 1 to 248"),
    (None, (8, 8), "without rings"),
])
def test_bad_ring_arguments_are_refused_before_the_file_is_touched(tmp_path: Path, rings, ring_max,
                                                                   why) -> None:
    with pytest.raises(ValueError, match=why):
        Channel.create(tmp_path / "x", rings=rings, ring_max=ring_max)
    assert not (tmp_path / "x").exists()


def test_an_attacher_that_does_not_take_the_rings_gets_a_channel_without_them(tmp_path: Path) -> None:
    path = tmp_path / "chan"
    with Channel.create(path, rings=(64, 64)) as a, \
            Channel.attach(path, features=supported_features() & ~RINGS) as b:
        assert a.wait_for_peer(5)
        assert not RINGS & b.features and not RINGS & a.features
        for ch in (a, b):
            with pytest.raises(ShmSignalFault) as e:
                ch.ring("consumer")
            assert e.value.code == Fault.UNSUPPORTED_FEATURE


def test_the_creator_does_not_take_an_applications_bytes_for_its_rings(tmp_path: Path) -> None:
    """6.1 step 3 (R6.1-7): a non-zero byte where the rings go is refused, and
    nothing is written."""
    path = tmp_path / "chan"
    path.write_bytes(bytes(1000) + b"\x07" + bytes(2000))
    before = path.read_bytes()
    with pytest.raises(BadRing) as e:  # desc_size 1088
        Channel.create(path, rings=(256, 256), exist_ok=True)
    assert (e.value.code, e.value.field, e.value.offset) == (Fault.BAD_RING, "ring", 1000)
    assert path.read_bytes() == before
    with Channel.create(path, rings=(64, 64), exist_ok=True):  # desc_size 704 ends before it
        pass


def test_a_closed_descriptors_own_rings_are_written_over_only_at_the_same_size(tmp_path: Path) -> None:
    path, a, b = _pair(tmp_path, rings=(256, 256))
    tx = a.ring_sender()
    assert tx.send(b"x" * 100, timeout=1)  # the rings' bytes are not zero any more
    tx.close()
    b.close()
    a.close()
    with pytest.raises(BadRing) as e:  # another size: the old rings are not its own
        Channel.create(path, rings=(64, 64), exist_ok=True)
    assert (e.value.field, e.value.offset) == ("ring", 192)
    with Channel.create(path, rings=(256, 256), exist_ok=True) as again:  # the same: they are
        raw = path.read_bytes()
        assert raw[192 + 64:192 + 68] == bytes(4)  # head 0 again
        assert again.desc_size == 1088


def test_validation_wants_room_for_two_rings_with_the_feature(tmp_path: Path) -> None:
    """6.4 rule 5: MESSAGE_RINGS offered with a desc_size under 704 is BAD_SIZE."""
    path, a, b = _pair(tmp_path, rings=(64, 64))
    b.close()
    a.close()
    raw = bytearray(path.read_bytes())
    struct.pack_into("<I", raw, 8, 640)
    with pytest.raises(BadSize) as e:
        descriptor.validate(raw)
    assert (e.value.field, e.value.offset) == ("desc_size", 8)
    for at in (16, 32):  # offered and accepted
        struct.pack_into("<Q", raw, at, struct.unpack_from("<Q", raw, at)[0] & ~RINGS)
    assert descriptor.validate(raw).desc_size == 640  # without the feature, any tail is fine


@pytest.mark.parametrize("engine", ["py", "c"])
@pytest.mark.parametrize("where, value, field, ring", [
    (192 + 4, 100, "capacity", "north"),  # not a power of two
    (192 + 4, 512, "capacity", "north"),  # leaves no room for south's ring
    (192 + 192 + 256 + 4, 512, "capacity", "south"),  # south's does not end at desc_size
    (192 + 192 + 256 + 4, 128, "capacity", "south"),
])
def test_rings_that_do_not_fill_desc_size_are_refused(tmp_path: Path, where: int, value: int, field: str,
                                                      ring: str, engine: str) -> None:
    """15.6 (R15-15): north's capacity read once and checked, south's ring ending
    exactly at desc_size; a ring refused is refused alone (the channel goes on).
    Both engines, the same field and offset."""
    cls = Channel if engine == "py" else CChannel
    path = tmp_path / "chan"
    a = cls.create(path, rings=(256, 256))
    b = cls.attach(path)
    assert a.wait_for_peer(5)
    try:
        fd = os.open(path, os.O_RDWR)  # a hostile creator, after the attach
        os.pwrite(fd, struct.pack("<I", value), where)
        os.close(fd)
        for ch, role in ((b, "producer"), (b, "consumer"), (a, "producer"), (a, "consumer")):
            with pytest.raises(BadRing) as e:
                ch.ring(role)
            assert (e.value.field, e.value.offset) == (field, 4), (ring, str(e.value))
        a.inject()  # the channel itself still works
        assert b.flags()["dirty"] == 1
    finally:
        b.close()
        a.close()
