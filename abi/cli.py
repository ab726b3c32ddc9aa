"""The ``shm-signal`` command (also ``python -m abi``).

Each subcommand is one function taking the parsed arguments and returning an exit
code from :mod:`abi.exit_codes`; errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from . import exit_codes
from .probe import ProbeOutputError
from .toolchain import CompileError, NoCompilerError


def _err(msg: str) -> None:
    print(f"shm-signal: {msg}", file=sys.stderr)


def cmd_verify(args: argparse.Namespace) -> int:
    from . import verify

    try:
        report = verify.verify(Path(args.header_dir))
    except NoCompilerError as exc:
        _err(f"error: {exc}")
        return exit_codes.NO_COMPILER
    except CompileError as exc:
        _err(f"error: {exc}\n{exc.output.strip()}")
        return exit_codes.COMPILE_FAILED
    except (verify.ProbeRunError, ProbeOutputError, OSError) as exc:
        _err(f"error: the layout probe failed: {exc}")
        return exit_codes.PROBE_FAILED
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(verify.render(report))
    return exit_codes.OK if report.ok else exit_codes.MISMATCH


def cmd_generate(args: argparse.Namespace) -> int:
    from . import generate

    missing = [p for p in generate.BLOCKS if not p.exists()]
    if missing:
        _err("error: generate works on a source checkout; missing: "
             + ", ".join(str(p) for p in missing))
        return exit_codes.USAGE
    try:
        if args.check:
            stale = generate.stale()
            for p in stale:
                _err(f"stale: {p} (run: python -m abi generate)")
            return exit_codes.STALE if stale else exit_codes.OK
        for p in generate.write():
            print(f"wrote {p}")
    except KeyError as exc:
        _err(f"error: {exc.args[0]}")
        return exit_codes.STALE
    return exit_codes.OK



def build_parser() -> argparse.ArgumentParser:
    from .verify import HEADER_DIR

    parser = argparse.ArgumentParser(
        prog="shm-signal",
        description="shm-signal: ABI compatibility suite and signalling engine for shared memory.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("verify", help="compile a probe against the C header and compare it "
                                      "with the ctypes layout")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--header-dir", default=str(HEADER_DIR),
                   help="directory holding shm_signal.h (default: the packaged header)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("generate", help="rewrite the generated blocks of the header and spec")
    p.add_argument("--check", action="store_true", help="only report stale files")
    p.set_defaults(func=cmd_generate)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
