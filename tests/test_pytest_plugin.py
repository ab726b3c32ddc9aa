"""The pytest plugin (abi/conformance/pytest_plugin.py): pytest run in a subprocess with
``--shm-signal-peer`` collects one test per conformance case; the reference peer
passes them all, a broken peer fails the case named for its mistake; the plugin is
found through the ``pytest11`` entry point, and adds nothing without the option."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from abi.conformance import check_peer
from conftest import ROOT, missing

BROKEN = ROOT / "tests" / "broken_peers" / "broken_peer.py"


def _pytest(tmp_path: Path, args: List[str], env: Optional[Dict[str, str]] = None
            ) -> Tuple[subprocess.CompletedProcess, ET.Element]:
    """pytest in an empty directory (so only the plugin's items exist), from the
    checkout (so ``python -m abi.peer`` is this checkout's peer); returns the process
    and pytest's own JUnit report."""
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    xml = tmp_path / "pytest-report.xml"
    cmd = [sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(tmp_path),
           "-p", "no:cacheprovider", "-q", f"--junitxml={xml}", *args, str(empty)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    assert xml.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, ET.parse(xml).getroot()


def _case_names() -> List[str]:
    """The cases as the pytest subprocess sees them: its ``abi`` is the checkout's
    (cwd ROOT), which under tox may differ from the wheel this process imports."""
    proc = subprocess.run([sys.executable, "-m", "abi", "check-peer", "--list", "--engine", "py", "--", "x"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def _counts(root: ET.Element) -> Dict[str, int]:
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    return {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}


def _failed(root: ET.Element) -> List[str]:
    return [tc.get("name", "") for tc in root.iter("testcase") if tc.find("failure") is not None]


# -p no:shm_signal: when the entry point is installed too, the module would be
# registered twice (pytest refuses that).
EXPLICIT = ["-p", "no:shm_signal", "-p", "abi.conformance.pytest_plugin"]
# The plugin's mechanics are the same everywhere; the whole suite against the peers
# is run on Linux (tests/test_check_peer.py), elsewhere only the protocol cases.
LINUX = sys.platform.startswith("linux")
SUBSET = [] if LINUX else ["-k", "protocol"]


@pytest.mark.slow  # (a pytest run of its own, over the whole quick suite: about 2 s)
def test_reference_peer_passes_as_tests(tmp_path: Path) -> None:
    proc, root = _pytest(tmp_path, [*EXPLICIT, "--shm-signal-peer", f"{sys.executable} -m abi.peer",
                                    "--shm-signal-quick", "--shm-signal-engine", "py", *SUBSET])
    assert proc.returncode == 0, proc.stdout[-3000:]
    n = len([c for c in _case_names() if LINUX or c.startswith("protocol.")])
    assert _counts(root) == {"tests": n, "failures": 0, "errors": 0, "skipped": 0}
    assert re.search(rf"\b{n} passed\b", proc.stdout)


@pytest.mark.slow  # a pytester run of the semantics cases against a broken peer
@pytest.mark.skipif(not LINUX, reason="the broken peers are driven on Linux (tests/test_check_peer.py)")
def test_broken_peer_fails_the_named_test(tmp_path: Path) -> None:
    peer = f"{sys.executable} {BROKEN} --break never_clears_pending"
    proc, root = _pytest(tmp_path, [*EXPLICIT, "--shm-signal-peer", peer, "--shm-signal-quick",
                                    "--shm-signal-engine", "py", "-k", "semantics"])
    assert proc.returncode == 1
    n = len([c for c in _case_names() if c.startswith("semantics.")])
    counts = _counts(root)
    assert counts["tests"] == n and counts["errors"] == 0
    failed = _failed(root)
    assert "semantics.coalescing_reference_injects" in failed
    assert counts["failures"] == len(failed) < n  # the other semantics cases still pass
    # the failure shows the conformance report, first differing byte included
    assert "first differing byte: offset 65, field irq[0].pending, expected 0x00, actual 0x01" in proc.stdout


@pytest.mark.slow  # a 500-input fuzz case in a pytester run
def test_fuzz_option_adds_the_fuzz_case(tmp_path: Path) -> None:
    peer = f"{sys.executable} {BROKEN} --break desc_size_any"
    corpus = tmp_path / "corpus.json"
    proc, root = _pytest(tmp_path, [*EXPLICIT, "--shm-signal-peer", peer, "--shm-signal-engine", "py",
                                    "--shm-signal-fuzz", "500", "--shm-signal-fuzz-corpus", str(corpus),
                                    "-k", "fuzz"])
    assert proc.returncode == 1 and _failed(root) == ["fuzz.validator"], proc.stdout[-3000:]
    assert "reference: err 4 BAD_SIZE (desc_size)" in proc.stdout and corpus.exists()


@pytest.mark.slow  # a pytester run that collects nothing
def test_no_option_no_items(tmp_path: Path) -> None:
    proc, root = _pytest(tmp_path, EXPLICIT)
    assert _counts(root)["tests"] == 0
    assert proc.returncode == 5  # pytest: no tests collected


def test_pyproject_declares_the_entry_point() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.entry-points.pytest11]", 1)
    assert len(section) == 2, "no [project.entry-points.pytest11] in pyproject.toml"
    assert re.search(r'^shm_signal\s*=\s*"abi\.conformance\.pytest_plugin"', section[1], re.M)


@pytest.mark.slow  # a pytester run (the static entry-point check is fast)
def test_loaded_through_an_entry_point(tmp_path: Path) -> None:
    """pytest finds the plugin through a pytest11 entry point alone (no -p): a
    distribution's metadata declaring it, as pyproject.toml does, on the path."""
    site = tmp_path / "site"
    dist = site / "shm_signal_ep_probe-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shm-signal-ep-probe\nVersion: 0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nshm_signal = abi.conformance.pytest_plugin\n")
    env = {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc, root = _pytest(tmp_path, ["--shm-signal-peer", f"{sys.executable} -m abi.peer",
                                    "--shm-signal-quick", "--shm-signal-engine", "py", "-k", "protocol"],
                         env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    protocol = [n for n in check_peer.case_names(("py",)) if n.startswith("protocol.")]
    assert _counts(root)["tests"] == len(protocol) >= 3


def test_installed_distribution_has_the_entry_point() -> None:
    found = importlib.metadata.entry_points()
    group = found.select(group="pytest11") if hasattr(found, "select") else found.get("pytest11", [])  # 3.9
    eps = [ep for ep in group if ep.value == "abi.conformance.pytest_plugin"]
    if not eps:
        missing("the installed shm-signal has no pytest11 entry point (installed before it was added: "
                "pip install -e .)")
    assert eps[0].name == "shm_signal"
