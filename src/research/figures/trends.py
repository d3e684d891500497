"""Charts of book-in and arrest trends: both measures against the goal, the bridge between them, the nowcast,
break effects across specifications, month-of-year effects, agency split, forecasts, goal probabilities, goal gap,
STL, daily series.

Every function takes the frames produced by `research.models.trends`, `.its` or `.nowcast` and returns a
matplotlib Figure; the caller marks the page's events (`research.figures.events.EventKey`) and records the source
line (`style.source_note`), and shows it with `research.figures.page.show_figure`.
Titles and axis labels come from the caller (`ChartText`) and must name the series shown: "book-ins" (arrests
that led to an ICE detention book-in) or "arrests" (ICE ERO arrests) - there is no default y label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from research.figures import style


@dataclass
class ChartText:
    """Labels shared by the trend charts: both must say which series is shown (book-ins or arrests)."""

    title: str
    ylabel: str
    extras: dict[str, str] = field(default_factory=dict)


def _hatch_partial(ax: Axes, rates: pd.DataFrame, colour: str) -> None:
    # Partial months are shown as hatched bars (rate over the covered days) and never joined to the line.
    part = rates.loc[rates["partial_month"].astype(bool)]
    style.hatched_months(ax, part, "month", "per_day", colour, linewidth=0.8, label="_nolegend_")


def _finish(ax: Axes, fig: Figure, text: ChartText) -> None:
    ax.set_title(text.title)
    fig.subplots_adjust(bottom=0.17)  # room for the two-line date ticks
    ax.set_ylabel(text.ylabel)
    ax.set_xlabel("Month")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))


def plot_rates(
    rates: pd.DataFrame,
    *,
    goal: float,
    text: ChartText,
    fitted: pd.DataFrame | None = None,
    colour: str = "#0072B2",
    series_label: str,
) -> Figure:
    """Monthly rate line (complete months), hatched partial months, goal line and optional segmented fit.

    `series_label` names the series in the legend ("Book-ins per day (complete months)").
    """
    fig, ax = plt.subplots()
    style.line_of_complete_months(
        ax,
        rates,
        "month",
        "per_day",
        "partial_month",
        label=series_label,
        color=colour,
        marker="o",
        markersize=4,
    )
    _hatch_partial(ax, rates, colour)
    if fitted is not None:
        sns.lineplot(
            data=fitted, x="month", y="fitted_per_day", color="#D55E00", ax=ax, label="Segmented fit"
        )
    ax.axhline(goal, color="#000000", linestyle="--", linewidth=1, label=f"Goal: {goal:,.0f} arrests a day")
    ax.set_ylim(0, max(goal, float(rates["per_day"].max())) * 1.15)
    handles, _ = ax.get_legend_handles_labels()
    if rates["partial_month"].astype(bool).any():
        handles.append(Patch(fill=False, hatch="///", edgecolor=colour, label="Partial month (days covered)"))
    ax.legend(handles=handles, loc="upper left")
    _finish(ax, fig, text)
    return fig


def plot_agency_split(
    split: pd.DataFrame,
    *,
    text: ChartText,
    colours: dict[str, str],
) -> Figure:
    """ICE- vs CBP-arrested book-ins per day (lines; partial months hatched)."""
    fig, ax = plt.subplots()
    for agency, rows in split.groupby("agency"):
        rows = rows.sort_values("month")
        style.line_of_complete_months(
            ax,
            rows,
            "month",
            "per_day",
            "partial_month",
            label=str(agency),
            color=colours[str(agency)],
            marker="o",
            markersize=3,
        )
        _hatch_partial(ax, rows, colours[str(agency)])
    ax.set_ylim(0, None)
    ax.legend(title="Arresting agency", loc="upper left")
    _finish(ax, fig, text)
    return fig


def plot_forecast(
    series: pd.Series,
    fc: pd.DataFrame,
    *,
    goal: float,
    text: ChartText,
    history_from: pd.Timestamp | None = None,
    series_label: str,
) -> Figure:
    """History, median forecast and 80% / 95% bands against the goal (`series_label` names the history)."""
    fig, ax = plt.subplots()
    hist = series if history_from is None else series.loc[history_from:]
    # Incomplete months are NaN in the series: the line breaks there rather than bridging them.
    ax.plot(hist.index, hist.to_numpy(), marker="o", markersize=4, color="#0072B2", label=series_label)
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
    ax.axhline(goal, color="#000000", linestyle="--", linewidth=1, label=f"Goal: {goal:,.0f} arrests a day")
    ax.set_ylim(0, max(goal, float(fc["hi95"].max()), float(hist.max(skipna=True))) * 1.1)
    ax.legend(loc="upper left")
    _finish(ax, fig, text)
    return fig


def plot_goal_gap(
    gap: pd.DataFrame,
    *,
    text: ChartText,
) -> Figure:
    """Per day still missing to reach the goal, by month (incomplete months hatched).

    `text.extras["series"]` and `text.extras["partial"]` label the complete and incomplete bars.
    """
    fig, ax = plt.subplots()
    complete = gap.loc[~gap["partial_month"].astype(bool)]
    ax.bar(
        complete["month"] + pd.Timedelta(days=14),
        complete["missing_per_day"],
        width=26,
        color="#E69F00",
        label=text.extras.get("series", "Complete months"),
    )
    part = gap.loc[gap["partial_month"].astype(bool)]
    style.hatched_months(
        ax,
        part,
        "month",
        "missing_per_day",
        "#E69F00",
        label=text.extras.get("partial", "Partial month (days covered)"),
    )
    sns.despine(ax=ax)
    ax.legend(loc="upper right")
    _finish(ax, fig, text)
    return fig


def plot_stl(
    comps: pd.DataFrame,
    *,
    text: ChartText,
) -> Figure:
    """Observed and trend (per day), seasonal and remainder (% of trend) in three stacked panels.

    Mark events on the top panel only (`fig.axes[0]`).
    """
    fig, axes = plt.subplots(3, 1, figsize=(10, 8), sharex=True)
    sns.lineplot(data=comps, x="month", y="observed", color="#999999", ax=axes[0], label="Observed")
    sns.lineplot(data=comps, x="month", y="trend", color="#0072B2", ax=axes[0], label="Trend")
    sns.lineplot(data=comps, x="month", y="seasonal_pct", color="#009E73", ax=axes[1])
    sns.lineplot(data=comps, x="month", y="resid_pct", color="#CC79A7", ax=axes[2], marker="o", markersize=3)
    axes[0].set_ylabel(text.ylabel)
    axes[1].set_ylabel(text.extras.get("seasonal", "Seasonal (%)"))
    axes[2].set_ylabel("Remainder (%)")
    axes[0].set_title(text.title)
    for ax in axes:
        ax.set_xlabel("Month")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    fig.align_ylabels(axes)
    return fig


def plot_daily(
    daily: pd.DataFrame,
    *,
    text: ChartText,
) -> Figure:
    """Daily arrests with a centred 7-day mean."""
    fig, ax = plt.subplots()
    sns.lineplot(
        data=daily, x="date", y="arrests", color="#BBBBBB", linewidth=0.6, ax=ax, label="Daily arrests"
    )
    roll = daily.assign(mean7=daily["arrests"].rolling(7, center=True).mean())
    sns.lineplot(data=roll, x="date", y="mean7", color="#0072B2", ax=ax, label="7-day mean")
    ax.legend(loc="upper left")
    _finish(ax, fig, text)
    ax.set_xlabel("Date")
    return fig


# ------------------------------------------------------------------------------------ two measures
ARREST_COLOUR = "#009E73"
BOOK_IN_COLOUR = "#0072B2"


def _line_with_partials(ax: Axes, rates: pd.DataFrame, colour: str, label: str, partial_label: str) -> list:
    style.line_of_complete_months(
        ax, rates, "month", "per_day", "partial_month", label=label, color=colour, marker="o", markersize=4
    )
    _hatch_partial(ax, rates, colour)
    if rates["partial_month"].astype(bool).any():
        return [Patch(fill=False, hatch="///", edgecolor=colour, label=partial_label)]
    return []


def plot_measures(
    arrests: pd.DataFrame,
    book_ins: pd.DataFrame,
    *,
    goal: float,
    text: ChartText,
    book_in_label: str = "ICE-arrested book-ins per day",
) -> Figure:
    """ICE ERO arrests per day and book-ins per day (complete months joined; incomplete months hatched), goal line."""
    fig, ax = plt.subplots()
    extra = _line_with_partials(
        ax, arrests, ARREST_COLOUR, "ICE ERO arrests per day", "Arrests: partial or under-reported month"
    )
    extra += _line_with_partials(ax, book_ins, BOOK_IN_COLOUR, book_in_label, "Book-ins: partial month")
    ax.axhline(goal, color="#000000", linestyle="--", linewidth=1, label=f"Goal: {goal:,.0f} arrests a day")
    top = max(goal, float(arrests["per_day"].max()), float(book_ins["per_day"].max()))
    ax.set_ylim(0, top * 1.15)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + extra, loc="upper left", fontsize=8)
    _finish(ax, fig, text)
    return fig


def plot_bridge(frame: pd.DataFrame, *, text: ChartText, recent: int = 6) -> Figure:
    """Arrests per book-in by month (months both series cover), its mean and the +/- 1 s.d. band."""
    fig, ax = plt.subplots()
    ratio = frame["arrests_per_book_in"]
    mean, sd = float(ratio.mean()), float(ratio.std(ddof=1))
    ax.axhspan(mean - sd, mean + sd, color="#999999", alpha=0.2, label="Mean +/- 1 s.d.")
    ax.axhline(mean, color="#555555", linestyle="--", linewidth=1, label=f"Mean {mean:.2f}")
    ax.axhline(1.0, color="#000000", linewidth=0.6)
    sns.lineplot(
        data=frame,
        x="month",
        y="arrests_per_book_in",
        marker="o",
        color=ARREST_COLOUR,
        ax=ax,
        label="Arrests per book-in",
    )
    tail = frame.iloc[-recent:]
    ax.scatter(
        tail["month"],
        tail["arrests_per_book_in"],
        s=60,
        facecolors="none",
        edgecolors="#D55E00",
        zorder=3,
        label=f"Last {len(tail)} months",
    )
    ax.legend(loc="upper right", fontsize=8)
    _finish(ax, fig, text)
    return fig


def plot_nowcast(
    history: pd.DataFrame,
    nowcast: pd.DataFrame,
    *,
    text: ChartText,
    colour: str = BOOK_IN_COLOUR,
    history_from: pd.Timestamp | None = None,
) -> Figure:
    """Book-ins per day (complete months, partial hatched) and the nowcast median with 80% / 95% intervals."""
    fig, ax = plt.subplots()
    hist = history if history_from is None else history.loc[history["month"] >= history_from]
    extra = _line_with_partials(
        ax, hist, colour, "Book-ins per day (workbooks)", "Partial month (days covered)"
    )
    x = nowcast["month"] + pd.Timedelta(days=14)
    ax.vlines(
        x, nowcast["lo95"], nowcast["hi95"], color="#D55E00", linewidth=1.2, label="Nowcast 95% interval"
    )
    ax.vlines(
        x,
        nowcast["lo80"],
        nowcast["hi80"],
        color="#D55E00",
        linewidth=4,
        alpha=0.6,
        label="Nowcast 80% interval",
    )
    ax.scatter(x, nowcast["median"], color="#D55E00", zorder=3, label="Nowcast median")
    ax.set_ylim(0, max(float(hist["per_day"].max()), float(nowcast["hi95"].max())) * 1.15)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + extra, loc="upper left", fontsize=8)
    _finish(ax, fig, text)
    return fig


def plot_break_effects(table: pd.DataFrame, *, text: ChartText) -> Figure:
    """Point estimates and intervals of each break's level and slope change (%), one row per specification."""
    specs = list(dict.fromkeys(table["spec"]))
    breaks = sorted(pd.Timestamp(b) for b in table["break"].dropna().unique())
    # One row per (break, specification), a small gap between breaks.
    rows = [(brk, spec) for brk in breaks for spec in specs]
    ypos = {row: i + 0.6 * breaks.index(row[0]) for i, row in enumerate(rows)}
    colours = dict(zip(specs, sns.color_palette("colorblind", len(specs)), strict=True))
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.35 * len(rows) + 2), sharey=True)
    terms = [
        ("level_change", "Level change at the break (%)"),
        ("slope_change", "Slope change (% per month)"),
    ]
    for ax, (term, xlabel) in zip(axes, terms, strict=True):
        for _, r in table.loc[table["term"] == term].iterrows():
            y = ypos[(pd.Timestamp(r["break"]), r["spec"])]
            ax.plot([r["pct_ci_low"], r["pct_ci_high"]], [y, y], color=colours[r["spec"]], linewidth=2)
            ax.plot(r["pct_estimate"], y, "o", color=colours[r["spec"]])
        ax.axvline(0, color="#000000", linewidth=0.8)
        ax.set_xlabel(xlabel)
    axes[0].set_yticks(list(ypos.values()))
    axes[0].set_yticklabels([f"{brk:%d %b %Y}: {spec}" for brk, spec in ypos], fontsize=8)
    axes[0].invert_yaxis()
    axes[0].set_ylabel(text.ylabel)
    fig.suptitle(text.title)
    return fig


