"""Writes ``golden.json``: the golden test vectors of shm-signal ABI v1.

    python abi/vectors/make_golden.py           # rewrite golden.json
    python abi/vectors/make_golden.py --check   # exit 1 if golden.json is stale

The expected bytes come from :class:`SpecModel`, a direct transcription of
docs/spec.md sections 6.1, 6.3, 7.1-7.4 and 9 onto a bytearray, single-threaded and
with no engine code, so that the engines are checked against the spec and not
against each other.  tests/test_vectors.py also pins a few steps by hand-written
bytes, so a wrong model cannot silently produce wrong vectors.

Format (``cases``): each case is a list of steps from an empty file; every step has
``op``, its arguments, ``result`` where the operation returns something, and
``expect``: the descriptor's 192 bytes as hex after the step.  ``faults``: a mapping's
bytes, an offset, the attacher's feature set, and the fault an attach (and every
spec 6.4 validator) must report, with its field and descriptor offset.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden.json"

MAGIC, VERSION, DESC_SIZE = 0x58FA39DF, 1, 192
WAKE_ADDRESS, WAKE_NAMED_EVENT, LIVENESS_LOCK, NOTIFY_COUNT, WAITER_FLAG = 1, 2, 4, 8, 16
GROUP_DOORBELL = 32
MESSAGE_RINGS = 64
NORTH, SOUTH = 0, 1
SIDES = {"north": NORTH, "south": SOUTH}
EMPTY, ATTACHED, CLOSED = 0, 1, 2
IID = bytes.fromhex("00112233445566778899aabbccddeeff")
PID_N, PID_S = 0x1234, 0x5678


def rec(loc: int) -> int:
    return 64 + 64 * loc


class SpecModel:
    """The spec's byte effects, nothing more.  ``b`` is the 192-byte descriptor."""

    def __init__(self) -> None:
        self.b = bytearray(DESC_SIZE)
        self.negotiated: Optional[int] = None  # features_accepted once the attacher attached

    def u32(self, at: int, v: Optional[int] = None) -> int:
        if v is not None:
            struct.pack_into("<I", self.b, at, v)
        return int(struct.unpack_from("<I", self.b, at)[0])

    def u64(self, at: int, v: Optional[int] = None) -> int:
        if v is not None:
            struct.pack_into("<Q", self.b, at, v)
        return int(struct.unpack_from("<Q", self.b, at)[0])

    # 6.1
    def create(self, loc: int, offered: int, required: int, iid: bytes, pid: int) -> None:
        self.b[:] = bytes(DESC_SIZE)
        self.u32(4, VERSION)
        self.u32(8, DESC_SIZE)
        self.u32(12, loc)
        self.u64(16, offered)
        self.u64(24, required)
        self.u64(32, 0)
        self.b[40:56] = iid
        self.u32(rec(loc) + 8, pid)
        self.u32(rec(loc) + 4, ATTACHED)
        self.u32(0, MAGIC)

    # 6.3 (validation is the fault vectors' business)
    def attach(self, supported: int, pid: int) -> int:
        a = 1 - self.u32(12)
        accepted = self.u64(16) & supported
        if self.u32(rec(a) + 4) != EMPTY:  # a re-attach keeps the session's set (6.3 step 4)
            accepted = self.u64(32)
            assert not accepted & ~supported, "a re-attach refuses: that is a fault vector"
        self.u64(32, accepted)
        self.u32(rec(a) + 8, pid)
        self.u32(rec(a) + 4, ATTACHED)
        self.negotiated = accepted
        return a

    # 7.1, from `sender` into the other record
    def inject(self, sender: int) -> bool:
        o = rec(1 - sender)
        self.b[o + 2] = 1
        if self.b[o] == 1 and self.b[o + 1] == 0:
            self.b[o + 1] = 1
            if self.negotiated is not None and self.negotiated & NOTIFY_COUNT:
                self.u64(o + 16, (self.u64(o + 16) + 1) % 2**64)
            return True
        return False

    # 7.2; the notifier makes the remote inject during its first `reinject` calls,
    # which is how a single-threaded replay shows a remote that keeps setting dirty.
    def wakeup(self, owner: int, budget: int = 1024, reinject: int = 0) -> Dict[str, Any]:
        o = rec(owner)
        calls = 0
        while self.b[o] == 1 and (self.b[o + 2] == 1 or self.b[o + 1] == 1):
            while self.b[o + 2] == 1:
                if calls >= budget:  # budget spent with dirty set: more work, pending stays
                    return {"calls": calls, "more": True}
                self.b[o + 2] = 0
                calls += 1
                if calls <= reinject:
                    self.inject(1 - owner)
            self.b[o + 1] = 0
        return {"calls": calls, "more": False}

    # 7.3 / 7.4
    def enable(self, owner: int) -> int:
        o = rec(owner)
        self.b[o] = 1
        if self.b[o + 2] == 1 or self.b[o + 1] == 1:
            return int(self.wakeup(owner)["calls"])
        return 0

    def disable(self, owner: int) -> None:
        self.b[rec(owner)] = 0

    # 9: state closed, the remote's dirty, and a wake-up that touches neither
    # pending nor notify_count
    def close(self, side: int) -> None:
        self.u32(rec(side) + 4, CLOSED)
        self.b[rec(1 - side) + 2] = 1


