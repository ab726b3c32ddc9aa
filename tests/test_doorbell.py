"""GROUP_DOORBELL (spec 7.8) in the Python engine, from the spec's rules: where the
ring goes and when, who accepts the feature, several owners of one doorbell in
different processes, a hostile ringer, and a thousand channels parked on one word."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

from abi import Channel, ChannelGroup, Features, WaitSet, layout
from abi.engine import waitset as wsmod
from abi.engine.ordering import KernelOrdering, kernel_fence
from abi.engine.wake import supported_features
from abi.faults import Fault, ShmSignalFault
from conftest import ROOT, missing

OWNER = ROOT / "tests" / "doorbell_owner.py"
BELL = Features.GROUP_DOORBELL


@pytest.fixture(autouse=True)
def _needs_the_feature() -> None:
    if not supported_features() & BELL:
        missing("GROUP_DOORBELL needs WAKE_ADDRESS (Linux, macOS) and libshm_signal's atomic add")


def doorbell(ch: Any, locality: int) -> int:
    """The head's doorbell of ``locality``, read from the file's bytes."""
    at = layout.doorbell_offset(locality)
    return int.from_bytes(ch.buffer[at:at + 4], "little")


@pytest.fixture
def group(tmp_path: Path) -> Iterator[Tuple[ChannelGroup, ChannelGroup]]:
    path = tmp_path / "g.shm"
    north = ChannelGroup.create(path, 3)
    south = ChannelGroup.attach(path)
    try:
        yield north, south
    finally:
        south.close()
        north.close()


def test_a_group_negotiates_it_and_every_channel_names_one_doorbell_per_side(group: Any) -> None:
    north, south = group
    for n, s in zip(north, south):
        assert BELL in n.features and BELL in s.features
    bells = {n._doorbell_word() for n in north}, {s._doorbell_word() for s in south}
    assert len(bells[0]) == len(bells[1]) == 1
    assert bells[1].pop() - bells[0].pop() == layout.doorbell_offset(1) - layout.doorbell_offset(0) == 64


@pytest.mark.parametrize("waiting, rings", [(0, False), (1, False), (2, True), (3, True)])
def test_the_ring_goes_to_the_heads_word_when_the_waiting_byte_says_so(group: Any, waiting: int,
                                                                        rings: bool) -> None:
    """7.1 step 5 as 7.8 amends it, on channel 2 (not the head): bit 1 rings the
    north doorbell at file offset 88, any other bit wakes the channel; the south
    doorbell (152) is never touched.  The owner's waiting byte is set by hand."""
    north, south = group
    owner, remote = north[2], south[2]
    owner.enable()
    at = owner.offset + layout.IRQ_OFFSET + layout.ShmSignalIrq.pad0.offset
    owner.buffer[at] = waiting
    before = doorbell(owner, 0), doorbell(owner, 1)
    count0 = remote.stats["notifications"]
    sent = remote.inject()
    assert sent == (waiting != 0)
    assert doorbell(owner, 0) == (before[0] + 1 if rings else before[0])
    assert doorbell(owner, 1) == before[1]
    assert remote.stats["notifications"] - count0 == (1 if waiting else 0)
    # NOTIFY_COUNT counts one notification, whether it went to one place or two.
    nc = owner.descriptor_bytes()[layout.IRQ_OFFSET + 16:layout.IRQ_OFFSET + 24]
    assert int.from_bytes(nc, "little") == (1 if waiting else 0)
    owner.buffer[at] = 0
    assert owner.poll(0) == 1


def test_a_channel_without_a_head_does_not_accept_it(tmp_path: Path) -> None:
    path = tmp_path / "nohead.shm"
    a = Channel.create(path, offset=192, size=1024)
    b = Channel.attach(path, offset=192)
    try:
        assert BELL in Features(a._offered)
        assert BELL not in b.features and BELL not in a.features
        assert b._doorbell_word() is None
    finally:
        b.close()
        a.close()


@pytest.mark.parametrize("offset", [64, 128])
def test_a_descriptor_overlapping_the_head_neither_offers_nor_accepts_it(tmp_path: Path, offset: int) -> None:
    """At 64 or 128 the head's doorbells (88, 152) are bytes of the descriptor itself
    (its features_required, its own irq words): ringing them would corrupt it."""
    path = tmp_path / "overlap.shm"
    a = Channel.create(path, offset=offset, size=1024)
    b = Channel.attach(path, offset=offset)
    try:
        assert not a._offered & BELL and BELL not in b.features
    finally:
        b.close()
        a.close()
    # A foreign creator that offers it there anyway: the attacher still declines.
    path2 = tmp_path / "overlap2.shm"
    raw = bytearray(1024)
    from abi.descriptor import initialize

    initialize(raw, offset, layout.LOCALITY_NORTH, supported_features() & layout.FEATURES_PLAIN, 0,
               bytes(range(1, 17)), 4242)
    raw[0:4] = layout.MAGIC.to_bytes(4, "little")  # bytes that look like a head offering it
    raw[16:24] = supported_features().to_bytes(8, "little") if offset > 24 else raw[16:24]
    path2.write_bytes(bytes(raw))
    c = Channel.attach(path2, offset=offset)
    try:
        assert BELL not in c.features
    finally:
        c.close()


