"""Waiting on many channels at once: :class:`WaitSet` and :func:`wait_any`.

Over 400 lines: one class and the helper threads it alone starts and stops; their
locking (who may touch a channel's memory when) only reads right in one place.

    with WaitSet(channels) as ws:
        while True:
            for ch in ws.wait():        # the channels with work, or whose peer went
                try:
                    ch.poll(0)          # runs its notifier (budgeted), or raises PeerGone
                except PeerGone:
                    ws.remove(ch)
                    ch.close()

A channel is *ready* when its own record is enabled and has dirty or pending set
(what :meth:`Channel.wait` waits for, decided from one load of its wait word), or
when its peer has gone (closed, dead, or broke the protocol: found by the liveness
check every channel's ``liveness_interval``; the channel's next ``poll``/``wait``
raises the fault).  Channels of either engine may be mixed.

How it parks (``WaitSet.mechanism``):

* ``doorbell`` (Linux and macOS, with ``libshm_signal``): when every channel of the
  set negotiated GROUP_DOORBELL and they share one doorbell (channels of one file,
  this side the same locality in each), the wait is spec 7.8's: announce a park on
  the doorbell in every channel's waiting byte, look at every word, park on the one
  doorbell word.  Any number of channels, no helper thread, one system call.
* ``futex_waitv`` (Linux 5.16+, with ``libshm_signal``): one ``futex_waitv`` call
  parks on every channel's wait word, each compared against the value its readiness
  was decided from, plus a process-local doorbell word that :meth:`WaitSet.interrupt`
  rings.  The kernel takes 128 words per call: beyond 127 channels each group of
  127 is watched by a helper thread (parked the same way, inside the library, so it
  runs no Python while it waits), which rings the doorbell the waiter parks on.
* ``threads``: the fallback (another OS, no ``futex_waitv``, no library, or a
  channel whose wake-up is not an address wait): one helper thread per channel
  parks on that channel's own wake-up channel (spec 8) and rings the doorbell.
  ``SHM_SIGNAL_WAITSET=threads`` forces it, so that it is tested on Linux.

Either way nothing runs while no channel has work, except the liveness checks.

"""

from __future__ import annotations

import ctypes
import functools
import math
import os
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from abi import layout
from abi.engine import arguments as args
from abi.engine.ordering import get_ordering

MECHANISM_ENV = "SHM_SIGNAL_WAITSET"  # "threads" forces the fallback
GROUP = 127  # futex_waitv's 128 words, less the doorbell

ENOSYS = 38

# The wait word read natively: enabled is byte 0, pending 1, dirty 2 (spec 4.2).
if sys.byteorder == "little":
    _ENABLED, _WORK, WAITING_MASK = 0xFF, 0xFFFF00, 0xFF000000
else:
    _ENABLED, _WORK, WAITING_MASK = 0xFF000000, 0x00FFFF00, 0xFF
WAITING_BYTE = 3  # pad0: the owner's waiting flag under WAITER_FLAG


def has_work(raw: int) -> bool:
    """A native wait word's verdict (spec 7.5): enabled, and dirty or pending."""
    return bool(raw & _ENABLED and raw & _WORK)


class _Doorbell:
    """A process-local word other threads ring to end a park: a futex word when the
    library can park on it, else a condition variable."""

    def __init__(self, lib: Optional[ctypes.CDLL]) -> None:
        self.word = ctypes.c_uint32(0)
        self._lib = lib
        self._cond = threading.Condition()

    def ring(self) -> None:
        if self._lib is not None:
            self._lib.shm_signal_ring_word(ctypes.byref(self.word))  # atomic: watchers ring in C too
            return
        with self._cond:
            self.word.value = (self.word.value + 1) & 0xFFFFFFFF
            self._cond.notify_all()

    def wait(self, seen: int, timeout: Optional[float]) -> None:
        """Park until the word no longer holds ``seen`` (or ``timeout`` seconds)."""
        if self._lib is not None:
            n = ctypes.c_uint32(0)
            if self._lib.shm_signal_wait_words(None, None, None, 0, ctypes.byref(self.word), seen,
                                               -1.0 if timeout is None else timeout, None,
                                               ctypes.byref(n)) == 0:
                return
            self._lib = None  # the kernel refused: the condition variable from now on
        with self._cond:
            self._cond.wait_for(lambda: self.word.value != seen, timeout)


