"""ctypes binding of the C reference engine (``abi/c_reference/shm_signal_engine.h``).

:class:`CChannel` has the shape of :class:`abi.engine.Channel`, so a test can run
the same scenario on either engine.  Every function gets argtypes and restype here
(not in :func:`abi.engine.native._declare`); every non-zero return becomes an exception:
a fault code (> 0) a :class:`~abi.faults.ShmSignalFault` with the engine's field,
offset, expected and actual values, a negative code the matching Python error.

Over 400 lines: the library's signatures and the one class mirroring
:class:`abi.engine.channel.Channel` method by method belong together.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import weakref
from types import MappingProxyType
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from abi import layout
from abi.engine import arguments, native
from abi.engine.awaitable import Awaitable
from abi.engine.c_errors import E_ARG, E_EXISTS, E_NOTIFIER, E_SYSTEM, E_TIMEOUT, Error, raise_error  # noqa: F401
from abi.engine.c_ring import CRing
from abi.engine.ring import RingReceiver, RingSender
from abi.features import Features

# Mirrors of shm_signal_engine.h (the E_* codes and Error are abi.engine.c_errors', and this
# module's names for them as before: tests compare return codes with c_channel.E_ARG).
O_EXIST_OK, O_INSTANCE_ID, O_PID, O_FEATURES = 0x1, 0x2, 0x4, 0x8

Notifier = Callable[[], Any]
NOTIFIER_T = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_raise = raise_error


class Stats(ctypes.Structure):
    """``struct shm_signal_stats``."""

    _fields_ = [(name, ctypes.c_uint64) for name in
                ("injects", "notifications", "wakeups", "notifier_calls", "parks", "late")]


_P = ctypes.c_void_p
_DESC = {f.name: f.offset for f in layout.describe(layout.ShmSignalDesc).fields}
_FEATURES_OFFERED, _INSTANCE_ID = _DESC["features_offered"], _DESC["instance_id"]
_ERR = ctypes.POINTER(Error)
_U32P = ctypes.POINTER(ctypes.c_uint32)
_CREATE = [ctypes.POINTER(_P), ctypes.c_char_p, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_uint64,
           ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_char_p,
           ctypes.c_uint32]  # create's arguments up to its rings'
_SIGNATURES: Dict[str, tuple] = {
    "shm_signal_supported_features": ([], ctypes.c_uint64),
    "shm_signal_fault_name": ([ctypes.c_int], ctypes.c_char_p),
    "shm_signal_create": ([*_CREATE, _ERR], ctypes.c_int),
    "shm_signal_create_rings": ([*_CREATE, _U32P, _U32P, _ERR], ctypes.c_int),
    "shm_signal_attach": ([ctypes.POINTER(_P), ctypes.c_char_p, ctypes.c_uint64, ctypes.c_uint64,
                           ctypes.c_uint32, ctypes.c_uint32, ctypes.c_double, _ERR], ctypes.c_int),
    "shm_signal_validate": ([ctypes.c_char_p, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64, _ERR],
                            ctypes.c_int),
    "shm_signal_close": ([_P], None),
    "shm_signal_locality": ([_P], ctypes.c_uint32),
    "shm_signal_features": ([_P, ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_int), _ERR],
                            ctypes.c_int),
    "shm_signal_peer_attached": ([_P], ctypes.c_int),
    "shm_signal_wait_for_peer": ([_P, ctypes.c_double, ctypes.POINTER(ctypes.c_int), _ERR], ctypes.c_int),
    "shm_signal_check_peer": ([_P, _ERR], ctypes.c_int),
    "shm_signal_set_notifier": ([_P, NOTIFIER_T, _P], None),
    "shm_signal_set_budget": ([_P, ctypes.c_uint32, _ERR], ctypes.c_int),
    "shm_signal_set_liveness_interval": ([_P, ctypes.c_double, _ERR], ctypes.c_int),
    "shm_signal_set_spin": ([_P, ctypes.c_double, _ERR], ctypes.c_int),
    "shm_signal_get_spin": ([_P], ctypes.c_double),
    "shm_signal_inject": ([_P, ctypes.POINTER(ctypes.c_int), _ERR], ctypes.c_int),
    "shm_signal_enable": ([_P, ctypes.POINTER(ctypes.c_uint32), _ERR], ctypes.c_int),
    "shm_signal_disable": ([_P, _ERR], ctypes.c_int),
    "shm_signal_wakeup": ([_P, ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint32),
                           ctypes.POINTER(ctypes.c_int), _ERR], ctypes.c_int),
    "shm_signal_wait": ([_P, ctypes.c_double, ctypes.POINTER(ctypes.c_int), _ERR], ctypes.c_int),
    "shm_signal_get_stats": ([_P, ctypes.POINTER(Stats)], None),
    "shm_signal_descriptor_bytes": ([_P, ctypes.c_char_p], None),
    "shm_signal_data": ([_P, ctypes.c_uint64, ctypes.c_uint64, ctypes.POINTER(_P), _ERR], ctypes.c_int),
    "shm_signal_data_length": ([_P, ctypes.POINTER(ctypes.c_uint64), _ERR], ctypes.c_int),
    "shm_signal_wait_word": ([_P], _P),
    "shm_signal_doorbell_word": ([_P], _P),
    "shm_signal_wait_any": ([ctypes.POINTER(_P), ctypes.c_uint32, ctypes.c_double, _U32P, _U32P, _ERR],
                            ctypes.c_int),
}
SPIN_AUTO = -1.0  # SHM_SIGNAL_SPIN_AUTO
WAIT_ANY_MAX = 64  # SHM_SIGNAL_WAIT_ANY_MAX (any number when all share one doorbell)

_lib: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """The native library with the engine's functions declared (built on demand)."""
    global _lib
    if _lib is None:
        _lib = native.declare(native.load(), _SIGNATURES)
    return _lib


