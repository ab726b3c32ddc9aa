"""Finding, and where needed building, the native library ``libshm_signal``.

The library is the C reference (``abi/c_reference/*.c``): the C engine and the
memory-ordering primitives the Python engine calls.  It is looked for in this order:

1. ``$SHM_SIGNAL_LIB``: an explicit path;
2. ``abi/_native/``: where a wheel carries it;
3. the build cache (``$XDG_CACHE_HOME/shm-signal/lib-<hash>/``), built there on first
   use with the machine's C compiler unless ``SHM_SIGNAL_NO_BUILD=1``.

Nothing here is required for the ABI tools; the engine falls back to kernel-call
fences without it (see :mod:`abi.engine.ordering`).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from abi.toolchain import CompileError, NoCompilerError, find_c_compiler

C_DIR = Path(__file__).resolve().parent.parent / "c_reference"
PACKAGED_DIR = Path(__file__).resolve().parent.parent / "_native"
# Translation units of the library; programs with a main() are not listed.
LIB_SOURCES: List[str] = [
    "shm_signal_atomic.c", "shm_signal_guard.c", "shm_signal_file.c", "shm_signal_error.c",
    "shm_signal_os.c", "shm_signal_validate.c", "shm_signal_handshake.c", "shm_signal_protocol.c",
    "shm_signal_wake.c", "shm_signal_wake_linux.c", "shm_signal_wake_macos.c",
    "shm_signal_wake_windows.c", "shm_signal_wake_poll.c", "shm_signal_wait_words.c", "shm_signal_wait_any.c",
    "shm_signal_spin.c", "shm_signal_ring.c", "shm_signal_rings.c", "shm_signal_data.c",
]


def lib_filename() -> str:
    if sys.platform == "win32":
        return "shm_signal.dll"
    if sys.platform == "darwin":
        return "libshm_signal.dylib"
    return "libshm_signal.so"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shm-signal"


def lib_source_paths() -> List[Path]:
    """The library's translation units (also compiled into the C programs)."""
    return [C_DIR / name for name in LIB_SOURCES]


def source_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(C_DIR.glob("*.[ch]")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


class NativeLibraryError(RuntimeError):
    """The native library is needed but cannot be found or built."""


def build(dest_dir: Optional[Path] = None, extra_flags: Optional[List[str]] = None) -> Path:
    """Compile the library with the machine's C compiler; returns its path."""
    dest_dir = dest_dir or cache_dir() / f"lib-{source_hash()}"
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / lib_filename()
    try:
        cc = find_c_compiler()
    except NoCompilerError as exc:
        raise NativeLibraryError(f"cannot build {lib_filename()}: {exc}") from exc
    if cc.kind == "msvc":
        flags = ["/O2", "/LD", "/experimental:c11atomics"]
    else:
        flags = ["-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-pthread"]
    flags += extra_flags or []
    tmp = dest_dir / f".{out.name}.{os.getpid()}.tmp"
    first, *rest = lib_source_paths()
    try:
        cc.build(first, tmp, include_dirs=[C_DIR], extra=[*flags, *map(str, rest)])
    except CompileError as exc:
        raise NativeLibraryError(f"building {out.name} failed: {exc}\n{exc.output.strip()}") from exc
    os.replace(tmp, out)  # atomic: concurrent builders never load a half-written file
    return out


_lock = threading.Lock()
_loaded: Optional[ctypes.CDLL] = None


def find() -> Optional[Path]:
    """The library's path if it exists already (no build)."""
    env = os.environ.get("SHM_SIGNAL_LIB")
    if env:
        return Path(env)
    for candidate in (PACKAGED_DIR / lib_filename(), cache_dir() / f"lib-{source_hash()}" / lib_filename()):
        if candidate.exists():
            return candidate
    return None


def load(build_if_missing: bool = True) -> ctypes.CDLL:
    """Load the library (once per process); raises :class:`NativeLibraryError`."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        path = find()
        if path is None:
            if not build_if_missing or os.environ.get("SHM_SIGNAL_NO_BUILD") == "1":
                raise NativeLibraryError(
                    f"{lib_filename()} not found (not in the package, not built; "
                    "set SHM_SIGNAL_LIB or install a wheel that carries it)")
            path = build()
        try:
            lib = ctypes.CDLL(str(path))
        except OSError as exc:
            raise NativeLibraryError(f"cannot load {path}: {exc}") from exc
        _declare(lib)
        _loaded = lib
        return lib


def try_load() -> Optional[ctypes.CDLL]:
    """The library, or None where it can be neither found nor built."""
    try:
        return load()
    except NativeLibraryError:
        return None


_holding_gil: Optional[ctypes.PyDLL] = None


def try_load_holding_gil() -> Optional[ctypes.PyDLL]:
    """The same library through :class:`ctypes.PyDLL`, whose calls keep the GIL:
    for the ordering primitives, which return within nanoseconds, releasing and
    re-taking the GIL would cost more than the call.  Never for anything that blocks."""
    global _holding_gil
    lib = try_load()
    if lib is None:
        return None
    with _lock:
        if _holding_gil is None:
            fast = ctypes.PyDLL(lib._name)  # same file: the loader returns the same handle
            _declare(fast)
            _holding_gil = fast
        return _holding_gil


def declare(lib: ctypes.CDLL, signatures: Dict[str, Tuple[List[Any], Any]]) -> ctypes.CDLL:
    """Set the argument and result types of each named function of ``lib``."""
    for name, (argtypes, restype) in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes = argtypes
        fn.restype = restype
    return lib


def _declare(lib: ctypes.CDLL) -> None:
    """argtypes and restype of every function the Python side calls."""
    lib.shm_signal_fence.argtypes = []
    lib.shm_signal_fence.restype = None
    lib.shm_signal_load_word.argtypes = [ctypes.c_void_p]
    lib.shm_signal_load_word.restype = ctypes.c_uint32
    lib.shm_signal_store_fence_load.argtypes = [ctypes.c_void_p, ctypes.c_uint8, ctypes.c_void_p]
    lib.shm_signal_store_fence_load.restype = ctypes.c_uint32
    lib.shm_signal_ring_le32.argtypes = [ctypes.c_void_p]
    lib.shm_signal_ring_le32.restype = ctypes.c_uint32
    lib.shm_signal_guard.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p]
    lib.shm_signal_guard.restype = ctypes.c_int
    lib.shm_signal_unguard.argtypes = [ctypes.c_void_p]
    lib.shm_signal_unguard.restype = None
    lib.shm_signal_guard_faults.argtypes = []
    lib.shm_signal_guard_faults.restype = ctypes.c_ulong
    # One pointer to a struct shm_signal_side each; no argtypes on purpose: callers
    # pass a prebuilt ctypes.byref, and argument checking would double the cost.
    for name in ("shm_signal_side_inject", "shm_signal_side_step", "shm_signal_side_announce_park",
                 "shm_signal_side_spin", "shm_signal_side_spin_step"):
        getattr(lib, name).restype = ctypes.c_int
