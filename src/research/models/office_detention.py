"""Detained population by field office between editions of ICE's detention statistics: the one implementation.

Both the leadership panel (`research.models.panel`) and the field-office scorecards (`research.models.scorecard`)
take office interval averages from here, so an office's population over a period is the same number on every page.

Method. Each edition's Facilities sheet gives every facility's fiscal-year-to-date (FYTD) average daily population
(ADP). ADP x days since 1 October gives population-days; the difference between two editions divided by the days
between their cut-offs is the interval's average. The cut-off is the Facilities sheet's own IIDS pull date
(``iids_date``), not the Detention sheet's ``data_through``: the facility figures are FYTD through the pull date,
which is 1-12 days earlier (using it removes the impossible positive gaps against ICE's national table). Where the
pull date is missing or impossible (after ``data_through``, before 1 October, or not after the previous edition's
cut-off) ``data_through`` is used and the diagnostics say so.

Facility sets. ``"all"``: every listed facility, with gaps filled (`fill_cumulative`): a facility ICE left out of
one edition is interpolated, one first listed late is back-filled at no more than its own rate, one no longer
listed adds nothing. ``"balanced"``: only facilities listed in every edition of the window, so openings, closings,
first listings and fills cannot move an office's series.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from research.calendar import fiscal_year_start, fiscal_year_starts

FACILITY_SETS = ("all", "balanced")
REQUIRED = ("fiscal_year", "edition_date", "data_through", "facility_name", "aor", "adp_total")
FILL_KINDS = ("listed", "interpolated", "backfilled", "dropped")


def fytd_days(through: pd.Series) -> pd.Series:
    """Days from 1 October of the fiscal year through `through`, both included."""
    stamps = pd.to_datetime(through)
    return (stamps - fiscal_year_starts(stamps)).dt.days + 1


def facility_key(facilities: pd.DataFrame) -> pd.Series:
    """Match facilities across editions by normalised name + AOR.

    ICE's spelling of addresses, cities and even the state column drifts between editions (e.g. BINGHAMTON vs
    BINGHAMPTON, state left blank), so a key hashed from every field would turn one facility into a closure plus
    an opening and double-count it.
    """
    name = facilities["facility_name"].astype(str).str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    return name + "|" + facilities["aor"].astype(str)


def link_renamed(rows: pd.DataFrame) -> pd.Series:
    """Re-key facilities that ICE renamed (or misspelled) between two consecutive editions.

    `rows` has ``cut``, ``key``, ``aor``, ``city``. When, between consecutive editions, exactly one facility
    disappears and exactly one appears in the same AOR and city (e.g. "ATLANTA US PEN" -> "FCI ATLANTA", or
    "NORTHWEST ICE PROCSESING CENTER" -> "... PROCESSSING ..."), the new one takes the old key from then on.
    Editions are linked across fiscal years too, so a facility keeps one key over the whole window.
    """
    # Plain arrays and dicts, not pandas lookups per edition pair: this runs on every page that shows detention.
    keys = rows["key"].to_numpy(dtype=object).copy()
    city = rows["city"].astype(str).str.upper().str.replace(r"[^A-Z]", "", regex=True).to_numpy(dtype=object)
    aor = rows["aor"].astype(str).to_numpy(dtype=object)
    cut = rows["cut"].to_numpy()
    cuts = np.unique(cut)
    positions = {c: np.flatnonzero(cut == c).tolist() for c in cuts}
    for prev, cur in zip(cuts[:-1], cuts[1:], strict=True):
        a, b = positions[prev], positions[cur]
        keys_a, keys_b = set(keys[a]), set(keys[b])
        gone = _by_place((i for i in a if keys[i] not in keys_b), aor, city)
        new = _by_place((i for i in b if keys[i] not in keys_a), aor, city)
        for place in gone.keys() & new.keys():
            if len(gone[place]) == 1 and len(new[place]) == 1 and place[1]:
                old, renamed = keys[gone[place][0]], keys[new[place][0]]
                keys[(cut >= cur) & (keys == renamed)] = old
    return pd.Series(keys, index=rows.index, name=rows["key"].name, dtype=rows["key"].dtype)


def _by_place(
    positions: Iterable[int], aor: np.ndarray, city: np.ndarray
) -> dict[tuple[str, str], list[int]]:
    """Row positions grouped by (AOR, normalised city)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i in positions:
        groups.setdefault((aor[i], city[i]), []).append(i)
    return groups


