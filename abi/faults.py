"""Fault codes of the shm-signal ABI (docs/spec.md, section "Fault codes").

A peer that refuses a descriptor reports one of these numbers; the number is the
interface, the message is for humans.  Codes are never reused or renumbered.
"""

from __future__ import annotations

import enum
from typing import Optional


class Fault(enum.IntEnum):
    OK = 0
    BAD_MAGIC = 1
    BYTE_SWAPPED = 2
    BAD_VERSION = 3
    BAD_SIZE = 4
    MAPPING_TOO_SMALL = 5
    BAD_OFFSET = 6
    BAD_LOCALITY = 7
    RESERVED_NONZERO = 8
    BAD_FLAG = 9
    BAD_STATE = 10
    BAD_FEATURES = 11
    UNSUPPORTED_FEATURE = 12
    BAD_INSTANCE_ID = 13
    LOCALITY_BUSY = 14
    PEER_DEAD = 15
    PEER_CLOSED = 16
    WAKE_OBJECT_FOREIGN = 17


FAULT_DOCS = {
    Fault.OK: "No fault.",
    Fault.BAD_MAGIC: "magic is not 0x58fa39df (and not its byte swap).",
    Fault.BYTE_SWAPPED: "magic reads 0xdf39fa58: the creator wrote multi-byte fields big-endian.",
    Fault.BAD_VERSION: "version is not a major version this peer implements.",
    Fault.BAD_SIZE: "desc_size is below 192 or not a multiple of 64.",
    Fault.MAPPING_TOO_SMALL: "The mapping ends before offset + desc_size.",
    Fault.BAD_OFFSET: "The descriptor's offset in the mapping is not a multiple of 64.",
    Fault.BAD_LOCALITY: "creator is not 0 (north) or 1 (south), or a locality index is out of range.",
    Fault.RESERVED_NONZERO: "A reserved or pad field is not zero.",
    Fault.BAD_FLAG: "enabled, pending or dirty holds a value other than 0 or 1.",
    Fault.BAD_STATE: "An irq state is not 0 (empty), 1 (attached) or 2 (closed), "
                     "or does not fit the handshake (the creator is not attached).",
    Fault.BAD_FEATURES: "features_required is not a subset of features_offered, or "
                        "features_accepted is not between them.",
    Fault.UNSUPPORTED_FEATURE: "features_required holds a bit this peer does not implement.",
    Fault.BAD_INSTANCE_ID: "instance_id is all zero.",
    Fault.LOCALITY_BUSY: "The locality to attach as is held by a live peer.",
    Fault.PEER_DEAD: "The remote peer died without closing (its liveness lock is free).",
    Fault.PEER_CLOSED: "The remote peer closed the channel.",
    Fault.WAKE_OBJECT_FOREIGN: "A named wake-up object of the channel (WAKE_NAMED_EVENT: its event) "
                               "already exists and is not this user's alone: its owner is not this "
                               "user, its DACL is NULL or grants another SID, or it denies this user "
                               "access.",
}


class ShmSignalFault(Exception):
    """A descriptor or peer was refused; ``code`` is the spec's fault code.

    ``field`` and ``offset`` name the offending field where there is one, and
    ``expected``/``actual`` give the values compared.
    """

    def __init__(self, code: Fault, message: str, *, field: Optional[str] = None,
                 offset: Optional[int] = None, expected: object = None,
                 actual: object = None) -> None:
        self.code = Fault(code)
        self.field = field
        self.offset = offset
        self.expected = expected
        self.actual = actual
        where = f"{field} at offset {offset}: " if field is not None else ""
        super().__init__(f"fault {self.code.value} {self.code.name}: {where}{message}")
