"""The shm-signal ABI v1 shared-memory layout: the ctypes mirror of ``shm_signal.h``.

This module is the single source of truth for the layout.  The field tables below
drive the ctypes structures, the machine-readable description (:func:`describe`)
that the verifier and the platform matrix use, the generated static-assert block
of the C header and the byte tables of ``docs/spec.md`` (``python -m abi generate``
rewrites both; a test fails when either is stale).  The C header's structure
definitions are written by hand and proven equal to this module by
``shm-signal verify`` and ``shm-signal matrix``.

Every structure is a ``LittleEndianStructure``: multi-byte fields are little-endian
in memory whatever the host, so a big-endian peer reads the same bytes.

Over 400 lines: the field table of every shared structure (the descriptor, its
records, a ring's header and record), each field documented once for the header,
the spec and the checks, and the one description of them the tools walk.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Type

MAGIC = 0x58FA39DF
MAGIC_SWAPPED = 0xDF39FA58  # what a peer reads when the creator wrote big-endian
VERSION = 1
# A descriptor starts at a multiple of this inside a mapping: one cache line, and a
# multiple of every field's alignment on every ABI.
DESC_ALIGN = 64

# Liveness locks (spec section 9) sit at LOCK_BASE + the record's file offset: far
# beyond any mapping, so Windows' mandatory byte-range locks never block a read.
LOCK_BASE = 1 << 40

LOCALITY_NORTH = 0
LOCALITY_SOUTH = 1
LOCALITY_NAMES = ("north", "south")

# irq.state values, written by the record's owner.
STATE_EMPTY = 0  # never attached
STATE_ATTACHED = 1
STATE_CLOSED = 2  # detached cleanly
STATE_NAMES = ("empty", "attached", "closed")

# Feature bits (the registry lives in docs/spec.md, section "Feature bits").
FEATURE_WAKE_ADDRESS = 1 << 0  # wake by compare-and-wait on irq word 0 (futex, os_sync, ulock)
FEATURE_WAKE_NAMED_EVENT = 1 << 1  # wake through named auto-reset events (Windows)
FEATURE_LIVENESS_LOCK = 1 << 2  # each attached side holds a lock on its record's file bytes
FEATURE_NOTIFY_COUNT = 1 << 3  # irq.notify_count counts cross-boundary notifications
FEATURE_WAITER_FLAG = 1 << 4  # irq.pad0 is the owner's "waiting" flag: wake only a parked owner
FEATURE_GROUP_DOORBELL = 1 << 5  # a word per locality in the file's head wakes a many-channel wait
FEATURE_MESSAGE_RINGS = 1 << 6  # two message rings, one per direction, in the descriptor's desc_size tail
FEATURE_NAMES: Dict[int, str] = {
    FEATURE_WAKE_ADDRESS: "WAKE_ADDRESS",
    FEATURE_WAKE_NAMED_EVENT: "WAKE_NAMED_EVENT",
    FEATURE_LIVENESS_LOCK: "LIVENESS_LOCK",
    FEATURE_NOTIFY_COUNT: "NOTIFY_COUNT",
    FEATURE_WAITER_FLAG: "WAITER_FLAG",
    FEATURE_GROUP_DOORBELL: "GROUP_DOORBELL",
    FEATURE_MESSAGE_RINGS: "MESSAGE_RINGS",
}
FEATURE_DOCS: Dict[int, str] = {
    FEATURE_WAKE_ADDRESS: "Wake-ups by compare-and-wait on the owner's 32-bit wait word "
                          "(irq bytes 0-3): Linux futex, macOS os_sync / __ulock.",
    FEATURE_WAKE_NAMED_EVENT: "Wake-ups through named auto-reset kernel events whose names "
                              "derive from instance_id (Windows).",
    FEATURE_LIVENESS_LOCK: "Each attached side holds an exclusive lock on the first byte of "
                           "its own irq record in the mapping file; a free lock with state "
                           "attached means the side died.",
    FEATURE_NOTIFY_COUNT: "The remote adds 1 to irq.notify_count for each cross-boundary "
                          "notification it sends.",
    FEATURE_WAITER_FLAG: "irq.pad0 (byte 3 of the wait word) is the owner's waiting flag, 1 while "
                         "it is parked or about to park; the remote makes the kernel wake call "
                         "only when its F1 load of the wait word shows it set (section 7.5).",
    FEATURE_GROUP_DOORBELL: "irq.doorbell of the descriptor at file offset 0 (the head) is a "
                            "counter each remote adds 1 to and wakes when the owner's waiting "
                            "byte has bit 1 set, so one park covers every channel of the file "
                            "(section 7.8). Needs WAKE_ADDRESS and WAITER_FLAG; never required.",
    FEATURE_MESSAGE_RINGS: "The descriptor's desc_size tail holds two message rings (section 15), one per "
                           "direction, at offsets fixed by the spec (15.6): offered only by a creator that "
                           "laid them out, with a desc_size that holds both.",
}
FEATURES_KNOWN = sum(FEATURE_NAMES)
# What a descriptor of 192 bytes may offer: all but MESSAGE_RINGS, which needs its rings.
FEATURES_PLAIN = FEATURES_KNOWN & ~FEATURE_MESSAGE_RINGS
# The smallest desc_size that holds two rings (15.6): the descriptor and two of 64 data bytes.
RINGS_MIN_DESC_SIZE = 192 + 2 * (192 + 64)
# GROUP_DOORBELL is offered and accepted only with both of these (spec 6.4 rule 12).
FEATURE_GROUP_DOORBELL_NEEDS = FEATURE_WAKE_ADDRESS | FEATURE_WAITER_FLAG


@dataclass(frozen=True)
class FieldSpec:
    """One member of a shared structure as the ABI defines it."""

    name: str
    ctype: type  # the ctypes element type
    c_type: str  # the C element type in shm_signal.h
    count: int  # 1 for a scalar, else the array length
    writer: str  # who writes it
    values: str  # allowed values
    doc: str

    @property
    def must_be_zero(self) -> bool:
        return self.name.startswith(("reserved", "pad"))

    @property
    def c_decl(self) -> str:
        return self.c_type + (f"[{self.count}]" if self.count > 1 else "")

    @property
    def ctypes_type(self) -> Any:
        return self.ctype * self.count if self.count > 1 else self.ctype  # type: ignore[operator]


_u8, _u32, _u64 = ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint64

IRQ_FIELDS: Tuple[FieldSpec, ...] = (
    FieldSpec("enabled", _u8, "uint8_t", 1, "owner", "0 or 1",
              "The owner wants to be notified. Byte 0 of the wait word."),
    FieldSpec("pending", _u8, "uint8_t", 1, "remote sets, owner clears", "0 or 1",
              "A notification to the owner is in flight; the remote sends no other. "
              "Byte 1 of the wait word."),
    FieldSpec("dirty", _u8, "uint8_t", 1, "remote sets, owner clears", "0 or 1",
              "There is new shared state for the owner to look at. Byte 2 of the wait word."),
    FieldSpec("pad0", _u8, "uint8_t", 1, "nobody; owner with WAITER_FLAG",
              "**must be zero**, except: 0 or 1 when WAITER_FLAG is offered, 0 to 3 when "
              "GROUP_DOORBELL is offered too",
              "Completes the 4-byte-aligned 32-bit wait word (bytes 0-3); with WAITER_FLAG, "
              "the owner's waiting flag (bit 0: parked on this word; bit 1, GROUP_DOORBELL: "
              "parked on the head's doorbell)."),
    FieldSpec("state", _u32, "shm_signal_le32", 1, "owner", "0 empty, 1 attached, 2 closed",
              "Attachment state of the owner."),
    FieldSpec("pid", _u32, "shm_signal_le32", 1, "owner", "any; 0 = unknown",
              "Process id of the owner, for diagnostics only."),
    FieldSpec("reserved0", _u32, "shm_signal_le32", 1, "nobody", "0", "Reserved for growth."),
    FieldSpec("notify_count", _u64, "shm_signal_le64", 1, "remote",
              "any; 0 unless NOTIFY_COUNT",
              "Cross-boundary notifications (kernel wake calls) sent to the owner."),
    FieldSpec("doorbell", _u32, "shm_signal_le32", 1, "remote (atomic add); nobody without GROUP_DOORBELL",
              "**must be zero**, except: any when GROUP_DOORBELL is offered",
              "GROUP_DOORBELL, in the head descriptor (file offset 0) only: a counter the "
              "remote of any channel of the file adds 1 to before it wakes the owner parked "
              "on it (section 7.8). Was the first half of reserved1."),
    FieldSpec("reserved2", _u32, "shm_signal_le32", 1, "nobody", "0", "Reserved for growth."),
    FieldSpec("reserved3", _u64, "shm_signal_le64", 4, "nobody", "0",
              "Reserved for growth (with reserved2, what was left of reserved1)."),
)

def _fields(specs: Sequence[FieldSpec]) -> List[Tuple[str, type]]:
    return [(f.name, f.ctypes_type) for f in specs]


class ShmSignalIrq(ctypes.LittleEndianStructure):
    """``struct shm_signal_irq``: one locality's record (64 bytes)."""

    _c_name_ = "shm_signal_irq"
    _specs_ = IRQ_FIELDS
    _fields_ = _fields(IRQ_FIELDS)


