"""The C engine's channel rings (docs/spec.md 15.6, MESSAGE_RINGS;
abi/c_reference/shm_signal_rings.c) through ``CChannel.create(..., rings=, ring_max=)``,
``CChannel.ring(role)``, ``ring_sender()`` and ``ring_receiver()``:

- both directions through the rings of one channel, its two sides in this process and
  in two processes (wrap-arounds, a full ring waiting for room), and a producer whose
  send publishes a padding record and then finds no room waking the consumer already
  waiting, so that it releases the padding (RingSender injects for it);
- the blocking wrappers' two orderings, on model sides: a send that padded tries
  once more after its inject before it waits, and a receiver loads head again only
  after a full fence that follows its release;
- the bytes create writes: desc_size 576 + c0 + c1, both ring headers at 192 and
  384 + c0, zeros everywhere else, the file exactly that long (6.1 steps 4-6), and a
  re-creation over a dead descriptor of the same size zeroing what its rings held;
- every refusal, each fed the broken input it exists for: a bad capacity or
  max_message (E_ARG, no file), MESSAGE_RINGS required without rings, step 3's
  foreign bytes where the rings go (BAD_RING field ring at the first non-zero byte,
  nothing written), 6.4 rule 5 (BAD_SIZE with MESSAGE_RINGS and desc_size 640), a ring
  asked for before negotiation or on a channel whose attacher does not implement
  MESSAGE_RINGS (UNSUPPORTED_FEATURE), a hostile north capacity and a desc_size the
  rings do not add up to (BAD_RING naming capacity at ring offset 4).

The C test program (shm_signal_test.c, test_rings: the bytes, both directions, the
argument refusals, a hostile north capacity) runs under ASan in tests/test_c_engine.py.
"""

from __future__ import annotations

import gc
import mmap
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, Tuple

import pytest

from abi import layout
from abi.engine import c_channel
from abi.engine.c_channel import CChannel
from abi.engine.c_ring import CRing
from abi.engine.ring import RingReceiver, RingSender
from abi.faults import Fault, ShmSignalFault

ROOT = Path(__file__).resolve().parent.parent
RINGS = layout.FEATURE_MESSAGE_RINGS
BASIC = layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT  # implemented on every OS
IID = bytes(range(1, 17))
RING_MAGIC = layout.RING_MAGIC
HDR = layout.RING_HEADER_SIZE


def poke32(path: Path, at: int, value: int) -> int:
    """Store a little-endian 32-bit value into the file, as a hostile peer would; the
    value it replaced."""
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
        old = int(struct.unpack_from("<I", mm, at)[0])
        struct.pack_into("<I", mm, at, value)
    return old


def fault(exc: pytest.ExceptionInfo) -> Tuple[Fault, str, int]:
    return exc.value.code, exc.value.field, exc.value.offset


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Tuple[CChannel, CChannel]]:
    """North created with rings (256 north to south, 1024 back), south attached."""
    path = tmp_path / "rings.shm"
    north = CChannel.create(path, rings=(256, 1024))
    south = CChannel.attach(path)
    try:
        yield north, south
    finally:
        south.close()
        north.close()


# ---------------------------------------------------------------- messages


def message(i: int) -> bytes:
    return bytes((i * 7 + j) & 0xFF for j in range(i * 13 % 200))


def test_both_ways_through_one_channel(pair: Tuple[CChannel, CChannel]) -> None:
    north, south = pair
    assert north.wait_for_peer(2.0)
    assert north.features is not None and north.features & RINGS and south.features == north.features
    to_south, from_north = north.ring_sender(), south.ring_receiver()
    to_north, from_south = south.ring_sender(), north.ring_receiver()
    assert (from_north.consumer.capacity, from_south.consumer.capacity) == (256, 1024)
    assert (from_north.consumer.max_message, from_south.consumer.max_message) == (248, 1016)
    for i in range(500):  # the 256-byte ring wraps every few messages
        assert to_south.send(message(i)[:120], timeout=2)
        assert from_north.recv(timeout=2) == message(i)[:120]
        assert to_north.send(message(i), timeout=2)
        assert from_south.recv(timeout=2) == message(i)
    assert from_north.recv(timeout=0) is None and from_south.recv(timeout=0) is None
    # a full ring: the sender gets False after its timeout, then room after a recv
    while to_south.producer.send(b"x" * 100):
        pass
    assert not to_south.send(b"y" * 100, timeout=0.05)
    assert from_north.recv(timeout=2) == b"x" * 100
    assert to_south.send(b"y" * 100, timeout=2)


