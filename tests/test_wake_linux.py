"""The futex call of a process (abi/engine/wake/linux.py): the syscall number and timespec
belong to the process's ABI, which ``platform.machine()`` (the kernel's uname) does
not name.  ``futex_abi`` is a pure function of the machine, the pointer size and the
platform triplet; these cases run on every host."""

from __future__ import annotations

import ctypes
import errno
import platform
import sys

import pytest

from abi.engine.wake import linux as wake_linux
from abi.engine.wake.linux import X32_SYSCALL_BIT, futex_abi, timespec_type

# (uname -m, sizeof(void *), triplet) -> (ABI, SYS_futex, timespec field bits)
CASES = [
    # x86: the case that was broken (a 32-bit CPython on a 64-bit kernel got 202,
    # which is getegid32 in the i386 table)
    ("x86_64", 4, "i386-linux-gnu", "i386", 240, 32),
    ("x86_64", 4, "", "i386", 240, 32),  # no triplet: the classic 32-bit ABI
    ("x86_64", 8, "x86_64-linux-gnu", "x86_64", 202, 64),
    ("x86_64", 8, "", "x86_64", 202, 64),
    ("x86_64", 4, "x86_64-linux-gnux32", "x32", X32_SYSCALL_BIT | 202, 64),
    ("x86_64", 4, "x86_64-linux-muslx32", "x32", X32_SYSCALL_BIT | 202, 64),
    ("i686", 4, "i386-linux-gnu", "i386", 240, 32),
    ("i686", 4, "", "i386", 240, 32),
    ("i686", 8, "x86_64-linux-gnu", "x86_64", 202, 64),  # a 64-bit process under linux32
    ("i686", 4, "i686-linux-musl", "i386", 240, 32),
    # arm: an armhf (or armel) process on an aarch64 kernel uses the compat table
    ("aarch64", 8, "aarch64-linux-gnu", "aarch64", 98, 64),
    ("aarch64", 4, "arm-linux-gnueabihf", "arm", 240, 32),
    ("aarch64", 4, "arm-linux-gnueabi", "arm", 240, 32),
    ("aarch64", 4, "", "arm", 240, 32),
    ("armv8l", 4, "", "arm", 240, 32),  # uname under linux32 on an aarch64 kernel
    ("armv7l", 4, "arm-linux-gnueabihf", "arm", 240, 32),
    ("armv7l", 4, "", "arm", 240, 32),
    # powerpc
    ("ppc64le", 8, "powerpc64le-linux-gnu", "ppc64", 221, 64),
    ("ppc64", 8, "powerpc64-linux-gnu", "ppc64", 221, 64),
    ("ppc64", 4, "powerpc-linux-gnu", "ppc", 221, 32),
    ("ppc64", 4, "", "ppc", 221, 32),
    ("ppc", 4, "powerpc-linux-gnuspe", "ppc", 221, 32),
    # s390
    ("s390x", 8, "s390x-linux-gnu", "s390x", 238, 64),
    ("s390x", 4, "s390-linux-gnu", "s390", 238, 32),
    ("s390x", 4, "", "s390", 238, 32),
    # mips: o32 4000+, n64 5000+, n32 6000+ (n32 only by its triplet)
    ("mips64", 8, "mips64el-linux-gnuabi64", "mips-n64", 5194, 64),
    ("mips64", 8, "mips64-linux-gnuabi64", "mips-n64", 5194, 64),
    ("mips64", 8, "", "mips-n64", 5194, 64),
    ("mips64", 4, "mips64el-linux-gnuabin32", "mips-n32", 6194, 32),
    ("mips64", 4, "mipsisa64r6el-linux-gnuabin32", "mips-n32", 6194, 32),
    ("mips64", 4, "mipsel-linux-gnu", "mips-o32", 4238, 32),
    ("mips64", 4, "", "mips-o32", 4238, 32),
    ("mips", 4, "mips-linux-gnu", "mips-o32", 4238, 32),
    ("mips", 4, "mipsisa32r6el-linux-gnu", "mips-o32", 4238, 32),
    # riscv: rv32 has no time32 calls, so its futex is futex_time64
    ("riscv64", 8, "riscv64-linux-gnu", "riscv64", 98, 64),
    ("riscv64", 8, "", "riscv64", 98, 64),
    ("riscv32", 4, "riscv32-linux-gnu", "riscv32", 422, 64),
    ("riscv32", 4, "", "riscv32", 422, 64),
    # the others the kernel has
    ("loongarch64", 8, "loongarch64-linux-gnu", "loongarch64", 98, 64),
    ("sparc64", 8, "sparc64-linux-gnu", "sparc64", 142, 64),
    ("sparc64", 4, "", "sparc", 142, 32),
    ("parisc64", 4, "hppa-linux-gnu", "parisc", 210, 32),
    ("alpha", 8, "alpha-linux-gnu", "alpha", 394, 64),
    ("ia64", 8, "ia64-linux-gnu", "ia64", 1230, 64),
    ("m68k", 4, "m68k-linux-gnu", "m68k", 235, 32),
    ("sh4", 4, "sh4-linux-gnu", "sh", 240, 32),
    # case and blanks do not matter
    ("X86_64 ", 4, " I386-Linux-GNU", "i386", 240, 32),
]


