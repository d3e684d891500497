"""Content hashes that decide whether a report must be re-run.

A report's key covers what can change its output: the notebook's cells, its parameters, the library code
(every `src/research/**/*.py`), the processed-data version and the kernel name.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import research

# Bump when the runner's rendering changes in a way that should invalidate existing reports.
RENDER_VERSION = "1"


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


def library_hash(package_dir: Path | None = None) -> str:
    """Hash of every .py file of the `research` package (path and content)."""
    root = package_dir or Path(research.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def report_key(
    *, notebook: str, parameters: dict[str, Any], library: str, data_version: str, kernel: str
) -> str:
    """The content hash stored in the manifest for one report run."""
    payload = {
        "notebook": notebook,
        "parameters": parameters,
        "library": library,
        "data_version": data_version,
        "kernel": kernel,
        "render": RENDER_VERSION,
    }
    return _sha(canonical_json(payload).encode())


def file_sha256(path: Path) -> str:
    return _sha(path.read_bytes())
