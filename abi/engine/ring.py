"""Message rings (docs/spec.md section 15): one producer and one consumer move
variable-length messages through a region of the mapping (a channel's own two
rings with MESSAGE_RINGS, 15.6, or one the application places), and the channel
carries the "look" (the producer injects after it publishes).

* :func:`create` lays a ring out in a buffer (the mapping, at a 64-aligned offset);
* :class:`Producer` and :class:`Consumer` are the two sides of it, each keeping its
  own index and reading the other's from shared memory on every call, validated
  (every value a peer controls is hostile: an index out of range, a length past
  the end or a kind the spec does not know is a :class:`~abi.faults.BadRing`, and
  the side is not used again);
* :class:`RingSender` and :class:`RingReceiver` add the channel: blocking with
  timeouts, the producer's inject, the consumer's wake of a producer that waits for
  room.

The bytes each call writes are the spec's, exactly, so that the C engine's ring
(``shm_signal_ring.c``) writes the same ones.

Over 400 lines: the format's two sides, each validating every value it reads, and
the two blocking wrappers over a channel, which the C engine's sides share.
"""

from __future__ import annotations

import ctypes
import struct
import sys
import time
from typing import Any, Callable, Optional

from abi import layout
from abi.engine import arguments as args
from abi.engine.ordering import Ordering, get_ordering
from abi.faults import Fault, PeerGone, ShmSignalFault

MAGIC = layout.RING_MAGIC
HEADER = layout.RING_HEADER_SIZE  # three cache lines: the creator's, the producer's, the consumer's
HEAD, TAIL = layout.RING_HEAD_OFFSET, layout.RING_TAIL_OFFSET
MIN_CAPACITY, MAX_CAPACITY = layout.RING_MIN_CAPACITY, layout.RING_MAX_CAPACITY
RECORD_HEADER = layout.RING_RECORD_SIZE
MESSAGE, PADDING = layout.RING_KIND_MESSAGE, layout.RING_KIND_PADDING
_U32 = 0xFFFFFFFF
_LE = struct.Struct("<II")
_BIG = sys.byteorder == "big"


def _round8(n: int) -> int:
    return (n + 7) & ~7


def region_size(capacity: int) -> int:
    """Bytes a ring of ``capacity`` data bytes occupies (its header included)."""
    return HEADER + capacity


def create(buf: Any, offset: int, capacity: int, max_message: Optional[int] = None,
           ordering: Optional[Ordering] = None) -> None:
    """Lay a ring out at ``offset`` of ``buf`` (a writable buffer: the mapping):
    ``capacity`` data bytes (a power of two, 64 to 2**30), messages of at most
    ``max_message`` bytes (default: the most the capacity allows).  Magic last
    (spec 15.1, R15-2)."""
    if not isinstance(capacity, int) or capacity < MIN_CAPACITY or capacity > MAX_CAPACITY \
            or capacity & (capacity - 1):
        raise ValueError(f"capacity {capacity!r}: a power of two from {MIN_CAPACITY} to {MAX_CAPACITY}")
    max_message = capacity - RECORD_HEADER if max_message is None else max_message
    if not isinstance(max_message, int) or not 1 <= max_message <= capacity - RECORD_HEADER:
        raise ValueError(f"max_message {max_message!r}: 1 to capacity - 8 ({capacity - RECORD_HEADER})")
    view = _region(buf, offset, capacity)
    view[4:HEADER] = bytes(HEADER - 4)
    struct.pack_into("<II", view, 4, capacity, max_message)
    (ordering or get_ordering()).fence()
    struct.pack_into("<I", view, 0, MAGIC)


def _region(buf: Any, offset: int, capacity: int) -> memoryview:
    view = memoryview(buf).cast("B")
    offset = args.check_offset(offset, "ring offset")
    if offset % 64:
        raise ValueError(f"ring offset {offset}: a multiple of 64")
    if offset + region_size(capacity) > len(view):
        raise ValueError(f"a ring of {capacity} bytes at offset {offset} needs {region_size(capacity)} "
                         f"bytes; the buffer has {len(view) - offset} there")
    return view[offset:offset + region_size(capacity)]


