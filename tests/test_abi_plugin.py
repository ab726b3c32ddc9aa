"""The pytest plugin of the ABI suite (issue 17, item 4): ``pytest --abi-structs SPEC
--abi-header FILE`` adds a binding test per structure and a wire test per target and
structure, reported by pytest (JUnit included) like any test, in a real pytest run of
its own."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conftest import ROOT, missing

WIRE, HEADER = ROOT / "tests" / "structs" / "wire.py", ROOT / "tests" / "structs" / "wire.h"


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not any(e.value == "abi.verify.pytest_plugin" for e in entry_points(group="pytest11")):
        missing("the installed shm-signal registers no abi.verify.pytest_plugin (reinstall it)")
    (tmp_path / "test_nothing.py").write_text("")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)


@pytest.mark.slow  # (a pytest run of its own, about 1 s)
def test_one_test_per_structure_and_target_with_junit(tmp_path: Path) -> None:
    xml = tmp_path / "abi.xml"
    proc = _pytest(tmp_path, "--abi-structs", f"{WIRE}:Gap", "--abi-header", str(HEADER),
                   "--abi-target", "linux-x86_64", "--abi-target", "linux-i686", f"--junitxml={xml}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out  # Gap's bytes differ on linux-i686; ctypes there agrees with its C
    assert "abi-wire::linux-i686::Gap: MISMATCH" in out and "offset of Gap.b: 4 on linux-i686" in out, out
    assert "1 failed, 4 passed" in out, out
    # (pytest's JUnit splits a node id at its last "::": classname and name)
    cases = {f'{c.get("classname", "").lstrip(".")}::{c.get("name")}': c
             for c in ET.parse(xml).getroot().iter("testcase")}
    assert set(cases) == {"abi-binding::Gap", "abi-wire.linux-x86_64::Gap", "abi-wire.linux-i686::Gap",
                          "abi-binding.linux-x86_64::Gap", "abi-binding.linux-i686::Gap"}, cases
    assert cases["abi-wire.linux-i686::Gap"].find("failure") is not None
    assert all(cases[c].find("failure") is None for c in cases if c != "abi-wire.linux-i686::Gap")


@pytest.mark.slow  # (a pytest run of its own)
def test_a_binding_that_differs_on_a_target_fails_that_targets_binding_test(tmp_path: Path) -> None:
    """Bits: ctypes 3.9-3.13 packs bit-fields as MSVC does, so its binding fails on
    Linux and holds on Windows (MSVC's own rules)."""
    proc = _pytest(tmp_path, "--abi-structs", f"{WIRE}:Bits", "--abi-header", str(HEADER),
                   "--abi-target", "linux-x86_64", "--abi-target", "windows-x64-msvc", "-rA")
    out = proc.stdout + proc.stderr
    assert "abi-binding::linux-x86_64::Bits: MISMATCH" in out, out
    assert "binding: offset of Bits.z: 2 in linux-x86_64's C, 4 in linux-x86_64's ctypes" in out, out
    passed = [ln for ln in out.splitlines() if ln.startswith("PASSED")]
    assert any(ln.endswith("::abi-binding::windows-x64-msvc::Bits") for ln in passed), out
    assert "3 failed, 2 passed" in out, out  # (this machine, binding and wire on Linux; both on Windows)


def test_without_the_options_it_adds_nothing_and_half_of_them_is_a_usage_error(tmp_path: Path) -> None:
    proc = _pytest(tmp_path)
    assert proc.returncode == 5, proc.stdout  # no tests collected
    proc = _pytest(tmp_path, "--abi-structs", f"{WIRE}:Gap")
    assert proc.returncode == 4 and "go together" in proc.stderr, proc.stdout + proc.stderr
