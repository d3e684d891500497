"""Charts and text blocks of the field-office scorecards (notebook 40) and the 25-office comparison (notebook 45).

Functions take frames from `research.models.scorecard` and return a matplotlib Figure or Markdown built with
`research.figures.text` (curated text from the director events is always escaped). Events are marked by the
caller with `research.figures.events.EventKey`, the source line is recorded with `style.source_note`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import HTML
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.typing import LineStyleType

from research.figures import style
from research.figures.html_tables import html_table
from research.figures.text import MISSING, Markup, join, md_text

EVENT_TITLE_PAD = 34  # room above the axes for the event numbers (two staggered rows)
HIGHLIGHT, OTHERS = style.PALETTE[3], "#BBBBBB"
ALLOCATION_STYLES: dict[str, LineStyleType] = {
    "arrests_2024": "--",
    "arrests_2025": (0, (5, 1, 1, 1)),
    "population": "-.",
    "noncitizens": ":",
    "equal": (0, (1, 3)),
}
# Each allocation's line keeps one colour and dash pattern on every chart (colour-blind-safe palette).
ALLOCATION_COLOURS = {
    "arrests_2024": style.PALETTE[3],
    "arrests_2025": style.PALETTE[1],
    "population": style.PALETTE[2],
    "noncitizens": style.PALETTE[4],
    "equal": style.PALETTE[7],
}
# A percentage of an allocation prints with one decimal, more only where two different values would print alike.
PCT_DECIMALS, PCT_MAX_DECIMALS = 1, 3
TIER_COLOURS = style.TIER_COLOURS


def pct_label(value: float) -> str:
    """How the pages print a share of an allocation of the goal ("28.0%"); a dash when there is no allocation."""
    return MISSING if pd.isna(value) else f"{value:.1%}"


def distinct_labels(
    values: pd.Series,
    decimals: int = PCT_DECIMALS,
    max_decimals: int = PCT_MAX_DECIMALS,
    *,
    percent: bool = True,
) -> pd.Series:
    """Labels for a column of numbers ("41.8%", or "4.3" with `percent=False`), one more decimal only where
    needed to tell values apart.

    Each value prints with the fewest decimals (from `decimals` to `max_decimals`) at which no other value of the
    column rounds to the same label unless the two are equal at `max_decimals`: values that differ never print
    alike, labels keep the values' order, and values alike at `max_decimals` are ties with one label. Missing
    values read "–".
    """

    def spec(digits: int) -> str:
        return f".{digits}%" if percent else f",.{digits}f"

    out = pd.Series(MISSING, index=values.index, dtype=object)
    present = values.dropna().astype(float)
    exact = present.map(lambda v: format(v, spec(max_decimals)))
    for digits in range(decimals, max_decimals + 1):
        todo = out.loc[present.index] == MISSING
        if not todo.any():
            break
        labels = present.map(lambda v, d=digits: format(v, spec(d)))
        unique = exact.groupby(labels).transform("nunique") == 1  # shared only with equal values
        done = todo & (unique | (digits == max_decimals))
        out.loc[done[done].index] = labels[done]
    return out


def pct_labels(
    values: pd.Series, decimals: int = PCT_DECIMALS, max_decimals: int = PCT_MAX_DECIMALS
) -> pd.Series:
    """Shares as percentages with `distinct_labels` ("41.84%" and "41.77%" where one decimal would print both
    as "41.8%")."""
    return distinct_labels(values, decimals, max_decimals)


def distinct_formatter(
    values: pd.Series,
    decimals: int = PCT_DECIMALS,
    max_decimals: int = PCT_MAX_DECIMALS,
    *,
    percent: bool = True,
) -> Callable[[Any], str]:
    """A table-cell formatter for one column, printing each value as `distinct_labels` does for the column."""
    present = values.dropna().astype(float)
    labels = dict(
        zip(present, distinct_labels(present, decimals, max_decimals, percent=percent), strict=True)
    )
    fallback = f".{decimals}%" if percent else f",.{decimals}f"
    return lambda value: (
        MISSING if pd.isna(value) else labels.get(float(value), format(float(value), fallback))
    )


def pct_formatter(values: pd.Series) -> Callable[[Any], str]:
    """`distinct_formatter` for a column of shares printed as percentages."""
    return distinct_formatter(values)


def tie_ranks(values: pd.Series, max_decimals: int = PCT_MAX_DECIMALS) -> pd.DataFrame:
    """Rank (1 = highest) of each share as printed by `pct_labels`: values alike at `max_decimals` share the rank.

    Columns ``rank`` and ``tied`` (another value has the same rank); missing values have no rank.
    """
    printed = values.map(lambda v: round(float(v) * 100, max_decimals), na_action="ignore")
    rank = printed.rank(ascending=False, method="min").astype("Int64")
    tied = rank.notna() & rank.duplicated(keep=False)
    return pd.DataFrame({"rank": rank, "tied": tied})


def rank_text(rank: Any, tied: bool, n: int) -> str:
    """ "rank 3 of 25", or "rank 3 of 25, tied" when another office prints the same value."""
    if pd.isna(rank):
        return MISSING
    return f"rank {int(rank)} of {n}" + (", tied" if tied else "")


def allocation_labels(allocations: pd.DataFrame) -> pd.DataFrame:
    """Reader text for `research.models.scorecard.goal_allocations`: ``aor``, ``basis``, ``pct_text`` (tie-aware,
    see `pct_labels`) and ``rank_text`` ("rank 3 of 25", ", tied" when another office prints the same share)."""
    parts = []
    for _, rows in allocations.groupby("basis", sort=False):
        pct = rows["pct_of_allocation"]
        ranks = tie_ranks(pct)
        n = int(pct.notna().sum())
        parts.append(
            pd.DataFrame(
                {
                    "aor": rows["aor"],
                    "basis": rows["basis"],
                    "pct_text": pct_labels(pct),
                    "rank_text": [
                        rank_text(r, t, n) for r, t in zip(ranks["rank"], ranks["tied"], strict=True)
                    ],
                }
            )
        )
    return pd.concat(parts).reset_index(drop=True)


def growth_index_text(
    growth: Any, labels_2024: Mapping[str, str], names: Mapping[str, str], *, k: int = 3
) -> Markup:
    """What the split by 2024 arrests rewards, computed: the identity behind it, the offices with the smallest 2024
    base and those with the largest index (`growth` is a `research.models.scorecard.GrowthIndex`; `labels_2024`
    the printed % of goal by office code, `names` office names by code)."""
    small, large = growth.smallest_bases(k), growth.largest_indices(k)
    same = (
        small["aor"].iloc[0] == large["aor"].iloc[0]
    )  # one office has the smallest base and the largest index
    return md_text(
        "**The split by 2024 arrests is a growth index.** Under it an office's % of goal equals the {n} offices' "
        "combined {off_pct} of the goal times the office's growth in arrests a day since 2024 divided by theirs "
        "(×{G:.1f}): it rewards offices that made few arrests in 2024, and says little about an office's part in "
        "the goal. The smallest 2024 bases: {small}. The largest indices: {large}.{both}",
        n=len(growth.table),
        off_pct=pct_label(growth.offices_pct),
        G=growth.offices_growth,
        small=join(
            [
                md_text("{o} ({v:,} arrests in 2024)", o=names[r.aor], v=int(r.arrests_2024))
                for r in small.itertuples()
            ],
            "; ",
        ),
        large=join(
            [
                md_text(
                    "{o} ({pct}, arrests a day ×{g:.1f} since 2024)",
                    o=names[r.aor],
                    pct=labels_2024[r.aor],
                    g=r.growth,
                )
                for r in large.itertuples()
            ],
            "; ",
        ),
        both=md_text(
            " {o} has both the smallest 2024 base and the largest index.", o=names[small["aor"].iloc[0]]
        )
        if same
        else "",
    )


def office_totals_text(totals: Any, n: int, start: pd.Timestamp, end: pd.Timestamp) -> Markup:
    """National arrests against the offices' sum, as shares of the goal, and why they differ (`totals` is a
    `research.models.scorecard.OfficeTotals`)."""
    # The two counts come from two files (national monthly, office windows): say what the gap is only when the
    # national count is the larger, as arrests without an office make it; otherwise say the files disagree.
    if totals.unassigned > 0:
        gap_words = md_text(
            "The difference is not rounding: {gap:,} arrests ({share:.2%} of the national count, {points:.2f} "
            "percentage points of the goal) are assigned in the records to headquarters or to no office, so they "
            "count nationally and for none of the {n} offices.",
            gap=totals.unassigned,
            share=totals.unassigned_share,
            points=totals.gap_points,
            n=n,
        )
    elif totals.unassigned == 0:
        gap_words = md_text(
            "The two counts agree: every arrest in the records is assigned to one of the offices."
        )
    else:
        gap_words = md_text(
            "The offices' sum exceeds the national count by {gap:,} arrests: the national and office files of this "
            "release disagree, and the difference is not explained here.",
            gap=-totals.unassigned,
        )
    return md_text(
        "**Nation and offices.** From {start:%B %Y} to {end:%B %Y} ICE made {nat_day:,.1f} arrests a day "
        "nationally, {nat_pct} of the goal; the {n} offices' arrests add up to {off_day:,.1f} a day, {off_pct}. "
        "{gap_words} Splitting the goal by the offices' shares of these same "
        "arrests would give every office the offices' combined {off_pct} and say nothing about any office.",
        gap_words=gap_words,
        start=start,
        end=end,
        nat_day=totals.national / totals.days,
        nat_pct=pct_label(totals.national_pct),
        n=n,
        off_day=totals.offices / totals.days,
        off_pct=pct_label(totals.offices_pct),
    )


def goal_range_label(pcts: pd.Series, labels: pd.Series | None = None) -> str:
    """An office's "% of goal" headline: the range over the allocations ("28.0%–32.0%"), or one value.

    `labels` (aligned with `pcts`, e.g. `allocation_labels`' ``pct_text``) prints the two ends as the rest of the
    page prints them; by default `pct_label`. This is a sensitivity range over how the goal is split, not a
    sampling interval.
    """
    values = pcts.dropna()
    if values.empty:
        return MISSING
    text = labels if labels is not None else pcts.map(pct_label)
    low, high = str(text[values.idxmin()]), str(text[values.idxmax()])
    return low if low == high else f"{low}–{high}"


def rank_figure(
    offices: pd.DataFrame, value: str, *, highlight: str | None, xlabel: str, title: str, fmt: str = "{:,.1f}"
) -> Figure:
    """Horizontal bars of `value` for every office (``short_name``), largest first, `highlight` in colour."""
    rows = offices.dropna(subset=[value]).sort_values(value, ascending=False).reset_index(drop=True)
    rows = rows.assign(_colour=[HIGHLIGHT if aor == highlight else OTHERS for aor in rows["aor"]])
    if highlight is None:
        rows["_colour"] = style.PALETTE[0]
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(rows) + 1.5))
    palette = dict(zip(rows["short_name"], rows["_colour"], strict=True))
    sns.barplot(data=rows, y="short_name", x=value, hue="short_name", palette=palette, legend=False, ax=ax)
    for y, v in enumerate(rows[value]):
        ax.annotate(fmt.format(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set(xlabel=xlabel, ylabel="field office", title=title)
    ax.margins(x=0.12)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def _allocation_line(basis: str) -> dict[str, Any]:
    """Matplotlib line properties of one allocation of the goal (same on every chart)."""
    return {
        "color": ALLOCATION_COLOURS.get(basis, "#000000"),
        "linestyle": ALLOCATION_STYLES.get(basis, "-"),
        "linewidth": 1.6,
    }


def windows_figure(office: Mapping, bounds: pd.DataFrame, allocations: pd.DataFrame, *, title: str) -> Figure:
    """The office's arrests per day in each window (bars) against the goal's allocations to it (lines).

    `office` is the office's row of `ArrestSummary.table`, `allocations` its rows of `goal_allocations`.
    """
    per_day = [
        office["arrests_2024"] / bounds.loc[bounds["window"] == "y2024", "days"].iloc[0],
        office["arrests_2025"] / bounds.loc[bounds["window"] == "y2025", "days"].iloc[0],
        office["arrests"] / bounds.loc[bounds["window"] == "w2526", "days"].iloc[0],
    ]
    labels = [
        f"{row.label}\n({row.start:%d %b %Y} to\n{row.end:%d %b %Y})"
        for row in bounds.itertuples(index=False)
    ]
    fig, ax = plt.subplots(figsize=(11, 5))
    bars = ax.bar(labels, per_day, color=[OTHERS, OTHERS, style.PALETTE[0]], width=0.55)
    ax.bar_label(bars, labels=[f"{v:,.1f}" for v in per_day], padding=3)
    handles = []
    for row in allocations.itertuples(index=False):
        if pd.isna(row.allocated_per_day):
            continue
        line = _allocation_line(row.basis)
        ax.axhline(row.allocated_per_day, **line)
        handles.append(Line2D([], [], **line, label=f"{row.short_label}: {row.allocated_per_day:,.0f} a day"))
    top = max([*per_day, *allocations["allocated_per_day"].dropna()])
    ax.set_ylim(0, top * 1.15)
    ax.set(xlabel="window", ylabel="ICE arrests per day")
    ax.set_title(title)
    if handles:  # beside the axes: with several allocations a legend inside would hide bars
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=9,
            title="goal allocated, split by",
            title_fontsize=9,
        )
    fig.tight_layout()
    return fig


def monthly_figure(monthly: pd.DataFrame, allocations: pd.DataFrame, *, title: str) -> Figure:
    """Monthly arrests per day (Deportation Data Project): complete months as a line, incomplete months as
    hatched bars that are not joined to it, and the goal's allocations as horizontal lines."""
    incomplete = monthly["partial_month"].astype(bool) | monthly["reporting_lag"].astype(bool)
    rest = monthly.loc[incomplete]
    fig, ax = plt.subplots()
    style.line_of_complete_months(
        ax,
        monthly,
        "month",
        "per_day",
        incomplete,
        label="_nolegend_",
        marker="o",
        markersize=4,
        color=style.PALETTE[0],
    )
    style.hatched_months(ax, rest, "month", "per_day", style.PALETTE[0])
    handles = [
        Line2D([], [], color=style.PALETTE[0], marker="o", markersize=4, label="complete months"),
        Patch(
            fill=False, hatch="///", edgecolor=style.PALETTE[0], label="incomplete or under-reported month"
        ),
    ]
    for row in allocations.dropna(subset=["allocated_per_day"]).itertuples(index=False):
        line = _allocation_line(row.basis)
        ax.axhline(row.allocated_per_day, **line)
        handles.append(Line2D([], [], **line, label=f"goal split by {row.short_label}"))
    top = max(float(monthly["per_day"].max()), float(allocations["allocated_per_day"].max()))
    ax.set_ylim(0, top * 1.15)
    ax.set(xlabel="month", ylabel="ICE arrests per day")
    ax.set_title(title, pad=EVENT_TITLE_PAD)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)  # beside the axes
    fig.tight_layout()
    return fig


