"""A user's header and ctypes structures in the platform matrix (``shm-signal matrix
--header FILE --structs SPEC``): two verdicts on every target with a compiler.

* **wire**: does the target's compiler lay every structure out with the sizes and
  offsets ctypes gives on *this* machine, i.e. are the bytes the same there as here
  (what shared memory and files between ABIs need)?
* **binding**: does it lay every structure out as *that target's* ctypes would
  (:mod:`abi.verify.ctypes_model`, with the target's C types taken from its compiler,
  :mod:`abi.verify.matrix.scalars`): sizes, alignments, member offsets and sizes
  (what a ctypes mirror used on that target needs)?

Compile-time, on every target: static asserts of every value; when one fails, a
reveal unit makes the compiler print the values it computed, so that a difference
is reported with both numbers.  A bit-field has no offset in C: where its bits go
is in the byte images, on the targets that run (:mod:`abi.verify.matrix.user_run`).
"""

from __future__ import annotations

import ctypes
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from abi import layout
from abi.toolchain import CompileError
from abi.verify import ctypes_model
from abi.verify.matrix.build import check_compile, check_key
from abi.verify.matrix.cache import header_digest
from abi.verify.matrix.model import Context, TargetResult
from abi.verify.matrix.scalars import target_scalars
from abi.verify.matrix.sources import revealed
from abi.verify.matrix.user_run import user_run_check
from abi.verify.platforms import CompilerSpec, Target
from abi.verify.structs import all_fields, is_flexible

VERDICTS = ("binding", "wire")
_FAILED = re.compile(r"(wire|binding): (size|align|offset|msize) of ([\w.]+) \(ctypes says (-?\d+)\)")
_WHAT = {"size": "sizeof", "align": "alignment of", "offset": "offset of", "msize": "size of"}


def _keyword(cls: Any) -> str:
    return "union" if issubclass(cls, ctypes.Union) else "struct"


def _exprs(cls: Any) -> List[Tuple[str, str, str]]:
    """(kind, name, C expression) of every value checked for ``cls``."""
    name = layout.c_name(cls)
    st = f"{_keyword(cls)} {name}"
    out = [("size", name, f"sizeof({st})"), ("align", name, f"offsetof(struct user_align_{name}, x)")]
    for f in all_fields(cls):
        if len(f) == 2:  # a bit-field has no offset or size in C
            out.append(("offset", f"{name}.{f[0]}", f"offsetof({st}, {f[0]})"))
            if not is_flexible(f[1]):  # (a flexible tail has no size in C)
                out.append(("msize", f"{name}.{f[0]}", f"sizeof((({st} *)0)->{f[0]})"))
    return out


def wire_values(cls: Any) -> Dict[Tuple[str, str], int]:
    """What the bytes must be everywhere: ctypes on this machine (no alignment: the
    bytes do not show it)."""
    name = layout.c_name(cls)
    out = {("size", name): ctypes.sizeof(cls)}
    for f in all_fields(cls):
        if len(f) == 2:
            out[("offset", f"{name}.{f[0]}")] = int(getattr(cls, f[0]).offset)
            out[("msize", f"{name}.{f[0]}")] = ctypes.sizeof(f[1])
    return out


def binding_values(model: ctypes_model.Layout) -> Dict[Tuple[str, str], int]:
    """What the target's ctypes would lay out (the model)."""
    out = {("size", model.c_name): model.size, ("align", model.c_name): model.align}
    for m in model.members:
        if not m.bits:
            out[("offset", f"{model.c_name}.{m.name}")] = m.offset
            out[("msize", f"{model.c_name}.{m.name}")] = m.size
    return out


def _prelude(structs: Sequence[Any], header: str) -> List[str]:
    lines = [f'#include "{header}"', "#include <stddef.h>"]
    lines += [f"struct user_align_{layout.c_name(c)} {{ char c; {_keyword(c)} {layout.c_name(c)} x; }};"
              for c in structs]
    return lines


def assert_source(structs: Sequence[Any], header: str,
                  expected: Dict[str, Dict[Tuple[str, str], int]]) -> str:
    """Static asserts of every value of ``expected`` (verdict -> (kind, name) -> value)."""
    lines = _prelude(structs, header)
    for cls in structs:
        for kind, name, expr in _exprs(cls):
            for verdict in VERDICTS:
                value = expected.get(verdict, {}).get((kind, name))
                if value is not None:
                    msg = f"{verdict}: {kind} of {name} (ctypes says {value})"
                    lines.append(f'_Static_assert({expr} == {value}, "{msg}");')
    return "\n".join(lines) + "\n"


