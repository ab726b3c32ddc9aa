"""The ``shm-signal`` command (also ``python -m abi``).

Each subcommand is one function taking the parsed arguments and returning an exit
code from :mod:`abi.exit_codes`; errors are one line on stderr, never a traceback.

Over 400 lines: a function per subcommand (arguments in, exit code out) and the one
parser that names them all; the work itself is in the packages they call.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

from abi import exit_codes
from abi.toolchain import CompileError, NoCompilerError, find_c_compiler
from abi.verify.probe import ProbeOutputError


def _err(msg: str) -> None:
    print(f"shm-signal: {msg}", file=sys.stderr)


def _run_probe(make: Callable[[], Any]) -> Tuple[Optional[Any], int]:
    """(make(), OK), or (None, the exit status of the failure, said on stderr): the
    probe-building commands' errors, one way."""
    from abi.verify import header as verify
    from abi.verify import structs

    try:
        return make(), exit_codes.OK
    except structs.StructsSpecError as exc:
        _err(f"error: {exc}")
        return None, exit_codes.STRUCTS_UNUSABLE
    except NoCompilerError as exc:
        _err(f"error: {exc}")
        return None, exit_codes.NO_COMPILER
    except CompileError as exc:
        _err(f"error: {exc}\n{exc.output.strip()}")
        return None, exit_codes.COMPILE_FAILED
    except (verify.ProbeRunError, ProbeOutputError, OSError) as exc:
        _err(f"error: the layout probe failed: {exc}")
        return None, exit_codes.PROBE_FAILED


def cmd_verify_structs(args: argparse.Namespace) -> int:
    """verify --header FILE --structs SPEC: the binding verdict on this machine."""
    from abi.verify import binding, structs

    if not (args.header and args.structs):
        _err("error: --header and --structs go together (your header, your ctypes structures)")
        return exit_codes.USAGE
    header = Path(args.header)
    if not header.is_file():
        _err(f"error: --header {header}: no such file")
        return exit_codes.USAGE
    report, rc = _run_probe(lambda: binding.verify(structs.load(args.structs), header, find_c_compiler(),
                                                   [Path(d) for d in args.include or ()]))
    if report is None:
        return rc
    print(json.dumps(report.to_json(), indent=2) if args.json else binding.render(report))
    return exit_codes.OK if report.ok else exit_codes.MISMATCH


def cmd_verify(args: argparse.Namespace) -> int:
    from abi.verify import header as verify

    if args.header or args.structs:
        return cmd_verify_structs(args)
    report, rc = _run_probe(lambda: verify.verify(Path(args.header_dir)))
    if report is None:
        return rc
    print(json.dumps(report.to_json(), indent=2) if args.json else verify.render(report))
    return exit_codes.OK if report.ok else exit_codes.MISMATCH


def cmd_header(args: argparse.Namespace) -> int:
    from abi.verify import cheader, structs

    try:
        classes = structs.load(args.structs)
        name = Path(args.output).name if args.output else "structs.h"
        text = cheader.generate(classes, name=name, prefix=args.prefix or "")
    except (structs.StructsSpecError, cheader.HeaderError) as exc:
        _err(f"error: {exc}")
        return exit_codes.STRUCTS_UNUSABLE
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return exit_codes.OK


def cmd_lint(args: argparse.Namespace) -> int:
    from abi import layout
    from abi.verify import lint, platforms, structs

    try:
        classes = structs.load(args.structs)
        targets = platforms.select(platforms.load(), args.target or [])
        findings = lint.lint(classes, targets)
        fixes = {c.__name__: lint.fix(c) for c in classes
                 if any(f.struct == layout.c_name(c) and f.rule != "bit-field" for f in findings)}
    except structs.StructsSpecError as exc:
        _err(f"error: {exc}")
        return exit_codes.STRUCTS_UNUSABLE
    except (platforms.TargetDataError, KeyError) as exc:
        _err(f"error: {exc}")
        return exit_codes.MATRIX_DATA
    if args.json:
        print(json.dumps({"findings": [f.to_json() for f in findings], "fixes": fixes}, indent=2))
    else:
        for f in findings:
            print(f.message + (f"\n    shows on: {', '.join(f.targets)}" if f.targets else ""))
        for text in fixes.values():
            print(f"\nthe fix (every byte named, fixed-width types of this machine's sizes):\n{text}")
        print(f"\n{len(findings)} finding(s) in {len(classes)} structure(s)")
    return exit_codes.LINT_FINDINGS if args.strict and findings else exit_codes.OK


