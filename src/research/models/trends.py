"""Book-in and arrest trends and the 3,000-arrests-a-day goal: day counts, segmented regression, STL, forecasts,
goal probabilities across models, goal gap.

Charts of these results are in `research.figures.trends`. The trend model with inference that holds its level
on the real design is in `research.models.its`; the nowcast of book-ins from arrests in `research.models.nowcast`
(re-exported here as `nowcast` and `backtest_nowcast`).

Inputs are the frames of `research.data` (`load_book_ins()`, `load_arrests_monthly()`, optionally
`load_arrests_daily()`); every function takes a frame and returns a frame or a small dataclass, so tests can feed
synthetic series with a known truth.

Units: rates are book-ins per day or arrests per day (the two are different series: book-ins count only the
arrests that led to an ICE detention book-in); model time is measured in average months of 365.25 / 12 days, so
a "slope" is a change in log rate per month and a "level" change is a change in log rate (exp(x) - 1 = % change).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.statespace.sarimax import SARIMAX

from research import calendar
from research.models.compute import one_blas_thread
from research.params import ParameterError, check_choice, check_date, check_range

AGENCIES = ("ICE", "CBP", "Total")
SOURCES = ("auto", "book_ins", "ddp")
METHODS = ("poisson_hac", "negbin", "ols_hac")
DAYS_PER_MONTH = 365.25 / 12
SEASON = 12
FORECAST_MONTHS_RANGE = (6, 12)
INTERVAL_LEVELS = (0.80, 0.95)


# --------------------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class TrendParams:
    """Validated notebook parameters."""

    start: pd.Timestamp
    end: pd.Timestamp
    agency: str
    source: str
    goal_per_day: float
    breaks: tuple[pd.Timestamp, ...]
    forecast_months: int
    seed: int
    sensitivity_break: pd.Timestamp = pd.Timestamp("2021-02-18")
    hac_lags: tuple[int, ...] = (3, 6)
    nowcast_model: str = "local level"
    n_boot: int = 999
    coverage_replications: int = 200


def _param_error(name: str, value: Any, expected: str) -> ParameterError:
    # Same one-line shape as research.params messages.
    return ParameterError(f"parameter '{name}' = {value!r}: expected {expected}")


def validate_trend_params(
    *,
    start: Any,
    end: Any,
    agency: Any,
    source: Any,
    goal_per_day: Any,
    breaks: Any,
    forecast_months: Any,
    seed: Any,
    sensitivity_break: Any = "2021-02-18",
    hac_lags: Any = (3, 6),
    nowcast_model: Any = "local level",
    n_boot: Any = 999,
    coverage_replications: Any = 200,
    data_range: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    ddp_available: bool = False,
) -> TrendParams:
    """Check the notebook parameters; raise `ParameterError` naming the parameter and the allowed values.

    `data_range` is (first day, last day) of the data; breaks must fall strictly inside the analysed window
    (the overlap of [start, end] and the data), so each segment has at least one observation.
    """
    start_ts = check_date("start", start)
    end_ts = check_date("end", end)
    if start_ts > end_ts:
        raise _param_error("start", start, f"a date on or before end ({end!r})")
    check_choice("agency", agency, AGENCIES)
    check_choice("source", source, SOURCES)
    if source == "ddp" and not ddp_available:
        raise _param_error(
            "source", source, "'auto' or 'book_ins' (the Deportation Data Project file is absent)"
        )
    check_range("goal_per_day", goal_per_day, lo=1)
    check_range("forecast_months", forecast_months, *FORECAST_MONTHS_RANGE, integer=True)
    check_range("seed", seed, lo=0, integer=True)
    if not isinstance(breaks, list | tuple):
        raise _param_error("breaks", breaks, "a list of ISO date strings such as ['2025-01-20']")
    lo, hi = start_ts, end_ts
    if data_range is not None:
        lo, hi = max(lo, pd.Timestamp(data_range[0])), min(hi, pd.Timestamp(data_range[1]))
    parsed = []
    for item in breaks:
        stamp = check_date("breaks", item)
        if not lo < stamp <= hi:
            raise _param_error(
                "breaks",
                item,
                f"dates after {lo.date()} and on or before {hi.date()} (inside the data and start..end)",
            )
        parsed.append(stamp)
    if len(set(parsed)) != len(parsed):
        raise _param_error("breaks", breaks, "distinct dates")
    extra = check_date("sensitivity_break", sensitivity_break)
    if not lo < extra <= hi or extra in parsed:
        raise _param_error(
            "sensitivity_break",
            sensitivity_break,
            f"a date after {lo.date()} and on or before {hi.date()} that is not one of the breaks",
        )
    if not isinstance(hac_lags, list | tuple) or not hac_lags:
        raise _param_error("hac_lags", hac_lags, "a non-empty list of integers 1..24 such as [3, 6]")
    for lag in hac_lags:
        check_range("hac_lags", lag, 1, 24, integer=True)
    from research.models.nowcast import BENCHMARK, MODELS  # the nowcast's model names

    check_choice("nowcast_model", nowcast_model, [*MODELS, BENCHMARK])
    check_range("n_boot", n_boot, 199, 9999, integer=True)
    check_range("coverage_replications", coverage_replications, 50, 2000, integer=True)
    return TrendParams(
        start=start_ts,
        end=end_ts,
        agency=str(agency),
        source=str(source),
        goal_per_day=float(goal_per_day),
        breaks=tuple(sorted(parsed)),
        forecast_months=int(forecast_months),
        seed=int(seed),
        sensitivity_break=extra,
        hac_lags=tuple(int(x) for x in hac_lags),
        nowcast_model=str(nowcast_model),
        n_boot=int(n_boot),
        coverage_replications=int(coverage_replications),
    )


def resolve_source(source: str, agency: str, ddp_available: bool) -> tuple[str, str]:
    """Pick the data source: returns ("ddp" | "book_ins", one-sentence reason).

    "auto" prefers the Deportation Data Project daily file when present, but only for ICE: that file holds ICE
    arrests and has no CBP split, so CBP and Total always come from the book-ins.
    """
    check_choice("source", source, SOURCES)
    if source == "book_ins":
        return "book_ins", "book-ins chosen by parameter"
    if source == "ddp":
        if not ddp_available:
            raise _param_error(
                "source", source, "'auto' or 'book_ins' (the Deportation Data Project file is absent)"
            )
        if agency != "ICE":
            raise _param_error("agency", agency, "'ICE' when source='ddp' (the DDP file has no CBP split)")
        return "ddp", "Deportation Data Project daily arrests chosen by parameter"
    if not ddp_available:
        return "book_ins", "the Deportation Data Project file is not present, so monthly book-ins are used"
    if agency != "ICE":
        return "book_ins", f"agency={agency!r} needs the ICE/CBP split, which only the book-ins have"
    return "ddp", "the Deportation Data Project file is present and preferred"


def data_range(frame: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first day, last day covered) of a monthly frame with `month` (and optionally `data_through`)."""
    _require(frame, ["month"], "data_range")
    first = pd.Timestamp(frame["month"].min())
    last_month = pd.Timestamp(frame["month"].max())
    last = last_month + pd.offsets.MonthEnd(0)
    if "data_through" in frame and frame["data_through"].notna().any():
        last = min(last, pd.Timestamp(frame["data_through"].max()))
    return first, last


