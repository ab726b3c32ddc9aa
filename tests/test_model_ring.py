"""The message ring's ordering model (abi/model/ring.pml): it verifies in every memory
model with the spec's fences, and each rule of 15.3/15.4 it covers is necessary: its
mistake gives a counterexample in the weakest model that needs it (and none in the
next stronger one), rendered step by step."""

from __future__ import annotations

from pathlib import Path

import pytest

from abi.model import ring
from abi.model.check import ModelError
from conftest import missing


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ring-model")
    try:
        ring.check_ring(ring.RingRun("sc", messages=1), d)
    except ModelError as exc:
        missing(str(exc))
    return d


@pytest.mark.slow  # three SPIN builds, 2 s
def test_a_late_load_without_the_release_fence_reads_the_next_lap(work: Path) -> None:
    """R15-8: with the fence the weakest model verifies; without it the consumer's
    load of a record is satisfied after its tail store, and the counterexample shows
    the producer's next-lap store landing first."""
    assert ring.check_ring(ring.RingRun("weak"), work).ok
    bad = ring.check_ring(ring.RingRun("weak", "no-release-tail"), work)
    assert not bad.ok and bad.violation == "the consumer received a value out of order, stale or overwritten"
    steps = [s.split(". ", 1)[1] for s in bad.steps]
    tail_commit = max(i for i, s in enumerate(steps) if s.startswith("consumer commits tail"))
    last_load = max(i for i, s in enumerate(steps) if s.startswith("consumer loads record"))
    assert tail_commit < last_load, bad.steps  # the reordering the fence forbids
    assert any(s.startswith("producer commits record") for s in steps[tail_commit:last_load]), bad.steps


@pytest.mark.slow  # nine SPIN runs, a build each: about 10 s
def test_the_table(work: Path) -> None:
    for what, run, must_hold in ring.planned():
        res = ring.check_ring(run, work)
        assert res.ok == must_hold, (what, res.violation, res.steps[-20:])


def test_bad_runs_are_usage_errors() -> None:
    with pytest.raises(ValueError, match="memory model"):
        ring.RingRun("arm")
    with pytest.raises(ValueError, match="mistake"):
        ring.RingRun("sc", "no-fence")
    with pytest.raises(ValueError, match="messages"):
        ring.RingRun("sc", messages=10)
