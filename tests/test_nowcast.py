"""Tests for research.models.nowcast: book-ins for the months the workbooks do not reach, from arrests.

Synthetic frames shaped like `load_book_ins()` and `load_arrests_monthly()` are generated here: arrests jump
around, ICE-arrested book-ins are arrests times a slowly moving ratio, the newest workbook stops four days into
April 2026, and the arrest release flags July 2026 as under-reported and August 2026 as partial.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from research.models import nowcast as nc
from research.models import trends
from research.params import ParameterError

MONTHS = pd.date_range("2024-01-01", "2026-08-01", freq="MS")
BOOK_END = pd.Timestamp("2026-04-04")


def synthetic_frames(
    rng: np.random.Generator, *, ratio_walk: float = 0.01, ratio_noise: float = 0.01, cbp_share: float = 0.1
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(book-ins frame, arrests frame, true ICE book-ins per day by month) with a random-walk log ratio."""
    days = MONTHS.days_in_month.to_numpy()
    arrests_pd = 300 * np.exp(np.cumsum(rng.normal(0.04, 0.15, len(MONTHS))))
    log_ratio = (
        np.log(0.9)
        + np.cumsum(rng.normal(0, ratio_walk, len(MONTHS)))
        + rng.normal(0, ratio_noise, len(MONTHS))
    )
    ice_pd = arrests_pd * np.exp(log_ratio)
    cbp_pd = ice_pd * cbp_share / (1 - cbp_share) * np.exp(rng.normal(0, 0.05, len(MONTHS)))
    arrest_days = days.copy()
    arrest_days[-1] = 6
    arrests = pd.DataFrame(
        {
            "month": MONTHS,
            "arrests": np.rint(arrests_pd * arrest_days).astype(int),
            "days_in_month": days,
            "days_covered": arrest_days,
            "partial_month": np.arange(len(MONTHS)) == len(MONTHS) - 1,
            "reporting_lag": np.asarray(MONTHS.month >= 7) & np.asarray(MONTHS.year == 2026),
            "release_through": pd.Timestamp("2026-08-06"),
        }
    )
    book_months = MONTHS[MONTHS <= BOOK_END]
    rows = []
    for i, month in enumerate(book_months):
        covered = 4 if month == pd.Timestamp("2026-04-01") else int(days[i])
        for agency, per_day in (("ICE", ice_pd[i]), ("CBP", cbp_pd[i])):
            rows.append(
                {
                    "month": month,
                    "agency": agency,
                    "book_ins": int(round(per_day * covered)),
                    "partial_month": covered < days[i],
                    "days_in_month": int(days[i]),
                    "days_covered": covered,
                    "data_through": BOOK_END,
                }
            )
    book_ins = pd.DataFrame(rows)
    total = book_ins.groupby("month", as_index=False).agg(
        book_ins=("book_ins", "sum"),
        partial_month=("partial_month", "max"),
        days_in_month=("days_in_month", "max"),
        days_covered=("days_covered", "max"),
        data_through=("data_through", "max"),
    )
    book_ins = pd.concat([book_ins, total.assign(agency="Total")], ignore_index=True)
    return book_ins, arrests, pd.Series(ice_pd, index=MONTHS)


def test_nowcast_months_columns_and_units() -> None:
    book_ins, arrests, truth = synthetic_frames(np.random.default_rng(0))
    out = nc.nowcast("ICE", book_ins=book_ins, arrests=arrests)
    assert list(out.columns) == ["month", "median", "lo80", "hi80", "lo95", "hi95"]
    # From April 2026 (the workbook stops on the 4th) through June 2026 (July is under-reported).
    assert out["month"].tolist() == list(pd.date_range("2026-04-01", "2026-06-01", freq="MS"))
    assert (out["lo95"] < out["lo80"]).all() and (out["lo80"] < out["median"]).all()
    assert (out["median"] < out["hi80"]).all() and (out["hi80"] < out["hi95"]).all()
    # Book-ins per day, close to the truth when the ratio moves slowly.
    assert out["median"].to_numpy() == pytest.approx(truth.loc[out["month"]].to_numpy(), rel=0.08)
    assert out.attrs["unit"] == "book-ins per day" and out.attrs["fit_last"] == pd.Timestamp("2026-03-01")


