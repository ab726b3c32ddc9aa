"""The C engine through its ctypes binding (abi/engine/c_channel.py), and its own C test
program built plainly and with ASan+UBSan."""

from __future__ import annotations

import ctypes
import errno
import math
import mmap
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, List, Tuple

import pytest
from peer_harness import C_DIR, SANITIZE, WARN, PeerProc, build_c_peer, python_peer_argv

from abi.engine import c_channel as c_engine
from abi.engine import native
from abi.engine.c_channel import CChannel
from abi.engine.native import LIB_SOURCES
from abi.faults import Fault, ShmSignalFault
from conftest import missing, require_tool

NO_LOCK = 0x9  # WAKE_ADDRESS | NOTIFY_COUNT
IID = bytes(range(1, 17))


def test_one_library_holds_both(tmp_path: Path) -> None:
    lib = native.load()
    assert hasattr(lib, "shm_signal_store_fence_load") and hasattr(lib, "shm_signal_create")
    assert c_engine.supported_features() & 0xC == 0xC  # LIVENESS_LOCK | NOTIFY_COUNT everywhere


def test_create_attach_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "c"
    with CChannel.create(path, 1, instance_id=IID, pid=42, features=NO_LOCK) as s:
        assert s.features is None and not s.peer_attached()
        with CChannel.attach(path, pid=43) as n:
            assert (n.locality, n.remote_locality, n.features) == (0, 1, NO_LOCK)
            assert s.wait_for_peer(1.0) and s.features == NO_LOCK
            d = s.descriptor_bytes()
            assert d == path.read_bytes()[:192]
            assert struct.unpack_from("<IIII", d) == (0x58FA39DF, 1, 192, 1)
            assert d[40:56] == IID and struct.unpack_from("<II", d, 132) == (1, 42)
            assert struct.unpack_from("<II", d, 68) == (1, 43)
            with pytest.raises(ShmSignalFault) as busy:
                CChannel.attach(path)
            assert busy.value.code == Fault.LOCALITY_BUSY and busy.value.field == "irq[0].state"


def test_create_refusals(tmp_path: Path) -> None:
    path = tmp_path / "c"
    with pytest.raises(ShmSignalFault) as e:
        CChannel.create(path, 0, offset=32)
    assert e.value.code == Fault.BAD_OFFSET
    with pytest.raises(ShmSignalFault) as e:
        CChannel.create(path, 2)
    assert e.value.code == Fault.BAD_LOCALITY
    with pytest.raises(ShmSignalFault) as e:
        CChannel.create(path, 0, features=0x8, required=0x4)
    assert e.value.code == Fault.BAD_FEATURES
    with pytest.raises(ShmSignalFault) as e:  # a creator offers only what it implements
        CChannel.create(path, 0, features=0x8 | (1 << 40))
    assert e.value.code == Fault.UNSUPPORTED_FEATURE and e.value.field == "features_offered"
    with pytest.raises(ValueError):
        CChannel.create(path, 0, instance_id=b"short")
    with pytest.raises(ShmSignalFault) as e:
        CChannel.create(path, 0, instance_id=bytes(16))
    assert e.value.code == Fault.BAD_INSTANCE_ID
    assert not path.exists()
    with CChannel.create(path, 0), pytest.raises(FileExistsError):
        CChannel.create(path, 0)


def test_several_channels_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "c"
    a = CChannel.create(path, 0, features=NO_LOCK, size=4096)
    b = CChannel.create(path, 0, offset=192, features=NO_LOCK, exist_ok=True)
    a2, b2 = CChannel.attach(path), CChannel.attach(path, offset=192)
    try:
        assert path.stat().st_size == 4096
        a.enable()
        assert a2.inject() and not b.wait(0.01)
        assert a.wait(1.0) and a.wakeup() == 1
        assert a.descriptor_bytes()[40:56] != b.descriptor_bytes()[40:56]  # own instance ids
    finally:
        for ch in (a2, b2, a, b):
            ch.close()


def test_attach_waits_for_a_late_creator(tmp_path: Path) -> None:
    path = tmp_path / "c"
    t = threading.Timer(0.2, lambda: CChannel.create(path, 0, features=NO_LOCK).close())
    t.start()
    try:
        start = time.monotonic()
        with CChannel.attach(path, timeout=5.0) as ch:
            assert ch.locality == 1 and time.monotonic() - start >= 0.15
    finally:
        t.join()
    with pytest.raises(FileNotFoundError):
        CChannel.attach(tmp_path / "never", timeout=0.1)
    (tmp_path / "unpublished").write_bytes(bytes(192))
    with pytest.raises(ShmSignalFault) as e:  # still zero at the deadline: the fault it saw
        CChannel.attach(tmp_path / "unpublished", timeout=0.1)
    assert e.value.code == Fault.BAD_MAGIC


def test_notifier_failure_keeps_pending(tmp_path: Path) -> None:
    """Spec 7.2: a failing notifier leaves dirty cleared and pending as it was."""
    path = tmp_path / "c"
    calls: List[int] = []

    def boom() -> None:
        calls.append(1)
        raise RuntimeError("notifier failed")

    with CChannel.create(path, 0, features=NO_LOCK, notifier=boom) as n, CChannel.attach(path) as s:
        n.wait_for_peer(1.0)
        n.enable()
        assert s.inject()
        with pytest.raises(RuntimeError, match="notifier failed"):
            n.wakeup()
        assert n.descriptor_bytes()[64:67] == b"\x01\x01\x00"  # enabled, pending, dirty cleared
        n.notifier = None
        assert n.wakeup() == 0 and n.descriptor_bytes()[64:67] == b"\x01\x00\x00"
        assert len(calls) == 1


