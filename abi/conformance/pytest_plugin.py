"""pytest plugin: run the check-peer conformance suite as tests.

Registered through the ``pytest11`` entry point, so in any environment where
shm-signal is installed::

    pytest --shm-signal-peer "cargo run --quiet --bin my-peer"

adds one test per conformance case (``shm-signal::protocol.hello``, ...).  Without
``--shm-signal-peer`` the plugin adds nothing.  The cases share one peer process, as
``shm-signal check-peer`` does; a failure shows the same report (first differing
byte, transcript).

pytest is imported only inside the hooks: the runtime of shm-signal needs nothing
beyond the standard library, and this module is imported only by pytest.
"""

from __future__ import annotations

import importlib
import shlex
import warnings
from typing import Any, Dict, List, Optional

_STATE: Dict[str, Any] = {}


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("shm-signal", "shm-signal peer conformance")
    group.addoption("--shm-signal-peer", metavar="COMMAND", default=None,
                    help="run the shm-signal conformance suite against this peer command")
    group.addoption("--shm-signal-quick", action="store_true", default=False,
                    help="small stress counts (as check-peer --quick)")
    group.addoption("--shm-signal-timeout", type=float, default=10.0, metavar="SECONDS",
                    help="seconds to wait for one reply before the peer counts as hung (default 10)")
    group.addoption("--shm-signal-engine", action="append", choices=("py", "c"), default=None,
                    help="reference engine(s) to run against (repeatable; default both)")
    group.addoption("--shm-signal-stress-injects", type=int, default=None, metavar="N",
                    help="injects per stress case")
    group.addoption("--shm-signal-fuzz", type=int, default=0, metavar="N",
                    help="also fuzz the peer's validator with N mutated descriptors (case fuzz.validator)")
    group.addoption("--shm-signal-fuzz-seed", type=int, default=0, metavar="S",
                    help="the seed of those inputs")
    group.addoption("--shm-signal-fuzz-corpus", default="shm-signal-peer-fuzz.json", metavar="FILE",
                    help="where the inputs the peer disagrees on are saved")
    group.addoption("--shm-signal-fuzz-replay", default=None, metavar="FILE",
                    help="hand the peer the inputs of a saved corpus")


def _item_classes() -> Any:
    """The Collector and Item classes, built on first use (pytest imported lazily)."""
    if "classes" in _STATE:
        return _STATE["classes"]
    # through importlib: typed as Any, so mypy on abi/ needs no pytest installed
    pytest: Any = importlib.import_module("pytest")

    from abi.conformance import check_peer, report

    class ConformanceFailure(Exception):
        def __init__(self, res: check_peer.CaseResult) -> None:
            super().__init__(res.message)
            self.res = res

    class ConformanceItem(pytest.Item):
        def __init__(self, *, case: check_peer.Case, **kw: Any) -> None:
            super().__init__(**kw)
            self.case = case

        def runtest(self) -> None:
            suite = _STATE["suite"]
            res = suite.run_case(self.case)
            if res.status == "skipped":
                pytest.skip(res.message)
            if res.status == "failed":
                raise ConformanceFailure(res)
            if res.status == "advisory":  # a SHOULD the peer does not meet: shown, never a failure
                warnings.warn(f"shm-signal advisory: {res.name}: {res.message}", stacklevel=1)

        def repr_failure(self, excinfo: Any, style: Optional[str] = None) -> Any:
            if isinstance(excinfo.value, ConformanceFailure):
                res = excinfo.value.res
                return "\n".join([f"{res.name}: FAIL", *report.failure_lines(res)])
            return super().repr_failure(excinfo)

        def reportinfo(self) -> Any:
            return "shm-signal", None, f"shm-signal conformance: {self.case.name}"

    class ConformanceSuite(pytest.Collector):
        def collect(self) -> List[Any]:
            suite = _STATE["suite"]
            return [ConformanceItem.from_parent(self, name=c.name, case=c) for c in suite.selected()]

    _STATE["classes"] = (ConformanceSuite, ConformanceItem)
    return _STATE["classes"]


def pytest_configure(config: Any) -> None:
    command = config.getoption("shm_signal_peer", None)
    if not command:
        return
    from abi.conformance import check_peer

    kw: Dict[str, Any] = {"timeout": config.getoption("shm_signal_timeout"),
                          "engines": tuple(config.getoption("shm_signal_engine") or ("py", "c"))}
    injects = config.getoption("shm_signal_stress_injects")
    if injects is not None:
        kw["stress_injects"] = injects
    for name in ("fuzz", "fuzz_seed", "fuzz_corpus", "fuzz_replay"):
        kw[name] = config.getoption(f"shm_signal_{name}")
    opts = (check_peer.Options.quick if config.getoption("shm_signal_quick") else check_peer.Options)(**kw)
    _STATE["suite"] = check_peer.Suite(shlex.split(command), opts)


def pytest_collection_modifyitems(session: Any, config: Any, items: List[Any]) -> None:
    if "suite" not in _STATE:
        return
    # This hook runs before pytest's own -k/-m deselection (plugins registered later are
    # called first), so -k selects among the conformance cases too.
    suite_cls, _ = _item_classes()
    collector = suite_cls.from_parent(session, name="shm-signal", nodeid="shm-signal")
    items.extend(collector.collect())


def pytest_unconfigure(config: Any) -> None:
    suite = _STATE.pop("suite", None)
    if suite is not None:
        suite.shutdown()