def cmd_generate(args: argparse.Namespace) -> int:
    from abi.devtools import generate

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


def cmd_matrix(args: argparse.Namespace) -> int:
    from abi.verify import i386_root, matrix, platforms

    try:
        all_targets = platforms.load(Path(args.platforms) if args.platforms else None)
        targets = platforms.select(all_targets, args.target or [])
        layout_file = Path(args.layout).resolve() if args.layout else None
        structs = matrix.load_layout(layout_file)
    except platforms.TargetDataError as exc:
        _err(f"error: {exc}")
        return exit_codes.MATRIX_DATA
    except Exception as exc:  # a --layout file is arbitrary Python: report, never trace back
        _err(f"error: cannot load --layout {args.layout}: {type(exc).__name__}: {exc}")
        return exit_codes.MATRIX_DATA
    if args.list:
        for t in targets:
            print(f"{t.name:<20} {t.os:<8} {t.arch:<8} {t.word_bits}-bit {t.byte_order:<6} "
                  f"{t.abi:<6} {t.how}")
        return exit_codes.OK
    header_dir, header = Path(args.header_dir), matrix.HEADER
    user = bool(args.header or args.structs)  # (our own header too, given so: the public path)
    if user:  # a user's header and structures: binding and wire verdicts
        from abi.verify import structs as user_structs

        if not (args.header and args.structs):
            _err("error: --header and --structs go together (your header, your ctypes structures)")
            return exit_codes.USAGE
        if not Path(args.header).is_file():
            _err(f"error: --header {args.header}: no such file")
            return exit_codes.USAGE
        header_dir, header = Path(args.header).resolve().parent, Path(args.header).name
        try:
            structs = user_structs.load(args.structs)
        except user_structs.StructsSpecError as exc:
            _err(f"error: {exc}")
            return exit_codes.STRUCTS_UNUSABLE
    elif not (header_dir / header).is_file():
        _err(f"error: no shm_signal.h in {args.header_dir}")
        return exit_codes.USAGE
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    if args.prepare and any(t.run_in == "i386-root" or t.mode == "cpython"
                                                        for t in targets):
        try:
            i386_root.ensure(wine=True, log=log)
        except i386_root.RootUnavailable as exc:
            _err(f"warning: cannot prepare the i386 root: {exc}")
    try:
        results = matrix.run(targets, all_targets, header_dir, structs=structs,
                             layout_file=layout_file, use_cache=not args.no_cache, jobs=args.jobs,
                             log=log, header=header, user=user)
    except OSError as exc:  # e.g. the cache directory is not writable
        _err(f"error: {exc}")
        return exit_codes.PROBE_FAILED
    if args.json:
        print(json.dumps(matrix.to_json(results), indent=2))
    else:
        print(matrix.render(results, structs))
    return matrix.exit_status(results)


def cmd_inspect(args: argparse.Namespace) -> int:
    from abi.conformance import inspect_file as insp

    try:
        result = insp.inspect_file(args.file, args.offset)
    except ValueError as exc:
        _err(f"error: --{exc}")
        return exit_codes.USAGE
    except OSError as exc:
        _err(f"error: cannot read {args.file}: {exc.strerror or exc}")
        return exit_codes.FILE_UNREADABLE
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(insp.render(result, with_raw=args.raw))
    if result.fault is not None:
        f = result.fault
        _err(f"refused: {f}")
        return exit_codes.NOT_A_DESCRIPTOR
    return exit_codes.OK


def cmd_fuzz(args: argparse.Namespace) -> int:
    import random

    from abi.conformance import fuzz
    from abi.engine.native import NativeLibraryError

    if args.replay:
        try:
            cases = fuzz.load_reproducers(args.replay)
        except (OSError, ValueError, KeyError) as exc:
            _err(f"error: cannot read the reproducers: {exc}")
            return exit_codes.USAGE
        seed, inputs, seconds, source = 0, len(cases), None, iter(cases)
    else:
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
        inputs = args.inputs if args.inputs is not None or args.time is not None else 100_000
        seconds, source = args.time, fuzz.Mutator(seed)
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        summary = fuzz.run(source, seed=seed, inputs=inputs, seconds=seconds, out_dir=Path(args.out),
                           plant=args.plant or "", progress=progress)
    except NativeLibraryError as exc:
        _err(f"error: the C engine is needed: {exc}")
        return exit_codes.NO_COMPILER
    print(json.dumps(summary.to_json(), indent=1) if args.json else summary.render())
    return exit_codes.FUZZ_FAILED if summary.failures else exit_codes.OK


