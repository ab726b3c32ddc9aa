"""The liveness locks' ``struct flock`` (abi/engine/liveness.py) against the C headers:
natively on this machine, and at compile time for macOS and FreeBSD, where the
classic-lock path runs (docs/spec.md section 9).  One description drives both: the
static assertions are generated from the Python layout."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from abi.engine import liveness
from conftest import missing, require_tool


def _asserts(offsets: Dict[str, int]) -> str:
    lines = ["#include <fcntl.h>", "#include <stddef.h>"]
    for name, off in offsets.items():
        lines.append(f'_Static_assert(offsetof(struct flock, {name}) == {off}, "{name} at {off}");')
    lines.append(f'_Static_assert(sizeof(struct flock) <= {liveness.FLOCK_BUFFER}, "buffer too small");')
    return "\n".join(lines) + "\n"


def _zig() -> List[str]:
    if importlib.util.find_spec("ziglang") is None:
        missing("the ziglang package (pip install ziglang) is not installed")
    return [sys.executable, "-m", "ziglang", "cc"]


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="Linux only: the Linux layout is checked against this machine's own header "
                           "(the macOS and BSD layouts against zig's targets)")
def test_linux_layout_matches_the_native_header(tmp_path: Path) -> None:
    cc = require_tool("cc")
    src = tmp_path / "flock.c"
    header = "#define _FILE_OFFSET_BITS 64\n#define _GNU_SOURCE\n"
    src.write_text(header + _asserts(liveness.flock_offsets("linux")))
    proc = subprocess.run([cc, "-std=c11", "-c", str(src), "-o", str(tmp_path / "flock.o")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("target", ["aarch64-macos", "x86_64-macos", "x86_64-freebsd"])
def test_bsd_layout_matches_the_target_header(tmp_path: Path, target: str) -> None:
    src = tmp_path / "flock.c"
    src.write_text(_asserts(liveness.flock_offsets("bsd")))
    cmd = [*_zig(), "-target", target, "-std=c11", "-c", str(src), "-o", str(tmp_path / "f.o")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_a_wrong_layout_is_caught(tmp_path: Path) -> None:
    """The check can fail: the Linux order against the macOS header."""
    src = tmp_path / "flock.c"
    src.write_text(_asserts(liveness.flock_offsets("linux")))
    proc = subprocess.run([*_zig(), "-target", "aarch64-macos", "-std=c11", "-c", str(src), "-o",
                           str(tmp_path / "f.o")], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "l_type at 0" in proc.stderr


def test_the_platform_picks_its_layout() -> None:
    assert liveness.flock_layout("linux") == "linux"
    assert liveness.flock_layout("darwin") == liveness.flock_layout("freebsd13") == "bsd"
