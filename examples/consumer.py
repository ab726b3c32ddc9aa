"""Consumer: attaches to the producer's channel and reads the counter each time it
is signalled; coalescing means it sees fewer notifications than updates, but it
always sees the last value.  See producer.py for how to run the pair."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from producer import COUNTER_OFFSET  # noqa: E402

from abi.engine import Channel  # noqa: E402
from abi.faults import Fault, ShmSignalFault  # noqa: E402


def main(path: str, expect: int) -> int:
    seen = [0]
    with Channel.attach(path, timeout=30) as ch:
        mm = ch.buffer

        def on_signal() -> None:
            seen[0] = struct.unpack_from("<Q", mm, COUNTER_OFFSET)[0]

        ch.notifier = on_signal
        ch.enable()
        try:
            while seen[0] < expect:
                ch.poll(5.0)
        except ShmSignalFault as exc:
            if exc.code not in (Fault.PEER_CLOSED, Fault.PEER_DEAD):
                raise
        ch.inject()  # acknowledge the last value
        print(f"consumer: last value {seen[0]} after {ch.stats['notifier_calls']} notifier calls")
    return 0 if seen[0] == expect else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/counter.shm",
                  int(sys.argv[2]) if len(sys.argv) > 2 else 100_000))
