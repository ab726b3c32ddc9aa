"""Scenarios that may kill the process that runs them when an engine is wrong (a
segfault, a SIGBUS): tests/test_hostile_peer.py runs each as its own process,

    python tests/victims.py SCENARIO ENGINE JSON-ARGS

which prints one JSON line with what it saw; a death fails the test instead of
ending the test run.  ENGINE is ``py`` (abi.engine.Channel) or ``c``
(abi.c_engine.CChannel).
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abi import layout  # noqa: E402
from abi.faults import ShmSignalFault  # noqa: E402


def engine(name: str) -> Any:
    if name == "c":
        from abi.engine.c_channel import CChannel

        return CChannel
    from abi.engine.channel import Channel

    return Channel


def outcome(call: Callable[[], Any]) -> str:
    """'ok' or the fault's name; anything else propagates."""
    try:
        call()
    except ShmSignalFault as exc:
        return exc.code.name
    return "ok"


def attach_under_flipper(eng: Any, a: Dict[str, Any]) -> Dict[str, Any]:
    """Attach and close ``attempts`` times while a hostile process flips ``creator``;
    report every locality and fault seen."""
    localities: Dict[str, int] = {}
    faults: Dict[str, int] = {}
    for _ in range(a["attempts"]):
        try:
            ch = eng.attach(a["path"])
        except ShmSignalFault as exc:
            faults[exc.code.name] = faults.get(exc.code.name, 0) + 1
            continue
        localities[str(ch.locality)] = localities.get(str(ch.locality), 0) + 1
        ch.close()
    return {"localities": localities, "faults": faults}


def shrink_then_regrow(eng: Any, a: Dict[str, Any]) -> Dict[str, Any]:
    """Attach to a live peer's channel, let the file shrink to 0 and grow back:
    every later operation must report the fault, none may carry on silently."""
    path = a["path"]
    # A second channel of ours keeps the file open in this process throughout.
    keep = eng.create(path, 1, offset=layout.DESC_SIZE, exist_ok=True)
    original = Path(path).read_bytes()  # both descriptors, before we attach
    size = len(original)
    ch = eng.attach(path, timeout=5)
    ch.enable()
    os.truncate(path, 0)
    first = outcome(lambda: ch.wait(0.05))  # touches the wait word: the guard answers
    os.truncate(path, size)
    later = {name: outcome(call) for name, call in [
        ("inject", ch.inject), ("wakeup", ch.wakeup), ("enable", ch.enable), ("disable", ch.disable),
        ("wait", lambda: ch.wait(0.05)), ("poll", lambda: ch.poll(0.05)), ("check_peer", ch.check_peer)]}
    ch.close()
    # The creator writes its descriptor back into the regrown file: a new channel
    # must get a new mapping and see it (the old one reads a private zero page there).
    fd = os.open(path, os.O_RDWR)
    os.pwrite(fd, original, 0)
    os.close(fd)
    fresh = outcome(lambda: eng.attach(path).close())
    keep.close()
    return {"first": first, "later": later, "fresh": fresh}


def many_mappings_then_truncate(eng: Any, a: Dict[str, Any]) -> Dict[str, Any]:
    """``files`` channels, each in a file of its own (a mapping each), then the last
    file shrinks under its mapping: the guard must cover every one of them."""
    base = Path(a["dir"])
    chans: List[Any] = [eng.create(base / f"chan{i}", 0) for i in range(a["files"])]
    os.truncate(base / f"chan{a['files'] - 1}", 0)
    seen = outcome(lambda: chans[-1].wait(0.01))
    for ch in chans:
        ch.close()
    return {"last": seen}


def buffer_outlives_close(eng: Any, a: Dict[str, Any]) -> Dict[str, Any]:
    """The application still holds a view of the mapping when the channel closes:
    the mapping stays, and must stay guarded until the view goes."""
    ch = eng.create(a["path"], 0)
    view = memoryview(ch.buffer)
    ch.close()
    os.truncate(a["path"], 0)
    byte = view[100]  # past the new end: SIGBUS unless still guarded
    view.release()
    return {"byte": byte}


