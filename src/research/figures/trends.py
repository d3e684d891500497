"""Charts of arrest trends: monthly rates against the goal, agency split, forecast, goal gap, STL, daily series.

Every function takes the frames produced by `research.models.trends` and returns a matplotlib Figure; the events
layer and the source line are added by the caller with `research.figures.style`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch


@dataclass
class ChartText:
    """Labels shared by the trend charts."""

    title: str
    ylabel: str = "Arrests per day (book-ins / days)"
    source: str = "ICE detention statistics workbooks (initial book-ins), FY2021 to newest edition"
    extras: dict[str, str] = field(default_factory=dict)


def _hatch_partial(ax: Axes, rates: pd.DataFrame, colour: str) -> None:
    # Partial months are shown as hatched bars (rate over the covered days) and never joined to the line.
    part = rates.loc[rates["partial_month"].astype(bool)]
    if part.empty:
        return
    ax.bar(
        part["month"] + pd.Timedelta(days=14),
        part["per_day"],
        width=26,
        fill=False,
        hatch="///",
        edgecolor=colour,
        linewidth=0.8,
        label="_nolegend_",
    )


def _finish(
    ax: Axes,
    fig: Figure,
    text: ChartText,
    events: pd.DataFrame | None,
    add_events: Callable[..., None] | None,
) -> None:
    ax.set_title(text.title)
    fig.subplots_adjust(bottom=0.17)  # room for the two-line date ticks above source_note's line
    ax.set_ylabel(text.ylabel)
    ax.set_xlabel("Month")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    if events is not None and add_events is not None:
        add_events(ax, events)


def plot_rates(
    rates: pd.DataFrame,
    *,
    goal: float,
    text: ChartText,
    fitted: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    add_events: Callable[..., None] | None = None,
    colour: str = "#0072B2",
) -> Figure:
    """Monthly rate line (complete months), hatched partial months, goal line and optional segmented fit."""
    fig, ax = plt.subplots()
    complete = rates.loc[~rates["partial_month"].astype(bool)]
    sns.lineplot(
        data=complete,
        x="month",
        y="per_day",
        marker="o",
        markersize=4,
        color=colour,
        ax=ax,
        label="Complete months",
    )
    _hatch_partial(ax, rates, colour)
    if fitted is not None:
        sns.lineplot(
            data=fitted, x="month", y="fitted_per_day", color="#D55E00", ax=ax, label="Segmented fit"
        )
    ax.axhline(goal, color="#000000", linestyle="--", linewidth=1, label=f"Goal {goal:,.0f}/day")
    ax.set_ylim(0, max(goal, float(rates["per_day"].max())) * 1.15)
    handles, _ = ax.get_legend_handles_labels()
    if rates["partial_month"].astype(bool).any():
        handles.append(Patch(fill=False, hatch="///", edgecolor=colour, label="Partial month (days covered)"))
    ax.legend(handles=handles, loc="upper left")
    _finish(ax, fig, text, events, add_events)
    return fig


def plot_agency_split(
    split: pd.DataFrame,
    *,
    text: ChartText,
    colours: dict[str, str],
    events: pd.DataFrame | None = None,
    add_events: Callable[..., None] | None = None,
) -> Figure:
    """ICE- vs CBP-arrested book-ins per day (lines; partial months hatched)."""
    fig, ax = plt.subplots()
    complete = split.loc[~split["partial_month"].astype(bool)]
    sns.lineplot(
        data=complete, x="month", y="per_day", hue="agency", palette=colours, marker="o", markersize=3, ax=ax
    )
    for agency, rows in split.groupby("agency"):
        _hatch_partial(ax, rows, colours[str(agency)])
    ax.set_ylim(0, None)
    ax.legend(title="Arresting agency", loc="upper left")
    _finish(ax, fig, text, events, add_events)
    return fig


def plot_forecast(
    series: pd.Series,
    fc: pd.DataFrame,
    *,
    goal: float,
    text: ChartText,
    events: pd.DataFrame | None = None,
    add_events: Callable[..., None] | None = None,
    history_from: pd.Timestamp | None = None,
) -> Figure:
    """History, median forecast and 80% / 95% bands against the goal."""
    fig, ax = plt.subplots()
    hist = series.dropna()
    if history_from is not None:
        hist = hist.loc[history_from:]
    sns.lineplot(
        x=hist.index,
        y=hist.to_numpy(),
        marker="o",
        markersize=4,
        color="#0072B2",
        ax=ax,
        label="Observed (complete months)",
    )
    ax.fill_between(fc["month"], fc["lo95"], fc["hi95"], color="#56B4E9", alpha=0.25, label="95% interval")
    ax.fill_between(fc["month"], fc["lo80"], fc["hi80"], color="#56B4E9", alpha=0.45, label="80% interval")
    sns.lineplot(
        data=fc,
        x="month",
        y="median",
        color="#D55E00",
        ax=ax,
        label=f"Forecast median ({fc['model'].iloc[0]})",
    )
    ax.axhline(goal, color="#000000", linestyle="--", linewidth=1, label=f"Goal {goal:,.0f}/day")
    ax.set_ylim(0, max(goal, float(fc["hi95"].max()), float(hist.max())) * 1.1)
    ax.legend(loc="upper left")
    _finish(ax, fig, text, events, add_events)
    return fig


def plot_goal_gap(
    gap: pd.DataFrame,
    *,
    text: ChartText,
    events: pd.DataFrame | None = None,
    add_events: Callable[..., None] | None = None,
) -> Figure:
    """Arrests per day still missing to reach the goal, by month (partial months hatched)."""
    fig, ax = plt.subplots()
    complete = gap.loc[~gap["partial_month"].astype(bool)]
    ax.bar(
        complete["month"] + pd.Timedelta(days=14),
        complete["missing_per_day"],
        width=26,
        color="#E69F00",
        label="Complete months",
    )
    part = gap.loc[gap["partial_month"].astype(bool)]
    ax.bar(
        part["month"] + pd.Timedelta(days=14),
        part["missing_per_day"],
        width=26,
        fill=False,
        hatch="///",
        edgecolor="#E69F00",
        label="Partial month (days covered)",
    )
    sns.despine(ax=ax)
    ax.legend(loc="upper right")
    _finish(ax, fig, text, events, add_events)
    return fig


def plot_stl(
    comps: pd.DataFrame,
    *,
    text: ChartText,
    events: pd.DataFrame | None = None,
    add_events: Callable[..., None] | None = None,
) -> Figure:
    """Observed and trend (per day), seasonal and remainder (% of trend) in three stacked panels."""
    fig, axes = plt.subplots(3, 1, figsize=(10, 8), sharex=True)
    sns.lineplot(data=comps, x="month", y="observed", color="#999999", ax=axes[0], label="Observed")
    sns.lineplot(data=comps, x="month", y="trend", color="#0072B2", ax=axes[0], label="Trend")
    sns.lineplot(data=comps, x="month", y="seasonal_pct", color="#009E73", ax=axes[1])
    sns.lineplot(data=comps, x="month", y="resid_pct", color="#CC79A7", ax=axes[2], marker="o", markersize=3)
    axes[0].set_ylabel("Arrests per day")
    axes[1].set_ylabel("Seasonal effect (%)")
    axes[2].set_ylabel("Remainder (%)")
    axes[0].set_title(text.title)
    for ax in axes:
        ax.set_xlabel("Month")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
        if events is not None and add_events is not None:
            add_events(ax, events)
    return fig


def plot_daily(
    daily: pd.DataFrame,
    *,
    text: ChartText,
    events: pd.DataFrame | None = None,
    add_events: Callable[..., None] | None = None,
) -> Figure:
    """Daily arrests with a centred 7-day mean."""
    fig, ax = plt.subplots()
    sns.lineplot(data=daily, x="date", y="arrests", color="#BBBBBB", linewidth=0.6, ax=ax, label="Daily")
    roll = daily.assign(mean7=daily["arrests"].rolling(7, center=True).mean())
    sns.lineplot(data=roll, x="date", y="mean7", color="#0072B2", ax=ax, label="7-day mean")
    ax.legend(loc="upper left")
    _finish(ax, fig, text, events, add_events)
    ax.set_xlabel("Date")
    return fig
