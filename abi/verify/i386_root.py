"""A Debian i386 root, built once with debootstrap into the cache directory.

It serves the platform matrix twice: its ``python3`` is a real 32-bit CPython whose
ctypes lays structures out by the i386 SysV rules, and its ``wine`` runs 32-bit
Windows executables (installing wine inside the root sidesteps the amd64/i386
version skew that ``dpkg --add-architecture i386`` on the host can run into).

Building needs root (debootstrap, chroot), network access to the Debian mirror and
about 1 GB of disk.  Each stage leaves a marker file, so an interrupted build resumes
and a finished one is reused; a file lock serialises concurrent builders.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, Tuple

from abi.verify.platforms import cache_dir

Log = Callable[[str], None]

ROOT_PACKAGES = ("python3",)  # debootstrap --include (minbase has no python)
WINE_PACKAGES = ("wine",)  # installed with apt-get inside the root (pulls wine32)
DEFAULT_MIRROR = "http://deb.debian.org/debian"
WINEPREFIX = "/root/.wine-shm-signal"  # inside the root


class RootUnavailable(RuntimeError):
    """The i386 root cannot be used or built here; the message says why."""


def root_dir() -> Path:
    return cache_dir() / "i386-root"


def _marker(root: Path, stage: str) -> Path:
    return root / f".shm-signal-{stage}"


def has_python(root: Optional[Path] = None) -> bool:
    root = root or root_dir()
    return _marker(root, "base").exists() and (root / "usr/bin/python3").exists()


def has_wine(root: Optional[Path] = None) -> bool:
    root = root or root_dir()
    return _marker(root, "wine").exists() and (root / "usr/bin/wine").exists()


def host_mirror_and_suite() -> Tuple[str, str]:
    """The Debian mirror and release the host uses (deb822 .sources or sources.list)."""
    suite = ""
    with contextlib.suppress(OSError):
        m = re.search(r"^VERSION_CODENAME=(\w+)", Path("/etc/os-release").read_text(), re.M)
        suite = m.group(1) if m else ""
    mirror = ""
    files = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for f in files:
        with contextlib.suppress(OSError):
            for stanza in f.read_text().split("\n\n"):
                uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
                suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
                if uris and suites and "security" not in uris.group(1) and "/debian" in uris.group(1):
                    mirror = mirror or uris.group(1)
                    if not suite:
                        suite = suites.group(1).split()[0]
    if not mirror:
        with contextlib.suppress(OSError):
            for line in Path("/etc/apt/sources.list").read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3 and parts[0] == "deb" and "security" not in parts[1]:
                    mirror = parts[1]
                    suite = suite or parts[2]
                    break
    return mirror or DEFAULT_MIRROR, suite or "bookworm"


def why_not_buildable() -> Optional[str]:
    """None when this machine can build (and enter) the root, else the reason."""
    if not Path("/etc/debian_version").exists() and shutil.which("debootstrap") is None:
        return "debootstrap not installed (the i386 root needs a Debian-like host)"
    if shutil.which("debootstrap") is None:
        return "debootstrap not installed"
    if os.geteuid() != 0:
        return "building the i386 root needs root (debootstrap, chroot)"
    if os.uname().machine not in ("x86_64", "i686", "i386"):
        return f"an i386 root cannot run on a {os.uname().machine} host"
    return None


def why_not_usable() -> Optional[str]:
    if os.geteuid() != 0:
        return "entering the i386 root needs root (chroot)"
    if os.uname().machine not in ("x86_64", "i686", "i386"):
        return f"an i386 root cannot run on a {os.uname().machine} host"
    return None


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    import fcntl

    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / "i386-root.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: Sequence[str], log: Log, what: str, timeout: int = 1800,
         env: Optional[dict] = None) -> None:
    log(f"i386 root: {what}: {' '.join(cmd)}")
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C", **(env or {})})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RootUnavailable(f"{what} failed: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise RootUnavailable(f"{what} failed (exit {proc.returncode}): " + " | ".join(tail))


_MOUNTS = (("proc", "proc", "proc"), ("/dev", None, "dev"), ("sysfs", "sysfs", "sys"))


@contextlib.contextmanager
def mounted(root: Path) -> Iterator[None]:
    """/proc, /dev and /sys mounted inside the root for the duration.

    Several processes (and threads) may use the root at once: each holds a shared lock
    on a lock file while it does, mounts what is not mounted yet, and the last one out
    (the only one that can turn its lock exclusive) unmounts."""
    import fcntl

    root.parent.mkdir(parents=True, exist_ok=True)
    users = open(root.parent / "i386-root.users.lock", "a+")  # noqa: SIM115 (held until the end)
    try:
        with _op_lock(root):
            fcntl.flock(users, fcntl.LOCK_SH)
            for src, fstype, name in _MOUNTS:
                point = root / name
                point.mkdir(exist_ok=True)
                if os.path.ismount(point):
                    continue
                cmd = (["mount", "--bind", src, str(point)] if fstype is None
                       else ["mount", "-t", fstype, src, str(point)])
                subprocess.run(cmd, capture_output=True)
        yield
    finally:
        with _op_lock(root):
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass  # someone else still uses the root: leave the mounts to them
            else:
                for _src, _fstype, name in reversed(_MOUNTS):
                    if os.path.ismount(root / name):
                        subprocess.run(["umount", "-l", str(root / name)], capture_output=True)
            fcntl.flock(users, fcntl.LOCK_UN)
            users.close()


@contextlib.contextmanager
def _op_lock(root: Path) -> Iterator[None]:
    import fcntl

    with open(root.parent / "i386-root.mount-op.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure(wine: bool = True, log: Log = lambda s: None) -> Path:
    """Build the root if needed (python3 always, wine when asked) and return its path."""
    root = root_dir()
    if has_python(root) and (not wine or has_wine(root)):
        return root
    reason = why_not_buildable()
    if reason:
        raise RootUnavailable(reason)
    with _lock(root):
        if not has_python(root):
            _debootstrap(root, log)
        if wine and not has_wine(root):
            _install_wine(root, log)
    return root


def _remove(path: Path) -> None:
    """Delete a stale root, but never through a mount point (a bound /dev!)."""
    if not path.exists():
        return
    prefix = str(path.resolve()) + "/"
    with open("/proc/mounts") as fh:
        busy = [line.split()[1] for line in fh if line.split()[1].startswith(prefix)]
    if busy:
        raise RootUnavailable(f"cannot rebuild {path}: still mounted: {', '.join(busy)}")
    shutil.rmtree(path)


def _debootstrap(root: Path, log: Log) -> None:
    mirror, suite = host_mirror_and_suite()
    partial = root.with_name(root.name + ".partial")
    _remove(partial)
    _remove(root)
    started = time.monotonic()
    for attempt in range(3):  # the mirror can be mid-sync; retry after a pause
        try:
            _run(["debootstrap", "--arch=i386", "--variant=minbase",
                  "--include=" + ",".join(ROOT_PACKAGES), suite, str(partial), mirror],
                 log, "debootstrap", timeout=3600)
            break
        except RootUnavailable as exc:
            if attempt == 2:
                raise
            log(f"i386 root: attempt {attempt + 1} failed: {exc}")
            _remove(partial)
            time.sleep(20)
    partial.rename(root)
    _marker(root, "base").write_text(f"{suite} {mirror} {time.monotonic() - started:.0f}s\n")
    log(f"i386 root: base system ready in {time.monotonic() - started:.0f}s")


def _install_wine(root: Path, log: Log) -> None:
    started = time.monotonic()
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    with mounted(root):
        last: Optional[RootUnavailable] = None
        for attempt in range(3):  # the mirror can be mid-sync; retry after a pause
            try:
                _run(["chroot", str(root), "apt-get", "update", "-q"], log, "apt-get update",
                     env=env)
                _run(["chroot", str(root), "apt-get", "install", "-y", "-q",
                      "--no-install-recommends", *WINE_PACKAGES], log, "apt-get install wine",
                     env=env)
                last = None
                break
            except RootUnavailable as exc:
                last = exc
                log(f"i386 root: attempt {attempt + 1} failed: {exc}")
                time.sleep(20)
        if last is not None:
            raise last
        _run(["chroot", str(root), "apt-get", "clean"], log, "apt-get clean", env=env)
        # The first start of a prefix takes seconds: pay it once, here.
        _run(["chroot", str(root), "env", f"WINEPREFIX={WINEPREFIX}", "WINEDEBUG=-all",
              "wineboot", "--init"], log, "wineboot", timeout=600)
    _marker(root, "wine").write_text(f"{time.monotonic() - started:.0f}s\n")
    log(f"i386 root: wine ready in {time.monotonic() - started:.0f}s")


def run_in_root(argv: Sequence[str], timeout: int = 300, env: Optional[dict] = None,
                mounts: bool = False) -> subprocess.CompletedProcess:
    """Run ``argv`` inside the root (chroot), with its stdout and stderr captured."""
    root = root_dir()
    envs = [f"{k}={v}" for k, v in (env or {}).items()]
    cmd = ["chroot", str(root), "env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin",
           "HOME=/root", "LC_ALL=C.UTF-8", *envs, *argv]
    ctx = mounted(root) if mounts else contextlib.nullcontext()
    with ctx:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def main() -> int:
    """``python -m abi.verify.i386_root``: build the root (with wine) if needed; print its path."""
    import sys

    try:
        root = ensure(wine=True, log=lambda s: print(s, file=sys.stderr, flush=True))
    except RootUnavailable as exc:
        print(f"shm-signal: i386 root: {exc}", file=sys.stderr)
        return 1
    print(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
