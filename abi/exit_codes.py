"""Exit codes of the ``shm-signal`` command, one per kind of outcome."""

OK = 0
MISMATCH = 1  # a layout differs
USAGE = 2  # bad command line (argparse's own code)
NO_COMPILER = 3  # no C compiler to build a probe with
COMPILE_FAILED = 4  # the header or a probe did not compile
PROBE_FAILED = 5  # a probe ran but crashed or printed garbage
STALE = 6  # a generated file is out of date
MATRIX_MISMATCH = 7  # shm-signal matrix: a target's layout differs
MATRIX_DATA = 8  # shm-signal matrix: bad platforms/*.json, unknown target or unusable --layout
CHECK_PEER_FAILED = 9  # shm-signal check-peer: at least one conformance case failed
PEER_UNUSABLE = 10  # shm-signal check-peer: the peer could not be started or answered no hello
NOT_A_DESCRIPTOR = 11  # shm-signal inspect: the file holds no valid descriptor (the fault code is printed)
FILE_UNREADABLE = 12  # shm-signal inspect: the file cannot be opened or read
FUZZ_FAILED = 13  # shm-signal fuzz: a crash, a hang, an exception or a disagreement (reproducers saved)
MATRIX_ERROR = 14  # shm-signal matrix: no layout differs, but a target's tools failed (no verdict there)
STRUCTS_UNUSABLE = 15  # --structs names no loadable module, file or ctypes structure, or C cannot express one
LINT_FINDINGS = 16  # shm-signal lint --strict: at least one finding