def test_each_side_produces_into_its_own_localitys_ring(pair: Tuple[CChannel, CChannel]) -> None:
    """North's producer ring is at 192 (capacity c0), south's at 384 + c0: what one
    side's producer sends, the other side's consumer receives, and only that."""
    north, south = pair
    north.wait_for_peer(2.0)
    n_tx, s_rx = north.ring("producer"), south.ring("consumer")
    s_tx, n_rx = south.ring("producer"), north.ring("consumer")
    assert (n_tx.capacity, s_rx.capacity, s_tx.capacity, n_rx.capacity) == (256, 256, 1024, 1024)
    assert n_tx.send(b"n") and s_tx.send(b"s")
    assert s_rx.recv() == b"n" and n_rx.recv() == b"s"
    raw = (Path(north._path)).read_bytes()
    assert struct.unpack_from("<I", raw, 192 + layout.RING_HEAD_OFFSET)[0] == 16  # north's head
    assert struct.unpack_from("<I", raw, 384 + 256 + layout.RING_HEAD_OFFSET)[0] == 16  # south's head
    with pytest.raises(ValueError, match="role"):
        north.ring("both")


def test_a_padding_record_published_alone_wakes_a_waiting_consumer(tmp_path: Path) -> None:
    """15.3 step 2, then step 3: a 64-byte message (a 72-byte record) with 64 bytes to
    the end of a 128-byte ring pads to the end and then has no room, the padding
    holding 8 of the bytes it needs.  The consumer, parked on the channel since it
    emptied the ring, must be woken to release the padding (RingSender injects for
    it): else each side waits for the other, here until the timeouts."""
    path = tmp_path / "pad.shm"
    with CChannel.create(path, rings=(128, 64), ring_max=(64, 0)) as north, CChannel.attach(path) as south:
        assert north.wait_for_peer(2.0)
        tx, rx = north.ring_sender(), south.ring_receiver()
        assert tx.send(b"a" * 56, timeout=1) and rx.recv(timeout=1) == b"a" * 56  # head at data offset 64
        got = []
        waiter = threading.Thread(target=lambda: got.append(rx.recv(timeout=20)))
        waiter.start()
        if north.features is not None and north.features & layout.FEATURE_WAITER_FLAG:
            deadline = time.monotonic() + 10
            while south.descriptor_bytes()[128 + 3] != 1:  # irq[1].pad0: south is parked
                assert time.monotonic() < deadline
        else:
            time.sleep(0.3)
        start = time.monotonic()
        sent = tx.send(b"b" * 64, timeout=20)
        waiter.join(30)
        assert sent and got == [b"b" * 64] and time.monotonic() - start < 10


class ModelChannel:
    """The channel as the wrappers use it, counting injects."""

    def __init__(self) -> None:
        self.injects = 0

    def enable(self) -> int:
        return 0

    def inject(self) -> bool:
        self.injects += 1
        return True


class PaddingProducer:
    """A producer whose first send publishes a padding record and then finds no room
    with the tail it loaded before the padding; the consumer's release raced with it,
    so a send with a tail loaded now succeeds."""

    capacity, max_message = 128, 120

    def __init__(self) -> None:
        self.index, self.sends = 64, 0

    def send(self, data: bytes) -> bool:
        self.sends += 1
        if self.sends == 1:
            self.index = 128  # the padding, published
            return False
        return True


