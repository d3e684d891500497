"""Charts and source lists for the leadership-change page (notebooks/30_leadership_changes).

Every function takes frames from `research.models.leadership` and returns a matplotlib Figure (or Markdown built
with `research.figures.text`, so curated text from fod_events is always escaped). The caller adds the events
layer and the source line with `research.figures.style`.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator

from research.figures import style
from research.figures.text import MISSING, Markup, bullets, join, link, md_text

TIER_COLOURS = style.TIER_COLOURS


def _pct(x: Any) -> Any:
    return 100 * np.expm1(x)


# --------------------------------------------------------------------------------------------- sources
def tier_sources_markdown(tiers: pd.DataFrame) -> Markup:
    """One bullet per office that has any source in the round: tier, then each source linked with its confidence."""
    lines = []
    for row in tiers.itertuples(index=False):
        if not row.sources:
            continue
        cites = [
            md_text(
                "{source} ({confidence}; {event}, {date:%d %b %Y})",
                source=link(s["publisher"], s["url"]),
                confidence=s["confidence"],
                event=str(s["event"]).replace("_", " "),
                date=s["date"],
            )
            for s in row.sources
        ]
        lines.append(
            md_text(
                "**{office}** ({tier}): {cites}",
                office=row.office,
                tier=row.tier_label,
                cites=join(cites, "; "),
            )
        )
    return bullets(lines)


def motive_markdown(rows: pd.DataFrame) -> Markup:
    """Quotes from the curated rows that give arrest pace as the reason, each linked to its source."""
    return bullets(
        md_text(
            "“{quote}” ({source}, {date})",
            quote=r.quote,
            source=link(r.source_publisher, r.source_url),
            date=r.source_date,
        )
        for r in rows.itertuples(index=False)
    )


# --------------------------------------------------------------------------------------------- specification curve
AXES = (
    ("treatment_label", "Treated offices"),
    ("comparison_label", "Compared with"),
    ("outcome_label", "Outcome"),
    ("base_label", "Base period"),
    ("estimator_label", "Estimator"),
)


def spec_curve_figure(curve: pd.DataFrame) -> Figure:
    """Estimates ordered from lowest to highest with randomization intervals, and the specification grid below."""
    # Ordered by the plotted value (percent, or percentage points for the share outcome), not the raw estimate,
    # whose units differ between outcomes.
    c = curve.dropna(subset=["estimate"]).sort_values(["pct", "spec_id"]).reset_index(drop=True)
    levels = [(col, title, list(dict.fromkeys(c[col]))) for col, title in AXES]
    n_rows = sum(len(v) for _, _, v in levels)
    fig, (top, grid) = plt.subplots(
        2,
        1,
        figsize=(12, 4 + 0.22 * n_rows),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 0.22 * n_rows + 0.5]},
    )
    x = np.arange(len(c))
    sig = c["p_value"] < 0.05
    # percent columns from the model (log points converted, shares as percentage points); unbounded ends clipped
    # (a log-scale change cannot fall below -100%; a difference of two proportional changes, in pp, can)
    on_log = c["scale"].eq("log") if "scale" in c.columns else pd.Series(True, index=c.index)
    lo = c["ri_low_pct"].where(~on_log, c["ri_low_pct"].clip(lower=-100)).clip(lower=-2000)
    hi = c["ri_high_pct"].clip(upper=2000)
    top.vlines(x, lo, hi, color="#BBBBBB", linewidth=0.8, zorder=1)
    top.scatter(x[~sig], c.loc[~sig, "pct"], s=10, color=style.PALETTE[0], zorder=2, label="p ≥ 0.05")
    top.scatter(x[sig], c.loc[sig, "pct"], s=14, color=style.PALETTE[3], zorder=3, label="p < 0.05")
    top.axhline(0, color="#333333", linewidth=0.8)
    # The median line never mixes units: percent over the log-scale specifications when there are any.
    median = float(np.median(c.loc[on_log, "pct"] if on_log.any() else c["pct"]))
    unit = "%" if on_log.any() else " pp"
    top.axhline(
        median,
        color=style.PALETTE[2],
        linestyle="--",
        linewidth=1,
        label=f"median {median:+.1f}{unit}"
        + (" (log outcomes)" if on_log.any() and not on_log.all() else ""),
    )
    top.set_ylabel("Effect, % (undiluted Jan-Jul outcome: pp)")
    top.set_title("Effect on ICE arrests and the detained population: every defensible specification")
    top.legend(loc="upper left", fontsize=8)
    y: float = 0.0
    ticks: list[float] = []
    labels: list[str] = []
    for col, title, values in levels:
        for v in values:
            on = (c[col] == v).to_numpy()
            grid.scatter(x[on], np.full(on.sum(), y), marker="|", s=30, color="#333333")
            ticks.append(y)
            labels.append(f"{title}: {v}")
            y -= 1
        y -= 0.6
    grid.set_yticks(ticks, labels, fontsize=7)
    grid.set_ylim(y + 0.3, 0.7)
    grid.set_xlabel(f"Specification (1 to {len(c)}), ordered by the effect shown above")
    grid.grid(False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------- event study
def event_study_figure(
    studies: dict[str, pd.DataFrame], operations: pd.DataFrame, change_date: pd.Timestamp
) -> Figure:
    """Per-period difference (treated minus comparison, from the last pre period) for each outcome series.

    Event time 0 (the period that straddles the change) is drawn hollow and labelled; Border Patrol operations in
    comparison offices are shaded (and numbered by the caller's events layer).
    """
    fig, ax = plt.subplots(figsize=(11, 5))
    offsets = np.linspace(-4, 4, len(studies)) if len(studies) > 1 else [0.0]
    for (name, es), colour, off in zip(studies.items(), style.PALETTE, offsets, strict=False):
        mid = es["start"] + (es["end"] - es["start"]) / 2 + pd.Timedelta(days=float(off))
        est, lo, hi = _pct(es["estimate"]), _pct(es["ri_low"]), _pct(es["ri_high"])
        e0 = (es["role"] == "event0").to_numpy()
        ax.errorbar(
            mid[~e0],
            est[~e0],
            yerr=[est[~e0] - lo[~e0], hi[~e0] - est[~e0]],
            fmt="o",
            color=colour,
            capsize=2,
            markersize=4,
            label=name,
        )
        ax.errorbar(
            mid[e0],
            est[e0],
            yerr=[est[e0] - lo[e0], hi[e0] - est[e0]],
            fmt="D",
            color=colour,
            markerfacecolor="white",
            capsize=2,
            markersize=6,
        )
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.axvline(change_date, color=style.EVENT_COLOUR, linestyle="-", linewidth=1.2)
    first = min(es["start"].min() for es in studies.values())
    last = max(es["end"].max() for es in studies.values())
    for op in operations.itertuples(index=False):
        end = (
            op.end if pd.notna(op.end) else last
        )  # an operation with no recorded end is shaded to the last period
        ax.axvspan(max(op.start, first), min(end, last), color=style.PALETTE[6], alpha=0.18, zorder=0)
    ax.set_xlim(first - pd.Timedelta(days=10), last + pd.Timedelta(days=10))
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Line2D(
            [],
            [],
            marker="D",
            markerfacecolor="white",
            color="#333333",
            linestyle="",
            label="event time 0 (straddles the change)",
        ),
        plt.Rectangle(
            (0, 0), 1, 1, color=style.PALETTE[6], alpha=0.3, label="Border Patrol operation in an office"
        ),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.set_xlabel("Middle of the interval between ICE editions (date)")
    ax.set_ylabel("Difference from last period before, %\n(treated minus comparison offices)")
    ax.set_title("Detained population by facility office: treated minus comparison offices, period by period")
    return fig


# --------------------------------------------------------------------------------------------- selection
def pace_figure(pace: pd.DataFrame, fit: Any) -> Figure:
    """Arrest growth 2024->2025 (before) against Aug 2025-Jul 2026 vs 2025 (after), offices by tier, log scales."""
    fig, ax = plt.subplots(figsize=(9, 6))
    d = pace.dropna(subset=["arrests_growth_pre", "arrests_growth_post"])
    for tier, grp in d.groupby("tier", observed=True, sort=False):
        ax.scatter(
            np.exp(grp["arrests_growth_pre"]),
            np.exp(grp["arrests_growth_post"]),
            s=40,
            color=TIER_COLOURS[str(tier)],
            label=str(grp["tier_label"].iloc[0]),
            zorder=3,
        )
    for r in d.itertuples(index=False):
        ax.annotate(
            r.aor,
            (math.exp(r.arrests_growth_pre), math.exp(r.arrests_growth_post)),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=7,
        )
    xs = np.linspace(d["arrests_growth_pre"].min(), d["arrests_growth_pre"].max(), 50)
    ys = fit.slope * xs + (d["arrests_growth_post"].mean() - fit.slope * d["arrests_growth_pre"].mean())
    ax.plot(
        np.exp(xs),
        np.exp(ys),
        color="#555555",
        linestyle="--",
        linewidth=1,
        label="least-squares line (logs)",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    nice = (1.0, 1.1, 1.2, 1.3, 1.5, 1.75, 2, 2.5, 3, 4, 5, 7, 10, 15, 20)
    for axis, values in ((ax.xaxis, d["arrests_growth_pre"]), (ax.yaxis, d["arrests_growth_post"])):
        lo, hi = math.exp(values.min()), math.exp(values.max())
        axis.set_major_locator(FixedLocator([v for v in nice if lo / 1.05 <= v <= hi * 1.05]))
        axis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"×{v:g}"))
        axis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("ICE arrests, calendar 2025 ÷ calendar 2024 (log scale)")
    ax.set_ylabel("ICE arrests, Aug 2025-Jul 2026 ÷ calendar 2025 (log scale)")
    ax.set_title("Pace before and after the change: ICE arrests by field office")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def null_figure(null: np.ndarray, observed: float, title: str) -> Figure:
    """Randomization distribution of an estimate with the observed value and its mirror (two-sided test)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.hist(_pct(null), bins=60, color=style.PALETTE[5])
    ax.axvline(_pct(observed), color=style.PALETTE[3], linewidth=2, label=f"observed {_pct(observed):+.1f}%")
    ax.set_xlabel("Estimate if the change had hit another set of offices (%)")
    ax.set_ylabel("Number of assignments")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def fmt_percent(x: float | None, digits: int = 1, unit: str = "%") -> str:
    """A value already in percent as a signed string ("+3.2%"; unit " pp" for percentage points)."""
    if x is None or math.isnan(x):
        return MISSING
    if math.isinf(x):
        return "unbounded"
    return f"{x:+.{digits}f}{unit}"


def fmt_effect(x: float | None, scale: str, digits: int = 1) -> str:
    """An effect in its outcome's scale: log points as percent ("+3.2%"), shares as percentage points ("+3.2 pp")."""
    if scale == "share":
        return fmt_percent(None if x is None else 100 * x, digits, " pp")
    if scale == "log":
        return fmt_pct(x, digits)
    raise ValueError(f"scale {scale!r}: expected 'log' or 'share'")


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A log-point effect as a signed percentage ("+3.2%"); unbounded ends as "unbounded", missing as a dash."""
    if x is None or math.isnan(x):
        return MISSING
    if math.isinf(x):
        return "unbounded"
    return f"{100 * math.expm1(x):+.{digits}f}%"
