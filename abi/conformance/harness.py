"""The vocabulary check-peer cases are written in: the options, the context a case
drives the peer through, the results, and the registry of cases
(:mod:`abi.conformance.check_peer` runs them; :mod:`abi.conformance.cases` holds them)."""


from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence

from abi import layout
from abi.conformance.inspect_file import field_at
from abi.conformance.peer_driver import PeerProcess, Reply
from abi.faults import Fault

if TYPE_CHECKING:  # for annotations only: the suite imports this module, never the reverse
    from abi.conformance.check_peer import Suite

GOLDEN = Path(__file__).resolve().parent.parent / "vectors" / "golden.json"
SIDES = {"north": 0, "south": 1}
DEFAULT_STRESS_INJECTS = 1_000_000
DEFAULT_PING_ROUNDS = 20_000
# The reference side of the stress cases parks with a liveness interval longer than
# its wait timeout, so a lost wake-up shows up as a wait that timed out with work
# pending instead of being papered over by the periodic liveness re-check.
STRESS_WAIT = 2.0


# ---------------------------------------------------------------- results


@dataclass
class ByteDiff:
    """The first byte where the descriptor differs from what was expected."""

    offset: int
    field: str
    expected: str  # hex byte
    actual: str
    step: str = ""
    expected_hex: str = ""
    actual_hex: str = ""

    def describe(self) -> str:
        return (f"first differing byte at offset {self.offset} ({self.field}): "
                f"expected 0x{self.expected}, actual 0x{self.actual}")


@dataclass
class CaseResult:
    name: str
    group: str
    doc: str
    status: str  # passed, failed, skipped, advisory (a SHOULD the peer does not meet)
    seconds: float = 0.0
    message: str = ""
    diff: Optional[ByteDiff] = None
    transcript: List[str] = field(default_factory=list)
    stderr: str = ""
    requirements: List[str] = field(default_factory=list)  # the spec's IDs the case checks

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"name": self.name, "group": self.group, "doc": self.doc,
                               "status": self.status, "seconds": round(self.seconds, 4),
                               "message": self.message, "requirements": self.requirements}
        if self.diff is not None:
            out["diff"] = {"offset": self.diff.offset, "field": self.diff.field,
                           "expected": self.diff.expected, "actual": self.diff.actual,
                           "step": self.diff.step, "expected_hex": self.diff.expected_hex,
                           "actual_hex": self.diff.actual_hex}
        if self.status == "failed":
            out["transcript"] = self.transcript
            out["stderr"] = self.stderr
        return out


@dataclass
class SuiteResult:
    peer: List[str]
    cases: List[CaseResult]
    seconds: float
    hello: str = ""
    unusable: str = ""  # set when the peer never answered hello

    def count(self, status: str) -> int:
        return sum(1 for c in self.cases if c.status == status)

    @property
    def ok(self) -> bool:
        return not self.unusable and self.count("failed") == 0

    def to_json(self) -> Dict[str, Any]:
        return {"peer": self.peer, "hello": self.hello, "ok": self.ok, "unusable": self.unusable or None,
                "passed": self.count("passed"), "failed": self.count("failed"),
                "skipped": self.count("skipped"), "advisory": self.count("advisory"),
                "seconds": round(self.seconds, 3),
                "cases": [c.to_json() for c in self.cases]}


class CaseFailure(Exception):
    def __init__(self, message: str, diff: Optional[ByteDiff] = None) -> None:
        super().__init__(message)
        self.diff = diff


class CaseSkipped(Exception):
    pass


# ---------------------------------------------------------------- options and context


