"""Files shared by both peers, opened once per process (docs/spec.md sections 5 and 9).

All channels of one file in one process share one open file (:class:`SharedFile`)
and, while the file does not grow, one mapping (:class:`Map`): a thousand channels
in a file cost one mapping and one descriptor (two on POSIX: :class:`mmap.mmap`
keeps a duplicate of the one it maps).  Sharing the open file is also what keeps
liveness locks right inside one process: the OS does not make two users of one lock
owner conflict, and classic ``fcntl`` locks are dropped by closing *any* descriptor
of the file.  So the file keeps a table of the lock bytes its process holds, and a
byte in it counts as held by a live owner.

Files are opened without following a symbolic link, and only regular files are
used.  A forked child forgets the parent's table: the inherited descriptors belong
to the parent's channels, and locks taken through them would be the parent's too.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import mmap
import os
import stat
import threading
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple, Union

from abi.engine import liveness

PathLike = Union[str, "os.PathLike[str]"]


_LE32, _LE64 = ctypes.c_uint32.__ctype_le__, ctypes.c_uint64.__ctype_le__


class Map:
    """One shared, read-write mapping of a whole file, guarded against truncation
    (``libshm_signal``'s guard, where the library loads)."""

    def __init__(self, fd: int, length: int) -> None:
        self.length = length
        self.mm = mmap.mmap(fd, length, access=mmap.ACCESS_WRITE)
        pin = ctypes.c_char.from_buffer(self.mm)
        self.base = ctypes.addressof(pin)  # stable while mapped: mmap never moves it
        del pin  # no export of ours: close() then fails only for the application's
        # Set to 1 by the guard once it answered a fault here (spec 9): from then on
        # every channel of this mapping reports MAPPING_TOO_SMALL.
        self.fired = ctypes.c_uint32(0)
        self.users = 0
        self._guard_lib: Optional[ctypes.CDLL] = None
        self._guard()

    def _guard(self) -> None:
        from abi.engine import native

        lib = native.try_load()
        if lib is not None and lib.shm_signal_guard(self.base, self.length, ctypes.byref(self.fired)) == 0:
            self._guard_lib = lib

    @property
    def guarded(self) -> bool:
        return self._guard_lib is not None

    def store_le32(self, at: int, value: int) -> None:
        """One 4-byte store at ``at`` (aligned): a peer reading the field
        concurrently sees the old value or the new one.  ``struct.pack_into`` is not
        that: CPython zeroes the target before packing, so a reader can see 0 (a
        record that reads empty while it goes from attached to closed)."""
        _LE32.from_address(self.base + at).value = value

    def store_le64(self, at: int, value: int) -> None:
        """As :meth:`store_le32`, 8 bytes (one store on 64-bit hosts)."""
        _LE64.from_address(self.base + at).value = value

    def has_fired(self) -> bool:
        return bool(self.fired.value)

    def unmap(self) -> bool:
        """Unmap, unguarding first (so the guard's handler never maps its zero page
        over whatever is mapped here next).  False while the application still holds
        a buffer export of the mapping: it then stays mapped, and guarded."""
        lib = self._guard_lib
        if lib is not None:
            lib.shm_signal_unguard(self.base)
        try:
            self.mm.close()
        except BufferError:
            if lib is not None:
                lib.shm_signal_guard(self.base, self.length, ctypes.byref(self.fired))
            return False
        self._guard_lib = None
        return True


class SharedFile:
    """A file opened once in this process, for all its channels."""

    def __init__(self, path: Path, fd: int, key: Tuple[int, int]) -> None:
        self.path = path
        self.fd = fd
        self.key = key
        self.maps: List[Map] = []  # the last one is current; older ones live while used
        self.users = 0
        self._held: Set[int] = set()  # lock bytes held by this process's channels
        self._locks = liveness.choose()

    @property
    def lock_kind(self) -> str:
        return self._locks.name

    # ---------------------------------------------------------------- contents

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def read_at(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset`` (fewer at the end of the file)."""
        if hasattr(os, "pread"):
            return os.pread(self.fd, n, offset)
        with _registry_lock:  # lseek + read share the file position
            os.lseek(self.fd, offset, os.SEEK_SET)
            return os.read(self.fd, n)

    def grow(self, size: int) -> None:
        """Make the file at least ``size`` bytes long (never shorter)."""
        if self.size() < size:
            os.ftruncate(self.fd, size)

    def map(self) -> Map:
        """A mapping of the whole file as it is now (the current one if it covers
        the file and its guard never fired, else a new one); release it with
        :meth:`unmap`."""
        with _registry_lock:
            size = self.size()
            if not self.maps or self.maps[-1].length < size or self.maps[-1].has_fired():
                self.maps.append(Map(self.fd, size))
            m = self.maps[-1]
            m.users += 1
            return m

    def unmap(self, m: Map) -> None:
        with _registry_lock:
            m.users -= 1
            self._drop_unused(keep_current=True)
            _retry_lingering()

    def _drop_unused(self, keep_current: bool) -> None:
        for m in list(self.maps):
            if m.users == 0 and not (keep_current and m is self.maps[-1]):
                self.maps.remove(m)
                if not m.unmap():
                    _lingering.append(m)  # the application holds a buffer of it

    # ---------------------------------------------------------------- locks

    def try_lock(self, offset: int) -> bool:
        """Take a liveness byte for a channel of this process; False if any other
        owner holds it, another channel of this process included."""
        with _registry_lock:
            if offset in self._held or not self._locks.try_lock(self.fd, offset):
                return False
            self._held.add(offset)
            return True

    def unlock(self, offset: int) -> None:
        with _registry_lock:
            if offset in self._held:
                self._held.discard(offset)
                self._locks.unlock(self.fd, offset)

    def is_held(self, offset: int) -> bool:
        """Is the byte held by a live owner: a channel of this process, or another
        open file (probed without taking anything)?"""
        with _registry_lock:
            if offset in self._held:
                return True
        return self._locks.probe(self.fd, offset)

    # ---------------------------------------------------------------- lifetime

    def release(self) -> None:
        """One user fewer; the last one closes the file and unmaps its mappings (a
        mapping the application still holds a buffer of stays mapped, and guarded,
        until a later open or close finds it free)."""
        with _registry_lock:
            self.users -= 1
            if self.users > 0:
                return
            for offset in list(self._held):
                self.unlock(offset)
            self._drop_unused(keep_current=False)
            if _files.get(self.key) is self:
                del _files[self.key]
            os.close(self.fd)  # a lingering mmap keeps a descriptor of its own
            self.fd = -1


_registry_lock = threading.RLock()
_files: Dict[Tuple[int, int], SharedFile] = {}
_lingering: List[Map] = []  # no channel uses them, but the application holds a buffer


def _retry_lingering() -> None:
    for m in list(_lingering):
        if m.unmap():
            _lingering.remove(m)


def _forget_after_fork() -> None:
    global _registry_lock
    _registry_lock = threading.RLock()  # another thread of the parent may have held it
    _files.clear()
    _lingering.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _open_flags(create: bool, exist_ok: bool) -> int:
    flags = os.O_RDWR | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    # O_NONBLOCK: a FIFO put where the file should be is refused, not waited on
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    if create:
        flags |= os.O_CREAT | (0 if exist_ok else os.O_EXCL)
    return flags


def open_file(path: PathLike, *, create: bool = False, exist_ok: bool = False,
              mode: int = 0o600) -> SharedFile:
    """The process's open file for ``path`` (opened now, or shared with the channels
    that have it open), with one more user: call :meth:`SharedFile.release`.

    Refuses a symbolic link (``OSError`` ``ELOOP``) and anything that is not a
    regular file (``ValueError``); ``create`` makes the file (``O_EXCL`` unless
    ``exist_ok``) with ``mode``."""
    p = Path(os.fsdecode(path))
    if not hasattr(os, "O_NOFOLLOW") and p.is_symlink():  # Windows: no O_NOFOLLOW
        raise OSError(errno.ELOOP, f"{p} is a symbolic link: refused", str(p))
    try:
        fd = os.open(p, _open_flags(create, exist_ok), mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, f"{p} is a symbolic link: refused", str(p)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{p} is not a regular file: refused")
        if not hasattr(os, "O_NOFOLLOW") and os.lstat(p).st_ino != st.st_ino:
            raise OSError(errno.ELOOP, f"{p} was swapped for a link while it was opened: refused", str(p))
        key = (st.st_dev, st.st_ino)
        with _registry_lock:
            _retry_lingering()
            shared = _files.get(key)
            if shared is None:
                shared = _files[key] = SharedFile(p, fd, key)
            else:
                os.close(fd)
            fd = -1
            shared.users += 1
            return shared
    finally:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
