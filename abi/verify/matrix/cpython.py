"""The 32-bit CPython check: the package's ctypes layout under the i386 root's python3,
compared with the i686 C probe and with the reference (this host's) layout.

:func:`cpython_check` runs here; it copies the package's Python modules into the root
and runs :func:`cpython_side` there, as ``from abi.verify import matrix;
matrix.cpython_side(...)``, which must keep working with the standard library and
this package alone.
"""

from __future__ import annotations

import ctypes
import json
import platform as _platform
import shutil
import sys
import uuid
from dataclasses import asdict
from pathlib import Path

from abi import layout
from abi.verify import header as verify
from abi.verify import i386_root, probe
from abi.verify.matrix.build import build_probe, pick_compiler
from abi.verify.matrix.compare import field_messages, normalize_alignment, starts
from abi.verify.matrix.executed import run_probe, runner_missing
from abi.verify.matrix.model import Context, Skip, TargetResult, load_layout
from abi.verify.platforms import Target


def cpython_side(probe_text: str, layout_file: str = "") -> str:
    """Runs INSIDE the i386 root's python3: this interpreter's ctypes layout and its
    comparison with the C probe's output, as JSON."""
    structs = load_layout(Path(layout_file) if layout_file else None)
    result = normalize_alignment(probe.parse(probe_text), structs)
    out = {"pointer_bytes": ctypes.sizeof(ctypes.c_void_p), "python": sys.version.split()[0],
           "machine": _platform.machine(), "structs": [], "compare": []}
    for cls in structs:
        d = layout.describe(cls)
        out["structs"].append({  # type: ignore[attr-defined]
            "c_name": d.c_name, "size": d.size, "align": d.align,
            "fields": {f.name: [f.offset, f.size] for f in d.fields},
            "image": probe.ctypes_image(cls).hex()})
    out["compare"] = [asdict(s) for s in verify.compare(result, structs)]
    return json.dumps(out)


def cpython_check(ctx: Context, t: Target, res: TargetResult, probe_target: Target) -> None:
    why = runner_missing(t)
    if why:
        raise Skip(why)
    text = ctx.probe_outputs.get(probe_target.name)
    if text is None:  # the i686 target was not selected or did not run: build it here
        spec = pick_compiler(probe_target)
        exe, _missing = build_probe(ctx, probe_target, spec, res)
        why = runner_missing(probe_target)
        if why:
            raise Skip(f"cannot run the {probe_target.name} probe: {why}")
        text = run_probe(ctx, probe_target, exe)
    root = i386_root.root_dir()
    d = root / "tmp" / f"shm-signal-{uuid.uuid4().hex[:12]}"
    d.mkdir(parents=True)
    try:
        # the package's Python modules only (this file is abi/verify/matrix/cpython.py, so
        # parents[2] is abi/): the i386 CPython imports abi.verify.matrix
        shutil.copytree(Path(__file__).resolve().parents[2], d / "abi",
                        ignore=shutil.ignore_patterns("c_reference", "vectors", "_native", "__pycache__",
                                                      "*.so", "*.dll", "*.json"))
        (d / "probe.txt").write_text(text)
        layout_arg = ""
        if ctx.layout_file is not None:
            shutil.copy2(ctx.layout_file, d / "layout_under_test.py")
            layout_arg = f"/tmp/{d.name}/layout_under_test.py"
        code = ("import sys; sys.path.insert(0, sys.argv[1]); from abi.verify import matrix; "
                "print(matrix.cpython_side(open(sys.argv[2]).read(), sys.argv[3]))")
        proc = i386_root.run_in_root(["python3", "-c", code, f"/tmp/{d.name}",
                                      f"/tmp/{d.name}/probe.txt", layout_arg], timeout=120)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise verify.ProbeRunError(f"the i386 CPython failed: {tail[0]}")
    data = json.loads(proc.stdout)
    res.compiler = f"CPython {data['python']} i386 ({8 * int(data['pointer_bytes'])}-bit ctypes)"
    res.checked.append("executed")
    if int(data["pointer_bytes"]) != t.word_bits // 8:
        res.differences.append(f"the i386 root's python3 has {data['pointer_bytes']}-byte pointers")
        res.mismatches.append("(target)")
    # 1. this interpreter's ctypes against the i686 C compiler
    for sr in data["compare"]:
        if sr["status"] != "match":
            res.structs[sr["c_name"]] = "MISMATCH"
            res.mismatches += starts(verify.StructResult(**{
                **sr, "fields": [verify.FieldResult(**f) for f in sr["fields"]], "image_diffs": []}))
            res.differences += [f"i386 ctypes vs {probe_target.name} C: {f['message']}"
                                for f in sr["fields"] if f["status"] != "match"]
            res.differences += [f"i386 ctypes vs {probe_target.name} C: {m}" for m in sr["messages"]]
    # 2. this interpreter's ctypes against the reference layout (this host's ctypes)
    i386 = probe.ProbeResult(int(data["pointer_bytes"]), "little", {})
    for s in data["structs"]:
        i386.structs[s["c_name"]] = probe.CStruct(
            s["c_name"], s["size"], s["align"], {k: (v[0], v[1]) for k, v in s["fields"].items()},
            bytes.fromhex(s["image"]))
        res.images[s["c_name"]] = s["image"]
    normalize_alignment(i386, ctx.structs)
    for sr in verify.compare(i386, ctx.structs):
        if sr.status != "match":
            res.structs[sr.c_name] = "MISMATCH"
            res.mismatches += starts(sr)
            res.differences += ["i386 ctypes vs reference: " + m.replace("C says", "i386 says")
                                for m in field_messages(sr)]
            res.differences += ["i386 ctypes vs reference: " + d.message.replace("C wrote", "i386 wrote")
                                for d in sr.image_diffs[:8]]
        else:
            res.structs.setdefault(sr.c_name, "match")
    res.mismatches = list(dict.fromkeys(res.mismatches))