def test_budget_bounds_a_remote_that_sets_dirty_forever(tmp_path: Path) -> None:
    path = tmp_path / "c"
    with CChannel.create(path, 0, features=NO_LOCK) as n, CChannel.attach(path) as s, \
            open(path, "r+b") as f:
        mm = mmap.mmap(f.fileno(), 0)
        n.notifier = lambda: mm.__setitem__(66, 1)  # a hostile remote: dirty again at once
        n.enable()
        s.inject()
        assert n.wakeup(budget=7) == 7 and n.more_work
        assert mm[65] == 1 and mm[66] == 1  # pending stays set: come back without waiting
        n.notifier = None
        assert n.wakeup() == 1 and not n.more_work
        mm.close()


def test_hostile_flag_values_do_not_confuse_inject(tmp_path: Path) -> None:
    path = tmp_path / "c"
    with CChannel.create(path, 0, features=NO_LOCK) as n, CChannel.attach(path) as s, \
            open(path, "r+b") as f:
        mm = mmap.mmap(f.fileno(), 0)
        mm[64] = 0xFF  # "enabled" that is not 1
        assert not s.inject()  # no notification for a value the protocol does not know
        mm[64], mm[65], mm[66] = 1, 0, 0
        assert s.inject()
        mm.close()
        assert n.wait(0) is True


