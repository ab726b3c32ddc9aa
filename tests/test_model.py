"""The SPIN model of spec section 7 (abi/model/): what it proves, that it can fail,
and that its counterexamples read as the spec.

The fast tier checks one proof and one counterexample end to end, and the group
doorbell (7.8): its proof, each mistake it must catch, and F8, which it finds
unneeded; the slow tier runs the whole table of abi/model/expectations.json (every
memory model x wake channel x shape verifies; every fence and rule removed fails in
its weakest model and holds in the next stronger one; the removals spec 7.6 allows
verify), about a minute."""

from __future__ import annotations

import ctypes
import json
import shutil
from pathlib import Path
from typing import Dict, List

import pytest

from abi.model import __main__ as model_main
from abi.model import code, trail
from abi.model.check import MEMORY_MODELS, MISTAKES, PROBES, Config, Result, check
from conftest import ROOT, require_all, require_tool

C_DIR = ROOT / "abi" / "c_reference"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("spin")  # tests/install-deps.sh installs it
    return tmp_path_factory.mktemp("model")


def _show(res: Result) -> str:
    return f"{res.config.label()}: {res.violation}\n" + "\n".join(res.steps)


def test_the_protocol_verifies_under_tso(work: Path) -> None:
    res = check(Config(memory="tso", waiter=True), work)
    assert res.ok, _show(res)
    assert res.states > 10_000  # the store buffers were explored, not skipped


def test_a_missing_f1_is_a_readable_lost_wake_up(work: Path) -> None:
    res = check(Config(memory="tso", mistake="no-f1"), work)
    assert not res.ok
    text = "\n".join(res.steps)
    # the story in the spec's words: R's dirty store sits in its buffer while R reads
    # the owner's flags, and O parks on a word that does not show it
    assert "7.1 step 2 store dirty = 1" in text
    assert "stores irq[1].dirty = 1, which waits in its store buffer" in text
    assert "O (locality 1) parks: the word still matches, it sleeps" in text
    assert res.steps[0].lstrip().startswith("1. ")
    assert res.steps.index(next(s for s in res.steps if "it sleeps" in s)) < \
        max(i for i, s in enumerate(res.steps) if "irq[1].dirty = 1 becomes visible" in s), _show(res)


@pytest.mark.slow
def test_the_2009_barriers_lose_a_wake_up(work: Path) -> None:
    """The 2009 patch's write/read barriers at the store-then-load points: a
    counterexample under TSO (docs/spec.md 12.1 shows one)."""
    res = check(Config(memory="tso", wake="event", mistake="v2009"), work)
    assert not res.ok, "the 2009 variant verified: the model proves too much"
    assert any("store dirty = 1" in s for s in res.steps)


def test_trail_names_every_event() -> None:
    replay = "\n".join([
        "   @0 # 7.1 step 2 store dirty = 1", "   @0 B 6 1", "   @1 L 6 0", "   @1 LB 5 0",
        "   @0 C 6 1", "   @1 P", "   @1 X", "   @0 W 1", "   @1 R", "   @0 S 9 2", "noise",
    ])
    steps = trail.render(replay)
    assert [s.split(". ", 1)[1] for s in steps] == [
        "R (locality 0): 7.1 step 2 store dirty = 1",
        "R (locality 0) stores irq[1].dirty = 1, which waits in its store buffer",
        "O (locality 1) loads irq[1].dirty: 0",
        "O (locality 1) loads irq[1].pending: 0 (its own buffered store)",
        "memory: R (locality 0)'s store irq[1].dirty = 1 becomes visible",
        "O (locality 1) parks: the word still matches, it sleeps",
        "O (locality 1) parks: the word changed, it returns at once",
        "R (locality 0) wakes owner 1",
        "O (locality 1) runs again",
        "R (locality 0) stores the data for locality 1 = 2 (visible at once)",
    ]
    assert trail.byte_name(3) == "irq[0].waiting (pad0)" and trail.byte_name(11) == "irq[1].state"


def test_configurations_are_checked() -> None:
    for bad in ({"memory": "arm"}, {"wake": "poll"}, {"mistake": "no-f9"}, {"injects": 0}, {"budget": 9},
                # the doorbell needs WAITER_FLAG and WAKE_ADDRESS, and is a shape of its own
                {"doorbell": True}, {"doorbell": True, "waiter": True, "wake": "event"},
                {"doorbell": True, "waiter": True, "close": True},
                {"doorbell": True, "waiter": True, "injects2": 0},
                # what only the doorbell has
                {"memory": "weak"}, {"mistake": "plain-ring"}, {"injects2": 2},
                {"doorbell": True, "waiter": True, "probe": "late-doorbell-load"}, {"probe": "nothing"}):
        with pytest.raises(ValueError):
            Config(**bad)  # type: ignore[arg-type]


