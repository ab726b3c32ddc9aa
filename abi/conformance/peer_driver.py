"""Driving a peer program through the line protocol (docs/spec.md section 13).

:class:`PeerProcess` starts any program that speaks the protocol, writes one command
per line and reads one reply line per command with a timeout.  The peer is treated
as hostile: a reply that never comes, a process that exits, a line of garbage or a
flood of output each become a :class:`PeerFailure` the caller can report; nothing
the peer does can hang or crash the driver.  A peer that does not answer in time is
killed (with its process group, so helpers it started go too).
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

# Longest reply line kept; a peer printing more gets it cut here (dump is 387 bytes).
MAX_REPLY = 8192
# Transcript lines kept for reports.
TRANSCRIPT_KEEP = 200


class PeerFailure(Exception):
    """The peer broke the protocol: no reply in time, exited, or replied garbage."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "timeout", "exited", "protocol", "start"


@dataclass
class Reply:
    """One parsed reply line."""

    raw: str
    ok: bool
    values: Dict[str, str] = field(default_factory=dict)
    code: Optional[int] = None  # err replies
    name: str = ""
    message: str = ""

    @property
    def positional(self) -> List[str]:
        """Tokens after ``ok`` that are not key=value (``dump``'s hex string)."""
        return [t for t in self.raw.split()[1:] if "=" not in t]


def parse_reply(line: str) -> Reply:
    """Parse ``ok [k=v...]`` or ``err CODE NAME MESSAGE``; raise PeerFailure("protocol")."""
    tokens = line.split()
    if not tokens:
        raise PeerFailure("protocol", "empty reply line")
    if tokens[0] == "ok":
        values: Dict[str, str] = {}
        for tok in tokens[1:]:
            key, eq, value = tok.partition("=")
            if eq:
                values[key] = value
        return Reply(line, True, values)
    if tokens[0] == "err":
        if len(tokens) < 3 or not tokens[1].isdigit():
            raise PeerFailure("protocol",
                              f"malformed err reply {line[:200]!r} (want 'err CODE NAME MESSAGE')")
        return Reply(line, False, code=int(tokens[1]), name=tokens[2], message=" ".join(tokens[3:]))
    raise PeerFailure("protocol", f"reply is neither 'ok' nor 'err': {line[:200]!r}")


class PeerProcess:
    """One running peer.  ``request`` sends a command and returns its :class:`Reply`."""

    def __init__(self, argv: Sequence[str], *, cwd: Optional[str] = None,
                 env: Optional[Dict[str, str]] = None, name: str = "peer") -> None:
        self.argv = list(argv)
        self.name = name
        self.transcript: List[str] = []
        self.noted = 0  # lines ever noted (the transcript keeps the last TRANSCRIPT_KEEP)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the process
        self._lines: queue.Queue[Optional[str]] = queue.Queue()
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                cwd=cwd, env={**os.environ, **(env or {})},
                # own process group: a hung peer is killed with everything it started
                start_new_session=sys.platform != "win32")
        except OSError as exc:
            self._stderr.close()
            raise PeerFailure("start", f"cannot start {' '.join(self.argv)}: {exc}") from exc
        threading.Thread(target=self._read, name=f"{name}-stdout", daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                raw = out.readline(MAX_REPLY)
                if not raw:
                    break
                if not raw.endswith(b"\n"):
                    # over-long line: keep the head, drop the rest of it
                    while True:
                        more = out.readline(MAX_REPLY)
                        if not more or more.endswith(b"\n"):
                            break
                self._lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        self._lines.put(None)

    def _note(self, line: str) -> None:
        self.noted += 1
        self.transcript.append(line)
        if len(self.transcript) > TRANSCRIPT_KEEP:
            del self.transcript[:len(self.transcript) - TRANSCRIPT_KEEP]

    def transcript_since(self, mark: int) -> List[str]:
        """The lines noted since ``noted`` was ``mark`` (as many as are still kept)."""
        n = self.noted - mark
        return list(self.transcript[-n:]) if n > 0 else []

    # ------------------------------------------------------------------ I/O

    def send(self, line: str) -> None:
        """Write one command without waiting for the reply."""
        self._note("> " + line)
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            stdin.write(line.encode() + b"\n")
            stdin.flush()
        except (OSError, ValueError) as exc:
            raise PeerFailure("exited", f"cannot write to the peer ({exc}); "
                                        f"exit status {self.proc.poll()}") from exc

    def reply(self, timeout: float) -> Reply:
        """The next reply line; a peer that does not answer in ``timeout`` is killed."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self._note(f"< (no reply within {timeout:g} s: killed)")
            self.kill()
            raise PeerFailure("timeout", f"no reply within {timeout:g} s (the peer was killed)") from None
        if line is None:
            self._lines.put(None)  # stays at end of input for later calls
            status = self._wait_status()
            self._note(f"< (exited with status {status})")
            raise PeerFailure("exited", f"the peer exited (status {status}) without replying")
        self._note("< " + line)
        return parse_reply(line)

    def request(self, line: str, timeout: float = 10.0) -> Reply:
        self.send(line)
        return self.reply(timeout)

    # ------------------------------------------------------------------ lifetime

    def _wait_status(self) -> Optional[int]:
        try:
            return self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                if sys.platform != "win32":
                    os.killpg(self.proc.pid, signal.SIGKILL)
                else:
                    self.proc.kill()
            except OSError:
                pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def close(self, timeout: float = 5.0) -> Optional[int]:
        """``quit``, then the exit status; a peer that does not leave in time is killed."""
        if self.proc.poll() is None:
            try:
                self.send("quit")
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and self.proc.poll() is None:
                    time.sleep(0.01)
            except PeerFailure:
                pass
            if self.proc.poll() is None:
                self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        status = self.proc.poll()
        return status

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - limit))
            return self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def log(self, lines: int = 30) -> str:
        text = "\n".join(self.transcript[-lines:])
        err = self.stderr_tail().strip()
        return text + (f"\n[stderr]\n{err}" if err else "")

    def __enter__(self) -> PeerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        with contextlib.suppress(OSError):
            self._stderr.close()
