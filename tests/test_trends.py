"""Tests for research.models.trends: synthetic series with a known truth, plus checks against the real processed tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from research import config
from research.models import trends
from research.params import ParameterError

NOTEBOOK = config.NOTEBOOKS_DIR / "10_arrest_trends.ipynb"


# ------------------------------------------------------------------------------------ synthetic helpers
def synthetic_book_ins(months: pd.DatetimeIndex, counts: np.ndarray, agency: str = "ICE") -> pd.DataFrame:
    """A synthetic frame shaped like load_book_ins() (complete months, data through each month end)."""
    return pd.DataFrame(
        {
            "month": months,
            "agency": agency,
            "book_ins": counts.astype("int64"),
            "partial_month": False,
            "data_through": months + pd.offsets.MonthEnd(0),
        }
    )


def synthetic_segmented_counts(
    rng: np.random.Generator, months: pd.DatetimeIndex, brk: pd.Timestamp, level: float, slope: float
) -> pd.DataFrame:
    """Synthetic monthly counts: log rate = log 300 + 0.01 t + level/slope change at `brk`, lognormal noise."""
    days = np.asarray(months.days_in_month, dtype=float)
    X = trends.segmented_design(pd.Series(months), days, [brk], months[0])
    eta = np.log(300) + 0.01 * X["trend"] + level * X.iloc[:, 2] + slope * X.iloc[:, 3]
    counts = rng.poisson(np.exp(eta + rng.normal(0, 0.05, len(months))) * days)
    return pd.DataFrame({"month": months, "count": counts, "days": days, "partial_month": False})


# ------------------------------------------------------------------------------------------ day counts
def test_rate_days_february_leap_years_and_partial_months() -> None:
    assert trends.rate_days("2023-02-01") == 28
    assert trends.rate_days("2024-02-01") == 29  # leap year
    assert trends.rate_days("2100-02-01") == 28  # century, not a leap year
    assert trends.rate_days("2025-09-01", "2025-09-20") == 20  # FY2025 data stop on Sep 20
    assert trends.rate_days("2026-04-01", "2026-04-04") == 4
    assert trends.rate_days("2024-02-01", "2024-03-10") == 29  # data run past the month: whole month
    with pytest.raises(ValueError, match="before month"):
        trends.rate_days("2025-09-01", "2025-08-31")


def test_monthly_rates_divide_by_the_right_days() -> None:
    months = pd.date_range("2024-01-01", periods=3, freq="MS")  # Jan, Feb (leap), Mar 2024
    frame = synthetic_book_ins(months, np.array([3100, 2900, 1000]))
    frame.loc[2, ["partial_month", "data_through"]] = [True, pd.Timestamp("2024-03-10")]
    rates = trends.monthly_rates(frame, "ICE")
    assert rates["days"].tolist() == [31, 29, 10]
    assert rates["per_day"].tolist() == [100.0, 100.0, 100.0]
    assert rates["partial_month"].tolist() == [False, False, True]
    assert rates["fiscal_year"].tolist() == [2024, 2024, 2024]


def test_monthly_rates_bad_input() -> None:
    months = pd.date_range("2024-01-01", periods=2, freq="MS")
    frame = synthetic_book_ins(months, np.array([1, 2]))
    with pytest.raises(ParameterError, match="agency"):
        trends.monthly_rates(frame, "XYZ")
    with pytest.raises(ValueError, match="book_ins"):
        trends.monthly_rates(frame.drop(columns="book_ins"), "ICE")
    with pytest.raises(ValueError, match="no rows for agency 'CBP'"):
        trends.monthly_rates(frame, "CBP")
    with pytest.raises(ValueError, match="duplicate months"):
        trends.monthly_rates(pd.concat([frame, frame]), "ICE")


# ------------------------------------------------------------------------------------ segmented model
def test_design_splits_a_month_at_the_break_date() -> None:
    months = pd.Series(pd.date_range("2024-12-01", periods=3, freq="MS"))
    X = trends.segmented_design(months, [31, 31, 28], [pd.Timestamp("2025-01-20")], months[0])
    assert X["level_2025-01-20"].tolist() == pytest.approx([0.0, 12 / 31, 1.0])
    # Mean months elapsed since the break over February: (12 + 14) days on average.
    assert X["slope_2025-01-20"].iloc[2] == pytest.approx((12 + 14) / trends.DAYS_PER_MONTH)


@pytest.mark.parametrize("method", ["negbin", "poisson_hac"])
def test_segmented_model_recovers_level_and_slope_change(method: str) -> None:
    months = pd.date_range("2018-01-01", periods=96, freq="MS")
    brk, level, slope = pd.Timestamp("2022-01-15"), 0.4, -0.02
    hits = np.zeros(2)
    for seed in range(200):
        frame = synthetic_segmented_counts(np.random.default_rng(seed), months, brk, level, slope)
        table = trends.fit_segmented(frame, [brk], method=method).table.set_index("term")
        for i, (term, truth) in enumerate([("level_change", level), ("slope_change", slope)]):
            hits[i] += table.loc[term, "ci_low"] <= truth <= table.loc[term, "ci_high"]
    assert (hits / 200 >= 0.90).all(), hits / 200


def test_segmented_fit_leaves_partial_months_out_and_reports_effects() -> None:
    months = pd.date_range("2020-01-01", periods=48, freq="MS")
    frame = synthetic_segmented_counts(np.random.default_rng(1), months, pd.Timestamp("2022-01-01"), 0.5, 0.0)
    frame.loc[47, ["count", "partial_month"]] = [1, True]  # an absurd partial value must not move the fit
    fit = trends.fit_segmented(frame, ["2022-01-01"], method="ols_hac")
    assert (fit.n_obs, fit.excluded) == (47, 1)
    assert fit.table["term"].tolist() == ["baseline_slope", "level_change", "slope_change"]
    level = fit.table.set_index("term").loc["level_change"]
    assert level["pct_ci_low"] < 100 * np.expm1(0.5) < level["pct_ci_high"]
    assert len(fit.fitted) == 48
    with pytest.raises(ValueError, match="outside the fitted data"):
        trends.fit_segmented(frame, ["2030-01-01"])
    with pytest.raises(ParameterError, match="method"):
        trends.fit_segmented(frame, ["2022-01-01"], method="lasso")


# --------------------------------------------------------------------------------------------- STL
def test_stl_needs_two_full_years_and_finds_the_seasonal_swing() -> None:
    months = pd.date_range("2019-01-01", periods=60, freq="MS")
    swing = 0.2 * np.sin(2 * np.pi * np.arange(60) / 12)
    series = pd.Series(500 * np.exp(swing), index=months).asfreq("MS")
    short = trends.stl_decompose(series.iloc[:23])
    assert short.components is None and "needs at least 24" in short.reason
    series.iloc[30] = np.nan  # a partial month inside the series
    out = trends.stl_decompose(series)
    assert out.components is not None and "1 partial month(s) interpolated" in out.reason
    seasonal = np.log1p(out.components["seasonal_pct"].to_numpy() / 100)
    assert np.corrcoef(seasonal, swing)[0, 1] > 0.95


# ------------------------------------------------------------------------------------------ forecasts
def synthetic_arima_rate(
    rng: np.random.Generator, n: int, phi: float = 0.5, sigma: float = 0.05
) -> np.ndarray:
    """Synthetic log rate following ARIMA(1,1,0) around log 1000, returned on the rate scale."""
    shocks = rng.normal(0, sigma, n)
    diffs = np.zeros(n)
    for i in range(1, n):
        diffs[i] = phi * diffs[i - 1] + shocks[i]
    return np.exp(np.log(1000) + np.cumsum(diffs))


def test_forecast_intervals_cover_simulated_arima_at_nominal_rate() -> None:
    n, h, seeds = 72, 6, 100
    months = pd.date_range("2018-01-01", periods=n + h, freq="MS")
    inside = {80: 0, 95: 0}
    for seed in range(seeds):
        path = synthetic_arima_rate(np.random.default_rng(seed), n + h)
        series = pd.Series(path[:n], index=months[:n]).asfreq("MS")
        fc = trends.forecast(series, "ARIMA(1,1,0)", h)
        assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["median"]).all()
        for level in inside:
            inside[level] += int(((fc[f"lo{level}"] <= path[n:]) & (path[n:] <= fc[f"hi{level}"])).sum())
    coverage = {level: count / (seeds * h) for level, count in inside.items()}
    assert abs(coverage[80] - 0.80) < 0.07, coverage
    assert abs(coverage[95] - 0.95) < 0.04, coverage


def test_backtest_prefers_a_seasonal_model_on_a_seasonal_series() -> None:
    months = pd.date_range("2018-01-01", periods=60, freq="MS")
    rng = np.random.default_rng(3)
    rate = 800 * np.exp(0.3 * np.sin(2 * np.pi * np.arange(60) / 12) + rng.normal(0, 0.02, 60))
    series = pd.Series(rate, index=months).asfreq("MS")
    table = trends.backtest(
        series, horizon=3, n_origins=6, models=["naive", "seasonal naive", "ARIMA(1,1,0)"]
    )
    assert set(table.columns) == {
        "model",
        "n_forecasts",
        "mae",
        "rmse",
        "mase_naive",
        "mase_snaive",
        "mae_vs_naive",
        "mae_vs_snaive",
    }
    by_model = table.set_index("model")
    assert by_model.loc["seasonal naive", "mae"] < by_model.loc["naive", "mae"]
    assert table["model"].iloc[0] == "seasonal naive"
    assert by_model.loc["seasonal naive", "mase_snaive"] == pytest.approx(1, abs=0.5)
    # Too short for the seasonal candidates: they are skipped, not failed.
    short = trends.backtest(series.iloc[:20], horizon=3, n_origins=6)
    assert "SARIMA(0,1,1)(0,1,1)12" not in set(short["model"])


def test_backtest_skips_origins_right_after_a_gap() -> None:
    months = pd.date_range("2019-01-01", periods=30, freq="MS")
    series = pd.Series(synthetic_arima_rate(np.random.default_rng(0), 30), index=months).asfreq("MS")
    series.iloc[25] = np.nan
    table = trends.backtest(series, horizon=1, n_origins=6, models=["naive"])
    # Origins 24..29 minus the one whose last training month is the gap, minus the gap as a target.
    assert table["n_forecasts"].iloc[0] == 4


def test_goal_probability_is_seeded_and_sensible() -> None:
    months = pd.date_range("2019-01-01", periods=40, freq="MS")
    series = pd.Series(synthetic_arima_rate(np.random.default_rng(0), 40), index=months).asfreq("MS")
    a = trends.simulate_paths(series, "ARIMA(1,1,0)", 12, 500, seed=7)
    b = trends.simulate_paths(series, "ARIMA(1,1,0)", 12, 500, seed=7)
    assert a.shape == (12, 500) and np.array_equal(a, b)
    level = float(series.iloc[-1])
    assert trends.goal_probability(a, 100 * level, 12) == 0.0
    assert trends.goal_probability(a, level / 100, 1) == 1.0
    assert trends.goal_probability(a, level, 3) <= trends.goal_probability(a, level, 12)
    with pytest.raises(ValueError, match="months_until"):
        trends.goal_probability(a, level, 13)


def test_diebold_mariano_matches_a_hac_t_test_from_statsmodels() -> None:
    """Without the small-sample factor, DM is the t statistic of the mean loss differential with a Bartlett
    (Newey-West) variance of H - 1 lags: statsmodels' OLS on a constant with HAC errors gives the same number."""
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    origins = pd.date_range("2024-01-01", periods=14, freq="MS")
    rows = []
    for o in origins:
        for h in (1, 2, 3):
            base = abs(rng.normal(0, 100))
            rows.append({"model": "a", "origin": o, "horizon": h, "abs_error": base})
            rows.append({"model": "b", "origin": o, "horizon": h, "abs_error": base + rng.normal(40, 20)})
    errors = pd.DataFrame(rows)
    table = trends.diebold_mariano(errors, reference="a")
    wide = errors.pivot_table(index=["origin", "horizon"], columns="model", values="abs_error")
    d = (wide["b"] - wide["a"]).groupby(level="origin").mean().to_numpy()
    ref = sm.OLS(d, np.ones_like(d)).fit(cov_type="HAC", cov_kwds={"maxlags": 2, "use_correction": False})
    T, H = len(d), 3
    hln = np.sqrt((T + 1 - 2 * H + H * (H - 1) / T) / T)
    row = table.iloc[0]
    assert (row["model"], row["reference"], row["origins"]) == ("b", "a", T)
    assert row["dm_stat"] == pytest.approx(float(ref.tvalues[0]) * hln, rel=1e-9)
    assert row["mean_loss_diff"] == pytest.approx(d.mean())
    assert 0 < row["p_value"] < 0.05  # b is worse by construction
    assert trends.diebold_mariano(errors)["reference"].iloc[0] == "a"  # default: the lowest MAE


