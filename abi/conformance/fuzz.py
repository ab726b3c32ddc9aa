"""Differential fuzzing of the descriptor validators (``shm-signal fuzz``).

Two validators of one spec must refuse exactly the same bytes with the same fault
code, naming the same field (docs/spec.md 6.4).  A campaign makes descriptors from
the golden vectors and from both engines, mutates them (bytes, fields, lengths,
offsets, the validating side's feature set) and hands each to every *judge*:

* ``py.validate``, ``c.validate``: the Python and the C engine's validators;
* ``py.attach``, ``c.attach``: a real attach of each engine to a file holding it;
* ``inspect``: ``shm-signal inspect``'s reading of the same file.

Any crash, hang (a per-input deadline), unexpected exception, or disagreement is a
failure: between the two validators, between the two attaches, between inspect and
the validators, or between an attach and the validators (an attach refuses what
the validators refuse, with the same fault; it may add only ``LOCALITY_BUSY``).
Judging runs in a worker process, so a crash or a hang is caught and reported
with the input that caused it; each failure is saved as a reproducer file that
``shm-signal fuzz --replay FILE`` runs again.

The campaign is seeded: the same ``--seed`` and ``--inputs`` give the same inputs.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import select
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from abi import layout

Verdict = Tuple[str, ...]  # ("ok",) | ("fault", NAME, field) | ("error", text)
JUDGES = ("py.validate", "c.validate", "py.attach", "c.attach", "inspect")
DEADLINE = 10.0  # seconds one input may take in the worker before it counts as a hang
VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "golden.json"
# Self-checks (``--plant``): break the campaign on purpose, to see it caught.
PLANTS = {
    "desc-size-alignment": "the Python validator skips the check that desc_size is a multiple of 64",
    "crash": "the worker dies of SIGSEGV on inputs whose first byte is 0x42",
    "hang": "the worker stops answering on inputs whose first byte is 0x42",
}


@dataclass(frozen=True)
class Case:
    """One input: a whole mapping's bytes, the descriptor's offset in it, and the
    feature set of the side that validates."""

    data: bytes
    offset: int
    supported: int
    origin: str = ""

    def to_json(self) -> Dict[str, Any]:
        return {"data": self.data.hex(), "offset": self.offset, "supported": f"0x{self.supported:x}",
                "origin": self.origin}

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> Case:
        return cls(bytes.fromhex(d["data"]), int(d["offset"]), int(str(d["supported"]), 0),
                   d.get("origin", ""))


# ------------------------------------------------------------------ inputs

_FIELDS = [leaf for leaf in layout.leaves(layout.ShmSignalDesc)]
_INTERESTING = {
    1: [0, 1, 2, 3, 0x7F, 0x80, 0xFE, 0xFF],
    4: [0, 1, 2, 3, 63, 64, 191, 192, 193, 255, 256, 320, 2**31, 2**32 - 1, layout.MAGIC,
        layout.MAGIC_SWAPPED],
    8: [0, 1, layout.FEATURES_KNOWN, layout.FEATURES_KNOWN | 1 << 40, 1 << 63, 2**64 - 1, 0x1F, 0x0D, 0x10],
}


def seed_descriptors(rng: random.Random) -> List[Tuple[bytes, str]]:
    """Valid descriptors to start from: the golden vectors' (every step and every
    corrupt mapping) and fresh ones from the Python engine's initialisation."""
    from abi.descriptor import initialize

    out: List[Tuple[bytes, str]] = []
    golden = json.loads(VECTORS.read_text())
    for c in golden["cases"]:
        for i, step in enumerate(c["steps"]):
            if "expect" in step:
                out.append((bytes.fromhex(step["expect"]), f"golden {c['name']} step {i}"))
    for f in golden["faults"]:
        data = bytes.fromhex(f["mapping"])
        out.append((data[f["offset"]:f["offset"] + layout.DESC_SIZE] if f["offset"] % 64 == 0 else data,
                    f"golden fault {f['name']}"))
    for creator in (0, 1):
        for offered in (0, layout.FEATURES_KNOWN, 0x0D, 0x1D, layout.FEATURE_WAITER_FLAG):
            buf = bytearray(layout.DESC_SIZE)
            iid = bytes(rng.randrange(1, 256) for _ in range(16))
            required = offered & rng.choice([0, 0x4, 0x8])
            initialize(buf, 0, creator, offered, required, iid, rng.randrange(2**32))
            out.append((bytes(buf), f"fresh creator={creator} offered=0x{offered:x}"))
            attached = bytearray(buf)  # and with the attacher's state published
            struct.pack_into("<Q", attached, 32, offered & layout.FEATURES_KNOWN)
            struct.pack_into("<I", attached, 64 + 64 * (1 - creator) + 4, rng.choice([1, 2]))
            out.append((bytes(attached), f"fresh attached creator={creator} offered=0x{offered:x}"))
    return out + c_engine_descriptors()


