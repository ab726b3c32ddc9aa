"""The conformance suite for third-party peers (``shm-signal check-peer``).

A peer under test is any program that speaks the line protocol of docs/spec.md
section 13.  The suite drives it (through :mod:`abi.conformance.peer_driver`) against the
reference engines running in this process: the Python engine (``abi.engine.Channel``)
and the C engine through ctypes (``abi.c_engine.CChannel``).  The peer plays every
role: creator and attacher, north and south.

Cases are plain functions in :mod:`abi.conformance.cases`, registered with :func:`case`;
each gets a :class:`Context` and raises :class:`CaseFailure` (with the first
differing byte where there is one) or returns.  Groups:

* ``protocol``: hello, error replies, the peer survives errors;
* ``vector``: every golden vector (``abi/vectors/golden.json``) replayed with the peer
  as one side and a reference engine as the other, the descriptor bytes compared
  after every step;
* ``handshake``: creation with random values and at an offset, checked by the
  reference validator;
* ``semantics``: enable, disable, inject, wakeup, wait, close, coalescing;
* ``waiter``: WAITER_FLAG (pad0 as the owner's waiting flag), where both sides have it;
* ``liveness``: the peer's lock keeps its locality busy; its death is noticed;
* ``fault``: the peer is handed each corrupt descriptor of the golden vectors and
  must refuse it with the right code, writing nothing;
* ``stress``: no lost wake-up in either direction under random pauses (after every
  burst of injects the owner must be drained within a second), and ping-pong with a
  time limit on every round.

A peer that hangs is killed after ``timeout`` seconds and the case fails; the next
case starts a fresh peer.
"""

from __future__ import annotations

import contextlib
import fnmatch
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from abi import layout
from abi.conformance.inspect_file import field_at
from abi.conformance.peer_driver import PeerFailure, PeerProcess, Reply
from abi.faults import Fault, ShmSignalFault

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
    status: str  # passed, failed, skipped
    seconds: float = 0.0
    message: str = ""
    diff: Optional[ByteDiff] = None
    transcript: List[str] = field(default_factory=list)
    stderr: str = ""

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"name": self.name, "group": self.group, "doc": self.doc,
                               "status": self.status, "seconds": round(self.seconds, 4),
                               "message": self.message}
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
                "skipped": self.count("skipped"), "seconds": round(self.seconds, 3),
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


CASES: List[Case] = []


def case(group: str, name: str, doc: str) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        CASES.append(Case(f"{group}.{name}", group, doc, fn))
        return fn
    return register


# ---------------------------------------------------------------- the suite