def _library() -> Optional[ctypes.CDLL]:
    """``libshm_signal`` with the many-word wait declared, or None."""
    from abi.engine import native

    lib = native.try_load()
    if lib is None or not hasattr(lib, "shm_signal_watch_words"):
        return None
    p, u32 = ctypes.c_void_p, ctypes.c_uint32
    for name, argtypes in (("shm_signal_wait_words", [p, p, p, u32, p, u32, ctypes.c_double, p, p]),
                           ("shm_signal_wait_doorbell", [p, p, u32, p, u32, ctypes.c_double, p, p]),
                           ("shm_signal_watch_words", [p, p, p, u32, p, p]),
                           ("shm_signal_wake_word", [p]), ("shm_signal_ring_word", [p])):
        f = getattr(lib, name)
        f.argtypes, f.restype = argtypes, ctypes.c_int
    return lib


_waitv: Optional[bool] = None


def waitv_available(lib: Optional[ctypes.CDLL]) -> bool:
    """Can this process park on many words (Linux futex_waitv)?  Probed once."""
    global _waitv
    if lib is None or not sys.platform.startswith("linux"):
        return False
    if _waitv is None:
        # A park on a word holding 1, compared with 0: EAGAIN at once where futex_waitv
        # exists (then 0 here), -ENOSYS where it does not.
        word, n = ctypes.c_uint32(1), ctypes.c_uint32(0)
        words = (ctypes.c_void_p * 1)(ctypes.addressof(word))
        vals, ready = (ctypes.c_uint32 * 1)(0), (ctypes.c_uint32 * 1)()
        _waitv = lib.shm_signal_wait_words(words, vals, None, 1, None, 0, 0.001, ready, ctypes.byref(n)) == 0
    return _waitv


ANNOUNCE, MUTED = 0x1, 0x2  # SHM_SIGNAL_WORD_ANNOUNCE, SHM_SIGNAL_WORD_MUTED


class _Member:
    """What the set needs of one channel: where its wait word is, how its wake-ups
    come, and how to check its peer."""

    def __init__(self, ch: Any) -> None:
        self.ch = ch
        self.learn()
        self.view = ctypes.c_uint32.from_address(self.word)
        self.next_check = 0.0  # time.monotonic() of the next liveness check
        self.gone = False  # its peer check raised: ready until polled or removed
        self.muted = False  # parked on, never reported (WaitSet.mute)
        self.slots: List[Tuple[Any, int]] = []  # the flag arrays it has an entry in

    def learn(self) -> None:
        """Read (again) where the channel's word is and how its wake-ups come: the
        offered features until the peer attached, the negotiated ones after."""
        self.word, self.locality, self.negotiated, offered, self.instance_id = self.ch._wait_target()
        self.wake_features = offered if self.negotiated is None else self.negotiated
        # WAITER_FLAG negotiated: a park announces itself in the waiting byte (spec 7.5),
        # or the remote's inject sends no wake-up.
        self.announce = bool(self.negotiated is not None and self.negotiated & layout.FEATURE_WAITER_FLAG)
        linux = sys.platform.startswith("linux")
        self.futex = bool(self.wake_features & layout.FEATURE_WAKE_ADDRESS) and linux
        # GROUP_DOORBELL negotiated: the head's doorbell this side may park on (7.8).
        self.doorbell: Optional[int] = self.ch._doorbell_word() if self.negotiated is not None else None

    def negotiated_since(self) -> bool:
        """Added before its peer attached, and attached now?"""
        from abi.faults import ShmSignalFault

        if self.negotiated is not None:
            return False
        try:
            return self.ch.features is not None
        except ShmSignalFault:
            return False  # BAD_FEATURES: its liveness check reports the channel

    def flags(self) -> int:
        return (ANNOUNCE if self.announce else 0) | (MUTED if self.muted else 0)

    def ready(self) -> bool:
        return self.gone or (not self.muted and has_work(self.view.value))


