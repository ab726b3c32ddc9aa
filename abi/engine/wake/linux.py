"""Linux wake-ups: futex(2) on the owner's wait word, shared (no FUTEX_PRIVATE_FLAG),
so that a wake from another process reaches the waiter.

The syscall number belongs to the ABI of the running *process*, not to the kernel:
``platform.machine()`` is the kernel's ``uname -m``, so a 32-bit CPython on a 64-bit
kernel reads ``x86_64`` (or ``aarch64``, ``ppc64``, ``s390x``, ``mips64``) although
its system calls go through the 32-bit table, where the 64-bit numbers mean
something else (202 is ``getegid32`` on i386): such a process would neither wait nor
wake, and the kernel-call fence of :mod:`abi.engine.ordering` would be no fence.
:func:`futex_abi` therefore decides from the process's own description: CPython's
platform triplet (``sys.implementation._multiarch``, which its configure derives
from the compiler's predefined macros, so it tells x32 and MIPS n32 apart too), and
the pointer size; the kernel's machine name only names the family when there is no
triplet.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import re
import sys
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple, Type

from abi.engine.wake.base import WakeBackend

FUTEX_WAIT = 0
FUTEX_WAKE = 1
INT_MAX = 2**31 - 1
X32_SYSCALL_BIT = 0x40000000  # __X32_SYSCALL_BIT: x32 calls are the x86_64 numbers | this


class FutexAbi(NamedTuple):
    """How a process of one ABI calls futex(2).

    ``time_bits``: the width of each of the two fields of the ``struct timespec``
    the call takes.  The 32-bit ABIs with a time32 futex (i386, arm, ppc, s390, mips
    o32 and n32, ...) take two C longs (32 bits); the 64-bit ABIs two 64-bit longs;
    x32 (whose C long is 32 bits) and riscv32 (which has no time32 calls, so futex
    is ``futex_time64``) take the 64-bit ``struct __kernel_timespec``."""

    name: str
    nr: int
    pointer_bytes: int
    time_bits: int


def _abi(name: str, nr: int, pointer_bytes: int, time_bits: int = 0) -> FutexAbi:
    return FutexAbi(name, nr, pointer_bytes, time_bits or 8 * pointer_bytes)


# From the kernel's syscall tables (arch/*/kernel/syscalls/*.tbl, asm-generic unistd.h).
ABIS: Dict[str, FutexAbi] = {a.name: a for a in (
    _abi("x86_64", 202, 8),
    _abi("x32", X32_SYSCALL_BIT | 202, 4, 64),
    _abi("i386", 240, 4),
    _abi("aarch64", 98, 8),
    _abi("arm", 240, 4),  # EABI, also under an aarch64 kernel (its compat table)
    _abi("ppc64", 221, 8),
    _abi("ppc", 221, 4),
    _abi("s390x", 238, 8),
    _abi("s390", 238, 4),
    _abi("mips-n64", 5000 + 194, 8),
    _abi("mips-n32", 6000 + 194, 4),
    _abi("mips-o32", 4000 + 238, 4),
    _abi("riscv64", 98, 8),
    _abi("riscv32", 422, 4, 64),  # futex_time64: rv32 has no time32 calls
    _abi("loongarch64", 98, 8),
    _abi("sparc64", 142, 8),
    _abi("sparc", 142, 4),
    _abi("parisc64", 210, 8),
    _abi("parisc", 210, 4),
    _abi("alpha", 394, 8),
    _abi("ia64", 1230, 8),
    _abi("m68k", 235, 4),
    _abi("sh", 240, 4),
)}

# A triplet's architecture part (CPython's configure; Debian's multiarch names) ->
# the ABI; the two ILP32 ABIs of 64-bit architectures are told by the triplet's
# last part: x86_64-linux-gnux32, mips64el-linux-gnuabin32.
_TRIPLET_ARCH: Tuple[Tuple[str, str], ...] = (
    (r"x86_64|amd64", "x86_64"),
    (r"i[3-6]86", "i386"),
    (r"aarch64(_be)?_ilp32", ""),  # ILP32 on arm64: no such ABI in the kernel
    (r"aarch64(_be)?", "aarch64"),
    (r"arm.*", "arm"),
    (r"(powerpc|ppc)64(le)?", "ppc64"),
    (r"(powerpc|ppc)(le)?", "ppc"),
    (r"s390x", "s390x"),
    (r"s390", "s390"),
    (r"mips(isa)?64(r[26])?(el)?", "mips-n64"),
    (r"mips(isa)?(32)?(r[26])?(el)?", "mips-o32"),
    (r"riscv64", "riscv64"),
    (r"riscv32", "riscv32"),
    (r"loongarch64", "loongarch64"),
    (r"sparc64", "sparc64"),
    (r"sparc", "sparc"),
    (r"hppa", "parisc"),
    (r"alpha", "alpha"),
    (r"ia64", "ia64"),
    (r"m68k", "m68k"),
    (r"sh[34]?(eb)?", "sh"),
)
_ILP32 = {("x86_64", "x32"): "x32", ("mips-n64", "abin32"): "mips-n32"}

# The kernel's uname -m -> the ABI of a 64-bit and of a 32-bit process on it ("" for
# none).  A 32-bit process on a 64-bit kernel runs the classic 32-bit ABI of the
# family (the kernel's compat table); x32 and n32 are recognised by triplet only.
_MACHINE: Tuple[Tuple[str, str, str], ...] = (
    (r"x86_64|amd64|i[3-6]86", "x86_64", "i386"),
    (r"aarch64(_be)?|arm64|arm.*", "aarch64", "arm"),  # armv8l: linux32 on aarch64
    (r"(ppc|powerpc)(64)?(le)?", "ppc64", "ppc"),
    (r"s390x?", "s390x", "s390"),
    (r"mips(64)?(el)?", "mips-n64", "mips-o32"),
    (r"riscv(32|64)", "riscv64", "riscv32"),
    (r"loongarch64", "loongarch64", ""),
    (r"sparc(64)?", "sparc64", "sparc"),
    (r"parisc(64)?", "parisc64", "parisc"),
    (r"alpha", "alpha", ""),
    (r"ia64", "ia64", ""),
    (r"m68k", "", "m68k"),
    (r"sh[34]?a?(eb)?", "", "sh"),
)


def futex_abi(machine: str, pointer_bytes: int, triplet: str = "") -> FutexAbi:
    """The futex call of a process; a pure function of what describes it.

    ``machine``: the kernel's ``uname -m`` (``platform.machine()``);
    ``pointer_bytes``: the process's ``sizeof(void *)``; ``triplet``: its platform
    triplet (``i386-linux-gnu``, ``x86_64-linux-gnux32``, ``arm-linux-gnueabihf``,
    ``mips64el-linux-gnuabin32``; "" when unknown).  The triplet names the process's
    ABI and wins; without one (or with one not listed here) the family comes from
    ``machine`` and the width from the pointer size.  Raises ``OSError(ENOSYS)``
    when no number is known, and when the triplet contradicts the pointer size:
    a wrong number is a call to some other system call, which must never happen
    silently."""
    triplet = triplet.strip().lower()
    machine = machine.strip().lower()
    arch, _, system = triplet.partition("-")
    name = ""
    for pattern, arch_abi in _TRIPLET_ARCH:
        if arch and re.fullmatch(pattern, arch):
            name = arch_abi
            for (base, suffix), ilp32 in _ILP32.items():
                if arch_abi == base and system.endswith(suffix):
                    name = ilp32
            break
    else:
        for pattern, abi64, abi32 in _MACHINE:
            if re.fullmatch(pattern, machine):
                name = {8: abi64, 4: abi32}.get(pointer_bytes, "")
                break
    found = ABIS.get(name)
    if found is None:
        raise OSError(errno.ENOSYS, f"no futex syscall number known for a {8 * pointer_bytes}-bit "
                                    f"process on {machine or '?'} (platform triplet {triplet or 'unknown'})")
    if found.pointer_bytes != pointer_bytes:
        raise OSError(errno.ENOSYS, f"the platform triplet {triplet} names the {found.name} ABI, "
                                    f"but pointers here have {pointer_bytes} bytes")
    return found


def process_triplet() -> str:
    """This interpreter's platform triplet ("" when it has none)."""
    triplet = getattr(sys.implementation, "_multiarch", "") or ""
    if not triplet:
        import sysconfig

        triplet = sysconfig.get_config_var("MULTIARCH") or ""
    return str(triplet)


