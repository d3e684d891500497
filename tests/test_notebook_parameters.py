"""Every notebook's parameters cell, as papermill reads it: each parameter has a type and a help text.

`papermill --help-notebook` parses the cell line by line (`name: type = value  # help`); a comment on the line
above, a missing annotation, or a value that ruff format wraps into `x: int = (\\n 10000  # help\\n)` would show
"Unknown type" or no help. The cell's lines are also kept short enough that the formatter never wraps them.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import nbformat
import papermill
import pytest

from research import config
from research.reports.execute import declared_parameters, parameters_cell

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))
LINE_LENGTH = 110  # [tool.ruff] line-length: a longer line is wrapped by `ruff format`


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_sees_a_type_and_a_help_text_for_every_parameter(path) -> None:
    nb = nbformat.read(path, as_version=4)
    inspected = papermill.inspect_notebook(str(path))
    declared = declared_parameters(nb)
    assert declared, f"{path.name}: no parameters cell"
    assert list(inspected) == declared, "papermill must see every parameter the runner checks against"
    for name, info in inspected.items():
        assert info["inferred_type_name"] not in ("None", ""), f"{path.name}: {name} has no type"
        assert len(info["help"]) >= 10, f"{path.name}: {name} has no help text"
        assert ast.literal_eval(info["default"]) is not None  # literals only


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_parameter_is_one_short_line_with_its_comment(path) -> None:
    source = parameters_cell(nbformat.read(path, as_version=4)) or ""
    for line in source.strip().splitlines():
        assert len(line) <= LINE_LENGTH, f"{path.name}: ruff format would wrap {line!r}"
        tree = ast.parse(line)  # a whole statement on one line
        assert isinstance(tree.body[0], ast.AnnAssign), f"{path.name}: {line!r} has no type hint"
        assert "  # " in line and line.count("=") == 1, (
            f"{path.name}: {line!r}: help text on the line, no '='"
        )


def test_help_notebook_command_prints_types_and_help() -> None:
    path = config.NOTEBOOKS_DIR / "30_leadership_changes.ipynb"
    out = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "Unknown type" not in out
    assert "n_permutations: int (default 10000)" in out
    assert "random assignments drawn" in out
