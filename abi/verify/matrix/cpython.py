"""The 32-bit CPython check: the package's ctypes layout under the i386 root's python3,
compared with the i686 C probe and with the reference (this host's) layout.

:func:`cpython_check` runs here; it copies the package's Python modules into the root
and runs :func:`cpython_side` there, as ``from abi.verify import matrix;
matrix.cpython_side(...)``, which must keep working with the standard library and
this package alone.
"""

from __future__ import annotations

import ctypes
import inspect
import json
import platform as _platform
import shutil
import sys
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List

from abi import layout
from abi.toolchain import CompileError
from abi.verify import binding, ctypes_model, i386_root, probe, structs
from abi.verify import header as verify
from abi.verify.matrix.build import build_probe, first_error, pick_compiler
from abi.verify.matrix.compare import field_messages, normalize_alignment, starts
from abi.verify.matrix.executed import run_probe, runner_missing
from abi.verify.matrix.model import Context, Skip, Structs, TargetResult, load_layout
from abi.verify.matrix.scalars import target_scalars
from abi.verify.matrix.user_run import compare_images, compare_layout, user_probe
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


def in_root(code: str, files: Dict[str, str], args: List[str]) -> Any:
    """Run ``code`` in the i386 root's python3 with this package's Python modules and
    ``files`` (name -> text) in a directory of its own (``{d}`` in ``args``; it is
    ``sys.argv[1]``, on ``sys.path``, and ``matrix`` is imported); its JSON output."""
    root = i386_root.root_dir()
    d = root / "tmp" / f"shm-signal-{uuid.uuid4().hex[:12]}"
    d.mkdir(parents=True)
    inside = f"/tmp/{d.name}"
    try:
        # the package's Python modules only (this file is abi/verify/matrix/cpython.py, so
        # parents[2] is abi/): the i386 CPython imports abi.verify.matrix
        shutil.copytree(Path(__file__).resolve().parents[2], d / "abi",
                        ignore=shutil.ignore_patterns("c_reference", "vectors", "_native", "__pycache__",
                                                      "*.so", "*.dll", "*.json"))
        for name, text in files.items():
            (d / name).write_text(text)
        prelude = "import sys; sys.path.insert(0, sys.argv[1]); from abi.verify import matrix; "
        proc = i386_root.run_in_root(["python3", "-c", prelude + code, inside,
                                      *[a.replace("{d}", inside) for a in args]], timeout=120)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise verify.ProbeRunError(f"the i386 CPython failed: {tail[0]}")
    return json.loads(proc.stdout)


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
    files = {"probe.txt": text}
    layout_arg = ""
    if ctx.layout_file is not None:
        files["layout_under_test.py"] = ctx.layout_file.read_text()
        layout_arg = "{d}/layout_under_test.py"
    data = in_root("print(matrix.cpython_side(open(sys.argv[2]).read(), sys.argv[3]))", files,
                   ["{d}/probe.txt", layout_arg])
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


# --------------------------------------------------------------------------
# A user's structures (matrix --header FILE --structs SPEC)


def cpython_user_side(structs_file: str, names: List[str]) -> str:
    """Runs INSIDE the i386 root's python3: this interpreter's own ctypes layout and
    byte image of each named class (qualified name) of ``structs_file``, and its own
    table of C types, as JSON."""
    out: Dict[str, Any] = {"python": sys.version.split()[0], "machine": _platform.machine(),
                           "pointer_bytes": ctypes.sizeof(ctypes.c_void_p),
                           "scalars": ctypes_model.host_scalars().types, "structs": {}}
    try:
        mod = structs.module(structs_file)
    except structs.StructsSpecError as exc:
        return json.dumps({**out, "import_error": str(exc)})
    for name in names:
        cls: Any = mod
        for part in name.split("."):
            cls = getattr(cls, part)
        entry: Dict[str, Any] = {"layout": asdict(ctypes_model.real_layout(cls))}
        try:
            entry["image"] = binding.ctypes_image(cls).hex()
        except Exception as exc:  # (reported for that structure, not a crash of the run)
            entry["error"] = f"{type(exc).__name__}: {exc}"
        out["structs"][name] = entry
    return json.dumps(out)