def test_goal_probabilities_for_every_model_and_their_skill_weighted_combination() -> None:
    months = pd.date_range("2019-01-01", periods=48, freq="MS")
    series = pd.Series(synthetic_arima_rate(np.random.default_rng(1), 48), index=months).asfreq("MS")
    errors = trends.backtest_errors(series, horizon=3, n_origins=6)
    skill = trends.backtest(series, errors=errors)
    level = float(series.iloc[-1])
    table = trends.goal_probabilities(
        series, goal=1.1 * level, through="2023-06-01", skill=skill, n_paths=500
    )
    # Every candidate that can be fitted to 48 months: all five.
    assert set(table["model"]) == set(trends.CANDIDATES)
    assert (table["months"] == 6).all()
    assert table["weight"].sum() == pytest.approx(1.0)
    backtested = table.loc[table["backtested"]]
    # Weights fall with backtest RMSE.
    order = backtested.sort_values("rmse")["weight"].to_numpy()
    assert (np.diff(order) <= 1e-12).all()
    combined = trends.combined_probability(table)
    assert table["probability"].min() <= combined <= table["probability"].max()
    again = trends.goal_probabilities(
        series, goal=1.1 * level, through="2023-06-01", skill=skill, n_paths=500
    )
    pd.testing.assert_frame_equal(table, again)
    with pytest.raises(ValueError, match="not after the series"):
        trends.goal_probabilities(series, goal=level, through="2022-01-01", skill=skill)


