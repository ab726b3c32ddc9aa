"""Fault codes of the shm-signal ABI (docs/spec.md, section "Fault codes").

A peer that refuses a descriptor reports one of these numbers; the number is the
interface, the message is for humans.  Codes are never reused or renumbered.
"""

from __future__ import annotations

import enum
from typing import Any, Dict, Optional, Tuple, Type


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
    BAD_RING = 18


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
    Fault.BAD_RING: "A message ring (section 15) holds what its rules do not allow: a bad "
                    "header, an index out of range or not a multiple of 8, or a record whose "
                    "length or kind does not fit.",
}


class ShmSignalFault(Exception):
    """A descriptor or peer was refused; ``code`` is the spec's fault code.

    ``field`` and ``offset`` name the offending field where there is one, and
    ``expected``/``actual`` give the values compared.

    Constructing one gives the class of its code (``ShmSignalFault(Fault.PEER_CLOSED,
    ...)`` is a :class:`PeerClosed`), so callers catch by class or test ``code``:
    :class:`ValidationFault` for a descriptor refused (codes 1-13, one subclass each),
    :class:`LocalityBusy`, :class:`PeerGone` (:class:`PeerDead`, :class:`PeerClosed`,
    also :class:`ConnectionError`) and :class:`WakeObjectForeign`.
    """

    def __new__(cls, code: Fault = Fault.OK, *args: object, **kwargs: object) -> ShmSignalFault:
        sub = _BY_CODE.get(code, cls) if cls is ShmSignalFault else cls
        # the first real __new__ of the class's bases (OSError's, for ConnectionError)
        native: Any = next(b.__new__ for b in sub.__mro__ if "__new__" in vars(b) and b is not ShmSignalFault)
        made: ShmSignalFault = native(sub)
        return made

    def __init__(self, code: Fault, message: str, *, field: Optional[str] = None,
                 offset: Optional[int] = None, expected: object = None,
                 actual: object = None) -> None:
        self.code = Fault(code)
        self.message = message
        self.field = field
        self.offset = offset
        self.expected = expected
        self.actual = actual
        where = f"{field} at offset {offset}: " if field is not None else ""
        text = f"fault {self.code.value} {self.code.name}: {where}{message}"
        super().__init__(text)
        self.args = (text,)  # OSError-based subclasses set no args of their own from __init__

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), self.code, self.message, self.field, self.offset, self.expected,
                           self.actual))


class ValidationFault(ShmSignalFault):
    """The descriptor's bytes break a rule of spec 6.4 (codes 1-13)."""


class LocalityBusy(ShmSignalFault):
    """The locality to attach as is held by a live peer (14)."""


class PeerGone(ShmSignalFault, ConnectionError):
    """The remote peer is gone: closed (16) or dead (15)."""


class PeerDead(PeerGone):
    """The remote peer died without closing (15)."""


class PeerClosed(PeerGone):
    """The remote peer closed the channel (16)."""


class WakeObjectForeign(ShmSignalFault):
    """A named wake-up object exists and is not this user's alone (17)."""


class BadRing(ShmSignalFault):
    """BAD_RING (18): a side of a message ring (spec 15) found there what a
    hostile or broken peer wrote; the ring is not used again."""


# one class per validation fault, named after its code
class BadMagic(ValidationFault):
    """BAD_MAGIC (1): see ``FAULT_DOCS``."""


class ByteSwapped(ValidationFault):
    """BYTE_SWAPPED (2): see ``FAULT_DOCS``."""


class BadVersion(ValidationFault):
    """BAD_VERSION (3): see ``FAULT_DOCS``."""


class BadSize(ValidationFault):
    """BAD_SIZE (4): see ``FAULT_DOCS``."""


class MappingTooSmall(ValidationFault):
    """MAPPING_TOO_SMALL (5): see ``FAULT_DOCS``."""


class BadOffset(ValidationFault):
    """BAD_OFFSET (6): see ``FAULT_DOCS``."""


class BadLocality(ValidationFault):
    """BAD_LOCALITY (7): see ``FAULT_DOCS``."""


class ReservedNonzero(ValidationFault):
    """RESERVED_NONZERO (8): see ``FAULT_DOCS``."""


class BadFlag(ValidationFault):
    """BAD_FLAG (9): see ``FAULT_DOCS``."""


class BadState(ValidationFault):
    """BAD_STATE (10): see ``FAULT_DOCS``."""


class BadFeatures(ValidationFault):
    """BAD_FEATURES (11): see ``FAULT_DOCS``."""


class UnsupportedFeature(ValidationFault):
    """UNSUPPORTED_FEATURE (12): see ``FAULT_DOCS``."""


class BadInstanceId(ValidationFault):
    """BAD_INSTANCE_ID (13): see ``FAULT_DOCS``."""




_BY_CODE: Dict[Fault, Type[ShmSignalFault]] = {
    Fault.BAD_MAGIC: BadMagic,
    Fault.BYTE_SWAPPED: ByteSwapped,
    Fault.BAD_VERSION: BadVersion,
    Fault.BAD_SIZE: BadSize,
    Fault.MAPPING_TOO_SMALL: MappingTooSmall,
    Fault.BAD_OFFSET: BadOffset,
    Fault.BAD_LOCALITY: BadLocality,
    Fault.RESERVED_NONZERO: ReservedNonzero,
    Fault.BAD_FLAG: BadFlag,
    Fault.BAD_STATE: BadState,
    Fault.BAD_FEATURES: BadFeatures,
    Fault.UNSUPPORTED_FEATURE: UnsupportedFeature,
    Fault.BAD_INSTANCE_ID: BadInstanceId,
    Fault.LOCALITY_BUSY: LocalityBusy, Fault.PEER_DEAD: PeerDead, Fault.PEER_CLOSED: PeerClosed,
    Fault.WAKE_OBJECT_FOREIGN: WakeObjectForeign,
    Fault.BAD_RING: BadRing,
}


class AttachTimeout(TimeoutError, FileNotFoundError):
    """An attach found no file to attach to within its timeout.  A
    :class:`TimeoutError`; also a :class:`FileNotFoundError`, what an attach raised
    before, so existing handlers keep working."""


def _rebuild(cls: Type[ShmSignalFault], code: Fault, message: str, field: Optional[str],
             offset: Optional[int], expected: object, actual: object) -> ShmSignalFault:
    """Unpickling (a fault crossing a process boundary keeps its class and fields)."""
    return cls(code, message, field=field, offset=offset, expected=expected, actual=actual)


def fault_class(code: Fault) -> Type[ShmSignalFault]:
    """The exception class of a fault code."""
    return _BY_CODE.get(Fault(code), ShmSignalFault)