def c_engine_descriptors() -> List[Tuple[bytes, str]]:
    """Fresh descriptors as the C engine writes them (creator north and south)."""
    from abi.engine.c_channel import CChannel

    out = []
    with tempfile.TemporaryDirectory(prefix="shm-signal-fuzz-") as tmp:
        for creator in (0, 1):
            path = Path(tmp) / f"c{creator}"
            iid = bytes(range(creator + 1, creator + 17))  # fixed: a campaign's inputs follow its seed
            with CChannel.create(path, creator, instance_id=iid, pid=4660):
                out.append((path.read_bytes()[:layout.DESC_SIZE], f"C engine creator={creator}"))
    return out


class Mutator:
    """Makes the campaign's inputs from the seeds, deterministically from ``seed``."""

    def __init__(self, seed: int, extra_seeds: Sequence[Tuple[bytes, str]] = ()) -> None:
        self.rng = random.Random(seed)
        self.seeds = seed_descriptors(self.rng) + list(extra_seeds)
        self._sweep = self._lengths()

    def _lengths(self) -> Iterator[Case]:
        """First, every truncation of a valid descriptor, 0 to 192 bytes."""
        base = self.seeds[0][0]
        for n in range(layout.DESC_SIZE + 1):
            yield Case(base[:n], 0, layout.FEATURES_KNOWN, f"truncated to {n}")

    def __iter__(self) -> Iterator[Case]:
        return self

    def __next__(self) -> Case:
        nxt = next(self._sweep, None)
        if nxt is not None:
            return nxt
        rng = self.rng
        data, origin = rng.choice(self.seeds)
        buf = bytearray(data[:layout.DESC_SIZE].ljust(layout.DESC_SIZE, b"\0"))
        notes: List[str] = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            notes.append(self._mutate(buf))
        offset, supported = 0, layout.FEATURES_KNOWN
        roll = rng.random()
        if roll < 0.1:  # somewhere else in a bigger mapping
            offset = 64 * rng.randrange(1, 5)
            buf = bytearray(rng.choice([bytes(offset), self._noise(offset)])) + buf
            notes.append(f"at offset {offset}")
        elif roll < 0.15:  # told a bad offset
            offset = rng.choice([1, 8, 32, 63, 96, 191, 192, 256, 4096])
            notes.append(f"bad offset {offset}")
        if rng.random() < 0.1:
            cut = rng.randrange(0, len(buf) + 1)
            buf = buf[:cut]
            notes.append(f"truncated to {cut}")
        elif rng.random() < 0.1:
            extra = rng.choice([1, 63, 64, 65, 128, 4096])
            buf += bytes(extra) if rng.random() < 0.5 else self._noise(extra)
            notes.append(f"{extra} bytes more")
        if rng.random() < 0.2:
            supported = rng.choice([0, 0x1, 0x4, 0xD, 0x1D, layout.FEATURES_KNOWN, rng.getrandbits(64)])
            notes.append(f"supported 0x{supported:x}")
        return Case(bytes(buf), offset, supported, f"{origin}: {'; '.join(notes)}")

    def _noise(self, n: int) -> bytes:
        return self.rng.getrandbits(8 * n).to_bytes(n, "little")

    def _mutate(self, buf: bytearray) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.25:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
            return f"bit flip at {i}"
        if kind < 0.4:
            i = rng.randrange(len(buf))
            buf[i] = rng.choice(_INTERESTING[1] + [rng.randrange(256)])
            return f"byte {i} = 0x{buf[i]:02x}"
        leaf = rng.choice(_FIELDS)
        if kind < 0.9 and leaf.size in _INTERESTING:
            value = rng.choice(_INTERESTING[leaf.size] + [rng.getrandbits(8 * leaf.size)])
        else:
            value = rng.getrandbits(8 * leaf.size)
        buf[leaf.offset:leaf.offset + leaf.size] = value.to_bytes(leaf.size, "little")
        return f"{leaf.path} = 0x{value:x}"


