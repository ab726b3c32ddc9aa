"""``shm-signal inspect``: a live descriptor decoded as a table and as JSON; every
corrupt descriptor of the golden vectors refused with its fault code and exit code
11; an unreadable file exit code 12."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict

import pytest

from abi import exit_codes, layout
from abi.conformance.inspect_file import field_at, inspect_file
from abi.engine.channel import Channel
from conftest import ROOT, run_cli

VECTORS = json.loads((ROOT / "abi" / "vectors" / "golden.json").read_text())


def test_field_at_names_every_byte() -> None:
    assert field_at(0) == "magic (byte 0)"
    assert field_at(35) == "features_accepted (byte 3)"
    assert field_at(41) == "instance_id[1]"
    assert field_at(64) == "irq[0].enabled"
    assert field_at(129) == "irq[1].pending"
    assert field_at(131) == "irq[1].pad0"
    assert field_at(191) == "irq[1].reserved3[3] (byte 7)"
    assert "beyond" in field_at(192)


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the live channel uses Linux's wake-up and lock features (0xd); "
                           "decoding is the same everywhere and checked by the other tests")
def test_live_channel_table_and_json(tmp_path: Path) -> None:
    path = tmp_path / "chan"
    north = Channel.create(path, 0, features=0xD, instance_id=bytes(range(1, 17)), pid=4242)
    south = Channel.attach(path, pid=777)
    try:
        north.enable()
        south.inject()
        proc = run_cli("inspect", str(path))
        assert proc.returncode == exit_codes.OK, proc.stderr
        out = proc.stdout
        assert "valid descriptor" in out
        assert "0x58fa39df" in out and "0xd    WAKE_ADDRESS LIVENESS_LOCK NOTIFY_COUNT" in out
        assert "0102030405060708090a0b0c0d0e0f10" in out
        assert "reserved bytes     all zero" in out
        north_row = next(line for line in out.splitlines() if line.strip().startswith("0 north"))
        # enabled, pending, dirty set by the inject; attached; pid; one notification; lock held
        assert north_row.split() == ["0", "north", "creator", "1", "1", "1", "-", "1", "attached", "4242",
                                     "1", "held"]
        proc = run_cli("inspect", "--json", str(path))
        assert proc.returncode == 0
        doc = json.loads(proc.stdout)
        assert doc["valid"] is True
        d = doc["descriptor"]
        assert d["features_accepted"] == "0xd" and d["irq"][1]["pid"] == 777
        assert d["irq"][0]["notify_count"] == 1 and d["irq"][1]["liveness_lock"] == "held"
        assert bytes.fromhex(d["raw"]) == north.descriptor_bytes()
    finally:
        south.close()
        north.close()
    doc = json.loads(run_cli("inspect", "--json", str(path)).stdout)
    assert [r["state_name"] for r in doc["descriptor"]["irq"]] == ["closed", "closed"]
    assert [r["liveness_lock"] for r in doc["descriptor"]["irq"]] == ["free", "free"]


def _fault(name: str) -> Dict[str, Any]:
    return next(f for f in VECTORS["faults"] if f["name"] == name)


def _required(f: Dict[str, Any]) -> int:
    return int.from_bytes(bytes.fromhex(f["mapping"])[f["offset"] + 24:f["offset"] + 32], "little")


# Attach-only faults (LOCALITY_BUSY, a re-attach's kept set) have valid bytes;
# UNSUPPORTED_FEATURE depends on the validating peer's features, and inspect validates
# as a peer that implements every known feature, so only a required bit nobody knows
# is refused.
REFUSED = [f["name"] for f in VECTORS["faults"]
           if not f["attach_only"] and not (f["code"] == 12 and not _required(f) & ~layout.FEATURES_KNOWN)]


@pytest.mark.parametrize("name", REFUSED)
def test_refuses_every_fault_vector(tmp_path: Path, name: str) -> None:
    f = _fault(name)
    path = tmp_path / "bad"
    path.write_bytes(bytes.fromhex(f["mapping"]))
    ins = inspect_file(str(path), f["offset"])
    assert ins.fault is not None
    got = (int(ins.fault.code), ins.fault.field, ins.fault.offset)
    assert got == (f["code"], f["field"], f["field_offset"])


def test_unknown_required_bit_is_unsupported(tmp_path: Path) -> None:
    from abi.descriptor import initialize

    buf = bytearray(192)
    initialize(buf, 0, 0, 0xD | 1 << 40, 1 << 40, bytes(range(1, 17)), 1)
    path = tmp_path / "req"
    path.write_bytes(bytes(buf))
    proc = run_cli("inspect", "--json", str(path))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR
    doc = json.loads(proc.stdout)
    assert doc["fault"]["name"] == "UNSUPPORTED_FEATURE"
    assert "unknown 0x10000000000" in doc["descriptor"]["features_required_names"]


def test_refusal_exit_code_text_and_json(tmp_path: Path) -> None:
    f = _fault("byte_swapped")
    path = tmp_path / "bad"
    path.write_bytes(bytes.fromhex(f["mapping"]))
    proc = run_cli("inspect", str(path))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR
    assert "REFUSED: fault 2 BYTE_SWAPPED: field magic at offset 0" in proc.stdout
    assert "fault 2 BYTE_SWAPPED" in proc.stderr
    proc = run_cli("inspect", "--json", str(path))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR
    doc = json.loads(proc.stdout)
    assert doc["valid"] is False
    assert doc["fault"]["code"] == 2 and doc["fault"]["name"] == "BYTE_SWAPPED"
    # a refused descriptor is still decoded, for debugging
    assert doc["descriptor"]["magic"] == "0xdf39fa58"


def test_reserved_garbage_is_shown(tmp_path: Path) -> None:
    f = _fault("last_byte_nonzero")
    path = tmp_path / "bad"
    path.write_bytes(bytes.fromhex(f["mapping"]))
    proc = run_cli("inspect", str(path))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR
    assert "NONZERO: irq[1].reserved3[3]=" in proc.stdout


def test_not_a_descriptor_at_all(tmp_path: Path) -> None:
    path = tmp_path / "text"
    path.write_text("hello world, this is not a mapping\n" * 10)
    proc = run_cli("inspect", str(path))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR
    assert "BAD_MAGIC" in proc.stdout
    short = tmp_path / "short"
    short.write_bytes(b"\xdf\x39\xfa\x58")
    proc = run_cli("inspect", "--json", str(short))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR
    assert json.loads(proc.stdout)["fault"]["name"] == "MAPPING_TOO_SMALL"
    proc = run_cli("inspect", "--offset", "32", str(path))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR and "BAD_OFFSET" in proc.stdout


def test_unreadable_file(tmp_path: Path) -> None:
    proc = run_cli("inspect", str(tmp_path / "missing"))
    assert proc.returncode == exit_codes.FILE_UNREADABLE
    assert proc.stderr.startswith("shm-signal: error: cannot read") and "Traceback" not in proc.stderr
    assert layout.DESC_SIZE == 192


@pytest.mark.skipif(sys.platform == "win32", reason="not on Windows: FIFOs and /dev/zero are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_what_is_not_a_regular_file_is_refused_never_waited_on(tmp_path: Path, kind: str) -> None:
    """A FIFO would block a plain open for reading until a writer came; a device or
    a directory has no descriptor to read.  Each is exit 12 with the reason, quickly."""
    path = {"device": Path("/dev/zero"), "directory": tmp_path}.get(kind, tmp_path / "fifo")
    if kind == "fifo":
        os.mkfifo(path)
    start = time.monotonic()
    proc = run_cli("inspect", str(path))
    assert time.monotonic() - start < 30
    assert proc.returncode == exit_codes.FILE_UNREADABLE, proc.stderr
    assert "not a regular file" in proc.stderr or "directory" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("offset", ["-1", "-64", str(2**64 - 64), str(2**63), "0x" + "f" * 20])
def test_offsets_that_cannot_be_file_offsets_are_usage_errors(tmp_path: Path, offset: str) -> None:
    path = tmp_path / "chan"
    path.write_bytes(bytes(192))
    proc = run_cli("inspect", f"--offset={offset}", str(path))
    assert proc.returncode == exit_codes.USAGE, proc.stderr
    assert proc.stderr.startswith("shm-signal: error: --offset=") and "Traceback" not in proc.stderr


def test_an_offset_far_past_the_end_reads_nothing_big(tmp_path: Path) -> None:
    """The offset is a file position, never a buffer size: 2**40 past a 192-byte file
    is MAPPING_TOO_SMALL at once, not an allocation of a terabyte."""
    path = tmp_path / "chan"
    path.write_bytes(bytes(192))
    proc = run_cli("inspect", "--json", "--offset", str(2**40), str(path))
    assert proc.returncode == exit_codes.NOT_A_DESCRIPTOR, proc.stderr
    fault = json.loads(proc.stdout)["fault"]
    assert fault["name"] == "MAPPING_TOO_SMALL" and fault["offset"] == 2**40


def test_a_file_that_keeps_changing_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read races a writer that resizes the file: refused after a few tries
    (exit 12 in the command), never decoded from bytes that disagree with the size."""
    from abi.conformance import inspect_file as insp

    path = tmp_path / "chan"
    path.write_bytes(bytes(192))
    real = os.fstat
    sizes = iter(range(10_000, 20_000))

    def growing(fd: int) -> os.stat_result:
        st = real(fd)
        return os.stat_result((*st[:6], next(sizes), *st[7:]))

    monkeypatch.setattr(insp.os, "fstat", growing)
    with pytest.raises(insp.Unreadable, match="changed size"):
        insp.inspect_file(str(path))
