"""shm-signal lint --structs SPEC (issue 17, item 2): the layout rules on a user's
structures (tests/structs/wire.py), each finding with the targets it shows on and the
fix.  The targets come from a model of platforms/*.json; here the model is held to
what the compilers say (the matrix's wire verdict) on the targets this machine can
compile for, and the fix is held to removing what it fixes without moving a byte."""

from __future__ import annotations

import ctypes
import json
from typing import Dict, List, Set

import pytest

from abi import exit_codes
from abi.verify import lint, matrix, platforms, structs
from conftest import ROOT, missing, run_cli

WIRE = ROOT / "tests" / "structs" / "wire.py"
STRUCTS_DIR = WIRE.parent


def _findings(spec: str) -> List[lint.Finding]:
    return lint.lint(structs.load(spec), platforms.load())


def test_implicit_padding_is_named_with_where_it_shows() -> None:
    [f] = _findings(f"{WIRE}:Gap")
    assert f.rule == "implicit-padding"
    assert f.message == "Gap: 4 byte(s) of implicit padding at offset 4, before b"
    assert "linux-i686" in f.targets and "cpython-i386" in f.targets
    assert not {"linux-x86_64", "windows-x86-msvc", "linux-armv7hf", "linux-aarch64"} & set(f.targets)


def test_abi_sized_types_are_read_from_the_source_not_the_aliased_class() -> None:
    by = {(f.rule, f.member): f for f in _findings(f"{WIRE}:Record")}
    assert ("abi-sized-type", "n") in by and "c_long" in by[("abi-sized-type", "n")].message
    assert "windows-x64-msvc" in by[("abi-sized-type", "n")].targets  # LLP64
    assert "windows-x64-msvc" not in by[("abi-sized-type", "ptr")].targets  # 8 there too
    assert ("abi-sized-type", "stamp") not in by  # c_uint64: the same class as c_ulong here


def test_bit_fields_are_findings() -> None:
    assert {f.member for f in _findings(f"{WIRE}:Bits") if f.rule == "bit-field"} == {"x", "y"}


def test_the_projects_own_descriptor_has_no_finding() -> None:
    assert _findings("abi.layout:STRUCTS") == []


@pytest.mark.parametrize("name", ["Gap", "Record", "Big"])
def test_the_fix_removes_the_findings_and_moves_no_byte(name: str) -> None:
    [cls] = structs.load(f"{WIRE}:{name}")
    ns: Dict[str, object] = {"ctypes": ctypes, "Inner": structs.load(f"{WIRE}:Inner")[0],
                             "Mixed": structs.load(f"{WIRE}:Mixed")[0]}
    exec(lint.fix(cls), ns)  # noqa: S102 (the text is the fix this test checks)
    fixed = ns[cls.__name__]
    assert ctypes.sizeof(fixed) == ctypes.sizeof(cls)
    for f in cls._fields_:
        assert getattr(fixed, f[0]).offset == getattr(cls, f[0]).offset, f[0]
    left = [x for x in lint.lint([fixed], platforms.load()) if x.rule == "implicit-padding"]
    assert left == []


COMPILED = ["linux-x86_64", "linux-i686", "linux-armv7hf", "linux-aarch64", "windows-x64-msvc",
            "windows-x86-msvc"]


@pytest.mark.parametrize("name", ["Gap", "Record"])
def test_the_model_agrees_with_the_compilers(name: str) -> None:
    """The targets lint says a structure is laid out otherwise on are those where the
    compiler, given the hand-written header, lays it out otherwise."""
    everything = platforms.load()
    targets = platforms.select(everything, COMPILED)
    classes = structs.load(f"{WIRE}:{name}")
    results = matrix.run(targets, everything, STRUCTS_DIR, structs=classes, header="wire.h")
    for r in results:
        if r.status == "skipped":
            missing(f"{r.target.name}: {r.reason}")
    compilers: Set[str] = {r.target.name for r in results if "MISMATCH" in r.structs.values()}
    model = {t for f in lint.lint(classes, targets) for t in f.targets}
    assert model == compilers, (model, compilers)


def test_the_command_line() -> None:
    proc = run_cli("lint", "--structs", f"{WIRE}:Gap", "--json")
    assert proc.returncode == exit_codes.OK
    doc = json.loads(proc.stdout)
    assert doc["findings"][0]["rule"] == "implicit-padding"
    assert "('_pad0', (ctypes.c_uint8 * 4))" in doc["fixes"]["Gap"]
    assert run_cli("lint", "--structs", f"{WIRE}:Gap", "--strict").returncode == exit_codes.LINT_FINDINGS
    assert run_cli("lint", "--structs", "abi.layout:STRUCTS", "--strict").returncode == exit_codes.OK
    assert run_cli("lint", "--structs", f"{WIRE}:Nope").returncode == exit_codes.STRUCTS_UNUSABLE