# ----------------------------------------------------------------------------------------- day counts
def _require(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{where}: input frame lacks column(s) {missing}; it has {list(frame.columns)}")


def rate_days(month: pd.Timestamp | str, data_through: pd.Timestamp | str | None = None) -> int:
    """Days to divide a month's count by: all calendar days, or only those covered when data stop mid-month."""
    days = calendar.days_in_month(month)
    if data_through is None or pd.isna(data_through):
        return days
    covered = calendar.days_covered(month, data_through)
    if covered <= 0:
        raise ValueError(
            f"rate_days: data_through {data_through} is before month {pd.Timestamp(month).date()}"
        )
    return min(days, covered)


def monthly_rates(book_ins: pd.DataFrame, agency: str = "ICE") -> pd.DataFrame:
    """Book-ins per day for one agency, from the frame of `research.data.load_book_ins()`.

    Complete months divide by `days_in_month`; partial months (the edition's data stop mid-month) divide by the
    days covered and keep `partial_month=True` so models can leave them out and charts can hatch them.
    Returns `month, fiscal_year, agency, count, days, partial_month, per_day` sorted by month.
    """
    check_choice("agency", agency, AGENCIES)
    _require(book_ins, ["month", "agency", "book_ins", "partial_month"], "monthly_rates")
    rows = book_ins.loc[book_ins["agency"] == agency].copy()
    if rows.empty:
        raise ValueError(
            f"monthly_rates: no rows for agency {agency!r}; agencies present: {sorted(book_ins['agency'].unique())}"
        )
    if rows["month"].duplicated().any():
        raise ValueError(f"monthly_rates: duplicate months for agency {agency!r}; expected one row per month")
    rows["month"] = pd.to_datetime(rows["month"])
    through = rows["data_through"] if "data_through" in rows else pd.Series(pd.NaT, index=rows.index)
    partial = rows["partial_month"].astype(bool)
    rows["days"] = [
        rate_days(m, t if p else None) for m, t, p in zip(rows["month"], through, partial, strict=True)
    ]
    out = pd.DataFrame(
        {
            "month": rows["month"],
            "fiscal_year": [calendar.fiscal_year(m) for m in rows["month"]],
            "agency": agency,
            "count": rows["book_ins"].astype("int64"),
            "days": rows["days"].astype("int64"),
            "partial_month": partial,
        }
    )
    out["per_day"] = out["count"] / out["days"]
    return out.sort_values("month").reset_index(drop=True)


def restrict(
    rates: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, date_col: str = "month"
) -> pd.DataFrame:
    """Rows whose period starts within [month of start, end]."""
    first = calendar.month_start(start) if date_col == "month" else pd.Timestamp(start)
    keep = (rates[date_col] >= first) & (rates[date_col] <= pd.Timestamp(end))
    return rates.loc[keep].reset_index(drop=True)


def agency_split(book_ins: pd.DataFrame) -> pd.DataFrame:
    """Long frame of ICE- and CBP-arrested book-ins per day plus CBP's share of ICE + CBP each month."""
    parts = [monthly_rates(book_ins, a) for a in ("ICE", "CBP")]
    long = pd.concat(parts, ignore_index=True)
    wide = long.pivot(index="month", columns="agency", values="count")
    share = (wide["CBP"] / (wide["ICE"] + wide["CBP"])).rename("cbp_share")
    return long.merge(share.reset_index(), on="month", how="left")


def arrest_monthly_rates(arrests: pd.DataFrame) -> pd.DataFrame:
    """ICE ERO arrests per day by month from `research.data.load_arrests_monthly()`, shaped like `monthly_rates`.

    `partial_month` is True for a month the release does not fully cover **or** whose last weeks are
    under-reported (`reporting_lag`): neither is fitted nor joined into a line. Per day divides by the days
    covered. Returns `month, fiscal_year, agency, count, days, partial_month, reporting_lag, per_day`.
    """
    _require(
        arrests,
        ["month", "arrests", "days_covered", "partial_month", "reporting_lag"],
        "arrest_monthly_rates",
    )
    out = pd.DataFrame(
        {
            "month": pd.to_datetime(arrests["month"]),
            "fiscal_year": [calendar.fiscal_year(m) for m in arrests["month"]],
            "agency": "ICE ERO",
            "count": arrests["arrests"].astype("int64"),
            "days": arrests["days_covered"].astype("int64"),
            "partial_month": arrests["partial_month"].astype(bool) | arrests["reporting_lag"].astype(bool),
            "reporting_lag": arrests["reporting_lag"].astype(bool),
        }
    )
    out["per_day"] = out["count"] / out["days"]
    return out.sort_values("month").reset_index(drop=True)


def fiscal_year_table(rates: pd.DataFrame, fiscal_years: Sequence[int] = (2025, 2026)) -> pd.DataFrame:
    """Monthly rates of the given fiscal years, with the fiscal-month label used in the workbooks."""
    rows = rates.loc[rates["fiscal_year"].isin(list(fiscal_years))].copy()
    rows["month_label"] = rows["month"].dt.strftime("%b %Y")
    return rows[
        ["fiscal_year", "month_label", "month", "count", "days", "partial_month", "per_day"]
    ].reset_index(drop=True)


# ------------------------------------------------------------------------------------ segmented model
def _months_since(dates: pd.Series | pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray:
    return np.asarray((pd.DatetimeIndex(dates) - origin).days, dtype=float) / DAYS_PER_MONTH


def segmented_design(
    period_start: pd.Series,
    days: pd.Series | np.ndarray,
    breaks: Sequence[pd.Timestamp],
    origin: pd.Timestamp,
) -> pd.DataFrame:
    """Design matrix for a log-linear trend with a level and a slope change at each break.

    Each row is a period [start, start + days). Break indicators are period averages, so a month that a break
    splits gets the fraction of its days on or after the break (January 2025 gets 12/31 for 2025-01-20) and a
    slope term equal to the mean months elapsed since the break over the period's days.
    """
    a = _months_since(period_start, origin)
    d = np.asarray(days, dtype=float) / DAYS_PER_MONTH
    columns: dict[str, np.ndarray] = {"const": np.ones_like(a), "trend": a + d / 2}
    for brk in breaks:
        b = float(_months_since(pd.DatetimeIndex([brk]), origin)[0])
        post_start = np.maximum(a, b)
        end = a + d
        inside = end > b
        columns[f"level_{pd.Timestamp(brk).date()}"] = np.where(inside, (end - post_start) / d, 0.0)
        columns[f"slope_{pd.Timestamp(brk).date()}"] = np.where(
            inside, ((end - b) ** 2 - (post_start - b) ** 2) / (2 * d), 0.0
        )
    return pd.DataFrame(columns, index=period_start.index)


@dataclass
class SegmentedFit:
    """Result of `fit_segmented`: tidy effects table, fitted rates, and the statsmodels result."""

    method: str
    table: pd.DataFrame
    fitted: pd.DataFrame
    result: Any
    n_obs: int
    excluded: int


def _hac_lags(n: int) -> int:
    # Newey-West rule of thumb floor(4 (n/100)^(2/9)).
    return max(1, int(np.floor(4 * (n / 100) ** (2 / 9))))


@one_blas_thread
def fit_segmented(
    frame: pd.DataFrame,
    breaks: Sequence[pd.Timestamp | str],
    *,
    method: str = "poisson_hac",
    date_col: str = "month",
    count_col: str = "count",
    days_col: str = "days",
    extra: pd.DataFrame | None = None,
    hac_lags: int | None = None,
    alpha: float = 0.05,
) -> SegmentedFit:
    """Interrupted time series: log rate = trend + level/slope change at each break (+ `extra` covariates).

    Methods: "poisson_hac" (Poisson GLM, log(days) offset, Newey-West sandwich: robust to over-dispersion and
    autocorrelation), "negbin" (negative binomial GLM with days as exposure, alpha estimated), "ols_hac"
    (OLS on log(count/days), Newey-West). Partial periods (`partial_month`) are left out of the fit.
    Returns a table with rows `baseline_slope`, then `level_change` and `slope_change` per break; estimates are on
    the log scale with (1 - alpha) intervals, `pct` columns give exp(x) - 1 in percent.
    """
    check_choice("method", method, METHODS)
    _require(frame, [date_col, count_col, days_col], "fit_segmented")
    brks = sorted(pd.Timestamp(b) for b in breaks)
    data = frame.reset_index(drop=True)
    keep = (
        ~data["partial_month"].astype(bool) if "partial_month" in data else pd.Series(True, index=data.index)
    )
    used = data.loc[keep].reset_index(drop=True)
    origin = pd.Timestamp(used[date_col].min())
    for brk in brks:
        if not origin < brk <= used[date_col].max():
            raise ValueError(
                f"fit_segmented: break {brk.date()} is outside the fitted data {origin.date()}.."
            )
    X = segmented_design(used[date_col], used[days_col], brks, origin)
    if extra is not None:
        X = pd.concat([X, extra.loc[keep.to_numpy()].reset_index(drop=True)], axis=1)
    y = used[count_col].to_numpy(dtype=float)
    days = used[days_col].to_numpy(dtype=float)
    lags = hac_lags if hac_lags is not None else _hac_lags(len(used))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = _fit_glm(method, y, days, X, lags)
    conf = np.asarray(result.conf_int(alpha=alpha))
    params = np.asarray(result.params)
    pvalues = np.asarray(result.pvalues)
    names = list(X.columns)
    rows: list[tuple[str, pd.Timestamp | None, int]] = [("baseline_slope", None, names.index("trend"))]
    for brk in brks:
        rows.append(("level_change", brk, names.index(f"level_{brk.date()}")))
        rows.append(("slope_change", brk, names.index(f"slope_{brk.date()}")))
    table = pd.DataFrame(
        {
            "term": [r[0] for r in rows],
            "break": pd.DatetimeIndex([pd.NaT if r[1] is None else r[1] for r in rows]),
            "estimate": [params[r[2]] for r in rows],
            "ci_low": [conf[r[2], 0] for r in rows],
            "ci_high": [conf[r[2], 1] for r in rows],
            "p_value": [pvalues[r[2]] for r in rows],
        }
    )
    for col in ("estimate", "ci_low", "ci_high"):
        table[f"pct_{col}"] = 100 * np.expm1(table[col])
    full_X = segmented_design(data[date_col], data[days_col], brks, origin)
    if extra is not None:
        full_X = pd.concat([full_X, extra.reset_index(drop=True)], axis=1)
    fitted = pd.DataFrame(
        {date_col: data[date_col], "fitted_per_day": np.exp(full_X.to_numpy() @ params[: len(names)])}
    )
    return SegmentedFit(method, table, fitted, result, n_obs=len(used), excluded=int((~keep).sum()))


def _fit_glm(method: str, y: np.ndarray, days: np.ndarray, X: pd.DataFrame, lags: int) -> Any:
    hac = {"maxlags": lags, "use_correction": True}
    if method == "poisson_hac":
        model = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(days))
        return model.fit(cov_type="HAC", cov_kwds=hac, use_t=True)
    if method == "ols_hac":
        return sm.OLS(np.log(y / days), X).fit(cov_type="HAC", cov_kwds=hac, use_t=True)
    # Negative binomial: estimate alpha by ML, then the GLM with that alpha gives the usual tidy interface.
    nb = sm.NegativeBinomial(y, X, exposure=days).fit(disp=False, maxiter=200)
    alpha_nb = float(np.asarray(nb.params)[-1])
    model = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha_nb), exposure=days)
    return model.fit()


