"""Field-office outcome panel: one interface over several outcome sources.

`build_panel(outcome, offices, facilities=..., arrests_daily=...)` returns an `OutcomePanel`: a long frame with one row per Area of Responsibility (AOR) x
period, plus a label saying which outcome it holds (every chart must show it). Two sources:

- ``"arrests"``: ICE arrests per office per week from the Deportation Data Project file (when present). The AOR
  field is the arresting officer's *assigned* office, not the place of arrest. The last weeks of a release are
  incomplete (reporting lag) and are dropped.
- ``"detained_population"`` (offline default): average daily detained population per office over each interval
  between two editions of ICE's detention-statistics facility table (`research.models.office_detention`, shared
  with the scorecards).

Columns of `OutcomePanel.frame`: ``aor``, ``period`` (0..T-1 in time order), ``period_start``, ``period_end``
(inclusive), ``days``, ``value`` (outcome in `unit`), ``noncitizen_pop``, ``value_per_100k`` (per 100,000
noncitizen residents; NaN where the population is unknown, e.g. HLG), ``log_value`` (NaN where value <= 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research.models import office_detention
from research.models.office_detention import (  # noqa: F401  (re-exported: the panel's public names)
    FACILITY_SETS,
    facility_key,
    fill_cumulative,
    fytd_days,
)

OUTCOMES = ("auto", "arrests", "detained_population")
SCALES = ("log", "per_100k", "level")
SCALE_COLUMNS = {"log": "log_value", "per_100k": "value_per_100k", "level": "value"}

DETENTION_METHOD = (
    "Average daily detained population by field office over each interval between successive editions of ICE's "
    "detention-statistics facility table. Each edition reports fiscal-year-to-date average daily population (ADP) "
    "per facility through the Facilities sheet's own pull date (IIDS date, 1-12 days before the Detention sheet's "
    "data-through date); ADP x days since 1 October gives population-days, and the difference between two editions "
    "divided by the days between their pull dates is the interval's average. Facilities are assigned to the office "
    "(AOR) ICE lists for them and matched across editions by name and AOR (a facility that disappears while exactly "
    "one new one appears in the same AOR and city is treated as renamed). All facilities: a facility ICE left out "
    "of one edition is interpolated between the editions that list it; one first listed late gets in its first "
    "interval at most its own subsequent daily rate times the interval length, the rest spread evenly since "
    "1 October; one no longer listed adds nothing. Balanced facilities: only those listed in every edition of the "
    "window, so openings, closings and first listings cannot move an office's series (they cover less of the "
    "national population). Intervals have unequal lengths and short ones (two weeks) amplify any error; detention "
    "location is not arrest location (people are transferred between offices), so this measures where people are "
    "held, not who arrested them. One implementation (research.models.office_detention) feeds this panel and the "
    "field-office scorecards."
)
ARRESTS_METHOD = (
    "ICE ERO administrative arrests per week (Monday-Sunday) by the arresting officer's assigned AOR, Deportation "
    "Data Project release, duplicates dropped by the loader. The field is the officer's office, not the arrest "
    "location; the most recent weeks are dropped because of reporting lag."
)


@dataclass(frozen=True)
class OutcomePanel:
    """A field-office x period outcome panel and the words needed to label it."""

    frame: pd.DataFrame
    outcome: str  # "arrests" | "detained_population"
    label: str  # for chart titles and axis labels
    unit: str
    period_kind: str  # "week" | "edition interval"
    source: str
    method: str
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)


def interval_averages(
    facilities: pd.DataFrame, *, facility_set: str = "all", start: str | pd.Timestamp | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Average daily population by AOR over each interval between editions (see `office_detention`).

    The same function feeds the field-office scorecards, so both pages show the same office populations.
    """
    return office_detention.office_intervals(facilities, facility_set=facility_set, start=start)


def national_check(frame: pd.DataFrame, monthly_adp: pd.DataFrame) -> pd.DataFrame:
    """Sum over offices against ICE's national monthly ADP table (see `office_detention.national_check`)."""
    return office_detention.national_check(frame, monthly_adp)


def weekly_arrests(daily: pd.DataFrame, *, drop_recent_weeks: int = 3) -> pd.DataFrame:
    """Arrests per AOR per Monday-Sunday week from daily counts (``date``, ``aor``, ``arrests``).

    Partial first/last weeks and the `drop_recent_weeks` newest complete weeks (reporting lag) are removed.
    """
    required = {"date", "aor", "arrests"}
    missing = required - set(daily.columns)
    if missing:
        raise ValueError(f"daily arrests: missing column(s) {sorted(missing)}; expected {sorted(required)}")
    d = daily.assign(date=pd.to_datetime(daily["date"]))
    d = d.assign(period_start=d["date"] - pd.to_timedelta(d["date"].dt.day_of_week, unit="D"))
    first, last = d["date"].min(), d["date"].max()
    weekly = d.groupby(["aor", "period_start"], as_index=False)["arrests"].sum()
    weekly = weekly.assign(period_end=weekly["period_start"] + pd.Timedelta(days=6), days=7)
    complete = (weekly["period_start"] >= first) & (weekly["period_end"] <= last)
    weekly = weekly[complete]
    if drop_recent_weeks > 0:
        keep_until = weekly["period_end"].max() - pd.Timedelta(weeks=drop_recent_weeks)
        weekly = weekly[weekly["period_end"] <= keep_until]
    return weekly.rename(columns={"arrests": "value"}).reset_index(drop=True)


