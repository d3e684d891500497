"""`research reports diff`: two runs that differ only in run-specific values compare as identical."""

from __future__ import annotations

from pathlib import Path

import nbformat

from research import cli
from research.reports.compare import compare_runs


def _run_folder(root: Path, name: str, texts: list[str], image: str = "iVBORw0KGgo=") -> Path:
    folder = root / name
    (folder / "notebooks").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    for text in texts:
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"text/markdown": text, "image/png": image}),
            nbformat.v4.new_output("stream", name="stdout", text="ran at 2026-11-29T13:34:18Z in /tmp/abc\n"),
        ]
        nb.cells.append(cell)
    nbformat.write(nb, folder / "notebooks" / "10_arrest_trends.ipynb")
    return folder


def test_run_specific_values_are_ignored(tmp_path: Path) -> None:
    old = _run_folder(tmp_path, "old", ["Best month 1,220 per day. Data version `c62527aac4938368`."])
    new = _run_folder(tmp_path, "new", ["Best month 1,220 per day. Data version `975f5f0abe49fa4d`."])
    assert compare_runs(old, new) == []
    assert cli.main(["reports", "diff", str(old), str(new)]) == 0


def test_a_changed_number_or_figure_is_reported(tmp_path: Path, capsys) -> None:
    old = _run_folder(tmp_path, "old", ["first", "Best month 1,220 per day."])
    new = _run_folder(tmp_path, "new", ["first", "Best month 1,221 per day."], image="AAAA")
    found = compare_runs(old, new)
    assert [(d.report, d.cell) for d in found] == [("10_arrest_trends", 0), ("10_arrest_trends", 1)]
    assert found[0].what == "image differs"
    text_only = compare_runs(old, new, images=False)
    assert [d.cell for d in text_only] == [1] and "1,221" in text_only[0].what
    assert cli.main(["reports", "diff", str(old), str(new)]) == 1
    assert "2 differences" in capsys.readouterr().out


def test_missing_folder_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert cli.main(["reports", "diff", str(tmp_path / "nope"), str(tmp_path)]) == 2
    assert "has no notebooks/ folder" in capsys.readouterr().err