class FullProducer(PaddingProducer):
    """Full, with nothing published."""

    def send(self, data: bytes) -> bool:
        self.sends += 1
        return False


def test_a_send_that_padded_tries_again_after_its_inject() -> None:
    """The first try's "full" came from a tail loaded before the padding; a consumer
    that released meanwhile and looked before the padding saw no reason to wake us.
    One more try, after the inject's full fence, finds the room instead of waiting for
    a wake-up that is not coming."""
    ch, side = ModelChannel(), PaddingProducer()
    tx = RingSender(ch, side=side)
    assert tx.try_send(b"x" * 64)
    assert (side.sends, ch.injects) == (2, 2)  # the padding's inject, the message's
    full = FullProducer()
    assert not RingSender(ch, side=full).try_send(b"x" * 64)
    assert full.sends == 1 and ch.injects == 2  # no padding: nothing to try again for, or to wake


class StoreBufferConsumer:
    """A consumer on a machine with a store buffer: the producer has published a
    record (head 200) that this side's loads see only after a full fence that
    follows its release (its tail store)."""

    capacity, max_message = 256, 100

    def __init__(self) -> None:
        self.index, self.fenced = 0, False

    def peek_other(self) -> int:
        return 200 if self.fenced else 64

    def recv(self) -> bytes:
        self.index, self.fenced = 64, False  # released; the new head is not visible yet
        return b"m"

    def fence(self) -> None:
        self.fenced = True


def test_a_receiver_loads_head_again_after_a_full_fence() -> None:
    """The producer stored head, fenced and loaded tail (seeing the old one: full);
    this side stored tail and loads head: without a fence in between both loads may
    return the old values, and nobody wakes the producer.  Used bytes at the look (64)
    are below what could leave it without room, so only the moved head says to wake it."""
    ch, side = ModelChannel(), StoreBufferConsumer()
    rx = RingReceiver(ch, side=side)
    rx._fence = side.fence  # the fence the machine honours
    assert rx.try_recv() == b"m" and ch.injects == 1


ECHO = """
import sys
from abi.engine.c_channel import CChannel
ch = CChannel.attach(sys.argv[1], timeout=10)
rx, tx = ch.ring_receiver(), ch.ring_sender()
for _ in range(int(sys.argv[2])):
    m = rx.recv(10)
    assert m is not None
    assert tx.send(m[::-1], 10)
ch.close()
"""


def test_two_processes_echo_through_the_rings(tmp_path: Path) -> None:
    path = tmp_path / "echo.shm"
    n = 2000
    with CChannel.create(path, rings=(512, 128), ring_max=(0, 64)) as north:
        child = subprocess.Popen([sys.executable, "-c", ECHO, str(path), str(n)], cwd=ROOT,
                                 stderr=subprocess.PIPE, text=True)
        try:
            assert north.wait_for_peer(10)
            tx, rx = north.ring_sender(), north.ring_receiver()
            assert rx.consumer.max_message == 64
            for i in range(n):
                msg = message(i)[:64]
                assert tx.send(msg, timeout=10)
                assert rx.recv(timeout=10) == msg[::-1], i
            assert child.wait(timeout=30) == 0, child.stderr.read() if child.stderr else ""
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


# ---------------------------------------------------------------- bytes


def ring_header(capacity: int, max_message: int) -> bytes:
    return struct.pack("<III", RING_MAGIC, capacity, max_message) + bytes(HDR - 12)


def expected_file(c0: int, c1: int, m0: int, m1: int, offered: int, required: int = 0) -> bytes:
    """A fresh descriptor with rings, from spec 4.1, 6.1 and 15.6, by hand."""
    size = 576 + c0 + c1
    desc = struct.pack("<IIII", layout.MAGIC, 1, size, 0) + struct.pack("<QQQ", offered, required, 0)
    desc += IID + bytes(8)
    desc += bytes(4) + struct.pack("<II", 1, 4242) + bytes(52)  # irq[0]: attached, pid
    desc += bytes(64)  # irq[1]: empty
    return desc + ring_header(c0, m0) + bytes(c0) + ring_header(c1, m1) + bytes(c1)