def editions(facilities: pd.DataFrame) -> pd.DataFrame:
    """One edition per (fiscal year, data_through), the newest publication winning, with its interval cut-off.

    Columns: ``fiscal_year``, ``edition_date``, ``edition_file`` (when present), ``data_through``, ``iids_date``,
    ``cut`` (the date the FYTD figures run through), ``cut_source`` ("iids_date" or "data_through").
    """
    cols = ["fiscal_year", "edition_date", "data_through"]
    cols += [c for c in ("edition_file", "iids_date") if c in facilities.columns]
    eds = facilities[cols].drop_duplicates(["fiscal_year", "edition_date", "data_through"])
    eds = eds.dropna(subset=["data_through"]).sort_values(["fiscal_year", "data_through", "edition_date"])
    eds = eds.drop_duplicates(["fiscal_year", "data_through"], keep="last").reset_index(drop=True)
    if "iids_date" not in eds.columns:
        eds["iids_date"] = pd.NaT
    cuts, sources = [], []
    for fy, grp in eds.groupby("fiscal_year", sort=True):
        previous = pd.Timestamp(fiscal_year_start(int(fy))) - pd.Timedelta(days=1)
        for row in grp.itertuples(index=False):
            iids = pd.Timestamp(row.iids_date) if pd.notna(row.iids_date) else None
            usable = iids is not None and previous < iids <= pd.Timestamp(row.data_through)
            cut = iids if usable else pd.Timestamp(row.data_through)
            cuts.append(cut)
            sources.append("iids_date" if usable else "data_through")
            previous = cut
    eds["cut"] = pd.to_datetime(pd.Series(cuts, index=eds.index))
    eds["cut_source"] = sources
    return eds


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


def _check(facilities: pd.DataFrame, facility_set: str) -> None:
    missing = sorted(set(REQUIRED) - set(facilities.columns))
    if missing:
        raise ValueError(f"facility table: missing column(s) {missing}; expected {sorted(REQUIRED)}")
    if facility_set not in FACILITY_SETS:
        raise ValueError(f"facility_set {facility_set!r}: expected one of {', '.join(FACILITY_SETS)}")


