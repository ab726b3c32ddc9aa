"""The default spin, "auto" (abi.engine.channel): spin only while it pays off.

The policy is tested on its own state machine (deterministic), and end to end on a
real channel whose peer is a process pinned to another CPU: a peer that answers at
once earns spinning, one that no longer answers loses it.  Speed itself is
benchmarks/pingpong.py's business (the default row in every placement)."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest

from abi import PeerClosed
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
from conftest import missing


def test_auto_is_the_default_and_other_values_are_refused(tmp_path: Path) -> None:
    with Channel.create(tmp_path / "c", NORTH) as ch:
        assert ch.spin == "auto"
        ch.spin = 0.0
        assert ch.spin == 0.0
        ch.spin = "auto"
        assert ch.spin == "auto"
        for bad in ("fast", -1, float("inf")):
            with pytest.raises(ValueError, match="spin"):
                ch.spin = bad  # type: ignore[assignment]


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
