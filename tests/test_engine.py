"""The Python engine's own behaviour, with real processes over real files: round
trips, budgets against a flooding peer, notifier failures, peer death within the
liveness bound, fallback fences, the polling channel, several channels per file,
permissions, and the macOS/Windows backends' call shapes.

The pairings with the C engine and the line-protocol scenarios (masking,
coalescing, stress) are in test_cross_language.py."""

from __future__ import annotations

import ctypes
import mmap
import multiprocessing as mp
import os
import signal
import stat
import threading
import time
from pathlib import Path
from typing import Any, List

import pytest

from abi import descriptor, layout
from abi.engine.channel import NORTH, SOUTH, Channel
from abi.engine.ordering import KernelOrdering, get_ordering, kernel_fence
from abi.engine.wake import PollWake, make_backend, supported_features
from abi.engine.wake.macos import OsSyncWake, UlockWake
from abi.faults import Fault, ShmSignalFault

# Peer processes start with "spawn", the one start method of every OS (Windows has no
# fork): their targets are module-level functions and their arguments picklable.
# SHM_SIGNAL_TEST_START_METHOD=fork (or forkserver) runs them the other way on POSIX.
CTX = mp.get_context(os.environ.get("SHM_SIGNAL_TEST_START_METHOD", "spawn"))


def _wake_backends() -> set:
    """The names of the wake-up backends a WAKE_ADDRESS or WAKE_NAMED_EVENT channel
    can have on this OS (docs/spec.md section 8)."""
    import sys

    if sys.platform == "win32":
        return {"named-event"}
    if sys.platform == "darwin":
        return {"os_sync", "ulock"}
    return {"futex"}


