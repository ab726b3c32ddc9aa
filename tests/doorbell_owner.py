"""A second process for tests/test_doorbell.py, one of two modes:

    owner PATH FIRST COUNT   attach (Python engine) to descriptors FIRST .. FIRST+COUNT-1
                             of a group, enable them, print "ok MECHANISM"; then for each
                             line "wait T" on stdin print the indexes a WaitSet.wait(T)
                             returned (or "-") and how long it took
    ring PATH LOCALITY N     add 1 to that locality's doorbell (spec 7.8) and wake it,
                             N times as fast as it can, as a hostile process may; print
                             "done"
"""

from __future__ import annotations

import ctypes
import mmap
import os
import sys
import time

from abi import Channel, WaitSet, layout
from abi.engine import native
from abi.engine.wake import make_backend


def owner(path: str, first: int, count: int) -> None:
    chans = [Channel.attach(path, offset=(first + i) * layout.DESC_SIZE, timeout=10) for i in range(count)]
    for ch in chans:
        ch.liveness_interval = 60.0  # only a ring or an inject ends a park
        ch.enable()
    with WaitSet(chans) as ws:
        print("ok", ws.mechanism, flush=True)
        for line in sys.stdin:
            t0 = time.monotonic()
            got = ws.wait(float(line.split()[1]))
            took = time.monotonic() - t0
            print(" ".join(str(first + chans.index(ch)) for ch in got) or "-", f"{took:.3f}", flush=True)
            for ch in got:
                ch.poll(0)
    for ch in chans:
        ch.close()


def ring(path: str, locality: int, n: int) -> None:
    lib = native.load()
    fd = os.open(path, os.O_RDWR)
    mm = mmap.mmap(fd, layout.DESC_SIZE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(mm))
    bell = base + layout.doorbell_offset(locality)
    wake = make_backend(layout.FEATURE_WAKE_ADDRESS, (bell, bell), b"")
    for _ in range(n):
        lib.shm_signal_ring_le32(bell)
        wake.wake(0)
    print("done", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "owner":
        owner(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        ring(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