def test_the_table_names_every_mistake_and_fence() -> None:
    table = model_main.load()
    necessary = {n["mistake"] for n in table["necessary"]}
    replaceable = {r["mistake"] for r in table["replaceable"]}
    unneeded = {u["mistake"] for u in table["unneeded"]}
    # every mistake the model knows fails somewhere, or is a removal 7.6 allows, or one
    # the model finds harmless (a finding against the spec, with a probe of the model)
    assert necessary | replaceable | unneeded == set(MISTAKES)
    assert replaceable - necessary == {"no-f1-always-wake"}
    assert unneeded == {"no-f8"} and not unneeded & (necessary | replaceable)
    assert {u["probe"] for u in table["unneeded"]} == set(PROBES)
    for n in table["necessary"]:  # each needs the model it names, and not the stronger one
        order = list(MEMORY_MODELS)
        if n.get("holds_in"):
            assert order.index(n["holds_in"]) == order.index(n["memory"]) - 1, n
    runs = model_main.planned(table)
    assert len(runs) == len({(c, hold) for _w, c, hold in runs})  # no run twice


@pytest.mark.slow
def test_every_expectation_of_the_table(work: Path) -> None:
    failures: List[str] = []
    summary: Dict[str, int] = {}
    for what, cfg, must_hold in model_main.planned():
        res = check(cfg, work)
        summary[what.split(":")[0]] = summary.get(what.split(":")[0], 0) + 1
        if res.ok != must_hold:
            want = "verified" if must_hold else "a counterexample"
            shown = "" if res.ok else "\n" + _show(res)
            failures.append(f"{what} ({cfg.label()}): expected {want}{shown}")
    assert not failures, "\n\n".join(failures)
    # 36 of section 7's shapes, 4 of the doorbell's; the unneeded F8, and its probe
    assert summary["proof"] == 36 + 4 and summary["necessary"] >= 2 * 8 + 4
    assert summary["unneeded"] == 1 and summary["probe"] == 1


# ------------------------------------------------------------------ the group doorbell (7.8)


def _doorbell_necessary() -> List[Dict[str, str]]:
    table = model_main.load()
    return [n for n in table["necessary"] if table["shapes"][n["shape"]].get("doorbell")]


def _doorbell(entry: Dict[str, str], **changes: object) -> Config:
    table = model_main.load()
    cfg = Config(**table["shapes"][entry["shape"]], memory=entry["memory"], wake=entry["wake"],
                 mistake=entry["mistake"])
    return cfg.with_(**changes)


@pytest.mark.slow  # the fast tier has the doorbell's mistakes; the table has every memory
def test_the_group_doorbell_verifies_under_tso(work: Path) -> None:
    res = check(Config(memory="tso", waiter=True, doorbell=True, injects=1), work)
    assert res.ok, _show(res)
    assert res.states > 100_000  # three threads' store buffers were explored


def test_the_doorbell_mistakes_are_the_briefs() -> None:
    # (a) a plain ring, (c) no F5, (d) the doorbell loaded just before parking, (e) the
    # waiting byte of 7.1 step 4; (b) no F8 is in the table's "unneeded"
    assert {n["mistake"] for n in _doorbell_necessary()} == {"plain-ring", "no-f5", "doorbell-at-park",
                                                             "stale-waiting"}


# what each counterexample must show, in the trail's words
DOORBELL_STORIES = {
    "plain-ring": ["R2 (channel 1) loads O's doorbell: 0", "R2 (channel 1) stores O's doorbell = 1"],
    "no-f5": ["O (waits on both) stores channel 0: O's waiting (pad0) = 2, which waits in its store buffer",
              "O's waiting (pad0): 0"],
    "doorbell-at-park": ["7.8 (the mistake) load the doorbell just before parking"],
    "stale-waiting": ["O's waiting (pad0): 0"],
}


@pytest.mark.parametrize("mistake", [pytest.param(m, marks=pytest.mark.slow) if m == "no-f5" else m
                                     for m in sorted(DOORBELL_STORIES)])
