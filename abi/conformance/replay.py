"""Replaying golden vectors (abi/vectors/golden.json): the step loop, the per-op
dispatch for a reference engine channel, and the byte-for-byte comparison after
every step.

Each locality of a case is played by a :class:`Side`: :class:`RefSide` is a
reference engine channel (Python or C); check-peer plays one side with the peer
under test instead.  tests/test_vectors.py replays with references on both sides
(:func:`replay_references`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Tuple, Type

from abi import layout
from abi.conformance.inspect_file import field_at

Step = Dict[str, Any]


def side_of(step: Step) -> int:
    """The locality a step acts on; -1 for steps without one (``load``)."""
    side = step.get("side", "")
    return layout.LOCALITY_NAMES.index(side) if side in layout.LOCALITY_NAMES else -1


class Side(Protocol):
    """One locality of a replay; one method per vector op."""

    name: str  # who plays it, in failure messages ("by the peer")

    def create(self, path: Path, step: Step) -> None: ...

    def attach(self, path: Path, offset: int, step: Step) -> Tuple[int, int]:
        """Returns (locality, negotiated features)."""
        ...

    def wait_peer(self) -> bool: ...

    def enable(self) -> int: ...

    def disable(self) -> None: ...

    def inject(self) -> bool: ...

    def wakeup(self, budget: Optional[int], reinject: int) -> Tuple[int, bool]: ...

    def close(self) -> None: ...


class RefSide:
    """A side played by a reference engine channel.

    ``create`` and ``attach`` make the channel (an engine's classmethods, or
    check-peer's tracked ``ref_create``/``ref_attach``); the channel's notifier
    reads ``reinject[side]`` to model a remote that injects again during a wakeup.
    """

    def __init__(self, side: int, create: Callable[..., Any], attach: Callable[..., Any],
                 reinject: Dict[int, int], name: str = "reference") -> None:
        self.side, self.name, self.reinject = side, name, reinject
        self._create, self._attach = create, attach
        self.ch: Any = None

    def create(self, path: Path, step: Step) -> None:
        self.ch = self._create(path, self.side, offset=step["offset"], size=step.get("size"),
                               features=int(step["features"], 16), required=int(step["required"], 16),
                               instance_id=bytes.fromhex(step["instance_id"]), pid=step["pid"])

    def attach(self, path: Path, offset: int, step: Step) -> Tuple[int, int]:
        self.ch = self._attach(path, offset=offset, features=int(step["features"], 16), pid=step["pid"])
        return self.ch.locality, self.ch.features

    def wait_peer(self) -> bool:
        # a creator that has closed again has nothing to observe
        return self.ch is None or bool(self.ch.wait_for_peer(1.0))

    def enable(self) -> int:
        return int(self.ch.enable())

    def disable(self) -> None:
        self.ch.disable()

    def inject(self) -> bool:
        return bool(self.ch.inject())

    def wakeup(self, budget: Optional[int], reinject: int) -> Tuple[int, bool]:
        self.reinject[self.side] = reinject
        calls = self.ch.wakeup(budget)
        self.reinject[self.side] = 0
        return calls, bool(self.ch.more_work)

    def close(self) -> None:
        if self.ch is not None:
            self.ch.close()
            self.ch = None


def assert_same(expected: bytes, actual: bytes, where: str) -> None:
    """The default comparison: an AssertionError naming the first differing byte."""
    if actual == expected:
        return
    at = next(i for i in range(max(len(expected), len(actual))) if actual[i:i + 1] != expected[i:i + 1])
    got, want = actual[at:at + 1].hex(), expected[at:at + 1].hex()
    raise AssertionError(f"{where}: descriptor byte {at} ({field_at(at)}) is 0x{got}, expected 0x{want}\n"
                         f" got {actual.hex()}\nwant {expected.hex()}")


class Replay:
    """Runs one case's steps on ``path`` with ``sides`` (indexed by locality),
    checking each step's result and the descriptor bytes after it.  Mismatches
    raise ``failure`` (the descriptor ones through ``compare``)."""

    def __init__(self, path: Path, sides: Sequence[Side], failure: Type[Exception] = AssertionError,
                 compare: Callable[[bytes, bytes, str], None] = assert_same) -> None:
        self.path, self.sides, self.failure, self.compare = path, sides, failure, compare
        self.creator: Optional[int] = None
        self.offset = 0

    def step(self, s: Step) -> Any:
        op, index = s["op"], side_of(s)
        if op == "load":
            self.path.write_bytes(bytes.fromhex(s["mapping"]))
            self.offset = s["offset"]
            return None
        side = self.sides[index]
        if op == "create":
            self.creator, self.offset = index, s["offset"]
            side.create(self.path, s)
            return None
        if op == "attach":
            locality, features = side.attach(self.path, self.offset, s)
            if locality != index:
                raise self.failure(f"the {side.name} attached as locality {locality}, expected {index} "
                                   f"(the one the creator left free)")
            # the creator observes the attach
            if self.creator is not None and not self.sides[self.creator].wait_peer():
                raise self.failure(f"the {self.sides[self.creator].name} creator did not see the attach")
            return {"features": f"0x{features:x}"}
        if op == "enable":
            return {"calls": side.enable()}
        if op == "disable":
            side.disable()
            return None
        if op == "inject":
            return {"notified": side.inject()}
        if op == "wakeup":
            calls, more = side.wakeup(s.get("budget"), s.get("reinject", 0))
            return {"calls": calls, "more": more}
        if op == "close":
            side.close()
            return None
        raise self.failure(f"unknown vector op {op}")

    def run(self, case: Dict[str, Any]) -> None:
        for i, s in enumerate(case["steps"]):
            who = "harness" if s["op"] == "load" else self.sides[side_of(s)].name
            where = f"step {i} ({s['op']} {s.get('side', '')}, by the {who})"
            result = self.step(s)
            if "result" in s and result != s["result"]:
                raise self.failure(f"{where}: result {result}, expected {s['result']}")
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                actual = f.read(layout.DESC_SIZE)
            self.compare(bytes.fromhex(s["expect"]), actual, where)


def replay_references(path: Path, case: Dict[str, Any], creator: Any, attacher: Any) -> None:
    """Replays ``case`` with reference engines on both sides: the engine class
    ``creator`` creates, ``attacher`` attaches; raises AssertionError on a mismatch."""
    reinject = {0: 0, 1: 0}
    sides: List[RefSide] = []

    def notifier(side: int) -> Callable[[], None]:
        def call() -> None:
            if reinject[side] > 0:  # the remote keeps setting dirty
                reinject[side] -= 1
                sides[1 - side].inject()
        return call

    for side in (0, 1):
        sides.append(RefSide(side, functools.partial(creator.create, notifier=notifier(side)),
                             functools.partial(attacher.attach, notifier=notifier(side)), reinject))
    try:
        Replay(path, sides).run(case)
    finally:
        for s in sides:
            s.close()
