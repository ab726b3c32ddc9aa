"""The Python engine's Windows named events (abi/engine/wake/windows.py, spec 8.2), on any OS:
the ctypes glue runs against fake kernel32/advapi32 objects that record every call and
keep real memory for the pointers they hand out (SIDs, ACLs, ACEs, strings), so the
glue's reading of them is exercised; the security decision is a pure function, tested
directly.  Under wine the C engine is tested against real kernel objects
(tests/test_windows_security_wine.py)."""

from __future__ import annotations

import ctypes
import re
import struct
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

from abi.engine.channel import NORTH, SOUTH, Channel
from abi.engine.wake.windows import (
    ERROR_ACCESS_DENIED,
    ERROR_ALREADY_EXISTS,
    EVENT_ALL_ACCESS,
    SECURITY_ATTRIBUTES,
    NamedEventWake,
    check_event_security,
    event_name,
    event_sddl,
)
from abi.faults import Fault, ShmSignalFault

USER = "S-1-5-21-1111-2222-3333-1001"
OTHER = "S-1-5-21-1111-2222-3333-1002"
EVERYONE = "S-1-1-0"
IID = bytes(range(16))
OWN_ACE = (0, USER, EVENT_ALL_ACCESS)
OWN_SDDL = f"O:{USER}D:P(A;;0x1f0003;;;{USER})"


class Obj:
    """A kernel event: owner SID (None: none) and DACL (None: a NULL DACL)."""

    def __init__(self, owner: Optional[str], aces: Optional[List[Tuple[int, Optional[str], int]]]) -> None:
        self.owner, self.aces = owner, aces


