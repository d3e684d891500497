"""Scorecard figures on the committed processed tables (real data): what the pages must show."""

from __future__ import annotations

import pandas as pd
import pytest

from research import config, data
from research.figures import scorecard as charts
from research.models import scorecard, treatment_tiers
from research.params import ParameterError


@pytest.fixture(scope="module")
def summary() -> scorecard.ArrestSummary:
    return scorecard.arrest_summary(data.load_arrests_aor_windows(), data.load_arrests_monthly())


def test_chicago_shows_its_august_2025_to_july_2026_arrests(summary: scorecard.ArrestSummary) -> None:
    windows = data.load_arrests_aor_windows("w2526")
    chicago = windows.set_index("aor").loc["CHI"]
    assert (chicago["window_start"], chicago["window_end"]) == (
        pd.Timestamp("2025-08-01"),
        pd.Timestamp("2026-07-31"),
    )
    measures = charts.arrest_measures(summary, "CHI")
    assert measures.loc[0, "measure"] == "ICE arrests, 01 Aug 2025 to 31 Jul 2026"
    assert measures.loc[0, "office"] == f"{int(chicago['arrests']):,}" == "24,910"


def test_no_two_offices_share_a_percent_of_goal(summary: scorecard.ArrestSummary) -> None:
    """Each scorecard's "% of goal" headline (the range over the allocations) is its own."""
    offices = data.load_field_offices()
    alloc = scorecard.goal_allocations(summary, offices)
    national = charts.pct_label(scorecard.national_per_day(summary) / config.GOAL_ARRESTS_PER_DAY)
    headlines = alloc.groupby("aor")["pct_of_allocation"].apply(charts.goal_range_label)
    assert len(headlines) == 25 and headlines.is_unique, headlines[headlines.duplicated(keep=False)]
    assert national not in set(headlines)  # not the national ratio in disguise
    for basis, rows in alloc.groupby("basis"):
        known = rows["pct_of_allocation"].dropna()
        assert len(known) >= 24 and known.is_unique, basis
        assert rows["allocated_per_day"].sum() == pytest.approx(config.GOAL_ARRESTS_PER_DAY)


def test_office_sums_agree_with_the_national_monthly_file(summary: scorecard.ArrestSummary) -> None:
    """The 25 offices leave out only arrests with no office: at most a few percent of the national total."""
    for row in summary.windows.itertuples(index=False):
        assert 0.97 < row.offices / row.national <= 1.0, row.window
    offices_change = int(summary.table["change"].sum())
    assert offices_change == pytest.approx(summary.national_change, rel=0.005)


def test_aor_parameter_accepts_codes_and_names() -> None:
    offices = data.load_field_offices()
    for spelling, code in [("chicago", "CHI"), ("Chicago", "CHI"), ("CHI", "CHI"), ("St. Paul", "SPM")]:
        assert scorecard.check_aor(spelling, offices, to_code=data.aor_code) == code
    with pytest.raises(ParameterError, match=r"^parameter 'aor' = 'Atlantis': expected one of 'ATL', 'BAL'"):
        scorecard.check_aor("Atlantis", offices, to_code=data.aor_code)


def test_comparison_covers_every_office_once() -> None:
    offices = data.load_field_offices()
    s = scorecard.arrest_summary(data.load_arrests_aor_windows(), data.load_arrests_monthly())
    detention = scorecard.detention_by_office(
        scorecard.office_adp_by_edition(data.load_facilities()), offices
    )
    tiers = treatment_tiers.treatment_tiers(data.load_fod_events(), offices)
    compared = scorecard.compare_offices(s, detention, tiers, offices)
    assert len(compared) == 25 and compared["aor"].is_unique
    assert compared[["arrests", "per_1000", "change", "tier_label"]].notna().all().all()
    baltimore = compared.set_index("aor").loc["BAL"]
    assert baltimore["facilities"] == 0 and pd.isna(baltimore["period_adp"])
    assert baltimore["arrests"] > 0


def test_offices_that_print_alike_have_equal_shares_in_every_split(summary: scorecard.ArrestSummary) -> None:
    """Phoenix and Seattle both printed 41.8% under the 2024 split with different ranks; now no false ties."""
    alloc = scorecard.goal_allocations(summary, data.load_field_offices())
    labels = charts.allocation_labels(alloc).merge(alloc, on=["aor", "basis"])
    for basis, rows in labels.groupby("basis"):
        rows = rows.dropna(subset=["pct_of_allocation"])
        printed = rows.groupby("pct_text")["pct_of_allocation"].agg(["min", "max"])
        assert (printed["max"] - printed["min"] < 1e-5).all(), (
            basis
        )  # alike on the page only if alike to 0.001 pp
    split = labels[labels["basis"] == "arrests_2024"].set_index("aor")
    assert split.loc["PHO", "pct_text"] != split.loc["SEA", "pct_text"]
    assert not split["rank_text"].str.contains("tied").any()


def test_national_and_office_totals_differ_by_arrests_recorded_under_no_office(
    summary: scorecard.ArrestSummary,
) -> None:
    """The pages printed 38.8% nationally and 38.7% for the offices: a real gap of unassigned arrests, small."""
    totals = scorecard.office_totals(summary)
    assert totals.unassigned == totals.national - totals.offices > 0
    assert totals.unassigned_share < 0.01  # the office file's documented agreement with the national file
    assert 0 < totals.gap_points < 0.5
    growth = scorecard.growth_index(summary)
    assert growth.offices_pct == pytest.approx(totals.offices_pct)


def test_the_2024_split_is_largest_where_the_2024_base_is_smallest(summary: scorecard.ArrestSummary) -> None:
    """San Diego's high "% of goal" under the 2024 split comes from its tiny 2024 base (the pages say so)."""
    growth = scorecard.growth_index(summary)
    t = growth.table.set_index("aor")
    assert growth.smallest_bases(1)["aor"].iloc[0] == growth.largest_indices(1)["aor"].iloc[0] == "SND"
    assert t.loc["SND", "pct"] > 1 and t.loc["SND", "relative_growth"] > 3
