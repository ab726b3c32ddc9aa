"""shm-signal matrix's three verdicts other than a match, each on a target built to
earn it: *skipped* (no compiler here can build for the target: a clang that does not
know the triple is passed over for the next compiler, and with none left the target
is skipped with clang's own error as the reason), *error* (the tools are there and
fail: no verdict, exit status 14, never a mismatch) and *mismatch* (exit status 7,
which wins over an error).  One compile each, against this checkout's header."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from abi import exit_codes
from abi.verify import matrix, platforms
from conftest import HEADER_DIR, missing

UNKNOWN = {"kind": "clang", "triple": "vax-unknown-linux-gnu"}  # no clang knows it


def _target(tmp_path: Path, name: str, compilers: List[Dict[str, Any]]) -> platforms.Target:
    """linux-x86_64's description under another name, with these compilers."""
    data = json.loads((platforms.platform_dir() / "linux-x86_64.json").read_text())
    data.update(name=name, mode="compile", compilers=compilers)
    data.pop("runner", None)
    d = tmp_path / name
    d.mkdir()
    (d / f"{name}.json").write_text(json.dumps(data))
    return platforms.load(d)[0]


@pytest.fixture(autouse=True)
def _clang() -> None:
    if shutil.which("clang") is None or shutil.which("cc") is None:
        missing("clang and cc (the compilers these targets name)")


def test_a_clang_that_does_not_know_the_triple_is_passed_over(tmp_path: Path) -> None:
    t = _target(tmp_path, "linux-x86_64-fallback", [UNKNOWN, {"kind": "cc", "argv": ["cc"]}])
    [r] = matrix.run([t], [t], HEADER_DIR)
    assert (r.status, r.compiler) == ("match", "cc"), (r.status, r.reason)


def test_no_compiler_that_can_build_for_it_is_a_skip_with_the_reason(tmp_path: Path) -> None:
    t = _target(tmp_path, "linux-vax", [UNKNOWN])
    [r] = matrix.run([t], [t], HEADER_DIR)
    assert r.status == "skipped", (r.status, r.reason, r.differences)
    assert "cannot compile for this target" in r.reason and "vax" in r.reason, r.reason
    assert not r.differences and matrix.exit_status([r]) == exit_codes.OK
    assert "MISMATCH" not in matrix.render([r], matrix.load_layout(None))


def test_a_compiler_that_fails_is_an_error_not_a_mismatch(tmp_path: Path) -> None:
    # cc can build for the target but fails on a flag it does not know: no verdict.
    t = _target(tmp_path, "linux-x86_64-broken-cc",
                [{"kind": "cc", "argv": ["cc", "-fno-such-flag-anywhere"]}])
    [r] = matrix.run([t], [t], HEADER_DIR, use_cache=False)
    assert r.status == "error", (r.status, r.reason)
    assert r.reason.startswith("error: ") and not r.differences and not r.mismatches
    assert set(r.structs.values()) == {"ERROR"}
    assert matrix.exit_status([r]) == exit_codes.MATRIX_ERROR
    text = matrix.render([r], matrix.load_layout(None))
    assert "MISMATCH" not in text and "ERROR: 1 targets" in text and "1 errors" in text
    assert matrix.to_json([r])["summary"]["errors"] == 1  # type: ignore[index]


def test_a_mismatch_wins_over_an_error(tmp_path: Path) -> None:
    ok = _target(tmp_path, "linux-x86_64-copy", [{"kind": "cc", "argv": ["cc"]}])
    [good] = matrix.run([ok], [ok], HEADER_DIR)
    bad = matrix.TargetResult(ok, "mismatch", reason="shm_signal_irq.pid")
    err = matrix.TargetResult(ok, "error", reason="error: cc failed")
    assert matrix.exit_status([good]) == exit_codes.OK
    assert matrix.exit_status([good, err]) == exit_codes.MATRIX_ERROR
    assert matrix.exit_status([err, bad, good]) == exit_codes.MATRIX_MISMATCH


