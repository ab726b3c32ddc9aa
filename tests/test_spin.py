"""The default spin, "auto" (abi.engine.channel, shm_signal_spin.c): spin only while
it pays off.

The policy is tested on its own state machine (deterministic), in both engines step
by step against each other, and end to end on a real channel whose peer is a
process pinned to another CPU: a peer that answers at once earns spinning, one that
no longer answers loses it.  Speed itself is benchmarks/pingpong.py's business (the
default row in every placement)."""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from peer_harness import WARN

from abi import PeerClosed
from abi.engine import c_channel
from abi.engine import channel as chmod
from abi.engine.channel import (
    AUTO_CREDIT_MAX,
    AUTO_PROBE_FIRST,
    AUTO_PROBE_MAX,
    AUTO_PROBE_SPIN_MAX,
    AUTO_SPIN_S,
    NORTH,
    Channel,
)
from abi.engine.native import C_DIR
from conftest import ENGINES, engine_class, missing


@pytest.mark.parametrize("engine", ENGINES)
def test_auto_is_the_default_and_other_values_are_refused(tmp_path: Path, engine: str) -> None:
    cls = engine_class(engine)
    with cls.create(tmp_path / "c", NORTH) as ch:
        assert ch.spin == "auto"
        ch.spin = 0.0
        assert ch.spin == 0.0
        ch.spin = 2e-3
        assert ch.spin == 2e-3
        ch.spin = "auto"
        assert ch.spin == "auto"
        for bad in ("fast", -1, float("inf"), float("nan")):
            with pytest.raises(ValueError, match="spin"):
                ch.spin = bad  # type: ignore[assignment]
        assert ch.spin == "auto"
    with cls.create(tmp_path / "d", NORTH, spin=0.0) as ch:
        assert ch.spin == 0.0


def test_the_c_engine_refuses_a_bad_spin_itself(tmp_path: Path) -> None:
    """shm_signal_set_spin checks its argument (a C caller has no Python in front):
    E_ARG naming the spin for NaN, infinities and negatives other than auto."""
    with c_channel.CChannel.create(tmp_path / "c", NORTH) as ch:
        for bad in (float("nan"), float("inf"), -float("inf"), -2.0, -1e-9):
            err = c_channel.Error()
            rc = c_channel.lib().shm_signal_set_spin(ch._handle, bad, ctypes.byref(err))
            assert rc == c_channel.E_ARG and err.field == b"spin", (bad, rc, err.message)
        assert ch.spin == "auto"  # unchanged by the refusals


# ---------------------------------------------------------------- both engines, one policy


def _steps(seed: int, n: int) -> Iterator[str]:
    """Random steps of the policy: picks, spins that found work (early or late) or
    not, a CPU count that changes now and then, a spin set again."""
    rng = random.Random(seed)
    for _ in range(n):
        k = rng.random()
        if k < 0.45:
            yield "pick"
        elif k < 0.97:
            found = rng.random() < (0.8 if rng.random() < 0.5 else 0.1)
            yield f"learn {int(found)} {int(found and rng.random() < 0.2)}"
        elif k < 0.99:
            yield f"cpus {rng.choice([1, 2, 8])}"
        else:
            yield f"init {rng.choice(['-1', '0', '2e-05'])}"


