"""Path constants and project-wide settings, rooted at the project so nothing depends on the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
FACTS_DIR = RAW_DIR / "facts"
SOURCES_FILE = RAW_DIR / "sources.yaml"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"

# Name of the Jupyter kernel registered by `make setup`; papermill and JupyterLab both use it.
KERNEL_NAME = "research"

# The White House goal set on 2025-05-21 (see data/raw/facts/official_figures.csv).
GOAL_ARRESTS_PER_DAY = 3000

# Written next to the processed tables by the build: data version, raw inputs with sha256, table sizes.
DATA_VERSION_FILE = "data_version.json"

MIRROR_ENV = "RESEARCH_RAW_MIRROR"
PROCESSED_ENV = "RESEARCH_PROCESSED_DIR"


def processed_dir() -> Path:
    """Where processed tables are read from and written to (override with RESEARCH_PROCESSED_DIR)."""
    override = os.environ.get(PROCESSED_ENV)
    return Path(override) if override else DATA_DIR / "processed"


def raw_mirror() -> Path | None:
    """A local folder holding raw files under the registry's relative paths, if one is configured."""
    value = os.environ.get(MIRROR_ENV)
    return Path(value).resolve() if value else None
