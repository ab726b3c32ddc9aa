"""The two tiers of the suite (README, Development): ``python -m pytest -m "not slow"``
runs the unit and small integration tests in under a minute, between edits;
``python -m pytest`` (what .ci/run runs) runs everything.  A ``slow`` marker that is
not registered would make ``-m "not slow"`` select by an unknown name (a warning, or
under --strict-markers an error at the first ``@pytest.mark.slow``), so these tests
pin the registration and the modules that must stay out of the fast tier."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Modules that are slow as a whole: the platform matrix, cross targets under qemu,
# packaging, wine, and libFuzzer campaigns.
SLOW_MODULES = ["test_matrix.py", "test_c_targets.py", "test_packaging.py", "test_windows_wine.py",
                "test_windows_security_wine.py", "test_c_fuzz.py"]


def test_the_slow_marker_is_registered(pytestconfig: pytest.Config) -> None:
    names = [line.split(":", 1)[0].strip() for line in pytestconfig.getini("markers")]
    assert "slow" in names, "register 'slow' in pyproject.toml [tool.pytest.ini_options] markers"


def test_markers_are_strict(pytestconfig: pytest.Config) -> None:
    """A misspelt marker (``@pytest.mark.slwo``) is an error, not a test in the wrong tier."""
    assert pytestconfig.getoption("strict_markers") or "--strict-markers" in pytestconfig.getini("addopts")


@pytest.mark.parametrize("module", [m for m in SLOW_MODULES if (HERE / m).exists()])
def test_slow_modules_are_marked_as_a_whole(module: str) -> None:
    path = HERE / module
    assert "\npytestmark = pytest.mark.slow\n" in path.read_text(encoding="utf-8"), \
        f"{module} belongs to the slow tier: add `pytestmark = pytest.mark.slow` after its imports"


def test_the_readme_gives_both_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    dev = text.split("## Development", 1)[1]
    assert 'python -m pytest -m "not slow"' in dev and "python -m pytest\n" in dev
