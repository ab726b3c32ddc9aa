"""ChannelGroup: many channels of one file made and found in one call, as spec 5's
group convention says, with either engine on either side, across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import abi
from abi.engine.group import STRIDE, group_offset
from conftest import ENGINES, ROOT, engine_class

ATTACHER = """
import sys
import abi
engine = abi.CChannel if sys.argv[2] == "c" else abi.Channel
count = None if sys.argv[3] == "-" else int(sys.argv[3])
with abi.ChannelGroup.attach(sys.argv[1], count, timeout=30, engine=engine) as g:
    print(len(g), flush=True)
    for i in map(int, sys.argv[4:]):
        g[i].inject()
    assert sys.stdin.readline() == "done\\n"
"""


@pytest.mark.parametrize("creator", ENGINES)
@pytest.mark.parametrize("attacher", ENGINES)
@pytest.mark.parametrize("known", [True, False], ids=["count-given", "count-found"])
def test_a_group_is_made_and_found_across_processes(tmp_path: Path, creator: str, attacher: str,
                                                      known: bool) -> None:
    path, n = tmp_path / "group.shm", 40
    served = [0] * n
    with abi.ChannelGroup.create(path, n, size=n * STRIDE + 4096, engine=engine_class(creator),
                                 notifier=lambda i: served.__setitem__(i, served[i] + 1)) as g:
        assert len(g) == n and [ch.locality for ch in g] == [abi.LOCALITY_NORTH] * n
        assert os.path.getsize(path) == n * STRIDE + 4096  # room for the application's data after
        g.enable()
        count = str(n) if known else "-"
        peer = subprocess.Popen([sys.executable, "-c", ATTACHER, str(path), attacher, count, "0", "39", "7"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            assert peer.stdout is not None and peer.stdout.readline().strip() == str(n)
            assert g.wait_for_peers(30)
            while sum(served) < 3:
                for ch in g.wait(10):
                    ch.poll(0)
            assert [i for i in range(n) if served[i]] == [0, 7, 39]
        finally:
            peer.communicate("done\n", timeout=30)
        assert peer.returncode == 0


def test_the_creator_publishes_descriptor_zero_last(tmp_path: Path) -> None:
    """Descriptor 0 published means the whole group is: its creator makes it last."""
    order = []

    class Recording(abi.Channel):
        @classmethod
        def create(cls, path: Any, locality: Any = 0, **kw: Any) -> Any:  # type: ignore[override]
            order.append(kw["offset"])
            return super().create(path, locality, **kw)

    with abi.ChannelGroup.create(tmp_path / "g.shm", 5, engine=Recording) as g:
        assert order == [group_offset(i) for i in (4, 3, 2, 1, 0)]
        assert [ch.offset for ch in g] == [group_offset(i) for i in range(5)]


def test_counting_stops_at_the_first_offset_without_the_magic(tmp_path: Path) -> None:
    path = tmp_path / "g.shm"
    with abi.ChannelGroup.create(path, 3, size=10 * STRIDE), abi.ChannelGroup.attach(path) as found:
        assert len(found) == 3


def test_a_broken_descriptor_in_the_group_is_refused_and_nothing_kept(tmp_path: Path) -> None:
    path = tmp_path / "g.shm"
    with abi.ChannelGroup.create(path, 3) as g:
        with open(path, "r+b") as f:  # descriptor 2's version broken (the magic kept)
            f.seek(group_offset(2) + 4)
            f.write(b"\x63\x00")
        with pytest.raises(abi.ValidationFault):
            abi.ChannelGroup.attach(path)
        # nothing was kept: the first two records are free again
        with abi.ChannelGroup.attach(path, 2) as two:
            assert len(two) == 2 and g[0].peer_attached()


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "3"])
def test_a_bad_count_is_refused(tmp_path: Path, bad: Any) -> None:
    with pytest.raises(ValueError, match="count"):
        abi.ChannelGroup.create(tmp_path / "g.shm", bad)
    assert not (tmp_path / "g.shm").exists()


def test_a_failed_create_closes_what_it_made(tmp_path: Path) -> None:
    path = tmp_path / "g.shm"
    with abi.Channel.create(path, abi.LOCALITY_NORTH, offset=group_offset(1), size=3 * STRIDE):
        # descriptor 1 is live: the group's create makes 2, then fails on 1
        with pytest.raises(abi.LocalityBusy):
            abi.ChannelGroup.create(path, 3, exist_ok=True)
        with abi.Channel.create(path, abi.LOCALITY_NORTH, offset=group_offset(2), exist_ok=True):
            pass  # descriptor 2's records were released again