class _DoorCall(ctypes.Structure):
    """``struct shm_signal_doorbell_wait``: shm_signal_wait_doorbell's arguments and
    results, filled in once per set and passed as one pointer per wait."""

    _c_name_ = "shm_signal_doorbell_wait"
    _fields_ = [("words", ctypes.c_void_p), ("flags", ctypes.c_void_p), ("doorbell", ctypes.c_void_p),
                ("ready", ctypes.c_void_p), ("timeout_s", ctypes.c_double), ("n", ctypes.c_uint32),
                ("seen", ctypes.c_uint32), ("n_ready", ctypes.c_uint32), ("rc", ctypes.c_int32)]


class _DoorPark:
    """Spec 7.8's wait on one doorbell (the head's word of this side's locality),
    for a set whose channels all negotiated GROUP_DOORBELL on it."""

    def __init__(self, address: int, lib: ctypes.CDLL, arrays: Any, n: int) -> None:
        from abi.engine.wake import make_backend

        self.address, self._lib = address, lib
        self._view = ctypes.c_uint32.from_address(address)
        words, flags, ready, _ = self._arrays = arrays  # kept alive: the call points into them
        self._call = _DoorCall(ctypes.addressof(words), ctypes.addressof(flags), address,
                               ctypes.addressof(ready), 0.0, n, 0, 0, 0)
        # No argtypes and a prebuilt byref: one pointer, nothing to convert per wait.
        self._wait = functools.partial(lib.shm_signal_wait_doorbell_call, ctypes.byref(self._call))
        self._ready = ready
        # An address wait on the doorbell: key 0 of a backend whose word is it.
        self._backend = make_backend(layout.FEATURE_WAKE_ADDRESS, (address, address), b"")

    def load(self) -> None:
        """Step 1: the doorbell's value, raw, as the kernel compares it (no F8: the
        F5 of the park's look orders it before the look, which is all it needs)."""
        self._call.seen = self._view.value

    def ring(self) -> None:
        """F7 and a wake: any park on the doorbell returns (other owners sharing
        it look at their channels once, find nothing and park again)."""
        self._lib.shm_signal_ring_le32(self.address)
        self._backend.wake(0)

    def park(self, timeout: Optional[float]) -> List[int]:
        """Steps 2-6 after :meth:`load`: announce (waiting = 2), F5, look; park on
        the doorbell unless a word has work; clear, look again.  The indexes of the
        ready words."""
        call = self._call
        call.timeout_s = -1.0 if timeout is None else timeout
        # One call, which releases the GIL while it parks.  (No address wait in the
        # library is impossible here: GROUP_DOORBELL is negotiated only with
        # WAKE_ADDRESS, where the library has one.)
        rc = self._wait()
        if rc != 0:
            raise OSError(-rc, f"shm_signal_wait_doorbell: {os.strerror(-rc)}")
        return self._ready[:call.n_ready]

    def close(self) -> None:
        self._backend.close()


class _Watcher(threading.Thread):
    """A helper thread that rings the doorbell when a word it watches gets work."""

    def __init__(self, ws: WaitSet, members: Sequence[_Member]) -> None:
        super().__init__(name="shm-signal-waitset", daemon=True)
        self.ws, self.members = ws, list(members)
        self.stop_flag = False

    def stop(self) -> None:
        raise NotImplementedError


