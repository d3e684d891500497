"""Field-office scorecard computations on small synthetic frames (values chosen to be checked by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from research.config import processed_dir
from research.models import scorecard
from research.params import ParameterError

OFFICES = pd.DataFrame(
    {
        "aor": ["AAA", "BBB", "CCC"],
        "short_name": ["Alpha", "Beta", "Gamma"],
        "name": [
            "Alpha Area of Responsibility",
            "Beta Area of Responsibility",
            "Gamma Area of Responsibility",
        ],
        "noncitizen_pop": pd.array([100_000, 50_000, None], dtype="Float64"),
    }
)


def facilities() -> pd.DataFrame:
    """Synthetic facility rows: FY2026 editions through 2025-10-10 (day 10) and 2025-10-30 (day 30)."""
    rows = [
        # edition_date, data_through, aor, facility, adp_total
        ("2025-10-15", "2025-10-10", "AAA", "A1", 100.0),
        ("2025-10-15", "2025-10-10", "AAA", "A2", 50.0),
        ("2025-10-15", "2025-10-10", "BBB", "B1", 50.0),
        ("2025-11-05", "2025-10-30", "AAA", "A1", 120.0),
        ("2025-11-05", "2025-10-30", "AAA", "A2", 60.0),
        ("2025-11-05", "2025-10-30", "BBB", "B1", 20.0),
        # a re-issued edition with the same data-through date: the later one wins
        ("2025-11-01", "2025-10-30", "AAA", "A1", 999.0),
        ("2025-10-20", None, "AAA", "A1", 999.0),  # no data-through date: dropped
    ]
    frame = pd.DataFrame(rows, columns=["edition_date", "data_through", "aor", "facility_name", "adp_total"])
    frame["edition_date"] = pd.to_datetime(frame["edition_date"])
    frame["data_through"] = pd.to_datetime(frame["data_through"])
    frame["fiscal_year"] = 2026
    frame["facility_id"] = frame["facility_name"]
    for col in ("city", "state", "facility_type"):
        frame[col] = "x"
    frame["alos_days"] = 30.0
    frame["guaranteed_minimum"] = None
    return frame


def test_wrong_aor_stops_with_the_list_of_valid_codes() -> None:
    assert scorecard.check_aor("BBB", OFFICES) == "BBB"
    with pytest.raises(ParameterError, match=r"parameter 'aor' = 'XYZ': expected one of 'AAA', 'BBB', 'CCC'"):
        scorecard.check_aor("XYZ", OFFICES)


def test_office_adp_by_edition_sums_facilities_and_keeps_the_latest_edition() -> None:
    by_edition = scorecard.office_adp_by_edition(facilities())
    aaa = by_edition[by_edition["aor"] == "AAA"]
    assert aaa["fytd_adp"].tolist() == [150.0, 180.0]
    assert aaa["share"].tolist() == pytest.approx([150 / 200, 180 / 200])


def test_period_adp_differences_population_days() -> None:
    periods = scorecard.period_adp(scorecard.office_adp_by_edition(facilities()))
    aaa = periods[periods["aor"] == "AAA"].reset_index()
    # 150/day for Oct 1-10 and 180/day FYTD through Oct 30: (180*30 - 150*10) / 20 = 195 per day Oct 11-30.
    assert aaa["period_adp"].tolist() == pytest.approx([150.0, 195.0])
    assert aaa.loc[1, "period_start"] == pd.Timestamp("2025-10-11")
    assert aaa.loc[0, "period_start"] == pd.Timestamp("2025-10-01")
    # BBB: (20*30 - 50*10) / 20 = 5 per day; a negative result would be NaN, not a number.
    assert periods[periods["aor"] == "BBB"]["period_adp"].tolist() == pytest.approx([50.0, 5.0])


def test_period_adp_delegates_to_the_shared_office_detention_implementation() -> None:
    from research.models import office_detention, panel

    frame = facilities().assign(iids_date=lambda f: f["data_through"] - pd.Timedelta(days=2))
    periods = scorecard.period_adp(scorecard.office_adp_by_edition(frame))
    shared, _ = office_detention.office_intervals(frame)
    merged = periods.merge(shared, on=["aor", "period_start", "period_end"])
    assert len(merged) == len(shared) == 4
    assert merged["period_adp"].to_numpy() == pytest.approx(merged["value"].to_numpy())
    assert (merged["period_end"] == merged["data_through_x"] - pd.Timedelta(days=2)).all()  # the pull date
    by_panel, _ = panel.interval_averages(frame)
    assert by_panel["value"].to_numpy() == pytest.approx(shared["value"].to_numpy())


def test_period_adp_names_what_it_needs() -> None:
    with pytest.raises(ValueError, match="build it with scorecard.office_adp_by_edition"):
        scorecard.period_adp(pd.DataFrame({"aor": ["AAA"], "fytd_adp": [1.0]}))


@pytest.mark.skipif(not (processed_dir() / "facilities.parquet").exists(), reason="processed data not built")
def test_scorecard_and_leadership_panel_agree_on_every_real_office_interval() -> None:
    from research import data
    from research.models import panel

    facilities = data.load_facilities()
    periods = scorecard.period_adp(scorecard.office_adp_by_edition(facilities)).dropna(subset=["period_adp"])
    by_aor, _ = panel.interval_averages(facilities)
    merged = periods.merge(by_aor, on=["aor", "period_start", "period_end"], validate="one_to_one")
    assert len(merged) == len(periods) > 300
    assert merged["period_adp"].to_numpy() == pytest.approx(merged["value"].to_numpy(), rel=1e-12)


def test_compare_by_detention_shares_rates_and_ranks() -> None:
    comparison = scorecard.compare_by_detention(scorecard.office_adp_by_edition(facilities()), OFFICES)
    table = comparison.table.set_index("aor")
    assert comparison.basis == "detention" and "detained" in comparison.measure
    assert table.loc["AAA", "share"] == pytest.approx(0.9)
    assert table.loc["AAA", "per_10k"] == pytest.approx(18.0)  # 180 / 100,000 * 10,000
    assert table.loc["BBB", "per_10k"] == pytest.approx(4.0)
    assert table.loc["CCC", "value"] == 0.0 and pd.isna(
        table.loc["CCC", "per_10k"]
    )  # no facilities, no population
    assert table.loc["AAA", "rank_share"] == 1 and table.loc["BBB", "rank_per_10k"] == 2


def test_compare_by_arrests_counts_unknown_aor_in_the_national_total() -> None:
    arrests = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-02-01", "2025-02-01", "2025-02-02", "2025-02-03", "2025-03-01"]),
            "aor": ["AAA", "UNKNOWN", "BBB", "AAA", "AAA"],
            "criminality": "x",
            "arrests": [6, 2, 2, 4, 100],
        }
    )
    comparison = scorecard.compare_by_arrests(
        arrests, OFFICES, pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-28")
    )
    table = comparison.table.set_index("aor")
    assert table.loc["AAA", "value"] == 10 and table.loc["AAA", "share"] == pytest.approx(10 / 14)
    assert table.loc["BBB", "per_10k"] == pytest.approx(0.4)
    monthly = scorecard.office_arrests_per_day(arrests, "AAA")
    assert monthly["office_per_day"].tolist() == pytest.approx([10 / 3, 100.0])


def test_goal_trend_splits_the_goal_by_share_with_a_band() -> None:
    book_ins = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-09-01", "2025-10-01"]),
            "book_ins": [30_000, 3_000],
            "days_covered": [30, 3],
            "partial_month": [False, True],
        }
    )
    national = scorecard.national_per_day(book_ins)
    assert national["per_day"].tolist() == [1000.0, 1000.0]
    trend = scorecard.goal_trend(national, share=0.1, low=0.05, high=0.2, goal=3000)
    assert trend["office_per_day"].tolist() == [100.0, 100.0]
    assert trend["office_low"].iloc[0] == 50.0 and trend["office_high"].iloc[0] == 200.0
    assert trend["office_goal"].iloc[0] == 300.0


def test_share_range_over_recent_editions() -> None:
    by_edition = scorecard.office_adp_by_edition(facilities())
    assert scorecard.share_range(by_edition, "AAA") == pytest.approx((0.9, 0.75, 0.9))
    assert scorecard.share_range(by_edition, "ZZZ") == (0.0, 0.0, 0.0)


def leadership() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_date": pd.to_datetime(
                ["2025-01-01", "2025-06-01", "2025-07-01", "2025-08-01", "2025-09-01"]
            ),
            "aor_code": ["AAA", "AAA", "MULTI", "AAA", "BBB"],
            "event": [
                "fod_named",
                "fod_removed_reassigned",
                "nationwide_fod_reassignment",
                "enforcement_operation_start",
                "fod_named",
            ],
            "outgoing": [None, "Person One", "12 directors", None, None],
            "incoming": [
                "Person One",
                "Border Patrol official (reported; name not found)",
                "mixed",
                None,
                "Person Two",
            ],
            "source_url": [
                "https://example.org/1",
                "https://example.org/2",
                "https://example.org/3",
                "https://example.org/4",
                "u",
            ],
            "note": ["", "a | b", "", "", ""],
        }
    )


def test_leadership_timeline_and_current_leader() -> None:
    timeline = scorecard.leadership_timeline(leadership(), "AAA")
    assert timeline["change"].tolist() == [
        "fod named",
        "fod removed reassigned",
        "nationwide fod reassignment",
        "enforcement operation start",
    ]
    assert timeline["scope"].tolist()[2] == scorecard.SEVERAL_OFFICES
    leader = scorecard.current_leader(leadership(), "AAA")
    assert leader is not None and leader["date"] == pd.Timestamp("2025-06-01") and not leader["named"]
    assert scorecard.current_leader(leadership(), "BBB")["named"]  # type: ignore[index]
    assert scorecard.current_leader(leadership(), "CCC") is None
    table = scorecard.timeline_markdown(timeline)
    assert table.count("\n") == 5 and "[link](https://example.org/2)" in table
    assert "No leadership events" in scorecard.timeline_markdown(timeline.iloc[0:0])


def test_facility_table_uses_the_newest_edition() -> None:
    table = scorecard.facility_table(facilities(), "AAA")
    assert table["facility_name"].tolist() == ["A1", "A2"] and table["adp_total"].tolist() == [120.0, 60.0]
    history = scorecard.top_facility_history(facilities(), "AAA", top=1)
    assert set(history["facility_name"]) == {"A1"}