# ------------------------------------------------------------------ judges


def _verdict(call: Callable[[], Any]) -> Verdict:
    from abi.faults import ShmSignalFault

    try:
        call()
    except ShmSignalFault as exc:
        return ("fault", exc.code.name, exc.field or "")
    except Exception as exc:  # noqa: BLE001 -- any other exception is the finding
        return ("error", f"{type(exc).__name__}: {exc}")
    return ("ok",)


class Judges:
    """Runs every judge on one input (in the worker process)."""

    def __init__(self, workdir: Path, plant: str = "") -> None:
        from abi import descriptor
        from abi.conformance import inspect_file as inspect
        from abi.engine import c_channel as c_engine
        from abi.engine import channel as engine

        self.path = workdir / "mapping"
        self.plant = ""
        self.descriptor, self.c_engine, self.engine, self.inspect = descriptor, c_engine, engine, inspect
        if plant:
            self._plant(plant)

    def _plant(self, plant: str) -> None:
        """A deliberate fault (:data:`PLANTS`): the campaign must catch it."""
        if plant not in PLANTS:
            raise ValueError(f"unknown plant {plant!r}; known: {', '.join(PLANTS)}")
        self.plant = plant
        if plant != "desc-size-alignment":
            return
        real = self.descriptor.check_snapshot

        def skipping(d: Any, *a: Any, **kw: Any) -> Any:
            if d.desc_size >= layout.DESC_SIZE and d.desc_size % layout.DESC_ALIGN:
                d = layout.ShmSignalDesc.from_buffer_copy(bytes(d))
                d.desc_size += layout.DESC_ALIGN - d.desc_size % layout.DESC_ALIGN
            return real(d, *a, **kw)

        self.descriptor.check_snapshot = skipping

    def judge(self, case: Case) -> Dict[str, Verdict]:
        d, n = case.data, len(case.data)
        if self.plant in ("crash", "hang") and d[:1] == b"\x42":
            if self.plant == "crash":
                import signal

                os.kill(os.getpid(), signal.SIGSEGV)
            time.sleep(3600)
        out = {"py.validate": _verdict(lambda: self.descriptor.validate(d, case.offset, n, case.supported)),
               "c.validate": _verdict(lambda: self.c_engine.validate(d, case.offset, n, case.supported))}
        with open(self.path, "wb") as f:
            f.write(d)
        out["inspect"] = _verdict(lambda: self._inspect(case))
        out["py.attach"] = _verdict(lambda: self.engine.Channel.attach(
            self.path, offset=case.offset, features=case.supported, liveness_interval=1).close())
        with open(self.path, "wb") as f:  # the Python attach may have written its record
            f.write(d)
        out["c.attach"] = _verdict(lambda: self.c_engine.CChannel.attach(
            self.path, offset=case.offset, features=case.supported).close())
        return out

    def _inspect(self, case: Case) -> None:
        ins = self.inspect.inspect_file(str(self.path), case.offset, case.supported)
        if ins.fault is not None:
            raise ins.fault