# ------------------------------------------------------------------------------------------ STL
@dataclass
class StlOutcome:
    """STL of log rate per day (`components` is None when the series is too short; `reason` says why)."""

    components: pd.DataFrame | None
    reason: str


def monthly_series(rates: pd.DataFrame) -> pd.Series:
    """Per-day rate indexed by month (freq MS) for modelling: partial months become NaN; trailing NaNs dropped."""
    _require(rates, ["month", "per_day", "partial_month"], "monthly_series")
    s = pd.Series(
        np.where(rates["partial_month"].astype(bool), np.nan, rates["per_day"].astype(float)),
        index=pd.DatetimeIndex(rates["month"]),
        name="per_day",
    )
    s = s.asfreq("MS")
    valid = s.last_valid_index()
    first = s.first_valid_index()
    if valid is None or first is None:
        raise ValueError("monthly_series: no complete month to model")
    return s.loc[first:valid]


def _fill_log(series: pd.Series) -> pd.Series:
    # Interior gaps (a partial month mid-series) are filled by log-linear interpolation for methods without NaN support.
    return np.exp(np.log(series).interpolate(method="linear", limit_area="inside"))


def stl_decompose(
    series: pd.Series, period: int = SEASON, seasonal: int = 13, trend: int = 13, *, robust: bool = True
) -> StlOutcome:
    """STL on log rate when there are at least two full seasonal cycles, else None with a reason.

    Robust by default: months far from the local pattern (the 2025 policy jumps) get low weight, so they are
    less able to masquerade as a seasonal pattern. STL always returns a seasonal component, significant or not:
    read it next to `its.seasonality_test`.
    """
    n = int(series.notna().sum())
    if n < 2 * period:
        return StlOutcome(None, f"only {n} complete months; STL needs at least {2 * period} (two full years)")
    log_y = np.log(_fill_log(series))
    res = STL(log_y, period=period, seasonal=seasonal, trend=trend, robust=robust).fit()
    comps = pd.DataFrame(
        {"month": series.index, "observed": np.exp(log_y.to_numpy()), "trend": np.exp(res.trend.to_numpy())}
    )
    comps["seasonal_pct"] = 100 * np.expm1(res.seasonal.to_numpy())
    comps["resid_pct"] = 100 * np.expm1(res.resid.to_numpy())
    comps["interpolated"] = series.isna().to_numpy()
    filled = int(series.isna().sum())
    kind = "Robust STL" if robust else "STL"
    reason = f"{kind} on {n} complete months" + (
        f"; {filled} partial month(s) interpolated" if filled else ""
    )
    return StlOutcome(comps, reason)