@dataclass
class Options:
    timeout: float = 10.0  # seconds for one reply (stress commands get more)
    stress_injects: int = DEFAULT_STRESS_INJECTS
    ping_rounds: int = DEFAULT_PING_ROUNDS
    engines: Sequence[str] = ("py", "c")
    select: Sequence[str] = ()  # fnmatch patterns on case names (default: all)
    cwd: Optional[str] = None
    env: Optional[Dict[str, str]] = None
    progress: Optional[Callable[[CaseResult], None]] = None
    fuzz: int = 0  # fuzz.validator: this many mutated descriptors (abi.conformance.peer_fuzz)
    fuzz_seed: int = 0
    fuzz_corpus: str = "shm-signal-peer-fuzz.json"  # where disagreeing inputs are saved
    fuzz_replay: Optional[str] = None  # a corpus file to replay instead

    @classmethod
    def quick(cls, **kw: Any) -> Options:
        """Smaller stress counts, the Python engine only: for tests of the checker."""
        kw.setdefault("stress_injects", 20_000)
        kw.setdefault("ping_rounds", 1_000)
        return cls(**kw)


def _engine_class(kind: str) -> Any:
    if kind == "py":
        from abi.engine.channel import Channel

        return Channel
    from abi.engine import c_channel as c_engine

    c_engine.lib()  # raises when the library cannot be built here
    return c_engine.CChannel


def _engine_features(kind: str) -> int:
    if kind == "py":
        from abi.engine.wake import supported_features

        return int(supported_features())
    from abi.engine import c_channel as c_engine

    return int(c_engine.supported_features())


class Context:
    """What one case works with: the peer, a scratch directory, reference channels."""

    def __init__(self, suite: Suite, tmp: Path, engine: str) -> None:
        self.suite = suite
        self.opts = suite.opts
        self.tmp = tmp
        self.engine = engine
        self.refs: List[Any] = []
        self.threads: List[Any] = []  # (thread, channel it waits on)
        self.reinject: Dict[int, int] = {0: 0, 1: 0}

    # ---------------------------------------------------------------- peer

    @property
    def peer(self) -> PeerProcess:
        return self.suite.peer()

    @property
    def peer_features(self) -> int:
        return self.suite.peer_features

    def raw(self, line: str, timeout: Optional[float] = None) -> Reply:
        return self.peer.request(line, self.opts.timeout if timeout is None else timeout)

    def ok(self, line: str, timeout: Optional[float] = None, **want: Any) -> Reply:
        """Send; the reply must be ``ok`` (and carry ``want``'s values)."""
        r = self.raw(line, timeout)
        if not r.ok:
            raise CaseFailure(f"'{line}' was refused: {r.raw}")
        for key, value in want.items():
            if r.values.get(key) != str(value):
                raise CaseFailure(f"'{line}': expected {key}={value}, the peer replied {r.raw!r}")
        return r

    def err(self, line: str, code: int, timeout: Optional[float] = None) -> Reply:
        r = self.raw(line, timeout)
        if r.ok:
            raise CaseFailure(f"'{line}' should be refused with err {code} {_code_name(code)}, "
                              f"the peer replied {r.raw!r}")
        if r.code != code:
            raise CaseFailure(f"'{line}' should be refused with err {code} {_code_name(code)}, "
                              f"got err {r.code} {r.name}: {r.message}")
        return r

    def num(self, r: Reply, key: str) -> int:
        try:
            return int(r.values[key], 0)
        except (KeyError, ValueError):
            raise CaseFailure(f"reply {r.raw!r} lacks a numeric {key}=") from None

    def dump(self) -> bytes:
        r = self.ok("dump")
        pos = r.positional
        try:
            raw = bytes.fromhex(pos[0]) if pos else b""
        except ValueError:
            raw = b""
        if len(raw) != layout.DESC_SIZE:
            raise CaseFailure(f"dump must reply 'ok' and {2 * layout.DESC_SIZE} hex digits, "
                              f"got {r.raw[:120]!r}")
        return raw

    # ---------------------------------------------------------------- reference side

    def ref_class(self) -> Any:
        return _engine_class(self.engine)

    def _notifier(self, side: int) -> Callable[[], None]:
        def call() -> None:
            if self.reinject[side] > 0:  # the remote (the peer) keeps setting dirty
                self.reinject[side] -= 1
                self.ok("inject")
        return call

    def ref_create(self, path: Path, side: int, **kw: Any) -> Any:
        extra = {"liveness_interval": kw.pop("liveness_interval")} if "liveness_interval" in kw else {}
        if self.engine != "py":
            extra = {}
        ch = self.ref_class().create(str(path), side, notifier=self._notifier(side), **kw, **extra)
        self.refs.append(ch)
        return ch

    def ref_attach(self, path: Path, **kw: Any) -> Any:
        extra = {"liveness_interval": kw.pop("liveness_interval")} if "liveness_interval" in kw else {}
        if self.engine != "py":
            extra = {}
        # the side is known only after the attach; bind the notifier to it afterwards
        holder: Dict[str, int] = {}

        def call() -> None:
            self._notifier(holder["side"])()
        ch = self.ref_class().attach(str(path), notifier=call, **kw, **extra)
        holder["side"] = ch.locality
        self.refs.append(ch)
        return ch

    def ref_features(self) -> int:
        return _engine_features(self.engine)

    def track(self, thread: threading.Thread, ch: Any) -> None:
        """A thread of the case that waits on a reference channel."""
        self.threads.append((thread, ch))

    def close_refs(self) -> None:
        # Closing unmaps the file: a thread still parked on the channel would then read
        # unmapped memory and crash the checker.  Give such threads the time their
        # waits take to end; a channel whose thread is still there is left open.
        busy = set()
        for thread, ch in self.threads:
            stop = getattr(thread, "stop", None)
            if stop is not None:
                stop.set()
            thread.join(STRESS_WAIT + 5.0)
            if thread.is_alive():
                busy.add(id(ch))
        self.threads.clear()
        for ch in self.refs:
            if id(ch) in busy:
                continue
            # a reference channel the case already broke: nothing to keep
            with contextlib.suppress(Exception):
                ch.close()
        self.refs.clear()

    # ---------------------------------------------------------------- bytes

    def file_desc(self, path: Path, offset: int = 0) -> bytes:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read(layout.DESC_SIZE)

    def compare(self, expected: bytes, actual: bytes, where: str) -> None:
        if expected == actual:
            return
        n = min(len(expected), len(actual))
        at = next((i for i in range(n) if expected[i] != actual[i]), n)
        exp = f"{expected[at]:02x}" if at < len(expected) else "--"
        act = f"{actual[at]:02x}" if at < len(actual) else "--"
        diff = ByteDiff(at, field_at(at), exp, act, where, expected.hex(), actual.hex())
        raise CaseFailure(f"{where}: {diff.describe()}", diff)