def _source_file(structs: Structs) -> Path:
    files = {inspect.getsourcefile(cls) for cls in structs}
    if len(files) != 1 or None in files:
        raise Skip("the i386 CPython imports one Python file: your structures come from "
                   f"{len(files)} ({', '.join(sorted(str(f) for f in files))})")
    return Path(str(files.pop()))


def cpython_user_check(ctx: Context, t: Target, res: TargetResult, probe_target: Target) -> None:
    """A real 32-bit CPython's ctypes against the i686 C compiler (binding) and against
    ctypes here (wire); and the model of ctypes held to it (a difference there is an
    error of this tool, not a verdict)."""
    why = runner_missing(t)
    if why:
        raise Skip(why)
    source = _source_file(ctx.structs)
    spec = pick_compiler(probe_target)
    text = ctx.probe_outputs.get(probe_target.name)
    no_probe = ""  # why there is no C side to hold the real ctypes to
    try:
        result = probe.parse(text) if text is not None else user_probe(ctx, probe_target, spec, res.notes)
    except CompileError as exc:  # (see user_run_check: the stores, not the header)
        result, no_probe = None, first_error(exc)
        res.notes.append(f"binding not executed: the {probe_target.name} probe does not compile: {no_probe}")
    if result is None and not no_probe:
        raise Skip(f"cannot run the {probe_target.name} probe: {runner_missing(probe_target)}")
    scalars = target_scalars(ctx, probe_target, spec)
    names = [cls.__qualname__ for cls in ctx.structs]
    data = in_root("print(matrix.cpython_user_side(sys.argv[2], sys.argv[3:]))",
                   {"structs_under_test.py": source.read_text()}, ["{d}/structs_under_test.py", *names])
    if "import_error" in data:
        raise Skip(f"the i386 CPython cannot import your structures' file: {data['import_error']}")
    res.compiler = f"CPython {data['python']} i386 ({8 * int(data['pointer_bytes'])}-bit ctypes)"
    res.checked.append("executed")
    theirs = {k: tuple(v) for k, v in data["scalars"].items()}
    for c_type, sized in theirs.items():
        if c_type in scalars.types and scalars.types[c_type] != sized:
            raise ctypes_model.ModelDisagrees(
                f"the model's C types are not the i386 CPython's: {c_type} (size, alignment) "
                f"{scalars.types[c_type]} from {spec.label()}, {sized} in its ctypes")
    for cls in ctx.structs:
        name = layout.c_name(cls)
        entry = data["structs"][cls.__qualname__]
        real = ctypes_model.Layout(**{**entry["layout"], "members": [
            ctypes_model.Member(**m) for m in entry["layout"]["members"]]})
        try:
            model = ctypes_model.layout_on(cls, scalars)
        except ctypes_model.ModelError as exc:
            res.notes.append(f"binding: {name}: {exc}")
        else:
            if model != real:
                raise ctypes_model.ModelDisagrees(f"{name}: the model lays it out otherwise than the i386 "
                                                  f"CPython's ctypes: {ctypes_model.difference(model, real)}")
        res.verdicts[name] = {"binding": "match" if result is not None else "not run", "wire": "match"}
        res.structs[name] = "match"
        c = result.structs.get(name) if result is not None else None
        if result is not None and c is None:
            raise probe.ProbeOutputError(f"the probe for {probe_target.name} did not report {name}")
        if c is not None:
            compare_layout(res, "binding", name, c, real)
        if "error" in entry:
            res.notes.append(f"{name}: the i386 CPython's ctypes could not store the sentinels: "
                             f"{entry['error']}")
            continue
        image = bytes.fromhex(entry["image"])
        res.images[name] = entry["image"]
        if c is not None and c.image:
            compare_images(res, "binding", name, c.image, image, real)
        if len(image) != ctypes.sizeof(cls):
            res.differ("wire", name, f"sizeof {name}", len(image), ctypes.sizeof(cls))
        compare_images(res, "wire", name, image, binding.ctypes_image(cls), ctypes_model.real_layout(cls))