def _fault(field: str, offset: int, expected: Any, actual: Any, what: str) -> ShmSignalFault:
    return ShmSignalFault(Fault.BAD_RING, f"{what}: expected {expected}, found {actual}", field=field,
                          offset=offset, expected=expected, actual=actual)


class _Side:
    """What both sides share: one snapshot of the header at open, the indices as
    32-bit stores and loads (never torn), the fences."""

    role = ""
    own_at = other_at = 0

    def __init__(self, buf: Any, offset: int = 0, ordering: Optional[Ordering] = None) -> None:
        whole = memoryview(buf).cast("B")
        offset = args.check_offset(offset, "ring offset")
        if offset % 64:
            raise ValueError(f"ring offset {offset}: a multiple of 64")
        if offset + HEADER > len(whole):
            raise _fault("magic", 0, f"{HEADER} bytes", f"{max(0, len(whole) - offset)}",
                         "the buffer ends before the ring's header")
        head = bytes(whole[offset:offset + HEADER])  # one snapshot of the header
        magic, capacity, max_message = struct.unpack_from("<III", head, 0)
        if magic != MAGIC:
            raise _fault("magic", 0, hex(MAGIC), hex(magic), "not a ring (or not created yet)")
        if capacity < MIN_CAPACITY or capacity > MAX_CAPACITY or capacity & (capacity - 1):
            raise _fault("capacity", 4, f"a power of two, {MIN_CAPACITY} to {MAX_CAPACITY}", capacity,
                         "bad capacity")
        if not 1 <= max_message <= capacity - RECORD_HEADER:
            raise _fault("max_message", 8, f"1 to {capacity - RECORD_HEADER}", max_message,
                         "bad max_message")
        for name, lo, hi in (("reserved0", 12, HEAD), ("reserved1", HEAD + 4, TAIL),
                             ("reserved2", TAIL + 4, HEADER)):
            if any(head[lo:hi]):
                at = lo + next(i for i, b in enumerate(head[lo:hi]) if b)
                raise _fault(name, at, 0, head[at], "a reserved byte is not zero")
        if offset + region_size(capacity) > len(whole):
            raise _fault("capacity", 4, f"at most {len(whole) - offset - HEADER}", capacity,
                         "the ring's data area runs past the end of the buffer")
        self.capacity, self.max_message = capacity, max_message
        self._mask = capacity - 1
        self._view = whole[offset:offset + region_size(capacity)]
        self._data = self._view[HEADER:]
        self._ordering = ordering or get_ordering()
        self._fence = self._ordering.fence
        # 32-bit views of the indices: one aligned load or store each, never torn
        self._own = ctypes.c_uint32.from_buffer(self._view, self.own_at)
        self._other = ctypes.c_uint32.from_buffer(self._view, self.other_at)
        self.index = self._load(self._own)  # this side's own index, read once
        self._broken: Optional[ShmSignalFault] = None
        self._reserved = False  # the producer's reservation in hand (Producer.reserve)
        # The other side's index as last loaded (validated, and followed by a fence):
        # it only moves on, so an old one never overstates the room or the records,
        # and it is loaded again only when it says "no" (one fence per call, not two).
        self._seen = self._load(self._other)
        by_name = {"head": self.index, "tail": self._seen} if self.role == "producer" else \
            {"head": self._seen, "tail": self.index}
        for name, at in (("head", HEAD), ("tail", TAIL)):  # memory order, whichever side opens
            if by_name[name] & 7:
                raise _fault(name, at, "a multiple of 8", by_name[name], "an index out of range")
        self._check_other(self.index, self._seen)

    @staticmethod
    def _load(word: Any) -> int:
        v = int(word.value)
        return int.from_bytes(v.to_bytes(4, "big"), "little") if _BIG else v

    def _store(self, value: int) -> None:
        self._own.value = int.from_bytes(value.to_bytes(4, "big"), "little") if _BIG else value

    def _check_other(self, own: int, other: int) -> int:
        """Used bytes, from this side's index and the other's (R15-4, R15-6)."""
        if self.role == "producer":
            field, at, used = "tail", TAIL, (own - other) & _U32
        else:
            field, at, used = "head", HEAD, (other - own) & _U32
        if other & 7 or used > self.capacity:
            raise self._refuse(_fault(field, at, f"a multiple of 8 within {self.capacity} bytes of "
                                      f"{'head' if field == 'tail' else 'tail'} {own}", other,
                                      "an index out of range"))
        return used

    def peek_other(self) -> int:
        """The other side's index as it is now, unchecked: only for deciding whether
        to wake the other side, never for an access."""
        return self._load(self._other)

    def _refuse(self, fault: ShmSignalFault) -> ShmSignalFault:
        self._broken = fault
        return fault

    def _usable(self) -> None:
        if self._broken is not None:
            raise self._broken
        if self._view is None:
            raise ValueError("the ring side is closed")

    def close(self) -> None:
        """Release the views of the buffer (the mapping can close after this)."""
        self._own = self._other = None  # type: ignore[assignment]
        if self._view is not None:
            self._data.release()
            self._view.release()
            self._view = None  # type: ignore[assignment]

    def __enter__(self) -> _Side:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Producer(_Side):
    """The side that sends (spec 15.3)."""

    role = "producer"
    own_at, other_at = HEAD, TAIL

    def send(self, data: Any) -> bool:
        """Publish one message (bytes-like); False when the ring has no room for it
        now (a padding record may have been published: the room it needs is at the
        start)."""
        payload = data if type(data) is bytes else memoryview(data).cast("B")
        n = len(payload)
        p = self._room(n)
        if p < 0:
            return False
        self._data[p + RECORD_HEADER:p + RECORD_HEADER + n] = payload
        self._publish(p, n)
        return True

    def reserve(self, n: int) -> Optional[Reservation]:
        """Room for a message of up to ``n`` bytes, to be written in place (zero
        copy): a :class:`Reservation` whose ``view`` the caller fills and then
        commits; None when the ring has no room for it now.  One at a time."""
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"reserve({n!r}): a byte count >= 0")
        p = self._room(n)
        if p < 0:
            return None
        self._reserved = True
        return Reservation(self, p, self._data[p + RECORD_HEADER:p + RECORD_HEADER + n])

    def _room(self, n: int) -> int:
        """15.3 steps 1-3 for an n-byte message: the data offset of its record, with
        the padding before it published if it needed one; -1 when there is no room."""
        self._usable()
        if self._reserved:
            raise ValueError("commit or cancel the reservation in hand first")
        if n > self.max_message:
            raise ValueError(f"a message of {n} bytes: this ring takes at most {self.max_message}")
        size = RECORD_HEADER + _round8(n)
        head = self.index
        p = head & self._mask
        to_end = self.capacity - p
        used = (head - self._seen) & _U32
        if self.capacity - used < (size if size <= to_end else to_end + size):
            self._seen = self._load(self._other)
            used = self._check_other(head, self._seen)
            self._fence()  # acquire: the consumer's reads of what it released are done
        if size > to_end:
            if self.capacity - used < to_end:
                return -1
            _LE.pack_into(self._data, p, to_end - RECORD_HEADER, PADDING)  # the header only
            head = (head + to_end) & _U32
            self._fence()
            self._store(head)
            self.index = head
            used += to_end
            p = 0
        return p if self.capacity - used >= size else -1

    def _publish(self, p: int, n: int) -> None:
        """15.3 step 4 after the payload: the zero fill, length and kind, a release
        fence, the new head."""
        size = RECORD_HEADER + _round8(n)
        if size - RECORD_HEADER > n:
            self._data[p + RECORD_HEADER + n:p + size] = bytes(size - RECORD_HEADER - n)
        _LE.pack_into(self._data, p, n, MESSAGE)
        head = (self.index + size) & _U32
        self._fence()  # release: the record before the index (R15-5)
        self._store(head)
        self.index = head