def test_nowcast_multiplies_arrests_by_the_ratio() -> None:
    book_ins, arrests, _ = synthetic_frames(np.random.default_rng(1), ratio_walk=0.0, ratio_noise=0.0)
    out = nc.nowcast("ICE", book_ins=book_ins, arrests=arrests, model="last ratio").set_index("month")
    a = arrests.set_index("month")
    expected = 0.9 * a["arrests"] / a["days_covered"]
    # Rounding of the synthetic counts is the only noise: the ratio is carried exactly.
    assert out["median"].to_numpy() == pytest.approx(expected.loc[out.index].to_numpy(), rel=2e-3)


def test_cbp_and_total_use_the_cbp_share() -> None:
    book_ins, arrests, _ = synthetic_frames(np.random.default_rng(2), cbp_share=0.2)
    ice = nc.nowcast("ICE", book_ins=book_ins, arrests=arrests, seed=1)
    cbp = nc.nowcast("CBP", book_ins=book_ins, arrests=arrests, seed=1)
    total = nc.nowcast("Total", book_ins=book_ins, arrests=arrests, seed=1)
    assert (total["median"] > ice["median"]).all()
    assert total["median"].to_numpy() == pytest.approx((ice["median"] + cbp["median"]).to_numpy(), rel=0.03)
    assert (cbp["median"] / total["median"]).to_numpy() == pytest.approx(0.2, abs=0.04)
    pd.testing.assert_frame_equal(total, nc.nowcast("Total", book_ins=book_ins, arrests=arrests, seed=1))


def test_backtest_scores_every_model_on_the_same_held_out_months() -> None:
    book_ins, arrests, _ = synthetic_frames(np.random.default_rng(3))
    bt = nc.backtest_nowcast("ICE", book_ins=book_ins, arrests=arrests, holdouts=(1, 2, 3))
    s = bt.summary.set_index("model")
    assert set(s.index) == {*nc.MODELS, nc.BENCHMARK}
    assert (s["n"] == 6).all()  # 1 + 2 + 3 held-out months
    # Arrests swing by ~15% a month and the ratio barely moves: the arrest-based nowcast must beat carry-forward.
    assert s.loc["local level", "mae_vs_carry_forward"] < 0.5
    assert s.loc[nc.BENCHMARK, "mae_vs_carry_forward"] == 1.0
    f = bt.forecasts
    assert set(f["holdout"]) == {1, 2, 3}
    k3 = f.loc[(f["holdout"] == 3) & (f["model"] == "local level")]
    assert k3["horizon"].tolist() == [1, 2, 3] and k3["month"].max() == pd.Timestamp("2026-03-01")
    assert s[["coverage80", "coverage95"]].stack().between(0, 1).all()
    with pytest.raises(ValueError, match="fewer than 8 training months"):
        nc.backtest_nowcast("ICE", book_ins=book_ins, arrests=arrests, holdouts=(25,))


def test_nowcast_intervals_cover_at_about_their_level_on_a_local_level_ratio() -> None:
    """Synthetic ratio = random walk + noise (the local-level model's own form): the 95% intervals of the
    first nowcast month cover the truth in most of 80 draws, and the 80% ones less often."""
    inside = {80: 0, 95: 0}
    draws = 80
    for seed in range(draws):
        book_ins, arrests, truth = synthetic_frames(np.random.default_rng(100 + seed), ratio_walk=0.02)
        out = nc.nowcast("ICE", book_ins=book_ins, arrests=arrests).iloc[1]  # May 2026: two steps ahead
        value = truth.loc[out["month"]]
        for level in inside:
            inside[level] += int(out[f"lo{level}"] <= value <= out[f"hi{level}"])
    assert 0.85 <= inside[95] / draws <= 1.0, inside
    assert 0.65 <= inside[80] / draws <= 0.95, inside


def test_bad_input_is_named() -> None:
    book_ins, arrests, _ = synthetic_frames(np.random.default_rng(4))
    with pytest.raises(ParameterError, match="agency"):
        nc.nowcast("DEA", book_ins=book_ins, arrests=arrests)
    with pytest.raises(ParameterError, match="model"):
        nc.nowcast("ICE", book_ins=book_ins, arrests=arrests, model="crystal ball")
    with pytest.raises(ValueError, match="needs both ICE and CBP"):
        nc.nowcast("ICE", book_ins=book_ins.loc[book_ins["agency"] == "ICE"], arrests=arrests)
    with pytest.raises(ValueError, match="arrests frame lacks"):
        nc.nowcast("ICE", book_ins=book_ins, arrests=arrests.drop(columns="reporting_lag"))