DESC_FIELDS: Tuple[FieldSpec, ...] = (
    FieldSpec("magic", _u32, "shm_signal_le32", 1, "creator, last", "0x58fa39df",
              "Written last at creation: a peer that reads it sees a complete descriptor."),
    FieldSpec("version", _u32, "shm_signal_le32", 1, "creator", "1",
              "Major version; changes only for a breaking change."),
    FieldSpec("desc_size", _u32, "shm_signal_le32", 1, "creator",
              ">= 192, multiple of 64", "Bytes in this descriptor, reserved tail included."),
    FieldSpec("creator", _u32, "shm_signal_le32", 1, "creator", "0 north, 1 south",
              "Locality of the side that created the descriptor."),
    FieldSpec("features_offered", _u64, "shm_signal_le64", 1, "creator", "any",
              "Feature bits the creator supports."),
    FieldSpec("features_required", _u64, "shm_signal_le64", 1, "creator",
              "subset of features_offered",
              "Offered bits an attacher must accept, or refuse to attach."),
    FieldSpec("features_accepted", _u64, "shm_signal_le64", 1, "attacher",
              "subset of offered, superset of required",
              "The negotiated features: valid once the attacher's state is attached."),
    FieldSpec("instance_id", _u8, "uint8_t", 16, "creator", "random, not all zero",
              "Names this descriptor's wake-up objects (e.g. Windows events)."),
    FieldSpec("reserved0", _u64, "shm_signal_le64", 1, "nobody", "0", "Reserved for growth."),
    FieldSpec("irq", ShmSignalIrq, "struct shm_signal_irq", 2, "see shm_signal_irq",
              "see shm_signal_irq", "irq[0] belongs to north, irq[1] to south."),
)


