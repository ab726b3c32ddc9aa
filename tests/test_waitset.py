"""Waiting on many channels (abi.engine.waitset) and asyncio (abi.engine.aio), across
processes: every pairing of engines (the waiter's and the peer's), every mechanism
(the GROUP_DOORBELL park of spec 7.8, futex_waitv, and the thread-per-channel
fallback forced as it would be chosen on another OS), one group of words and several
(more than 127 channels)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator, List

import pytest

import abi
from abi.engine import waitset as wsmod
from abi.layout import DESC_SIZE
from conftest import ENGINES, ROOT, engine_class, missing

PEER = ROOT / "tests" / "waitset_peer.py"
MECHANISMS = ["doorbell", "futex_waitv", "threads"]


class Peer:
    """A peer process attached to channels first .. first+count-1 of a file."""

    def __init__(self, engine: str, path: Path, count: int, first: int = 0) -> None:
        self.proc = subprocess.Popen([sys.executable, str(PEER), engine, str(path), str(count), str(first)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self._expect()

    def _expect(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "ok", f"peer said {line!r}"

    def do(self, command: str, answer: bool = True) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        if answer:
            self._expect()

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(10)


def mechanism_or_missing(mechanism: str) -> None:
    if mechanism == "futex_waitv" and not wsmod.waitv_available(wsmod._library()):
        missing("futex_waitv is not available (Linux 5.16+ and libshm_signal)")
    if mechanism == "doorbell" and wsmod._library() is None:
        missing("the doorbell park needs libshm_signal")


def expected_mechanism(chans: List[Any], mechanism: str) -> str:
    """What a set asked for ``mechanism`` parks with: the doorbell only when every
    channel negotiated GROUP_DOORBELL (else the best of the others)."""
    if mechanism != "doorbell":
        return mechanism
    if all(ch.features is not None and abi.Features.GROUP_DOORBELL in ch.features for ch in chans):
        return "doorbell"
    return "futex_waitv" if wsmod.waitv_available(wsmod._library()) else "threads"


@pytest.fixture
def channels(request: Any, tmp_path: Path) -> Iterator[Any]:
    """(waiter channels, peer, counts): ``count`` channels created by this process
    with the waiter's engine, all attached by one peer process."""
    waiter, peer_engine, count = request.param
    path = tmp_path / "many.shm"
    cls = engine_class(waiter)
    counts = [0] * count
    chans = []
    for i in range(count):
        ch = cls.create(path, abi.LOCALITY_NORTH, offset=i * DESC_SIZE, size=count * DESC_SIZE, exist_ok=True,
                        notifier=(lambda i=i: counts.__setitem__(i, counts[i] + 1)))
        chans.append(ch)
    peer = Peer(peer_engine, path, count)
    for ch in chans:
        assert ch.wait_for_peer(10)
        ch.enable()
    try:
        yield chans, peer, counts
    finally:
        peer.stop()
        for ch in chans:
            ch.close()


PAIRS = [(w, p, n) for w in ENGINES for p in ENGINES for n in (3,)] + [("py", "c", 200), ("c", "py", 200)]


def with_mechanisms(params: List[Any], ids: List[str]) -> List[Any]:
    """Each parameter with each mechanism.  Beyond one futex_waitv group (127) only
    the default mechanism, the doorbell, stays in the fast tier; the others run
    there in the slow tier (helper threads per group, a thread per channel)."""
    return [pytest.param(p, m, id=f"{i}-{m}",
                         marks=pytest.mark.slow if _count(p) > wsmod.GROUP and m != "doorbell" else ())
            for p, i in zip(params, ids) for m in MECHANISMS]


def _count(p: Any) -> int:
    return p if isinstance(p, int) else p[-1]


@pytest.mark.parametrize("channels, mechanism",
                         with_mechanisms(PAIRS, [f"{p[0]}-waits-{p[1]}-injects-{p[2]}" for p in PAIRS]),
                         indirect=["channels"])
