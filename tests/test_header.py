"""The C header compiles warning-free under strict flags as C99, C11 and C++17 with
gcc and clang (``-Wpadded`` proves there is no implicit padding), its static
assertions hold, and both the assertions and -Wpadded catch a broken layout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import HEADER_DIR, require_tool

STRICT = ["-Wall", "-Wextra", "-Wpadded", "-pedantic", "-Werror"]
TU = '#include "shm_signal.h"\nint shm_signal_tu_marker;\n'

COMBOS = [("gcc", "c99", "c"), ("gcc", "c11", "c"), ("g++", "c++17", "c++"),
          ("clang", "c99", "c"), ("clang", "c11", "c"), ("clang++", "c++17", "c++")]


def compile_tu(compiler: str, std: str, lang: str, include: Path, tmp: Path,
               extra=(), source: str = TU) -> subprocess.CompletedProcess:
    exe = require_tool(compiler)
    src = tmp / ("tu.cpp" if lang == "c++" else "tu.c")
    src.write_text(source)
    return subprocess.run([exe, f"-std={std}", *STRICT, *extra, f"-I{include}", "-c", str(src),
                           "-o", str(tmp / "tu.o")], capture_output=True, text=True)


@pytest.mark.parametrize("compiler, std, lang", COMBOS, ids=[f"{c}-{s}" for c, s, _ in COMBOS])
def test_header_compiles_clean(compiler, std, lang, tmp_path):
    proc = compile_tu(compiler, std, lang, HEADER_DIR, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_header_compiles_clean_for_i386(tmp_path):
    """-m32: uint64_t is 4-aligned in structures there; the explicit layout must not care."""
    proc = compile_tu("gcc", "c11", "c", HEADER_DIR, tmp_path, extra=["-m32"])
    if proc.returncode != 0 and "gnu/stubs-32.h" in proc.stderr:
        pytest.fail("gcc -m32 has no 32-bit libc headers: install gcc-multilib")
    assert proc.returncode == 0, proc.stderr


def test_header_includes_only_freestanding_headers():
    text = (HEADER_DIR / "shm_signal.h").read_text()
    includes = [line.split()[1] for line in text.splitlines() if line.startswith("#include")]
    assert includes == ["<stddef.h>", "<stdint.h>"]
    assert "__alignof__" not in text and "#pragma pack" not in text and "__attribute__" not in text


def test_header_is_usable_freestanding(tmp_path):
    proc = compile_tu("gcc", "c99", "c", HEADER_DIR, tmp_path, extra=["-ffreestanding", "-nostdinc",
                      "-isystem", _gcc_include_dir()])
    assert proc.returncode == 0, proc.stderr


def _gcc_include_dir() -> str:
    out = subprocess.run(["gcc", "-print-file-name=include"], capture_output=True, text=True)
    return out.stdout.strip()


def test_c_and_cpp_linkage_agree(tmp_path):
    """extern "C": a C++ TU sees the same structure as a C one."""
    src = TU + "extern \"C\" unsigned probe_size(void) { return sizeof(struct shm_signal_desc); }\n"
    proc = compile_tu("g++", "c++17", "c++", HEADER_DIR, tmp_path, source=src)
    assert proc.returncode == 0, proc.stderr
    syms = subprocess.run(["nm", str(tmp_path / "tu.o")], capture_output=True, text=True).stdout
    assert " T probe_size" in syms


def _plant(header_dir: Path, old: str, new: str) -> None:
    h = header_dir / "shm_signal.h"
    text = h.read_text()
    assert old in text, old
    h.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("compiler, std, lang", COMBOS, ids=[f"{c}-{s}" for c, s, _ in COMBOS])
def test_static_asserts_catch_a_widened_field(compiler, std, lang, tmp_path, header_copy):
    """C11/C++ static_assert and the C99 negative-array fallback both reject it."""
    _plant(header_copy, "shm_signal_le32 pid; ", "shm_signal_le64 pid; ")
    proc = compile_tu(compiler, std, lang, header_copy, tmp_path)
    assert proc.returncode != 0
    if std != "c99":  # the fallback's message is the compiler's, not ours
        assert "shm_signal_irq.pid must be at offset 8 with size 4" in proc.stderr


def test_wpadded_catches_implicit_padding_even_without_asserts(tmp_path, header_copy):
    _plant(header_copy, "\tuint8_t pad0; ", "\t")
    proc = compile_tu("gcc", "c11", "c", header_copy, tmp_path, extra=["-DSHM_SIGNAL_NO_LAYOUT_ASSERTS"])
    assert proc.returncode != 0
    assert "-Werror=padded" in proc.stderr and "state" in proc.stderr


def test_le_helpers_round_trip_and_are_little_endian(tmp_path):
    cc = require_tool("gcc")
    src = tmp_path / "le.c"
    src.write_text('#include "shm_signal.h"\n#include <stdio.h>\nint main(void){\n'
                   "unsigned char b[8]; int i;\n"
                   "shm_signal_store_le64(b, UINT64_C(0x0807060504030201));\n"
                   'for (i = 0; i < 8; i++) printf("%02x", b[i]);\n'
                   'printf(" %08x %04x\\n", (unsigned)shm_signal_load_le32(b + 4), '
                   "(unsigned)shm_signal_load_le16(b + 6));\n"
                   "return shm_signal_load_le64(b) != UINT64_C(0x0807060504030201); }\n")
    subprocess.run([cc, "-std=c99", *STRICT, f"-I{HEADER_DIR}", str(src), "-o", str(tmp_path / "le")],
                   check=True)
    out = subprocess.run([str(tmp_path / "le")], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0102030405060708", "08070605", "0807"]
