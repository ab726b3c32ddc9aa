"""The generated blocks of the header and the spec are current, and a stale one is
detected."""

from __future__ import annotations

import shutil

import pytest

from abi.devtools import generate
from conftest import ROOT, run_cli


def test_committed_files_are_current():
    assert generate.stale() == []


def test_cli_check_passes():
    proc = run_cli("generate", "--check")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("path, old, new", [
    (generate.HEADER, "SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, pid, 8, 4);",
     "SHM_SIGNAL_ASSERT_FIELD(shm_signal_irq, pid, 8, 8);"),
    (generate.HEADER, "#define SHM_SIGNAL_FAULT_PEER_DEAD 15", "#define SHM_SIGNAL_FAULT_PEER_DEAD 99"),
    (generate.SPEC, "| 8 | 4 | `shm_signal_le32` | little-endian | owner | any; 0 = unknown | `pid`",
     "| 8 | 8 | `shm_signal_le64` | little-endian | owner | any; 0 = unknown | `pid`"),
])
def test_a_stale_block_is_detected_and_rewritten(tmp_path, path, old, new):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    text = copy.read_text()
    assert old in text
    copy.write_text(text.replace(old, new))
    files = {copy: generate.BLOCKS[path]}
    assert generate.stale(files) == [copy]
    assert generate.write(files) == [copy]
    assert copy.read_text() == text and generate.stale(files) == []


def test_a_missing_block_is_an_error(tmp_path):
    copy = tmp_path / "spec.md"
    copy.write_text((ROOT / "docs" / "spec.md").read_text().replace("@generated faults begin", "x"))
    with pytest.raises(KeyError, match="faults"):
        generate.stale({copy: generate.BLOCKS[generate.SPEC]})
