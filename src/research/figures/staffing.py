"""Charts of the staffing report: workforce, arrests per employee, elasticities, officers needed, scenarios, scores.

Each function takes frames produced by `research.models.capacity`, `elasticity` or `staffing`, draws one figure
with labelled axes (units included), records the source line and returns the Figure; the caller marks the page's
events (`research.figures.page.show_figure(..., key=..., events_on=...)`). Months that are partial or under-reported (reporting lag) are drawn as separate open markers, never
joined to the line of complete months.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from research.figures import style

OUTCOME_COLOURS = {"arrests": style.PALETTE[0], "book_ins": style.PALETTE[2]}
BP_COLOUR = style.AGENCY_COLOURS["CBP"]
GOAL_COLOUR = style.PALETTE[3]


def _months_axis(ax: Axes, every_months: int | None = None) -> None:
    """Month ticks as "Jan\n2026"; `every_months` fixes the spacing (narrow panels), else matplotlib chooses."""
    if every_months is not None:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, every_months)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.set_xlabel("Month")


def _thousands(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _finish(fig: Figure, source: str) -> Figure:
    """Tight layout and the source line (events are marked by the caller, see `research.figures.page`)."""
    fig.tight_layout()
    style.source_note(fig, source)
    return fig


def plot_monthly(ax: Axes, frame: pd.DataFrame, y: str, colour: str, label: str) -> None:
    """Complete months as a line; other months (partial, reporting lag) as open markers, not joined."""
    other = frame[frame["status"] != "complete"]
    style.line_of_complete_months(
        ax,
        frame,
        "month",
        y,
        frame["status"] != "complete",
        label=label,
        color=colour,
        marker="o",
        markersize=3.5,
        linewidth=1.8,
    )
    if not other.empty:
        ax.plot(
            other["month"],
            other[y],
            "o",
            markerfacecolor="white",
            markeredgecolor=colour,
            markersize=6,
            linestyle="none",
            label=f"{label}: month not complete (reporting lag or partial)",
        )


def workforce_figure(
    staffing: pd.DataFrame,
    claims: pd.DataFrame,
    outcomes: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    *,
    source: str,
) -> Figure:
    """Top: OPM headcount (all occupations) and published officer figures (points, claims hollow).
    Bottom: per-day rates of each outcome (`monthly_outcome` frames keyed like `labels`)."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    top.plot(
        staffing["month"],
        staffing["employees"],
        "-",
        color=style.PALETTE[7],
        linewidth=2,
        label="OPM headcount, all occupations (record)",
    )
    markers = ["s", "D", "^", "v", "P", "X"]
    for (label, claim), group in claims.groupby(["label", "is_claim"], sort=False):
        marker = markers[len(top.lines) % len(markers)]
        top.plot(
            group["period_start"],
            group["value"],
            marker,
            linestyle="none",
            markersize=7,
            markerfacecolor="white" if claim else style.PALETTE[4],
            markeredgecolor=style.PALETTE[4],
            label=f"{label} ({'claim' if claim else 'record'})",
        )
    top.set_ylabel("People")
    _thousands(top)
    top.set_title("ICE workforce: OPM record to December 2025, published figures after")
    top.legend(fontsize=8, loc="upper left")
    top.set_ylim(0, None)
    for key, frame in outcomes.items():
        plot_monthly(bottom, frame, "per_day", OUTCOME_COLOURS.get(key, style.PALETTE[5]), labels[key])
    bottom.set_ylabel("ICE arrests or book-ins per day")
    bottom.set_title("ICE arrests and ICE book-ins per day")
    bottom.set_ylim(0, None)
    bottom.legend(fontsize=8, loc="upper left")
    _months_axis(bottom)
    return _finish(fig, source)


