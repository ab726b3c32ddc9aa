"""ctypes binding of the C engine's message ring (docs/spec.md section 15;
``abi/c_reference/shm_signal_ring.c``): so that tests can run the C ring in-process
over any writable buffer (a ``bytearray``, an ``mmap``) and compare it byte for byte
with the Python ring.

A fault (``BAD_RING``) raises the :class:`~abi.faults.ShmSignalFault` subclass of its
code with the engine's field, offset (from the start of the ring), expected and actual
values, as :mod:`abi.engine.c_channel` does; a bad argument raises ``ValueError``.
After a fault the ring raises the same fault from every call.

:meth:`CRing.of_channel` (what :meth:`abi.engine.c_channel.CChannel.ring` calls) opens
one of a C channel's own rings (spec 15.6) instead of a ring in a buffer.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any, Dict, List, Optional, Tuple, Union

from abi import layout
from abi.engine.c_errors import Error
from abi.engine.c_errors import raise_error as _raise
from abi.engine.native import declare, load

# Mirrors of shm_signal_engine.h.
E_FULL, E_EMPTY = -6, -7
PRODUCER, CONSUMER = 0, 1
HEADER = layout.RING_HEADER_SIZE
MAGIC = layout.RING_MAGIC


class Ring(ctypes.Structure):
    """``struct shm_signal_ring`` (tests compare it with the C compiler's layout)."""

    _fields_ = [("base", ctypes.c_void_p), ("capacity", ctypes.c_uint32), ("max_message", ctypes.c_uint32),
                ("pos", ctypes.c_uint32), ("role", ctypes.c_int32), ("fault", ctypes.c_int32),
                ("holding", ctypes.c_uint32), ("held_at", ctypes.c_uint32), ("held_len", ctypes.c_uint32),
                ("fault_err", Error)]


_ERR = ctypes.POINTER(Error)
_RING = ctypes.POINTER(Ring)
_SIGNATURES: Dict[str, Tuple[List[Any], Any]] = {
    "shm_signal_ring_init": ([ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint32, ctypes.c_uint32, _ERR],
                             ctypes.c_int),
    "shm_signal_ring_open": ([_RING, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, _ERR], ctypes.c_int),
    "shm_signal_ring_send": ([_RING, ctypes.c_char_p, ctypes.c_uint32, _ERR], ctypes.c_int),
    "shm_signal_ring_recv": ([_RING, ctypes.c_void_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint32), _ERR],
                             ctypes.c_int),
    "shm_signal_ring_reserve": ([_RING, ctypes.c_uint32, ctypes.POINTER(ctypes.c_void_p), _ERR],
                                ctypes.c_int),
    "shm_signal_ring_commit": ([_RING, ctypes.c_uint32, _ERR], ctypes.c_int),
    "shm_signal_ring_peek": ([_RING, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_uint32), _ERR],
                             ctypes.c_int),
    "shm_signal_ring_release": ([_RING, _ERR], ctypes.c_int),
    "shm_signal_channel_ring": ([ctypes.c_void_p, ctypes.c_int, _RING, _ERR], ctypes.c_int),
}
CANCEL = 0xFFFFFFFF  # SHM_SIGNAL_RING_CANCEL
_lib: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """The native library with the ring's functions declared (built on demand)."""
    global _lib
    if _lib is None:
        _lib = declare(load(), _SIGNATURES)
    return _lib


def _view(buf: Any, offset: int) -> ctypes.Array:
    """The writable bytes of ``buf`` from ``offset`` on, as a ctypes array that holds
    the buffer (a bytearray cannot be resized, an mmap not closed, while it lives)."""
    size = memoryview(buf).nbytes
    if not 0 <= offset <= size:
        raise ValueError(f"offset={offset!r}: must be 0 to len(buf) = {size}")
    try:
        return (ctypes.c_char * (size - offset)).from_buffer(buf, offset)
    except TypeError as exc:
        raise ValueError(f"the ring needs a writable buffer (bytearray, mmap), "
                         f"not {type(buf).__name__}") from exc


def _role(role: Union[int, str]) -> int:
    named = {"producer": PRODUCER, "consumer": CONSUMER}
    if isinstance(role, str) and role in named:
        return named[role]
    if role in (PRODUCER, CONSUMER) and not isinstance(role, bool):
        return int(role)
    raise ValueError(f"role={role!r}: must be 'producer' ({PRODUCER}) or 'consumer' ({CONSUMER})")


