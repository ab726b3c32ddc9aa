"""Running the platform matrix: every selected target checked (in parallel, the
i386 CPython last, inside the i386 root's mounts when a target needs it) and the
executed byte images compared with each other.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from abi import layout
from abi.toolchain import CompileError, NoCompilerError
from abi.verify import ctypes_model, i386_root, probe
from abi.verify import header as verify
from abi.verify.matrix.build import first_error, pick_compiler
from abi.verify.matrix.cache import Cache
from abi.verify.matrix.compile_time import compile_check
from abi.verify.matrix.cpython import cpython_check, cpython_user_check
from abi.verify.matrix.executed import executed_check
from abi.verify.matrix.model import HEADER, Context, Log, Skip, Structs, TargetResult, load_layout
from abi.verify.matrix.user import user_check
from abi.verify.platforms import Target


def check_target(ctx: Context, t: Target, by_name: Dict[str, Target]) -> TargetResult:
    res = TargetResult(t, "match")
    started = time.monotonic()
    try:
        if ctx.user and t.mode == "cpython":
            cpython_user_check(ctx, t, res, by_name[t.probe_from])
        elif ctx.user:
            spec = pick_compiler(t)
            res.compiler = spec.label()
            user_check(ctx, t, spec, res)
        elif t.mode == "cpython":
            cpython_check(ctx, t, res, by_name[t.probe_from])
        else:
            spec = pick_compiler(t)
            res.compiler = spec.label()
            compile_check(ctx, t, spec, res)
            if t.executed:
                executed_check(ctx, t, spec, res)
    except (Skip, NoCompilerError, i386_root.RootUnavailable) as exc:
        # A tool that is not here: the target is skipped, with why.
        res.reason = str(exc) if isinstance(exc, Skip) else f"skipped: {exc}"
        if not res.differences:
            res.status = "skipped"
            for cls in ctx.structs:
                res.structs.setdefault(layout.describe(cls).c_name, "skipped")
    except (CompileError, verify.ProbeRunError, probe.ProbeOutputError, subprocess.TimeoutExpired,
            OSError, ctypes_model.ModelDisagrees) as exc:
        # The target's tools are here but failed (a compiler error that is not a layout
        # check, a probe that crashed or hung): no verdict on its layout, which is an
        # error with its own exit status, never a mismatch.
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        detail = ""
        if isinstance(exc, CompileError) and first_error(exc) != str(exc):
            detail = f": {first_error(exc)}"
        res.status = "error"
        res.reason = f"error: {first}{detail}"
        for cls in ctx.structs:
            res.structs.setdefault(layout.describe(cls).c_name, "ERROR")
    if res.differences and res.status != "skipped":
        # A difference found before a tool failed is still a mismatch (and says so).
        error = res.reason if res.status == "error" else ""
        res.status = "mismatch"
        res.reason = ", ".join(res.mismatches) or res.differences[0]
        if error:
            res.reason += f"; then {error}"
    res.seconds = time.monotonic() - started
    return res


def cross_check_images(results: Sequence[TargetResult], reference: str = "linux-x86_64") -> List[str]:
    """Every executed target's sentinel image must be byte-identical to the reference
    target's (s390x, a big-endian host, included).  Returns the notes it added."""
    notes: List[str] = []
    ref = next((r for r in results if r.target.name == reference and r.images), None)
    if ref is None:
        ref = next((r for r in results if r.images), None)
    if ref is None:
        return notes
    for r in results:
        if r is ref or not r.images:
            continue
        for name, img in r.images.items():
            if name in ref.images and img != ref.images[name]:
                msg = f"image of {name} differs from {ref.target.name}'s byte image"
                r.differences.append(msg)
                r.structs[name] = "MISMATCH"
                r.status = "mismatch"
                r.reason = r.reason or msg
                notes.append(f"{r.target.name}: {msg}")
    return notes


def run(targets: Sequence[Target], all_targets: Sequence[Target], header_dir: Path,
        structs: Optional[Structs] = None, layout_file: Optional[Path] = None,
        use_cache: bool = True, jobs: int = 0, log: Log = lambda s: None,
        cache_root: Optional[Path] = None, header: str = HEADER, user: Optional[bool] = None
        ) -> List[TargetResult]:
    """Check ``targets``; results in the order given.  ``user`` (by default: a
    ``header`` other than shm_signal.h): ``structs`` are a user's structures, declared
    in ``header_dir/header``, with the binding and wire verdicts
    (abi.verify.matrix.user) on every target; else the project's own checks."""
    if structs is None:
        structs = load_layout(layout_file)
    header_dir = Path(header_dir).resolve()  # (the compilers run in directories of their own)
    user = header != HEADER if user is None else user
    ctx = Context(header_dir, structs, layout_file, Cache(cache_root, use_cache), log, header=header,
                  user=user)
    if not (Path(header_dir) / header).exists():
        raise FileNotFoundError(f"{Path(header_dir) / header} does not exist")
    by_name = {t.name: t for t in all_targets}
    jobs = jobs or max(2, os.cpu_count() or 2)
    total = len(targets)
    done = [0]

    def one(t: Target) -> TargetResult:
        log(f"[{t.name}] {t.how}: checking")
        r = check_target(ctx, t, by_name)
        with ctx.lock:
            done[0] += 1
            n = done[0]
        what = r.status.upper() if r.status in ("mismatch", "error") else r.status
        extra = f" ({r.reason})" if r.reason else ""
        log(f"[{n:>2}/{total}] {t.name}: {what}{extra} in {r.seconds:.1f}s"
            + (" (cached build)" if r.cached else ""))
        return r

    needs_root = any(t.run_in == "i386-root" or t.mode == "cpython" for t in targets)
    root_ok = needs_root and i386_root.why_not_usable() is None and i386_root.has_python()
    mounts = i386_root.mounted(i386_root.root_dir()) if root_ok else None
    first = [t for t in targets if t.mode != "cpython"]
    later = [t for t in targets if t.mode == "cpython"]
    results: Dict[str, TargetResult] = {}
    if mounts is not None:
        mounts.__enter__()
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for r in pool.map(one, first):
                results[r.target.name] = r
        for t in later:
            results[t.name] = one(t)
    finally:
        if mounts is not None:
            mounts.__exit__(None, None, None)
    ordered = [results[t.name] for t in targets]
    if not user:  # (a user's images are held to ctypes' own, abi.verify.matrix.user_run)
        cross_check_images(ordered)
    return ordered
