"""Outcome panel: interval averages from year-to-date figures (SYNTHETIC editions built here), weekly arrests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research.config import processed_dir
from research.models import panel


def synthetic_editions(
    daily: dict[tuple[str, str], list[float]], cuts: list[str], listed: dict | None = None
):
    """SYNTHETIC facility tables: each facility holds a constant daily population within each interval.

    `daily[(facility, aor)]` gives the population for each interval between successive `cuts` (the first interval
    starts on 1 October); the edition at each cut reports the fiscal-year-to-date average, as ICE does.
    `listed[(facility, aor)]` optionally gives the edition indexes where the facility appears.
    """
    fy_start = pd.Timestamp("2024-10-01")
    cut_ts = [pd.Timestamp(c) for c in cuts]
    bounds = [fy_start - pd.Timedelta(days=1)] + cut_ts
    lengths = [(b - a).days for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    rows = []
    for (name, aor), pops in daily.items():
        cum = np.cumsum(np.array(pops) * np.array(lengths))
        for k, cut in enumerate(cut_ts):
            if listed and (name, aor) in listed and k not in listed[(name, aor)]:
                continue
            days = (cut - fy_start).days + 1
            if cum[k] / days < 1:  # ICE does not list facilities below 1 ADP
                continue
            rows.append(
                {
                    "fiscal_year": 2025,
                    "edition_file": f"ed{k}.xlsx",
                    "edition_date": cut + pd.Timedelta(days=5),
                    "data_through": cut,
                    "facility_name": name,
                    "state": "XX",
                    "aor": aor,
                    "adp_total": cum[k] / days,
                }
            )
    return pd.DataFrame(rows), lengths


CUTS = ["2024-11-02", "2025-01-11", "2025-02-08", "2025-04-05"]


def test_interval_average_reproduces_known_averages() -> None:
    daily = {
        ("Alpha Center", "ATL"): [100.0, 140.0, 90.0, 200.0],
        ("Beta Jail", "ATL"): [10.0, 20.0, 30.0, 40.0],
        ("Gamma Processing", "DEN"): [500.0, 450.0, 700.0, 650.0],
        ("New Annex", "DEN"): [0.0, 0.0, 300.0, 320.0],  # opens at the start of the third interval
    }
    facilities, _ = synthetic_editions(daily, CUTS)
    by_aor, diag = panel.interval_averages(facilities)
    got = by_aor.pivot(index="period_end", columns="aor", values="value")
    assert got["ATL"].to_numpy() == pytest.approx([110.0, 160.0, 120.0, 240.0])
    assert got["DEN"].to_numpy() == pytest.approx([500.0, 450.0, 1000.0, 970.0])
    assert list(by_aor.groupby("period_end")["days"].first()) == [33, 70, 28, 56]
    assert by_aor["period_start"].min() == pd.Timestamp("2024-10-01")
    assert diag["backfilled"].tolist() == [1, 1, 0, 0]


def test_omitted_editions_are_interpolated_not_dumped_into_one_interval() -> None:
    daily = {("Alpha Center", "ATL"): [100.0, 100.0, 100.0, 100.0], ("Beta Jail", "ATL"): [50.0] * 4}
    # Alpha missing from the first edition (ICE omission) and from the third one
    facilities, _ = synthetic_editions(daily, CUTS, listed={("Alpha Center", "ATL"): [1, 3]})
    by_aor, diag = panel.interval_averages(facilities)
    assert by_aor["value"].to_numpy() == pytest.approx([150.0] * 4)
    assert diag["interpolated"].tolist() == [0, 0, 1, 0]


def test_dropped_facility_adds_nothing_and_reissued_cutoff_counted_once() -> None:
    daily = {("Alpha Center", "ATL"): [100.0, 100.0, 0.0, 0.0], ("Beta Jail", "ATL"): [50.0] * 4}
    facilities, _ = synthetic_editions(daily, CUTS, listed={("Alpha Center", "ATL"): [0, 1]})
    reissue = facilities[facilities["edition_file"] == "ed1.xlsx"].assign(
        edition_file="ed1_reissue.xlsx", edition_date=pd.Timestamp("2025-01-30")
    )
    by_aor, diag = panel.interval_averages(pd.concat([facilities, reissue]))
    assert by_aor["value"].to_numpy() == pytest.approx([150.0, 150.0, 50.0, 50.0])
    assert "ed1_reissue.xlsx" in set(by_aor["edition_file"]) and len(by_aor) == 4
    assert diag["dropped"].tolist() == [0, 0, 1, 1]


def test_facilities_matched_despite_spelling_drift() -> None:
    daily = {("Alpha Center", "ATL"): [100.0] * 4}
    facilities, _ = synthetic_editions(daily, CUTS)
    facilities.loc[facilities["edition_file"] == "ed2.xlsx", "facility_name"] = "ALPHA CENTER."
    by_aor, _ = panel.interval_averages(facilities)
    assert by_aor["value"].to_numpy() == pytest.approx([100.0] * 4)


def test_interval_averages_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="adp_total"):
        panel.interval_averages(pd.DataFrame({"fiscal_year": [2025]}))


def test_fytd_days_counts_from_october_first() -> None:
    got = panel.fytd_days(pd.Series(pd.to_datetime(["2024-10-01", "2025-09-30", "2024-03-01"])))
    assert got.tolist() == [1, 365, 153]  # FY2024 contains 29 Feb 2024


def test_weekly_arrests_drops_partial_and_recent_weeks() -> None:
    dates = pd.date_range("2025-01-01", "2025-03-02", freq="D")  # Wed .. Sun
    daily = pd.DataFrame(
        {
            "date": np.tile(dates, 2),
            "aor": np.repeat(["ATL", "DEN"], len(dates)),
            "criminality": "x",
            "arrests": np.repeat([2, 3], len(dates)),
        }
    )
    weekly = panel.weekly_arrests(daily, drop_recent_weeks=2)
    assert weekly["period_start"].min() == pd.Timestamp("2025-01-06")  # first full Monday-Sunday week
    assert weekly["period_end"].max() == pd.Timestamp("2025-02-16")  # two newest complete weeks dropped
    assert set(weekly.loc[weekly["aor"] == "ATL", "value"]) == {14}
    assert (weekly["period_start"].dt.day_of_week == 0).all()


def test_finish_panel_scales_and_completes_grid() -> None:
    offices = pd.DataFrame({"aor": ["ATL", "HLG", "DEN"], "noncitizen_pop": [200_000.0, np.nan, 100_000.0]})
    values = pd.DataFrame(
        {
            "aor": ["ATL", "HLG", "ATL", "HLG", "DEN", "XXX"],
            "period_start": pd.to_datetime(
                ["2025-01-06", "2025-01-06", "2025-01-13", "2025-01-13", "2025-01-13", "2025-01-13"]
            ),
            "period_end": pd.to_datetime(
                ["2025-01-12", "2025-01-12", "2025-01-19", "2025-01-19", "2025-01-19", "2025-01-19"]
            ),
            "days": 7,
            "value": [10.0, 5.0, 0.0, 6.0, 4.0, 99.0],
        }
    )
    frame = panel.finish_panel(values, offices)
    assert len(frame) == 6 and set(frame["aor"]) == {"ATL", "HLG", "DEN"}
    cell = frame.set_index(["aor", "period"])
    assert cell.loc[("ATL", 0), "value_per_100k"] == pytest.approx(5.0)
    assert np.isnan(cell.loc[("HLG", 0), "value_per_100k"])  # no population estimate for Harlingen
    assert np.isnan(cell.loc[("ATL", 1), "log_value"])  # log of zero
    assert np.isnan(cell.loc[("DEN", 0), "value"])  # absent cell kept as missing


def test_national_check_weights_months_by_days() -> None:
    frame = pd.DataFrame(
        {
            "period": [0, 0],
            "period_start": pd.Timestamp("2025-01-17"),
            "period_end": pd.Timestamp("2025-02-14"),
            "value": [60.0, 40.0],
        }
    )
    monthly = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "adp": [90.0, 120.0]})
    out = panel.national_check(frame, monthly)
    assert out.loc[0, "national_table"] == pytest.approx((15 * 90 + 14 * 120) / 29)
    assert out.loc[0, "sum_of_offices"] == 100.0


def test_build_panel_rejects_unknown_outcome() -> None:
    with pytest.raises(ValueError, match="outcome 'beds'"):
        panel.build_panel("beds", pd.DataFrame())


@pytest.mark.skipif(not (processed_dir() / "facilities.parquet").exists(), reason="processed data not built")
def test_real_detention_panel_matches_national_table() -> None:
    from research import data

    p = panel.build_panel("detained_population", data.load_field_offices(), facilities=data.load_facilities())
    assert p.outcome == "detained_population" and p.frame["aor"].nunique() == 25
    check = panel.national_check(p.frame, data.load_adp(agency="Total"))
    assert (check["relative_gap"].abs() < 0.08).all()


# ------------------------------------------------------------------ shared office-detention implementation
def test_intervals_end_at_the_facilities_sheet_pull_date() -> None:
    daily = {("Alpha Center", "ATL"): [100.0, 200.0, 100.0, 200.0]}
    facilities, _ = synthetic_editions(daily, CUTS)
    # SYNTHETIC: the Facilities sheet is pulled on the cut-off and the Detention sheet runs 5 days later
    facilities = facilities.assign(
        iids_date=facilities["data_through"], data_through=facilities["data_through"] + pd.Timedelta(days=5)
    )
    by_aor, diag = panel.interval_averages(facilities)
    assert list(by_aor["period_end"]) == [pd.Timestamp(c) for c in CUTS]
    assert by_aor["value"].to_numpy() == pytest.approx([100.0, 200.0, 100.0, 200.0])
    assert set(diag["cut_source"]) == {"iids_date"}


def test_impossible_pull_dates_fall_back_to_data_through() -> None:
    daily = {("Alpha Center", "ATL"): [100.0] * 4}
    facilities, _ = synthetic_editions(daily, CUTS)
    late = facilities["data_through"] + pd.Timedelta(days=3)  # after data_through: impossible
    facilities = facilities.assign(
        iids_date=late.where(facilities["edition_file"] == "ed2.xlsx", facilities["data_through"])
    )
    by_aor, diag = panel.interval_averages(facilities)
    assert diag["cut_source"].tolist() == ["iids_date", "iids_date", "data_through", "iids_date"]
    assert by_aor["value"].to_numpy() == pytest.approx([100.0] * 4)


def test_balanced_set_keeps_only_facilities_listed_in_every_edition() -> None:
    daily = {
        ("Alpha Center", "ATL"): [100.0, 100.0, 100.0, 100.0],
        ("New Annex", "ATL"): [0.0, 0.0, 300.0, 320.0],  # opens in the third interval
        ("Old Jail", "DEN"): [50.0, 50.0, 50.0, 50.0],
    }
    facilities, _ = synthetic_editions(daily, CUTS, listed={("Old Jail", "DEN"): [0, 1, 3]})  # omitted once
    all_, _ = panel.interval_averages(facilities)
    bal, diag = panel.interval_averages(facilities, facility_set="balanced", start="2024-10-01")
    assert all_.pivot(index="period_end", columns="aor", values="value")["ATL"].to_numpy() == pytest.approx(
        [100.0, 100.0, 400.0, 420.0]
    )
    assert set(bal["aor"]) == {"ATL"} and bal["value"].to_numpy() == pytest.approx([100.0] * 4)
    assert set(diag["facilities"]) == {1}
    with pytest.raises(ValueError, match="needs `start`"):
        panel.interval_averages(facilities, facility_set="balanced")


def test_renamed_facility_keeps_one_key_across_fiscal_years() -> None:
    from research.models import office_detention as od

    rows = pd.DataFrame(
        {
            "cut": pd.to_datetime(["2025-09-01", "2025-09-01", "2025-11-01", "2025-11-01"]),
            "key": ["NORTHWESTPROCSESING|SEA", "OTHER|SEA", "NORTHWESTPROCESSSING|SEA", "OTHER|SEA"],
            "aor": "SEA",
            "city": ["TACOMA", "SEATTLE", "TACOMA", "SEATTLE"],
        }
    )
    assert od.link_renamed(rows).tolist() == ["NORTHWESTPROCSESING|SEA", "OTHER|SEA"] * 2


@pytest.mark.skipif(not (processed_dir() / "facilities.parquet").exists(), reason="processed data not built")
def test_real_pull_dates_bring_offices_closer_to_the_national_table() -> None:
    from research import data

    facilities, offices, adp = (
        data.load_facilities(),
        data.load_field_offices(),
        data.load_adp(agency="Total"),
    )
    by_iids = panel.national_check(panel.detained_population_panel(facilities, offices).frame, adp)
    old = facilities.drop(columns=["iids_date"])
    by_through = panel.national_check(panel.detained_population_panel(old, offices).frame, adp)
    assert by_iids["relative_gap"].abs().sum() < by_through["relative_gap"].abs().sum() - 0.03
    assert (by_iids["relative_gap"] < 0.01).all()  # no impossible positive gaps beyond rounding
    balanced = panel.national_check(
        panel.detained_population_panel(facilities, offices, facility_set="balanced").frame, adp
    )
    share = balanced["sum_of_offices"] / balanced["national_table"]
    assert share.iloc[0] > 0.95 and share.iloc[-1] < share.iloc[0]  # new facilities hold a growing share


def test_rename_carries_through_later_editions_and_ambiguous_places_stay_apart() -> None:
    from research.models import office_detention as od

    cuts = pd.to_datetime(["2025-10-15"] * 3 + ["2025-11-15"] * 3 + ["2025-12-15"] * 3)
    rows = pd.DataFrame(
        {
            "cut": cuts,
            # One rename in Tacoma (linked), and in Miami two facilities replaced by one (ambiguous: not linked).
            "key": ["OLD|SEA", "A|MIA", "B|MIA", "NEW|SEA", "C|MIA", "X|MIA", "NEW|SEA", "C|MIA", "X|MIA"],
            "aor": ["SEA", "MIA", "MIA"] * 3,
            "city": ["TACOMA", "MIAMI", "MIAMI", "TACOMA", "MIAMI", "MIAMI", "Tacoma", "MIAMI", "MIAMI"],
        }
    )
    rows.loc[5, "city"] = "HIALEAH"  # X is elsewhere: two gone in Miami against one new there
    keys = od.link_renamed(rows)
    assert keys[rows["aor"] == "SEA"].tolist() == ["OLD|SEA"] * 3
    assert keys[rows["aor"] == "MIA"].tolist() == ["A|MIA", "B|MIA", "C|MIA", "X|MIA", "C|MIA", "X|MIA"]
    assert keys.index.equals(rows.index)