def test_a_head_that_does_not_offer_it_keeps_it_out(tmp_path: Path) -> None:
    """Published without it, the head keeps a later creator from offering it (no
    attacher could accept it), as the C engine does; before the head is published
    the creator offers it and the attacher decides."""
    path = tmp_path / "plainhead.shm"
    early = Channel.create(path, offset=384, size=1024)  # no head yet
    head = Channel.create(path, features=supported_features() & ~BELL, exist_ok=True)
    a = Channel.create(path, offset=192, exist_ok=True)
    b, c = Channel.attach(path, offset=192), Channel.attach(path, offset=384)
    try:
        assert BELL not in Features(a._offered) and BELL not in b.features
        assert BELL in Features(early._offered) and BELL not in c.features
    finally:
        for ch in (c, b, a, head, early):
            ch.close()


@pytest.mark.parametrize("side", ["creator", "attacher"])
def test_it_goes_without_waiter_flag(tmp_path: Path, side: str) -> None:
    path = tmp_path / "nowf.shm"
    less = supported_features() & ~layout.FEATURE_WAITER_FLAG
    a = Channel.create(path, features=less if side == "creator" else None)
    b = Channel.attach(path, features=less if side == "attacher" else None)
    try:
        assert BELL not in b.features
        if side == "creator":
            assert not a._offered & BELL  # dropped, not refused: it is never required
    finally:
        b.close()
        a.close()


def test_without_an_atomic_add_it_is_neither_offered_nor_accepted(tmp_path: Path) -> None:
    path = tmp_path / "kernel.shm"
    kernel = KernelOrdering(kernel_fence())
    a = Channel.create(path, ordering=kernel)
    b = Channel.attach(path)
    c_path = tmp_path / "kernel2.shm"
    c = Channel.create(c_path)
    d = Channel.attach(c_path, ordering=kernel)
    try:
        assert not a._offered & BELL and BELL not in b.features
        assert c._offered & BELL and BELL not in d.features
        with pytest.raises(ShmSignalFault) as exc:
            Channel.create(tmp_path / "x.shm", features=supported_features(), ordering=kernel)
        assert exc.value.code == Fault.UNSUPPORTED_FEATURE
    finally:
        for ch in (d, c, b, a):
            ch.close()


def test_it_is_never_required(tmp_path: Path) -> None:
    with pytest.raises(ShmSignalFault) as exc:
        Channel.create(tmp_path / "req.shm", required=BELL)
    assert (exc.value.code, exc.value.field) == (Fault.BAD_FEATURES, "features_required")


