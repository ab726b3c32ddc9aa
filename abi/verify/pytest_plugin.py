"""pytest plugin: your structures through the ABI suite, as tests (issue 17, item 4).

Registered through the ``pytest11`` entry point, so wherever shm-signal is installed::

    pytest --abi-structs mypkg.wire --abi-header include/wire.h [--abi-target NAME ...]

adds, for every structure of the SPEC, one test of the binding on this machine
(``abi-binding::NAME``: ctypes against this machine's C compiler, byte images
included, as ``shm-signal verify --header --structs``) and two per target of the
platform matrix, its two verdicts (``abi-binding::TARGET::NAME``: that target's
ctypes against its C compiler; ``abi-wire::TARGET::NAME``: its C compiler against
ctypes here; as ``shm-signal matrix --header --structs``): a mismatch fails with
both values, a target whose tools are missing is skipped with the reason, and one
whose tools fail is an error.  pytest's own
``--junitxml`` reports them like any test.  Without ``--abi-structs`` the plugin adds
nothing.  pytest is imported only inside the hooks.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Dict, List, Optional

_STATE: Dict[str, Any] = {}


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("shm-signal-abi", "shm-signal ABI suite for your structures")
    group.addoption("--abi-structs", metavar="SPEC", default=None,
                    help="your ctypes structures: a module or a .py file, optionally :ATTRIBUTE")
    group.addoption("--abi-header", metavar="FILE", default=None, help="the C header declaring them")
    group.addoption("--abi-target", action="append", metavar="NAME", default=None,
                    help="a target of the platform matrix (repeatable; default: every target)")


def pytest_configure(config: Any) -> None:
    spec, header = config.getoption("abi_structs", None), config.getoption("abi_header", None)
    if not spec and not header:
        return
    pytest: Any = importlib.import_module("pytest")
    if not (spec and header):
        raise pytest.UsageError("--abi-structs and --abi-header go together")
    if not Path(header).is_file():
        raise pytest.UsageError(f"--abi-header {header}: no such file")
    from abi.verify import platforms, structs

    try:
        classes = structs.load(spec)
        everything = platforms.load()
        targets = platforms.select(everything, config.getoption("abi_target") or [])
    except (structs.StructsSpecError, platforms.TargetDataError, KeyError, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from exc
    _STATE.update(classes=classes, header=Path(header).resolve(), targets=targets, everything=everything)


def _results() -> Dict[str, Any]:
    """The matrix over every selected target, run once, at the first wire test."""
    if "results" not in _STATE:
        from abi.verify import matrix

        header: Path = _STATE["header"]
        runs = matrix.run(_STATE["targets"], _STATE["everything"], header.parent, structs=_STATE["classes"],
                          header=header.name, user=True)
        _STATE["results"] = {r.target.name: r for r in runs}
    return dict(_STATE["results"])


def _binding() -> Any:
    if "binding" not in _STATE:
        from abi.toolchain import find_c_compiler
        from abi.verify import binding

        _STATE["binding"] = binding.verify(_STATE["classes"], _STATE["header"], find_c_compiler())
    return _STATE["binding"]


def _item_classes() -> Any:
    if "item_classes" in _STATE:
        return _STATE["item_classes"]
    pytest: Any = importlib.import_module("pytest")

    class AbiMismatch(Exception):
        pass

    class AbiItem(pytest.Item):
        def __init__(self, *, c_name: str, target: Optional[str], verdict: str = "binding",
                     **kw: Any) -> None:
            super().__init__(**kw)
            self.c_name, self.target, self.verdict = c_name, target, verdict

        def runtest(self) -> None:
            if self.target is None:
                verdict = next(s for s in _binding().structs if s.c_name == self.c_name)
                if not verdict.ok:
                    raise AbiMismatch("\n".join(verdict.messages))
                return
            r = _results()[self.target]
            if r.status == "skipped":
                pytest.skip(f"{self.target}: {r.reason}")
            if r.status == "error":
                raise AbiMismatch(f"{self.target}: the tools failed, no verdict: {r.reason}")
            said = r.verdicts.get(self.c_name, {}).get(self.verdict)
            if said == "not modelled":
                pytest.skip(f"{self.target}: " + "; ".join(n for n in r.notes if self.c_name in n))
            if said == "MISMATCH":
                mine = [d for d in r.differences if d.startswith(f"{self.verdict}:")
                        and (f" {self.c_name}." in d or f" {self.c_name}:" in d or f" {self.c_name} " in d)]
                raise AbiMismatch("\n".join(mine or r.differences))

        def repr_failure(self, excinfo: Any, style: Optional[str] = None) -> Any:
            if isinstance(excinfo.value, AbiMismatch):
                return f"{self.name}: MISMATCH\n{excinfo.value}"
            return super().repr_failure(excinfo)

        def reportinfo(self) -> Any:
            return "shm-signal-abi", None, self.name

    _STATE["item_classes"] = AbiItem
    return AbiItem


def pytest_collection_modifyitems(session: Any, config: Any, items: List[Any]) -> None:
    if "classes" not in _STATE:
        return
    from abi import layout

    item_cls = _item_classes()
    for cls in _STATE["classes"]:
        name = layout.c_name(cls)
        items.append(item_cls.from_parent(session, name=f"abi-binding::{name}", c_name=name, target=None))
        for t in _STATE["targets"]:
            for verdict in ("binding", "wire"):
                items.append(item_cls.from_parent(session, name=f"abi-{verdict}::{t.name}::{name}",
                                                  c_name=name, target=t.name, verdict=verdict))


def pytest_unconfigure(config: Any) -> None:
    _STATE.clear()
