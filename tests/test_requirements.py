"""Traceability (issue 14): every requirement ID of docs/spec.md is in
abi/conformance/requirements.json with the cases that check it, or why none can, or
what is missing; case results and reports carry the IDs; every deliberately broken
peer breaks a named requirement and is caught by a case linked to it."""

from __future__ import annotations

import json
import sys
from typing import List

from abi.conformance import check_peer, report, requirements
from abi.conformance.harness import CaseResult, SuiteResult
from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "tests" / "broken_peers"))
from broken_peer import BREAKS, BREAKS_REQUIREMENT  # noqa: E402


def suite_cases() -> List[str]:
    return check_peer.case_names(opts=check_peer.Options(fuzz=1))


def test_the_table_agrees_with_the_spec_and_the_suite():
    assert requirements.load().problems(suite_cases()) == []


def test_the_checks_catch_a_broken_table(tmp_path):
    bad = {
        "R1-1": {"section": "1", "level": "MUST", "summary": "x", "cases": ["no.such_case"]},
        "R1-2": {"section": "1", "level": "MUST", "summary": "x"},
        "R1-3": {"section": "1", "level": "MUST", "summary": "x", "reason": "inside the peer"},
        "R1-4": {"section": "1", "level": "OUGHT", "summary": "x", "cases": ["protocol.hello"]},
        "R1-5": {"section": "1", "level": "MAY", "summary": "x", "cases": ["protocol.*"], "unchecked": "y"},
    }
    path = tmp_path / "table.json"
    path.write_text(json.dumps(bad))
    spec = "a [R1-1] b [R1-2] c [R1-3] d [R1-4] e [R1-5] f [R1-5] g [R1-9]"
    got = requirements.load(path).problems(["protocol.hello", "fault.bad_magic"], spec)
    assert got == [
        "R1-5 is tagged more than once in the spec",
        "R1-9 is tagged in the spec but not in the table",
        "R1-1: case 'no.such_case' matches no case of the suite",
        "R1-2: needs exactly one of cases, reason or unchecked (has none)",
        "R1-3: not observable, but says nothing of what proves it instead",
        "R1-4: level 'OUGHT' is not one of MUST, MUST NOT, SHOULD, MAY",
        "R1-5: needs exactly one of cases, reason or unchecked (has ['cases', 'unchecked'])",
    ]
    unknown = requirements.load(path).problems([], "")[0]
    assert unknown == "R1-1 is in the table but tagged nowhere in the spec"


def test_cases_name_the_requirements_they_check():
    table = requirements.load()
    assert table.for_case("fault.bad_magic") == ["R6.4-1"]
    assert "R9-1" in table.for_case("semantics.close_wakes_disabled_owner@c")
    unlinked = [n for n in suite_cases() if not table.for_case(n)]
    assert unlinked == [], "cases that check no requirement: link them in requirements.json"


def test_reports_carry_the_ids():
    res = SuiteResult(["peer"], [CaseResult("fault.bad_magic", "fault", "doc", "failed", message="m",
                                            requirements=["R6.4-1"])], 0.1)
    assert json.loads(report.to_json(res))["cases"][0]["requirements"] == ["R6.4-1"]
    tree = report.junit_tree(res)
    props = [p.get("value") for p in tree.getroot().iter("property") if p.get("name") == "requirement"]
    assert props == ["R6.4-1"]
    assert "requirements: R6.4-1" in report.render_text(res)


def test_the_command_prints_the_table():
    proc = run_cli("check-peer", "--requirements")
    assert proc.returncode == 0, proc.stderr
    table = requirements.load()
    for rid in table.requirements:
        assert f"\n{rid} " in "\n" + proc.stdout
    assert f"{len(table.requirements)} requirements:" in proc.stdout
    rows = json.loads(run_cli("check-peer", "--requirements", "--json").stdout)
    assert {r["id"] for r in rows} == set(table.requirements)


def test_every_mutant_breaks_a_requirement_and_is_caught_by_a_case_linked_to_it():
    """The cases themselves are run against each mutant in tests/test_check_peer.py;
    here, that the case it is caught by is one the table links to its requirement."""
    table = requirements.load()
    assert set(BREAKS_REQUIREMENT) == set(BREAKS)
    for mistake, rid in BREAKS_REQUIREMENT.items():
        case = BREAKS[mistake][0]
        assert rid in table.requirements, (mistake, rid)
        assert table.requirements[rid].matches(case), f"{mistake}: {case} is not linked to {rid}"


def test_every_checked_requirement_has_a_mutant():
    """Issue 14's bar: every requirement a case can observe has at least one deliberately
    broken peer (tests/broken_peers/) that breaks it, so the mutation score is over all
    of them."""
    table = requirements.load()
    checked = {rid for rid, r in table.requirements.items() if r.cases}
    assert checked - set(BREAKS_REQUIREMENT.values()) == set()
