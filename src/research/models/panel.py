"""Field-office outcome panel: one interface over several outcome sources.

`build_panel(outcome, offices, facilities=..., arrests_daily=...)` returns an `OutcomePanel`: a long frame with one row per Area of Responsibility (AOR) x
period, plus a label saying which outcome it holds (every chart must show it). Two sources:

- ``"arrests"``: ICE arrests per office per week from the Deportation Data Project file (when present). The AOR
  field is the arresting officer's *assigned* office, not the place of arrest. The last weeks of a release are
  incomplete (reporting lag) and are dropped.
- ``"detained_population"`` (offline default): average daily detained population per office over each interval
  between two editions of ICE's detention-statistics facility table. See `interval_averages` for the method.

Columns of `OutcomePanel.frame`: ``aor``, ``period`` (0..T-1 in time order), ``period_start``, ``period_end``
(inclusive), ``days``, ``value`` (outcome in `unit`), ``noncitizen_pop``, ``value_per_100k`` (per 100,000
noncitizen residents; NaN where the population is unknown, e.g. HLG), ``log_value`` (NaN where value <= 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from research.calendar import fiscal_year_start

OUTCOMES = ("auto", "arrests", "detained_population")
SCALES = ("log", "per_100k", "level")
SCALE_COLUMNS = {"log": "log_value", "per_100k": "value_per_100k", "level": "value"}

DETENTION_METHOD = (
    "Average daily detained population by field office over each interval between successive editions of ICE's "
    "detention-statistics facility table. Each edition reports fiscal-year-to-date average daily population (ADP) "
    "per facility; ADP x days since 1 October gives population-days, and the difference between two editions "
    "divided by the days between their cut-offs is the interval's average. Facilities are assigned to the office "
    "(AOR) ICE lists for them and matched across editions by name and AOR (a facility that disappears while exactly "
    "one new one appears in the same AOR and city is treated as renamed). Gaps: a facility ICE left out of one "
    "edition is interpolated between the editions that list it; a facility first listed after the first edition of "
    "a year gets in that interval at most its own subsequent daily rate times the interval length, the rest spread "
    "evenly since 1 October (so a newly opened facility counts in its first interval, an omitted old one is not "
    "dumped into one short interval); a facility no longer listed adds nothing. Short intervals (two weeks) "
    "amplify any error. The first edition of each fiscal year covers "
    "1 October to its cut-off; intervals have unequal lengths; detention location is not arrest location "
    "(people are transferred between offices), so this measures where people are held, not who arrested them."
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


def fytd_days(data_through: pd.Series) -> pd.Series:
    """Days from 1 October of the fiscal year through `data_through`, both included."""
    through = pd.to_datetime(data_through)
    starts = through.map(lambda d: fiscal_year_start(d.year + 1 if d.month >= 10 else d.year))
    return (through - pd.to_datetime(starts)).dt.days + 1


def facility_key(facilities: pd.DataFrame) -> pd.Series:
    """Match facilities across editions by normalised name + AOR.

    ICE's spelling of addresses, cities and even the state column drifts between editions (e.g. BINGHAMTON vs
    BINGHAMPTON, state left blank), so a key hashed from every field would turn one facility into a closure plus
    an opening and double-count it.
    """
    name = facilities["facility_name"].astype(str).str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    return name + "|" + facilities["aor"].astype(str)


def link_renamed(rows: pd.DataFrame) -> pd.Series:
    """Re-key facilities that ICE renamed between two consecutive editions of a fiscal year.

    `rows` has ``fiscal_year``, ``data_through``, ``key``, ``aor``, ``city``. When, between consecutive editions,
    exactly one facility disappears and exactly one appears in the same AOR and city (e.g. "ATLANTA US PEN" ->
    "FCI ATLANTA"), the new one takes the old key. Returns the (possibly) updated keys.
    """
    keys = rows["key"].copy()
    city = rows["city"].astype(str).str.upper().str.replace(r"[^A-Z]", "", regex=True)
    for _fy, grp in rows.groupby("fiscal_year"):
        cuts = sorted(grp["data_through"].unique())
        for prev, cur in zip(cuts[:-1], cuts[1:], strict=True):
            a = grp[grp["data_through"] == prev].index
            b = grp[grp["data_through"] == cur].index
            gone = a[~keys[a].isin(keys[b])]
            new = b[~keys[b].isin(keys[a])]
            place_gone = pd.Series(list(zip(rows.loc[gone, "aor"], city[gone], strict=True)), index=gone)
            place_new = pd.Series(list(zip(rows.loc[new, "aor"], city[new], strict=True)), index=new)
            for place in set(place_gone) & set(place_new):
                g_idx, n_idx = place_gone.index[place_gone == place], place_new.index[place_new == place]
                if len(g_idx) == 1 and len(n_idx) == 1 and place[1]:
                    old, renamed = keys[g_idx[0]], keys[n_idx[0]]
                    later = grp.index[(grp["data_through"] >= cur)]
                    keys[later] = keys[later].where(keys[later] != renamed, old)
    return keys


def _editions(facilities: pd.DataFrame) -> pd.DataFrame:
    """One edition per (fiscal year, cut-off): the newest publication wins when ICE re-issued a cut-off."""
    eds = facilities[["fiscal_year", "edition_file", "edition_date", "data_through"]].drop_duplicates()
    eds = eds.dropna(subset=["data_through"]).sort_values(["fiscal_year", "data_through", "edition_date"])
    return eds.drop_duplicates(["fiscal_year", "data_through"], keep="last").reset_index(drop=True)


def fill_cumulative(cum: pd.DataFrame, days: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill unlisted cells of a facility x edition table of year-to-date population-days.

    `days` are the days since 1 October at each edition's cut-off.
    - Between two listings (ICE left a facility out of one edition): interpolate linearly in time.
    - Before the first listing: the interval that first lists a facility gets at most what the facility's own
      rate implies (its average between its first two listings, else its year-to-date average) times the
      interval's length; the remainder of its year-to-date population-days is spread at a constant rate since
      1 October. A genuinely new facility thus gets (about) everything in its first interval, while one ICE
      simply omitted from earlier editions is not dumped into a single short interval.
    - After the last listing: no further population-days (closed, or below the 1-ADP listing threshold).
    Returns the filled table and a same-shaped table of fill kinds ("listed", "interpolated", "backfilled",
    "dropped").
    """
    listed = cum.notna().to_numpy()
    raw = cum.to_numpy(float)
    interp = cum.copy()
    interp.columns = pd.Index(days.astype(float))
    values = interp.interpolate(axis=1, method="index", limit_area="inside").to_numpy(copy=True)
    interpolated = ~np.isnan(values) & ~listed
    before = np.zeros_like(listed)
    for r in range(raw.shape[0]):
        pos = np.flatnonzero(listed[r])
        first = int(pos[0])
        if first == 0:
            continue
        total = raw[r, first]
        if len(pos) > 1:
            nxt = int(pos[1])
            rate = max((raw[r, nxt] - total) / (days[nxt] - days[first]), 0.0)
        else:
            rate = total / days[first]
        earlier = total - min(total, rate * (days[first] - days[first - 1]))
        values[r, :first] = earlier * days[:first] / days[first - 1]
        before[r, :first] = True
    filled = pd.DataFrame(values, index=cum.index, columns=cum.columns).ffill(axis=1)
    kind = np.where(
        listed, "listed", np.where(interpolated, "interpolated", np.where(before, "backfilled", "dropped"))
    )
    return filled, pd.DataFrame(kind, index=cum.index, columns=cum.columns)