class Reservation:
    """Room reserved in the ring for one message (:meth:`Producer.reserve`): write
    the payload into ``view``, then :meth:`commit` it (or fewer bytes of it), or
    :meth:`cancel` to publish nothing."""

    def __init__(self, producer: Producer, at: int, view: memoryview,
                 on_commit: Optional[Callable[[], Any]] = None) -> None:
        self.view = view
        self._producer, self._at, self._on_commit = producer, at, on_commit

    def commit(self, length: Optional[int] = None) -> None:
        """Publish the first ``length`` bytes of ``view`` (default: all of it)."""
        if self._producer is None:
            raise ValueError("the reservation is committed or cancelled already")
        n = len(self.view) if length is None else length
        if not 0 <= n <= len(self.view):
            raise ValueError(f"commit({length!r}): 0 to the {len(self.view)} bytes reserved")
        producer = self._end()
        producer._publish(self._at, n)
        if self._on_commit is not None:
            self._on_commit()

    def cancel(self) -> None:
        """Publish nothing (a padding record the reservation needed stays published)."""
        self._end()

    def _end(self) -> Producer:
        if self._producer is None:
            raise ValueError("the reservation is committed or cancelled already")
        producer, self._producer = self._producer, None  # type: ignore[assignment]
        self.view.release()
        producer._reserved = False
        return producer

    def __enter__(self) -> memoryview:
        return self.view

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if self._producer is not None:
            self.commit() if exc_type is None else self.cancel()


