"""Where the Python engine gets its memory ordering (docs/spec.md section 7).

Plain stores and loads through mmap or ctypes are atomic for a byte or an aligned
32-bit word but carry no ordering, so every store-then-load point of the protocol
goes through an :class:`Ordering`:

* :class:`NativeOrdering` (preferred): ``libshm_signal``'s C11 fences
  (``atomic_thread_fence``, release before and seq_cst after each store).  The hot
  paths are one foreign call each, about 0.1 us through ctypes (:class:`Side`):
  inject (7.1), one step of the wakeup loop (7.2), announcing a park (7.5) and a
  bounded spin; the rarer points use ``shm_signal_store_fence_load``.
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
import errno
import sys
import time
from typing import Any, Callable, Optional, Tuple

from abi.engine import native


def canonical_word(native_value: int) -> int:
    """A wait word read as a native u32, with enabled in bits 0-7 on every host."""
    if sys.byteorder == "little":
        return native_value
    return int.from_bytes(native_value.to_bytes(4, "big"), "little")


# shm_signal_side_step results (shm_signal_atomic.h).
STEP_DONE, STEP_NOTIFY, STEP_AGAIN, STEP_IDLE = 0, 1, 2, 3
# Any fused step, once the truncation guard fired for the mapping (MAPPING_TOO_SMALL).
SIDE_FAULT = -1


class SideStruct(ctypes.Structure):
    """``struct shm_signal_side``: one side's own and remote irq records."""

    _c_name_ = "shm_signal_side"

    _fields_ = [("own", ctypes.c_void_p), ("remote", ctypes.c_void_p), ("waiter_flag", ctypes.c_uint32),
                ("spin_s", ctypes.c_double), ("fired", ctypes.c_void_p)]


_Hot = Callable[[Any], int]
HotPaths = Tuple[Any, _Hot, _Hot, _Hot, _Hot, _Hot]  # Side.hot()


class Side:
    """The fused hot paths for one side of a channel (see shm_signal_atomic.h).

    ``inject()``: spec 7.1 up to the wake-up; 0 if no notification is needed, else
    (WAITER_FLAG) the waiting byte read after F6, whose bit 1 under GROUP_DOORBELL
    means "ring the doorbell" (7.8), or 1 (no WAITER_FLAG).
    ``step()``: one step of the 7.2 wakeup loop; a ``STEP_*`` value.
    ``announce_park()``: waiting=1, F5; 1 if work is there (do not park).
    ``spin()``: look for work (enabled, and dirty or pending) for up to the spin
    time set by :meth:`configure`; 1 if found.
    ``spin_step()``: ``spin()``, then ``step()`` on work; ``STEP_IDLE`` if none.

    Each returns ``SIDE_FAULT`` instead, touching nothing, once the mapping's
    truncation guard has fired (the ``fired`` address given to :meth:`Ordering.side`).
    """

    inject: Callable[[], int]
    step: Callable[[], int]
    announce_park: Callable[[], int]
    spin: Callable[[], int]
    spin_step: Callable[[], int]

    def configure(self, waiter_flag: bool, spin_s: float) -> None:
        """Whether WAITER_FLAG is negotiated; the longest one spin call lasts."""
        raise NotImplementedError

    def hot(self) -> HotPaths:
        """``(arg, inject, step, spin, spin_step, announce_park)``: each function,
        called with ``arg``, does what the method of its name does.  A channel keeps
        them as its own attributes; the native side's are the library's functions,
        shared by every channel, and ``arg`` its one pointer, so that a round trip on
        one of a thousand channels reads that channel's memory and little else."""
        cls = type(self)
        return (self, cls.inject, cls.step, cls.spin, cls.spin_step,  # type: ignore[return-value]
                cls.announce_park)


class Ordering:
    """Store-then-load sequences with the spec's fences."""

    name = "abstract"
    # An atomic add on shared memory (F7, spec 7.8): without one, GROUP_DOORBELL
    # cannot be offered or accepted.
    can_ring = False

    def side(self, own: int, remote: int, fired: int = 0) -> Side:
        """The fused steps for the side whose irq record is at address ``own``;
        ``fired``: the address of the mapping's guard flag (a u32), or 0."""
        raise NotImplementedError

    def fence(self) -> None:
        raise NotImplementedError

    def load_word(self, word: int) -> int:
        """The wait word at address ``word``, canonical (enabled in bits 0-7)."""
        raise NotImplementedError

    def store_fence_load(self, flag: int, value: int, word: int) -> int:
        """F0, store ``value`` at byte address ``flag``, full fence, load the word."""
        raise NotImplementedError

    def ring(self, word: int) -> int:
        """F7: add 1 to the little-endian doorbell at address ``word``, atomically."""
        raise NotImplementedError("no atomic add here: GROUP_DOORBELL is not supported")


