"""Creation by the peer: random values and other offsets, checked by the reference validator (6.1)."""


from __future__ import annotations

import os
import stat
import threading
from typing import Any, List

from abi import layout
from abi.conformance.harness import (
    CaseFailure,
    CaseSkipped,
    Context,
    case,
)
from abi.descriptor import initialize, validate
from abi.faults import Fault, ShmSignalFault


@case("handshake", "create_validates", "A descriptor the peer creates with its own random instance_id "
                                       "and pid passes the reference validator, offers what hello said "
                                       "but MESSAGE_RINGS (never offered without rings, 15.6), and a "
                                       "reference attacher negotiates with it (6.1-6.4).")
def _create_validates(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    hello = ctx.ok("hello")
    ctx.ok(f"create {p} 0", locality=0)
    raw = ctx.file_desc(p)
    try:
        d = validate(bytearray(raw), 0, len(raw))
    except ShmSignalFault as exc:
        raise CaseFailure(f"the reference validator refuses the peer's descriptor: {exc}") from None
    said = ctx.num(hello, "features") & ~layout.FEATURE_MESSAGE_RINGS  # a create without rings= (13.2)
    if d.features_offered != said:
        raise CaseFailure(f"offered 0x{d.features_offered:x}, hello said {hello.values.get('features')} "
                          f"(0x{said:x} without MESSAGE_RINGS)")
    if d.irq[0].pid == 0:
        raise CaseFailure("the creator's pid is 0 (spec 6.1 step 3 writes the own pid)")
    ch = ctx.ref_attach(p)
    ctx.ok("wait_peer 2", attached=1)
    want = d.features_offered & ctx.ref_features()
    ctx.ok("features", features=f"0x{want:x}")
    if ch.features != want:
        raise CaseFailure(f"the reference negotiated 0x{ch.features:x}, expected 0x{want:x}")


@case("handshake", "create_at_offset", "The peer creates a south descriptor at offset 128 of a 512-byte "
                                       "file; the bytes equal the reference's, the file has the size asked "
                                       "for, and "
                                       "a reference attacher at that offset exchanges an inject (5, 6.1).")
def _create_at_offset(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    feats = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_NOTIFY_COUNT
    feats &= ctx.peer_features
    inst = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    ctx.ok(f"create {p} 1 offset=128 size=512 features=0x{feats:x} required=0x0 instance={inst} pid=77",
           locality=1)
    if os.path.getsize(p) < 512:
        raise CaseFailure(f"the file is {os.path.getsize(p)} bytes, create asked for size=512")
    want = bytearray(512)
    initialize(want, 128, 1, feats, 0, bytes.fromhex(inst), 77)
    ctx.compare(bytes(want[128:320]), ctx.file_desc(p, 128), "after create at offset 128")
    if any(ctx.file_desc(p, 0)[:128]):
        raise CaseFailure("the peer wrote bytes before its descriptor's offset")
    ch = ctx.ref_attach(p, offset=128)
    if ch.locality != 0:
        raise CaseFailure(f"the reference attached as {ch.locality}")
    ctx.ok("wait_peer 2", attached=1)
    ctx.ok("enable")
    if not ch.inject():
        raise CaseFailure("an inject into the enabled peer sent no notification")
    ctx.ok("wait 2", ready=1)
    ctx.ok("wakeup", calls=1, more=0)


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


@case("handshake", "create_mode_and_random_id", "A file the peer creates has mode 0600 less the umask "
                                                "it inherited (6.1 step 1; POSIX), and two creations "
                                                "write different non-zero instance_ids (6.1 step 6).")
def _create_mode_and_random_id(ctx: Context) -> None:
    ids = []
    for name in ("one", "two"):
        p = ctx.tmp / name
        ctx.ok(f"create {p} 0", locality=0)
        if os.name == "posix":
            mode, want = stat.S_IMODE(p.stat().st_mode), 0o600 & ~_umask()
            if mode != want:
                raise CaseFailure(f"the peer created {p.name} with mode 0{mode:o}, expected 0{want:o} "
                                  "(0600 less the umask; 6.1 step 1: nobody else may open the mapping)")
        ids.append(bytes(validate(bytearray(ctx.file_desc(p)), 0, layout.DESC_SIZE).instance_id))
        ctx.ok("close")
    if ids[0] == ids[1]:
        raise CaseFailure(f"two creations wrote the same instance_id {ids[0].hex()}: it must come "
                          "from the OS's random source (6.1 step 6), or wake-up objects collide")


@case("handshake", "no_links_followed", "create (with and without exist_ok) at a dangling symbolic "
                                        "link creates nothing where it points, attach through a link "
                                        "to a valid descriptor is refused, and attach to a FIFO is "
                                        "answered, refused, without hanging (6.1 step 1, 6.3 step 1).")
def _no_links_followed(ctx: Context) -> None:
    if os.name != "posix":
        raise CaseSkipped("symbolic links and FIFOs as POSIX has them")
    target, link = ctx.tmp / "elsewhere", ctx.tmp / "link"
    link.symlink_to(target)
    for line in (f"create {link} 0", f"create {link} 0 exist_ok=1"):
        r = ctx.raw(line)
        if r.ok or target.exists():
            raise CaseFailure(f"'{line}' with {link.name} a link to a missing file: the peer replied "
                              f"{r.raw!r} and {'created' if target.exists() else 'did not create'} "
                              "the file it points to (a link must be refused, never followed)")
    real = ctx.tmp / "chan"
    ctx.ref_create(real, 0)
    before = real.read_bytes()
    link.unlink()
    link.symlink_to(real)
    r = ctx.raw(f"attach {link}")
    if r.ok:
        raise CaseFailure(f"the peer attached through a symbolic link: {r.raw!r} (6.3 step 1)")
    if real.read_bytes() != before:
        raise CaseFailure("a refused attach through a link wrote to the file it points to")
    fifo = ctx.tmp / "fifo"
    os.mkfifo(fifo)
    r = ctx.raw(f"attach {fifo}")
    if r.ok:
        raise CaseFailure(f"the peer attached to a FIFO: {r.raw!r} (not a regular file)")


@case("handshake", "exist_ok_spares_foreign_bytes", "create exist_ok=1 over a file that holds no "
                                                    "descriptor is refused with BAD_MAGIC and writes "
                                                    "nothing; over zeros it creates (6.1 step 3).")
def _exist_ok_spares(ctx: Context) -> None:
    p = ctx.tmp / "data"
    data = bytes(range(256)) * 16
    p.write_bytes(data)
    ctx.err(f"create {p} 0 exist_ok=1", int(Fault.BAD_MAGIC))
    if p.read_bytes() != data:
        raise CaseFailure("the refused create wrote into the file (6.1 step 3: foreign bytes are "
                          "refused untouched)")
    zeros = ctx.tmp / "zeros"
    zeros.write_bytes(bytes(1024))
    ctx.ok(f"create {zeros} 0 exist_ok=1", locality=0)
    ctx.ok("close")


@case("handshake", "creator_checks_accepted", "After the reference attaches, its features_accepted "
                                              "is overwritten with a bit the peer never offered: the "
                                              "peer's 'features' answers err 11 BAD_FEATURES "
                                              "(6.2: the creator checks what it loads).")
def _creator_checks_accepted(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    ctx.ok(f"create {p} 0", locality=0)
    ctx.ref_attach(p)
    at = layout.ShmSignalDesc.features_accepted.offset
    raw = bytearray(p.read_bytes())
    accepted = int.from_bytes(raw[at:at + 8], "little") | (1 << 40)  # never offered: unassigned
    with open(p, "r+b") as f:
        f.seek(at)
        f.write(accepted.to_bytes(8, "little"))
    ctx.err("features", int(Fault.BAD_FEATURES))


@case("handshake", "bytes_past_192_untouched", "A descriptor with desc_size 256 and a pattern in "
                                               "bytes 192-255: the peer attaches, injects and "
                                               "closes, and those bytes are as they were (4: a v1 "
                                               "peer neither reads meaning into nor writes them).")
def _bytes_past_192(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    ch = ctx.ref_create(p, 0, size=512)
    pattern = bytes((0x5A ^ i) for i in range(64))
    with open(p, "r+b") as f:
        f.seek(layout.ShmSignalDesc.desc_size.offset)
        f.write((256).to_bytes(4, "little"))
        f.seek(layout.DESC_SIZE)
        f.write(pattern)
    ctx.ok(f"attach {p}", locality=1)
    ch.enable()
    ctx.ok("inject")
    ctx.ok("close")
    tail = p.read_bytes()[layout.DESC_SIZE:layout.DESC_SIZE + 64]
    if tail != pattern:
        at = next(i for i in range(64) if tail[i] != pattern[i])
        raise CaseFailure(f"byte {layout.DESC_SIZE + at} past the v1 descriptor changed from "
                          f"0x{pattern[at]:02x} to 0x{tail[at]:02x}: bytes 192 up to desc_size "
                          "belong to later features (section 4)")


@case("handshake", "create_refuses_a_live_descriptor", "create exist_ok=1 over the descriptor of a live "
                                                       "reference creator (its liveness lock held) is "
                                                       "refused with LOCALITY_BUSY and writes nothing "
                                                       "(6.1 step 2).")
def _create_refuses_live(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    ctx.ref_create(p, 0, features=layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK)
    before = p.read_bytes()
    for loc in (0, 1):
        ctx.err(f"create {p} {loc} exist_ok=1", int(Fault.LOCALITY_BUSY))
        if p.read_bytes() != before:
            raise CaseFailure(f"the refused create as locality {loc} wrote into the live descriptor")


def _watch(path: Any, stop: threading.Event, seen: List[str]) -> None:
    """Read the descriptor over and over while the peer creates it: a snapshot whose
    magic is valid must hold a whole descriptor (pread copies from the low address up,
    so the magic is read before the rest)."""
    fd = -1
    while not stop.is_set():
        if fd < 0:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
        raw = os.pread(fd, layout.DESC_SIZE, 0)
        if len(raw) == layout.DESC_SIZE and raw[:4] == layout.MAGIC.to_bytes(4, "little"):
            try:
                validate(bytearray(raw), 0, layout.DESC_SIZE)
            except ShmSignalFault as exc:
                seen.append(f"{exc.code.name} ({exc.field})")
            break
    if fd >= 0:
        os.close(fd)


MAGIC_ROUNDS = 20


@case("handshake", "magic_published_last", f"While the peer creates {MAGIC_ROUNDS} descriptors, a "
                                           "reader polls each file: no snapshot with a valid magic "
                                           "lacks the rest (6.1 steps 5-8: magic last, after a "
                                           "fence). Probabilistic: a reader sees a wrong order only "
                                           "if it reads inside it.")
def _magic_published_last(ctx: Context) -> None:
    if not hasattr(os, "pread"):
        raise CaseSkipped("os.pread (POSIX)")
    for i in range(MAGIC_ROUNDS):
        p = ctx.tmp / f"m{i}"
        stop = threading.Event()
        seen: List[str] = []
        reader = threading.Thread(target=_watch, args=(p, stop, seen), daemon=True)
        reader.start()
        try:
            ctx.ok(f"create {p} 0", locality=0)
        finally:
            stop.set()
            reader.join(5.0)
        ctx.ok("close")
        if seen:
            raise CaseFailure(f"creation {i + 1}: a reader saw the magic before the rest of the descriptor "
                              f"(its snapshot is refused: {seen[0]}): store magic last, after a fence "
                              "(6.1 steps 5-8)")
