"""Creation and attach (docs/spec.md sections 6.1 and 6.3): the steps that make a
:class:`~abi.engine.channel.Channel`, with every argument already checked by its
constructors.  Nothing written before the locks are held; on any failure, what was
taken is given back and what was published is marked closed."""

from __future__ import annotations

import errno
import os
import time
from typing import TYPE_CHECKING, Any, Optional, Tuple, Type

from abi import descriptor, layout
from abi.engine.liveness import lock_offset
from abi.engine.mapping import Map, PathLike, open_file
from abi.engine.ordering import Ordering
from abi.engine.wake import supported_features
from abi.faults import AttachTimeout, BadLocality, Fault, ShmSignalFault
from abi.features import doorbell_fits

if TYPE_CHECKING:  # annotations only: the channel imports this module
    from abi.engine.channel import Channel

NORTH, SOUTH = layout.LOCALITY_NORTH, layout.LOCALITY_SOUTH
_IRQ = {f.name: f.offset for f in layout.describe(layout.ShmSignalIrq).fields}
_DESC = {f.name: f.offset for f in layout.describe(layout.ShmSignalDesc).fields}


def record_field(locality: int, name: str) -> str:
    return f"irq[{locality}].{name}"



class Changed(BadLocality):
    """The descriptor's creator changed between the attach's two snapshots (6.3
    step 3): retried until the attach's deadline, then reported as it is."""



def create(cls: Type[Channel], path: PathLike, loc: int, offset: int, size: Optional[int], offered: int,
           required: int, mode: int, exist_ok: bool, instance_id: Optional[bytes], own_pid: int,
           ordering: Ordering, rings: Optional[Tuple[Tuple[int, int], Tuple[int, int]]] = None,
           **tuning: Any) -> Channel:
    """Spec 6.1, with every argument checked already: take both records' locks,
    check the room, write the descriptor (and with ``rings``, the channel's two
    rings, 15.6), publish it."""
    if rings:
        offered |= layout.FEATURE_MESSAGE_RINGS
    elif required & layout.FEATURE_MESSAGE_RINGS:
        raise ValueError("MESSAGE_RINGS required, and no rings laid out (rings=...)")
    else:
        offered &= ~layout.FEATURE_MESSAGE_RINGS  # offered only with rings laid out (15.6)
    desc_size = layout.rings_desc_size(rings[0][0], rings[1][0]) if rings else layout.DESC_SIZE
    if not doorbell_fits(offered, offset):
        offered &= ~layout.FEATURE_GROUP_DOORBELL  # never required: it just goes
    if instance_id is None:
        instance_id = os.urandom(16)
        while not any(instance_id):
            instance_id = os.urandom(16)
    # The descriptor's own checks (faults), on a scratch buffer.
    descriptor.initialize(bytearray(desc_size), 0, loc, offered, required, instance_id, rings=rings)
    # A creator offers only what it implements (6.2): an attacher may accept any offered bit.
    if offered & ~supported_features(ordering.can_ring):
        raise ShmSignalFault(Fault.UNSUPPORTED_FEATURE, "offered features must be implemented here",
                             field="features_offered", offset=_DESC["features_offered"],
                             expected="subset of supported", actual=f"0x{offered:x}")
    file = open_file(path, create=True, exist_ok=exist_ok, mode=mode)
    taken = []
    try:
        # North's lock, then south's, whatever our locality: in any other order two
        # creators racing for one descriptor could each take one and both give up.
        for holder in (NORTH, SOUTH):
            lk = lock_offset(offset, holder)
            if not file.try_lock(lk):
                raise ShmSignalFault(Fault.LOCALITY_BUSY, "a live peer holds a record of the descriptor "
                                     "at this offset: refused to write over it",
                                     field=record_field(holder, "state"),
                                     offset=descriptor.irq_field_offset(holder, "state"),
                                     expected="a free liveness lock", actual="held")
            taken.append(lk)
        descriptor.check_room(file.read_at(offset, desc_size), offset, desc_size)
        file.grow(max(size or 0, offset + desc_size))
        mapping = file.map()
        if offset and _head_offers_doorbell(mapping, ordering) is False:
            offered &= ~layout.FEATURE_GROUP_DOORBELL  # no attacher could accept it (7.8)
    except BaseException:
        for lk in taken:
            file.unlock(lk)
        file.release()
        raise
    try:
        ch = cls(file, mapping, offset, loc, creator=True, offered=offered, required=required,
                 instance_id=instance_id, ordering=ordering, desc_size=desc_size, **tuning)
    except BaseException:
        for lk in taken:
            file.unlock(lk)
        file.unmap(mapping)
        file.release()
        raise
    other = lock_offset(offset, 1 - loc)
    try:
        descriptor.initialize(mapping.mm, offset, loc, offered, required, instance_id, own_pid,
                              fence=ch._ordering.fence, before_publish=lambda: file.unlock(other),
                              rings=rings)
    except BaseException:
        file.unlock(other)
        ch._abandon(published=True)
        raise
    return ch


def attach(cls: Type[Channel], path: PathLike, offset: int, deadline: float, supported: int, own_pid: int,
           ordering: Ordering, **tuning: Any) -> Channel:
    """Spec 6.3, retried until ``deadline`` (time.monotonic()) while the file is missing
    or its descriptor not yet published or changing under us."""
    while True:
        try:
            return _attach_once(cls, path, offset, supported, own_pid, ordering, **tuning)
        except (ShmSignalFault, FileNotFoundError) as exc:
            retryable = (FileNotFoundError, Changed, descriptor.Unpublished)
            retry = isinstance(exc, retryable) or exc.code == Fault.MAPPING_TOO_SMALL
            if not retry or time.monotonic() >= deadline:
                if isinstance(exc, FileNotFoundError) and not isinstance(exc, AttachTimeout):
                    raise AttachTimeout(errno.ENOENT, f"{os.fsdecode(path)}: no file to attach to "
                                        "within the timeout") from exc
                raise
            time.sleep(0.001)