def _cpus() -> int:
    """CPUs this process may run on (os.sched_getaffinity is Linux's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _echo(path: str, n: int, spin: float, kernel: bool) -> None:
    """Peer process: attach, then answer each signal with one."""
    ordering = KernelOrdering(kernel_fence()) if kernel else None
    # A long liveness interval: a lost wake-up then costs a whole poll timeout, not a slice.
    with Channel.attach(path, timeout=10, spin=spin, ordering=ordering, liveness_interval=30) as ch:
        answered = 0
        owed = ch.enable()  # a ping that came before enable is delivered by it: answer it first
        while True:
            while owed:
                ch.inject()
                owed, answered = owed - 1, answered + 1
            if answered >= n:
                break
            owed += ch.poll(10)
        time.sleep(0.2)  # let the last reply be consumed before closing


def _ping_pong(path: Path, locality: int, n: int, spin: float = 0.0, kernel: bool = False) -> Channel:
    ordering = KernelOrdering(kernel_fence()) if kernel else None
    ch = Channel.create(path, locality, spin=spin, ordering=ordering, liveness_interval=30)
    peer = CTX.Process(target=_echo, args=(str(path), n, spin, kernel))
    start = time.monotonic()
    peer.start()
    try:
        assert ch.wait_for_peer(10)
        assert ch.features is not None and ch.features & (layout.FEATURE_WAKE_ADDRESS
                                                          | layout.FEATURE_WAKE_NAMED_EVENT)
        assert ch.backend_name in _wake_backends()  # this OS's channel, not polling
        ch.enable()
        got = 0
        for _ in range(n):
            ch.inject()
            calls = 0
            while calls == 0:
                calls = ch.poll(10)
            got += calls
        assert got == n
        assert time.monotonic() - start < 8  # no poll ever waited out its 10 s timeout
        return ch
    finally:
        peer.join(20)
        assert peer.exitcode == 0
        ch.close()


@pytest.mark.parametrize("locality", [NORTH, SOUTH], ids=["north-creates", "south-creates"])
@pytest.mark.parametrize("spin", [0.0, 50e-6], ids=["parked", "spinning"])
def test_round_trips_both_directions(tmp_path, locality, spin):
    ch = _ping_pong(tmp_path / "chan", locality, 300, spin)
    assert ch.stats["injects"] == 300
    if spin == 0.0:
        assert ch.stats["parks"] > 0  # it really slept in the kernel


def test_kernel_call_fences_work_without_the_library(tmp_path):
    ch = _ping_pong(tmp_path / "chan", NORTH, 200, kernel=True)
    assert ch.ordering_name == "kernel-call"


def test_native_fences_are_used_when_the_library_is_there():
    assert get_ordering().name == "native"


def test_polling_channel_when_no_wake_feature_is_negotiated(tmp_path):
    path = tmp_path / "chan"
    with Channel.create(path, NORTH, features=layout.FEATURE_LIVENESS_LOCK, spin=0) as a, \
            Channel.attach(path, spin=0) as b:
        assert a.features == b.features == layout.FEATURE_LIVENESS_LOCK
        assert a.backend_name == b.backend_name == "poll"
        b.enable()
        assert a.inject() is True  # pending set; the "notification" is the poll
        assert b.poll(2) == 1
        assert b.stats["notifier_calls"] == 1


def test_wakeup_budget_bounds_a_peer_that_signals_forever(tmp_path):
    """The peer re-signals during every notifier call, so dirty never stays clear:
    only the budget ends the wakeup."""
    path = tmp_path / "chan"
    with Channel.create(path, NORTH, budget=50) as ch, Channel.attach(path) as peer:
        ch.notifier = peer.inject
        peer.inject()
        start = time.monotonic()
        assert ch.enable() == 50 and ch.more_work  # enable's wakeup is bounded too
        # pending stays set, so the peer suppresses further notifications; ch never
        # parked, so with WAITER_FLAG not even the first one needed a kernel call
        assert ch.flags()["pending"] == 1 and peer.stats["notifications"] == 0
        assert ch.wakeup(budget=7) == 7 and ch.more_work
        assert ch.poll(0) == 50  # more_work: poll does not wait to be notified
        assert time.monotonic() - start < 2.0
        ch.notifier = None
        assert ch.wakeup() == 1 and not ch.more_work
        assert ch.flags() == {"enabled": 1, "pending": 0, "dirty": 0}


def test_notifier_that_raises_leaves_the_channel_consistent(tmp_path):
    path = tmp_path / "chan"
    seen: List[str] = []

    def flaky() -> None:
        seen.append("call")
        if len(seen) == 1:
            raise RuntimeError("user bug")

    with Channel.create(path, NORTH, spin=0) as a, Channel.attach(path, notifier=flaky, spin=0) as b:
        b.enable()
        a.inject()
        with pytest.raises(RuntimeError, match="user bug"):
            b.poll(2)
        assert b.flags()["dirty"] == 0  # the work it was given counts as taken
        a.inject()  # the next signal still arrives...
        assert b.poll(2) == 1
        assert b.flags() == {"enabled": 1, "pending": 0, "dirty": 0}  # ...and leaves nothing behind
        assert seen == ["call", "call"]


def _attach_and_sleep(path: str, ready: Any) -> None:
    ch = Channel.attach(path, timeout=10)
    ch.enable()
    ready.set()
    time.sleep(60)


def test_killed_peer_is_noticed_within_the_liveness_interval(tmp_path):
    path = tmp_path / "chan"
    ready = CTX.Event()
    with Channel.create(path, NORTH, liveness_interval=0.1, spin=0) as ch:
        peer = CTX.Process(target=_attach_and_sleep, args=(str(path), ready))
        peer.start()
        assert ready.wait(10) and ch.wait_for_peer(5)
        ch.enable()
        assert ch.wait(0.3) is False  # alive and quiet: a plain timeout
        os.kill(peer.pid, getattr(signal, "SIGKILL", signal.SIGTERM))  # Windows: TerminateProcess
        peer.join(5)
        start = time.monotonic()
        with pytest.raises(ShmSignalFault) as exc:
            ch.wait(10)
        elapsed = time.monotonic() - start
        assert exc.value.code == Fault.PEER_DEAD
        assert elapsed < 0.1 + 0.9  # the interval plus scheduling slack on a shared machine
        # The dead peer's locality can be taken over.
        with Channel.attach(path) as again:
            assert again.locality == SOUTH
            ch.check_peer()


def test_second_attacher_is_refused_while_the_first_lives(tmp_path):
    path = tmp_path / "chan"
    with Channel.create(path, NORTH), Channel.attach(path):
        with pytest.raises(ShmSignalFault) as exc:
            Channel.attach(path)
        assert exc.value.code == Fault.LOCALITY_BUSY
        assert exc.value.field == "irq[1].state"


def test_closed_peer_wakes_a_parked_waiter_at_once(tmp_path):
    path = tmp_path / "chan"
    a = Channel.create(path, NORTH, liveness_interval=30, spin=0)
    b = Channel.attach(path)
    a.disable()  # even masked, close must wake it
    start = time.monotonic()
    threading.Timer(0.2, b.close).start()
    with pytest.raises(ShmSignalFault) as exc:
        a.wait(10)
    assert exc.value.code == Fault.PEER_CLOSED
    assert time.monotonic() - start < 5  # far below the 30 s liveness interval
    a.close()


def test_several_channels_share_one_file(tmp_path):
    path = tmp_path / "chans"
    offsets = [0, 192, 384]
    creators = [Channel.create(path, NORTH, offset=o, exist_ok=True, spin=0) for o in offsets]
    attachers = [Channel.attach(path, offset=o, spin=0) for o in offsets]
    try:
        assert len({c.instance_id for c in creators}) == 3
        for a in attachers:
            a.enable()
        creators[1].inject()
        assert [a.flags()["dirty"] for a in attachers] == [0, 1, 0]
        assert attachers[1].poll(1) == 1 and attachers[0].poll(0.05) == 0
        with pytest.raises(ShmSignalFault) as exc:
            Channel.create(path, NORTH, offset=96, exist_ok=True)
        assert exc.value.code == Fault.BAD_OFFSET
    finally:
        for c in attachers + creators:
            c.close()


def test_mapping_file_is_private_by_default_and_never_clobbered(tmp_path):
    posix = os.name == "posix"  # Windows has no permission bits: st_mode shows only read-only or not
    path = tmp_path / "chan"
    with Channel.create(path, NORTH):
        if posix:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with pytest.raises(FileExistsError):
            Channel.create(path, NORTH)
    other = tmp_path / "shared"
    with Channel.create(other, SOUTH, mode=0o640, size=4096):
        if posix:
            assert stat.S_IMODE(os.stat(other).st_mode) == 0o640 & ~_umask()
        assert os.stat(other).st_size == 4096


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def _create_later(path: str) -> None:
    time.sleep(0.3)
    ch = Channel.create(path, SOUTH)
    time.sleep(2)
    ch.close()


@pytest.mark.slow  # the creator holds its channel for 2 s (the C engine's test of this is fast)
def test_attach_waits_for_a_creator_that_is_not_there_yet(tmp_path):
    path = tmp_path / "chan"
    creator = CTX.Process(target=_create_later, args=(str(path),))
    creator.start()
    try:
        with Channel.attach(path, timeout=10) as ch:
            assert ch.locality == NORTH
    finally:
        creator.join(10)
    with pytest.raises(FileNotFoundError):
        Channel.attach(tmp_path / "nobody", timeout=0.1)


def _foreign_creator(path: Path, offered: int, required: int = 0) -> None:
    """A descriptor from a creator that implements bits this engine does not (engines
    offer only what they implement, so it is written directly)."""
    buf = bytearray(layout.DESC_SIZE)
    descriptor.initialize(buf, 0, NORTH, offered, required, pid=1)
    path.write_bytes(bytes(buf))


def test_attach_refuses_what_it_cannot_do(tmp_path):
    path = tmp_path / "chan"
    _foreign_creator(path, layout.FEATURE_WAKE_ADDRESS | 1 << 40, required=1 << 40)
    before = path.read_bytes()
    with pytest.raises(ShmSignalFault) as exc:
        Channel.attach(path)
    assert exc.value.code == Fault.UNSUPPORTED_FEATURE
    assert path.read_bytes() == before  # the refused attach wrote nothing


def test_unknown_offered_bits_are_not_accepted(tmp_path):
    path = tmp_path / "chan"
    plain = supported_features() & layout.FEATURES_PLAIN  # (a 192-byte descriptor has no rings)
    _foreign_creator(path, plain | 1 << 63)
    with Channel.attach(path) as b:
        assert b.features == plain


def test_garbage_flags_from_a_peer_do_not_crash_the_owner(tmp_path):
    path = tmp_path / "chan"
    with Channel.create(path, NORTH) as a:
        a.enable()
        fd = os.open(path, os.O_RDWR)
        mm = mmap.mmap(fd, 0)
        mm[layout.IRQ_OFFSET + 1] = 0x7F  # pending
        mm[layout.IRQ_OFFSET + 2] = 0xFF  # dirty
        assert a.wakeup() == 1
        assert a.flags() == {"enabled": 1, "pending": 0, "dirty": 0}
        mm.close()
        os.close(fd)


def test_a_burst_to_a_busy_receiver_sends_one_notification(tmp_path):
    """pending alone (no WAITER_FLAG, which would skip even the first kernel call)."""
    path = tmp_path / "chan"
    pending_only = supported_features() & ~layout.FEATURE_WAITER_FLAG
    with Channel.create(path, NORTH, features=pending_only) as a, Channel.attach(path) as b:
        b.enable()  # enabled but busy: it does not drain while the burst runs
        sent = sum(a.inject() for _ in range(100_000))
        assert sent == 1 and a.stats["notifications"] == 1
        assert b.poll(1) == 1  # one notifier call covers the whole burst...
        a.inject()
        assert b.poll(1) == 1  # ...and the next inject after it is delivered
        # south's notify_count (written by a, the creator, once it learned NOTIFY_COUNT)
        assert b.descriptor_bytes()[layout.IRQ_OFFSET + layout.IRQ_SIZE + 16] == a.stats["notifications"] == 2


def test_notify_count_counts_notifications(tmp_path):
    path = tmp_path / "chan"
    every_inject_wakes = supported_features() & ~layout.FEATURE_WAITER_FLAG
    with Channel.create(path, NORTH, features=every_inject_wakes) as a, Channel.attach(path) as b:
        a.enable()
        for _ in range(3):
            b.inject()
            a.wakeup()
        raw = a.descriptor_bytes()
        north_count = int.from_bytes(raw[layout.IRQ_OFFSET + 16:layout.IRQ_OFFSET + 24], "little")
        assert north_count == b.stats["notifications"] == 3


def _park_then_answer(path: str, rounds: int) -> None:
    _echo(path, rounds, spin=0.0, kernel=False)


def test_waiter_flag_skips_kernel_calls_for_an_owner_that_is_not_parked(tmp_path):
    path = tmp_path / "chan"
    with Channel.create(path, NORTH) as a, Channel.attach(path) as b:
        assert a.features is not None and a.features & layout.FEATURE_WAITER_FLAG
        b.enable()
        for _ in range(1000):  # b is busy (not in wait): it finds dirty itself
            a.inject()
            assert b.poll(0) == 1
        assert a.stats["notifications"] == 0
        assert b.flags() == {"enabled": 1, "pending": 0, "dirty": 0}


def test_waiter_flag_still_wakes_a_parked_owner(tmp_path):
    path = tmp_path / "chan"
    with Channel.create(path, NORTH, spin=0, liveness_interval=30) as a:
        peer = CTX.Process(target=_park_then_answer, args=(str(path), 200))
        peer.start()
        assert a.wait_for_peer(10)
        a.enable()
        start = time.monotonic()
        for _ in range(200):
            a.inject()
            while a.poll(10) == 0:
                pass
        # A lost wake-up would cost the 30 s liveness slice: 200 rounds must be quick.
        assert time.monotonic() - start < 20
        assert a.stats["notifications"] > 0  # the parked peer needed real wake calls
        peer.join(10)
        assert peer.exitcode == 0


def test_disabled_side_is_marked_dirty_but_not_notified(tmp_path):
    path = tmp_path / "chan"
    calls: List[int] = []
    with Channel.create(path, NORTH, spin=0) as a, \
            Channel.attach(path, notifier=lambda: calls.append(1)) as b:
        assert b.inject() is False and a.inject() is False  # nobody enabled yet
        assert b.flags() == {"enabled": 0, "pending": 0, "dirty": 1}
        assert b.wait(0.1) is False  # masked: not woken
        assert b.enable() == 1 and calls == [1]  # enabling delivers what was marked


# ---------------------------------------------------------------- other OSes' backends
# These run the macOS and Windows backends' code against a stand-in for the OS
# library that records the calls, to pin the arguments the spec prescribes.


class _Recorder:
    def __init__(self, ret: int = 0) -> None:
        self.calls: List[tuple] = []
        self.ret = ret

    def __getattr__(self, name: str) -> Any:
        rec = self

        class _Fn:
            argtypes: Any = None
            restype: Any = None

            def __call__(self, *args: Any) -> int:
                rec.calls.append((name, *args))
                return rec.ret if name != "CreateEventW" else 1000 + len(rec.calls)

        fn = _Fn()
        object.__setattr__(self, name, fn)
        return fn


def test_macos_os_sync_backend_uses_shared_4_byte_waits():
    lib = _Recorder()
    b = OsSyncWake(lib, lambda loc: 0x1000 + 64 * loc)
    b.wait(SOUTH, 0x10001, 0.5)
    b.wake(NORTH)
    assert lib.calls == [
        ("os_sync_wait_on_address_with_timeout", 0x1040, 0x10001, 4, 1, 32, 500_000_000),
        ("os_sync_wake_by_address_all", 0x1000, 4, 1)]


def test_macos_ulock_backend_uses_compare_and_wait_shared():
    lib = _Recorder()
    b = UlockWake(lib, lambda loc: 0x2000)
    b.wait(NORTH, 7, 0.25)
    b.wake(NORTH)
    assert lib.calls == [("__ulock_wait", 3, 0x2000, 7, 250_000), ("__ulock_wake", 0x103, 0x2000, 0)]


def test_backend_choice_follows_negotiated_features():
    words = (0x1000, 0x1040)
    assert isinstance(make_backend(0, words, bytes(16)), PollWake)
    # A channel this OS does not have falls back to polling, never to a wrong channel:
    # named events are Windows', WAKE_ADDRESS is Linux's futex and macOS's os_sync/ulock.
    if os.name == "nt":
        assert isinstance(make_backend(layout.FEATURE_WAKE_ADDRESS, words, bytes(16)), PollWake)
        backend = make_backend(layout.FEATURE_WAKE_NAMED_EVENT, words, os.urandom(16))
        try:
            assert backend.name in _wake_backends()
        finally:
            backend.close()
    else:
        assert isinstance(make_backend(layout.FEATURE_WAKE_NAMED_EVENT, words, bytes(16)), PollWake)
        assert make_backend(layout.FEATURE_WAKE_ADDRESS, words, bytes(16)).name in _wake_backends()


def test_the_example_producer_and_consumer(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent / "examples"
    path = str(tmp_path / "counter.shm")
    prod = subprocess.Popen([sys.executable, str(root / "producer.py"), path, "20000"],
                            stdout=subprocess.PIPE, text=True)
    cons = subprocess.run([sys.executable, str(root / "consumer.py"), path, "20000"],
                          capture_output=True, text=True, timeout=120)
    out, _ = prod.communicate(timeout=60)
    assert cons.returncode == 0 and prod.returncode == 0, cons.stderr
    assert "consumer: last value 20000" in cons.stdout
    assert "producer: sent 20000 updates" in out


def _attach_later(path: str) -> None:
    time.sleep(0.3)
    with Channel.attach(path, timeout=10) as ch:
        time.sleep(0.3)
        ch.inject()  # into a creator parked since before the attach
        time.sleep(1)


@pytest.mark.slow  # the peer sleeps 1.6 s
def test_a_creator_parked_before_the_attach_learns_the_features_from_its_wake(tmp_path):
    path = tmp_path / "chan"
    with Channel.create(path, NORTH, spin=0, liveness_interval=30) as a:
        a.enable()
        peer = CTX.Process(target=_attach_later, args=(str(path),))
        peer.start()
        start = time.monotonic()
        assert a.wait(10)  # parked before the attach; the attach wakes it, then the inject
        # With the features re-read at the attach's wake, pad0 is set for the second park
        # and the inject's wake-up is not skipped: no 30 s liveness slice is waited out.
        assert time.monotonic() - start < 5
        assert a.features is not None and a.features & layout.FEATURE_WAITER_FLAG
        peer.join(10)


@pytest.mark.slow  # benchmark smoke test
@pytest.mark.skipif(os.name == "nt", reason="Windows: benchmarks/pingpong.py starts its peers with fork "
                    "(an inherited anonymous shared mapping), which Windows does not have")
def test_the_benchmark_runs(tmp_path):
    """A smoke run of benchmarks/pingpong.py (tiny counts; speed is not judged here)."""
    import json
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "pingpong.py"
    proc = subprocess.run([sys.executable, str(script), "--iterations", "200", "--warmup", "20",
                           "--burst", "2000", "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    futex = ["raw futex, no protocol"] if sys.platform.startswith("linux") else []
    names = ["shm-signal spinning", "shm-signal parked", "os.pipe", "multiprocessing.Event",
             "multiprocessing.Pipe", "inject, no wake-up needed", *futex]
    if hasattr(os, "sched_setaffinity") and _cpus() >= 2:  # the placement table: same run, pinned
        names += [f"{m} [{p}]" for m in ("shm-signal parked", "os.pipe", *futex)
                  for p in ("same", "split")]
    for name in names:
        assert data[name]["median_us"] > 0 and data[name]["p99_us"] >= data[name]["median_us"]
    assert data["burst"]["with WAITER_FLAG"]["injects"] == 2000


def test_a_closed_channel_refuses_use_instead_of_touching_unmapped_memory(tmp_path):
    path = tmp_path / "chan"
    a = Channel.create(path, NORTH)
    with Channel.attach(path):
        a.close()
        for call in (a.inject, a.wakeup, a.check_peer, a.enable, a.disable, a.flags,
                     lambda: a.poll(0), lambda: a.wait(0)):
            with pytest.raises(ValueError, match="closed"):
                call()


def test_budget_and_spin_must_be_sane(tmp_path):
    with pytest.raises(ValueError, match="budget"):
        Channel.create(tmp_path / "a", NORTH, budget=0)
    with pytest.raises(ValueError, match="spin"):
        Channel.create(tmp_path / "b", NORTH, spin=-1)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # refused before creating
    with Channel.create(tmp_path / "c", NORTH) as ch:
        with pytest.raises(ValueError, match="spin"):
            ch.spin = float("nan")
        ch.spin = 0.5
        assert ch.spin == 0.5


def test_a_long_spin_does_not_starve_a_peer_thread_of_the_gil(tmp_path):
    """The native spin runs in slices and releases the GIL: a peer in another thread
    of this process can inject while this side spins (a spin holding the GIL for
    its whole second would deliver the signal only after it)."""
    path = tmp_path / "chan"
    with Channel.create(path, NORTH, spin=1.0) as a, Channel.attach(path) as b:
        a.enable()
        assert a.features is not None
        injector = threading.Thread(target=lambda: (time.sleep(0.01), b.inject()))
        start = time.monotonic()
        injector.start()
        assert a.poll(5) == 1
        elapsed = time.monotonic() - start
        injector.join()
        assert elapsed < 0.5, f"the signal took {elapsed:.3f} s to arrive through a spinning side"


def test_shared_fields_are_stored_in_one_store():
    """A record that goes from attached to closed must never read empty in between:
    struct.pack_into zeroes its target before packing (CPython), which a peer polling
    the state saw as a record that reads empty (BAD_STATE, the stress-case flake of
    issue 14). The engine stores shared multi-byte fields with Map.store_le32/64."""
    import ast

    from abi.engine import mapping

    def packs(source: str) -> List[int]:
        return [n.lineno for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute) and n.func.attr == "pack_into"]

    assert packs("import struct\nstruct.pack_into('<I', mm, 132, 2)\n") == [2]  # the check sees one
    for mod in ("channel", "handshake", "liveness", "ordering", "mapping"):
        path = Path(__file__).resolve().parents[1] / "abi" / "engine" / f"{mod}.py"
        assert packs(path.read_text()) == [], f"{path.name} packs into a buffer: use Map.store_le32/64"
    # the stores land little-endian, where asked, and nowhere else
    m = mapping.Map.__new__(mapping.Map)
    buf = mmap.mmap(-1, 64)
    m.mm = buf
    m.base = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    m.store_le32(4, 0x01020304)
    m.store_le64(8, 0x1122334455667788)
    assert bytes(buf[:16]) == bytes(4) + bytes([4, 3, 2, 1]) + bytes.fromhex("8877665544332211")
