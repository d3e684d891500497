"""Content hashes that decide whether a report must be re-run.

A report's key covers what can change its output: the notebook's cells, its parameters and title, the library
code (every file of `src/research`), every data file a notebook reads (`input_files()`: the processed tables and
data_version.json, the curated facts, the field-office list, the source registry, the YAML documents next to
the notebooks such as staffing_scenarios.yaml), the versions of the analysis packages and the kernel name.
tests/test_reports_inputs.py runs every notebook with an audit hook on `open` and checks that each project file
it opens is among `input_files()`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import research
from research import config

# Bump when the runner's rendering changes in a way that should invalidate existing reports.
RENDER_VERSION = "3"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> str:
    """Stable JSON text (sorted keys) used for hashing parameters."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def notebook_hash(path: Path) -> str:
    """Hash of the notebook's cell types, sources and tags (outputs and volatile metadata ignored)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [
        (c.get("cell_type"), "".join(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", [])))
        for c in nb.get("cells", [])
    ]
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    return _sha(canonical_json({"cells": cells, "kernel": kernel}).encode())


def _tree_hash(root: Path, paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def library_hash(package_dir: Path | None = None) -> str:
    """Hash of every file of the `research` package (path and content; caches excluded)."""
    root = package_dir or Path(research.__file__).resolve().parent
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return _tree_hash(root, files)


# Data files read by notebooks, besides the processed tables: (folder, glob) pairs.
INPUT_GLOBS = (
    (config.RAW_DIR, "facts/*.csv"),
    (config.RAW_DIR, "field_offices.csv"),
    (config.RAW_DIR, "sources.yaml"),
    (config.NOTEBOOKS_DIR, "*.yaml"),
)
# What RESEARCH_CURATED_DIR replaces (see research.config.curated_dir).
CURATED_GLOBS = ("facts/*.csv", config.FIELD_OFFICES_NAME, config.SCENARIOS_NAME)
# reports.yaml is the list of reports; what each entry contributes (parameters, title) is in its own key.
NOT_INPUTS = {config.NOTEBOOKS_DIR / "reports.yaml"}


def input_files(processed: Path | None = None) -> list[Path]:
    """Every data file a notebook may read: all of data/processed plus the curated files in INPUT_GLOBS, or, with
    RESEARCH_CURATED_DIR set, that folder's curated files in their place (the notebooks then read those)."""
    folder = processed or config.processed_dir()
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    for root, pattern in INPUT_GLOBS:
        files += [p for p in root.glob(pattern) if p.is_file() and p not in NOT_INPUTS]
    curated = config.curated_dir()
    if curated is not None:
        replaced = {config.FACTS_DIR.resolve(), (config.RAW_DIR / config.FIELD_OFFICES_NAME).resolve()}
        replaced.add((config.NOTEBOOKS_DIR / config.SCENARIOS_NAME).resolve())
        files = [p for p in files if p.resolve().parent not in replaced and p.resolve() not in replaced]
        for pattern in CURATED_GLOBS:
            files += [p for p in curated.glob(pattern) if p.is_file()]
    return sorted({p.resolve() for p in files})


def inputs_hash(processed: Path | None = None) -> str:
    """Hash of the files of `input_files()` (path and content)."""
    return _tree_hash(config.PROJECT_ROOT, input_files(processed))


def report_key(
    *,
    notebook: str,
    parameters: dict[str, Any],
    library: str,
    data_version: str,
    kernel: str,
    title: str = "",
    inputs: str = "",
    packages: dict[str, str] | None = None,
    shell: str = "",
) -> str:
    """The content hash stored in the manifest for one report run."""
    payload = {
        "notebook": notebook,
        "parameters": parameters,
        "title": title,
        "library": library,
        "data_version": data_version,
        "inputs": inputs,
        "packages": packages or {},
        "kernel": kernel,
        "render": RENDER_VERSION,
        "shell": shell,  # the site header every page carries (the groups of reports.yaml)
    }
    return _sha(canonical_json(payload).encode())


def file_sha256(path: Path) -> str:
    return _sha(path.read_bytes())