def _until(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``pred`` until it holds or ``timeout`` passes (no fixed sleep)."""
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() >= end:
            return False
        time.sleep(0.005)
    return True


@pytest.mark.slow  # waits out timeouts and the 0.5 s grace
def test_wait_times_out_and_late_detector_works(tmp_path: Path) -> None:
    """A plain timeout is not 'late'; work that appears without a wake-up (a lost
    wake-up, simulated by writing the flags directly) is counted as late once its
    notification (notify_count) has not come within the grace of 0.5 s, settled at a
    later wait or stats read, so the wait that found it costs no extra time; work whose
    notification does come in time is not counted."""
    path = tmp_path / "c"
    with CChannel.create(path, 0, features=NO_LOCK) as n, CChannel.attach(path), \
            open(path, "r+b") as f:
        n.set_liveness_interval(0.05)
        n.enable()
        start = time.monotonic()
        assert n.wait(0.2) is False
        assert 0.15 <= time.monotonic() - start < 2.0 and n.stats["late"] == 0
        mm = mmap.mmap(f.fileno(), 0)
        threading.Timer(0.1, lambda: (mm.__setitem__(66, 1), mm.__setitem__(65, 1))).start()
        start = time.monotonic()
        assert n.wait(5.0) is True
        assert time.monotonic() - start < 0.4  # found at the first timed-out park: no grace spent
        assert _until(lambda: n.stats["late"] == 1)
        assert n.wakeup() == 1
        # The same, but the notification comes (late, yet within the grace): not counted.
        threading.Timer(0.1, lambda: (mm.__setitem__(66, 1), mm.__setitem__(65, 1))).start()
        assert n.wait(5.0) is True
        mm[80] += 1  # notify_count of north's record: the remote's count, then its wake
        seen = time.monotonic()
        assert not _until(lambda: n.stats["late"] != 1, timeout=0.7)
        assert time.monotonic() - seen >= 0.7
        mm.close()


def test_closed_and_use_after_close(tmp_path: Path) -> None:
    path = tmp_path / "c"
    n = CChannel.create(path, 0, features=NO_LOCK)
    s = CChannel.attach(path)
    s.close()
    s.close()  # idempotent
    with pytest.raises(ValueError):
        s.inject()
    assert n.flags()["dirty"] == 1  # the close's dirty
    # disabled or enabled, the owner's wait sees the close (spec 13.4: wait reports it)
    for enable in (False, True):
        if enable:
            assert n.enable() == 1  # consumes the close's dirty
        with pytest.raises(ShmSignalFault) as e:
            n.wait(1.0)
        assert e.value.code == Fault.PEER_CLOSED
    d = n.descriptor_bytes()
    assert struct.unpack_from("<I", d, 132)[0] == 2 and d[80] == 0  # not counted
    n.close()


def _build_and_run_test_program(tmp_path: Path, flags: List[str]) -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler")
    assert cc is not None
    exe = tmp_path / "shm_signal_test"
    srcs = [str(C_DIR / s) for s in ("shm_signal_test.c", *LIB_SOURCES)]
    build = subprocess.run([cc, "-std=c11", "-O1", *WARN, *flags, f"-I{C_DIR}", *srcs, "-o", str(exe)],
                           capture_output=True, text=True, timeout=300)
    if build.returncode != 0:
        if flags and "sanitize" in build.stderr:
            missing(f"sanitizer runtime unavailable: {build.stderr[-500:]}")
        pytest.fail(build.stderr)
    run = subprocess.run([str(exe), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


@pytest.mark.slow  # a C build and its whole test program, over a second (the fast tier's budget is a minute)
def test_c_test_program(tmp_path: Path) -> None:
    assert "all checks passed" in _build_and_run_test_program(tmp_path, [])


@pytest.mark.slow  # an ASan+UBSan build of the test program
def test_c_test_program_sanitized(tmp_path: Path) -> None:
    out = _build_and_run_test_program(tmp_path, SANITIZE)
    assert "all checks passed" in out and "runtime error" not in out


@pytest.mark.slow  # make: library, peer and test program
def test_makefile_builds_library_peer_and_test(tmp_path: Path) -> None:
    make = require_tool("make")
    build = tmp_path / "build"
    proc = subprocess.run([make, "-C", str(C_DIR), f"BUILD={build}", "all", "test"], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {p.name for p in build.iterdir()} >= {"libshm_signal.so", "shm_signal_peer", "shm_signal_test"}
    hello = subprocess.run([str(build / "shm_signal_peer")], input="hello\n", capture_output=True,
                           text=True, timeout=30)
    assert hello.stdout.startswith("ok protocol=1 impl=c")


@pytest.mark.slow  # cmake configure, build and ctest
def test_cmake_builds_and_ctest_passes(tmp_path: Path) -> None:
    cmake = require_tool("cmake")
    ctest = require_tool("ctest")
    build = tmp_path / "build"
    for cmd in ([cmake, "-S", str(C_DIR), "-B", str(build)], [cmake, "--build", str(build)],
                [ctest, "--test-dir", str(build), "--output-on-failure"]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{cmd}: {proc.stdout}{proc.stderr}"
    assert (build / "libshm_signal.so").exists()


def test_wakeup_is_bounded_against_a_remote_flipping_pending(tmp_path: Path) -> None:
    """A remote that sets pending (not dirty) as fast as it can must not keep the
    owner's wakeup looping: it returns after at most `budget` rounds."""
    path = tmp_path / "c"
    with CChannel.create(path, 0, features=NO_LOCK) as n, CChannel.attach(path), \
            open(path, "r+b") as f:
        mm = mmap.mmap(f.fileno(), 0)
        n.enable()
        stop = threading.Event()

        def flip() -> None:
            end = time.monotonic() + 3.0  # an unbounded wakeup fails the timing, not hangs
            while not stop.is_set() and time.monotonic() < end:
                mm[65] = 1

        t = threading.Thread(target=flip)
        t.start()
        try:
            time.sleep(0.01)
            start = time.monotonic()
            assert n.wakeup(budget=50) == 0  # no dirty, so no notifier calls
            assert time.monotonic() - start < 1.0
        finally:
            stop.set()
            t.join()
            mm.close()


# ------------------------------------------------------------ issue 11: hostile peers
#
# A "hostile" process below maps the file itself and writes its bytes directly (no
# engine), as a broken or malicious peer would.

ROOT = Path(__file__).resolve().parent.parent
MAGIC = 0x58FA39DF
LOCK_BASE = 1 << 40


def _descriptor(creator: int = 0, offered: int = 0xD, required: int = 0, accepted: int = 0,
                states: Tuple[int, int] = (1, 0)) -> bytearray:
    d = bytearray(192)
    struct.pack_into("<IIII", d, 0, MAGIC, 1, 192, creator)
    struct.pack_into("<QQQ", d, 16, offered, required, accepted)
    d[40:56] = IID
    for loc, st in enumerate(states):
        struct.pack_into("<I", d, 64 + 64 * loc + 4, st)
    return d


def _hostile(script: str, *args: str) -> subprocess.Popen[str]:
    """Start a separate Python process running ``script``; it prints "ready" when it runs."""
    p = subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def _stop(p: subprocess.Popen[str]) -> None:
    p.kill()
    p.wait(timeout=30)


_peers = iter(range(10**6))


def _c_peer(log_dir: Path) -> PeerProc:
    """The reference peer protocol over the C engine, in a process of its own."""
    return PeerProc([*python_peer_argv(), "--engine", "c"], f"cpeer{next(_peers)}", log_dir)


FLIP_OFFERED = """
import mmap, sys
with open(sys.argv[1], "r+b") as f:
    mm = mmap.mmap(f.fileno(), 0)
    print("ready", flush=True)
    while True:
        for _ in range(10000):
            mm[16] = 0x0D
            mm[16] = 0x05
"""


def test_attach_decides_from_the_snapshot_it_validated(tmp_path: Path) -> None:
    """Item 1: a creator rewrites features_offered between 0x0d (valid: it holds the
    required NOTIFY_COUNT) and 0x05 (invalid: it does not) while we attach again and
    again.  Every attach either refuses (BAD_FEATURES) or accepts exactly what the
    snapshot it validated offered, and writes nothing but its own fields."""
    path = tmp_path / "c"
    d = _descriptor(offered=0x0D, required=0x08)
    path.write_bytes(bytes(d))
    flipper = _hostile(FLIP_OFFERED, str(path))
    attached = refused = 0
    try:
        with open(path, "r+b") as f:
            mm = mmap.mmap(f.fileno(), 0)
            for _ in range(3000):
                try:
                    ch = CChannel.attach(path, features=0x0D)
                except ShmSignalFault as e:
                    assert e.code == Fault.BAD_FEATURES, e
                    refused += 1
                    continue
                try:
                    feats, after = ch.features, bytearray(mm[:192])
                finally:
                    ch.close()
                assert feats == 0x0D and struct.unpack_from("<Q", after, 32)[0] == 0x0D
                assert struct.unpack_from("<I", after, 132)[0] == 1
                for lo, hi in ((16, 17), (32, 40), (132, 140)):  # flipped; accepted; own state, pid
                    after[lo:hi] = d[lo:hi]
                assert after == d, "the attach wrote outside its own fields"
                attached += 1
                mm[32:40] = bytes(8)  # as before the attach: accepted 0, record empty, no dirty
                mm[132:140] = bytes(8)
                mm[66] = 0
            mm.close()
    finally:
        _stop(flipper)
    assert attached > 0 and refused > 0, (attached, refused)


def test_create_writes_only_over_zeros_or_a_dead_descriptor(tmp_path: Path) -> None:
    """Item 2 (spec 6.1 steps 2-3): exist_ok never writes over a live descriptor, in
    this process or from another, whatever locality it asks for, nor over bytes that
    are not a descriptor; it does write over zeros (past the end of the file too) and
    over a descriptor whose records are dead or closed."""
    path = tmp_path / "live"
    with CChannel.create(path, 0, size=4096):  # no attacher yet
        before = path.read_bytes()
        for loc in (0, 1):
            with pytest.raises(ShmSignalFault) as e:
                CChannel.create(path, loc, exist_ok=True)
            assert e.value.code == Fault.LOCALITY_BUSY
        other = _c_peer(tmp_path)
        try:
            assert other.err(f"create {path} 1 exist_ok=1") == Fault.LOCALITY_BUSY
        finally:
            assert other.finish() == 0
        assert path.read_bytes() == before
    # A live creator without LIVENESS_LOCK holds its lock all the same.
    path = tmp_path / "nolock"
    with CChannel.create(path, 0, features=NO_LOCK):
        before = path.read_bytes()
        other = _c_peer(tmp_path)
        try:
            assert other.err(f"create {path} 0 exist_ok=1") == Fault.LOCALITY_BUSY
        finally:
            assert other.finish() == 0
        assert path.read_bytes() == before

    def refused(data: bytes, code: Fault, field: str, offset: int = 0) -> None:
        p = tmp_path / f"refused{next(names)}"
        p.write_bytes(data)
        with pytest.raises(ShmSignalFault) as e:
            CChannel.create(p, 0, offset=offset, exist_ok=True)
        assert e.value.code == code and e.value.field == field, e.value
        assert p.read_bytes() == data  # not a byte written, not grown

    names = iter(range(100))
    refused(b"not a descriptor" * 20, Fault.BAD_MAGIC, "magic")
    refused(bytes(64) + b"\x01" + bytes(127), Fault.BAD_MAGIC, "magic")  # zero magic, not all zero
    refused(struct.pack(">I", MAGIC) + bytes(188), Fault.BYTE_SWAPPED, "magic")
    refused(bytes(64) + b"\x07" * 40, Fault.BAD_MAGIC, "magic", offset=64)  # short file, bytes in range
    # records that count as live: attached, with no lock that could prove them dead
    refused(bytes(_descriptor(offered=0x9)), Fault.LOCALITY_BUSY, "irq[0].state")
    refused(bytes(_descriptor(offered=0xD, accepted=0x9, states=(2, 1))), Fault.LOCALITY_BUSY,
            "irq[1].state")
    refused(bytes(_descriptor(creator=5, offered=0xD, accepted=0x9, states=(1, 0))),
            Fault.LOCALITY_BUSY, "irq[0].state")

    def accepted(data: bytes, offset: int = 0) -> None:
        p = tmp_path / f"accepted{next(names)}"
        p.write_bytes(data)
        with CChannel.create(p, 1, offset=offset, exist_ok=True, pid=9) as ch:
            assert ch.locality == 1
            d = p.read_bytes()
            assert len(d) >= offset + 192 and struct.unpack_from("<I", d, offset)[0] == MAGIC
            assert struct.unpack_from("<II", d, offset + 132) == (1, 9)

    accepted(b"")  # empty
    accepted(bytes(100))  # short, zero: past the end counts as zero
    accepted(b"\x05" * 64, offset=64)  # other bytes before the offset are not ours to judge
    accepted(bytes(_descriptor(offered=0xD, accepted=0xD, states=(1, 1))))  # both dead (no locks held)
    accepted(bytes(_descriptor(offered=0x9, accepted=0x9, states=(2, 2))))  # both closed
    accepted(bytes(_descriptor(offered=0x9, states=(2, 7))))  # closed and garbage: nothing live


def test_two_creators_never_both_succeed(tmp_path: Path) -> None:
    """Item 3: two processes that create(exist_ok) one descriptor at once, as north and
    as south: exactly one becomes the creator, every time."""
    a, b = _c_peer(tmp_path), _c_peer(tmp_path)
    try:
        for i in range(20):
            path = tmp_path / f"race{i}"
            a.send(f"create {path} 0 exist_ok=1")
            b.send(f"create {path} 1 exist_ok=1")
            replies = [a.reply(), b.reply()]
            oks = [r for r in replies if r.startswith("ok")]
            assert len(oks) == 1, replies
            assert all(r.startswith("ok") or r.startswith("err 14 ") for r in replies), replies
            for peer, r in zip((a, b), replies):
                if r.startswith("ok"):
                    peer.cmd("close")
    finally:
        assert a.finish() == 0 and b.finish() == 0


POSIX_ONLY = pytest.mark.skipif(os.name != "posix",
                                reason="not on Windows: POSIX files (symbolic links, FIFOs, truncation)")


@POSIX_ONLY
def test_symlinks_and_non_regular_files_are_refused(tmp_path: Path) -> None:
    """Item 3: a symbolic link is never followed (ELOOP) and its target never written;
    anything but a regular file is refused as an argument error, on create and attach."""
    target = tmp_path / "target"
    target.write_bytes(b"precious" * 64)
    link = tmp_path / "link"
    link.symlink_to(target)
    for make in (lambda: CChannel.create(link, 0, exist_ok=True), lambda: CChannel.attach(link),
                 lambda: CChannel.attach(link, timeout=0.05)):
        with pytest.raises(OSError) as e:
            make()
        assert e.value.errno == errno.ELOOP
    with pytest.raises(FileExistsError):
        CChannel.create(link, 0)
    assert target.read_bytes() == b"precious" * 64
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for other in (tmp_path, fifo, Path("/dev/null")):
        with pytest.raises(ValueError, match="not a regular file"):
            CChannel.attach(other)
        if other != Path("/dev/null"):
            with pytest.raises(ValueError, match="not a regular file"):
                CChannel.create(other, 0, exist_ok=True)


def test_creator_checks_what_the_attacher_accepted(tmp_path: Path) -> None:
    """Item 5 (spec 6.2): features_accepted outside the offer, or without a required
    bit, is BAD_FEATURES from every operation that needs the negotiated set, and none
    of it is used; a valid value written later is taken."""
    path = tmp_path / "c"
    with CChannel.create(path, 0, features=0xD, required=0x8) as n, open(path, "r+b") as f:
        mm = mmap.mmap(f.fileno(), 0)
        assert n.features is None
        for bad in (0xFFFFFFFFFFFFFFFF, 0x5, 0x1D):
            mm[32:40] = struct.pack("<Q", bad)
            mm[132:136] = struct.pack("<I", 1)  # the attacher's state: attached
            for op in (lambda: n.features, n.inject, lambda: n.wait(0.01), n.check_peer,
                       lambda: n.wait_for_peer(0.01)):
                with pytest.raises(ShmSignalFault) as e:
                    op()
                assert e.value.code == Fault.BAD_FEATURES and e.value.field == "features_accepted"
        assert mm[128 + 16] == 0 and mm[130] == 0  # no inject reached the remote's record
        mm[32:40] = struct.pack("<Q", 0x9)
        assert n.features == 0x9
        mm.close()


FLIP_FLAGS = """
import mmap, sys
rec = int(sys.argv[2])
with open(sys.argv[1], "r+b") as f:
    mm = mmap.mmap(f.fileno(), 0)
    print("ready", flush=True)
    while True:
        for _ in range(10000):
            mm[rec + 1] = 1
            mm[rec + 2] = 1
            mm[rec + 1] = 0
            mm[rec + 2] = 0
"""


@pytest.mark.slow  # a race against a full-speed flipper, seconds long
def test_wait_keeps_its_deadline_against_a_flipper(tmp_path: Path) -> None:
    """Item 6 (spec 7.5): a process flipping our pending and dirty at full speed, never
    waking us, cannot make wait(t) or poll(t) overrun t by more than scheduling slack
    (it used to spin up to 0.5 s to count a 'late' wake-up)."""
    path = tmp_path / "c"
    with CChannel.create(path, 0) as n, CChannel.attach(path):
        assert n.wait_for_peer(1.0) and n.features is not None
        assert n.features & 0x18 == 0x18  # WAITER_FLAG and NOTIFY_COUNT: the path that spun
        n.enable()
        flipper = _hostile(FLIP_FLAGS, str(path), "64")
        worst = {0.02: 0.0, 0.05: 0.0}
        try:
            end = time.monotonic() + 3.0
            while time.monotonic() < end:
                for t, call in ((0.02, n.wait), (0.05, n.poll)):
                    start = time.monotonic()
                    call(t)
                    worst[t] = max(worst[t], time.monotonic() - start - t)
                    n.wakeup()
        finally:
            _stop(flipper)
        assert max(worst.values()) < 0.2, worst


def test_nan_and_bad_timeouts(tmp_path: Path) -> None:
    """Item 13: NaN is refused at once, by the C API (E_ARG) and by the binding."""
    path = tmp_path / "c"
    lib = c_engine.lib()
    with CChannel.create(path, 0, features=NO_LOCK) as n:
        h = n._handle
        err, ready = c_engine.Error(), ctypes.c_int()
        start = time.monotonic()
        assert lib.shm_signal_wait(h, math.nan, ctypes.byref(ready), ctypes.byref(err)) == c_engine.E_ARG
        assert lib.shm_signal_wait_for_peer(h, math.nan, ctypes.byref(ready),
                                            ctypes.byref(err)) == c_engine.E_ARG
        out = ctypes.c_void_p()
        assert lib.shm_signal_attach(ctypes.byref(out), os.fsencode(path), 0, 0, 0, 0, math.nan,
                                     ctypes.byref(err)) == c_engine.E_ARG
        assert time.monotonic() - start < 0.5
        for bad in (math.nan, -1, -0.5, "1", True):
            with pytest.raises(ValueError, match="timeout"):
                n.wait(bad)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="timeout"):
                n.wait_for_peer(bad)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="timeout"):
                CChannel.attach(path, timeout=bad)  # type: ignore[arg-type]
        assert n.wait(0) is False and n.wait(0.001) is False