def plot_month_effects(effects: pd.DataFrame, *, text: ChartText) -> Figure:
    """Month-of-year effects (% vs January) with their intervals; January is the reference at 0."""
    fig, ax = plt.subplots(figsize=(10, 4))
    months = pd.concat(
        [
            pd.DataFrame({"month": [1], "pct_estimate": [0.0], "pct_ci_low": [0.0], "pct_ci_high": [0.0]}),
            effects,
        ]
    )
    names = [pd.Timestamp(2001, m, 1).strftime("%b") for m in months["month"]]
    ax.vlines(names, months["pct_ci_low"], months["pct_ci_high"], color="#009E73", linewidth=2)
    ax.scatter(names, months["pct_estimate"], color="#009E73", zorder=3)
    ax.axhline(0, color="#000000", linewidth=0.8)
    ax.set_title(text.title)
    ax.set_ylabel(text.ylabel)
    ax.set_xlabel("Month of year (January = reference)")
    return fig


def plot_goal_probabilities(table: pd.DataFrame, *, text: ChartText) -> Figure:
    """Goal probability by model for each series (dots sized by weight), the range and the weighted combination."""
    fig, ax = plt.subplots(figsize=(10, 4.5))
    series = list(dict.fromkeys(table["series"]))
    palette = dict(zip(series, [ARREST_COLOUR, BOOK_IN_COLOUR], strict=False))
    models = list(dict.fromkeys(table["model"]))
    ypos = {m: i for i, m in enumerate(models)}
    for j, name in enumerate(series):
        rows = table.loc[table["series"] == name]
        offset = (j - (len(series) - 1) / 2) * 0.25
        ys = rows["model"].map(ypos) + offset
        sizes = 30 + 300 * rows["weight"].fillna(0)
        ax.scatter(100 * rows["probability"], ys, s=sizes, color=palette[name], label=name, zorder=3)
        combined = float((rows["weight"] * rows["probability"]).sum())
        ax.axvline(
            100 * combined,
            color=palette[name],
            linestyle="--",
            linewidth=1,
            label=f"{name}: skill-weighted combination",
        )
    ax.set_yticks(range(len(models)))
    ax.set_yticklabels(models)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_title(text.title)
    ax.set_xlabel(text.ylabel)
    ax.set_ylabel("Forecast model (dot size: backtest weight)")
    ax.legend(loc="lower right", fontsize=8)
    return fig
