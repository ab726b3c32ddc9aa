"""The C engine's shm_signal_wait_any for C users: the test program
abi/c_reference/shm_signal_wait_any_test.c against a peer process (natively here;
as Windows programs under wine in tests/test_windows_wine.py), and the binding
abi.engine.c_channel.c_wait_any across processes with either engine as the peer."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from peer_harness import WARN
from test_waitset import Peer

import abi
from abi.engine.c_channel import WAIT_ANY_MAX, c_wait_any
from abi.engine.native import C_DIR, LIB_SOURCES
from abi.layout import DESC_SIZE
from conftest import ENGINES, missing

PROGRAM = "shm_signal_wait_any_test.c"


def build_wait_any_test(dest: Path, cc: List[str], suffix: str = "") -> Path:
    exe = dest / f"shm_signal_wait_any_test{suffix}"
    srcs = [str(C_DIR / s) for s in (PROGRAM, *LIB_SOURCES)]
    proc = subprocess.run([*cc, "-std=c11", "-O2", *WARN, f"-I{C_DIR}", *srcs, "-o", str(exe)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return exe


def run_pair(serve: List[str], inject: List[str], order: List[int], n: int,
             env: Optional[Dict[str, str]] = None) -> None:
    """Serve and inject at once (the program's own "go" orders them), and check the
    server saw exactly the signalled channels, in order, then every close."""
    args = [str(n), *map(str, order)]
    env = {**os.environ, **(env or {})}
    s = subprocess.Popen([*serve, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    i = subprocess.run([*inject, *args], capture_output=True, text=True, timeout=300, env=env)
    out, err = s.communicate(timeout=300)
    assert (i.returncode, i.stderr) == (0, ""), i.stderr
    assert (s.returncode, err) == (0, ""), err
    assert out.splitlines() == [f"ready {k}" for k in order] + [f"closed {n}"]


@pytest.fixture(scope="module")
def wait_any_program(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test program, built once for the module's cases."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler")
    assert cc is not None
    return str(build_wait_any_test(tmp_path_factory.mktemp("wait_any"), [cc]))


@pytest.mark.parametrize("n", [1, 40, WAIT_ANY_MAX])
def test_the_c_program_waits_on_many_channels(tmp_path: Path, n: int, wait_any_program: str) -> None:
    exe = wait_any_program
    path = str(tmp_path / "many.shm")
    run_pair([exe, "serve", path], [exe, "inject", path], sorted({n - 1, 0, n // 2}, reverse=True), n)


@pytest.fixture
def c_channels(request, tmp_path: Path):
    peer_engine, n = request.param
    path = tmp_path / "c.shm"
    chans = [abi.CChannel.create(path, 0, offset=i * DESC_SIZE, size=n * DESC_SIZE, exist_ok=True,
                                 liveness_interval=0.05) for i in range(n)]
    peer = Peer(peer_engine, path, n)
    for ch in chans:
        assert ch.wait_for_peer(10)
        ch.enable()
    try:
        yield chans, peer
    finally:
        peer.stop()
        for ch in chans:
            ch.close()


@pytest.mark.parametrize("c_channels", [(e, 5) for e in ENGINES], indirect=True, ids=ENGINES)
def test_the_binding_reports_the_injected_the_closed_and_the_dead(c_channels) -> None:
    chans, peer = c_channels
    assert c_wait_any(chans, 0) == [] and c_wait_any(chans, 0.05) == []
    peer.do("inject 4")
    assert c_wait_any(chans, 10) == [chans[4]]
    assert chans[4].poll(0) == 1
    peer.do("inject 1")
    peer.do("inject 3")
    assert c_wait_any(chans, 10) == [chans[1], chans[3]]
    chans[1].poll(0)
    chans[3].poll(0)
    peer.do("close 2")
    assert c_wait_any(chans, 10) == [chans[2]]
    with pytest.raises(abi.PeerClosed):
        for _ in range(3):
            chans[2].poll(0)
    rest = [chans[0], chans[1], chans[3], chans[4]]
    peer.do("die", answer=False)
    peer.proc.wait(10)
    found: List[abi.CChannel] = []
    for _ in range(100):  # the dead peer's channels are all reported, within liveness checks
        found = c_wait_any(rest, 10)
        if found == rest:
            break
        for ch in found:
            ch.wakeup()
    assert found == rest
    with pytest.raises(abi.PeerDead):
        rest[0].wait(0)


def test_the_binding_refuses_bad_arguments(tmp_path: Path) -> None:
    with abi.CChannel.create(tmp_path / "x.shm", 0) as ch:
        with pytest.raises(ValueError, match="1 to 64 channels"):
            c_wait_any([], 0)
        with pytest.raises(ValueError, match="channel 1 is channel 0 again"):
            c_wait_any([ch, ch], 0)
        with pytest.raises(ValueError, match="timeout"):
            c_wait_any([ch], float("nan"))
    with pytest.raises(ValueError, match="closed"):
        c_wait_any([ch], 0)