def test_garbage_or_vanished_remote_state_is_bad_state(tmp_path: Path) -> None:
    """Item 7 (spec 9, "States"): a remote state other than 0, 1, 2, or empty after the
    remote was attached, is BAD_STATE from wait, inject and check_peer: never taken
    for "not attached yet", which would hide the peer's death for good."""
    path = tmp_path / "c"
    with CChannel.create(path, 0) as n, CChannel.attach(path) as s, open(path, "r+b") as f:
        mm = mmap.mmap(f.fileno(), 0)
        assert n.wait_for_peer(1.0)
        n.enable()
        for value, expected in ((7, "0, 1 or 2"), (0xFFFFFFFF, "0, 1 or 2"), (0, "1 or 2")):
            mm[132:136] = struct.pack("<I", value)  # south's state, as a hostile south would
            for op in (lambda: n.wait(0.01), n.inject, n.check_peer):
                with pytest.raises(ShmSignalFault) as e:
                    op()
                assert e.value.code == Fault.BAD_STATE and e.value.field == "irq[1].state"
                assert e.value.expected == expected
        mm[132:136] = struct.pack("<I", 1)
        n.check_peer()
        mm[68:72] = struct.pack("<I", 3)  # and the creator's, seen by the attacher
        with pytest.raises(ShmSignalFault) as e:
            s.wait(0.01)
        assert e.value.code == Fault.BAD_STATE and e.value.field == "irq[0].state"
        mm[68:72] = struct.pack("<I", 1)
        mm.close()