_this: Optional[FutexAbi] = None


def this_futex_abi() -> FutexAbi:
    """The futex call of this process (cached)."""
    global _this
    if _this is None:
        _this = futex_abi(platform.machine(), ctypes.sizeof(ctypes.c_void_p), process_triplet())
    return _this


def futex_syscall_number() -> int:
    """SYS_futex of this process's ABI."""
    return this_futex_abi().nr


def timespec_type(abi: FutexAbi) -> Type[ctypes.Structure]:
    """The ``struct timespec`` the futex call of ``abi`` takes."""
    return _Timespec64 if abi.time_bits == 64 else _Timespec32


class _Timespec64(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_int64)]


class _Timespec32(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int32), ("tv_nsec", ctypes.c_int32)]


_syscall: Optional[Any] = None


def libc_syscall() -> Any:
    """libc's syscall(), one function object per process: a CDLL per channel would
    make a ctypes class per channel, and a round trip on one of a thousand channels
    would then run through memory no other channel warms (benchmarks/channels.py)."""
    global _syscall
    if _syscall is None:
        fn = ctypes.CDLL(None, use_errno=True).syscall
        fn.restype = ctypes.c_long
        _syscall = fn
    return _syscall


class FutexWake(WakeBackend):
    name = "futex"

    def __init__(self, word_address: Callable[[int], int]) -> None:
        from abi import layout

        self.feature = layout.FEATURE_WAKE_ADDRESS
        self.word_address = word_address
        self._syscall = libc_syscall()
        abi = this_futex_abi()
        self._nr = abi.nr
        self._wake_args: Dict[int, Tuple[Any, ...]] = {}
        # Reused argument objects: wait and wake are on the round-trip path.
        self._ts = timespec_type(abi)(0, 0)
        self._ts_ref = ctypes.byref(self._ts)
        self._expected = ctypes.c_uint32(0)
        self._addr: Dict[int, ctypes.c_void_p] = {}

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        addr = self._addr.get(locality)
        if addr is None:
            addr = self._addr[locality] = ctypes.c_void_p(self.word_address(locality))
        if timeout < INT_MAX:
            secs = int(timeout)
            self._ts.tv_sec, self._ts.tv_nsec = secs, int((timeout - secs) * 1e9)
        else:  # what a time32 tv_sec holds
            self._ts.tv_sec, self._ts.tv_nsec = INT_MAX, 0
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
