"""Windows wake-ups: one named auto-reset event per locality.  WaitOnAddress wakes
only threads of one process, so across processes the spec uses kernel events whose
names both peers derive from the descriptor's instance_id.

Anyone who can read the mapping can compute the names, so (spec 8.2) the events are
created with a security descriptor that lets only this process's user in (owner the
user, a protected DACL with one ACE: the user, ``EVENT_ALL_ACCESS``), and an event that
already exists (the peer's, or a squatter's) is used only if it is this user's alone:
:func:`check_event_security` decides, on what :class:`Win32Security` read.
"""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from abi import layout
from abi.engine.wake.base import WakeBackend
from abi.faults import Fault, ShmSignalFault

ERROR_ACCESS_DENIED = 5
ERROR_ALREADY_EXISTS = 183
WAIT_OBJECT_0 = 0
WAIT_TIMEOUT = 0x102
WAIT_FAILED = 0xFFFFFFFF
INFINITE = 0xFFFFFFFF

# CreateEventW opens an existing event asking for EVENT_ALL_ACCESS: the peer that
# comes second needs all of it.  Within one user narrower rights would buy nothing
# (the owner may always rewrite the DACL); the boundary is the user.
EVENT_ALL_ACCESS = 0x1F0003
TOKEN_QUERY = 0x0008
TOKEN_USER_CLASS = 1  # TOKEN_INFORMATION_CLASS TokenUser
SDDL_REVISION_1 = 1
SE_KERNEL_OBJECT = 6
OWNER_SECURITY_INFORMATION = 0x1
DACL_SECURITY_INFORMATION = 0x4
ACL_SIZE_INFORMATION_CLASS = 2  # AclSizeInformation

ACCESS_ALLOWED_ACE_TYPE = 0
ACCESS_DENIED_ACE_TYPE = 1
# Denies of every layout (plain, object, callback, callback object) only take away.
DENY_ACE_TYPES = frozenset({ACCESS_DENIED_ACE_TYPE, 0x6, 0xA, 0xC})
# ACE types laid out as header, mask, SID (allowed, denied, and their callback forms).
PLAIN_ACE_TYPES = frozenset({ACCESS_ALLOWED_ACE_TYPE, ACCESS_DENIED_ACE_TYPE, 0x9, 0xA})

INSTANCE_ID_SIZE = 16

# (ACE type, its SID as text or None where the type has no SID at offset 8, mask)
Ace = Tuple[int, Optional[str], int]


def event_name(instance_id: bytes, locality: int, namespace: str = "Local") -> str:
    """``Local\\shm-signal-<32 hex digits>-<north|south>`` (spec section 8.2)."""
    iid = bytes(instance_id)
    if len(iid) != INSTANCE_ID_SIZE:
        raise ValueError(f"instance_id is {len(iid)} bytes, not {INSTANCE_ID_SIZE}")
    return f"{namespace}\\shm-signal-{iid.hex()}-{layout.LOCALITY_NAMES[locality]}"


def event_sddl(user_sid: str) -> str:
    """The events' security descriptor (spec 8.2): owner the user, a protected DACL
    with one ACE allowing the user EVENT_ALL_ACCESS (explicit, not ``GA``: generic
    rights are not mapped everywhere, wine stores them as given)."""
    return f"O:{user_sid}D:P(A;;0x{EVENT_ALL_ACCESS:x};;;{user_sid})"


def check_event_security(name: str, user_sid: str, owner_sid: Optional[str],
                         dacl: Optional[Sequence[Ace]]) -> None:
    """Spec 8.2: may an event that already existed under ``name`` be used?  Only if
    ``owner_sid`` is ``user_sid`` and the DACL (None: a NULL DACL) grants nothing to
    any other SID.  Raises ``WAKE_OBJECT_FOREIGN`` otherwise.  Pure: the decision,
    on what :meth:`Win32Security.describe` read."""
    def foreign(why: str, actual: object) -> ShmSignalFault:
        return ShmSignalFault(Fault.WAKE_OBJECT_FOREIGN, f"event {name} exists and is not this user's "
                              f"alone: {why}", expected=user_sid, actual=actual)

    if owner_sid != user_sid:
        raise foreign(f"its owner {owner_sid or 'none'} is not this user {user_sid}", owner_sid)
    if dacl is None:
        raise foreign("a NULL DACL grants everyone", "NULL DACL")
    for ace_type, sid, mask in dacl:
        if ace_type in DENY_ACE_TYPES:
            continue
        if ace_type != ACCESS_ALLOWED_ACE_TYPE:
            raise foreign(f"an ACE of type {ace_type} is neither an allow nor a deny", f"ACE type {ace_type}")
        if sid != user_sid:
            raise foreign(f"an ACE grants {sid} (mask 0x{mask:x})", sid)


class SECURITY_ATTRIBUTES(ctypes.Structure):
    _fields_ = [("nLength", ctypes.c_uint32), ("lpSecurityDescriptor", ctypes.c_void_p),
                ("bInheritHandle", ctypes.c_int32)]


