"""The C reference peer's message-ring commands (docs/spec.md 13.2: ring_create,
ring_open, ring_send, ring_recv, ring_stream, ring_check; 13.6: the message stream).

- one peer holding both sides of a ring: round trips (an empty message, the largest
  one the line limit lets through), a full ring (sent=0) and an empty one (got=0),
  a stream checked against its own seed and another (and against lost, altered,
  reordered and duplicated messages), 13.6's example values, a hostile head and
  reserved byte written into the file (err 18 naming them), usage errors (100) and
  commands without a channel (101); the same transcript under ASan+UBSan (slow);
- two peers on one channel: 20,000 messages of ring_stream checked by ring_check
  through hundreds of wrap-arounds (on one CPU, of a full ring too), a producer
  waiting for room woken by the consumer, and a consumer that still receives what a
  producer published before it closed, a producer whose send publishes a padding
  record and then finds no room waking the consumer that waits already, and small
  rings both ways where padding and a full ring come at nearly every wrap.
  (Not covered: the consumer's inject for a padding record published between its
  look at head and its release; only a race reaches it.)
- the channel's own rings (15.6, MESSAGE_RINGS): ``create ... rings=C0,C1
  ring_max=M0,M1`` and ``ring_open channel ROLE`` on two peers, both directions,
  the bytes create wrote, err 12 before the attach and with an attacher that leaves
  MESSAGE_RINGS out, err 18 for a hostile north capacity, usage errors; the same
  under ASan+UBSan (slow).
"""

from __future__ import annotations

import mmap
import os
import shutil
import struct
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from peer_harness import SANITIZE, PeerProc, build_c_peer

from abi import layout
from conftest import missing

RING = 1024  # the ring's file offset: past the descriptor at 0
CAP = 2048
HEAD, TAIL, HDR = 64, 128, 192
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")
M64 = 2**64 - 1