class _GroupWatcher(_Watcher):
    """Up to 127 words in one futex_waitv; the thread's whole loop runs in the
    library (shm_signal_watch_words), so no Python runs between a wake-up and the
    ring of the doorbell."""

    def __init__(self, ws: WaitSet, members: Sequence[_Member], lib: ctypes.CDLL) -> None:
        super().__init__(ws, members)
        self.lib = lib
        n = len(self.members)
        self.words = (ctypes.c_void_p * n)(*(m.word for m in self.members))
        self.flags = (ctypes.c_uint8 * n)(*(m.flags() for m in self.members))
        # Every word's complement: unlike anything the word holds, so the first call
        # looks at every word before it parks (work that came between the waiter's
        # look and this thread's start is rung for, not parked on).
        self.vals = (ctypes.c_uint32 * n)(*(~m.view.value & 0xFFFFFFFF for m in self.members))
        self.stop_word = ctypes.c_uint32(0)
        for i, m in enumerate(self.members):
            m.slots.append((self.flags, i))

    def run(self) -> None:
        rc = self.lib.shm_signal_watch_words(self.words, self.vals, self.flags, len(self.members),
                                             ctypes.byref(self.stop_word), ctypes.byref(self.ws._bell.word))
        if rc != 0:
            self.ws._watcher_failed(rc)

    def stop(self) -> None:
        self.stop_flag = True
        self.stop_word.value = 1
        self.lib.shm_signal_wake_word(ctypes.byref(self.stop_word))


class _ChannelWatcher(_Watcher):
    """One channel, parked on its own wake-up channel (any OS, any backend)."""

    def __init__(self, ws: WaitSet, member: _Member) -> None:
        super().__init__(ws, [member])
        from abi.engine.wake import make_backend

        m = member
        words = [0, 0]
        words[m.locality] = m.word
        words[1 - m.locality] = m.word + (layout.IRQ_SIZE if m.locality == 0 else -layout.IRQ_SIZE)
        self.backend = make_backend(m.wake_features, tuple(words), m.instance_id)
        self.waiting = ctypes.c_uint8.from_address(m.word + WAITING_BYTE)

    def run(self) -> None:
        m, bell = self.members[0], self.ws._bell
        # A polling backend never wakes: it parks in slices, so that stop() is seen.
        park = 0.05 if self.backend.name == "poll" else 3600.0
        fence = get_ordering().fence
        try:
            seen = -1  # nothing yet: the first turn looks before it parks (see _GroupWatcher)
            while not self.stop_flag:
                # Park while the word holds what we last saw (announced, spec 7.5).
                if m.announce:
                    self.waiting.value = 1
                    fence()
                now = m.view.value
                if now & ~WAITING_MASK == seen:
                    self.backend.wait(m.locality, now, park)
                if m.announce:
                    self.waiting.value = 0
                seen = m.view.value & ~WAITING_MASK
                # Ring for work after every park, changed or not: consumed and signalled
                # again between two looks, the word reads as it did (ABA).
                if has_work(seen) and not m.muted:
                    bell.ring()
        finally:
            self.backend.close()

    def stop(self) -> None:
        # The shared word cannot be changed to end the park, and a wake sent before
        # the thread parks is lost: wake until it has gone.
        self.stop_flag = True
        while self.is_alive():
            self.backend.wake(self.members[0].locality)
            self.join(0.01)


