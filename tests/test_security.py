"""The security model (docs/spec.md section 14), claim by claim, against both engines.

Each test is one claim of the section: what the creator's file looks like, what is
never followed or written, and what a local user who can only *read* the mapping
file can and cannot do to the peers.  The reader is a process of its own with a
read-only descriptor, as such a user would have.  What a user who can *write* the
file can do is tests/test_hostile_peer.py's subject; the Windows wake-up objects'
are tests/test_wake_windows.py's and the wine tests'.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator

import pytest

from abi import layout
from abi.engine import c_channel as c_engine
from abi.engine.channel import NORTH, SOUTH
from abi.engine.liveness import lock_offset
from abi.faults import Fault, ShmSignalFault
from conftest import engine_class

if not sys.platform.startswith("linux"):
    pytest.skip("POSIX file modes, umask and record locks as Linux has them", allow_module_level=True)

IRQ_OFFSET = {f.name: f.offset for f in layout.describe(layout.ShmSignalIrq).fields}


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
@pytest.mark.parametrize("mode", [None, 0o600, 0o640, 0o666])
def test_created_file_has_the_mode_less_the_umask(eng, tmp_path, mask, mode):
    """14.1: 0600 unless the application asks; the process's umask applies."""
    path = tmp_path / "chan"
    kw = {} if mode is None else {"mode": mode}
    with umask(mask), engine_class(eng).create(path, NORTH, **kw):
        assert stat.S_IMODE(path.stat().st_mode) == (0o600 if mode is None else mode) & ~mask


@pytest.mark.parametrize("mode", [0, 0o400, 0o200, 0o700 | 0o1000, 0o4600, 0o10600, -1])
def test_modes_without_owner_read_write_or_beyond_0777_are_refused_alike(eng, tmp_path, mode):
    """14.1: both engines, and the C API itself, refuse the same modes (mode=0
    included) before anything is created."""
    path = tmp_path / "chan"
    with pytest.raises(ValueError, match="mode"):
        engine_class(eng).create(path, NORTH, mode=mode)
    if eng == "c" and mode >= 0:
        err, out = c_engine.Error(), ctypes.c_void_p()
        rc = c_engine.lib().shm_signal_create(ctypes.byref(out), os.fsencode(path), 0, 0, 0, 0, 0, mode, 0,
                                             None, 0, ctypes.byref(err))
        assert (rc, err.field) == (c_engine.E_ARG, b"mode")
    assert not path.exists()


@pytest.mark.parametrize("exist_ok", [False, True])
def test_a_planted_dangling_link_creates_nothing_where_it_points(eng, tmp_path, exist_ok):
    """14.1: whoever can write the directory cannot make the creator create (or
    truncate) a file elsewhere through a symbolic link."""
    elsewhere = tmp_path / "elsewhere"
    link = tmp_path / "chan"
    link.symlink_to(elsewhere)
    with pytest.raises(OSError) as exc:
        engine_class(eng).create(link, NORTH, exist_ok=exist_ok)
    assert exc.value.errno == (errno.ELOOP if exist_ok else errno.EEXIST)
    assert not elsewhere.exists() and link.is_symlink()


def test_exist_ok_takes_an_existing_file_as_it_is(eng, tmp_path):
    """14.1: the creator neither checks nor changes the mode of a file it reuses: the
    application's choice of directory is what keeps strangers out (documented)."""
    path = tmp_path / "chan"
    path.write_bytes(bytes(layout.DESC_SIZE))
    path.chmod(0o666)
    with engine_class(eng).create(path, NORTH, exist_ok=True):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666


READER = textwrap.dedent("""
    import fcntl, os, sys
    fd = os.open(sys.argv[1], os.O_RDONLY)
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, int(sys.argv[2]), os.SEEK_SET)
    except OSError as exc:
        print("refused", exc.errno, flush=True)
    else:
        print("locked", flush=True)
    sys.stdin.read()
""")


