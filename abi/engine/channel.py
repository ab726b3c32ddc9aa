"""The shm-signal engine: one channel of the protocol over a shared file mapping.

    with Channel.create("/dev/shm/chan", locality=NORTH, notifier=on_signal) as ch:
        ch.wait_for_peer(5.0)
        ch.enable()
        ch.inject()            # signal the other side
        ch.poll(timeout=1.0)   # wait for a signal and run on_signal

Every store-then-load point of docs/spec.md section 7 goes through
:mod:`abi.engine.ordering`; wake-ups go through the negotiated backend of :mod:`abi.engine.wake`;
the file, its mapping and its liveness locks through :mod:`abi.engine.mapping` (one per
file per process, whatever the number of channels).  Several channels share one
file by using different 64-byte-aligned ``offset`` values.

The peer is trusted with nothing: the attach decides from the one snapshot it
validated, a value read later from shared memory never chooses where we store, and
every loop a peer can keep going is bounded by a budget or a deadline.

Over 400 lines: one class, the protocol's operations (section 7) and the state they
share (its hot paths read that state as attributes, not through a helper module);
creation and attach are in :mod:`abi.engine.handshake`.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import sys
import time
import warnings
import weakref
from array import array
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple, Union

from abi import layout
from abi.engine import arguments as args
from abi.engine import handshake
from abi.engine.arguments import DEFAULT_BUDGET, DEFAULT_LIVENESS_INTERVAL
from abi.engine.awaitable import Awaitable
from abi.engine.handshake import record_field
from abi.engine.interface import STATS
from abi.engine.liveness import lock_offset
from abi.engine.mapping import Map, PathLike, SharedFile
from abi.engine.ordering import SIDE_FAULT, STEP_AGAIN, STEP_IDLE, STEP_NOTIFY, Ordering, Side, get_ordering
from abi.engine.ring import RingReceiver, RingSender, channel_side
from abi.engine.wake import WakeBackend, make_backend, supported_features
from abi.faults import Fault, ShmSignalFault
from abi.features import Features, as_features

NORTH = layout.LOCALITY_NORTH
SOUTH = layout.LOCALITY_SOUTH

_IRQ = {f.name: f.offset for f in layout.describe(layout.ShmSignalIrq).fields}
_DESC = {f.name: f.offset for f in layout.describe(layout.ShmSignalDesc).fields}

DEFAULT_SPIN = args.AUTO_SPIN  # spin while it pays off (below), else park at once
AUTO_SPIN_S = 50e-6  # how long "auto" spins: long enough for a parked peer to wake and answer
AUTO_CREDIT_MAX = 64  # spins that found work (less those that did not), at most
AUTO_PROBE_FIRST, AUTO_PROBE_MAX = 8, 16384  # waits between probes (see _auto_learn)
AUTO_PROBE_SPIN_MAX = 5e-3  # the longest probe: long enough for the OS to move a peer away
SPIN_SLICE = 50e-6  # the longest one native spin call holds the GIL

Notifier = Callable[[], Any]


# The wait word read natively (a plain aligned 32-bit load): where each flag byte
# lands depends on the host's byte order.  Values from abi.engine.ordering are canonical.
def _native_mask(*byte_indexes: int) -> int:
    shift = (lambda i: 8 * i) if sys.byteorder == "little" else (lambda i: 8 * (3 - i))
    return sum(0xFF << shift(i) for i in byte_indexes)


_N_ENABLED, _N_DIRTY, _N_WORK = _native_mask(0), _native_mask(2), _native_mask(1, 2)
_C_WORK = 0xFFFF00


def _cpus() -> int:
    """CPUs a peer could be running on while we spin.  Not this process's affinity:
    pinned to one CPU, its peer may well run on another (spinning then pays); a
    peer pinned to our CPU is what the learning of "auto" finds out.  One only
    when the machine (or the process and its cpuset) has one."""
    try:
        mine = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        mine = 0
    return max(mine, os.cpu_count() or 1)


_INJECTS, _NOTIFICATIONS, _WAKEUPS, _NOTIFIER_CALLS, _PARKS = range(len(STATS))

# What a round trip reads of a channel, assigned first in __init__: an instance keeps
# its attribute values in the order they were first set, so these share two cache
# lines.  With a thousand channels, each one's state is mostly out of the cache when
# its turn comes, and every line costs a trip to memory (benchmarks/channels.py).
_HOT = ("_h_arg", "_h_inject", "_h_step", "_h_spin_step", "_counts", "_features", "_backend", "_bell",
        "more_work", "notifier", "_auto", "_spin_slice", "_spin", "_credit", "_own_view", "_budget",
        "_rem_notify_count", "_fired", "_waiter_flag", "_next_liveness_check", "remote_locality", "_words",
        "_h_spin", "_h_announce", "_side")


class _Stats(Mapping[str, int]):
    """A channel's counters (:data:`STATS`), read-only and live.  They are one array
    per channel, not a dict of ints: a round trip on one of a thousand channels then
    touches one line of them, where a dict and the int objects it replaced on every
    count touched several that no other channel warmed (benchmarks/channels.py)."""

    __slots__ = ("_counts",)

    def __init__(self, counts: array) -> None:
        self._counts = counts

    def __getitem__(self, name: str) -> int:
        try:
            return int(self._counts[STATS.index(name)])
        except ValueError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(STATS)

    def __len__(self) -> int:
        return len(STATS)

    def __repr__(self) -> str:
        return repr(dict(self))


class _ClosedSide(Side):
    """A closed channel's side: every use is a clear error, never a stray pointer."""

    def _closed(self) -> int:
        raise ValueError("the channel is closed")

    inject = step = announce_park = spin = spin_step = _closed

    def configure(self, waiter_flag: bool, spin_s: float) -> None:
        pass


