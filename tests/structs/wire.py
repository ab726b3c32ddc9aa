"""A user's ctypes structures, none of them this project's, with what trips a naive
C mirror: implicit padding (a uint64 after a uint32, a bool before an array, at the
tail), ABI-sized types (c_long, a pointer), a nested array of structures, a 2-D
array, a union, _pack_, bit-fields (whose places ctypes before 3.14 and gcc disagree
on) and a big-endian structure.  tests/test_cheader.py generates a header from them."""

import ctypes


class Inner(ctypes.Structure):
    _fields_ = [("a", ctypes.c_uint8), ("b", ctypes.c_uint32)]


class Mixed(ctypes.Union):
    _fields_ = [("u32", ctypes.c_uint32), ("bytes", ctypes.c_uint8 * 6)]


class Record(ctypes.Structure):
    _c_name_ = "wire_record"
    _fields_ = [("tag", ctypes.c_uint32), ("stamp", ctypes.c_uint64), ("n", ctypes.c_long),
                ("ptr", ctypes.c_void_p), ("ok", ctypes.c_bool), ("inner", Inner * 2),
                ("grid", (ctypes.c_int16 * 3) * 2), ("m", Mixed), ("flag", ctypes.c_uint8)]


class Packed(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("a", ctypes.c_uint8), ("b", ctypes.c_uint32), ("c", ctypes.c_uint16)]


class Bits(ctypes.Structure):
    _fields_ = [("x", ctypes.c_uint32, 3), ("y", ctypes.c_uint32, 5), ("z", ctypes.c_uint16)]


class Big(ctypes.BigEndianStructure):
    _fields_ = [("a", ctypes.c_uint16), ("b", ctypes.c_uint64)]


class Gap(ctypes.Structure):
    """8 on x86_64 and 4 on i386 for b's offset, unless the padding is explicit."""

    _fields_ = [("a", ctypes.c_uint32), ("b", ctypes.c_uint64)]


class Flags(ctypes.Structure):
    """Bit-fields filling their unit: ctypes and gcc agree, bit for bit."""

    _fields_ = [("lo", ctypes.c_uint32, 4), ("hi", ctypes.c_uint32, 4), ("rest", ctypes.c_uint32, 24)]


class Odd(ctypes.Structure):
    _fields_ = [("x", ctypes.c_longdouble)]  # no fixed-width C type: the generator refuses it


STRUCTS = [Record, Packed, Bits, Big, Gap, Flags]
