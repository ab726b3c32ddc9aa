"""The two engines' message rings (spec 15) are one ring: the same calls write
the same bytes, each engine reads what the other wrote, and a hostile value is
refused by both with the same fault and field."""

from __future__ import annotations

import mmap
import random
import struct
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import pytest

from abi.engine import ring
from abi.engine.c_ring import CRing
from abi.faults import BadRing

R = 128


class _Py:
    """The Python ring behind CRing's interface."""

    @staticmethod
    def init(buf: Any, offset: int, capacity: int, max_message: int) -> None:
        ring.create(buf, offset, capacity, max_message)

    def __init__(self, buf: Any, offset: int, role: str) -> None:
        self.side: Any = (ring.Producer if role == "producer" else ring.Consumer)(buf, offset)

    def send(self, msg: bytes) -> bool:
        return bool(self.side.send(msg))

    def recv(self) -> Optional[bytes]:
        return self.side.recv()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.side.close()


ENGINES = {"py": _Py, "c": CRing}


def _buffer(capacity: int) -> Any:
    """A page-aligned buffer (the C engine wants the ring's address 64-aligned, as
    in a mapping), every byte 0xee to start with."""
    size = R + ring.region_size(capacity) + 64
    buf = mmap.mmap(-1, size)
    buf[:] = b"\xee" * size
    return buf


@pytest.mark.parametrize("seed", range(4))
def test_the_same_calls_write_the_same_bytes(seed: int) -> None:
    rng = random.Random(seed)
    capacity, max_message = rng.choice([(64, 56), (256, 100), (1024, 600)])
    bufs = {name: _buffer(capacity) for name in ENGINES}
    sides = {}
    for name, engine in ENGINES.items():
        engine.init(bufs[name], R, capacity, max_message)
        sides[name] = (engine(bufs[name], R, "producer"), engine(bufs[name], R, "consumer"))
    assert bufs["py"][:] == bufs["c"][:]
    for step in range(1500):
        if rng.random() < 0.55:
            m = rng.randbytes(rng.randint(0, max_message))
            results = {name: s[0].send(m) for name, s in sides.items()}
        else:
            results = {name: s[1].recv() for name, s in sides.items()}
        assert results["py"] == results["c"], step
        assert bufs["py"][:] == bufs["c"][:], step


@pytest.mark.parametrize("seed", range(2))
def test_the_zero_copy_forms_write_the_same_bytes(seed: int) -> None:
    """Reserve, write in place, commit (all, fewer bytes, or cancel) and peek,
    release: the same calls leave the same bytes in both engines, and the same
    messages come out."""
    rng = random.Random(seed)
    bufs = {name: _buffer(256) for name in ENGINES}
    ENGINES["py"].init(bufs["py"], R, 256, 100)
    ENGINES["c"].init(bufs["c"], R, 256, 100)
    py_tx, py_rx = ring.Producer(bufs["py"], R), ring.Consumer(bufs["py"], R)
    c_tx, c_rx = CRing(bufs["c"], R, "producer"), CRing(bufs["c"], R, "consumer")
    for step in range(1500):
        if rng.random() < 0.55:
            m = rng.randbytes(rng.randint(0, 100))
            keep = rng.choice([len(m), rng.randint(0, len(m)), None])  # None: cancel
            views = py_tx.reserve(len(m)), c_tx.reserve(len(m))
            assert (views[0] is None) == (views[1] is None), step
            if views[0] is not None:
                views[0].view[:] = m
                views[1][:] = m  # type: ignore[index]
                if keep is None:
                    views[0].cancel()
                else:
                    views[0].commit(keep)
                c_tx.commit(keep)
        else:
            held = py_rx.recv_view()
            got = c_rx.peek()
            assert (None if held is None else bytes(held.view)) == got, step
            if held is not None:
                held.release()
                c_rx.release()
        assert bufs["py"][:] == bufs["c"][:], step
    with pytest.raises(ValueError, match="no reservation"):
        c_tx.commit(0)
    with pytest.raises(ValueError, match="no message in hand"):
        c_rx.release()
    assert c_tx.reserve(10) is not None
    with pytest.raises(ValueError, match="reservation in hand"):
        c_tx.send(b"x")
    with pytest.raises(ValueError, match="reserved"):
        c_tx.commit(11)


@pytest.mark.parametrize("producer, consumer", [("py", "c"), ("c", "py")])
def test_each_engine_reads_what_the_other_wrote(producer: str, consumer: str) -> None:
    rng = random.Random(11)
    buf = _buffer(512)
    ENGINES[producer].init(buf, R, 512, 300)
    p, c = ENGINES[producer](buf, R, "producer"), ENGINES[consumer](buf, R, "consumer")
    sent: List[bytes] = []
    got: List[bytes] = []
    for _ in range(5000):
        if rng.random() < 0.5:
            m = rng.randbytes(rng.randint(0, 300))
            if p.send(m):
                sent.append(m)
        elif (r := c.recv()) is not None:
            got.append(r)
    while (r := c.recv()) is not None:
        got.append(r)
    assert got == sent and len(sent) > 1500


def _put(buf: Any, at: int, value: int) -> None:
    struct.pack_into("<I", buf, R + at, value)