class Message:
    """A received message in place (zero copy): ``view`` until :meth:`release`,
    which hands its bytes back to the producer.  A hostile producer can change them
    meanwhile: copy what must stay as it was."""

    def __init__(self, consumer: Consumer, view: memoryview, next_tail: int) -> None:
        self.view = view
        self._consumer, self._next = consumer, next_tail

    def release(self) -> None:
        if self._consumer is not None:
            self.view.release()
            self._consumer._release(self._next)
            self._consumer = None  # type: ignore[assignment]

    def __enter__(self) -> memoryview:
        return self.view

    def __exit__(self, *exc: Any) -> None:
        self.release()


class Consumer(_Side):
    """The side that receives (spec 15.4)."""

    role = "consumer"
    own_at, other_at = TAIL, HEAD

    def __init__(self, buf: Any, offset: int = 0, ordering: Optional[Ordering] = None) -> None:
        super().__init__(buf, offset, ordering)
        self._held = False

    def recv(self) -> Optional[bytes]:
        """The next message, copied; None when the ring is empty."""
        m = self.recv_view()
        if m is None:
            return None
        try:
            return bytes(m.view)
        finally:
            m.release()

    def recv_view(self) -> Optional[Message]:
        """The next message in place, or None; release it before the next call."""
        self._usable()
        if self._held:
            raise ValueError("release the message in hand first")
        tail = self.index
        for _ in range(2):  # at most one padding record before a message
            used = (self._seen - tail) & _U32
            if used == 0:
                self._seen = self._load(self._other)
                used = self._check_other(tail, self._seen)
                self._fence()  # acquire: the records up to head are there
                if used == 0:
                    return None
            p = tail & self._mask
            length, kind = _LE.unpack_from(self._data, p)  # one read, then only these
            to_end = self.capacity - p
            if kind == PADDING:
                if p == 0:
                    raise self._refuse(_fault("kind", HEADER + p + 4, MESSAGE, kind,
                                              "a padding record at the start of the data area"))
                if length != to_end - RECORD_HEADER or used < to_end:
                    raise self._refuse(_fault("length", HEADER + p, f"{to_end - RECORD_HEADER} (padding "
                                              f"to the end, within {used} used)", length,
                                              "a padding record that does not fill to the end"))
                tail = (tail + to_end) & _U32
                self._release(tail)
                continue
            if kind != MESSAGE:
                raise self._refuse(_fault("kind", HEADER + p + 4, f"{MESSAGE} or {PADDING}", kind,
                                          "a record of an unknown kind"))
            size = RECORD_HEADER + _round8(length)
            if length > self.max_message or size > to_end or size > used:
                raise self._refuse(_fault("length", HEADER + p, f"at most {self.max_message}, its record "
                                          f"within {min(to_end, used)} bytes", length,
                                          "a message that does not fit"))
            self._held = True
            view = self._data[p + RECORD_HEADER:p + RECORD_HEADER + length]
            return Message(self, view, (tail + size) & _U32)
        raise self._refuse(_fault("kind", HEADER, MESSAGE, PADDING, "padding after padding"))

    def _release(self, tail: int) -> None:
        self._held = False
        self._fence()  # release: done reading before the producer may reuse (R15-8)
        self._store(tail)
        self.index = tail