def detention_figure(intervals: pd.DataFrame, *, title: str) -> Figure:
    """Average detained population over each interval between editions, drawn as a flat segment per interval.

    An interval average is a level over its days, so segments are not joined across intervals (nor across a
    revision shown as missing).
    """
    rows = intervals.dropna(subset=["period_adp"])
    fig, ax = plt.subplots()
    ax.hlines(
        rows["period_adp"], rows["period_start"], rows["period_end"], color=style.PALETTE[0], linewidth=2.2
    )
    ax.set_xlim(
        rows["period_start"].min() - pd.Timedelta(days=20), rows["period_end"].max() + pd.Timedelta(days=20)
    )
    ax.set_ylim(0, float(rows["period_adp"].max()) * 1.15)
    ax.set(
        xlabel="period between two editions of ICE's detention statistics (one segment each)",
        ylabel="average detained population (people)",
    )
    ax.set_title(title, pad=EVENT_TITLE_PAD)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    fig.tight_layout()
    return fig


def label_heights(offices: pd.DataFrame, *, width: float = 7.0, height: float = 0.8) -> list[float]:
    """Label latitudes that do not overlap: from north to south, a label whose box (`width` degrees of longitude
    to the right, `height` of latitude) would overlap one already placed moves south until it does not."""
    order = offices["latitude"].astype(float).sort_values(ascending=False).index
    placed: list[tuple[float, float]] = []
    heights = {}
    for i in order:
        x, y = float(offices.loc[i, "longitude"]), float(offices.loc[i, "latitude"])
        while any(abs(x - px) < width and abs(y - py) < height for px, py in placed):
            y -= height / 4
        placed.append((x, y))
        heights[i] = y
    return [heights[i] for i in offices.index]


