"""The C engine through its ctypes binding (abi/c_engine.py), and its own C test
program built plainly and with ASan+UBSan."""

from __future__ import annotations

import mmap
import shutil
import struct
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, List

import pytest
from peer_harness import C_DIR, SANITIZE, WARN

from abi import c_engine, native
from abi.c_engine import CChannel
from abi.faults import Fault, ShmSignalFault
from abi.native import LIB_SOURCES
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
    assert n.wait(1.0)  # the close's wake-up and dirty
    n.enable()
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


def test_c_test_program(tmp_path: Path) -> None:
    assert "all checks passed" in _build_and_run_test_program(tmp_path, [])


def test_c_test_program_sanitized(tmp_path: Path) -> None:
    out = _build_and_run_test_program(tmp_path, SANITIZE)
    assert "all checks passed" in out and "runtime error" not in out


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
