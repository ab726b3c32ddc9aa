"""shm-signal matrix: the ctypes layout against the C header on every target of
platforms/, compiled for each, executed natively, under qemu-user and wine where
possible, and under a real 32-bit CPython.

A target whose tool is missing is skipped with the reason; with
SHM_SIGNAL_REQUIRE_ALL=1 (CI) it fails instead.  A layout change that only shows on
some ABIs is planted and must be caught on exactly the targets the data predicts."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Dict, List

import pytest

from abi import exit_codes, layout
from abi.verify import matrix, platforms, probe
from conftest import HEADER_DIR, missing, require_all, run_cli

# the whole platform matrix: minutes of compiles and emulators (the slow tier only)
pytestmark = pytest.mark.slow

REQUIRED = {  # the issue's list: target -> mode
    "linux-x86_64": "native", "linux-i686": "native", "linux-aarch64": "qemu",
    "linux-armv7hf": "qemu", "linux-ppc64le": "qemu", "linux-s390x": "qemu",
    "linux-riscv64": "qemu", "windows-x64-msvc": "compile", "windows-x86-msvc": "compile",
    "windows-arm64-msvc": "compile", "windows-x64-mingw": "wine", "windows-x86-mingw": "wine",
    "macos-arm64": "compile", "macos-x86_64": "compile", "cpython-i386": "cpython",
}


def report_skips(results: List[matrix.TargetResult]) -> None:
    """Skipped targets: fine locally (with their reasons), a failure in CI."""
    skipped = [f"{r.target.name}: {r.reason}" for r in results if r.status == "skipped"]
    if skipped and require_all():
        pytest.fail("targets skipped in CI:\n  " + "\n  ".join(skipped))
    for s in skipped:
        print(f"skipped {s}")


@pytest.fixture(scope="module")
def targets() -> List[platforms.Target]:
    return platforms.load()


@pytest.fixture(scope="module")
def full_run(targets) -> List[matrix.TargetResult]:
    return matrix.run(targets, targets, HEADER_DIR)


def by_name(results: List[matrix.TargetResult]) -> Dict[str, matrix.TargetResult]:
    return {r.target.name: r for r in results}


# --------------------------------------------------------------------------
# The data


def test_target_data_covers_the_issue(targets):
    names = {t.name: t for t in targets}
    for name, mode in REQUIRED.items():
        assert name in names, f"platforms/{name}.json is missing"
        assert names[name].mode == mode, name
    assert names["linux-s390x"].byte_order == "big"
    assert names["windows-x86-mingw"].run_in == "i386-root"
    assert names["cpython-i386"].probe_from == "linux-i686"
    assert {t.abi for t in targets} >= {"sysv", "msvc", "mingw", "darwin"}
    assert len(targets) >= 20


@pytest.mark.parametrize("change, error", [
    ({"mode": "teleport"}, "'mode' is 'teleport'"),
    ({"colour": "red"}, "unknown key(s) colour"),
    ({"word_bits": "64"}, "'word_bits' must be int"),
    ({"mode": "qemu", "runner": []}, "needs a 'runner'"),
    ({"compilers": [{"kind": "zig"}]}, "needs a 'triple'"),
])
def test_bad_target_data_is_rejected(tmp_path, change, error):
    good = json.loads((platforms.platform_dir() / "linux-s390x.json").read_text())
    (tmp_path / "linux-s390x.json").write_text(json.dumps({**good, **change}))
    with pytest.raises(platforms.TargetDataError) as exc:
        platforms.load(tmp_path)
    assert error in str(exc.value)


def test_adding_a_target_is_adding_a_file(tmp_path, targets):
    for t in targets:
        assert t.path is not None
        (tmp_path / t.path.name).write_text(t.path.read_text())
    extra = json.loads((tmp_path / "linux-x86_64.json").read_text())
    extra.update(name="linux-x86_64-clang", mode="compile",
                 compilers=[{"kind": "clang", "triple": "x86_64-linux-gnu",
                             "check_flags": ["-ffreestanding"]}])
    (tmp_path / "linux-x86_64-clang.json").write_text(json.dumps(extra))
    assert "linux-x86_64-clang" in [t.name for t in platforms.load(tmp_path)]
    proc = run_cli("matrix", "--platforms", str(tmp_path), "--target", "linux-x86_64-clang", "--json")
    data = json.loads(proc.stdout)
    if data["targets"][0]["status"] == "skipped":
        missing(data["targets"][0]["reason"])
    assert proc.returncode == 0, proc.stderr
    assert data["targets"][0]["status"] == "match"


# --------------------------------------------------------------------------
# The whole matrix


def test_matrix_all_targets_match(full_run):
    report_skips(full_run)
    bad = [f"{r.target.name}: {r.reason}; " + "; ".join(r.differences)
           for r in full_run if r.status == "mismatch"]
    assert not bad, "\n".join(bad)
    s = matrix.summary(full_run)
    if not any(r.status == "skipped" for r in full_run):
        assert s["compiled"] >= 15 and s["executed"] >= 8, s
        executed = {r.target.name for r in full_run if "executed" in r.checked}
        assert executed >= {"linux-s390x", "windows-x64-mingw", "windows-x86-mingw", "cpython-i386"}


def test_s390x_image_equals_x86_64_byte_for_byte(full_run):
    rs = by_name(full_run)
    for name in ("linux-s390x", "linux-x86_64"):
        if "executed" not in rs[name].checked:
            missing(f"{name} not executed: {rs[name].reason}")
    s390x, x86_64 = rs["linux-s390x"].images, rs["linux-x86_64"].images
    assert set(s390x) == {layout.describe(c).c_name for c in layout.STRUCTS}
    for cls in layout.STRUCTS:
        name = layout.describe(cls).c_name
        assert bytes.fromhex(s390x[name]) == bytes.fromhex(x86_64[name]) == probe.ctypes_image(cls)


def test_i386_cpython_is_a_target_of_its_own():
    proc = run_cli("matrix", "--json", "--target", "cpython-i386", "--target", "linux-i686")
    data = json.loads(proc.stdout)
    rows = {t["target"]: t for t in data["targets"]}
    row = rows["cpython-i386"]
    assert {k: row[k] for k in ("os", "arch", "mode")} == {"os": "linux", "arch": "i386",
                                                            "mode": "executed"}
    if row["status"] == "skipped":
        missing(f"cpython-i386: {row['reason']}")
    assert row["status"] == "match", row
    assert proc.returncode == 0
    assert row["compiler"].startswith("CPython") and "32-bit" in row["compiler"]
    for t in data["targets"]:
        assert set(t) >= {"target", "os", "arch", "mode", "status", "reason"}
        assert t["mode"] in ("executed", "compiled")
        assert t["status"] in ("match", "mismatch", "skipped", "error")


def test_second_run_uses_the_cache(tmp_path, targets, header_copy):
    t = platforms.select(targets, ["linux-s390x"])
    first = matrix.run(t, targets, header_copy, cache_root=tmp_path)[0]
    if first.status == "skipped":
        missing(first.reason)
    started = time.monotonic()
    second = matrix.run(t, targets, header_copy, cache_root=tmp_path)[0]
    assert second.status == first.status == "match"
    assert not first.cached and second.cached
    assert time.monotonic() - started < first.seconds
    assert list((tmp_path / "matrix" / "probes").iterdir())


# --------------------------------------------------------------------------
# Planted changes


PLANTED_LAYOUT = textwrap.dedent('''\
    """ABI v1 with irq.reserved0 (u32, before the u64 notify_count) dropped: x86_64 pads
    to 16 implicitly, the i386 SysV ABI puts notify_count at 12."""
    import ctypes
    from abi import layout

    class PlantIrq(ctypes.LittleEndianStructure):
        _c_name_ = "shm_signal_plant_irq"
        _fields_ = [(f.name, f.ctypes_type) for f in layout.IRQ_FIELDS if f.name != "reserved0"]

    class PlantDesc(ctypes.LittleEndianStructure):
        _c_name_ = "shm_signal_plant_desc"
        _fields_ = [(f.name, PlantIrq * 2 if f.name == "irq" else f.ctypes_type)
                    for f in layout.DESC_FIELDS]

    STRUCTS = (PlantIrq, PlantDesc)
    ''')


@pytest.fixture
def planted(tmp_path) -> Dict[str, Path]:
    """The same change in a copy of the header and in a ctypes layout file."""
    text = (HEADER_DIR / "shm_signal.h").read_text()
    line = "\tshm_signal_le32 reserved0;    /* 12 must be zero */\n"
    assert text.count(line) == 1
    text = text.replace(line, "")
    text = text.replace("shm_signal_irq", "shm_signal_plant_irq").replace(
        "shm_signal_desc", "shm_signal_plant_desc")
    hdr = tmp_path / "header"
    hdr.mkdir()
    (hdr / "shm_signal.h").write_text(text)
    lay = tmp_path / "planted_layout.py"
    lay.write_text(PLANTED_LAYOUT)
    return {"header": hdr, "layout": lay}


def test_planted_one_abi_change_is_caught_on_exactly_the_predicted_targets(planted, targets):
    structs = matrix.load_layout(planted["layout"])
    irq = structs[0]
    # Where each ABI puts notify_count: right after pid, rounded up to its u64 alignment.
    after_pid = irq.pid.offset + irq.pid.size  # type: ignore[attr-defined]
    reference = irq.notify_count.offset  # type: ignore[attr-defined]
    assert (after_pid, reference) == (12, 16)
    expected = {t.name for t in targets
                if -(-after_pid // t.u64_align) * t.u64_align != reference}
    assert {"linux-i686", "cpython-i386"} <= expected
    assert not expected & {"linux-x86_64", "windows-x86-msvc", "windows-x86-mingw", "linux-s390x"}

    results = matrix.run(targets, targets, planted["header"], structs=structs,
                         layout_file=planted["layout"])
    report_skips(results)
    ran = [r for r in results if r.status != "skipped"]
    caught = {r.target.name for r in ran if r.status == "mismatch"}
    assert caught == expected & {r.target.name for r in ran}, \
        {r.target.name: r.differences for r in ran if r.status == "mismatch"}
    for r in ran:
        if r.target.name in expected:
            # named where it starts, not as every field after it
            assert "shm_signal_plant_irq.notify_count" in r.mismatches, (r.target.name, r.mismatches)
            assert "shm_signal_plant_irq.reserved1" not in r.mismatches, (r.target.name, r.mismatches)
    msp430 = by_name(results)["none-msp430"]  # compile-only: named with both values
    if msp430.status != "skipped":
        assert ("compile-time: wrong offset for field 'shm_signal_plant_irq.notify_count' "
                "(ctypes says 16, C compiler says 12)") in msp430.differences


def test_planted_change_from_the_command_line(planted):
    proc = run_cli("matrix", "--header-dir", str(planted["header"]), "--layout", str(planted["layout"]),
                   "--target", "linux-x86_64", "--target", "linux-i686", "--target", "windows-x86-msvc")
    if " 0 skipped" not in proc.stdout:
        missing(proc.stdout)
    assert proc.returncode == exit_codes.MATRIX_MISMATCH, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    rows = {ln.split()[0]: ln for ln in proc.stdout.splitlines() if ln.startswith(("linux", "windows"))}
    assert "MISMATCH" in rows["linux-i686"]
    assert "MISMATCH" not in rows["linux-x86_64"] and "MISMATCH" not in rows["windows-x86-msvc"]
    assert "shm_signal_plant_irq.notify_count" in proc.stdout
    assert "[linux-i686]" in proc.stderr  # progress per target


@pytest.mark.parametrize("target", ["windows-x64-msvc", "macos-arm64", "linux-s390x"])
def test_broken_header_is_caught_at_compile_time_with_the_field_named(header_copy, targets, target):
    h = header_copy / "shm_signal.h"
    text = h.read_text()
    line = "\tshm_signal_le32 pid;          /*  8"
    assert text.count(line) == 1
    h.write_text(text.replace(line, "\tshm_signal_le64 pid;          /*  8"))
    r = matrix.run(platforms.select(targets, [target]), targets, header_copy)[0]
    if r.status == "skipped" and "compile-time" not in r.checked:
        missing(r.reason)
    assert r.status == "mismatch"
    assert ("compile-time: wrong size for field 'shm_signal_irq.pid' (ctypes says 4, "
            "C compiler says 8)") in r.differences, r.differences
    assert r.mismatches[0] == "shm_signal_irq.pid"


# --------------------------------------------------------------------------
# The command line


def test_unknown_target_is_a_clear_error():
    proc = run_cli("matrix", "--target", "linux-vax")
    assert proc.returncode == exit_codes.MATRIX_DATA
    assert proc.stderr.startswith("shm-signal: error: unknown target(s): linux-vax")
    assert "Traceback" not in proc.stderr


def test_bad_layout_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("STRUCTS = ()\n")
    proc = run_cli("matrix", "--layout", str(bad))
    assert proc.returncode == exit_codes.MATRIX_DATA
    assert "defines no STRUCTS" in proc.stderr and "Traceback" not in proc.stderr


def test_list():
    proc = run_cli("matrix", "--list")
    assert proc.returncode == 0
    assert "linux-s390x" in proc.stdout and "big" in proc.stdout


def test_missing_tool_is_a_skip_with_the_reason(tmp_path, targets):
    t = json.loads((platforms.platform_dir() / "linux-s390x.json").read_text())
    t.update(name="linux-s390x-nowhere", runner=["qemu-s390x-not-installed"])
    (tmp_path / "linux-s390x-nowhere.json").write_text(json.dumps(t))
    mine = platforms.load(tmp_path)
    r = matrix.run(mine, mine, HEADER_DIR)[0]
    if r.compiler == "":
        missing(r.reason)
    assert r.status == "skipped"
    assert r.reason.startswith("qemu-s390x-not-installed not installed"), r.reason
    assert "compile-time" in r.checked  # it still compiled


def test_missing_i386_root_is_a_skip_that_says_how_to_build_it(monkeypatch, targets):
    from abi.verify import i386_root

    monkeypatch.setattr(i386_root, "has_wine", lambda root=None: False)
    monkeypatch.setattr(i386_root, "has_python", lambda root=None: False)
    monkeypatch.setattr(i386_root, "why_not_usable", lambda: None)
    chosen = platforms.select(targets, ["windows-x86-mingw", "cpython-i386"])
    for r in matrix.run(chosen, targets, HEADER_DIR):
        if r.compiler == "" and r.target.mode != "cpython":
            missing(r.reason)
        assert r.status == "skipped", (r.target.name, r.reason)
        assert "python -m abi.verify.i386_root" in r.reason


def test_failed_assertions_are_parsed_from_gcc_and_clang_wording():
    gcc = ("t.c:4:1: error: static assertion failed: \"shm-signal: wrong offset for field "
           "\\'shm_signal_irq.pid\\' (ctypes says 8)\"")
    clang = ("t.c:4:16: error: static assertion failed due to requirement '__builtin_offsetof("
             "struct shm_signal_irq, pid) == 8': shm-signal: wrong offset for field "
             "'shm_signal_irq.pid' (ctypes says 8)")
    for out in (gcc, clang):
        assert matrix.failed_checks(out) == [("wrong offset for field", "shm_signal_irq.pid", 8)]
