"""Finding and running the machine's C compiler."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence


class NoCompilerError(RuntimeError):
    """No C compiler could be found."""


class CompileError(RuntimeError):
    """The compiler rejected a translation unit; ``output`` is what it said."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class Compiler:
    argv: Sequence[str]  # the command, with any arguments $CC carried
    kind: str  # "gcc", "clang" or "msvc"
    env: Optional[Mapping[str, str]] = None  # the environment it needs (MSVC: vcvarsall's)

    @property
    def name(self) -> str:
        return " ".join(self.argv)

    def version(self) -> str:
        args = list(self.argv) if self.kind == "msvc" else [*self.argv, "--version"]
        try:
            out = subprocess.run(args, capture_output=True, text=True, timeout=30, env=self.env)
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text else "unknown"

    def compile_command(self, source: Path, output: Path,
                        include_dirs: Sequence[Path] = (),
                        extra: Sequence[str] = ()) -> List[str]:
        if self.kind == "msvc":
            incs = [f"/I{d}" for d in include_dirs]
            return [*self.argv, "/nologo", "/std:c11", *incs, *extra, str(source),
                    f"/Fe:{output}"]
        incs = [f"-I{d}" for d in include_dirs]
        return [*self.argv, "-std=c11", *incs, *extra, str(source), "-o", str(output)]

    def build(self, source: Path, output: Path, include_dirs: Sequence[Path] = (),
              extra: Sequence[str] = ()) -> None:
        cmd = self.compile_command(source, output, include_dirs, extra)
        try:
            # LC_ALL=C: plain ASCII quotes in diagnostics, which missing_members() reads.
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                                  cwd=output.parent, env={**(self.env or os.environ), "LC_ALL": "C"})
        except OSError as exc:
            raise NoCompilerError(f"cannot run C compiler {self.name!r}: {exc}") from exc
        if proc.returncode != 0:
            raise CompileError(f"{self.name} failed on {source.name} (exit {proc.returncode})",
                               proc.stdout + proc.stderr)


def _kind(argv: Sequence[str]) -> str:
    base = Path(argv[0]).name.lower()
    if base in ("cl", "cl.exe"):
        return "msvc"
    if "clang" in base:
        return "clang"
    return "gcc"


# vcvarsall.bat's argument for a compiler that runs on ``host`` (PROCESSOR_ARCHITECTURE)
# and builds for this Python (sysconfig.get_platform()).
_VCVARS_TARGET = {"win-amd64": "x64", "win32": "x86", "win-arm64": "arm64"}
_VCVARS_HOST = {"AMD64": "x64", "X86": "x86", "ARM64": "arm64"}


def vcvars_arch(python_platform: str, host: str) -> Optional[str]:
    """``x64``, ``x64_x86``, ``arm64_x64`` ...: what vcvarsall.bat needs so that cl
    builds for this Python (a 32-bit Python on a 64-bit host needs x86 objects:
    verify compares the compiler's layout with this interpreter's ctypes)."""
    target, host_arch = _VCVARS_TARGET.get(python_platform), _VCVARS_HOST.get(host.upper())
    if target is None or host_arch is None:
        return None
    return target if target == host_arch else f"{host_arch}_{target}"


def parse_set_output(text: str) -> Dict[str, str]:
    """The environment ``cmd /c set`` printed, one NAME=value per line."""
    env: Dict[str, str] = {}
    for line in text.splitlines():
        name, eq, value = line.partition("=")
        if eq and name and not name.startswith(" "):
            env[name] = value
    return env


def find_msvc(env: Mapping[str, str]) -> Optional[Compiler]:
    """cl.exe of the newest Visual Studio that has the C tools, with the environment
    its vcvarsall.bat sets for this Python's architecture: CI runners and most
    machines have it installed but not on PATH.  None where there is none."""
    import sysconfig

    root = env.get("ProgramFiles(x86)") or env.get("ProgramFiles") or ""
    vswhere = Path(root) / "Microsoft Visual Studio" / "Installer" / "vswhere.exe"
    arch = vcvars_arch(sysconfig.get_platform(),
                       env.get("PROCESSOR_ARCHITEW6432") or env.get("PROCESSOR_ARCHITECTURE", ""))
    if not vswhere.is_file() or arch is None:
        return None
    try:
        found = subprocess.run([str(vswhere), "-latest", "-products", "*", "-property", "installationPath"],
                               capture_output=True, text=True, timeout=60)
        vcvarsall = Path(found.stdout.strip()) / "VC" / "Auxiliary" / "Build" / "vcvarsall.bat"
        if found.returncode != 0 or not vcvarsall.is_file():
            return None
        # /u: cmd writes UTF-16, whatever the console code page (setuptools does the same)
        out = subprocess.run(f'cmd /u /c "{vcvarsall}" {arch} && set', capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    vc_env = parse_set_output(out.stdout.decode("utf-16-le", errors="replace"))
    cl = shutil.which("cl", path=vc_env.get("PATH") or vc_env.get("Path"))
    if out.returncode != 0 or cl is None:
        return None
    return Compiler([cl], "msvc", vc_env)


def find_c_compiler(env: Optional[Mapping[str, str]] = None) -> Compiler:
    """``$CC`` if set, else cc, gcc or clang on PATH; on Windows cl first, on PATH or
    else from the installed Visual Studio (:func:`find_msvc`)."""
    env = os.environ if env is None else env
    cc = env.get("CC", "").strip()
    path = env.get("PATH")
    if cc:
        argv = shlex.split(cc, posix=os.name != "nt")
        if shutil.which(argv[0], path=path) is None:
            raise NoCompilerError(f"$CC is {cc!r}, but {argv[0]!r} is not an executable on PATH")
        return Compiler(argv, _kind(argv))
    names = ["cl", "cc", "gcc", "clang"] if sys.platform == "win32" else ["cc", "gcc", "clang"]
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return Compiler([found], _kind([found]))
        if name == "cl":
            msvc = find_msvc(env)
            if msvc is not None:
                return msvc
    raise NoCompilerError("no C compiler found: set $CC, or install cc, gcc or clang")


# "struct X has no member named 'm'" in the words of gcc, clang and MSVC.
_MISSING_MEMBER = [
    re.compile(r"[‘']struct (\w+)[’'] has no member named [‘'](\w+)[’']"),  # gcc
    re.compile(r"no member named '(\w+)' in 'struct (\w+)'"),  # clang
    re.compile(r"'(\w+)': is not a member of '(\w+)'"),  # msvc
]


def note_missing_members(output: str, missing: Dict[str, List[str]]) -> bool:
    """Record in ``missing`` the members a compiler said the header lacks, so that a
    probe can be generated again without them.  False when there is nothing new to
    record (a second failure, or another error): the caller re-raises."""
    gone = missing_members(output)
    if not gone or missing:
        return False
    for struct_name, member in gone:
        missing.setdefault(struct_name, []).append(member)
    return True


def missing_members(output: str) -> List[tuple]:
    """(struct, member) pairs a compiler said do not exist."""
    found = []
    for i, pat in enumerate(_MISSING_MEMBER):
        for m in pat.finditer(output):
            pair = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
            if pair not in found:
                found.append(pair)
    return found
