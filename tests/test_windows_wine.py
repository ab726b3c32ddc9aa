"""Windows for real: the C engine and peer built with mingw-w64 and run as two
Windows processes under wine (64-bit).  Named auto-reset events (WAKE_NAMED_EVENT),
CreateFileMapping/MapViewOfFile and LockFileEx liveness locks all run through
wineserver, across processes, with the same scenarios as the Linux pairings, and the
channel's message rings (MESSAGE_RINGS) both ways."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from peer_harness import PeerProc, build_c_peer, record

from conftest import missing, require_tool

# Windows peers built with mingw and run under wine (the slow tier only)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
WINDOWS_FEATURES = 0xE  # WAKE_NAMED_EVENT | LIVENESS_LOCK | NOTIFY_COUNT
STRESS_INJECTS = 1_000_000


def _wine() -> str:
    for name in ("wine64", "wine"):
        found = shutil.which(name)
        if found:
            return found
    if os.access("/usr/lib/wine/wine64", os.X_OK):  # Debian's wine64 without the wine package
        return "/usr/lib/wine/wine64"
    missing("wine (wine64) not installed")
    raise AssertionError("unreachable")


class Wine:
    def __init__(self, wine: str, exe: Path, env: Dict[str, str], tmp: Path) -> None:
        self.wine, self.exe, self.env, self.tmp = wine, exe, env, tmp
        self.peers: List[PeerProc] = []
        self.killed: List[PeerProc] = []

    def start(self, name: str, tmp: Path) -> PeerProc:
        p = PeerProc([self.wine, str(self.exe)], name, tmp, self.env)
        self.peers.append(p)
        return p

    @staticmethod
    def path(p: Path) -> str:
        """The file as a Windows path (wine maps Z: to /)."""
        return "Z:" + str(p).replace("/", "\\")


@pytest.fixture(scope="session")
def wine_env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, object]:
    cc = require_tool("x86_64-w64-mingw32-gcc")
    wine = _wine()
    base = tmp_path_factory.mktemp("wine")
    exe = build_c_peer(base / "build", [cc], exe_suffix=".exe")
    env = {"WINEPREFIX": str(base / "prefix"), "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml="}
    # First start creates the prefix (several seconds); do it once, outside any timeout.
    proc = subprocess.run([wine, str(exe)], input="hello\n", capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})
    if not proc.stdout.startswith("ok protocol=1 impl=c"):
        pytest.fail(f"the Windows peer does not start under wine: {proc.stdout!r} {proc.stderr[-2000:]}")
    # the scenarios negotiate WINDOWS_FEATURES explicitly; the build also has WAITER_FLAG, and
    # MESSAGE_RINGS (0x40), which the C engine implements on every OS
    assert f"features=0x{WINDOWS_FEATURES | 0x10 | 0x40:x}" in proc.stdout, proc.stdout
    return {"wine": wine, "exe": exe, "env": env}


@pytest.fixture
def win(wine_env: Dict[str, object], tmp_path: Path) -> Iterator[Wine]:
    w = Wine(str(wine_env["wine"]), Path(str(wine_env["exe"])), dict(wine_env["env"]), tmp_path)
    try:
        yield w
    finally:
        bad = [f"{p.name}: {p.log()}" for p in w.peers if p.finish() != 0 and p not in w.killed]
        assert not bad, "\n".join(bad)


def _connect(w: Wine, tmp: Path, features: int = WINDOWS_FEATURES) -> tuple:
    north, south = w.start("north", tmp), w.start("south", tmp)
    chan = Wine.path(tmp / "chan")
    assert north.cmd(f"create {chan} 0 features=0x{features:x}", 60)["locality"] == "0"
    assert south.cmd(f"attach {chan} timeout=10", 60)["features"] == f"0x{features:x}"
    assert north.cmd("wait_peer 10")["attached"] == "1"
    return north, south


def test_ping_pong_named_events(win: Wine, tmp_path: Path) -> None:
    north, south = _connect(win, tmp_path)
    north.cmd("enable")
    south.cmd("enable")
    south.send("serve 20 echo=1")
    r = north.cmd("ping 2000 10", 120)
    assert r["rounds"] == "2000"
    north.cmd("close")
    served = south.reply(60)
    assert served.startswith("ok closed=1") and "calls=2001" in served, served
    print(f"wine ping-pong: median {int(r['median_ns']) / 1000:.1f} us, p99 {int(r['p99_ns']) / 1000:.1f} us")


def test_channel_rings_both_ways(win: Wine, tmp_path: Path) -> None:
    """The channel's own rings (15.6) on Windows: a descriptor of 576 + 256 + 128 bytes
    in a file mapping, both directions streamed through named events, the small ring
    padding and filling at nearly every wrap."""
    north, south = win.start("north", tmp_path), win.start("south", tmp_path)
    chan = Wine.path(tmp_path / "chan")
    features = WINDOWS_FEATURES | 0x40
    assert north.cmd(f"create {chan} 0 features=0x{WINDOWS_FEATURES:x} rings=256,128", 60)["locality"] == "0"
    assert south.cmd(f"attach {chan} timeout=10", 60)["features"] == f"0x{features:x}"
    assert north.cmd("wait_peer 10")["attached"] == "1"
    for p in (north, south):
        p.cmd("ring_open channel producer")
        p.cmd("ring_open channel consumer")
    for tx, rx, seed, opts in ((north, south, 3, "min=1 max=100"), (south, north, 4, "min=60 max=120")):
        tx.send(f"ring_stream 2000 {seed} {opts}")
        assert rx.cmd(f"ring_check 2000 {seed} {opts}", 120) == {"received": "2000"}
        assert tx.reply(60) == "ok sent=2000"


def test_masking_and_coalescing(win: Wine, tmp_path: Path) -> None:
    north, south = _connect(win, tmp_path)
    assert south.cmd("inject 3")["notified"] == "0"
    rec = record(north.cmd("dump")["_"], 0)
    assert (rec["enabled"], rec["pending"], rec["dirty"], rec["notify_count"]) == (0, 0, 1, 0)
    assert north.cmd("enable")["calls"] == "1"
    assert south.cmd("inject 1000")["notified"] == "1"
    assert north.cmd("wait 10")["ready"] == "1"
    assert north.cmd("wakeup") == {"calls": "1", "more": "0"}
    north.cmd("disable")
    assert south.cmd("inject")["notified"] == "0"
    assert record(south.cmd("dump")["_"], 0)["notify_count"] == 1


def test_peer_closed(win: Wine, tmp_path: Path) -> None:
    north, south = _connect(win, tmp_path)
    north.cmd("enable")
    south.cmd("close")
    assert north.cmd("wait 10")["ready"] == "1"
    north.cmd("wakeup")
    assert north.err("wait 10") == 16


def test_liveness_lockfileex(win: Wine, tmp_path: Path) -> None:
    """LockFileEx across Windows processes: busy while alive, PEER_DEAD once killed,
    and the dead record can be taken again."""
    north, south = _connect(win, tmp_path)
    third = win.start("third", tmp_path)
    assert third.err(f"attach {Wine.path(tmp_path / 'chan')}") == 14
    north.cmd("enable")
    assert north.cmd("wait 0.3")["ready"] == "0"
    win.killed.append(south)
    south.kill()
    assert north.err("wait 20", 60) == 15
    assert third.cmd(f"attach {Wine.path(tmp_path / 'chan')}")["locality"] == "1"
    assert third.cmd("inject")["notified"] == "1"


@pytest.mark.parametrize("features", [WINDOWS_FEATURES, WINDOWS_FEATURES | 0x10], ids=["events", "waiter"])
def test_stress(win: Wine, tmp_path: Path, features: int) -> None:
    north, south = _connect(win, tmp_path, features)
    north.cmd("enable")
    north.send("serve 30")
    r = south.cmd(f"inject {STRESS_INJECTS} 3", 900)
    sent = south.cmd("stats")
    south.cmd("close")
    served = north.reply(120)
    assert served.startswith("ok closed=1"), served
    rec = record(north.cmd("dump")["_"], 0)
    assert rec["notify_count"] == int(sent["notifications"])
    assert (rec["pending"], rec["dirty"]) == (0, 0)
    assert north.cmd("stats")["late"] == "0"
    print(f"wine stress: injects={STRESS_INJECTS} notified={r['notified']} {served}")


def test_fault_replies(win: Wine, tmp_path: Path) -> None:
    golden = json.loads((ROOT / "abi" / "vectors" / "golden.json").read_text())
    p = win.start("faults", tmp_path)
    for i, f in enumerate(golden["faults"]):
        path = tmp_path / f"f{i}"
        data = bytes.fromhex(f["mapping"])
        path.write_bytes(data)
        reply = p.raw(f"attach {Wine.path(path)} offset={f['offset']} features={f['features']}")
        assert reply.split()[:2] == ["err", str(f["code"])], (f["name"], reply)
        assert path.read_bytes() == data


HOLD_NAME = r"""
#include <stdio.h>
#include <windows.h>
/* Hold a named mutex until stdin closes: an object of another type under the name a
 * channel's event needs makes CreateEventW fail (ERROR_INVALID_HANDLE). */
