"""Golden vectors (abi/vectors/golden.json): both engines, and every mix of them as
creator and attacher in one process, must produce the expected descriptor bytes
after every step, and report the expected fault for every broken descriptor."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from abi import descriptor
from abi.conformance.replay import replay_references
from abi.engine import c_channel as c_engine
from abi.faults import ShmSignalFault

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "abi" / "vectors" / "golden.json"
VECTORS = json.loads(GOLDEN.read_text())


def _engines() -> Dict[str, Any]:
    from abi.engine.channel import Channel

    return {"py": Channel, "c": c_engine.CChannel}


def _supported(case: Dict[str, Any]) -> bool:
    """Cases whose offered features the C engine implements on this OS."""
    have = c_engine.supported_features()
    return all(int(s["features"], 16) & ~have == 0 for s in case["steps"] if s["op"] == "create")


CASES = [c["name"] for c in VECTORS["cases"]]


@pytest.mark.parametrize("creator,attacher", [("py", "py"), ("c", "c"), ("py", "c"), ("c", "py")])
@pytest.mark.parametrize("name", CASES)
def test_case_replays_byte_for_byte(tmp_path: Path, name: str, creator: str, attacher: str) -> None:
    case = next(c for c in VECTORS["cases"] if c["name"] == name)
    if not _supported(case):
        pytest.skip(f"{sys.platform}: the case offers features the C engine does not implement on this OS "
                    "(WAKE_ADDRESS is Linux's and macOS's, WAKE_NAMED_EVENT Windows')")
    engines = _engines()
    replay_references(tmp_path / "chan", case, engines[creator], engines[attacher])


def test_a_wrong_vector_fails(tmp_path: Path) -> None:
    """The replay catches a single flipped byte and a wrong result."""
    case = copy.deepcopy(next(c for c in VECTORS["cases"] if c["name"] == "inject_enable_disable"))
    step = case["steps"][4]
    step["expect"] = step["expect"][:160] + "02" + step["expect"][162:]  # notify_count 2, not 1
    with pytest.raises(AssertionError, match="descriptor byte 80"):
        replay_references(tmp_path / "a", case, c_engine.CChannel, c_engine.CChannel)
    case = copy.deepcopy(next(c for c in VECTORS["cases"] if c["name"] == "inject_enable_disable"))
    case["steps"][5]["result"] = {"notified": True}
    with pytest.raises(AssertionError, match="result"):
        replay_references(tmp_path / "b", case, c_engine.CChannel, c_engine.CChannel)


# Hand-written from docs/spec.md 4.1/4.2, independently of the generator.
INIT_NORTH = (
    "df39fa58" "01000000" "c0000000" "00000000"  # magic, version 1, desc_size 192, creator north
    "0d00000000000000" "0000000000000000" "0000000000000000"  # offered 0xd, required, accepted
    "00112233445566778899aabbccddeeff" "0000000000000000"  # instance_id, reserved0
    "00000000" "01000000" "34120000" "00000000" + "00" * 48  # irq[0]: flags, attached, pid 0x1234
    + "00" * 64  # irq[1]: empty
)


def test_vectors_pinned_by_hand() -> None:
    steps = {c["name"]: c["steps"] for c in VECTORS["cases"]}
    assert steps["init_north"][0]["expect"] == INIT_NORTH
    ied = steps["inject_enable_disable"]
    notified = bytes.fromhex(ied[4]["expect"])  # south injects into an enabled north
    assert notified[64:67] == b"\x01\x01\x01" and notified[80] == 1
    assert bytes.fromhex(ied[5]["expect"]) == notified  # pending suppresses: nothing changes
    closed = bytes.fromhex(steps["close_into_enabled"][-1]["expect"])
    assert closed[132] == 2 and closed[64:67] == b"\x01\x00\x01" and closed[80] == 0
    assert bytes.fromhex(steps["negotiate_subset"][-1]["expect"])[32] == 0x09


def test_golden_file_is_current() -> None:
    spec = importlib.util.spec_from_file_location("make_golden", ROOT / "abi" / "vectors" / "make_golden.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_golden"] = mod
    spec.loader.exec_module(mod)
    assert mod.render() == GOLDEN.read_text(), "run: python abi/vectors/make_golden.py"


# ----------------------------------------------------------------- faults

FAULTS = [f["name"] for f in VECTORS["faults"]]


def _fault(name: str) -> Dict[str, Any]:
    return next(f for f in VECTORS["faults"] if f["name"] == name)


def _check(exc: ShmSignalFault, f: Dict[str, Any]) -> None:
    assert (int(exc.code), exc.field, exc.offset) == (f["code"], f["field"], f["field_offset"]), str(exc)


@pytest.mark.parametrize("name", FAULTS)
def test_fault_validators(name: str) -> None:
    f = _fault(name)
    mapping = bytes.fromhex(f["mapping"])
    supported = int(f["features"], 16)
    if f["attach_only"]:  # valid bytes that an attach refuses (6.3 step 4)
        descriptor.validate(bytearray(mapping), f["offset"], len(mapping), supported)
        c_engine.validate(mapping, f["offset"], None, supported)
        return
    with pytest.raises(ShmSignalFault) as py:
        descriptor.validate(bytearray(mapping), f["offset"], len(mapping), supported)
    _check(py.value, f)
    with pytest.raises(ShmSignalFault) as c:
        c_engine.validate(mapping, f["offset"], None, supported)
    _check(c.value, f)


@pytest.mark.parametrize("engine", ["py", "c"])
@pytest.mark.parametrize("name", FAULTS)
def test_fault_attach_refuses_and_writes_nothing(tmp_path: Path, name: str, engine: str) -> None:
    f = _fault(name)
    path = tmp_path / "chan"
    mapping = bytes.fromhex(f["mapping"])
    path.write_bytes(mapping)
    with pytest.raises(ShmSignalFault) as exc:
        _engines()[engine].attach(path, offset=f["offset"], features=int(f["features"], 16))
    _check(exc.value, f)
    assert path.read_bytes() == mapping


def test_fault_vectors_cover_every_validation_fault() -> None:
    codes: List[int] = sorted({f["code"] for f in VECTORS["faults"]})
    assert codes == list(range(1, 15))