def test_the_bytes_create_writes(tmp_path: Path) -> None:
    path = tmp_path / "bytes.shm"
    with CChannel.create(path, features=BASIC, required=RINGS, instance_id=IID, pid=4242, rings=(64, 128),
                         ring_max=(10, 0)) as ch:
        raw = path.read_bytes()
        assert raw == expected_file(64, 128, 10, 120, BASIC | RINGS, RINGS)  # length 768: nothing more
        assert ch.descriptor_bytes() == raw[:192]
    # in a longer file (size=), at an offset: the same bytes there, zeros around them
    with CChannel.create(tmp_path / "long.shm", features=BASIC, instance_id=IID, pid=4242, offset=128,
                         size=4096, rings=(1024, 64)):
        raw = (tmp_path / "long.shm").read_bytes()
        assert len(raw) == 4096 and not any(raw[:128]) and not any(raw[128 + 576 + 1088:])
        assert raw[128:128 + 576 + 1088] == expected_file(1024, 64, 1016, 56, BASIC | RINGS)


def test_without_rings_message_rings_is_never_offered(tmp_path: Path) -> None:
    supported = c_channel.supported_features()
    assert supported & RINGS  # what attach accepts by default
    with CChannel.create(tmp_path / "a.shm") as ch:  # the default offer
        d = ch.descriptor_bytes()
        assert struct.unpack_from("<I", d, 8)[0] == 192
        assert struct.unpack_from("<Q", d, 16)[0] == supported & ~RINGS
    with CChannel.create(tmp_path / "b.shm", features=BASIC | RINGS) as ch:  # an explicit one
        assert struct.unpack_from("<Q", ch.descriptor_bytes(), 16)[0] == BASIC
    with pytest.raises(ValueError, match="MESSAGE_RINGS"):
        CChannel.create(tmp_path / "c.shm", features=BASIC | RINGS, required=RINGS)
    assert not (tmp_path / "c.shm").exists()
    # with rings it is offered whatever features says
    with CChannel.create(tmp_path / "d.shm", features=BASIC, rings=(64, 64)) as ch:
        assert struct.unpack_from("<Q", ch.descriptor_bytes(), 16)[0] == BASIC | RINGS


def test_recreating_over_a_dead_descriptor_of_the_same_size_zeroes_its_rings(tmp_path: Path) -> None:
    path = tmp_path / "again.shm"
    with CChannel.create(path, features=BASIC, rings=(64, 128)) as north, CChannel.attach(path) as south:
        north.wait_for_peer(2.0)
        assert north.ring("producer").send(b"old message") and south.ring("producer").send(b"\xff" * 100)
    assert any(path.read_bytes()[384:448])
    # the same desc_size, the other split: allowed (R6.1-7), and every old byte goes
    with CChannel.create(path, features=BASIC, exist_ok=True, instance_id=IID, pid=4242, rings=(128, 64)):
        assert path.read_bytes() == expected_file(128, 64, 120, 56, BASIC | RINGS)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("rings,ring_max,field", [
    ((100, 64), None, "capacity[0]"), ((64, 32), None, "capacity[1]"), ((0, 64), None, "capacity[0]"),
    ((2**31, 64), None, "capacity[0]"), ((64, 64), (57, 0), "max_message[0]"),
    ((64, 128), (0, 121), "max_message[1]"), (None, (8, 8), "max_message"),
])
def test_bad_ring_arguments_are_refused_before_the_file_exists(tmp_path: Path, rings, ring_max,
                                                                field: str) -> None:
    path = tmp_path / "bad.shm"
    with pytest.raises(ValueError, match=r"\(code -1\)") as exc:
        CChannel.create(path, rings=rings, ring_max=ring_max)
    assert field in str(exc.value) and not path.exists()


