"""The libFuzzer targets of the C engine (abi/c_reference/fuzz/shm_signal_fuzz.c, the
descriptor; shm_signal_ring_fuzz.c, the message ring), built and run through the
Makefile's fuzz targets: a bounded campaign over the seed corpus finds nothing,
every corpus file replays cleanly, and planted bugs (a validator that accepts any
desc_size >= 192, one that lets MESSAGE_RINGS pass with a desc_size too small for
the rings, an attach that writes its pid before refusing a busy locality; a ring
consumer that lets a record cross the end or takes padding at 0) are caught by
fuzzing or by replaying a reproducer."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

from conftest import HEADER_DIR, missing, require_tool

# clang builds and a bounded libFuzzer campaign
pytestmark = pytest.mark.slow

ROOT = HEADER_DIR.parent.parent
FUZZ_DIR = HEADER_DIR / "fuzz"
CORPUS = FUZZ_DIR / "corpus"
GOLDEN = ROOT / "abi" / "vectors" / "golden.json"

# Planted bugs: (file, the text, what replaces it); each must match exactly once.
PLANTS = {
    "desc-size-alignment": (
        "shm_signal_validate.c",
        "if (size < SHM_SIGNAL_DESC_SIZE || size % SHM_SIGNAL_DESC_ALIGN)",
        "if (size < SHM_SIGNAL_DESC_SIZE)",
    ),
    "rings-min-size": (  # spec 6.4 rule 5 skipped: MESSAGE_RINGS with any desc_size
        "shm_signal_validate.c",
        "\t    size < RINGS_MIN_DESC_SIZE)",
        "\t    size < SHM_SIGNAL_DESC_SIZE)",
    ),
    "pid-before-busy-check": (
        "shm_signal_handshake.c",
        "\t/* step 4: the set to accept",
        "\tst32(rec(ch, a) + R_OFF(pid), (flags & SHM_SIGNAL_O_PID) ? pid : shm_signal_own_pid());\n"
        "\t/* step 4: the set to accept",
    ),
}


def _make(c_dir: Path, *args: str, env: Optional[Dict[str, str]] = None,
          timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-C", str(c_dir), *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.fixture(scope="module")
def fuzz_toolchain(tmp_path_factory: pytest.TempPathFactory) -> str:
    """clang that links -fsanitize=fuzzer (libclang-rt-*-dev), and make."""
    require_tool("make")
    clang = require_tool("clang")
    tmp = tmp_path_factory.mktemp("fuzz-probe")
    src = tmp / "probe.c"
    src.write_text("#include <stddef.h>\n#include <stdint.h>\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
                   "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    proc = subprocess.run([clang, "-fsanitize=fuzzer,address,undefined", str(src), "-o", str(tmp / "probe")],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        missing("clang cannot link a libFuzzer target (install libclang-rt-dev): "
                f"{proc.stderr.strip()[-300:]}")
    return clang


def _exe(build: Path) -> Path:
    return Path(f"{build}-fuzz") / "shm_signal_fuzz"


def _build(c_dir: Path, build: Path, clang: str) -> None:
    proc = _make(c_dir, "fuzz", f"BUILD={build}", f"FUZZ_CC={clang}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _exe(build).is_file()


@pytest.fixture(scope="module")
def build(fuzz_toolchain: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BUILD of the harness over the real library, built by `make fuzz` outside the
    checkout (the binary is BUILD-fuzz/shm_signal_fuzz)."""
    b = tmp_path_factory.mktemp("fuzz-build") / "b"
    _build(HEADER_DIR, b, fuzz_toolchain)
    return b


def _env(tmp_path: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env["SHM_SIGNAL_FUZZ_DIR"] = str(tmp_path)  # the harness's attach file goes here
    return env


def _runs(output: str) -> int:
    m = re.search(r"^Done (\d+) runs in", output, re.M)
    assert m, output[-3000:]
    return int(m.group(1))


def _snapshot(d: Path) -> Dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def _planted(tmp_path: Path, plant: str, clang: str) -> Path:
    """A copy of abi/c_reference with one bug planted, and its harness."""
    c_dir = tmp_path / "c_reference"
    shutil.copytree(HEADER_DIR, c_dir, ignore=shutil.ignore_patterns("build*"))
    name, old, new = PLANTS[plant]
    src = c_dir / name
    text = src.read_text()
    assert text.count(old) == 1, f"plant {plant}: the text to replace is not in {name} exactly once"
    src.write_text(text.replace(old, new))
    _build(c_dir, tmp_path / "b", clang)
    return c_dir


def _fresh() -> bytes:
    """A freshly created descriptor (golden case init_north), valid as it is."""
    case = next(c for c in json.loads(GOLDEN.read_text())["cases"] if c["name"] == "init_north")
    return bytes.fromhex(case["steps"][0]["expect"])


def _make_corpus() -> Any:
    sys.path.insert(0, str(FUZZ_DIR))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(FUZZ_DIR))
    return make_corpus