def test_loongarch64_with_clang_alone_is_never_a_mismatch(tmp_path: Path) -> None:
    """The case a new user met: without zig, Debian 12's clang 14 does not know
    loongarch64, and the target was reported as a MISMATCH.  With only its clang, it
    is skipped with clang's reason here (it matches where clang knows the target)."""
    data = json.loads((platforms.platform_dir() / "linux-loongarch64.json").read_text())
    data["compilers"] = [c for c in data["compilers"] if c["kind"] == "clang"]
    (tmp_path / "linux-loongarch64.json").write_text(json.dumps(data))
    [t] = platforms.load(tmp_path)
    [r] = matrix.run([t], [t], HEADER_DIR)
    assert r.status in ("skipped", "match"), (r.status, r.reason, r.differences)
    if r.status == "skipped":
        assert "cannot compile for this target" in r.reason, r.reason


# --------------------------------------------------------------------------
# A user's header and structures (matrix --header FILE --structs SPEC): two verdicts
# per target, binding (that target's ctypes, modelled, against its C compiler) and
# wire (its C compiler against ctypes here).

STRUCTS_DIR = HEADER_DIR.parent.parent / "tests" / "structs"
ABIS = ["linux-x86_64", "linux-i686", "windows-x64-msvc", "windows-x86-msvc"]


def _user_run(names: List[str], header_dir: Path = STRUCTS_DIR, which: Tuple[str, ...] = ("Record", "Gap")
              ) -> List[matrix.TargetResult]:
    from abi.verify import structs

    everything = platforms.load()
    classes = [c for name in which for c in structs.load(f"{STRUCTS_DIR / 'wire.py'}:{name}")]
    results = matrix.run(platforms.select(everything, names), everything, header_dir, structs=classes,
                         header="wire.h")
    for r in results:
        if r.status == "skipped":
            missing(f"{r.target.name}: {r.reason}")
    return results


def _differ(results: List[matrix.TargetResult], verdict: str) -> set:
    return {(r.target.name, s) for r in results for s, v in r.verdicts.items()
            if v.get(verdict) == "MISMATCH"}


def test_a_users_structures_differ_on_exactly_the_abis_that_lay_them_out_otherwise() -> None:
    """Record has a long and a pointer, Gap a uint64 after a uint32 with implicit
    padding: their bytes differ on 32-bit Linux and both Windows ABIs (Record: long is
    4 bytes there) and on 32-bit Linux only (Gap: uint64 aligned to 4 in System V
    i386, to 8 by MSVC), each difference with both values; yet ctypes on each of those
    targets lays them out as its compiler does (the binding holds everywhere)."""
    results = _user_run(ABIS)
    assert _differ(results, "wire") == {("linux-i686", "wire_record"), ("linux-i686", "Gap"),
                                        ("windows-x64-msvc", "wire_record"),
                                        ("windows-x86-msvc", "wire_record")}
    assert _differ(results, "binding") == set()
    assert all(v == {"binding": "match", "wire": v["wire"]} for r in results for v in r.verdicts.values())
    by = {r.target.name: r for r in results}
    assert "wire: size of wire_record.n: 4 on windows-x64-msvc, ctypes says 8 here" \
        in by["windows-x64-msvc"].differences, by["windows-x64-msvc"].differences
    gap_b = "wire: offset of Gap.b: 4 on linux-i686, ctypes says 8 here"
    assert gap_b in by["linux-i686"].differences, by["linux-i686"].differences
    assert "executed" in by["linux-x86_64"].checked and "executed" in by["linux-i686"].checked
    assert matrix.exit_status(results) == exit_codes.MATRIX_MISMATCH


