"""The C engine on other targets, built with zig: compiled warning-free for macOS
(os_sync/__ulock path) and Windows, run under qemu-user on AArch64, 32-bit ARM and
big-endian s390x, and a big-endian s390x C peer talking to the native Python peer
over one file (futex wake-ups and OFD locks across the emulator boundary)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from peer_harness import C_DIR, PeerProc, python_peer_argv, record

from abi import layout
from abi.engine.native import lib_source_paths
from conftest import missing, require_tool

# cross compiles (zig) and engine tests under qemu: up to a minute a target (the slow tier only)
pytestmark = pytest.mark.slow

ENGINE = [str(p) for p in lib_source_paths()]


def _zig() -> List[str]:
    if importlib.util.find_spec("ziglang") is None:
        missing("the ziglang package (pip install ziglang) is not installed")
    return [sys.executable, "-m", "ziglang", "cc"]


def _zig_build(target: str, out: Path, sources: List[str], extra: List[str]) -> None:
    cmd = [*_zig(), "-target", target, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{C_DIR}",
           *extra, *sources, "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("target", ["x86_64-macos", "aarch64-macos", "x86_64-windows-gnu",
                                    "x86-windows-gnu", "x86-linux-gnu"])
def test_engine_compiles(tmp_path: Path, target: str) -> None:
    for i, source in enumerate(ENGINE):  # one object each: -c takes one source per -o
        _zig_build(target, tmp_path / f"e{i}.o", [source], ["-c"])


@pytest.mark.parametrize("target,qemu", [("aarch64-linux-musl", "qemu-aarch64"),
                                         ("arm-linux-musleabihf", "qemu-arm"),
                                         ("s390x-linux-musl", "qemu-s390x")])
def test_engine_test_program_runs(tmp_path: Path, target: str, qemu: str) -> None:
    emu = require_tool(qemu)
    exe = tmp_path / "shm_signal_test"
    _zig_build(target, exe, [str(C_DIR / "shm_signal_test.c"), *ENGINE], ["-static"])
    run = subprocess.run([emu, str(exe), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "all checks passed" in run.stdout, run.stdout + run.stderr


def test_big_endian_peer_talks_to_python(tmp_path: Path) -> None:
    emu = require_tool("qemu-s390x")
    exe = tmp_path / "peer-s390x"
    _zig_build("s390x-linux-musl", exe, [str(C_DIR / "shm_signal_peer.c"), *ENGINE], ["-static"])
    chan = tmp_path / "chan"
    py = PeerProc(python_peer_argv(), "py", tmp_path)
    be = PeerProc([emu, str(exe)], "s390x", tmp_path)
    try:
        assert be.cmd("hello")["impl"] == "c"
        # Without WAITER_FLAG: qemu-user emits no host barrier for a guest fence while the
        # guest has a single thread (TCG's mb is conditional on CF_PARALLEL), so the
        # emulated peer's F1/F5 are not real across processes; WAITER_FLAG skips the
        # kernel call that otherwise orders them. Every notification is then a syscall.
        # (GROUP_DOORBELL goes with it: it needs WAITER_FLAG; and a create without rings
        # never offers MESSAGE_RINGS.)
        no_waiter = int(py.cmd("hello")["features"], 16) & ~(layout.FEATURE_WAITER_FLAG
                                                             | layout.FEATURE_GROUP_DOORBELL
                                                             | layout.FEATURE_MESSAGE_RINGS)
        py.cmd(f"create {chan} 0 instance=00112233445566778899aabbccddeeff pid=1 features={no_waiter:#x}")
        assert int(be.cmd(f"attach {chan} timeout=10 pid=2")["features"], 16) == no_waiter
        assert py.cmd("wait_peer 10")["attached"] == "1"
        assert py.cmd("dump") == be.cmd("dump")  # one byte image, whatever the host order
        assert be.cmd("inject 3")["notified"] == "0"
        assert record(be.cmd("dump")["_"], 0)["dirty"] == 1
        py.cmd("enable")
        be.cmd("enable")
        be.send("serve 20 echo=1")
        assert py.cmd("ping 1000 10", 120)["rounds"] == "1000"
        r = py.cmd("inject 200000 1", 300)
        sent = py.cmd("stats")
        py.cmd("close")
        served = be.reply(60)
        assert served.startswith("ok closed=1"), served
        rec = record(be.cmd("dump")["_"], 1)
        assert rec["notify_count"] == int(sent["notifications"]) and int(r["notified"]) >= 1
        assert be.cmd("stats")["late"] == "0"
    finally:
        assert py.finish() == 0, py.log()
        assert be.finish() == 0, be.log()