class ACE_HEADER(ctypes.Structure):
    _fields_ = [("AceType", ctypes.c_uint8), ("AceFlags", ctypes.c_uint8), ("AceSize", ctypes.c_uint16)]


class ACL_SIZE_INFORMATION(ctypes.Structure):
    _fields_ = [("AceCount", ctypes.c_uint32), ("AclBytesInUse", ctypes.c_uint32),
                ("AclBytesFree", ctypes.c_uint32)]


_VP = ctypes.POINTER(ctypes.c_void_p)


def declare(kernel32: Any, advapi32: Any = None) -> None:
    from ctypes import wintypes  # type: ignore[attr-defined,unused-ignore]

    kernel32.CreateEventW.argtypes = [ctypes.POINTER(SECURITY_ATTRIBUTES), wintypes.BOOL, wintypes.BOOL,
                                      wintypes.LPCWSTR]
    kernel32.CreateEventW.restype = ctypes.c_void_p
    kernel32.SetEvent.argtypes = [ctypes.c_void_p]
    kernel32.SetEvent.restype = wintypes.BOOL
    kernel32.WaitForSingleObject.argtypes = [ctypes.c_void_p, wintypes.DWORD]
    kernel32.WaitForSingleObject.restype = wintypes.DWORD
    kernel32.CloseHandle.argtypes = [ctypes.c_void_p]
    kernel32.CloseHandle.restype = wintypes.BOOL
    kernel32.GetCurrentProcess.argtypes = []
    kernel32.GetCurrentProcess.restype = ctypes.c_void_p
    kernel32.LocalFree.argtypes = [ctypes.c_void_p]
    kernel32.LocalFree.restype = ctypes.c_void_p
    if advapi32 is None:
        return
    advapi32.OpenProcessToken.argtypes = [ctypes.c_void_p, wintypes.DWORD, _VP]
    advapi32.OpenProcessToken.restype = wintypes.BOOL
    advapi32.GetTokenInformation.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD,
                                             ctypes.POINTER(wintypes.DWORD)]
    advapi32.GetTokenInformation.restype = wintypes.BOOL
    advapi32.ConvertSidToStringSidW.argtypes = [ctypes.c_void_p, _VP]
    advapi32.ConvertSidToStringSidW.restype = wintypes.BOOL
    advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW.argtypes = [
        wintypes.LPCWSTR, wintypes.DWORD, _VP, ctypes.c_void_p]
    advapi32.ConvertStringSecurityDescriptorToSecurityDescriptorW.restype = wintypes.BOOL
    advapi32.GetSecurityInfo.argtypes = [ctypes.c_void_p, ctypes.c_int, wintypes.DWORD, _VP, _VP, _VP, _VP,
                                         _VP]
    advapi32.GetSecurityInfo.restype = wintypes.DWORD
    advapi32.GetAclInformation.argtypes = [ctypes.c_void_p, ctypes.POINTER(ACL_SIZE_INFORMATION),
                                           wintypes.DWORD, ctypes.c_int]
    advapi32.GetAclInformation.restype = wintypes.BOOL
    advapi32.GetAce.argtypes = [ctypes.c_void_p, wintypes.DWORD, _VP]
    advapi32.GetAce.restype = wintypes.BOOL


class Win32Security:
    """Thin ctypes glue: the token user's SID, the events' descriptor, and what an
    existing event's descriptor says (owner, ACEs), all as text for
    :func:`check_event_security`."""

    def __init__(self, kernel32: Any, advapi32: Any, last_error: Callable[[], int]) -> None:
        self.k, self.a, self.last_error = kernel32, advapi32, last_error

    def _fail(self, what: str) -> OSError:
        return OSError(self.last_error(), f"{what} failed")

    def sid_text(self, sid: int) -> str:
        out = ctypes.c_void_p()
        if not self.a.ConvertSidToStringSidW(sid, ctypes.pointer(out)) or not out.value:
            raise self._fail("ConvertSidToStringSidW")
        try:
            return ctypes.wstring_at(out.value)
        finally:
            self.k.LocalFree(out.value)

    def user_sid(self) -> str:
        token = ctypes.c_void_p()
        if not self.a.OpenProcessToken(self.k.GetCurrentProcess(), TOKEN_QUERY, ctypes.pointer(token)):
            raise self._fail("OpenProcessToken")
        try:
            buf = (ctypes.c_uint64 * 64)()  # TOKEN_USER and the SID it points to (at most 68 bytes)
            got = ctypes.c_uint32()
            if not self.a.GetTokenInformation(token.value, TOKEN_USER_CLASS, buf, ctypes.sizeof(buf),
                                              ctypes.pointer(got)):
                raise self._fail("GetTokenInformation(TokenUser)")
            sid = ctypes.c_void_p.from_buffer(buf).value  # TOKEN_USER.User.Sid
            if not sid:
                raise OSError(0, "GetTokenInformation(TokenUser) gave no SID")
            return self.sid_text(sid)
        finally:
            self.k.CloseHandle(token.value)

    def descriptor(self, sddl: str) -> int:
        """A self-relative security descriptor from SDDL; the caller LocalFrees it."""
        sd = ctypes.c_void_p()
        if not self.a.ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1,
                                                                           ctypes.pointer(sd), None):
            raise self._fail("ConvertStringSecurityDescriptorToSecurityDescriptorW")
        assert sd.value
        return sd.value

    def describe(self, handle: int) -> Tuple[Optional[str], Optional[List[Ace]]]:
        """The owner (None: none) and the DACL's ACEs (None: a NULL DACL) of a kernel
        object, read once with GetSecurityInfo."""
        owner, dacl, sd = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        rc = self.a.GetSecurityInfo(handle, SE_KERNEL_OBJECT,
                                    OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                    ctypes.pointer(owner), None, ctypes.pointer(dacl), None,
                                    ctypes.pointer(sd))
        if rc:
            raise OSError(rc, "GetSecurityInfo failed")
        try:
            owner_sid = self.sid_text(owner.value) if owner.value else None
            if not dacl.value:
                return owner_sid, None
            info = ACL_SIZE_INFORMATION()
            if not self.a.GetAclInformation(dacl.value, ctypes.pointer(info), ctypes.sizeof(info),
                                            ACL_SIZE_INFORMATION_CLASS):
                raise self._fail("GetAclInformation")
            aces: List[Ace] = []
            for i in range(info.AceCount):
                ace = ctypes.c_void_p()
                if not self.a.GetAce(dacl.value, i, ctypes.pointer(ace)) or not ace.value:
                    raise self._fail("GetAce")
                kind = ACE_HEADER.from_address(ace.value).AceType
                mask = ctypes.c_uint32.from_address(ace.value + 4).value
                sid = self.sid_text(ace.value + 8) if kind in PLAIN_ACE_TYPES else None
                aces.append((kind, sid, mask))
            return owner_sid, aces
        finally:
            if sd.value:
                self.k.LocalFree(sd.value)


