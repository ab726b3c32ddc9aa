"""Naive ctypes mirrors of three structures of the C library, as written on a 64-bit
Linux machine, each of which is laid out otherwise on some ABIs; shm-signal matrix
with system.h names exactly those (tests/test_system_structs.py):

* ``struct epoll_event`` is packed on x86 (``__EPOLL_PACKED`` in glibc and musl:
  ``data`` at 4, 12 bytes) and naturally aligned elsewhere (``data`` at 8, 16 bytes):
  the mirror below is right on arm64, s390x, ... and wrong on x86_64 and i686;
* ``struct timespec`` holds a ``long`` ``tv_nsec``: 4 bytes on 32-bit ABIs (and on
  32-bit glibc ``time_t`` too);
* ``struct flock`` holds ``off_t`` members: 4 bytes on 32-bit glibc without
  ``_FILE_OFFSET_BITS=64``, 8 on musl everywhere.
"""

import ctypes


class epoll_event(ctypes.Structure):
    _fields_ = [("events", ctypes.c_uint32), ("data", ctypes.c_uint64)]


class timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class flock(ctypes.Structure):
    _fields_ = [("l_type", ctypes.c_short), ("l_whence", ctypes.c_short), ("l_start", ctypes.c_long),
                ("l_len", ctypes.c_long), ("l_pid", ctypes.c_int)]