# -------------------------------------------------------------------------------------- forecasting
@dataclass(frozen=True)
class Candidate:
    """A forecasting model on the log rate: `fit(log_series)` returns a fitted statsmodels results object."""

    name: str
    min_obs: int
    fit: Callable[[pd.Series], Any]
    needs_filled: bool = False
    seasonal: bool = False  # repeats a month-of-year pattern: only as credible as the evidence of seasonality


def _sarimax(
    order: tuple[int, int, int], seasonal: tuple[int, int, int, int] = (0, 0, 0, 0), trend: str | None = None
):
    def fit(y: pd.Series) -> Any:
        model = SARIMAX(y, order=order, seasonal_order=seasonal, trend=trend)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(disp=False, maxiter=200)

    return fit


def _ets_damped(y: pd.Series) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False, maxiter=200)


CANDIDATES: dict[str, Candidate] = {
    "naive": Candidate("naive", 3, _sarimax((0, 1, 0))),
    "seasonal naive": Candidate(
        "seasonal naive", SEASON + 2, _sarimax((0, 0, 0), (0, 1, 0, SEASON)), seasonal=True
    ),
    "ARIMA(1,1,0)": Candidate("ARIMA(1,1,0)", 8, _sarimax((1, 1, 0))),
    # Seasonal MA after seasonal differencing: needs three seasons of data to be estimated at all credibly.
    "SARIMA(0,1,1)(0,1,1)12": Candidate(
        "SARIMA(0,1,1)(0,1,1)12", 3 * SEASON, _sarimax((0, 1, 1), (0, 1, 1, SEASON)), seasonal=True
    ),
    "ETS(A,Ad,N)": Candidate("ETS(A,Ad,N)", 10, _ets_damped, needs_filled=True),
}