def _code_name(code: int) -> str:
    names = {100: "USAGE", 101: "NO_CHANNEL", 102: "SYSTEM", 103: "EXISTS", 104: "TIMEOUT", 105: "NOTIFIER"}
    if code in names:
        return names[code]
    try:
        return Fault(code).name
    except ValueError:
        return "?"


def record(raw: bytes, locality: int) -> Dict[str, int]:
    r = layout.IRQ_OFFSET + layout.IRQ_SIZE * locality
    return {"enabled": raw[r], "pending": raw[r + 1], "dirty": raw[r + 2],
            "state": int.from_bytes(raw[r + 4:r + 8], "little"),
            "notify_count": int.from_bytes(raw[r + 16:r + 24], "little")}


# ---------------------------------------------------------------- registry


@dataclass
class Case:
    name: str
    group: str
    doc: str
    fn: Callable[[Context], None]
    engine: str = "py"  # the reference engine the case runs against
    uses_reference: bool = True  # False: the peer alone (no point repeating it per engine)
    when: Optional[Callable[[Options], bool]] = None  # run only when the options ask for it
    advisory: bool = False  # checks a SHOULD: a failure is reported as advisory, not failed


CASES: List[Case] = []


def case(group: str, name: str, doc: str, advisory: bool = False,
         uses_reference: bool = True) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        CASES.append(Case(f"{group}.{name}", group, doc, fn, advisory=advisory,
                          uses_reference=uses_reference))
        return fn
    return register
