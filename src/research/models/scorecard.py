"""Field-office scorecards and the 25-office comparison: the computations behind notebooks 40 and 45.

Pure functions on the frames returned by `research.data` loaders (tests pass small synthetic frames):

- arrests: ICE ERO **arrests** by office over three windows (`research.data.load_arrests_aor_windows()`), set
  against the national monthly arrests (`load_arrests_monthly()`): per day, per 1,000 residents, share of the
  national total, ranks among the 25 offices, and January-July 2026 against January-July 2025 (w2526 - y2025);
- the 3,000-a-day goal at office level: *allocations* of the national goal by bases other than the arrests they
  are compared with (a split by the same arrests would give every office the offices' combined ratio); the split
  by 2024 arrests read as what it is, a growth index since 2024; national arrests against the offices' sum;
- the Deportation Data Project daily series (optional file): monthly arrests per day with incomplete months
  flagged;
- detention: office populations from the one shared implementation, `research.models.office_detention`;
- leadership: the office's curated director events (`load_fod_events()`) and its treatment tier
  (`research.models.treatment_tiers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from research import config
from research.models import office_detention
from research.params import ParameterError, check_choice

CURRENT, BEFORE, PRIOR_YEAR = "w2526", "y2025", "y2024"
WINDOW_LABELS = {
    "y2024": "calendar 2024",
    "y2025": "calendar 2025",
    "w2526": "August 2025 to July 2026",
}
# Days at the end of a Deportation Data Project release that are under-reported (records entered late).
REPORTING_LAG_DAYS = 21


# --- Parameters ----------------------------------------------------------------------------------------------


def check_aor(aor: Any, offices: pd.DataFrame, to_code: Callable[[str], str] | None = None) -> str:
    """The office code for the notebook parameter `aor`: a code ("CHI") or, with `to_code`, any name.

    `to_code` maps spellings to codes (`research.data.aor_code`: "chicago", "Chicago", "St. Paul"); an unknown
    spelling raises a one-line ParameterError listing the valid codes.
    """
    codes = sorted(offices["aor"].astype(str))
    if to_code is not None and isinstance(aor, str):
        try:
            aor = to_code(aor)
        except ValueError:
            raise ParameterError(
                f"parameter 'aor' = {aor!r}: expected one of {', '.join(repr(c) for c in codes)} "
                "or an office name such as 'Chicago'"
            ) from None
    return str(check_choice("aor", aor, codes))


_PAGE = re.compile(r"^[A-Za-z0-9_.\-]*(\{aor\}[A-Za-z0-9_.\-]*)?$")


def check_page_pattern(pattern: Any) -> str:
    """The scorecard link pattern of the comparison page: a page name with "{aor}" (e.g. "40_field_office_{aor}.html")
    or "" for no links; anything else raises a one-line ParameterError."""
    if not isinstance(pattern, str) or not _PAGE.match(pattern) or (pattern and "{aor}" not in pattern):
        raise ParameterError(
            f"parameter 'scorecard_page' = {pattern!r}: expected a page name containing '{{aor}}' "
            "(letters, digits, '_', '-', '.'), e.g. '40_field_office_{aor}.html', or '' for no links"
        )
    return pattern


def office_row(offices: pd.DataFrame, aor: str) -> dict[str, Any]:
    return dict(offices.loc[offices["aor"] == aor].iloc[0])


# --- Arrests by office ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangePeriods:
    """What w2526 - y2025 compares: the months after y2025's overlap with w2526 against the same months before."""

    after_start: pd.Timestamp
    after_end: pd.Timestamp
    before_start: pd.Timestamp
    before_end: pd.Timestamp

    @property
    def days_after(self) -> int:
        return int((self.after_end - self.after_start).days) + 1

    @property
    def days_before(self) -> int:
        return int((self.before_end - self.before_start).days) + 1


@dataclass(frozen=True)
class ArrestSummary:
    """Every office's arrests (one row per office) with the national totals and the windows' definitions."""

    table: pd.DataFrame
    windows: pd.DataFrame  # window, label, start, end, days, national (arrests), offices (sum over offices)
    change: ChangePeriods
    national_change: int  # national arrests after - before (monthly file)
    lag_months: list[pd.Timestamp]  # months of the current window that are under-reported
    release_through: pd.Timestamp


