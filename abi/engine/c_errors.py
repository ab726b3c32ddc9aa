"""The C engine's error reports (``struct shm_signal_error``) and the Python exceptions
they become, shared by the bindings of the channel (:mod:`abi.engine.c_channel`) and
of the ring (:mod:`abi.engine.c_ring`): the channel's binding opens the channel's own
rings (spec 15.6), so neither binding can take these from the other without an
import circle.

A fault code (> 0) becomes a :class:`~abi.faults.ShmSignalFault` with the engine's
field, offset, expected and actual values; a negative code the matching Python error.
"""

from __future__ import annotations

import ctypes
import errno
from typing import Optional

from abi.faults import AttachTimeout, Fault, ShmSignalFault

# Mirrors of shm_signal_engine.h.
E_ARG, E_SYSTEM, E_NOTIFIER, E_EXISTS, E_TIMEOUT = -1, -2, -3, -4, -5


class Error(ctypes.Structure):
    """``struct shm_signal_error``."""

    _fields_ = [("code", ctypes.c_int32), ("sys_errno", ctypes.c_int32), ("offset", ctypes.c_int64),
                ("field", ctypes.c_char * 40), ("expected", ctypes.c_char * 48),
                ("actual", ctypes.c_char * 48), ("message", ctypes.c_char * 136)]


def raise_error(rc: int, err: Error, cause: Optional[BaseException] = None) -> None:
    """Turn an engine return code into the exception the Python engine would raise."""
    msg = err.message.decode(errors="replace")
    if rc > 0:
        field = err.field.decode(errors="replace") or None
        raise ShmSignalFault(Fault(rc), msg, field=field,
                             offset=None if err.offset < 0 else int(err.offset),
                             expected=err.expected.decode(errors="replace") or None,
                             actual=err.actual.decode(errors="replace") or None)
    if rc == E_SYSTEM:
        raise OSError(err.sys_errno, msg)
    if rc == E_EXISTS:
        raise FileExistsError(errno.EEXIST, msg)
    if rc == E_TIMEOUT:
        raise AttachTimeout(errno.ENOENT, msg)
    if rc == E_NOTIFIER and cause is not None:
        raise cause
    raise ValueError(f"shm_signal: {msg} (code {rc})")