def test_no_month_to_nowcast_gives_an_empty_frame_with_the_columns() -> None:
    book_ins, arrests, _ = synthetic_frames(np.random.default_rng(5))
    early = arrests.loc[arrests["month"] <= "2026-03-01"].copy()
    out = nc.nowcast("ICE", book_ins=book_ins, arrests=early)
    assert out.empty and list(out.columns) == ["month", "median", "lo80", "hi80", "lo95", "hi95"]


def test_bridge_spread() -> None:
    book_ins, arrests, _ = synthetic_frames(np.random.default_rng(6))
    frame = nc.bridge(book_ins, arrests)
    assert frame["month"].max() == pd.Timestamp("2026-03-01")  # April is partial in the workbook
    spread = nc.bridge_spread(frame, recent=6)
    assert spread["min"] <= spread["recent_min"] <= spread["recent_max"] <= spread["max"]
    assert spread["mean"] == pytest.approx(1 / 0.9, rel=0.1)  # arrests per book-in


# ------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame]:
    from research import data

    try:
        return data.load_book_ins(), data.load_arrests_monthly()
    except data.DataNotAvailable as exc:
        pytest.skip(f"processed tables not built: {exc}")


def test_real_nowcast_covers_april_to_june_2026(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    book_ins, arrests = real
    for agency in nc.AGENCIES:
        out = trends.nowcast(agency, book_ins=book_ins, arrests=arrests)
        assert out["month"].tolist() == list(pd.date_range("2026-04-01", "2026-06-01", freq="MS"))
        assert list(out.columns) == nc.COLUMNS
    bt = trends.backtest_nowcast("ICE", book_ins=book_ins, arrests=arrests)
    s = bt.summary.set_index("model")
    assert s.loc["local level", "mae"] < s.loc[nc.BENCHMARK, "mae"]


def test_the_interactive_command_prints_the_nowcast(real: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """The issue's must-show: `python -c "from research.models import trends; print(trends.nowcast('Total'))"`."""
    code = "from research.models import trends; print(trends.nowcast('Total'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    header = out.splitlines()[0].split()
    assert header == ["month", "median", "lo80", "hi80", "lo95", "hi95"]
    assert "2026-04-01" in out and "2026-05-01" in out and "2026-06-01" in out and "2026-07-01" not in out


def test_partial_month_check_places_the_observed_days_against_the_intervals() -> None:
    # synthetic nowcast table and observed rates, generated here: April 2026 seen for 4 days (Wed 1 to Sat 4)
    table = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-04-01", "2026-05-01", "2026-06-01"]),
            "median": [1000.0, 1000.0, 1000.0],
            "lo80": [970.0, 960.0, 950.0],
            "hi80": [1030.0, 1040.0, 1050.0],
            "lo95": [950.0, 940.0, 930.0],
            "hi95": [1050.0, 1060.0, 1070.0],
        }
    )
    observed = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-03-01", "2026-04-01"]),
            "days": [31, 4],
            "per_day": [955.0, 930.0],
            "partial_month": [False, True],
        }
    )
    check = nc.partial_month_check(table, observed)
    assert len(check) == 1  # complete months and months without an observed part are not checked
    row = check.iloc[0]
    assert row["position95"] == "below" and row["position80"] == "below"
    assert row["gap_pct"] == pytest.approx(-7.0)
    assert (row["first_day"], row["last_day"]) == (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-04"))
    assert (row["weekend_days"], row["month_weekend_days"], row["month_days"]) == (1, 8, 30)
    inside = nc.partial_month_check(table, observed.assign(per_day=[955.0, 960.0]))
    assert inside.iloc[0]["position95"] == "inside" and inside.iloc[0]["position80"] == "below"
    above = nc.partial_month_check(table, observed.assign(per_day=[955.0, 1051.0]))
    assert above.iloc[0]["position95"] == "above"
    with pytest.raises(ValueError, match="observed rates"):
        nc.partial_month_check(table, observed.drop(columns="days"))
