"""The shm-signal engine: one channel of the protocol over a shared file mapping.

    with Channel.create("/dev/shm/chan", locality=NORTH, notifier=on_signal) as ch:
        ch.wait_for_peer(5.0)
        ch.enable()
        ch.inject()            # signal the other side
        ch.poll(timeout=1.0)   # wait for a signal and run on_signal

Every store-then-load point of docs/spec.md section 7 goes through
:mod:`abi.fence`; wake-ups go through the negotiated backend of :mod:`abi.wake`;
liveness through :mod:`abi.liveness`.  Several channels share one file by using
different 64-byte-aligned ``offset`` values.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import struct
import sys
import time
from typing import Any, Callable, Dict, Optional

from . import descriptor, layout
from .faults import Fault, ShmSignalFault
from .fence import STEP_AGAIN, STEP_IDLE, STEP_NOTIFY, Ordering, Side, get_ordering
from .liveness import ByteLock, lock_offset
from .mapping import Mapping, PathLike
from .wake import WakeBackend, make_backend, supported_features

NORTH = layout.LOCALITY_NORTH
SOUTH = layout.LOCALITY_SOUTH

_IRQ = {f.name: f.offset for f in layout.describe(layout.ShmSignalIrq).fields}
_DESC = {f.name: f.offset for f in layout.describe(layout.ShmSignalDesc).fields}

DEFAULT_BUDGET = 1024  # notifier calls per wakeup
DEFAULT_SPIN = 20e-6  # seconds of spinning before parking
SPIN_SLICE = 50e-6  # the longest one native spin call holds the GIL
DEFAULT_LIVENESS_INTERVAL = 0.1  # seconds between peer checks while waiting

Notifier = Callable[[], Any]

# The wait word read natively (a plain aligned 32-bit load): where each flag byte
# lands depends on the host's byte order.  Values from abi.fence are canonical.
def _native_mask(*byte_indexes: int) -> int:
    shift = (lambda i: 8 * i) if sys.byteorder == "little" else (lambda i: 8 * (3 - i))
    return sum(0xFF << shift(i) for i in byte_indexes)


_N_ENABLED, _N_DIRTY, _N_WORK = _native_mask(0), _native_mask(2), _native_mask(1, 2)
_C_WORK = 0xFFFF00


def _locality(value: Any) -> int:
    if isinstance(value, str):
        try:
            return layout.LOCALITY_NAMES.index(value.lower())
        except ValueError:
            pass
    if value in (NORTH, SOUTH):
        return int(value)
    raise ShmSignalFault(Fault.BAD_LOCALITY, "locality must be 0/'north' or 1/'south'",
                         field="locality", offset=None, expected="north or south", actual=value)


def _check_tuning(budget: int, spin: float) -> None:
    if budget < 1:
        raise ValueError(f"budget must be at least 1 notifier call, not {budget!r}")
    if not spin >= 0:  # NaN too
        raise ValueError(f"spin must be >= 0 seconds, not {spin!r}")


class _ClosedSide(Side):
    """A closed channel's side: every use is a clear error, never a stray pointer."""

    def _closed(self) -> int:
        raise ValueError("the channel is closed")

    inject = step = announce_park = spin = spin_step = _closed

    def configure(self, waiter_flag: bool, spin_s: float) -> None:
        pass