def _hexf(v: int) -> str:
    return f"0x{v:x}"


class CaseBuilder:
    """Runs ops on the model and records them as a case."""

    def __init__(self, name: str, doc: str) -> None:
        self.m = SpecModel()
        self.case: Dict[str, Any] = {"name": name, "doc": doc, "steps": []}
        self.creator = NORTH

    def _step(self, step: Dict[str, Any], result: Any = None) -> CaseBuilder:
        if result is not None:
            step["result"] = result
        step["expect"] = self.m.b.hex()
        self.case["steps"].append(step)
        return self

    def create(self, side: str, offered: int, required: int = 0, iid: bytes = IID, pid: int = PID_N,
               offset: int = 0, size: Optional[int] = None) -> CaseBuilder:
        self.creator = SIDES[side]
        self.m.create(self.creator, offered, required, iid, pid)
        step: Dict[str, Any] = {"op": "create", "side": side, "features": _hexf(offered),
                                "required": _hexf(required), "instance_id": iid.hex(), "pid": pid,
                                "offset": offset}
        if size is not None:
            step["size"] = size
        return self._step(step)

    def load(self, desc: bytes, length: int = DESC_SIZE) -> CaseBuilder:
        """A creator that is not one of the engines (bytes written directly)."""
        self.m.b[:] = desc
        self.creator = self.m.u32(12)
        return self._step({"op": "load", "mapping": (desc + bytes(length - len(desc))).hex(),
                           "offset": 0})

    def attach(self, supported: int, pid: int = PID_S) -> CaseBuilder:
        a = self.m.attach(supported, pid)
        return self._step({"op": "attach", "side": ["north", "south"][a], "features": _hexf(supported),
                           "pid": pid}, {"features": _hexf(self.m.negotiated or 0)})

    def enable(self, side: str) -> CaseBuilder:
        return self._step({"op": "enable", "side": side}, {"calls": self.m.enable(SIDES[side])})

    def disable(self, side: str) -> CaseBuilder:
        self.m.disable(SIDES[side])
        return self._step({"op": "disable", "side": side})

    def inject(self, side: str) -> CaseBuilder:
        return self._step({"op": "inject", "side": side}, {"notified": self.m.inject(SIDES[side])})

    def wakeup(self, side: str, budget: Optional[int] = None, reinject: int = 0) -> CaseBuilder:
        r = self.m.wakeup(SIDES[side], budget if budget is not None else 1024, reinject)
        step: Dict[str, Any] = {"op": "wakeup", "side": side}
        if budget is not None:
            step["budget"] = budget
        if reinject:
            step["reinject"] = reinject
        return self._step(step, r)

    def close(self, side: str) -> CaseBuilder:
        self.m.close(SIDES[side])
        return self._step({"op": "close", "side": side})