def reveal_source(structs: Sequence[Any], header: str) -> Tuple[str, Dict[int, Tuple[str, str]]]:
    """Every value as the type ``char (*)[value + 1]`` of an error; line -> (kind, name)."""
    lines = _prelude(structs, header) + ["struct user_reveal_ { int x; };", "void user_reveal_(void)", "{",
                                         "\tstruct user_reveal_ r;"]
    where: Dict[int, Tuple[str, str]] = {}
    for cls in structs:
        for kind, name, expr in _exprs(cls):
            lines.append(f"\tr = (char (*)[({expr}) + 1])0;")
            where[len(lines)] = (kind, name)
    lines += ["\t(void)r;", "}"]
    return "\n".join(lines) + "\n", where


def models(ctx: Context, scalars: ctypes_model.Scalars) -> Dict[str, Any]:
    """c_name -> the target's ctypes layout, or the reason it cannot be modelled."""
    out: Dict[str, Any] = {}
    for cls in ctx.structs:
        try:
            out[layout.c_name(cls)] = ctypes_model.layout_on(cls, scalars)
        except ctypes_model.ModelError as exc:
            out[layout.c_name(cls)] = str(exc)
    return out


def _compile(ctx: Context, spec: CompilerSpec, text: str) -> Dict[str, object]:
    """Compile the asserts; on a failed one, reveal the compiler's values (cached)."""
    key = check_key(ctx, "user", text, spec, header_digest(ctx.header_dir))
    hit = ctx.cache.get_json(key)
    if hit is not None:
        hit["cached"] = True
        return hit
    with tempfile.TemporaryDirectory(prefix="shm-signal-user-") as tmp:
        try:
            check_compile(spec, text, ctx.header_dir, Path(tmp), "user.o")
            hit = {"ok": True}
        except CompileError as exc:
            if not _FAILED.search(exc.output):
                raise  # not a layout check: the header does not compile there
            hit = {"ok": False, "output": exc.output}
            rtext, where = reveal_source(ctx.structs, ctx.header)
            try:
                check_compile(spec, rtext, ctx.header_dir, Path(tmp), "reveal.o", reveal=True)
            except CompileError as rexc:
                hit["values"] = {"/".join(where[line]): value
                                 for line, value in revealed(rexc.output).items() if line in where}
    ctx.cache.put_json(key, hit)
    return hit


def user_check(ctx: Context, t: Target, spec: CompilerSpec, res: TargetResult) -> None:
    """Both verdicts for every structure on ``t``: compile-time, then from the byte
    images where the target runs here."""
    scalars = target_scalars(ctx, t, spec)
    model = models(ctx, scalars)
    expected: Dict[str, Dict[Tuple[str, str], int]] = {"wire": {}, "binding": {}}
    for cls in ctx.structs:
        name = layout.c_name(cls)
        expected["wire"].update(wire_values(cls))
        res.verdicts[name] = {"wire": "match"}
        if isinstance(model[name], ctypes_model.Layout):
            expected["binding"].update(binding_values(model[name]))
            res.verdicts[name]["binding"] = "match"
            res.notes += [f"binding: {g}" for g in model[name].guesses if f"binding: {g}" not in res.notes]
        else:
            res.verdicts[name]["binding"] = "not modelled"
            res.notes.append(f"binding: {name}: {model[name]}")
    hit = _compile(ctx, spec, assert_source(ctx.structs, ctx.header, expected))
    res.cached = bool(hit.get("cached"))
    res.checked.append("compile-time")
    for cls in ctx.structs:
        res.structs.setdefault(layout.c_name(cls), "match")
    values: Dict[str, int] = hit.get("values", {})  # type: ignore[assignment]
    seen = set()
    for m in _FAILED.finditer(str(hit.get("output", ""))):
        verdict, kind, name, py_value = m.group(1), m.group(2), m.group(3), int(m.group(4))
        if (verdict, kind, name) in seen:
            continue
        seen.add((verdict, kind, name))
        res.differ(verdict, name, f"{_WHAT[kind]} {name}", values.get(f"{kind}/{name}"), py_value)
    if t.executed:
        user_run_check(ctx, t, spec, res, scalars)
