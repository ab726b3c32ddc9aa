"""Reference peers answer failures with an `err` line (spec 13), never a traceback
or a crash: the C engine's library cannot be loaded; a hostile peer shrinks the file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from peer_harness import PeerProc, build_c_peer, python_peer_argv

from abi import layout
from abi.faults import Fault
from abi.toolchain import find_c_compiler
from conftest import ROOT


def test_missing_library_is_an_err_line_not_a_traceback(tmp_path):
    env = {**os.environ, "SHM_SIGNAL_LIB": str(tmp_path / "missing.so")}
    proc = subprocess.run([sys.executable, "-m", "abi.peer", "--engine", "c"], input="hello\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.stdout.startswith("err 102 SYSTEM cannot load"), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


# "c" builds a peer of its own (the C guard is also in test_hostile_peer.py's fast tier)
@pytest.mark.parametrize("victim", ["py", pytest.param("c", marks=pytest.mark.slow)])
def test_a_peer_that_shrinks_the_file_does_not_kill_the_other_side(tmp_path, victim):
    """A hostile peer truncates the shared file: every access past the new end would
    raise SIGBUS.  The guard keeps the victim alive (the access reads zeros); from
    then on every operation reports fault MAPPING_TOO_SMALL (5), and the victim still
    closes and exits 0."""
    cc = find_c_compiler().argv
    argv = {"py": python_peer_argv(), "c": [str(build_c_peer(tmp_path / "c", cc))]}[victim]
    path = tmp_path / "chan"
    creator = PeerProc(python_peer_argv(), "creator", tmp_path)
    peer = PeerProc(argv, victim, tmp_path)
    try:
        creator.cmd(f"create {path} 0")
        peer.cmd(f"attach {path} timeout=10")
        peer.cmd("enable")
        creator.cmd("quit")
        os.truncate(path, 0)
        assert peer.cmd("dump")["_"] == "00" * layout.DESC_SIZE  # the vanished page reads as zeros
        assert peer.err("inject") == Fault.MAPPING_TOO_SMALL  # never into a private page, silently
        assert peer.err("wait 5") == Fault.MAPPING_TOO_SMALL
        assert peer.finish() == 0, peer.log()
    finally:
        creator.kill()
        peer.kill()