class WaitSet:
    """A set of channels one thread waits on together (see the module's text).

    ``check_peers=False``: :meth:`wait` reads the channels' wait words and nothing
    else (no liveness check, no look at a negotiation that happened since the
    channel was added), so that it may run in a thread other than the channels'
    owner; the owner checks its peers itself (the asyncio hub does).

    One thread calls :meth:`wait` at a time; :meth:`add`, :meth:`remove`,
    :meth:`mute`, :meth:`interrupt` and :meth:`close` may be called from any
    thread, also while a wait is in progress (they end its park; the wait goes on
    with the new set).  A channel closed while it is registered leaves the set first.
    """

    def __init__(self, channels: Iterable[Any] = (), *, mechanism: Optional[str] = None,
                 check_peers: bool = True) -> None:
        wanted = mechanism or os.environ.get(MECHANISM_ENV, "")
        if wanted not in ("", "doorbell", "futex_waitv", "threads"):
            raise ValueError(f"mechanism={wanted!r}: expected 'doorbell', 'futex_waitv' or 'threads'")
        self._lib = _library()
        # The doorbell where the set allows it (the default, or asked for); else the rest.
        self._may_door = wanted in ("", "doorbell") and self._lib is not None
        self._door: Optional[_DoorPark] = None
        self._use_waitv = wanted != "threads" and waitv_available(self._lib)
        if wanted == "futex_waitv" and not self._use_waitv:
            raise OSError(ENOSYS, "futex_waitv is not available here (Linux 5.16+ and libshm_signal needed)")
        self._bell = _Doorbell(self._lib if self._use_waitv else None)
        self._bell_ref = ctypes.byref(self._bell.word)
        self._nready_ref: Any = None
        self._members: Dict[int, _Member] = {}  # id(channel) -> member, in registration order
        self._lock = threading.RLock()  # `with self._lock` on the wait's path: no Python frame
        self._cond = threading.Condition(self._lock)
        self._mutators = 0  # threads waiting to change the set
        self._waiting = False  # a wait is parked (outside the lock)
        self._interrupted = False
        self._watchers: List[_Watcher] = []
        self._failure = 0
        self._closed = False
        self._check_peers = check_peers
        # Made once per change of the set (_rebuild), so that a wait costs no Python
        # per channel: the members in order, the library's arguments, the members not
        # negotiated yet, the earliest liveness check, how many peers have gone.
        self._list: List[_Member] = []
        self._chans: List[Any] = []  # the members' channels, in the same order
        self._arrays: Optional[tuple] = None
        self._unnegotiated: List[_Member] = []
        self._next_check = math.inf
        self._gone = 0
        self._stale = True
        for ch in channels:
            self.add(ch)

    # ------------------------------------------------------------------ the set

    @property
    def mechanism(self) -> str:
        """``doorbell``, ``futex_waitv`` or ``threads``: how the set parks now (a
        set whose channels share no doorbell, or not yet, parks another way)."""
        with self._cond:
            if self._stale and not self._waiting and not self._closed:
                self._rebuild()  # as the next wait will
        if self._door is not None:
            return "doorbell"
        return "futex_waitv" if self._use_waitv and self._failure == 0 else "threads"

    def add(self, channel: Any) -> None:
        """Register an open channel (of either engine).  Again: a no-op, unless it
        was added before its peer attached and the peer has attached since: then
        how its wake-ups come is read again (call it from the channel's thread)."""
        known = self._members.get(id(channel))
        if known is not None and not known.negotiated_since():
            return

        def change() -> None:
            m = self._members.get(id(channel))
            if m is None:
                self._members[id(channel)] = _Member(channel)
                channel._waitsets.add(self)
            else:
                m.learn()
        self._change(change)

    def remove(self, channel: Any) -> None:
        """Unregister a channel; one not in the set is ignored."""
        self.remove_many([channel])

    def remove_many(self, channels: Iterable[Any]) -> None:
        """Unregister several channels with one change of the set."""
        chans = list(channels)

        def change() -> None:
            for ch in chans:
                if self._members.pop(id(ch), None) is not None:
                    ch._waitsets.discard(self)
        self._change(change)

    def mute(self, channel: Any, muted: bool = True) -> None:
        """Stop (or, ``muted=False``, go back to) reporting a registered channel,
        without changing the set: its word stays in the park, so this costs nothing
        but a byte.  A muted channel's work does not end a wait."""
        with self._cond:
            m = self._members.get(id(channel))
            if m is None or m.muted == muted:
                return
            m.muted = muted
            for arr, i in m.slots:
                arr[i] = m.flags()
        if not muted:
            self._ring()  # its work may be there already

    def _discard(self, channel: Any) -> None:
        """A registered channel is closing: stop using its memory before it goes."""
        self.remove(channel)

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, channel: object) -> bool:
        return id(channel) in self._members

    def __iter__(self) -> Iterator[Any]:
        return iter([m.ch for m in self._members.values()])

    def _change(self, change: Callable[[], None]) -> None:
        """Change the set while no wait is parked on it and no helper runs: ring the
        doorbell (the park ends), wait for the waiter to leave it, change, go on."""
        with self._cond:
            if self._closed:
                raise ValueError("the wait set is closed")
            self._mutators += 1
            try:
                self._ring()
                while self._waiting:
                    self._cond.wait()
                self._stop_watchers()
                change()
                self._stale = True
                if self._door is not None:
                    # The doorbell lives in a channel's mapping, which may go once the
                    # channel has left: the next rebuild finds it again if it stays.
                    self._door.close()
                    self._door = None
            finally:
                self._mutators -= 1
                self._cond.notify_all()

    def _rebuild(self) -> None:
        """The per-set state for the current members (called with the lock held)."""
        self._stop_watchers()
        self._list = members = list(self._members.values())
        self._chans = [m.ch for m in members]
        n = len(members)
        flags = (ctypes.c_uint8 * max(n, 1))(*(m.flags() for m in members))
        for i, m in enumerate(members):
            m.slots = [(flags, i)]
        self._arrays = ((ctypes.c_void_p * max(n, 1))(*(m.word for m in members)), flags,
                        (ctypes.c_uint32 * max(n, 1))(), ctypes.c_uint32(0))
        self._nready_ref = ctypes.byref(self._arrays[3])  # built once: a wait is on the hot path
        self._unnegotiated = [m for m in members if m.negotiated is None]
        door = members[0].doorbell if members and self._may_door else None
        if door is None or any(m.doorbell != door for m in members):
            door = None
        if self._door is not None:
            self._door.close()  # its call points into the arrays of the old set
            self._door = None
        if door is not None:
            assert self._lib is not None
            self._door = _DoorPark(door, self._lib, self._arrays, n)
        self._next_check = min((m.next_check for m in members), default=math.inf)
        self._gone = sum(m.gone for m in members)
        self._stale = False

    def _stop_watchers(self) -> None:
        for w in self._watchers:
            w.stop()
        for w in self._watchers:
            w.join()
        for m in self._list:
            m.slots = m.slots[:1]  # the watchers' flag arrays go with them
        self._watchers = []

    def _watcher_failed(self, rc: int) -> None:
        self._failure = rc  # the next wait uses the fallback
        self._bell.ring()  # (no lock: _stop_watchers joins this thread holding it)

    def _ring(self) -> None:
        """End a park of this set's waiter: the process-local bell, and the shared
        doorbell when the set parks on one (a ring is only a hint to look, 7.8).
        Under the lock: a change of the set drops the doorbell (under the lock)
        before a channel it lives in may close and unmap it."""
        with self._cond:
            self._bell.ring()
            if self._door is not None:
                self._door.ring()

    def interrupt(self) -> None:
        """Make a wait in progress (in another thread) return ``[]`` now."""
        with self._cond:
            self._interrupted = True
            self._ring()

    def close(self) -> None:
        """Unregister everything and stop the helpers (the channels stay open)."""
        if self._closed:
            return
        self.remove_many(list(self))
        with self._cond:
            self._stop_watchers()
            self._closed = True
            if self._door is not None:
                self._door.close()
                self._door = None

    def __enter__(self) -> WaitSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ waiting

    def wait(self, timeout: Optional[float] = None) -> List[Any]:
        """The registered channels that are ready, in registration order; waits up to
        ``timeout`` seconds (None: no limit; 0: a look) for one to be.  ``[]`` on a
        timeout or an :meth:`interrupt`.  Costs no CPU while nothing happens except
        each channel's liveness check every ``liveness_interval``."""
        t = args.forever(timeout)
        deadline = math.inf if t is None else time.monotonic() + t
        while True:
            with self._lock:
                while self._mutators:
                    self._cond.wait()
                if self._closed:
                    raise ValueError("the wait set is closed")
                if self._waiting:
                    raise RuntimeError("another thread is waiting on this WaitSet")
                if self._interrupted:
                    self._interrupted = False
                    return []
                if self._unnegotiated and self._check_peers:
                    self._renew()
                if self._stale:
                    self._rebuild()
                seen = self._bell.word.value
                door = self._door
                if door is not None:
                    door.load()  # 7.8 step 1: before any look, under the lock
                # A doorbell park looks at every word itself (step 4) and reports what it
                # finds: a scan first only for a look that cannot park, or to report
                # channels whose peer has gone (the park's look sees words only).
                now = time.monotonic()
                ready = self._scan() if door is None or self._gone or now >= deadline else []
                if not ready and self._check_peers and now >= self._next_check:
                    ready = self._check_liveness(now)
                if ready or now >= deadline:
                    return ready
                park_until = min(deadline, self._next_check if self._check_peers else math.inf)
                if door is None:
                    self._start_watchers()
                self._waiting = True
            try:
                woke = self._park(seen, None if park_until == math.inf else max(0.0, park_until - now))
            finally:
                with self._lock:
                    self._waiting = False
                    if self._mutators:
                        self._cond.notify_all()
            if woke and not self._gone:
                return woke  # what the park's own look after waking found: no second look

    def _scan(self) -> List[Any]:
        """The ready channels, in registration order: one load of each word (in the
        library, when there is one: a thousand words in microseconds)."""
        members = self._list
        if self._lib is None or not members:
            return [m.ch for m in members if m.ready()]
        words, flags, ready, nready = self._arrays  # type: ignore[misc]
        self._lib.shm_signal_wait_words(words, None, flags, len(members), None, 0, 0.0, ready,
                                        self._nready_ref)
        found = [members[ready[i]] for i in range(nready.value)]
        if self._gone:
            found = sorted(set(found) | {m for m in members if m.gone}, key=members.index)
        return [m.ch for m in found]

    def _check_liveness(self, now: float) -> List[Any]:
        """Check the peers whose interval is up; the channels whose check raised."""
        from abi.faults import ShmSignalFault

        gone = []
        for m in self._list:
            if now < m.next_check:
                continue
            m.next_check = now + m.ch.liveness_interval
            try:
                m.ch.check_peer()
            except ShmSignalFault:
                if not m.gone:
                    m.gone = True
                    self._gone += 1
                m.ch._recheck_peer()  # its next wait or poll raises the fault itself
                gone.append(m.ch)
        self._next_check = min((m.next_check for m in self._list), default=math.inf)
        return gone

    def _renew(self) -> None:
        """Members whose channel negotiated since they were added: read again how
        their wake-ups come (called with the lock held, no park)."""
        renewed = [m for m in self._unnegotiated if m.negotiated_since()]
        for m in renewed:
            m.learn()
        if renewed:
            self._stale = True

    def _start_watchers(self) -> None:
        members = self._list
        if self._watchers or not members:
            return
        if self.mechanism == "futex_waitv" and all(m.futex for m in members):
            if len(members) <= GROUP:
                return  # the waiter parks on every word itself
            assert self._lib is not None
            self._watchers = [_GroupWatcher(self, members[i:i + GROUP], self._lib)
                              for i in range(0, len(members), GROUP)]
        else:
            self._watchers = [_ChannelWatcher(self, m) for m in members]
        for w in self._watchers:
            w.start()

    def _park(self, seen: int, timeout: Optional[float]) -> List[Any]:
        """Park until something happens; the channels the park's last look found
        ready (when it parked on the words itself), else []."""
        members = self._list
        if self._door is not None and members:
            chans = self._chans
            return [chans[i] for i in self._door.park(timeout)]
        if self._watchers or not members:
            self._bell.wait(seen, timeout)
            return []
        words, flags, ready, nready = self._arrays  # type: ignore[misc]
        assert self._lib is not None
        limit = -1.0 if timeout is None else timeout
        rc = self._lib.shm_signal_wait_words(words, None, flags, len(members), self._bell_ref, seen, limit,
                                             ready, self._nready_ref)
        if rc != 0:
            self._failure = rc
            return []
        return [members[ready[i]].ch for i in range(nready.value)]


def ready_now(channels: Iterable[Any]) -> List[Any]:
    """The channels whose own record is enabled with work now: one plain load of
    each wait word, no system call, nothing else read."""
    return [ch for ch in channels if has_work(ctypes.c_uint32.from_address(ch._wait_word()).value)]


def wait_any(channels: Iterable[Any], timeout: Optional[float] = None) -> List[Any]:
    """The channels of ``channels`` that are ready (see :class:`WaitSet`), waiting up
    to ``timeout`` seconds (None: no limit) for one to be.  For repeated waits on the
    same channels, keep a :class:`WaitSet`: this builds one each call."""
    with WaitSet(channels) as ws:
        return ws.wait(timeout)