def cases() -> List[Dict[str, Any]]:
    out = []
    lin = WAKE_ADDRESS | LIVENESS_LOCK | NOTIFY_COUNT  # 0xd

    out.append(CaseBuilder("init_north", "A fresh descriptor created by north (6.1).")
               .create("north", lin).case)
    out.append(CaseBuilder("init_south_required", "Created by south, requiring LIVENESS_LOCK.")
               .create("south", lin, LIVENESS_LOCK, pid=0xDEADBEEF).case)
    out.append(CaseBuilder("negotiate_all", "The attacher supports everything offered.")
               .create("north", lin).attach(lin).case)
    out.append(CaseBuilder("negotiate_subset", "accepted = offered & supported (6.2).")
               .create("north", lin).attach(WAKE_ADDRESS | NOTIFY_COUNT).case)
    out.append(CaseBuilder("negotiate_nothing", "An attacher that supports none of the offered bits.")
               .create("south", lin).attach(0).case)
    out.append(CaseBuilder("negotiate_required_kept", "A required bit is kept by an attacher that has it.")
               .create("north", lin, NOTIFY_COUNT).attach(NOTIFY_COUNT | LIVENESS_LOCK).case)

    unknown = SpecModel()
    unknown.create(NORTH, lin | (1 << 40) | (1 << 63), 0, IID, PID_N)
    out.append(CaseBuilder("negotiate_unknown_offered",
                           "Offered bits the attacher does not know are simply not accepted.")
               .load(bytes(unknown.b)).attach(lin).inject("south").case)

    out.append(CaseBuilder("inject_enable_disable",
                           "Notification, suppression by pending, masking, and enable's wakeup (7.1-7.4).")
               .create("north", lin).attach(lin)
               .inject("south")        # north disabled: dirty only
               .enable("north")        # work waiting: enable runs the wakeup
               .inject("south")        # enabled, nothing pending: notify, count
               .inject("south")        # pending: no second notification
               .wakeup("north")        # one batch: dirty and pending cleared
               .wakeup("north")        # nothing to do
               .disable("north")
               .inject("south")        # masked: dirty only
               .enable("north")
               .enable("south")
               .inject("north")
               .wakeup("south").case)
    out.append(CaseBuilder("no_notify_count", "Without NOTIFY_COUNT the counter stays 0.")
               .create("south", WAKE_ADDRESS | LIVENESS_LOCK).attach(lin)
               .enable("south").inject("north").inject("north").wakeup("south").inject("north").case)
    out.append(CaseBuilder("no_wake_channel", "Neither wake bit negotiated: the flags work the same.")
               .create("north", NOTIFY_COUNT).attach(NOTIFY_COUNT)
               .enable("north").inject("south").wakeup("north").case)
    out.append(CaseBuilder("wakeup_budget",
                           "A remote that keeps setting dirty: the budget ends the wakeup with pending "
                           "still set (7.2), and the next wakeup resumes.")
               .create("north", lin).attach(lin).enable("north").inject("south")
               .wakeup("north", budget=2, reinject=5)
               .wakeup("north", budget=2, reinject=1)
               .wakeup("north").case)
    out.append(CaseBuilder("close_into_enabled",
                           "Close: state closed, the remote's dirty set; pending and notify_count "
                           "untouched (section 9).")
               .create("north", lin).attach(lin).enable("north").close("south").case)
    out.append(CaseBuilder("close_into_disabled", "Close into the creator's side, remote enabled.")
               .create("north", lin).attach(lin).enable("south").close("north").case)
    out.append(CaseBuilder("close_into_pending", "Close while the remote already has pending.")
               .create("north", lin).attach(lin).enable("north").inject("south").close("south").case)
    out.append(CaseBuilder("close_before_attach", "The creator leaves before anyone attached.")
               .create("south", lin).close("south").case)
    out.append(CaseBuilder("reattach_after_close",
                           "A new attacher takes a closed record and keeps the negotiated set "
                           "(6.3 step 4, 9): the creator read it once, so a re-attacher that "
                           "supports more accepts no more.")
               .create("north", lin | WAITER_FLAG).attach(lin).enable("south").close("south")
               .attach(lin | WAITER_FLAG, pid=0x9ABC).case)

    dead = SpecModel()
    dead.create(NORTH, lin, 0, IID, PID_N)
    dead.attach(lin, PID_S)
    out.append(CaseBuilder("reattach_over_dead",
                           "The attacher's record says attached but nobody holds its liveness lock: "
                           "the peer died, and a new one may attach (section 9).")
               .load(bytes(dead.b)).attach(lin, pid=0x4242).case)
    return out


# ----------------------------------------------------------------- faults

def _base(offered: int = 0xD, required: int = 0) -> SpecModel:
    m = SpecModel()
    m.create(NORTH, offered, required, IID, PID_N)
    return m


