"""The executed check: the target's probe run natively, under qemu-user or wine
(wine32 inside the i386 root for 32-bit Windows), its output compared with the
ctypes layout, sentinel byte image included.
"""

from __future__ import annotations

import os
import platform as _platform
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Optional

from abi.verify import header as verify
from abi.verify import i386_root, probe
from abi.verify.matrix.build import build_probe
from abi.verify.matrix.compare import field_messages, normalize_alignment, starts
from abi.verify.matrix.model import Context, Skip, TargetResult
from abi.verify.platforms import CompilerSpec, Target

_NATIVE = {"x86_64": ("x86_64", "i686", "i386", "x32"), "amd64": ("x86_64", "i686", "i386"),
           "aarch64": ("aarch64", "arm64"), "arm64": ("aarch64", "arm64")}


def runner_missing(t: Target) -> Optional[str]:
    """Why ``t``'s probe cannot run here, or None."""
    if t.mode == "native":
        host = _platform.machine().lower()
        if sys.platform != "linux" or t.os != "linux":
            return f"not a Linux host (runs natively on {t.os} {t.arch})"
        if t.arch not in _NATIVE.get(host, (host,)):
            return f"a {host} host cannot run {t.arch} code natively"
        return None
    if t.mode in ("qemu", "wine"):
        if t.run_in == "i386-root":
            why = i386_root.why_not_usable()
            if why:
                return why
            if not i386_root.has_wine():
                return ("wine32 not available: the i386 root with wine is not built "
                        "(run: python -m abi.verify.i386_root)")
            return None
        if shutil.which(t.runner[0]) is None:
            return f"{t.runner[0]} not installed"
        if t.mode == "wine" and t.word_bits == 64 and not _wine64_ok():
            return "wine cannot run 64-bit programs here (install wine64)"
        return None
    if t.mode == "cpython":
        why = i386_root.why_not_usable()
        if why:
            return why
        if not i386_root.has_python():
            return "the i386 root is not built (run: python -m abi.verify.i386_root)"
    return None


def _wine64_ok() -> bool:
    places = ("/usr/lib/wine/wine64", "/usr/bin/wine64", "/opt/wine-stable/bin/wine64")
    return any(Path(p).exists() for p in places) or shutil.which("wine64") is not None


def run_probe(ctx: Context, t: Target, exe: Path) -> str:
    """Run the probe the way the target says; its stdout."""
    env = {**os.environ, "WINEDEBUG": "-all"}
    if t.mode == "native":
        cmd = [str(exe)]
    elif t.run_in == "i386-root":
        root = i386_root.root_dir()
        d = root / "tmp" / f"shm-signal-{uuid.uuid4().hex[:12]}"
        d.mkdir(parents=True)
        try:
            shutil.copy2(exe, d / exe.name)
            proc = i386_root.run_in_root([*t.runner, f"/tmp/{d.name}/{exe.name}"], timeout=300,
                                         env={"WINEPREFIX": i386_root.WINEPREFIX, "WINEDEBUG": "-all"})
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return _check_proc(proc, t)
    else:
        cmd = [*t.runner, str(exe)]
        if t.mode == "wine":
            prefix = ctx.cache.root.parent / f"wine-prefix-{t.word_bits}"
            prefix.parent.mkdir(parents=True, exist_ok=True)
            env["WINEPREFIX"] = str(prefix)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    return _check_proc(proc, t)


def _check_proc(proc: subprocess.CompletedProcess, t: Target) -> str:
    if proc.returncode != 0 or "struct" not in proc.stdout:
        err = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise verify.ProbeRunError(f"the probe for {t.name} exited {proc.returncode}: " + " | ".join(err))
    return str(proc.stdout)


def check_probe_target(res: TargetResult, t: Target, result: probe.ProbeResult) -> None:
    """The probe ran: is it the target's word size and byte order (the right compiler)?"""
    res.checked.append("executed")
    if result.byte_order != t.byte_order or 8 * result.pointer_bytes != t.word_bits:
        res.differences.append(
            f"executed: the target data says {t.word_bits}-bit {t.byte_order}-endian, the probe "
            f"says {8 * result.pointer_bytes}-bit {result.byte_order}-endian (wrong compiler target?)")
        res.mismatches.append("(target)")


def executed_check(ctx: Context, t: Target, spec: CompilerSpec, res: TargetResult) -> None:
    exe, missing = build_probe(ctx, t, spec, res)
    why = runner_missing(t)
    if why:
        raise Skip(why + " (its compile-time check ran: "
                   + ("passed" if res.structs and all(v == "match" for v in res.structs.values())
                      else "failed") + ")")
    out = run_probe(ctx, t, exe)
    with ctx.lock:
        ctx.probe_outputs[t.name] = out
    result = probe.parse(out)
    check_probe_target(res, t, result)
    result = normalize_alignment(result, ctx.structs)
    for sr in verify.compare(result, ctx.structs, missing):
        res.images[sr.c_name] = result.structs[sr.c_name].image.hex()
        if sr.status != "match":
            res.structs[sr.c_name] = "MISMATCH"
            res.mismatches += starts(sr)
            res.differences += ["executed: " + m for m in field_messages(sr)]
            res.differences += ["executed: " + m for m in sr.messages]
            res.differences += ["executed: " + d.message for d in sr.image_diffs[:8]]
        else:
            res.structs.setdefault(sr.c_name, "match")
    with ctx.lock:
        ctx.images[t.name] = dict(res.images)
