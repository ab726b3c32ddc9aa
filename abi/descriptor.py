"""Creating and validating a descriptor in a buffer (docs/spec.md, "Creation" and
"Validation").

Validation works on a snapshot, so a peer that rewrites the descriptor while it is
being checked cannot make a check pass on one value and the use see another.  The
checks run in the order the spec lists, and the first that fails is reported, so
every conforming peer reports the same fault code for the same bytes.

``fence`` arguments take a full fence (:meth:`abi.engine.ordering.Ordering.fence`) for
buffers another process maps; plain buffers need none.
"""

from __future__ import annotations

import os
import struct
from typing import Any, Callable, Optional, Sequence, Tuple

from abi import layout
from abi.faults import BadMagic, Fault, ShmSignalFault
from abi.layout import ShmSignalDesc, ShmSignalIrq

_IRQ_FIELD = {f.name: f for f in layout.describe(ShmSignalIrq).fields}
_DESC_FIELD = {f.name: f for f in layout.describe(ShmSignalDesc).fields}


def _fault(code: Fault, msg: str, field: str, offset: int, expected: object = None,
           actual: object = None) -> ShmSignalFault:
    return ShmSignalFault(code, msg, field=field, offset=offset, expected=expected, actual=actual)


class Unpublished(BadMagic):
    """``BAD_MAGIC`` with a magic of 0: a creator still writing (6.1 step 5), which an
    attach may wait for (13.4); decided from the snapshot, never from a second read."""


def irq_field_offset(locality: int, name: str) -> int:
    """Offset of ``irq[locality].name`` from the start of the descriptor."""
    return layout.IRQ_OFFSET + locality * layout.IRQ_SIZE + _IRQ_FIELD[name].offset


Fence = Optional[Callable[[], Any]]


def initialize(buf: Any, offset: int, creator: int, offered: int, required: int = 0,
               instance_id: Optional[bytes] = None, pid: int = 0, fence: Fence = None,
               before_publish: Optional[Callable[[], None]] = None,
               rings: Optional[Sequence[Tuple[int, int]]] = None) -> ShmSignalDesc:
    """Write a fresh descriptor at ``buf[offset:]`` as locality ``creator`` (spec 6.1
    steps 5-8); with ``rings`` ((capacity, max_message) of north's ring, then of
    south's: checked by the caller), the channel's two message rings after it, and a
    ``desc_size`` that holds them (15.6).

    ``magic`` is cleared first and stored last: a peer that sees the magic sees a
    complete descriptor.  ``before_publish`` runs just before the last fence and the
    magic store (the creator releases the other record's lock there).  Returns a
    ctypes view.
    """
    if offset % layout.DESC_ALIGN:
        raise _fault(Fault.BAD_OFFSET, f"descriptor offset must be a multiple of {layout.DESC_ALIGN}",
                     "offset", offset, "multiple of 64", offset)
    if creator not in (layout.LOCALITY_NORTH, layout.LOCALITY_SOUTH):
        raise _fault(Fault.BAD_LOCALITY, "creator must be 0 (north) or 1 (south)",
                     "creator", _DESC_FIELD["creator"].offset, "0 or 1", creator)
    if required & ~offered:
        raise _fault(Fault.BAD_FEATURES, "required features must be offered",
                     "features_required", _DESC_FIELD["features_required"].offset,
                     f"subset of 0x{offered:x}", f"0x{required:x}")
    _check_doorbell_features(offered, required, 0, layout.STATE_EMPTY)
    size = layout.rings_desc_size(rings[0][0], rings[1][0]) if rings else layout.DESC_SIZE
    if offered & layout.FEATURE_MESSAGE_RINGS and not rings:
        raise _fault(Fault.BAD_SIZE, "MESSAGE_RINGS is offered only with the rings laid out (15.6)",
                     "desc_size", _DESC_FIELD["desc_size"].offset,
                     f">= {layout.RINGS_MIN_DESC_SIZE} with MESSAGE_RINGS", size)
    if len(buf) < offset + size:
        raise _fault(Fault.MAPPING_TOO_SMALL, "the buffer ends before the descriptor does",
                     "mapping length", offset, offset + size, len(buf))
    if instance_id is None:
        instance_id = os.urandom(16)
        while not any(instance_id):
            instance_id = os.urandom(16)
    if len(instance_id) != 16 or not any(instance_id):
        raise _fault(Fault.BAD_INSTANCE_ID, "instance_id must be 16 bytes, not all zero",
                     "instance_id", _DESC_FIELD["instance_id"].offset, "16 nonzero bytes",
                     instance_id.hex())
    struct.pack_into("<I", buf, offset, 0)  # unpublish before anything else changes
    if fence is not None:
        fence()
    buf[offset + 4:offset + size] = bytes(size - 4)
    d = ShmSignalDesc.from_buffer(buf, offset)
    d.version = layout.VERSION
    d.desc_size = size
    d.creator = creator
    d.features_offered = offered
    d.features_required = required
    d.instance_id[:] = list(instance_id)
    d.irq[creator].pid = pid & 0xFFFFFFFF
    d.irq[creator].state = layout.STATE_ATTACHED
    north_capacity = rings[0][0] if rings else 0
    for producer, (capacity, max_message) in enumerate(rings or ()):
        at = offset + layout.ring_offset(producer, north_capacity)
        ring = layout.ShmSignalRingHeader.from_buffer(buf, at)
        ring.capacity, ring.max_message = capacity, max_message
        if fence is not None:
            fence()  # 15.1: the ring's magic last (R15-2)
        ring.magic = layout.RING_MAGIC
        del ring  # (a view of buf: it must not outlive this call)
    if before_publish is not None:
        before_publish()
    if fence is not None:
        fence()
    d.magic = layout.MAGIC  # last: publishes the descriptor
    return d