class Suite:
    """Runs the cases against one peer command, restarting the peer after a case
    that killed or confused it."""

    def __init__(self, argv: Sequence[str], opts: Optional[Options] = None) -> None:
        self.argv = list(argv)
        self.opts = opts or Options()
        self._peer: Optional[PeerProcess] = None
        self.peer_features = 0
        self.hello = ""
        self.unusable = ""
        self._starts = 0
        self._prepared = False
        self._failed_starts = 0
        self._engine_error: Dict[str, str] = {}

    def _start(self) -> PeerProcess:
        self._starts += 1
        p = PeerProcess(self.argv, cwd=self.opts.cwd, env=self.opts.env)
        try:
            r = p.request("hello", self.opts.timeout)
        except PeerFailure:
            p.close(1)
            raise
        if r.ok:
            self.hello = r.raw
            try:
                self.peer_features = int(r.values.get("features", "0"), 0)
            except ValueError:
                self.peer_features = 0
        return p

    def peer(self) -> PeerProcess:
        if self._peer is None or not self._peer.alive():
            if self._peer is not None:
                self._peer.close(1)
            self._peer = self._start()
        return self._peer

    def kill_peer(self) -> None:
        if self._peer is not None:
            self._peer.kill()
            self._peer.close(1)
            self._peer = None

    def _reset(self) -> None:
        """Between cases: the peer drops any channel (close; NO_CHANNEL is fine)."""
        if self._peer is None or not self._peer.alive():
            return
        try:
            r = self._peer.request("close", min(self.opts.timeout, 5.0))
            if not (r.ok or r.code == 101):
                self.kill_peer()
        except PeerFailure:
            self.kill_peer()

    def selected(self) -> List[Case]:
        _load_cases()
        out = []
        for c in CASES:
            if c.engine not in self.opts.engines or (c.when is not None and not c.when(self.opts)):
                continue
            if self.opts.select and not any(fnmatch.fnmatchcase(c.name, pat) or pat in c.name
                                            for pat in self.opts.select):
                continue
            out.append(c)
        return out

    def _prepare(self) -> None:
        """Once: start the peer (hello), and find out which reference engines work here."""
        if self._prepared:
            return
        self._prepared = True
        try:
            self.peer()
            if not self.hello:
                self.unusable = "the peer did not answer 'hello' with 'ok'"
        except PeerFailure as exc:
            self.unusable = f"the peer does not start or answer 'hello': {exc}"
        for eng in self.opts.engines:
            try:
                _engine_class(eng)
                self._engine_error[eng] = ""
            except Exception as exc:  # the C library cannot be built here: its cases are skipped
                self._engine_error[eng] = f"the {eng} reference engine is unavailable: {exc}"

    def run_case(self, c: Case) -> CaseResult:
        """One case (the peer is started on first use and reused)."""
        self._prepare()
        if self.unusable:
            res = CaseResult(c.name, c.group, c.doc, "failed", message=self.unusable)
        elif self._engine_error.get(c.engine):
            res = CaseResult(c.name, c.group, c.doc, "skipped", message=self._engine_error[c.engine])
        else:
            res = self._run_case(c)
            if res.status == "failed" and res.message.startswith("the peer does not start"):
                self._failed_starts += 1
                if self._failed_starts >= 2:  # give up on a peer that cannot be restarted
                    self.unusable = res.message
            else:
                self._failed_starts = 0
        self._progress(res)
        return res

    def shutdown(self) -> None:
        if self._peer is not None:
            self._peer.close()
            self._peer = None

    def run(self) -> SuiteResult:
        t_suite = time.monotonic()
        results = [self.run_case(c) for c in self.selected()]
        self.shutdown()
        unusable = self.unusable if not self.hello else ""
        return SuiteResult(self.argv, results, time.monotonic() - t_suite, self.hello, unusable)

    def _progress(self, res: CaseResult) -> None:
        if self.opts.progress is not None:
            self.opts.progress(res)

    def _run_case(self, c: Case) -> CaseResult:
        tmp = Path(tempfile.mkdtemp(prefix="shm-signal-check-"))
        ctx = Context(self, tmp, c.engine)
        res = CaseResult(c.name, c.group, c.doc, "passed")
        t0 = time.monotonic()
        mark = 0
        try:
            try:
                mark = self.peer().noted
            except PeerFailure as exc:
                raise CaseFailure(f"the peer does not start or answer 'hello': {exc}") from None
            c.fn(ctx)
        except CaseSkipped as exc:
            res.status, res.message = "skipped", str(exc)
        except CaseFailure as exc:
            res.status, res.message, res.diff = "failed", str(exc), exc.diff
        except PeerFailure as exc:
            res.status = "failed"
            res.message = {"timeout": "the peer hung: ", "exited": "the peer died: ",
                           "protocol": "the peer broke the line protocol: "}.get(exc.kind, "") + str(exc)
        except ShmSignalFault as exc:
            res.status, res.message = "failed", f"the reference engine refused: {exc}"
        except Exception as exc:  # a case must never take the suite down
            res.status, res.message = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            res.seconds = time.monotonic() - t0
            if self._peer is not None:
                res.transcript = self._peer.transcript_since(mark)[-40:]
                if res.status == "failed":
                    res.stderr = self._peer.stderr_tail()
            ctx.close_refs()
            self._reset()
            if res.status == "failed" and self._peer is not None and self._peer.alive():
                # a failed case may leave the peer in any state: start clean
                self.kill_peer()
            shutil.rmtree(tmp, ignore_errors=True)
        return res


def run(argv: Sequence[str], opts: Optional[Options] = None) -> SuiteResult:
    """Run the whole suite against the peer started by ``argv``."""
    return Suite(argv, opts).run()


def _load_cases() -> None:
    """The cases live in abi.conformance.cases, which registers them on import (it imports
    this module, so it cannot be imported at the top)."""
    from abi.conformance import cases as check_cases  # noqa: F401


def case_names(engines: Sequence[str] = ("py", "c"), opts: Optional[Options] = None) -> List[str]:
    """The cases a run with ``opts`` has (those an option enables only with it)."""
    _load_cases()
    return [c.name for c in CASES if c.engine in engines and (c.when is None or (opts and c.when(opts)))]

