"""Descriptor creation and validation: a fresh descriptor validates, and every fault
the validator can raise is provoked by a crafted descriptor, naming the field,
offset, expected and actual values."""

from __future__ import annotations

import pytest

from abi import descriptor, layout
from abi.faults import Fault, ShmSignalFault

F = {f.name: f.offset for f in layout.describe(layout.ShmSignalDesc).fields}


def fresh(creator: int = layout.LOCALITY_NORTH, offered: int = layout.FEATURES_PLAIN,
          required: int = 0, size: int = 256) -> bytearray:
    buf = bytearray(size)
    descriptor.initialize(buf, 0, creator, offered, required, instance_id=bytes(range(1, 17)), pid=77)
    return buf


def put(buf: bytearray, offset: int, value: int, size: int) -> None:
    buf[offset:offset + size] = value.to_bytes(size, "little")


def test_fresh_descriptor_bytes():
    buf = fresh(layout.LOCALITY_SOUTH, offered=0b1011, required=0b0001)
    d = descriptor.validate(buf)
    assert bytes(buf[:16]).hex() == "df39fa5801000000c000000001000000"
    assert (d.features_offered, d.features_required, d.features_accepted) == (0b1011, 1, 0)
    assert bytes(d.instance_id) == bytes(range(1, 17))
    assert (d.irq[1].state, d.irq[1].pid, d.irq[0].state) == (1, 77, 0)


def test_random_instance_id_is_nonzero_and_differs():
    a, b = bytearray(192), bytearray(192)
    descriptor.initialize(a, 0, 0, 0)
    descriptor.initialize(b, 0, 0, 0)
    assert any(a[40:56]) and a[40:56] != b[40:56]


def _irq(loc: int, name: str) -> int:
    return descriptor.irq_field_offset(loc, name)


# (fault, field named, how to break a fresh descriptor)
CASES = [
    (Fault.BAD_MAGIC, "magic", lambda b: put(b, 0, 0x12345678, 4)),
    (Fault.BYTE_SWAPPED, "magic", lambda b: b.__setitem__(slice(0, 4), (0x58FA39DF).to_bytes(4, "big"))),
    (Fault.BAD_VERSION, "version", lambda b: put(b, F["version"], 2, 4)),
    (Fault.BAD_SIZE, "desc_size", lambda b: put(b, F["desc_size"], 128, 4)),
    (Fault.BAD_SIZE, "desc_size", lambda b: put(b, F["desc_size"], 200, 4)),
    (Fault.MAPPING_TOO_SMALL, "mapping length", lambda b: put(b, F["desc_size"], 320, 4)),
    (Fault.BAD_LOCALITY, "creator", lambda b: put(b, F["creator"], 2, 4)),
    (Fault.RESERVED_NONZERO, "reserved0", lambda b: put(b, F["reserved0"] + 7, 1, 1)),
    (Fault.RESERVED_NONZERO, "irq[0].pad0",
     lambda b: (put(b, F["features_offered"], layout.FEATURES_PLAIN & ~layout.FEATURE_WAITER_FLAG, 8),
                put(b, _irq(0, "pad0"), 1, 1))),
    (Fault.BAD_FLAG, "irq[0].pad0", lambda b: put(b, _irq(0, "pad0"), 4, 1)),  # WAITER_FLAG, GROUP_DOORBELL
    (Fault.BAD_FLAG, "irq[1].pad0",  # WAITER_FLAG without GROUP_DOORBELL: 0 or 1
     lambda b: (put(b, F["features_offered"], layout.FEATURES_PLAIN & ~layout.FEATURE_GROUP_DOORBELL, 8),
                put(b, _irq(1, "pad0"), 2, 1))),
    (Fault.RESERVED_NONZERO, "irq[0].doorbell",  # a counter only with GROUP_DOORBELL offered
     lambda b: (put(b, F["features_offered"], layout.FEATURES_PLAIN & ~layout.FEATURE_GROUP_DOORBELL, 8),
                put(b, _irq(0, "doorbell") + 3, 1, 1))),
    (Fault.RESERVED_NONZERO, "irq[0].reserved2", lambda b: put(b, _irq(0, "reserved2"), 1, 1)),
    (Fault.RESERVED_NONZERO, "irq[1].reserved0", lambda b: put(b, _irq(1, "reserved0"), 5, 4)),
    (Fault.RESERVED_NONZERO, "irq[1].reserved3[3]", lambda b: put(b, 191, 0x80, 1)),
    (Fault.BAD_INSTANCE_ID, "instance_id", lambda b: put(b, F["instance_id"], 0, 16)),
    (Fault.BAD_FLAG, "irq[0].enabled", lambda b: put(b, _irq(0, "enabled"), 2, 1)),
    (Fault.BAD_FLAG, "irq[1].dirty", lambda b: put(b, _irq(1, "dirty"), 0xFF, 1)),
    (Fault.BAD_STATE, "irq[1].state", lambda b: put(b, _irq(1, "state"), 3, 4)),
    (Fault.BAD_STATE, "irq[0].state", lambda b: put(b, _irq(0, "state"), 0, 4)),
    (Fault.BAD_FEATURES, "features_required", lambda b: put(b, F["features_required"], 1 << 40, 8)),
    (Fault.BAD_FEATURES, "features_accepted", lambda b: put(b, F["features_accepted"], 1, 8)),
    (Fault.BAD_FEATURES, "features_required",  # GROUP_DOORBELL is never required
     lambda b: put(b, F["features_required"], layout.FEATURE_GROUP_DOORBELL, 8)),
    (Fault.BAD_FEATURES, "features_offered",  # GROUP_DOORBELL needs WAITER_FLAG offered
     lambda b: put(b, F["features_offered"], layout.FEATURES_PLAIN & ~layout.FEATURE_WAITER_FLAG, 8)),
    (Fault.BAD_FEATURES, "features_offered",  # ... and WAKE_ADDRESS
     lambda b: put(b, F["features_offered"], layout.FEATURES_PLAIN & ~layout.FEATURE_WAKE_ADDRESS, 8)),
    (Fault.BAD_FEATURES, "features_accepted",  # accepted without WAITER_FLAG by an attached side
     lambda b: (put(b, _irq(1, "state"), 1, 4),
                put(b, F["features_accepted"], layout.FEATURES_PLAIN & ~layout.FEATURE_WAITER_FLAG, 8))),
    (Fault.UNSUPPORTED_FEATURE, "features_required",
     lambda b: (put(b, F["features_offered"], 1 << 40, 8), put(b, F["features_required"], 1 << 40, 8))),
]


