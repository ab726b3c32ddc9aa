"""A peer process for tests/test_waitset.py: attaches to ``count`` channels of a
file (offsets 0, 192, ...) with one engine and obeys commands from stdin, one per
line, answering ``ok`` when done:

    inject I      signal channel I
    flood I K     inject channel I K times (as fast as it can)
    close I       close channel I
    die           exit at once, closing nothing (its liveness locks drop)

Usage: python tests/waitset_peer.py ENGINE PATH COUNT [FIRST]   (channels FIRST .. FIRST+COUNT-1)
"""

from __future__ import annotations

import os
import sys

from abi import CChannel, Channel
from abi.layout import DESC_SIZE


def main() -> None:
    engine, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    cls = CChannel if engine == "c" else Channel
    chans = [cls.attach(path, offset=(first + i) * DESC_SIZE, timeout=10) for i in range(count)]
    print("ok", flush=True)
    for line in sys.stdin:
        cmd, *rest = line.split()
        if cmd == "inject":
            chans[int(rest[0]) - first].inject()
        elif cmd == "flood":
            ch = chans[int(rest[0]) - first]
            for _ in range(int(rest[1])):
                ch.inject()
        elif cmd == "close":
            chans[int(rest[0]) - first].close()
        elif cmd == "die":
            os._exit(0)
        print("ok", flush=True)
    for ch in chans:
        ch.close()


if __name__ == "__main__":
    main()