class _NativeSide(Side):
    def __init__(self, lib: ctypes.CDLL, releasing: ctypes.CDLL, own: int, remote: int, fired: int) -> None:
        self._struct = SideStruct(own, remote, 0, 0.0, fired or None)
        # No argtypes and a prebuilt byref: converting arguments costs more than the
        # call (ctypes checks each against argtypes); the functions take one pointer.
        # spin() releases the GIL (a ctypes.CDLL call): another thread of this process
        # may be the very peer being waited for.  spin_step(), poll's first slice,
        # keeps it: re-taking the GIL costs the round trip measurably, and the slice
        # is short (at most the channel's spin, at most SPIN_SLICE).
        self._hot: HotPaths = (ctypes.byref(self._struct), lib.shm_signal_side_inject,
                               lib.shm_signal_side_step, releasing.shm_signal_side_spin,
                               lib.shm_signal_side_spin_step, lib.shm_signal_side_announce_park)

    def hot(self) -> HotPaths:
        return self._hot

    def inject(self) -> int:
        return self._hot[1](self._hot[0])

    def step(self) -> int:
        return self._hot[2](self._hot[0])

    def spin(self) -> int:
        return self._hot[3](self._hot[0])

    def spin_step(self) -> int:
        return self._hot[4](self._hot[0])

    def announce_park(self) -> int:
        return self._hot[5](self._hot[0])

    def configure(self, waiter_flag: bool, spin_s: float) -> None:
        self._struct.waiter_flag = int(waiter_flag)
        self._struct.spin_s = spin_s


class NativeOrdering(Ordering):
    name = "native"
    can_ring = True

    def __init__(self, lib: ctypes.CDLL, releasing: Optional[ctypes.CDLL] = None) -> None:
        """``lib``: the library, ideally loaded as a :class:`ctypes.PyDLL` (calls keep
        the GIL); ``releasing``: the same library as a :class:`ctypes.CDLL`, for the
        calls that may spin (default: ``lib``)."""
        self._lib = lib
        self._releasing = releasing or lib
        self.fence = lib.shm_signal_fence  # type: ignore[method-assign]
        self.load_word = lib.shm_signal_load_word  # type: ignore[method-assign]
        self.store_fence_load = lib.shm_signal_store_fence_load  # type: ignore[method-assign]
        self.ring = lib.shm_signal_ring_le32  # type: ignore[method-assign]

    def side(self, own: int, remote: int, fired: int = 0) -> Side:
        return _NativeSide(self._lib, self._releasing, own, remote, fired)


class _KernelSide(Side):
    """The same steps as shm_signal_atomic.c, with the OS's fences around plain
    byte accesses (offsets: enabled 0, pending 1, dirty 2, waiting 3)."""

    def __init__(self, fence: Callable[[], Any], own: int, remote: int, fired: int) -> None:
        self._fence = fence
        self._own = (ctypes.c_uint8 * 4).from_address(own)
        self._rem = (ctypes.c_uint8 * 4).from_address(remote)
        self._fired = ctypes.c_uint32.from_address(fired) if fired else ctypes.c_uint32(0)
        self._waiter_flag = False
        self._spin_s = 0.0

    def configure(self, waiter_flag: bool, spin_s: float) -> None:
        self._waiter_flag, self._spin_s = waiter_flag, spin_s

    def _has_work(self) -> bool:
        r = self._own
        return r[0] == 1 and bool(r[2] or r[1])

    def announce_park(self) -> int:
        if self._fired.value:
            return SIDE_FAULT
        self._own[3] = 1
        self._fence()  # F5
        return int(self._has_work())

    def spin(self) -> int:
        if self._fired.value:
            return SIDE_FAULT
        if self._has_work():
            return 1
        until = time.perf_counter() + self._spin_s
        while time.perf_counter() < until:
            if self._has_work():
                return 1
        return 0

    def spin_step(self) -> int:
        r = self.spin()
        return self.step() if r > 0 else r if r < 0 else STEP_IDLE

    def inject(self) -> int:
        r, fence = self._rem, self._fence
        if self._fired.value:
            return SIDE_FAULT
        fence()  # F0
        r[2] = 1
        fence()  # F1
        if r[0] != 1 or r[1] != 0:
            return 0
        r[1] = 1
        if self._waiter_flag:
            fence()  # F6
            return r[3]  # 0: not parked; else where (7.8)
        return 1

    def step(self) -> int:
        r, fence = self._own, self._fence
        if self._fired.value:
            return SIDE_FAULT
        if not self._has_work():
            return STEP_DONE
        if r[2]:
            r[2] = 0
            fence()  # F2
            return STEP_NOTIFY
        r[1] = 0
        fence()  # F3
        return STEP_AGAIN if self._has_work() else STEP_DONE


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

    def side(self, own: int, remote: int, fired: int = 0) -> Side:
        return _KernelSide(self._fence, own, remote, fired)


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
    from abi.engine.wake.linux import futex_syscall_number, libc_syscall

    syscall = libc_syscall()
    nr = futex_syscall_number()  # this process's ABI, not the kernel's (wake_linux)
    dummy = ctypes.c_uint32(0)
    addr = ctypes.addressof(dummy)
    futex_wake_private = 1 | 128

    def fence() -> None:
        syscall(nr, ctypes.c_void_p(addr), futex_wake_private, 1, None, None, 0)

    # A FUTEX_WAKE with nobody waiting wakes 0; anything else (-1: ENOSYS, EFAULT)
    # means the call is not the fence it should be.  Checked once, not per call.
    if syscall(nr, ctypes.c_void_p(addr), futex_wake_private, 1, None, None, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"futex({nr}, FUTEX_WAKE_PRIVATE) as a fence failed: "
                           f"{errno.errorcode.get(err, err)}")

    fence.keepalive = dummy  # type: ignore[attr-defined]
    return fence


_ordering: Optional[Ordering] = None


def get_ordering(prefer_native: bool = True) -> Ordering:
    """The best ordering available here (cached)."""
    global _ordering
    if not prefer_native:
        return KernelOrdering(kernel_fence())
    if _ordering is None:
        lib = native.try_load_holding_gil()
        _ordering = NativeOrdering(lib, native.try_load()) if lib else KernelOrdering(kernel_fence())
    return _ordering