@pytest.mark.parametrize("rings", [(64,), (64, 64, 64), 64, (-64, 64), (64, 2**32 + 64), ("64", 64)])
def test_ring_arguments_ctypes_would_wrap_are_refused(tmp_path: Path, rings) -> None:
    with pytest.raises((ValueError, TypeError)):
        CChannel.create(tmp_path / "wrap.shm", rings=rings)
    assert not (tmp_path / "wrap.shm").exists()


def _file(path: Path, data: bytes) -> bytes:
    path.write_bytes(data)
    return data


def test_foreign_bytes_where_the_rings_go_are_refused_and_left_alone(tmp_path: Path) -> None:
    """6.1 step 3, R6.1-7: all zero at the offset, but an application's byte at 500 (in
    the rings' bytes [192, 960)): BAD_RING naming field ring at 500, nothing written."""
    path = tmp_path / "foreign.shm"
    data = bytearray(700)
    data[500] = 7
    before = _file(path, bytes(data))
    with pytest.raises(ShmSignalFault) as exc:
        CChannel.create(path, exist_ok=True, rings=(256, 128))
    assert fault(exc) == (Fault.BAD_RING, "ring", 500) and exc.value.actual == "0x7"
    assert path.read_bytes() == before  # not written, not grown
    # at an offset: the field's offset is the descriptor's
    data = bytearray(4096)
    data[1024 + 192 + 64 + 3] = 1
    before = _file(path, bytes(data))
    with pytest.raises(ShmSignalFault) as exc:
        CChannel.create(path, exist_ok=True, offset=1024, rings=(64, 64))
    assert fault(exc) == (Fault.BAD_RING, "ring", 192 + 64 + 3) and path.read_bytes() == before
    # bytes past offset + desc_size are not the rings': allowed
    data = bytearray(2048)
    data[704] = 1
    _file(path, bytes(data))
    with CChannel.create(path, exist_ok=True, rings=(64, 64)):
        assert path.read_bytes()[704] == 1


def test_a_dead_descriptor_of_another_size_does_not_give_up_its_bytes(tmp_path: Path) -> None:
    """A closed plain descriptor (192 bytes) with the application's data after it, and a
    closed ring descriptor of another size: their bytes after 192 are not free."""
    path = tmp_path / "dead.shm"
    with CChannel.create(path, features=BASIC, size=1024) as ch:
        ch.data(300, 4)[0:4] = b"data"
    before = path.read_bytes()
    with pytest.raises(ShmSignalFault) as exc:
        CChannel.create(path, exist_ok=True, rings=(64, 64))
    assert fault(exc) == (Fault.BAD_RING, "ring", 300) and path.read_bytes() == before
    path.unlink()
    with CChannel.create(path, features=BASIC, rings=(64, 64)):
        pass
    before = path.read_bytes()
    with pytest.raises(ShmSignalFault) as exc:
        CChannel.create(path, exist_ok=True, rings=(128, 64))  # 768, not 704
    assert fault(exc) == (Fault.BAD_RING, "ring", 192) and path.read_bytes() == before  # north's magic
    # a live descriptor is LOCALITY_BUSY, as always: the descriptor's own check comes first
    with CChannel.create(path, features=BASIC, exist_ok=True, rings=(64, 64)):
        with pytest.raises(ShmSignalFault) as exc:
            CChannel.create(path, exist_ok=True, rings=(128, 64))
        assert exc.value.code == Fault.LOCALITY_BUSY


def descriptor(desc_size: int, offered: int, mapping: int) -> bytearray:
    """A valid north-created descriptor (6.4) in a mapping of `mapping` bytes."""
    buf = bytearray(mapping)
    struct.pack_into("<IIII", buf, 0, layout.MAGIC, 1, desc_size, 0)
    struct.pack_into("<Q", buf, 16, offered)
    buf[40:56] = IID
    struct.pack_into("<I", buf, 68, 1)
    return buf


