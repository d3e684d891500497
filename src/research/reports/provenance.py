"""Where a report came from: data version and raw sources, git commit, package versions, run time."""

from __future__ import annotations

import html
import json
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from research import config

PACKAGES = (
    "research",
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "seaborn",
    "statsmodels",
    "scipy",
    "papermill",
    "nbconvert",
    "ipykernel",
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_data_version(processed: Path | None = None) -> dict[str, Any]:
    """The processed-data version written by `research data build`, read defensively.

    Returns `data_version` (str; "unavailable"/"unreadable" when the file is missing/bad), `built_at` (str|None)
    and `raw_inputs` (list of {name, sha256, edition_date}).
    """
    # The JSON file itself, not research.data.data_version_info: every report worker reads it, and importing
    # research.data would cost each worker pandas and pandera (about 0.4 s of CPU while the batch starts).
    path = (processed or config.processed_dir()) / config.DATA_VERSION_FILE
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return {"data_version": "unavailable", "built_at": None, "raw_inputs": [], "file": str(path)}
    except (OSError, ValueError):  # a damaged file must not stop the footer
        raw = None
    if not isinstance(raw, dict):
        return {"data_version": "unreadable", "built_at": None, "raw_inputs": [], "file": str(path)}
    inputs = raw.get("raw_inputs")
    clean_inputs = []
    for item in inputs if isinstance(inputs, list) else []:
        if isinstance(item, dict):
            clean_inputs.append({k: item.get(k) for k in ("name", "sha256", "edition_date", "url")})
        else:
            clean_inputs.append({"name": str(item), "sha256": None, "edition_date": None})
    return {
        "data_version": str(raw.get("data_version", "unknown")),
        "built_at": None if raw.get("built_at") is None else str(raw.get("built_at")),
        "code_version": None if raw.get("code_version") is None else str(raw.get("code_version")),
        "raw_inputs": clean_inputs,
        "file": str(path),
    }


def git_commit(root: Path | None = None) -> str:
    """HEAD commit of the project (with '-dirty' when the tree has changes); 'unknown' outside git."""
    cwd = root or config.PROJECT_ROOT
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True, timeout=20
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if dirty else head


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def batch_provenance(processed: Path | None = None) -> dict[str, Any]:
    """Everything in the footer that is the same for every report of a batch (computed once)."""
    return {"data": read_data_version(processed), "git_commit": git_commit(), "packages": package_versions()}


def _row(label: str, value: str) -> str:
    return f"<tr><th>{html.escape(label)}</th><td>{value}</td></tr>"


def _link(text: str, url: Any) -> str:
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'
    return html.escape(text)


def _code(value: Any) -> str:
    return f"<code>{html.escape(str(value))}</code>"


def footer_html(
    *,
    parameters: dict[str, Any],
    provenance: dict[str, Any],
    started_at: str,
    duration: float,
    kernel: str,
    notebook: str,
) -> str:
    """The provenance footer appended to every HTML report (all values escaped)."""
    data = provenance.get("data", {})
    params = "".join(
        f"<li>{_code(k)} = {_code(parameter_text(v))}</li>" for k, v in sorted(parameters.items())
    )
    sources = "".join(
        "<li>{} — edition {}, sha256 {}</li>".format(
            _link(str(item.get("name")), item.get("url")),
            html.escape(str(item.get("edition_date") or "n/a")),
            _code(str(item.get("sha256") or "n/a")[:12]),
        )
        for item in data.get("raw_inputs", [])
    )
    packages = ", ".join(
        f"{html.escape(k)} {html.escape(v)}" for k, v in provenance.get("packages", {}).items()
    )
    rows = [
        _row("Notebook", _code(notebook)),
        _row("Parameters", f"<ul>{params}</ul>" if params else "notebook defaults"),
        _row(
            "Data version",
            f"{_code(data.get('data_version', 'unavailable'))} (build code {_code(data.get('code_version') or 'n/a')}, "
            f"built {html.escape(str(data.get('built_at') or 'n/a'))})",
        ),
        _row("Raw sources", f"<ul>{sources}</ul>" if sources else "not recorded in data_version.json"),
        _row("Git commit", _code(provenance.get("git_commit", "unknown"))),
        _row("Packages", packages),
        _row("Run", f"started {html.escape(started_at)} UTC, {duration:.1f} s, kernel {_code(kernel)}"),
    ]
    return (
        '<footer class="research-provenance"><details><summary>How this page was made (provenance)</summary>'
        "<table>" + "".join(rows) + "</table></details></footer>"
    )


def parameter_text(value: Any) -> str:
    """A parameter value as it would be passed with `-p NAME VALUE` (JSON: lists and strings in double quotes)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
