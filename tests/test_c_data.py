"""The application's own bytes of a C channel's file (``shm_signal_data``,
abi/c_reference/shm_signal_data.c; ``CChannel.data``): both sides, in two processes,
see each other's writes; a file too short, an empty or wrapping range and a closed
channel are refused; a view keeps its channel from being collected.  The C test
program (``shm_signal_test.c``, test_data) covers the references close drops, under
ASan in ``tests/test_c_engine.py``.
"""

from __future__ import annotations

import ctypes
import gc
import subprocess
import sys
from pathlib import Path

import pytest

from abi.engine.c_channel import CChannel
from abi.faults import Fault, ShmSignalFault

ROOT = Path(__file__).resolve().parent.parent

# The attacher: reads what the creator wrote at 4096, answers at 8000, and waits for
# the creator's last word before it closes.
ATTACHER = """
import sys
from abi.engine.c_channel import CChannel
ch = CChannel.attach(sys.argv[1], timeout=10)
view = ch.data(4096, 4000)
print(view.raw[:5].decode(), flush=True)
view[3904:3909] = b"south"
ch.enable()
ch.inject()
assert ch.wait(10)
print(view.raw[3904:3909].decode(), flush=True)
ch.close()
"""


def test_two_processes_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "data.shm"
    with CChannel.create(path, size=8192) as ch:
        view = ch.data(4096, 4000)
        assert ch.data_length() == 8192 and len(view) == 4000
        view[0:5] = b"north"
        ch.enable()
        p = subprocess.Popen([sys.executable, "-c", ATTACHER, str(path)], stdout=subprocess.PIPE,
                             text=True, cwd=ROOT)
        try:
            assert p.stdout is not None
            assert p.stdout.readline().strip() == "north"
            assert ch.wait(10)  # its inject comes after its write
            ch.wakeup()
            assert view.raw[3904:3909] == b"south"
            view[3904:3909] = b"moved"
            ch.inject()
            assert p.stdout.readline().strip() == "moved"
            assert p.wait(timeout=30) == 0
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_a_file_too_short_is_mapping_too_small(tmp_path: Path) -> None:
    with CChannel.create(tmp_path / "short.shm", size=4096) as ch:
        ch.data(4095, 1)  # the last byte
        with pytest.raises(ShmSignalFault) as e:
            ch.data(4000, 97)
        assert e.value.code == Fault.MAPPING_TOO_SMALL
        assert (e.value.field, e.value.offset, e.value.expected, e.value.actual) == \
            ("mapping length", 4000, "0x1001", "0x1000")
        with pytest.raises(ShmSignalFault) as e:
            ch.data(2**40, 1)
        assert e.value.code == Fault.MAPPING_TOO_SMALL and e.value.offset == 2**40


def test_bad_ranges_and_closed_channels_are_refused(tmp_path: Path) -> None:
    ch = CChannel.create(tmp_path / "args.shm", size=4096)
    for offset, length in ((0, 0), (-1, 1), (0, -1), (2**64, 1), (2**63, 1), (1, 2**63 - 1), (0, 2**63)):
        with pytest.raises(ValueError):
            ch.data(offset, length)
    ch.close()
    with pytest.raises(ValueError, match="closed"):
        ch.data(0, 1)
    with pytest.raises(ValueError, match="closed"):
        ch.data_length()


def test_the_file_grows_under_open_channels(tmp_path: Path) -> None:
    """A range past the first mapping's end gets a new one; a range in it, the same
    bytes again."""
    path = tmp_path / "grow.shm"
    with CChannel.create(path, size=4096) as a, CChannel.attach(path) as b:
        first = a.data(1024, 8)
        assert ctypes.addressof(a.data(1024, 8)) == ctypes.addressof(first)
        with pytest.raises(ShmSignalFault):
            a.data(60000, 8)
        CChannel.create(path, offset=192, size=65536, exist_ok=True).close()
        far_a, far_b = a.data(60000, 8), b.data(60000, 8)
        far_a[0:8] = b"12345678"
        assert far_b.raw == b"12345678"
        first[0:4] = b"abcd"
        assert b.data(1024, 4).raw == b"abcd"


def test_a_view_keeps_its_channel(tmp_path: Path) -> None:
    view = CChannel.create(tmp_path / "keep.shm", size=4096).data(256, 16)
    gc.collect()
    view[0:3] = b"yes"  # the mapping is still there: the channel was not collected
    assert view.raw[:3] == b"yes"
    view._channel.close()  # type: ignore[attr-defined]
