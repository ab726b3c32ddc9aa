"""macOS wake-ups on the owner's wait word: os_sync_wait_on_address /
os_sync_wake_by_address_all with the SHARED flag (macOS 14.4+), else the older
private __ulock_wait / __ulock_wake with UL_COMPARE_AND_WAIT_SHARED."""

from __future__ import annotations

import ctypes
import errno
import functools
from typing import Any, Callable, Optional

from abi.engine.wake.base import WakeBackend

OS_SYNC_WAIT_ON_ADDRESS_SHARED = 1
OS_SYNC_WAKE_BY_ADDRESS_SHARED = 1
OS_CLOCK_MACH_ABSOLUTE_TIME = 32
UL_COMPARE_AND_WAIT_SHARED = 3
ULF_WAKE_ALL = 0x100
LIBSYSTEM = "/usr/lib/libSystem.B.dylib"


@functools.cache
def _libsystem() -> Optional[Any]:
    """libSystem, loaded once per process (as libc_syscall on Linux: not a ctypes
    class per channel)."""
    try:
        return ctypes.CDLL(LIBSYSTEM, use_errno=True)
    except OSError:
        return None


def available() -> bool:
    lib = _libsystem()
    return lib is not None and (hasattr(lib, "os_sync_wait_on_address") or hasattr(lib, "__ulock_wait"))


def declare_os_sync(lib: Any) -> None:
    """Signatures of the os_sync calls (macOS 14.4 <os/os_sync_wait_on_address.h>)."""
    lib.os_sync_wait_on_address_with_timeout.argtypes = [
        ctypes.c_void_p, ctypes.c_uint64, ctypes.c_size_t, ctypes.c_uint32, ctypes.c_uint32,
        ctypes.c_uint64]
    lib.os_sync_wait_on_address_with_timeout.restype = ctypes.c_int
    lib.os_sync_wake_by_address_all.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint32]
    lib.os_sync_wake_by_address_all.restype = ctypes.c_int


def declare_ulock(lib: Any) -> None:
    lib.__ulock_wait.argtypes = [ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32]
    lib.__ulock_wait.restype = ctypes.c_int
    lib.__ulock_wake.argtypes = [ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint64]
    lib.__ulock_wake.restype = ctypes.c_int


_NORMAL = (errno.EINTR, errno.ETIMEDOUT, errno.EFAULT, errno.ENOENT, errno.EAGAIN)


class OsSyncWake(WakeBackend):
    """macOS 14.4+.  Timeouts use OS_CLOCK_MACH_ABSOLUTE_TIME in nanoseconds."""

    name = "os_sync"

    def __init__(self, lib: Any, word_address: Callable[[int], int]) -> None:
        from abi import layout

        self.feature = layout.FEATURE_WAKE_ADDRESS
        declare_os_sync(lib)
        self.lib = lib
        self.word_address = word_address

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        r = self.lib.os_sync_wait_on_address_with_timeout(
            self.word_address(locality), expected, 4, OS_SYNC_WAIT_ON_ADDRESS_SHARED,
            OS_CLOCK_MACH_ABSOLUTE_TIME, max(1, int(timeout * 1e9)))
        if r < 0 and ctypes.get_errno() not in _NORMAL:
            raise OSError(ctypes.get_errno(), "os_sync_wait_on_address_with_timeout")

    def wake(self, locality: int) -> None:
        r = self.lib.os_sync_wake_by_address_all(self.word_address(locality), 4,
                                                 OS_SYNC_WAKE_BY_ADDRESS_SHARED)
        if r < 0 and ctypes.get_errno() not in _NORMAL:  # ENOENT: nobody waits
            raise OSError(ctypes.get_errno(), "os_sync_wake_by_address_all")


class UlockWake(WakeBackend):
    """macOS before 14.4 (10.15+): the private but stable __ulock calls."""

    name = "ulock"

    def __init__(self, lib: Any, word_address: Callable[[int], int]) -> None:
        from abi import layout

        self.feature = layout.FEATURE_WAKE_ADDRESS
        declare_ulock(lib)
        # getattr: a literal `lib.__ulock_wait` inside a class body is name-mangled.
        self._wait = getattr(lib, "__ulock_wait")
        self._wake = getattr(lib, "__ulock_wake")
        self.word_address = word_address

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        us = max(1, min(int(timeout * 1e6), 2**32 - 1))
        r = self._wait(UL_COMPARE_AND_WAIT_SHARED, self.word_address(locality), expected, us)
        if r < 0 and ctypes.get_errno() not in _NORMAL:
            raise OSError(ctypes.get_errno(), "__ulock_wait")

    def wake(self, locality: int) -> None:
        r = self._wake(UL_COMPARE_AND_WAIT_SHARED | ULF_WAKE_ALL, self.word_address(locality), 0)
        if r < 0 and ctypes.get_errno() not in _NORMAL:
            raise OSError(ctypes.get_errno(), "__ulock_wake")


def address_backend(word_address: Callable[[int], int], lib: Optional[Any] = None) -> WakeBackend:
    lib = lib if lib is not None else _libsystem()
    if lib is None:
        raise OSError(errno.ENOSYS, f"cannot load {LIBSYSTEM}")
    if hasattr(lib, "os_sync_wait_on_address_with_timeout"):
        return OsSyncWake(lib, word_address)
    return UlockWake(lib, word_address)