def finish_panel(values: pd.DataFrame, offices: pd.DataFrame) -> pd.DataFrame:
    """Restrict to the known AORs, fill absent office x period cells with NaN, add period index and scalings."""
    codes = list(offices["aor"])
    values = values[values["aor"].isin(codes)]
    periods = (
        values[["period_start", "period_end", "days"]]
        .drop_duplicates()
        .sort_values("period_start")
        .reset_index(drop=True)
    )
    periods["period"] = np.arange(len(periods))
    grid = pd.MultiIndex.from_product([codes, periods["period_start"]], names=["aor", "period_start"])
    frame = (
        values.set_index(["aor", "period_start"])[["value"]]
        .reindex(grid)
        .reset_index()
        .merge(periods, on="period_start")
        .merge(offices[["aor", "noncitizen_pop"]], on="aor", how="left")
    )
    pop = frame["noncitizen_pop"].astype(float)
    frame["value_per_100k"] = frame["value"] / pop * 1e5
    frame["log_value"] = np.log(frame["value"].where(frame["value"] > 0))
    cols = ["aor", "period", "period_start", "period_end", "days", "value", "noncitizen_pop"]
    return frame[cols + ["value_per_100k", "log_value"]].sort_values(["aor", "period"]).reset_index(drop=True)


def detained_population_panel(
    facilities: pd.DataFrame,
    offices: pd.DataFrame,
    start: str | pd.Timestamp = "2024-10-01",
    *,
    facility_set: str = "all",
) -> OutcomePanel:
    """Offline default outcome: interval-average detained population by office from the facility tables.

    `facilities` is `research.data.load_facilities()`, `offices` is `research.data.load_field_offices()`;
    `facility_set` is "all" or "balanced" (facilities listed in every edition from `start` on).
    """
    by_aor, diag = interval_averages(facilities, facility_set=facility_set, start=start)
    frame = finish_panel(by_aor, offices)
    which = "all facilities" if facility_set == "all" else "facilities listed in every edition"
    return OutcomePanel(
        frame=frame,
        outcome="detained_population",
        label=f"Average daily detained population (by facility's office; {which})",
        unit="people in detention, daily average over the interval",
        period_kind="edition interval",
        source="ICE detention statistics, facility tables: " + str(facilities.attrs.get("source", "")),
        method=DETENTION_METHOD,
        diagnostics=diag,
    )


def arrests_panel(
    daily: pd.DataFrame,
    offices: pd.DataFrame,
    start: str | pd.Timestamp = "2024-10-01",
    drop_recent_weeks: int = 3,
) -> OutcomePanel:
    """Weekly ICE arrests by the arresting officer's office (Deportation Data Project).

    `daily` is `research.data.load_arrests_daily(by="aor")`.
    """
    weekly = weekly_arrests(daily, drop_recent_weeks=drop_recent_weeks)
    weekly = weekly[weekly["period_start"] >= pd.Timestamp(start)]
    frame = finish_panel(weekly, offices)
    return OutcomePanel(
        frame=frame,
        outcome="arrests",
        label="ICE arrests per week (arresting officer's office)",
        unit="arrests per week",
        period_kind="week",
        source="Deportation Data Project, ICE arrests: " + str(daily.attrs.get("source", "")),
        method=ARRESTS_METHOD,
    )


def resolve_outcome(outcome: str, ddp_available: bool) -> str:
    """'auto' means arrests when the Deportation Data Project file is present, else detained population."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r}: expected one of {', '.join(OUTCOMES)}")
    if outcome == "auto":
        return "arrests" if ddp_available else "detained_population"
    return outcome


def build_panel(
    outcome: str,
    offices: pd.DataFrame,
    *,
    facilities: pd.DataFrame | None = None,
    arrests_daily: pd.DataFrame | None = None,
    start: str | pd.Timestamp = "2024-10-01",
) -> OutcomePanel:
    """The field-office outcome panel for `outcome` ("auto", "arrests" or "detained_population").

    "auto" uses `arrests_daily` when given, else `facilities`; the chosen source must be given.
    """
    chosen = resolve_outcome(outcome, arrests_daily is not None)
    if chosen == "arrests":
        if arrests_daily is None:
            raise ValueError(
                "outcome 'arrests' needs the daily arrests frame (research.data.load_arrests_daily)"
            )
        return arrests_panel(arrests_daily, offices, start)
    if facilities is None:
        raise ValueError(
            "outcome 'detained_population' needs the facilities frame (research.data.load_facilities)"
        )
    return detained_population_panel(facilities, offices, start)