def _python_trace(tmp_path: Path, steps: List[str], monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The steps on a Python channel's "auto" (the callers' rule: a fixed spin is
    picked as it is and learns nothing)."""
    cpus = [2]
    monkeypatch.setattr(chmod, "_cpus", lambda: cpus[0])
    out, picked = [], 0.0
    with Channel.create(tmp_path / "trace", NORTH) as ch:
        for step in steps:
            word, *rest = step.split()
            if word == "init":
                ch.spin = "auto" if float(rest[0]) == -1 else float(rest[0])
            elif word == "cpus":
                cpus[0] = int(rest[0])
            elif word == "pick":
                if ch._auto:
                    ch._auto_pick()
                picked = ch._spin
            elif ch._auto:
                ch._auto_learn(rest[0] == "1", late=rest[1] == "1")
            out.append(f"spin={picked:.9g} credit={ch._credit} probe={ch._probe} "
                       f"every={ch._probe_every} probe_s={ch._probe_s:.9g}")
    return out


def test_both_engines_follow_one_policy_step_by_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The C engine's policy (abi/c_reference/shm_signal_spin_test.c drives it) and the
    Python engine's, fed the same steps, go through the same states: the scenario of
    the test above, then 20,000 random steps."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler")
    assert cc is not None
    exe = tmp_path / "shm_signal_spin_test"
    srcs = [str(C_DIR / s) for s in ("shm_signal_spin_test.c", "shm_signal_spin.c", "shm_signal_os.c")]
    built = subprocess.run([cc, "-std=c11", "-O2", *WARN, f"-I{C_DIR}", *srcs, "-o", str(exe)],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    scenario = (["pick"] + ["learn 0 0"] * AUTO_CREDIT_MAX + ["pick"] * AUTO_PROBE_FIRST
                + ["learn 0 0"] * 20 + ["learn 1 1", "pick", "learn 1 0"] + ["learn 1 0"] * 100 + ["cpus 1"]
                + ["learn 0 0"] * AUTO_CREDIT_MAX + ["pick"] * (2 * AUTO_PROBE_FIRST)
                + ["init 3e-05", "pick"])
    steps = scenario + list(_steps(7, 20000))
    run = subprocess.run([str(exe)], input="\n".join(steps) + "\n", capture_output=True, text=True,
                         timeout=60)
    assert (run.returncode, run.stderr) == (0, "")
    c_trace = run.stdout.splitlines()
    py_trace = _python_trace(tmp_path, steps, monkeypatch)
    assert len(c_trace) == len(py_trace) == len(steps)
    for i, (c, py) in enumerate(zip(c_trace, py_trace)):
        assert c == py, f"step {i} ({steps[i]!r}): C {c} / Python {py}"


def test_the_policy_spins_while_it_pays_and_backs_off_when_it_does_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chmod, "_cpus", lambda: 2)
    with Channel.create(tmp_path / "c", NORTH) as ch:
        assert ch._credit == AUTO_CREDIT_MAX  # it starts by spinning
        ch._auto_pick()
        assert ch._spin == AUTO_SPIN_S
        for _ in range(AUTO_CREDIT_MAX):
            ch._auto_learn(False)
        assert ch._credit == 0
        picks = []
        for _ in range(AUTO_PROBE_FIRST):
            ch._auto_pick()
            picks.append(ch._spin)
        assert picks[:-1] == [0.0] * (AUTO_PROBE_FIRST - 1) and picks[-1] == AUTO_SPIN_S  # one probe
        # Failed probes: twice as long each, up to the longest; then twice as rare.
        lengths = []
        for _ in range(20):
            ch._auto_learn(False)
            lengths.append(ch._probe_s)
        assert lengths[0] == 2 * AUTO_SPIN_S and max(lengths) == AUTO_PROBE_SPIN_MAX
        assert ch._probe_every == AUTO_PROBE_MAX and ch._credit == 0  # bounded back-off
        # A probe that found work only late earns one ordinary spin, and probes on as failed.
        every = ch._probe_every
        ch._auto_learn(True, late=True)
        assert ch._credit == 1 and ch._probe_every == every
        ch._auto_pick()
        assert ch._spin == AUTO_SPIN_S
        ch._auto_learn(True)  # an ordinary spin found work: probing starts over
        assert ch._credit == 2 and ch._probe_every == AUTO_PROBE_FIRST and ch._probe_s == AUTO_SPIN_S
        for _ in range(100):
            ch._auto_learn(True)
        assert ch._credit == AUTO_CREDIT_MAX
        for _ in range(AUTO_CREDIT_MAX):
            ch._auto_learn(False)
        ch._auto_pick()
        assert ch._credit == 0 and ch._spin == 0.0  # as many failures as successes: park at once


def test_one_cpu_never_spins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chmod, "_cpus", lambda: 1)
    with Channel.create(tmp_path / "c", NORTH) as ch:
        ch._credit = AUTO_CREDIT_MAX
        for _ in range(2 * AUTO_PROBE_MAX):
            ch._auto_pick()
            assert ch._spin == 0.0


def _echo(path: str, cpu: int, rounds: int) -> None:
    os.sched_setaffinity(0, {cpu})
    answered = [0]
    with Channel.attach(path, timeout=10, spin=3600.0) as b:  # spins: never parked

        def answer() -> None:
            # 25 us of work first: the answer comes while the other side spins (at
            # once, it would be there before it looks, which teaches nothing).
            end = time.perf_counter() + 25e-6
            while time.perf_counter() < end:
                pass
            b.inject()
            answered[0] += 1
        b.notifier = answer
        b.enable()
        while answered[0] < rounds:  # (enable may answer the first ping itself)
            b.poll(10)


def test_a_peer_that_answers_at_once_earns_spinning(tmp_path: Path) -> None:
    """End to end, with the peer a process on another CPU that spins and answers
    each ping within 25 us: the waiting side's probe finds work and "auto" goes on
    spinning; when the peer stops answering, the spins fail and "auto" goes back
    to parking at once."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        missing("two CPUs to pin the two processes to")
    cpus = sorted(os.sched_getaffinity(0))
    path = tmp_path / "c"
    rounds = AUTO_PROBE_FIRST + 100
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpus[0]})
    try:
        with Channel.create(path, NORTH) as a:
            peer = mp.get_context("fork").Process(target=_echo, args=(str(path), cpus[1], rounds))
            peer.start()
            try:
                assert a.wait_for_peer(10)
                a.enable()
                for _ in range(rounds):
                    a.inject()
                    while a.poll(10) == 0:
                        pass
                assert a._credit > 0 and a._spin == AUTO_SPIN_S
            finally:
                peer.join(30)
            # Nobody answers now (the peer closed): every spin fails, down to parking.
            a.wakeup()  # the close's own signal
            for _ in range(AUTO_CREDIT_MAX + 1):
                with pytest.raises(PeerClosed):
                    a.wait(0.001)  # spins first, then finds the peer closed
            a._auto_pick()
            assert a._credit == 0 and a._spin == 0.0
    finally:
        os.sched_setaffinity(0, before)