class CRing:
    """One side of a ring at ``buf[offset:]`` (64-byte aligned in memory), run by the
    C engine.  ``role``: ``"producer"``/``PRODUCER`` or ``"consumer"``/``CONSUMER``.
    Or one side of a C channel's own ring: :meth:`of_channel`."""

    _view: Optional[ctypes.Array] = None  # the buffer's bytes, held while open
    _channel: Any = None  # or the channel whose mapping holds the ring, held while open

    @staticmethod
    def init(buf: Any, offset: int, capacity: int, max_message: int) -> None:
        """Create a ring at ``buf[offset:]``: ``shm_signal_ring_init`` (ValueError for
        a bad capacity, max_message, alignment or a buffer too short)."""
        view = _view(buf, offset)
        err = Error()
        for name, v in (("capacity", capacity), ("max_message", max_message)):
            if not 0 <= v < 2**32:
                raise ValueError(f"{name}={v!r}: out of range")
        rc = lib().shm_signal_ring_init(ctypes.addressof(view), len(view), capacity, max_message,
                                        ctypes.byref(err))
        del view  # releases the buffer
        if rc:
            _raise(rc, err)

    def __init__(self, buf: Any, offset: int, role: Union[int, str]) -> None:
        r = _role(role)
        view = _view(buf, offset)
        self._ring = Ring()
        err = Error()
        rc = lib().shm_signal_ring_open(ctypes.byref(self._ring), ctypes.addressof(view), len(view), r,
                                        ctypes.byref(err))
        if rc:
            _raise(rc, err)
        self._view = view
        self._opened(r)

    @classmethod
    def of_channel(cls, channel: Any, role: Union[int, str]) -> CRing:
        """The C channel's own ring of ``role`` (``shm_signal_channel_ring``, spec 15.6):
        the producer side of the ring ``channel``'s locality produces into, or the
        consumer side of the other.  ``UNSUPPORTED_FEATURE`` unless ``MESSAGE_RINGS``
        is negotiated, ``BAD_RING`` for a layout or ring it refuses.  The ring holds
        the channel (so its mapping stays) and refuses every call once it is closed."""
        r = _role(role)
        side = cls.__new__(cls)
        side._ring = Ring()
        err = Error()
        rc = lib().shm_signal_channel_ring(channel._handle, r, ctypes.byref(side._ring), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        side._channel = channel
        side._opened(r)
        return side

    def _opened(self, role: int) -> None:
        self.role = role
        self.capacity = int(self._ring.capacity)
        self.max_message = int(self._ring.max_message)
        self._base = int(self._ring.base or 0)  # (the handle forgets it after a fault)
        self._buf = ctypes.create_string_buffer(max(self.max_message, 1))
        self._n = ctypes.c_uint32()

    def _handle(self) -> Any:
        if self._view is None and self._channel is None:
            raise ValueError("the ring is closed")
        if self._channel is not None:
            self._channel._handle  # noqa: B018 (a closed channel refuses: its mapping is gone)
        return ctypes.byref(self._ring)

    def send(self, msg: bytes) -> bool:
        """Publish ``msg`` (at most ``max_message`` bytes): True, or False when the ring
        is full (a padding record may have been published)."""
        data = bytes(msg)
        if len(data) >= 2**32:  # ctypes would truncate the length
            raise ValueError(f"a message of {len(data)} bytes is over max_message = {self.max_message}")
        err = Error()
        rc = lib().shm_signal_ring_send(self._handle(), data, len(data), ctypes.byref(err))
        if rc == E_FULL:
            return False
        if rc:
            _raise(rc, err)
        return True

    def recv(self) -> Optional[bytes]:
        """The next message, or None when the ring is empty."""
        err = Error()
        rc = lib().shm_signal_ring_recv(self._handle(), self._buf, len(self._buf), ctypes.byref(self._n),
                                        ctypes.byref(err))
        if rc == E_EMPTY:
            return None
        if rc:
            _raise(rc, err)
        return ctypes.string_at(self._buf, self._n.value)

    def reserve(self, n: int) -> Optional[ctypes.Array]:
        """``shm_signal_ring_reserve``: a writable view of ``n`` payload bytes in the
        ring, or None when it is full; publish with :meth:`commit`."""
        if not 0 <= n < 2**32:
            raise ValueError(f"n={n!r}: out of range")
        err, out = Error(), ctypes.c_void_p()
        rc = lib().shm_signal_ring_reserve(self._handle(), n, ctypes.byref(out), ctypes.byref(err))
        if rc == E_FULL:
            return None
        if rc:
            _raise(rc, err)
        return (ctypes.c_char * n).from_address(out.value or 0) if n else (ctypes.c_char * 0)()

    def commit(self, n: Optional[int] = None) -> None:
        """``shm_signal_ring_commit``: publish ``n`` bytes of the reservation (None:
        cancel it)."""
        err = Error()
        rc = lib().shm_signal_ring_commit(self._handle(), CANCEL if n is None else n, ctypes.byref(err))
        if rc:
            _raise(rc, err)

    def peek(self) -> Optional[bytes]:
        """``shm_signal_ring_peek``: the next message's bytes (copied here, for the
        tests), left in the ring until :meth:`release`; None when it is empty."""
        err, out, n = Error(), ctypes.c_void_p(), ctypes.c_uint32()
        rc = lib().shm_signal_ring_peek(self._handle(), ctypes.byref(out), ctypes.byref(n), ctypes.byref(err))
        if rc == E_EMPTY:
            return None
        if rc:
            _raise(rc, err)
        return ctypes.string_at(out.value or 0, n.value) if n.value else b""

    def release(self) -> None:
        """``shm_signal_ring_release``: hand the peeked message back."""
        err = Error()
        rc = lib().shm_signal_ring_release(self._handle(), ctypes.byref(err))
        if rc:
            _raise(rc, err)

    @property
    def position(self) -> int:
        """This side's own copy of head (producer) or tail (consumer)."""
        return int(self._ring.pos)

    index = position  # the name the Python ring's sides use

    def peek_other(self) -> int:
        """The other side's index as it is now (one aligned 32-bit load), unchecked:
        only for deciding whether to wake the other side, never for an access."""
        self._handle()
        at = layout.RING_TAIL_OFFSET if self.role == PRODUCER else layout.RING_HEAD_OFFSET
        return int.from_bytes(ctypes.c_uint32.from_address(self._base + at).value.to_bytes(4, sys.byteorder),
                              "little")

    def close(self) -> None:
        """Release the buffer, or the channel (the region is not touched)."""
        self._view = None
        self._channel = None

    def __enter__(self) -> CRing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
