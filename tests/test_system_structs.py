"""Real structures, not only ours (issue 17, item 6, the matrix's part): the naive
ctypes mirrors of examples/system_structs/mirrors.py against the C library's own
declarations (examples/system_structs/system.h), on the Linux targets whose compiler
brings its target's C library headers (the host's cc for x86_64 and i686, zig's musl
for the rest).  Each difference shows on exactly the ABIs where the C library lays the
structure out otherwise; a target without these headers is an error, not a mismatch."""

from __future__ import annotations

import sys
from typing import Dict, Set

import pytest

from abi import exit_codes
from abi.verify import matrix, platforms, structs
from conftest import ROOT, missing

pytestmark = pytest.mark.slow  # a dozen cross compiles the first time

EXAMPLE = ROOT / "examples" / "system_structs"
TARGETS = ["linux-x86_64", "linux-i686", "linux-aarch64", "linux-armv7hf", "linux-riscv64", "linux-s390x",
           "linux-ppc64le", "linux-mips"]
EXPECTED: Dict[str, Set[str]] = {  # structure -> the targets where the naive mirror is wrong
    "epoll_event": {"linux-x86_64", "linux-i686"},  # packed on x86
    "timespec": {"linux-i686", "linux-armv7hf", "linux-mips"},  # a 4-byte long
    "flock": {"linux-i686"},  # glibc's 4-byte off_t on i386 (musl's is 8 everywhere)
}


@pytest.mark.skipif(sys.platform != "linux" or sys.maxsize < 2**32,
                    reason="the mirrors are written as on a 64-bit Linux host")
def test_each_naive_mirror_differs_on_exactly_the_abis_that_lay_it_out_otherwise() -> None:
    everything = platforms.load()
    results = matrix.run(platforms.select(everything, TARGETS), everything, EXAMPLE,
                         structs=structs.load(str(EXAMPLE / "mirrors.py")), header="system.h")
    for r in results:
        if r.status == "skipped":
            missing(f"{r.target.name}: {r.reason}")
    assert not [r for r in results if r.status == "error"], [(r.target.name, r.reason) for r in results]
    found = {name: {r.target.name for r in results if r.structs.get(name) == "MISMATCH"} for name in EXPECTED}
    assert found == EXPECTED
    by = {r.target.name: r for r in results}
    assert "compile-time: offset of epoll_event.data: 4 on linux-x86_64, ctypes says 8 here" \
        in by["linux-x86_64"].differences
    assert matrix.exit_status(results) == exit_codes.MATRIX_MISMATCH


def test_a_target_without_the_headers_is_an_error_not_a_mismatch() -> None:
    everything = platforms.load()
    [r] = matrix.run(platforms.select(everything, ["windows-x64-msvc"]), everything, EXAMPLE,
                     structs=structs.load(str(EXAMPLE / "mirrors.py")), header="system.h")
    if r.status == "skipped":
        missing(r.reason)
    assert r.status == "error" and "file not found" in r.reason, (r.status, r.reason)
