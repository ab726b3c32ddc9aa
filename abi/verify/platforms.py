"""The platform matrix's targets: loading and validating ``platforms/*.json``.

Each target is one JSON file (JSON rather than TOML: ``tomllib`` is not in Python
3.9 and 3.10, and the runtime is the standard library only).  Adding a target means
adding a file; see ``docs/matrix.md`` for the fields.  A target names the compilers
that can build for it, in order of preference, and how it is checked on a Linux
host: executed natively, under qemu-user, under wine (on the host or inside the
cached i386 root), by the i386 root's CPython, or compiled only.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

_PKG = Path(__file__).resolve().parent.parent  # the abi package
# A source checkout keeps the data at the top (next to pyproject.toml); an installed
# package would ship it inside the package.
PLATFORM_DIRS = tuple(d for d in (_PKG.parent / "platforms", _PKG / "platforms")
                      if d.parent == _PKG or (_PKG.parent / "pyproject.toml").exists())

OSES = ("linux", "windows", "macos", "freebsd", "wasi", "none")
ABIS = ("sysv", "msvc", "mingw", "darwin", "wasm", "eabi")
MODES = ("native", "qemu", "wine", "cpython", "compile")
COMPILER_KINDS = ("zig", "clang", "cc")
RUN_IN = ("host", "i386-root")


class TargetDataError(ValueError):
    """A file under platforms/ is not a valid target description."""


def cache_dir() -> Path:
    """Where compiled probes and the i386 root live: $SHM_SIGNAL_CACHE_DIR, else
    $XDG_CACHE_HOME/shm-signal, else ~/.cache/shm-signal."""
    env = os.environ.get("SHM_SIGNAL_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shm-signal"


@dataclass(frozen=True)
class CompilerSpec:
    """One way to compile for a target.

    ``kind`` is ``zig`` (``python -m ziglang cc -target TRIPLE``), ``clang``
    (``clang -target TRIPLE``) or ``cc`` (``argv`` as given, e.g. ``gcc -m32`` or
    ``i686-w64-mingw32-gcc``).  ``check_flags`` go to the compile-time check,
    ``build_flags`` to the executable probe."""

    kind: str
    triple: str = ""
    argv: Tuple[str, ...] = ()
    check_flags: Tuple[str, ...] = ()
    build_flags: Tuple[str, ...] = ()

    def command(self) -> List[str]:
        if self.kind == "zig":
            return [sys.executable, "-m", "ziglang", "cc", "-target", self.triple]
        if self.kind == "clang":
            return [*(self.argv or ("clang",)), "-target", self.triple]
        return list(self.argv)

    def label(self) -> str:
        if self.kind == "zig":
            return f"zig cc -target {self.triple}"
        return " ".join(self.command())

    def missing(self) -> Optional[str]:
        """Why this compiler cannot be used here, or None: not installed, or (clang)
        it does not know the target (Debian 12's clang 14 has no loongarch64): a
        compiler that cannot build for a target says nothing about its layout."""
        if self.kind == "zig":
            if importlib.util.find_spec("ziglang") is None:
                return "zig not installed (pip install 'shm-signal[matrix]', or ziglang)"
            return None
        exe = self.command()[0]
        if shutil.which(exe) is None:
            return f"{exe} not installed"
        if self.kind == "clang":
            return _clang_refuses(tuple(self.command()))
        return None


@functools.cache
def _clang_refuses(command: Tuple[str, ...]) -> Optional[str]:
    """Why ``clang -target TRIPLE`` cannot compile an empty C file, or None (once
    per command and process)."""
    try:
        proc = subprocess.run([*command, "-x", "c", "-fsyntax-only", os.devnull], capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{' '.join(command)} cannot run: {exc}"
    if proc.returncode == 0:
        return None
    first = next((ln.strip() for ln in proc.stderr.splitlines() if ln.strip()), f"exit {proc.returncode}")
    return f"{' '.join(command)} cannot compile for this target ({first})"


@dataclass(frozen=True)
class Target:
    name: str
    os: str
    arch: str
    word_bits: int
    byte_order: str  # "little" | "big"
    abi: str
    u64_align: int  # alignment of uint64_t inside a struct on this ABI
    mode: str
    compilers: Tuple[CompilerSpec, ...]
    runner: Tuple[str, ...] = ()  # e.g. ("qemu-s390x",) or ("wine",)
    run_in: str = "host"
    probe_from: str = ""  # cpython mode: the target whose C probe to compare with
    description: str = ""
    path: Optional[Path] = field(default=None, compare=False)

    @property
    def executed(self) -> bool:
        return self.mode != "compile"

    @property
    def json_mode(self) -> str:
        return "executed" if self.executed else "compiled"

    @property
    def how(self) -> str:
        """How the target is checked, for tables."""
        if self.mode == "native":
            return "executed natively"
        if self.mode == "cpython":
            return "i386 CPython in the i386 root"
        if self.mode == "compile":
            return "compile-time only"
        where = " in the i386 root" if self.run_in == "i386-root" else ""
        return f"executed under {' '.join(self.runner)}{where}"


def _req(data: Dict[str, object], key: str, typ: type, where: str) -> object:
    if key not in data:
        raise TargetDataError(f"{where}: missing key {key!r}")
    val = data[key]
    if not isinstance(val, typ) or (typ is int and isinstance(val, bool)):
        raise TargetDataError(f"{where}: {key!r} must be {typ.__name__}, not {val!r}")
    return val


def _choice(data: Dict[str, object], key: str, choices: Sequence[str], where: str) -> str:
    val = str(_req(data, key, str, where))
    if val not in choices:
        raise TargetDataError(f"{where}: {key!r} is {val!r}, expected one of {', '.join(choices)}")
    return val


def _strs(data: Dict[str, object], key: str, where: str) -> Tuple[str, ...]:
    val = data.get(key, [])
    if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
        raise TargetDataError(f"{where}: {key!r} must be a list of strings")
    return tuple(val)


_TARGET_KEYS = {"name", "os", "arch", "word_bits", "byte_order", "abi", "u64_align", "mode",
                "compilers", "runner", "run_in", "probe_from", "description"}
_COMPILER_KEYS = {"kind", "triple", "argv", "check_flags", "build_flags"}


def parse_target(data: object, where: str) -> Target:
    if not isinstance(data, dict):
        raise TargetDataError(f"{where}: a target must be a JSON object")
    unknown = set(data) - _TARGET_KEYS
    if unknown:
        raise TargetDataError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    compilers: List[CompilerSpec] = []
    raw: List[object] = _req(data, "compilers", list, where)  # type: ignore[assignment]
    for i, c in enumerate(raw):
        cw = f"{where}: compilers[{i}]"
        if not isinstance(c, dict):
            raise TargetDataError(f"{cw}: must be an object")
        if set(c) - _COMPILER_KEYS:
            raise TargetDataError(f"{cw}: unknown key(s) {', '.join(sorted(set(c) - _COMPILER_KEYS))}")
        kind = _choice(c, "kind", COMPILER_KINDS, cw)
        spec = CompilerSpec(kind, str(c.get("triple", "")), _strs(c, "argv", cw),
                            _strs(c, "check_flags", cw), _strs(c, "build_flags", cw))
        if kind in ("zig", "clang") and not spec.triple:
            raise TargetDataError(f"{cw}: a {kind} compiler needs a 'triple'")
        if kind == "cc" and not spec.argv:
            raise TargetDataError(f"{cw}: a cc compiler needs an 'argv'")
        compilers.append(spec)
    mode = _choice(data, "mode", MODES, where)
    t = Target(
        name=str(_req(data, "name", str, where)),
        os=_choice(data, "os", OSES, where),
        arch=str(_req(data, "arch", str, where)),
        word_bits=int(_req(data, "word_bits", int, where)),  # type: ignore[call-overload]
        byte_order=_choice(data, "byte_order", ("little", "big"), where),
        abi=_choice(data, "abi", ABIS, where),
        u64_align=int(_req(data, "u64_align", int, where)),  # type: ignore[call-overload]
        mode=mode,
        compilers=tuple(compilers),
        runner=_strs(data, "runner", where),
        run_in=_choice({"run_in": data.get("run_in", "host")}, "run_in", RUN_IN, where),
        probe_from=str(data.get("probe_from", "")),
        description=str(data.get("description", "")),
    )
    if t.word_bits not in (16, 32, 64):
        raise TargetDataError(f"{where}: word_bits must be 16, 32 or 64")
    if t.u64_align not in (1, 2, 4, 8):
        raise TargetDataError(f"{where}: u64_align must be 1, 2, 4 or 8")
    if mode in ("qemu", "wine") and not t.runner:
        raise TargetDataError(f"{where}: mode {mode!r} needs a 'runner' command")
    if mode == "cpython" and not t.probe_from:
        raise TargetDataError(f"{where}: mode 'cpython' needs 'probe_from' (a target name)")
    if mode != "cpython" and not t.compilers:
        raise TargetDataError(f"{where}: at least one compiler is needed")
    return t


def platform_dir() -> Path:
    for d in PLATFORM_DIRS:
        if d.is_dir() and any(d.glob("*.json")):
            return d
    raise TargetDataError("no platforms/*.json found (looked in "
                          + ", ".join(str(d) for d in PLATFORM_DIRS) + ")")


def load(directory: Optional[Path] = None) -> List[Target]:
    """Every target, sorted by file name; names must be unique and references valid."""
    d = directory or platform_dir()
    targets: List[Target] = []
    for p in sorted(d.glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TargetDataError(f"{p}: {exc}") from exc
        t = parse_target(data, str(p.name))
        if p.stem != t.name:
            raise TargetDataError(f"{p.name}: the file must be named after the target ({t.name}.json)")
        targets.append(Target(**{**t.__dict__, "path": p}))
    names = [t.name for t in targets]
    for t in targets:
        if t.probe_from and t.probe_from not in names:
            raise TargetDataError(f"{t.name}: probe_from names unknown target {t.probe_from!r}")
    return targets


def select(targets: Sequence[Target], names: Sequence[str]) -> List[Target]:
    """The targets named (all when none is), with unknown names an error."""
    if not names:
        return list(targets)
    known = {t.name: t for t in targets}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise TargetDataError(f"unknown target(s): {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(known))})")
    return [t for t in targets if t.name in names]