def window_bounds(windows: pd.DataFrame) -> pd.DataFrame:
    """One row per window: ``window``, ``label``, ``start``, ``end``, ``days``."""
    needed = {"aor", "window", "window_start", "window_end", "arrests", "population"}
    missing = sorted(needed - set(windows.columns))
    if missing:
        raise ValueError(f"arrests by office: missing column(s) {missing}; expected {sorted(needed)}")
    bounds = windows.groupby("window", as_index=False).agg(
        start=("window_start", "min"), end=("window_end", "max")
    )
    absent = sorted({CURRENT, BEFORE, PRIOR_YEAR} - set(bounds["window"]))
    if absent:
        raise ValueError(f"arrests by office: window(s) {absent} missing; expected y2024, y2025 and w2526")
    bounds["days"] = (bounds["end"] - bounds["start"]).dt.days + 1
    bounds["label"] = bounds["window"].map(WINDOW_LABELS)
    return bounds.set_index("window").loc[[PRIOR_YEAR, BEFORE, CURRENT]].reset_index()


def change_periods(bounds: pd.DataFrame) -> ChangePeriods:
    """w2526 - y2025 = arrests in (y2025 end, w2526 end] minus arrests in [y2025 start, w2526 start).

    With y2025 = calendar 2025 and w2526 = August 2025 - July 2026 this is January-July 2026 minus January-July
    2025: the shared months (August-December 2025) cancel.
    """
    b = bounds.set_index("window")
    cur_start, cur_end = b.loc[CURRENT, "start"], b.loc[CURRENT, "end"]
    bef_start, bef_end = b.loc[BEFORE, "start"], b.loc[BEFORE, "end"]
    if not bef_start < cur_start <= bef_end < cur_end:
        raise ValueError(
            f"arrests by office: {CURRENT} ({cur_start:%Y-%m-%d}..{cur_end:%Y-%m-%d}) must start inside "
            f"{BEFORE} ({bef_start:%Y-%m-%d}..{bef_end:%Y-%m-%d}) and end after it"
        )
    day = pd.Timedelta(days=1)
    return ChangePeriods(bef_end + day, cur_end, bef_start, cur_start - day)


def national_arrests(monthly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """National arrests over whole months [start, end] from the monthly file (which counts arrests with no office).

    Raises if a month of the range is missing or is the release's partial month.
    """
    months = pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(), end, freq="MS")
    rows = monthly.set_index(pd.to_datetime(monthly["month"]))
    absent = [m for m in months if m not in rows.index]
    if absent or pd.Timestamp(start).day != 1 or (pd.Timestamp(end) + pd.Timedelta(days=1)).day != 1:
        raise ValueError(
            f"national arrests: {start:%Y-%m-%d}..{end:%Y-%m-%d} is not a run of whole months of the monthly "
            f"file (missing {[f'{m:%Y-%m}' for m in absent]})"
        )
    if rows.loc[months, "partial_month"].astype(bool).any():
        raise ValueError(f"national arrests: {start:%Y-%m}..{end:%Y-%m} includes the release's partial month")
    return int(rows.loc[months, "arrests"].sum())


def _rank(values: pd.Series) -> pd.Series:
    return values.rank(ascending=False, method="min").astype("Int64")


