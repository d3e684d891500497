"""Data-overview computations (revisions between editions, revision history), its charts, and the 00 notebook run
end to end. The vintages below are SYNTHETIC, written by this file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import papermill as pm
import pytest

from research import config
from research.figures import overview as overview_charts
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


def test_month_history_measures_change_from_the_first_complete_count() -> None:
    history = overview.month_history(_synthetic_vintage(), "ICE")
    october = history[history["month"] == pd.Timestamp("2025-10-01")]
    assert october["report"].tolist() == [1, 2, 3]
    assert october["change"].tolist() == [0, -3, -3]  # complete in a (100), then 97, 97
    november = history[history["month"] == pd.Timestamp("2025-11-01")]
    # Partial in a: no change yet; first complete in b (90), then 92 in c.
    assert november["change"].isna().tolist() == [True, False, False]
    assert november["change"].dropna().tolist() == [0, 2]
    assert history[history["month"] == pd.Timestamp("2025-12-01")]["change"].isna().all()


def test_settling_summary_counts_months_restated_and_their_changes() -> None:
    settled = overview.settling(overview.month_history(_synthetic_vintage(), "ICE"))
    assert settled.set_index("month")["later_reports"].to_dict() == {
        pd.Timestamp("2025-10-01"): 2,
        pd.Timestamp("2025-11-01"): 1,
    }
    moved = overview.settling_summary(settled)
    assert (moved.months, moved.revised, moved.largest_change) == (2, 2, -3)
    assert moved.largest_month == pd.Timestamp("2025-10-01")
    assert moved.median_abs_change == pytest.approx(2.5)
    assert moved.largest_pct == pytest.approx(-0.03)


def test_newest_edition_changes_label_each_month() -> None:
    vintage = _synthetic_vintage()
    # Edition c also reports December, now complete, and January (partial).
    extra = vintage[vintage["edition_file"] == "c"].iloc[:2].copy()
    extra["month"] = pd.to_datetime(["2025-12-01", "2026-01-01"])
    extra["book_ins"] = [60, 5]
    extra["partial_month"] = [False, True]
    changes = overview.newest_edition_changes(pd.concat([vintage, extra], ignore_index=True), "ICE")
    assert (changes.edition, changes.previous) == ("c", "b")
    assert changes.table["status"].tolist() == ["unchanged", "revised", "completed", "added"]
    assert changes.count("revised") == 1 and int(changes.largest_revision()["change"]) == 2

    first = overview.newest_edition_changes(vintage[vintage["edition_file"] == "a"], "ICE")
    assert first.previous is None and set(first.table["status"]) == {"added"}


def test_revision_history_chart_marks_partial_reports() -> None:
    history = overview.month_history(_synthetic_vintage(), "ICE")
    fig = overview_charts.plot_revision_history(history, "ICE")
    ax = fig.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == int(history["partial_month"].sum())  # Nov in a, Dec in b
    assert "book-ins" in ax.get_title() and ax.get_xlabel() == "Edition (data through)"
    texts = {t.get_text() for t in ax.texts}
    assert {"0", "-3", "+2"} <= texts


def test_revision_years_parameter_is_checked() -> None:
    with pytest.raises(overview.params.ParameterError, match="parameter 'revision_years' = \\[\\]"):
        overview.validate_years("revision_years", [], [2025])


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
    assert "The newest edition, FY26" in text and "restated after their first complete count" in text
    assert 'class="dataframe"' not in text, "a raw pandas table is shown to readers: use reader_table"
    assert "FY2,0" not in text, "a year was formatted with a thousands separator"


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
