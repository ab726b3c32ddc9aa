"""shm-signal header (issue 17, item 3): a C header generated from a user's ctypes
structures (tests/structs/wire.py) compiles, with every size and offset asserted,
as C and C++ here and for other ABIs (i386, big-endian s390x, 32-bit ARM, 64- and
32-bit Windows): explicit padding and fixed-width types make the layout the same
everywhere.  The asserts catch what the padding prevents (a copy without it fails
on i386); the project's own descriptor goes through the same public path; a SPEC
that names nothing usable is a clear error with its own exit status."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from abi import exit_codes
from abi.verify import cheader, structs
from conftest import ROOT, missing, run_cli

WIRE = ROOT / "tests" / "structs" / "wire.py"


def _compile(header: Path, argv: List[str], lang: str = "c") -> subprocess.CompletedProcess:
    return subprocess.run([*argv, "-x", lang, str(header)], capture_output=True, text=True, timeout=120)


def _cc(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        missing(f"{name} (to compile the generated header)")
    assert exe is not None
    return exe


@pytest.fixture
def zig() -> List[str]:
    """zig cc, compiling to nothing (its -fsyntax-only fails on success)."""
    try:
        import ziglang  # noqa: F401
    except ImportError:
        missing("ziglang (pip install 'shm-signal[matrix]')")
    return [sys.executable, "-m", "ziglang", "cc", "-c", "-o", os.devnull]


@pytest.fixture
def header(tmp_path: Path) -> Path:
    out = tmp_path / "wire.h"
    proc = run_cli("header", "--structs", f"{WIRE}:STRUCTS", "-o", str(out))
    assert proc.returncode == exit_codes.OK, proc.stderr
    return out


def test_it_compiles_as_c_and_cxx_with_every_offset_asserted(header: Path) -> None:
    text = header.read_text()
    for r in (_compile(header, [_cc("cc"), "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]),
              _compile(header, [_cc("c++"), "-std=c++11", "-Wall", "-Werror", "-fsyntax-only"], "c++")):
        assert r.returncode == 0, r.stderr
    assert "struct wire_record {" in text  # _c_name_
    assert text.index("struct Inner {") < text.index("struct wire_record {")  # contained first
    assert "union Mixed {" in text and "#pragma pack(push, 1)" in text
    assert "WIRE_ASSERT(offsetof(struct wire_record, stamp) == 8" in text
    assert "WIRE_ASSERT(sizeof(struct wire_record) == 80" in text
    assert "uint8_t _pad0[4];" in text.split("struct Gap {")[1].split("};")[0]  # explicit padding
    assert "uint32_t x_y;" in text and "x bits 0-2, y bits 3-7" in text  # the storage unit
    assert "int64_t n;" in text and "c_long here" in text  # frozen to this host's size, said so
    assert "big-endian" in text.split("struct Big {")[0].rsplit("/*", 1)[1]


@pytest.mark.parametrize("target", [
    ["-target", "x86-linux-musl"], ["-target", "s390x-linux-musl"], ["-target", "arm-linux-musleabihf"],
])
def test_the_same_header_holds_on_other_abis(header: Path, target: List[str], zig: List[str]) -> None:
    r = _compile(header, [*zig, *target])
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("triple", ["x86_64-pc-windows-msvc", "i686-pc-windows-msvc"])
def test_and_on_windows(header: Path, triple: str) -> None:
    r = _compile(header, [_cc("clang"), "-target", triple, "-ffreestanding", "-fsyntax-only"])
    assert r.returncode == 0, r.stderr


def test_the_asserts_catch_what_the_padding_prevents(header: Path, tmp_path: Path, zig: List[str]) -> None:
    """Without Gap's explicit padding, b sits at 4 on i386: the header says 8."""
    text = header.read_text()
    gap = text.split("struct Gap {")[1].split("};")[0]
    naive = tmp_path / "naive.h"
    naive.write_text(text.replace(gap, gap.replace("\tuint8_t _pad0[4];", "\t/* (no padding) */")))
    r = _compile(naive, [*zig, "-target", "x86-linux-musl"])
    assert r.returncode != 0 and "Gap.b at offset 8" in r.stderr, r.stderr


def test_the_projects_own_descriptor_goes_through_the_same_path(tmp_path: Path) -> None:
    out = tmp_path / "desc.h"
    assert run_cli("header", "--structs", "abi.layout:STRUCTS", "-o", str(out)).returncode == exit_codes.OK
    text = out.read_text()
    assert "struct shm_signal_desc {" in text and "_pad" not in text  # no implicit padding to name
    r = _compile(out, [_cc("cc"), "-std=c11", "-Wall", "-Werror", "-fsyntax-only"])
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("spec, says", [
    ("tests/structs/nowhere.py", "no such file"),
    ("no_such_module_anywhere", "no such module"),
    (f"{WIRE}:NOPE", "has no attribute 'NOPE'"),
    (f"{WIRE}:Inner.a", "expected a ctypes Structure/Union class or a list of them, got CField"),
    ("abi.exit_codes", "defines no ctypes Structure or Union"),
    (f"{WIRE}:Odd", "Odd.x: c_longdouble has no fixed-width C type"),
])
def test_a_spec_that_names_nothing_usable_is_a_clear_error(spec: str, says: str) -> None:
    proc = run_cli("header", "--structs", spec)
    assert proc.returncode == exit_codes.STRUCTS_UNUSABLE, proc.stdout + proc.stderr
    assert says in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_without_an_attribute_every_structure_the_module_defines() -> None:
    names = [c.__name__ for c in structs.load(str(WIRE))]
    assert names == ["Inner", "Mixed", "Record", "Packed", "Bits", "Big", "Gap", "Flags", "Odd"]
    with pytest.raises(cheader.HeaderError, match="Odd.x"):
        cheader.generate(structs.load(str(WIRE)))


TAILS = ROOT / "tests" / "structs" / "tails.py"


def test_flexible_tails_and_a_derived_structure(tmp_path: Path) -> None:
    """``T * 0`` as the last member becomes C99's ``T x[]`` with nothing after it (C
    rounds the size up as ctypes does; its assert holds), a derived structure holds
    its base's members first, and a member written ``c_uint64`` carries no "size
    depends on the ABI" note though ctypes made it ``c_ulong`` here.  The header
    compiles strictly as C11 and as C++11, and ctypes binds to it."""
    out = tmp_path / "tails.h"
    proc = run_cli("header", "--structs", f"{TAILS}:STRUCTS", "-o", str(out))
    assert proc.returncode == exit_codes.OK, proc.stderr
    text = out.read_text()
    assert "uint8_t data[];" in text and "uint64_t vals[];" in text, text
    record = text[text.index("struct tails_record {"):]
    record = record[:record.index("};")]
    assert record.index("magic") < record.index("count") < record.index("stamp"), record
    assert "depends on the ABI" not in text, text
    for r in (_compile(out, [_cc("cc"), "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]),
              _compile(out, [_cc("c++"), "-std=c++11", "-Wall", "-Werror", "-fsyntax-only"], "c++")):
        assert r.returncode == 0, r.stderr
    proc = run_cli("verify", "--header", str(out), "--structs", f"{TAILS}:STRUCTS")
    assert proc.returncode == exit_codes.OK, proc.stdout + proc.stderr