def stream(seed: int, i: int, lo: int, hi: int) -> bytes:
    """Message i of the stream ``seed`` (spec 13.6), written from the spec."""
    z = (seed + (i + 1) * 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    x = z ^ (z >> 31)
    return bytes(((x >> (8 * (j % 8))) + j // 8) & 0xFF for j in range(lo + x % (hi - lo + 1)))


def _cc() -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler")
    assert cc is not None
    return cc


@pytest.fixture(scope="module")
def c_peer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_c_peer(tmp_path_factory.mktemp("peer"), [_cc()])


@pytest.fixture
def peers(c_peer: Path, tmp_path: Path) -> Iterator[List[PeerProc]]:
    """The C peers a test starts (_start); each must quit with status 0."""
    started: List[PeerProc] = []
    yield started
    for p in started:
        assert p.finish() == 0, p.log()


# Run a program on one CPU (Linux; the first this process may use): two peers then take
# turns, so that a producer fills the ring and parks, and the consumer empties it and
# parks, again and again.
ON_CPU0 = ("import os, sys; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
           "os.execv(sys.argv[1], sys.argv[1:])")


def _start(peers: List[PeerProc], exe: Path, tmp: Path, cpu0: bool = False) -> PeerProc:
    argv = [sys.executable, "-c", ON_CPU0, str(exe)] if cpu0 else [str(exe)]
    p = PeerProc(argv, f"cpeer{len(peers)}", tmp)
    peers.append(p)
    return p


def err_line(p: PeerProc, line: str) -> Dict[str, str]:
    """An ``err`` reply's code and, for a fault, its field, offset, expected and actual."""
    r = p.raw(line)
    assert r.startswith("err "), f"{line!r} -> {r!r}\n{p.log()}"
    code, name, msg = r.split(" ", 3)[1:]
    out = {"code": code, "name": name, "message": msg}
    if msg.startswith("field="):
        head, _, out["text"] = msg.partition(": ")
        field, rest = head[len("field="):].split(" offset=", 1)
        offset, rest = rest.split(" expected=", 1)
        out.update(field=field, offset=offset, expected=rest.split(" actual=")[0],
                   actual=rest.split(" actual=")[1])
    return out


def poke32(path: Path, at: int, value: int) -> int:
    """Store a little-endian 32-bit value into the file (as a hostile peer would);
    returns the value it replaced."""
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
        old = int(struct.unpack_from("<I", mm, at)[0])
        struct.pack_into("<I", mm, at, value)
    return old


def one_peer_transcript(p: PeerProc, tmp: Path) -> None:
    path = tmp / "ring.shm"
    p.cmd(f"create {path} 0 size={RING + HDR + CAP}")
    assert p.cmd(f"ring_create {RING} {CAP}") == {}
    assert p.cmd(f"ring_open {RING} producer") == {"capacity": str(CAP), "max": str(CAP - 8)}
    assert p.cmd(f"ring_open {RING} consumer") == {"capacity": str(CAP), "max": str(CAP - 8)}

    # round trips: the largest first (its record fills the whole ring, from data offset 0;
    # its line, 10 + 2 * 2040 bytes, fits in 4095), an empty one, short ones
    for msg in (bytes(i * 7 & 0xFF for i in range(CAP - 8)), b"", b"\x00", bytes(range(256))):
        assert p.cmd(f"ring_send {msg.hex() or '-'}") == {"sent": "1"}
        assert p.cmd("ring_recv") == {"got": "1", "data": msg.hex() or "-"}
    assert p.cmd("ring_recv") == {"got": "0"}
    assert p.cmd("ring_recv timeout=0.05") == {"got": "0"}  # nobody else injects

    # full: 112-byte records until one does not fit (18 of them in 2048; the head may
    # be anywhere, so a padding record may take room too), then all of them back
    sent: List[bytes] = []
    for i in range(40):
        msg = bytes([i]) * 100
        r = p.cmd(f"ring_send {msg.hex()}")
        if r == {"sent": "0"}:
            break
        assert r == {"sent": "1"}
        sent.append(msg)
    assert 16 <= len(sent) <= 18, len(sent)
    assert p.cmd(f"ring_send {'ff' * 100} timeout=0.05") == {"sent": "0"}  # waited, no room came
    for msg in sent:
        assert p.cmd("ring_recv") == {"got": "1", "data": msg.hex()}
    assert p.cmd("ring_recv") == {"got": "0"}

    # the stream: the whole of it fits in the ring, so one peer can send and check it
    assert p.cmd("ring_stream 20 5 max=64") == {"sent": "20"}
    assert p.cmd("ring_check 20 5 max=64 timeout=0") == {"received": "20"}
    assert p.cmd("ring_stream 20 5 min=10 max=64") == {"sent": "20"}
    assert p.cmd("ring_check 20 6 min=10 max=64") == {"received": "0", "bad": "0"}  # another seed
    for i in range(1, 20):  # ... which stopped at the first: the rest are still there
        assert p.cmd("ring_recv") == {"got": "1", "data": stream(5, i, 10, 64).hex()}
    assert p.cmd("ring_stream 6 9 max=32") == {"sent": "6"}
    m6 = bytearray(stream(9, 6, 0, 32))
    m6[-1] ^= 1
    assert p.cmd(f"ring_send {m6.hex()}") == {"sent": "1"}
    assert p.cmd("ring_check 7 9 max=32") == {"received": "6", "bad": "6"}  # altered: its last byte
    assert p.cmd("ring_send 00") == {"sent": "1"}
    assert p.cmd("ring_check 1 9 min=1 max=32") == {"received": "0", "bad": "0"}  # another length
    m0, m1 = (stream(9, i, 0, 32).hex() or "-" for i in range(2))
    for sent_hex in (m1, m0):  # reordered
        assert p.cmd(f"ring_send {sent_hex}") == {"sent": "1"}
    assert p.cmd("ring_check 2 9 max=32") == {"received": "0", "bad": "0"}
    assert p.cmd("ring_recv") == {"got": "1", "data": m0}
    for sent_hex in (m0, m0):  # duplicated
        assert p.cmd(f"ring_send {sent_hex}") == {"sent": "1"}
    assert p.cmd("ring_check 2 9 max=32") == {"received": "1", "bad": "1"}
    err = err_line(p, "ring_check 1 9 max=32 timeout=0.05")
    assert (err["code"], err["name"]) == ("104", "TIMEOUT") and "message 0 " in err["message"]

    # 13.6's example values, as ring_recv shows them
    assert p.cmd("ring_stream 3 3 min=0 max=16") == {"sent": "3"}
    for data in ("ed8f01db", "89a9", "01dd50d0a6e8eb"):
        assert p.cmd("ring_recv") == {"got": "1", "data": data}
    assert p.cmd("ring_stream 1 7 min=0 max=16") == {"sent": "1"}
    assert p.cmd("ring_recv") == {"got": "1", "data": "-"}
    assert [stream(3, i, 0, 16).hex() for i in range(3)] == ["ed8f01db", "89a9", "01dd50d0a6e8eb"]

    # a hostile head: the consumer refuses it when it next loads it, and from then on
    assert p.cmd("ring_send 0102") == {"sent": "1"}
    good = poke32(path, RING + HEAD, 0x1234567 * 8 + 4)
    for _ in range(2):
        err = err_line(p, "ring_recv")
        assert (err["code"], err["name"], err["field"], err["offset"], err["actual"]) == \
            ("18", "BAD_RING", "head", str(HEAD), hex(0x1234567 * 8 + 4))
    err = err_line(p, f"ring_open {RING} consumer")  # the open's own check of head
    assert (err["code"], err["field"], err["offset"]) == ("18", "head", str(HEAD))
    poke32(path, RING + HEAD, good)
    assert p.cmd(f"ring_open {RING} consumer")["capacity"] == str(CAP)  # replaced: works again
    assert p.cmd("ring_recv") == {"got": "1", "data": "0102"}
    good = poke32(path, RING + TAIL, 0x7FFFFFF8)  # the producer's turn: too far from head
    err = err_line(p, "ring_send 00")
    assert (err["code"], err["field"], err["offset"], err["actual"]) == \
        ("18", "tail", str(TAIL), "0x7ffffff8")
    poke32(path, RING + TAIL, good)
    assert err_line(p, "ring_send 00")["code"] == "18"  # a refused side stays refused
    assert p.cmd(f"ring_open {RING} producer")["capacity"] == str(CAP)
    assert p.cmd("ring_send 00") == {"sent": "1"}
    assert p.cmd("ring_recv") == {"got": "1", "data": "00"}
    poke32(path, RING + TAIL + 4, 1)  # reserved2: a refusal names the first non-zero byte
    err = err_line(p, f"ring_open {RING} producer")
    assert (err["code"], err["field"], err["offset"]) == ("18", "reserved2", str(TAIL + 4))
    assert err_line(p, "ring_send 00")["code"] == "100"  # that refusal closed the producer side
    poke32(path, RING + TAIL + 4, 0)
    err = err_line(p, f"ring_open {RING + CAP} producer")  # only 192 bytes left: no header
    assert (err["code"], err["field"], err["offset"]) == ("18", "magic", "0")
    err = err_line(p, f"ring_open {RING + CAP + 64} producer")  # past the end of the file
    assert (err["code"], err["field"]) == ("18", "magic")
    err = err_line(p, "ring_open 0 consumer")  # the channel's descriptor is no ring
    assert (err["code"], err["field"], err["offset"]) == ("18", "magic", "0")

    # usage
    assert p.cmd(f"ring_open {RING} producer")["max"] == str(CAP - 8)
    for line in ("ring_create", f"ring_create {RING}", f"ring_create {RING} 1000",  # not a power of two
                 f"ring_create {RING} 4096",  # the file is too short
                 f"ring_create {RING} {CAP} max={CAP - 7}", f"ring_create {RING} {CAP} max=0",
                 f"ring_create 1000 {CAP}",  # not 64-aligned
                 f"ring_create {RING} {CAP} min=1", f"ring_create {RING} {2**32 + CAP}",
                 "ring_open", f"ring_open {RING}", f"ring_open {RING} both", "ring_open 100 consumer",
                 f"ring_open {RING} consumer timeout=1", "ring_send", "ring_send abc", "ring_send zz",
                 "ring_send 00 timeout=x", "ring_send 00 timeout=nan", "ring_send 00 max=1",
                 "ring_send " + "00" * (CAP - 7),  # over max_message (and the line still fits)
                 "ring_send " + "00" * 2043,  # a line over 4095 bytes
                 "ring_recv 1", "ring_recv pause=1", "ring_stream 1", "ring_stream x 1",
                 "ring_stream 1 1 max=2041", "ring_stream 1 1 min=3 max=2", "ring_stream 1 1 min=2041",
                 "ring_stream 1 1 bad=1", "ring_check 1 1 pause=5", "ring_check 1 1 max=2041",
                 "ring_check 1 1 min=9 max=8"):
        assert err_line(p, line)["code"] == "100", line

    # after close: no channel (101), whatever the command; a new channel has no sides
    p.cmd("close")
    for line in (f"ring_create {RING} {CAP}", f"ring_open {RING} producer", "ring_send 00", "ring_recv",
                 "ring_stream 1 1", "ring_check 1 1"):
        assert err_line(p, line)["code"] == "101", line
    assert err_line(p, "ring_send xyz")["code"] == "100"  # malformed first (13.4)
    p.cmd(f"create {path} 0 exist_ok=1")  # over the closed descriptor; the ring's bytes stay
    assert err_line(p, "ring_send 00")["code"] == "100"
    assert err_line(p, "ring_recv")["code"] == "100"
    assert p.cmd(f"ring_open {RING} consumer")["capacity"] == str(CAP)  # the ring outlived the channel


def test_one_peer_both_sides(peers: List[PeerProc], c_peer: Path, tmp_path: Path) -> None:
    one_peer_transcript(_start(peers, c_peer, tmp_path), tmp_path)


@pytest.mark.slow  # an ASan+UBSan build of the peer
def test_one_peer_both_sides_sanitized(tmp_path: Path) -> None:
    """The transcript again under ASan+UBSan: no access outside a mapping, and quit
    releases every mapping ring_open and ring_create took (LeakSanitizer)."""
    try:
        exe = build_c_peer(tmp_path / "asan", [_cc()], SANITIZE)
    except RuntimeError as exc:
        missing(f"cannot build the ASan+UBSan peer: {str(exc)[-500:]}")
        raise
    p = PeerProc([str(exe)], "asan", tmp_path)
    try:
        one_peer_transcript(p, tmp_path)
    finally:
        status = p.finish()
    log = p.stderr_path.read_text(errors="replace")
    assert status == 0 and not any(m in log for m in SANITIZER_MARKERS), log[-4000:]


def _pair(peers: List[PeerProc], exe: Path, tmp: Path, capacity: int,
          producer_creates: bool = True, cpu0: bool = False) -> List[PeerProc]:
    """Two peers on one channel with a ring at RING: [producer, consumer]."""
    path = tmp / "pair.shm"
    creator, attacher = _start(peers, exe, tmp, cpu0), _start(peers, exe, tmp, cpu0)
    creator.cmd(f"create {path} 0 size={RING + HDR + capacity}")
    creator.cmd(f"ring_create {RING} {capacity}")
    attacher.cmd(f"attach {path} timeout=5")
    prod, cons = (creator, attacher) if producer_creates else (attacher, creator)
    prod.cmd(f"ring_open {RING} producer")
    cons.cmd(f"ring_open {RING} consumer")
    return [prod, cons]


def _stream_through(prod: PeerProc, cons: PeerProc, n: int, opts: str, pause: str = "",
                    timeout: float = 300) -> None:
    prod.send(f"ring_stream {n} 11 {opts} {pause}")
    cons.send(f"ring_check {n} 11 {opts}")
    assert cons.reply(timeout) == f"ok received={n}", cons.log()
    assert prod.reply(timeout) == f"ok sent={n}", prod.log()


@pytest.mark.parametrize("producer_creates", [True, False], ids=["creator-produces", "attacher-produces"])
@pytest.mark.parametrize("cpu0", [False, True], ids=["any-cpu", "one-cpu"])
def test_two_peers_stream_through_a_full_ring(peers: List[PeerProc], c_peer: Path, tmp_path: Path,
                                              producer_creates: bool, cpu0: bool) -> None:
    """Up to 300-byte messages through 4096 bytes: the ring wraps hundreds of times and
    every message comes through in order, unchanged.  On one CPU the two take turns,
    so the ring fills and the producer waits for room hundreds of times (its stats
    count the wakeups of those waits), and the consumer waits for messages."""
    if cpu0 and not hasattr(os, "sched_setaffinity"):
        pytest.skip("no sched_setaffinity here")
    prod, cons = _pair(peers, c_peer, tmp_path, 4096, producer_creates, cpu0)
    _stream_through(prod, cons, 20_000, "max=300")
    if cpu0:
        assert int(prod.cmd("stats")["wakeups"]) >= 100 and int(cons.cmd("stats")["wakeups"]) >= 100
    # and again with the producer pausing now and then, so that the consumer parks
    _stream_through(prod, cons, 2_000, "min=1 max=300", pause="pause=20")
    assert prod.cmd("ring_send -") == {"sent": "1"}
    assert cons.cmd("ring_recv timeout=5") == {"got": "1", "data": "-"}


def test_a_closed_producers_messages_are_still_received(peers: List[PeerProc], c_peer: Path,
                                                        tmp_path: Path) -> None:
    prod, cons = _pair(peers, c_peer, tmp_path, CAP, producer_creates=False)
    assert prod.cmd("ring_stream 10 4 max=100") == {"sent": "10"}
    prod.cmd("close")
    assert cons.cmd("ring_check 9 4 max=100 timeout=5") == {"received": "9"}
    assert cons.cmd("ring_recv timeout=5") == {"got": "1", "data": stream(4, 9, 0, 100).hex()}
    err = err_line(cons, "ring_recv timeout=5")  # then its fault
    assert (err["code"], err["name"]) == ("16", "PEER_CLOSED"), err


def test_a_waiting_consumer_gets_what_a_closing_producer_published(peers: List[PeerProc], c_peer: Path,
                                                                   tmp_path: Path) -> None:
    """The consumer waits on an empty ring (disabled, so that the producer's inject does
    not end its wait: only the close does, as PEER_CLOSED); the producer publishes and
    closes.  ring_recv looks once more after the fault, and the message is there."""
    prod, cons = _pair(peers, c_peer, tmp_path, CAP)  # the consumer attaches
    features = int(cons.cmd("features")["features"], 16)
    if not features & layout.FEATURE_WAITER_FLAG:
        pytest.skip("no WAITER_FLAG here: nothing shows that the consumer waits")
    cons.cmd("disable")
    cons.send("ring_recv timeout=20")
    waiting = 64 + 64 * 1 + 3  # irq[1].pad0, the attacher's waiting flag (7.5)
    deadline = time.monotonic() + 20
    with open(tmp_path / "pair.shm", "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        while mm[waiting] != 1:  # parked: its look at the ring is done
            assert time.monotonic() < deadline, cons.log()
    assert prod.cmd("ring_send 0102") == {"sent": "1"}
    prod.cmd("close")
    assert cons.reply(20) == "ok got=1 data=0102", cons.log()
    err = err_line(cons, "ring_recv timeout=5")
    assert (err["code"], err["name"]) == ("16", "PEER_CLOSED"), err


def test_sent_zero_then_room_from_the_other_process(peers: List[PeerProc], c_peer: Path,
                                                    tmp_path: Path) -> None:
    """A producer waiting for room (ring_send with a timeout) is woken by the
    consumer's inject after it released: it sends long before its timeout."""
    prod, cons = _pair(peers, c_peer, tmp_path, 64)  # one 56-byte message fills it
    assert prod.cmd("ring_send " + "11" * 56) == {"sent": "1"}
    assert prod.cmd("ring_send 22") == {"sent": "0"}
    prod.send("ring_send 22 timeout=30")
    assert cons.cmd("ring_recv") == {"got": "1", "data": "11" * 56}
    assert prod.reply(10) == "ok sent=1", prod.log()  # not after 30 s
    assert cons.cmd("ring_recv timeout=5") == {"got": "1", "data": "22"}


def test_a_padding_record_published_alone_wakes_the_waiting_consumer(peers: List[PeerProc], c_peer: Path,
                                                                   tmp_path: Path) -> None:
    """A 64-byte message (a 72-byte record) with 64 bytes to the end of a 128-byte ring
    pads to the end (15.3 step 2) and then has no room: the consumer, waiting since it
    emptied the ring, must be woken to release the padding, or both wait out their
    timeouts."""
    prod, cons = _pair(peers, c_peer, tmp_path, 128)  # the consumer attaches
    features = int(cons.cmd("features")["features"], 16)
    assert prod.cmd("ring_send " + "aa" * 56) == {"sent": "1"}
    assert cons.cmd("ring_recv") == {"got": "1", "data": "aa" * 56}  # head at data offset 64
    cons.send("ring_recv timeout=20")
    if features & layout.FEATURE_WAITER_FLAG:  # parked: irq[1].pad0, the attacher's waiting flag
        deadline = time.monotonic() + 20
        with open(tmp_path / "pair.shm", "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            while mm[64 + 64 + 3] != 1:
                assert time.monotonic() < deadline, cons.log()
    else:
        time.sleep(0.3)
    start = time.monotonic()
    assert prod.cmd("ring_send " + "bb" * 64 + " timeout=20", timeout=40) == {"sent": "1"}
    assert cons.reply(40) == "ok got=1 data=" + "bb" * 64, cons.log()
    assert time.monotonic() - start < 10


def test_small_rings_both_ways_never_stall(peers: List[PeerProc], c_peer: Path, tmp_path: Path) -> None:
    """Records of up to 112 bytes through a 256-byte ring one way and up to 128 through a
    128-byte one back: padding and a full ring at nearly every wrap.  Each side must
    load the other's index after a full fence that follows its own store (the
    producer: tail after its padding's head, by one more try after the inject; the
    consumer: head after its release), else a release racing with the padding goes
    unwoken and both wait: it did within a few hundred messages.  20,000 each way."""
    path = tmp_path / "small.shm"
    c, a = _start(peers, c_peer, tmp_path), _start(peers, c_peer, tmp_path)
    back = RING + 512
    c.cmd(f"create {path} 0 size={back + HDR + 128}")
    assert c.cmd(f"ring_create {RING} 256 max=100") == {} and c.cmd(f"ring_create {back} 128") == {}
    a.cmd(f"attach {path} timeout=5")
    c.cmd(f"ring_open {RING} producer")
    a.cmd(f"ring_open {RING} consumer")
    a.cmd(f"ring_open {back} producer")
    c.cmd(f"ring_open {back} consumer")
    _stream_through(c, a, 20_000, "min=1 max=100", timeout=120)
    _stream_through(a, c, 20_000, "min=60 max=120", timeout=120)


# ------------------------------------------------------- the channel's rings (15.6)

RINGS = layout.FEATURE_MESSAGE_RINGS


def channel_rings_transcript(c: PeerProc, a: PeerProc, tmp: Path) -> None:
    """``c`` creates a channel with rings (north: 256 bytes, max 100; south: 128), ``a``
    attaches; each opens its producer and consumer ring and they talk both ways."""
    path = tmp / "rings.shm"
    assert int(c.cmd("hello")["features"], 16) & RINGS  # MESSAGE_RINGS is implemented everywhere
    assert c.cmd(f"create {path} 0 rings=256,128 ring_max=100,0") == {"locality": "0"}
    raw = path.read_bytes()
    assert len(raw) == 576 + 256 + 128 and struct.unpack_from("<I", raw, 8)[0] == len(raw)
    assert struct.unpack_from("<Q", raw, 16)[0] & RINGS
    assert struct.unpack_from("<III", raw, 192) == (layout.RING_MAGIC, 256, 100)
    assert struct.unpack_from("<III", raw, 384 + 256) == (layout.RING_MAGIC, 128, 120)
    assert not any(raw[192 + 12:384 + 256]) and not any(raw[384 + 256 + 12:])  # zeros but the headers
    assert c.raw("dump") == "ok " + raw[:192].hex()
    for role in ("producer", "consumer"):  # nothing negotiated yet
        err = err_line(c, f"ring_open channel {role}")
        assert (err["code"], err["name"], err["field"]) == ("12", "UNSUPPORTED_FEATURE", "features_accepted")
    assert int(a.cmd(f"attach {path} timeout=5")["features"], 16) & RINGS
    assert c.cmd("ring_open channel producer") == {"capacity": "256", "max": "100"}
    assert c.cmd("ring_open channel consumer") == {"capacity": "128", "max": "120"}
    assert a.cmd("ring_open channel consumer") == {"capacity": "256", "max": "100"}
    assert a.cmd("ring_open channel producer") == {"capacity": "128", "max": "120"}
    for msg in ("", "00", "0102030405", "ab" * 100):
        assert c.cmd(f"ring_send {msg or '-'}") == {"sent": "1"}
        assert a.cmd("ring_recv timeout=5") == {"got": "1", "data": msg or "-"}
    assert a.cmd("ring_send " + "cd" * 120) == {"sent": "1"}
    assert c.cmd("ring_recv timeout=5") == {"got": "1", "data": "cd" * 120}
    _stream_through(c, a, 300, "max=100", timeout=60)  # wraps the 256-byte ring
    _stream_through(a, c, 300, "min=1 max=120", timeout=60)
    # a hostile north capacity (it places south's ring): err 18 naming it, for either ring
    good = poke32(path, 192 + 4, 100)
    for p, role in ((a, "producer"), (c, "consumer")):
        err = err_line(p, f"ring_open channel {role}")
        assert (err["code"], err["field"], err["offset"], err["actual"]) == ("18", "capacity", "4", "0x64")
    poke32(path, 192 + 4, good)
    assert a.cmd("ring_open channel producer")["capacity"] == "128"
    # usage
    for line in ("ring_open channel", "ring_open channel both", "ring_open channel producer x=1"):
        assert err_line(c, line)["code"] == "100", line
    c.cmd("close")
    a.cmd("close")
    path.unlink()
    for opts in ("rings=64", "rings=64,", "rings=64,x", "rings=100,64", "rings=64,2147483648",
                 "rings=64,4294967360", "ring_max=8,8", "rings=64,64 ring_max=57,0",
                 f"required=0x{RINGS:x}"):
        assert err_line(c, f"create {path} 0 {opts}")["code"] == "100", opts
        assert not path.exists(), opts
    # without rings= MESSAGE_RINGS is not offered, whatever features= says
    hello = int(c.cmd("hello")["features"], 16)
    c.cmd(f"create {path} 0 features=0x{hello:x}")
    assert not struct.unpack_from("<Q", path.read_bytes(), 16)[0] & RINGS
    assert err_line(a, f"attach {path} rings=64,64")["code"] == "100"
    assert not int(a.cmd(f"attach {path} timeout=5")["features"], 16) & RINGS
    assert err_line(a, "ring_open channel consumer")["code"] == "12"
    c.cmd("close")
    a.cmd("close")
    # an attacher that leaves MESSAGE_RINGS out: a channel without rings on both sides
    c.cmd(f"create {path} 0 exist_ok=1 rings=64,64")
    assert not int(a.cmd(f"attach {path} features=0x{hello & ~RINGS:x}")["features"], 16) & RINGS
    for p in (a, c):
        assert err_line(p, "ring_open channel producer")["code"] == "12"
    c.cmd("close")
    a.cmd("close")


def test_channel_rings(peers: List[PeerProc], c_peer: Path, tmp_path: Path) -> None:
    channel_rings_transcript(_start(peers, c_peer, tmp_path), _start(peers, c_peer, tmp_path), tmp_path)


@pytest.mark.slow  # an ASan+UBSan build of the peer
def test_channel_rings_sanitized(tmp_path: Path) -> None:
    try:
        exe = build_c_peer(tmp_path / "asan", [_cc()], SANITIZE)
    except RuntimeError as exc:
        missing(f"cannot build the ASan+UBSan peer: {str(exc)[-500:]}")
        raise
    ps = [PeerProc([str(exe)], f"asan{i}", tmp_path) for i in range(2)]
    try:
        channel_rings_transcript(ps[0], ps[1], tmp_path)
    finally:
        status = [p.finish() for p in ps]
    for p, s in zip(ps, status):
        log = p.stderr_path.read_text(errors="replace")
        assert s == 0 and not any(m in log for m in SANITIZER_MARKERS), log[-4000:]
