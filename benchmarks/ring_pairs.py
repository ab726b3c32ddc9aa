"""Every pairing of engines across two processes through a message ring (issue 18):
a producer peer sends the message stream of spec 13.6, a consumer peer compares
every message with the stream, over one file.

    python benchmarks/ring_pairs.py [--messages N] [--max-size B] [--capacity C]
                                    [--pause US] [--pairs py:c,c:c,...] [--json]

Peers (spec 13, the reference peers): ``py`` is the Python engine
(``python -m abi.peer``), ``pyc`` the Python peer over the C engine, ``c`` the C
reference peer.  A pairing passes when the consumer answers ``received=N``: every
message arrived once, in order, byte for byte (nothing lost, duplicated, reordered
or altered); any other answer fails the run (exit status 1).  Sizes are random from
0 to ``--max-size``; ``--pause`` makes the producer pause before each message for a
random time (13.2, ``inject``), so that the consumer both races with it and parks.

The table gives messages per second, first byte to last (both processes start,
then the stream), with both processes on the machine's CPUs as the OS places them.
Defaults: 10^6 messages of up to 300 bytes in a 64 KiB ring, every pairing.
``--json`` prints ``{pairing: {"messages", "seconds", "per_s", "reply"}}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abi.engine.native import lib_source_paths  # noqa: E402
from abi.toolchain import find_c_compiler  # noqa: E402

KINDS = ("py", "pyc", "c")
RING_AT = 256  # the ring's file offset, after the descriptor at 0
SEED = 18


class Peer:
    """One reference peer process, driven line by line (spec 13.1)."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.p = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1, cwd=ROOT)

    def send(self, line: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def reply(self) -> str:
        assert self.p.stdout is not None
        return self.p.stdout.readline().strip()

    def cmd(self, line: str) -> str:
        self.send(line)
        out = self.reply()
        if not out.startswith("ok"):
            raise RuntimeError(f"{line!r}: the peer said {out!r}")
        return out

    def quit(self) -> None:
        try:
            self.send("quit")
            self.p.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait()


def c_peer(out_dir: Path) -> List[str]:
    exe = out_dir / "peer"
    find_c_compiler().build(ROOT / "abi" / "c_reference" / "shm_signal_peer.c", exe,
                            include_dirs=[ROOT / "abi" / "c_reference"],
                            extra=["-O2", *map(str, lib_source_paths())])
    return [str(exe)]


def peers(work: Path, kinds: Sequence[str]) -> Dict[str, List[str]]:
    out = {"py": [sys.executable, "-m", "abi.peer"],
           "pyc": [sys.executable, "-m", "abi.peer", "--engine", "c"]}
    if "c" in kinds:
        out["c"] = c_peer(work)
    return out


def pairing(producer: Sequence[str], consumer: Sequence[str], work: Path, messages: int, largest: int,
            capacity: int, pause: int) -> Dict[str, object]:
    chan = work / "chan"
    if chan.exists():
        chan.unlink()
    tx, rx = Peer(producer), Peer(consumer)
    try:
        tx.cmd(f"create {chan} 0 size={RING_AT + 192 + capacity}")
        tx.cmd(f"ring_create {RING_AT} {capacity} max={largest}")
        rx.cmd(f"attach {chan} timeout=10")
        tx.cmd("wait_peer 10")
        rx.cmd(f"ring_open {RING_AT} consumer")
        tx.cmd(f"ring_open {RING_AT} producer")
        t0 = time.perf_counter()
        rx.send(f"ring_check {messages} {SEED} max={largest} timeout=30")
        tx.send(f"ring_stream {messages} {SEED} max={largest} timeout=30"
                + (f" pause={pause}" if pause else ""))
        sent, got = tx.reply(), rx.reply()
        seconds = time.perf_counter() - t0
        ok = sent == f"ok sent={messages}" and got == f"ok received={messages}"
        return {"messages": messages, "seconds": round(seconds, 3), "per_s": round(messages / seconds),
                "ok": ok, "reply": f"producer: {sent}; consumer: {got}"}
    finally:
        tx.quit()
        rx.quit()


def run(pairs: Sequence[Tuple[str, str]], messages: int, largest: int, capacity: int,
        pause: int) -> Dict[str, Dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        argv = peers(work, {k for pair in pairs for k in pair})
        return {f"{a}->{b}": pairing(argv[a], argv[b], work, messages, largest, capacity, pause)
                for a, b in pairs}


def render(out: Dict[str, Dict[str, object]]) -> str:
    lines = [f"{'pairing':<10} {'messages':>10} {'seconds':>9} {'messages/s':>11}  result"]
    for name, r in out.items():
        lines.append(f"{name:<10} {r['messages']:>10} {r['seconds']:>9} {r['per_s']:>11}  "
                     f"{'ok' if r['ok'] else 'FAILED: ' + str(r['reply'])}")
    return "\n".join(lines)


def main(argv: Sequence[str] = ()) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--max-size", type=int, default=300)
    ap.add_argument("--capacity", type=int, default=65536)
    ap.add_argument("--pause", type=int, default=0, help="the producer's random pause, up to US microseconds")
    ap.add_argument("--pairs", default="", help="PRODUCER:CONSUMER,... of py, pyc, c (default: all 9)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(list(argv) or None)
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",") if p] or \
        [(a, b) for a in KINDS for b in KINDS]
    if any(len(p) != 2 or set(p) - set(KINDS) for p in pairs):
        ap.error(f"--pairs: PRODUCER:CONSUMER pairs of {', '.join(KINDS)}")
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    out = run(pairs, args.messages, args.max_size, args.capacity, args.pause)  # type: ignore[arg-type]
    print(json.dumps(out, indent=2) if args.json else render(out))
    return 0 if all(r["ok"] for r in out.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
