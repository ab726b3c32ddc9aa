"""Message rings across real processes (issue 18): every pairing of the reference
peers (the Python engine, the Python peer over the C engine, the C peer) moves the
13.6 stream with random sizes and pauses, nothing lost, duplicated or altered; a
producer killed in the middle of a stream leaves its consumer everything it
published, then PEER_DEAD; a hostile process scribbling on the ring makes each
peer refuse or report, never crash or hang (the C peer under ASan and UBSan)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest
from peer_harness import SANITIZE, PeerProc, build_c_peer

from abi.faults import Fault
from conftest import ROOT, missing

RING_AT, CAPACITY, LARGEST = 256, 4096, 300

if not sys.platform.startswith("linux"):
    pytest.skip("Linux: the peers' processes over one file, signals, ASan", allow_module_level=True)


@pytest.fixture(scope="module")
def argv(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, List[str]]:
    cc = os.environ.get("CC", "cc")
    try:
        asan = build_c_peer(tmp_path_factory.mktemp("cpeer"), [cc], SANITIZE, exe_suffix="-asan")
    except (RuntimeError, OSError) as exc:
        missing(f"the C peer with ASan: {exc}")
        raise
    return {"py": [sys.executable, "-m", "abi.peer"],
            "pyc": [sys.executable, "-m", "abi.peer", "--engine", "c"], "c": [str(asan)]}


def _peer(argv: List[str], name: str, log_dir: Path) -> PeerProc:
    return PeerProc(argv, name, log_dir, env={"PYTHONPATH": str(ROOT)})


def _channel(tmp_path: Path, producer: PeerProc, consumer: PeerProc, creator: PeerProc) -> None:
    chan = tmp_path / "chan"
    attacher = consumer if creator is producer else producer
    creator.cmd(f"create {chan} 0 size={RING_AT + 192 + CAPACITY}")
    creator.cmd(f"ring_create {RING_AT} {CAPACITY} max={LARGEST}")
    attacher.cmd(f"attach {chan} timeout=10")
    creator.cmd("wait_peer 10")
    consumer.cmd(f"ring_open {RING_AT} consumer")
    producer.cmd(f"ring_open {RING_AT} producer")


@pytest.mark.slow  # 9 pairings of two processes each: about 15 s
def test_every_pairing_moves_the_stream_intact() -> None:
    """benchmarks/ring_pairs.py at a small size, with pauses: 3,000 messages of 0 to
    300 bytes through a 4 KiB ring (it wraps about 150 times), every pairing."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "ring_pairs.py"), "--messages", "3000",
                          "--capacity", "4096", "--pause", "30", "--json"], capture_output=True, text=True,
                         timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    results = json.loads(out.stdout)
    assert sorted(results) == sorted(f"{a}->{b}" for a in ("py", "pyc", "c") for b in ("py", "pyc", "c"))
    for name, r in results.items():
        assert r["ok"] and r["reply"] == "producer: ok sent=3000; consumer: ok received=3000", (name, r)


def test_a_pairing_that_loses_a_message_fails(tmp_path: Path) -> None:
    """The consumer's check can fail: a stream with another seed is bad at message 0,
    and so is a stream whose first message was taken away."""
    tx = _peer([sys.executable, "-m", "abi.peer"], "tx", tmp_path)
    rx = _peer([sys.executable, "-m", "abi.peer"], "rx", tmp_path)
    try:
        _channel(tmp_path, tx, rx, creator=tx)
        tx.cmd(f"ring_stream 4 1 max={LARGEST}")
        assert rx.cmd(f"ring_check 4 2 max={LARGEST}") == {"received": "0", "bad": "0"}  # another stream
        tx.cmd(f"ring_stream 4 1 max={LARGEST}")
        rx.cmd("ring_recv")  # drains the first stream's other three messages
        rx.cmd("ring_recv")
        rx.cmd("ring_recv")
        rx.cmd("ring_recv")  # "loses" message 0 of the second
        assert rx.cmd(f"ring_check 3 1 max={LARGEST}") == {"received": "0", "bad": "0"}
    finally:
        tx.finish()
        rx.finish()


@pytest.mark.slow  # a second of streaming per consumer, then the liveness check
@pytest.mark.parametrize("consumer_kind", ["py", "pyc", "c"])
def test_a_producer_killed_mid_stream(tmp_path: Path, argv: Dict[str, List[str]], consumer_kind: str) -> None:
    """SIGKILL in the middle of ring_stream (whatever record it was writing): the
    consumer receives every message the producer published, in order and intact,
    then reports PEER_DEAD (err 15) and answers the next command."""
    tx, rx = _peer(argv["py"], "tx", tmp_path), _peer(argv[consumer_kind], "rx", tmp_path)
    try:
        _channel(tmp_path, tx, rx, creator=rx)
        rx.send(f"ring_check 100000000 7 max={LARGEST} timeout=20")
        tx.send(f"ring_stream 100000000 7 max={LARGEST} pause=20")
        time.sleep(0.5)  # not synchronisation: how long the producer streams before it dies
        tx.kill()
        got = rx.reply(30.0)
        assert got.startswith(f"err {int(Fault.PEER_DEAD)} "), got
        assert "bad=" not in got
        assert rx.cmd("hello")["protocol"] == "1"
    finally:
        tx.finish()
        rx.finish()


@pytest.mark.slow  # a second of scribbling per side and peer
@pytest.mark.parametrize("role", ["consumer", "producer"])
@pytest.mark.parametrize("kind", ["py", "pyc", "c"])
def test_a_process_scribbling_on_the_ring(tmp_path: Path, argv: Dict[str, List[str]], kind: str,
                                          role: str) -> None:
    """A hostile process writes random values into head, tail, record headers and
    payloads at full speed while the peer streams: each command ends with a fault
    (BAD_RING), a timeout, a bad message or success; the peer never crashes (the C
    peer runs under ASan and UBSan, which abort on any access outside the mapping)
    and answers the next command."""
    victim, other = _peer(argv[kind], "victim", tmp_path), _peer(argv["py"], "other", tmp_path)
    tx, rx = (other, victim) if role == "consumer" else (victim, other)
    hostile = None
    try:
        _channel(tmp_path, tx, rx, creator=victim)
        hostile = subprocess.Popen([sys.executable, str(ROOT / "tests" / "hostile.py"), "scribble-ring",
                                    str(tmp_path / "chan"), str(RING_AT), "7"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        assert hostile.stdout is not None and hostile.stdout.readline().strip() == "ready"
        # the other side streams too, so that the victim's ring keeps moving
        other.send(f"ring_{'stream' if role == 'consumer' else 'check'} 100000000 3 max={LARGEST} timeout=2")
        replies = []
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            if role == "consumer":
                victim.send(f"ring_check 2000 3 max={LARGEST} timeout=0.2")
            else:
                victim.send(f"ring_stream 2000 3 max={LARGEST} timeout=0.2")
            replies.append(victim.reply(30.0))
            if replies[-1].startswith(f"err {int(Fault.BAD_RING)} "):
                break  # refused: the side is done with this ring
        allowed = ("ok ", f"err {int(Fault.BAD_RING)} BAD_RING ", "err 104 TIMEOUT ")
        assert all(r.startswith(allowed) for r in replies), replies
        assert victim.cmd("hello")["protocol"] == "1"
    finally:
        if hostile is not None:
            hostile.communicate("stop\n", timeout=30)
        other.kill()  # (it may still be streaming: its answer is not the test's)
        victim.finish()
        other.finish()
