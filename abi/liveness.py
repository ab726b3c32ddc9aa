"""Peer liveness through byte-range locks (docs/spec.md section 9).

While attached, each side holds an exclusive lock on one byte of the mapping file:
``LOCK_BASE + descriptor offset + 64 + 64 * locality``.  The OS drops it when the
process dies, so "record attached but lock free" means the peer died.  The byte
lies far beyond any mapping, so that on Windows, where byte-range locks are
mandatory, the lock never blocks ordinary reads and writes of the descriptor.

Linux uses open-file-description locks (``F_OFD_SETLK``): they belong to the open
file, not the process, so two channels of one process do not share (or silently
drop) each other's locks, as classic POSIX ``fcntl`` locks would.
"""

from __future__ import annotations

import os
import struct
import sys
from typing import Any

from .layout import LOCK_BASE


def lock_offset(desc_offset: int, locality: int) -> int:
    return LOCK_BASE + desc_offset + 64 + 64 * locality


class ByteLock:
    """An exclusive, non-blocking lock on one byte of an open file."""

    def __init__(self, fd: int, offset: int) -> None:
        self.fd = fd
        self.offset = offset
        self.held = False

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False if somebody does."""
        self.held = _impl.try_lock(self.fd, self.offset)
        return self.held

    def release(self) -> None:
        if self.held:
            _impl.unlock(self.fd, self.offset)
            self.held = False

    def held_elsewhere(self) -> bool:
        """Does another open file (another peer) hold this byte?"""
        return _impl.held_elsewhere(self.fd, self.offset)


class _OfdLocks:
    """Linux: F_OFD_SETLK / F_OFD_GETLK with a native ``struct flock``."""

    def __init__(self) -> None:
        import fcntl

        self.fcntl = fcntl
        # short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid; the
        # native format gives each ABI's alignment (i386: off_t 4-aligned, size 24).
        self.fmt = "@hhqqi"
        self.size = max(struct.calcsize(self.fmt + "0q"), 32)

    def _flock(self, ltype: int, offset: int) -> bytes:
        raw = struct.pack(self.fmt, ltype, os.SEEK_SET, offset, 1, 0)
        return raw + bytes(self.size - len(raw))

    def try_lock(self, fd: int, offset: int) -> bool:
        try:
            self.fcntl.fcntl(fd, self.fcntl.F_OFD_SETLK, self._flock(self.fcntl.F_WRLCK, offset))
            return True
        except OSError:
            return False

    def unlock(self, fd: int, offset: int) -> None:
        self.fcntl.fcntl(fd, self.fcntl.F_OFD_SETLK, self._flock(self.fcntl.F_UNLCK, offset))

    def held_elsewhere(self, fd: int, offset: int) -> bool:
        out = self.fcntl.fcntl(fd, self.fcntl.F_OFD_GETLK, self._flock(self.fcntl.F_WRLCK, offset))
        ltype = struct.unpack_from("@h", out)[0]
        return bool(ltype != self.fcntl.F_UNLCK)


class _PosixLocks:
    """Other POSIX systems (macOS): classic fcntl record locks.  They belong to the
    process, so they cannot tell two channels of one process apart; across
    processes, the case that matters, they work."""

    def __init__(self) -> None:
        import fcntl

        self.fcntl = fcntl

    def try_lock(self, fd: int, offset: int) -> bool:
        try:
            self.fcntl.lockf(fd, self.fcntl.LOCK_EX | self.fcntl.LOCK_NB, 1, offset, os.SEEK_SET)
            return True
        except OSError:
            return False

    def unlock(self, fd: int, offset: int) -> None:
        self.fcntl.lockf(fd, self.fcntl.LOCK_UN, 1, offset, os.SEEK_SET)

    def held_elsewhere(self, fd: int, offset: int) -> bool:
        if not self.try_lock(fd, offset):
            return True
        self.unlock(fd, offset)
        return False


class _WindowsLocks:
    """Windows: msvcrt.locking (LockFile) on one byte; released when the handle
    closes or the process exits."""

    def __init__(self) -> None:
        import msvcrt

        self.msvcrt: Any = msvcrt

    def _at(self, fd: int, offset: int, mode: int) -> None:
        os.lseek(fd, offset, os.SEEK_SET)
        self.msvcrt.locking(fd, mode, 1)

    def try_lock(self, fd: int, offset: int) -> bool:
        try:
            self._at(fd, offset, self.msvcrt.LK_NBLCK)
            return True
        except OSError:
            return False

    def unlock(self, fd: int, offset: int) -> None:
        self._at(fd, offset, self.msvcrt.LK_UNLCK)

    def held_elsewhere(self, fd: int, offset: int) -> bool:
        if not self.try_lock(fd, offset):
            return True
        self.unlock(fd, offset)
        return False


def _choose() -> Any:
    if sys.platform == "win32":
        return _WindowsLocks()
    import fcntl

    if hasattr(fcntl, "F_OFD_SETLK"):
        return _OfdLocks()
    return _PosixLocks()


_impl = _choose()
