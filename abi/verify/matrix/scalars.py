"""A target's C types as its CPython's ctypes would have them: the size and member
alignment of every type of :data:`abi.verify.ctypes_model.C_TYPES`, from the
target's own compiler at compile time (a reveal unit: each value becomes the type
of an error the compiler prints), cached per compiler.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

from abi.toolchain import CompileError
from abi.verify.ctypes_model import C_TYPES, OPTIONAL_TYPES, Scalars
from abi.verify.matrix.build import check_compile, check_key
from abi.verify.matrix.model import Context
from abi.verify.matrix.sources import revealed
from abi.verify.platforms import CompilerSpec, Target


def reveal_source() -> Tuple[str, Dict[int, Tuple[str, str]]]:
    """The unit, and line -> (C type, "size" | "align") of each value it reveals."""
    lines: List[str] = ["#include <stddef.h>", "#include <stdint.h>", "#if defined(__has_include)",
                        "#if __has_include(<time.h>)", "#include <time.h>", "#define SCALARS_HAVE_TIME_T",
                        "#endif", "#endif"]
    # member alignment as libffi (and so ctypes) takes it: the offset after a char
    for i, t in enumerate(C_TYPES):
        guard = t in OPTIONAL_TYPES
        lines += ["#ifdef SCALARS_HAVE_TIME_T"] if guard else []
        lines += [f"struct scalars_align_{i} {{ char c; {t} x; }};"] + (["#endif"] if guard else [])
    lines += ["struct scalars_reveal_ { int x; };", "void scalars_reveal_(void)", "{",
              "\tstruct scalars_reveal_ r;"]
    where: Dict[int, Tuple[str, str]] = {}
    for i, t in enumerate(C_TYPES):
        guard = t in OPTIONAL_TYPES
        lines += ["#ifdef SCALARS_HAVE_TIME_T"] if guard else []
        for kind, expr in (("size", f"sizeof({t})"), ("align", f"offsetof(struct scalars_align_{i}, x)")):
            lines.append(f"\tr = (char (*)[({expr}) + 1])0;")
            where[len(lines)] = (t, kind)
        lines += ["#endif"] if guard else []
    lines += ["\t(void)r;", "}"]
    return "\n".join(lines) + "\n", where


def target_scalars(ctx: Context, t: Target, spec: CompilerSpec) -> Scalars:
    """``t``'s table, from ``spec`` (cached); a Windows target has MSVC's bit-fields
    (CPython there defines ``MS_WIN32``, whichever compiler built it)."""
    text, where = reveal_source()
    key = check_key(ctx, "scalars", text, spec, "")
    hit = ctx.cache.get_json(key)
    if hit is None:
        with tempfile.TemporaryDirectory(prefix="shm-signal-scalars-") as tmp:
            try:
                check_compile(spec, text, ctx.header_dir, Path(tmp), "scalars.o", reveal=True)
                output = ""  # (cannot happen: every line of the unit is an error)
            except CompileError as exc:
                output = exc.output
        values: Dict[str, List[int]] = {}
        for line, value in revealed(output).items():
            if line in where:
                c_type, kind = where[line]
                values.setdefault(c_type, [0, 0])[kind == "align"] = value
        lost = [c for c in C_TYPES if 0 in values.get(c, [0]) and c not in OPTIONAL_TYPES]
        if lost:
            raise CompileError(f"{t.name}: the compiler did not reveal the size of {', '.join(lost)}", output)
        hit = {"types": values}
        ctx.cache.put_json(key, hit)
    table: Dict[str, List[int]] = hit["types"]  # type: ignore[assignment]
    types = {k: (int(v[0]), int(v[1])) for k, v in table.items()}
    return Scalars(types, t.byte_order, t.os == "windows")
