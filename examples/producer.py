"""Producer: creates the channel, writes a counter into the shared file after the
descriptor, and signals the consumer after each update.

    python examples/producer.py /tmp/counter.shm 100000 &
    python examples/consumer.py /tmp/counter.shm
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abi import layout  # noqa: E402
from abi.engine import NORTH, Channel  # noqa: E402

# The application's own shared data lives after the descriptor: one u64, little-endian.
COUNTER_OFFSET = layout.DESC_SIZE


def main(path: str, count: int) -> int:
    Path(path).unlink(missing_ok=True)
    with Channel.create(path, NORTH, size=COUNTER_OFFSET + 8) as ch:
        if not ch.wait_for_peer(30):
            print("producer: no consumer attached within 30 s", file=sys.stderr)
            return 1
        ch.enable()  # so that the consumer's acknowledgement can wake us
        mm = ch.buffer
        for value in range(1, count + 1):
            struct.pack_into("<Q", mm, COUNTER_OFFSET, value)  # the data first...
            ch.inject()  # ...then the signal (the inject's release fence orders them)
        # Wait until the consumer has seen the last value, then leave.
        while ch.poll(5.0) == 0:
            pass
        print(f"producer: sent {count} updates with {ch.stats['notifications']} kernel wake-ups "
              f"({ch.stats['injects']} injects)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/counter.shm",
                  int(sys.argv[2]) if len(sys.argv) > 2 else 100_000))