def test_rule_5_message_rings_wants_room_for_two_rings(tmp_path: Path) -> None:
    for size in (192, 640):
        with pytest.raises(ShmSignalFault) as exc:
            c_channel.validate(bytes(descriptor(size, BASIC | RINGS, 1024)))
        assert fault(exc) == (Fault.BAD_SIZE, "desc_size", 8), size
    # before the mapping's length (rule 6): a 640 in a 192-byte mapping is BAD_SIZE too
    with pytest.raises(ShmSignalFault) as exc:
        c_channel.validate(bytes(descriptor(640, BASIC | RINGS, 192)))
    assert exc.value.code == Fault.BAD_SIZE
    c_channel.validate(bytes(descriptor(704, BASIC | RINGS, 704)))
    c_channel.validate(bytes(descriptor(640, BASIC, 704)))  # without the feature, any size
    path = tmp_path / "small.shm"
    path.write_bytes(bytes(descriptor(640, BASIC | RINGS, 1024)))
    with pytest.raises(ShmSignalFault) as exc:
        CChannel.attach(path)
    assert fault(exc) == (Fault.BAD_SIZE, "desc_size", 8)


# ---------------------------------------------------------------- opening a ring


def test_no_ring_before_the_peer_attached(tmp_path: Path) -> None:
    path = tmp_path / "early.shm"
    with CChannel.create(path, rings=(64, 64)) as north:
        for role in ("producer", "consumer"):
            with pytest.raises(ShmSignalFault) as exc:
                north.ring(role)
            assert fault(exc) == (Fault.UNSUPPORTED_FEATURE, "features_accepted", 32)
        with CChannel.attach(path):
            assert north.ring("producer").capacity == 64  # the creator learns the set here


def test_an_attacher_without_message_rings_gets_a_channel_without_rings(tmp_path: Path) -> None:
    path = tmp_path / "norings.shm"
    without = c_channel.supported_features() & ~RINGS
    with CChannel.create(path, rings=(64, 64)) as north, CChannel.attach(path, features=without) as south:
        assert north.wait_for_peer(2.0) and north.features is not None
        assert not north.features & RINGS and south.features == north.features
        for ch in (north, south):
            with pytest.raises(ShmSignalFault) as exc:
                ch.ring("consumer")
            assert fault(exc) == (Fault.UNSUPPORTED_FEATURE, "features_accepted", 32)
        south.enable()
        north.inject()
        assert south.wait(2.0)  # the channel itself works
    with CChannel.create(path, exist_ok=True, rings=(64, 64), required=RINGS):
        with pytest.raises(ShmSignalFault) as exc:
            CChannel.attach(path, features=without)
        assert exc.value.code == Fault.UNSUPPORTED_FEATURE


@pytest.mark.parametrize("c0", [100, 0, 32, 2**31, 2048])
def test_a_hostile_north_capacity_is_refused(pair: Tuple[CChannel, CChannel], c0: int) -> None:
    """Not a power of two from 64 to 2^30, or (2048) leaving no room for south's ring in
    desc_size 1856: BAD_RING naming capacity at offset 4 of north's ring, for either
    ring (south's is placed by it); the channel goes on."""
    north, south = pair
    north.wait_for_peer(2.0)
    good = poke32(Path(north._path), 192 + 4, c0)
    for ch, role in ((south, "consumer"), (south, "producer"), (north, "producer")):
        with pytest.raises(ShmSignalFault) as exc:
            ch.ring(role)
        assert fault(exc) == (Fault.BAD_RING, "capacity", 4) and exc.value.actual == hex(c0)
        assert "north's" in str(exc.value)
    poke32(Path(north._path), 192 + 4, good)
    assert south.ring("consumer").capacity == 256