def offices_map(offices: pd.DataFrame, *, size: str, title: str, size_label: str) -> Figure:
    """The 25 offices at their coordinates (no base map: the page works offline), sized by `size`, coloured by tier.

    `offices` has ``longitude``, ``latitude``, ``short_name``, ``tier``, ``tier_label`` and the `size` column.
    """
    fig, ax = plt.subplots(figsize=(11, 6.5))
    values = offices[size].astype(float)
    scale = 900 / float(values.max())
    for tier, colour in TIER_COLOURS.items():
        rows = offices[offices["tier"] == tier]
        if rows.empty:
            continue
        ax.scatter(
            rows["longitude"],
            rows["latitude"],
            s=rows[size].astype(float) * scale,
            color=colour,
            alpha=0.75,
            edgecolor="#333333",
            linewidth=0.6,
            label=str(rows["tier_label"].iloc[0]),
        )
    for row, y in zip(offices.itertuples(index=False), label_heights(offices), strict=True):
        moved = abs(y - row.latitude) > 1e-9
        ax.annotate(
            row.short_name,
            (row.longitude, row.latitude),
            xytext=(row.longitude + 0.8, y + 0.3),
            textcoords="data",
            fontsize=9,
            va="center",
            arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.6} if moved else None,
        )
    ax.set(xlabel="longitude (degrees)", ylabel="latitude (degrees)", title=title)
    ax.set_aspect(
        1 / np.cos(np.deg2rad(float(offices["latitude"].mean())))
    )  # roughly true shape at mid-latitude
    ax.margins(0.08)
    legend = ax.legend(
        title="October 2025 director change", loc="lower left", fontsize=9, title_fontsize=9, markerscale=0.5
    )
    ax.add_artist(legend)
    ref = [float(v) for v in (25, 50, 100) if v <= values.max()] or [float(values.max())]
    size_handles = [
        plt.scatter([], [], s=v * scale, color="#FFFFFF", edgecolor="#333333", label=f"{v:,.0f}") for v in ref
    ]
    ax.legend(
        handles=size_handles,
        title=size_label,
        loc="lower right",
        fontsize=9,
        title_fontsize=9,
        labelspacing=1.6,
        borderpad=1.0,
    )
    fig.tight_layout()
    return fig