def _golden_input(name: str) -> bytes:
    """The corpus input of a golden fault vector, as make_corpus.py writes it; or
    "rings_desc_size_640", its seed offering MESSAGE_RINGS with desc_size 640."""
    make_corpus = _make_corpus()
    if name == "rings_desc_size_640":
        return make_corpus.rings_inputs(_fresh())[2]
    f = next(f for f in json.loads(GOLDEN.read_text())["faults"] if f["name"] == name)
    return make_corpus.entry(make_corpus.offset_byte(f["offset"]),
                             make_corpus.features_byte(int(f["features"], 16)), bytes.fromhex(f["mapping"]))


def test_campaign_over_the_corpus_finds_nothing(build: Path, tmp_path: Path) -> None:
    """`make fuzz-run`: a 15-second campaign exits 0 after a meaningful number of runs,
    writes new inputs to FUZZ_CORPUS only, and leaves no attach file behind."""
    before = _snapshot(CORPUS)
    work = tmp_path / "work"
    proc = _make(HEADER_DIR, "fuzz-run", f"BUILD={build}", "FUZZ_TIME=15",
                 f"FUZZ_CORPUS={work}", env=_env(tmp_path), timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert "INVARIANT BROKEN" not in out
    assert _runs(out) >= 10_000, out[-2000:]
    assert _snapshot(CORPUS) == before, "libFuzzer wrote into the repository's corpus"
    assert not list(tmp_path.glob("shm_signal_fuzz.*")), "the attach file was left behind"


def test_every_corpus_file_replays_cleanly(build: Path, tmp_path: Path) -> None:
    proc = _make(HEADER_DIR, "fuzz-replay", f"BUILD={build}", env=_env(tmp_path), timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    executed = re.findall(r"^Executed (\S+) in", out, re.M)
    assert sorted(Path(p).name for p in executed) == sorted(p.name for p in CORPUS.iterdir())
    assert len(executed) >= 50


def test_corpus_is_what_the_generator_writes(tmp_path: Path) -> None:
    """fuzz/corpus is reproducible from the golden vectors (make fuzz-corpus), and the
    check notices a stale corpus."""
    check = [sys.executable, str(FUZZ_DIR / "make_corpus.py"), "--check"]
    proc = subprocess.run([*check, str(CORPUS)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name, data in _snapshot(CORPUS).items():
        assert hashlib.sha1(data).hexdigest() == name
    stale = tmp_path / "corpus"
    shutil.copytree(CORPUS, stale)
    next(stale.iterdir()).unlink()
    proc = subprocess.run([*check, str(stale)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "stale" in proc.stderr


def test_planted_validator_is_found_by_fuzzing(fuzz_toolchain: str, tmp_path: Path) -> None:
    """A validator that accepts desc_size 193..255 and the like: from one valid seed,
    `make fuzz-run` stops with a crash file within a bounded number of runs (about
    2000 are needed; see the README), and that file replays as the same failure."""
    c_dir = _planted(tmp_path, "desc-size-alignment", fuzz_toolchain)
    seeds = c_dir / "fuzz" / "corpus"
    for p in seeds.iterdir():
        p.unlink()
    (seeds / "seed").write_bytes(bytes([0, 0x40]) + _fresh())  # offset 0, this build's features
    proc = _make(c_dir, "fuzz-run", f"BUILD={tmp_path / 'b'}", "FUZZ_TIME=60",
                 f"FUZZ_CORPUS={tmp_path / 'work'}",
                 "FUZZ_OPTS=-timeout=10 -rss_limit_mb=2048 -max_len=4300 -seed=1 -runs=200000",
                 env=_env(tmp_path), timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "INVARIANT BROKEN: the validator's fault code is not spec 6.4's" in out, out[-3000:]
    crashes = list((tmp_path / "b-fuzz" / "artifacts").glob("crash-*"))
    assert len(crashes) == 1, out[-3000:]
    replay = subprocess.run([str(_exe(tmp_path / "b")), str(crashes[0])], capture_output=True,
                            text=True, env=_env(tmp_path), timeout=60)
    assert replay.returncode != 0 and "not spec 6.4's" in replay.stderr


@pytest.mark.parametrize("plant,golden,message", [
    ("desc-size-alignment", "size_not_multiple_of_64", "the validator's fault code is not spec 6.4's"),
    ("rings-min-size", "rings_desc_size_640", "the validator's fault code is not spec 6.4's"),
    ("pid-before-busy-check", "locality_busy", "a refused attach changed the file"),
])
def test_planted_bug_is_caught_by_its_reproducer(fuzz_toolchain: str, build: Path, tmp_path: Path, plant: str,
                                                 golden: str, message: str) -> None:
    """The harness given one input (a golden fault vector) fails on the planted build,
    and passes on the real one."""
    repro = tmp_path / "repro"
    repro.write_bytes(_golden_input(golden))
    good = subprocess.run([str(_exe(build)), str(repro)], capture_output=True, text=True, env=_env(tmp_path),
                          timeout=60)
    assert good.returncode == 0, good.stderr[-3000:]
    _planted(tmp_path, plant, fuzz_toolchain)
    bad = subprocess.run([str(_exe(tmp_path / "b")), str(repro)], capture_output=True, text=True,
                         env=_env(tmp_path), timeout=60)
    assert bad.returncode != 0, bad.stderr[-3000:]
    assert f"INVARIANT BROKEN: {message}" in bad.stderr, bad.stderr[-3000:]
    assert not list(tmp_path.glob("shm_signal_fuzz.*")), "the attach file was left behind"


# ---------------------------------------------------------------- the ring's target

RING_CORPUS = FUZZ_DIR / "ring_corpus"
RING_PLANTS = {  # (the text in shm_signal_ring.c, what replaces it, what reports it)
    "record-crossing-the-end": ("\t\tif (size > cap - p) { /* R15-3 */", "\t\tif (0) { /* R15-3 */",
                                "AddressSanitizer"),
    "padding-at-0": ("\t\t\tif (p == 0)\n\t\t\t\treturn ring_fault(r, err, \"kind\"",
                     "\t\t\tif (0)\n\t\t\t\treturn ring_fault(r, err, \"kind\"", "INVARIANT BROKEN: recv"),
}


@pytest.fixture(scope="module")
def ring_build(fuzz_toolchain: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = tmp_path_factory.mktemp("ring-fuzz-build") / "b"
    proc = _make(HEADER_DIR, "fuzz-ring", f"BUILD={b}", f"FUZZ_CC={fuzz_toolchain}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return b


def test_ring_campaign_over_its_corpus_finds_nothing(ring_build: Path, tmp_path: Path) -> None:
    """`make fuzz-ring-run`: 10 seconds of the consumer's and the producer's checks
    against the harness's transcription of spec 15 (millions of runs here)."""
    before = _snapshot(RING_CORPUS)
    proc = _make(HEADER_DIR, "fuzz-ring-run", f"BUILD={ring_build}", "FUZZ_TIME=10",
                 f"FUZZ_RING_CORPUS={tmp_path / 'work'}", timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert _runs(out) >= 100_000, out[-2000:]
    assert _snapshot(RING_CORPUS) == before, "libFuzzer wrote into the repository's corpus"


def test_ring_corpus_replays_and_is_what_the_generator_writes(ring_build: Path, tmp_path: Path) -> None:
    proc = _make(HEADER_DIR, "fuzz-ring-replay", f"BUILD={ring_build}", timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    assert len(re.findall(r"^Executed (\S+) in", out, re.M)) == len(list(RING_CORPUS.iterdir())) >= 100
    check = [sys.executable, str(FUZZ_DIR / "make_ring_corpus.py"), "--check"]
    assert subprocess.run([*check, str(RING_CORPUS)], capture_output=True, timeout=60).returncode == 0
    stale = tmp_path / "corpus"
    shutil.copytree(RING_CORPUS, stale)
    next(stale.iterdir()).unlink()
    assert subprocess.run([*check, str(stale)], capture_output=True, timeout=60).returncode == 1


@pytest.mark.parametrize("plant", sorted(RING_PLANTS))
def test_a_planted_ring_bug_is_found_by_fuzzing(plant: str, fuzz_toolchain: str, tmp_path: Path) -> None:
    """A consumer that lets a record cross the end (ASan sees the read past the
    region) or takes padding at data offset 0 (the harness's model sees the wrong
    answer): found from the seed corpus within a bounded number of runs."""
    c_dir = tmp_path / "c_reference"
    shutil.copytree(HEADER_DIR, c_dir, ignore=shutil.ignore_patterns("build*"))
    old, new, report = RING_PLANTS[plant]
    src = c_dir / "shm_signal_ring.c"
    text = src.read_text()
    assert text.count(old) == 1, plant
    src.write_text(text.replace(old, new))
    proc = _make(c_dir, "fuzz-ring-run", f"BUILD={tmp_path / 'b'}", f"FUZZ_CC={fuzz_toolchain}",
                 "FUZZ_TIME=60", f"FUZZ_RING_CORPUS={tmp_path / 'work'}",
                 "FUZZ_OPTS=-timeout=10 -max_len=4300 -seed=1 -runs=2000000", timeout=180)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and report in out, out[-3000:]
    assert list((tmp_path / "b-fuzz" / "ring-artifacts").glob("crash-*")), out[-3000:]
