"""The fused protocol steps of abi.engine.ordering (shm_signal_side_* in libshm_signal, and
their kernel-fence twins in Python), checked against a model written from spec
7.1, 7.2 and 7.5 for every combination of flag bytes, hostile values included."""

from __future__ import annotations

import ctypes
import itertools
import mmap
import time
from typing import Callable, Dict, Iterator, Tuple

import pytest

from abi import layout
from abi.engine.ordering import (
    STEP_AGAIN,
    STEP_DONE,
    STEP_IDLE,
    STEP_NOTIFY,
    KernelOrdering,
    Ordering,
    Side,
    get_ordering,
    kernel_fence,
)

OWN, REMOTE = 0, layout.IRQ_SIZE  # two records in a scratch buffer, as in a descriptor
ENABLED, PENDING, DIRTY, WAITING = range(4)

ORDERINGS: Dict[str, Callable[[], Ordering]] = {
    "native": get_ordering,
    "kernel": lambda: KernelOrdering(kernel_fence()),
}


@pytest.fixture(params=sorted(ORDERINGS))
def make_side(request: pytest.FixtureRequest) -> Iterator[Callable[[], Tuple[Side, mmap.mmap]]]:
    ordering = ORDERINGS[request.param]()
    if request.param == "native":
        assert ordering.name == "native", "libshm_signal did not load: the native steps go untested"
    buffers = []

    def make() -> Tuple[Side, mmap.mmap]:
        mm = mmap.mmap(-1, 4096)
        base = ctypes.addressof(ctypes.c_char.from_buffer(mm))
        buffers.append(mm)
        return ordering.side(base + OWN, base + REMOTE), mm

    yield make


def _has_work(e: int, p: int, d: int) -> bool:
    return e == 1 and bool(d or p)


FLAG_VALUES = (0, 1, 2)  # 2: a hostile peer's byte; only 1 counts as enabled


@pytest.mark.parametrize("waiter_flag", [False, True])
def test_inject_matches_the_spec_for_every_remote_state(make_side, waiter_flag):
    for e, p, d, w in itertools.product(FLAG_VALUES, FLAG_VALUES, FLAG_VALUES, (0, 1)):
        side, mm = make_side()
        side.configure(waiter_flag, 0.0)
        mm[REMOTE:REMOTE + 4] = bytes([e, p, d, w])
        notify = side.inject()
        # 7.1: dirty always; pending (and a notification) only if enabled with none
        # in flight; 7.5: with WAITER_FLAG, only an owner that announced parking.
        expect_pending = 1 if e == 1 and p == 0 else p
        expect_notify = int(e == 1 and p == 0 and (not waiter_flag or w == 1))
        state = f"remote enabled={e} pending={p} dirty={d} waiting={w} waiter_flag={waiter_flag}"
        assert notify == expect_notify, state
        assert bytes(mm[REMOTE:REMOTE + 4]) == bytes([e, expect_pending, 1, w]), state
        assert bytes(mm[OWN:OWN + 4]) == bytes(4), f"inject wrote to its own record: {state}"


def test_step_matches_the_spec_for_every_own_state(make_side):
    for e, p, d in itertools.product(FLAG_VALUES, repeat=3):
        side, mm = make_side()
        mm[OWN:OWN + 4] = bytes([e, p, d, 0])
        r = side.step()
        state = f"own enabled={e} pending={p} dirty={d}"
        if not _has_work(e, p, d):
            assert (r, bytes(mm[OWN:OWN + 4])) == (STEP_DONE, bytes([e, p, d, 0])), state
        elif d:
            assert (r, bytes(mm[OWN:OWN + 4])) == (STEP_NOTIFY, bytes([e, p, 0, 0])), state
        else:  # pending only: cleared, and with no concurrent remote nothing came back
            assert (r, bytes(mm[OWN:OWN + 4])) == (STEP_DONE, bytes([e, 0, 0, 0])), state
        assert bytes(mm[REMOTE:REMOTE + 4]) == bytes(4), f"step wrote to the remote record: {state}"


def test_step_reports_work_that_came_back_during_the_pending_clear():
    """STEP_AGAIN needs a remote that writes between pending=0 and the re-read: the
    kernel side's fence is the hook where that remote's store lands."""
    mm = mmap.mmap(-1, 4096)
    base = ctypes.addressof(ctypes.c_char.from_buffer(mm))
    remote_writes = [lambda: None]

    def fence() -> None:
        remote_writes.pop()()

    side = KernelOrdering(fence).side(base + OWN, base + REMOTE)
    mm[OWN:OWN + 3] = bytes([1, 1, 0])
    remote_writes.append(lambda: mm.__setitem__(OWN + DIRTY, 1))  # runs at F3
    assert side.step() == STEP_AGAIN
    assert bytes(mm[OWN:OWN + 3]) == bytes([1, 0, 1])


def test_announce_park_sets_waiting_and_reports_work(make_side):
    for e, p, d in itertools.product((0, 1), repeat=3):
        side, mm = make_side()
        mm[OWN:OWN + 4] = bytes([e, p, d, 0])
        assert side.announce_park() == int(_has_work(e, p, d))
        assert mm[OWN + WAITING] == 1


def test_spin_finds_work_at_once_and_gives_up_when_its_time_is_up(make_side):
    side, mm = make_side()
    side.configure(False, 0.02)
    mm[OWN:OWN + 3] = bytes([1, 0, 1])
    assert side.spin() == 1
    assert side.spin_step() == STEP_NOTIFY and mm[OWN + DIRTY] == 0
    mm[OWN:OWN + 3] = bytes([0, 0, 1])  # disabled: work there, but not for a spinner
    start = time.monotonic()
    assert side.spin() == 0
    assert side.spin_step() == STEP_IDLE and mm[OWN + DIRTY] == 1
    elapsed = time.monotonic() - start
    assert 0.04 <= elapsed < 5, f"two 20 ms spins took {elapsed:.3f} s"


def test_a_zero_spin_looks_once(make_side):
    side, mm = make_side()
    side.configure(False, 0.0)
    assert side.spin() == 0 and side.spin_step() == STEP_IDLE
    mm[OWN:OWN + 3] = bytes([1, 1, 0])
    assert side.spin() == 1


@pytest.mark.parametrize("struct, header", [("abi.engine.ordering:SideStruct", "shm_signal_atomic.h"),
                                            ("abi.engine.waitset:_DoorCall", "shm_signal_engine.h")])
def test_the_engines_call_structs_match_their_headers(struct: str, header: str) -> None:
    """The ctypes mirrors of the structures the Python engine passes to the library,
    against the library's headers, through the public binding check (shm-signal
    verify --header --structs): sizes, offsets and sentinel images."""
    from abi.engine import native
    from abi.toolchain import find_c_compiler
    from abi.verify import binding, structs

    report = binding.verify(structs.load(struct), native.C_DIR / header, find_c_compiler())
    assert report.ok, binding.render(report)
