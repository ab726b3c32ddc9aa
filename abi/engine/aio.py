"""asyncio on channels: :func:`wait_async`, :func:`poll_async`, :func:`wait_any_async`.

    async def serve(ch):
        while True:
            await ch.poll_async()      # parks no thread of the loop; runs the notifier

One helper thread per process parks on every channel an awaiting task is
registered for, in one :class:`~abi.engine.waitset.WaitSet` (on Linux one
``futex_waitv``), and hands readiness to each task's event loop with
``call_soon_threadsafe``: no busy polling, no thread per channel or per task.
The helper only reads wait words; everything else a channel does (its liveness
check, once per ``liveness_interval`` of an await) runs in the awaiting task.

Waiting only looks: the notifier runs in the task, on the loop's thread, in
:meth:`poll_async`.  Cancelling a wait (or its timeout) unregisters it and leaves
the channel as it was; a ready channel whose peer has gone makes the wait raise the
fault (``PeerClosed``, ``PeerDead``, ...), as :meth:`Channel.wait` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
import time
import weakref
from typing import Any, Dict, List, Optional, Sequence, Tuple

from abi.engine import arguments as args
from abi.engine.waitset import WaitSet, ready_now
from abi.faults import ShmSignalFault


class _Hub:
    """The process's helper thread and the set it parks on.

    A channel stays registered between awaits, muted while nobody awaits it (a
    mute is a byte: no change of the set, no restart of helper threads), so a task
    that awaits the same channel round after round costs the set nothing; channels
    nobody awaited for :data:`EVICT_AFTER` seconds leave it (and so can be freed)."""

    def __init__(self) -> None:
        self.ws = WaitSet(check_peers=False)  # the helper touches nothing but the words
        self.lock = threading.Lock()
        self.waiters: Dict[int, List[asyncio.Future]] = {}  # id(channel) -> futures
        self.idle: Dict[int, Tuple[Any, float]] = {}  # id(channel) -> (channel, muted since)
        self.thread = threading.Thread(target=self._run, name="shm-signal-asyncio", daemon=True)
        self.thread.start()

    def register(self, channels: Sequence[Any], fut: asyncio.Future) -> None:
        """Report ``channels`` to ``fut`` when one is ready.  Again with the same
        future: makes sure each is still in the set (an eviction may have raced)."""
        for ch in channels:
            with self.lock:
                futs = self.waiters.setdefault(id(ch), [])
                if fut not in futs:
                    futs.append(fut)
                self.idle.pop(id(ch), None)
                if ch in self.ws:
                    self.ws.mute(ch, False)  # under the lock: never after the helper's mute
            # Adds it, or (added before its peer attached) reads its wake-ups again;
            # else nothing.  Here, in the channel's thread, not in the helper's.
            self.ws.add(ch)

    def unregister(self, channels: Sequence[Any], fut: asyncio.Future) -> None:
        for ch in channels:
            with self.lock:
                futs = self.waiters.get(id(ch), [])
                if fut in futs:
                    futs.remove(fut)
                if futs:
                    continue
                self.waiters.pop(id(ch), None)
                self.idle[id(ch)] = (ch, time.monotonic())
            self.ws.mute(ch, True)

    def _run(self) -> None:
        while True:
            ready = self.ws.wait(EVICT_AFTER)
            found: Dict[int, tuple] = {}  # id(future) -> (future, [ready channels])
            with self.lock:
                for ch in ready:
                    futs = self.waiters.pop(id(ch), [])
                    for fut in futs:
                        found.setdefault(id(fut), (fut, []))[1].append(ch)
                    self.idle[id(ch)] = (ch, time.monotonic())
                    self.ws.mute(ch, True)  # reported: quiet until awaited again
                now = time.monotonic()
                old = [ch for ch, since in self.idle.values() if now - since >= EVICT_AFTER]
                for ch in old:
                    del self.idle[id(ch)]
            if old:
                self.ws.remove_many(old)
            for fut, chans in found.values():
                fut.get_loop().call_soon_threadsafe(_resolve, fut, chans)


def _resolve(fut: asyncio.Future, chans: List[Any]) -> None:
    if not fut.done():
        fut.set_result(chans)


_hub: Optional[_Hub] = None
EVICT_AFTER = 2.0  # seconds a channel nobody awaits stays registered
_hub_lock = threading.Lock()


def _the_hub() -> _Hub:
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = _Hub()
        return _hub


def _forget_after_fork() -> None:
    global _hub, _hub_lock
    _hub, _hub_lock = None, threading.Lock()  # the thread did not survive the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


async def wait_any_async(channels: Sequence[Any], timeout: Optional[float] = None) -> List[Any]:
    """The channels of ``channels`` that are ready (enabled with work, or whose peer
    has gone), awaiting up to ``timeout`` seconds (None: no limit) for one to be;
    ``[]`` at the timeout.  Cancellation leaves every channel as it was."""
    chans = list(channels)
    t = args.forever(timeout)
    deadline = math.inf if t is None else time.monotonic() + t
    slice_ = min(ch.liveness_interval for ch in chans) if chans else math.inf
    hub = _the_hub()
    fut: Optional[asyncio.Future] = None
    try:
        while True:
            gone = _gone_peers(chans)
            ready = gone + [ch for ch in ready_now(chans) if ch not in gone]
            if ready:
                return ready
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            if fut is None or fut.done():
                _drop(hub, chans, fut)
                fut = asyncio.get_running_loop().create_future()
            hub.register(chans, fut)  # (again after a slice: cheap, and undoes a racing eviction)
            with contextlib.suppress(asyncio.TimeoutError):
                # The peers are checked again after the shortest liveness interval.
                await asyncio.wait_for(asyncio.shield(fut), min(left, slice_))
    finally:
        _drop(hub, chans, fut)


_next_check: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def _gone_peers(chans: List[Any]) -> List[Any]:
    """The channels whose peer has gone, checked (in the owner's thread, as every
    call on a channel is) once per each channel's liveness interval, not per await."""
    now, gone = time.monotonic(), []
    for ch in chans:
        if now < _next_check.get(ch, 0.0):
            continue
        _next_check[ch] = now + ch.liveness_interval
        try:
            ch.check_peer()
        except ShmSignalFault:
            ch._recheck_peer()
            _next_check[ch] = 0.0  # and again next time: it stays gone
            gone.append(ch)
    return gone


def _drop(hub: _Hub, chans: List[Any], fut: Optional[asyncio.Future]) -> None:
    if fut is not None:
        hub.unregister(chans, fut)
        fut.cancel()


async def wait_async(channel: Any, timeout: Optional[float] = None) -> bool:
    """:meth:`Channel.wait` for asyncio: True when the channel has work, False at the
    timeout; raises ``PeerClosed``/``PeerDead`` when its peer has gone."""
    if not await wait_any_async([channel], timeout):
        return False
    # Ready: work (True), or a gone peer, which the channel's own look raises.
    return bool(channel.wait(0))


async def poll_async(channel: Any, timeout: Optional[float] = None) -> int:
    """:meth:`Channel.poll` for asyncio: await work, then run the wakeup (the
    notifier runs here, on the loop's thread); the notifier calls made (0 at the
    timeout)."""
    if channel.more_work:
        return int(channel.wakeup())
    if not await wait_async(channel, timeout):
        return 0
    return int(channel.wakeup())
