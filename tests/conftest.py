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