def productivity_figure(
    panels: Mapping[str, pd.DataFrame],
    windows: Mapping[str, tuple[pd.Timestamp, pd.Timestamp, float, float, float]],
    labels: Mapping[str, str],
    *,
    source: str,
) -> Figure:
    """Monthly outcome per OPM employee per day; the capacity window's mean and 95% interval as a band.

    `windows[key]` = (first month, last month, estimate, low, high).
    """
    fig, ax = plt.subplots(figsize=(11, 4.8))
    for key, panel in panels.items():
        colour = OUTCOME_COLOURS.get(key, style.PALETTE[5])
        plot_monthly(ax, panel[panel["employees"].notna()], "per_employee_day", colour, labels[key])
        first, last, estimate, low, high = windows[key]
        span = [first - pd.Timedelta(days=10), last + pd.Timedelta(days=10)]
        ax.fill_between(span, low, high, color=colour, alpha=0.15, linewidth=0)
        ax.plot(
            span,
            [estimate, estimate],
            color=colour,
            linewidth=3,
            alpha=0.7,
            label=f"{labels[key]}: window mean, 95% interval",
        )
    ax.set_ylabel("Per OPM employee per day")
    ax.set_title("Arrests and book-ins per ICE employee (all occupations) per day")
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, loc="upper left")
    _months_axis(ax)
    return _finish(fig, source)


def elasticity_figure(table: pd.DataFrame, *, source: str) -> Figure:
    """Forest plot: each specification's elasticity, 95% interval given its breaks (thick) and break-robust (thin)."""
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(table) + 1.8))
    rows = np.arange(len(table))[::-1]
    for y, (_, row) in zip(rows, table.iterrows(), strict=True):
        colour = style.PALETTE[0] if row["identified"] else style.PALETTE[7]
        ax.plot([row["robust_low"], row["robust_high"]], [y, y], color=colour, linewidth=1, alpha=0.7)
        ax.plot([row["ci_low"], row["ci_high"]], [y, y], color=colour, linewidth=4, alpha=0.6)
        ax.plot(row["elasticity"], y, "o", color=colour)
    ax.axvline(0, color="#555555", linewidth=1)
    ax.axvline(1, color="#555555", linewidth=1, linestyle="--")
    ax.set_yticks(rows, table["specification"])
    limit = max(3.0, min(8.0, float(np.nanmax(np.abs(table[["robust_low", "robust_high"]].to_numpy())))))
    ax.set_xlim(-limit, limit)
    ax.set(
        xlabel="Elasticity of per-day rate to headcount (0 = no response, 1 = proportional)",
        ylabel="",
        title="Elasticity of ICE arrests to headcount: thick = 95% interval given the breaks, thin = break-robust",
    )
    return _finish(fig, source)


def needs_figure(
    needs: pd.DataFrame,
    markers: Sequence[tuple[str, float]],
    *,
    goal: float,
    source: str,
    cap: float = 60_000,
) -> Figure:
    """Officers needed for the goal by method (point, 95% interval, sensitivity range, and the 95% interval that
    combines sampling and share uncertainty when the frame has `combined_low`/`combined_high`) against published
    counts.

    Intervals without an upper bound run to the right edge with an arrow.
    """
    fig, ax = plt.subplots(figsize=(12, 0.6 * len(needs) + 2.8))
    rows = np.arange(len(needs))[::-1]
    for y, (_, row) in zip(rows, needs.iterrows(), strict=True):
        high = min(row["high"], cap)
        ax.plot([row["low"], high], [y, y], color=style.PALETTE[0], linewidth=4, alpha=0.6)
        if np.isfinite(row["range_low"]):
            ax.plot(
                [row["range_low"], row["range_high"]],
                [y - 0.18, y - 0.18],
                color=style.PALETTE[1],
                linewidth=2,
                alpha=0.9,
            )
        if np.isfinite(row.get("combined_low", np.nan)):  # sampling and share uncertainty combined
            ax.plot(
                [row["combined_low"], min(row["combined_high"], cap)],
                [y + 0.18, y + 0.18],
                color=style.PALETTE[7],
                linewidth=1.5,
            )
        if not np.isfinite(row["high"]) or row["high"] > cap:
            ax.annotate(
                "",
                xy=(cap, y),
                xytext=(cap * 0.93, y),
                arrowprops={"arrowstyle": "->", "color": style.PALETTE[0]},
            )
        if np.isfinite(row["officers"]) and row["officers"] <= cap:
            ax.plot(row["officers"], y, "o", color=style.PALETTE[0])
    for (label, value), colour in zip(markers, style.PALETTE[2:], strict=False):
        ax.axvline(value, color=colour, linewidth=1.5, linestyle=":", label=label)
    ax.set_yticks(rows, needs["method"])
    ax.set_xlim(0, cap)
    ax.xaxis.set_major_locator(plt.MaxNLocator(6))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set(
        xlabel=f"Officers needed for {goal:,.0f} ICE arrests a day (people; an arrow: no upper bound in view)",
        ylabel="",
        title="Officers needed for the arrests goal\norange = range over officer shares, blue = 95% sampling "
        "interval at the nearest share, black = 95% interval combining both",
    )
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    return _finish(fig, source)