class ShmSignalDesc(ctypes.LittleEndianStructure):
    """``struct shm_signal_desc``: the shared descriptor (192 bytes)."""

    _c_name_ = "shm_signal_desc"
    _specs_ = DESC_FIELDS
    _fields_ = _fields(DESC_FIELDS)


# Message rings (spec section 15): a 192-byte header of three cache lines (the
# creator's, the producer's head, the consumer's tail), then `capacity` data bytes
# of 8-aligned records.  32-bit indices, so that no 32-bit peer reads a torn one.
RING_MAGIC = 0x676E6972  # the bytes "r i n g"
RING_ALIGN = 64  # a ring's offset in the mapping is a multiple of this
RING_MIN_CAPACITY = 64
RING_MAX_CAPACITY = 1 << 30
RING_KIND_MESSAGE = 0
RING_KIND_PADDING = 1

RING_HEADER_FIELDS: Tuple[FieldSpec, ...] = (
    FieldSpec("magic", _u32, "shm_signal_le32", 1, "creator, last", "0x676e6972",
              "Written last at creation (after a release fence): a side that reads it "
              "sees the rest of the header."),
    FieldSpec("capacity", _u32, "shm_signal_le32", 1, "creator", "a power of two, 64 to 2^30",
              "Bytes in the data area, which starts at offset 192."),
    FieldSpec("max_message", _u32, "shm_signal_le32", 1, "creator", "1 to capacity - 8",
              "The largest payload a message record may carry."),
    FieldSpec("reserved0", _u8, "uint8_t", 52, "nobody", "0", "Reserved for growth."),
    FieldSpec("head", _u32, "shm_signal_le32", 1, "producer", "a multiple of 8",
              "Bytes published since creation, modulo 2^32. On a cache line of its own."),
    FieldSpec("reserved1", _u8, "uint8_t", 60, "nobody", "0", "Reserved for growth."),
    FieldSpec("tail", _u32, "shm_signal_le32", 1, "consumer", "a multiple of 8",
              "Bytes released since creation, modulo 2^32. On a cache line of its own."),
    FieldSpec("reserved2", _u8, "uint8_t", 60, "nobody", "0", "Reserved for growth."),
)