def faults() -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []

    def add(name: str, m: SpecModel, code: int, fname: str, field: str, field_offset: int, *,
            offset: int = 0, length: Optional[int] = None, supported: int = 0xD,
            attach_only: bool = False) -> None:
        mapping = bytes(offset) + bytes(m.b)
        if length is None:
            length = len(mapping)
        mapping = (mapping + bytes(max(0, length - len(mapping))))[:length]
        out.append({"name": name, "mapping": mapping.hex(), "offset": offset,
                    "features": _hexf(supported), "code": code, "fault": fname,
                    "field": field, "field_offset": field_offset, "attach_only": attach_only})

    add("bad_offset", _base(), 6, "BAD_OFFSET", "offset", 32, offset=32, length=256)
    add("mapping_too_small", _base(), 5, "MAPPING_TOO_SMALL", "mapping length", 0, length=128)
    add("mapping_too_small_at_offset", _base(), 5, "MAPPING_TOO_SMALL", "mapping length", 64,
        offset=64, length=255)
    m = _base()
    m.u32(0, 0x12345678)
    add("bad_magic", m, 1, "BAD_MAGIC", "magic", 0)
    m = _base()
    m.u32(0, 0)
    add("unpublished_magic", m, 1, "BAD_MAGIC", "magic", 0)
    m = _base()
    m.b[0:4] = struct.pack(">I", MAGIC)
    add("byte_swapped", m, 2, "BYTE_SWAPPED", "magic", 0)
    m = _base()
    m.u32(4, 2)
    add("bad_version", m, 3, "BAD_VERSION", "version", 4)
    m = _base()
    m.u32(8, 128)
    add("size_below_192", m, 4, "BAD_SIZE", "desc_size", 8)
    m = _base()
    m.u32(8, 200)
    add("size_not_multiple_of_64", m, 4, "BAD_SIZE", "desc_size", 8, length=256)
    m = _base()
    m.u32(8, 256)
    add("desc_size_beyond_mapping", m, 5, "MAPPING_TOO_SMALL", "mapping length", 0)
    # MESSAGE_RINGS (15.6) needs a desc_size that holds two rings: 704 at least (rule 5)
    m = _base(offered=0xD | MESSAGE_RINGS)
    m.u32(8, 640)
    add("message_rings_in_640_bytes", m, 4, "BAD_SIZE", "desc_size", 8, length=640,
        supported=0xD | MESSAGE_RINGS)
    m = _base()
    m.u32(12, 2)
    add("bad_creator", m, 7, "BAD_LOCALITY", "creator", 12)
    m = _base()
    m.b[63] = 1
    add("reserved0_nonzero", m, 8, "RESERVED_NONZERO", "reserved0", 56)
    m = _base()
    m.b[rec(0) + 3] = 1
    add("pad0_nonzero", m, 8, "RESERVED_NONZERO", "irq[0].pad0", 67)
    m = _base()
    m.b[rec(1) + 13] = 0x80
    add("irq_reserved0_nonzero", m, 8, "RESERVED_NONZERO", "irq[1].reserved0", 140)
    m = _base()
    m.b[191] = 0xFF
    add("last_byte_nonzero", m, 8, "RESERVED_NONZERO", "irq[1].reserved3[3]", 184)
    m = _base()
    m.b[40:56] = bytes(16)
    m.b[rec(1) + 3] = 1
    add("reserved_before_instance_id", m, 8, "RESERVED_NONZERO", "irq[1].pad0", 131)
    m = _base()
    m.b[40:56] = bytes(16)
    add("zero_instance_id", m, 13, "BAD_INSTANCE_ID", "instance_id", 40)
    m = _base()
    m.b[rec(0)] = 2
    add("bad_flag_enabled", m, 9, "BAD_FLAG", "irq[0].enabled", 64)
    m = _base()
    m.b[rec(1) + 2] = 0xFF
    m.b[rec(0) + 1] = 7
    add("bad_flag_order", m, 9, "BAD_FLAG", "irq[0].pending", 65)
    m = _base()
    m.u32(rec(1) + 4, 3)
    add("bad_state", m, 10, "BAD_STATE", "irq[1].state", 132)
    m = _base()
    m.u32(rec(0) + 4, EMPTY)
    add("creator_never_attached", m, 10, "BAD_STATE", "irq[0].state", 68)
    m = _base(offered=0x9, required=0x4)
    add("required_not_offered", m, 11, "BAD_FEATURES", "features_required", 24)
    m = _base()
    m.u64(32, 0x1)
    add("accepted_before_attach", m, 11, "BAD_FEATURES", "features_accepted", 32)
    m = _base(offered=0xD, required=0x8)
    m.attach(0x5, PID_S)  # accepted 0x5 lacks the required 0x8
    add("accepted_lacks_required", m, 11, "BAD_FEATURES", "features_accepted", 32)
    m = _base(offered=0x5)
    m.attach(0x5, PID_S)
    m.u64(32, 0x7)
    add("accepted_not_offered", m, 11, "BAD_FEATURES", "features_accepted", 32)
    m = _base(offered=0xD | 1 << 40, required=1 << 40)  # an unassigned bit, unknown to every peer
    add("unsupported_required", m, 12, "UNSUPPORTED_FEATURE", "features_required", 24)
    m = _base(offered=0xD, required=0x4)
    add("required_not_supported_here", m, 12, "UNSUPPORTED_FEATURE", "features_required", 24,
        supported=0x9)
    m = _base(offered=0x9)
    m.attach(0x9, PID_S)
    add("locality_busy", m, 14, "LOCALITY_BUSY", "irq[1].state", 132, attach_only=True)
    m = _base(offered=0xD)
    m.attach(0xD, PID_S)
    m.close(SOUTH)
    # a re-attach keeps the negotiated 0xd, and NOTIFY_COUNT is not supported here
    add("reattach_keeps_features", m, 12, "UNSUPPORTED_FEATURE", "features_accepted", 32,
        supported=0x5, attach_only=True)
    # GROUP_DOORBELL (7.8): the waiting byte's range, the doorbell reserved without it
    # (6.4 rule 8), never required, only with WAKE_ADDRESS and WAITER_FLAG (rule 12)
    bell = WAKE_ADDRESS | LIVENESS_LOCK | NOTIFY_COUNT | WAITER_FLAG | GROUP_DOORBELL
    m = _base(offered=bell)
    m.b[rec(0) + 3] = 4
    add("doorbell_pad0_beyond_3", m, 9, "BAD_FLAG", "irq[0].pad0", 67, supported=bell)
    m = _base(offered=bell & ~GROUP_DOORBELL)
    m.b[rec(1) + 3] = 2
    add("pad0_2_without_doorbell", m, 9, "BAD_FLAG", "irq[1].pad0", 131, supported=bell)
    m = _base(offered=bell & ~GROUP_DOORBELL)
    m.b[rec(0) + 27] = 1
    add("doorbell_without_the_feature", m, 8, "RESERVED_NONZERO", "irq[0].doorbell", 88, supported=bell)
    m = _base(offered=bell)
    m.u32(rec(0) + 24, 0xFFFFFFFF)  # a counter: any value
    m.b[rec(1) + 28] = 1
    add("reserved2_nonzero", m, 8, "RESERVED_NONZERO", "irq[1].reserved2", 156, supported=bell)
    m = _base(offered=bell, required=GROUP_DOORBELL)
    add("doorbell_required", m, 11, "BAD_FEATURES", "features_required", 24, supported=bell)
    m = _base(offered=bell & ~WAITER_FLAG)
    add("doorbell_without_waiter_flag", m, 11, "BAD_FEATURES", "features_offered", 16, supported=bell)
    m = _base(offered=bell & ~WAKE_ADDRESS)
    add("doorbell_without_wake_address", m, 11, "BAD_FEATURES", "features_offered", 16, supported=bell)
    m = _base(offered=bell)
    m.attach(bell & ~WAITER_FLAG, PID_S)
    add("doorbell_accepted_without_waiter_flag", m, 11, "BAD_FEATURES", "features_accepted", 32,
        supported=bell)
    return out


