"""shm-signal verify: the native C compiler's view of the header against ctypes.

Broken layouts are planted on each side in turn (a field widened, a pad removed, the
byte order flipped) and the verifier must name exactly the planted field."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
from pathlib import Path

import pytest

from abi import layout
from abi.layout import FieldSpec
from abi.toolchain import (
    Compiler,
    NoCompilerError,
    find_c_compiler,
    find_msvc,
    missing_members,
    parse_set_output,
    vcvars_arch,
)
from abi.verify import header as verify
from conftest import run_cli


@pytest.fixture(scope="module")
def compiler() -> Compiler:
    try:
        return find_c_compiler()
    except NoCompilerError as exc:  # pragma: no cover - CI always has gcc
        pytest.fail(str(exc))


def test_native_layout_matches(compiler):
    report = verify.verify(compiler=compiler)
    assert report.ok, verify.render(report)
    assert report.mismatches() == []
    assert [s.c_name for s in report.structs] == ["shm_signal_irq", "shm_signal_desc",
                                                  "shm_signal_ring_header", "shm_signal_ring_record"]
    desc = report.structs[1]
    assert (desc.size, desc.ctypes_size) == (192, 192)
    assert [f.status for f in desc.fields] == ["match"] * len(layout.DESC_FIELDS)
    assert desc.image_status == "match"


def _plant(header_dir: Path, old: str, new: str) -> None:
    h = header_dir / "shm_signal.h"
    text = h.read_text()
    assert old in text
    h.write_text(text.replace(old, new, 1))


def test_widened_header_field_is_reported_once(header_copy, compiler):
    _plant(header_copy, "shm_signal_le32 pid; ", "shm_signal_le64 pid; ")
    report = verify.verify(header_copy, compiler=compiler)
    assert not report.ok
    assert report.mismatches() == ["shm_signal_irq.pid"]
    irq = report.structs[0]
    pid = next(f for f in irq.fields if f.member == "pid")
    assert (pid.offset, pid.size, pid.ctypes_offset, pid.ctypes_size) == (8, 8, 8, 4)
    assert pid.message == "shm_signal_irq.pid: C says size 8, ctypes says 4"
    later = {f.member: f.status for f in irq.fields}
    assert later["reserved0"] == later["notify_count"] == later["doorbell"] == later["reserved3"] == "follows"
    assert {f.member: f.status for f in report.structs[1].fields}["irq"] == "follows"
    assert irq.image_status == "mismatch"


def test_removed_header_pad_is_reported(header_copy, compiler):
    _plant(header_copy, "\tuint8_t pad0; ", "\t")
    report = verify.verify(header_copy, compiler=compiler)
    assert report.mismatches() == ["shm_signal_irq.pad0"]
    pad = next(f for f in report.structs[0].fields if f.member == "pad0")
    assert pad.status == "missing-in-c"


def test_moved_header_field_names_offsets(header_copy, compiler):
    """Swap pending and dirty: same sizes, the two fields trade offsets."""
    _plant(header_copy, "\tuint8_t pending; ", "\tuint8_t dirty_tmp; ")
    _plant(header_copy, "\tuint8_t dirty; ", "\tuint8_t pending; ")
    _plant(header_copy, "\tuint8_t dirty_tmp; ", "\tuint8_t dirty; ")
    report = verify.verify(header_copy, compiler=compiler)
    assert report.mismatches() == ["shm_signal_irq.pending", "shm_signal_irq.dirty"]
    msgs = [f.message for f in report.structs[0].fields if f.status == "mismatch"]
    assert msgs == ["shm_signal_irq.pending: C says offset 2, ctypes says 1",
                    "shm_signal_irq.dirty: C says offset 1, ctypes says 2"]
    diffs = {d.offset for d in report.structs[1].image_diffs}
    assert diffs == {65, 66, 129, 130}  # both records' pending/dirty bytes in the image


def _broken_irq(replace: dict, drop: tuple = (), base=ctypes.LittleEndianStructure):
    specs = [replace.get(s.name, s) for s in layout.IRQ_FIELDS if s.name not in drop]
    irq = type("ShmSignalIrq", (base,), {"_c_name_": "shm_signal_irq", "_specs_": tuple(specs),
                                         "_fields_": [(s.name, s.ctypes_type) for s in specs]})
    desc_specs = [s if s.name != "irq" else FieldSpec("irq", irq, s.c_type, 2, s.writer, s.values,
                                                      s.doc) for s in layout.DESC_FIELDS]
    desc = type("ShmSignalDesc", (ctypes.LittleEndianStructure,),
                {"_c_name_": "shm_signal_desc", "_specs_": tuple(desc_specs),
                 "_fields_": [(s.name, s.ctypes_type) for s in desc_specs]})
    return irq, desc


def _spec(name: str, **kw) -> FieldSpec:
    s = next(s for s in layout.IRQ_FIELDS if s.name == name)
    return FieldSpec(**{**s.__dict__, **kw})


def test_widened_ctypes_field_is_reported(compiler):
    structs = _broken_irq({"reserved0": _spec("reserved0", ctype=ctypes.c_uint64)})
    report = verify.verify(structs=structs, compiler=compiler)
    assert report.mismatches() == ["shm_signal_irq.reserved0"]


def test_removed_ctypes_pad_is_reported(compiler):
    structs = _broken_irq({}, drop=("pad0",))
    report = verify.verify(structs=structs, compiler=compiler)
    assert report.mismatches() == ["shm_signal_irq.pad0"]
    pad = next(f for f in report.structs[0].fields if f.member == "pad0")
    assert pad.status == "missing-in-ctypes" and pad.offset == 3
    # C stored pad0's sentinel where ctypes has a hole
    assert [(d.offset, d.c_field) for d in report.structs[0].image_diffs] == [(3, "(no field: a hole)")]


def test_big_endian_ctypes_is_caught_by_the_byte_image(compiler):
    """Offsets and sizes all agree; only the bytes show the wrong byte order."""
    structs = _broken_irq({}, base=ctypes.BigEndianStructure)
    report = verify.verify(structs=structs, compiler=compiler)
    assert not report.ok
    irq = report.structs[0]
    assert all(f.status == "match" for f in irq.fields)
    wrong = {d.c_field for d in irq.image_diffs}
    multi_byte = {leaf.path for leaf in layout.leaves(layout.ShmSignalIrq) if leaf.size > 1}
    assert wrong == multi_byte
    assert not wrong & {"enabled", "pending", "dirty", "pad0"}  # byte fields have no byte order


def test_missing_member_parser_reads_every_compiler():
    gcc = "x.c:3:5: error: 'struct shm_signal_irq' has no member named 'pad0'"
    gcc_utf8 = "x.c:3:5: error: \u2018struct shm_signal_irq\u2019 has no member named \u2018pad0\u2019"
    clang = "x.c:3:5: error: no member named 'pad0' in 'struct shm_signal_irq'"
    msvc = "x.c(3): error C2039: 'pad0': is not a member of 'shm_signal_irq'"
    for text in (gcc, gcc_utf8, clang, msvc):
        assert missing_members(text) == [("shm_signal_irq", "pad0")], text
    assert missing_members("x.c:1: error: expected ';'") == []


def test_cli_text_and_json(compiler):
    text = run_cli("verify")
    assert text.returncode == 0, text.stderr
    assert "OK: 4 structs and 31 fields match, byte images identical" in text.stdout
    js = run_cli("verify", "--json")
    data = json.loads(js.stdout)
    assert data["status"] == "match"
    desc = data["structs"][1]
    assert (desc["c_name"], desc["size"], desc["align"], desc["status"]) == \
        ("shm_signal_desc", 192, ctypes.alignment(layout.ShmSignalDesc), "match")
    assert desc["fields"][0] == {"member": "magic", "offset": 0, "size": 4, "ctypes_offset": 0,
                                 "ctypes_size": 4, "status": "match", "message": ""}


def test_cli_reports_a_mismatch_with_exit_1(header_copy):
    _plant(header_copy, "shm_signal_le32 pid; ", "shm_signal_le64 pid; ")
    proc = run_cli("verify", "--header-dir", str(header_copy))
    assert proc.returncode == 1
    assert "shm_signal_irq.pid: C says size 8, ctypes says 4" in proc.stdout
    assert "FAIL: 1 field(s) differ: shm_signal_irq.pid" in proc.stdout


def test_cli_without_compiler_is_one_line_and_exit_3(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    env.pop("CC", None)
    proc = run_cli("verify", env=env)
    assert proc.returncode == 3
    assert proc.stderr.strip().count("\n") == 0
    assert "no C compiler found" in proc.stderr and "Traceback" not in proc.stderr
    bad = run_cli("verify", env={**os.environ, "CC": "no-such-cc"})
    assert bad.returncode == 3 and "no-such-cc" in bad.stderr


def test_cli_header_that_does_not_compile_is_exit_4(header_copy):
    _plant(header_copy, "struct shm_signal_desc {", "struct shm_signal_desc { garbage")
    proc = run_cli("verify", "--header-dir", str(header_copy))
    assert proc.returncode == 4
    assert "Traceback" not in proc.stderr and "failed on shm_signal_probe.c" in proc.stderr


def test_console_script_and_module_agree():
    script = shutil.which("shm-signal")
    if script is None:
        pytest.fail("the shm-signal console script is not installed (pip install -e .)")
    import subprocess

    a = subprocess.run([script, "verify", "--json"], capture_output=True, text=True)
    b = run_cli("verify", "--json")
    assert a.returncode == b.returncode == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_alignment_move_with_no_earlier_difference_is_a_mismatch(header_copy, compiler):
    """Drop reserved0 (u32 before a u64) from both sides, then compile the C side for
    i386 (-m32), where uint64_t is 4-aligned in structs: notify_count moves by
    alignment alone and must be reported as where the difference starts."""
    if shutil.which("gcc") is None:
        pytest.fail("gcc is required")
    _plant(header_copy, "\tshm_signal_le32 reserved0;    /* 12 must be zero */\n", "")
    structs = _broken_irq({}, drop=("reserved0",))
    m32 = Compiler(["gcc", "-m32"], "gcc")
    report = verify.verify(header_copy, structs=structs, compiler=m32)
    assert "shm_signal_irq.notify_count" in report.mismatches()
    nc = next(f for f in report.structs[0].fields if f.member == "notify_count")
    assert (nc.offset, nc.ctypes_offset, nc.status) == (12, 16, "mismatch")


@pytest.mark.parametrize("python_platform,host,arch", [
    ("win-amd64", "AMD64", "x64"), ("win32", "AMD64", "x64_x86"), ("win-arm64", "ARM64", "arm64"),
    ("win-amd64", "ARM64", "arm64_x64"), ("win32", "x86", "x86"), ("win-arm64", "AMD64", "x64_arm64"),
    ("linux-x86_64", "AMD64", None), ("win-amd64", "IA64", None),
])
def test_msvc_is_set_up_for_this_pythons_architecture(python_platform, host, arch):
    """A 32-bit Python on a 64-bit host needs vcvarsall's cross tools (x64_x86): with the
    native ones verify would compare an x64 layout with an x86 interpreter."""
    assert vcvars_arch(python_platform, host) == arch


def test_the_vcvarsall_environment_is_read_line_by_line():
    text = "Path=C:\\VS\\bin;C:\\Windows\r\nINCLUDE=C:\\VS\\include\r\n=C:=C:\\work\r\nnot a pair\r\n"
    assert parse_set_output(text) == {"Path": "C:\\VS\\bin;C:\\Windows", "INCLUDE": "C:\\VS\\include"}


def test_find_msvc_declines_without_visual_studio(tmp_path):
    assert find_msvc({"ProgramFiles(x86)": str(tmp_path), "PROCESSOR_ARCHITECTURE": "AMD64"}) is None