class ShmSignalRingHeader(ctypes.LittleEndianStructure):
    """``struct shm_signal_ring_header``: a message ring's header (192 bytes)."""

    _c_name_ = "shm_signal_ring_header"
    _specs_ = RING_HEADER_FIELDS
    _fields_ = _fields(RING_HEADER_FIELDS)


RING_RECORD_FIELDS: Tuple[FieldSpec, ...] = (
    FieldSpec("length", _u32, "shm_signal_le32", 1, "producer",
              "message: 0 to max_message; padding: to the end of the data area",
              "Payload bytes after this header; the record takes 8 + length rounded up to 8."),
    FieldSpec("kind", _u32, "shm_signal_le32", 1, "producer", "0 message, 1 padding",
              "A message, or padding that fills the data area to its end."),
)


class ShmSignalRingRecord(ctypes.LittleEndianStructure):
    """``struct shm_signal_ring_record``: the header of a record in a ring (8 bytes)."""

    _c_name_ = "shm_signal_ring_record"
    _growth_ = "kind"  # new kinds, which a consumer that does not know them refuses
    _specs_ = RING_RECORD_FIELDS
    _fields_ = _fields(RING_RECORD_FIELDS)


STRUCTS: Tuple[Type[ctypes.Structure], ...] = (ShmSignalIrq, ShmSignalDesc, ShmSignalRingHeader,
                                                ShmSignalRingRecord)
DESC_SIZE = ctypes.sizeof(ShmSignalDesc)
RING_HEADER_SIZE = ctypes.sizeof(ShmSignalRingHeader)
RING_RECORD_SIZE = ctypes.sizeof(ShmSignalRingRecord)
RING_HEAD_OFFSET = ShmSignalRingHeader.head.offset
RING_TAIL_OFFSET = ShmSignalRingHeader.tail.offset
IRQ_SIZE = ctypes.sizeof(ShmSignalIrq)
IRQ_OFFSET = ShmSignalDesc.irq.offset


def rings_desc_size(north_capacity: int, south_capacity: int) -> int:
    """desc_size of a descriptor with the channel's two rings (spec 15.6)."""
    return DESC_SIZE + 2 * RING_HEADER_SIZE + north_capacity + south_capacity


def ring_offset(producer: int, north_capacity: int) -> int:
    """Descriptor offset of the ring locality ``producer`` produces into (spec 15.6):
    north's right after the descriptor, south's after north's."""
    return DESC_SIZE + (RING_HEADER_SIZE + north_capacity if producer == LOCALITY_SOUTH else 0)


def doorbell_offset(locality: int) -> int:
    """File offset of locality's doorbell (GROUP_DOORBELL, spec 7.8): in the head, the
    descriptor at file offset 0, whatever descriptor the channel itself is."""
    return IRQ_OFFSET + IRQ_SIZE * locality + ShmSignalIrq.doorbell.offset


# --------------------------------------------------------------------------
# The machine-readable description, from ctypes introspection.


@dataclass(frozen=True)
class FieldLayout:
    """A member of a structure as laid out by ctypes."""

    name: str
    offset: int
    size: int
    count: int  # array length, 1 for a scalar
    elem_size: int
    c_type: str
    struct: Optional[str]  # C name of the element struct, for struct members
    spec: Optional[FieldSpec]

    @property
    def must_be_zero(self) -> bool:
        return self.name.startswith(("reserved", "pad"))


