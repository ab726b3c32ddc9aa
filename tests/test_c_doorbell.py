"""GROUP_DOORBELL (spec 7.8) in the C engine, between real processes.

- shm_signal_doorbell_test.c: a wait on 3 or 200 channels parks on the head's doorbell
  (a bounded number of parks while idle) and an inject, or a close, on any channel
  from a peer process wakes it; a set with one channel whose peer declined the feature
  still works (on the channels' words).
- The C reference peer as the attacher (6.3 step 4): it accepts GROUP_DOORBELL only
  with WAKE_ADDRESS and WAITER_FLAG and a head that holds the little-endian magic and
  offers it.
- The C reference peer as the remote (7.1 step 5 as 7.8 amends it): its inject rings
  the owner's doorbell at file offset 88 (north) or 152 (south) exactly when the
  owner's waiting byte has bit 1, notifies once, and its attach and close ring once.

Each check is shown to fail on a mutant: a copy of the sources with one patch below.
"""

from __future__ import annotations

import mmap
import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from peer_harness import WARN, PeerProc, build_c_peer

from abi import CChannel, layout
from abi.engine.c_channel import c_wait_any, supported_features
from abi.engine.native import C_DIR, LIB_SOURCES
from abi.faults import Fault, ShmSignalFault
from conftest import missing

BELL = layout.FEATURE_GROUP_DOORBELL
WF = layout.FEATURE_WAITER_FLAG
WA = layout.FEATURE_WAKE_ADDRESS
NORTH_BELL, SOUTH_BELL = 88, 152  # the head's irq[0].doorbell, irq[1].doorbell
DESC = layout.DESC_SIZE
PROGRAM = "shm_signal_doorbell_test.c"

# mutant -> (file, text, replacement); each text occurs exactly once
MUTANTS: Dict[str, Tuple[str, str, str]] = {
    "no ring when w & 2": ("shm_signal_protocol.c", "\t\t\tshm_signal_ring(ch, o);\n", ""),
    "ring the ringer's own doorbell": ("shm_signal_wake.c", "unsigned char *bell = doorbell(ch, loc);",
                                       "unsigned char *bell = doorbell(ch, ch->locality);"),
    "ring when w is 1": ("shm_signal_protocol.c", "(has_doorbell(ch) && (w & 2))", "(has_doorbell(ch) && w)"),
    "close does not ring": ("shm_signal_protocol.c",
                            "\t\tif (has_doorbell(ch))\n\t\t\tshm_signal_ring(ch, ch->remote); /* a remote",
                            "\t\tif (0)\n\t\t\tshm_signal_ring(ch, ch->remote); /* a remote"),
    "attach does not ring": ("shm_signal_handshake.c",
                             "\tif (ch->features & SHM_SIGNAL_F_GROUP_DOORBELL)\n\t\tshm_signal_ring(",
                             "\tif (0)\n\t\tshm_signal_ring("),
    "doorbell wait announces 1": ("shm_signal_wait_any.c", "set_waiting(chans, n, 2);",
                                  "set_waiting(chans, n, 1);"),
    "doorbell wait does not clear": ("shm_signal_wait_any.c", "\t\tst8(r + F_WAITING, 0); /* every one",
                                     "\t\t(void)0; /* every one"),
    "doorbell wait polls": ("shm_signal_wake.c", "rc = shm_signal_wake_park_address(bell, raw, s);",
                            "rc = SHM_SIGNAL_WAKE_NONE;"),
    "attacher ignores the head": ("shm_signal_handshake.c",
                                  "if (ch->offset != 0 && (!clear_of_head(ch->offset) || "
                                  "head_doorbell(ch->map->base) != 1))",
                                  "if (0)"),
    "head magic in either byte order": ("shm_signal_handshake.c",
                                        "(head + D_OFF(magic)) != SHM_SIGNAL_MAGIC)\n\t\treturn -1;",
                                        "(head + D_OFF(magic)) == 0)\n\t\treturn -1;"),
    "attacher ignores WAKE_ADDRESS and WAITER_FLAG": ("shm_signal_handshake.c",
                                                      "\t\taccepted = doorbell_needs(accepted);\n", ""),
}


