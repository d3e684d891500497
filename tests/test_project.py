"""Project plumbing: dependency lists agree, the CLI answers in one line, notebooks stay reviewable."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from research import cli, config

ROOT = config.PROJECT_ROOT


def _requirement(spec: str) -> tuple[str, str]:
    name, _, bound = re.match(r"([A-Za-z0-9_.\-\[\]]+)\s*(>=\s*([\w.]+))?", spec).groups()  # type: ignore[union-attr]
    return re.sub(r"\[.*\]", "", name).lower().replace("_", "-"), (bound or "")


def test_pyproject_and_environment_yml_list_the_same_packages() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_requirement(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = dict(
        _requirement(s)
        for s in env["dependencies"]
        if isinstance(s, str) and not s.startswith(("python=", "pip"))
    )
    assert "python=3.11" in env["dependencies"]
    assert listed == wanted


def test_the_lock_pins_every_declared_package_within_its_bounds() -> None:
    """requirements-lock.txt (used by `make setup`) pins each pyproject dependency at or above its lower bound."""
    from packaging.version import Version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_requirement(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"])
    pins = {}
    for line in (ROOT / "requirements-lock.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    missing = sorted(set(wanted) - set(pins))
    assert missing == [], f"not pinned in requirements-lock.txt: {missing} (run `make lock`)"
    low = {n: (pins[n], b) for n, b in wanted.items() if b and Version(pins[n]) < Version(b)}
    assert low == {}, f"pinned below pyproject's lower bound: {low}"
    assert not any(n in pins for n in ("pip", "setuptools", "wheel", "research"))


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["data", "fetch", "no-such-file.xlsx", "--mirror", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert status == 1
    assert err.startswith("research: error:") and "\n" not in err and "no-such-file.xlsx" in err


def test_cli_info_reports_the_data_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "research.cli", "data", "info"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"data_version [0-9a-f]{16}", out) and "book_ins" in out


NOTEBOOK_SOURCES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("script", NOTEBOOK_SOURCES, ids=lambda p: p.name)
def test_notebook_pair_in_sync_without_outputs_and_one_parameters_cell(script: Path) -> None:
    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: run `make notebooks`"
    notebook = nbformat.read(paired, as_version=4)
    from_text = jupytext.read(script)
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert code == [c.source for c in from_text.cells if c.cell_type == "code"], (
        f"run `make notebooks` ({script.name})"
    )
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), "outputs committed"
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    assert notebook.metadata["kernelspec"]["name"] == config.KERNEL_NAME


def test_make_help_lists_the_quick_start_targets() -> None:
    out = subprocess.run(["make", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ("setup", "report", "test", "lab"):
        assert f"make {target}" in out
