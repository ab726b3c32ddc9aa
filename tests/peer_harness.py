"""Driving reference peers (docs/spec.md section 13) as real processes.

``build_c_peer`` compiles ``shm_signal_peer.c`` with the engine (optionally with
ASan+UBSan, or for Windows with mingw-w64); :class:`PeerProc` runs any peer program,
sends commands and reads one reply line each with a timeout, so a hung peer fails
the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from abi.engine.native import LIB_SOURCES

ROOT = Path(__file__).resolve().parent.parent
C_DIR = ROOT / "abi" / "c_reference"
C_SOURCES = ["shm_signal_peer.c", *LIB_SOURCES]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"]
WARN = ["-Wall", "-Wextra", "-Werror"]


_built: Dict[Tuple[Tuple[str, ...], Tuple[str, ...], str], Path] = {}


def build_c_peer(dest: Path, cc: Sequence[str] = ("cc",), extra: Sequence[str] = (),
                 exe_suffix: str = "") -> Path:
    """Compile the C reference peer; raises RuntimeError with the compiler's output.
    The same compiler and flags again in this test run: the program built the first
    time (in that call's ``dest``), which the suite's modules then share."""
    key = (tuple(cc), tuple(extra), exe_suffix)
    if key in _built and _built[key].exists():
        return _built[key]
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / f"shm_signal_peer{exe_suffix}"
    cmd = [*cc, "-std=c11", "-O2", *WARN, *extra, f"-I{C_DIR}", *(str(C_DIR / s) for s in C_SOURCES),
           "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    _built[key] = out
    return out


def python_peer_argv() -> List[str]:
    return [sys.executable, "-m", "abi.peer"]


class PeerError(AssertionError):
    pass


class PeerProc:
    """One peer process.  ``cmd`` returns the parsed ``ok`` reply; ``err`` expects an
    ``err`` reply and returns its code."""

    def __init__(self, argv: Sequence[str], name: str, log_dir: Path,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.name = name
        self.stderr_path = log_dir / f"{name}.stderr"
        self._stderr = open(self.stderr_path, "w")  # noqa: SIM115 -- open as long as the process
        self.proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, text=True, bufsize=1, cwd=ROOT,
                                     env={**os.environ, **(env or {})})
        self.lines: queue.Queue[Optional[str]] = queue.Queue()
        self.transcript: List[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.transcript.append("> " + line)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def reply(self, timeout: float = 30.0) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise PeerError(f"{self.name}: no reply within {timeout} s\n{self.log()}") from None
        if line is None:
            raise PeerError(f"{self.name}: exited ({self.proc.wait()}) without replying\n{self.log()}")
        self.transcript.append("< " + line)
        return line

    def raw(self, line: str, timeout: float = 30.0) -> str:
        self.send(line)
        return self.reply(timeout)

    def cmd(self, line: str, timeout: float = 30.0) -> Dict[str, str]:
        r = self.raw(line, timeout)
        if not (r == "ok" or r.startswith("ok ")):
            raise PeerError(f"{self.name}: {line!r} -> {r!r}\n{self.log()}")
        return parse_ok(r)

    def err(self, line: str, timeout: float = 30.0) -> int:
        r = self.raw(line, timeout)
        if not r.startswith("err "):
            raise PeerError(f"{self.name}: {line!r} should fail, got {r!r}\n{self.log()}")
        return int(r.split()[1])

    def log(self) -> str:
        if not self._stderr.closed:  # finish() closes it; the log is read after that too
            self._stderr.flush()
        err = self.stderr_path.read_text(errors="replace")[-4000:]
        return "\n".join(self.transcript[-30:]) + (f"\n[stderr]\n{err}" if err.strip() else "")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def finish(self, timeout: float = 30.0) -> int:
        """quit, and the exit status (0 expected); kills a peer that does not leave."""
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=timeout)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self._stderr.close()
        return self.proc.wait()


def parse_ok(reply: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for tok in reply.split()[1:]:
        key, eq, value = tok.partition("=")
        out[key if eq else "_"] = value if eq else key
    return out


def record(hexdump: str, locality: int) -> Dict[str, int]:
    """Flags, state and notify_count of one record, from a ``dump`` reply."""
    b = bytes.fromhex(hexdump)
    r = 64 + 64 * locality
    return {"enabled": b[r], "pending": b[r + 1], "dirty": b[r + 2],
            "state": int.from_bytes(b[r + 4:r + 8], "little"),
            "notify_count": int.from_bytes(b[r + 16:r + 24], "little")}