def scenario_figure(
    summary: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    goal: float,
    colours: Mapping[str, str],
    observed_label: str,
    source: str,
) -> Figure:
    """Left: ICE per day by scenario (median, sensitivity range) with observed ICE months. Right: Border Patrol
    per day by scenario (its own column); the dashed line is ICE + Border Patrol."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [2.2, 1]})
    ice = summary[summary["column"] == "ice_per_day"]
    for name, group in ice.groupby("scenario", sort=False):
        left.fill_between(group["month"], group["lower"], group["upper"], color=colours[name], alpha=0.12)
        left.plot(group["month"], group["median"], color=colours[name], linewidth=2, label=name)
    total = summary[summary["column"] == "total_per_day"]
    for name, group in total.groupby("scenario", sort=False):
        left.plot(group["month"], group["median"], color=colours[name], linewidth=1, linestyle="--")
    plot_monthly(left, observed, "per_day", style.PALETTE[7], observed_label)
    left.axhline(
        goal, color=GOAL_COLOUR, linestyle="-.", linewidth=1.2, label=f"goal: {goal:,.0f} arrests a day"
    )
    left.set_ylim(0, max(goal, float(ice["upper"].max())) * 1.1)
    left.set_ylabel("ICE arrests per day (dashed: ICE + Border Patrol)")
    _thousands(left)
    left.set_title("ICE arrests per day by hiring scenario (median and sensitivity range)")
    left.legend(fontsize=7, loc="upper left")
    _months_axis(left)
    bp = summary[summary["column"] == "bp_per_day"]
    for name, group in bp.groupby("scenario", sort=False):
        right.fill_between(group["month"], group["lower"], group["upper"], color=colours[name], alpha=0.12)
        right.plot(group["month"], group["median"], color=colours[name], linewidth=2)
    right.set_ylim(0, max(1.0, float(bp["upper"].max()) * 1.2))
    right.set_ylabel("Border Patrol (CBP) arrests per day")
    right.set_title("Border Patrol arrests (not ICE)")
    _months_axis(right, every_months=6)
    return _finish(fig, source)


def out_of_sample_figure(
    table: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    colours: Mapping[str, str],
    fit_through: pd.Timestamp,
    ylabel: str,
    source: str,
) -> Figure:
    """Predicted against observed per day for the scored months; open markers: months not scored."""
    fig, ax = plt.subplots(figsize=(11, 5))
    for model, group in table.groupby("model", sort=False):
        ax.plot(
            group["month"],
            group["predicted"],
            "-",
            marker="s",
            markersize=3,
            color=colours[model],
            linewidth=1.6,
            label=model,
        )
    plot_monthly(ax, observed, "per_day", style.PALETTE[7], "observed")
    ax.axvline(
        fit_through + pd.offsets.MonthEnd(0),
        color="#555555",
        linestyle="--",
        linewidth=1,
        label=f"end of the data fitted ({fit_through:%b %Y})",
    )
    ax.set_ylim(0, float(max(table["predicted"].max(), observed["per_day"].max())) * 1.15)
    _thousands(ax)
    ax.set(
        ylabel=ylabel,
        title=f"{ylabel}: predictions made with data through {fit_through:%B %Y} against what happened",
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    _months_axis(ax)
    return _finish(fig, source)


def scenario_colours(names: Sequence[str], naive: str) -> dict[str, str]:
    """One palette colour per scenario (the selected one first), grey for the naive model."""
    palette = [c for c in style.PALETTE if c not in (style.PALETTE[7], style.PALETTE[6])]
    colours = {name: palette[i % len(palette)] for i, name in enumerate(names)}
    colours[naive] = "#777777"
    return colours