def cmd_check_peer(args: argparse.Namespace) -> int:
    import shlex

    from abi.conformance import check_peer, report

    argv = list(args.peer_argv or [])
    if argv and argv[0] == "--":
        argv = argv[1:]
    if args.peer:
        argv = shlex.split(args.peer) + argv
    if args.requirements:
        from abi.conformance import requirements

        table = requirements.load()
        if args.json:
            print(json.dumps(table.rows(), indent=1))
        else:
            print(requirements.render(table))
        return exit_codes.OK
    if args.list:
        listed = check_peer.Options(fuzz=args.fuzz, fuzz_replay=args.fuzz_replay)
        for name in check_peer.case_names(args.engine or ("py", "c"), listed):
            print(name)
        return exit_codes.OK
    if not argv:
        _err("error: no peer command: shm-signal check-peer [options] -- COMMAND ARGS...")
        return exit_codes.USAGE
    progress = None
    if not args.json and not args.quiet:
        def progress(r: check_peer.CaseResult) -> None:
            print(f"  {r.status:<7} {r.name}", file=sys.stderr, flush=True)
    make = check_peer.Options.quick if args.quick else check_peer.Options
    kw: dict = {"timeout": args.timeout, "engines": tuple(args.engine or ("py", "c")),
                "select": tuple(args.case or ()), "progress": progress}
    if args.stress_injects is not None:
        kw["stress_injects"] = args.stress_injects
    if args.ping_rounds is not None:
        kw["ping_rounds"] = args.ping_rounds
    kw.update(fuzz=args.fuzz, fuzz_seed=args.fuzz_seed, fuzz_corpus=args.fuzz_corpus,
              fuzz_replay=args.fuzz_replay)
    result = check_peer.run(argv, make(**kw))
    if args.junit_xml:
        try:
            report.write_junit(result, args.junit_xml)
        except OSError as exc:
            _err(f"error: cannot write {args.junit_xml}: {exc}")
            return exit_codes.USAGE
    print(report.to_json(result) if args.json else report.render_text(result, verbose=args.verbose))
    if result.unusable:
        return exit_codes.PEER_UNUSABLE
    return exit_codes.OK if result.ok else exit_codes.CHECK_PEER_FAILED


