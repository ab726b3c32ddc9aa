"""The differential fuzzer (abi/conformance/fuzz.py, ``shm-signal fuzz``): a bounded campaign
runs clean on both engines, and each kind of failure it exists to find (a
validator skipping a check, a crash, a hang) is caught, reported with its input and
saved as a reproducer that replays."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from abi import exit_codes
from abi.conformance import fuzz
from conftest import ROOT, run_cli

CAMPAIGN = 10_000  # inputs, each to both validators, both attaches and inspect


@pytest.mark.slow  # a 10^4-input campaign: ~20 s
def test_a_bounded_campaign_runs_clean(tmp_path: Path) -> None:
    summary = fuzz.run(fuzz.Mutator(2026), seed=2026, inputs=CAMPAIGN, out_dir=tmp_path)
    assert summary.inputs == CAMPAIGN
    assert not summary.failures, summary.render()
    verdicts = summary.verdicts["py.validate"]
    # The inputs reach every check: each fault code of validation is seen, and some accepted.
    assert verdicts.get("accepted", 0) > 100
    for code in ("BAD_MAGIC", "BYTE_SWAPPED", "BAD_VERSION", "BAD_SIZE", "MAPPING_TOO_SMALL", "BAD_OFFSET",
                 "BAD_LOCALITY", "RESERVED_NONZERO", "BAD_FLAG", "BAD_STATE", "BAD_FEATURES",
                 "UNSUPPORTED_FEATURE", "BAD_INSTANCE_ID"):
        assert verdicts.get(code, 0) > 0, (code, verdicts)
    assert summary.verdicts["py.attach"].get("LOCALITY_BUSY", 0) > 0  # the attach-only refusal


@pytest.mark.slow  # a 3000-input campaign
def test_a_validator_that_skips_a_check_is_caught_and_replays(tmp_path: Path) -> None:
    summary = fuzz.run(fuzz.Mutator(7), seed=7, inputs=3000, out_dir=tmp_path, plant="desc-size-alignment")
    assert summary.failures, "the planted validator was not caught"
    first = summary.failures[0]
    assert any("the validators disagree" in p for p in first.problems), first.problems
    assert first.verdicts is not None and first.verdicts["c.validate"][1] == "BAD_SIZE"
    saved = sorted(tmp_path.glob("failure-*.json"))
    assert len(saved) == len(summary.failures)
    again = fuzz.run(iter(fuzz.load_reproducers([str(saved[0])])), plant="desc-size-alignment")
    assert len(again.failures) == 1  # the reproducer reproduces...
    fixed = fuzz.run(iter(fuzz.load_reproducers([str(saved[0])])))
    assert fixed.inputs == 1 and not fixed.failures  # ...and passes once the validator is whole


@pytest.mark.parametrize("plant,what", [("crash", "crash: the worker died"),
                                        pytest.param("hang", "hang: no verdict", marks=pytest.mark.slow)])
def test_a_crash_or_a_hang_is_a_failure_with_its_input(tmp_path: Path, plant: str, what: str) -> None:
    cases = [fuzz.Case(b"\x00" * 192, 0, 0x1F, "fine"), fuzz.Case(b"\x42" * 192, 0, 0x1F, "deadly"),
             fuzz.Case(b"\x00" * 100, 0, 0x1F, "fine after")]
    summary = fuzz.run(iter(cases), plant=plant, out_dir=tmp_path, deadline=2.0)
    assert summary.inputs == 3
    assert [f.case.origin for f in summary.failures] == ["deadly"]
    assert summary.failures[0].problems[0].startswith(what)
    assert summary.verdicts["py.validate"].get("MAPPING_TOO_SMALL") == 1  # the worker was restarted


def test_campaigns_are_reproducible() -> None:
    a = [c.to_json() for c in itertools.islice(fuzz.Mutator(99), 400)]
    b = [c.to_json() for c in itertools.islice(fuzz.Mutator(99), 400)]
    assert a == b
    assert a != [c.to_json() for c in itertools.islice(fuzz.Mutator(100), 400)]
    assert [len(bytes.fromhex(c["data"])) for c in a[:193]] == list(range(193))  # every truncation first


@pytest.mark.slow  # three CLI campaigns (2400 inputs)
def test_the_command(tmp_path: Path) -> None:
    proc = run_cli("fuzz", "--inputs", "400", "--seed", "1", "--json", "--out", str(tmp_path / "ok"))
    assert proc.returncode == exit_codes.OK, proc.stderr
    out = json.loads(proc.stdout)
    assert out["inputs"] == 400 and out["seed"] == 1 and out["failures"] == []
    proc = run_cli("fuzz", "--inputs", "2000", "--seed", "7", "--plant", "desc-size-alignment", "-q",
                   "--out", str(tmp_path / "bad"))
    assert proc.returncode == exit_codes.FUZZ_FAILED, proc.stderr
    assert "the validators disagree" in proc.stdout and "reproducers saved" in proc.stdout
    saved = sorted((tmp_path / "bad").glob("failure-*.json"))
    proc = run_cli("fuzz", "--replay", *map(str, saved[:3]), "-q")
    assert proc.returncode == exit_codes.OK and "3 inputs" in proc.stdout
    proc = run_cli("fuzz", "--replay", str(tmp_path / "missing.json"))
    assert proc.returncode == exit_codes.USAGE and "Traceback" not in proc.stderr


def test_an_attach_of_a_valid_descriptor_refuses_exactly_what_6_3_says():
    """The judge derives the attach-only refusal from the input: a re-attach whose kept
    set is not supported (UNSUPPORTED_FEATURE), a record attached without a liveness
    lock (LOCALITY_BUSY), else an attach; any other outcome is a disagreement."""
    from abi.conformance.fuzz import disagreements
    from abi.conformance.fuzz.inputs import Case
    from abi.conformance.fuzz.judges import attach_refusal

    golden = json.loads((ROOT / "abi" / "vectors" / "golden.json").read_text())
    for f in golden["faults"]:
        if not f["attach_only"]:
            continue
        case = Case(bytes.fromhex(f["mapping"]), f["offset"], int(f["features"], 16))
        assert attach_refusal(case) == f["fault"]
        ok = {"py.validate": ("ok",), "c.validate": ("ok",), "inspect": ("ok",)}
        right = ("fault", f["fault"], f["field"])
        assert disagreements({**ok, "py.attach": right, "c.attach": right}, case) == []
        for wrong in [("ok",), ("fault", "LOCALITY_BUSY" if f["code"] != 14 else "UNSUPPORTED_FEATURE", "x")]:
            found = disagreements({**ok, "py.attach": wrong, "c.attach": wrong}, case)
            assert len(found) == 2 and all("6.3 step 4" in m for m in found), found
