"""Many channels in one file, made and found in one call: :class:`ChannelGroup`.

    with ChannelGroup.create("/dev/shm/svc", 64, notifier=on_signal) as group:   # the server
        for ch in group.wait():
            ch.poll(0)

    with ChannelGroup.attach("/dev/shm/svc", timeout=10) as group:                # a client
        group[7].inject()

The layout is spec section 5's group convention: descriptor *i* at offset
``i * 192``, contiguous from offset 0, published from the last to the first, so that
whoever finds descriptor 0 published finds the whole group; an attacher that is not
told the count takes descriptors while the next offset holds the ABI's magic.
Either engine: ``engine=abi.CChannel`` for the C engine.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, List, Optional, Sequence

from abi import layout
from abi.engine import arguments as args
from abi.engine.waitset import WaitSet

STRIDE = layout.DESC_SIZE  # 192: a multiple of 64, so every descriptor is aligned


def group_offset(index: int) -> int:
    """Where descriptor ``index`` of a group is (spec 5)."""
    return index * STRIDE


class ChannelGroup:
    """``count`` channels of one file, in order; a :class:`WaitSet` over them on demand."""

    def __init__(self, channels: Sequence[Any]) -> None:
        self.channels: List[Any] = list(channels)
        self._ws: Optional[WaitSet] = None

    @classmethod
    def create(cls, path: Any, count: int, locality: args.Locality = layout.LOCALITY_NORTH, *,
               size: Optional[int] = None, engine: Any = None,
               notifier: Optional[Callable[[int], Any]] = None, **kwargs: Any) -> ChannelGroup:
        """Create the file (room for ``count`` descriptors, or ``size`` bytes if more:
        application data goes after ``count * 192``) and its ``count`` descriptors, as
        ``locality``.  ``notifier(i)`` is called for channel *i*.  Other arguments go
        to each channel's ``create`` (``exist_ok`` adds the group to an existing file).
        On a failure every channel made so far is closed again."""
        count = _check_count(count)
        cls_ = _engine(engine)
        total = max(count * STRIDE, args.check_size(size) or 0)
        exist_ok = kwargs.pop("exist_ok", False)
        with _all_or_none() as made:
            # The last first: descriptor 0 published means the group is complete.
            for i in reversed(range(count)):
                made.append(cls_.create(path, locality, offset=group_offset(i), size=total,
                                        exist_ok=exist_ok or bool(made), notifier=_bind(notifier, i),
                                        **kwargs))
        return cls(list(reversed(made)))

    @classmethod
    def attach(cls, path: Any, count: Optional[int] = None, *, timeout: Optional[float] = 0.0,
               engine: Any = None, notifier: Optional[Callable[[int], Any]] = None,
               **kwargs: Any) -> ChannelGroup:
        """Attach to a group: to ``count`` descriptors, or (None) to as many as the
        file holds, found as spec 5 says.  ``timeout`` is how long to wait for each
        descriptor (a group's creator publishes descriptor 0 last, so the others are
        there once it is).  A descriptor that is refused raises its fault, and
        nothing is kept."""
        cls_ = _engine(engine)
        known = None if count is None else _check_count(count)
        with _all_or_none() as made:
            made.append(cls_.attach(path, offset=0, timeout=timeout, notifier=_bind(notifier, 0), **kwargs))
            i = 1
            while (i < known) if known is not None else _holds_descriptor(path, group_offset(i)):
                made.append(cls_.attach(path, offset=group_offset(i), timeout=timeout,
                                        notifier=_bind(notifier, i), **kwargs))
                i += 1
        return cls(made)

    # ------------------------------------------------------------------ use

    def __len__(self) -> int:
        return len(self.channels)

    def __getitem__(self, index: int) -> Any:
        return self.channels[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.channels)

    def index(self, channel: Any) -> int:
        return next(i for i, ch in enumerate(self.channels) if ch is channel)

    def enable(self) -> int:
        """Enable every channel; the notifier calls that made."""
        return sum(ch.enable() for ch in self.channels)

    def wait_for_peers(self, timeout: Optional[float] = None) -> bool:
        """Wait (``timeout`` in all) until every channel's peer has attached."""
        import time

        t = args.forever(timeout)
        deadline = None if t is None else time.monotonic() + t
        for ch in self.channels:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not ch.wait_for_peer(left):
                return False
        return True

    @property
    def waitset(self) -> WaitSet:
        """A :class:`WaitSet` over the group (made on first use, closed with it)."""
        if self._ws is None:
            self._ws = WaitSet(self.channels)
        return self._ws

    def wait(self, timeout: Optional[float] = None) -> List[Any]:
        """:meth:`WaitSet.wait` over the group."""
        return self.waitset.wait(timeout)

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None
        for ch in self.channels:
            ch.close()

    def __enter__(self) -> ChannelGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _all_or_none() -> Iterator[List[Any]]:
    """A list to put channels in; if the block fails, they are closed again."""
    made: List[Any] = []
    try:
        yield made
    except BaseException:
        for ch in made:
            ch.close()
        raise


def _check_count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count={count!r}: expected an integer >= 1")
    return count


def _engine(engine: Any) -> Any:
    if engine is None:
        from abi.engine.channel import Channel

        return Channel
    return engine


def _bind(notifier: Optional[Callable[[int], Any]], i: int) -> Optional[Callable[[], Any]]:
    return None if notifier is None else (lambda: notifier(i))


def _holds_descriptor(path: Any, offset: int) -> bool:
    """Does the file hold the ABI's magic at ``offset`` (either byte order: a
    byte-swapped descriptor is attached to, and refused with its fault)?"""
    import os

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        head = os.read(fd, 4)
    finally:
        os.close(fd)
    return len(head) == 4 and int.from_bytes(head, "little") in (layout.MAGIC, layout.MAGIC_SWAPPED)
