"""The conformance suite for third-party peers (``shm-signal check-peer``).

A peer under test is any program that speaks the line protocol of docs/spec.md
section 13.  The suite drives it (through :mod:`abi.conformance.peer_driver`) against the
reference engines running in this process: the Python engine (``abi.engine.Channel``)
and the C engine through ctypes (``abi.c_engine.CChannel``).  The peer plays every
role: creator and attacher, north and south.

Cases are plain functions in :mod:`abi.conformance.cases`, registered with
:func:`abi.conformance.harness.case`; each gets a :class:`Context` and raises
:class:`CaseFailure` (with the first differing byte where there is one) or returns.
Each result names the requirement IDs of docs/spec.md the case checks
(:mod:`abi.conformance.requirements`); a case that checks a SHOULD reports a miss as
``advisory``, never as a failure.  Groups:

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

import fnmatch
import shutil
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from abi.conformance import (
    cases,  # noqa: F401  (registers the cases in CASES)
    requirements,
)
from abi.conformance.harness import (
    CASES,
    Case,
    CaseFailure,
    CaseResult,
    CaseSkipped,
    Context,
    Options,
    SuiteResult,
    _engine_class,
)
from abi.conformance.peer_driver import PeerFailure, PeerProcess
from abi.faults import ShmSignalFault

__all__ = ["CaseResult", "Options", "Suite", "SuiteResult", "case_names", "run"]

# ---------------------------------------------------------------- the suite


class Suite:
    """Runs the cases against one peer command, restarting the peer after a case
    that killed or confused it."""

    def __init__(self, argv: Sequence[str], opts: Optional[Options] = None) -> None:
        self.argv = list(argv)
        self.opts = opts or Options()
        self.requirements = requirements.load()
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
        res.requirements = self.requirements.for_case(c.name)
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
            # a SHOULD: reported and counted, never a failure of the run
            res.status, res.message, res.diff = "advisory" if c.advisory else "failed", str(exc), exc.diff
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


def case_names(engines: Sequence[str] = ("py", "c"), opts: Optional[Options] = None) -> List[str]:
    """The cases a run with ``opts`` has (those an option enables only with it)."""
    return [c.name for c in CASES if c.engine in engines and (c.when is None or (opts and c.when(opts)))]