def channel_side(channel: Any, role: str) -> _Side:
    """Open this side's ``"producer"`` or ``"consumer"`` of the channel's rings (spec
    15.6): the producer's ring is the one its locality produces into.  North's ring
    is right after the descriptor, south's where north's ``capacity`` (read once,
    checked) puts it; the two must fill the validated ``desc_size`` exactly, and
    neither side reaches past it."""
    if role not in ("producer", "consumer"):
        raise ValueError(f"role={role!r}: 'producer' or 'consumer'")
    features = channel.features
    if features is None or not features & layout.FEATURE_MESSAGE_RINGS:
        raise ShmSignalFault(Fault.UNSUPPORTED_FEATURE, "the channel's rings need MESSAGE_RINGS negotiated",
                             field="features_accepted", offset=layout.ShmSignalDesc.features_accepted.offset,
                             expected="MESSAGE_RINGS", actual=f"0x{features or 0:x}")
    size, base = channel.desc_size, channel.offset
    tail = memoryview(channel.buffer)[base:base + size]  # no ring reaches past desc_size
    try:
        north = layout.DESC_SIZE
        c0 = _capacity_at(tail, north, size - layout.RINGS_MIN_DESC_SIZE + layout.RING_MIN_CAPACITY)
        south = layout.ring_offset(layout.LOCALITY_SOUTH, c0)
        c1 = _capacity_at(tail, south, size - south - HEADER)
        _check_fill(size, c0, c1)
        producer = channel.locality if role == "producer" else channel.remote_locality
        at = north if producer == layout.LOCALITY_NORTH else south
        return (Producer if role == "producer" else Consumer)(tail, at, channel._ordering)
    finally:
        tail.release()


def _check_fill(size: int, c0: int, c1: int) -> None:
    """15.6 (R15-15): the two rings end where desc_size does."""
    if layout.rings_desc_size(c0, c1) != size:
        rest = size - layout.rings_desc_size(c0, 0)
        raise _fault("capacity", 4, f"{rest} (the rest of desc_size {size})", c1,
                     "south's ring does not end where desc_size does")


def _capacity_at(tail: memoryview, at: int, most: int) -> int:
    """A channel ring's capacity, read once: one 15.1 allows, and at most ``most``."""
    c = int.from_bytes(bytes(tail[at + 4:at + 8]), "little")
    if c < MIN_CAPACITY or c > min(MAX_CAPACITY, most) or c & (c - 1):
        raise _fault("capacity", 4, f"a power of two, {MIN_CAPACITY} to {min(MAX_CAPACITY, most)}", c,
                     "the channel's ring has a capacity that does not fit its desc_size")
    return c


