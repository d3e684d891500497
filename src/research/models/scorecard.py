"""Field-office scorecard: the computations behind notebooks/40_field_office (one report per AOR).

All functions take the frames returned by `research.data` loaders, so they can be tested on small synthetic
frames. Facility populations in the ICE workbooks are fiscal-year-to-date (FYTD) average daily populations;
`period_adp` gives the averages over the days between editions, delegated to `research.models.office_detention`
(the same implementation as the leadership panel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from research import config
from research.models import office_detention
from research.params import check_choice

THIS_OFFICE = "this office"
SEVERAL_OFFICES = "several offices (may include this one)"
# Leadership-file rows that record operations, not changes of who runs the office.
NOT_LEADERSHIP = {"enforcement_operation_start", "enforcement_operation_end_announced"}


def check_aor(aor: Any, offices: pd.DataFrame) -> str:
    """Validate the notebook parameter `aor` against the 25 office codes (ParameterError lists them)."""
    return str(check_choice("aor", aor, sorted(offices["aor"])))


def office_row(offices: pd.DataFrame, aor: str) -> dict[str, Any]:
    return dict(offices.loc[offices["aor"] == aor].iloc[0])


# --- Who runs it and what changed ----------------------------------------------------------------------------


def leadership_timeline(events: pd.DataFrame, aor: str) -> pd.DataFrame:
    """Leadership events for `aor` plus multi-office events, oldest first, with their sources."""
    rows = events[events["aor_code"].isin([aor, "MULTI"])].copy()
    rows["scope"] = rows["aor_code"].map(lambda code: THIS_OFFICE if code == aor else SEVERAL_OFFICES)
    rows["change"] = rows["event"].str.replace("_", " ", regex=False)
    cols = ["event_date", "scope", "change", "outgoing", "incoming", "source_url", "note"]
    out = rows[cols].rename(columns={"event_date": "date"}).sort_values("date", kind="stable")
    return out.reset_index(drop=True)


def current_leader(events: pd.DataFrame, aor: str) -> dict[str, Any] | None:
    """The latest person recorded as taking charge of (or observed leading) this office, if any."""
    rows = events[(events["aor_code"] == aor) & ~events["event"].isin(NOT_LEADERSHIP)]
    rows = rows[rows["incoming"].notna() & (rows["incoming"].astype(str).str.strip() != "")]
    if rows.empty:
        return None
    last = rows.sort_values("event_date").iloc[-1]
    name = str(last["incoming"])
    # Placeholders such as "(not named)" or "... (reported; name not found)" record a change without a name.
    named = not name.startswith("(") and "name not found" not in name
    return {
        "name": name,
        "named": named,
        "date": last["event_date"],
        "event": last["event"],
        "source_url": last["source_url"],
    }


# --- Detention facilities ------------------------------------------------------------------------------------


def office_adp_by_edition(facilities: pd.DataFrame) -> pd.DataFrame:
    """FYTD average daily population summed over each office's facilities, one row per office x edition.

    Editions without a data-through date are dropped; when two editions share a data-through date, the
    later-published one is kept. The frame also carries each edition's interval average (``period_start``,
    ``period_end``, ``days``, ``period_adp``) from `research.models.office_detention`, the implementation the
    leadership panel uses, so `period_adp` shows the same office populations as that page.
    """
    return office_detention.office_editions(facilities)


def period_adp(by_edition: pd.DataFrame) -> pd.DataFrame:
    """Average daily population between successive editions of a fiscal year (from `office_adp_by_edition`).

    The averages come from `research.models.office_detention.office_intervals` (intervals end at the Facilities
    sheet's pull date; facilities matched across editions, gaps filled). Negative results (revisions) are set to
    NaN rather than shown.
    """
    needed = {"period_start", "period_end", "period_adp"}
    if not needed <= set(by_edition.columns):
        raise ValueError(
            f"period_adp: by_edition lacks {sorted(needed - set(by_edition.columns))}; build it with "
            "scorecard.office_adp_by_edition(facilities)"
        )
    frame = by_edition.sort_values(["aor", "fiscal_year", "data_through"]).copy()
    frame["period_adp"] = frame["period_adp"].where(frame["period_adp"] >= 0)
    return frame.reset_index(drop=True)


def facility_table(facilities: pd.DataFrame, aor: str) -> pd.DataFrame:
    """The office's facilities in the newest edition, largest population first."""
    newest = facilities["edition_date"].max()
    rows = facilities[(facilities["edition_date"] == newest) & (facilities["aor"] == aor)]
    cols = ["facility_name", "city", "state", "facility_type", "adp_total", "alos_days", "guaranteed_minimum"]
    return rows[cols].sort_values("adp_total", ascending=False).reset_index(drop=True)


def top_facility_history(facilities: pd.DataFrame, aor: str, top: int = 5) -> pd.DataFrame:
    """FYTD ADP by edition for the office's `top` largest facilities in the newest edition (long format)."""
    names = facility_table(facilities, aor)["facility_name"].head(top)
    rows = facilities[(facilities["aor"] == aor) & facilities["facility_name"].isin(names)]
    rows = rows.dropna(subset=["data_through"])
    return (
        rows.groupby(["facility_name", "data_through"], as_index=False)
        .agg(adp_total=("adp_total", "last"))
        .sort_values(["facility_name", "data_through"])
        .reset_index(drop=True)
    )


# --- Office against the other 24 ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Every office's measure, share of the national total, rate per 10,000 noncitizen residents and ranks."""

    table: pd.DataFrame
    basis: str  # "arrests" (Deportation Data Project) or "detention" (facility ADP fallback)
    measure: str  # human label of `value`, with period and source
    source: str


def _rank(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table["rank_share"] = table["share"].rank(ascending=False, method="min").astype("Int64")
    table["rank_per_10k"] = table["per_10k"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values("share", ascending=False).reset_index(drop=True)


def _with_population(values: pd.DataFrame, offices: pd.DataFrame) -> pd.DataFrame:
    table = offices[["aor", "short_name", "noncitizen_pop"]].merge(values, on="aor", how="left")
    table["value"] = table["value"].fillna(0.0)
    pop = table["noncitizen_pop"].astype("float64")
    table["per_10k"] = (table["value"] / pop * 10_000).where(pop > 0)
    return table


def compare_by_arrests(
    arrests: pd.DataFrame, offices: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> Comparison:
    """Arrests per office over [start, end] from the DDP daily panel; share of all arrests incl. unknown AOR."""
    window = arrests[(arrests["date"] >= start) & (arrests["date"] <= end)]
    national = float(window["arrests"].sum())
    values = window.groupby("aor", as_index=False).agg(value=("arrests", "sum"))
    table = _with_population(values, offices)
    table["share"] = table["value"] / national if national else float("nan")
    label = f"ICE arrests {start:%Y-%m-%d} to {end:%Y-%m-%d}"
    source = "Deportation Data Project ICE arrests (FOIA); ACS-based 2019 noncitizen population (UWCHR)"
    return Comparison(_rank(table), "arrests", label, source)


def compare_by_detention(by_edition: pd.DataFrame, offices: pd.DataFrame) -> Comparison:
    """Fallback when no arrest file: each office's share of the population held in ICE facilities (newest edition).

    This is a detention outcome (where people are held), not where they were arrested.
    """
    newest = by_edition["data_through"].max()
    values = by_edition.loc[by_edition["data_through"] == newest, ["aor", "fytd_adp"]].rename(
        columns={"fytd_adp": "value"}
    )
    table = _with_population(values, offices)
    table["share"] = table["value"] / table["value"].sum()
    fiscal_year = int(by_edition.loc[by_edition["data_through"] == newest, "fiscal_year"].iloc[0])
    label = f"average daily detained population in the office's facilities, FY{fiscal_year} through {newest:%Y-%m-%d}"
    source = "ICE Detention Statistics, Facilities sheet; ACS-based 2019 noncitizen population (UWCHR)"
    return Comparison(_rank(table), "detention", label, source)


# --- Trend against the 3,000/day goal -------------------------------------------------------------------------


def national_per_day(book_ins: pd.DataFrame) -> pd.DataFrame:
    """ICE book-ins per day by month (partial months divided by the days they cover)."""
    frame = book_ins.sort_values("month")
    out = frame[["month", "partial_month"]].copy()
    out["per_day"] = frame["book_ins"] / frame["days_covered"]
    return out.reset_index(drop=True)


def share_range(by_edition: pd.DataFrame, aor: str, months: int = 12) -> tuple[float, float, float]:
    """The office's detention share in the newest edition and its min/max over the preceding `months`."""
    rows = by_edition[by_edition["aor"] == aor].sort_values("data_through")
    if rows.empty:
        return 0.0, 0.0, 0.0
    newest = rows["data_through"].max()
    recent = rows[rows["data_through"] > newest - pd.DateOffset(months=months)]
    return float(rows["share"].iloc[-1]), float(recent["share"].min()), float(recent["share"].max())


def goal_trend(
    national: pd.DataFrame, share: float, low: float, high: float, goal: float = config.GOAL_ARRESTS_PER_DAY
) -> pd.DataFrame:
    """Office estimate = national per day x office share (with a low-high band) against the office's goal share."""
    out = national.copy()
    out["office_per_day"] = out["per_day"] * share
    out["office_low"] = out["per_day"] * low
    out["office_high"] = out["per_day"] * high
    out["office_goal"] = goal * share
    return out


def office_arrests_per_day(arrests: pd.DataFrame, aor: str) -> pd.DataFrame:
    """Monthly arrests per day for one office from the DDP daily panel (days observed in the month)."""
    days = pd.DataFrame({"date": sorted(arrests["date"].unique())})
    office = arrests[arrests["aor"] == aor].groupby("date", as_index=False).agg(arrests=("arrests", "sum"))
    days = days.merge(office, on="date", how="left").fillna({"arrests": 0})
    days["month"] = pd.to_datetime(days["date"]).dt.to_period("M").dt.to_timestamp()
    monthly = days.groupby("month", as_index=False).agg(total=("arrests", "sum"), days=("date", "size"))
    monthly["office_per_day"] = monthly["total"] / monthly["days"]
    return monthly[["month", "office_per_day"]]


@dataclass(frozen=True)
class GoalView:
    """Monthly office series against its share of the national goal, with what it measures."""

    frame: pd.DataFrame  # month, office_per_day, office_low, office_high, office_goal
    share: float
    ylabel: str
    source: str
    estimated: bool  # True when the office series is national book-ins x office detention share


def goal_view_from_detention(book_ins: pd.DataFrame, by_edition: pd.DataFrame, aor: str) -> GoalView:
    """Fallback: ICE book-ins per day x the office's detention share (band: its range over 12 months)."""
    share, low, high = share_range(by_edition, aor)
    frame = goal_trend(national_per_day(book_ins), share, low, high)
    return GoalView(
        frame,
        share,
        "estimated ICE book-ins per day (national x office detention share)",
        "ICE Detention Statistics: initial book-ins by arresting agency (ICE) and Facilities sheet ADP",
        True,
    )


def goal_view_from_arrests(arrests: pd.DataFrame, comparison: Comparison, aor: str) -> GoalView:
    """Observed DDP arrests per day for the office against goal x its arrest share (no band: counts)."""
    share = float(comparison.table.loc[comparison.table["aor"] == aor, "share"].iloc[0])
    frame = office_arrests_per_day(arrests, aor)
    frame["office_low"] = frame["office_per_day"]
    frame["office_high"] = frame["office_per_day"]
    frame["office_goal"] = config.GOAL_ARRESTS_PER_DAY * share
    return GoalView(frame, share, "ICE arrests per day", comparison.source, False)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def timeline_markdown(timeline: pd.DataFrame) -> str:
    """The leadership timeline as a Markdown table with a source link per row."""
    if timeline.empty:
        return "_No leadership events recorded for this office in data/raw/facts/leadership_events.csv._"
    lines = ["| Date | Scope | Change | Outgoing | Incoming | Source |", "|---|---|---|---|---|---|"]
    for row in timeline.itertuples(index=False):
        source = f"[link]({row.source_url})" if isinstance(row.source_url, str) and row.source_url else ""
        cells = [str(row.date)[:10], row.scope, row.change, row.outgoing, row.incoming]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + f" | {source} |")
    return "\n".join(lines)
