"""One asyncio event loop serves many producer processes, one channel each.

    python examples/async_server.py --producers 16 --signals 1000

The server creates one file with a channel per producer (and a u64 slot per
producer after the descriptors), starts the producers, and runs one task per
channel: ``await ch.poll_async()`` parks no thread of the loop (one helper thread
parks on every channel at once).  Each producer writes its next sequence number into
its slot, signals, and waits for the server's acknowledgement; the server's notifier
reads the slot and acknowledges.  A producer that finishes closes its channel, and
its task ends on ``PeerClosed``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abi import Channel, PeerClosed  # noqa: E402
from abi.layout import DESC_SIZE  # noqa: E402


def slot(count: int, index: int) -> int:
    """Where producer ``index`` writes its sequence number: after all descriptors."""
    return count * DESC_SIZE + 8 * index


def produce(path: str, count: int, index: int, signals: int) -> None:
    with Channel.attach(path, offset=index * DESC_SIZE, timeout=30) as ch:
        ch.enable()  # the server's acknowledgements wake us
        for seq in range(1, signals + 1):
            struct.pack_into("<Q", ch.buffer, slot(count, index), seq)
            ch.inject()
            while ch.poll(timeout=10) == 0:  # the acknowledgement
                ch.check_peer()


async def serve(path: str, count: int, signals: int) -> int:
    served = 0
    seen = [0] * count
    chans = []

    def on_signal(i: int) -> None:
        nonlocal served
        seq = struct.unpack_from("<Q", chans[i].buffer, slot(count, i))[0]
        served += seq - seen[i]
        seen[i] = seq
        chans[i].inject()  # acknowledge

    for i in range(count):
        chans.append(Channel.create(path, offset=i * DESC_SIZE, size=slot(count, count), exist_ok=True,
                                    notifier=lambda i=i: on_signal(i)))
        chans[i].enable()
    producers = [subprocess.Popen([sys.executable, __file__, "--produce", str(i), "--path", path,
                                   "--producers", str(count), "--signals", str(signals)])
                 for i in range(count)]

    async def one(ch: Channel) -> None:
        try:
            while True:
                await ch.poll_async()
        except PeerClosed:
            pass
        finally:
            ch.close()

    await asyncio.gather(*(one(ch) for ch in chans))
    for p in producers:
        if p.wait() != 0:
            raise SystemExit(f"a producer failed: exit status {p.returncode}")
    return served


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--producers", type=int, default=8)
    ap.add_argument("--signals", type=int, default=1000, help="signals per producer")
    ap.add_argument("--path", help="the shared file (default: a temporary one)")
    ap.add_argument("--produce", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.produce is not None:
        produce(a.path, a.producers, a.produce, a.signals)
        return 0
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as d:
        path = a.path or os.path.join(d, "async-server.shm")
        served = asyncio.run(serve(path, a.producers, a.signals))
    print(f"served {served} signals from {a.producers} producers")
    return 0 if served == a.producers * a.signals else 1


if __name__ == "__main__":
    sys.exit(main())