class RingSender:
    """A :class:`Producer` on ``channel``'s mapping that injects after each message
    and waits (on the channel) for room, up to ``timeout``.  ``side``: another
    engine's producer of the same interface (``send``, ``close``) instead."""

    def __init__(self, channel: Any, offset: int = 0, *, side: Any = None) -> None:
        self.channel = channel
        self.producer = Producer(channel.buffer, offset) if side is None else side
        channel.enable()  # the consumer's "room" injects wake this side (spec 7.3)

    def try_send(self, data: Any) -> bool:
        """Publish ``data`` and inject (15.3 step 5); False, without waiting, when
        the ring has no room for it now."""
        head = self.producer.index
        if self.producer.send(data) or (self._padded(head) and self.producer.send(data)):
            self.channel.inject()
            return True
        return False

    def _padded(self, head: int) -> bool:
        """After a send that found no room: True when it published a padding record on
        its own (15.3 step 2), injected for it as for a message, for the caller to try
        once more.  The consumer releases padding only when it looks, and one waiting on
        the channel looks only when woken.  The try again decides "full" from a tail
        loaded after the inject's full fence: the tail of the first try, loaded before
        the padding was published, may miss a release whose consumer looked before the
        padding too and so saw no reason to wake us (RingReceiver's fence is the other
        half).  At data offset 0 it cannot pad again."""
        if self.producer.index == head:
            return False
        self.channel.inject()
        return True

    def send(self, data: Any, timeout: Optional[float] = None) -> bool:
        """True once sent; False if the ring stayed full for ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.try_send(data):
            if not self._wait(deadline):
                return False
        return True

    async def send_async(self, data: Any, timeout: Optional[float] = None) -> bool:
        """:meth:`send` for asyncio: the wait for room parks no thread of the loop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.try_send(data):
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            await self.channel.poll_async(left)
        return True

    def reserve(self, n: int, timeout: Optional[float] = None) -> Optional[Reservation]:
        """Room for a message of up to ``n`` bytes, written in place (see
        :meth:`Producer.reserve`); its commit injects.  None if the ring stayed
        full for ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            head = self.producer.index
            r = self.producer.reserve(n)
            if r is None and self._padded(head):
                r = self.producer.reserve(n)
            if r is not None:
                r._on_commit = self.channel.inject
                return r
            if not self._wait(deadline):
                return None

    def _wait(self, deadline: Optional[float]) -> bool:
        """Wait on the channel for the consumer's "room" inject; False past the deadline."""
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return False
        self.channel.poll(left)
        return True

    def close(self) -> None:
        self.producer.close()


class RingReceiver:
    """A :class:`Consumer` on ``channel``'s mapping that waits on the channel while
    the ring is empty, and wakes a producer that may wait for room.  ``side``:
    another engine's consumer of the same interface (``recv``, ``index``,
    ``peek_other``, ``capacity``, ``max_message``, ``close``) instead."""

    def __init__(self, channel: Any, offset: int = 0, *, side: Any = None) -> None:
        self.channel = channel
        self.consumer = Consumer(channel.buffer, offset) if side is None else side
        channel.enable()  # the producer's injects wake this side (spec 7.3)
        c = self.consumer
        # The producer can only have found no room while fewer bytes than its largest
        # record were free; or it published a padding record since this side looked
        # (and then found no room behind it): either way it may be parked, and a
        # release then is the room it waits for.
        self._room_for_any = c.capacity - (RECORD_HEADER + _round8(c.max_message))
        self._fence = get_ordering().fence

    def try_recv(self) -> Optional[bytes]:
        """The next message, or None (without waiting) when there is none now; wakes
        the producer when it may be waiting for the room this frees (15.4 step 4)."""
        c = self.consumer
        tail, head = c.index, c.peek_other()
        msg: Optional[bytes] = c.recv()
        # (a padding record released without a message behind it is room too)
        if c.index != tail and ((head - tail) & _U32 > self._room_for_any or self._moved(head)):
            self.channel.inject()
        return msg

    def _moved(self, head: int) -> bool:
        """Whether head moved since this side looked, loaded after a full fence that
        follows its release: the producer stores head, then (a full fence: its inject's)
        loads tail to decide it has no room.  Without the fence both loads may return
        the old values (a store buffer), and each side waits for the other."""
        self._fence()
        return self.consumer.peek_other() != head

    def recv(self, timeout: Optional[float] = None) -> Optional[bytes]:
        """The next message; None if none came within ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            msg = self.try_recv()
            if msg is not None:
                return msg
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            try:
                self.channel.poll(left)
            except PeerGone as gone:
                return self._last(gone)

    async def recv_async(self, timeout: Optional[float] = None) -> Optional[bytes]:
        """:meth:`recv` for asyncio: the wait parks no thread of the loop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            msg = self.try_recv()
            if msg is not None:
                return msg
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            try:
                await self.channel.poll_async(left)
            except PeerGone as gone:
                return self._last(gone)

    def _last(self, gone: PeerGone) -> bytes:
        """What the producer published before it went is still the consumer's; the
        fault once there is nothing left."""
        last: Optional[bytes] = self.consumer.recv()
        if last is None:
            raise gone
        return last

    def close(self) -> None:
        self.consumer.close()
