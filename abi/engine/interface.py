"""The one interface both engines implement: :class:`abi.engine.channel.Channel`
(Python) and :class:`abi.engine.c_channel.CChannel` (the C engine through ctypes).

The conformance harness and the reference peer drive a channel only through it, so
either engine can stand behind them; tests/test_interface.py runs one set of
behaviour checks against both.  Protocol semantics are docs/spec.md sections 6-9.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Protocol, Union, runtime_checkable

from abi.features import Features

# What :meth:`ChannelInterface.stats` counts, in both engines.
STATS = ("injects", "notifications", "wakeups", "notifier_calls", "parks")


@runtime_checkable
class ChannelInterface(Protocol):
    """One side of one channel."""

    locality: int
    remote_locality: int
    more_work: bool  # set by a wakeup whose budget ran out with work left (pending stays set)

    # ------------------------------------------------------------------ state

    @property
    def features(self) -> Optional[Features]:
        """The negotiated feature set; None while a creator's peer has not attached.
        Raises ``BAD_FEATURES`` when the attacher accepted what was not offered."""

    @property
    def budget(self) -> int:
        """Notifier calls one :meth:`wakeup` makes at most (settable)."""

    @budget.setter
    def budget(self, calls: int) -> None: ...

    @property
    def spin(self) -> Union[float, str]:
        """Seconds :meth:`wait` looks for work before parking, or ``"auto"`` (settable)."""

    @spin.setter
    def spin(self, seconds: Union[float, str]) -> None: ...

    @property
    def liveness_interval(self) -> float:
        """The longest :meth:`wait` parks between checks that the peer lives (settable)."""

    @liveness_interval.setter
    def liveness_interval(self, seconds: float) -> None: ...

    @property
    def stats(self) -> Mapping[str, int]:
        """Counters since the channel opened, read-only: at least the names in :data:`STATS`."""

    def peer_attached(self) -> bool:
        """Whether the remote record reads attached."""

    def wait_for_peer(self, timeout: Optional[float] = None) -> bool:
        """Wait up to ``timeout`` seconds (None: no limit) for the peer to attach."""

    def check_peer(self) -> None:
        """Raise ``PEER_CLOSED`` or ``PEER_DEAD`` if the peer has gone, ``BAD_STATE``,
        ``BAD_FEATURES`` or ``MAPPING_TOO_SMALL`` if it broke the protocol."""

    def flags(self, locality: Optional[int] = None) -> Dict[str, int]:
        """``enabled``, ``pending`` and ``dirty`` of a record (own by default)."""

    def unlink(self) -> None:
        """Remove the file's name; open channels of it go on working."""

    def descriptor_bytes(self) -> bytes:
        """The descriptor's 192 bytes as they are now."""

    # ------------------------------------------------------------------ protocol

    def inject(self) -> bool:
        """Signal the remote (spec 7.1); True if a notification was sent."""

    def wakeup(self, budget: Optional[int] = None) -> int:
        """Handle this side's pending work (7.2); the notifier calls made."""

    def enable(self) -> int:
        """Enable notifications (7.3), running the wakeup for work already there."""

    def disable(self) -> None:
        """Disable notifications (7.4)."""

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Park until there is work (True) or ``timeout`` seconds pass (False)."""

    def poll(self, timeout: Optional[float] = None) -> int:
        """:meth:`wait`, then :meth:`wakeup`: the notifier calls made."""

    async def wait_async(self, timeout: Optional[float] = None) -> bool:
        """:meth:`wait` for asyncio, parking no thread of the event loop."""

    async def poll_async(self, timeout: Optional[float] = None) -> int:
        """:meth:`poll` for asyncio; the notifier runs on the loop's thread."""

    def ring(self, role: str) -> Any:
        """This side's ``"producer"`` or ``"consumer"`` of the channel's message rings
        (MESSAGE_RINGS negotiated, spec 15.6); ``UNSUPPORTED_FEATURE`` otherwise."""

    def ring_sender(self) -> Any:
        """The channel's ring this side produces into, as a ``RingSender``."""

    def ring_receiver(self) -> Any:
        """The channel's ring this side consumes, as a ``RingReceiver``."""

    def close(self) -> None:
        """Leave the channel (spec 9); idempotent."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...