class World:
    """The fake's kernel: named objects, handles, LocalAlloc'd blocks, the last error."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Any, ...]] = []
        self.objects: Dict[str, Obj] = {}
        self.denied: Set[str] = set()
        self.fail_create: Dict[str, int] = {}  # name -> error of a failing CreateEventW
        self.handles: Dict[int, str] = {}  # open handle -> object name ("<token>" for the token)
        self.next_handle = 0x100
        self.allocs: Dict[int, Any] = {}  # LocalAlloc'd block address -> its buffer
        self.keep: List[Any] = []  # buffers that must outlive the call (SIDs, ACLs)
        self.sids: Dict[int, str] = {}  # address of a SID -> its text
        self.sds: Dict[int, str] = {}  # address of a descriptor made from SDDL -> the SDDL
        self.dacls: Dict[int, List[int]] = {}  # address of an ACL -> addresses of its ACEs
        self.error = 183  # stale: the glue must reset it before CreateEventW

    def sid(self, text: str) -> int:
        buf = ctypes.create_string_buffer(28)
        self.keep.append(buf)
        self.sids[ctypes.addressof(buf)] = text
        return ctypes.addressof(buf)

    def alloc(self, buf: Any) -> int:
        self.allocs[ctypes.addressof(buf)] = buf
        return ctypes.addressof(buf)

    def handle(self, name: str) -> int:
        self.next_handle += 4
        self.handles[self.next_handle] = name
        return self.next_handle

    def dacl(self, aces: List[Tuple[int, Optional[str], int]]) -> int:
        addrs = []
        for kind, sid, mask in aces:
            buf = ctypes.create_string_buffer(8 + 28)
            struct.pack_into("<BBHI", buf, 0, kind, 0, 36, mask)
            self.keep.append(buf)
            if sid is not None:
                self.sids[ctypes.addressof(buf) + 8] = sid
            addrs.append(ctypes.addressof(buf))
        acl = ctypes.create_string_buffer(8)
        self.keep.append(acl)
        self.dacls[ctypes.addressof(acl)] = addrs
        return ctypes.addressof(acl)


def parse_sddl(sddl: str) -> Obj:
    m = re.fullmatch(r"O:(S-[\d-]+)D:P((?:\(A;;0x[0-9a-f]+;;;S-[\d-]+\))*)", sddl)
    assert m, sddl
    aces = [(0, sid, int(mask, 16)) for mask, sid in re.findall(r"\(A;;0x([0-9a-f]+);;;(S-[\d-]+)\)", m[2])]
    return Obj(m[1], aces)


class _Fn:
    def __init__(self, impl: Any, name: str, world: World) -> None:
        self.impl, self.name, self.world = impl, name, world
        self.argtypes: Any = None
        self.restype: Any = None

    def __call__(self, *args: Any) -> Any:
        return self.impl(*args)


class FakeDll:
    def __init__(self, world: World, impls: Dict[str, Any]) -> None:
        for name, impl in impls.items():
            setattr(self, name, _Fn(impl, name, world))


def fakes(world: World) -> Tuple[FakeDll, FakeDll, Tuple[Any, Any]]:
    w = world

    def CreateEventW(psa: Any, manual: bool, initial: bool, name: str) -> int:
        sa = psa.contents
        sddl = w.sds.get(sa.lpSecurityDescriptor) if sa.lpSecurityDescriptor else None
        w.calls.append(("CreateEventW", sa.nLength == ctypes.sizeof(SECURITY_ATTRIBUTES), sddl, manual,
                        initial, name))
        if name in w.fail_create:
            w.error = w.fail_create[name]
            return 0
        if name in w.denied:
            w.error = ERROR_ACCESS_DENIED
            return 0
        if name in w.objects:
            w.error = ERROR_ALREADY_EXISTS
        else:
            # a fresh create: Windows clears the last error; this fake leaves it alone,
            # so only the glue's reset tells a new event from an existing one
            assert sddl is not None
            w.objects[name] = parse_sddl(sddl)
        return w.handle(name)

    def CloseHandle(h: int) -> int:
        w.calls.append(("CloseHandle", h))
        assert h in w.handles, f"CloseHandle of {h:#x}: not open"
        del w.handles[h]
        return 1

    def LocalFree(addr: int) -> int:
        w.calls.append(("LocalFree", addr))
        assert addr in w.allocs, f"LocalFree of {addr:#x}: not allocated"
        del w.allocs[addr]
        return 0

    def OpenProcessToken(proc: int, access: int, ptoken: Any) -> int:
        w.calls.append(("OpenProcessToken", proc, access))
        ptoken.contents.value = w.handle("<token>")
        return 1

    def GetTokenInformation(token: int, cls: int, buf: Any, size: int, pgot: Any) -> int:
        w.calls.append(("GetTokenInformation", w.handles[token], cls, size))
        buf[0] = w.sid(USER)  # TOKEN_USER.User.Sid
        pgot.contents.value = 16
        return 1

    def ConvertSidToStringSidW(sid: int, pout: Any) -> int:
        pout.contents.value = w.alloc(ctypes.create_unicode_buffer(w.sids[sid]))
        return 1

    def ConvertSD(sddl: str, rev: int, psd: Any, psize: Any) -> int:
        w.calls.append(("ConvertStringSecurityDescriptorToSecurityDescriptorW", sddl, rev, psize))
        addr = w.alloc(ctypes.create_string_buffer(64))
        w.sds[addr] = sddl
        psd.contents.value = addr
        return 1

    def GetSecurityInfo(h: int, kind: int, info: int, powner: Any, pgroup: Any, pdacl: Any, psacl: Any,
                        psd: Any) -> int:
        w.calls.append(("GetSecurityInfo", w.handles[h], kind, info, pgroup, psacl))
        obj = w.objects[w.handles[h]]
        powner.contents.value = w.sid(obj.owner) if obj.owner else None
        pdacl.contents.value = w.dacl(obj.aces) if obj.aces is not None else None
        psd.contents.value = w.alloc(ctypes.create_string_buffer(64))
        return 0

    def GetAclInformation(acl: int, pinfo: Any, size: int, cls: int) -> int:
        assert cls == 2 and size == 12
        pinfo.contents.AceCount = len(w.dacls[acl])
        return 1

    def GetAce(acl: int, i: int, pace: Any) -> int:
        pace.contents.value = w.dacls[acl][i]
        return 1

    def set_error(e: int) -> None:
        w.error = e

    k32 = FakeDll(w, {"CreateEventW": CreateEventW, "CloseHandle": CloseHandle, "LocalFree": LocalFree,
                      "GetCurrentProcess": lambda: 0xFFFFFFFFFFFFFFFF,
                      "SetEvent": lambda h: w.calls.append(("SetEvent", h)) or 1,
                      "WaitForSingleObject":
                          lambda h, ms: w.calls.append(("WaitForSingleObject", h, ms)) or 0})
    adv = FakeDll(w, {"OpenProcessToken": OpenProcessToken, "GetTokenInformation": GetTokenInformation,
                      "ConvertSidToStringSidW": ConvertSidToStringSidW,
                      "ConvertStringSecurityDescriptorToSecurityDescriptorW": ConvertSD,
                      "GetSecurityInfo": GetSecurityInfo, "GetAclInformation": GetAclInformation,
                      "GetAce": GetAce})
    return k32, adv, (lambda: w.error, set_error)


def open_wake(world: World) -> NamedEventWake:
    k32, adv, err = fakes(world)
    return NamedEventWake(IID, kernel32=k32, advapi32=adv, last_error=err)


def names() -> Tuple[str, str]:
    return event_name(IID, NORTH), event_name(IID, SOUTH)


def creates(world: World) -> List[Tuple[Any, ...]]:
    return [c for c in world.calls if c[0] == "CreateEventW"]


def test_events_are_named_from_the_instance_id() -> None:
    assert event_name(IID, NORTH) == "Local\\shm-signal-000102030405060708090a0b0c0d0e0f-north"
    assert event_name(IID, SOUTH, "Global").startswith("Global\\shm-signal-")


@pytest.mark.parametrize("size", [0, 15, 17, 32])
def test_instance_id_must_be_16_bytes(size: int) -> None:
    with pytest.raises(ValueError, match=f"instance_id is {size} bytes"):
        event_name(bytes(size), NORTH)
    world = World()
    k32, adv, err = fakes(world)
    with pytest.raises(ValueError):
        NamedEventWake(bytes(size), kernel32=k32, advapi32=adv, last_error=err)
    assert world.calls == []  # refused before any call


def test_new_events_get_a_descriptor_for_the_user_alone() -> None:
    world = World()
    b = open_wake(world)
    assert event_sddl(USER) == OWN_SDDL
    setup = [c for c in world.calls if c[0] not in ("LocalFree", "CloseHandle")][:3]
    assert [c[0] for c in setup] == ["OpenProcessToken", "GetTokenInformation",
                                     "ConvertStringSecurityDescriptorToSecurityDescriptorW"]
    assert setup[0][2] == 0x8  # TOKEN_QUERY
    assert setup[1][1:3] == ("<token>", 1)  # TokenUser
    assert setup[2][1:] == (OWN_SDDL, 1, None)
    # a non-NULL SECURITY_ATTRIBUTES with that descriptor; auto-reset, not signalled
    assert creates(world) == [("CreateEventW", True, OWN_SDDL, False, False, n) for n in names()]
    # created, not opened: nothing to verify
    assert not [c for c in world.calls if c[0] == "GetSecurityInfo"]
    assert sorted(world.handles.values()) == sorted(names())  # the token is closed
    assert not world.allocs  # the descriptor and the SID strings are freed
    handle = {name: h for h, name in world.handles.items()}
    b.wake(SOUTH)
    b.wait(NORTH, 0, 0.05)
    b.close()
    north, south = handle[names()[0]], handle[names()[1]]
    assert world.calls[-4:] == [("SetEvent", south), ("WaitForSingleObject", north, 50),
                                ("CloseHandle", north), ("CloseHandle", south)]
    assert not world.handles


def test_the_second_peer_verifies_and_accepts_the_first_peers_events() -> None:
    world = World()
    first = open_wake(world)
    world.calls.clear()
    second = open_wake(world)  # both names exist now: ERROR_ALREADY_EXISTS, then the check
    checks = [c for c in world.calls if c[0] == "GetSecurityInfo"]
    assert [c[1] for c in checks] == list(names())
    assert all(c[2:] == (6, 0x1 | 0x4, None, None) for c in checks)  # kernel object; owner | DACL
    assert len(world.handles) == 4 and not world.allocs
    first.close()
    second.close()
    assert not world.handles


def test_a_deny_ace_for_another_sid_is_accepted() -> None:
    world = World()
    world.objects[names()[1]] = Obj(USER, [OWN_ACE, (1, EVERYONE, 0x100002), (0xA, OTHER, 1)])
    open_wake(world).close()
    assert [c[1] for c in world.calls if c[0] == "GetSecurityInfo"] == [names()[1]]


FOREIGN = {
    "other-owner": (Obj(OTHER, [OWN_ACE]), f"its owner {OTHER} is not this user {USER}"),
    "no-owner": (Obj(None, [OWN_ACE]), f"its owner none is not this user {USER}"),
    "null-dacl": (Obj(USER, None), "a NULL DACL grants everyone"),
    "everyone-ace": (Obj(USER, [OWN_ACE, (0, EVERYONE, 0x100002)]),
                     f"an ACE grants {EVERYONE} (mask 0x100002)"),
    "other-user-ace": (Obj(USER, [(0, OTHER, 0x100000), OWN_ACE]), f"an ACE grants {OTHER} (mask 0x100000)"),
    "callback-ace": (Obj(USER, [OWN_ACE, (9, EVERYONE, 1)]),
                     "an ACE of type 9 is neither an allow nor a deny"),
    "object-ace": (Obj(USER, [OWN_ACE, (5, None, 1)]), "an ACE of type 5 is neither an allow nor a deny"),
}


@pytest.mark.parametrize("case", sorted(FOREIGN))
@pytest.mark.parametrize("side", [NORTH, SOUTH], ids=["north", "south"])
def test_a_foreign_existing_event_is_refused_and_nothing_stays_open(case: str, side: int) -> None:
    obj, why = FOREIGN[case]
    world = World()
    name = names()[side]
    world.objects[name] = obj
    with pytest.raises(ShmSignalFault) as exc:
        open_wake(world)
    assert exc.value.code == Fault.WAKE_OBJECT_FOREIGN
    assert str(exc.value) == (f"fault 17 WAKE_OBJECT_FOREIGN: event {name} exists and is not this "
                              f"user's alone: {why}")
    assert exc.value.expected == USER
    assert [c[1] for c in world.calls if c[0] == "GetSecurityInfo"] == [name]
    assert len(creates(world)) == side + 1  # south squatted: north was made first
    assert not world.handles, "a handle stayed open"
    assert not world.allocs, "a LocalAlloc'd block was not freed"


def test_an_event_that_denies_the_user_is_foreign() -> None:
    world = World()
    world.denied.add(names()[1])
    with pytest.raises(ShmSignalFault) as exc:
        open_wake(world)
    assert exc.value.code == Fault.WAKE_OBJECT_FOREIGN
    assert f"event {names()[1]} exists and denies this user" in str(exc.value)
    assert not world.handles and not world.allocs


def test_another_create_failure_is_an_os_error() -> None:
    world = World()
    world.fail_create[names()[1]] = 6  # ERROR_INVALID_HANDLE: an object of another type
    with pytest.raises(OSError) as exc:
        open_wake(world)
    assert exc.value.errno == 6 and names()[1] in str(exc.value)
    assert not world.handles and not world.allocs


# -------------------------------------------------- the decision, directly

def test_check_accepts_what_a_peer_creates() -> None:
    check_event_security("n", USER, USER, [OWN_ACE])
    check_event_security("n", USER, USER, [])  # an empty DACL: nobody but the owner
    check_event_security("n", USER, USER, [OWN_ACE, (1, EVERYONE, EVENT_ALL_ACCESS), (6, None, 1),
                                           (0xC, None, 1)])


@pytest.mark.parametrize("owner, dacl, actual, why", [
    (OTHER, [OWN_ACE], OTHER, f"its owner {OTHER} is not this user"),
    (None, [OWN_ACE], None, "its owner none is not this user"),
    ("s-1-5-21-1111-2222-3333-1001", [OWN_ACE], "s-1-5-21-1111-2222-3333-1001", "its owner s-1-5"),
    (USER, None, "NULL DACL", "a NULL DACL grants everyone"),
    (USER, [OWN_ACE, (0, EVERYONE, 1)], EVERYONE, f"an ACE grants {EVERYONE} (mask 0x1)"),
    (USER, [(0, None, 1)], None, "an ACE grants None"),
    (USER, [(0xB, None, 1)], "ACE type 11", "an ACE of type 11 is neither"),
    (USER, [(2, EVERYONE, 1)], "ACE type 2", "an ACE of type 2 is neither"),
], ids=["other-owner", "no-owner", "owner-case", "null-dacl", "everyone", "allow-no-sid", "callback-object",
        "audit-in-dacl"])
def test_check_refuses(owner: Optional[str], dacl: Any, actual: Any, why: str) -> None:
    with pytest.raises(ShmSignalFault) as exc:
        check_event_security("Local\\x", USER, owner, dacl)
    assert exc.value.code == Fault.WAKE_OBJECT_FOREIGN
    assert exc.value.expected == USER and exc.value.actual == actual
    assert "event Local\\x exists and is not this user's alone: " + why in str(exc.value)


# ------------------------------------- the engine rolls back on a refusal

def _refuse(*args: Any) -> Any:
    raise ShmSignalFault(Fault.WAKE_OBJECT_FOREIGN, "event X exists and is not this user's alone")


def test_engine_create_refused_by_the_backend_writes_nothing(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "chan"
    monkeypatch.setattr("abi.engine.channel.make_backend", _refuse)
    with pytest.raises(ShmSignalFault) as exc:
        Channel.create(path, NORTH)
    assert exc.value.code == Fault.WAKE_OBJECT_FOREIGN
    assert not any(path.read_bytes())
    monkeypatch.undo()
    with Channel.create(path, NORTH, exist_ok=True) as ch:  # both locks were released
        assert ch.locality == NORTH


@pytest.mark.parametrize("refused_call", [1, 2], ids=["offered-backend", "negotiated-backend"])
def test_engine_attach_refused_by_the_backend_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             refused_call: int) -> None:
    """The attacher builds a backend for the offered set, then for the negotiated one;
    a refusal of either leaves features_accepted, pid and state as they were."""
    import abi.engine.channel

    path = tmp_path / "chan"
    real = abi.engine.channel.make_backend
    seen: List[bytes] = []

    def make(features: int, words: Any, instance_id: bytes) -> Any:
        seen.append(instance_id)
        if len(seen) == refused_call:
            _refuse()
        return real(features, words, instance_id)

    with Channel.create(path, NORTH, instance_id=IID) as creator:
        before = path.read_bytes()
        monkeypatch.setattr("abi.engine.channel.make_backend", make)
        with pytest.raises(ShmSignalFault) as exc:
            Channel.attach(path)
        assert exc.value.code == Fault.WAKE_OBJECT_FOREIGN
        assert path.read_bytes() == before
        assert seen == [IID] * refused_call  # the name's bytes: the validated snapshot's
        monkeypatch.undo()
        with Channel.attach(path) as south:  # the lock was released
            assert south.locality == SOUTH
            assert creator.wait_for_peer(5)