SHRINK = r"""
import os, sys
from abi.engine.c_channel import CChannel
from abi.faults import ShmSignalFault
path = sys.argv[1]
n = CChannel.create(path, 0, size=8192)
s = CChannel.attach(path)
os.truncate(path, 0)           # a hostile peer shrinks the file...
n.inject()                     # ...the access past the end is answered by the guard
os.truncate(path, 8192)        # ...and grows it back
codes = []
for name, op in (("n.inject", n.inject), ("s.wait", lambda: s.wait(0)), ("s.check_peer", s.check_peer),
                 ("n.enable", n.enable), ("s.wakeup", s.wakeup), ("n.features", lambda: n.features)):
    try:
        op()
        codes.append(f"{name}=ok")
    except ShmSignalFault as e:
        codes.append(f"{name}={e.code.name}")
# a channel created now gets a fresh mapping, and works
x = CChannel.create(path, 1, offset=192, exist_ok=True)
y = CChannel.attach(path, offset=192)
x.enable()
y.inject()
codes.append(f"fresh={x.wait(1.0)}")
for ch in (x, y, s, n):
    ch.close()
print(" ".join(codes), flush=True)
"""


@POSIX_ONLY  # Windows refuses to shrink a mapped file
def test_shrink_then_regrow_leaves_no_channel_deaf(tmp_path: Path) -> None:
    """Item 8: once the guard answered a fault in a mapping, every channel of that
    mapping (both sides here: one mapping per file per process) reports
    MAPPING_TOO_SMALL on every later call, even after the file grew back."""
    run = subprocess.run([sys.executable, "-c", SHRINK, str(tmp_path / "c")], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    got = dict(tok.split("=") for tok in run.stdout.split())
    assert got.pop("fresh") == "True"
    assert set(got.values()) == {"MAPPING_TOO_SMALL"}, got


MANY = r"""
import os, sys
from abi.engine.c_channel import CChannel
from abi.faults import ShmSignalFault
path, role, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
chans = []
for i in range(count):
    if role == "create":
        chans.append(CChannel.create(path, 0, offset=192 * i, size=192 * count, exist_ok=i > 0))
    else:
        chans.append(CChannel.attach(path, offset=192 * i, timeout=10))
real = os.path.realpath(path)
fds = sum(1 for fd in os.listdir("/proc/self/fd")
          if os.path.realpath(os.path.join("/proc/self/fd", fd)) == real)
maps = sum(1 for line in open("/proc/self/maps") if line.rstrip().endswith(real))
print(f"ready fds={fds} maps={maps}", flush=True)
sys.stdin.readline()           # the file is truncated now
faults = {}
for ch in chans:
    try:
        ch.check_peer()
        name = "ok"
    except ShmSignalFault as e:
        name = e.code.name
    faults[name] = faults.get(name, 0) + 1
try:
    chans[0].inject()          # touches the truncated file (if nothing did): the guard answers
except ShmSignalFault:
    pass                       # it fired already
for ch in chans:
    try:
        ch.wait(0)
        name = "ok"
    except ShmSignalFault as e:
        name = e.code.name
    faults["w" + name] = faults.get("w" + name, 0) + 1
for ch in chans:
    ch.close()
print(" ".join(f"{k}={v}" for k, v in sorted(faults.items())), flush=True)
"""


def test_a_thousand_channels_share_one_fd_and_one_mapping(tmp_path: Path) -> None:
    """Items 9-10: 1,024 channels in one file, created in one process and attached in
    another, cost each process one descriptor and one mapping of the file; after a
    truncate no process dies and every channel reports MAPPING_TOO_SMALL."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only: counts /proc/self/fd and /proc/self/maps (no /proc on macOS or Windows)")
    path, count = tmp_path / "many", 1024
    procs = []
    try:
        for role in ("create", "attach"):
            p = subprocess.Popen([sys.executable, "-c", MANY, str(path), role, str(count)], cwd=ROOT,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            procs.append(p)
            assert p.stdout is not None
            line = p.stdout.readline().split()
            assert line[:1] == ["ready"], line
            assert line[1:] == ["fds=1", "maps=1"], (role, line)
        os.truncate(path, 0)
        for p in procs:
            assert p.stdin is not None and p.stdout is not None
            p.stdin.write("go\n")
            p.stdin.flush()
            want = [f"MAPPING_TOO_SMALL={count}", f"wMAPPING_TOO_SMALL={count}"]
            assert p.stdout.readline().split() == want
            assert p.wait(timeout=60) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_channels_of_one_file_share_one_fd_and_grow_into_new_mappings(tmp_path: Path) -> None:
    """Items 10-11, spec 5: one descriptor per file per process; a channel beyond the
    current mapping gets a new mapping of the file's current size; an older mapping
    lives until its last channel closes."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only: counts /proc/self/fd and /proc/self/maps (no /proc on macOS or Windows)")
    path = tmp_path / "c"
    real = os.path.realpath(path)

    def counts() -> Tuple[int, int]:
        """Descriptors and mappings of the file in this process."""
        fds = sum(1 for fd in os.listdir("/proc/self/fd")
                  if os.path.realpath(os.path.join("/proc/self/fd", fd)) == real)
        with open("/proc/self/maps") as maps:
            return fds, sum(1 for line in maps if line.rstrip().endswith(real))

    a = CChannel.create(path, 0)
    b = CChannel.attach(path)
    assert counts() == (1, 1)
    c = CChannel.create(path, 0, offset=8192, exist_ok=True)  # the file grows: a new mapping
    d = CChannel.attach(path, offset=8192)
    assert counts() == (1, 2) and path.stat().st_size == 8192 + 192
    a.close()
    b.close()
    assert counts() == (1, 1)
    c.enable()
    d.inject()
    assert c.wait(1.0) and c.wakeup() == 1
    d.close()
    c.close()
    assert counts() == (0, 0)


