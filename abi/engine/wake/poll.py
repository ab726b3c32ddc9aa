"""The fallback when no wake-up channel was negotiated: the owner polls its word."""

from __future__ import annotations

import ctypes
import time
from typing import Callable

from abi.engine.wake.base import WakeBackend


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