def channels_in_one_file(eng: Any, a: Dict[str, Any]) -> Dict[str, Any]:
    """``count`` channels in one file: create them all (the first sizes the file) or
    attach to all; count this process's descriptors and mappings of the file; then
    wait for the file to shrink and report what each channel says."""
    path, count, stride = a["path"], a["count"], layout.DESC_SIZE
    if a["role"] == "create":
        # The first create sizes the file for all: channels then share one mapping.
        chans = [eng.create(path, 0, offset=i * stride, exist_ok=True, size=count * stride)
                 for i in range(count)]
    else:
        chans = [eng.attach(path, offset=i * stride, timeout=10) for i in range(count)]
    ino = os.stat(path).st_ino
    fds = sum(1 for fd in os.listdir("/proc/self/fd")
              if _same_file(f"/proc/self/fd/{fd}", ino))
    maps = sum(1 for line in Path("/proc/self/maps").read_text().splitlines()
               if line.split()[4:5] == [str(ino)])
    print(json.dumps({"fds": fds, "mappings": maps}), flush=True)
    sys.stdin.readline()  # the test shrinks the file, then says so
    faults: Dict[str, int] = {}
    for ch in chans:
        name = outcome(ch.check_peer)
        faults[name] = faults.get(name, 0) + 1
    for ch in chans:
        ch.close()
    return {"faults": faults}


def guard_passes_on_other_sigbus(eng: Any, a: Dict[str, Any]) -> Dict[str, Any]:
    """Guard an anonymous mapping, then send this very thread a SIGBUS as the kernel
    would raise it (a process may give its own signals any si_code): code
    ``a["code"]`` at an address inside.  Only BUS_ADRERR (a truncated file) is the
    guard's; a hardware memory error (BUS_MCEERR_AR) must reach the previous handler
    instead of being papered over with a zero page."""
    import ctypes
    import mmap
    import platform
    import signal

    from abi.engine import native

    nr = {"x86_64": 297, "aarch64": 240}.get(platform.machine())
    if nr is None or ctypes.sizeof(ctypes.c_void_p) != 8:
        return {"skipped": f"no rt_tgsigqueueinfo number here ({platform.machine()})"}
    reached: List[int] = []
    # "The handler installed before": Python's, chained to by the guard's handler.
    signal.signal(signal.SIGBUS, lambda signum, frame: reached.append(signum))
    lib = native.load()
    m = mmap.mmap(-1, 4096)
    m[:4] = b"\x5a" * 4
    pin = ctypes.c_char.from_buffer(m)
    base = ctypes.addressof(pin)
    fired = ctypes.c_uint32(0)
    assert lib.shm_signal_guard(base, 4096, ctypes.byref(fired)) == 0
    info = (ctypes.c_byte * 128)()
    # si_signo, si_errno, si_code, (padding), si_addr: the 64-bit layout
    struct.pack_into("iii4xQ", info, 0, signal.SIGBUS, 0, a["code"], base + 64)
    libc = ctypes.CDLL(None, use_errno=True)
    before = lib.shm_signal_guard_faults()
    r = libc.syscall(nr, os.getpid(), threading_native_id(), signal.SIGBUS, ctypes.byref(info))
    if r != 0:
        return {"error": os.strerror(ctypes.get_errno())}
    out = {"pattern_intact": m[:4] == b"\x5a" * 4, "guard_answered": lib.shm_signal_guard_faults() - before,
           "fired": fired.value, "previous_handler_ran": bool(reached)}
    lib.shm_signal_unguard(base)
    del pin
    m.close()
    return out


def threading_native_id() -> int:
    import threading

    return threading.get_native_id()


def _same_file(link: str, ino: int) -> bool:
    try:
        return os.stat(link).st_ino == ino
    except OSError:
        return False


SCENARIOS = {f.__name__: f for f in (attach_under_flipper, shrink_then_regrow, many_mappings_then_truncate,
                                     buffer_outlives_close, channels_in_one_file,
                                     guard_passes_on_other_sigbus)}


def main(argv: List[str]) -> int:
    scenario, eng, args = argv[0], argv[1], json.loads(argv[2])
    start = time.monotonic()
    result = SCENARIOS[scenario](engine(eng), args)
    result["seconds"] = time.monotonic() - start
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
