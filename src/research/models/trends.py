"""Arrest trends and the 3,000-a-day goal: day-count conversion, segmented regression, STL, forecasts, goal gap.

Charts of these results are in `research.figures.trends`.

Inputs are the frames of `research.data` (`load_book_ins()`, optionally `load_arrests_daily()`); every function
takes a frame and returns a frame or a small dataclass, so tests can feed synthetic series with a known truth.

Units: rates are arrests (book-ins) per day; model time is measured in average months of 365.25 / 12 days, so a
"slope" is a change in log rate per month and a "level" change is a change in log rate (exp(x) - 1 = % change).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.statespace.sarimax import SARIMAX

from research import calendar
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
    return TrendParams(
        start=start_ts,
        end=end_ts,
        agency=str(agency),
        source=str(source),
        goal_per_day=float(goal_per_day),
        breaks=tuple(sorted(parsed)),
        forecast_months=int(forecast_months),
        seed=int(seed),
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


def stl_decompose(series: pd.Series, period: int = SEASON, seasonal: int = 13, trend: int = 13) -> StlOutcome:
    """STL on log rate when there are at least two full seasonal cycles, else None with a reason.

    Not robust-weighted and with a short trend window: the 2025 level shifts are signal, and robust STL would
    treat them as outliers and push them into the trend's extrapolation and the seasonal component.
    """
    n = int(series.notna().sum())
    if n < 2 * period:
        return StlOutcome(None, f"only {n} complete months; STL needs at least {2 * period} (two full years)")
    log_y = np.log(_fill_log(series))
    res = STL(log_y, period=period, seasonal=seasonal, trend=trend, robust=False).fit()
    comps = pd.DataFrame(
        {"month": series.index, "observed": np.exp(log_y.to_numpy()), "trend": np.exp(res.trend.to_numpy())}
    )
    comps["seasonal_pct"] = 100 * np.expm1(res.seasonal.to_numpy())
    comps["resid_pct"] = 100 * np.expm1(res.resid.to_numpy())
    comps["interpolated"] = series.isna().to_numpy()
    filled = int(series.isna().sum())
    reason = f"STL on {n} complete months" + (f"; {filled} partial month(s) interpolated" if filled else "")
    return StlOutcome(comps, reason)


# -------------------------------------------------------------------------------------- forecasting
@dataclass(frozen=True)
class Candidate:
    """A forecasting model on the log rate: `fit(log_series)` returns a fitted statsmodels results object."""

    name: str
    min_obs: int
    fit: Callable[[pd.Series], Any]
    needs_filled: bool = False


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
    "seasonal naive": Candidate("seasonal naive", SEASON + 2, _sarimax((0, 0, 0), (0, 1, 0, SEASON))),
    "ARIMA(1,1,0)": Candidate("ARIMA(1,1,0)", 8, _sarimax((1, 1, 0))),
    "SARIMA(0,1,1)(0,1,1)12": Candidate(
        "SARIMA(0,1,1)(0,1,1)12", 2 * SEASON + 4, _sarimax((0, 1, 1), (0, 1, 1, SEASON))
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


def backtest(
    series: pd.Series,
    *,
    horizon: int = 6,
    n_origins: int = 12,
    models: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest on the per-day rate: refit at each of the last `n_origins` months, forecast up to
    `horizon` months ahead (targets beyond the data are skipped), score on the rate scale.
    `mae_vs_naive` / `mae_vs_snaive` divide each MAE by the naive / seasonal-naive backtest MAE (< 1 is better).

    MASE scales each origin's absolute errors by the in-sample one-step MAE of the naive (`mase_naive`) and
    the seasonal-naive (`mase_snaive`) forecast on that origin's training data. Models lacking the data at the
    earliest origin are skipped; origins right after a partial month are skipped. Returns one row per model sorted by MAE.
    """
    names = list(models) if models is not None else list(CANDIDATES)
    n = len(series)
    # An origin whose last training month is a gap (partial month) is skipped for every model alike.
    origins = [o for o in range(max(1, n - n_origins), n) if not np.isnan(series.iloc[o - 1])]
    rows = []
    for name in names:
        cand = CANDIDATES[name]
        if int(series.iloc[: origins[0]].notna().sum()) < cand.min_obs:
            continue
        errs, sn, ss = [], [], []
        for o in origins:
            train, test = series.iloc[:o], series.iloc[o : o + horizon]
            mean, _, _ = _forecast_log(fit_candidate(name, train), len(test), 0.05)
            err = np.abs(np.exp(mean) - test.to_numpy())
            ok = ~np.isnan(err)
            if not ok.any():
                continue
            filled = _fill_log(train)
            scale_n = np.nanmean(np.abs(filled.diff(1)))
            scale_s = np.nanmean(np.abs(filled.diff(SEASON))) if len(train) > SEASON else np.nan
            errs.extend(err[ok])
            sn.extend(err[ok] / scale_n)
            ss.extend(err[ok] / scale_s)
        rows.append(
            {
                "model": name,
                "n_forecasts": len(errs),
                "mae": float(np.mean(errs)),
                "mase_naive": float(np.mean(sn)),
                "mase_snaive": float(np.nanmean(ss)) if np.isfinite(ss).any() else np.nan,
            }
        )
    if not rows:
        raise ValueError(f"backtest: series of {n} months is too short for any model")
    table = pd.DataFrame(rows)
    maes = table.set_index("model")["mae"]
    # Same origins and targets for every model, so MAE ratios to the baselines compare like with like.
    table["mae_vs_naive"] = table["mae"] / maes["naive"] if "naive" in maes else np.nan
    table["mae_vs_snaive"] = table["mae"] / maes["seasonal naive"] if "seasonal naive" in maes else np.nan
    return table.sort_values(["mae", "model"]).reset_index(drop=True)


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
