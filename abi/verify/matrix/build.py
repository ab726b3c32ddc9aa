"""Compiling for a target: choosing its compiler, compiling a generated source, and
building (or taking from the cache) its executable probe.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from abi.toolchain import CompileError, Compiler, note_missing_members
from abi.verify import probe
from abi.verify.matrix.cache import compiler_version, header_digest
from abi.verify.matrix.model import HEADER, Context, Skip, TargetResult
from abi.verify.platforms import CompilerSpec, Target


def compile_source(spec: CompilerSpec, source_text: str, header_dir: Path, extra: Sequence[str],
                   out_name: str, workdir: Path) -> Path:
    """Compile ``source_text`` for ``spec`` in ``workdir``; the output's path."""
    src = workdir / f"{uuid.uuid4().hex[:8]}.c"
    src.write_text(source_text)
    out = workdir / out_name
    cmd = spec.command()
    Compiler(cmd, "clang" if spec.kind != "cc" else "gcc").build(src, out, [header_dir], extra)
    return out


def only_compile(spec: CompilerSpec) -> str:
    """zig cc's -fsyntax-only fails on success (it looks for an object it never wrote);
    Debian clang's -c needs an assembler for some targets (sparc64): each gets its own."""
    return "-c" if spec.kind == "zig" else "-fsyntax-only"


def no_error_limit(spec: CompilerSpec) -> List[str]:
    """Every error reported (the reveal unit has one per layout value): gcc has no limit."""
    return [] if spec.kind == "cc" else ["-ferror-limit=0"]


def check_key(ctx: Context, kind: str, text: str, spec: CompilerSpec, header_digest_: str) -> str:
    """The cache key of a compile-only check of ``text`` for ``spec``."""
    return ctx.cache.key(kind, text, header_digest_, json.dumps(spec.command() + list(spec.check_flags)),
                         compiler_version(spec))


def check_compile(spec: CompilerSpec, text: str, header_dir: Path, workdir: Path, out_name: str,
                  reveal: bool = False) -> None:
    """Compile ``text`` for ``spec`` without linking, with the target's check flags;
    ``reveal``: every error reported (the reveal unit has one per value)."""
    extra = [only_compile(spec), *(no_error_limit(spec) if reveal else []), *spec.check_flags]
    compile_source(spec, text, header_dir, extra, out_name, workdir)


def error_lines(exc: CompileError) -> Dict[int, str]:
    """Line -> the compiler's first error on it, of the compiled source (gcc, clang)."""
    out: Dict[int, str] = {}
    for m in re.finditer(r"^[^\n]*?\.c:(\d+):\d+: error: ([^\n]*)", exc.output, re.M):
        out.setdefault(int(m.group(1)), m.group(2).strip())
    return out


def first_error(exc: CompileError) -> str:
    """The compiler's first error line (or the exception's message)."""
    errors = [ln.strip() for ln in exc.output.splitlines() if "error" in ln]
    return errors[0] if errors else str(exc)


def pick_compiler(t: Target) -> CompilerSpec:
    reasons = []
    for spec in t.compilers:
        why = spec.missing()
        if why is None:
            return spec
        reasons.append(why)
    raise Skip("no compiler: " + "; ".join(reasons) if reasons else "no compiler listed")


def build_cached(ctx: Context, spec: CompilerSpec, text: str, exe_name: str, *key_parts: str
                 ) -> Tuple[Path, bool]:
    """``text`` built for ``spec`` with its build flags, or taken from the cache:
    (the executable, whether it was cached)."""
    flags = json.dumps(spec.command() + list(spec.build_flags))
    key = ctx.cache.key("probe", text, header_digest(ctx.header_dir), flags, compiler_version(spec),
                        *key_parts)
    hit = ctx.cache.get_file(key, exe_name)
    if hit is not None:
        return hit, True
    with tempfile.TemporaryDirectory(prefix="shm-signal-probe-") as tmp:
        out = compile_source(spec, text, ctx.header_dir, spec.build_flags, exe_name, Path(tmp))
        if ctx.cache.enabled:
            return ctx.cache.put_file(key, out, exe_name), False
        keep = Path(tempfile.mkdtemp(prefix="shm-signal-probe-"))
        return Path(shutil.copy2(out, keep / exe_name)), False


def exe_name(t: Target, stem: str = "probe") -> str:
    return f"{stem}.exe" if t.os == "windows" else stem


def build_probe(ctx: Context, t: Target, spec: CompilerSpec, res: TargetResult
                ) -> Tuple[Path, Dict[str, List[str]]]:
    """The target's probe executable (from the cache when it is there)."""
    missing: Dict[str, List[str]] = {}
    for _attempt in range(2):
        src = probe.generate(ctx.structs, HEADER,
                             exclude=[(s, m) for s, ms in missing.items() for m in ms])
        try:
            exe, res.cached = build_cached(ctx, spec, src.text, exe_name(t),
                                           json.dumps(missing, sort_keys=True))
        except CompileError as exc:
            if not note_missing_members(exc.output, missing):
                raise
            continue
        return exe, missing
    raise AssertionError("unreachable")