def test_arguments_are_checked_before_ctypes_can_wrap_them(tmp_path: Path) -> None:
    """Item 13: out-of-range offsets, sizes, modes, pids, features, budgets and
    liveness intervals are refused up front, in the binding (ValueError naming the
    argument) and in the C API (E_ARG), before anything is opened or written."""
    path = tmp_path / "c"
    lib = c_engine.lib()
    err, out = c_engine.Error(), ctypes.c_void_p()
    # the C API itself: the offset that used to write 64 bytes before the mapping
    for offset in (2**64 - 64, 2**63 - 64, 2**63 - 2**40):
        assert lib.shm_signal_create(ctypes.byref(out), os.fsencode(path), 0, offset, 0, 0, 0, 0o600, 0,
                                     None, 0, ctypes.byref(err)) == c_engine.E_ARG, offset
        assert lib.shm_signal_attach(ctypes.byref(out), os.fsencode(path), offset, 0, 0, 0, 0.0,
                                     ctypes.byref(err)) == c_engine.E_ARG
    assert lib.shm_signal_create(ctypes.byref(out), os.fsencode(path), 0, 0, 2**63, 0, 0, 0o600, 0,
                                 None, 0, ctypes.byref(err)) == c_engine.E_ARG
    for mode in (0, 0o400, 0o200, 0o1600, 0o4700):
        assert lib.shm_signal_create(ctypes.byref(out), os.fsencode(path), 0, 0, 0, 0, 0, mode, 0,
                                     None, 0, ctypes.byref(err)) == c_engine.E_ARG, oct(mode)
        assert err.field == b"mode"
    assert not path.exists()
    # validation of a caller's buffer never reads outside it
    buf = bytes(256)
    assert lib.shm_signal_validate(buf, 256, 2**64 - 64, 0, ctypes.byref(err)) == Fault.MAPPING_TOO_SMALL
    # the binding
    for kw, match in ((dict(offset=-64), "offset"), (dict(offset=2**64 - 64), "offset"),
                      (dict(offset=1.5), "offset"), (dict(size=-1), "size"), (dict(size=2**63), "size"),
                      (dict(mode=0), "mode"), (dict(mode=0o444), "mode"), (dict(mode=0o10600), "mode"),
                      (dict(pid=-1), "pid"), (dict(pid=2**32), "pid"), (dict(features=-1), "features"),
                      (dict(features=2**64), "features"), (dict(required=-1), "required"),
                      (dict(budget=0), "budget"), (dict(budget=2**32), "budget"),
                      (dict(liveness_interval=-1), "liveness_interval"),
                      (dict(liveness_interval=0), "liveness_interval"),
                      (dict(liveness_interval=math.nan), "liveness_interval"),
                      (dict(liveness_interval=math.inf), "liveness_interval"),
                      (dict(instance_id=b"short"), "instance_id")):
        with pytest.raises(ValueError, match=match):
            CChannel.create(path, 0, **kw)  # type: ignore[arg-type]
        assert not path.exists()
    for kw, match in ((dict(offset=-64), "offset"), (dict(pid=-5), "pid"), (dict(features=-1), "features"),
                      (dict(budget=-1), "budget"), (dict(liveness_interval=math.nan), "liveness_interval")):
        with pytest.raises(ValueError, match=match):
            CChannel.attach(path, **kw)  # type: ignore[arg-type]
    for loc in (2, -1, 2**32, "east", True):
        with pytest.raises(ShmSignalFault) as e:
            CChannel.create(path, loc)
        assert e.value.code == Fault.BAD_LOCALITY
    with pytest.raises(ShmSignalFault) as e:
        CChannel.create(path, 0, offset=32)
    assert e.value.code == Fault.BAD_OFFSET
    # budget and liveness interval on create and attach, and the setters
    with CChannel.create(path, "north", features=NO_LOCK, mode=0o640, budget=3,
                         liveness_interval=0.01) as n, \
            CChannel.attach(path, budget=5, liveness_interval=1e-9) as s:
        if os.name == "posix":
            assert path.stat().st_mode & 0o777 == 0o640 & ~_umask()
        for bad in (math.nan, math.inf, -1.0, 0.0):
            assert lib.shm_signal_set_liveness_interval(n._handle, bad, ctypes.byref(err)) == c_engine.E_ARG
            with pytest.raises(ValueError):
                n.set_liveness_interval(bad)
        assert lib.shm_signal_set_budget(n._handle, 0, ctypes.byref(err)) == 0  # restores the default
        with pytest.raises(ValueError):
            n.set_budget(0)
        n.set_budget(3)
        with open(path, "r+b") as f:  # budget 3: a remote that sets dirty forever gets 3 calls
            mm = mmap.mmap(f.fileno(), 0)
            n.notifier = lambda: mm.__setitem__(66, 1)
            n.enable()
            s.inject()
            assert n.wakeup() == 3 and n.more_work
            n.notifier = None
            mm.close()
    # an empty file: MAPPING_TOO_SMALL, retried within the timeout like a short one
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    start = time.monotonic()
    with pytest.raises(ShmSignalFault) as e:
        CChannel.attach(empty, timeout=0.2)
    assert e.value.code == Fault.MAPPING_TOO_SMALL and time.monotonic() - start >= 0.19
    t = threading.Timer(0.1, lambda: CChannel.create(empty, 0, exist_ok=True, features=NO_LOCK).close())
    t.start()
    try:
        with CChannel.attach(empty, timeout=None) as ch:  # None: no limit
            assert ch.locality == 1
    finally:
        t.join()


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