def test_a_doorbell_mistake_loses_a_wake_up(work: Path, mistake: str) -> None:
    entry = next(n for n in _doorbell_necessary() if n["mistake"] == mistake)
    res = check(_doorbell(entry), work)
    assert not res.ok, f"{mistake} verified in {entry['memory']}: the model misses it"
    assert res.violation.startswith("a lost wake-up on the group doorbell"), _show(res)
    # the owner's last park sleeps, and it never runs again
    slept = max(i for i, step in enumerate(res.steps)
                if "parks on its doorbell" in step and step.endswith("sleeps"))
    assert not any("O (waits on both) runs again" in step for step in res.steps[slept:]), _show(res)
    text = "\n".join(res.steps)
    for story in DOORBELL_STORIES[mistake]:
        assert story in text, _show(res)
    if mistake == "plain-ring":  # two rings, and a stale store moves the doorbell back
        assert text.count("stores O's doorbell") >= 2, _show(res)
    if entry.get("holds_in"):
        stronger = check(_doorbell(entry, memory=entry["holds_in"]), work)
        assert stronger.ok, _show(stronger)


@pytest.mark.slow  # about 3 s: the weak model's largest run
def test_f8_is_unneeded_and_the_model_would_see_it(work: Path) -> None:
    """Spec 7.8 step 1's F8 orders the load of the doorbell before the pad0 stores. In
    'weak' that load may be satisfied as late as F5 without F8, and the model reaches
    it (the probe fails), yet no wake-up is lost: F5 orders the load before step 4's
    loads, and a ring the owner's s includes follows the remote's pending = 1."""
    entry = model_main.load()["unneeded"][0]
    cfg = _doorbell(entry)
    res = check(cfg, work)
    assert res.ok, _show(res)
    probe = check(cfg.with_(probe=entry["probe"]), work)
    assert not probe.ok and probe.violation.startswith("the probe"), _show(probe)
    # between the load's issue and its value: a ring, and both pad0 stores made visible
    steps = probe.steps
    issued = max(i for i, step in enumerate(steps) if "7.8 step 1 load the doorbell" in step)
    read = next(i for i, step in enumerate(steps) if i > issued and "satisfied now, as F5 completes" in step)
    between = steps[issued:read]
    assert any("adds 1 to O's doorbell" in step for step in between), _show(probe)
    assert sum("O's waiting (pad0) = 2 becomes visible" in step for step in between) == 2, _show(probe)


def test_trail_names_the_doorbell_events() -> None:
    replay = "\n".join(["  @1 L 12 0", "  @0 A 12 1", "  @2 WD", "  @1 PD 1", "  @1 XD 0", "  @0 B 7 2",
                         "  @2 W 1"])
    steps = [s.split(". ", 1)[1] for s in trail.render(replay, doorbell=True)]
    assert steps == [
        "O (waits on both) loads O's doorbell: 0",
        "R1 (channel 0) adds 1 to O's doorbell atomically: now 1",
        "R2 (channel 1) wakes every waiter on O's doorbell",
        "O (waits on both) parks on its doorbell, expecting 1: the doorbell still holds it, it sleeps",
        "O (waits on both) parks on its doorbell, expecting 0: it changed, it returns at once",
        "R1 (channel 0) stores channel 1: O's waiting (pad0) = 2, which waits in its store buffer",
        "R2 (channel 1) wakes O on channel 1's wait word",
    ]


