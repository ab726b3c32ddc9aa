"""Spec 8.2 under wine: the C engine's named events carry a security descriptor that
lets only the token user in, and an event that already exists under a channel's name
is verified (owner, DACL) before it is used; a squatted name is refused with fault 17
``WAKE_OBJECT_FOREIGN``, at create and at attach, with both handles closed and the
descriptor untouched.

The squatter is tests/windows/squat_events.c (mingw, run under wine).  What wine
(as installed here: Debian 12's wine 8.0) does, checked by these tests or by hand:

* Every process runs as one user, ``S-1-5-21-0-0-0-1000``; the token's default owner
  is the group ``S-1-5-21-0-0-0-513``, so an event created with a descriptor that
  names no owner is owned by that group, not by the user (as on Windows for elevated
  administrators): the engines set the owner explicitly.
* ``GetSecurityInfo`` works on event handles and returns what was stored: owner,
  NULL DACL, ACEs with their masks as given (``GA`` stays ``0x10000000``, generic
  rights are not mapped, so the engines grant ``EVENT_ALL_ACCESS`` = ``0x1f0003``
  explicitly).  An event created with no security attributes at all has no
  descriptor: owner and DACL both come back NULL.
* Wine lets a process make any SID the owner (Windows allows only SIDs of the token),
  so a "foreign owner" squatter is simulated by owner ``S-1-5-21-0-0-0-1001``; a
  NULL-DACL squatter (anyone may open and signal) is built with
  ``SetSecurityDescriptorDacl(TRUE, NULL)``: wine's SDDL parser turns
  ``D:NO_ACCESS_CONTROL`` into an empty DACL instead.
* wineserver refuses a descriptor with an ACE type other than allow, deny, audit
  or label (``ERROR_INVALID_SECURITY_DESCR``, e.g. for a callback ACE), so the
  engines' "neither allow nor deny" branch cannot be reached under wine; the Python
  unit tests (tests/test_wake_windows.py) cover it.  Deny ACEs are stored, and an
  extra deny ACE for Everyone is accepted (a deny only takes away).
* DACLs are enforced: opening an event whose DACL grants this user nothing fails
  with ``ERROR_ACCESS_DENIED``.
* ``CreateEventW`` sets the last error to 0 when it created the event, to
  ``ERROR_ALREADY_EXISTS`` (183) when it opened an existing one.

All processes run as the same user, so what is tested is the check's logic against
real kernel objects, not a second user's privileges.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import test_windows_wine
from peer_harness import PeerProc
from test_windows_wine import WINDOWS_FEATURES, Wine

from abi import descriptor, layout
from conftest import require_tool

# mingw squatters and peers under wine (the slow tier only)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# the wine fixtures (prefix, the C peer built with mingw) of tests/test_windows_wine.py
wine_env = test_windows_wine.wine_env
win = test_windows_wine.win
SQUAT_SRC = ROOT / "tests" / "windows" / "squat_events.c"
OTHER_USER = "S-1-5-21-0-0-0-1001"
FOREIGN = 17


def event(iid: str, side: str) -> str:
    return f"Local\\shm-signal-{iid}-{side}"


class Squat:
    """The squatter program: ``user``, ``show`` and ``hold`` (a context manager)."""

    def __init__(self, wine: str, exe: Path, env: Dict[str, str], tmp: Path) -> None:
        self.wine, self.exe, self.env, self.tmp = wine, exe, env, tmp
        self.held: List[PeerProc] = []

    def run(self, *argv: str) -> str:
        proc = subprocess.run([self.wine, str(self.exe), *argv], capture_output=True, text=True,
                              timeout=120, env={**os.environ, **self.env}, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr[-2000:])
        return proc.stdout.strip()

    def user(self) -> str:
        out = self.run("user").split()
        assert out[0] == "user" and out[1].startswith("S-1-"), out
        return out[1]

    def show(self, name: str) -> List[str]:
        return self.run("show", name).splitlines()

    def hold(self, name: str, sddl: str) -> PeerProc:
        """Create NAME with SDDL and keep it until :meth:`release`; returns once held."""
        p = PeerProc([self.wine, str(self.exe), "hold", name, sddl], f"squat{len(self.held)}", self.tmp,
                     self.env)
        self.held.append(p)
        line = p.reply(120)
        assert line == "held 0", f"the squatter did not create {name} first: {line!r}\n{p.log()}"
        return p

    @staticmethod
    def release(p: PeerProc) -> None:
        assert p.proc.stdin is not None
        p.proc.stdin.close()  # the squatter holds the event until its stdin ends
        assert p.proc.wait(timeout=60) == 0, p.log()

    def close(self) -> None:
        for p in self.held:
            if p.proc.poll() is None:
                p.kill()
            p.finish()


@pytest.fixture(scope="module")
def squat_exe(wine_env: Dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = require_tool("x86_64-w64-mingw32-gcc")
    exe = tmp_path_factory.mktemp("squat") / "squat_events.exe"
    subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror", str(SQUAT_SRC),
                    "-o", str(exe)], check=True, capture_output=True, timeout=300)
    return exe


@pytest.fixture
def squat(win: Wine, squat_exe: Path, tmp_path: Path) -> Iterator[Squat]:
    s = Squat(win.wine, squat_exe, win.env, tmp_path)
    try:
        yield s
    finally:
        s.close()


def _iid() -> str:
    return os.urandom(16).hex()  # names are per wineserver: every test its own


def _create(iid: str, chan: Path, extra: str = "") -> str:
    return f"create {Wine.path(chan)} 0 instance={iid} features=0x{WINDOWS_FEATURES:x}{extra}"


def test_engine_events_grant_only_the_user(win: Wine, squat: Squat, tmp_path: Path) -> None:
    """Both sides pair (the attacher opens the creator's events and accepts them), and
    each event is owned by the user with one ACE: the user, EVENT_ALL_ACCESS."""
    user = squat.user()
    iid = _iid()
    north, south = win.start("north", tmp_path), win.start("south", tmp_path)
    chan = tmp_path / "chan"
    assert north.cmd(_create(iid, chan), 60)["locality"] == "0"
    assert south.cmd(f"attach {Wine.path(chan)} timeout=10", 60)["locality"] == "1"
    north.cmd("enable")
    assert south.cmd("inject")["notified"] == "1"
    assert north.cmd("wait 10")["ready"] == "1"
    for side in ("north", "south"):
        lines = squat.show(event(iid, side))
        head = lines[0].split()
        assert (head[0], head[1], head[4], head[5]) == ("owner", user, "dacl", "1"), lines
        # SE_DACL_PRESENT; wine keeps SE_DACL_PROTECTED (0x1000) as given
        assert int(head[3], 16) & 0x1004 == 0x1004, lines
        assert lines[1:] == [f"ace 0 {user} 0x1f0003"], lines


# (SDDL for the squatter with {u} the user's SID, what the refusal names)
SQUATTERS = {
    "null-dacl": ("null-dacl:{u}", "NULL DACL grants everyone"),
    "everyone-ace": ("O:{u}D:P(A;;0x1f0003;;;{u})(A;;0x100002;;;WD)", "an ACE grants S-1-1-0"),
    "other-user-ace": ("O:{u}D:P(A;;0x1f0003;;;{u})(A;;0x100000;;;" + OTHER_USER + ")",
                       f"an ACE grants {OTHER_USER}"),
    "foreign-owner": ("O:" + OTHER_USER + "D:P(A;;0x1f0003;;;{u})", f"its owner {OTHER_USER} is not"),
    "group-owner": ("D:P(A;;0x1f0003;;;{u})", "its owner S-1-5-21-0-0-0-513 is not"),
    "no-descriptor": ("-", "its owner none is not"),
    "denies-user": ("O:{u}D:P", "denies this user"),
}


@pytest.mark.parametrize("case", sorted(SQUATTERS))
@pytest.mark.parametrize("side", ["north", "south"])
def test_create_refuses_a_squatted_event(win: Wine, squat: Squat, tmp_path: Path, case: str,
                                         side: str) -> None:
    """A squatter got there first: create refuses with WAKE_OBJECT_FOREIGN before
    writing anything, and keeps no handle (an event it created itself is gone again)."""
    sddl, why = SQUATTERS[case]
    user = squat.user()
    iid = _iid()
    holder = squat.hold(event(iid, side), sddl.format(u=user))
    creator = win.start("creator", tmp_path)
    chan = tmp_path / "chan"
    reply = creator.raw(_create(iid, chan), 60)
    assert reply.startswith(f"err {FOREIGN} WAKE_OBJECT_FOREIGN "), reply
    assert why in reply and event(iid, side) in reply, reply
    assert not any(chan.read_bytes())  # created and sized, not a byte written
    # north is opened first: squatting south means north was created, then closed again
    assert squat.show(event(iid, "north" if side == "south" else "south"))[0].startswith("missing 2")
    squat.release(holder)
    assert squat.show(event(iid, side))[0].startswith("missing 2")  # the refusal kept no handle
    # the name free again, the same create works over the zeros it left
    assert creator.cmd(_create(iid, chan, " exist_ok=1"), 60)["locality"] == "0"


def test_attach_refuses_a_squatted_event(win: Wine, squat: Squat, tmp_path: Path) -> None:
    """The attacher takes the name from its validated snapshot; a squatted event is
    refused before features_accepted, pid or state is written."""
    user = squat.user()
    iid = _iid()
    chan = tmp_path / "chan"
    buf = bytearray(layout.DESC_SIZE)
    descriptor.initialize(buf, 0, 0, WINDOWS_FEATURES, 0, bytes.fromhex(iid), 4242)
    chan.write_bytes(bytes(buf))
    holder = squat.hold(event(iid, "south"), f"null-dacl:{user}")
    attacher = win.start("attacher", tmp_path)
    reply = attacher.raw(f"attach {Wine.path(chan)} timeout=10", 60)
    assert reply.startswith(f"err {FOREIGN} WAKE_OBJECT_FOREIGN "), reply
    assert "NULL DACL" in reply, reply
    assert chan.read_bytes() == bytes(buf)  # refused: nothing written
    assert squat.show(event(iid, "north"))[0].startswith("missing 2")
    squat.release(holder)
    assert squat.show(event(iid, "south"))[0].startswith("missing 2")


def test_a_deny_ace_for_others_is_accepted(win: Wine, squat: Squat, tmp_path: Path) -> None:
    """Only grants count: an existing event of the user's whose DACL also denies
    Everyone something (after the user's allow ACE, so the user keeps access) is used."""
    user = squat.user()
    iid = _iid()
    holder = squat.hold(event(iid, "south"), f"ace-type:1:{user}")
    lines = squat.show(event(iid, "south"))
    assert lines[1:] == [f"ace 0 {user} 0x1f0003", "ace 1 S-1-1-0 0x100002"], lines
    creator = win.start("creator", tmp_path)
    assert creator.cmd(_create(iid, tmp_path / "chan"), 60)["locality"] == "0"
    creator.cmd("close")
    squat.release(holder)


def test_same_user_with_the_engines_descriptor_is_trusted(win: Wine, squat: Squat, tmp_path: Path) -> None:
    """The documented limit (spec 8.2): a process of the same user that creates the
    event exactly as a peer would is indistinguishable from the peer, and accepted."""
    user = squat.user()
    iid = _iid()
    holder = squat.hold(event(iid, "north"), f"O:{user}D:P(A;;0x1f0003;;;{user})")
    creator = win.start("creator", tmp_path)
    assert creator.cmd(_create(iid, tmp_path / "chan"), 60)["locality"] == "0"
    creator.cmd("close")
    squat.release(holder)
