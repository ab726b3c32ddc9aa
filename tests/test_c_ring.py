"""The C engine's message ring (spec 15; abi/c_reference/shm_signal_ring.c).

- shm_signal_ring_test.c, a scripted program over a region of exactly 192 + capacity
  bytes: messages of random sizes 0..max_message through thousands of wrap-arounds
  (one thread, every send's outcome checked against 15.3; two threads spinning on
  each other) arrive in order, unchanged, none lost or duplicated; every byte the ring
  writes is what an independent model of 15.1-15.4 below writes (padding: its header
  only; init: no data byte); a full ring says so and then takes the message after a
  recv; every hostile value is refused with BAD_RING naming the field and its
  offset, under AddressSanitizer where the compiler has it, so that an access outside
  the region fails too; a refused ring refuses every later call the same way.
- abi.engine.c_ring.CRing, the ctypes binding, over a bytearray and an mmap.

Each check is shown to fail on a mutant: a copy of the sources with one patch below.
"""

from __future__ import annotations

import ctypes
import mmap
import random
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest
from peer_harness import SANITIZE, WARN

from abi.engine.c_ring import CONSUMER, PRODUCER, CRing, Ring
from abi.engine.native import C_DIR
from abi.faults import BadRing, Fault, ShmSignalFault
from conftest import missing

PROGRAM = "shm_signal_ring_test.c"
SOURCES = [PROGRAM, "shm_signal_ring.c", "shm_signal_error.c", "shm_signal_os.c", "shm_signal_atomic.c"]
MAGIC = 0x676E6972
HDR = 192
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:")

_OPEN_TAIL = ('\t\treturn ring_fault(r, err, "tail", OFF_TAIL, "tail must be a multiple of 8", '
              '"a multiple of 8",\n')
# mutant -> (text, replacement) in shm_signal_ring.c; each text occurs exactly once
MUTANTS: Dict[str, Tuple[str, str]] = {
    "send: no used <= capacity check": ("if (*used > r->capacity) {",
                                        "if (*used > r->capacity && !producer) {"),
    "recv: no used <= capacity check": ("if (*used > r->capacity) {",
                                        "if (*used > r->capacity && producer) {"),
    "no used <= capacity check, both sides": ("if (*used > r->capacity) {", "if (0) {"),
    "recv: no record-crosses-the-end check": ("if (size > cap - p) { /* R15-3 */", "if (0) {"),
    "recv: no max_message check": ("if (length > r->max_message) {", "if (0) {"),
    "recv: padding at p == 0 allowed": ("if (p == 0)\n\t\t\t\treturn ring_fault",
                                        "if (0)\n\t\t\t\treturn ring_fault"),
    "recv: no padding length check": ("if (length != cap - p - 8) {", "if (0) {"),
    "send: pads over unread bytes": ("if (cap - used < to_end)\n", "if (0)\n"),
    "send: writes the padding's body": ("st32(data + p, to_end - 8); /* only",
                                        "memset(data + p + 8, 0, to_end - 8);\n"
                                        "\t\tst32(data + p, to_end - 8); /* only"),
    "open: reserved bytes not checked": ("\t\tif (h[i])\n", "\t\tif (0)\n"),
    # (the open's check only: the send's has its value on the same line)
    "open: tail's multiple of 8 not checked": ("if (tail % 8)\n" + _OPEN_TAIL, "if (0)\n" + _OPEN_TAIL),
}


def _cc() -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler")
    assert cc is not None
    return cc