@pytest.fixture(autouse=True)
def _doorbell_here() -> None:
    if not supported_features() & BELL:
        missing("no GROUP_DOORBELL on this OS (Windows, or no wake-up channel)")


def _cc() -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        missing("no C compiler")
    assert cc is not None
    return cc


def build(src: Path, program: str, exe: Path) -> Path:
    srcs = [str(src / s) for s in (program, *LIB_SOURCES)]
    warn = WARN if src == C_DIR else []  # a mutant may leave a parameter unused
    proc = subprocess.run([_cc(), "-std=c11", "-O2", "-pthread", *warn, f"-I{src}", *srcs, "-o", str(exe)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return exe


def mutant_dir(tmp: Path, name: str) -> Path:
    """A copy of the C sources with the mutant's patch."""
    src = tmp / name.replace(" ", "-").replace("&", "and")
    shutil.copytree(C_DIR, src, ignore=shutil.ignore_patterns("fuzz", "build*"))
    file, old, new = MUTANTS[name]
    text = (src / file).read_text()
    assert text.count(old) == 1, f"mutant {name!r}: its text is not in {file} exactly once"
    (src / file).write_text(text.replace(old, new))
    return src


def test_every_mutant_patch_applies() -> None:
    for name, (file, old, _) in MUTANTS.items():
        assert (C_DIR / file).read_text().count(old) == 1, name


# ------------------------------------------------------------ the wait program


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(C_DIR, PROGRAM, tmp_path_factory.mktemp("doorbell") / "doorbell_test")


def run_pair(exe: Path, path: Path, n: int, order: List[int],
             options: List[str]) -> Tuple[int, str, int, str]:
    """Serve and inject at once (the program's "go" orders them).  Returns both exit
    codes and stderrs."""
    args = [str(path), str(n), *options, *map(str, order)]
    s = subprocess.Popen([str(exe), "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        i = subprocess.run([str(exe), "inject", *args], capture_output=True, text=True, timeout=120)
        out, err = s.communicate(timeout=120)
    finally:
        if s.poll() is None:
            s.kill()
            s.wait()
    if s.returncode == 0:
        assert out.splitlines() == [f"ready {k}" for k in order] + [f"closed {n}"]
    return s.returncode, err, i.returncode, i.stderr


@pytest.mark.parametrize("n", [3, 200])
def test_a_doorbell_wait_parks_and_an_inject_on_any_channel_wakes_it(program: Path, tmp_path: Path,
                                                                     n: int) -> None:
    """Any number of channels (200 > the 64 of the other paths): the server's waiting
    byte says 2, each inject moves the head's doorbell by exactly 1 and wakes it, and
    so does each close."""
    assert run_pair(program, tmp_path / "f.shm", n, [n - 1, 0, n // 2, 1], []) == (0, "", 0, "")


@pytest.mark.parametrize("plain", [0, 2])
def test_a_set_with_a_peer_that_declined_still_works(program: Path, tmp_path: Path, plain: int) -> None:
    """A mixed set (channel `plain` without GROUP_DOORBELL; channel 0 is the head):
    the wait announces 1 and the injects notify on the channels, not the doorbell."""
    assert run_pair(program, tmp_path / "f.shm", 3, [2, 0, 1], [f"plain={plain}"]) == (0, "", 0, "")


@pytest.mark.slow  # each mutant is built, and runs into its timeout
@pytest.mark.parametrize("mutant,server", [
    ("no ring when w & 2", "FAIL wait_any: no wake-up in 2 s"),
    ("ring the ringer's own doorbell", "FAIL wait_any: no wake-up in 2 s"),
    ("doorbell wait announces 1", "FAIL wait_any: no wake-up in 2 s"),
    ("close does not ring", "FAIL waiting for the closes: no wake-up in 2 s"),
    ("doorbell wait polls", "FAIL the 0.2 s wait parked"),
    ("doorbell wait does not clear", "FAIL wait_any: the waiting byte of channel"),
])
def test_the_wait_program_catches(tmp_path: Path, mutant: str, server: str) -> None:
    """The server's wait is not woken: it runs into its timeout (t=2 s; its liveness
    checks are a minute apart), whatever the peer's own checks said first."""
    exe = build(mutant_dir(tmp_path, mutant), PROGRAM, tmp_path / "doorbell_test")
    s_rc, s_err, i_rc, i_err = run_pair(exe, tmp_path / "f.shm", 3, [2, 0, 1], ["t=2"])
    assert s_rc != 0 and i_rc != 0, (mutant, s_err, i_err)
    assert s_err.startswith(server), (mutant, s_err, i_err)


# ----------------------------------------------- the C peer as attacher and remote


@pytest.fixture(scope="module")
def c_peer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_c_peer(tmp_path_factory.mktemp("peer"), [_cc()])


@pytest.fixture
def peer(c_peer: Path, tmp_path: Path) -> Iterator[PeerProc]:
    p = PeerProc([str(c_peer)], "cpeer", tmp_path)
    yield p
    p.kill()


def _u32(path: Path, at: int) -> int:
    return int(struct.unpack_from("<I", path.read_bytes(), at)[0])


def _accepts(peer: PeerProc, path: Path, offset: int, features: Optional[int] = None) -> bool:
    extra = "" if features is None else f" features={features:#x}"
    f = int(peer.cmd(f"attach {path} offset={offset} timeout=5{extra}")["features"], 16)
    peer.cmd("close")
    return bool(f & BELL)


def _head(path: Path, **kw: Any) -> CChannel:
    return CChannel.create(path, layout.LOCALITY_NORTH, size=2 * DESC, exist_ok=True, **kw)


def _second(path: Path) -> CChannel:
    return CChannel.create(path, layout.LOCALITY_NORTH, offset=DESC, size=2 * DESC, exist_ok=True)


def negotiation_cases(peer: PeerProc, tmp: Path) -> Dict[str, object]:
    """Case -> does the peer, attaching, accept GROUP_DOORBELL (6.3 step 4)?  (A fault
    on the way is the answer too.)"""
    got: Dict[str, object] = {}

    def case(name: str, fn: Callable[[Path], bool]) -> None:
        try:
            got[name] = fn(tmp / f"{len(got)}.shm")  # a first attach each: a re-attach keeps the set
        except ShmSignalFault as exc:
            got[name] = exc.code.name

    def both(p: Path, offset: int = DESC) -> bool:
        with _head(p), _second(p):
            return _accepts(peer, p, offset)

    def no_head(p: Path) -> bool:
        with _second(p):
            return _accepts(peer, p, DESC)

    def head_not_offering(p: Path) -> bool:
        with _second(p), _head(p, features=supported_features() & ~BELL):  # published after channel 1
            return _accepts(peer, p, DESC)

    def swapped_head(p: Path) -> bool:
        head = struct.pack(">I", layout.MAGIC) + struct.pack("<IIIQ", 1, DESC, 0, supported_features())
        with _second(p):
            with open(p, "r+b") as f:  # a head's first 24 bytes, magic stored big-endian
                f.write(head)
            return _accepts(peer, p, DESC)

    def lacking(feature: int) -> Callable[[Path], bool]:
        def attach(p: Path) -> bool:
            with _head(p):
                return _accepts(peer, p, 0, supported_features() & ~feature)
        return attach

    case("head and channel offer it", both)
    case("at the head itself", lambda p: both(p, 0))
    case("no head", no_head)
    case("a head not offering it", head_not_offering)
    case("a byte-swapped head", swapped_head)
    case("attacher without WAITER_FLAG", lacking(WF))
    case("attacher without WAKE_ADDRESS", lacking(WA))
    return got


WANT = {"head and channel offer it": True, "at the head itself": True, "no head": False,
        "a head not offering it": False, "a byte-swapped head": False,
        "attacher without WAITER_FLAG": False, "attacher without WAKE_ADDRESS": False}


def test_the_attacher_accepts_it_only_with_its_needs_and_a_head(peer: PeerProc, tmp_path: Path) -> None:
    assert negotiation_cases(peer, tmp_path) == WANT


def _mutant_peer_answers(tmp_path: Path, mutant: str, cases: Callable[[PeerProc, Path], Any]) -> Any:
    """What ``cases`` find of a C peer built with ``mutant``'s patch."""
    exe = build(mutant_dir(tmp_path, mutant), "shm_signal_peer.c", tmp_path / "peer")
    p = PeerProc([str(exe)], "mutant", tmp_path)
    try:
        return cases(p, tmp_path)
    finally:
        p.kill()


@pytest.mark.slow
@pytest.mark.parametrize("mutant", ["attacher ignores the head", "head magic in either byte order",
                                    "attacher ignores WAKE_ADDRESS and WAITER_FLAG"])
def test_the_negotiation_cases_catch(tmp_path: Path, mutant: str) -> None:
    assert _mutant_peer_answers(tmp_path, mutant, negotiation_cases) != WANT


def ring_cases(peer: PeerProc, tmp: Path) -> List[Tuple[str, int, int, int]]:
    """The peer attaches (south) to channel 1 of a file with a head, and injects into
    the north owner after its waiting byte is set by hand: (what, the notification
    count's step, north's doorbell's step, south's doorbell's step) per inject; then
    the peer's attach and close, and the owner's close."""
    path = tmp / "r.shm"
    out: List[Tuple[str, int, int, int]] = []
    with _head(path), _second(path) as owner:
        fd = os.open(path, os.O_RDWR)
        m = mmap.mmap(fd, 2 * DESC)
        try:
            rec = DESC + 64  # the owner's record in channel 1

            def bells() -> Tuple[int, int]:
                return (int.from_bytes(m[NORTH_BELL:NORTH_BELL + 4], "little"),
                        int.from_bytes(m[SOUTH_BELL:SOUTH_BELL + 4], "little"))

            before = bells()
            peer.cmd(f"attach {path} offset={DESC} timeout=5")
            after = bells()
            out.append(("attach", 0, after[0] - before[0], after[1] - before[1]))
            owner.enable()
            for waiting in (2, 1, 0, 3):
                m[rec + 3] = waiting
                count, before = struct.unpack_from("<Q", m, rec + 16)[0], bells()
                peer.cmd("inject")
                after = bells()
                out.append((f"waiting {waiting}", struct.unpack_from("<Q", m, rec + 16)[0] - count,
                            after[0] - before[0], after[1] - before[1]))
                owner.wakeup()
            m[rec + 3] = 0
            out.append(("channel 1's own doorbell field", 0, _u32(path, DESC + 88), _u32(path, DESC + 152)))
            before = bells()
            peer.cmd("close")
            after = bells()
            out.append(("close", 0, after[0] - before[0], after[1] - before[1]))
        finally:
            m.close()
            os.close(fd)
    return out


RINGS = [("attach", 0, 1, 0), ("waiting 2", 1, 1, 0), ("waiting 1", 1, 0, 0), ("waiting 0", 0, 0, 0),
         ("waiting 3", 1, 1, 0), ("channel 1's own doorbell field", 0, 0, 0), ("close", 0, 1, 0)]


def test_the_remote_rings_the_fixed_address_when_and_only_when_asked(peer: PeerProc, tmp_path: Path) -> None:
    assert ring_cases(peer, tmp_path) == RINGS


@pytest.mark.slow
@pytest.mark.parametrize("mutant", ["no ring when w & 2", "ring the ringer's own doorbell",
                                    "ring when w is 1", "close does not ring", "attach does not ring"])
def test_the_ring_cases_catch(tmp_path: Path, mutant: str) -> None:
    assert _mutant_peer_answers(tmp_path, mutant, ring_cases) != RINGS


def test_the_owner_rings_the_remote_on_close_and_offers_it_only_where_it_can(tmp_path: Path) -> None:
    """The creator's side: its close rings the attacher's (south) doorbell; it never
    requires GROUP_DOORBELL, and leaves it out without WAITER_FLAG, over the head
    (offset 64) or after a head that does not offer it."""
    path = tmp_path / "o.shm"
    with _head(path) as north:
        south = CChannel.attach(path)
        s_bell, n_bell = south._doorbell_word(), north._doorbell_word()
        assert s_bell is not None and n_bell is not None and s_bell - n_bell == SOUTH_BELL - NORTH_BELL
    assert _u32(path, SOUTH_BELL) == 1  # north's close
    south.close()
    with pytest.raises(ShmSignalFault) as e:
        CChannel.create(tmp_path / "x.shm", 0, required=BELL)
    assert (e.value.code, e.value.field) == (Fault.BAD_FEATURES, "features_required")

    def offered(p: Path, **kw: Any) -> int:
        with CChannel.create(p, 0, exist_ok=True, **kw) as ch:
            return int.from_bytes(ch.descriptor_bytes()[16:24], "little")

    assert offered(tmp_path / "y.shm") & BELL
    assert not offered(tmp_path / "z.shm", features=supported_features() & ~WF) & BELL
    assert not offered(tmp_path / "w.shm", offset=64) & BELL
    with _head(tmp_path / "v.shm", features=supported_features() & ~BELL):
        assert not offered(tmp_path / "v.shm", offset=DESC) & BELL
    assert offered(tmp_path / "u.shm", offset=DESC) & BELL  # no head yet: the attacher decides


def test_c_wait_any_takes_any_number_on_one_doorbell(tmp_path: Path) -> None:
    """c_wait_any over 100 doorbell channels (more than 64) reports the injected one;
    a set of 65 where one declined the feature is refused."""
    path = tmp_path / "many.shm"
    n = 100
    owners = [CChannel.create(path, 0, offset=i * DESC, size=n * DESC, exist_ok=True) for i in range(n)]
    peers = [CChannel.attach(path, offset=i * DESC, features=supported_features() & ~(BELL if i == 64 else 0))
             for i in range(n)]
    try:
        for ch in owners:
            assert ch.wait_for_peer(1)
            ch.enable()
        assert owners[0]._doorbell_word() is not None and owners[64]._doorbell_word() is None
        bell_set = owners[:64] + owners[65:]
        assert c_wait_any(bell_set, 0.01) == []
        peers[99].inject()
        assert c_wait_any(bell_set, 10) == [owners[99]]
        with pytest.raises(ValueError, match="unless every one negotiated GROUP_DOORBELL"):
            c_wait_any(owners[:65], 0)
    finally:
        for ch in peers + owners:
            ch.close()


@pytest.mark.slow  # a benchmark smoke test (the marker's own list)
def test_the_c_channels_benchmark_runs_beyond_64_channels() -> None:
    """benchmarks/channels_c.py at a small size: shm_signal_wait_any over 130 channels
    (past the 64 of a wait without the doorbell) answers every ping, and each row has
    a median, a p99 and its ratio to one channel."""
    import json
    import sys

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "benchmarks" / "channels_c.py"), "--counts", "1,130",
                          "--rounds", "300", "--repeat", "1", "--json"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result["counts"]) == {"1", "130"}
    for row in result["counts"].values():
        for key in ("single", "any", "any_hot"):
            assert 0 < row[key]["median_us"] <= row[key]["p99_us"], row
        assert row["any_over_single"] > 0 and isinstance(row["target_met"], bool)