def interval_averages(facilities: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Average daily population by AOR over each interval between editions, from fiscal-year-to-date ADP.

    `facilities` has one row per edition x facility with columns ``fiscal_year``, ``edition_file``,
    ``edition_date``, ``data_through``, ``facility_name``, ``aor``, ``adp_total``. Facilities are matched across
    editions by `facility_key`; gaps are filled by `fill_cumulative`. Returns ``(by_aor, diagnostics)``:
    ``by_aor`` has ``aor``, ``fiscal_year``, ``period_start``, ``period_end``, ``days``, ``pop_days``, ``value``
    (average daily population over the interval), ``edition_file``; ``diagnostics`` has, per interval, how many
    facilities were listed, interpolated, back-filled, new or dropped, and how many had falling year-to-date
    population-days (revisions).
    """
    required = {
        "fiscal_year",
        "edition_file",
        "edition_date",
        "data_through",
        "facility_name",
        "aor",
        "adp_total",
    }
    missing = required - set(facilities.columns)
    if missing:
        raise ValueError(f"facility table: missing column(s) {sorted(missing)}; expected {sorted(required)}")
    eds = _editions(facilities)
    rows = facilities.merge(eds[["edition_file", "data_through"]], on=["edition_file", "data_through"])
    rows = rows.assign(
        pop_days=rows["adp_total"].astype(float) * fytd_days(rows["data_through"]), key=facility_key(rows)
    ).reset_index(drop=True)
    if "city" in rows.columns:
        rows["key"] = link_renamed(rows)
    out, diag = [], []
    for fy, fy_eds in eds.groupby("fiscal_year", sort=True):
        fy_rows = rows[rows["fiscal_year"] == fy]
        cuts = list(fy_eds["data_through"])
        cum = fy_rows.pivot_table(index="key", columns="data_through", values="pop_days", aggfunc="sum")
        cum = cum.reindex(columns=cuts)
        days = fytd_days(pd.Series(cuts)).to_numpy()
        filled, kind = fill_cumulative(cum, days)
        aor = pd.Series(filled.index.str.split("|").str[-1], index=filled.index)
        delta = filled.diff(axis=1)
        delta[cuts[0]] = filled[cuts[0]]
        starts = [fiscal_year_start(int(str(fy)))] + [c + pd.Timedelta(days=1) for c in cuts[:-1]]
        for i, cut in enumerate(cuts):
            n_days = int(days[i] - (days[i - 1] if i else 0))
            agg = delta[cut].groupby(aor).sum().rename("pop_days").rename_axis("aor").reset_index()
            agg = agg.assign(
                fiscal_year=int(str(fy)),
                period_start=starts[i],
                period_end=cut,
                days=n_days,
                value=agg["pop_days"] / n_days,
                edition_file=fy_eds["edition_file"].iloc[i],
            )
            out.append(agg)
            counts = kind[cut].value_counts()
            diag.append(
                {
                    "fiscal_year": int(str(fy)),
                    "period_start": starts[i],
                    "period_end": cut,
                    "edition_file": fy_eds["edition_file"].iloc[i],
                }
                | {k: int(counts.get(k, 0)) for k in ("listed", "interpolated", "backfilled", "dropped")}
                | {"decreasing": int((delta[cut] < -0.5).sum())}
            )
    by_aor = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    return by_aor, pd.DataFrame(diag)


def national_check(frame: pd.DataFrame, monthly_adp: pd.DataFrame) -> pd.DataFrame:
    """Compare the sum over offices of the interval averages with ICE's national monthly ADP table.

    `monthly_adp` has ``month`` (first of month) and ``adp``; the national figure for an interval is the
    day-weighted mean of the months it overlaps. A large gap flags an interval the facility method gets wrong.
    """
    months = monthly_adp.set_index(pd.to_datetime(monthly_adp["month"]))["adp"].astype(float)
    rows = []
    totals = frame.groupby(["period", "period_start", "period_end"], as_index=False)["value"].sum(min_count=1)
    for r in totals.itertuples(index=False):
        days = pd.date_range(r.period_start, r.period_end, freq="D")
        per_day = months.reindex(days.to_period("M").to_timestamp()).to_numpy()
        national = float(np.nanmean(per_day)) if np.isfinite(per_day).any() else np.nan
        rows.append(
            {
                "period": r.period,
                "period_start": r.period_start,
                "period_end": r.period_end,
                "sum_of_offices": r.value,
                "national_table": national,
            }
        )
    out = pd.DataFrame(rows)
    out["relative_gap"] = out["sum_of_offices"] / out["national_table"] - 1
    return out


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
    facilities: pd.DataFrame, offices: pd.DataFrame, start: str | pd.Timestamp = "2024-10-01"
) -> OutcomePanel:
    """Offline default outcome: interval-average detained population by office from the facility tables.

    `facilities` is `research.data.load_facilities()`, `offices` is `research.data.load_field_offices()`.
    """
    by_aor, diag = interval_averages(facilities)
    by_aor = by_aor[by_aor["period_start"] >= pd.Timestamp(start)]
    diag = diag[diag["period_start"] >= pd.Timestamp(start)].reset_index(drop=True)
    frame = finish_panel(by_aor, offices)
    return OutcomePanel(
        frame=frame,
        outcome="detained_population",
        label="Average daily detained population (by facility's office)",
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
