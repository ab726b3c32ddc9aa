"""A user's structures on the targets that run here (natively, under qemu-user or
wine): the binding probe (:mod:`abi.verify.binding`) built for the target and run,
and both verdicts on what only a run shows: the byte images after the sentinel
stores, i.e. where each bit-field's bits go and the byte order of every scalar.

* **binding**: the C image equals the image the target's ctypes would give
  (:func:`abi.verify.ctypes_model.image_on`);
* **wire**: it equals ctypes' image on this machine.

Sizes, alignments and offsets are the compile-time check's (:mod:`.user`); a target
whose runner is missing keeps that verdict and says why it did not run.
"""

from __future__ import annotations

from typing import Any, List, Optional

from abi import layout
from abi.toolchain import CompileError
from abi.verify import binding, ctypes_model, probe
from abi.verify.matrix.build import build_cached, error_lines, exe_name, first_error
from abi.verify.matrix.executed import check_probe_target, run_probe, runner_missing
from abi.verify.matrix.model import Context, TargetResult
from abi.verify.platforms import CompilerSpec, Target


def user_probe(ctx: Context, t: Target, spec: CompilerSpec, notes: Optional[List[str]] = None
               ) -> Optional[probe.ProbeResult]:
    """Build and run the binding probe for ``t``; None when it cannot run here.  A
    structure whose sentinel stores do not compile (the header compiled: the stores
    follow ctypes' shape, and C has a union where ctypes has an integer, say) is
    probed without its image, said in ``notes``; the others keep theirs."""
    no_image: List[str] = []
    while True:
        text, owner = binding.probe_unit(ctx.structs, ctx.header, no_image)
        try:
            exe, _cached = build_cached(ctx, spec, text, exe_name(t, "binding_probe"))
            break
        except CompileError as exc:
            bad = {owner[line]: why for line, why in sorted(error_lines(exc).items(), reverse=True)
                   if line in owner}
            if not bad:
                raise
            no_image += sorted(bad)
            if notes is not None:
                notes += [f"no byte image of {name}: its sentinel stores do not compile here: {why}"
                          for name, why in sorted(bad.items())]
    if runner_missing(t):
        return None
    out = run_probe(ctx, t, exe)
    with ctx.lock:
        ctx.probe_outputs[t.name] = out
    return probe.parse(out)


def member_at(model: ctypes_model.Layout, offset: int) -> str:
    """The member whose bytes hold ``offset`` (the first, for a union), or padding."""
    for m in model.members:
        if m.offset <= offset < m.offset + m.size:
            return f"{model.c_name}.{m.name}"
    return f"{model.c_name} padding"


def compare_images(res: TargetResult, verdict: str, name: str, c_image: bytes, other: bytes,
                   where: ctypes_model.Layout) -> None:
    """Record the first byte where ``c_image`` and ``other`` differ, if they do."""
    if c_image == other or len(c_image) != len(other):
        return  # (a size difference is the compile-time check's)
    i = next(k for k in range(len(c_image)) if c_image[k] != other[k])
    res.differ(verdict, name, f"byte image at byte {i} (in {member_at(where, i)})",
           f"{c_image[i]:#04x}", f"{other[i]:#04x}")


def compare_layout(res: TargetResult, verdict: str, name: str, c: probe.CStruct,
                   lay: ctypes_model.Layout) -> None:
    """A C compiler's sizes and offsets (a probe's report) against a ctypes layout."""
    if c.size != lay.size:
        res.differ(verdict, name, f"sizeof {name}", c.size, lay.size)
    if c.align != lay.align:
        res.differ(verdict, name, f"alignment of {name}", c.align, lay.align)
    for m in lay.members:
        got = c.fields.get(m.name)
        if m.bits or got is None:
            continue  # (a bit-field has no offset in C; its bits are in the image)
        if got[0] != m.offset:
            res.differ(verdict, f"{name}.{m.name}", f"offset of {name}.{m.name}", got[0], m.offset)
        if got[1] != m.size:
            res.differ(verdict, f"{name}.{m.name}", f"size of {name}.{m.name}", got[1], m.size)


def user_run_check(ctx: Context, t: Target, spec: CompilerSpec, res: TargetResult,
                   scalars: ctypes_model.Scalars) -> None:
    why = runner_missing(t)
    if why is not None:
        res.notes.append(f"not executed: {why}")
        return
    try:
        result = user_probe(ctx, t, spec, res.notes)
    except CompileError as exc:
        # The header compiled (the compile-time check ran): the stores through ctypes'
        # shape do not, e.g. a C union where ctypes has an integer of its size.  The
        # compile-time verdicts stand; say why there are no images.
        res.notes.append(f"not executed: the binding probe does not compile: {first_error(exc)}")
        return
    assert result is not None
    check_probe_target(res, t, result)
    for cls in ctx.structs:
        name = layout.c_name(cls)
        c = result.structs.get(name)
        if c is None:
            raise probe.ProbeOutputError(f"the probe for {t.name} did not report {name}")
        if not c.image:
            continue  # (its stores did not compile: said in the notes)
        res.images[name] = c.image.hex()
        model: Any = None
        try:
            model = ctypes_model.layout_on(cls, scalars)
            compare_images(res, "binding", name, c.image, ctypes_model.image_on(cls, scalars), model)
        except ctypes_model.ModelError as exc:
            res.notes.append(f"binding image: {name}: {exc}")
        here = ctypes_model.real_layout(cls)
        compare_images(res, "wire", name, c.image, binding.ctypes_image(cls), here)
