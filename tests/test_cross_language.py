"""Cross-language tests: reference peers (docs/spec.md section 13) as separate
processes over a real file, in every pairing of the Python and the C engine, the C
peer also built with ASan+UBSan, and the Python engine in the 32-bit CPython of the
i386 root (abi/verify/i386_root.py) against the 64-bit C engine, over one mapping.
Scenarios: ping-pong, masking, coalescing, close, liveness (busy, dead), a parked
wake, faults, and a stress run of 10^6 injects with random pauses (4 * 10^5 for
the 32-bit pairs).

The 32-bit kinds: ``py32`` runs the engine with native fences (a ``gcc -m32``
libshm_signal passed as SHM_SIGNAL_LIB), ``py32k`` with kernel-call fences (no
library: the fence is the futex call of abi/engine/wake/linux.py).  They run in a chroot,
so their file lies inside the root and they are given its path there.

Channels that are not about liveness negotiate WAKE_ADDRESS | NOTIFY_COUNT (0x9),
so that a liveness-lock disagreement between engines shows in the liveness tests
and nowhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
from peer_harness import SANITIZE, PeerProc, build_c_peer, python_peer_argv, record

from conftest import missing

if not sys.platform.startswith("linux"):
    pytest.skip("Linux only: the pairs negotiate WAKE_ADDRESS as the futex and the 32-bit ones run in "
                "the i386 chroot; the Windows pairs run under wine (tests/test_windows_wine.py)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
FEATURES = 0x9  # WAKE_ADDRESS | NOTIFY_COUNT
LIVENESS = 0xD  # ... | LIVENESS_LOCK
STRESS_INJECTS = 1_000_000
PY32_STRESS_INJECTS = 400_000  # the 32-bit pairs: 4 more stress runs within the time budget
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")

PY32_KINDS = ("py32", "py32k")  # native fences, kernel-call fences
# the 32-bit Python engine creates / the 64-bit C engine creates, for each ordering
PY32_PAIRS = [("py32", "c"), ("c", "py32"), ("py32k", "c"), ("c", "py32k")]
PAIRS = [("py", "c"), ("c", "py"), ("c", "c"), ("py", "py"), ("asan", "asan"), ("py", "asan"),
         ("asan", "py"), *PY32_PAIRS]


@pytest.fixture(scope="session")
def peer_programs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[str]]:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler (cc/gcc)")
    assert cc is not None
    base = tmp_path_factory.mktemp("peers")
    # The ASan+UBSan peer is built by the first test that needs it (_argv): the fast tier
    # (-m "not slow") runs no sanitized pair and does not pay for the build.
    return {"py": python_peer_argv(), "c": [str(build_c_peer(base / "c", [cc]))],
            "asan_build": [str(base / "asan"), cc]}


def _argv(progs: Dict[str, List[str]], kind: str) -> List[str]:
    if kind == "asan" and "asan" not in progs and "asan_error" not in progs:
        out, cc = progs["asan_build"]
        try:
            progs["asan"] = [str(build_c_peer(Path(out), [cc], SANITIZE))]
        except RuntimeError as exc:
            progs["asan_error"] = [str(exc)]
    if kind == "asan" and "asan" not in progs:
        missing(f"cannot build the ASan+UBSan peer: {progs['asan_error'][0][:500]}")
    return progs[kind]


class Py32:
    """The Python engine of this checkout in the i386 root's 32-bit CPython.

    ``stage`` (inside the root, ``guest`` there) holds a copy of the ``abi``
    package and a 32-bit libshm_signal built here with ``-m32``; :meth:`argv` runs
    a reference peer in a chroot with an empty environment but for its own."""

    def __init__(self, root: Path, stage: Path) -> None:
        self.root, self.stage = root, stage
        self.guest = "/" + str(stage.relative_to(root))

    def env(self, kind: str) -> List[str]:
        env = [f"PYTHONPATH={self.guest}", "PYTHONDONTWRITEBYTECODE=1", f"XDG_CACHE_HOME={self.guest}/cache"]
        if kind == "py32":
            return [*env, f"SHM_SIGNAL_LIB={self.guest}/lib32/libshm_signal.so"]
        return [*env, "SHM_SIGNAL_NO_BUILD=1"]

    def argv(self, kind: str, *command: str) -> List[str]:
        return ["chroot", str(self.root), "env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin",
                "LC_ALL=C.UTF-8", *self.env(kind), "python3", *command]

    def guest_path(self, host: Path) -> str:
        return "/" + str(host.relative_to(self.root))


@pytest.fixture(scope="session")
def py32_engine() -> Iterator[Py32]:
    """The i386 root with this checkout's engine in it (removed again at the end)."""
    import abi
    from abi.engine import native
    from abi.verify import i386_root

    if not sys.platform.startswith("linux") or os.uname().machine not in ("x86_64", "i686", "i386"):
        missing(f"the i386 root runs on x86 Linux, not {sys.platform} {os.uname().machine}")
    why = i386_root.why_not_usable()
    if why:
        missing(f"the 32-bit Python engine runs in the i386 root: {why}")
    if not i386_root.has_python():
        missing("the i386 root is not built (run: python -m abi.verify.i386_root)")
    root = i386_root.root_dir()
    stage = root / "tmp" / f"shm-signal-py32-{uuid.uuid4().hex[:12]}"
    try:
        shutil.copytree(Path(abi.__file__).resolve().parent, stage / "abi",
                        ignore=shutil.ignore_patterns("__pycache__", "_native", "*.so", "*.pyc"))
        try:
            native.build(stage / "lib32", extra_flags=["-m32"])
        except native.NativeLibraryError as exc:
            missing(f"cannot build a 32-bit libshm_signal (gcc -m32: gcc-multilib): {str(exc)[:500]}")
        py32 = Py32(root, stage)
        # Each kind runs the ordering it is named for, in a 32-bit process.
        probe = ("import ctypes; from abi.engine import ordering; from abi.engine.wake import linux; "
                 "print(ctypes.sizeof(ctypes.c_void_p), ordering.get_ordering().name, "
                 "linux.futex_syscall_number())")
        for kind, ordering in (("py32", "native"), ("py32k", "kernel-call")):
            out = subprocess.run(py32.argv(kind, "-c", probe), capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            bits, name, nr = out.stdout.split()
            assert (bits, name) == ("4", ordering), (kind, out.stdout)
            print(f"{kind}: 32-bit CPython, {name} ordering, SYS_futex {nr}")
        yield py32
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class Pair:
    def __init__(self, progs: Dict[str, List[str]], kinds: Tuple[str, str], tmp: Path,
                 py32: Optional[Py32] = None) -> None:
        self.progs, self.kinds, self.tmp, self.py32 = progs, kinds, tmp, py32
        # A 32-bit peer maps the file from inside the root: it lies there for both.
        self.dir = (py32.root / "tmp" / f"shm-signal-chan-{uuid.uuid4().hex[:12]}") if py32 else tmp
        self.dir.mkdir(exist_ok=True)
        self.path = self.dir / "chan"
        self.peers: List[PeerProc] = []
        self.killed: List[PeerProc] = []
        self.kind_of: Dict[PeerProc, str] = {}
        self.stress_injects = PY32_STRESS_INJECTS if py32 else STRESS_INJECTS

    def start(self, kind: str, name: str) -> PeerProc:
        env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0", "UBSAN_OPTIONS": "print_stacktrace=1"}
        if kind in PY32_KINDS:
            assert self.py32 is not None
            argv = self.py32.argv(kind, "-m", "abi.peer")
        else:
            argv = _argv(self.progs, kind)
        p = PeerProc(argv, f"{name}-{kind}", self.tmp, env)
        self.peers.append(p)
        self.kind_of[p] = kind
        return p

    def path_for(self, peer: PeerProc) -> str:
        """The channel file's path as ``peer`` sees it (inside the root for py32)."""
        if self.kind_of[peer] in PY32_KINDS:
            assert self.py32 is not None
            return self.py32.guest_path(self.path)
        return str(self.path)

    def connect(self, features: int = FEATURES) -> Tuple[PeerProc, PeerProc]:
        north = self.start(self.kinds[0], "north")
        south = self.start(self.kinds[1], "south")
        assert north.cmd(f"create {self.path_for(north)} 0 features=0x{features:x}")["locality"] == "0"
        r = south.cmd(f"attach {self.path_for(south)} timeout=5")
        assert (r["locality"], r["features"]) == ("1", f"0x{features:x}")
        assert north.cmd("wait_peer 5")["attached"] == "1"
        assert north.cmd("features")["features"] == f"0x{features:x}"
        return north, south

    def close(self) -> None:
        problems = []
        try:
            for p in self.peers:
                if p in self.killed:
                    p.finish()
                    continue
                status = p.finish()
                text = p.stderr_path.read_text(errors="replace")
                if status != 0 or any(m in text for m in SANITIZER_MARKERS):
                    problems.append(f"{p.name} exited {status}\n{p.log()}")
        finally:
            if self.py32 is not None:  # its directory is inside the root
                shutil.rmtree(self.dir, ignore_errors=True)
        assert not problems, "\n".join(problems)


# The fast tier pairs the two engines both ways; the same-engine, sanitized and 32-bit
# pairs run in the slow tier (python -m pytest runs them all).
FAST_PAIRS = {("py", "c"), ("c", "py")}


@pytest.fixture(params=[pytest.param(p, id=f"{p[0]}-{p[1]}",
                                     marks=() if p in FAST_PAIRS else pytest.mark.slow) for p in PAIRS])
def pair(request: pytest.FixtureRequest, peer_programs: Dict[str, List[str]],
         tmp_path: Path) -> Iterator[Pair]:
    py32 = request.getfixturevalue("py32_engine") if set(request.param) & set(PY32_KINDS) else None
    p = Pair(peer_programs, request.param, tmp_path, py32)
    try:
        yield p
    finally:
        p.close()


def test_ping_pong(pair: Pair) -> None:
    north, south = pair.connect()
    north.cmd("enable")
    south.cmd("enable")
    south.send("serve 10 echo=1")
    r = north.cmd("ping 2000 5", timeout=120)
    assert r["rounds"] == "2000" and 0 < int(r["median_ns"]) <= int(r["p99_ns"])
    north.cmd("close")
    served = south.reply(30)
    assert served.startswith("ok closed=1"), served
    fields = dict(t.split("=") for t in served.split()[1:])
    # one call per ping and one for the close's inject, which may be echoed too
    assert int(fields["calls"]) == 2001 and fields["echoes"] in ("2000", "2001"), served


def test_masking(pair: Pair) -> None:
    north, south = pair.connect()
    assert south.cmd("inject 3")["notified"] == "0"  # north never enabled
    rec = record(north.cmd("dump")["_"], 0)
    assert (rec["enabled"], rec["pending"], rec["dirty"], rec["notify_count"]) == (0, 0, 1, 0)
    assert north.cmd("wait 0")["ready"] == "1"  # dirty is accurate while masked
    assert north.cmd("enable")["calls"] == "1"  # enable runs the wakeup for work waiting
    assert south.cmd("inject")["notified"] == "1"
    north.cmd("disable")
    assert south.cmd("inject 5")["notified"] == "0"
    rec = record(south.cmd("dump")["_"], 0)
    assert (rec["enabled"], rec["pending"], rec["dirty"], rec["notify_count"]) == (0, 1, 1, 1)
    assert north.cmd("enable")["calls"] == "1"
    rec = record(north.cmd("dump")["_"], 0)
    assert (rec["enabled"], rec["pending"], rec["dirty"]) == (1, 0, 0)


def test_coalescing(pair: Pair) -> None:
    north, south = pair.connect()
    north.cmd("enable")
    assert south.cmd("inject 1000")["notified"] == "1"  # pending suppresses the other 999
    assert north.cmd("wait 5")["ready"] == "1"
    assert north.cmd("wakeup") == {"calls": "1", "more": "0"}
    assert record(north.cmd("dump")["_"], 0)["notify_count"] == 1
    assert south.cmd("inject 2")["notified"] == "1"
    assert north.cmd("wakeup 1") == {"calls": "1", "more": "0"}
    s = north.cmd("stats")
    assert s["notifier_calls"] == "2" and s["injects"] == "0"
    assert south.cmd("stats")["notifications"] == "2"


def test_peer_closed(pair: Pair) -> None:
    north, south = pair.connect()
    north.cmd("enable")
    south.cmd("close")
    assert north.cmd("wait 5")["ready"] == "1"  # the close's inject
    assert north.cmd("wakeup")["calls"] == "1"
    assert north.err("wait 5") == 16  # PEER_CLOSED
    assert south.err("inject") == 101  # NO_CHANNEL after close


@pytest.mark.parametrize("features", [pytest.param(FEATURES, id="plain"),
                                      pytest.param(0x19, id="waiter_flag", marks=pytest.mark.slow)])
def test_parked_wake(pair: Pair, features: int) -> None:
    """Each side in turn parks in the kernel (a wait with nothing to do) and the
    other's inject wakes it: at once, not at the end of a park slice (a C waiter
    counts that as late), and parked, not spinning through a futex call that
    returns at once (a handful of parks, not thousands).  With WAITER_FLAG the
    injector wakes only a waiter that announced its park (spec 7.5)."""
    north, south = pair.connect(features)
    north.cmd("enable")
    south.cmd("enable")
    for waiter, waker in ((north, south), (south, north)):
        before = waiter.cmd("stats")
        waiter.send("wait 10")
        time.sleep(0.25)  # off the 0.1 s park slices
        t0 = time.monotonic()
        assert waker.cmd("inject")["notified"] == "1"
        assert waiter.reply(15) == "ok ready=1"
        latency = time.monotonic() - t0
        after = waiter.cmd("stats")
        parks = int(after["parks"]) - int(before["parks"])
        assert waiter.cmd("wakeup")["calls"] == "1"
        assert 1 <= parks <= 20, (waiter.name, before, after)  # parked, in slices
        assert after["late"] == before["late"], (waiter.name, before, after)  # the wake came
        assert latency < 1.0, (waiter.name, latency)  # well within the 10 s timeout


@pytest.mark.slow  # 10^6 injects: seconds a pair
def test_stress(pair: Pair) -> None:
    """10^6 injects (4 * 10^5 for the 32-bit pairs) with random pauses into a
    receiver that drains and parks; every notification is accounted for and the
    receiver wakes for the last one."""
    north, south = pair.connect()
    north.cmd("enable")
    north.send("serve 20")
    pause = 3 if pair.kinds[1] != "py" else 1
    injects = pair.stress_injects
    r = south.cmd(f"inject {injects} {pause}", timeout=600)
    sent = south.cmd("stats")
    south.cmd("close")
    served = north.reply(60)
    assert served.startswith("ok closed=1"), served
    fields = dict(t.split("=") for t in served.split()[1:])
    calls = int(fields["calls"])
    notified = int(r["notified"])
    assert 1 <= notified <= injects and 1 <= calls <= injects + 1
    st = north.cmd("stats")
    rec = record(north.cmd("dump")["_"], 0)
    # every notification the sender counted is in the receiver's notify_count (the
    # close's wake-up is not counted)
    assert rec["notify_count"] == int(sent["notifications"]), (rec, sent)
    assert (rec["pending"], rec["dirty"]) == (0, 0)
    assert st["late"] == "0", st  # no wake-up was lost (the C engine counts them)
    print(f"stress {pair.kinds}: injects={injects} notifications={sent['notifications']} "
          f"receiver calls={calls} parks={st['parks']}")


def test_locality_busy(pair: Pair) -> None:
    """With LIVENESS_LOCK, a third peer cannot take a record a live peer holds."""
    north, south = pair.connect(LIVENESS)
    third = pair.start(pair.kinds[0], "third")
    assert third.err(f"attach {pair.path_for(third)}") == 14  # LOCALITY_BUSY
    third.cmd("hello")


def test_peer_dead(pair: Pair) -> None:
    """A peer killed without closing: the other side's wait faults PEER_DEAD, and a
    new peer may take the dead record."""
    north, south = pair.connect(LIVENESS)
    north.cmd("enable")
    assert north.cmd("wait 0.3")["ready"] == "0"  # alive: a plain timeout
    pair.killed.append(south)
    south.kill()
    assert north.err("wait 5") == 15  # PEER_DEAD
    again = pair.start(pair.kinds[1], "south2")
    assert again.cmd(f"attach {pair.path_for(again)}")["locality"] == "1"
    assert again.cmd("inject")["notified"] == "1"


GOLDEN = json.loads((ROOT / "abi" / "vectors" / "golden.json").read_text())


@pytest.mark.parametrize("kind", ["py", "c", pytest.param("asan", marks=pytest.mark.slow)])
def test_fault_replies(peer_programs: Dict[str, List[str]], tmp_path: Path, kind: str) -> None:
    """Every golden fault vector through the line protocol: one err line with the
    fault code, the file untouched, and the peer still serving."""
    p = PeerProc(_argv(peer_programs, kind), kind, tmp_path)
    try:
        for i, f in enumerate(GOLDEN["faults"]):
            path = tmp_path / f"f{i}"
            data = bytes.fromhex(f["mapping"])
            path.write_bytes(data)
            reply = p.raw(f"attach {path} offset={f['offset']} features={f['features']}")
            assert reply.split()[:3] == ["err", str(f["code"]), f["fault"]], (f["name"], reply)
            assert f"field={f['field'].split()[0]}" in reply, reply
            assert path.read_bytes() == data
        assert p.err("bogus") == 100
        assert p.err("inject") == 101
        assert p.err(f"attach {tmp_path / 'nope'}") == 104
        (tmp_path / "exists").write_bytes(b"x")
        assert p.err(f"create {tmp_path / 'exists'} 0") == 103
        assert p.err("create x 0 nonsense=1") == 100
        assert p.cmd("hello")["protocol"] == "1"
    finally:
        assert p.finish() == 0, p.log()


def test_ping_pong_without_time_limits(pair: Pair) -> None:
    """Waits with no limit park without a kernel timer (the C engine) and still see
    every answer, and the close's unconditional wake-up ends the server."""
    north, south = pair.connect()
    north.cmd("enable")
    south.cmd("enable")
    south.send("serve -1 echo=1")
    assert north.cmd("ping 500 -1", timeout=60)["rounds"] == "500"
    north.cmd("close")
    served = south.reply(30)
    assert served.startswith("ok closed=1") and "calls=501" in served, served


WAITER = 0x19  # WAKE_ADDRESS | NOTIFY_COUNT | WAITER_FLAG


@pytest.mark.slow  # 5 * 10^5 injects a pair
def test_stress_waiter_flag(pair: Pair) -> None:
    """WAITER_FLAG (spec 7.5): the injector skips the kernel call when the owner is
    not parked.  A C receiver counts a wake-up that never came (late).  Every
    injector re-reads the waiting byte after storing pending (F6, spec 7.1 step 5):
    the byte seen at F1 may be stale."""
    north, south = pair.connect(WAITER)
    north.cmd("enable")
    north.send("serve 20")
    south.cmd(f"inject {pair.stress_injects // 2} 1", timeout=600)
    sent = south.cmd("stats")
    south.cmd("close")
    served = north.reply(60)
    assert served.startswith("ok closed=1"), served
    rec = record(north.cmd("dump")["_"], 0)
    assert rec["notify_count"] == int(sent["notifications"]) and (rec["pending"], rec["dirty"]) == (0, 0)
    assert north.cmd("stats")["late"] == "0"


@pytest.mark.parametrize("kind", ["py", pytest.param("py-c", marks=pytest.mark.slow), "c"])
def test_every_reference_peer_takes_a_spin_on_create_and_attach(tmp_path: Path, kind: str,
                                                                 peer_programs: Dict[str, List[str]]) -> None:
    """Spec 13.2's spin= option, in the three reference peers: "auto" or finite seconds
    >= 0, anything else a USAGE error; spin=0 parks at once, and a fixed spin longer
    than the wait's timeout never parks: it spins the timeout away (within it)."""
    argv = peer_programs["c" if kind == "c" else "py"] + (["--engine", "c"] if kind == "py-c" else [])
    path = tmp_path / "chan"
    p = PeerProc(argv, kind, tmp_path)
    try:
        for bad in ("-1", "nan", "inf", "fast", ""):
            assert p.err(f"create {path} 0 spin={bad}") == 100
        p.cmd(f"create {path} 0 spin=0")
        p.cmd("enable")
        assert p.cmd("wait 0.05")["ready"] == "0"
        assert int(p.cmd("stats")["parks"]) >= 1, "spin=0 did not park"
        p.cmd("close")
        p.cmd(f"create {path} 0 spin=0.5 exist_ok=1")
        p.cmd("enable")
        t0 = time.monotonic()
        assert p.cmd("wait 0.05")["ready"] == "0"
        assert time.monotonic() - t0 < 0.4, "the spin outlasted the wait's timeout"
        assert p.cmd("stats")["parks"] == "0", "a spin longer than the wait parked"
        p.cmd("close")
        p.cmd(f"create {path} 0 spin=auto exist_ok=1")
        p.cmd("close")
        assert p.err(f"attach {path} spin=-0.5") == 100  # (the options of create and attach are one parser)
    finally:
        assert p.finish() == 0, p.log()