def build_parser() -> argparse.ArgumentParser:
    from abi.verify.header import HEADER_DIR

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
    p.add_argument("--header", metavar="FILE", help="your C header (with --structs): is each structure "
                   "laid out by ctypes as this machine's C compiler lays out the header's?")
    p.add_argument("--structs", metavar="SPEC", help="your ctypes structures: a module or a .py file, "
                   "optionally :ATTRIBUTE (see shm-signal header)")
    p.add_argument("--include", action="append", metavar="DIR", help="another include directory")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("header", help="a C header from your ctypes structures: fixed-width types, explicit "
                                      "padding, static assertions of every size and offset (C and C++)")
    p.add_argument("--structs", required=True, metavar="SPEC",
                   help="a module or a .py file, optionally :ATTRIBUTE (a structure or a list of them); "
                        "without it, every ctypes Structure/Union the module defines")
    p.add_argument("-o", "--output", metavar="FILE", help="write the header there (default: stdout)")
    p.add_argument("--prefix", help="the assertion macro's prefix (default: from the file name)")
    p.set_defaults(func=cmd_header)

    p = sub.add_parser("lint", help="the layout rules on your ctypes structures: implicit padding, "
                                    "ABI-sized types, bit-fields; where each shows and the fix")
    p.add_argument("--structs", required=True, metavar="SPEC", help="your ctypes structures (see header)")
    p.add_argument("--target", action="append", metavar="NAME", help="only these targets (default: all)")
    p.add_argument("--strict", action="store_true", help="exit 16 on any finding (for CI)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("generate", help="rewrite the generated blocks of the header and spec")
    p.add_argument("--check", action="store_true", help="only report stale files")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("matrix", help="check the layout on every target in platforms/: "
                                      "cross-compiled, run under qemu/wine where possible")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--target", action="append", metavar="NAME",
                   help="check only this target (repeatable; default: all)")
    p.add_argument("--list", action="store_true", help="list the targets and exit")
    p.add_argument("--header-dir", default=str(HEADER_DIR),
                   help="directory holding shm_signal.h (default: the packaged header)")
    p.add_argument("--layout", metavar="FILE",
                   help="a Python file defining STRUCTS to check instead of abi.layout's")
    p.add_argument("--header", metavar="FILE", help="your C header (with --structs): two verdicts per "
                   "target, binding (its compiler against its ctypes) and wire (against ctypes here)")
    p.add_argument("--structs", metavar="SPEC", help="your ctypes structures (see shm-signal header)")
    p.add_argument("--platforms", metavar="DIR", help="directory of target files "
                                                      "(default: the platforms/ shipped)")
    p.add_argument("--no-cache", action="store_true", help="rebuild every probe")
    p.add_argument("--prepare", action="store_true",
                   help="build the cached i386 root (debootstrap, wine) first if it is missing")
    p.add_argument("--jobs", type=int, default=0, help="targets checked in parallel "
                                                       "(default: the number of CPUs)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("inspect", help="decode the descriptor in a mapping file (refuses a non-descriptor "
                                       "with its fault code)")
    p.add_argument("file", help="the mapping file")
    p.add_argument("--offset", type=lambda s: int(s, 0), default=0,
                   help="the descriptor's offset in the file (default 0)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--raw", action="store_true", help="also print the 192 bytes in hex")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("fuzz", help="differential fuzzing: mutated descriptors to both engines' validators "
                                    "and attaches and to inspect; any crash, hang or disagreement fails")
    p.add_argument("--seed", type=int, help="the campaign's seed (default: a random one, printed)")
    p.add_argument("--inputs", type=int, help="stop after N inputs (default 100000 unless --time)")
    p.add_argument("--time", type=float, help="stop after S seconds")
    p.add_argument("--out", default="shm-signal-fuzz-failures",
                   help="directory for reproducer files (one per failure)")
    p.add_argument("--replay", nargs="+", metavar="FILE", help="judge the inputs of reproducer files again")
    p.add_argument("--plant", choices=["desc-size-alignment", "crash", "hang"],
                   help="self-check: break one check of the Python validator, to see the campaign catch it")
    p.add_argument("--json", action="store_true", help="machine-readable summary")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_fuzz)

    # listed here; main() hands its arguments to abi.model untouched
    sub.add_parser("model", add_help=False, help="model-check the protocol of spec section 7 with SPIN "
                                                 "(shm-signal model --help)")

    p = sub.add_parser("check-peer", help="run the conformance suite against a peer program that speaks "
                                          "the line protocol (spec section 13)",
                       usage="shm-signal check-peer [options] -- COMMAND ARGS...")
    p.add_argument("--peer", metavar="COMMAND", help="the peer command as one string (instead of after --)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--junit-xml", metavar="FILE", help="also write JUnit XML for CI")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds to wait for one reply before the peer counts as hung and is killed "
                        "(default 10; stress commands get more)")
    p.add_argument("--quick", action="store_true",
                   help="small stress counts (20000 injects, 1000 ping rounds) instead of 10^6 / 20000")
    p.add_argument("--stress-injects", type=int, metavar="N", help="injects per stress case")
    p.add_argument("--ping-rounds", type=int, metavar="N", help="rounds per ping-pong case")
    p.add_argument("--engine", action="append", choices=("py", "c"),
                   help="reference engine(s) to run against (repeatable; default both)")
    p.add_argument("-k", "--case", action="append", metavar="PATTERN",
                   help="run only cases whose name matches (fnmatch or substring; repeatable)")
    p.add_argument("--fuzz", type=int, default=0, metavar="N",
                   help="also hand the peer N mutated descriptors and compare its verdicts with the "
                        "reference validator's (case fuzz.validator)")
    p.add_argument("--fuzz-seed", type=int, default=0, metavar="S",
                   help="the seed of --fuzz's inputs (default 0)")
    p.add_argument("--fuzz-corpus", default="shm-signal-peer-fuzz.json", metavar="FILE",
                   help="where --fuzz saves the inputs the peer disagrees on")
    p.add_argument("--fuzz-replay", metavar="FILE", help="hand the peer the inputs of a saved corpus instead")
    p.add_argument("--list", action="store_true", help="list the case names and exit")
    p.add_argument("--requirements", action="store_true",
                   help="print the spec's requirement IDs with the cases that check each (or why none can) "
                        "and exit; with --json, as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="say why cases were skipped")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("peer_argv", nargs=argparse.REMAINDER, metavar="-- COMMAND ARGS...")
    p.set_defaults(func=cmd_check_peer)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["model"]:
        from abi.model.__main__ import main as model_main

        return model_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
