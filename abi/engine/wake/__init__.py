"""Wake-up channels (docs/spec.md section 8): the interface every OS backend
implements, and the choice of backend for a negotiated feature set."""

from __future__ import annotations

import sys
from typing import Sequence

from abi import layout
from abi.engine.wake.base import WakeBackend
from abi.engine.wake.poll import PollWake

__all__ = ["PollWake", "WakeBackend", "make_backend", "platform_wake_features", "supported_features"]


def platform_wake_features() -> int:
    """The wake-up features this platform can use."""
    if sys.platform == "win32":
        return layout.FEATURE_WAKE_NAMED_EVENT
    if sys.platform == "darwin":
        from abi.engine.wake.macos import available

        return layout.FEATURE_WAKE_ADDRESS if available() else 0
    if sys.platform.startswith("linux"):
        return layout.FEATURE_WAKE_ADDRESS
    return 0


def supported_features(can_ring: bool = True) -> int:
    """Everything the Python engine implements on this platform; ``can_ring``: the
    ordering in use has an atomic add (GROUP_DOORBELL needs one, and WAKE_ADDRESS)."""
    wake = platform_wake_features()
    bell = layout.FEATURE_GROUP_DOORBELL if can_ring and wake & layout.FEATURE_WAKE_ADDRESS else 0
    return (wake | layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT | layout.FEATURE_WAITER_FLAG
            | bell | layout.FEATURE_MESSAGE_RINGS)


def make_backend(features: int, words: Sequence[int], instance_id: bytes) -> WakeBackend:
    """The backend for a negotiated (or offered) feature set; ``words[locality]`` is
    the address of that record's wait word."""
    word_address = words.__getitem__  # no reference to the channel: no cycle keeps it alive
    usable = features & platform_wake_features()
    if usable & layout.FEATURE_WAKE_ADDRESS:
        if sys.platform == "darwin":
            from abi.engine.wake.macos import address_backend

            return address_backend(word_address)
        from abi.engine.wake.linux import FutexWake

        return FutexWake(word_address)
    if usable & layout.FEATURE_WAKE_NAMED_EVENT:
        from abi.engine.wake.windows import NamedEventWake

        return NamedEventWake(instance_id)
    return PollWake(word_address)