def arrest_summary(windows: pd.DataFrame, monthly: pd.DataFrame) -> ArrestSummary:
    """Arrests by office in the current window (w2526) with rates, shares, ranks and the Jan-Jul change.

    `windows` is ``load_arrests_aor_windows()`` (all three windows), `monthly` ``load_arrests_monthly()``.
    Table columns: ``aor``, ``arrests`` (w2526), ``at_large``, ``population``, ``per_day``, ``per_1000``
    (arrests per 1,000 residents over the window), ``share`` (of national arrests, which include arrests with
    no office), ``rank_arrests``, ``rank_per_1000``, ``arrests_2024``, ``arrests_2025``, ``share_2024`` (of the
    25 offices' 2024 arrests), ``change`` (w2526 - y2025), ``change_per_day`` (change / days compared),
    ``rank_change``.
    """
    bounds = window_bounds(windows)
    change = change_periods(bounds)
    national = {
        w: national_arrests(monthly, s, e) for w, s, e in bounds[["window", "start", "end"]].itertuples(False)
    }
    wide = windows.pivot_table(index="aor", columns="window", values="arrests", aggfunc="sum")
    current = windows[windows["window"] == CURRENT].set_index("aor")
    bounds["national"] = bounds["window"].map(national)
    bounds["offices"] = bounds["window"].map(wide.sum())
    days = int(bounds.set_index("window").loc[CURRENT, "days"])
    table = pd.DataFrame(
        {
            "arrests": wide[CURRENT].astype("int64"),
            "at_large": current["arrests_at_large"].astype("int64"),
            "population": current["population"].astype("int64"),
            "arrests_2024": wide[PRIOR_YEAR].astype("int64"),
            "arrests_2025": wide[BEFORE].astype("int64"),
        }
    )
    table["per_day"] = table["arrests"] / days
    table["per_1000"] = table["arrests"] / table["population"] * 1000
    table["share"] = table["arrests"] / national[CURRENT]
    table["share_2024"] = table["arrests_2024"] / table["arrests_2024"].sum()
    table["change"] = table["arrests"] - table["arrests_2025"]
    table["change_per_day"] = table["change"] / change.days_after
    table["rank_arrests"] = _rank(table["arrests"])
    table["rank_per_1000"] = _rank(table["per_1000"])
    table["rank_change"] = _rank(table["change"])
    table = table.reset_index().sort_values("aor").reset_index(drop=True)

    cur = bounds.set_index("window").loc[CURRENT]
    months = monthly.assign(month=pd.to_datetime(monthly["month"]))
    in_window = months[(months["month"] >= cur["start"]) & (months["month"] <= cur["end"])]
    lag = [pd.Timestamp(m) for m in in_window.loc[in_window["reporting_lag"].astype(bool), "month"]]
    national_change = national_arrests(monthly, change.after_start, change.after_end) - national_arrests(
        monthly, change.before_start, change.before_end
    )
    through = pd.Timestamp(monthly["release_through"].max()) if "release_through" in monthly else pd.NaT
    return ArrestSummary(table, bounds, change, int(national_change), lag, through)


def national_per_day(summary: ArrestSummary, window: str = CURRENT) -> float:
    row = summary.windows.set_index("window").loc[window]
    return float(row["national"]) / float(row["days"])


# --- The 3,000-a-day goal at office level ---------------------------------------------------------------------

# Each basis splits the national goal among the offices; the label says what is split, REWARDS what a high
# "% of goal" then means (none of them is the office's performance alone).
ALLOCATIONS = {
    "arrests_2024": "its share of the offices' arrests in calendar 2024 (before the goal was set)",
    "arrests_2025": "its share of the offices' arrests in calendar 2025 (August–December 2025 is also in the "
    "window compared)",
    "population": "its share of the residents of the offices' areas",
    "noncitizens": "its share of noncitizen residents (2019 estimates)",
    "equal": "an equal share for every office",
}
SHORT_LABELS = {
    "arrests_2024": "2024 arrests",
    "arrests_2025": "2025 arrests",
    "population": "residents",
    "noncitizens": "noncitizen residents",
    "equal": "equal shares",
}
REWARDS = {
    "arrests_2024": "growth since 2024, so an office that made few arrests in 2024 scores high",
    "arrests_2025": "growth since 2025",
    "population": "arrests per resident",
    "noncitizens": "arrests per noncitizen resident",
    "equal": "size, so the offices that make the most arrests score high",
}


