"""Tests for research.figures.trends: every chart says which series it shows (book-ins or arrests).

Frames are synthetic, generated here in the shapes the models return.
"""

from __future__ import annotations

import inspect

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from research.figures import trends as charts  # noqa: E402

MONTHS = pd.date_range("2024-01-01", periods=12, freq="MS")


def rates(scale: float, partial_last: bool = True) -> pd.DataFrame:
    """Synthetic monthly per-day rates; the last month partial."""
    frame = pd.DataFrame({"month": MONTHS, "per_day": scale * (1 + np.arange(12) / 10)})
    frame["partial_month"] = False
    frame.loc[11, "partial_month"] = partial_last
    return frame


def texts(fig: plt.Figure) -> str:
    parts = [fig._suptitle.get_text() if fig._suptitle else ""]  # type: ignore[attr-defined]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            parts += [t.get_text() for t in legend.get_texts()]
    return " | ".join(parts)


def test_chart_text_has_no_default_y_label() -> None:
    with pytest.raises(TypeError):
        charts.ChartText(title="x")  # type: ignore[call-arg]
    assert "book-ins / days" not in inspect.getsource(charts)


def test_measures_chart_names_both_series_and_the_goal_unit() -> None:
    fig = charts.plot_measures(
        rates(1000),
        rates(900),
        goal=3000,
        text=charts.ChartText(title="Arrests and book-ins", ylabel="Per day (arrests or book-ins)"),
    )
    label = texts(fig)
    assert "ICE ERO arrests per day" in label and "book-ins per day" in label
    assert "3,000 arrests a day" in label
    # Partial months are hatched bars, never points of the lines.
    line_x = {
        pd.Timestamp(matplotlib.dates.num2date(x)).tz_localize(None)
        for x in fig.axes[0].lines[0].get_xydata()[:, 0]
    }
    assert MONTHS[11] not in line_x
    plt.close(fig)


def test_nowcast_bridge_and_probability_charts() -> None:
    nowcast = pd.DataFrame(
        {
            "month": pd.date_range("2025-01-01", periods=3, freq="MS"),
            "median": [1000.0, 1010, 1200],
            "lo80": [950.0, 940, 1100],
            "hi80": [1050.0, 1080, 1300],
            "lo95": [920.0, 900, 1050],
            "hi95": [1090.0, 1120, 1380],
        }
    )
    fig = charts.plot_nowcast(
        rates(900), nowcast, text=charts.ChartText(title="t", ylabel="Book-ins per day")
    )
    assert "Nowcast median" in texts(fig) and "Book-ins per day" in texts(fig)
    plt.close(fig)
    bridge = pd.DataFrame({"month": MONTHS, "arrests_per_book_in": np.linspace(1.3, 1.0, 12)})
    fig = charts.plot_bridge(bridge, text=charts.ChartText(title="t", ylabel="Arrests per book-in"))
    assert "Mean 1.15" in texts(fig)
    plt.close(fig)
    probs = pd.DataFrame(
        {
            "series": ["ICE ERO arrests"] * 2 + ["ICE-arrested book-ins"] * 2,
            "model": ["naive", "ETS"] * 2,
            "probability": [0.1, 0.3, 0.05, 0.2],
            "weight": [0.5, 0.5, 0.7, 0.3],
        }
    )
    fig = charts.plot_goal_probabilities(probs, text=charts.ChartText(title="t", ylabel="Probability (%)"))
    label = texts(fig)
    assert "ICE ERO arrests: skill-weighted combination" in label and "ICE-arrested book-ins" in label
    # The combination line sits at the weighted mean: 0.5 * 10% + 0.5 * 30% for arrests.
    xs = sorted(round(line.get_xdata()[0], 6) for line in fig.axes[0].lines)
    assert 20.0 in xs and round(100 * (0.7 * 0.05 + 0.3 * 0.2), 6) in xs
    plt.close(fig)


def test_break_effects_and_month_effects_charts() -> None:
    breaks = [pd.Timestamp("2025-01-20"), pd.Timestamp("2025-05-21")]
    rows = [
        {
            "spec": spec,
            "term": term,
            "break": brk,
            "pct_estimate": 10.0,
            "pct_ci_low": -5.0,
            "pct_ci_high": 25.0,
        }
        for spec in ("AR(1) errors", "+ month-of-year terms")
        for term in ("level_change", "slope_change")
        for brk in breaks
    ]
    fig = charts.plot_break_effects(
        pd.DataFrame(rows), text=charts.ChartText(title="Book-ins", ylabel="Break")
    )
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks[0] == "20 Jan 2025: AR(1) errors" and len(ticks) == 4
    plt.close(fig)
    effects = pd.DataFrame(
        {"month": range(2, 13), "pct_estimate": 0.0, "pct_ci_low": -10.0, "pct_ci_high": 10.0}
    )
    fig = charts.plot_month_effects(
        effects, text=charts.ChartText(title="Book-ins", ylabel="Effect (% vs January)")
    )
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()][:2] == ["Jan", "Feb"]
    plt.close(fig)