@pytest.mark.parametrize("spin, spins", [("auto", True), (0.0, False), (0.01, True)])
def test_the_c_engine_spins_before_it_parks(tmp_path: Path, spin: Any, spins: bool) -> None:
    """End to end in the C engine: with the peer a process on another CPU answering
    each ping within 25 us, a C channel that spins ("auto" from the start, or a
    fixed 10 ms) finds almost every answer without parking; one that does not spin
    parks for almost every one (stats["parks"], counted by shm_signal_wait)."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        missing("two CPUs to pin the two processes to")
    cpus = sorted(os.sched_getaffinity(0))
    path = tmp_path / "c"
    rounds = 200
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpus[0]})
    try:
        with c_channel.CChannel.create(path, NORTH, spin=spin) as a:
            peer = mp.get_context("fork").Process(target=_echo, args=(str(path), cpus[1], rounds))
            peer.start()
            try:
                assert a.wait_for_peer(10)
                a.enable()
                parks0 = a.stats["parks"]
                for _ in range(rounds):
                    a.inject()
                    while a.poll(10) == 0:
                        pass
                parks = a.stats["parks"] - parks0
            finally:
                peer.join(30)
    finally:
        os.sched_setaffinity(0, before)
    if spins:
        assert parks <= rounds // 10, f"spin={spin!r}: parked {parks} times in {rounds} round trips"
    else:
        assert parks >= rounds // 2, f"spin=0: parked only {parks} times in {rounds} round trips"