HOSTILE: List[Tuple[str, Callable[[Any], None], str]] = [
    ("head not a multiple of 8", lambda b: _put(b, ring.HEAD, 36), "head"),
    ("head past capacity", lambda b: _put(b, ring.HEAD, 32 + 256), "head"),
    ("length over max_message", lambda b: (_put(b, ring.HEAD, 112), _put(b, ring.HEADER, 101)), "length"),
    ("length past head", lambda b: _put(b, ring.HEADER, 60), "length"),
    ("kind 2", lambda b: _put(b, ring.HEADER + 4, 2), "kind"),
    ("padding at 0", lambda b: _put(b, ring.HEADER + 4, 1), "kind"),
]


@pytest.mark.parametrize("name, change, field", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_both_engines_refuse_a_hostile_value_with_the_same_field(name: str, change: Callable[[Any], None],
                                                                 field: str) -> None:
    faults = {}
    for engine_name, engine in ENGINES.items():
        buf = _buffer(256)
        engine.init(buf, R, 256, 100)
        p, c = engine(buf, R, "producer"), engine(buf, R, "consumer")
        assert p.send(b"x" * 20)
        change(buf)
        with pytest.raises(BadRing) as info:
            c.recv()
        faults[engine_name] = (info.value.field, info.value.offset)
    assert faults["py"] == faults["c"] and faults["py"][0] == field, faults


def _crossing_field(engine: Any) -> Optional[str]:
    """The field an engine names for a message record that would cross the end of
    the data area (None: not refused)."""
    buf = _buffer(256)
    engine.init(buf, R, 256, 100)
    _put(buf, ring.HEAD, 224)  # both indices 224 before the sides open: 32 bytes to the end
    _put(buf, ring.TAIL, 224)
    p, c = engine(buf, R, "producer"), engine(buf, R, "consumer")
    assert p.send(bytes(20))  # 32 bytes: fits exactly
    _put(buf, ring.HEADER + 224, 40)  # 48: past the end,
    _put(buf, ring.HEAD, 224 + 48)  # and published
    try:
        c.recv()
    except BadRing as exc:
        return exc.field
    return None


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_record_that_would_cross_the_end_is_refused_by_both(engine: str) -> None:
    assert _crossing_field(ENGINES[engine]) == "length"


# Mutants of the Python ring (text patches), each caught by the checks above: the C
# ring's bytes for the same calls, and the hostile values.
MUTANTS = {
    "no used <= capacity check": ("if other & 7 or used > self.capacity:", "if other & 7:"),
    "no crossing-the-end check": ("length > self.max_message or size > to_end or size > used",
                                  "length > self.max_message or size > used"),
    "no max_message check": ("length > self.max_message or size > to_end", "size > to_end"),
    "no zero fill": ("            self._data[p + RECORD_HEADER + n:p + size] = "
                     "bytes(size - RECORD_HEADER - n)\n", "            pass\n"),
    "no padding": ("        if size > to_end:\n", "        if False:\n"),
    "padding body written": ("            _LE.pack_into(self._data, p, to_end - RECORD_HEADER, PADDING)",
                             "            self._data[p:] = bytes(to_end)\n"
                             "            _LE.pack_into(self._data, p, to_end - RECORD_HEADER, PADDING)"),
}


def _caught(mod: Any) -> bool:
    """Whether the checks above catch the ring module ``mod``."""
    class Mutant(_Py):
        @staticmethod
        def init(buf: Any, offset: int, capacity: int, max_message: int) -> None:
            mod.create(buf, offset, capacity, max_message)

        def __init__(self, buf: Any, offset: int, role: str) -> None:
            self.side = (mod.Producer if role == "producer" else mod.Consumer)(buf, offset)

    rng = random.Random(3)
    try:
        bufs = {"py": _buffer(256), "c": _buffer(256)}
        engines = {"py": Mutant, "c": CRing}
        sides = {}
        for name, engine in engines.items():
            engine.init(bufs[name], R, 256, 200)
            sides[name] = (engine(bufs[name], R, "producer"), engine(bufs[name], R, "consumer"))
        for _ in range(600):
            if rng.random() < 0.55:
                m = rng.randbytes(rng.randint(0, 200))
                results = {name: s[0].send(m) for name, s in sides.items()}
            else:
                results = {name: s[1].recv() for name, s in sides.items()}
            if results["py"] != results["c"] or bufs["py"][:] != bufs["c"][:]:
                return True
        if _crossing_field(Mutant) != "length":
            return True
        for _name, change, field in HOSTILE:
            buf = _buffer(256)
            Mutant.init(buf, R, 256, 100)
            p, c = Mutant(buf, R, "producer"), Mutant(buf, R, "consumer")
            p.send(b"x" * 20)
            change(buf)
            try:
                c.recv()
                return True
            except BadRing as exc:
                if exc.field != field:
                    return True
    except Exception:
        return True
    return False


@pytest.mark.slow  # (six module loads and C rings)
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_a_broken_python_ring_is_caught(mutant: str, tmp_path: Any) -> None:
    import importlib.util

    old, new = MUTANTS[mutant]
    text = Path(ring.__file__).read_text()
    assert text.count(old) == 1, mutant
    path = tmp_path / "broken_ring.py"
    path.write_text(text.replace(old, new))
    spec = importlib.util.spec_from_file_location("broken_ring", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert _caught(mod), mutant
    assert not _caught(ring)  # (the real one passes the same checks)