int main(int argc, char **argv)
{
    wchar_t name[200];
    int i;
    if (argc < 2)
        return 2;
    for (i = 0; argv[1][i] && i < 199; i++)
        name[i] = (wchar_t)argv[1][i];
    name[i] = 0;
    if (!CreateMutexW(NULL, FALSE, name))
        return 3;
    printf("held\n");
    fflush(stdout);
    while (getchar() != EOF) {
    }
    return 0;
}
"""


def test_create_that_cannot_open_its_events_writes_nothing(win: Wine, tmp_path: Path) -> None:
    """Item 14 (spec 6.1): everything that can fail happens before the first write, so
    a create whose named event cannot be made leaves no published descriptor with an
    attached record behind (it used to publish first, fail, and drop its lock: a
    creator that looked dead)."""
    cc = require_tool("x86_64-w64-mingw32-gcc")
    src = tmp_path / "hold_name.c"
    src.write_text(HOLD_NAME)
    exe = tmp_path / "hold_name.exe"
    subprocess.run([cc, "-O2", str(src), "-o", str(exe)], check=True, capture_output=True, timeout=300)
    iid = "00112233445566778899aabbccddeeff"
    holder = subprocess.Popen([win.wine, str(exe), f"Local\\shm-signal-{iid}-north"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, **win.env})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        creator, attacher = win.start("creator", tmp_path), win.start("attacher", tmp_path)
        chan = tmp_path / "chan"
        assert creator.err(f"create {Wine.path(chan)} 0 instance={iid} features=0x{WINDOWS_FEATURES:x}",
                           60) == 102
        assert not any(chan.read_bytes())  # created and sized, not a byte written
        # nothing published: an attacher finds no descriptor (and would find no dead creator)
        assert attacher.err(f"attach {Wine.path(chan)}", 60) in (1, 5, 104)
        # once the name is free, the same create works (over the zeros it left)
        holder.stdin.close()  # type: ignore[union-attr]
        holder.wait(timeout=60)
        assert creator.cmd(f"create {Wine.path(chan)} 0 instance={iid} features=0x{WINDOWS_FEATURES:x} "
                           "exist_ok=1", 60)["locality"] == "0"
        assert attacher.cmd(f"attach {Wine.path(chan)}", 60)["locality"] == "1"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_wait_any_with_wait_for_multiple_objects(wine_env: Dict[str, object], tmp_path: Path) -> None:
    """shm_signal_wait_any as a Windows program: WaitForMultipleObjects over the
    channels' named events (it fails if the wait polls instead), 64 channels, against
    a Windows peer process."""
    from test_c_wait_any import build_wait_any_test, run_pair

    cc = require_tool("x86_64-w64-mingw32-gcc")
    exe = build_wait_any_test(tmp_path, [cc], ".exe")
    wine = [str(wine_env["wine"]), str(exe)]
    path = Wine.path(tmp_path / "many.shm")
    run_pair([*wine, "serve", path], [*wine, "inject", path], [63, 0, 17], 64,
             env=dict(wine_env["env"]))  # type: ignore[arg-type]