@pytest.mark.slow  # a second build of the test program (-DSHM_SIGNAL_CLASSIC_LOCKS)
def test_c_test_program_classic_locks(tmp_path: Path) -> None:
    """Items 10-11: the test program built with -DSHM_SIGNAL_CLASSIC_LOCKS, so that
    process-owned fcntl locks (macOS, the BSDs) are what the engine has: both sides of
    a channel and two channels of one file in one process work (no false PEER_DEAD,
    LOCALITY_BUSY where it must be), and so does the fork test."""
    out = _build_and_run_test_program(tmp_path, ["-DSHM_SIGNAL_CLASSIC_LOCKS"])
    assert "all checks passed" in out


@pytest.mark.slow  # builds a classic-lock peer, three processes
def test_classic_locks_across_processes(tmp_path: Path) -> None:
    """The classic-lock build across processes: a second attacher is refused, a killed
    peer is PEER_DEAD (F_GETLK sees another process's lock, and nothing is taken to
    probe it), and its record can be taken again."""
    if not sys.platform.startswith("linux"):
        pytest.skip("forcing classic locks is a Linux test of the macOS path")
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler")
    exe = build_c_peer(tmp_path / "build", [str(cc)], extra=["-DSHM_SIGNAL_CLASSIC_LOCKS"])
    chan = tmp_path / "chan"
    north, south, third = (PeerProc([str(exe)], name, tmp_path) for name in ("north", "south", "third"))
    try:
        north.cmd(f"create {chan} 0 features=0xd")
        assert south.cmd(f"attach {chan} timeout=5")["features"] == "0xd"
        assert north.cmd("wait_peer 5")["attached"] == "1"
        assert third.err(f"attach {chan}") == Fault.LOCALITY_BUSY
        assert third.err(f"create {chan} 1 exist_ok=1") == Fault.LOCALITY_BUSY
        north.cmd("enable")
        assert north.cmd("wait 0.3")["ready"] == "0"  # three liveness checks: no false death
        south.kill()
        assert north.err("wait 5") == Fault.PEER_DEAD
        assert third.cmd(f"attach {chan}")["locality"] == "1"
        north.cmd("wakeup")
        assert north.cmd("wait 0.2")["ready"] == "0"
    finally:
        for p in (north, third):
            assert p.finish() == 0, p.log()
        south.finish()


