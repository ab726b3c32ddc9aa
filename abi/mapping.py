"""A file mapped shared by both peers: creation with exclusive permissions, opening,
and the base address that wake-ups and fences work on."""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


class Mapping:
    """An open, shared, read-write mapping of a whole file."""

    def __init__(self, path: PathLike, fd: int) -> None:
        self.path = Path(path)
        self.fd = fd
        self.length = os.fstat(fd).st_size
        self.mm = mmap.mmap(fd, self.length, access=mmap.ACCESS_WRITE)
        # Pinning the buffer gives a stable address; _pin must be dropped before close().
        self._pin: Optional[ctypes.c_char] = ctypes.c_char.from_buffer(self.mm)
        self.base = ctypes.addressof(self._pin)
        self._guard_lib: Optional[ctypes.CDLL] = None
        self.fired = ctypes.c_uint32(0)  # set by the guard when it answers a fault here

    @classmethod
    def create(cls, path: PathLike, size: int, mode: int = 0o600, exist_ok: bool = False) -> Mapping:
        """Create the file (``O_EXCL`` unless ``exist_ok``) and make it at least ``size`` bytes."""
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        if not exist_ok:
            flags |= os.O_EXCL
        fd = os.open(path, flags, mode)
        try:
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
            return cls(path, fd)
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def open(cls, path: PathLike) -> Mapping:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            if os.fstat(fd).st_size == 0:
                raise ValueError(f"{path}: the file is empty")
            return cls(path, fd)
        except BaseException:
            os.close(fd)
            raise

    def guard(self) -> bool:
        """Survive a peer that shrinks the file under the mapping (POSIX): with
        ``libshm_signal`` loaded, its SIGBUS guard maps a zero page over a page past
        the new end instead of letting the access kill the process (see
        ``shm_signal_guard``); :meth:`shrunk` then tells.  False if unguarded."""
        from . import native

        lib = native.try_load()
        if lib is None or lib.shm_signal_guard(self.base, self.length, ctypes.byref(self.fired)) != 0:
            return False
        self._guard_lib = lib
        return True

    def shrunk(self) -> Optional[int]:
        """The file's size if it is now shorter than the mapping, else None."""
        size = os.fstat(self.fd).st_size
        return size if size < self.length else None

    def close(self) -> None:
        if self.fd < 0:
            return
        if self._guard_lib is not None:
            self._guard_lib.shm_signal_unguard(self.base)
            self._guard_lib = None
        self._pin = None
        # BufferError: someone still holds a ctypes view into the map; the OS unmaps at exit.
        with contextlib.suppress(BufferError):
            self.mm.close()
        os.close(self.fd)
        self.fd = -1