class Owner:
    """A process that owns south on channels FIRST .. FIRST+COUNT-1 and waits on them
    with a WaitSet."""

    def __init__(self, path: Path, first: int, count: int) -> None:
        self.proc = subprocess.Popen([sys.executable, str(OWNER), "owner", str(path), str(first), str(count)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.mechanism = self._line().split()[1]

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the owner process died"
        return line

    def start_wait(self, timeout: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"wait {timeout}\n")
        self.proc.stdin.flush()

    def result(self) -> Tuple[List[int], float]:
        got, took = self._line().split()
        return ([] if got == "-" else [int(x) for x in got.split()]), float(took)

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


@pytest.mark.slow  # two processes, about a second (the fast tier's budget is a minute)
def test_owners_in_two_processes_share_one_doorbell(tmp_path: Path) -> None:
    """Channels 0-1 owned (south) by one process, 2-3 by another: one doorbell.  An
    inject for one owner wakes the other too, which finds nothing of its own and
    parks again: each wait returns exactly its own channel, the other's times out."""
    path = tmp_path / "shared.shm"
    north = ChannelGroup.create(path, 4)
    a, b = Owner(path, 0, 2), Owner(path, 2, 2)
    try:
        assert north.wait_for_peers(10)
        assert (a.mechanism, b.mechanism) == ("doorbell", "doorbell")
        for target, other, ch in ((a, b, 1), (b, a, 3)):
            target.start_wait(10)
            other.start_wait(0.5)
            # Neither wait can have returned: nothing is signalled yet.  The inject
            # may come before or after they park; both orders must work.
            north[ch].inject()
            got, took = target.result()
            assert got == [ch] and took < 5
            got, took = other.result()
            assert got == [] and took >= 0.5
    finally:
        a.stop()
        b.stop()
        north.close()


def test_a_hostile_ringer_costs_looks_not_answers_or_time(tmp_path: Path) -> None:
    """A process that rings our doorbell as fast as it can: the wait still returns
    [] at its timeout (7.5), and the real signal that follows is reported."""
    path = tmp_path / "hostile.shm"
    north = ChannelGroup.create(path, 2)
    south = ChannelGroup.attach(path)
    try:
        north.enable()
        with WaitSet(list(north)) as ws:
            assert ws.mechanism == "doorbell"
            ringer = subprocess.Popen([sys.executable, str(OWNER), "ring", str(path), "0", "200000"],
                                      stdout=subprocess.PIPE, text=True)
            try:
                t0 = time.monotonic()
                assert ws.wait(0.5) == []
                assert 0.5 <= time.monotonic() - t0 < 2.0
            finally:
                assert ringer.stdout is not None
                assert ringer.stdout.readline().strip() == "done" or ringer.wait(30) == 0
                ringer.wait(30)
            south[1].inject()
            assert ws.wait(5) == [north[1]]
    finally:
        south.close()
        north.close()


@contextmanager
def _doorbell_set(north: Any) -> Iterator[WaitSet]:
    """The group's north side enabled, in a set that parks on the doorbell, whose
    liveness checks (a minute apart) end no park."""
    for ch in north:
        ch.liveness_interval = 60.0
    north.enable()
    with WaitSet(list(north)) as ws:
        assert ws.mechanism == "doorbell"
        yield ws


def test_interrupt_ends_a_doorbell_park(group: Any) -> None:
    north, _south = group
    with _doorbell_set(north) as ws:
        threading.Timer(0.2, ws.interrupt).start()
        t0 = time.monotonic()
        assert ws.wait(10) == []
        assert time.monotonic() - t0 < 5


def _waiting_bytes(channels: Any) -> List[int]:
    at = layout.IRQ_OFFSET + layout.ShmSignalIrq.pad0.offset
    return [ch.buffer[ch.offset + at + layout.IRQ_SIZE * ch.locality] for ch in channels]


def test_a_doorbell_wait_announces_on_every_channel_and_clears_after(group: Any) -> None:
    """7.8 steps 2 and 6: while the set is parked every channel's waiting byte is 2
    (so that an inject on any of them rings); once the wait returns, whether it found
    work at its first look or after the park, every one is 0 again."""
    north, south = group
    with _doorbell_set(north) as ws:
        south[1].inject()  # there before the wait: found by the first look, no park
        assert ws.wait(5) == [north[1]]
        assert _waiting_bytes(north) == [0, 0, 0]
        assert north[1].poll(0) == 1
        result: List[Any] = []
        waiter = threading.Thread(target=lambda: result.extend(ws.wait(10)))
        waiter.start()
        deadline = time.monotonic() + 10
        while _waiting_bytes(north) != [2, 2, 2] and time.monotonic() < deadline:
            time.sleep(0.001)  # observing the parked state, not ordering with it
        assert _waiting_bytes(north) == [2, 2, 2], "the parked set did not announce on every channel"
        south[2].inject()
        waiter.join(10)
        assert result == [north[2]]
        assert _waiting_bytes(north) == [0, 0, 0]


@pytest.mark.slow  # a thousand channels, 1.5 s (the fast tier's budget is a minute)
def test_a_thousand_channels_park_on_one_word_with_no_helper_thread(tmp_path: Path) -> None:
    """1,024 channels of one file: the set parks on the doorbell (no helper thread,
    where futex_waitv needed one per 127), idles without CPU, and an inject on any
    channel wakes it with exactly that channel."""
    if wsmod._library() is None:
        missing("libshm_signal")
    path = tmp_path / "k.shm"
    north = ChannelGroup.create(path, 1024)
    south = ChannelGroup.attach(path)
    try:
        for ch in north:
            ch.liveness_interval = 60.0
        north.enable()
        with WaitSet(list(north)) as ws:
            threads = threading.active_count()
            assert ws.mechanism == "doorbell"
            cpu0, wall0 = time.process_time(), time.monotonic()
            assert ws.wait(0.5) == []
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            assert cpu < 0.25 * wall, f"an idle wait used {cpu:.3f} s of CPU in {wall:.3f} s"
            assert threading.active_count() == threads
            for i in (0, 517, 1023):
                injector = threading.Timer(0.05, south[i].inject)
                injector.start()
                t0 = time.monotonic()
                assert ws.wait(10) == [north[i]]
                assert time.monotonic() - t0 < 5
                injector.join()
                assert north[i].poll(0) == 1
    finally:
        south.close()
        north.close()


def test_ringing_a_set_whose_channels_closed_touches_no_unmapped_memory(tmp_path: Path) -> None:
    """The doorbell lives in the channels' mapping: once they have all closed (and
    the mapping is gone), interrupt() and a later wait must not ring it.  In a child
    process, so that a crash shows as its exit status."""
    code = f"""
import abi
north = abi.ChannelGroup.create({str(tmp_path / "gone.shm")!r}, 3)
south = abi.ChannelGroup.attach({str(tmp_path / "gone.shm")!r})
assert north.wait_for_peers(5) and all(c.features is not None for c in north)  # negotiated
south.close()
ws = abi.WaitSet(list(north))
assert ws.mechanism == "doorbell" and ws.wait(0) == [c for c in north]  # peers gone: ready
north.close()  # the last users of the mapping: it is unmapped
ws.interrupt()
assert ws.wait(0) == [] and len(ws) == 0
print("survived")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0 and "survived" in out.stdout, (out.returncode, out.stderr)