def snapshot(buf: Any, offset: int = 0, fence: Fence = None) -> ShmSignalDesc:
    """A private copy of the descriptor at ``buf[offset:]``: the magic, then (after
    ``fence``, the acquire half of the creator's publishing fence) the rest, so a
    copy with a valid magic holds everything the creator wrote before it (6.4)."""
    magic = bytes(buf[offset:offset + 4])
    if fence is not None:
        fence()
    return ShmSignalDesc.from_buffer_copy(magic + bytes(buf[offset + 4:offset + layout.DESC_SIZE]))


def check_room(raw: bytes, offset: int, desc_size: int = layout.DESC_SIZE) -> None:
    """May a creator that holds both records' locks write a descriptor of
    ``desc_size`` bytes over ``raw``, the bytes now at ``offset`` (shorter at the end
    of the file)?  Spec 6.1 step 3: only over zeros, or over a descriptor none of
    whose records is live; and the bytes past 192 that its rings take (15.6) only
    when they are zero or that old descriptor's own, of the same ``desc_size``.
    Raises the fault otherwise (``BAD_MAGIC``/``BYTE_SWAPPED``, ``LOCALITY_BUSY``,
    ``BAD_RING``)."""
    tail = bytes(raw[layout.DESC_SIZE:desc_size])
    raw = bytes(raw[:layout.DESC_SIZE]).ljust(layout.DESC_SIZE, b"\0")
    if not any(raw):
        _check_ring_room(tail, 0)
        return
    d = ShmSignalDesc.from_buffer_copy(raw)
    if d.magic != layout.MAGIC:
        code = Fault.BYTE_SWAPPED if d.magic == layout.MAGIC_SWAPPED else Fault.BAD_MAGIC
        raise _fault(code, f"the bytes at offset {offset} are neither zero nor a descriptor: "
                     "refused to write over them", "magic", _DESC_FIELD["magic"].offset,
                     f"0x{layout.MAGIC:08x} or all zero", f"0x{d.magic:08x}")
    creator = d.creator if d.creator in (0, 1) else None
    for loc in (0, 1):
        if d.irq[loc].state != layout.STATE_ATTACHED:
            continue
        # The locks are ours now, so an attached record whose owner used the lock is
        # dead; one whose owner did not use it cannot be proven dead.
        uses_lock = d.features_offered if loc == creator else d.features_accepted
        if creator is None or not uses_lock & layout.FEATURE_LIVENESS_LOCK:
            raise _fault(Fault.LOCALITY_BUSY, "the descriptor there has a live record (attached, "
                         "without a liveness lock that could prove it dead): refused to write over it",
                         f"irq[{loc}].state", irq_field_offset(loc, "state"),
                         "empty, closed, or a dead lock holder", layout.STATE_ATTACHED)
    _check_ring_room(tail, d.desc_size)


def _check_ring_room(tail: bytes, old_size: int) -> None:
    """6.1 step 3 for the rings' bytes (R6.1-7): zero, or the old descriptor's own
    (it had this very size)."""
    if any(tail) and old_size != layout.DESC_SIZE + len(tail):
        at = layout.DESC_SIZE + next(i for i, b in enumerate(tail) if b)
        raise _fault(Fault.BAD_RING, "the bytes where the channel's rings go are not free: refused to "
                     "write over them", "ring", at, "zero, or an old descriptor's own rings",
                     f"0x{tail[at - layout.DESC_SIZE]:02x}")