def build(src: Path, exe: Path, flags: Sequence[str] = ()) -> Path:
    warn = WARN if src == C_DIR else []  # a mutant may leave a variable unused
    proc = subprocess.run([_cc(), "-std=c11", "-O1", "-pthread", *warn, *flags, f"-I{src}",
                           *(str(src / s) for s in SOURCES), "-o", str(exe)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and flags and "sanitize" in proc.stderr:
        missing(f"sanitizer runtime unavailable: {proc.stderr[-500:]}")
    assert proc.returncode == 0, proc.stderr
    return exe


def mutant_dir(tmp: Path, name: str) -> Path:
    src = tmp / "".join(c if c.isalnum() else "-" for c in name)
    shutil.copytree(C_DIR, src, ignore=shutil.ignore_patterns("fuzz", "build*"))
    old, new = MUTANTS[name]
    text = (src / "shm_signal_ring.c").read_text()
    assert text.count(old) == 1, f"mutant {name!r}: its text is not in shm_signal_ring.c exactly once"
    (src / "shm_signal_ring.c").write_text(text.replace(old, new))
    return src


def test_every_mutant_patch_applies() -> None:
    text = (C_DIR / "shm_signal_ring.c").read_text()
    for name, (old, _) in MUTANTS.items():
        assert text.count(old) == 1, name


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(C_DIR, tmp_path_factory.mktemp("ring") / "ring_test")


@pytest.fixture(scope="module")
def asan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The program under ASan+UBSan: an access outside the exact region aborts it."""
    return build(C_DIR, tmp_path_factory.mktemp("ring-asan") / "ring_test", SANITIZE)


def run(exe: Path, script: Sequence[str]) -> List[str]:
    """The program's output lines for a script; it must exit 0 with a clean stderr."""
    proc = subprocess.run([str(exe)], input="\n".join(script) + "\n", capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and not any(m in proc.stderr for m in SANITIZER_MARKERS), \
        f"rc={proc.returncode}\n{proc.stderr[-3000:]}"
    return proc.stdout.splitlines()


# --------------------------------------------------------------- a model of spec 15


M64 = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64, as the program's pattern()."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def pattern(seed: int, n: int) -> bytes:
    return bytes(_mix((seed * 0x100000001B3 + i) & M64) >> 56 for i in range(n))


def le32(b: bytearray, at: int, v: int) -> None:
    b[at:at + 4] = (v & 0xFFFFFFFF).to_bytes(4, "little")


class Model:
    """The bytes spec 15 makes an honest producer and consumer write, written from the
    spec's steps (not from the C): what the C ring must leave, byte for byte."""

    def __init__(self, cap: int, max_message: int, fill: int) -> None:
        self.cap, self.max = cap, max_message
        self.b = bytearray([fill]) * (HDR + cap)
        le32(self.b, 4, cap)
        le32(self.b, 8, max_message)
        self.b[12:HDR] = bytes(HDR - 12)
        le32(self.b, 0, MAGIC)
        self.head = self.tail = 0

    def send(self, payload: bytes) -> str:
        n, cap = len(payload), self.cap
        size = 8 + -(-n // 8) * 8
        p, free = self.head % cap, cap - (self.head - self.tail)
        if size > cap - p:  # 15.3 step 2
            if free < cap - p:
                return "full"
            le32(self.b, HDR + p, cap - p - 8)
            le32(self.b, HDR + p + 4, 1)
            self.head += cap - p
            le32(self.b, 64, self.head)
            free, p = free - (cap - p), 0
        if free < size:  # step 3
            return "full"
        self.b[HDR + p + 8:HDR + p + size] = payload + bytes(size - 8 - n)
        le32(self.b, HDR + p, n)
        le32(self.b, HDR + p + 4, 0)
        self.head += size
        le32(self.b, 64, self.head)
        return "ok"

    def recv(self) -> str:
        while self.tail != self.head:
            p = self.tail % self.cap
            n, kind = (int.from_bytes(self.b[HDR + p + i:HDR + p + i + 4], "little") for i in (0, 4))
            if kind == 1:
                self.tail += self.cap - p
                le32(self.b, 128, self.tail)
                continue
            msg = bytes(self.b[HDR + p + 8:HDR + p + 8 + n])
            self.tail += 8 + -(-n // 8) * 8
            le32(self.b, 128, self.tail)
            return f"ok n={n} {msg.hex()}"
        return "empty"


def model_script(cap: int, max_message: int, ops: int, seed: int) -> Tuple[List[str], List[str]]:
    """Random sends and receives with a dump after each: (script, expected output)."""
    rng = random.Random(seed)
    m = Model(cap, max_message, 0xEE)
    script = [f"region {HDR + cap} {0xee}", f"init {cap} {max_message}", "open p", "open c", "dump"]
    want = ["ok", "ok", "ok", "ok", m.b.hex()]
    for _ in range(ops):
        if rng.random() < 0.6:
            n = rng.choice([0, max_message, rng.randint(0, max_message)])
            s = rng.randrange(1 << 32)
            script.append(f"send {n} {s}")
            want.append(m.send(pattern(s, n)))
        else:
            script.append("recv")
            want.append(m.recv())
        script.append("dump")
        want.append(m.b.hex())
    return script, want


def _first_difference(got: List[str], want: List[str], script: List[str]) -> Optional[str]:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f"line {i} ({script[i]!r}):\n got  {g[:400]}\n want {w[:400]}"
    return None if len(got) == len(want) else f"{len(got)} lines, {len(want)} wanted"


MODEL_RUNS = [(64, 56, 600, 1), (128, 20, 600, 2), (256, 100, 600, 3)]


@pytest.mark.parametrize("cap,max_message,ops,seed", MODEL_RUNS)
def test_every_byte_written_is_the_models(program: Path, cap: int, max_message: int, ops: int,
                                          seed: int) -> None:
    """Init writes the header only; a message its payload, zeros to 8, length and kind;
    a padding record its 8-byte header and nothing of its body (the region starts 0xee
    everywhere); head and tail as 15.3/15.4 say; full and empty exactly when the model
    is; every message received as sent."""
    script, want = model_script(cap, max_message, ops, seed)
    got = run(program, script)
    assert _first_difference(got, want, script) is None, _first_difference(got, want, script)
    assert sum("0800000001000000" in line for line in got) > 0  # some padding on the way (its header)


# ------------------------------------------------------------- many messages, many wraps


STRESS = [(64, 56, 20000, 1), (4096, 1000, 20000, 2), (1024, 1016, 5000, 3), (128, 1, 20000, 4)]


@pytest.mark.parametrize("cap,max_message,count,seed", STRESS)
def test_random_sizes_through_many_wraps_arrive_in_order(program: Path, cap: int, max_message: int,
                                                         count: int, seed: int) -> None:
    """One thread, sends and receives interleaved at random (the program checks each
    send's padding/full outcome against 15.3, and each message received: its length
    and bytes are those of the next one sent); the ring wraps hundreds of times."""
    out = run(program, [f"stress {cap} {max_message} {count} {seed}"])
    words = dict(w.split("=") for w in out[0].split()[3:])
    assert out[0].startswith(f"stress ok {count} "), out
    assert int(words["wraps"]) >= 300 and int(words["fulls"]) > 0 and int(words["empties"]) > 0, out
    assert int(words["paddings"]) > 0, out  # (with max_message 1: of length 0, 8 bytes before the end)


@pytest.mark.slow  # (220,000 messages between two threads)
def test_two_threads_pass_every_message_in_order(program: Path) -> None:
    """A producer and a consumer thread, each spinning on full or empty: 200,000
    messages through a 256-byte ring, each checked by the consumer."""
    assert run(program, ["threads 256 100 200000 7", "threads 4096 4000 20000 8"]) == \
        ["threads ok 200000", "threads ok 20000"]


# ------------------------------------------------------------------ full, padding


OPEN = ["open p", "open c"]


def _ring(cap: int, max_message: int, fill: int = 0xEE) -> List[str]:
    return [f"region {HDR + cap} {fill}", f"init {cap} {max_message}"]


def test_a_full_ring_says_so_then_takes_the_message_after_a_recv(program: Path) -> None:
    out = run(program, _ring(64, 56) + OPEN + [
        "send 56 1", "send 0 2", "recv", "send 0 2",  # one 64-byte record fills the ring
        "recv", "send 16 9", "recv",                  # head = tail = 96: p = 32
        "send 40 3", "dump", "recv", "send 40 3", "recv"])
    assert out[4:] == [
        "ok", "full", f"ok n=56 {pattern(1, 56).hex()}", "ok",
        "ok n=0 ", "ok", f"ok n=16 {pattern(9, 16).hex()}",
        # 48 bytes do not fit in the 32 to the end; those are free, so padding goes
        # there (head 128), and then the 48 do not fit in the 32 free: full, with only
        # the padding published; its recv is empty
        "full", out[12], "empty", "ok", f"ok n=40 {pattern(3, 40).hex()}"]
    dump = bytes.fromhex(out[12])
    assert int.from_bytes(dump[64:68], "little") == 128
    assert dump[HDR + 32:HDR + 40] == bytes.fromhex("1800000001000000")


@pytest.mark.parametrize("first,outcome", [(24, "fits"), (25, "padded"), (88, "padded"), (89, "full")])
def test_padding_is_written_exactly_when_the_next_record_does_not_fit(program: Path, first: int,
                                                                      outcome: str) -> None:
    """cap 128, head = tail = 96 after two records: 32 bytes to the end.  A record of
    8 + 24 fits there; one of 8 + 25 rounded up does not: padding of length 24 at data
    offset 96 (its body untouched), then the message at 0, which holds up to 96
    bytes (more: full, with only the padding published)."""
    out = run(program, _ring(128, 120) + OPEN + ["send 56 1", "recv", "send 24 3", "recv", f"send {first} 2",
                                                 "dump", "recv"])
    dump = bytes.fromhex(out[9])
    head = int.from_bytes(dump[64:68], "little")
    size = 8 + -(-first // 8) * 8
    if outcome == "fits":
        assert out[8] == "ok" and head == 96 + size
        assert dump[HDR + 96:HDR + 104] == first.to_bytes(4, "little") + bytes(4)
    else:
        assert dump[HDR + 96:HDR + 104] == (24).to_bytes(4, "little") + (1).to_bytes(4, "little")
        assert dump[HDR + 104:HDR + 128] == b"\xee" * 24  # its body never written
        assert (out[8], head) == (("ok", 128 + size) if outcome == "padded" else ("full", 128))
    assert out[10] == (f"ok n={first} {pattern(2, first).hex()}" if outcome != "full" else "empty")


# ------------------------------------------------------------------ hostile values


def fault(field: str, offset: int, expected: str, actual: str) -> str:
    return f"fault BAD_RING field={field} offset={offset} expected={expected} actual={actual}"


CAP, MAX = 128, 64
BASE = _ring(CAP, MAX, 0)
# name -> (script after BASE, the refused call, the line it must print)
HOSTILE: Dict[str, Tuple[List[str], str, str]] = {
    "tail not a multiple of 8": (OPEN + ["poke 128 4"], "send 1 1",
                                 fault("tail", 128, "a multiple of 8", "0x4")),
    "tail ahead of head": (OPEN + ["poke 128 8"], "send 1 1",
                           fault("tail", 128, "head - 0x80 to head (0x0)", "0x8")),
    "used > capacity at send": (OPEN + ["poke 128 4294967160"], "send 1 1",
                                fault("tail", 128, "head - 0x80 to head (0x0)", "0xffffff78")),
    "head not a multiple of 8": (OPEN + ["poke 64 12"], "recv", fault("head", 64, "a multiple of 8", "0xc")),
    "used > capacity at recv": (OPEN + ["poke 64 136"], "recv",
                                fault("head", 64, "tail to tail + 0x80 (0x0)", "0x88")),
    "length > max_message": (OPEN + ["poke 192 65", "poke 64 128"], "recv",
                             fault("length", 192, "<= 0x40 (max_message)", "0x41")),
    "a message crossing the end": (["poke 128 112", "poke 64 240", "poke 304 16"] + OPEN, "recv",
                                   fault("length", 304, "<= 0x8 (to the end of the data area)", "0x10")),
    "a message beyond head": (["poke 64 16", "poke 192 20"] + OPEN, "recv",
                              fault("length", 192, "<= 0x8 (head - tail - 8)", "0x14")),
    "padding at p == 0": (["poke 64 8", "poke 192 120", "poke 196 1"] + OPEN, "recv",
                          fault("kind", 196, "0 (a message) at data offset 0", "0x1")),
    "padding too short": (["poke 128 64", "poke 64 192", "poke 256 8", "poke 260 1"] + OPEN, "recv",
                          fault("length", 256, "0x38 (to the end of the data area)", "0x8")),
    "padding too long": (["poke 128 64", "poke 64 192", "poke 256 120", "poke 260 1"] + OPEN, "recv",
                         fault("length", 256, "0x38 (to the end of the data area)", "0x78")),
    "padding beyond head": (["poke 128 64", "poke 64 96", "poke 256 56", "poke 260 1"] + OPEN, "recv",
                            fault("length", 256, "<= 0x18 (head - tail - 8)", "0x38")),
    "padding twice": (["poke 128 64", "poke 64 192", "poke 256 56", "poke 260 1", "poke 192 120",
                       "poke 196 1"] + OPEN, "recv",
                      fault("kind", 196, "0 (a message) at data offset 0", "0x1")),
    "kind 2": (["poke 64 8", "poke 196 2"] + OPEN, "recv", fault("kind", 196, "0 or 1", "0x2")),
    "kind 0xffffffff": (["poke 64 8", "poke 196 4294967295"] + OPEN, "recv", fault("kind", 196, "0 or 1",
                                                                                   "0xffffffff")),
    # at open: the header
    "bad magic": ([f"poke 0 {MAGIC + 1}"], "open c", fault("magic", 0, "0x676e6972", "0x676e6973")),
    "magic byte-swapped": ([f"poke 0 {0x72696E67}"], "open p", fault("magic", 0, "0x676e6972", "0x72696e67")),
    "capacity not a power of two": (["poke 4 96"], "open c",
                                    fault("capacity", 4, "power of two, 0x40 to 0x40000000", "0x60")),
    "capacity below 64": (["poke 4 32", "poke 8 8"], "open c",
                          fault("capacity", 4, "power of two, 0x40 to 0x40000000", "0x20")),
    "capacity above 2^30": (["poke 4 2147483648"], "open c",
                            fault("capacity", 4, "power of two, 0x40 to 0x40000000", "0x80000000")),
    "capacity beyond the region": (["poke 4 256"], "open p",
                                   fault("capacity", 4, "<= 0x80 (region_len - 192)", "0x100")),
    "max_message 0": (["poke 8 0"], "open c", fault("max_message", 8, "0x1 to 0x78", "0x0")),
    "max_message capacity - 7": (["poke 8 121"], "open p", fault("max_message", 8, "0x1 to 0x78", "0x79")),
    "head not a multiple of 8 at open": (["poke 64 4"], "open p",
                                         fault("head", 64, "a multiple of 8", "0x4")),
    "tail not a multiple of 8 at open": (["poke 128 4"], "open c",
                                         fault("tail", 128, "a multiple of 8", "0x4")),
    "used > capacity at the producer's open": (["poke 64 136"], "open p",
                                               fault("tail", 128, "head - 0x80 to head (0x88)", "0x0")),
    "used > capacity at the consumer's open": (["poke 128 8"], "open c",
                                               fault("head", 64, "tail to tail + 0x80 (0x8)", "0x0")),
}
for _at, _field in [(12, "reserved0"), (63, "reserved0"), (68, "reserved1"), (127, "reserved1"),
                    (132, "reserved2"), (191, "reserved2")]:
    HOSTILE[f"{_field} byte {_at}"] = ([f"poke8 {_at} 7"], "open c", fault(_field, _at, "0", "0x7"))


def _hostile_lines(exe: Path, name: str) -> List[str]:
    """The refused call's line, that call's again, and (after an open) the next call's
    on the refused handle."""
    pre, call, _ = HOSTILE[name]
    then = {"open c": ["recv"], "open p": ["send 1 1"]}.get(call, [])
    return run(exe, BASE + pre + [call, call, *then])[len(BASE) + len(pre):]


@pytest.mark.slow  # (an ASan build, then 33 runs; the Python ring's hostile cases stay fast)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_value_is_refused_and_the_ring_stays_refused(asan: Path, name: str) -> None:
    """BAD_RING naming the field, its offset in the region and the values, with no
    access outside the region (ASan); the handle then refuses every call the same way
    (after an open: the call on the refused handle)."""
    want = HOSTILE[name][2]
    got = _hostile_lines(asan, name)
    assert got == [want] * len(got) and len(got) >= 2, got


@pytest.mark.slow  # (an ASan build)
def test_the_hostile_table_is_checked_as_one_run(asan: Path) -> None:
    """Every case in a row on fresh regions: the refusals do not depend on what the
    program did before (and the fast tier runs ASan once more over all of them)."""
    script: List[str] = []
    want: List[str] = []
    for pre, call, line in HOSTILE.values():
        script += BASE + pre + [call]
        want += ["ok"] * (len(BASE) + len(pre)) + [line]
    assert run(asan, script) == want


def test_a_message_over_max_message_is_refused_and_nothing_written(program: Path) -> None:
    out = run(program, _ring(128, 64) + OPEN + ["dump", "send 65 1", "dump", "send 64 1", "recv 63",
                                                "recv 64"])
    assert out[5] == "E_ARG field=n n=0" and out[4] == out[6]
    assert out[7:] == ["ok", "E_ARG field=buf_len n=64", f"ok n=64 {pattern(1, 64).hex()}"]


# ------------------------------------------------------------------ the ctypes binding


def test_the_ctypes_struct_is_the_c_struct(program: Path) -> None:
    line = run(program, ["layout"])[0]
    want = dict(w.split("=") for w in line.split())
    got = {"size": ctypes.sizeof(Ring), **{name: getattr(Ring, name).offset for name in
                                            ("base", "capacity", "max_message", "pos", "role", "fault",
                                             "fault_err")}}
    assert {k: int(v) for k, v in want.items()} == got


def _aligned(buf: bytearray) -> int:
    """An offset at which ``buf``'s memory is 64-byte aligned."""
    return -ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf)) % 64


def test_cring_round_trips_over_a_bytearray_and_an_mmap() -> None:
    rng = random.Random(5)
    ba = bytearray(64 + HDR + 256)
    off = _aligned(ba)
    m = mmap.mmap(-1, 4096)
    for buf, at in ((ba, off), (m, 1024)):
        CRing.init(buf, at, 256, 100)
        with CRing(buf, at, "producer") as p, CRing(buf, at, CONSUMER) as c:
            assert (p.capacity, p.max_message) == (256, 100)
            sent: List[bytes] = []
            got: List[bytes] = []
            for _ in range(3000):
                if rng.random() < 0.55:
                    msg = rng.randbytes(rng.randint(0, 100))
                    if p.send(msg):
                        sent.append(msg)
                else:
                    r = c.recv()
                    if r is None:
                        assert len(got) == len(sent)
                    else:
                        got.append(r)
            while (r := c.recv()) is not None:
                got.append(r)
            assert got == sent and len(sent) > 1000 and p.position == c.position > 10 * 256
    m.close()  # the rings released it (close with exports would raise BufferError)


def test_cring_raises_badring_with_the_details_and_valueerror_for_arguments() -> None:
    ba = bytearray(64 + HDR + 128)
    off = _aligned(ba)
    with pytest.raises(ValueError, match="capacity"):
        CRing.init(ba, off, 100, 10)
    with pytest.raises(ValueError, match="max_message"):
        CRing.init(ba, off, 128, 121)
    with pytest.raises(ValueError, match="aligned"):
        CRing.init(ba, off + 8, 64, 8)
    with pytest.raises(ValueError, match="region"):
        CRing.init(ba, off, 256, 8)  # 192 + 256 bytes: more than the buffer holds
    assert ba == bytearray(len(ba))  # nothing written by a refused init
    with pytest.raises(BadRing) as e:
        CRing(ba, off, PRODUCER)
    assert (e.value.code, e.value.field, e.value.offset, e.value.actual) == (Fault.BAD_RING, "magic", 0,
                                                                              "0x0")
    CRing.init(ba, off, 128, 64)
    with pytest.raises(ValueError, match="role"):
        CRing(ba, off, 2)
    p, c = CRing(ba, off, PRODUCER), CRing(ba, off, CONSUMER)
    with pytest.raises(ValueError, match="only the producer sends"):
        c.send(b"x")
    with pytest.raises(ValueError, match="only the consumer receives"):
        p.recv()
    with pytest.raises(ValueError, match="max_message"):
        p.send(bytes(65))
    assert p.send(b"hello")
    ba[off + HDR + 4] = 2  # the record's kind
    for _ in range(2):  # and again: the ring stays refused
        with pytest.raises(ShmSignalFault) as e:
            c.recv()
        assert isinstance(e.value, BadRing)
        got = (e.value.field, e.value.offset, e.value.expected, e.value.actual)
        assert got == ("kind", HDR + 4, "0 or 1", "0x2")
    p.close()
    with pytest.raises(ValueError, match="closed"):
        p.send(b"")
    with pytest.raises(ValueError, match="writable"):
        CRing(bytes(len(ba)), off, PRODUCER)


# ------------------------------------------------------------------ the mutants


def _mutant_failures(exe: Path) -> List[str]:
    """The checks above that the program ``exe`` fails."""
    failed = []
    for cap, max_message, ops, seed in MODEL_RUNS:
        script, want = model_script(cap, max_message, ops, seed)
        try:
            if _first_difference(run(exe, script), want, script):
                failed.append(f"model {cap}")
        except AssertionError:
            failed.append(f"model {cap} (crashed)")
    for cap, max_message, count, seed in STRESS:
        try:
            run(exe, [f"stress {cap} {max_message} {count} {seed}"])
        except AssertionError:
            failed.append(f"stress {cap}")
    for name in HOSTILE:
        try:
            if _hostile_lines(exe, name)[:2] != [HOSTILE[name][2]] * 2:
                failed.append(name)
        except AssertionError:
            failed.append(f"{name} (crashed)")
    return failed


@pytest.mark.slow  # each mutant is built with ASan and runs every check
@pytest.mark.parametrize("mutant,caught_by", [
    ("send: no used <= capacity check", "used > capacity at send"),
    ("recv: no used <= capacity check", "used > capacity at recv"),
    ("no used <= capacity check, both sides", "used > capacity at send"),
    ("recv: no record-crosses-the-end check", "a message crossing the end (crashed)"),
    ("recv: no max_message check", "length > max_message"),
    ("recv: padding at p == 0 allowed", "padding at p == 0"),
    ("recv: no padding length check", "padding too short"),
    ("send: pads over unread bytes", "model 64"),
    ("send: writes the padding's body", "model 64"),
    ("open: reserved bytes not checked", "reserved1 byte 68"),
    ("open: tail's multiple of 8 not checked", "tail not a multiple of 8 at open"),
])
def test_the_checks_catch(tmp_path: Path, mutant: str, caught_by: str) -> None:
    exe = build(mutant_dir(tmp_path, mutant), tmp_path / "ring_test", SANITIZE)
    failed = _mutant_failures(exe)
    assert caught_by in failed, failed