class NamedEventWake(WakeBackend):
    name = "named-event"

    def __init__(self, instance_id: bytes, kernel32: Optional[Any] = None, namespace: str = "Local",
                 advapi32: Optional[Any] = None,
                 last_error: Optional[Tuple[Callable[[], int], Callable[[int], Any]]] = None) -> None:
        """Create-or-open both events (spec 8.2).  ``instance_id`` comes from the
        validated snapshot (16 bytes).  ``kernel32``, ``advapi32`` and ``last_error``
        (get, set) replace the real ones in tests.  Raises ``WAKE_OBJECT_FOREIGN`` for
        an existing event that is not this user's alone, OSError for a failed call;
        either way no handle stays open."""
        self.feature = layout.FEATURE_WAKE_NAMED_EVENT
        names = [event_name(instance_id, loc, namespace) for loc in (layout.LOCALITY_NORTH,
                                                                     layout.LOCALITY_SOUTH)]
        if kernel32 is None:
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        if advapi32 is None:
            advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]
        get_error, set_error = last_error or (ctypes.get_last_error,  # type: ignore[attr-defined]
                                              ctypes.set_last_error)  # type: ignore[attr-defined]
        declare(kernel32, advapi32)
        self.k = kernel32
        self.handles: Dict[int, int] = {}
        sec = Win32Security(kernel32, advapi32, get_error)
        user = sec.user_sid()
        sd = sec.descriptor(event_sddl(user))
        try:
            sa = SECURITY_ATTRIBUTES(ctypes.sizeof(SECURITY_ATTRIBUTES), sd, 0)
            for loc, name in zip((layout.LOCALITY_NORTH, layout.LOCALITY_SOUTH), names):
                # Create-or-open: whichever peer comes first creates it.
                set_error(0)
                h = kernel32.CreateEventW(ctypes.pointer(sa), False, False, name)
                err = get_error()
                if not h:
                    if err == ERROR_ACCESS_DENIED:
                        raise ShmSignalFault(Fault.WAKE_OBJECT_FOREIGN, f"event {name} exists and denies "
                                             "this user EVENT_ALL_ACCESS", expected=user,
                                             actual="access denied")
                    raise OSError(err, f"CreateEventW({name})")
                self.handles[loc] = h
                if err == ERROR_ALREADY_EXISTS:
                    owner, dacl = sec.describe(h)
                    check_event_security(name, user, owner, dacl)
        except BaseException:
            self.close()
            raise
        finally:
            kernel32.LocalFree(sd)

    def wait(self, locality: int, expected: int, timeout: float) -> None:
        ms = INFINITE - 1 if timeout > 4e6 else max(0, int(timeout * 1000))
        r = self.k.WaitForSingleObject(self.handles[locality], ms)
        if r == WAIT_FAILED:
            raise OSError(ctypes.get_last_error(), "WaitForSingleObject")  # type: ignore[attr-defined]

    def wake(self, locality: int) -> None:
        if not self.k.SetEvent(self.handles[locality]):
            raise OSError(ctypes.get_last_error(), "SetEvent")  # type: ignore[attr-defined]

    def close(self) -> None:
        for h in self.handles.values():
            self.k.CloseHandle(h)
        self.handles.clear()