def supported_features() -> int:
    return int(lib().shm_signal_supported_features())


def _pair(name: str, value: Any) -> Any:
    """``(a, b)`` of two 32-bit unsigned integers, as a ``uint32_t[2]`` (ctypes would
    silently wrap a negative or oversized one); None stays None."""
    if value is None:
        return None
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r}: a pair of integers, north's and south's") from None
    return (ctypes.c_uint32 * 2)(arguments.check_u32(f"{name}[0]", a), arguments.check_u32(f"{name}[1]", b))


def validate(buf: bytes, offset: int = 0, length: Optional[int] = None,
             supported: int = layout.FEATURES_KNOWN) -> None:
    """The C engine's spec 6.4 validation of ``buf`` (a whole mapping's bytes)."""
    err = Error()
    data = bytes(buf)
    offset = arguments.check_u64("offset", offset)
    supported = arguments.check_u64("supported", supported)
    n = len(data) if length is None else arguments.check_u64("length", length)
    if n > len(data):
        raise ValueError(f"length={length!r}: must be at most len(buf) = {len(data)}")
    rc = lib().shm_signal_validate(data, n, offset, supported, ctypes.byref(err))
    if rc:
        _raise(rc, err)


def c_wait_any(channels: Sequence[CChannel], timeout: Optional[float] = None) -> List[CChannel]:
    """The C engine's ``shm_signal_wait_any`` on up to 64 C channels (any number when
    every one negotiated GROUP_DOORBELL in one file as one locality: it parks on the
    doorbell, spec 7.8): the ready ones (enabled with work, or whose peer has gone), in
    order; ``[]`` at the timeout.  (:class:`abi.WaitSet` takes any number, of either engine.)"""
    chans = list(channels)
    t = arguments.check_timeout(timeout)
    n = len(chans)
    handles = (_P * max(n, 1))(*(ch._handle for ch in chans))
    ready, n_ready, err = (ctypes.c_uint32 * max(n, 1))(), ctypes.c_uint32(), Error()
    rc = lib().shm_signal_wait_any(handles, n, -1.0 if t is None else t, ready, ctypes.byref(n_ready),
                                   ctypes.byref(err))
    if rc:
        _raise(rc, err)
    return [chans[ready[i]] for i in range(n_ready.value)]