@dataclass(frozen=True)
class StructLayout:
    """A shared structure as laid out by ctypes."""

    c_name: str
    size: int
    align: int
    fields: Tuple[FieldLayout, ...]
    little_endian: bool

    def field(self, name: str) -> FieldLayout:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def is_little_endian(cls: Any) -> bool:
    """Does ``cls`` store multi-byte fields little-endian on this host?  On a
    little-endian host LittleEndianStructure *is* Structure, and only
    BigEndianStructure differs; on a big-endian host it is the other way round."""
    if ctypes.LittleEndianStructure is ctypes.Structure:
        return not issubclass(cls, ctypes.BigEndianStructure)
    return issubclass(cls, ctypes.LittleEndianStructure)


def c_name(cls: Any) -> str:
    """A structure's C name: its ``_c_name_`` attribute, else its class name."""
    return str(getattr(cls, "_c_name_", cls.__name__))



def member_type(cls: Any, name: str) -> Tuple[Any, int]:
    """(element type, array length or 1) of member ``name`` of a ctypes structure."""
    for n, typ, *_ in cls._fields_:
        if n == name:
            if hasattr(typ, "_length_"):
                return typ._type_, int(typ._length_)
            return typ, 1
    raise KeyError(name)


def describe(cls: Type[ctypes.Structure]) -> StructLayout:
    """Describe a ctypes structure: its size, alignment and every member."""
    specs = {s.name: s for s in getattr(cls, "_specs_", ())}
    fields = []
    for name, *_ in cls._fields_:
        elem, count = member_type(cls, name)
        is_struct = isinstance(elem, type) and issubclass(elem, ctypes.Structure)
        spec = specs.get(name)
        c_type = spec.c_type if spec else f"<{elem.__name__}>"
        desc = getattr(cls, name)
        fields.append(FieldLayout(
            name=name, offset=desc.offset, size=desc.size, count=count,
            elem_size=ctypes.sizeof(elem), c_type=c_type,
            struct=c_name(elem) if is_struct else None, spec=spec,
        ))
    return StructLayout(
        c_name=c_name(cls), size=ctypes.sizeof(cls), align=ctypes.alignment(cls),
        fields=tuple(fields), little_endian=is_little_endian(cls),
    )


@dataclass(frozen=True)
class Leaf:
    """A scalar inside a structure, arrays and nested structures expanded."""

    path: str  # C member designator, e.g. "irq[1].pending"
    offset: int
    size: int
    c_type: str


def leaves(cls: Any, prefix: str = "", base: int = 0) -> Iterator[Leaf]:
    """Every scalar of ``cls`` in memory order, with its C member designator."""
    for f in describe(cls).fields:
        elem, _ = member_type(cls, f.name)
        for i in range(f.count):
            path = prefix + f.name + (f"[{i}]" if f.count > 1 else "")
            off = base + f.offset + i * f.elem_size
            if f.struct is not None:
                yield from leaves(elem, path + ".", off)
            else:
                yield Leaf(path, off, f.elem_size, f.c_type)


def sentinel_values(cls: Any) -> List[Tuple[Leaf, int]]:
    """Distinct sentinel values for every leaf: byte n of the image holds n + 1.

    Each leaf's value is chosen so that its little-endian bytes continue a running
    count in declaration order; a layout without holes therefore fills the image
    with 1, 2, 3, ... and any shifted, swapped or missing field shows as a byte that
    breaks the count.
    """
    out = []
    counter = 1
    for leaf in leaves(cls):
        value = 0
        for j in range(leaf.size):
            value |= ((counter + j) & 0xFF) << (8 * j)
        counter += leaf.size
        out.append((leaf, value))
    return out


def path_members(cls: Any, path: str) -> List[Tuple[str, str]]:
    """The (struct C name, member) pairs a leaf path goes through:
    "irq[1].dirty" in shm_signal_desc -> [(shm_signal_desc, irq), (shm_signal_irq, dirty)]."""
    out = []
    for part in path.split("."):
        member = part.split("[")[0]
        out.append((c_name(cls), member))
        try:
            cls, _ = member_type(cls, member)
        except (KeyError, AttributeError):
            break
    return out


def set_path(obj: object, path: str, value: int) -> None:
    """Assign ``value`` to the leaf at C member designator ``path`` of ``obj``."""
    parts = path.replace("]", "").replace("[", ".").split(".")
    target = obj
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else getattr(target, part)  # type: ignore[index]
    last = parts[-1]
    if last.isdigit():
        target[int(last)] = value  # type: ignore[index]
    else:
        setattr(target, last, value)