@pytest.mark.parametrize("c1", [512, 2048, 0, 7])
def test_rings_that_do_not_add_up_to_desc_size_are_refused(pair: Tuple[CChannel, CChannel], c1: int) -> None:
    """R15-15: 576 + c0 + c1 must be desc_size (1856 here); a south capacity that
    breaks it is BAD_RING naming capacity at offset 4 of south's ring, whichever ring
    is opened."""
    north, south = pair
    north.wait_for_peer(2.0)
    at = 384 + 256 + 4  # south's capacity
    good = poke32(Path(north._path), at, c1)
    for ch, role in ((south, "producer"), (north, "consumer"), (north, "producer")):
        with pytest.raises(ShmSignalFault) as exc:
            ch.ring(role)
        assert fault(exc) == (Fault.BAD_RING, "capacity", 4) and exc.value.actual == hex(c1)
        assert "south's" in str(exc.value)
    poke32(Path(north._path), at, good)
    assert north.ring("consumer").capacity == 1024


def test_a_smaller_north_capacity_moves_south_and_is_caught(pair: Tuple[CChannel, CChannel]) -> None:
    """c0 128 instead of 256 (a valid capacity): south's ring would be at 512, where
    north's data is, and 576 + 128 + (what is there) is not desc_size."""
    north, south = pair
    north.wait_for_peer(2.0)
    poke32(Path(north._path), 192 + 4, 128)
    with pytest.raises(ShmSignalFault) as exc:
        south.ring("producer")
    assert fault(exc) == (Fault.BAD_RING, "capacity", 4) and "south's" in str(exc.value)


def test_a_desc_size_larger_than_the_rings_is_refused(tmp_path: Path) -> None:
    """A creator's descriptor whose desc_size (1024) is more than its rings take (704):
    valid to attach to (6.4 does not look at the rings), refused when a ring opens."""
    path = tmp_path / "larger.shm"
    buf = descriptor(1024, BASIC | RINGS, 1024)
    buf[192:192 + HDR] = ring_header(64, 56)
    buf[448:448 + HDR] = ring_header(64, 56)
    path.write_bytes(bytes(buf))
    with CChannel.attach(path, features=BASIC | RINGS) as south:
        assert south.features == BASIC | RINGS
        with pytest.raises(ShmSignalFault) as exc:
            south.ring("consumer")
        assert fault(exc) == (Fault.BAD_RING, "capacity", 4) and exc.value.actual == "0x40"
        poke32(path, 448 + 4, 64 + 320)  # c1 = 384 adds up, but is no power of two ...
        with pytest.raises(ShmSignalFault) as exc:
            south.ring("producer")  # ... which the ring's own open refuses (15.1)
        assert fault(exc) == (Fault.BAD_RING, "capacity", 4) and exc.value.actual == "0x180"
        assert south.ring("consumer").capacity == 64  # north's ring is refused alone


def test_a_refused_side_stays_refused_and_the_other_ring_works(pair: Tuple[CChannel, CChannel]) -> None:
    north, south = pair
    north.wait_for_peer(2.0)
    tx = north.ring("producer")
    poke32(Path(north._path), 384 + 256 + layout.RING_TAIL_OFFSET, 4)  # south's tail: not a multiple of 8
    with pytest.raises(ShmSignalFault) as exc:
        south.ring("producer")
    assert fault(exc) == (Fault.BAD_RING, "tail", layout.RING_TAIL_OFFSET)
    assert tx.send(b"still") and south.ring("consumer").recv() == b"still"


def test_a_ring_holds_its_channel_and_refuses_after_close(tmp_path: Path) -> None:
    path = tmp_path / "hold.shm"
    north = CChannel.create(path, rings=(64, 64))
    south = CChannel.attach(path)
    rx = south.ring("consumer")
    del south
    gc.collect()
    assert north.ring("producer").send(b"kept") and rx.recv() == b"kept"  # south still attached
    rx._channel.close()
    with pytest.raises(ValueError, match="closed"):
        rx.recv()
    with pytest.raises(ValueError, match="closed"):
        rx.peek_other()
    tx = north.ring("producer")
    tx.close()
    with pytest.raises(ValueError, match="closed"):
        tx.send(b"x")
    north.close()
    with pytest.raises(ValueError, match="closed"):
        north.ring("producer")
    assert isinstance(rx, CRing)