@pytest.mark.slow
def test_the_command_checks_one_configuration(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = model_main.main(["--memory", "tso", "--mistake", "no-f6", "--waiter", "--json",
                          "--work", str(work)])
    out = json.loads(capsys.readouterr().out)
    assert rc == 13 and out["ok"] is False and out["steps"]
    assert model_main.main(["--memory", "sc", "--work", str(work)]) == 0
    assert model_main.main(["--memory", "sc", "--injects", "0"]) == 2
    capsys.readouterr()
    assert model_main.main(["--memory", "sc", "--doorbell", "--mistake", "doorbell-at-park",
                            "--work", str(work)]) == 13
    assert "sleeps on its doorbell" in capsys.readouterr().out
    assert model_main.main(["--memory", "weak", "--work", str(work)]) == 2  # weak: only with --doorbell


# ------------------------------------------------------------------ the code against the model

# fence -> (the line of shm_signal_atomic.c that issues it, the function that must then fail)
FENCE_LINES = {
    "F0": ("atomic_thread_fence(memory_order_release); /* F0 */", "shm_signal_side_inject"),
    "F1": ("atomic_thread_fence(memory_order_seq_cst); /* F1 */", "shm_signal_side_inject"),
    "F6": ("atomic_thread_fence(memory_order_seq_cst); /* F6: then re-read waiting */",
           "shm_signal_side_inject"),
    "F2": ("atomic_thread_fence(memory_order_seq_cst); /* F2: then read the shared state */",
           "shm_signal_side_step"),
    "F3": ("atomic_thread_fence(memory_order_seq_cst); /* F3: then re-read dirty */", "shm_signal_side_step"),
    "F5": ("atomic_thread_fence(memory_order_seq_cst); /* F5: then look for work once more */",
           "shm_signal_side_announce_park"),
    "F4 and close": ("atomic_thread_fence(memory_order_seq_cst); /* the store-then-load fence */",
                     "shm_signal_store_fence_load"),
}


def _arch_ready(arch: str) -> None:
    if arch == "aarch64" and not require_all():
        pytest.importorskip("ziglang")


@pytest.mark.parametrize("arch", code.ARCHES)
def test_the_c_sequences_issue_the_models_fences(arch: str) -> None:
    _arch_ready(arch)
    found = code.check_code(arch, C_DIR)
    assert set(found) == set(code.FUNCTIONS)
    assert all(v == [] for v in found.values()), found


# a release fence is no instruction on x86-64 (TSO): F0 has nothing to remove there
@pytest.mark.parametrize("arch,fence", [(a, f) for a in code.ARCHES for f in FENCE_LINES
                                        if not (f == "F0" and a == "x86_64")])
def test_a_fence_removed_from_the_c_is_caught(arch: str, fence: str, tmp_path: Path) -> None:
    _arch_ready(arch)
    line, func = FENCE_LINES[fence]
    c = tmp_path / "c"
    shutil.copytree(C_DIR, c, ignore=shutil.ignore_patterns("fuzz", "build*"))
    src = c / "shm_signal_atomic.c"
    text = src.read_text()
    assert text.count(line) == 1, f"the {fence} line is no longer in shm_signal_atomic.c"
    src.write_text(text.replace(line, "/* removed */"))
    found = code.check_code(arch, c)
    assert found[func], f"{fence} removed and {func} still passes: {found}"
    assert all(v == [] for name, v in found.items() if name != func), found


def test_the_rule_on_events() -> None:
    assert code.problems("f", ["S2", "F", "L0", "E"], True) == []
    assert code.problems("f", ["S2", "L0", "F"], True)  # a load before the fence
    assert code.problems("f", ["S2", "E"], True)  # returns (then the notifier reads) unfenced
    assert code.problems("f", ["L0", "E"], True)  # no store: the patterns no longer match
    assert code.problems("x_inject", ["S2", "F", "L0"], False)  # no release before dirty
    assert code.problems("x_inject", ["W", "S2", "F", "L0"], False) == []


class _Recorder:
    """One record's four flag bytes, logging each access as a model event."""

    def __init__(self, log: List[str], values: List[int]) -> None:
        self.log, self.values = log, values

    def __getitem__(self, i: int) -> int:
        self.log.append(f"L{i}")
        return self.values[i]

    def __setitem__(self, i: int, v: int) -> None:
        self.log.append(f"S{i}")
        self.values[i] = v


def _python_side(log: List[str], own: List[int], remote: List[int], waiter: bool) -> object:
    from abi.engine import ordering

    buf = (ctypes.c_uint8 * 8)()
    side = ordering._KernelSide(lambda: log.append("F"), ctypes.addressof(buf), ctypes.addressof(buf) + 4, 0)
    side._own, side._rem = _Recorder(log, own), _Recorder(log, remote)  # type: ignore[assignment]
    side.configure(waiter, 0.0)
    return side


@pytest.mark.parametrize("op,own,remote,waiter", [
    ("inject", [0, 0, 0, 0], [1, 0, 0, 1], True),  # enabled, nothing pending, parked: F0, F1, F6
    ("step", [1, 0, 1, 0], [0] * 4, False),  # dirty: F2
    ("step", [1, 1, 0, 0], [0] * 4, False),  # pending only: F3
    ("announce_park", [1, 0, 0, 0], [0] * 4, True),  # F5
])
def test_the_python_fallback_issues_the_models_fences(op: str, own: List[int], remote: List[int],
                                                       waiter: bool) -> None:
    log: List[str] = []
    side = _python_side(log, own, remote, waiter)
    getattr(side, op)()
    assert code.problems(f"python {op}", log + ["E"], release_is_free=False) == [], log


def test_the_python_check_catches_a_missing_fence() -> None:
    log: List[str] = []
    side = _python_side(log, [0] * 4, [1, 0, 0, 1], True)
    side._fence = lambda: None  # type: ignore[attr-defined]
    side.inject()  # type: ignore[attr-defined]
    assert code.problems("python inject", log + ["E"], release_is_free=False)
