"""Real structures, not only ours (issue 17, item 6): the naive ctypes mirrors of
examples/system_structs/mirrors.py against the C library's own declarations
(examples/system_structs/system.h), on the Linux targets whose compiler brings its
target's C library headers (the host's cc for x86_64 and i686, zig's musl for the
rest).  Each verdict differs on exactly the ABIs where it should: wire where the
bytes are not those of this machine's mirror, binding where ctypes there would not
lay the mirror out as the C library does; a target without these headers is an
error, not a mismatch.  lint names the members behind every difference."""

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
# structure -> the targets where the naive mirror's bytes are not its C structure's; on
# the big-endian targets that run (s390x, mips) the byte images show every native
# structure in their order (epoll_event has no image: its stores do not compile)
BIG_ENDIAN_RUN = {"linux-s390x", "linux-mips"}
WIRE: Dict[str, Set[str]] = {
    "epoll_event": {"linux-x86_64", "linux-i686"},  # packed on x86
    "timespec": {"linux-i686", "linux-armv7hf"} | BIG_ENDIAN_RUN,  # a 4-byte long
    "flock": {"linux-i686"} | BIG_ENDIAN_RUN,  # glibc's 4-byte off_t on i386 (musl's is 8 everywhere)
}
# structure -> the targets where the mirror, used by ctypes *there*, is not the C library's
BINDING: Dict[str, Set[str]] = {
    "epoll_event": {"linux-x86_64", "linux-i686"},  # packed: data at 4 (x86_64), alignment 1 (both)
    "timespec": {"linux-armv7hf", "linux-mips"},  # musl's 64-bit time_t; glibc i386's is a long
    "flock": {"linux-armv7hf", "linux-mips"},  # musl's 64-bit off_t against a 4-byte c_long
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
    for verdict, expected in (("wire", WIRE), ("binding", BINDING)):
        found = {name: {r.target.name for r in results if r.verdicts[name][verdict] == "MISMATCH"}
                 for name in expected}
        assert found == expected, verdict
    by = {r.target.name: r for r in results}
    assert "wire: offset of epoll_event.data: 4 on linux-x86_64, ctypes says 8 here" \
        in by["linux-x86_64"].differences
    assert "binding: size of timespec.tv_sec: 8 in linux-armv7hf's C, 4 in linux-armv7hf's ctypes" \
        in by["linux-armv7hf"].differences
    # The mirror's epoll_event has an integer where C has a union: its stores do not
    # compile, so it alone has no byte image; the other two are run and compared.
    x86 = by["linux-x86_64"]
    assert "executed" in x86.checked and set(x86.images) == {"timespec", "flock"}, x86.images
    imageless = [n for n in x86.notes if "byte image" in n]
    assert len(imageless) == 1, x86.notes
    assert imageless[0].startswith("no byte image of epoll_event: its sentinel stores do not"), imageless
    assert matrix.exit_status(results) == exit_codes.MATRIX_MISMATCH


def test_a_target_without_the_headers_is_an_error_not_a_mismatch() -> None:
    everything = platforms.load()
    [r] = matrix.run(platforms.select(everything, ["windows-x64-msvc"]), everything, EXAMPLE,
                     structs=structs.load(str(EXAMPLE / "mirrors.py")), header="system.h")
    if r.status == "skipped":
        missing(r.reason)
    assert r.status == "error" and "file not found" in r.reason, (r.status, r.reason)


def test_lint_names_the_members_behind_each_difference_and_the_targets() -> None:
    from abi.verify import lint

    findings = lint.lint(structs.load(str(EXAMPLE / "mirrors.py")), platforms.load())
    by = {(f.struct, f.member, f.rule): set(f.targets) for f in findings}
    # (x86_64: glibc packs it, which no layout rule predicts; the matrix shows it)
    assert {"linux-i686"} <= by[("epoll_event", "data", "implicit-padding")]
    for member in ("tv_sec", "tv_nsec"):
        assert {"linux-i686", "linux-armv7hf", "linux-mips"} <= by[("timespec", member, "abi-sized-type")]
    for member in ("l_start", "l_len"):
        assert {"linux-i686", "linux-armv7hf", "linux-mips"} <= by[("flock", member, "abi-sized-type")]
    assert "('tv_sec', ctypes.c_int64)" in lint.fix(structs.load(f"{EXAMPLE / 'mirrors.py'}:timespec")[0])
