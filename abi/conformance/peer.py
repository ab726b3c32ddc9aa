"""The Python reference peer: the line protocol of docs/spec.md section 13.

    python -m abi.peer              # drives abi.engine.Channel (the Python engine)
    python -m abi.peer --engine c   # the same protocol over the C engine (abi.c_engine)

One command per line on stdin, exactly one reply line on stdout: ``ok [key=value...]``
or ``err CODE NAME message``.  Exit status 0 after ``quit`` or end of input, 2 for a
bad command line.

Over 400 lines: one method per command of spec 13.2, each a few lines over the
engine's API.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from typing import Any, Callable, Dict, List, Optional, TextIO, Tuple

from abi.conformance import stream
from abi.engine import ring
from abi.engine.interface import ChannelInterface
from abi.engine.native import NativeLibraryError
from abi.faults import Fault, ShmSignalFault

PROTOCOL = 1
MAX_LINE = 4096
MAX_PING = 10_000_000

# Protocol codes (spec 13.3); fault codes 1-18 pass through.
USAGE, NO_CHANNEL, SYSTEM, EXISTS, TIMEOUT, NOTIFIER = 100, 101, 102, 103, 104, 105
CODE_NAMES = {USAGE: "USAGE", NO_CHANNEL: "NO_CHANNEL", SYSTEM: "SYSTEM", EXISTS: "EXISTS",
              TIMEOUT: "TIMEOUT", NOTIFIER: "NOTIFIER"}


class PeerError(Exception):
    """A command refused with a protocol code (100+) or a fault code."""

    def __init__(self, code: int, message: str, name: Optional[str] = None) -> None:
        super().__init__(message)
        self.code = code
        self.name = name or CODE_NAMES.get(code) or Fault(code).name


def _u64(text: str) -> int:
    value = int(text, 0)
    if not 0 <= value < 2**64:
        raise ValueError(text)
    return value


def _seconds(text: str) -> float:
    """SECONDS (spec 13.1): a decimal fraction, negative for no limit; never NaN."""
    value = float(text)
    if math.isnan(value):
        raise ValueError(text)
    return value


def _pair(text: str, conv: Callable[[str], int]) -> Tuple[int, int]:
    """Two comma-separated numbers: north's, then south's."""
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError(text)
    return conv(parts[0]), conv(parts[1])


def _spin(text: str) -> Any:
    """spin=auto, or finite seconds >= 0."""
    if text == "auto":
        return text
    value = float(text)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(text)
    return value


OPTION_TYPES: Dict[str, Callable[[str], Any]] = {
    "offset": _u64, "size": _u64, "features": _u64, "required": _u64, "pid": _u64, "max": _u64,
    "exist_ok": _u64, "echo": _u64, "timeout": _seconds, "instance": bytes.fromhex, "spin": _spin,
    "min": _u64, "pause": _u64, "rings": lambda t: _pair(t, _u64), "ring_max": lambda t: _pair(t, _u64),
}
RING_ROLES = ("producer", "consumer")
RING_STREAM_TIMEOUT = 10.0  # ring_stream and ring_check: per message (spec 13.2)


def parse_options(tokens: List[str]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for tok in tokens:
        key, eq, value = tok.partition("=")
        if not eq:
            raise PeerError(USAGE, f"expected key=value, got '{tok}'")
        if key not in OPTION_TYPES:
            raise PeerError(USAGE, f"unknown option '{key}'")
        try:
            out[key] = OPTION_TYPES[key](value)
        except ValueError:
            raise PeerError(USAGE, f"bad value for {key}: '{value}'") from None
    if "instance" in out and len(out["instance"]) != 16:
        raise PeerError(USAGE, "instance must be 32 hex digits")
    return out


def _num(tokens: List[str], i: int, conv: Callable[[str], Any], usage: str, default: Any = None) -> Any:
    if i >= len(tokens):
        if default is None:
            raise PeerError(USAGE, usage)
        return default
    try:
        return conv(tokens[i])
    except ValueError:
        raise PeerError(USAGE, usage) from None


class Peer:
    """State of one peer process: at most one open channel."""

    def __init__(self, engine: str = "python") -> None:
        self.engine = engine
        self.ch: Any = None
        self.path = ""
        self.rings: Dict[str, Any] = {}  # role: RingSender or RingReceiver (spec 13.2)
        self.calls = 0
        self.rng = random.Random(0x5EED)
        if engine == "c":
            from abi.engine import c_channel as c_engine

            self._cls: Any = c_engine.CChannel
            self._supported = c_engine.supported_features
        else:
            from abi.engine import channel as py_engine
            from abi.engine.wake import supported_features

            self._cls = py_engine.Channel
            self._supported = supported_features

    def _count(self) -> None:
        self.calls += 1

    def _need(self) -> ChannelInterface:
        if self.ch is None:
            raise PeerError(NO_CHANNEL, "no channel: create or attach first")
        return self.ch

    # ----------------------------------------------------------- commands

    def cmd_hello(self, args: List[str]) -> str:
        return f"protocol={PROTOCOL} impl={self.engine} features=0x{self._supported():x}"

    def cmd_create(self, args: List[str]) -> str:
        if len(args) < 2:
            raise PeerError(USAGE, "create PATH LOCALITY [key=value...]")
        loc = _num(args, 1, _u64, "create PATH LOCALITY [key=value...]")
        o = parse_options(args[2:])
        if self.ch is not None:
            raise PeerError(USAGE, "a channel is open: close it first")
        self.ch = self._cls.create(args[0], loc, offset=o.get("offset", 0), size=o.get("size") or None,
                                   features=o.get("features"), required=o.get("required", 0),
                                   exist_ok=bool(o.get("exist_ok")), notifier=self._count,
                                   instance_id=o.get("instance"), pid=o.get("pid"),
                                   spin=o.get("spin", "auto"),
                                   **{k: o[k] for k in ("rings", "ring_max") if k in o})
        self.path = args[0]
        return f"locality={self.ch.locality}"

    def cmd_attach(self, args: List[str]) -> str:
        if not args:
            raise PeerError(USAGE, "attach PATH [key=value...]")
        o = parse_options(args[1:])
        if self.ch is not None:
            raise PeerError(USAGE, "a channel is open: close it first")
        t = o.get("timeout", 0.0)
        self.ch = self._cls.attach(args[0], offset=o.get("offset", 0), timeout=None if t < 0 else t,
                                   features=o.get("features"), notifier=self._count, pid=o.get("pid"),
                                   spin=o.get("spin", "auto"))
        self.path = args[0]
        return f"locality={self.ch.locality} features=0x{self.ch.features or 0:x}"

    def cmd_features(self, args: List[str]) -> str:
        f = self._need().features
        return "features=none" if f is None else f"features=0x{f:x}"

    def cmd_wait_peer(self, args: List[str]) -> str:
        t = _num(args, 0, float, "wait_peer SECONDS")
        limit = None if t < 0 else t  # negative: no limit (spec 13.1)
        return f"attached={int(bool(self._need().wait_for_peer(limit)))}"

    def cmd_enable(self, args: List[str]) -> str:
        return f"calls={self._need().enable()}"

    def cmd_disable(self, args: List[str]) -> str:
        self._need().disable()
        return ""

    def _pause(self, max_us: int) -> None:
        # Mostly short busy pauses, now and then a long one (spec 13.2, "inject").
        us = 200.0 if self.rng.randrange(1000) == 0 else float(self.rng.randint(0, max_us))
        end = time.perf_counter() + us * 1e-6
        while time.perf_counter() < end:
            pass

    def cmd_inject(self, args: List[str]) -> str:
        usage = "inject [N [PAUSE_US]]"
        count = _num(args, 0, _u64, usage, 1)
        pause = _num(args, 1, _u64, usage, 0)
        ch = self._need()
        notified = 0
        inject = ch.inject
        for i in range(count):
            if i and pause:
                self._pause(pause)
            notified += bool(inject())
        return f"notified={notified}"

    def cmd_wakeup(self, args: List[str]) -> str:
        budget = _num(args, 0, _u64, "wakeup [BUDGET]", 0)
        ch = self._need()
        calls = ch.wakeup(budget or None)
        return f"calls={calls} more={int(bool(ch.more_work))}"

    def _wait(self, timeout: float) -> bool:
        """Spec 7.5: ready as soon as the own dirty or pending is set, enabled or not."""
        ch = self._need()
        deadline = time.monotonic() + timeout if timeout >= 0 else None
        while True:
            flags = ch.flags()
            if flags["dirty"] or flags["pending"]:
                return True
            if flags["enabled"]:
                # the engine's own wait (both engines park a disabled owner, as spec 7.5 allows)
                return bool(ch.wait(None if deadline is None else max(0.0, deadline - time.monotonic())))
            # disabled: no notification will come; poll the word (the "no channel" mode)
            ch.check_peer()
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.001)

    def cmd_wait(self, args: List[str]) -> str:
        t = _num(args, 0, float, "wait SECONDS")
        return f"ready={int(self._wait(t))}"

    def cmd_ping(self, args: List[str]) -> str:
        usage = f"ping N TIMEOUT (1 <= N <= {MAX_PING})"
        rounds = _num(args, 0, _u64, usage)
        t = _num(args, 1, float, usage)
        if not 1 <= rounds <= MAX_PING:
            raise PeerError(USAGE, usage)
        ch = self._need()
        limit = None if t < 0 else t  # negative: no limit (spec 13.1)
        ns: List[int] = []
        clock = time.perf_counter_ns
        for i in range(rounds):
            t0 = clock()
            ch.inject()
            calls = 0
            while calls == 0:  # the answer is a dirty of our own
                if not ch.wait(limit):
                    raise PeerError(TIMEOUT, f"no answer to ping {i} within {t} s")
                calls = ch.wakeup()
            ns.append(clock() - t0)
        ns.sort()
        return f"rounds={rounds} median_ns={ns[rounds // 2]} p99_ns={ns[rounds * 99 // 100]}"

    def cmd_serve(self, args: List[str]) -> str:
        t = _num(args, 0, float, "serve TIMEOUT [echo=1] [max=N]")
        o = parse_options(args[1:])
        ch = self._need()
        limit = None if t < 0 else t  # negative: no limit (spec 13.1)
        wakeups = calls = echoes = 0
        closed = 0
        while True:
            try:
                ready = ch.wait(limit)
            except ShmSignalFault as exc:
                if exc.code != Fault.PEER_CLOSED:
                    raise
                calls += ch.wakeup()  # drain what the closing peer left
                closed = 1
                break
            if not ready:
                break
            c = ch.wakeup()
            wakeups += 1
            calls += c
            if o.get("echo") and c:
                ch.inject()
                echoes += 1
            if o.get("max") and calls >= o["max"]:
                break
        return f"closed={closed} wakeups={wakeups} calls={calls} echoes={echoes}"

    def cmd_stats(self, args: List[str]) -> str:
        s = dict(self._need().stats)
        s.setdefault("late", 0)
        keys = ["injects", "notifications", "wakeups", "notifier_calls", "parks", "late"]
        return " ".join(f"{k}={s.get(k, 0)}" for k in keys)

    def cmd_dump(self, args: List[str]) -> str:
        return str(self._need().descriptor_bytes().hex())

    # ----------------------------------------------------------- message rings (15)

    def _file(self) -> Any:
        """The channel's whole file as a writable buffer (a ring lies anywhere in it)."""
        ch: Any = self._need()
        if self.engine == "c":
            return ch.data(0, os.stat(self.path).st_size)
        return ch.buffer

    def cmd_ring_create(self, args: List[str]) -> str:
        usage = "ring_create OFFSET CAPACITY [max=N]"
        offset, capacity = _num(args, 0, _u64, usage), _num(args, 1, _u64, usage)
        o = parse_options(args[2:])
        buf = self._file()
        max_message = o.get("max", capacity - ring.RECORD_HEADER)
        if self.engine == "c":
            from abi.engine.c_ring import CRing

            CRing.init(buf, offset, capacity, max_message)
        else:
            ring.create(buf, offset, capacity, max_message)
        return ""

    def cmd_ring_open(self, args: List[str]) -> str:
        usage = "ring_open OFFSET|channel producer|consumer"
        offset = 0 if args[:1] == ["channel"] else _num(args, 0, _u64, usage)
        if len(args) != 2 or args[1] not in RING_ROLES:
            raise PeerError(USAGE, usage)
        role, ch = args[1], self._need()
        old = self.rings.pop(role, None)  # replaced, even when the new one is refused
        if old is not None:
            old.close()
        if args[0] == "channel":  # the channel's own ring of that role (15.6)
            side: Any = ch.ring(role)
        elif self.engine == "c":
            from abi.engine.c_ring import CRing

            side = CRing(self._file(), offset, role)
        else:
            side = (ring.Producer if role == "producer" else ring.Consumer)(self._file(), offset)
        self.rings[role] = ring.RingSender(ch, side=side) if role == "producer" else \
            ring.RingReceiver(ch, side=side)
        return f"capacity={side.capacity} max={side.max_message}"

    def _ring(self, role: str) -> Any:
        self._need()
        if role not in self.rings:
            raise PeerError(USAGE, f"no {role} side open: ring_open OFFSET {role} first")
        return self.rings[role]

    @staticmethod
    def _limit(o: Dict[str, Any], default: float) -> Optional[float]:
        t = o.get("timeout", default)
        return None if t < 0 else t  # negative: no limit (spec 13.1)

    def cmd_ring_send(self, args: List[str]) -> str:
        if not args:
            raise PeerError(USAGE, "ring_send HEX|- [timeout=SECONDS]")
        tx = self._ring("producer")
        try:
            data = b"" if args[0] == "-" else bytes.fromhex(args[0])
        except ValueError:
            raise PeerError(USAGE, f"not hex: '{args[0][:40]}'") from None
        return f"sent={int(tx.send(data, self._limit(parse_options(args[1:]), 0.0)))}"

    def cmd_ring_recv(self, args: List[str]) -> str:
        rx = self._ring("consumer")
        msg = rx.recv(self._limit(parse_options(args), 0.0))
        return "got=0" if msg is None else f"got=1 data={msg.hex() or '-'}"

    def _stream_args(self, args: List[str], usage: str,
                     side: Any) -> Tuple[int, int, int, int, Dict[str, Any]]:
        count, seed = _num(args, 0, _u64, usage), _num(args, 1, _u64, usage)
        o = parse_options(args[2:])
        largest = side.producer.max_message if hasattr(side, "producer") else side.consumer.max_message
        lo, hi = o.get("min", 0), o.get("max", largest)
        if not lo <= hi <= largest:
            raise PeerError(USAGE, f"min={lo} max={hi}: 0 <= min <= max <= max_message ({largest})")
        return count, seed, lo, hi, o

    def cmd_ring_stream(self, args: List[str]) -> str:
        tx = self._ring("producer")
        count, seed, lo, hi, o = self._stream_args(args, "ring_stream N SEED [min=A] [max=B] "
                                                    "[timeout=SECONDS] [pause=US]", tx)
        limit, pause = self._limit(o, RING_STREAM_TIMEOUT), o.get("pause", 0)
        for i in range(count):
            if i and pause:
                self._pause(pause)
            if not tx.send(stream.message(seed, i, lo, hi), limit):
                raise PeerError(TIMEOUT, f"message {i} of {count} not sent within {limit} s (the ring "
                                         "stayed full)")
        return f"sent={count}"

    def cmd_ring_check(self, args: List[str]) -> str:
        rx = self._ring("consumer")
        count, seed, lo, hi, o = self._stream_args(args, "ring_check N SEED [min=A] [max=B] "
                                                    "[timeout=SECONDS]", rx)
        limit = self._limit(o, RING_STREAM_TIMEOUT)
        for i in range(count):
            msg = rx.recv(limit)
            if msg is None:
                raise PeerError(TIMEOUT, f"message {i} of {count} not received within {limit} s")
            if msg != stream.message(seed, i, lo, hi):
                return f"received={i} bad={i}"
        return f"received={count}"

    def _drop_rings(self) -> None:
        for side in self.rings.values():
            side.close()
        self.rings.clear()

    def cmd_close(self, args: List[str]) -> str:
        ch = self._need()
        self._drop_rings()
        ch.close()
        self.ch = None
        return ""

    def cmd_quit(self, args: List[str]) -> str:
        if self.ch is not None:
            self._drop_rings()
            self.ch.close()
            self.ch = None
        return ""

    # ----------------------------------------------------------- dispatch

    def handle(self, line: str) -> str:
        tokens = line.split()
        if not tokens:
            return _err(USAGE, "USAGE", "empty command")
        fn = getattr(self, "cmd_" + tokens[0], None) if tokens[0].isidentifier() else None
        if fn is None:
            return _err(USAGE, "USAGE", f"unknown command '{tokens[0]}'")
        try:
            rest = fn(tokens[1:])
        except PeerError as exc:
            return _err(exc.code, exc.name, str(exc))
        except ShmSignalFault as exc:
            detail = (f"field={exc.field} offset={exc.offset if exc.offset is not None else -1} "
                      f"expected={exc.expected if exc.expected is not None else '-'} "
                      f"actual={exc.actual if exc.actual is not None else '-'}: ")
            return _err(int(exc.code), exc.code.name, detail + str(exc))
        except FileExistsError as exc:
            return _err(EXISTS, "EXISTS", str(exc))
        except FileNotFoundError as exc:
            return _err(TIMEOUT, "TIMEOUT", f"no file to attach to: {exc}")
        except (OSError, NativeLibraryError) as exc:  # no libshm_signal for --engine c
            return _err(SYSTEM, "SYSTEM", str(exc))
        except (ValueError, TypeError) as exc:
            return _err(USAGE, "USAGE", str(exc))
        return "ok" + (" " + rest if rest else "")


def _err(code: int, name: str, message: str) -> str:
    return f"err {code} {name} {' '.join(message.split())}"


def serve(inp: TextIO, out: TextIO, engine: str = "python") -> int:
    peer = Peer(engine)
    for line in inp:
        if len(line) > MAX_LINE:
            reply = _err(USAGE, "USAGE", f"line longer than {MAX_LINE - 1} bytes")
        else:
            reply = peer.handle(line)
        out.write(reply + "\n")
        out.flush()
        if line.split()[:1] == ["quit"]:
            return 0
    if peer.ch is not None:
        peer.cmd_quit([])  # end of input: leave cleanly
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abi.peer",
                                     description="shm-signal reference peer (docs/spec.md section 13)")
    parser.add_argument("--engine", choices=("python", "c"), default="python")
    args = parser.parse_args(argv)
    return serve(sys.stdin, sys.stdout, args.engine)


if __name__ == "__main__":
    sys.exit(main())