@pytest.mark.parametrize("machine,pointer,triplet,name,nr,time_bits", CASES,
                         ids=[f"{m.strip()}-{8 * p}-{t.strip() or 'none'}" for m, p, t, *_ in CASES])
def test_futex_abi(machine: str, pointer: int, triplet: str, name: str, nr: int, time_bits: int) -> None:
    abi = futex_abi(machine, pointer, triplet)
    assert (abi.name, abi.nr, abi.pointer_bytes, abi.time_bits) == (name, nr, pointer, time_bits)


@pytest.mark.parametrize("machine,pointer,triplet", [
    ("x86_64", 4, "x86_64-linux-gnu"),  # the triplet and the pointer size disagree
    ("x86_64", 8, "i386-linux-gnu"),
    ("aarch64", 4, "aarch64-linux-gnu"),
    ("aarch64", 4, "aarch64_ilp32-linux-gnu"),  # no such ABI in the kernel
    ("loongarch64", 4, ""),  # no 32-bit ABI
    ("m68k", 8, ""),
    ("arc", 4, ""),  # not known here: refused, never guessed
    ("x86_64", 2, ""),
    ("", 8, ""),
])
def test_unknown_or_contradictory_is_refused(machine: str, pointer: int, triplet: str) -> None:
    with pytest.raises(OSError) as exc:
        futex_abi(machine, pointer, triplet)
    assert exc.value.errno == errno.ENOSYS


def test_the_kernel_name_alone_does_not_decide() -> None:
    """The bug: the same uname for a 64-bit and a 32-bit process, two numbers."""
    assert futex_abi("x86_64", 8).nr != futex_abi("x86_64", 4).nr
    assert futex_abi("aarch64", 8).nr != futex_abi("aarch64", 4).nr


@pytest.mark.parametrize("time_bits,size", [(32, 8), (64, 16)])
def test_timespec(time_bits: int, size: int) -> None:
    """time32 futex: two 32-bit C longs; 64-bit ABIs, x32 and futex_time64: two
    64-bit fields (on x32 a C long has 32 bits, so c_long would be wrong there)."""
    abi = next(a for a in wake_linux.ABIS.values() if a.time_bits == time_bits)
    ts = timespec_type(abi)
    assert ctypes.sizeof(ts) == size
    assert [f[0] for f in ts._fields_] == ["tv_sec", "tv_nsec"]  # type: ignore[attr-defined]
    assert timespec_type(wake_linux.ABIS["x32"]) is timespec_type(wake_linux.ABIS["x86_64"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="futex(2) is Linux's")
def test_this_process() -> None:
    """This interpreter's choice agrees with its own pointer size and, where its C
    long is as wide as a pointer and it has a time32 call, with a C-long timespec."""
    abi = wake_linux.this_futex_abi()
    assert abi == futex_abi(platform.machine(), ctypes.sizeof(ctypes.c_void_p), wake_linux.process_triplet())
    assert abi.pointer_bytes == ctypes.sizeof(ctypes.c_void_p)
    assert wake_linux.futex_syscall_number() == abi.nr
    if abi.name not in ("x32", "riscv32"):
        assert ctypes.sizeof(timespec_type(abi)) == 2 * ctypes.sizeof(ctypes.c_long)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="futex(2) is Linux's")
def test_futex_really_waits_and_wakes() -> None:
    """The number and the timespec in a real call: a wait on an unchanged word
    sleeps for its timeout (a wrong number returns at once), one on a changed word
    returns at once (EAGAIN), and a wake with nobody waiting succeeds."""
    import time

    word = ctypes.c_uint32(7)
    futex = wake_linux.FutexWake(lambda locality: ctypes.addressof(word))
    t0 = time.monotonic()
    futex.wait(0, 7, 0.05)
    assert 0.04 <= time.monotonic() - t0 < 2.0
    t0 = time.monotonic()
    futex.wait(0, 8, 5.0)
    assert time.monotonic() - t0 < 1.0
    futex.wake(0)