@pytest.mark.slow  # (runs targets under wine, qemu or the i386 root)
def test_bit_fields_bind_where_ctypes_rules_are_the_compilers() -> None:
    """Bits (uint16 x:3, y:5 then uint32 z:7): CPython 3.9-3.13's ctypes starts a new
    unit for z as MSVC does, so its binding fails on System V targets (z at 4, gcc puts
    it at 2) and holds on Windows, where CPython uses MSVC's rules and so does the
    compiler; the wire verdict follows the bytes here (Linux) and fails likewise."""
    results = _user_run(["linux-x86_64", "linux-aarch64", "windows-x64-msvc", "windows-x64-mingw"],
                        which=("Bits",))
    assert _differ(results, "binding") == {("linux-x86_64", "Bits"), ("linux-aarch64", "Bits")}
    by = {r.target.name: r for r in results}
    assert "binding: offset of Bits.z: 2 in linux-x86_64's C, 4 in linux-x86_64's ctypes" \
        in by["linux-x86_64"].differences, by["linux-x86_64"].differences
    assert "executed" in by["windows-x64-mingw"].checked  # (under wine: the images bind too)


@pytest.mark.slow  # (runs targets under wine, qemu or the i386 root)
def test_a_big_endian_mirror_binds_and_travels_where_the_target_is_big_endian() -> None:
    """Big is a BigEndianStructure mirroring a native C structure: on x86_64 its sizes
    and offsets agree and only the byte image shows the difference (in both verdicts);
    on s390x, big-endian, the C image is ctypes' image there and here."""
    results = _user_run(["linux-x86_64", "linux-s390x"], which=("Big",))
    by = {r.target.name: r for r in results}
    assert by["linux-x86_64"].verdicts["Big"] == {"binding": "MISMATCH", "wire": "MISMATCH"}
    assert any(d.startswith("binding: byte image at byte 0 (in Big.a)")
               for d in by["linux-x86_64"].differences), by["linux-x86_64"].differences
    assert by["linux-s390x"].verdicts["Big"] == {"binding": "match", "wire": "match"}
    assert "executed" in by["linux-s390x"].checked


def test_a_header_that_does_not_compile_on_a_target_is_an_error_there(tmp_path: Path) -> None:
    h = tmp_path / "wire.h"
    h.write_text("#ifdef _WIN32\n#error no Windows here\n#endif\n" + (STRUCTS_DIR / "wire.h").read_text())
    results = _user_run(["linux-x86_64", "windows-x64-msvc"], header_dir=tmp_path, which=("Gap",))
    by = {r.target.name: r for r in results}
    assert by["windows-x64-msvc"].status == "error" and "no Windows here" in by["windows-x64-msvc"].reason
    assert by["linux-x86_64"].structs == {"Gap": "match"}
    assert matrix.exit_status(results) == exit_codes.MATRIX_ERROR


@pytest.mark.slow  # (runs targets under wine, qemu or the i386 root)
def test_the_i386_cpython_holds_a_users_structures_to_a_real_32_bit_ctypes() -> None:
    """The real 32-bit CPython's ctypes against the i686 compiler (binding: Bits fails
    as the model says it does on linux-i686) and against ctypes here (wire: Record and
    Gap differ, Bits does not: both are ctypes)."""
    results = _user_run(["cpython-i386", "linux-i686"], which=("Record", "Gap", "Bits"))
    by = {r.target.name: r for r in results}
    real, model = by["cpython-i386"], by["linux-i686"]
    assert real.status == "mismatch" and "executed" in real.checked, real.reason
    assert real.verdicts == {"wire_record": {"binding": "match", "wire": "MISMATCH"},
                             "Gap": {"binding": "match", "wire": "MISMATCH"},
                             "Bits": {"binding": "MISMATCH", "wire": "match"}}, real.verdicts
    assert {s: v["binding"] for s, v in model.verdicts.items()} == \
        {s: v["binding"] for s, v in real.verdicts.items()}


