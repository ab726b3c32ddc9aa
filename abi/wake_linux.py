"""Linux wake-ups: futex(2) on the owner's wait word, shared (no FUTEX_PRIVATE_FLAG),
so that a wake from another process reaches the waiter."""

from __future__ import annotations

import ctypes
import errno
import platform
from typing import Any, Callable, Dict, Tuple

from .wake import WakeBackend

FUTEX_WAIT = 0
FUTEX_WAKE = 1
INT_MAX = 2**31 - 1

# SYS_futex per architecture (uname -m); 32-bit arches use the time32 call, which
# takes a timespec of two C longs, exactly what ctypes gives there.
_SYS_FUTEX = {
    "x86_64": 202, "amd64": 202, "i386": 240, "i486": 240, "i586": 240, "i686": 240,
    "aarch64": 98, "arm64": 98, "riscv64": 98, "loongarch64": 98,
    "armv7l": 240, "armv6l": 240, "armv8l": 240, "ppc64le": 221, "ppc64": 221, "ppc": 221,
    "s390x": 238, "mips64": 5194, "mips": 4238,
}


def futex_syscall_number(machine: str = "") -> int:
    machine = machine or platform.machine()
    try:
        return _SYS_FUTEX[machine.lower()]
    except KeyError:
        raise OSError(errno.ENOSYS, f"no futex syscall number known for {machine!r}") from None


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class FutexWake(WakeBackend):
    name = "futex"

    def __init__(self, word_address: Callable[[int], int]) -> None:
        from . import layout

        self.feature = layout.FEATURE_WAKE_ADDRESS
        self.word_address = word_address
        libc = ctypes.CDLL(None, use_errno=True)
        self._syscall = libc.syscall
        self._syscall.restype = ctypes.c_long
        self._nr = futex_syscall_number()
        self._wake_args: Dict[int, Tuple[Any, ...]] = {}
        # Reused argument objects: wait and wake are on the round-trip path.
        self._ts = _Timespec(0, 0)
        self._ts_ref = ctypes.byref(self._ts)
        self._expected = ctypes.c_uint32(0)
        self._addr: Dict[int, ctypes.c_void_p] = {}

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        addr = self._addr.get(locality)
        if addr is None:
            addr = self._addr[locality] = ctypes.c_void_p(self.word_address(locality))
        secs = int(timeout)
        self._ts.tv_sec, self._ts.tv_nsec = secs, int((timeout - secs) * 1e9)
        self._expected.value = expected
        r = self._syscall(self._nr, addr, FUTEX_WAIT, self._expected, self._ts_ref, None, 0)
        if r == -1:
            err = ctypes.get_errno()
            if err not in (errno.EAGAIN, errno.EINTR, errno.ETIMEDOUT):
                raise OSError(err, f"futex wait: {errno.errorcode.get(err, err)}")

    def wake(self, locality: int) -> None:
        # The argument objects are built once: this is on the inject path.
        args = self._wake_args.get(locality)
        if args is None:
            args = self._wake_args[locality] = (self._nr, ctypes.c_void_p(self.word_address(locality)),
                                                FUTEX_WAKE, INT_MAX, None, None, 0)
        r = self._syscall(*args)
        if r == -1:
            err = ctypes.get_errno()
            raise OSError(err, f"futex wake: {errno.errorcode.get(err, err)}")