# Headers of the director-events table; its CSV download adds the source address.
TIMELINE_COLUMNS = {
    "date": "Date",
    "what": "What the source records",
    "person": "Person",
    "role": "Role as described",
    "confidence": "Confidence",
    "publisher": "Source",
}


def timeline_table(timeline: pd.DataFrame) -> HTML:
    """The office's director events as an HTML table: curated text escaped, each row linked to its source."""
    rows = timeline.assign(
        person=timeline["person"].replace("", MISSING),
        role=timeline["role"].replace("", MISSING),
        publisher=timeline["publisher"].fillna("source"),
    )
    return html_table(rows, TIMELINE_COLUMNS, links={"publisher": "url"})


def arrest_measures(summary: Any, aor: str) -> pd.DataFrame:
    """The office's arrest measures as reader text: measure, this office, rank among the offices, nation.

    `summary` is a `research.models.scorecard.ArrestSummary`.
    """
    t = summary.table.set_index("aor")
    me = t.loc[aor]
    w = summary.windows.set_index("window").loc["w2526"]
    national, days = int(w["national"]), int(w["days"])
    n = len(t)
    c = summary.change
    period = f"{w['start']:%d %b %Y} to {w['end']:%d %b %Y}"
    rows = [
        ("ICE arrests, " + period, f"{int(me['arrests']):,}", me["rank_arrests"], f"{national:,}"),
        ("Arrests per day", f"{me['per_day']:,.1f}", me["rank_arrests"], f"{national / days:,.1f}"),
        (
            "Arrests per 1,000 residents",
            f"{me['per_1000']:,.2f}",
            me["rank_per_1000"],
            f"{national / t['population'].sum() * 1000:,.2f}",
        ),
        ("Share of national arrests", f"{me['share']:.1%}", me["rank_arrests"], "100%"),
        ("Of which at large (not already in custody)", f"{int(me['at_large']):,}", None, MISSING),
        (
            f"Change, {c.after_start:%b}–{c.after_end:%b %Y} minus {c.before_start:%b}–{c.before_end:%b %Y}",
            f"{int(me['change']):+,}",
            me["rank_change"],
            f"{summary.national_change:+,}",
        ),
        (
            "Change per day",
            f"{me['change_per_day']:+,.1f}",
            me["rank_change"],
            f"{summary.national_change / c.days_after:+,.1f}",
        ),
    ]
    out = pd.DataFrame(rows, columns=["measure", "office", "rank", "national"])
    out["rank"] = out["rank"].map(lambda r: MISSING if r is None or pd.isna(r) else f"{int(r)} of {n}")
    return out