@pytest.mark.slow  # (runs targets under wine, qemu or the i386 root)
def test_c_types_that_are_not_the_real_ctypes_are_an_error_not_a_verdict(monkeypatch) -> None:
    """Fed a wrong table of C types (int64_t 8-aligned, as if the i686 compiler had
    said so), the model's input is not the real i386 ctypes': the target is an error
    of the tool (exit status 14), never a verdict on Gap."""
    from abi.verify.ctypes_model import Scalars
    from abi.verify.matrix import cpython

    real = cpython.target_scalars

    def wrong(ctx, t, spec):  # type: ignore[no-untyped-def]
        sc = real(ctx, t, spec)
        return Scalars({**sc.types, "int64_t": (8, 8)}, sc.byte_order, sc.ms_bitfields)

    monkeypatch.setattr(cpython, "target_scalars", wrong)
    [r] = _user_run(["cpython-i386"], which=("Gap",))
    assert r.status == "error", r.reason
    assert "the model's C types are not the i386 CPython's: int64_t" in r.reason, r.reason
    assert matrix.exit_status([r]) == exit_codes.MATRIX_ERROR


@pytest.mark.slow  # (runs targets under wine, qemu or the i386 root)
def test_a_model_that_lays_out_otherwise_than_the_real_ctypes_is_an_error(monkeypatch) -> None:
    """A model that put one member elsewhere (a mutant of its rules) is caught by the
    real i386 ctypes: an error of the tool, never a verdict."""
    import dataclasses

    from abi.verify import ctypes_model

    real = ctypes_model.layout_on

    def shifted(cls, sc):  # type: ignore[no-untyped-def]
        lay = real(cls, sc)
        last = dataclasses.replace(lay.members[-1], offset=lay.members[-1].offset + 4)
        return dataclasses.replace(lay, members=lay.members[:-1] + [last])

    monkeypatch.setattr(ctypes_model, "layout_on", shifted)
    [r] = _user_run(["cpython-i386"], which=("Gap",))
    assert r.status == "error" and "Gap: the model lays it out otherwise" in r.reason, r.reason
    assert "Member(name='b', offset=8" in r.reason and "Member(name='b', offset=4" in r.reason, r.reason


def test_the_command_line_takes_both_or_neither() -> None:
    from conftest import run_cli

    header = str(STRUCTS_DIR / "wire.h")
    proc = run_cli("matrix", "--header", header)
    assert proc.returncode == exit_codes.USAGE and "go together" in proc.stderr
    proc = run_cli("matrix", "--header", header, "--structs", f"{STRUCTS_DIR / 'wire.py'}:Nope")
    assert proc.returncode == exit_codes.STRUCTS_UNUSABLE and "Nope" in proc.stderr
    proc = run_cli("matrix", "--header", header, "--structs", f"{STRUCTS_DIR / 'wire.py'}:Gap",
                   "--target", "linux-x86_64", "--json")
    assert proc.returncode == exit_codes.OK, proc.stderr
    assert json.loads(proc.stdout)["targets"][0]["structs"] == {"Gap": "match"}


@pytest.mark.slow  # (qemu and the i386 root)
def test_the_example_in_docs_abi_suite_prints_what_it_shows() -> None:
    """docs/abi-suite.md shows a run of `matrix --header --structs`: the same command
    prints the same table and the differences it quotes."""
    import shlex

    from conftest import ROOT, run_cli

    doc = (ROOT / "docs" / "abi-suite.md").read_text()
    block = doc[doc.index("$ shm-signal matrix --header tests/structs/wire.h"):]
    block = block[:block.index("```")]
    command, _, shown = block.partition("\ncells:")
    args = shlex.split(command.replace("\\\n", " "))[2:]
    proc = run_cli(*args)  # (in the repository: the paths are relative to it)
    assert proc.returncode == exit_codes.MATRIX_MISMATCH, proc.stderr
    printed = [ln.rstrip() for ln in proc.stdout.splitlines()]
    for line in ("cells:" + shown).splitlines():
        if line.strip() and line.strip() != "..." and not line.startswith("---"):
            assert line.rstrip() in printed, line


