"""Structures with flexible tails (ctypes' ``T * 0``, C's ``T x[]``) and a derived
structure (ctypes lays the base's members first), mirrored by hand in tails.h."""

import ctypes


class Msg(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint32), ("kind", ctypes.c_uint16), ("data", ctypes.c_uint8 * 0)]


class Tagged(ctypes.Structure):  # the tail moves: uint64_t is 4-aligned on i386 System V
    _fields_ = [("tag", ctypes.c_uint8), ("vals", ctypes.c_uint64 * 0)]


class Head(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_uint32), ("count", ctypes.c_uint16)]


class Record(Head):
    _c_name_ = "tails_record"
    _fields_ = [("stamp", ctypes.c_uint64)]


STRUCTS = [Msg, Tagged, Record]