def goal_allocations(
    summary: ArrestSummary, offices: pd.DataFrame, goal: float = config.GOAL_ARRESTS_PER_DAY
) -> pd.DataFrame:
    """The national goal allocated to offices in each way of `ALLOCATIONS`, against each office's arrests per day.

    The goal is national; these allocations are made here, not ICE quotas. Allocating by the office's share of
    the *same* arrests would make every office's ratio equal to the offices' combined one (their pace / goal), so
    every basis here is something else: earlier arrests (2024, before the goal; 2025), residents, noncitizen
    residents, or an equal share. Each allocation sums to `goal` over the offices with a basis. Long format:
    ``aor``, ``basis``, ``basis_label``, ``short_label``, ``rewards``, ``allocation_share``, ``allocated_per_day``, ``per_day``,
    ``pct_of_allocation``, ``rank`` (1 = highest % within the basis; equal values share the lowest rank).
    """
    table = summary.table.merge(offices[["aor", "noncitizen_pop"]], on="aor", how="left")
    noncitizens = table["noncitizen_pop"].astype("float64")
    population = table["population"].astype("float64")
    arrests_2025 = table["arrests_2025"].astype("float64")
    shares = {
        "arrests_2024": table["share_2024"].astype("float64"),
        "arrests_2025": arrests_2025 / arrests_2025.sum(),
        "population": population / population.sum(),
        "noncitizens": noncitizens / noncitizens.sum(),
        "equal": pd.Series(1 / len(table), index=table.index),
    }
    rows = []
    for basis, share in shares.items():
        rows.append(
            pd.DataFrame(
                {
                    "aor": table["aor"],
                    "basis": basis,
                    "basis_label": ALLOCATIONS[basis],
                    "short_label": SHORT_LABELS[basis],
                    "rewards": REWARDS[basis],
                    "allocation_share": share,
                    "allocated_per_day": goal * share,
                    "per_day": table["per_day"],
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["pct_of_allocation"] = (out["per_day"] / out["allocated_per_day"]).where(out["allocated_per_day"] > 0)
    out["rank"] = out.groupby("basis")["pct_of_allocation"].transform(_rank).astype("Int64")
    return out


@dataclass(frozen=True)
class OfficeTotals:
    """National arrests (monthly file) against the sum over the offices, for one window, as a share of the goal.

    The national count includes arrests that the records assign to no field office (headquarters or a blank
    office code); the office windows leave them out, so ``unassigned`` = ``national`` - ``offices``.
    """

    national: int
    offices: int
    days: int
    goal: float

    @property
    def unassigned(self) -> int:
        return self.national - self.offices

    @property
    def unassigned_share(self) -> float:
        return self.unassigned / self.national

    @property
    def national_pct(self) -> float:
        return self.national / self.days / self.goal

    @property
    def offices_pct(self) -> float:
        return self.offices / self.days / self.goal

    @property
    def gap_points(self) -> float:
        """The difference between the two shares of the goal, in percentage points."""
        return 100 * (self.national_pct - self.offices_pct)


def office_totals(
    summary: ArrestSummary, window: str = CURRENT, goal: float = config.GOAL_ARRESTS_PER_DAY
) -> OfficeTotals:
    row = summary.windows.set_index("window").loc[window]
    return OfficeTotals(int(row["national"]), int(row["offices"]), int(row["days"]), float(goal))


@dataclass(frozen=True)
class GrowthIndex:
    """What the split by 2024 arrests measures: growth in arrests a day since 2024, scaled to the goal.

    Under that split an office's "% of goal" is ``offices_pct * growth / offices_growth``: the offices' combined
    share of the goal times the office's growth relative to theirs. ``table`` has one row per office: ``aor``,
    ``arrests_2024``, ``per_day_2024``, ``per_day``, ``growth`` (arrests a day now / in 2024), ``relative_growth``, ``pct``
    (the office's % of goal under the 2024 split), ``rank_base`` (1 = smallest 2024 base) and ``rank_index``
    (1 = largest index).
    """

    offices_pct: float
    offices_growth: float
    table: pd.DataFrame

    def smallest_bases(self, k: int = 3) -> pd.DataFrame:
        return self.table.nsmallest(k, "per_day_2024")

    def largest_indices(self, k: int = 3) -> pd.DataFrame:
        return self.table.nlargest(k, "pct")


def growth_index(summary: ArrestSummary, goal: float = config.GOAL_ARRESTS_PER_DAY) -> GrowthIndex:
    """The 2024-arrests split of the goal read as a growth index (see `GrowthIndex`)."""
    bounds = summary.windows.set_index("window")
    days_2024 = int(bounds.loc[PRIOR_YEAR, "days"])
    t = summary.table
    per_day_2024 = t["arrests_2024"] / days_2024
    growth = t["per_day"] / per_day_2024
    offices_growth = float(t["per_day"].sum() / per_day_2024.sum())
    offices_pct = float(t["per_day"].sum() / goal)
    table = pd.DataFrame(
        {
            "aor": t["aor"],
            "arrests_2024": t["arrests_2024"],
            "per_day_2024": per_day_2024,
            "per_day": t["per_day"],
            "growth": growth,
            "relative_growth": growth / offices_growth,
            "pct": offices_pct * growth / offices_growth,
        }
    )
    table["rank_base"] = table["per_day_2024"].rank(method="min").astype("Int64")
    table["rank_index"] = _rank(table["pct"])
    return GrowthIndex(offices_pct, offices_growth, table.reset_index(drop=True))


# --- Deportation Data Project daily series (optional file) -----------------------------------------------------


def office_monthly_arrests(daily: pd.DataFrame, aor: str, lag_days: int = REPORTING_LAG_DAYS) -> pd.DataFrame:
    """Monthly arrests per day for one office from the DDP daily panel (``date``, ``aor``, ``arrests``).

    ``partial_month`` marks the months the release starts or stops inside; ``reporting_lag`` the months that
    touch the last `lag_days` days before the release's last date (under-reported). Neither should be joined to
    the line of complete months.
    """
    first, last = pd.Timestamp(daily["date"].min()), pd.Timestamp(daily["date"].max())
    days = pd.DataFrame({"date": pd.date_range(first, last, freq="D")})
    office = daily[daily["aor"] == aor].groupby("date", as_index=False).agg(arrests=("arrests", "sum"))
    days = days.merge(office, on="date", how="left").fillna({"arrests": 0})
    days["month"] = days["date"].dt.to_period("M").dt.to_timestamp()
    out = days.groupby("month", as_index=False).agg(arrests=("arrests", "sum"), days_covered=("date", "size"))
    out["arrests"] = out["arrests"].astype("int64")
    out["per_day"] = out["arrests"] / out["days_covered"]
    out["partial_month"] = out["days_covered"] < out["month"].dt.days_in_month
    lag_start = last - pd.Timedelta(days=lag_days - 1)
    out["reporting_lag"] = out["month"] + pd.offsets.MonthEnd(0) >= lag_start.normalize()
    return out


# --- Detention ------------------------------------------------------------------------------------------------


def office_adp_by_edition(facilities: pd.DataFrame) -> pd.DataFrame:
    """Per office x edition: published FYTD ADP, facilities, share and the interval average (`office_detention`)."""
    return office_detention.office_editions(facilities)


def period_adp(by_edition: pd.DataFrame, aor: str | None = None) -> pd.DataFrame:
    """Average detained population between successive editions (negative results, i.e. revisions, set to NaN)."""
    needed = {"period_start", "period_end", "period_adp"}
    if not needed <= set(by_edition.columns):
        raise ValueError(
            f"period_adp: by_edition lacks {sorted(needed - set(by_edition.columns))}; build it with "
            "scorecard.office_adp_by_edition(facilities)"
        )
    frame = by_edition if aor is None else by_edition[by_edition["aor"] == aor]
    frame = frame.sort_values(["aor", "fiscal_year", "data_through"]).copy()
    frame["period_adp"] = frame["period_adp"].where(frame["period_adp"] >= 0)
    return frame.reset_index(drop=True)


def detention_by_office(by_edition: pd.DataFrame, offices: pd.DataFrame) -> pd.DataFrame:
    """Every office in the newest edition: ``facilities``, ``fytd_adp``, ``share``, ``period_adp`` and dates.

    An office with no facility in the newest edition has 0 facilities, NaN populations and ``last_listed`` (the
    data-through date of the last edition that listed one, NaT if never).
    """
    newest = by_edition["data_through"].max()
    rows = period_adp(by_edition[by_edition["data_through"] == newest])
    cols = ["aor", "fiscal_year", "data_through", "facilities", "fytd_adp", "share"]
    cols += ["period_start", "period_end", "period_adp"]
    out = offices[["aor"]].merge(rows[cols], on="aor", how="left")
    out["facilities"] = out["facilities"].fillna(0).astype("int64")
    out["data_through"] = newest
    last = by_edition[by_edition["facilities"] > 0].groupby("aor")["data_through"].max()
    out["last_listed"] = out["aor"].map(last)
    out["rank_detained"] = _rank(out["period_adp"])
    return out


def facility_table(facilities: pd.DataFrame, aor: str) -> pd.DataFrame:
    """The office's facilities in the newest edition, largest population first."""
    newest = facilities["edition_date"].max()
    rows = facilities[(facilities["edition_date"] == newest) & (facilities["aor"] == aor)]
    cols = ["facility_name", "city", "state", "facility_type", "adp_total", "alos_days", "guaranteed_minimum"]
    return rows[cols].sort_values("adp_total", ascending=False).reset_index(drop=True)


# --- Leadership -----------------------------------------------------------------------------------------------

EVENT_LABELS = {
    "fod_removed": "director removed or reassigned",
    "fod_appointed": "director appointed",
    "fod_acting_named": "acting director named",
    "fod_in_post_observed": "seen in post",
    "operation_start": "operation began",
    "operation_end": "operation ended",
    "hq_change": "headquarters or national change",
}
IN_POST = ("fod_appointed", "fod_acting_named", "fod_in_post_observed")


def _person(value: Any) -> str:
    """Curated placeholders such as "(unnamed Border Patrol agent)" lose their brackets; blanks become ""."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    return text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text


def leadership_timeline(fod_events: pd.DataFrame, aor: str) -> pd.DataFrame:
    """The office's curated director events, oldest first: ``date``, ``what``, ``person``, ``role``, ``confidence``,
    ``publisher``, ``url`` (curated text: escape it when showing it)."""
    rows = fod_events[fod_events["aor_code"] == aor].sort_values("event_date", kind="stable")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(rows["event_date"]),
            "what": rows["event"].map(lambda e: EVENT_LABELS.get(str(e), str(e).replace("_", " "))),
            "person": rows["person"].map(_person),
            "role": rows["role"].fillna("").astype(str),
            "confidence": rows["confidence"],
            "publisher": rows["source_publisher"],
            "url": rows["source_url"],
        }
    ).reset_index(drop=True)


def latest_leader(fod_events: pd.DataFrame, aor: str) -> dict[str, Any] | None:
    """The most recent named person recorded in charge of the office (appointed, acting or seen in post).

    ``removed`` is the date of a later row recording that person's removal (NaT if none). None when the
    curated events name nobody for the office.
    """
    rows = fod_events[fod_events["aor_code"] == aor].assign(
        event_date=lambda f: pd.to_datetime(f["event_date"])
    )
    named = rows[rows["event"].isin(IN_POST) & ~rows["person"].astype(str).str.strip().str.startswith("(")]
    if named.empty:
        return None
    last = named.sort_values("event_date", kind="stable").iloc[-1]
    removals = rows[
        rows["event"].eq("fod_removed")
        & rows["person"].eq(last["person"])
        & (rows["event_date"] > last["event_date"])
    ]
    return {
        "person": str(last["person"]),
        "role": str(last["role"]) if pd.notna(last["role"]) else "",
        "date": last["event_date"],
        "publisher": last["source_publisher"],
        "url": last["source_url"],
        "confidence": last["confidence"],
        "removed": removals["event_date"].min() if len(removals) else pd.NaT,
    }


# --- The 25 offices side by side -----------------------------------------------------------------------------


def compare_offices(
    summary: ArrestSummary, detention: pd.DataFrame, tiers: pd.DataFrame, offices: pd.DataFrame
) -> pd.DataFrame:
    """One row per office: name, coordinates, arrests (current window), rates, change, detention and tier."""
    base = offices[["aor", "short_name", "city", "state", "latitude", "longitude"]]
    out = base.merge(summary.table, on="aor", how="left", validate="one_to_one")
    det = detention[["aor", "facilities", "period_adp", "period_end", "rank_detained"]]
    out = out.merge(det, on="aor", how="left", validate="one_to_one")
    tier = tiers[["aor", "tier", "tier_label", "change_date", "confidence"]].rename(
        columns={"confidence": "tier_confidence"}
    )
    out = out.merge(tier, on="aor", how="left", validate="one_to_one")
    out["tier"] = out["tier"].astype(str)
    return out.sort_values("arrests", ascending=False).reset_index(drop=True)


def round_reports(fod_events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Reports about the whole round of director changes (rows for all offices) dated in [start, end], best first."""
    ev = fod_events.assign(event_date=pd.to_datetime(fod_events["event_date"]))
    rows = ev[ev["aor_code"].eq("ALL") & ev["event_date"].between(start, end)]
    rank = rows["confidence"].map({"high": 0, "medium": 1, "low": 2})
    return rows.assign(_rank=rank).sort_values(["_rank", "event_date"], kind="stable").drop(columns="_rank")
