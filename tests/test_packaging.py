"""Packaging: the sdist and the py3-none-<platform> wheel, checked as users get them.

``python -m build`` runs once per session (sdist, then the wheel built from that
sdist, so the sdist is proven to build a working wheel); the wheel goes into a fresh
venv, and everything about the installed package runs from that venv with
``python -I`` (no current directory on sys.path), so the checkout cannot stand in for
it.  Also: twine, check-wheel-contents and auditwheel on the files; the cibuildwheel
configuration through ``--print-build-identifiers``; the GitHub workflows through
check-jsonschema and zizmor, offline.

Two environments reuse the "installed" tests on the current interpreter instead of a
venv (``SHM_SIGNAL_TEST_INSTALLED=1``): tox, which installs one built wheel into each
env, and cibuildwheel's test-command, which installs the wheel it built.  There the
build tests skip (tox's ``packaging`` env runs them once).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import pytest
from peer_harness import PeerProc

from abi.engine.native import LIB_SOURCES
from conftest import missing, require_tool

# builds the sdist and wheels, installs them into fresh venvs (the slow tier only)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
INSTALLED_HERE = os.environ.get("SHM_SIGNAL_TEST_INSTALLED") == "1"
PYTHONS = ["cp39", "cp310", "cp311", "cp312", "cp313"]
TIMINGS: Dict[str, float] = {}


def _run(cmd: Sequence[object], timeout: float = 900, check: bool = True, **kw: object
         ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                          **kw)  # type: ignore[call-overload]
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                    f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc  # type: ignore[no-any-return]


def _require_module(name: str, pip_name: Optional[str] = None) -> None:
    if importlib.util.find_spec(name) is None:
        missing(f"{pip_name or name} not installed (bash tests/install-deps.sh)")


def _build_tests_here() -> None:
    if INSTALLED_HERE:
        pytest.skip("testing an installed wheel: the build tests run in tox's packaging env")


# ---------------------------------------------------------------- building


@dataclass
class Dist:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    _build_tests_here()
    _require_module("build")
    out = tmp_path_factory.mktemp("dist")
    t0 = time.monotonic()
    # No --sdist/--wheel: build makes the sdist, then the wheel FROM the sdist.
    _run([sys.executable, "-m", "build", "--outdir", out, ROOT])
    TIMINGS["build sdist + wheel"] = time.monotonic() - t0
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Dist(wheel, sdist)


@dataclass
class Installed:
    python: Path  # runs the installed package
    site: Path  # site-packages holding abi/
    scripts: Path


def _venv(base: Path, wheel: Path) -> Installed:
    t0 = time.monotonic()
    _run([sys.executable, "-m", "venv", base])
    py = base / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    _run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index", wheel])
    TIMINGS[f"venv + install ({base.name})"] = time.monotonic() - t0
    site = Path(_run([py, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"]
                     ).stdout.strip())
    return Installed(py, site, py.parent)


@pytest.fixture(scope="session")
def maybe_dist(request: pytest.FixtureRequest) -> Optional[Dist]:
    return None if INSTALLED_HERE else request.getfixturevalue("dist")


@pytest.fixture(scope="session")
def installed_pkg(maybe_dist: Optional[Dist], tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if INSTALLED_HERE:
        import abi

        site = Path(abi.__file__).resolve().parent.parent
        return Installed(Path(sys.executable), site, Path(sysconfig.get_paths()["scripts"]))
    assert maybe_dist is not None
    return _venv(tmp_path_factory.mktemp("venv") / "venv", maybe_dist.wheel)


def _clean_env(tmp: Path) -> Dict[str, str]:
    """No build fallback and an empty cache: the library must come from the wheel."""
    env = {k: v for k, v in os.environ.items() if k != "SHM_SIGNAL_LIB"}
    env.update(SHM_SIGNAL_NO_BUILD="1", XDG_CACHE_HOME=str(tmp / "cache"))
    return env


def _lib_name() -> str:
    if sys.platform == "win32":
        return "shm_signal.dll"
    return "libshm_signal.dylib" if sys.platform == "darwin" else "libshm_signal.so"


def _platform_tag() -> str:
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


def test_wheel_is_py3_none_platform(dist: Dist) -> None:
    name = dist.wheel.name
    assert re.fullmatch(r"shm_signal-[\w.]+-py3-none-[\w.]+\.whl", name), name
    if sys.platform.startswith("linux"):  # macOS adds a deployment target to the tag
        assert name.endswith(f"-py3-none-{_platform_tag()}.whl"), name
    with zipfile.ZipFile(dist.wheel) as z:
        wheel_meta = next(n for n in z.namelist() if n.endswith(".dist-info/WHEEL"))
        text = z.read(wheel_meta).decode()
    assert "Root-Is-Purelib: false" in text
    assert re.search(r"^Tag: py3-none-", text, re.M), text


def _tracked(pattern: str) -> List[str]:
    """Files of the source tree that a distribution must carry (git-ignored ones, such
    as a stray *.o, excluded)."""
    out: List[str] = []
    for p in sorted(ROOT.glob(pattern)):
        if p.is_file() and not p.name.endswith((".o", ".pyc")):
            out.append(p.relative_to(ROOT).as_posix())
    return out


def test_wheel_contents(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as z:
        names = set(z.namelist())
    for need in ["abi/py.typed", "abi/__init__.py", "abi/cli.py", f"abi/_native/{_lib_name()}",
                 *_tracked("abi/c_reference/*"), *_tracked("abi/vectors/*.json"),
                 *(f"abi/platforms/{Path(p).name}" for p in _tracked("platforms/*.json"))]:
        assert need in names, f"{need} missing from {dist.wheel.name}"
    junk = [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".o", ".obj"))]
    assert not junk, junk
    natives = [n for n in names if n.startswith("abi/_native/")]
    assert natives == [f"abi/_native/{_lib_name()}"], natives  # no import library, no symlinks
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    with zipfile.ZipFile(dist.wheel) as z:
        assert "shm-signal = abi.cli:main" in z.read(entry_points).decode()


def test_sdist_contents(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    for need in ["pyproject.toml", "CMakeLists.txt", "README.md", "abi/py.typed",
                 *_tracked("abi/c_reference/*"), *_tracked("platforms/*.json"),
                 *_tracked("abi/vectors/*.json"), "tests/conftest.py"]:
        assert need in names, f"{need} missing from {dist.sdist.name}"
    assert not [n for n in names if n.endswith(".o") or "__pycache__" in n]


def test_sdist_and_tree_build_the_same_wheel(dist: Dist, tmp_path: Path) -> None:
    """The wheel of the session fixture comes from the sdist; one built straight from
    the tree must have the same files (the sdist left nothing behind)."""
    t0 = time.monotonic()
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path, ROOT])
    TIMINGS["build wheel from tree"] = time.monotonic() - t0
    (direct,) = tmp_path.glob("*.whl")
    assert direct.name == dist.wheel.name
    with zipfile.ZipFile(direct) as a, zipfile.ZipFile(dist.wheel) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())


def test_cmake_builds_the_same_sources_as_native() -> None:
    """The wheel's CMakeLists.txt and abi/engine/native.py's on-demand build compile the same
    translation units, so a wheel and a checkout load the same library; so do the
    standalone builds of abi/c_reference (its CMakeLists.txt and Makefile)."""
    from abi.engine import native

    text = (ROOT / "CMakeLists.txt").read_text()
    in_cmake = sorted(set(re.findall(r"\$\{SHM_SIGNAL_C_DIR\}/(\w+\.c)", text)))
    assert in_cmake == sorted(native.LIB_SOURCES)
    c_dir = ROOT / "abi" / "c_reference"
    cmake = re.search(r"set\(SHM_SIGNAL_SOURCES([^)]*)\)", (c_dir / "CMakeLists.txt").read_text())
    make = re.search(r"^LIB_SRC = ((?:.*\\\n)*.*)$", (c_dir / "Makefile").read_text(), re.M)
    assert cmake and make
    for name, listed in (("CMakeLists.txt", cmake.group(1)), ("Makefile", make.group(1))):
        assert sorted(re.findall(r"\w+\.c", listed)) == sorted(native.LIB_SOURCES), name


# ------------------------------------------------------------- checkers


def test_twine_check_strict(dist: Dist) -> None:
    _require_module("twine")
    proc = _run([sys.executable, "-m", "twine", "check", "--strict", dist.wheel, dist.sdist])
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_check_wheel_contents(dist: Dist) -> None:
    exe = require_tool("check-wheel-contents")
    proc = _run([exe, dist.wheel])
    assert f"{dist.wheel.name}: OK" in proc.stdout, proc.stdout


def test_auditwheel_show(dist: Dist) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("auditwheel is for Linux wheels")
    exe = require_tool("auditwheel")
    require_tool("patchelf")
    proc = _run([exe, "show", dist.wheel])
    # the only dependency is libc: the wheel fits a manylinux tag as it is
    assert re.search(r"consistent with the\s+following platform tag:\s+\"manylinux_", proc.stdout), \
        proc.stdout
    assert "libc.so.6" in proc.stdout and "system-provided" in proc.stdout


# ------------------------------------------------------ the installed package


def test_installed_package_is_not_the_checkout(installed_pkg: Installed, tmp_path: Path) -> None:
    code = ("import json, abi, abi.engine.native as n, abi.verify.platforms as p; "
            "print(json.dumps([abi.__file__, str(n.find()), str(p.platform_dir()), len(p.load())]))")
    out = _run([installed_pkg.python, "-I", "-c", code], cwd=tmp_path, env=_clean_env(tmp_path))
    init, lib, platforms, count = json.loads(out.stdout)
    site = installed_pkg.site.resolve()
    assert Path(init).resolve().parent == site / "abi"
    assert Path(lib).resolve() == site / "abi" / "_native" / _lib_name()
    assert Path(platforms).resolve() == site / "abi" / "platforms"
    assert count == len(list((site / "abi" / "platforms").glob("*.json"))) > 0


def test_installed_verify(installed_pkg: Installed, tmp_path: Path) -> None:
    exe = installed_pkg.scripts / ("shm-signal.exe" if sys.platform == "win32" else "shm-signal")
    proc = _run([exe, "verify"], cwd=tmp_path, check=False, env=_clean_env(tmp_path))
    if proc.returncode == 3:
        missing(f"no C compiler for shm-signal verify: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK:" in proc.stdout


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[List[PeerProc]]:
    started: List[PeerProc] = []
    yield started
    for p in started:
        p.finish()


def _ping_pong(north: PeerProc, south: PeerProc, path: Path) -> None:
    features = 0x9  # WAKE_ADDRESS | NOTIFY_COUNT, as in test_cross_language
    assert north.cmd(f"create {path} 0 features=0x{features:x}")["locality"] == "0"
    assert south.cmd(f"attach {path} timeout=5")["features"] == f"0x{features:x}"
    assert north.cmd("wait_peer 5")["attached"] == "1"
    north.cmd("enable")
    south.cmd("enable")
    south.send("serve 10 echo=1")
    r = north.cmd("ping 500 5", timeout=120)
    assert r["rounds"] == "500"
    north.cmd("close")
    assert south.reply(30).startswith("ok closed=1")


def test_installed_round_trip_python_and_c_engine(installed_pkg: Installed, tmp_path: Path,
                                                  peers: List[PeerProc]) -> None:
    """The Python engine against the C engine running in the wheel's library, both
    peers started from the installed package."""
    env = _clean_env(tmp_path)
    py = [str(installed_pkg.python), "-I", "-m", "abi.peer"]
    north = PeerProc(py, "north-py", tmp_path, env)
    peers.append(north)
    south = PeerProc([*py, "--engine", "c"], "south-c", tmp_path, env)
    peers.append(south)
    assert south.cmd("hello")["impl"] == "c"
    _ping_pong(north, south, tmp_path / "chan")


def test_installed_round_trip_with_c_peer(installed_pkg: Installed, tmp_path: Path,
                                          peers: List[PeerProc]) -> None:
    """The C reference peer, compiled from the sources the wheel carries, against the
    installed Python peer."""
    if sys.platform == "win32":
        pytest.skip("the C peer is built with a Unix compiler here; Windows pairs run under wine")
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        missing("no C compiler (cc/gcc/clang)")
    assert cc is not None
    src = installed_pkg.site / "abi" / "c_reference"
    exe = tmp_path / "shm_signal_peer"
    _run([cc, "-std=c11", "-O2", f"-I{src}", src / "shm_signal_peer.c", *(src / s for s in LIB_SOURCES),
          "-o", exe, *([] if sys.platform == "darwin" else ["-pthread"])])
    env = _clean_env(tmp_path)
    north = PeerProc([str(exe)], "north-c", tmp_path, env)
    peers.append(north)
    south = PeerProc([str(installed_pkg.python), "-I", "-m", "abi.peer"], "south-py", tmp_path, env)
    peers.append(south)
    _ping_pong(north, south, tmp_path / "chan")


def test_sdist_without_a_compiler(maybe_dist: Optional[Dist], tmp_path_factory: pytest.TempPathFactory,
                                  tmp_path: Path, peers: List[PeerProc]) -> None:
    """The sdist on a machine without a C compiler still installs, without the library:
    the pure-Python engine works, with kernel-call fences; the C engine says what is
    missing and how to provide it."""
    if maybe_dist is None:
        pytest.skip("builds its own wheel from the sdist")
    if sys.platform == "win32":
        pytest.skip("Windows: $CC does not hide MSVC from CMake's Visual Studio generator")
    out = tmp_path_factory.mktemp("nocc")
    env = {**os.environ, "CC": str(out / "no-such-cc")}  # CMake's check_language(C) fails
    env.pop("SHM_SIGNAL_LIB", None)
    t0 = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
          "-w", out, maybe_dist.sdist], env=env)
    TIMINGS["wheel from sdist, no compiler"] = time.monotonic() - t0
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        assert not [n for n in z.namelist() if "_native" in n], z.namelist()
    inst = _venv(out / "venv-nolib", wheel)
    env = _clean_env(tmp_path)
    code = ("from abi.engine import NORTH, Channel\n"
            f"with Channel.create({str(tmp_path / 'c0')!r}, NORTH) as a: print(a.ordering_name)\n")
    assert _run([inst.python, "-I", "-c", code], cwd=tmp_path, env=env).stdout.strip() == "kernel-call"
    py = [str(inst.python), "-I", "-m", "abi.peer"]
    north = PeerProc(py, "north-py", tmp_path, env)
    peers.append(north)
    south = PeerProc(py, "south-py", tmp_path, env)
    peers.append(south)
    _ping_pong(north, south, tmp_path / "chan")
    code = "from abi import c_engine; c_engine.supported_features()"
    proc = _run([inst.python, "-I", "-c", code], cwd=tmp_path, env=env, check=False)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("abi.engine.native.NativeLibraryError:") and _lib_name() in last \
        and "SHM_SIGNAL_LIB" in last, last


def test_tox_and_cibuildwheel_test_the_installed_wheel() -> None:
    """Under tox and cibuildwheel this process imports the installed wheel (with its
    library), not the checkout."""
    if not INSTALLED_HERE:
        pytest.skip("only under tox or cibuildwheel (SHM_SIGNAL_TEST_INSTALLED=1)")
    import abi
    from abi.engine import native

    pkg = Path(abi.__file__).resolve().parent
    assert pkg != ROOT / "abi", f"imported the checkout ({pkg}), not the installed wheel"
    assert native.find() == native.PACKAGED_DIR / native.lib_filename()


# ------------------------------------------------------------ cibuildwheel


def _identifiers(platform: str, archs: Optional[str] = None) -> List[str]:
    exe = require_tool("cibuildwheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIBW_")}
    if archs:
        env["CIBW_ARCHS"] = archs
    proc = _run([exe, "--print-build-identifiers", "--platform", platform, ROOT], cwd=ROOT, env=env,
                timeout=120)
    return proc.stdout.split()


EXPECTED = {
    "linux": {f"{py}-{libc}_{arch}" for py in PYTHONS for libc in ("manylinux", "musllinux")
              for arch in ("x86_64", "i686", "aarch64")},
    # CPython for Windows on ARM64 starts at 3.11.
    "windows": {f"{py}-{plat}" for py in PYTHONS for plat in ("win_amd64", "win32")}
    | {f"{py}-win_arm64" for py in PYTHONS[2:]},
    "macos": {f"{py}-macosx_{arch}" for py in PYTHONS for arch in ("x86_64", "arm64")},
}


@pytest.mark.parametrize("platform", sorted(EXPECTED))
def test_cibuildwheel_identifiers(platform: str) -> None:
    _build_tests_here()
    ids = _identifiers(platform)
    assert sorted(ids) == sorted(EXPECTED[platform])


def _workflow(name: str) -> str:
    path = WORKFLOWS / name
    assert path.is_file(), f"{path} missing"
    return path.read_text()


def test_wheels_workflow_runners_cover_every_identifier() -> None:
    """Each runner of the wheels workflow builds what its CIBW_ARCHS selects; together
    they build every identifier of the configuration, and none twice."""
    _build_tests_here()
    text = _workflow("wheels.yml")
    rows = re.findall(r"- \{ os: ([\w.-]+), platform: (\w+), archs: \"([\w,]+)\" \}", text)
    assert {r[0] for r in rows} >= {"ubuntu-latest", "ubuntu-24.04-arm", "windows-latest",
                                    "windows-11-arm", "macos-15-intel", "macos-latest"}, rows
    seen: List[str] = []
    for _os, platform, archs in rows:
        ids = _identifiers(platform, archs)
        assert ids, f"{_os}: CIBW_ARCHS={archs} selects nothing"
        seen += ids
    assert sorted(seen) == sorted(set().union(*EXPECTED.values()))


def test_cibuildwheel_config_matches_its_schema() -> None:
    _build_tests_here()
    _require_module("cibuildwheel")
    _require_module("jsonschema")
    import jsonschema

    try:
        import tomllib
    except ImportError:  # Python < 3.11
        tomllib = pytest.importorskip("tomli")
    import cibuildwheel

    schema_path = Path(cibuildwheel.__file__).parent / "resources" / "cibuildwheel.schema.json"
    schema = json.loads(schema_path.read_text())
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["cibuildwheel"]
    jsonschema.validate(config, schema)
    assert "shm-signal verify" in config["test-command"]


# --------------------------------------------------------------- workflows


def _workflow_files() -> List[Path]:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {p.name for p in files} >= {"wheels.yml", "tests.yml"}, files
    return files


def test_workflows_match_the_github_schema() -> None:
    _build_tests_here()
    exe = require_tool("check-jsonschema")
    _run([exe, "--builtin-schema", "vendor.github-workflows", *_workflow_files()], timeout=120)


def test_workflows_pass_zizmor_offline() -> None:
    _build_tests_here()
    exe = require_tool("zizmor")
    proc = _run([exe, "--offline", "--no-progress", *_workflow_files()], check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_timings_report(request: pytest.FixtureRequest) -> None:
    """Not a check: prints what the session's builds and installs took (pytest -s)."""
    if TIMINGS:
        print("\n".join(f"packaging timing: {k}: {v:.1f} s" for k, v in TIMINGS.items()))
