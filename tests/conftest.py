"""Shared fixtures: the raw-data mirror (optional) and synthetic workbooks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for tests/synthetic_workbooks.py

from research import config  # noqa: E402


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The raw-data mirror (RESEARCH_RAW_MIRROR); tests that need the real raw files skip without it."""
    path = config.raw_mirror()
    if path is None or not (path / "ice_detention_stats").is_dir():
        pytest.skip("no raw mirror: set RESEARCH_RAW_MIRROR (CI sets it to ../shared/data/raw)")
    return path


@pytest.fixture(scope="session")
def workbook_dir(mirror: Path) -> Path:
    return mirror / "ice_detention_stats"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole report site, built once per test session as the README says: `research reports run --jobs 2`
    (with RESEARCH_REPORTS_DIR pointing at a temporary folder). Slow: every notebook runs."""
    import os
    import subprocess

    site = tmp_path_factory.mktemp("built-site") / "reports"
    env = {**os.environ, config.REPORTS_ENV: str(site)}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "research"), "reports", "run", "--jobs", "2", "--no-progress"],
        cwd=config.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return site
