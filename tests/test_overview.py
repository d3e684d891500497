"""Data-overview computations (revisions between editions) and the 00 notebook run end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import papermill as pm
import pytest

from research import config
from research.models import overview


def _synthetic_vintage() -> pd.DataFrame:
    rows = [
        # edition a: Oct complete, Nov partial; edition b restates both and adds Dec.
        ("a", "2025-11-15", "2025-10-01", 100, False),
        ("a", "2025-11-15", "2025-11-01", 40, True),
        ("b", "2025-12-13", "2025-10-01", 97, False),
        ("b", "2025-12-13", "2025-11-01", 90, False),
        ("b", "2025-12-13", "2025-12-01", 30, True),
        ("c", "2026-01-07", "2025-10-01", 97, False),
        ("c", "2026-01-07", "2025-11-01", 92, False),
    ]
    frame = pd.DataFrame(rows, columns=["edition_file", "data_through", "month", "book_ins", "partial_month"])
    frame["data_through"] = pd.to_datetime(frame["data_through"])
    frame["edition_date"] = frame["data_through"]
    frame["month"] = pd.to_datetime(frame["month"])
    frame["fiscal_year"] = 2026
    frame["agency"] = "ICE"
    return frame


def test_revisions_skip_months_that_were_still_partial() -> None:
    revs = overview.revisions(_synthetic_vintage())
    # Oct: a->b (-3), b->c (0); Nov: only b->c (+2), because Nov was partial in a (filling in is not a revision).
    assert sorted(revs["revision"].tolist()) == [-3, 0, 2]
    summary = overview.revision_summary(revs).set_index("agency").loc["ICE"]
    assert (summary["revised_up"], summary["revised_down"], summary["unchanged"]) == (1, 1, 1)
    assert summary["largest_revision"] == -3


def test_overview_parameters_are_checked() -> None:
    with pytest.raises(overview.params.ParameterError, match="parameter 'agency'"):
        overview.validate_overview_params([2025], "HSI", [2025])
    with pytest.raises(overview.params.ParameterError, match="parameter 'fiscal_years' = 2019"):
        overview.validate_overview_params([2019], "ICE", [2025])


@pytest.mark.slow
def test_data_overview_notebook_runs_on_the_embedded_default(tmp_path: Path) -> None:
    out = tmp_path / "00.ipynb"
    pm.execute_notebook(
        str(config.NOTEBOOKS_DIR / "00_data_overview.ipynb"),
        str(out),
        parameters={"fiscal_years": [2025, 2026], "agency": "CBP"},
        kernel_name=config.KERNEL_NAME,
        cwd=str(config.NOTEBOOKS_DIR),
        progress_bar=False,
        execution_timeout=300,
    )
    text = out.read_text()
    assert "CBP-arrested book-ins" in text and "Traceback" not in text


@pytest.mark.slow
def test_data_overview_notebook_stops_on_a_bad_parameter(tmp_path: Path) -> None:
    with pytest.raises(pm.PapermillExecutionError, match="parameter 'agency' = 'HSI'"):
        pm.execute_notebook(
            str(config.NOTEBOOKS_DIR / "00_data_overview.ipynb"),
            str(tmp_path / "bad.ipynb"),
            parameters={"agency": "HSI"},
            kernel_name=config.KERNEL_NAME,
            cwd=str(config.NOTEBOOKS_DIR),
            progress_bar=False,
            execution_timeout=300,
        )
