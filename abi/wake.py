"""Wake-up channels (docs/spec.md section 8): the interface every OS backend
implements, and the choice of backend for a negotiated feature set."""

from __future__ import annotations

import ctypes
import sys
import time
from typing import Callable, Sequence

from . import layout


class WakeBackend:
    """Parks the owner of a record and wakes it from the remote.

    ``word_address(locality)`` gives the address of a record's wait word;
    ``instance_id`` names kernel objects for backends that need names.
    """

    feature = 0
    name = "abstract"

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        """Park until woken, until the wait word no longer holds ``expected`` (a
        native u32), or ``timeout`` seconds; spurious returns are allowed."""
        raise NotImplementedError

    def wake(self, locality: int) -> None:
        """Wake every waiter of ``locality``'s record."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class PollWake(WakeBackend):
    """No negotiated channel: the owner re-reads its word every ``interval`` seconds."""

    name = "poll"

    def __init__(self, word_address: Callable[[int], int], interval: float = 0.001) -> None:
        self.word_address = word_address
        self.interval = interval

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        word = ctypes.c_uint32.from_address(self.word_address(locality))
        while word.value == expected:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(self.interval, left))

    def wake(self, locality: int) -> None:
        pass


def platform_wake_features() -> int:
    """The wake-up features this platform can use."""
    if sys.platform == "win32":
        return layout.FEATURE_WAKE_NAMED_EVENT
    if sys.platform == "darwin":
        from .wake_macos import available

        return layout.FEATURE_WAKE_ADDRESS if available() else 0
    if sys.platform.startswith("linux"):
        return layout.FEATURE_WAKE_ADDRESS
    return 0


def supported_features() -> int:
    """Everything the Python engine implements on this platform."""
    return (platform_wake_features() | layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT
            | layout.FEATURE_WAITER_FLAG)


def make_backend(features: int, words: Sequence[int], instance_id: bytes) -> WakeBackend:
    """The backend for a negotiated (or offered) feature set; ``words[locality]`` is
    the address of that record's wait word."""
    word_address = words.__getitem__  # no reference to the channel: no cycle keeps it alive
    usable = features & platform_wake_features()
    if usable & layout.FEATURE_WAKE_ADDRESS:
        if sys.platform == "darwin":
            from .wake_macos import address_backend

            return address_backend(word_address)
        from .wake_linux import FutexWake

        return FutexWake(word_address)
    if usable & layout.FEATURE_WAKE_NAMED_EVENT:
        from .wake_windows import NamedEventWake

        return NamedEventWake(instance_id)
    return PollWake(word_address)