def test_shock_shares_locate_the_big_changes() -> None:
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    log_rate = np.zeros(24)
    log_rate[13:] = 0.3  # one jump, from Jan to Feb 2025
    log_rate[1:] += 0.01 * (np.arange(1, 24) % 2)  # small wiggles everywhere
    series = pd.Series(np.exp(log_rate), index=months).asfreq("MS")
    series.iloc[5] = np.nan  # a gap: changes across it are left out
    shares = trends.shock_shares(series)
    assert shares.sum() == pytest.approx(1.0)
    assert shares.loc[2025] > 0.95 > shares.loc[2024]


def test_arrest_rates_treat_reporting_lag_as_incomplete() -> None:
    months = pd.date_range("2026-05-01", periods=4, freq="MS")
    arrests = pd.DataFrame(
        {
            "month": months,
            "arrests": [31000, 42000, 49000, 7000],
            "days_covered": [31, 30, 31, 6],
            "partial_month": [False, False, False, True],
            "reporting_lag": [False, False, True, True],
        }
    )
    rates = trends.arrest_monthly_rates(arrests)
    assert rates["partial_month"].tolist() == [False, False, True, True]
    assert rates["per_day"].tolist() == [1000.0, 1400.0, 49000 / 31, 7000 / 6]
    assert trends.monthly_series(rates).index[-1] == pd.Timestamp(
        "2026-06-01"
    )  # July and August not modelled
    assert trends.best_month(rates)["month"] == pd.Timestamp("2026-06-01")


