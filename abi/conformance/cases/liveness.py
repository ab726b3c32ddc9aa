"""The peer's lock keeps its locality busy; its death is noticed (9)."""


from __future__ import annotations

import os
import subprocess
import sys

from abi import layout
from abi.conformance.harness import (
    CaseFailure,
    CaseSkipped,
    Context,
    case,
)
from abi.conformance.peer_driver import PeerFailure
from abi.faults import Fault, ShmSignalFault


@case("liveness", "locality_busy", "While the peer is attached with LIVENESS_LOCK its lock keeps the "
                                   "locality busy: a second attacher gets LOCALITY_BUSY (6.3, 9).")
def _busy(ctx: Context) -> None:
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK
    if feats & ~ctx.peer_features:
        raise CaseSkipped("the peer does not implement LIVENESS_LOCK")
    p = ctx.tmp / "chan"
    ctx.ref_create(p, 0, features=feats)
    ctx.ok(f"attach {p}", locality=1)
    # the peer's record is attached and (with LIVENESS_LOCK negotiated) only its lock
    # says it is alive: a second attacher must find the lock taken
    try:
        ctx.ref_attach(p)
    except ShmSignalFault as exc:
        if exc.code != Fault.LOCALITY_BUSY:
            raise CaseFailure(f"expected LOCALITY_BUSY, got {exc.code.name}") from None
    else:
        raise CaseFailure("a second attacher took the peer's locality: the peer does not hold its "
                          "liveness lock at LOCK_BASE + offset + 64 + 64 * locality (section 9)")


@case("liveness", "death_noticed", "A peer killed while attached leaves its record attached but its "
                                   "liveness lock free: the reference reports PEER_DEAD (section 9).")
def _death(ctx: Context) -> None:
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK
    if feats & ~ctx.peer_features:
        raise CaseSkipped("the peer does not implement LIVENESS_LOCK")
    p = ctx.tmp / "chan"
    ch = ctx.ref_create(p, 0, features=feats)
    ctx.ok(f"attach {p}", locality=1)
    if not ch.wait_for_peer(2.0):
        raise CaseFailure("the reference does not see the peer's attach")
    try:
        ch.check_peer()
    except ShmSignalFault as exc:
        raise CaseFailure(f"the live peer is reported as {exc.code.name}: does it hold its liveness "
                          "lock at LOCK_BASE + 64 + 64 * locality (section 9)?") from None
    ctx.suite.kill_peer()
    try:
        ch.enable()
        ch.wait(3.0)
    except ShmSignalFault as exc:
        if exc.code != Fault.PEER_DEAD:
            raise CaseFailure(f"expected PEER_DEAD, got {exc.code.name}") from None
    else:
        raise CaseFailure("the killed peer was not noticed within 3 s")


_CREATOR = """
import sys
from abi import FEATURE_LIVENESS_LOCK, FEATURE_WAKE_ADDRESS, Channel
ch = Channel.create(sys.argv[1], 0, features=FEATURE_WAKE_ADDRESS | FEATURE_LIVENESS_LOCK)
print("created", flush=True)
sys.stdin.read()
"""


def _killed_creator(ctx: Context, read_lock: bool) -> None:
    """The peer attaches to a creator in a process of its own, which is then killed
    (and, with ``read_lock``, its liveness byte read-locked by a mere reader); the
    peer's wait must report PEER_DEAD within a few liveness intervals."""
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK
    if feats & ~ctx.peer_features:
        raise CaseSkipped("the peer does not implement LIVENESS_LOCK")
    if read_lock and os.name != "posix":
        raise CaseSkipped("a reader's read lock as POSIX has it (fcntl)")
    p = ctx.tmp / "chan"
    creator = subprocess.Popen([sys.executable, "-c", _CREATOR, str(p)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    reader = None
    try:
        assert creator.stdout is not None
        if creator.stdout.readline().strip() != "created":
            raise CaseFailure("the reference creator process did not start (harness)")
        ctx.ok(f"attach {p}", locality=1)
        ctx.ok("enable")
        creator.kill()
        creator.wait(10)
        if read_lock:
            import fcntl

            reader = open(p, "rb")  # noqa: SIM115  (held until the case ends)
            byte = layout.LOCK_BASE + layout.IRQ_OFFSET  # the creator's (north's) liveness byte
            fcntl.lockf(reader.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB, 1, byte, 0)
        r = ctx.raw("wait 3", timeout=max(ctx.opts.timeout, 6.0))
    finally:
        if creator.poll() is None:
            creator.kill()
            creator.wait(10)
        if reader is not None:
            reader.close()
    held = " while a reader held a read lock on its liveness byte" if read_lock else ""
    if r.ok or r.code != int(Fault.PEER_DEAD):
        raise CaseFailure(f"the creator was killed{held}; the peer's 'wait 3' answered {r.raw!r}, "
                          "expected err 15 PEER_DEAD (9: an attached record whose liveness byte is not "
                          "write-locked is a dead peer)")


@case("liveness", "peer_notices_death", "The peer attaches to a creator running in a process of its "
                                        "own; the creator is killed; the peer's wait reports "
                                        "PEER_DEAD (9).")
def _peer_notices_death(ctx: Context) -> None:
    _killed_creator(ctx, read_lock=False)


@case("liveness", "read_lock_is_not_life", "As peer_notices_death, but a reader holds a read lock on "
                                           "the dead creator's liveness byte: still PEER_DEAD (9, 14.2).")
def _read_lock_is_not_life(ctx: Context) -> None:
    _killed_creator(ctx, read_lock=True)


SHRINK_OFFSET = 65536  # beyond any page size in use


@case("liveness", "survives_a_shrunk_file", "Advisory (a SHOULD of 9): the file is cut short under the "
                                            "peer's mapping (POSIX); the peer keeps answering, and its "
                                            "next wait reports MAPPING_TOO_SMALL.", advisory=True,
      uses_reference=False)
def _shrunk(ctx: Context) -> None:
    if os.name == "nt":
        raise CaseSkipped("Windows refuses to shrink a mapped file")
    p = ctx.tmp / "chan"
    # At 64 KiB, so that the descriptor's page lies wholly past the new end (bytes past
    # the end within the last page read as zeros; a page past it faults, SIGBUS).
    ctx.ok(f"create {p} 0 offset={SHRINK_OFFSET}")
    ctx.ok("enable")
    os.truncate(p, 64)
    try:
        ctx.raw("inject")  # the remote's record: SIGBUS, unless the peer guards its mapping
        r = ctx.raw("wait 0.5")
    except PeerFailure as exc:
        raise CaseFailure(f"the peer did not survive a file cut short under its mapping ({exc}); "
                          "a side SHOULD survive it and report MAPPING_TOO_SMALL (9)") from None
    if r.ok or r.code != int(Fault.MAPPING_TOO_SMALL):
        raise CaseFailure(f"'wait' on a channel whose file was cut from {SHRINK_OFFSET + layout.DESC_SIZE} "
                          f"to 64 bytes answered {r.raw!r}, "
                          f"expected err {int(Fault.MAPPING_TOO_SMALL)} MAPPING_TOO_SMALL (9: compare "
                          "the file's size with the mapping's length at each liveness re-check)")