@pytest.mark.parametrize("code, field, breaker", CASES,
                         ids=[f"{c.name}-{f}" for c, f, _ in CASES])
def test_each_fault_is_detected(code, field, breaker):
    buf = fresh()
    breaker(buf)
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.validate(buf)
    assert exc.value.code == code
    assert exc.value.field == field
    assert exc.value.actual is not None and exc.value.expected is not None
    assert f"fault {int(code)} {code.name}" in str(exc.value)


def test_waiter_flag_makes_pad0_a_flag():
    buf = fresh()  # offers every known feature, WAITER_FLAG included
    put(buf, _irq(1, "pad0"), 1, 1)
    assert descriptor.validate(buf).irq[1].pad0 == 1


def test_offset_and_length_faults():
    buf = fresh(size=512)
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.validate(buf, offset=32)
    assert exc.value.code == Fault.BAD_OFFSET
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.validate(buf, length=100)
    assert exc.value.code == Fault.MAPPING_TOO_SMALL and exc.value.expected == 192


def test_accepted_features_after_attach():
    buf = fresh(offered=0b111, required=0b001)
    put(buf, _irq(1, "state"), layout.STATE_ATTACHED, 4)
    put(buf, F["features_accepted"], 0b011, 8)
    assert descriptor.validate(buf).features_accepted == 0b011
    put(buf, F["features_accepted"], 0b010, 8)  # misses a required bit
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.validate(buf)
    assert exc.value.code == Fault.BAD_FEATURES


def test_first_fault_in_spec_order_wins():
    buf = fresh()
    put(buf, F["version"], 9, 4)
    put(buf, _irq(0, "enabled"), 7, 1)
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.validate(buf)
    assert exc.value.code == Fault.BAD_VERSION


def test_initialize_refuses_bad_arguments():
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.initialize(bytearray(256), 8, 0, 0)
    assert exc.value.code == Fault.BAD_OFFSET
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.initialize(bytearray(100), 0, 0, 0)
    assert exc.value.code == Fault.MAPPING_TOO_SMALL
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.initialize(bytearray(256), 0, 0, offered=1, required=2)
    assert exc.value.code == Fault.BAD_FEATURES
    with pytest.raises(ShmSignalFault) as exc:
        descriptor.initialize(bytearray(256), 0, 5, 0)
    assert exc.value.code == Fault.BAD_LOCALITY