class Channel(Awaitable):
    """One side of a shm-signal channel.

    Build one with :meth:`create` or :meth:`attach`.  Not thread-safe: one thread
    drives a channel (a second thread may call :meth:`inject` only if it is the
    only injector).  Close it (or use ``with``); a channel dropped open is closed
    by its finalizer, with a :class:`ResourceWarning`, as files are.

    Parameters common to both constructors:

    * ``notifier``: called by :meth:`wakeup` for each batch of signalled work.
    * ``budget``: at most this many notifier calls per :meth:`wakeup`, so a peer
      that sets dirty forever cannot starve the caller.
    * ``spin``: seconds :meth:`wait` re-reads the wait word before parking
      (0 parks at once); spinning answers in a fraction of a microsecond,
      parking costs a kernel round trip.  ``"auto"`` (the default) spins (up to
      50 us) while spinning has lately found work, and starts so; never on a
      machine with one CPU (the peer cannot run while we spin).  Without recent
      success it parks at once, and probes one wait in 8 with a spin twice as long
      after each failed probe (up to 5 ms, which lets the OS move a peer that was
      woken onto our CPU), then twice as rarely (down to one in 16384).
    * ``liveness_interval``: the longest :meth:`wait` parks between checks that
      the peer is still there; a dead peer is noticed within about this time.
    """

    _closed = True  # until __init__ has everything a close needs
    _waitsets: Any = ()  # the WaitSets this channel is registered with (a WeakSet once open)

    def __init__(self, file: SharedFile, mapping: Map, offset: int, locality: int, *, creator: bool,
                 offered: int, required: int, instance_id: bytes, notifier: Optional[Notifier],
                 budget: int, spin: Union[float, str], liveness_interval: float, ordering: Ordering,
                 desc_size: int = layout.DESC_SIZE) -> None:
        """Takes over ``file`` (one user) and ``mapping`` (one user) and the lock of
        record ``locality``, which the caller has taken; reads nothing shared.
        The tuning arguments are checked already."""
        for name in _HOT:
            setattr(self, name, None)  # first: see _HOT
        self._file = file
        self._map = mapping
        self.offset = offset
        self.desc_size = desc_size  # the creator's, or the attach's validated snapshot's
        self.locality = locality
        self.remote_locality = 1 - locality
        self.is_creator = creator
        self._offered, self._required = offered, required
        self.instance_id = instance_id
        self.notifier = notifier
        self._budget = budget
        self._liveness_interval = liveness_interval
        self.more_work = False
        self._ordering = ordering
        self._pid = os.getpid()  # a forked child must not close the parent's channel
        self._counts = array("Q", bytes(8 * len(STATS)))  # STATS, in order (see _Stats)
        base = mapping.base + offset
        self._own = offset + layout.IRQ_OFFSET + locality * layout.IRQ_SIZE  # offsets in the mapping
        self._rem = offset + layout.IRQ_OFFSET + self.remote_locality * layout.IRQ_SIZE
        self._own_word = base + self._own - offset
        self._rem_word = base + self._rem - offset
        words = [0, 0]
        words[locality], words[self.remote_locality] = self._own_word, self._rem_word
        # Keys 2 + L of the wake backend: the doorbells of the file's head (7.8), at
        # addresses fixed by the locality alone.  Rung only once negotiated.
        self._words = (*words, *(mapping.base + layout.doorbell_offset(loc) for loc in (NORTH, SOUTH)))
        self._bell = False  # GROUP_DOORBELL negotiated
        self._own_enabled = self._own_word + _IRQ["enabled"]
        self._own_pending = self._own_word + _IRQ["pending"]
        self._rem_dirty = self._rem_word + _IRQ["dirty"]
        # Plain views of the two wait words: reading .value is one aligned 32-bit load.
        self._own_view: Optional[ctypes.c_uint32] = ctypes.c_uint32.from_address(self._own_word)
        self._rem_view: Optional[ctypes.c_uint32] = ctypes.c_uint32.from_address(self._rem_word)
        self._lock_byte = lock_offset(offset, locality)
        self._peer_lock_byte = lock_offset(offset, self.remote_locality)
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
        self._accepted_view = le64.from_address(base + _DESC["features_accepted"])
        self._own_waiting_view = ctypes.c_uint8.from_address(self._own_waiting)
        self._fired = mapping.fired
        self._use_side(ordering.side(self._own_word, self._rem_word, ctypes.addressof(mapping.fired)))
        self._auto = False
        self.spin = spin  # configures the side (a property)
        self._backend = make_backend(offered, self._words, instance_id)
        self._waitsets = weakref.WeakSet()
        self._closed = False

    # ------------------------------------------------------------------ set-up

    @classmethod
    def create(cls, path: PathLike, locality: args.Locality = NORTH, *, offset: int = 0,
               size: Optional[int] = None, features: Optional[int] = None, required: int = 0,
               mode: int = 0o600, exist_ok: bool = False, notifier: Optional[Notifier] = None,
               instance_id: Optional[bytes] = None, pid: Optional[int] = None,
               budget: int = DEFAULT_BUDGET, spin: Union[float, str] = DEFAULT_SPIN,
               liveness_interval: float = DEFAULT_LIVENESS_INTERVAL,
               ordering: Optional[Ordering] = None, rings: Optional[Tuple[int, int]] = None,
               ring_max: Optional[Tuple[int, int]] = None) -> Channel:
        """Create the mapping file (mode 0600 by default; ``exist_ok`` to add a
        channel to an existing file) and initialise a descriptor at ``offset`` as
        ``locality``, offering ``features`` (default: all this engine supports).
        ``rings``: the capacities of the channel's two message rings, north's and
        south's (spec 15.6; ``ring_max`` their largest messages), and the offer of
        ``MESSAGE_RINGS``; without them it is never offered.

        Spec 6.1: both records' locks are taken before anything is written, and
        with ``exist_ok`` only zeros or a descriptor without a live record are
        written over; anything else is refused with its fault, untouched.  Every
        argument is checked before the file is touched (``ValueError``, or the
        spec's fault for what the descriptor itself would refuse)."""
        loc = args.check_locality(locality)
        offset = args.check_descriptor_offset(offset)
        size = args.check_size(size)
        ordering = ordering or get_ordering()
        offered = supported_features(ordering.can_ring) if features is None \
            else args.check_u64("features", features)
        required = args.check_u64("required", required)
        mode = args.check_mode(mode)
        instance_id = args.check_instance_id(instance_id)
        own_pid = os.getpid() & 0xFFFFFFFF if pid is None else args.check_u32("pid", pid)
        budget, spin = args.check_budget(budget), args.check_spin(spin)
        liveness_interval = args.check_liveness_interval(liveness_interval)
        laid_out = args.check_rings(rings, ring_max)
        return handshake.create(cls, path, loc, offset, size, offered, required, mode, exist_ok,
                                instance_id, own_pid, ordering, rings=laid_out, notifier=notifier,
                                budget=budget, spin=spin, liveness_interval=liveness_interval)

    @classmethod
    def attach(cls, path: PathLike, *, offset: int = 0, timeout: float = 0.0,
               features: Optional[int] = None, notifier: Optional[Notifier] = None,
               pid: Optional[int] = None, budget: int = DEFAULT_BUDGET,
               spin: Union[float, str] = DEFAULT_SPIN, liveness_interval: float = DEFAULT_LIVENESS_INTERVAL,
               ordering: Optional[Ordering] = None) -> Channel:
        """Attach to the descriptor at ``offset`` of an existing file as the
        locality its creator did not take.  Validates the whole descriptor (spec
        6.4); waits up to ``timeout`` seconds for a creator that is still writing it.
        ``features`` limits what this side accepts (default: all it supports).
        ``timeout`` None waits for ever."""
        offset = args.check_descriptor_offset(offset)
        wait = args.forever(timeout)
        deadline = float("inf") if wait is None else time.monotonic() + wait
        ordering = ordering or get_ordering()
        supported = supported_features(ordering.can_ring) if features is None \
            else args.check_u64("features", features)
        own_pid = os.getpid() & 0xFFFFFFFF if pid is None else args.check_u32("pid", pid)
        budget, spin = args.check_budget(budget), args.check_spin(spin)
        liveness_interval = args.check_liveness_interval(liveness_interval)
        return handshake.attach(cls, path, offset, deadline, supported, own_pid, ordering,
                                notifier=notifier, budget=budget, spin=spin,
                                liveness_interval=liveness_interval)

    def _abandon(self, published: bool) -> None:
        """Undo a create or attach that failed after this side's state was stored:
        the state goes to closed (a record never stays attached with nobody behind
        it), then everything is released."""
        if published and self._own_view is not None:
            self._map.store_le32(self._own + _IRQ["state"], layout.STATE_CLOSED)
        self._release()

    # ------------------------------------------------------------------ state

    def _set_features(self, features: int) -> None:
        self._features = features
        self._waiter_flag = bool(features & layout.FEATURE_WAITER_FLAG)
        self._bell = bool(features & layout.FEATURE_GROUP_DOORBELL)
        self._side.configure(self._waiter_flag, self._spin_slice)
        old, self._backend = self._backend, make_backend(features, self._words, self.instance_id)
        if old is not None:
            old.close()  # Windows: its event handles

    def _use_side(self, side: Side) -> None:
        """The side's fused steps, kept as this channel's own attributes (see
        Side.hot): a round trip then reads them from the channel's hot lines."""
        self._side = side
        (self._h_arg, self._h_inject, self._h_step, self._h_spin, self._h_spin_step,
         self._h_announce) = side.hot()

    @property
    def spin(self) -> Union[float, str]:
        """Seconds :meth:`wait` and :meth:`poll` look for work before parking, or
        ``"auto"``."""
        return args.AUTO_SPIN if self._auto else self._spin

    @spin.setter
    def spin(self, seconds: Union[float, str]) -> None:
        value = args.check_spin(seconds)
        self._auto = value == args.AUTO_SPIN
        # Start by spinning: two fresh peers that spin stay on two CPUs, while two
        # that park tend to be woken onto one (where no spin can pay, so they would
        # never learn otherwise).  With the peer on our CPU, the first AUTO_CREDIT_MAX
        # spins fail, and it parks from then on.
        self._credit, self._probe, self._probe_every = AUTO_CREDIT_MAX, 0, AUTO_PROBE_FIRST
        self._probe_s = AUTO_SPIN_S
        self._cpus = _cpus()
        self._set_spin(0.0 if isinstance(value, str) else value)

    def _set_spin(self, seconds: float) -> None:
        self._spin = seconds
        self._spin_slice = min(seconds, SPIN_SLICE)
        self._side.configure(self._waiter_flag, self._spin_slice)

    def _auto_pick(self) -> None:
        """"auto": spin while spinning has paid off lately (credit); without credit
        park at once, but probe now and then with a longer spin, less often after
        each probe that failed (a peer that shares our CPU never answers a spin);
        never spin with one CPU to run on."""
        want = 0.0
        if self._credit > 0:
            want = AUTO_SPIN_S if self._cpus > 1 else 0.0
        else:
            self._probe += 1
            if self._probe >= self._probe_every:
                self._probe = 0
                self._cpus = _cpus()  # the placement may have changed
                want = self._probe_s if self._cpus > 1 else 0.0
        if want != self._spin:
            self._set_spin(want)

    def _auto_learn(self, found: bool, late: bool = False) -> None:
        """A spin that found work (+1), or that ended in a park (-1).  A probe that
        failed makes the next one twice as long, up to AUTO_PROBE_SPIN_MAX (two peers
        that park are often woken onto one CPU, where no short spin can pay; a long
        one keeps ours busy until the OS moves the waiting peer to an idle CPU),
        then twice as rare, up to one in AUTO_PROBE_MAX waits.  A probe that found
        work only ``late`` (after AUTO_SPIN_S) earns one ordinary spin, which tells
        a peer moved away (it pays) from one that ran only when the OS took our CPU
        from us (it does not), and counts as failed for the probing."""
        if found and not late:
            self._credit = min(AUTO_CREDIT_MAX, self._credit + 1)
            self._probe_every, self._probe_s = AUTO_PROBE_FIRST, AUTO_SPIN_S
            return
        if self._credit == 0:  # a probe that failed, or paid only late
            if self._probe_s < AUTO_PROBE_SPIN_MAX:
                self._probe_s = min(AUTO_PROBE_SPIN_MAX, 2 * self._probe_s)
            else:
                self._probe_every = min(AUTO_PROBE_MAX, 2 * self._probe_every)
        self._credit = 1 if found else max(0, self._credit - 1)

    @property
    def stats(self) -> Mapping[str, int]:
        """Counters since the channel opened (a read-only view: :data:`STATS`)."""
        return _Stats(self._counts)

    @property
    def budget(self) -> int:
        """Notifier calls one :meth:`wakeup` makes at most."""
        return self._budget

    @budget.setter
    def budget(self, calls: int) -> None:
        self._budget = args.check_budget(calls)

    @property
    def liveness_interval(self) -> float:
        """The longest :meth:`wait` parks between checks that the peer lives."""
        return self._liveness_interval

    @liveness_interval.setter
    def liveness_interval(self, seconds: float) -> None:
        self._liveness_interval = args.check_liveness_interval(seconds)

    @property
    def features(self) -> Optional[Features]:
        """The negotiated features (:class:`abi.Features`, an ``IntFlag``); None while a
        creator's peer has not attached.  Raises ``BAD_FEATURES`` if the attacher
        accepted what cannot be (6.2)."""
        if self._features is None:
            self._require_open()
            self._learn_features()
        return as_features(self._features)

    def _learn_features(self) -> None:
        """The creator's half of 6.2: the attacher's state, an acquire fence, then
        features_accepted, checked against what we offered and required."""
        if self._remote_state() != layout.STATE_ATTACHED:
            return
        self._ordering.fence()
        accepted = self._accepted_view.value
        if accepted & ~self._offered or self._required & ~accepted:
            raise ShmSignalFault(Fault.BAD_FEATURES, "the attacher accepted features that were not offered, "
                                 "or left out a required one", field="features_accepted",
                                 offset=_DESC["features_accepted"],
                                 expected=f"0x{self._required:x} <= accepted <= 0x{self._offered:x}",
                                 actual=f"0x{accepted:x}")
        self._set_features(accepted)

    @property
    def backend_name(self) -> str:
        return self._backend.name if self._backend else "none"

    @property
    def ordering_name(self) -> str:
        return self._ordering.name

    @property
    def lock_kind(self) -> str:
        """How liveness locks are taken here: ``ofd``, ``classic`` or ``windows``."""
        return self._file.lock_kind

    def _remote_state(self) -> int:
        """The remote record's state, refusing what the spec does not define (9,
        "States"): a value above closed, or empty again once the peer was there."""
        state = self._rem_state.value
        if state > layout.STATE_CLOSED or (state == layout.STATE_EMPTY and self._features is not None):
            raise ShmSignalFault(Fault.BAD_STATE, "the peer's record holds a state the spec does not "
                                 "allow here", field=record_field(self.remote_locality, "state"),
                                 offset=self._rem - self.offset + _IRQ["state"],
                                 expected="1 (attached) or 2 (closed)", actual=state)
        return state

    def _wait_target(self) -> Tuple[int, int, Optional[int], int, bytes]:
        """For :class:`abi.engine.waitset.WaitSet`: this side's wait word's address,
        its locality, the negotiated features (None before), the offered ones, and
        the instance id that names wake objects."""
        self._require_open()
        if self._features is None:
            _ = self.features  # the peer may have attached since
        return self._own_word, self.locality, self._features, self._offered, self.instance_id

    def _wait_word(self) -> int:
        """The address of this side's wait word (while open)."""
        self._require_open()
        return self._own_word

    def _doorbell_word(self) -> Optional[int]:
        """The address of the head's doorbell this side parks on (7.8) once
        GROUP_DOORBELL is negotiated, else None."""
        self._require_open()
        if self._features is None:
            _ = self.features
        return self._words[2 + self.locality] if self._bell else None

    def _recheck_peer(self) -> None:
        """A WaitSet found the peer gone: the next wait checks at once and raises."""
        self._next_liveness_check = 0.0

    def peer_attached(self) -> bool:
        self._require_open()
        return self._remote_state() == layout.STATE_ATTACHED

    def _require_open(self) -> None:
        """Raw addresses into the mapping die with close(), and a mapping the guard
        answered a fault in is partly private: refuse before using either."""
        if self._own_view is None:
            raise ValueError("the channel is closed")
        if self._fired.value:
            raise self._truncated()

    def _truncated(self) -> ShmSignalFault:
        return ShmSignalFault(Fault.MAPPING_TOO_SMALL, "the file shrank under the mapping (the truncation "
                              "guard answered an access past its end): this channel no longer shares "
                              "memory with its peer", field="mapping length", offset=None,
                              expected=f">= {self._map.length} bytes", actual="shorter")

    def _check_closed(self) -> int:
        state = self._remote_state()
        if state == layout.STATE_CLOSED:
            raise ShmSignalFault(Fault.PEER_CLOSED, "the peer closed the channel",
                                 field=record_field(self.remote_locality, "state"),
                                 offset=self._rem - self.offset + _IRQ["state"])
        return state

    def check_peer(self) -> None:
        """Raise ``PEER_CLOSED`` or ``PEER_DEAD`` if the peer has gone (a peer that
        never attached is neither), ``BAD_STATE`` for a state the spec does not
        allow, ``MAPPING_TOO_SMALL`` if the file shrank under the mapping (a hostile
        or broken peer; the mapping's guard kept the process alive).  :meth:`wait`
        calls it every ``liveness_interval``."""
        self._require_open()
        size = self._file.size()
        if size < self._map.length:
            raise ShmSignalFault(Fault.MAPPING_TOO_SMALL, "the file shrank under the mapping",
                                 field="mapping length", offset=None,
                                 expected=f">= {self._map.length} bytes", actual=f"{size} bytes")
        state = self._check_closed()
        locks = self._features is not None and self._features & layout.FEATURE_LIVENESS_LOCK
        if state == layout.STATE_ATTACHED and locks and not self._file.is_held(self._peer_lock_byte):
            # A closing peer stores "closed" before it unlocks: read the state again, so
            # that a close racing with this check is not taken for a death.
            self._check_closed()
            raise ShmSignalFault(Fault.PEER_DEAD, "the peer's record is attached but its lock is free",
                                 field=record_field(self.remote_locality, "state"),
                                 offset=self._rem - self.offset + _IRQ["state"])

    def wait_for_peer(self, timeout: Optional[float] = None) -> bool:
        """Wait up to ``timeout`` seconds (None, the default as for every wait: no
        limit) for the peer to attach."""
        t = args.forever(timeout)
        deadline = float("inf") if t is None else time.monotonic() + t
        while not self.peer_attached():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.001)
        return self.features is not None

    def flags(self, locality: Optional[int] = None) -> Dict[str, int]:
        """enabled/pending/dirty of a record (own by default), for inspection."""
        self._require_open()
        loc = self.locality if locality is None else args.check_locality(locality)
        w = self._ordering.load_word(self._words[loc])
        return {"enabled": w & 0xFF, "pending": (w >> 8) & 0xFF, "dirty": (w >> 16) & 0xFF}

    def ring(self, role: str) -> Any:
        """This side's ``"producer"`` or ``"consumer"`` of the channel's message
        rings (MESSAGE_RINGS negotiated; spec 15.6): a :class:`~abi.engine.ring.Producer`
        or :class:`~abi.engine.ring.Consumer`."""
        self._require_open()
        return channel_side(self, role)

    def ring_sender(self) -> RingSender:
        """The channel's ring this side produces into, with waits and injects."""
        return RingSender(self, side=self.ring("producer"))

    def ring_receiver(self) -> RingReceiver:
        """The channel's ring this side consumes, with waits and injects."""
        return RingReceiver(self, side=self.ring("consumer"))

    @property
    def buffer(self) -> mmap.mmap:
        """The whole mapped file, for the application's own shared data (outside
        the descriptor's bytes, which belong to the protocol).  Shared by every
        channel of the file in this process."""
        self._require_open()
        return self._map.mm

    def unlink(self) -> None:
        """Remove the file's name (as :meth:`multiprocessing.shared_memory.SharedMemory.unlink`):
        open channels of it, here and in the peer, go on working; nobody can attach to
        it any more.  ``FileNotFoundError`` when the name has gone already."""
        self._require_open()
        os.unlink(self._file.path)

    def descriptor_bytes(self) -> bytes:
        self._require_open()
        return bytes(self._map.mm[self.offset:self.offset + layout.DESC_SIZE])

    # ------------------------------------------------------------------ protocol

    def inject(self) -> bool:
        """Signal the peer (spec 7.1).  True if a notification was sent."""
        self._counts[_INJECTS] += 1
        if self._features is None:
            _ = self.features  # a creator learns NOTIFY_COUNT/WAITER_FLAG once the peer attached
        # F0, dirty=1, F1; if enabled and nothing pending: pending=1 and with
        # WAITER_FLAG F6 and a re-read of the waiting byte (the byte seen at F1 is
        # stale: the owner may have drained this dirty and parked since, and a pending
        # left set with no wake would suppress every later notification).
        r = self._h_inject(self._h_arg)
        if r <= 0:
            if r == SIDE_FAULT:
                raise self._truncated()
            return False  # disabled, pending already, or not parked: no kernel call (7.5)
        if self._features is not None and self._features & layout.FEATURE_NOTIFY_COUNT:
            self._rem_notify_count.value += 1  # single writer (us); ctypes wraps at 2**64
        self._notify(r)
        self._counts[_NOTIFICATIONS] += 1
        return True

    def _notify(self, waiting: int) -> None:
        """Wake the peer where its waiting byte says it is parked (7.8): bit 1 under
        GROUP_DOORBELL is the doorbell (ring, F7, then wake it); any other bit, or
        any value without GROUP_DOORBELL, the channel."""
        backend = self._backend
        assert backend is not None
        if self._bell and waiting & 2:
            key = 2 + self.remote_locality
            self._ordering.ring(self._words[key])
            backend.wake(key)
            if not waiting & ~2:
                return
        backend.wake(self.remote_locality)

    def wakeup(self, budget: Optional[int] = None) -> int:
        """Consume signals and run the notifier (spec 7.2).  Returns the notifier
        calls made; when the budget runs out, ``more_work`` is set and pending stays
        set, and the caller must call again."""
        return self._run(None, self._budget if budget is None else args.check_budget(budget))

    def _run(self, r: Optional[int], budget: int) -> int:
        """The wakeup loop, from the result ``r`` of a step already taken (None: none)."""
        step, arg, notifier = self._h_step, self._h_arg, self.notifier
        calls = rounds = 0
        self.more_work = False
        self._counts[_WAKEUPS] += 1
        try:
            if r is None:
                r = step(arg)  # one step of the loop, with F2 or F3 (abi.engine.ordering)
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
                elif r == SIDE_FAULT:
                    raise self._truncated()
                else:
                    return calls
                r = step(arg)
        finally:
            self._counts[_NOTIFIER_CALLS] += calls

    def _end_at_budget(self, calls: int) -> int:
        """The notifier budget is spent: leave dirty for the next call, or finish
        the round (pending=0, F3) and report whether work came back."""
        self._require_open()
        view = self._own_view
        assert view is not None
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
        self._require_open()
        self._map.mm[self._own] = 0

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until this side is enabled and has work (dirty or pending), or
        ``timeout`` seconds pass (False).  Spins for ``spin`` seconds, then parks,
        re-checking the peer at least every ``liveness_interval``; raises
        ``PEER_CLOSED``/``PEER_DEAD`` when the peer has gone."""
        if self._auto:
            self._auto_pick()
        return self._wait(args.forever(timeout), 0.0)

    def _wait(self, timeout: Optional[float], spun: float) -> bool:
        """:meth:`wait`, with ``spun`` seconds of the spin already done by the caller
        and ``timeout`` what is left of the caller's."""
        self._require_open()
        view = self._own_view
        assert view is not None
        w = view.value
        if w & _N_ENABLED and w & _N_WORK:
            return True
        spin = self._spin - spun
        if timeout is not None and timeout < spin:
            spin = timeout
        # The deadline counts the spin in: a wait returns within its timeout.
        deadline = None if timeout is None else time.monotonic() + timeout
        if spin > 0:
            # Native slices of at most SPIN_SLICE, with the GIL released.
            clock, look, arg = time.perf_counter, self._h_spin, self._h_arg
            start = clock()
            end = start + spin
            while True:
                r = look(arg)
                if r:
                    if r == SIDE_FAULT:
                        raise self._truncated()
                    if self._auto:
                        self._auto_learn(True, late=spun + clock() - start > AUTO_SPIN_S)
                    return True
                if clock() >= end:
                    break
            if self._auto:
                self._auto_learn(False)
        now = time.monotonic()
        backend, announce, arg, fired = self._backend, self._h_announce, self._h_arg, self._fired
        assert backend is not None
        while True:
            if fired.value:
                raise self._truncated()
            state = self._remote_state()  # a memory read: every time round
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
            if waiting:
                r = announce(arg)
                if r:
                    self._own_waiting_view.value = 0
                    if r == SIDE_FAULT:
                        raise self._truncated()
                    return True
            w = view.value  # the value to park on: any change since wakes us at once
            if w & _N_ENABLED and w & _N_WORK or (deadline is not None and now >= deadline):
                if waiting:
                    self._own_waiting_view.value = 0
                return bool(w & _N_ENABLED and w & _N_WORK)
            slice_ = self._next_liveness_check - now
            if deadline is not None and deadline - now < slice_:
                slice_ = deadline - now
            self._counts[_PARKS] += 1
            backend.wait(self.locality, w, slice_)
            if waiting:
                self._own_waiting_view.value = 0
            w = view.value
            if w & _N_ENABLED and w & _N_WORK:
                return True
            now = time.monotonic()

    def poll(self, timeout: Optional[float] = None) -> int:
        """Wait for work, then run the wakeup; returns the notifier calls (0 on timeout)."""
        timeout = args.forever(timeout)
        if self.more_work:
            return self.wakeup()
        learn = 0  # "auto": 1 learns from a spin that failed, 2 from one that found work too
        if self._auto:
            if self._credit == 0 or self._spin != AUTO_SPIN_S:
                self._auto_pick()
            if self._spin and self._spin <= self._spin_slice:  # (a longer probe: _wait learns)
                learn = 1
                if self._credit < AUTO_CREDIT_MAX:  # (at the most, a success changes nothing)
                    # Only a spin that had to wait is a success: work already there says nothing.
                    view = self._own_view
                    w = view.value if view is not None else 0
                    learn = 1 if w & _N_ENABLED and w & _N_WORK else 2
        if timeout is None or timeout >= self._spin_slice:
            # The hot path: one native call spins (one slice) and takes the first step.
            r = self._h_spin_step(self._h_arg)
            if learn and (r == STEP_IDLE or learn == 2):
                self._auto_learn(r != STEP_IDLE)
            if r != STEP_IDLE:
                return self._run(r, self._budget)
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
        for ws in list(self._waitsets):
            ws._discard(self)  # before its memory goes: a wait may be parked on it
        self._closed = True
        try:
            if os.getpid() == self._pid and not self._fired.value:
                # (A forked child's copy, or a mapping the peer truncated: nothing to tell.)
                self._map.store_le32(self._own + _IRQ["state"], layout.STATE_CLOSED)
                self._ordering.store_fence_load(self._rem_dirty, 1, self._rem_word)
                if self._backend is not None:
                    self._notify(0xFF)  # unconditionally: the channel and the doorbell
        finally:
            self._release()

    def _release(self) -> None:
        """Drop everything this channel holds: raw views, the backend, its lock,
        its share of the mapping and of the file."""
        self._closed = True
        self._own_view = self._rem_view = None
        self._use_side(_ClosedSide())  # its raw addresses die with the mapping
        try:
            if self._backend is not None:
                self._backend.close()
                self._backend = None
        finally:
            if os.getpid() == self._pid:  # a forked child must not unlock the parent's byte
                self._file.unlock(self._lock_byte)
            self._file.unmap(self._map)
            self._file.release()

    def __del__(self) -> None:
        if self._closed:
            return
        try:
            warnings.warn(f"unclosed {self!r}", ResourceWarning, source=self, stacklevel=2)
            self.close()
        except Exception:  # interpreter shutdown: modules may be gone
            pass

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = f"{self._file.path}@{self.offset}" if hasattr(self, "_file") else "?"
        return (f"<Channel {layout.LOCALITY_NAMES[self.locality]} {where} "
                f"features={self._features} backend={self.backend_name}>")
