"""Fault exceptions as a hierarchy (issue 16, item 4): every fault code has a class of
its own under ShmSignalFault, peer-gone faults are ConnectionErrors, and both engines
raise the same classes."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from abi import faults
from abi.faults import (
    Fault,
    LocalityBusy,
    PeerClosed,
    PeerDead,
    PeerGone,
    ShmSignalFault,
    ValidationFault,
    WakeObjectForeign,
    fault_class,
)
from conftest import ENGINES


@pytest.mark.parametrize("code", [c for c in Fault if c != Fault.OK])
def test_every_code_has_its_class(code: Fault) -> None:
    exc = ShmSignalFault(code, "what went wrong", field="magic", offset=0, expected=1, actual=2)
    assert type(exc) is fault_class(code) and type(exc) is not ShmSignalFault
    assert isinstance(exc, ShmSignalFault) and exc.code == code
    assert (exc.field, exc.offset, exc.expected, exc.actual) == ("magic", 0, 1, 2)
    assert str(exc) == f"fault {code.value} {code.name}: magic at offset 0: what went wrong"
    assert exc.args == (str(exc),)
    assert isinstance(exc, ValidationFault) == (1 <= code <= 13)
    assert isinstance(exc, ConnectionError) == (code in (Fault.PEER_DEAD, Fault.PEER_CLOSED))
    # a name a user can import: BadMagic, MappingTooSmall, PeerClosed, ...
    assert getattr(faults, type(exc).__name__) is type(exc)
    again = pickle.loads(pickle.dumps(exc))  # across processes (a worker, a pool)
    assert type(again) is type(exc) and str(again) == str(exc) and again.field == "magic"


def test_the_named_classes() -> None:
    assert fault_class(Fault.BAD_MAGIC) is faults.BadMagic
    assert fault_class(Fault.BAD_INSTANCE_ID).__name__ == "BadInstanceId"
    assert fault_class(Fault.LOCALITY_BUSY) is LocalityBusy
    assert issubclass(PeerDead, PeerGone) and issubclass(PeerClosed, PeerGone)
    assert fault_class(Fault.WAKE_OBJECT_FOREIGN) is WakeObjectForeign
    assert fault_class(Fault.OK) is ShmSignalFault
    # raising the base by code is caught by the specific class, and vice versa
    with pytest.raises(PeerClosed):
        raise ShmSignalFault(Fault.PEER_CLOSED, "closed")
    with pytest.raises(ShmSignalFault):
        raise PeerDead(Fault.PEER_DEAD, "dead")


@pytest.mark.parametrize("engine", ENGINES)
def test_both_engines_raise_the_classes(engine: str, tmp_path: Path) -> None:
    from abi import CChannel, Channel

    cls = {"py": Channel, "c": CChannel}[engine]
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(192))
    with pytest.raises(faults.BadMagic) as e:
        cls.attach(bad)
    assert e.value.code == Fault.BAD_MAGIC and e.value.field == "magic"
    path = tmp_path / "chan"
    north = cls.create(path, 0)
    south = cls.attach(path)
    with pytest.raises(LocalityBusy):
        cls.attach(path)
    south.close()
    with pytest.raises(ConnectionError) as closed:
        north.wait(1.0)
    assert type(closed.value) is PeerClosed and closed.value.code == Fault.PEER_CLOSED
    north.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_an_attach_that_finds_no_file_times_out(engine: str, tmp_path: Path) -> None:
    """Issue 16: TimeoutError, and still the FileNotFoundError it used to be."""
    import time

    from abi import AttachTimeout, CChannel, Channel

    cls = {"py": Channel, "c": CChannel}[engine]
    for timeout in (0.0, 0.2):
        t0 = time.monotonic()
        with pytest.raises(TimeoutError) as e:
            cls.attach(tmp_path / "never", timeout=timeout)
        assert type(e.value) is AttachTimeout and isinstance(e.value, FileNotFoundError)
        assert "never" in str(e.value) and time.monotonic() - t0 >= timeout
    # a descriptor refused is still a fault, not a timeout
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01" * 192)
    with pytest.raises(ShmSignalFault):
        cls.attach(bad, timeout=0.1)