def validate(buf: Any, offset: int = 0, length: Optional[int] = None,
             supported: int = layout.FEATURES_KNOWN, fence: Fence = None) -> ShmSignalDesc:
    """Check the descriptor at ``buf[offset:]`` (a mapping of ``length`` bytes) in the
    spec's order; raise :class:`ShmSignalFault` for the first fault.  ``supported``
    is the feature set of the peer that validates.  Returns the snapshot checked:
    the only copy of the descriptor an attacher may decide from (6.3)."""
    length = len(buf) if length is None else length
    check_geometry(offset, length)
    return check_snapshot(snapshot(buf, offset, fence), offset, length, supported)


def check_geometry(offset: int, length: int) -> None:
    """Checks 1 and 2 of 6.4: where the descriptor sits in a mapping of ``length``."""
    if offset % layout.DESC_ALIGN:
        raise _fault(Fault.BAD_OFFSET, f"descriptor offset is not a multiple of {layout.DESC_ALIGN}",
                     "offset", offset, "multiple of 64", offset)
    if length < offset + layout.DESC_SIZE:
        raise _fault(Fault.MAPPING_TOO_SMALL, "the mapping ends before the descriptor does",
                     "mapping length", offset, offset + layout.DESC_SIZE, length)


def check_snapshot(d: ShmSignalDesc, offset: int, length: int,
                   supported: int = layout.FEATURES_KNOWN) -> ShmSignalDesc:
    """Checks 3 to 13 of 6.4 on a snapshot of the descriptor at ``offset`` of a
    mapping of ``length`` bytes (whose geometry :func:`check_geometry` passed)."""
    f = _DESC_FIELD
    if d.magic != layout.MAGIC:
        code = Fault.BYTE_SWAPPED if d.magic == layout.MAGIC_SWAPPED else Fault.BAD_MAGIC
        kind = Unpublished if d.magic == 0 else ShmSignalFault
        raise kind(code, "bad magic", field="magic", offset=f["magic"].offset,
                   expected=f"0x{layout.MAGIC:08x}", actual=f"0x{d.magic:08x}")
    if d.version != layout.VERSION:
        raise _fault(Fault.BAD_VERSION, "unsupported major version", "version",
                     f["version"].offset, layout.VERSION, d.version)
    if d.desc_size < layout.DESC_SIZE or d.desc_size % layout.DESC_ALIGN:
        raise _fault(Fault.BAD_SIZE, "desc_size must be >= 192 and a multiple of 64",
                     "desc_size", f["desc_size"].offset, ">= 192, multiple of 64", d.desc_size)
    if d.features_offered & layout.FEATURE_MESSAGE_RINGS and d.desc_size < layout.RINGS_MIN_DESC_SIZE:
        raise _fault(Fault.BAD_SIZE, "MESSAGE_RINGS is offered, and desc_size cannot hold two rings",
                     "desc_size", f["desc_size"].offset,
                     f">= {layout.RINGS_MIN_DESC_SIZE} with MESSAGE_RINGS", d.desc_size)
    if length < offset + d.desc_size:
        raise _fault(Fault.MAPPING_TOO_SMALL, "the mapping ends before offset + desc_size",
                     "mapping length", offset, offset + d.desc_size, length)
    if d.creator not in (layout.LOCALITY_NORTH, layout.LOCALITY_SOUTH):
        raise _fault(Fault.BAD_LOCALITY, "creator must be 0 (north) or 1 (south)",
                     "creator", f["creator"].offset, "0 or 1", d.creator)
    _check_reserved(d, d.features_offered)
    if not any(d.instance_id):
        raise _fault(Fault.BAD_INSTANCE_ID, "instance_id is all zero", "instance_id",
                     f["instance_id"].offset, "not all zero", "00" * 16)
    for loc in (0, 1):
        irq = d.irq[loc]
        for name in ("enabled", "pending", "dirty"):
            value = getattr(irq, name)
            if value not in (0, 1):
                raise _fault(Fault.BAD_FLAG, "flag bytes hold 0 or 1", f"irq[{loc}].{name}",
                             irq_field_offset(loc, name), "0 or 1", value)
        if irq.state not in (layout.STATE_EMPTY, layout.STATE_ATTACHED, layout.STATE_CLOSED):
            raise _fault(Fault.BAD_STATE, "state must be 0, 1 or 2", f"irq[{loc}].state",
                         irq_field_offset(loc, "state"), "0, 1 or 2", irq.state)
    if d.irq[d.creator].state == layout.STATE_EMPTY:
        raise _fault(Fault.BAD_STATE, "the creator's record was never attached",
                     f"irq[{d.creator}].state", irq_field_offset(d.creator, "state"),
                     "1 or 2", 0)
    offered, required, accepted = d.features_offered, d.features_required, d.features_accepted
    attacher_state = d.irq[1 - d.creator].state
    if required & ~offered:
        raise _fault(Fault.BAD_FEATURES, "features_required is not a subset of features_offered",
                     "features_required", f["features_required"].offset,
                     f"subset of 0x{offered:x}", f"0x{required:x}")
    if accepted & ~offered or (attacher_state != layout.STATE_EMPTY and required & ~accepted) \
            or (attacher_state == layout.STATE_EMPTY and accepted):
        raise _fault(Fault.BAD_FEATURES,
                     "features_accepted must be 0 before an attach, else between required "
                     "and offered", "features_accepted", f["features_accepted"].offset,
                     f"0x{required:x} <= accepted <= 0x{offered:x}", f"0x{accepted:x}")
    _check_doorbell_features(offered, required, accepted, attacher_state)
    if required & ~supported:
        raise _fault(Fault.UNSUPPORTED_FEATURE, "a required feature is not implemented here",
                     "features_required", f["features_required"].offset,
                     f"subset of 0x{supported:x}", f"0x{required:x}")
    return d


