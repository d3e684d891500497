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
# A folder that replaces the curated inputs as a whole (facts/*.csv, field_offices.csv, staffing_scenarios.yaml),
# e.g. to run the reports on edited or hostile copies without touching the repository's files.
CURATED_ENV = "RESEARCH_CURATED_DIR"
REPORTS_ENV = "RESEARCH_REPORTS_DIR"
# Cores a process may give to pools of its own (e.g. the specification curve's): `research reports run --jobs N`
# sets it in each report's kernel to the cores divided by N, so a page does not start workers that would only
# compete with the batch's other reports for cores that are already busy.
CPUS_ENV = "RESEARCH_CPUS"
SCENARIOS_NAME = "staffing_scenarios.yaml"
FIELD_OFFICES_NAME = "field_offices.csv"


def processed_dir() -> Path:
    """Where processed tables are read from and written to (override with RESEARCH_PROCESSED_DIR)."""
    override = os.environ.get(PROCESSED_ENV)
    return Path(override) if override else DATA_DIR / "processed"


def raw_mirror() -> Path | None:
    """A local folder holding raw files under the registry's relative paths, if one is configured."""
    value = os.environ.get(MIRROR_ENV)
    return Path(value).resolve() if value else None


def curated_dir() -> Path | None:
    """The folder set by RESEARCH_CURATED_DIR (same layout as the curated inputs), or None when unset.

    Raises NotADirectoryError naming the variable when it is set to something that is not a folder.
    """
    value = os.environ.get(CURATED_ENV)
    if not value:
        return None
    path = Path(value).resolve()
    if not path.is_dir():
        raise NotADirectoryError(
            f"{CURATED_ENV}={value}: not a folder (expected facts/, {FIELD_OFFICES_NAME}, {SCENARIOS_NAME})"
        )
    return path


def facts_dir() -> Path:
    """Where the curated facts CSVs are read from: RESEARCH_CURATED_DIR/facts, else data/raw/facts."""
    override = curated_dir()
    return override / "facts" if override else FACTS_DIR


def field_offices_file(default: Path) -> Path:
    """The curated field-office table: RESEARCH_CURATED_DIR/field_offices.csv, else `default`."""
    override = curated_dir()
    return override / FIELD_OFFICES_NAME if override else default


def scenarios_file() -> Path:
    """The staffing scenarios: RESEARCH_CURATED_DIR/staffing_scenarios.yaml, else notebooks/staffing_scenarios.yaml."""
    override = curated_dir()
    return override / SCENARIOS_NAME if override else NOTEBOOKS_DIR / SCENARIOS_NAME


def reports_dir() -> Path:
    """Where `research reports` writes the site by default (override with RESEARCH_REPORTS_DIR)."""
    override = os.environ.get(REPORTS_ENV)
    return Path(override) if override else REPORTS_DIR


def available_cpus() -> int:
    """Cores this process may run on (its CPU affinity, where the platform reports it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cpus() -> int:
    """Cores this process may use for pools of its own: RESEARCH_CPUS when set, else `available_cpus()`.

    Raises ValueError naming the variable when it is set to anything but a whole number of at least 1.
    """
    value = os.environ.get(CPUS_ENV, "").strip()
    if not value:
        return available_cpus()
    if not value.isdecimal() or int(value) < 1:
        raise ValueError(f"{CPUS_ENV}={value!r}: expected a whole number of cores, at least 1")
    return int(value)