class Channel:
    """One side of a shm-signal channel.

    Build one with :meth:`create` or :meth:`attach`.  Not thread-safe: one thread
    drives a channel (a second thread may call :meth:`inject` only if it is the
    only injector).

    Parameters common to both constructors:

    * ``notifier``: called by :meth:`wakeup` for each batch of signalled work.
    * ``budget``: at most this many notifier calls per :meth:`wakeup`, so a peer
      that sets dirty forever cannot starve the caller.
    * ``spin``: seconds :meth:`wait` re-reads the wait word before parking
      (0 parks at once); spinning answers in a fraction of a microsecond,
      parking costs a kernel round trip.
    * ``liveness_interval``: the longest :meth:`wait` parks between checks that
      the peer is still there; a dead peer is noticed within about this time.
    """

    def __init__(self, mapping: Mapping, offset: int, locality: int, *, notifier: Optional[Notifier],
                 budget: int, spin: float, liveness_interval: float, ordering: Ordering) -> None:
        self._map = mapping
        self.offset = offset
        self.locality = locality
        self.remote_locality = 1 - locality
        self.notifier = notifier
        _check_tuning(budget, spin)
        self.budget = budget
        self.liveness_interval = liveness_interval
        self.more_work = False
        self._ordering = ordering
        self._closed = False
        self.stats: Dict[str, int] = dict(injects=0, notifications=0, wakeups=0, notifier_calls=0,
                                          parks=0)
        base = mapping.base + offset
        own = offset + layout.IRQ_OFFSET + locality * layout.IRQ_SIZE
        rem = offset + layout.IRQ_OFFSET + self.remote_locality * layout.IRQ_SIZE
        self._own, self._rem = own, rem  # offsets in the mapping
        self._own_word = base + own - offset
        self._rem_word = base + rem - offset
        self._own_enabled = self._own_word + _IRQ["enabled"]
        self._own_pending = self._own_word + _IRQ["pending"]
        self._rem_dirty = self._rem_word + _IRQ["dirty"]
        # Plain views of the two wait words: reading .value is one aligned 32-bit load.
        self._own_view: Optional[ctypes.c_uint32] = ctypes.c_uint32.from_address(self._own_word)
        self._rem_view: Optional[ctypes.c_uint32] = ctypes.c_uint32.from_address(self._rem_word)
        mapping.guard()  # a peer that shrinks the file must not kill us with SIGBUS
        self._lock = ByteLock(mapping.fd, lock_offset(offset, locality))
        self._peer_lock = ByteLock(mapping.fd, lock_offset(offset, self.remote_locality))
        snap = descriptor.snapshot(mapping.mm, offset)
        self.instance_id = bytes(snap.instance_id)
        self.creator = snap.creator
        self._features: Optional[int] = None
        self._backend: Optional[WakeBackend] = None
        self._next_liveness_check = 0.0  # time.monotonic() of the next lock check
        self._waiter_flag = False  # WAITER_FLAG negotiated: set pad0 to park, skip needless wakes
        self._own_waiting = self._own_word + _IRQ["pad0"]
        # Little-endian views for the parking and notifying paths: one load or store
        # each, where slicing the mmap and converting costs several times more.
        le32, le64 = ctypes.c_uint32.__ctype_le__, ctypes.c_uint64.__ctype_le__
        self._rem_state = le32.from_address(self._rem_word + _IRQ["state"])
        self._rem_notify_count = le64.from_address(self._rem_word + _IRQ["notify_count"])
        self._own_waiting_view = ctypes.c_uint8.from_address(self._own_waiting)
        self._side = ordering.side(self._own_word, self._rem_word)  # the fused hot paths
        self.spin = spin  # configures the side (a property)

    # ------------------------------------------------------------------ set-up

    @classmethod
    def create(cls, path: PathLike, locality: Any = NORTH, *, offset: int = 0, size: Optional[int] = None,
               features: Optional[int] = None, required: int = 0, mode: int = 0o600,
               exist_ok: bool = False, notifier: Optional[Notifier] = None,
               instance_id: Optional[bytes] = None, pid: Optional[int] = None,
               budget: int = DEFAULT_BUDGET, spin: float = DEFAULT_SPIN,
               liveness_interval: float = DEFAULT_LIVENESS_INTERVAL,
               ordering: Optional[Ordering] = None) -> Channel:
        """Create the mapping file (mode 0600 by default; ``exist_ok`` to add a
        channel to an existing file) and initialise a descriptor at ``offset`` as
        ``locality``, offering ``features`` (default: all this engine supports)."""
        loc = _locality(locality)
        _check_tuning(budget, spin)  # before the file exists
        offered = supported_features() if features is None else features
        need = offset + layout.DESC_SIZE
        mapping = Mapping.create(path, max(size or 0, need), mode=mode, exist_ok=exist_ok)
        try:
            ordering = ordering or get_ordering()
            descriptor.initialize(mapping.mm, offset, loc, offered, required, instance_id,
                                  os.getpid() if pid is None else pid, publish=ordering.fence)
            ch = cls(mapping, offset, loc, notifier=notifier, budget=budget, spin=spin,
                     liveness_interval=liveness_interval, ordering=ordering)
            if not ch._lock.acquire():
                raise ShmSignalFault(Fault.LOCALITY_BUSY, "another process holds this record's lock",
                                     field=f"irq[{loc}].state", offset=ch._own - offset + _IRQ["state"])
            ch._backend = ch._make_backend(offered)
            return ch
        except BaseException:
            mapping.close()
            raise

    @classmethod
    def attach(cls, path: PathLike, *, offset: int = 0, timeout: float = 0.0,
               features: Optional[int] = None, notifier: Optional[Notifier] = None,
               pid: Optional[int] = None, budget: int = DEFAULT_BUDGET, spin: float = DEFAULT_SPIN,
               liveness_interval: float = DEFAULT_LIVENESS_INTERVAL,
               ordering: Optional[Ordering] = None) -> Channel:
        """Attach to the descriptor at ``offset`` of an existing file as the
        locality its creator did not take.  Validates the whole descriptor (spec
        6.4); waits up to ``timeout`` seconds for a creator that is still writing it.
        ``features`` limits what this side accepts (default: all it supports)."""
        _check_tuning(budget, spin)
        deadline = time.monotonic() + timeout
        supported = supported_features() if features is None else features
        while True:
            mapping: Optional[Mapping] = None
            try:
                mapping = Mapping.open(path)
                descriptor.validate(mapping.mm, offset, mapping.length, supported)
                break
            except (ShmSignalFault, ValueError, FileNotFoundError) as exc:
                if mapping is not None:
                    mapping.close()
                retry = not isinstance(exc, ShmSignalFault) or exc.code in (
                    Fault.BAD_MAGIC, Fault.MAPPING_TOO_SMALL)
                if not retry or time.monotonic() >= deadline:
                    raise
                time.sleep(0.001)
        try:
            ordering = ordering or get_ordering()
            snap = descriptor.snapshot(mapping.mm, offset)
            loc = 1 - snap.creator
            ch = cls(mapping, offset, loc, notifier=notifier, budget=budget, spin=spin,
                     liveness_interval=liveness_interval, ordering=ordering)
            accepted = snap.features_offered & supported
            ch._take_record(snap.irq[loc].state, bool(accepted & layout.FEATURE_LIVENESS_LOCK))
            mm = mapping.mm
            struct.pack_into("<Q", mm, offset + _DESC["features_accepted"], accepted)
            own_pid = os.getpid() if pid is None else pid
            struct.pack_into("<I", mm, ch._own + _IRQ["pid"], own_pid & 0xFFFFFFFF)
            ordering.fence()  # accepted and pid before the state that publishes them
            struct.pack_into("<I", mm, ch._own + _IRQ["state"], layout.STATE_ATTACHED)
            ch._set_features(accepted)
            # Wake the creator once: if it is parked, it re-reads the negotiated features.
            assert ch._backend is not None
            ch._backend.wake(ch.remote_locality)
            return ch
        except BaseException:
            mapping.close()
            raise

    def _take_record(self, state: int, locks: bool) -> None:
        """Lock our record; refuse if a live peer holds it (spec 6.3 step 2).
        Without negotiated liveness locks an attached record counts as live."""
        if (state == layout.STATE_ATTACHED and not locks) or not self._lock.acquire():
            raise ShmSignalFault(Fault.LOCALITY_BUSY, "a live peer holds this locality",
                                 field=f"irq[{self.locality}].state",
                                 offset=self._own - self.offset + _IRQ["state"],
                                 expected="empty, closed, or a free lock", actual=state)

    def _make_backend(self, features: int) -> WakeBackend:
        return make_backend(features, self._word_address, self._read_word, self.instance_id)

    def _word_address(self, locality: int) -> int:
        return self._own_word if locality == self.locality else self._rem_word

    def _read_word(self, locality: int) -> int:
        """The wait word as a native u32 (what compare-and-wait compares)."""
        view = self._own_view if locality == self.locality else self._rem_view
        if view is None:
            raise ValueError("the channel is closed")
        return view.value

    # ------------------------------------------------------------------ state

    def _set_features(self, features: int) -> None:
        self._features = features
        self._waiter_flag = bool(features & layout.FEATURE_WAITER_FLAG)
        self._side.configure(self._waiter_flag, self._spin_slice)
        self._backend = self._make_backend(features)

    @property
    def spin(self) -> float:
        """Seconds :meth:`wait` and :meth:`poll` look for work before parking."""
        return self._spin

    @spin.setter
    def spin(self, seconds: float) -> None:
        _check_tuning(1, seconds)
        self._spin = seconds
        self._spin_slice = min(seconds, SPIN_SLICE)
        self._side.configure(self._waiter_flag, self._spin_slice)

    @property
    def features(self) -> Optional[int]:
        """The negotiated features; None while a creator's peer has not attached."""
        if self._features is None and self.peer_attached():
            self._set_features(struct.unpack_from("<Q", self._map.mm,
                                                  self.offset + _DESC["features_accepted"])[0])
        return self._features

    @property
    def backend_name(self) -> str:
        return self._backend.name if self._backend else "none"

    @property
    def ordering_name(self) -> str:
        return self._ordering.name

    def _state(self, rec: int) -> int:
        return int.from_bytes(self._map.mm[rec + _IRQ["state"]:rec + _IRQ["state"] + 4], "little")

    def peer_attached(self) -> bool:
        return self._state(self._rem) == layout.STATE_ATTACHED

    def _require_open(self) -> None:
        """Raw addresses into the mapping die with close(): refuse before using one."""
        if self._own_view is None:
            raise ValueError("the channel is closed")

    def _check_closed(self) -> int:
        self._require_open()
        state = self._rem_state.value
        if state == layout.STATE_CLOSED:
            raise ShmSignalFault(Fault.PEER_CLOSED, "the peer closed the channel",
                                 field=f"irq[{self.remote_locality}].state",
                                 offset=self._rem - self.offset + _IRQ["state"])
        return state

    def check_peer(self) -> None:
        """Raise ``PEER_CLOSED`` or ``PEER_DEAD`` if the peer has gone (a peer that
        never attached is neither), ``MAPPING_TOO_SMALL`` if the file shrank under
        the mapping (a hostile or broken peer; the mapping's guard kept the process
        alive, see :meth:`Mapping.guard`).  :meth:`wait` calls it every
        ``liveness_interval``."""
        self._require_open()
        size = self._map.shrunk()
        if size is not None:
            raise ShmSignalFault(Fault.MAPPING_TOO_SMALL, "the file shrank under the mapping",
                                 field="mapping length", offset=None,
                                 expected=f">= {self._map.length} bytes", actual=f"{size} bytes")
        state = self._check_closed()
        if state == layout.STATE_ATTACHED and self._features is not None and \
                self._features & layout.FEATURE_LIVENESS_LOCK and not self._peer_lock.held_elsewhere():
            # A closing peer stores "closed" before it unlocks: read the state again, so
            # that a close racing with this check is not taken for a death.
            self._check_closed()
            raise ShmSignalFault(Fault.PEER_DEAD, "the peer's record is attached but its lock is free",
                                 field=f"irq[{self.remote_locality}].state",
                                 offset=self._rem - self.offset + _IRQ["state"])

    def wait_for_peer(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.peer_attached():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.001)
        return self.features is not None

    def flags(self, locality: Optional[int] = None) -> Dict[str, int]:
        """enabled/pending/dirty of a record (own by default), for inspection."""
        self._require_open()
        w = self._ordering.load_word(self._word_address(self.locality if locality is None else locality))
        return {"enabled": w & 0xFF, "pending": (w >> 8) & 0xFF, "dirty": (w >> 16) & 0xFF}

    @property
    def buffer(self) -> mmap.mmap:
        """The whole mapped file, for the application's own shared data (outside
        the descriptor's bytes, which belong to the protocol)."""
        return self._map.mm

    def descriptor_bytes(self) -> bytes:
        return bytes(self._map.mm[self.offset:self.offset + layout.DESC_SIZE])

    # ------------------------------------------------------------------ protocol

    def inject(self) -> bool:
        """Signal the peer (spec 7.1).  True if a notification was sent."""
        self.stats["injects"] += 1
        if self._features is None:
            _ = self.features  # a creator learns NOTIFY_COUNT/WAITER_FLAG once the peer attached
        # F0, dirty=1, F1; if enabled and nothing pending: pending=1 and with
        # WAITER_FLAG F6 and a re-read of the waiting byte (the byte seen at F1 is
        # stale: the owner may have drained this dirty and parked since, and a pending
        # left set with no wake would suppress every later notification).
        if not self._side.inject():
            return False  # disabled, pending already, or not parked: no kernel call (7.5)
        if self._features is not None and self._features & layout.FEATURE_NOTIFY_COUNT:
            self._rem_notify_count.value += 1  # single writer (us); ctypes wraps at 2**64
        assert self._backend is not None
        self._backend.wake(self.remote_locality)
        self.stats["notifications"] += 1
        return True

    def wakeup(self, budget: Optional[int] = None) -> int:
        """Consume signals and run the notifier (spec 7.2).  Returns the notifier
        calls made; when the budget runs out, ``more_work`` is set and pending stays
        set, and the caller must call again."""
        return self._run(-1, self.budget if budget is None else budget)

    def _run(self, r: int, budget: int) -> int:
        """The wakeup loop, from the result ``r`` of a step already taken (-1: none)."""
        step, notifier = self._side.step, self.notifier
        calls = rounds = 0
        self.more_work = False
        self.stats["wakeups"] += 1
        try:
            if r < 0:
                if budget < 1:
                    return self._end_at_budget(0)
                r = step()  # one step of the loop, with F2 or F3 (abi.fence)
            while True:
                if r == STEP_NOTIFY:  # dirty cleared
                    calls += 1
                    if notifier is not None:
                        notifier()  # if it raises: dirty is clear, pending as it was
                    if calls >= budget:
                        return self._end_at_budget(calls)
                elif r == STEP_AGAIN:  # pending cleared and work came back
                    rounds += 1
                    if rounds >= budget:  # a remote flipping pending (not dirty) is bounded too
                        self.more_work = True
                        return calls
                else:
                    return calls
                r = step()
        finally:
            self.stats["notifier_calls"] += calls

    def _end_at_budget(self, calls: int) -> int:
        """The notifier budget is spent: leave dirty for the next call, or finish
        the round (pending=0, F3) and report whether work came back."""
        view = self._own_view
        if view is None:
            raise ValueError("the channel is closed")
        w = view.value
        if w & _N_ENABLED and w & _N_DIRTY:
            self.more_work = True  # pending stays set: the remote sends nothing meanwhile
            return calls
        w = self._ordering.store_fence_load(self._own_pending, 0, self._own_word)  # F3
        self.more_work = bool(w & 0xFF and w & _C_WORK)
        return calls

    def enable(self) -> int:
        """Unmask notifications (spec 7.3); runs the wakeup if work is waiting.
        Returns the notifier calls made."""
        self._require_open()
        w = self._ordering.store_fence_load(self._own_enabled, 1, self._own_word)  # F4
        if w & _C_WORK:
            return self.wakeup()
        return 0

    def disable(self) -> None:
        """Mask notifications (spec 7.4); injects still mark dirty."""
        self._map.mm[self._own] = 0

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until this side is enabled and has work (dirty or pending), or
        ``timeout`` seconds pass (False).  Spins for ``spin`` seconds, then parks,
        re-checking the peer at least every ``liveness_interval``; raises
        ``PEER_CLOSED``/``PEER_DEAD`` when the peer has gone."""
        return self._wait(timeout, 0.0)

    def _wait(self, timeout: Optional[float], spun: float) -> bool:
        """:meth:`wait`, with ``spun`` seconds of the spin already done by the caller
        and ``timeout`` what is left of the caller's."""
        view = self._own_view
        if view is None:
            raise ValueError("the channel is closed")
        w = view.value
        if w & _N_ENABLED and w & _N_WORK:
            return True
        spin = self._spin - spun
        if timeout is not None and timeout < spin:
            spin = timeout
        if spin > 0:
            # Native slices of at most SPIN_SLICE, with the GIL released.
            clock, look = time.perf_counter, self._side.spin
            end = clock() + spin
            while True:
                if look():
                    return True
                if clock() >= end:
                    break
        now = time.monotonic()
        deadline = None if timeout is None else now + timeout
        backend, side, rem_state = self._backend, self._side, self._rem_state
        assert backend is not None
        while True:
            state = rem_state.value  # a memory read: every time round
            if state != layout.STATE_ATTACHED:
                self._check_closed()  # raises PEER_CLOSED; else the peer has not come yet
            elif self._features is None:
                _ = self.features  # the peer came (its attach woke us): use what it accepted
                backend = self._backend
                assert backend is not None
            if now >= self._next_liveness_check:  # a syscall: once per interval
                self.check_peer()
                self._next_liveness_check = now + self.liveness_interval
            # With WAITER_FLAG: tell the remote we park, then look once more (a
            # store-then-load point: either it sees waiting == 1 and wakes us, or we
            # see its dirty).
            waiting = self._waiter_flag
            if waiting and side.announce_park():
                self._own_waiting_view.value = 0
                return True
            w = view.value  # the value to park on: any change since wakes us at once
            if w & _N_ENABLED and w & _N_WORK or (deadline is not None and now >= deadline):
                if waiting:
                    self._own_waiting_view.value = 0
                return bool(w & _N_ENABLED and w & _N_WORK)
            slice_ = self._next_liveness_check - now
            if deadline is not None and deadline - now < slice_:
                slice_ = deadline - now
            self.stats["parks"] += 1
            backend.wait(self.locality, w, slice_)
            if waiting:
                self._own_waiting_view.value = 0
            w = view.value
            if w & _N_ENABLED and w & _N_WORK:
                return True
            now = time.monotonic()

    def poll(self, timeout: Optional[float] = None) -> int:
        """Wait for work, then run the wakeup; returns the notifier calls (0 on timeout)."""
        if self.more_work:
            return self.wakeup()
        if timeout is None or timeout >= self._spin_slice:
            # The hot path: one native call spins (one slice) and takes the first step.
            r = self._side.spin_step()
            if r != STEP_IDLE:
                return self._run(r, self.budget)
            spun = self._spin_slice
        else:
            spun = 0.0
        if not self._wait(None if timeout is None else timeout - spun, spun):
            return 0
        return self.wakeup()

    # ------------------------------------------------------------------ teardown

    def close(self) -> None:
        """Leave (spec section 9): state closed, then dirty and an unconditional
        wake for the peer, so that a peer parked in wait() sees it at once."""
        if self._closed:
            return
        self._closed = True
        try:
            mm = self._map.mm
            struct.pack_into("<I", mm, self._own + _IRQ["state"], layout.STATE_CLOSED)
            self._ordering.store_fence_load(self._rem_dirty, 1, self._rem_word)
            if self._backend is not None:
                self._backend.wake(self.remote_locality)
                self._backend.close()
        finally:
            self._own_view = self._rem_view = None
            self._side = _ClosedSide()  # its raw addresses die with the mapping
            self._lock.release()
            self._map.close()

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<Channel {layout.LOCALITY_NAMES[self.locality]} {self._map.path}@{self.offset} "
                f"features={self._features} backend={self.backend_name}>")