def build() -> Dict[str, Any]:
    return {
        "format": 1,
        "abi_version": VERSION,
        "about": "Golden vectors of shm-signal ABI v1 (docs/spec.md); written by "
                 "abi/vectors/make_golden.py from a transcription of the spec. Each case runs "
                 "from an empty file at offset 0; the creator and the attacher may be different "
                 "engines in one process. 'expect' is the descriptor's 192 bytes after the step. "
                 "'attach' is followed by the creator observing the attach (wait_for_peer). "
                 "'wakeup' with 'reinject': the notifier makes the remote inject once during each "
                 "of its first 'reinject' calls. Fault vectors: write 'mapping' to a file, attach "
                 "at 'offset' accepting 'features'; the attach must fail with 'code' naming "
                 "'field' at descriptor offset 'field_offset', and leave the file unchanged.",
        "cases": cases(),
        "faults": faults(),
    }


def render() -> str:
    return json.dumps(build(), indent=1) + "\n"


def write_vectors(argv: List[str], path: Path, text: str, script: str) -> int:
    """Write ``text`` to ``path``; with --check, exit 1 if ``path`` differs."""
    if "--check" in argv:
        if not path.exists() or path.read_text() != text:
            print(f"stale: {path} (run: python {script})", file=sys.stderr)
            return 1
        return 0
    path.write_text(text)
    print(f"wrote {path}")
    return 0


def main(argv: List[str]) -> int:
    return write_vectors(argv, GOLDEN, render(), Path(__file__).name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
