"""The README's code examples work as written (item 5 of issue 16).

Every ```python block of the README and docs/ at least compiles; the ones that make
a program are run (in two processes where the example is two), with only the shared
file's path replaced by a temporary one, and their output is what the README says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import pytest

from conftest import ROOT

BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> List[str]:
    return [textwrap.dedent(m.group(2)) for m in BLOCK.finditer(path.read_text())]


def readme_block(first_line: str) -> str:
    found = [b for b in blocks(ROOT / "README.md") if b.startswith(first_line)]
    assert len(found) == 1, f"the README has {len(found)} blocks starting {first_line!r}"
    return found[0]


def run(code: str, path: Path, old: str) -> subprocess.Popen[str]:
    assert old in code, f"the example no longer uses {old}"
    return subprocess.Popen([sys.executable, "-c", code.replace(old, str(path))], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_every_python_block_compiles():
    n = 0
    for doc in DOCS:
        for i, code in enumerate(blocks(doc)):
            compile(code, f"{doc.name} block {i}", "exec")
            n += 1
    assert n >= 4


def test_the_two_process_example_signals_both_ways(tmp_path):
    """As a new user would run it: A, then B, in two processes.  Each prints that
    it was signalled; neither hangs, raises or injects into a closed peer."""
    path = tmp_path / "demo"
    a = run(readme_block("# process A"), path, "/dev/shm/demo")
    b = run(readme_block("# process B"), path, "/dev/shm/demo")
    out_b, err_b = b.communicate(timeout=60)
    out_a, err_a = a.communicate(timeout=60)
    shown = f"A: {a.returncode} {out_a!r} {err_a!r}\nB: {b.returncode} {out_b!r} {err_b!r}"
    assert (a.returncode, err_a, b.returncode, err_b) == (0, "", 0, ""), shown
    assert out_b.splitlines() == ["B signalled"], shown
    assert "A signalled" in out_a.splitlines(), shown


@pytest.mark.slow  # two processes, about a second (the fast tier's budget is a minute)
def test_the_many_channel_example_runs(tmp_path):
    """Nobody signals: a second of silence, then [] and a clean exit."""
    p = run(readme_block("from abi import Channel, PeerGone, WaitSet"), tmp_path / "many", "/dev/shm/many")
    out, err = p.communicate(timeout=60)
    assert (p.returncode, out, err) == (0, "", "")


@pytest.mark.slow  # two processes, about a second (the fast tier's budget is a minute)
def test_the_group_example_runs(tmp_path):
    p = run(readme_block("from abi import ChannelGroup"), tmp_path / "svc", "/dev/shm/svc")
    out, err = p.communicate(timeout=60)
    assert (p.returncode, out, err) == (0, "", "")


def test_the_ring_example_runs(tmp_path):
    p = run(readme_block("# message rings"), tmp_path / "rings", "/dev/shm/rings")
    out, err = p.communicate(timeout=60)
    assert (p.returncode, out, err) == (0, "", "")


def test_the_checks_catch_a_broken_example(tmp_path):
    """The runner reports an example that fails, and the extractor finds blocks."""
    p = run("import sys; sys.exit('boom /x')", tmp_path / "y", "/x")
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 1 and "boom" in err
    assert blocks(ROOT / "README.md")