@pytest.mark.slow  # (the i386 root)
def test_structures_the_i386_cpython_cannot_import_skip_that_target_with_the_reason(tmp_path: Path) -> None:
    from abi.verify import structs

    (tmp_path / "helper_of_mine.py").write_text("import ctypes\nU32 = ctypes.c_uint32\n")
    (tmp_path / "mine.py").write_text("import ctypes\nfrom helper_of_mine import U32\n"
                                      "class Gap(ctypes.Structure):\n"
                                      "    _fields_ = [('a', U32), ('b', ctypes.c_uint64)]\n")
    (tmp_path / "wire.h").write_text((STRUCTS_DIR / "wire.h").read_text())
    sys.path.insert(0, str(tmp_path))
    try:
        classes = structs.load(str(tmp_path / "mine.py"))
    finally:
        sys.path.remove(str(tmp_path))
    everything = platforms.load()
    [r] = matrix.run(platforms.select(everything, ["cpython-i386"]), everything, tmp_path, structs=classes,
                     header="wire.h")
    if "root" in r.reason and "import" not in r.reason:
        missing(r.reason)
    assert r.status == "skipped" and "cannot import" in r.reason and "helper_of_mine" in r.reason, r.reason


@pytest.mark.slow  # (every target)
def test_our_own_descriptor_through_the_public_path_binds_everywhere() -> None:
    """shm_signal.h and abi.layout's ctypes mirror as a user's header and structures
    (no shortcut of the project's own matrix): the mirror binds on all 28 targets, and
    its bytes are this machine's on every little-endian one.  On big-endian targets that
    run, the probe's native stores give big-endian bytes: the header's little-endian accessors,
    which the project's own matrix exercises, are what make the wire the same there.
    Its fields are built by a function, so the model reads its integers as fixed-width
    types and says where that reading matters (a 4-byte long on 32-bit targets)."""
    from abi import layout

    everything = platforms.load()
    results = matrix.run(everything, everything, HEADER_DIR, structs=layout.STRUCTS, header="shm_signal.h",
                         user=True)
    for r in results:
        if r.status == "skipped":
            missing(f"{r.target.name}: {r.reason}")
        assert r.status != "error", (r.target.name, r.reason)
        for name, v in r.verdicts.items():
            assert v["binding"] == "match", (r.target.name, name, r.differences)
            big_and_run = r.target.byte_order == "big" and "executed" in r.checked  # (only images show it)
            assert v["wire"] == ("MISMATCH" if big_and_run else "match"), (r.target.name, name, r.differences)
    by = {r.target.name: r for r in results}
    assert any("shm_signal_irq.notify_count" in n and "long: 4" in n for n in by["linux-i686"].notes)
    assert not any("notify_count" in n for n in by["linux-x86_64"].notes)
    assert sum("executed" in r.checked for r in results) >= 14


def test_flexible_tails_and_a_derived_structure_in_the_matrix() -> None:
    """A flexible tail has an offset and no size in C (it was once asserted as size
    0 and misreported); a derived structure's base members are checked too: only
    Tagged's tail moves, on i386 System V, and every binding holds."""
    from abi.verify import structs

    everything = platforms.load()
    results = matrix.run(platforms.select(everything, ["linux-x86_64", "linux-i686", "windows-x64-msvc"]),
                         everything, STRUCTS_DIR, structs=structs.load(f"{STRUCTS_DIR / 'tails.py'}:STRUCTS"),
                         header="tails.h")
    for r in results:
        if r.status == "skipped":
            missing(f"{r.target.name}: {r.reason}")
    assert _differ(results, "binding") == set()
    assert _differ(results, "wire") == {("linux-i686", "Tagged")}
    by = {r.target.name: r for r in results}
    assert "wire: offset of Tagged.vals: 4 on linux-i686, ctypes says 8 here" in by["linux-i686"].differences
    assert "executed" in by["linux-x86_64"].checked and "executed" in by["linux-i686"].checked
