"""The platform matrix: the ctypes layout against the C header on every target.

For every target in ``platforms/*.json``:

1. **compile-time check**: a translation unit generated from the ctypes description
   includes the header and static-asserts every structure's size, every member's
   offset and size, and that the structure's alignment divides ``DESC_ALIGN``.  When an
   assertion fails, a second translation unit makes the compiler print the values it
   computed (in the type of an ill-formed assignment), so a failure reads like
   ``wrong offset for field 'shm_signal_irq.pid' (ctypes says 8, C compiler says 12)``;
2. **executed check** (native, qemu-user, wine): the probe of ``shm-signal verify``
   is built for the target, run, and compared with the ctypes layout, sentinel byte
   image included; every executed image must also equal every other one (the
   big-endian s390x image equals the x86_64 image byte for byte);
3. **32-bit CPython**: the package's ctypes layout under the i386 root's CPython is
   compared with the i686 C probe and with the reference (this host's) layout.

The reference is this host's ctypes layout.  A structure's alignment may differ
between ABIs (4 on i386, 2 on m68k): that only matters for where a descriptor may be
placed, so it passes when it divides ``DESC_ALIGN``, like the header's own assert.

Compiled probes and check results are cached under :func:`platforms.cache_dir`,
keyed by a hash of the source, the header, the compiler command and its version.

This package's modules, one job each (none imports this ``__init__``, which only
gathers their public names, so ``from abi.verify import matrix; matrix.run(...)``
keeps working):

- ``model``: :class:`TargetResult`, :class:`Skip`, :func:`load_layout`, :class:`Context`;
- ``sources``: the generated check and reveal translation units and their parsers;
- ``cache``: the result cache, :func:`header_digest`, :func:`compiler_version`;
- ``build``: picking a target's compiler, compiling, building the probe;
- ``compare``: where differences start, their messages, alignments that do not matter;
- ``compile_time``, ``executed``, ``cpython``: the three kinds of check (the last
  also holds :func:`cpython_side` and :func:`cpython_user_side`, which run inside the
  i386 root's python3);
- ``user``, ``user_run``, ``scalars``: a user's header and structures, the binding
  and wire verdicts at compile time and from the byte images of the targets that run,
  and each target's C types for the model of its ctypes (``abi.verify.ctypes_model``);
- ``driver``: :func:`run`, checking the selected targets and cross-checking images;
- ``report``: :func:`summary`, :func:`render` (the table) and :func:`to_json`.
"""

from __future__ import annotations

from abi.verify.matrix.build import build_probe, compile_source, no_error_limit, only_compile, pick_compiler
from abi.verify.matrix.cache import Cache, compiler_version, header_digest
from abi.verify.matrix.compare import field_messages, normalize_alignment, starts
from abi.verify.matrix.compile_time import compile_check
from abi.verify.matrix.cpython import cpython_check, cpython_side, cpython_user_check, cpython_user_side
from abi.verify.matrix.driver import check_target, cross_check_images, run
from abi.verify.matrix.executed import executed_check, run_probe, runner_missing
from abi.verify.matrix.model import HEADER, Context, Log, Skip, Structs, TargetResult, load_layout
from abi.verify.matrix.report import exit_status, render, summary, to_json
from abi.verify.matrix.scalars import target_scalars
from abi.verify.matrix.sources import check_source, failed_checks, parse_reveal, reveal_source, revealed
from abi.verify.matrix.user import user_check
from abi.verify.matrix.user_run import user_run_check

__all__ = [
    "Cache", "Context", "HEADER", "Log", "Skip", "Structs", "TargetResult", "build_probe",
    "check_source", "check_target", "compile_check", "compile_source", "compiler_version",
    "cpython_check", "cpython_side", "cpython_user_check", "cpython_user_side", "cross_check_images",
    "executed_check", "failed_checks", "field_messages", "header_digest", "load_layout", "no_error_limit",
    "normalize_alignment", "only_compile", "parse_reveal", "pick_compiler", "render", "reveal_source",
    "revealed", "run", "run_probe", "runner_missing", "starts", "summary", "target_scalars", "to_json",
    "exit_status", "user_check", "user_run_check",
]
