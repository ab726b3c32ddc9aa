"""The Python reference peer answers every failure with an `err` line (spec 13),
never a traceback: here, the C engine's library cannot be loaded."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_missing_library_is_an_err_line_not_a_traceback(tmp_path):
    env = {**os.environ, "SHM_SIGNAL_LIB": str(tmp_path / "missing.so")}
    proc = subprocess.run([sys.executable, "-m", "abi.peer", "--engine", "c"], input="hello\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.stdout.startswith("err 102 SYSTEM cannot load"), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
