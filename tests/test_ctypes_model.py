"""The model of ctypes' layout rules (abi.verify.ctypes_model), held to real ctypes:
this interpreter's over random structures (every written type, arrays, nesting,
unions, bit-fields, ``_pack_``, big-endian, derived structures), the real 32-bit
CPython of the i386 root's over the same, and each target's C types as its compiler
reveals them against the interpreters that run here."""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from pathlib import Path
from typing import Any, List

import pytest
from structs.random_structs import source

from abi.verify import binding, ctypes_model, platforms
from abi.verify.matrix import cpython, executed
from abi.verify.matrix.build import pick_compiler
from abi.verify.matrix.cache import Cache
from abi.verify.matrix.model import Context
from abi.verify.matrix.scalars import target_scalars
from conftest import missing

SEEDS = range(40)  # x 8 structures, under a second


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # (inspect.getsource looks the module up)
    spec.loader.exec_module(mod)
    return mod


def _undefined(cls: Any) -> bool:
    """Whether real ctypes puts a bit-field past what its C shift can reach (its
    stores there are undefined behaviour, and the model refuses to guess)."""
    for m in ctypes_model.real_layout(cls).members:
        if m.bits and m.low_bit >= 8 * max(m.size, 4):
            return True
    return any(_undefined(f[1]) for f in cls._fields_ if isinstance(f[1], type)
               and issubclass(f[1], (ctypes.Structure, ctypes.Union)))


def test_the_model_lays_out_as_this_interpreters_ctypes(tmp_path: Path) -> None:
    host = ctypes_model.host_scalars()
    compared = 0
    for seed in SEEDS:
        f = tmp_path / f"random_{seed}.py"
        f.write_text(source(seed, 8))
        for cls in _load(f).STRUCTS:
            where = f"seed {seed}, {cls.__name__}"
            assert ctypes_model.layout_on(cls, host) == ctypes_model.real_layout(cls), where
            try:
                image = ctypes_model.image_on(cls, host)
            except ctypes_model.ModelError:
                assert _undefined(cls), where
                continue
            assert image == binding.ctypes_image(cls), where
            compared += 1
    assert compared >= 0.9 * 8 * len(SEEDS)


# Mutants of the model's rules (text patches of its source): each must be caught by the
# comparison above on the same random structures.
MUTANTS = {
    "pack ignored": ("a = min(pack, talign) if pack else talign", "a = talign"),
    "no expanding unit": ("elif not sc.ms_bitfields and bitsize and field_size", "elif False"),
    "MSVC bit-fields": ("fits = tsize * 8 == field_size if sc.ms_bitfields else",
                        "fits = tsize * 8 == field_size if True else"),
    "big-endian bits counted from the bottom": (
        "low = field_size - bitofs - bitsize if big else bitofs\n            at = offset - tsize",
        "low = bitofs\n            at = offset - tsize"),
    "expanding raises the alignment": ("            bitofs += bitsize\n",
                                       "            bitofs += bitsize\n            align = talign\n"),
    "union members not at 0": ("            size = offset = align = 0", "            align = 0"),
}


@pytest.mark.slow  # (six module loads over 160 structures each)
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_host_comparison_catches_a_broken_model(tmp_path: Path, mutant: str) -> None:
    old, new = MUTANTS[mutant]
    text = Path(ctypes_model.__file__).read_text()
    assert text.count(old) == 1, mutant
    broken = tmp_path / "broken_model.py"
    broken.write_text(text.replace(old, new))
    model = _load(broken)
    host = model.host_scalars()
    caught = 0
    for seed in range(20):
        f = tmp_path / f"random_{seed}.py"
        f.write_text(source(seed, 8))
        for cls in _load(f).STRUCTS:
            try:
                caught += model.layout_on(cls, host) != ctypes_model.real_layout(cls)
            except Exception:
                caught += 1
    assert caught > 0, mutant


def _i386_root() -> None:
    t = next(t for t in platforms.load() if t.name == "cpython-i386")
    why = executed.runner_missing(t)
    if why:
        missing(f"the i386 CPython: {why}")