def disagreements(v: Dict[str, Verdict]) -> List[str]:
    """What the verdicts on one input violate ([] when they agree)."""
    out = [f"{name} raised {v[name][1]}" for name in JUDGES if v[name][0] == "error"]
    if out:
        return out

    def show(name: str) -> str:
        return f"{name} {' '.join(v[name][1:]) or 'accepts'}"

    if v["py.validate"] != v["c.validate"]:
        out.append(f"the validators disagree: {show('py.validate')}, {show('c.validate')}")
    if v["inspect"] != v["py.validate"]:
        out.append(f"inspect disagrees with the validators: {show('inspect')}, {show('py.validate')}")
    if v["py.attach"] != v["c.attach"]:
        out.append(f"the attaches disagree: {show('py.attach')}, {show('c.attach')}")
    ref = v["py.validate"]
    for name in ("py.attach", "c.attach"):
        a = v[name]
        busy = ref == ("ok",) and a[:2] == ("fault", "LOCALITY_BUSY")
        if a != ref and not busy:
            out.append(f"{name} does not follow the validators: {show(name)}, {show('py.validate')}")
    return out


# ------------------------------------------------------------------ the worker


def worker_main(plant: str = "") -> int:
    """Judge the inputs that arrive on stdin (length-prefixed pickles) one by one."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    with tempfile.TemporaryDirectory(prefix="shm-signal-fuzz-") as tmp:
        judges = Judges(Path(tmp), plant)
        while True:
            head = inp.read(4)
            if len(head) < 4:
                return 0
            case = pickle.loads(inp.read(struct.unpack("<I", head)[0]))
            reply = pickle.dumps(judges.judge(case))
            out.write(struct.pack("<I", len(reply)) + reply)
            out.flush()


class Worker:
    """The judging process, restarted after a crash or a hang."""

    def __init__(self, plant: str = "") -> None:
        self.plant = plant
        self.proc: Optional[subprocess.Popen] = None

    def _start(self) -> subprocess.Popen:
        plant = ["--plant", self.plant] if self.plant else []
        argv = [sys.executable, "-m", "abi.conformance.fuzz", "--worker", *plant]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])
               + os.pathsep + os.environ.get("PYTHONPATH", "")}
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def judge(self, case: Case, deadline: float = DEADLINE) -> Tuple[Optional[Dict[str, Verdict]], str]:
        """The verdicts, or None and "crash: ..."/"hang: ..." when the worker died or
        did not answer in time (it is restarted for the next input)."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        p = self.proc
        assert p.stdin is not None and p.stdout is not None
        msg = pickle.dumps(case)
        try:
            p.stdin.write(struct.pack("<I", len(msg)) + msg)
            p.stdin.flush()
        except BrokenPipeError:
            return None, self._died()
        head = self._read(p, 4, deadline)
        if head is None:
            return None, self._hung(deadline)
        if len(head) < 4:
            return None, self._died()
        body = self._read(p, struct.unpack("<I", head)[0], deadline)
        if body is None:
            return None, self._hung(deadline)
        return pickle.loads(body), ""

    @staticmethod
    def _read(p: subprocess.Popen, n: int, deadline: float) -> Optional[bytes]:
        assert p.stdout is not None
        fd = p.stdout.fileno()
        end = time.monotonic() + deadline
        chunks, got = [], 0
        while got < n:
            left = end - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, n - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _died(self) -> str:
        assert self.proc is not None
        status = self.proc.wait()
        self.proc = None
        return f"crash: the worker died (status {status}{', signal ' + str(-status) if status < 0 else ''})"

    def _hung(self, deadline: float) -> str:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        return f"hang: no verdict within {deadline:g} s"

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(30)
            self.proc = None


# ------------------------------------------------------------------ campaigns


@dataclass
class Failure:
    case: Case
    problems: List[str]
    verdicts: Optional[Dict[str, Verdict]]

    def to_json(self) -> Dict[str, Any]:
        return {"input": self.case.to_json(), "problems": self.problems,
                "verdicts": {k: list(v) for k, v in (self.verdicts or {}).items()}}


