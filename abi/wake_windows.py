"""Windows wake-ups: one named auto-reset event per locality.  WaitOnAddress wakes
only threads of one process, so across processes the spec uses kernel events whose
names both peers derive from the descriptor's instance_id."""

from __future__ import annotations

import ctypes
from typing import Any, Dict, Optional

from . import layout
from .wake import WakeBackend

ERROR_ALREADY_EXISTS = 183
WAIT_OBJECT_0 = 0
WAIT_TIMEOUT = 0x102
WAIT_FAILED = 0xFFFFFFFF
INFINITE = 0xFFFFFFFF


def event_name(instance_id: bytes, locality: int, namespace: str = "Local") -> str:
    """``Local\\shm-signal-<32 hex digits>-<north|south>`` (spec section 8.2)."""
    return f"{namespace}\\shm-signal-{bytes(instance_id).hex()}-{layout.LOCALITY_NAMES[locality]}"


def declare(kernel32: Any) -> None:
    from ctypes import wintypes  # type: ignore[attr-defined,unused-ignore]

    kernel32.CreateEventW.argtypes = [ctypes.c_void_p, wintypes.BOOL, wintypes.BOOL, wintypes.LPCWSTR]
    kernel32.CreateEventW.restype = ctypes.c_void_p
    kernel32.SetEvent.argtypes = [ctypes.c_void_p]
    kernel32.SetEvent.restype = wintypes.BOOL
    kernel32.WaitForSingleObject.argtypes = [ctypes.c_void_p, wintypes.DWORD]
    kernel32.WaitForSingleObject.restype = wintypes.DWORD
    kernel32.CloseHandle.argtypes = [ctypes.c_void_p]
    kernel32.CloseHandle.restype = wintypes.BOOL


class NamedEventWake(WakeBackend):
    name = "named-event"

    def __init__(self, instance_id: bytes, kernel32: Optional[Any] = None,
                 namespace: str = "Local") -> None:
        self.feature = layout.FEATURE_WAKE_NAMED_EVENT
        if kernel32 is None:
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        declare(kernel32)
        self.k = kernel32
        self.handles: Dict[int, int] = {}
        for loc in (layout.LOCALITY_NORTH, layout.LOCALITY_SOUTH):
            # Create-or-open: whichever peer comes first creates it.
            h = kernel32.CreateEventW(None, False, False, event_name(instance_id, loc, namespace))
            if not h:
                err = ctypes.get_last_error()  # type: ignore[attr-defined]
                self.close()
                raise OSError(err, f"CreateEventW({event_name(instance_id, loc, namespace)})")
            self.handles[loc] = h

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        ms = INFINITE - 1 if timeout > 4e6 else max(0, int(timeout * 1000))
        r = self.k.WaitForSingleObject(self.handles[locality], ms)
        if r == WAIT_FAILED:
            raise OSError(ctypes.get_last_error(), "WaitForSingleObject")  # type: ignore[attr-defined]

    def wake(self, locality: int) -> None:
        if not self.k.SetEvent(self.handles[locality]):
            raise OSError(ctypes.get_last_error(), "SetEvent")  # type: ignore[attr-defined]

    def close(self) -> None:
        for h in self.handles.values():
            self.k.CloseHandle(h)
        self.handles.clear()