def test_wait_any_returns_exactly_the_injected_channels(channels: Any, mechanism: str) -> None:
    chans, peer, counts = channels
    mechanism_or_missing(mechanism)
    with abi.WaitSet(chans, mechanism=mechanism) as ws:
        assert ws.mechanism == expected_mechanism(chans, mechanism)
        assert ws.wait(0) == []
        picks = sorted({0, len(chans) // 2, len(chans) - 1})
        for i in picks:
            peer.do(f"inject {i}")
            assert ws.wait(10) == [chans[i]]
            assert chans[i].poll(0) == 1
            assert ws.wait(0) == []
        for i in picks:  # several at once: all of them, in registration order
            peer.do(f"inject {i}")
        assert ws.wait(10) == [chans[i] for i in picks]
        for i in picks:
            chans[i].poll(0)
        assert [counts[i] for i in picks] == [2] * len(picks)


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("channels", [("py", "py", 3)], indirect=True, ids=["py"])
def test_a_wait_on_a_signal_that_comes_later_parks_and_wakes(channels: Any, mechanism: str) -> None:
    """The peer injects only after the waiter is parked (it may be, by then): the
    wait returns with that channel, and costs little CPU while parked.  With no
    liveness check due, only the inject's wake-up can end the park: one that the
    peer skips (a park not announced under WAITER_FLAG) fails this."""
    chans, peer, _counts = channels
    mechanism_or_missing(mechanism)
    for ch in chans:
        ch.liveness_interval = 60.0
    with abi.WaitSet(chans, mechanism=mechanism) as ws:
        assert ws.mechanism == expected_mechanism(chans, mechanism)
        cpu0, wall0 = time.process_time(), time.monotonic()
        assert ws.wait(0.5) == []
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        assert wall >= 0.5
        assert cpu < 0.25 * wall, f"an idle wait used {cpu:.3f} s of CPU in {wall:.3f} s: it polls"
        injector = threading.Thread(target=peer.do, args=("inject 1",))
        injector.start()
        t0 = time.monotonic()
        assert ws.wait(8) == [chans[1]]
        # (At its timeout a wait still reports what is ready: only the time tells a
        # park the inject woke from one that slept through it.)
        assert time.monotonic() - t0 < 4, "the inject did not wake the parked wait"
        injector.join()
        chans[1].poll(0)



@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("waiter", ENGINES)
def test_a_dead_peer_is_reported_for_its_channels_only(tmp_path: Path, waiter: str, mechanism: str) -> None:
    mechanism_or_missing(mechanism)
    path, cls = tmp_path / "f.shm", engine_class(waiter)
    chans = [cls.create(path, 0, offset=i * DESC_SIZE, size=4 * DESC_SIZE, exist_ok=True,
                        liveness_interval=0.05) for i in range(4)]
    alive, doomed = Peer("py", path, 2, 0), Peer("py", path, 2, 2)
    try:
        for ch in chans:
            assert ch.wait_for_peer(10)
            ch.enable()
        with abi.WaitSet(chans, mechanism=mechanism) as ws:
            doomed.do("die", answer=False)
            doomed.proc.wait(10)
            deadline = time.monotonic() + 10
            ready: List[Any] = []
            while set(ready) != {chans[2], chans[3]} and time.monotonic() < deadline:
                ready = ws.wait(1)
            assert ready == [chans[2], chans[3]]
            # Still ready until polled or removed: later waits report them at once, with
            # no liveness check due (the doorbell's own look sees words, not peers).
            for ch in chans:
                ch.liveness_interval = 60.0
            for _ in range(3):
                t0 = time.monotonic()
                assert ws.wait(5) == [chans[2], chans[3]] and time.monotonic() - t0 < 2
            for ch in (chans[2], chans[3]):
                with pytest.raises(abi.PeerDead):
                    ch.poll(0)
                ws.remove(ch)
            alive.do("inject 0")  # the others still work
            assert ws.wait(10) == [chans[0]]
    finally:
        alive.stop()
        for ch in chans:
            ch.close()


@pytest.mark.parametrize("channels", [(w, "py", 3) for w in ENGINES], indirect=True, ids=ENGINES)
def test_a_closed_peer_channel_is_ready_and_then_raises(channels: Any) -> None:
    chans, peer, _counts = channels
    with abi.WaitSet(chans) as ws:
        peer.do("close 1")
        assert ws.wait(10) == [chans[1]]
        with pytest.raises(abi.PeerClosed):
            for _ in range(3):  # the close's own signal may run the notifier first
                chans[1].poll(0)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_a_flooded_channel_does_not_starve_another(tmp_path: Path, mechanism: str) -> None:
    """One peer injects as fast as it can on channel 0; another signals channel 1
    once.  Serving every ready channel with a budget per round, channel 1 is served
    within a few rounds."""
    mechanism_or_missing(mechanism)
    path = tmp_path / "flood.shm"
    served = [0, 0]
    chans = [abi.Channel.create(path, 0, offset=i * DESC_SIZE, size=2 * DESC_SIZE, exist_ok=True,
                                budget=16, notifier=(lambda i=i: served.__setitem__(i, served[i] + 1)))
             for i in range(2)]
    flooder, other = Peer("c", path, 1, 0), Peer("py", path, 1, 1)
    try:
        for ch in chans:
            assert ch.wait_for_peer(10)
            ch.enable()
        with abi.WaitSet(chans, mechanism=mechanism) as ws:
            flooder.do("flood 0 2000000", answer=False)
            while served[0] < 100:  # the flood is under way
                for ch in ws.wait(10):
                    ch.poll(0)
            other.do("inject 1")
            rounds = 0
            while served[1] == 0:
                rounds += 1
                assert rounds <= 3, "channel 1 waited more than 3 rounds behind the flood"
                for ch in ws.wait(10):
                    ch.poll(0)
    finally:
        flooder.proc.kill()
        flooder.proc.wait()
        other.stop()
        for ch in chans:
            ch.close()


@pytest.mark.parametrize("channels, mechanism", with_mechanisms([(w, "py", 130) for w in ENGINES], ENGINES),
                         indirect=["channels"])
def test_closing_and_adding_channels_while_another_thread_waits(channels: Any, mechanism: str) -> None:
    """A channel closed (or added, removed) while a wait is parked on it leaves the
    set first: the wait goes on with the others, and nothing reads freed memory."""
    chans, peer, _counts = channels
    mechanism_or_missing(mechanism)
    ws = abi.WaitSet(chans[:-1], mechanism=mechanism)
    results: List[List[Any]] = []
    waiter = threading.Thread(target=lambda: results.append(ws.wait(10)))
    waiter.start()
    chans[0].close()  # parked by now or not: either way it must leave the set first
    ws.add(chans[-1])
    ws.remove(chans[5])
    assert chans[0] not in ws and chans[-1] in ws and chans[5] not in ws
    peer.do(f"inject {len(chans) - 1}")
    waiter.join(10)
    assert results == [[chans[-1]]]
    assert chans[-1].poll(0) == 1
    thread = threading.Timer(0.05, ws.interrupt)  # before the wait or during it: [] either way
    thread.start()
    assert ws.wait(10) == []  # interrupted, not timed out
    ws.close()
    with pytest.raises(ValueError):
        ws.wait(0)


@pytest.mark.parametrize("channels, mechanism",
                         with_mechanisms([("py", "py", 3), ("c", "py", 130)], ["3", "130"]),
                         indirect=["channels"])
def test_a_muted_channel_is_parked_on_but_not_reported(channels: Any, mechanism: str) -> None:
    chans, peer, _counts = channels
    mechanism_or_missing(mechanism)
    last = len(chans) - 1
    with abi.WaitSet(chans, mechanism=mechanism) as ws:
        ws.mute(chans[last])
        peer.do(f"inject {last}")
        assert ws.wait(0.2) == []  # its work is there, and muted
        peer.do("inject 0")
        assert ws.wait(10) == [chans[0]]  # the others are reported meanwhile
        chans[0].poll(0)
        ws.mute(chans[last], False)
        assert ws.wait(10) == [chans[last]]


@pytest.mark.parametrize("n, mechanism", with_mechanisms([2, 130], ["2", "130"]))  # helpers beyond 127
@pytest.mark.parametrize("waiter", ENGINES)
def test_channels_added_before_their_peer_attached_are_woken_after(tmp_path: Path, waiter: str,
                                                                    mechanism: str, n: int) -> None:
    """Registered before the attach, a channel parks without announcing (the
    WAITER_FLAG is not negotiated yet); once its peer has attached, the set reads how
    its wake-ups come again, so an inject wakes the park (with no liveness check due,
    nothing else could end it in time).  The helper threads start as the wait
    parks, with the inject racing them: one that came before a helper's first look
    must be rung for, not parked on."""
    mechanism_or_missing(mechanism)
    path, cls = tmp_path / "late.shm", engine_class(waiter)
    chans = [cls.create(path, 0, offset=i * DESC_SIZE, size=n * DESC_SIZE, exist_ok=True,
                        liveness_interval=60.0) for i in range(n)]
    try:
        for ch in chans:
            ch.enable()
        with abi.WaitSet(chans, mechanism=mechanism) as ws:
            assert ws.wait(0) == [] and all(ch.features is None for ch in chans)
            peer = Peer("py", path, n)
            try:
                assert ws.wait(0) == []  # the set learns the negotiated features here
                injector = threading.Thread(target=peer.do, args=(f"inject {n - 1}",))
                injector.start()
                t0 = time.monotonic()
                assert ws.wait(8) == [chans[n - 1]]
                assert time.monotonic() - t0 < 4, "the inject did not wake the parked wait"
                injector.join()
            finally:
                peer.stop()
    finally:
        for ch in chans:
            ch.close()


@pytest.mark.parametrize("kind", ["group", "channel"])
def test_a_helper_rings_for_work_that_came_before_it_started(tmp_path: Path, kind: str) -> None:
    """Between the waiter's look and a helper thread's first one, an inject may
    land: the helper must ring for it, not park on it (the waiter would then sleep
    through it).  Made certain here: the work is there before the helper starts."""
    if kind == "group" and not wsmod.waitv_available(wsmod._library()):
        missing("futex_waitv is not available (Linux 5.16+ and libshm_signal)")
    path = tmp_path / "c.shm"
    with abi.Channel.create(path, 0) as north, abi.Channel.attach(path) as south:
        north.enable()
        south.inject()
        with abi.WaitSet(mechanism="futex_waitv" if kind == "group" else "threads") as ws:
            member = wsmod._Member(north)
            lib = wsmod._library()
            helper = (wsmod._GroupWatcher(ws, [member], lib) if kind == "group"  # type: ignore[arg-type]
                      else wsmod._ChannelWatcher(ws, member))
            seen = ws._bell.word.value
            helper.start()
            try:
                ws._bell.wait(seen, 5.0)
                assert ws._bell.word.value != seen, "the helper parked on work it found there"
            finally:
                helper.stop()
                helper.join(5)


def test_the_fallback_is_forced_by_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv(wsmod.MECHANISM_ENV, "threads")
    assert abi.WaitSet().mechanism == "threads"
    monkeypatch.setenv(wsmod.MECHANISM_ENV, "bogus")
    with pytest.raises(ValueError, match="bogus"):
        abi.WaitSet()


# ---------------------------------------------------------------------- asyncio


@pytest.mark.parametrize("channels", [(w, p, 3) for w in ENGINES for p in ENGINES], indirect=True,
                         ids=lambda p: f"{p[0]}-waits-{p[1]}-injects")
def test_asyncio_waits_polls_times_out_and_cancels(channels: Any) -> None:
    chans, peer, counts = channels

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        assert await chans[0].wait_async(0.1) is False
        task = asyncio.ensure_future(chans[2].poll_async())
        await loop.run_in_executor(None, peer.do, "inject 2")
        assert await asyncio.wait_for(task, 10) == 1
        assert counts[2] == 1
        # Cancelled while parked: the channel is as it was, and the hub lets go of it.
        cancelled = asyncio.ensure_future(chans[1].wait_async())
        await asyncio.sleep(0)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        hub = abi.engine.aio._the_hub()
        assert id(chans[1]) not in hub.waiters  # nobody awaits it: muted, then evicted
        assert chans[1] not in hub.ws or hub.ws._members[id(chans[1])].muted
        await loop.run_in_executor(None, peer.do, "inject 1")
        assert await abi.wait_any_async(chans, 10) == [chans[1]]
        assert chans[1].poll(0) == 1
        await loop.run_in_executor(None, peer.do, "close 0")
        with pytest.raises(abi.PeerClosed):
            for _ in range(3):
                await chans[0].poll_async(10)

    asyncio.run(scenario())


def test_the_async_example_serves_many_producers() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "async_server.py"), "--producers", "6",
                          "--signals", "200"], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "served 1200 signals from 6 producers" in out.stdout


@pytest.mark.slow
def test_the_channels_benchmark_runs_and_reports_numbers() -> None:
    """benchmarks/channels.py at a small size: every mechanism measured has a median
    and a p99, and every count has its memory and descriptor figures."""
    import json

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "channels.py"), "--counts", "1,16",
                          "--iterations", "50", "--idle", "0.3", "--json"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result["counts"]) == {"1", "16"}
    for count, r in result["counts"].items():
        for field in ("rss_kb", "vmsize_kb", "fds", "fds_of_file", "maps_of_file", "rss_kb_per_channel",
                      "vmsize_kb_per_channel", "fds_per_channel"):
            assert isinstance(r["memory"][field], (int, float)), (count, field)
        for key in ("default_liveness", "long_liveness"):
            assert r["idle"][key]["cpu_s"] >= 0 and r["idle"][key]["voluntary_switches"] >= 0
        measured = {name: x for name, x in r["latency"].items() if x is not None}
        assert {"waitset", "single", "shm_asyncio"} <= set(measured), (count, r["latency"])
        for name, x in measured.items():
            assert x["median_us"] > 0 and x["p99_us"] >= x["median_us"], (count, name, x)