def _may_ring(accepted: int, offset: int, mapping: Map, ordering: Ordering) -> bool:
    """Spec 6.3 step 4: GROUP_DOORBELL is accepted only where it fits (its needs
    accepted, clear of the head), with an atomic add, and a head (file offset 0) that
    holds the magic and offers it."""
    if not doorbell_fits(accepted, offset) or not ordering.can_ring:
        return False
    return bool(_head_offers_doorbell(mapping, ordering))


def _head_offers_doorbell(mapping: Map, ordering: Ordering) -> Optional[bool]:
    """Whether the descriptor at file offset 0 offers GROUP_DOORBELL, read as 6.4
    takes a snapshot (the magic, an acquire fence, then the offer); None when it
    holds no magic (no head, or not published yet)."""
    at = _DESC["magic"]
    if int.from_bytes(mapping.mm[at:at + 4], "little") != layout.MAGIC:
        return None
    ordering.fence()
    at = _DESC["features_offered"]
    return bool(int.from_bytes(mapping.mm[at:at + 8], "little") & layout.FEATURE_GROUP_DOORBELL)


def _attach_once(cls: Type[Channel], path: PathLike, offset: int, supported: int, own_pid: int,
                 ordering: Ordering, **tuning: Any) -> Channel:
    """Spec 6.3: validate S1, lock record A = 1 - creator, validate S2, and from
    then on decide from S2 alone."""
    file = open_file(path)
    try:
        size = file.size()
        if size < offset + layout.DESC_SIZE:
            raise ShmSignalFault(Fault.MAPPING_TOO_SMALL, "the mapping ends before the descriptor does",
                                 field="mapping length", offset=offset,
                                 expected=offset + layout.DESC_SIZE, actual=size)
        mapping = file.map()
    except BaseException:
        file.release()
        raise
    lock = None
    try:
        length = min(mapping.length, file.size())  # a shrunk file is no longer than it is
        s1 = descriptor.validate(mapping.mm, offset, length, supported, fence=ordering.fence)
        loc = 1 - s1.creator
        lock = lock_offset(offset, loc)
        if not file.try_lock(lock):
            lock = None
            raise ShmSignalFault(Fault.LOCALITY_BUSY, "a live peer holds this locality",
                                 field=record_field(loc, "state"),
                                 offset=descriptor.irq_field_offset(loc, "state"),
                                 expected="a free liveness lock", actual="held")
        snap = descriptor.validate(mapping.mm, offset, length, supported, fence=ordering.fence)
        if snap.creator != s1.creator:
            raise Changed(Fault.BAD_LOCALITY, "the descriptor's creator changed during the attach",
                           field="creator", offset=_DESC["creator"], expected=s1.creator,
                           actual=snap.creator)
        state = snap.irq[loc].state
        accepted = snap.features_offered & supported
        if accepted & layout.FEATURE_GROUP_DOORBELL and not _may_ring(accepted, offset, mapping, ordering):
            accepted &= ~layout.FEATURE_GROUP_DOORBELL
        if state != layout.STATE_EMPTY:
            # A re-attach keeps the set of the session before (6.3 step 4, [R6.3-3]): the
            # creator read it once and goes on using it.
            accepted = snap.features_accepted
            if accepted & ~supported:
                raise ShmSignalFault(Fault.UNSUPPORTED_FEATURE, "a re-attach keeps the negotiated "
                                     "features, and some of them are not supported here",
                                     field="features_accepted", offset=_DESC["features_accepted"],
                                     expected=f"a subset of 0x{supported:x}", actual=f"0x{accepted:x}")
        if state == layout.STATE_ATTACHED and not accepted & layout.FEATURE_LIVENESS_LOCK:
            raise ShmSignalFault(Fault.LOCALITY_BUSY, "a live peer holds this locality (attached, and "
                                 "no liveness lock to prove it dead)", field=record_field(loc, "state"),
                                 offset=descriptor.irq_field_offset(loc, "state"),
                                 expected="empty or closed", actual=state)
        ch = cls(file, mapping, offset, loc, creator=False, offered=snap.features_offered,
                 required=snap.features_required, instance_id=bytes(snap.instance_id),
                 ordering=ordering, desc_size=snap.desc_size, **tuning)
    except BaseException:
        if lock is not None:
            file.unlock(lock)
        file.unmap(mapping)
        file.release()
        raise
    try:
        # The backend for the negotiated set, before anything is written: a refusal
        # here (WAKE_OBJECT_FOREIGN, an OS error) leaves the descriptor untouched.
        ch._set_features(accepted)
    except BaseException:
        ch._abandon(published=False)
        raise
    try:
        mapping.store_le64(offset + _DESC["features_accepted"], accepted)
        mapping.store_le32(ch._own + _IRQ["pid"], own_pid)
        ordering.fence()  # release: accepted and pid before the state that publishes them
        mapping.store_le32(ch._own + _IRQ["state"], layout.STATE_ATTACHED)
        ordering.fence()
        # Wake the creator once (and ring its doorbell): if it is parked, on the
        # channel or on the doorbell, it re-reads the negotiated features.
        ch._notify(0xFF)
    except BaseException:
        ch._abandon(published=True)
        raise
    return ch

