"""``shm-signal check-peer``: both reference peers pass every case against both
reference engines; every deliberately broken peer (tests/broken_peers/) is caught by
the case named for its mistake; a hung peer is killed and reported; hostile output
does not break the checker; the JUnit XML parses and has the structure we emit.

Stress counts are small here (--quick); the default run is 10^6 injects per
direction.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List

import pytest
from peer_harness import build_c_peer

from abi import exit_codes
from abi.conformance import check_peer
from conftest import ROOT, missing, require_all, run_cli

sys.path.insert(0, str(ROOT / "tests" / "broken_peers"))
from broken_peer import BREAKS  # noqa: E402

BROKEN = ROOT / "tests" / "broken_peers" / "broken_peer.py"

if not sys.platform.startswith("linux"):
    pytest.skip("Linux only: the reference and broken peers are checked against both engines with "
                "Linux's channel (futex, OFD locks); elsewhere tests/test_pytest_plugin.py runs the "
                "protocol cases", allow_module_level=True)


@pytest.fixture(scope="session")
def c_peer(tmp_path_factory: pytest.TempPathFactory) -> List[str]:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler (cc/gcc) to build the C reference peer")
    assert cc is not None
    return [str(build_c_peer(tmp_path_factory.mktemp("cpeer"), [cc]))]


def broken(mistake: str) -> List[str]:
    return [sys.executable, str(BROKEN), "--break", mistake]


def _no_skips(res: check_peer.SuiteResult) -> None:
    """A reference engine that cannot be used here skips its cases: a failure in CI.
    (Cases for an optional feature the peer does not implement skip legitimately.)"""
    skipped = [f"{c.name}: {c.message}" for c in res.cases
               if c.status == "skipped" and "reference engine is unavailable" in c.message]
    if skipped:
        if require_all():
            pytest.fail("cases skipped in CI:\n" + "\n".join(skipped))
        print("skipped:\n" + "\n".join(skipped))


def _failures(res: check_peer.SuiteResult) -> str:
    from abi.conformance import report

    return report.render_text(res)


@pytest.mark.slow  # every case with a 2000-input fuzz case: seconds each (the fast tier runs the CLI one)
@pytest.mark.parametrize("kind", ["python", "python-c-engine", "c"])
def test_reference_peers_pass_everything(kind: str, c_peer: List[str], tmp_path: Path) -> None:
    argv = {"python": [sys.executable, "-m", "abi.peer"],
            "python-c-engine": [sys.executable, "-m", "abi.peer", "--engine", "c"], "c": c_peer}[kind]
    opts = check_peer.Options.quick(cwd=str(ROOT), fuzz=2000, fuzz_corpus=str(tmp_path / "corpus.json"))
    res = check_peer.run(argv, opts)
    _no_skips(res)
    assert res.count("passed") >= 100
    assert "fuzz.validator" in {c.name for c in res.cases}  # 2000 mutated descriptors, as the reference
    failed = {c.name for c in res.cases if c.status == "failed"}
    assert not failed, _failures(res)


@pytest.mark.slow  # the whole quick suite once more, through the command line (2.5 s)
def test_cli_reference_peer_json_and_junit(tmp_path: Path) -> None:
    xml = tmp_path / "report.xml"
    proc = run_cli("check-peer", "--quick", "--json", "--junit-xml", str(xml), "--",
                   sys.executable, "-m", "abi.peer")
    assert proc.returncode == exit_codes.OK, _json_failures(proc.stdout) + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and doc["failed"] == 0 and doc["passed"] == len(doc["cases"]) - doc["skipped"]
    root = ET.parse(xml).getroot()
    assert root.tag == "testsuites" and int(root.get("failures", "-1")) == 0
    assert int(root.get("tests", "0")) == len(doc["cases"])


def _json_failures(out: str) -> str:
    """The failed cases of a --json report, whole (the report's tail would show only
    the last passed ones)."""
    try:
        cases = json.loads(out)["cases"]
    except (ValueError, KeyError):
        return out[-3000:]
    return json.dumps([c for c in cases if c["status"] == "failed"], indent=1)


# The case that must catch each mistake, with a substring of its failure message.
CAUGHT_BECAUSE: Dict[str, str] = {
    "byte_order": "offset 0 (magic (byte 0)): expected 0xdf, actual 0x58",
    "reserved_garbage": "offset 56 (reserved0 (byte 0)): expected 0x00, actual 0xa5",
    "ignores_pending": "sent 50 notifications, expected 1",
    "never_clears_pending": "offset 65 (irq[0].pending): expected 0x00, actual 0x01",
    "accepts_bad_magic": "the peer attached to a descriptor with BAD_MAGIC",
    "ignores_reserved": "the peer attached to a descriptor with RESERVED_NONZERO",
    "wrong_fault_order": "refused with err 13 BAD_INSTANCE_ID, expected err 8 RESERVED_NONZERO",
    "no_liveness_lock": "a second attacher took the peer's locality",
    "close_without_dirty": "dirty/pending/notify_count are 0/0/0, expected 1/0/0",
    "close_without_wake": "the peer's close did not notify it",
    "creates_0644": "with mode 0644, expected 0600",
    "fixed_instance_id": "two creations wrote the same instance_id",
    "ignores_offset": "after create at offset 128: first differing byte at offset 0",
    "ignores_required": "the peer attached to a descriptor with UNSUPPORTED_FEATURE",
    "ignores_busy": "the peer attached to a descriptor with LOCALITY_BUSY",
    "unbounded_wakeup": "the budget must bound one wakeup",
    "enable_without_wakeup": "'enable': expected calls=1, the peer replied 'ok calls=0'",
    "disable_ignored": "its enabled byte is 1",
    "no_waiting_flag": "the peer hung",
    "wakes_wrong_word": "lost wake-up: 1.5 s after the peer's inject",
    "no_reattach": "was refused: err 14 LOCALITY_BUSY",
    "renegotiates_on_reattach": "the peer attached to a descriptor with UNSUPPORTED_FEATURE",
    "shrinks_file": "the file is 320 bytes, create asked for size=512",
    "single_use": "was refused: err 100 USAGE",
    "follows_links": "a link must be refused, never followed",
    "clobbers_foreign_bytes": "should be refused with err 1 BAD_MAGIC",
    "trusts_accepted": "should be refused with err 11 BAD_FEATURES",
    "writes_past_192": "byte 200 past the v1 descriptor changed",
    "wait_overruns": "a wait returns within its timeout",
    "creates_over_live": "should be refused with err 14 LOCALITY_BUSY",
    "terse_faults": "does not start with 'field=magic offset=0",
    "ignores_death": "the peer's 'wait 3' answered 'ok ready=0'",
    "magic_first": "a reader saw the magic before the rest of the descriptor",
    "read_lock_is_life": "while a reader held a read lock on its liveness byte",
    "wrong_locality": "the peer attached as locality 0, expected 1",
    "late_dirty": "lost wake-up: 1.5 s after the peer's inject",
    "stale_waiting_byte": "lost wake-up: 1.5 s after the peer's inject",
    "doorbell_never_rung": "did not ring the head's doorbell at file offset 88",
    "doorbell_in_own_descriptor": "did not ring the head's doorbell at file offset 88",
    "doorbell_without_head": "the peer accepted GROUP_DOORBELL",
    "unguarded": "the peer did not survive a file cut short under its mapping",
    "hangs": "the peer hung: no reply within 1 s",
    "dies": "the peer died: the peer exited (status 3)",
    "garbage_reply": "neither 'ok' nor 'err'",
    "reserved_first": "; peer: err 8 RESERVED_NONZERO",
    "desc_size_any": "reference: err 4 BAD_SIZE (desc_size)",
    "ring_trusts_head": "should be refused with err 18 BAD_RING, the peer replied 'ok got=1",
    "ring_kind_unchecked": "should be refused with err 18 BAD_RING, the peer replied 'ok got=1",
    "ring_garbage_fill": "after step 7 (send): ring byte 201 (data offset 9) is 0xa5, expected 0x00",
    "ring_no_inject": "the ring is empty and the peer did not wake the consumer within 1.0 s",
    "ring_no_room_wake": "the ring is full and the peer did not wake the producer within 1.0 s",
    "ring_trusts_tail": "should be refused with err 18 BAD_RING, the peer replied 'ok sent=0'",
    "ring_ignores_tail": "step 5 (send): the peer's result is 'ok', expected 'full'",
    "ring_header_garbage": "after ring_create: ring byte 20 (reserved0) is 0x01, expected 0x00",
    "ring_short_padding": "after step 5 (send): ring byte 288 (data offset 96) is 0x10, expected 0x18",
    "ring_lazy_tail": "after step 6 (recv): ring byte 128 (tail) is 0x00, expected 0x10",
    "ring_fault_misnamed": "the fault should name 'field=kind offset=196'",
    "ring_open_order": "the fault should name 'field=head offset=64'",
    "ring_padding_silent": "found no room and did not inject: a parked consumer would never release it",
    "rings_swapped": "north's ring at descriptor offset 192: byte 5 is 0x04, expected 0x01",
    "rings_offered_anyway": "has MESSAGE_RINGS, and there are no rings",
    "rings_over_foreign_bytes": "should be refused with err 18 BAD_RING, the peer replied 'ok locality=0'",
    "rings_unchecked_fit": "should be refused with err 18 BAD_RING, the peer replied 'ok capacity=512",
}


def test_every_mistake_has_a_named_case() -> None:
    names = set(check_peer.case_names(opts=check_peer.Options(fuzz=1)))
    assert set(CAUGHT_BECAUSE) == set(BREAKS)
    for mistake, (case, _doc) in BREAKS.items():
        assert case in names, (mistake, case)


# The fast tier keeps three mistakes (a refusal, the liveness lock, a flag); the others,
# up to seconds each (a peer that hangs, dies or wakes late), are the slow tier.
ADVISORY = {"terse_faults", "unguarded"}
FAST_MISTAKES = {"accepts_bad_magic", "no_liveness_lock", "never_clears_pending", "ring_trusts_head"}


@pytest.mark.parametrize("mistake", [m if m in FAST_MISTAKES else pytest.param(m, marks=pytest.mark.slow)
                                     for m in sorted(BREAKS)])
def test_broken_peer_is_caught_by_the_named_case(mistake: str, tmp_path: Path) -> None:
    """The named case fails with the expected reason; run with the rest of its group
    (Python engine), so the broken peer is also shown not to pass the group."""
    case, _doc = BREAKS[mistake]
    group = case.split(".")[0]
    # the whole group, except the slow stress group and the long vector group for
    # a peer that hangs (each hung case costs the timeout)
    select = [case] if mistake in ("hangs", "late_dirty", "stale_waiting_byte") else [f"{group}.*"]
    # the lost wake-up is a race: about one burst of 1000 injects in five loses one, so
    # allow 100 bursts (the case stops at the first loss)
    injects = 100_000 if mistake in ("late_dirty", "stale_waiting_byte") else 20_000
    fuzz = 500 if group == "fuzz" else 0  # inputs for check-peer --fuzz
    opts = check_peer.Options.quick(cwd=str(ROOT), engines=("py",), select=select, timeout=1.0,
                                    stress_injects=injects, fuzz=fuzz,
                                    fuzz_corpus=str(tmp_path / "corpus.json"))
    res = check_peer.run(broken(mistake), opts)
    by_name = {c.name: c for c in res.cases}
    assert case in by_name, sorted(by_name)
    got = by_name[case]
    if mistake in ADVISORY:  # a SHOULD: reported, counted, never a failure of the run
        assert got.status == "advisory", f"{mistake}: {got.status} {got.message}"
        assert CAUGHT_BECAUSE[mistake] in got.message, got.message
        assert res.ok and res.count("advisory") == 1
        return
    assert got.status == "failed", f"{mistake} was not caught by {case}:\n{_failures(res)}"
    assert CAUGHT_BECAUSE[mistake] in got.message, got.message
    assert not res.ok
    assert res.hello.startswith("ok protocol=1")  # caught by the case, not by a dead start
    if group == "fuzz":  # the inputs it got wrong are kept, and replay to the same verdicts
        assert (tmp_path / "corpus.json").exists()
        replay = check_peer.Options.quick(cwd=str(ROOT), engines=("py",), select=select, timeout=1.0,
                                          fuzz_replay=str(tmp_path / "corpus.json"),
                                          fuzz_corpus=str(tmp_path / "again.json"))
        again = {c.name: c for c in check_peer.run(broken(mistake), replay).cases}[case]
        assert again.status == "failed" and CAUGHT_BECAUSE[mistake] in again.message


def test_first_differing_byte_in_every_output(tmp_path: Path) -> None:
    xml = tmp_path / "r.xml"
    args = ("check-peer", "--quick", "--engine", "py", "-k", "vector.init_north.*")
    proc = run_cli(*args, "--junit-xml", str(xml), "--", *broken("byte_order"))
    assert proc.returncode == exit_codes.CHECK_PEER_FAILED
    assert ("first differing byte: offset 0, field magic (byte 0), expected 0xdf, actual 0x58"
            in proc.stdout), proc.stdout
    proc = run_cli(*args, "--json", "--", *broken("byte_order"))
    assert proc.returncode == exit_codes.CHECK_PEER_FAILED
    doc = json.loads(proc.stdout)
    (case,) = doc["cases"]
    assert case["status"] == "failed"
    assert case["diff"]["offset"] == 0 and case["diff"]["field"] == "magic (byte 0)"
    assert (case["diff"]["expected"], case["diff"]["actual"]) == ("df", "58")
    failure = ET.parse(xml).getroot().find("testsuite/testcase/failure")
    assert failure is not None and "offset 0, field magic (byte 0)" in (failure.text or "")


@pytest.mark.slow  # waits out the reply timeout
def test_hung_peer_is_killed_and_the_suite_goes_on() -> None:
    t0 = time.monotonic()
    opts = check_peer.Options.quick(cwd=str(ROOT), engines=("py",), timeout=1.0,
                                    select=["semantics.masking", "semantics.wait", "protocol.hello"])
    suite = check_peer.Suite(broken("hangs"), opts)
    res = suite.run()
    status = {c.name: c.status for c in res.cases}
    assert status == {"protocol.hello": "passed", "semantics.masking": "failed", "semantics.wait": "passed"}
    assert time.monotonic() - t0 < 15
    masking = next(c for c in res.cases if c.name == "semantics.masking")
    assert "killed" in masking.message and "> disable" in masking.transcript


def _hostile(tmp_path: Path, body: str) -> List[str]:
    prog = tmp_path / "hostile.py"
    prog.write_text("import sys\n" + body)
    return [sys.executable, str(prog)]


def test_hostile_peers_do_not_break_the_checker(tmp_path: Path) -> None:
    # a flood of binary output without newlines, then exit
    flood = _hostile(tmp_path, "sys.stdout.buffer.write(bytes(range(256)) * 40000); sys.stdout.flush()\n")
    res = check_peer.run(flood, check_peer.Options.quick(engines=("py",), select=["protocol.*"], timeout=2))
    assert res.unusable and not res.ok
    # hello fine, then XML-hostile garbage for everything else
    garbage = _hostile(tmp_path, (
        "for line in sys.stdin:\n"
        "    if line.startswith('hello'):\n"
        "        print('ok protocol=1 impl=hostile features=0xd', flush=True)\n"
        "    else:\n"
        "        print('\\x00\\x1b[31m<x a=\"&\"/> ]]> \\udcff', flush=True)\n"))
    xml = tmp_path / "h.xml"
    proc = run_cli("check-peer", "--quick", "--engine", "py", "-k", "protocol.*", "-k", "semantics.masking",
                   "--timeout", "2", "--junit-xml", str(xml), "--", *garbage)
    assert proc.returncode == exit_codes.CHECK_PEER_FAILED, proc.stderr
    assert "Traceback" not in proc.stderr
    root = ET.parse(xml).getroot()
    assert int(root.get("failures", "0")) >= 3


def test_unstartable_peer(tmp_path: Path) -> None:
    proc = run_cli("check-peer", "--quick", "--", str(tmp_path / "no-such-peer"))
    assert proc.returncode == exit_codes.PEER_UNUSABLE
    assert "PEER UNUSABLE" in proc.stdout and "Traceback" not in proc.stderr
    proc = run_cli("check-peer", "--quick")
    assert proc.returncode == exit_codes.USAGE


def _validate_junit(root: ET.Element) -> None:
    """The structure report.junit_tree emits (the common JUnit schema subset):
    testsuites > testsuite(name, tests, failures, errors, skipped, time) >
    [properties] testcase(classname, name, time) > [failure(message, type) | skipped]
    [system-out]; the counts agree with the children."""
    assert root.tag == "testsuites"
    total = failures = skipped = 0
    for suite in root:
        assert suite.tag == "testsuite"
        for attr in ("name", "tests", "failures", "errors", "skipped", "time"):
            assert attr in suite.attrib, attr
        cases = [c for c in suite if c.tag == "testcase"]
        assert {c.tag for c in suite} <= {"testcase", "properties"}
        assert int(suite.get("tests", "-1")) == len(cases)
        f = sum(1 for c in cases if c.find("failure") is not None)
        s = sum(1 for c in cases if c.find("skipped") is not None)
        assert int(suite.get("failures", "-1")) == f and int(suite.get("skipped", "-1")) == s
        for c in cases:
            assert c.get("classname") == suite.get("name") and c.get("name")
            assert float(c.get("time", "x")) >= 0
            assert {ch.tag for ch in c} <= {"failure", "skipped", "system-out", "properties"}
            fail = c.find("failure")
            if fail is not None:
                assert fail.get("message") is not None and fail.get("type")
        total, failures, skipped = total + len(cases), failures + f, skipped + s
    assert int(root.get("tests", "-1")) == total
    assert int(root.get("failures", "-1")) == failures and int(root.get("skipped", "-1")) == skipped


@pytest.mark.slow  # a whole check-peer run, about a second (the fast tier's budget is a minute)
def test_junit_structure(tmp_path: Path) -> None:
    xml = tmp_path / "j.xml"
    proc = run_cli("check-peer", "--quick", "--engine", "py", "-k", "semantics.*", "-k", "protocol.*",
                   "--junit-xml", str(xml), "--", *broken("garbage_reply"))
    assert proc.returncode == exit_codes.CHECK_PEER_FAILED
    tree = ET.parse(xml)
    _validate_junit(tree.getroot())
    fails = tree.getroot().findall(".//failure")
    assert fails and any("neither 'ok' nor 'err'" in (f.get("message") or "") for f in fails)


@pytest.mark.slow  # benchmark smoke test
def test_the_race_mutants_benchmark_runs() -> None:
    """A smoke run of benchmarks/race_mutants.py: one mutant build, one round, few
    injects (what it catches is measured by the benchmark, not judged here)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("taskset and sched_setaffinity: Linux only")
    script = ROOT / "benchmarks" / "race_mutants.py"
    argv = [sys.executable, str(script), "--rounds", "1", "--injects", "2000", "--only", "no F1", "--json"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    assert list(data["caught"]) == ["no F1"]
    assert set(data["caught"]["no F1"]) == {"one CPU", "two CPUs", "two CPUs + load"}


def test_every_race_mutant_patch_still_applies() -> None:
    """benchmarks/race_mutants.py patches a copy of shm_signal_protocol.c: each patch
    must match exactly once, or the benchmark would measure the real engine."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import race_mutants

    text = (race_mutants.C_DIR / "shm_signal_protocol.c").read_text()
    for label, patches in race_mutants.MUTANTS.items():
        patched = text
        for old, new in patches:
            assert patched.count(old) == 1, (label, old)
            patched = patched.replace(old, new)
        assert (patched == text) == (label == "real engine"), label