def facility_rows(facilities: pd.DataFrame, start: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Facility x edition rows of the editions used (see `editions`), with ``cut``, ``key`` and ``pop_days``.

    With `start`, only editions whose interval ends on or after `start` are kept (whole fiscal years are kept
    from the first such edition's year, since FYTD figures need the year's earlier editions).
    """
    eds = editions(facilities)
    if start is not None:
        first_fy = eds.loc[eds["cut"] >= pd.Timestamp(start), "fiscal_year"].min()
        eds = eds[eds["fiscal_year"] >= first_fy]
    keep = ["fiscal_year", "edition_date", "data_through", "cut", "cut_source"]
    keep += [c for c in ("edition_file",) if c in eds.columns]
    rows = facilities.drop(columns=[c for c in ("edition_file", "iids_date") if c in facilities.columns])
    rows = rows.merge(eds[keep], on=["fiscal_year", "edition_date", "data_through"])
    rows = rows.assign(
        pop_days=rows["adp_total"].astype(float) * fytd_days(rows["cut"]), key=facility_key(rows)
    ).reset_index(drop=True)
    if "city" in rows.columns:
        rows["key"] = link_renamed(rows)
    return rows


def balanced_keys(rows: pd.DataFrame, start: str | pd.Timestamp) -> set[str]:
    """Facilities (keys) listed in every edition whose interval starts on or after `start`."""
    window = rows[rows["cut"] >= pd.Timestamp(start)]
    n_editions = window["cut"].nunique()
    listed = window.groupby("key")["cut"].nunique()
    return set(listed.index[listed == n_editions])


def office_intervals(
    facilities: pd.DataFrame,
    *,
    facility_set: str = "all",
    start: str | pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Average daily population by AOR over each interval between editions.

    `facilities` has one row per edition x facility (``research.data.load_facilities()``: ``fiscal_year``,
    ``edition_date``, ``data_through``, ``facility_name``, ``aor``, ``adp_total``; ``iids_date``, ``city``,
    ``edition_file`` when present). `facility_set` is "all" or "balanced" (listed in every edition of the
    intervals starting on or after `start`; needs `start`). Returns ``(by_aor, diagnostics)``: ``by_aor`` has
    ``aor``, ``fiscal_year``, ``period_start``, ``period_end`` (the cut-off), ``days``, ``pop_days``, ``value``
    (average daily population), ``data_through``, ``edition_date``, ``edition_file``; ``diagnostics`` has, per
    interval, the cut-off's source, how many facilities were listed, interpolated, back-filled or dropped, how
    many had falling year-to-date population-days (revisions) and how many were in the facility set.
    """
    _check(facilities, facility_set)
    if facility_set == "balanced" and start is None:
        raise ValueError(
            "facility_set 'balanced' needs `start`: the window over which facilities must be listed"
        )
    rows = facility_rows(facilities, start)
    if facility_set == "balanced":
        rows = rows[rows["key"].isin(balanced_keys(rows, start))]  # type: ignore[arg-type]
    out, diag = [], []
    for fy, fy_rows in rows.groupby("fiscal_year", sort=True):
        eds = fy_rows.drop_duplicates("cut").sort_values("cut")
        cuts = list(eds["cut"])
        cum = fy_rows.pivot_table(index="key", columns="cut", values="pop_days", aggfunc="sum")
        cum = cum.reindex(columns=cuts)
        days = fytd_days(pd.Series(cuts)).to_numpy()
        filled, kind = fill_cumulative(cum, days)
        aor = pd.Series(filled.index.str.split("|").str[-1], index=filled.index)
        delta = filled.diff(axis=1)
        delta[cuts[0]] = filled[cuts[0]]
        starts = [pd.Timestamp(fiscal_year_start(int(fy)))] + [c + pd.Timedelta(days=1) for c in cuts[:-1]]
        by_office = delta.groupby(aor).sum()  # office x interval, one groupby for the whole year
        labels = []
        for i, (cut, ed) in enumerate(zip(cuts, eds.itertuples(index=False), strict=True)):
            label = {
                "fiscal_year": int(fy),
                "period_start": starts[i],
                "period_end": cut,
                "data_through": ed.data_through,
                "edition_date": ed.edition_date,
                "edition_file": getattr(ed, "edition_file", ""),
            }
            labels.append(label | {"days": int(days[i] - (days[i - 1] if i else 0))})
            counts = kind[cut].value_counts()
            diag.append(
                label
                | {"cut_source": ed.cut_source}
                | {k: int(counts.get(k, 0)) for k in FILL_KINDS}
                | {"decreasing": int((delta[cut] < -0.5).sum()), "facilities": int(len(filled))}
            )
        out.append(_interval_rows(by_office, labels))
    by_aor = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    diagnostics = pd.DataFrame(diag)
    if start is not None and len(by_aor):
        by_aor = by_aor[by_aor["period_start"] >= pd.Timestamp(start)].reset_index(drop=True)
        diagnostics = diagnostics[diagnostics["period_start"] >= pd.Timestamp(start)].reset_index(drop=True)
    return by_aor, diagnostics


def _interval_rows(by_office: pd.DataFrame, labels: list[dict[str, object]]) -> pd.DataFrame:
    """Long rows (interval-major, offices sorted) of an office x interval table of population-days."""
    n_offices = len(by_office)
    rows = pd.DataFrame(
        {"aor": np.tile(by_office.index.to_numpy(), len(labels)), "pop_days": by_office.to_numpy().T.ravel()}
    )
    meta = pd.DataFrame(labels).loc[np.repeat(np.arange(len(labels)), n_offices)].reset_index(drop=True)
    rows = pd.concat([rows, meta], axis=1)
    rows["value"] = rows["pop_days"] / rows["days"]
    return rows


def office_editions(facilities: pd.DataFrame) -> pd.DataFrame:
    """Per office x edition: published FYTD ADP (sum over the office's facilities) and the interval average.

    Columns: ``aor``, ``fiscal_year``, ``data_through``, ``edition_date``, ``fytd_adp``, ``facilities``,
    ``share`` (of the national FYTD total), and from `office_intervals` (all facilities) ``period_start``,
    ``period_end``, ``days``, ``period_adp`` (NaN where the office had no facility in the interval's editions).
    """
    _check(facilities, "all")
    eds = editions(facilities)
    frame = facilities.dropna(subset=["data_through", "aor"])
    frame = frame.merge(eds[["fiscal_year", "edition_date", "data_through"]])
    ident = frame["facility_id"] if "facility_id" in frame.columns else frame["facility_name"]
    out = (
        frame.assign(_id=ident)
        .groupby(["aor", "fiscal_year", "data_through", "edition_date"], as_index=False)
        .agg(fytd_adp=("adp_total", "sum"), facilities=("_id", "nunique"))
    )
    out["share"] = out["fytd_adp"] / out.groupby("data_through")["fytd_adp"].transform("sum")
    by_aor, _ = office_intervals(facilities)
    intervals = by_aor[["aor", "fiscal_year", "data_through", "period_start", "period_end", "days", "value"]]
    out = out.merge(intervals.rename(columns={"value": "period_adp"}), how="left")
    return out.sort_values(["aor", "data_through"]).reset_index(drop=True)


def national_check(frame: pd.DataFrame, monthly_adp: pd.DataFrame) -> pd.DataFrame:
    """Compare the sum over offices of interval averages with ICE's national monthly ADP table.

    `frame` has ``period_start``, ``period_end``, ``value`` (and optionally ``period``); `monthly_adp` has
    ``month`` (first of month) and ``adp``. The national figure for an interval is the day-weighted mean of the
    months it overlaps. For the "all" facility set a large gap flags an interval the method gets wrong; for the
    "balanced" set the ratio is the share of the national population the balanced facilities hold.
    """
    months = monthly_adp.set_index(pd.to_datetime(monthly_adp["month"]))["adp"].astype(float)
    keys = [c for c in ("period", "period_start", "period_end") if c in frame.columns]
    totals = frame.groupby(keys, as_index=False)["value"].sum(min_count=1)
    rows = []
    for r in totals.to_dict("records"):
        days = pd.date_range(r["period_start"], r["period_end"], freq="D")
        per_day = months.reindex(days.to_period("M").to_timestamp()).to_numpy()
        national = float(np.nanmean(per_day)) if np.isfinite(per_day).any() else np.nan
        rows.append({k: r[k] for k in keys} | {"sum_of_offices": r["value"], "national_table": national})
    out = pd.DataFrame(rows)
    out["relative_gap"] = out["sum_of_offices"] / out["national_table"] - 1
    return out