def fit_candidate(name: str, series: pd.Series) -> Any:
    """Fit candidate `name` to a per-day rate series (NaN gaps allowed) on the log scale."""
    check_choice("model", name, list(CANDIDATES))
    cand = CANDIDATES[name]
    y = _fill_log(series) if cand.needs_filled else series
    if int(y.notna().sum()) < cand.min_obs:
        raise ValueError(
            f"fit_candidate: {name} needs at least {cand.min_obs} months, got {int(y.notna().sum())}"
        )
    return cand.fit(np.log(y))


def _forecast_log(result: Any, steps: int, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pred = result.get_prediction(start=result.nobs, end=result.nobs + steps - 1)
    frame = pred.summary_frame(alpha=alpha)
    mean = frame["mean"].to_numpy()
    lo_col = "mean_ci_lower" if "mean_ci_lower" in frame else "pi_lower"
    hi_col = "mean_ci_upper" if "mean_ci_upper" in frame else "pi_upper"
    return mean, frame[lo_col].to_numpy(), frame[hi_col].to_numpy()


@one_blas_thread
def forecast(
    series: pd.Series, model: str, months: int, levels: Sequence[float] = INTERVAL_LEVELS
) -> pd.DataFrame:
    """Forecast the per-day rate `months` ahead: median and central intervals at each level (e.g. lo80, hi95)."""
    check_range("months", months, 1, 36, integer=True)
    result = fit_candidate(model, series)
    index = pd.date_range(series.index[-1] + pd.offsets.MonthBegin(1), periods=months, freq="MS")
    out = pd.DataFrame({"month": index})
    for level in levels:
        mean, lo, hi = _forecast_log(result, months, 1 - level)
        tag = int(round(level * 100))
        out["median"] = np.exp(mean)
        out[f"lo{tag}"] = np.exp(lo)
        out[f"hi{tag}"] = np.exp(hi)
    out["model"] = model
    return out


@one_blas_thread
def backtest_errors(
    series: pd.Series,
    *,
    horizon: int = 6,
    n_origins: int = 12,
    models: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rolling-origin forecast errors: refit at each of the last `n_origins` months, forecast up to `horizon`
    months ahead (targets beyond the data or in a gap are skipped), on the rate scale.

    One row per model, origin and target: `model, origin` (last training month), `month, horizon, forecast,
    actual, abs_error`, and the in-sample one-step MAE of the naive (`scale_naive`) and seasonal-naive
    (`scale_snaive`) forecasts on that origin's training data. Models lacking the data at the earliest origin
    are skipped; origins right after a gap (partial month) are skipped for every model alike.
    """
    names = list(models) if models is not None else list(CANDIDATES)
    n = len(series)
    origins = [o for o in range(max(1, n - n_origins), n) if not np.isnan(series.iloc[o - 1])]
    if not origins:
        raise ValueError(f"backtest: series of {n} months has no usable forecast origin")
    rows = []
    for name in names:
        cand = CANDIDATES[name]
        if int(series.iloc[: origins[0]].notna().sum()) < cand.min_obs:
            continue
        for o in origins:
            train, test = series.iloc[:o], series.iloc[o : o + horizon]
            mean, _, _ = _forecast_log(fit_candidate(name, train), len(test), 0.05)
            filled = _fill_log(train)
            scale_n = float(np.nanmean(np.abs(filled.diff(1))))
            scale_s = float(np.nanmean(np.abs(filled.diff(SEASON)))) if len(train) > SEASON else np.nan
            for h, (month, actual, fc) in enumerate(
                zip(test.index, test.to_numpy(), np.exp(mean), strict=True), start=1
            ):
                if np.isnan(actual):
                    continue
                rows.append(
                    {
                        "model": name,
                        "origin": train.index[-1],
                        "month": month,
                        "horizon": h,
                        "forecast": float(fc),
                        "actual": float(actual),
                        "abs_error": float(abs(fc - actual)),
                        "scale_naive": scale_n,
                        "scale_snaive": scale_s,
                    }
                )
    if not rows:
        raise ValueError(f"backtest: series of {n} months is too short for any model")
    return pd.DataFrame(rows)


def backtest(
    series: pd.Series,
    *,
    horizon: int = 6,
    n_origins: int = 12,
    models: Sequence[str] | None = None,
    errors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest on the per-day rate (see `backtest_errors`), one row per model sorted by MAE.

    Columns: `n_forecasts, mae, rmse`, MASE against the naive (`mase_naive`) and seasonal-naive (`mase_snaive`)
    in-sample scales, and `mae_vs_naive` / `mae_vs_snaive`: each MAE over the naive / seasonal-naive backtest
    MAE on the same targets (< 1 is better). Pass `errors` to summarise errors already computed.
    """
    err = (
        errors
        if errors is not None
        else backtest_errors(series, horizon=horizon, n_origins=n_origins, models=models)
    )
    err = err.assign(
        sq=err["abs_error"] ** 2,
        mn=err["abs_error"] / err["scale_naive"],
        ms=err["abs_error"] / err["scale_snaive"],
    )
    table = (
        err.groupby("model", sort=False)
        .agg(
            n_forecasts=("abs_error", "size"),
            mae=("abs_error", "mean"),
            rmse=("sq", lambda x: float(np.sqrt(x.mean()))),
            mase_naive=("mn", "mean"),
            mase_snaive=("ms", lambda x: float(x.mean()) if x.notna().any() else np.nan),
        )
        .reset_index()
    )
    maes = table.set_index("model")["mae"]
    # Same origins and targets for every model, so MAE ratios to the baselines compare like with like.
    table["mae_vs_naive"] = table["mae"] / maes["naive"] if "naive" in maes else np.nan
    table["mae_vs_snaive"] = table["mae"] / maes["seasonal naive"] if "seasonal naive" in maes else np.nan
    return table.sort_values(["mae", "model"]).reset_index(drop=True)


def diebold_mariano(errors: pd.DataFrame, *, reference: str | None = None) -> pd.DataFrame:
    """Diebold-Mariano test of each model against `reference` (default: lowest backtest MAE) on absolute errors.

    The loss differential of an origin is the mean over its horizons of |e_model| - |e_reference| (same
    targets for both). Its long-run variance uses Bartlett weights with H - 1 lags (H = longest horizon: origins
    that share targets are correlated), the statistic gets the Harvey-Leybourne-Newbold small-sample factor and is
    compared with t(T - 1), T = number of origins. Returns `model, reference, origins, mean_loss_diff` (per day;
    > 0: the model is worse), `dm_stat, p_value`.
    """
    mae = errors.groupby("model")["abs_error"].mean()
    ref = reference if reference is not None else str(mae.idxmin())
    if ref not in mae.index:
        raise ValueError(f"diebold_mariano: reference {ref!r} not among the models {sorted(mae.index)}")
    wide = errors.pivot_table(index=["origin", "horizon"], columns="model", values="abs_error")
    H = int(errors["horizon"].max())
    rows = []
    for model in mae.index:
        if model == ref:
            continue
        pair = wide[[model, ref]].dropna()
        d = (pair[model] - pair[ref]).groupby(level="origin").mean().to_numpy()
        T = len(d)
        stat, p = _dm_statistic(d, H)
        rows.append(
            {
                "model": model,
                "reference": ref,
                "origins": T,
                "mean_loss_diff": float(d.mean()),
                "dm_stat": stat,
                "p_value": p,
            }
        )
    return pd.DataFrame(rows).sort_values("p_value").reset_index(drop=True)


def forecast_scores(skill: pd.DataFrame, dm: pd.DataFrame) -> pd.DataFrame:
    """One row per model: its backtest scores (`backtest`) next to its Diebold-Mariano comparison with the most
    accurate model (`diebold_mariano`). `most_accurate` marks the reference model, whose comparison columns are
    missing. A `series` column present in both tables is matched too (several series in one table)."""
    _require(skill, ["model", "mae"], "forecast_scores (backtest table)")
    _require(dm, ["model", "reference", "p_value"], "forecast_scores (Diebold-Mariano table)")
    keys = ["model", *[c for c in ("series",) if c in skill.columns and c in dm.columns]]
    out = skill.merge(dm, on=keys, how="left", validate="one_to_one")
    refs = dm.drop_duplicates(keys[1:] or None)[[*keys[1:], "reference"]].rename(
        columns={"reference": "_ref"}
    )
    out = out.merge(refs, on=keys[1:], how="left") if keys[1:] else out.assign(_ref=refs["_ref"].iloc[0])
    out["most_accurate"] = out["model"] == out["_ref"]
    return out.drop(columns="_ref")


def _dm_statistic(d: np.ndarray, horizon: int) -> tuple[float, float]:
    """(HLN-corrected DM statistic, two-sided p from t(T - 1)) for loss differentials `d` in time order."""
    T = len(d)
    if T < 3:
        return float("nan"), float("nan")
    dc = d - d.mean()
    lrv = float(dc @ dc) / T
    for j in range(1, min(horizon, T)):
        lrv += 2 * (1 - j / horizon) * float(dc[j:] @ dc[:-j]) / T
    if lrv <= 0:
        return float("nan"), float("nan")
    dm = d.mean() / np.sqrt(lrv / T)
    hln = np.sqrt(max(T + 1 - 2 * horizon + horizon * (horizon - 1) / T, 1.0) / T)
    stat = float(dm * hln)
    return stat, float(2 * stats.t.sf(abs(stat), T - 1))


@one_blas_thread
def simulate_paths(series: pd.Series, model: str, months: int, n_paths: int, seed: int) -> np.ndarray:
    """Simulated future per-day rates from the fitted model, shape (months, n_paths); deterministic in `seed`.

    Paths carry the model's shock uncertainty, not parameter uncertainty (parameters are held at their estimates).
    """
    result = fit_candidate(model, series)
    rng = np.random.default_rng(seed)
    sims = result.simulate(months, anchor="end", repetitions=n_paths, rng=rng)
    return np.exp(np.asarray(sims, dtype=float).reshape(months, n_paths))


def goal_probability(paths: np.ndarray, goal: float, months_until: int) -> float:
    """Share of paths whose monthly rate reaches `goal` in at least one of the first `months_until` months."""
    if not 1 <= months_until <= paths.shape[0]:
        raise ValueError(f"goal_probability: months_until must be 1..{paths.shape[0]}, got {months_until}")
    return float((paths[:months_until] >= goal).any(axis=0).mean())


@one_blas_thread
def goal_probabilities(
    series: pd.Series,
    *,
    goal: float,
    through: pd.Timestamp | str,
    skill: pd.DataFrame,
    models: Sequence[str] | None = None,
    n_paths: int = 4000,
    seed: int = 0,
) -> pd.DataFrame:
    """Probability that the monthly rate reaches `goal` in at least one month up to `through`, for every model.

    Each candidate that can be fitted to `series` simulates `n_paths` paths (seeded; the model's shock size is
    estimated from the series, so the probability is conditional on future shocks as large as past ones).
    `skill` is the `backtest` table: models it scored get a weight proportional to 1 / RMSE^2 (inverse backtest
    mean squared error), others weight 0. Returns `model, months, probability, mae, rmse, weight, backtested`;
    `combined_probability` gives the weighted mixture.
    """
    end = calendar.month_start(pd.Timestamp(through))
    last = pd.Timestamp(series.index[-1])
    months = (end.year - last.year) * 12 + end.month - last.month
    if months < 1:
        raise ValueError(
            f"goal_probabilities: through {end:%Y-%m} is not after the series' last month {last:%Y-%m}"
        )
    names = list(models) if models is not None else list(CANDIDATES)
    scores = skill.set_index("model")
    rows = []
    for i, name in enumerate(names):
        if int(series.notna().sum()) < CANDIDATES[name].min_obs:
            continue
        paths = simulate_paths(series, name, months, n_paths, seed + i)
        scored = name in scores.index
        rows.append(
            {
                "model": name,
                "months": months,
                "probability": goal_probability(paths, goal, months),
                "mae": float(scores.loc[name, "mae"]) if scored else np.nan,
                "rmse": float(scores.loc[name, "rmse"]) if scored else np.nan,
                "backtested": scored,
            }
        )
    table = pd.DataFrame(rows)
    inv = np.where(table["backtested"], 1 / table["rmse"] ** 2, 0.0)
    table["weight"] = inv / inv.sum() if inv.sum() > 0 else 0.0
    return table


def shock_shares(series: pd.Series) -> pd.Series:
    """Share of the squared month-to-month changes in the log rate that fall in each calendar year.

    The forecast models estimate their shock size from these changes: the shares say whose shocks the simulated
    paths repeat (e.g. mostly 2025's). Changes across a gap (a partial month) are left out.
    """
    change = np.log(series.astype(float)).diff().dropna()
    total = float((change**2).sum())
    if total == 0:
        raise ValueError("shock_shares: the series never changes")
    return (change**2).groupby(change.index.year).sum() / total


def combined_probability(table: pd.DataFrame) -> float:
    """Skill-weighted goal probability: the mixture of the models' path distributions with `table['weight']`."""
    return float((table["weight"] * table["probability"]).sum())


@dataclass(frozen=True)
class ProbabilityRange:
    """The ends of the goal-probability range across models, which model gives each, and how well supported it is.

    `top_unsupported`: the top comes from a seasonal model while the seasonality test found no evidence of
    seasonality (p >= alpha), so the top is the least supported end of the range.
    """

    low: float
    low_model: str
    high: float
    high_model: str
    low_seasonal: bool
    high_seasonal: bool
    seasonality_p: float
    alpha: float

    @property
    def top_unsupported(self) -> bool:
        return self.high_seasonal and not self.low_seasonal and self.seasonality_p >= self.alpha


def probability_range(table: pd.DataFrame, *, seasonality_p: float, alpha: float = 0.05) -> ProbabilityRange:
    """Lowest and highest `probability` of a `goal_probabilities` table, with their models (first on ties)."""
    _require(table, ["model", "probability"], "probability_range")
    if table.empty:
        raise ValueError("probability_range: the table has no model")
    if not 0 <= seasonality_p <= 1 or not 0 < alpha < 1:
        raise ValueError(f"probability_range: p = {seasonality_p} and alpha = {alpha} must be probabilities")
    rows = table.reset_index(drop=True)
    low, high = rows.loc[rows["probability"].idxmin()], rows.loc[rows["probability"].idxmax()]

    def seasonal(name: str) -> bool:
        return CANDIDATES[name].seasonal if name in CANDIDATES else False

    return ProbabilityRange(
        low=float(low["probability"]),
        low_model=str(low["model"]),
        high=float(high["probability"]),
        high_model=str(high["model"]),
        low_seasonal=seasonal(str(low["model"])),
        high_seasonal=seasonal(str(high["model"])),
        seasonality_p=float(seasonality_p),
        alpha=float(alpha),
    )


def goal_gap(rates: pd.DataFrame, goal: float) -> pd.DataFrame:
    """Per month: rate, goal, arrests per day still missing (0 when met) and the rate as % of the goal."""
    out = rates[["month", "count", "days", "partial_month", "per_day"]].copy()
    out["goal_per_day"] = goal
    out["missing_per_day"] = np.clip(goal - out["per_day"], 0, None)
    out["pct_of_goal"] = 100 * out["per_day"] / goal
    return out


def best_month(rates: pd.DataFrame) -> pd.Series:
    """The complete month with the highest rate per day (partial months are not eligible)."""
    complete = rates.loc[~rates["partial_month"].astype(bool)]
    if complete.empty:
        raise ValueError("best_month: no complete month")
    return complete.iloc[int(np.argmax(complete["per_day"].to_numpy()))]


# ------------------------------------------------------------------------------------- daily (DDP)
def daily_national(arrests_daily: pd.DataFrame) -> pd.DataFrame:
    """National arrests per day from `load_arrests_daily()`: exact duplicate rows dropped, summed over AOR and
    criminality, missing days inside the range filled with 0. Returns `date, arrests, duplicates_dropped`."""
    _require(arrests_daily, ["date", "arrests"], "daily_national")
    dedup = arrests_daily.drop_duplicates()
    dropped = len(arrests_daily) - len(dedup)
    total = dedup.groupby(pd.to_datetime(dedup["date"]))["arrests"].sum()
    full = pd.date_range(total.index.min(), total.index.max(), freq="D")
    out = total.reindex(full, fill_value=0).rename_axis("date").reset_index()
    out.attrs["duplicates_dropped"] = dropped
    return out


def trim_incomplete_tail(
    daily: pd.DataFrame, *, lookback_weeks: int = 8, threshold: float = 0.6
) -> pd.DataFrame:
    """Drop the incomplete end of a daily series (recent records are entered late).

    Rule: (1) drop days after the last complete Monday-Sunday week; (2) while the last week's total is below
    `threshold` x the median of the `lookback_weeks` weeks before it, drop that week. `attrs["trimmed_after"]`
    records the last kept date.
    """
    frame = daily.sort_values("date").reset_index(drop=True)
    last = pd.Timestamp(frame["date"].max())
    week_end = last - pd.Timedelta(days=(last.weekday() + 1) % 7)  # last Sunday on or before `last`
    frame = frame.loc[frame["date"] <= week_end]
    while len(frame) >= 7 * (lookback_weeks + 1):
        weekly = frame.groupby(frame["date"].dt.to_period("W-SUN"))["arrests"].sum()
        if weekly.iloc[-1] >= threshold * float(weekly.iloc[-1 - lookback_weeks : -1].median()):
            break
        frame = frame.iloc[:-7]
    frame = frame.reset_index(drop=True)
    frame.attrs["trimmed_after"] = pd.Timestamp(frame["date"].max())
    return frame


def day_of_week_dummies(dates: pd.Series) -> pd.DataFrame:
    """Indicator columns dow_Tue..dow_Sun (Monday is the reference)."""
    dow = pd.DatetimeIndex(dates).day_of_week
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return pd.DataFrame({f"dow_{names[i]}": (dow == i).astype(float) for i in range(1, 7)})


def day_of_week_effects(fit: SegmentedFit) -> pd.DataFrame:
    """Percent difference of each weekday's rate from Monday's, with 95% intervals, from a daily fit."""
    params = pd.Series(np.asarray(fit.result.params), index=fit.result.model.exog_names)
    conf = pd.DataFrame(np.asarray(fit.result.conf_int()), index=params.index, columns=["lo", "hi"])
    names = [n for n in params.index if str(n).startswith("dow_")]
    return pd.DataFrame(
        {
            "day": ["Mon"] + [n[4:] for n in names],
            "pct_vs_monday": [0.0] + [100 * np.expm1(params[n]) for n in names],
            "pct_low": [0.0] + [100 * np.expm1(conf.loc[n, "lo"]) for n in names],
            "pct_high": [0.0] + [100 * np.expm1(conf.loc[n, "hi"]) for n in names],
        }
    )


def fit_daily_segmented(
    daily: pd.DataFrame, breaks: Sequence[pd.Timestamp], method: str = "poisson_hac"
) -> SegmentedFit:
    """Segmented model of a daily series with day-of-week effects (each day is a period of one day)."""
    frame = pd.DataFrame({"date": daily["date"], "count": daily["arrests"], "days": 1})
    inside = [b for b in breaks if frame["date"].min() < b <= frame["date"].max()]
    return fit_segmented(
        frame, inside, method=method, date_col="date", extra=day_of_week_dummies(frame["date"]), hac_lags=14
    )


def monthly_from_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """Monthly rates from a (trimmed) daily series, flagging the first/last month partial when days are missing."""
    month = daily["date"].dt.to_period("M").dt.to_timestamp()
    grouped = daily.groupby(month).agg(count=("arrests", "sum"), days=("date", "nunique"))
    out = grouped.rename_axis("month").reset_index()
    full_days = out["month"].map(calendar.days_in_month)
    out["partial_month"] = out["days"] < full_days
    out["fiscal_year"] = out["month"].map(calendar.fiscal_year)
    out["agency"] = "ICE"
    out["per_day"] = out["count"] / out["days"]
    return out[["month", "fiscal_year", "agency", "count", "days", "partial_month", "per_day"]]


# ------------------------------------------------------------------------------------------ nowcast
# The nowcast of book-ins from arrests is its own module; re-exported so `trends.nowcast("Total")` works.
from research.models.nowcast import backtest_nowcast, nowcast  # noqa: E402

__all__ = ["backtest_nowcast", "nowcast"]