def _check_doorbell_features(offered: int, required: int, accepted: int, attacher_state: int) -> None:
    """Spec 6.4 rule 12's GROUP_DOORBELL part: never required; offered (and accepted)
    only with WAKE_ADDRESS and WAITER_FLAG."""
    f = _DESC_FIELD
    needs, bell = layout.FEATURE_GROUP_DOORBELL_NEEDS, layout.FEATURE_GROUP_DOORBELL
    if required & bell:
        raise _fault(Fault.BAD_FEATURES, "GROUP_DOORBELL is never required", "features_required",
                     f["features_required"].offset, f"0x{bell:x} clear", f"0x{required:x}")
    if offered & bell and offered & needs != needs:
        raise _fault(Fault.BAD_FEATURES, "GROUP_DOORBELL is offered only with WAKE_ADDRESS and WAITER_FLAG",
                     "features_offered", f["features_offered"].offset, f"0x{needs:x} set", f"0x{offered:x}")
    if attacher_state != layout.STATE_EMPTY and accepted & bell and accepted & needs != needs:
        raise _fault(Fault.BAD_FEATURES, "GROUP_DOORBELL is accepted only with WAKE_ADDRESS and WAITER_FLAG",
                     "features_accepted", f["features_accepted"].offset, f"0x{needs:x} set",
                     f"0x{accepted:x}")


def _check_reserved(d: ShmSignalDesc, offered: int) -> None:
    """Every must-be-zero byte, in memory order (spec 6.4 rule 8).  With WAITER_FLAG
    offered, pad0 is a waiting byte (0 or 1; 0 to 3 with GROUP_DOORBELL too): a value
    left by an earlier session is legitimate there.  With GROUP_DOORBELL offered,
    ``doorbell`` is a counter and may hold anything."""
    waiter_flag = bool(offered & layout.FEATURE_WAITER_FLAG)
    doorbell = bool(offered & layout.FEATURE_GROUP_DOORBELL)
    top = 3 if waiter_flag and doorbell else 1
    for leaf in layout.leaves(ShmSignalDesc):
        names = [m for _s, m in layout.path_members(ShmSignalDesc, leaf.path)]
        if not any(n.startswith(("reserved", "pad", "doorbell")) for n in names):
            continue
        raw = bytes(memoryview(d).cast("B")[leaf.offset:leaf.offset + leaf.size])
        if waiter_flag and names[-1] == "pad0":
            if raw[0] > top:
                both = " and GROUP_DOORBELL" if top == 3 else ""
                raise _fault(Fault.BAD_FLAG, f"with WAITER_FLAG{both}, pad0 is a waiting byte: 0 to {top}",
                             leaf.path, leaf.offset, f"0 to {top}", raw[0])
            continue
        if doorbell and names[-1] == "doorbell":
            continue
        if any(raw):
            raise _fault(Fault.RESERVED_NONZERO, "reserved bytes must be zero", leaf.path,
                         leaf.offset, 0, "0x" + raw[::-1].hex())



