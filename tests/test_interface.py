"""Both engines behind one interface (abi/engine/interface.py): the same behaviour
checks run against the Python engine and the C engine's binding, through
:class:`~abi.ChannelInterface` only, and in every pairing of the two as creator and
attacher within this process."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, List, Type

import pytest

import abi
from abi import CChannel, Channel, ChannelInterface, Fault, ShmSignalFault, layout
from abi.engine.interface import STATS

ENGINES = {"py": Channel, "c": CChannel}
PAIRS = list(itertools.product(ENGINES, ENGINES))


def pair(tmp_path: Path, creator: str, attacher: str, calls: List[str]) -> Any:
    a: Type[Any] = ENGINES[creator]
    b: Type[Any] = ENGINES[attacher]
    path = tmp_path / "chan"
    north = a.create(path, layout.LOCALITY_NORTH, notifier=lambda: calls.append("north"))
    south = b.attach(path, notifier=lambda: calls.append("south"))
    return north, south


@pytest.mark.parametrize("creator,attacher", PAIRS)
def test_both_engines_implement_the_interface(tmp_path, creator, attacher):
    calls: List[str] = []
    north, south = pair(tmp_path, creator, attacher, calls)
    with north, south:
        for ch in (north, south):
            assert isinstance(ch, ChannelInterface)
            assert set(STATS) <= set(ch.stats)
        assert north.wait_for_peer(2.0) and south.peer_attached()
        assert north.features == south.features and north.features is not None


@pytest.mark.parametrize("creator,attacher", PAIRS)
def test_inject_wakeup_and_masking_behave_alike(tmp_path, creator, attacher):
    calls: List[str] = []
    north, south = pair(tmp_path, creator, attacher, calls)
    with north, south:
        assert north.wait_for_peer(2.0)
        # disabled: an inject sets dirty and sends no notification (7.4)
        assert south.inject() is False
        assert north.flags() == {"enabled": 0, "pending": 0, "dirty": 1}
        # a disabled owner's wait parks until its timeout whatever dirty says (7.5):
        # no inject will notify it
        assert north.wait(0) is False
        assert north.wait(0.05) is False
        # enable runs the wakeup for what is already there (7.3)
        assert north.enable() == 1 and calls == ["north"]
        # enabled: the first inject sets pending (and wakes the owner if it is parked:
        # with WAITER_FLAG, only then), and pending suppresses the rest (7.1, 7.5)
        sent = [south.inject() for _ in range(5)]
        assert sent[1:] == [False] * 4 and sent[0] == (not north.features & layout.FEATURE_WAITER_FLAG)
        assert north.flags(layout.LOCALITY_NORTH)["pending"] == 1
        assert south.flags(layout.LOCALITY_NORTH) == north.flags()
        assert north.wait(1.0) is True
        assert north.poll(1.0) == 1 and calls == ["north", "north"]
        assert north.stats["injects"] == 0 and south.stats["injects"] == 6
        assert south.stats["notifications"] == int(sent[0])
        north.disable()
        assert north.flags()["enabled"] == 0


@pytest.mark.parametrize("creator,attacher", PAIRS)
def test_budget_and_liveness_interval_are_properties_of_both(tmp_path, creator, attacher):
    north, south = pair(tmp_path, creator, attacher, [])
    with north, south:
        for ch in (north, south):
            ch.budget = 3
            ch.liveness_interval = 0.25
            assert (ch.budget, ch.liveness_interval) == (3, 0.25)
            for bad in (0, -1):
                with pytest.raises(ValueError, match="budget"):
                    ch.budget = bad
            with pytest.raises(ValueError):
                ch.liveness_interval = float("nan")
            assert ch.budget == 3


@pytest.mark.parametrize("creator,attacher", PAIRS)
def test_a_close_is_reported_alike(tmp_path, creator, attacher):
    north, south = pair(tmp_path, creator, attacher, [])
    with north:
        assert north.wait_for_peer(2.0)
        south.close()
        south.close()  # idempotent
        with pytest.raises(ShmSignalFault) as exc:
            north.check_peer()
        assert exc.value.code == Fault.PEER_CLOSED
        raw = north.descriptor_bytes()
        assert len(raw) == layout.DESC_SIZE and raw == (tmp_path / "chan").read_bytes()[:layout.DESC_SIZE]


def test_public_imports_keep_working():
    """The import paths the README gives, old and new."""
    from abi.c_engine import CChannel as Old
    from abi.engine import Channel as Pkg

    assert Old is CChannel and Pkg is Channel and abi.Channel is Channel
    with pytest.raises(AttributeError):
        abi.NoSuchThing  # noqa: B018
    assert os.path.basename(os.path.dirname(abi.__file__)) == "abi"


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_offering_what_the_engine_does_not_implement_is_refused_alike(tmp_path, engine):
    """6.2: a creator offers only what it implements; both engines refuse the same way,
    before the file exists."""
    path = tmp_path / "chan"
    with pytest.raises(ShmSignalFault) as exc:
        ENGINES[engine].create(path, layout.LOCALITY_NORTH, features=1 << 40)
    got = exc.value
    assert (got.code, got.field, got.offset) == (Fault.UNSUPPORTED_FEATURE, "features_offered", 16)
    assert not path.exists()


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_attach_waits_for_an_unpublished_magic_only(tmp_path, engine):
    """13.4: the attach retry waits for a magic that reads 0 (a creator still writing);
    any other bad magic is refused at once, in both engines."""
    import time

    path = tmp_path / "chan"
    path.write_bytes(b"\xde\xad\xbe\xef" + bytes(layout.DESC_SIZE - 4))
    t0 = time.monotonic()
    with pytest.raises(ShmSignalFault) as exc:
        ENGINES[engine].attach(path, timeout=2.0)
    assert exc.value.code == Fault.BAD_MAGIC and time.monotonic() - t0 < 1.0
    path.write_bytes(bytes(layout.DESC_SIZE))
    t0 = time.monotonic()
    with pytest.raises(ShmSignalFault) as exc:
        ENGINES[engine].attach(path, timeout=0.3)
    assert exc.value.code == Fault.BAD_MAGIC and time.monotonic() - t0 >= 0.3


@pytest.mark.parametrize("creator,attacher", PAIRS)
def test_a_reattach_keeps_the_negotiated_set(tmp_path, creator, attacher):
    """6.3 step 4 [R6.3-3]: the creator reads features_accepted once, so a re-attacher
    accepts that set whatever it supports beyond it, and refuses (writing nothing)
    when part of it is not supported."""
    path = tmp_path / "chan"
    everything = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK | layout.FEATURE_NOTIFY_COUNT
    offered = everything | layout.FEATURE_WAITER_FLAG
    north = ENGINES[creator].create(path, layout.LOCALITY_NORTH, features=offered)
    with north:
        first = ENGINES[attacher].attach(path, features=everything)
        assert first.features == everything and north.wait_for_peer(2.0) and north.features == everything
        first.close()
        again = ENGINES[attacher].attach(path, features=offered)  # supports WAITER_FLAG too
        with again:
            assert again.features == everything  # ... and does not take it
            assert int.from_bytes(again.descriptor_bytes()[32:40], "little") == everything
        before = path.read_bytes()
        narrower = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK
        with pytest.raises(ShmSignalFault) as e:
            ENGINES[attacher].attach(path, features=narrower)
        assert (e.value.code, e.value.field, e.value.offset) == (Fault.UNSUPPORTED_FEATURE,
                                                                 "features_accepted", 32)
        assert path.read_bytes() == before
        # the creator's set never moved, and a pair that works still works
        assert north.features == everything
        with ENGINES[attacher].attach(path) as last:
            assert last.features == everything
            north.enable()
            last.inject()
            assert north.wait(2.0) is True


@pytest.mark.parametrize("engine", ENGINES)
def test_stats_are_read_only_and_unlink_removes_only_the_name(tmp_path, engine):
    path = tmp_path / "chan"
    cls = ENGINES[engine]
    with cls.create(path, 0) as north, cls.attach(path) as south:
        with pytest.raises(TypeError):
            north.stats["injects"] = 5  # type: ignore[index]
        north.enable()
        south.unlink()
        assert not path.exists()
        south.inject()  # the channel itself goes on working
        assert north.poll(0) == 1 and north.stats["notifier_calls"] == 1
        with pytest.raises(FileNotFoundError):
            north.unlink()
        with pytest.raises(FileNotFoundError):
            cls.attach(path)


@pytest.mark.parametrize("engine", ENGINES)
def test_features_are_an_int_flag(tmp_path, engine):
    cls = ENGINES[engine]
    with cls.create(tmp_path / "chan", 0) as north:
        assert north.features is None
        with cls.attach(tmp_path / "chan"):
            f = north.features
            assert isinstance(f, abi.Features) and isinstance(f, int)
            assert abi.Features.LIVENESS_LOCK in f and int(f) & layout.FEATURE_LIVENESS_LOCK
    assert int(abi.Features(1 << 40 | 1)) == 1 << 40 | 1  # unknown bits are kept
