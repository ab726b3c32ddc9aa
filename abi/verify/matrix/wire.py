"""The wire verdict for a user's header and ctypes structures (``shm-signal matrix
--header FILE --structs SPEC``): does each target's compiler lay every structure out
with the sizes and offsets ctypes gives on this machine, i.e. are the bytes the same
there as here?  Compile-time only, on every target with a compiler: static asserts
of every size and member offset and size (bit-fields aside); when one fails, a
reveal unit makes the compiler print the values it computed, so that a difference
is reported with both numbers.
"""

from __future__ import annotations

import ctypes
import re
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from abi import layout
from abi.toolchain import CompileError
from abi.verify.matrix.build import check_compile, check_key
from abi.verify.matrix.cache import header_digest
from abi.verify.matrix.model import Context, TargetResult
from abi.verify.platforms import CompilerSpec, Target

_FAILED = re.compile(r"wire: (size|offset|msize) of ([\w.]+) \(ctypes says (\d+)\)")
_REVEALED = re.compile(r"^[^\n]*?:(\d+):\d+: error: [^\n]*char \(\*\)\[(\d+)\]", re.M)


def _items(cls: Any) -> List[Tuple[str, str, str, int]]:
    """(kind, name, C expression, ctypes value) of every checked quantity."""
    name = layout.c_name(cls)
    st = f"{'union' if issubclass(cls, ctypes.Union) else 'struct'} {name}"
    out = [("size", name, f"sizeof({st})", ctypes.sizeof(cls))]
    for f in cls._fields_:
        if len(f) > 2:
            continue  # a bit-field has no offset or size in C
        d = getattr(cls, f[0])
        out.append(("offset", f"{name}.{f[0]}", f"offsetof({st}, {f[0]})", int(d.offset)))
        out.append(("msize", f"{name}.{f[0]}", f"sizeof((({st} *)0)->{f[0]})", ctypes.sizeof(f[1])))
    return out


def assert_source(structs: Sequence[Any], header: str) -> str:
    lines = [f'#include "{header}"', "#include <stddef.h>"]
    for cls in structs:
        for kind, name, expr, value in _items(cls):
            msg = f"wire: {kind} of {name} (ctypes says {value})"
            lines.append(f'_Static_assert({expr} == {value}, "{msg}");')
    return "\n".join(lines) + "\n"


def reveal_source(structs: Sequence[Any], header: str) -> Tuple[str, Dict[int, Tuple[str, str]]]:
    """Every value as the type ``char (*)[value + 1]`` of an error; line -> (kind, name)."""
    lines = [f'#include "{header}"', "#include <stddef.h>", "struct wire_reveal_ { int x; };",
             "void wire_reveal_(void)", "{", "\tstruct wire_reveal_ r;"]
    where: Dict[int, Tuple[str, str]] = {}
    for cls in structs:
        for kind, name, expr, _value in _items(cls):
            lines.append(f"\tr = (char (*)[({expr}) + 1])0;")
            where[len(lines)] = (kind, name)
    lines += ["\t(void)r;", "}"]
    return "\n".join(lines) + "\n", where


def wire_check(ctx: Context, t: Target, spec: CompilerSpec, res: TargetResult) -> None:
    text = assert_source(ctx.structs, ctx.header)
    key = check_key(ctx, "wire", text, spec, header_digest(ctx.header_dir))
    hit = ctx.cache.get_json(key)
    if hit is None:
        with tempfile.TemporaryDirectory(prefix="shm-signal-wire-") as tmp:
            try:
                check_compile(spec, text, ctx.header_dir, Path(tmp), "wire.o")
                hit = {"ok": True}
            except CompileError as exc:
                if not _FAILED.search(exc.output):
                    raise  # not a layout check: the header does not compile there
                hit = {"ok": False, "output": exc.output}
                rtext, where = reveal_source(ctx.structs, ctx.header)
                try:
                    check_compile(spec, rtext, ctx.header_dir, Path(tmp), "reveal.o", reveal=True)
                except CompileError as rexc:
                    got = {}
                    for m in _REVEALED.finditer(rexc.output):
                        k = where.get(int(m.group(1)))
                        if k is not None:
                            got["/".join(k)] = int(m.group(2)) - 1
                    hit["values"] = got
        ctx.cache.put_json(key, hit)
    else:
        res.cached = True
    res.checked.append("compile-time")
    for cls in ctx.structs:
        res.structs.setdefault(layout.c_name(cls), "match")
    if hit.get("ok"):
        return
    values: Dict[str, int] = hit.get("values", {})  # type: ignore[assignment]
    seen = set()
    for m in _FAILED.finditer(str(hit.get("output", ""))):
        kind, name, ctypes_value = m.group(1), m.group(2), int(m.group(3))
        if (kind, name) in seen:
            continue
        seen.add((kind, name))
        c_value = values.get(f"{kind}/{name}")
        what = {"size": "sizeof", "offset": "offset of", "msize": "size of"}[kind]
        says = f"{c_value} on {t.name}" if c_value is not None else f"not {ctypes_value} on {t.name}"
        res.differences.append(f"compile-time: {what} {name}: {says}, ctypes says {ctypes_value} here")
        res.structs[name.split(".")[0]] = "MISMATCH"
        if "." in name:
            res.mismatches.append(name)
    res.mismatches = list(dict.fromkeys(res.mismatches))
