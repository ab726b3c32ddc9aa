"""Shared test helpers.

``require_tool`` skips a test whose external tool is missing, with the reason; when
``SHM_SIGNAL_REQUIRE_ALL=1`` (CI sets it) a missing tool fails the test instead, so
CI never passes by skipping what it should have run.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADER_DIR = ROOT / "abi" / "c_reference"


def require_all() -> bool:
    return os.environ.get("SHM_SIGNAL_REQUIRE_ALL") == "1"


def missing(reason: str) -> None:
    """Skip locally, fail in CI."""
    if require_all():
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} not installed")
    return path  # type: ignore[return-value]


@pytest.fixture
def header_copy(tmp_path: Path) -> Path:
    """A private copy of the C reference directory, for planting broken layouts."""
    dst = tmp_path / "c_reference"
    shutil.copytree(HEADER_DIR, dst)
    return dst


def run_cli(*args: str, env: dict | None = None, **kw: object):
    """Run ``python -m abi ARGS`` as a real process."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "abi", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300, **kw)  # type: ignore[call-overload]


ENGINES = ["py", "c"]


def engine_class(name: str) -> Any:
    """The Python engine's Channel ("py") or the C engine's binding ("c")."""
    if name == "c":
        from abi.engine.c_channel import CChannel

        return CChannel
    from abi.engine.channel import Channel

    return Channel


@pytest.fixture(params=ENGINES)
def eng(request: pytest.FixtureRequest) -> str:
    """Each engine in turn, for tests that hold both to one behaviour."""
    return str(request.param)
