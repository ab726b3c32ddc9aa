"""A hostile peer: writes a channel's shared bytes directly through its own mapping
of the file, never through an engine (tests/test_hostile_peer.py runs it).

    python tests/hostile.py ATTACK PATH [OFFSET] [ARG]

It prints ``ready`` once the attack is running and, for the endless attacks, goes
on until its standard input closes (or a line arrives), then prints its count of
writes and exits 0.  Attacks:

* ``flip-creator V``: ``creator`` (desc offset 12) flips between its value and V.
* ``flip-flags LOC``: record LOC's ``pending`` and ``dirty`` flip 0/1 at full speed.
* ``hold-pending LOC``: record LOC's ``pending`` stays 1 (rewritten at full speed),
  with no wake-up ever sent.
* ``scribble-ring SEED``: the message ring at OFFSET (spec 15) gets random values at
  full speed: ``head``, ``tail``, record headers and payload bytes, anywhere in its
  ``192 + capacity`` bytes.
"""

from __future__ import annotations

import mmap
import os
import select
import struct
import sys


def _stop_requested() -> bool:
    r, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(r)


def main(argv: list) -> int:
    attack, path = argv[0], argv[1]
    offset = int(argv[2]) if len(argv) > 2 else 0
    arg = int(argv[3], 0) if len(argv) > 3 else 0
    fd = os.open(path, os.O_RDWR)
    mm = mmap.mmap(fd, 0)
    writes = 0
    if attack == "flip-creator":
        here = offset + 12
        values = [struct.unpack_from("<I", mm, here)[0], arg]
        step = lambda i: struct.pack_into("<I", mm, here, values[i & 1])  # noqa: E731
    elif attack in ("flip-flags", "hold-pending"):
        rec = offset + 64 + 64 * arg
        if attack == "flip-flags":
            def step(i: int) -> None:
                mm[rec + 1] = i & 1
                mm[rec + 2] = (i >> 1) & 1
        else:
            def step(i: int) -> None:
                mm[rec + 1] = 1
    elif attack == "scribble-ring":
        import random

        rng = random.Random(arg)
        capacity = struct.unpack_from("<I", mm, offset + 4)[0]
        spots = [offset + 64, offset + 128] + [offset + 192 + 8 * k for k in range(capacity // 8)]
        words = [0, 8, 12, 0xFFFFFFF8, capacity, capacity + 8, 1 << 31, 0xFFFFFFFF, 1, 2]

        def step(i: int) -> None:
            at = rng.choice(spots) + rng.choice((0, 4))
            value = rng.choice(words) if i & 1 else rng.getrandbits(32)
            struct.pack_into("<I", mm, at, value)
    else:
        print(f"unknown attack {attack!r}", file=sys.stderr)
        return 2
    print("ready", flush=True)
    i = 0
    while True:
        for _ in range(4096):  # a look at stdin costs a system call: not every write
            step(i)
            i += 1
        writes = i
        if _stop_requested():
            break
    if attack == "flip-creator":
        struct.pack_into("<I", mm, offset + 12, values[0])
    print(f"writes={writes}", flush=True)
    mm.close()
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