class CChannel(Awaitable):
    """One side of a channel, run by the C engine; the API of :class:`abi.engine.Channel`."""

    _h: Optional[int] = None  # until __init__ ran: close() is then a no-op
    _path = ""
    _word: Optional[int] = None  # the wait word's address, once asked
    _waitsets: Any = ()

    def __init__(self, handle: int, notifier: Optional[Notifier]) -> None:
        self._h: Optional[int] = handle
        self.notifier = notifier
        self.more_work = False
        self._error: Optional[BaseException] = None
        self._cb = NOTIFIER_T(self._call)  # kept alive as long as the channel
        lib().shm_signal_set_notifier(handle, self._cb, None)
        self.locality = int(lib().shm_signal_locality(handle))
        self.remote_locality = 1 - self.locality
        self._budget = arguments.DEFAULT_BUDGET  # the C engine's defaults too
        self._liveness_interval = arguments.DEFAULT_LIVENESS_INTERVAL
        self._waitsets: Any = weakref.WeakSet()  # the WaitSets it is registered with

    def _call(self, _ctx: Any) -> int:
        # Never let an exception unwind through C: report failure, re-raise later.
        if self.notifier is None:
            return 0
        try:
            self.notifier()
        except BaseException as exc:
            self._error = exc
            return 1
        return 0

    @property
    def _handle(self) -> int:
        if self._h is None:
            raise ValueError("the channel is closed")
        return self._h

    # ------------------------------------------------------------------ set-up

    @classmethod
    def create(cls, path: Any, locality: arguments.Locality = layout.LOCALITY_NORTH, *, offset: int = 0,
               size: Optional[int] = None, features: Optional[int] = None, required: int = 0,
               mode: int = 0o600, exist_ok: bool = False, notifier: Optional[Notifier] = None,
               instance_id: Optional[bytes] = None, pid: Optional[int] = None,
               budget: Optional[int] = None, spin: Union[float, str] = arguments.AUTO_SPIN,
               liveness_interval: Optional[float] = None, rings: Optional[Tuple[int, int]] = None,
               ring_max: Optional[Tuple[int, int]] = None) -> CChannel:
        """``rings=(c0, c1)``: lay out the channel's two message rings (spec 15.6), c0
        the capacity of the ring north produces into, c1 south's (powers of two, 64 to
        2**30), and offer ``MESSAGE_RINGS``; ``ring_max``: their ``max_message`` (0 or
        None: capacity - 8).  Without rings ``MESSAGE_RINGS`` is never offered (and
        ``required`` with it is a ValueError).  Open them with :meth:`ring`."""
        # Checked here: ctypes would silently wrap a negative or oversized integer.
        loc = arguments.check_locality(locality)
        offset = arguments.check_offset(offset)
        size = arguments.check_size(size)
        if features is not None:
            features = arguments.check_u64("features", features)
        required = arguments.check_u64("required", required)
        mode = arguments.check_mode(mode)
        instance_id = arguments.check_instance_id(instance_id)
        if pid is not None:
            pid = arguments.check_u32("pid", pid)
        tuning = cls._check_tuning(budget, spin, liveness_interval)
        capacity, max_message = _pair("rings", rings), _pair("ring_max", ring_max)
        flags = (O_EXIST_OK if exist_ok else 0) | (O_FEATURES if features is not None else 0)
        flags |= (O_INSTANCE_ID if instance_id is not None else 0) | (O_PID if pid is not None else 0)
        out, err = ctypes.c_void_p(), Error()
        rc = lib().shm_signal_create_rings(ctypes.byref(out), os.fsencode(path), loc, offset, size or 0,
                                           features or 0, required, mode, flags, instance_id, pid or 0,
                                           capacity, max_message, ctypes.byref(err))
        if rc:
            _raise(rc, err)
        assert out.value is not None
        ch = cls(out.value, notifier)
        ch._path = os.fsdecode(path)
        return ch._tune(*tuning)

    @classmethod
    def attach(cls, path: Any, *, offset: int = 0, timeout: Optional[float] = 0.0,
               features: Optional[int] = None, notifier: Optional[Notifier] = None,
               pid: Optional[int] = None, budget: Optional[int] = None,
               spin: Union[float, str] = arguments.AUTO_SPIN,
               liveness_interval: Optional[float] = None) -> CChannel:
        """``timeout``: seconds to retry while the file is missing, short or not yet
        published; None retries without a limit."""
        offset = arguments.check_offset(offset)
        t = arguments.check_timeout(timeout)
        if features is not None:
            features = arguments.check_u64("features", features)
        if pid is not None:
            pid = arguments.check_u32("pid", pid)
        tuning = cls._check_tuning(budget, spin, liveness_interval)
        flags = (O_FEATURES if features is not None else 0) | (O_PID if pid is not None else 0)
        out, err = ctypes.c_void_p(), Error()
        rc = lib().shm_signal_attach(ctypes.byref(out), os.fsencode(path), offset, features or 0, flags,
                                     pid or 0, float("inf") if t is None else t, ctypes.byref(err))
        if rc:
            _raise(rc, err)
        assert out.value is not None
        ch = cls(out.value, notifier)
        ch._path = os.fsdecode(path)
        return ch._tune(*tuning)

    @staticmethod
    def _check_tuning(budget: Optional[int], spin: Union[float, str],
                      liveness_interval: Optional[float]) -> tuple:
        return (None if budget is None else arguments.check_budget(budget), arguments.check_spin(spin),
                None if liveness_interval is None else arguments.check_liveness_interval(liveness_interval))

    def _tune(self, budget: Optional[int], spin: Union[float, str],
              liveness_interval: Optional[float]) -> CChannel:
        try:
            if budget is not None:
                self.set_budget(budget)
            if spin != arguments.AUTO_SPIN:  # (the engine's default)
                self.spin = spin
            if liveness_interval is not None:
                self.set_liveness_interval(liveness_interval)
        except BaseException:
            self.close()
            raise
        return self

    # ------------------------------------------------------------------ state

    @property
    def features(self) -> Optional[Features]:
        """The negotiated set (:class:`abi.Features`); None while a creator's peer has not attached.  Raises
        ``BAD_FEATURES`` when the attacher accepted what was not offered (spec 6.2)."""
        f, negotiated, err = ctypes.c_uint64(), ctypes.c_int(), Error()
        rc = lib().shm_signal_features(self._handle, ctypes.byref(f), ctypes.byref(negotiated),
                                       ctypes.byref(err))
        if rc:
            _raise(rc, err)
        return Features(f.value) if negotiated.value else None

    def peer_attached(self) -> bool:
        return bool(lib().shm_signal_peer_attached(self._handle))

    def wait_for_peer(self, timeout: Optional[float] = None) -> bool:
        """Wait up to ``timeout`` seconds (None: no limit) for the peer to attach."""
        t = arguments.check_timeout(timeout)
        attached, err = ctypes.c_int(), Error()
        rc = lib().shm_signal_wait_for_peer(self._handle, -1.0 if t is None else t, ctypes.byref(attached),
                                            ctypes.byref(err))
        if rc:
            _raise(rc, err)
        return bool(attached.value)

    def check_peer(self) -> None:
        """Raise ``PEER_CLOSED``, ``PEER_DEAD``, ``BAD_STATE``, ``BAD_FEATURES`` or
        ``MAPPING_TOO_SMALL`` if the peer has gone or broke the protocol (a peer that
        never attached is none of these)."""
        err = Error()
        rc = lib().shm_signal_check_peer(self._handle, ctypes.byref(err))
        if rc:
            _raise(rc, err)

    @property
    def budget(self) -> int:
        """Notifier calls one :meth:`wakeup` makes at most."""
        return self._budget

    @budget.setter
    def budget(self, calls: int) -> None:
        self.set_budget(calls)

    @property
    def spin(self) -> Union[float, str]:
        """Seconds :meth:`wait` and :meth:`poll` look for work before parking, or
        ``"auto"`` (the default, the policy of :attr:`abi.Channel.spin`)."""
        s = float(lib().shm_signal_get_spin(self._handle))
        return arguments.AUTO_SPIN if s == SPIN_AUTO else s

    @spin.setter
    def spin(self, seconds: Union[float, str]) -> None:
        value = arguments.check_spin(seconds)
        err = Error()
        rc = lib().shm_signal_set_spin(self._handle, SPIN_AUTO if isinstance(value, str) else value,
                                       ctypes.byref(err))
        if rc:
            _raise(rc, err)

    @property
    def liveness_interval(self) -> float:
        """The longest :meth:`wait` parks between checks that the peer lives."""
        return self._liveness_interval

    @liveness_interval.setter
    def liveness_interval(self, seconds: float) -> None:
        self.set_liveness_interval(seconds)

    def set_budget(self, budget: int) -> None:
        b = arguments.check_budget(budget)
        err = Error()
        rc = lib().shm_signal_set_budget(self._handle, b, ctypes.byref(err))
        if rc:
            _raise(rc, err)
        self._budget = b

    def set_liveness_interval(self, seconds: float) -> None:
        s = arguments.check_liveness_interval(seconds)
        err = Error()
        rc = lib().shm_signal_set_liveness_interval(self._handle, s, ctypes.byref(err))
        if rc:
            _raise(rc, err)
        self._liveness_interval = s

    def flags(self, locality: Optional[int] = None) -> Dict[str, int]:
        """enabled/pending/dirty of a record (own by default), for inspection."""
        loc = self.locality if locality is None else arguments.check_locality(locality)
        rec = layout.ShmSignalDesc.irq.offset + ctypes.sizeof(layout.ShmSignalIrq) * loc
        raw = self.descriptor_bytes()
        return {name: raw[rec + getattr(layout.ShmSignalIrq, name).offset]
                for name in ("enabled", "pending", "dirty")}

    def descriptor_bytes(self) -> bytes:
        buf = ctypes.create_string_buffer(layout.DESC_SIZE)
        lib().shm_signal_descriptor_bytes(self._handle, buf)
        return buf.raw

    @property
    def stats(self) -> Mapping[str, int]:
        """Counters since the channel opened (a read-only snapshot)."""
        s = Stats()
        lib().shm_signal_get_stats(self._handle, ctypes.byref(s))
        return MappingProxyType({name: int(getattr(s, name)) for name, *_ in Stats._fields_})

    def data(self, offset: int, length: int) -> ctypes.Array:
        """Bytes ``[offset, offset + length)`` of the channel's file, for the application's
        own shared data (``shm_signal_data``): a writable ``ctypes.c_char`` array over the
        mapping, shared with the peer (the descriptors' bytes belong to the protocol).
        Valid while the channel is open: the array keeps the channel from being
        collected, but after :meth:`close` any access to it is a use after unmap.
        ``MAPPING_TOO_SMALL`` when the file is shorter; ``ValueError`` for an empty or
        out-of-range range."""
        offset = arguments.check_u64("offset", offset)
        length = arguments.check_u64("length", length)
        if length > arguments.FILE_OFFSET_MAX:  # before ctypes builds a type that large
            raise ValueError(f"length={length!r}: must be at most {arguments.FILE_OFFSET_MAX}")
        addr, err = ctypes.c_void_p(), Error()
        rc = lib().shm_signal_data(self._handle, offset, length, ctypes.byref(addr), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        assert addr.value is not None
        view = (ctypes.c_char * length).from_address(addr.value)
        view._channel = self  # type: ignore[attr-defined]  # no close by the collector while in use
        return view

    def ring(self, role: str) -> CRing:
        """One of the channel's own message rings (spec 15.6, ``shm_signal_channel_ring``):
        ``"producer"``, the ring this side's locality produces into, or ``"consumer"``,
        the other.  ``UNSUPPORTED_FEATURE`` until ``MESSAGE_RINGS`` is negotiated (a
        creator: until its peer attached); ``BAD_RING`` for a layout that does not fit
        the descriptor, or a ring refused when opened (15.1).  The ring keeps the
        channel from being collected; after :meth:`close` it raises ValueError."""
        return CRing.of_channel(self, role)

    def ring_sender(self) -> RingSender:
        """:class:`~abi.engine.ring.RingSender` over this side's producer ring: sends
        inject, a full ring waits on the channel (which it enables)."""
        return RingSender(self, side=self.ring("producer"))

    def ring_receiver(self) -> RingReceiver:
        """:class:`~abi.engine.ring.RingReceiver` over this side's consumer ring: an
        empty ring waits on the channel (which it enables)."""
        return RingReceiver(self, side=self.ring("consumer"))

    def data_length(self) -> int:
        """The length of the channel's file now: the most :meth:`data` can cover."""
        n, err = ctypes.c_uint64(), Error()
        rc = lib().shm_signal_data_length(self._handle, ctypes.byref(n), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        return int(n.value)

    def unlink(self) -> None:
        """Remove the file's name, as :meth:`abi.engine.channel.Channel.unlink`."""
        self._handle  # noqa: B018 (a closed channel refuses)
        os.unlink(self._path)

    # ------------------------------------------------------------------ protocol

    def inject(self) -> bool:
        n, err = ctypes.c_int(), Error()
        rc = lib().shm_signal_inject(self._handle, ctypes.byref(n), ctypes.byref(err))
        if rc:
            _raise(rc, err)
        return bool(n.value)

    def _check(self, rc: int, err: Error) -> None:
        if rc:
            cause, self._error = self._error, None
            _raise(rc, err, cause)

    def wakeup(self, budget: Optional[int] = None) -> int:
        calls, more, err = ctypes.c_uint32(), ctypes.c_int(), Error()
        if budget is not None:
            budget = arguments.check_budget(budget)
        rc = lib().shm_signal_wakeup(self._handle, budget or 0, ctypes.byref(calls), ctypes.byref(more),
                                     ctypes.byref(err))
        self.more_work = bool(more.value)
        self._check(rc, err)
        return int(calls.value)

    def enable(self) -> int:
        calls, err = ctypes.c_uint32(), Error()
        rc = lib().shm_signal_enable(self._handle, ctypes.byref(calls), ctypes.byref(err))
        self._check(rc, err)
        return int(calls.value)

    def disable(self) -> None:
        err = Error()
        self._check(lib().shm_signal_disable(self._handle, ctypes.byref(err)), err)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until this side is enabled and has work (dirty or pending), or
        ``timeout`` seconds pass (False; None: no limit)."""
        t = arguments.check_timeout(timeout)
        ready, err = ctypes.c_int(), Error()
        rc = lib().shm_signal_wait(self._handle, -1.0 if t is None else t, ctypes.byref(ready),
                                   ctypes.byref(err))
        self._check(rc, err)
        return bool(ready.value)

    def poll(self, timeout: Optional[float] = None) -> int:
        arguments.check_timeout(timeout)
        if self.more_work or self.wait(timeout):
            return self.wakeup()
        return 0

    # ------------------------------------------------------------------ teardown

    def _wait_target(self) -> Tuple[int, int, Optional[int], int, bytes]:
        """As :meth:`abi.engine.channel.Channel._wait_target`."""
        word = lib().shm_signal_wait_word(self._handle)
        desc = self.descriptor_bytes()
        offered = int.from_bytes(desc[_FEATURES_OFFERED:_FEATURES_OFFERED + 8], "little")
        return int(word), self.locality, self.features, offered, desc[_INSTANCE_ID:_INSTANCE_ID + 16]

    def _wait_word(self) -> int:
        """The address of this side's wait word (while open)."""
        if self._word is None:
            self._word = int(lib().shm_signal_wait_word(self._handle))
        self._handle  # noqa: B018 (a closed channel refuses)
        return self._word

    def _doorbell_word(self) -> Optional[int]:
        """The address of the doorbell this side waits on (the head's irq[own
        locality].doorbell, spec 7.8) while open, when GROUP_DOORBELL is negotiated;
        else None (also while a creator's peer has not attached)."""
        addr = lib().shm_signal_doorbell_word(self._handle)
        return int(addr) if addr else None

    def _recheck_peer(self) -> None:
        pass  # every C wait checks the peer on its first turn

    def close(self) -> None:
        for ws in list(self._waitsets):
            ws._discard(self)  # before its memory goes: a wait may be parked on it
        if self._h is not None:
            lib().shm_signal_close(self._h)
            self._h = None

    def __enter__(self) -> CChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown: the library may be gone
            self.close()
