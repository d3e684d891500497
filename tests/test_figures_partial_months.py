"""No chart joins a partial month into a line, nor draws a line across one (a partial month mid-series, as
September 2025 is in the book-ins). Frames are synthetic, generated here in the shapes the models return."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from research.figures import overview, scorecard, style, trends  # noqa: E402
from research.figures import staffing as staffing_charts  # noqa: E402

MONTHS = pd.date_range("2025-01-01", periods=10, freq="MS")
PARTIAL = [False, False, False, False, True, False, False, False, False, True]  # May mid-series, October last


def rates(scale: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": MONTHS,
            "count": (scale * 30 * (1 + np.arange(10) / 10)).astype(int),
            "days": 30,
            "per_day": scale * (1 + np.arange(10) / 10),
            "partial_month": PARTIAL,
        }
    )


def line_months(fig: Figure) -> list[list[pd.Timestamp]]:
    """The months each drawn stretch of line passes through (a line breaks where its data are missing)."""
    out = []
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_linestyle() in ("None", "", " "):
                continue
            xy = line.get_xydata()
            finite = np.isfinite(xy).all(axis=1)
            for stretch in np.split(xy, np.flatnonzero(~finite)):
                stretch = stretch[np.isfinite(stretch).all(axis=1)]
                if len(stretch) < 2 or np.ptp(stretch[:, 0]) == 0:  # a point, or a vertical line (an event)
                    continue
                if np.ptp(stretch[:, 1]) == 0 and len(stretch) == 2:  # a horizontal reference line
                    continue
                out.append(
                    [pd.Timestamp(mdates.num2date(x)).tz_localize(None).normalize() for x in stretch[:, 0]]
                )
    return out


def assert_never_joined(fig: Figure, partial: list[pd.Timestamp]) -> None:
    lines = line_months(fig)
    assert lines, "the chart draws at least one line"
    for months in lines:
        for month in partial:
            assert month not in months, f"{month:%b %Y} is a point of a line"
            assert not (min(months) < month < max(months)), f"a line crosses {month:%b %Y}"
    plt.close(fig)


PARTIAL_MONTHS = [m for m, p in zip(MONTHS, PARTIAL, strict=True) if p]


def test_line_of_complete_months_breaks_and_labels_once() -> None:
    fig, ax = plt.subplots()
    style.line_of_complete_months(ax, rates(), "month", "per_day", "partial_month", label="synthetic")
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [4, 4]
    assert [line.get_label() for line in ax.get_lines()] == ["synthetic", "_nolegend_"]
    assert_never_joined(fig, PARTIAL_MONTHS)


@pytest.mark.parametrize(
    "draw",
    [
        lambda: trends.plot_rates(
            rates(), goal=300, text=trends.ChartText("Arrests", "per day"), series_label="s"
        ),
        lambda: trends.plot_measures(
            rates(), rates(80), goal=300, text=trends.ChartText("Arrests", "per day")
        ),
        lambda: trends.plot_agency_split(
            pd.concat([rates().assign(agency="ICE"), rates(50).assign(agency="CBP")]),
            text=trends.ChartText("Book-ins", "per day"),
            colours=style.AGENCY_COLOURS,
        ),
        lambda: trends.plot_forecast(
            pd.Series(np.where(PARTIAL, np.nan, rates()["per_day"]), index=MONTHS),
            pd.DataFrame(
                {
                    "month": pd.date_range("2025-11-01", periods=2, freq="MS"),
                    "median": 200.0,
                    "lo80": 190.0,
                    "hi80": 210.0,
                    "lo95": 180.0,
                    "hi95": 220.0,
                    "model": "naive",
                }
            ),
            goal=300,
            text=trends.ChartText("Arrests", "per day"),
            series_label="s",
        ),
        lambda: trends.plot_nowcast(
            rates(),
            pd.DataFrame(
                {
                    "month": [pd.Timestamp("2025-11-01")],
                    "median": [200.0],
                    "lo80": [190.0],
                    "hi80": [210.0],
                    "lo95": [180.0],
                    "hi95": [220.0],
                }
            ),
            text=trends.ChartText("Book-ins", "per day"),
        ),
        lambda: scorecard.monthly_figure(
            rates().assign(reporting_lag=False),
            pd.DataFrame(
                {
                    "basis": ["arrests_2024"],
                    "basis_label": ["2024 arrests"],
                    "short_label": ["2024 arrests"],
                    "allocated_per_day": [150.0],
                }
            ),
            title="Office: ICE arrests per day",
        ),
    ],
    ids=["rates", "measures", "agency_split", "forecast", "nowcast", "scorecard_monthly"],
)
def test_trend_and_scorecard_charts(draw) -> None:
    assert_never_joined(draw(), PARTIAL_MONTHS)


def test_staffing_outcome_lines() -> None:
    frame = rates().assign(status=np.where(PARTIAL, "partial month", "complete"))
    fig, ax = plt.subplots()
    staffing_charts.plot_monthly(ax, frame, "per_day", style.PALETTE[0], "ICE book-ins")
    assert_never_joined(fig, PARTIAL_MONTHS)


def test_overview_monthly_book_ins() -> None:
    frame = pd.concat(
        [
            rates().assign(agency=a, book_ins=lambda f, k=k: (f["count"] * k).astype(int))
            for a, k in (("ICE", 1), ("CBP", 0.5), ("Total", 1.5))
        ]
    )
    assert_never_joined(overview.plot_monthly_book_ins(frame), PARTIAL_MONTHS)
