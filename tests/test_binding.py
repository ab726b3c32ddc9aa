"""shm-signal verify --header FILE --structs SPEC (issue 17, item 1, on this machine):
a user's ctypes structures (tests/structs/wire.py) against a header written by hand
as a C programmer would (tests/structs/wire.h: long, void *, bool, bit-fields).

What must be caught is caught, each by what shows it: a bit-field structure whose
next member ctypes before 3.14 places otherwise than gcc (size, offset); a
BigEndianStructure mirroring a native C structure (offsets agree, the byte image
does not); a member type changed in the header (offset and size, both values named);
bit-fields declared in another order (only the image shows it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from abi import exit_codes
from conftest import ROOT, missing, run_cli

WIRE, HEADER = ROOT / "tests" / "structs" / "wire.py", ROOT / "tests" / "structs" / "wire.h"


@pytest.fixture(autouse=True)
def _compiler() -> None:
    from abi.toolchain import NoCompilerError, find_c_compiler

    try:
        find_c_compiler()
    except NoCompilerError:
        missing("a C compiler")


def _verdicts(header: Path, spec: str) -> dict:
    proc = run_cli("verify", "--header", str(header), "--structs", spec, "--json")
    assert proc.returncode in (exit_codes.OK, exit_codes.MISMATCH), proc.stderr
    out = json.loads(proc.stdout)
    assert (proc.returncode == exit_codes.OK) == out["ok"]
    return {s["c_name"]: s["differences"] for s in out["structs"]}


def test_what_matches_matches_and_what_differs_is_named() -> None:
    v = _verdicts(HEADER, f"{WIRE}:STRUCTS")
    assert v["wire_record"] == [] and v["Packed"] == [] and v["Gap"] == [] and v["Flags"] == []
    if sys.version_info < (3, 14):  # ctypes lays bit-fields out as MSVC does, everywhere
        assert "Bits.z: C says offset 2 size 2, ctypes says offset 4 size 2" in v["Bits"], v["Bits"]
    if sys.byteorder == "little":
        assert v["Big"] and "byte images differ first at byte 0 (in a)" in v["Big"][0], v["Big"]


def test_a_member_type_changed_in_the_header_is_named_with_both_values(tmp_path: Path) -> None:
    h = tmp_path / "wire.h"
    h.write_text(HEADER.read_text().replace("\tlong n;", "\tint32_t n;"))
    v = _verdicts(h, f"{WIRE}:Record")
    assert any(m.startswith("wire_record.n: C says offset 16 size 4, ctypes says offset 16 size 8")
               for m in v["wire_record"]), v


def test_bit_fields_in_another_order_show_in_the_image_alone(tmp_path: Path) -> None:
    h = tmp_path / "wire.h"
    lo_hi, hi_lo = "\tuint32_t lo : 4;\n\tuint32_t hi : 4;", "\tuint32_t hi : 4;\n\tuint32_t lo : 4;"
    assert lo_hi in HEADER.read_text()
    h.write_text(HEADER.read_text().replace(lo_hi, hi_lo))
    v = _verdicts(h, f"{WIRE}:Flags")
    assert len(v["Flags"]) == 1 and "byte images differ" in v["Flags"][0], v


def test_character_arrays_and_a_derived_structure_get_their_sentinels(tmp_path: Path) -> None:
    """``c_char * N`` and ``c_wchar * N`` members read back as bytes and str in ctypes
    (the image once crashed on them), and a derived structure's base members come
    first (the image once left them zero): both match their C structure, and a
    base member moved in the header is caught in the image."""
    (tmp_path / "names.py").write_text(
        "import ctypes\n"
        "class Base(ctypes.Structure):\n"
        "    _fields_ = [('tag', ctypes.c_uint32), ('name', ctypes.c_char * 6)]\n"
        "class Named(Base):\n"
        "    _c_name_ = 'named'\n"
        "    _fields_ = [('wide', ctypes.c_wchar * 3), ('n', ctypes.c_uint16)]\n"
        "STRUCTS = [Named]\n")
    c = ("#include <stdint.h>\n#include <wchar.h>\n"
         "struct named { uint32_t tag; char name[6]; wchar_t wide[3]; uint16_t n; };\n")
    (tmp_path / "names.h").write_text(c)
    assert _verdicts(tmp_path / "names.h", f"{tmp_path / 'names.py'}:STRUCTS") == {"named": []}
    (tmp_path / "names.h").write_text(c.replace("uint32_t tag; char name[6];", "char name[6]; uint32_t tag;"))
    v = _verdicts(tmp_path / "names.h", f"{tmp_path / 'names.py'}:STRUCTS")
    assert any("byte images differ first at byte 0 (in tag)" in m for m in v["named"]), v


def test_exit_status_and_errors() -> None:
    assert run_cli("verify", "--header", str(HEADER), "--structs", f"{WIRE}:Gap").returncode == exit_codes.OK
    assert run_cli("verify", "--header", str(HEADER), "--structs",
                   f"{WIRE}:STRUCTS").returncode == exit_codes.MISMATCH
    proc = run_cli("verify", "--header", str(HEADER))
    assert proc.returncode == exit_codes.USAGE and "go together" in proc.stderr
    proc = run_cli("verify", "--header", str(HEADER.with_name("nope.h")), "--structs", str(WIRE))
    assert proc.returncode == exit_codes.USAGE and "no such file" in proc.stderr
    proc = run_cli("verify", "--header", str(HEADER), "--structs", f"{WIRE}:NOPE")
    assert proc.returncode == exit_codes.STRUCTS_UNUSABLE and "NOPE" in proc.stderr
    proc = run_cli("verify", "--header", str(HEADER), "--structs", f"{WIRE}:Odd")  # not in the header
    assert proc.returncode == exit_codes.COMPILE_FAILED and "Odd" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
