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
from typing import Any, Dict, List, Optional, Sequence

from abi.engine import arguments as args
from abi.engine.waitset import WaitSet, ready_now
from abi.faults import ShmSignalFault


class _Hub:
    """The process's helper thread and the set it parks on."""

    def __init__(self) -> None:
        self.ws = WaitSet(check_peers=False)  # the helper touches nothing but the words
        self.lock = threading.Lock()
        self.waiters: Dict[int, List[asyncio.Future]] = {}  # id(channel) -> futures
        self.thread = threading.Thread(target=self._run, name="shm-signal-asyncio", daemon=True)
        self.thread.start()

    def register(self, channels: Sequence[Any], fut: asyncio.Future) -> None:
        for ch in channels:
            with self.lock:
                self.waiters.setdefault(id(ch), []).append(fut)
            self.ws.add(ch)

    def unregister(self, channels: Sequence[Any], fut: asyncio.Future) -> None:
        for ch in channels:
            with self.lock:
                futs = self.waiters.get(id(ch), [])
                if fut in futs:
                    futs.remove(fut)
                idle = not futs
                if idle:
                    self.waiters.pop(id(ch), None)
            if idle:
                self.ws.remove(ch)

    def _run(self) -> None:
        while True:
            ready = self.ws.wait(None)
            found: Dict[int, tuple] = {}  # id(future) -> (future, [ready channels])
            with self.lock:
                for ch in ready:
                    for fut in self.waiters.pop(id(ch), []):
                        found.setdefault(id(fut), (fut, []))[1].append(ch)
            for ch in ready:
                with self.lock:
                    idle = id(ch) not in self.waiters
                if idle:
                    self.ws.remove(ch)
            for fut, chans in found.values():
                fut.get_loop().call_soon_threadsafe(_resolve, fut, chans)


def _resolve(fut: asyncio.Future, chans: List[Any]) -> None:
    if not fut.done():
        fut.set_result(chans)


_hub: Optional[_Hub] = None
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
    unnegotiated = False
    try:
        while True:
            gone = []
            for ch in chans:  # in the owner's thread, as every call on a channel is
                try:
                    ch.check_peer()
                except ShmSignalFault:
                    ch._recheck_peer()
                    gone.append(ch)
            ready = gone + [ch for ch in ready_now(chans) if ch not in gone]
            if ready:
                return ready
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            if unnegotiated and all(ch.features is not None for ch in chans):
                _drop(hub, chans, fut)  # registered before the attach: how wake-ups come changed
                fut = None
            if fut is None or fut.done():
                _drop(hub, chans, fut)
                fut = asyncio.get_running_loop().create_future()
                unnegotiated = any(ch.features is None for ch in chans)
                hub.register(chans, fut)
            with contextlib.suppress(asyncio.TimeoutError):
                # The peers are checked again after the shortest liveness interval.
                await asyncio.wait_for(asyncio.shield(fut), min(left, slice_))
    finally:
        _drop(hub, chans, fut)


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
