"""Creation by the peer: random values and other offsets, checked by the reference validator (6.1)."""


from __future__ import annotations

import os
import stat

from abi import layout
from abi.conformance.harness import (
    CaseFailure,
    Context,
    case,
)
from abi.descriptor import initialize, validate
from abi.faults import ShmSignalFault


@case("handshake", "create_validates", "A descriptor the peer creates with its own random instance_id "
                                       "and pid passes the reference validator, offers what hello said, "
                                       "and a reference attacher negotiates with it (6.1-6.4).")
def _create_validates(ctx: Context) -> None:
    p = ctx.tmp / "chan"
    hello = ctx.ok("hello")
    ctx.ok(f"create {p} 0", locality=0)
    raw = ctx.file_desc(p)
    try:
        d = validate(bytearray(raw), 0, len(raw))
    except ShmSignalFault as exc:
        raise CaseFailure(f"the reference validator refuses the peer's descriptor: {exc}") from None
    if d.features_offered != ctx.num(hello, "features"):
        raise CaseFailure(f"offered 0x{d.features_offered:x}, hello said {hello.values.get('features')}")
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