@contextlib.contextmanager
def reader_lock(path: Path, offset: int) -> Iterator[str]:
    """A process with a read-only descriptor of ``path`` holding (or trying to
    take) a read lock on byte ``offset``; yields its answer, "locked" or "refused"."""
    proc = subprocess.Popen([sys.executable, "-c", READER, str(path), str(offset)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        yield proc.stdout.readline().split()[0]
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


DEAD_CREATOR = textwrap.dedent("""
    import sys
    from abi.{module} import {cls}
    ch = {cls}.create(sys.argv[1], 0)
    print("created", flush=True)
    sys.stdin.read()
""")


def killed_creator(eng: str, path: Path) -> None:
    """A north creator whose process was killed: its record still says attached."""
    module, cls = ("c_engine", "CChannel") if eng == "c" else ("engine", "Channel")
    proc = subprocess.Popen([sys.executable, "-c", DEAD_CREATOR.format(module=module, cls=cls), str(path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "created"
    proc.kill()
    proc.wait(timeout=30)


def test_a_reader_cannot_make_a_dead_peer_look_alive(eng, tmp_path):
    """14.2: a read lock on the dead creator's liveness byte does not hide its death."""
    path = tmp_path / "chan"
    killed_creator(eng, path)
    with engine_class(eng).attach(path) as south, reader_lock(path, lock_offset(0, NORTH)) as answer:
        assert answer == "locked"
        with pytest.raises(ShmSignalFault) as exc:
            south.check_peer()
        assert exc.value.code == Fault.PEER_DEAD


def test_a_reader_cannot_lock_a_live_peers_byte(eng, tmp_path):
    """14.2: while a side is attached its write lock keeps every read lock out."""
    path = tmp_path / "chan"
    cls = engine_class(eng)
    with cls.create(path, NORTH) as north, cls.attach(path) as south:
        for loc in (NORTH, SOUTH):
            with reader_lock(path, lock_offset(0, loc)) as answer:
                assert answer == "refused"
        north.check_peer()
        south.check_peer()


def test_a_reader_can_keep_a_free_locality_busy(eng, tmp_path):
    """14.2, a documented limit: a read lock on a free record's liveness byte keeps
    a new attacher out (LOCALITY_BUSY) for as long as the reader holds it; nothing
    is written, and the attach succeeds once the reader lets go."""
    path = tmp_path / "chan"
    cls = engine_class(eng)
    with cls.create(path, NORTH) as north:
        before = path.read_bytes()
        with reader_lock(path, lock_offset(0, SOUTH)) as answer:
            assert answer == "locked"
            with pytest.raises(ShmSignalFault) as exc:
                cls.attach(path)
            assert exc.value.code == Fault.LOCALITY_BUSY
            assert path.read_bytes() == before
        with cls.attach(path):
            assert north.peer_attached()


def test_the_remote_pid_decides_nothing(eng, tmp_path):
    """14.3: liveness comes from the lock alone: a dead creator whose record names a
    live process (this one) is still reported dead, and this process lives on."""
    path = tmp_path / "chan"
    killed_creator(eng, path)
    with open(path, "r+b") as f:
        f.seek(64 + 64 * NORTH + IRQ_OFFSET["pid"])
        f.write(struct.pack("<I", os.getpid()))
    with engine_class(eng).attach(path) as south:
        with pytest.raises(ShmSignalFault) as exc:
            south.check_peer()
        assert exc.value.code == Fault.PEER_DEAD


WAKER = textwrap.dedent("""
    import ctypes, os, platform, sys
    SYS_FUTEX = {"x86_64": 202, "aarch64": 98, "i686": 240, "i386": 240}[platform.machine()]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    c_int = ctypes.c_int
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, c_int, c_int, c_int, ctypes.c_long]
    libc.syscall.restype = ctypes.c_long
    fd = os.open(sys.argv[1], os.O_RDONLY)
    base = libc.mmap(None, 4096, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED: a reader's mapping
    word = ctypes.c_void_p(base + int(sys.argv[2]))
    os.set_blocking(0, False)
    print("ready", flush=True)
    woken = 0
    while True:
        try:
            if os.read(0, 1) == b"":
                break
        except BlockingIOError:
            pass
        woken += max(0, libc.syscall(SYS_FUTEX, word, 1, 0x7FFFFFFF, None, None, 0))  # FUTEX_WAKE
    print(woken, flush=True)
""")


def test_a_readers_wake_ups_are_only_hints(eng, tmp_path):
    """14.2: a reader can wake a parked side (FUTEX_WAKE needs only a read-only
    mapping of the file) but cannot make it report a signal: the woken side looks at
    its record, finds no work and parks again until its timeout."""
    path = tmp_path / "chan"
    cls = engine_class(eng)
    features = layout.FEATURE_WAKE_ADDRESS | layout.FEATURE_LIVENESS_LOCK
    with cls.create(path, NORTH, features=features) as north, cls.attach(path):
        north.enable()
        proc = subprocess.Popen([sys.executable, "-c", WAKER, str(path), str(64 + 64 * NORTH)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdin is not None
        try:
            assert proc.stdout.readline().strip() == "ready"
            start = time.monotonic()
            assert north.wait(0.3) is False
            assert time.monotonic() - start >= 0.3
        finally:
            proc.stdin.close()
            woken = int(proc.stdout.readline())
            proc.wait(timeout=30)
        assert woken > 0  # the attack reached the parked side