def test_channels_of_one_file_from_many_threads(tmp_path: Path) -> None:
    """The registry is shared by threads (ctypes releases the GIL): channels of one
    file created, attached, used and closed from four threads at once all work, and
    leave no descriptor or mapping behind."""
    path = tmp_path / "c"
    keep = CChannel.create(path, 0, size=64 * 192, features=NO_LOCK)  # the file stays open throughout
    errors: List[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(40):
                off = 192 * (1 + k * 10 + i % 10)
                with CChannel.create(path, k % 2, offset=off, exist_ok=True) as c, \
                        CChannel.attach(path, offset=off) as a:
                    c.enable()
                    a.inject()
                    assert c.wait(2.0) and c.wakeup() == 1
                    a.check_peer()
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keep.close()
    assert not errors, errors
    if sys.platform.startswith("linux"):
        real = os.path.realpath(path)
        assert not [fd for fd in os.listdir("/proc/self/fd")
                    if os.path.realpath(os.path.join("/proc/self/fd", fd)) == real]


@pytest.mark.parametrize("offset,named", [(2**64 - 32, -1), (2**63 + 32, -1), (2**63 - 32, 2**63 - 32),
                                          (96, 96)])
def test_bad_offset_names_an_offset_int64_can_hold(offset: int, named: int) -> None:
    """err->offset is the descriptor offset or -1: an offset above INT64_MAX was once
    reported cast to int64_t (-32 for 2^64 - 32), unlike attach's -1.  Found by
    shm_signal_fuzz (abi/c_reference/fuzz/corpus, offset byte 0xc1)."""
    err = c_engine.Error()
    data = bytes(192)
    rc = c_engine.lib().shm_signal_validate(data, len(data), offset, 0, ctypes.byref(err))
    assert rc == Fault.BAD_OFFSET and err.field == b"offset"
    assert err.offset == named


@pytest.mark.slow
def test_the_c_pingpong_benchmark_runs_in_both_placements() -> None:
    """benchmarks/pingpong_c.py at a small size: every pairing has a median and a p99
    in each placement (one CPU, and two where this process may use two)."""
    import json

    if not sys.platform.startswith("linux"):
        missing("the raw futex floor is Linux-only")
    root = Path(__file__).resolve().parent.parent
    placements = "same,split" if len(os.sched_getaffinity(0)) >= 2 else "same"
    out = subprocess.run([sys.executable, str(root / "benchmarks" / "pingpong_c.py"), "--rounds", "300",
                          "--repeat", "1", "--placements", placements, "--json"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert list(result) == placements.split(",")
    for rows in result.values():
        assert set(rows) == {"raw_futex_c", "c_to_c", "c_to_c_waiter", "python_to_c", "c_to_python",
                             "c_to_c_spin", "c_to_c_default"}
        for r in rows.values():
            assert 0 < r["median_us"] <= r["p99_us"], rows
