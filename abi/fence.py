"""Where the Python engine gets its memory ordering (docs/spec.md section 7).

Plain stores and loads through mmap or ctypes are atomic for a byte or an aligned
32-bit word but carry no ordering, so every store-then-load point of the protocol
goes through an :class:`Ordering`:

* :class:`NativeOrdering` (preferred): ``libshm_signal``'s
  ``shm_signal_store_fence_load``, C11 ``atomic_thread_fence`` release before and
  seq_cst after the store, one foreign call per point (about 0.3 us here).
* :class:`KernelOrdering` (fallback when the library is missing): a real fence
  from a call the OS documents or implements with one, around plain stores:

  - Linux: ``FUTEX_WAKE`` on a private word nobody waits on; the kernel runs
    ``smp_mb()`` before it looks for waiters (kernel/futex/waitwake.c, ordering
    guarantee "B").
  - macOS: ``OSMemoryBarrier()`` from libSystem.
  - Windows: ``FlushProcessWriteBuffers()`` from kernel32 (an inter-processor
    barrier; slow, but a full barrier).

Neither relies on the interpreter being slow.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any, Callable, Optional

from . import native


def canonical_word(native_value: int) -> int:
    """A wait word read as a native u32, with enabled in bits 0-7 on every host."""
    if sys.byteorder == "little":
        return native_value
    return int.from_bytes(native_value.to_bytes(4, "big"), "little")


class Ordering:
    """Store-then-load sequences with the spec's fences."""

    name = "abstract"

    def fence(self) -> None:
        raise NotImplementedError

    def load_word(self, word: int) -> int:
        """The wait word at address ``word``, canonical (enabled in bits 0-7)."""
        raise NotImplementedError

    def store_fence_load(self, flag: int, value: int, word: int) -> int:
        """F0, store ``value`` at byte address ``flag``, full fence, load the word."""
        raise NotImplementedError


class NativeOrdering(Ordering):
    name = "native"

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.fence = lib.shm_signal_fence  # type: ignore[method-assign]
        self.load_word = lib.shm_signal_load_word  # type: ignore[method-assign]
        self.store_fence_load = lib.shm_signal_store_fence_load  # type: ignore[method-assign]


class KernelOrdering(Ordering):
    name = "kernel-call"

    def __init__(self, fence: Callable[[], Any]) -> None:
        self._fence = fence

    def fence(self) -> None:
        self._fence()

    def load_word(self, word: int) -> int:
        return canonical_word(ctypes.c_uint32.from_address(word).value)

    def store_fence_load(self, flag: int, value: int, word: int) -> int:
        self._fence()
        ctypes.c_uint8.from_address(flag).value = value
        self._fence()
        return canonical_word(ctypes.c_uint32.from_address(word).value)


def kernel_fence() -> Callable[[], Any]:
    """A callable that executes a full barrier through the OS (see module doc)."""
    if sys.platform == "win32":
        kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
        fn = kernel32.FlushProcessWriteBuffers
        fn.argtypes, fn.restype = [], None
        return fn  # type: ignore[no-any-return]
    if sys.platform == "darwin":
        system = ctypes.CDLL("/usr/lib/libSystem.B.dylib")
        fn = system.OSMemoryBarrier
        fn.argtypes, fn.restype = [], None
        return fn  # type: ignore[no-any-return]
    from .wake_linux import futex_syscall_number

    libc = ctypes.CDLL(None, use_errno=True)
    syscall = libc.syscall
    nr = futex_syscall_number()
    dummy = ctypes.c_uint32(0)
    addr = ctypes.addressof(dummy)
    futex_wake_private = 1 | 128

    def fence() -> None:
        syscall(nr, ctypes.c_void_p(addr), futex_wake_private, 1, None, None, 0)

    fence.keepalive = dummy  # type: ignore[attr-defined]
    return fence


_ordering: Optional[Ordering] = None


def get_ordering(prefer_native: bool = True) -> Ordering:
    """The best ordering available here (cached)."""
    global _ordering
    if not prefer_native:
        return KernelOrdering(kernel_fence())
    if _ordering is None:
        lib = native.try_load()
        _ordering = NativeOrdering(lib) if lib is not None else KernelOrdering(kernel_fence())
    return _ordering