@pytest.mark.slow  # (the i386 root)
def test_the_model_lays_out_as_the_i386_cpythons_ctypes(tmp_path: Path) -> None:
    """The same random structures under a real 32-bit CPython: the model, given that
    interpreter's own table of C types, lays every one out as its ctypes does, and
    gives its byte images."""
    _i386_root()
    text = source(1234, 120)
    f = tmp_path / "random_i386.py"
    f.write_text(text)
    mod = _load(f)
    names = [cls.__name__ for cls in mod.STRUCTS]
    data = cpython.in_root("print(matrix.cpython_user_side(sys.argv[2], sys.argv[3:]))",
                           {"random_i386.py": text}, ["{d}/random_i386.py", *names])
    assert data["pointer_bytes"] == 4
    theirs = ctypes_model.Scalars({k: tuple(v) for k, v in data["scalars"].items()}, "little", False)
    compared = 0
    for cls in mod.STRUCTS:
        entry = data["structs"][cls.__name__]
        real = ctypes_model.Layout(**{**entry["layout"], "members": [
            ctypes_model.Member(**m) for m in entry["layout"]["members"]]})
        assert ctypes_model.layout_on(cls, theirs) == real, cls.__name__
        try:
            image = ctypes_model.image_on(cls, theirs)
        except ctypes_model.ModelError:
            continue
        if "image" in entry:
            assert image.hex() == entry["image"], cls.__name__
            compared += 1
    assert compared >= 100


def _ctx(tmp_path: Path) -> Context:
    return Context(tmp_path, [], None, Cache(tmp_path / "cache", True), lambda s: None)


@pytest.mark.parametrize("target, interpreter", [("linux-x86_64", "host"),
                                                 pytest.param("linux-i686", "i386", marks=pytest.mark.slow)])
def test_each_targets_compiler_gives_the_c_types_of_its_cpython(tmp_path: Path, target: str,
                                                               interpreter: str) -> None:
    """The table the matrix takes from a target's compiler is the one that target's
    CPython has: this interpreter's for x86_64, the i386 root's for i686."""
    t = next(x for x in platforms.load() if x.name == target)
    spec = next((s for s in t.compilers if s.kind == "cc"), pick_compiler(t))
    if spec.missing():
        missing(f"{target}: {spec.missing()}")
    got = target_scalars(_ctx(tmp_path), t, spec)
    if interpreter == "host":
        want = ctypes_model.host_scalars().types
    else:
        _i386_root()
        want = {k: tuple(v) for k, v in cpython.in_root(
            "from abi.verify import ctypes_model; import json; "
            "print(json.dumps(ctypes_model.host_scalars().types))", {}, [])
            .items()}
    common: List[str] = [k for k in want if k in got.types]
    assert len(common) >= len(ctypes_model.C_TYPES) - 1  # (time_t: ctypes has it from 3.12)
    assert {k: got.types[k] for k in common} == {k: want[k] for k in common}
    assert got.byte_order == "little" and got.ms_bitfields is False


def _i386_like() -> ctypes_model.Scalars:
    """A 32-bit System V table, written out (long 4 bytes, int64_t 4-aligned)."""
    host = ctypes_model.host_scalars().types
    return ctypes_model.Scalars({**host, "long": (4, 4), "void *": (4, 4), "size_t": (4, 4),
                                 "int64_t": (8, 4), "long long": (8, 4), "double": (8, 4)})


def test_a_modules_own_aliases_are_read_through(tmp_path: Path) -> None:
    """``u64 = ctypes.c_uint64`` then ``('a', u64)``: the member is a uint64_t on every
    target (on 64-bit Linux ctypes.c_uint64 *is* c_ulong, 4 bytes on i386)."""
    f = tmp_path / "aliased.py"
    f.write_text("import ctypes\nu64, u32 = ctypes.c_uint64, ctypes.c_uint32\nwide = u64\n"
                 "class A(ctypes.Structure):\n"
                 "    _fields_ = [('x', u32), ('a', wide * 2), ('n', ctypes.c_long)]\n")
    cls = _load(f).A
    lay = ctypes_model.layout_on(cls, _i386_like())
    assert [(m.name, m.offset, m.size) for m in lay.members] == [("x", 0, 4), ("a", 4, 16), ("n", 20, 4)]
    assert lay.guesses == []


def test_integers_the_source_does_not_name_are_read_fixed_width_and_said(tmp_path: Path) -> None:
    f = tmp_path / "built.py"
    f.write_text("import ctypes\nFIELDS = [('a', ctypes.c_uint32), ('b', ctypes.c_uint64)]\n"
                 "class B(ctypes.Structure):\n    _fields_ = list(FIELDS)\n")
    cls = _load(f).B
    lay = ctypes_model.layout_on(cls, _i386_like())
    assert (lay.size, lay.member("b").size) == (12, 8)
    if ctypes.sizeof(ctypes.c_long) == 8:  # (c_uint64 *is* c_ulong here: the class cannot say)
        assert len(lay.guesses) == 1 and "B.b" in lay.guesses[0] and "long: 4" in lay.guesses[0], lay.guesses
    assert ctypes_model.layout_on(cls, ctypes_model.host_scalars()).guesses == []  # (same size here)