@dataclass
class Summary:
    seed: int
    inputs: int = 0
    seconds: float = 0.0
    verdicts: Dict[str, Dict[str, int]] = field(default_factory=lambda: {j: {} for j in JUDGES})
    failures: List[Failure] = field(default_factory=list)
    saved: List[str] = field(default_factory=list)

    def count(self, v: Dict[str, Verdict]) -> None:
        for judge, verdict in v.items():
            key = "accepted" if verdict[0] == "ok" else verdict[1] if verdict[0] == "fault" else "error"
            self.verdicts[judge][key] = self.verdicts[judge].get(key, 0) + 1

    def to_json(self) -> Dict[str, Any]:
        return {"seed": self.seed, "inputs": self.inputs, "seconds": round(self.seconds, 3),
                "verdicts": self.verdicts, "failures": [f.to_json() for f in self.failures],
                "saved": self.saved}

    def render(self) -> str:
        keys = sorted({k for counts in self.verdicts.values() for k in counts},
                      key=lambda k: (k != "accepted", k))
        width = max([len(k) for k in keys] + [8])
        lines = [f"{self.inputs} inputs in {self.seconds:.1f} s (seed {self.seed}), "
                 f"{len(self.failures)} failure(s)", "",
                 f"{'verdict':<{width}} " + " ".join(f"{j:>11}" for j in JUDGES)]
        for k in keys:
            lines.append(f"{k:<{width}} " + " ".join(f"{self.verdicts[j].get(k, 0):>11}" for j in JUDGES))
        for f in self.failures[:20]:
            lines += ["", f"FAIL {f.case.origin}", f"  input {f.case.to_json()}"]
            lines += [f"  {p}" for p in f.problems]
        if len(self.failures) > 20:
            lines.append(f"... and {len(self.failures) - 20} more")
        if self.saved:
            lines += ["", f"reproducers saved: {len(self.saved)} in {Path(self.saved[0]).parent}"]
        return "\n".join(lines)


def run(cases: Iterator[Case], *, seed: int = 0, inputs: Optional[int] = None,
        seconds: Optional[float] = None, out_dir: Optional[Path] = None, plant: str = "",
        progress: Optional[Callable[[str], None]] = None, worker: Optional[Worker] = None,
        deadline: float = DEADLINE) -> Summary:
    """Judge ``cases`` until ``inputs`` have run or ``seconds`` have passed."""
    s = Summary(seed)
    w = worker or Worker(plant)
    start = last = time.monotonic()
    try:
        for case in cases:
            if inputs is not None and s.inputs >= inputs:
                break
            now = time.monotonic()
            if seconds is not None and now - start >= seconds:
                break
            v, trouble = w.judge(case, deadline)
            s.inputs += 1
            problems = [trouble] if trouble else disagreements(v or {})
            if v is not None:
                s.count(v)
            if problems:
                fail = Failure(case, problems, v)
                s.failures.append(fail)
                if out_dir is not None:
                    s.saved.append(str(save(fail, out_dir, len(s.failures))))
            if progress is not None and now - last >= 1.0:
                last = now
                rate = s.inputs / max(now - start, 1e-9)
                progress(f"fuzz: {s.inputs} inputs, {len(s.failures)} failures, {rate:.0f}/s")
    finally:
        if worker is None:
            w.close()
        s.seconds = time.monotonic() - start
    return s


def save(fail: Failure, out_dir: Path, n: int) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"failure-{n:04d}.json"
    path.write_text(json.dumps(fail.to_json(), indent=1) + "\n")
    return path


def load_reproducers(paths: Sequence[str]) -> List[Case]:
    """The inputs of reproducer files (one failure each, or a list of inputs)."""
    cases = []
    for p in paths:
        d = json.loads(Path(p).read_text())
        items = d if isinstance(d, list) else [d]
        cases += [Case.from_json(item.get("input", item)) for item in items]
    return cases


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m abi.conformance.fuzz --worker``: the judging process."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--worker"]:
        plant = args[2] if args[1:2] == ["--plant"] else ""
        return worker_main(plant)
    print("usage: shm-signal fuzz ... (python -m abi.conformance.fuzz --worker is internal)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
