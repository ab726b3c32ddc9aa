"""The spec's layout rules hold for the ABI's structures, and each check catches a
structure that breaks it."""

from __future__ import annotations

import ctypes

import pytest

from abi import layout, rules
from abi.descriptor import initialize


@pytest.mark.parametrize("cls", layout.STRUCTS, ids=lambda c: c._c_name_)
def test_abi_structures_follow_every_rule(cls):
    assert rules.check_all(cls) == []


def test_sizes_are_the_documented_ones():
    assert (layout.DESC_SIZE, layout.IRQ_SIZE, layout.IRQ_OFFSET) == (192, 64, 64)
    assert layout.DESC_SIZE % layout.DESC_ALIGN == 0


def test_wait_word_is_the_three_flags_and_a_pad():
    d = layout.describe(layout.ShmSignalIrq)
    assert [(f.name, f.offset, f.size) for f in d.fields[:4]] == [
        ("enabled", 0, 1), ("pending", 1, 1), ("dirty", 2, 1), ("pad0", 3, 1)]


def _le(name, fields):
    return type(name, (ctypes.LittleEndianStructure,), {"_c_name_": name, "_fields_": fields})


def test_size_not_multiple_of_8_is_caught():
    worse = _le("odd3", [("a", ctypes.c_uint8 * 3)])
    assert rules.size_multiple_of_8(worse) == ["sizeof(struct odd3) is 3, not a multiple of 8"]


def test_implicit_padding_is_caught():
    bad = _le("holey", [("a", ctypes.c_uint8), ("b", ctypes.c_uint32)])
    assert rules.no_holes(bad) == ["struct holey: implicit padding of 3 byte(s) at offset 1, before b"]
    tail = _le("tail", [("a", ctypes.c_uint64), ("b", ctypes.c_uint8)])
    assert rules.no_holes(tail) == ["struct tail: implicit tail padding of 7 byte(s) at offset 9"]


def test_misaligned_field_is_caught():
    bad = type("mis", (ctypes.LittleEndianStructure,),
               {"_c_name_": "mis", "_pack_": 1,
                "_fields_": [("a", ctypes.c_uint32), ("b", ctypes.c_uint64)]})
    assert rules.naturally_aligned(bad) == [
        "struct mis.b: offset 4 is not a multiple of its natural alignment 8"]
    assert "struct mis: uses _pack_" in rules.fixed_width_only(bad)


@pytest.mark.parametrize("ctype, what", [
    (ctypes.c_bool, "c_bool"), (ctypes.c_void_p, "c_void_p"), (ctypes.c_double, "c_double"),
    (ctypes.c_char_p, "c_char_p"),
])
def test_non_fixed_width_types_are_caught(ctype, what):
    bad = _le("loose", [("x", ctype)])
    assert rules.fixed_width_only(bad) == [f"struct loose.x: type {what} is not a fixed-width integer"]


def test_bitfields_and_native_byte_order_are_caught():
    bits = _le("bits", [("x", ctypes.c_uint32, 3), ("y", ctypes.c_uint32, 29)])
    assert rules.fixed_width_only(bits)[0] == "struct bits.x: is a bitfield"
    native = type("native", (ctypes.BigEndianStructure,), {"_fields_": [("x", ctypes.c_uint32)]})
    assert "struct native: not a LittleEndianStructure" in rules.fixed_width_only(native)


def test_missing_reserved_space_is_caught():
    assert rules.has_reserved(_le("full", [("x", ctypes.c_uint64)])) == [
        "struct full: has no reserved field for growth"]
    # a structure may name the field it grows by, but only one it has
    grows = _le("grows", [("x", ctypes.c_uint64)])
    grows._growth_ = "x"
    assert rules.has_reserved(grows) == []
    grows._growth_ = "nonesuch"
    assert rules.has_reserved(grows) == ["struct grows: has no reserved field for growth"]


def test_reserved_bytes_are_zero_in_a_fresh_descriptor():
    buf = bytearray(layout.DESC_SIZE)
    initialize(buf, 0, layout.LOCALITY_SOUTH, offered=layout.FEATURES_PLAIN, pid=4242)
    zero_leaves = [leaf for leaf in layout.leaves(layout.ShmSignalDesc)
                   if any(m.startswith(("reserved", "pad"))
                          for _s, m in layout.path_members(layout.ShmSignalDesc, leaf.path))]
    # desc.reserved0; per irq pad0, reserved0, reserved2, reserved3[4]
    assert len(zero_leaves) == 1 + 2 * (1 + 1 + 1 + 4)
    for leaf in zero_leaves:
        assert buf[leaf.offset:leaf.offset + leaf.size] == bytes(leaf.size), leaf.path