def test_goal_gap_and_best_month() -> None:
    rates = pd.DataFrame(
        {
            "month": pd.date_range("2025-01-01", periods=3, freq="MS"),
            "count": [31000, 112000, 40000],
            "days": [31, 28, 10],
            "partial_month": [False, False, True],
        }
    )
    rates["per_day"] = rates["count"] / rates["days"]
    gap = trends.goal_gap(rates, 3000)
    assert gap["missing_per_day"].tolist() == [2000.0, 0.0, 0.0]
    assert gap["pct_of_goal"].iloc[0] == pytest.approx(100 / 3)
    assert trends.best_month(rates)["month"] == pd.Timestamp(
        "2025-02-01"
    )  # partial Mar (4,000/day) not eligible


# ------------------------------------------------------------------------------------------ daily path
def synthetic_daily(rng: np.random.Generator, days: int = 210) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic daily arrests over two AORs with a weekend dip, and the true day-of-week log effects."""
    dates = pd.date_range("2025-01-06", periods=days, freq="D")  # starts on a Monday
    dow_effect = np.array([0, 0.05, 0.05, 0.0, -0.05, -0.6, -0.8])
    mean = 500 * np.exp(dow_effect[dates.day_of_week])
    counts = rng.poisson(mean)
    half = counts // 2
    frame = pd.DataFrame(
        {
            "date": np.concatenate([dates, dates]),
            "aor": ["ATL"] * days + ["CHI"] * days,
            "criminality": "All",
            "arrests": np.concatenate([half, counts - half]),
        }
    )
    return frame, dow_effect


def test_daily_national_drops_duplicates_and_sums() -> None:
    frame, _ = synthetic_daily(np.random.default_rng(0), 14)
    doubled = pd.concat([frame, frame.iloc[:3]])
    daily = trends.daily_national(doubled)
    assert daily.attrs["duplicates_dropped"] == 3
    assert len(daily) == 14
    assert daily["arrests"].sum() == frame["arrests"].sum()


def test_trim_incomplete_tail_rule() -> None:
    frame, _ = synthetic_daily(np.random.default_rng(0), 12 * 7 + 3)  # 12 full weeks + Mon-Wed
    daily = trends.daily_national(frame)
    last_two_weeks = daily["date"] > daily["date"].max() - pd.Timedelta(days=17)
    daily.loc[last_two_weeks, "arrests"] = (daily.loc[last_two_weeks, "arrests"] * 0.3).round()
    trimmed = trends.trim_incomplete_tail(daily)
    # The Mon-Wed stub goes (incomplete week), then the two low weeks.
    assert trimmed["date"].max() == pd.Timestamp("2025-01-05") + pd.Timedelta(weeks=10)
    assert trimmed.attrs["trimmed_after"].day_of_week == 6
    untouched = trends.trim_incomplete_tail(trends.daily_national(frame))
    assert len(untouched) == 12 * 7


def test_daily_segmented_recovers_day_of_week_effects() -> None:
    frame, truth = synthetic_daily(np.random.default_rng(2))
    daily = trends.daily_national(frame)
    fit = trends.fit_daily_segmented(daily, [pd.Timestamp("2025-04-01")])
    effects = trends.day_of_week_effects(fit)
    assert effects["day"].tolist() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert effects["pct_vs_monday"].to_numpy() == pytest.approx(100 * np.expm1(truth), abs=3)
    monthly = trends.monthly_from_daily(daily)
    assert monthly["partial_month"].tolist()[0] is True  # starts Jan 6
    assert not monthly["partial_month"].iloc[1]


# ------------------------------------------------------------------------------------------ parameters
GOOD = {
    "start": "2020-10-01",
    "end": "2026-12-31",
    "agency": "ICE",
    "source": "auto",
    "goal_per_day": 3000,
    "breaks": ["2025-01-20", "2025-05-21"],
    "forecast_months": 12,
    "seed": 1,
}
DATA_RANGE = (pd.Timestamp("2020-10-01"), pd.Timestamp("2026-04-04"))


def test_valid_parameters_are_parsed() -> None:
    p = trends.validate_trend_params(**GOOD, data_range=DATA_RANGE)
    assert p.breaks == (pd.Timestamp("2025-01-20"), pd.Timestamp("2025-05-21"))
    assert (p.agency, p.forecast_months, p.goal_per_day) == ("ICE", 12, 3000.0)
    assert (p.sensitivity_break, p.hac_lags, p.nowcast_model) == (
        pd.Timestamp("2021-02-18"),
        (3, 6),
        "local level",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"agency": "XYZ"}, "parameter 'agency' = 'XYZ': expected one of 'ICE', 'CBP', 'Total'"),
        (
            {"start": "2026-01-01", "end": "2025-01-01"},
            "parameter 'start' = '2026-01-01': expected a date on or",
        ),
        (
            {"breaks": ["2027-01-01"]},
            "parameter 'breaks' = '2027-01-01': expected dates after 2020-10-01 and on or",
        ),
        ({"breaks": ["2025-13-45"]}, "parameter 'breaks' = '2025-13-45': expected an ISO date"),
        ({"start": "last spring"}, "parameter 'start' = 'last spring': expected an ISO date"),
        ({"forecast_months": 24}, "parameter 'forecast_months' = 24: expected an integer between 6 and 12"),
        ({"source": "ddp"}, "parameter 'source' = 'ddp': expected 'auto' or 'book_ins'"),
        ({"source": "web"}, "parameter 'source' = 'web': expected one of 'auto', 'book_ins', 'ddp'"),
        ({"breaks": "2025-01-20"}, "parameter 'breaks' = '2025-01-20': expected a list"),
        (
            {"sensitivity_break": "2025-01-20"},
            "parameter 'sensitivity_break' = '2025-01-20': expected a date after",
        ),
        ({"hac_lags": [0]}, "parameter 'hac_lags' = 0: expected an integer between 1 and 24"),
        ({"hac_lags": []}, "parameter 'hac_lags' = []: expected a non-empty list"),
        ({"nowcast_model": "magic"}, "parameter 'nowcast_model' = 'magic': expected one of 'local level'"),
        ({"n_boot": 10}, "parameter 'n_boot' = 10: expected an integer between 199 and 9999"),
        (
            {"coverage_replications": 5000},
            "parameter 'coverage_replications' = 5000: expected an integer between 50 and 2000",
        ),
    ],
)
def test_bad_parameters_fail_with_one_line_message(change: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        trends.validate_trend_params(**{**GOOD, **change}, data_range=DATA_RANGE)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_resolve_source() -> None:
    assert trends.resolve_source("auto", "ICE", ddp_available=True)[0] == "ddp"
    assert trends.resolve_source("auto", "ICE", ddp_available=False)[0] == "book_ins"
    assert trends.resolve_source("auto", "CBP", ddp_available=True)[0] == "book_ins"
    with pytest.raises(ParameterError, match="agency"):
        trends.resolve_source("ddp", "CBP", ddp_available=True)


# ---------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def book_ins() -> pd.DataFrame:
    from research import data

    try:
        return data.load_book_ins()
    except data.DataNotAvailable as exc:
        pytest.skip(f"processed tables not built: {exc}")


def test_real_rates_are_book_ins_over_days(book_ins: pd.DataFrame) -> None:
    rates = trends.monthly_rates(book_ins, "ICE").set_index("month")
    assert rates.loc["2025-06-01", "count"] == 31590 and rates.loc["2025-06-01", "days"] == 30
    assert rates.loc["2025-06-01", "per_day"] == 31590 / 30
    assert rates.loc["2025-10-01", "per_day"] == 36622 / 31
    assert rates.loc["2026-03-01", "per_day"] == 29606 / 31
    assert rates.loc["2025-09-01", "days"] == 20 and rates.loc["2025-09-01", "partial_month"]
    for agency in trends.AGENCIES:
        table = trends.fiscal_year_table(trends.monthly_rates(book_ins, agency), (2025, 2026))
        loader = book_ins.loc[(book_ins["agency"] == agency) & book_ins["fiscal_year"].isin([2025, 2026])]
        merged = table.merge(loader, on="month")
        assert len(merged) == len(loader) >= 18
        assert (merged["count"] == merged["book_ins"]).all()
        assert (merged["days"] == merged["days_covered"]).all()
        assert np.allclose(merged["per_day"], merged["book_ins"] / merged["days_covered"], rtol=0, atol=0)


# ------------------------------------------------------------------------------------------ notebook
def _run_notebook(tmp_path, **parameters):  # type: ignore[no-untyped-def]
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(out),
        parameters=parameters,
        kernel_name=config.KERNEL_NAME,
        cwd=str(config.NOTEBOOKS_DIR),
        execution_timeout=300,
        progress_bar=False,
    )
    return json.loads(out.read_text())


@pytest.mark.slow
def test_notebook_runs_on_the_default(tmp_path, book_ins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    nb = _run_notebook(tmp_path)
    outputs = [o for cell in nb["cells"] if cell["cell_type"] == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = json.dumps(outputs)
    assert "arrests a day" in text and "3,000" in text
    assert "Nowcast of ICE-arrested book-ins per day" in text  # the nowcast table
    assert "Coverage measured on the fitted design" in text and "Coverage measured" in text
    assert "Probability of reaching the goal" in text and "skill-weighted combination" in text
    assert "Conditional on future month-to-month shocks" in text and "2025 accounts for" in text
    assert "90–93" not in text and "90-93" not in text  # no typed coverage figure


@pytest.mark.slow
def test_notebook_stops_on_a_bad_agency(tmp_path, book_ins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as info:
        _run_notebook(tmp_path, agency="XYZ")
    assert info.value.ename == "ParameterError"
    assert "parameter 'agency' = 'XYZ': expected one of 'ICE', 'CBP', 'Total'" in info.value.evalue


def test_probability_range_names_its_ends_and_flags_an_unsupported_seasonal_top() -> None:
    table = pd.DataFrame(  # synthetic goal-probability table
        {
            "model": ["naive", "seasonal naive", "ARIMA(1,1,0)", "ETS(A,Ad,N)"],
            "probability": [0.146, 0.852, 0.20, 0.30],
        }
    )
    r = trends.probability_range(table, seasonality_p=0.891)
    assert (r.low_model, r.high_model) == ("naive", "seasonal naive")
    assert (r.low, r.high) == (0.146, 0.852)
    assert r.high_seasonal and not r.low_seasonal and r.top_unsupported
    # with evidence of seasonality the seasonal top is not flagged
    assert not trends.probability_range(table, seasonality_p=0.01).top_unsupported
    # a non-seasonal top is never flagged
    flat = table.assign(probability=[0.146, 0.10, 0.20, 0.30])
    assert not trends.probability_range(flat, seasonality_p=0.891).top_unsupported
    assert trends.probability_range(flat, seasonality_p=0.891).high_model == "ETS(A,Ad,N)"
    assert {m for m, c in trends.CANDIDATES.items() if c.seasonal} == {
        "seasonal naive",
        "SARIMA(0,1,1)(0,1,1)12",
    }
    with pytest.raises(ValueError, match="no model"):
        trends.probability_range(table.iloc[:0], seasonality_p=0.5)


def test_forecast_scores_put_each_models_comparison_beside_its_scores() -> None:
    skill = pd.DataFrame(  # synthetic backtest scores of two series
        {
            "series": ["a", "a", "a", "b", "b"],
            "model": ["naive", "ETS", "seasonal", "naive", "ETS"],
            "mae": [10.0, 12.0, 20.0, 5.0, 4.0],
        }
    )
    dm = pd.DataFrame(
        {
            "series": ["a", "a", "b"],
            "model": ["ETS", "seasonal", "naive"],
            "reference": ["naive", "naive", "ETS"],
            "p_value": [0.4, 0.01, 0.3],
        }
    )
    out = trends.forecast_scores(skill, dm)
    assert list(out["model"]) == list(skill["model"])  # the backtest's order and rows are kept
    assert list(out["most_accurate"]) == [True, False, False, False, True]
    assert out["p_value"].isna().tolist() == [True, False, False, False, True]
    assert out.loc[(out["series"] == "a") & (out["model"] == "seasonal"), "p_value"].item() == 0.01
    with pytest.raises(ValueError, match="Diebold-Mariano table"):
        trends.forecast_scores(skill, dm.drop(columns="p_value"))
