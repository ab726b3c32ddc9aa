"""Peer liveness through byte-range locks (docs/spec.md section 9).

While attached, each side holds an exclusive lock on one byte of the mapping file:
``LOCK_BASE + descriptor offset + 64 + 64 * locality``.  The OS drops it when the
process dies, so "record attached but lock free" means the peer died.  The byte
lies far beyond any mapping, so that on Windows, where byte-range locks are
mandatory, the lock never blocks ordinary reads and writes of the descriptor.

The OS-level operations are here, one class per kind of lock; which process holds
what is :mod:`abi.engine.mapping`'s business (one open file per file per process, and a
table of the bytes its channels hold, spec 9 "Locks within one process"):

* Linux: open-file-description locks (``F_OFD_SETLK``/``F_OFD_GETLK``).
* Other POSIX systems (macOS, BSD): classic ``fcntl`` locks (``F_SETLK``/``F_GETLK``),
  which belong to the process.  ``SHM_SIGNAL_LOCKS=classic`` forces them on Linux,
  so that their semantics are tested where the suite runs.
* Windows: ``LockFileEx`` through ``msvcrt.locking``; there is no probe that takes
  nothing, so a probe takes the lock and releases it at once.

A probe never takes a classic lock: releasing it would release the process's own.
"""

from __future__ import annotations

import os
import struct
import sys
from typing import Any

from abi.layout import LOCK_BASE

LOCKS_ENV = "SHM_SIGNAL_LOCKS"  # "ofd" or "classic" (Linux); unset: the platform's best


def lock_offset(desc_offset: int, locality: int) -> int:
    return LOCK_BASE + desc_offset + 64 + 64 * locality


class LockKind:
    """Exclusive, non-blocking locks on one byte of an open file."""

    name = "abstract"

    def try_lock(self, fd: int, offset: int) -> bool:
        """Take the lock if no other owner holds it; False if one does."""
        raise NotImplementedError

    def unlock(self, fd: int, offset: int) -> None:
        raise NotImplementedError

    def probe(self, fd: int, offset: int) -> bool:
        """Does another owner hold the byte?  (The caller never asks about a byte its
        own process holds: to the OS that one looks free.)"""
        raise NotImplementedError


# ``struct flock`` as struct formats, member by member (tests/test_liveness.py checks
# them against the C headers: Linux natively, macOS and FreeBSD at compile time).
# 64-bit off_t everywhere: CPython is built with large-file support, and the OFD
# commands take struct flock64; native alignment gives i386's 24 bytes.
FLOCK_LAYOUTS = {
    "linux": [("l_type", "h"), ("l_whence", "h"), ("l_start", "q"), ("l_len", "q"), ("l_pid", "i")],
    "bsd": [("l_start", "q"), ("l_len", "q"), ("l_pid", "i"), ("l_type", "h"), ("l_whence", "h")],
}
FLOCK_BUFFER = 32  # at least sizeof(struct flock) on each (FreeBSD's has l_sysid: 32)


def flock_layout(platform: str = sys.platform) -> str:
    return "linux" if platform.startswith("linux") else "bsd"


def flock_offsets(layout: str) -> dict:
    """Each member's offset, as the native struct module lays the format out."""
    fields = FLOCK_LAYOUTS[layout]
    return {name: struct.calcsize("@" + "".join(c for _n, c in fields[:i + 1])) - struct.calcsize("@" + c)
            for i, (name, c) in enumerate(fields)}


class _FcntlLocks(LockKind):
    """fcntl record locks with the platform's ``struct flock``."""

    def __init__(self, setlk: int, getlk: int) -> None:
        import fcntl

        self.fcntl = fcntl
        self.setlk, self.getlk = setlk, getlk
        fields = FLOCK_LAYOUTS[flock_layout()]
        self.fmt = "@" + "".join(c for _n, c in fields)
        self.names = [n for n, _c in fields]
        self.type_at = flock_offsets(flock_layout())["l_type"]

    def _flock(self, ltype: int, offset: int) -> bytes:
        values = {"l_type": ltype, "l_whence": os.SEEK_SET, "l_start": offset, "l_len": 1, "l_pid": 0}
        raw = struct.pack(self.fmt, *(values[n] for n in self.names))
        return raw + bytes(FLOCK_BUFFER - len(raw))

    def try_lock(self, fd: int, offset: int) -> bool:
        try:
            self.fcntl.fcntl(fd, self.setlk, self._flock(self.fcntl.F_WRLCK, offset))
            return True
        except OSError:
            return False

    def unlock(self, fd: int, offset: int) -> None:
        self.fcntl.fcntl(fd, self.setlk, self._flock(self.fcntl.F_UNLCK, offset))

    def probe(self, fd: int, offset: int) -> bool:
        try:
            out = self.fcntl.fcntl(fd, self.getlk, self._flock(self.fcntl.F_WRLCK, offset))
        except OSError:
            return True  # cannot tell: never declare a peer dead on doubt
        ltype = struct.unpack_from("@h", out, self.type_at)[0]
        # Peers hold write locks; a read lock is somebody who can merely read the
        # file (it would have kept the owner's write lock out): it proves nobody alive.
        return bool(ltype == self.fcntl.F_WRLCK)


class OfdLocks(_FcntlLocks):
    """Linux open-file-description locks: they belong to the open file."""

    name = "ofd"

    def __init__(self) -> None:
        import fcntl

        super().__init__(fcntl.F_OFD_SETLK, fcntl.F_OFD_GETLK)


class ClassicLocks(_FcntlLocks):
    """Classic POSIX record locks: they belong to the process, and closing any
    descriptor of the file drops all of them (spec 9)."""

    name = "classic"

    def __init__(self) -> None:
        import fcntl

        super().__init__(fcntl.F_SETLK, fcntl.F_GETLK)


class WindowsLocks(LockKind):
    """Windows: msvcrt.locking (LockFile) on one byte; released when the handle
    closes or the process exits."""

    name = "windows"

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

    def probe(self, fd: int, offset: int) -> bool:
        # No probe that takes nothing: take and release (the caller never asks about
        # a byte its process holds, so nothing of ours is released).
        if not self.try_lock(fd, offset):
            return True
        self.unlock(fd, offset)
        return False


def choose(kind: str = "") -> LockKind:
    """The lock kind for this platform, or the one ``kind`` (``SHM_SIGNAL_LOCKS``) names."""
    kind = kind or os.environ.get(LOCKS_ENV, "")
    if sys.platform == "win32":
        return WindowsLocks()
    import fcntl

    if kind == "classic" or not hasattr(fcntl, "F_OFD_SETLK"):
        return ClassicLocks()
    if kind not in ("", "ofd"):
        raise ValueError(f"{LOCKS_ENV}={kind!r}: expected 'ofd' or 'classic'")
    return OfdLocks()
