"""Nowcast of detention book-ins for the months ICE's newest workbook does not reach, from ICE ERO arrests.

Two measures, two sources: monthly **book-ins** (arrests that led to an ICE detention book-in, by arresting
agency, from ICE's detention-statistics workbooks; the newest stops on 2026-04-04) and monthly **arrests** by ICE
Enforcement and Removal Operations (Deportation Data Project records, complete through June 2026). The bridge is
the ratio of ICE-arrested book-ins to ERO arrests, which moves slowly; the nowcast multiplies each month's arrests
by a forecast of that ratio.

Models of the log ratio r_t = log(ICE book-ins per day / arrests per day), fitted on the months both series cover
(complete months only; a month either source flags as partial, or the arrest release flags as under-reported,
is left out):
- "local level": ARIMA(0,1,1), a random walk observed with noise (follows level shifts, smooths noise);
- "last ratio": random walk (carries the last observed ratio forward);
- "AR(1) ratio": stationary AR(1) around a constant (reverts to the window's mean ratio).
"carry forward" is the naive benchmark that ignores arrests: the last complete month's book-ins per day, with
random-walk intervals on the log rate.

CBP-arrested book-ins have no arrest counterpart (the arrest records are ICE ERO only). For agency "CBP" and
"Total" the CBP share of ICE + CBP book-ins is modelled separately (same model family, on the logit of the share)
and combined with the ICE nowcast by simulation, drawing the two forecast errors with the correlation of the
two models' one-step residuals. Intervals hold the fitted parameters fixed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tsa.statespace.sarimax import SARIMAX

from research.models.compute import one_blas_thread
from research.params import check_choice

AGENCIES = ("ICE", "CBP", "Total")
MODELS = ("local level", "last ratio", "AR(1) ratio")
BENCHMARK = "carry forward"
DEFAULT_MODEL = "local level"
LEVELS = (0.80, 0.95)
COLUMNS = ["month", "median", "lo80", "hi80", "lo95", "hi95"]
_ORDERS: dict[str, tuple[tuple[int, int, int], str | None]] = {
    "local level": ((0, 1, 1), None),
    "last ratio": ((0, 1, 0), None),
    "AR(1) ratio": ((1, 0, 0), "c"),
    BENCHMARK: ((0, 1, 0), None),
}


# ------------------------------------------------------------------------------------------- inputs
def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"nowcast: the {what} frame lacks column(s) {missing}; it has {list(frame.columns)}")


def book_in_rates(book_ins: pd.DataFrame) -> pd.DataFrame:
    """ICE- and CBP-arrested book-ins per day by month (frame of `load_book_ins()`, all agencies).

    Returns `month, ice, cbp, ice_per_day, cbp_per_day, days, complete` (per day over the days covered).
    """
    _require(book_ins, ["month", "agency", "book_ins", "partial_month", "days_covered"], "book-ins")
    rows = book_ins.loc[book_ins["agency"].isin(["ICE", "CBP"])]
    if set(rows["agency"]) != {"ICE", "CBP"}:
        raise ValueError(
            "nowcast: the book-ins frame needs both ICE and CBP rows (load_book_ins() without an agency); "
            f"it has {sorted(set(book_ins['agency']))}"
        )
    wide = rows.pivot(index="month", columns="agency", values="book_ins")
    meta = rows.groupby("month").agg(days=("days_covered", "max"), partial=("partial_month", "max"))
    out = pd.DataFrame(
        {
            "month": pd.DatetimeIndex(wide.index),
            "ice": wide["ICE"].to_numpy(dtype=float),
            "cbp": wide["CBP"].to_numpy(dtype=float),
            "days": meta["days"].to_numpy(dtype=int),
            "complete": ~meta["partial"].astype(bool).to_numpy(),
        }
    )
    out["ice_per_day"] = out["ice"] / out["days"]
    out["cbp_per_day"] = out["cbp"] / out["days"]
    return out.sort_values("month").reset_index(drop=True)


def arrest_rates(arrests: pd.DataFrame) -> pd.DataFrame:
    """ERO arrests per day by month (frame of `load_arrests_monthly()`): `month, arrests, days, per_day, complete`.

    A month is complete when the release covers all its days and it is outside the reporting-lag window.
    """
    _require(arrests, ["month", "arrests", "days_covered", "partial_month", "reporting_lag"], "arrests")
    out = pd.DataFrame(
        {
            "month": pd.to_datetime(arrests["month"]),
            "arrests": arrests["arrests"].to_numpy(dtype=float),
            "days": arrests["days_covered"].to_numpy(dtype=int),
            "complete": ~(
                arrests["partial_month"].astype(bool) | arrests["reporting_lag"].astype(bool)
            ).to_numpy(),
        }
    )
    out["per_day"] = out["arrests"] / out["days"]
    return out.sort_values("month").reset_index(drop=True)


def bridge(book_ins: pd.DataFrame, arrests: pd.DataFrame) -> pd.DataFrame:
    """Months both series cover completely: arrests and ICE-arrested book-ins per day and their ratio.

    Columns: `month, arrests_per_day, book_ins_per_day, cbp_book_ins_per_day, arrests_per_book_in, log_ratio`
    (log of book-ins over arrests, the modelled quantity) and `cbp_logit_share` (logit of CBP's share of
    ICE + CBP book-ins).
    """
    b = book_in_rates(book_ins)
    a = arrest_rates(arrests)
    both = b.loc[b["complete"]].merge(a.loc[a["complete"]], on="month", suffixes=("_b", "_a"))
    if both.empty:
        raise ValueError("nowcast: the book-ins and arrest series share no complete month")
    out = pd.DataFrame(
        {
            "month": both["month"],
            "arrests_per_day": both["per_day"],
            "book_ins_per_day": both["ice_per_day"],
            "cbp_book_ins_per_day": both["cbp_per_day"],
        }
    )
    out["arrests_per_book_in"] = out["arrests_per_day"] / out["book_ins_per_day"]
    out["log_ratio"] = np.log(out["book_ins_per_day"] / out["arrests_per_day"])
    out["cbp_logit_share"] = np.log(out["cbp_book_ins_per_day"] / out["book_ins_per_day"])
    return out.reset_index(drop=True)


def bridge_spread(frame: pd.DataFrame, recent: int = 6) -> dict[str, Any]:
    """Spread of arrests per book-in over the bridge months, and over the last `recent` of them."""
    ratio = frame["arrests_per_book_in"]
    tail = ratio.iloc[-recent:]
    return {
        "months": len(ratio),
        "first": pd.Timestamp(frame["month"].iloc[0]),
        "last": pd.Timestamp(frame["month"].iloc[-1]),
        "mean": float(ratio.mean()),
        "sd": float(ratio.std(ddof=1)),
        "min": float(ratio.min()),
        "max": float(ratio.max()),
        "min_month": pd.Timestamp(frame.loc[ratio.idxmin(), "month"]),
        "max_month": pd.Timestamp(frame.loc[ratio.idxmax(), "month"]),
        "recent_months": len(tail),
        "recent_mean": float(tail.mean()),
        "recent_min": float(tail.min()),
        "recent_max": float(tail.max()),
    }


def target_months(book_ins: pd.DataFrame, arrests: pd.DataFrame) -> pd.DatetimeIndex:
    """Months to nowcast: from the first month the book-ins do not complete to the last complete arrest month."""
    b = book_in_rates(book_ins)
    a = arrest_rates(arrests)
    complete_b = b.loc[b["complete"], "month"]
    complete_a = a.loc[a["complete"], "month"]
    if complete_b.empty or complete_a.empty:
        raise ValueError("nowcast: no complete month in the book-ins or in the arrests")
    first = pd.Timestamp(complete_b.max()) + pd.offsets.MonthBegin(1)
    last = pd.Timestamp(complete_a.max())
    return pd.date_range(first, last, freq="MS") if last >= first else pd.DatetimeIndex([], freq="MS")


# ------------------------------------------------------------------------------------------ models
def _monthly(values: pd.Series, months: pd.Series) -> pd.Series:
    s = pd.Series(values.to_numpy(dtype=float), index=pd.DatetimeIndex(months)).sort_index()
    return s.asfreq(
        "MS"
    )  # months missing from the window (a partial month) become NaN: the filter skips them


def _fit(y: pd.Series, model: str) -> Any:
    order, trend = _ORDERS[model]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SARIMAX(y, order=order, trend=trend).fit(disp=False, maxiter=200)


def _forecast(result: Any, last: pd.Timestamp, months: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Mean and s.d. of the forecast for each target month (steps counted from the last training month)."""
    steps = np.array([(m.year - last.year) * 12 + m.month - last.month for m in months])
    if (steps < 1).any():
        raise ValueError("nowcast: target months must come after the last training month")
    fc = result.get_forecast(int(steps.max()))
    mean = np.asarray(fc.predicted_mean)[steps - 1]
    sd = np.sqrt(np.asarray(fc.var_pred_mean))[steps - 1]
    return mean, sd


def _one_step_residuals(result: Any) -> np.ndarray:
    err = np.asarray(result.filter_results.standardized_forecasts_error)[0]
    burn = int(getattr(result, "loglikelihood_burn", 0))
    err = err.copy()
    err[:burn] = np.nan
    return err


def _quantile_columns(draws_or_params: Any, analytic: bool) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if analytic:
        mean, sd = draws_or_params
        out["median"] = np.exp(mean)
        for level in LEVELS:
            z = stats.norm.ppf(0.5 + level / 2)
            tag = int(round(100 * level))
            out[f"lo{tag}"] = np.exp(mean - z * sd)
            out[f"hi{tag}"] = np.exp(mean + z * sd)
        return out
    draws = draws_or_params  # (months, n_draws) on the rate scale
    out["median"] = np.median(draws, axis=1)
    for level in LEVELS:
        tag = int(round(100 * level))
        out[f"lo{tag}"], out[f"hi{tag}"] = np.quantile(draws, [0.5 - level / 2, 0.5 + level / 2], axis=1)
    return out


def _predict(
    agency: str,
    model: str,
    train: pd.DataFrame,
    months: pd.DatetimeIndex,
    arrests_per_day: np.ndarray,
    rng: np.random.Generator,
    n_draws: int,
) -> pd.DataFrame:
    """Quantiles of `agency` book-ins per day in `months` from a bridge frame `train` (complete months only)."""
    last = pd.Timestamp(train["month"].max())
    if model == BENCHMARK:
        per_day = {"ICE": train["book_ins_per_day"], "CBP": train["cbp_book_ins_per_day"]}
        per_day["Total"] = per_day["ICE"] + per_day["CBP"]
        result = _fit(np.log(_monthly(per_day[agency], train["month"])), model)
        return pd.DataFrame({"month": months, **_quantile_columns(_forecast(result, last, months), True)})
    ratio_fit = _fit(_monthly(train["log_ratio"], train["month"]), model)
    r_mean, r_sd = _forecast(ratio_fit, last, months)
    log_arrests = np.log(arrests_per_day)
    if agency == "ICE":
        return pd.DataFrame({"month": months, **_quantile_columns((log_arrests + r_mean, r_sd), True)})
    share_fit = _fit(_monthly(train["cbp_logit_share"], train["month"]), model)
    s_mean, s_sd = _forecast(share_fit, last, months)
    e_r, e_s = _one_step_residuals(ratio_fit), _one_step_residuals(share_fit)
    ok = np.isfinite(e_r) & np.isfinite(e_s)
    corr = float(np.corrcoef(e_r[ok], e_s[ok])[0, 1]) if ok.sum() >= 5 else 0.0
    z1 = rng.standard_normal((len(months), n_draws))
    z2 = corr * z1 + np.sqrt(1 - corr**2) * rng.standard_normal((len(months), n_draws))
    log_ice = (log_arrests + r_mean)[:, None] + r_sd[:, None] * z1
    logit = s_mean[:, None] + s_sd[:, None] * z2
    # CBP / ICE = exp(logit share); Total = ICE (1 + CBP / ICE).
    draws = np.exp(log_ice + logit) if agency == "CBP" else np.exp(log_ice) * (1 + np.exp(logit))
    frame = pd.DataFrame({"month": months, **_quantile_columns(draws, False)})
    frame.attrs["ratio_share_correlation"] = corr
    return frame


# ------------------------------------------------------------------------------------------ nowcast
@one_blas_thread
def nowcast(
    agency: str = "ICE",
    *,
    book_ins: pd.DataFrame | None = None,
    arrests: pd.DataFrame | None = None,
    model: str = DEFAULT_MODEL,
    n_draws: int = 20_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Book-ins per day of `agency` ("ICE", "CBP" or "Total") for the months the newest workbook does not complete.

    One row per month from the first month the book-ins do not complete (the newest edition stops mid-month) to
    the last complete month of the arrest series (not partial and not flagged `reporting_lag`: the release's
    last three weeks are under-reported, so July 2026 is left out), with columns `month` (month start),
    `median`, `lo80`, `hi80`, `lo95`, `hi95`, in book-ins per day. The model is fitted on every month both series
    cover completely. `book_ins` (all agencies, as `research.data.load_book_ins()`) and `arrests` (as
    `load_arrests_monthly()`) default to the project's embedded tables, for interactive use. `attrs` record
    the model, the fitted months and the sources. Deterministic in `seed` (draws are used for CBP and Total).
    """
    check_choice("agency", agency, AGENCIES)
    check_choice("model", model, [*MODELS, BENCHMARK])
    if book_ins is None or arrests is None:
        from research import defaults  # the one bridge to the default tables, for omitted frames only

        book_ins = defaults.frame("book_ins") if book_ins is None else book_ins
        arrests = defaults.frame("arrests_monthly") if arrests is None else arrests
    train = bridge(book_ins, arrests)
    months = target_months(book_ins, arrests)
    a = arrest_rates(arrests).set_index("month")
    out = (
        _predict(
            agency,
            model,
            train,
            months,
            a.loc[months, "per_day"].to_numpy(),
            np.random.default_rng(seed),
            n_draws,
        )
        if len(months)
        else pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "month" else float) for c in COLUMNS})
    )
    out = out[COLUMNS].reset_index(drop=True)
    out.attrs = {
        "agency": agency,
        "model": model,
        "unit": "book-ins per day",
        "fit_first": pd.Timestamp(train["month"].min()),
        "fit_last": pd.Timestamp(train["month"].max()),
        "fit_months": len(train),
        "source": "; ".join(
            str(f.attrs.get("source", "")) for f in (book_ins, arrests) if f.attrs.get("source")
        ),
    }
    return out


@dataclass
class NowcastBacktest:
    """Held-out-month backtest: `forecasts` (one row per holdout k, month and model) and `summary` by model."""

    forecasts: pd.DataFrame
    summary: pd.DataFrame


@one_blas_thread
def backtest_nowcast(
    agency: str = "ICE",
    *,
    book_ins: pd.DataFrame,
    arrests: pd.DataFrame,
    holdouts: Sequence[int] = (1, 2, 3, 4, 5, 6),
    models: Sequence[str] = (*MODELS, BENCHMARK),
    n_draws: int = 20_000,
    seed: int = 0,
) -> NowcastBacktest:
    """Hold out the last k bridge months (for each k in `holdouts`), refit, nowcast them, compare with the truth.

    Every model sees the same training months and targets; the ratio models use the held-out months' actual
    arrests (as the real nowcast does), the carry-forward benchmark does not. `summary` per model: `n` forecasts,
    `mae` (book-ins per day), `mae_vs_carry_forward` (< 1 beats the benchmark), `bias` (mean forecast minus
    actual), `coverage80` and `coverage95` (share of actual values inside the intervals). Held-out sets overlap
    across k, so the forecasts are not independent: read the coverages as rough.
    """
    check_choice("agency", agency, AGENCIES)
    full = bridge(book_ins, arrests)
    actual_col = {"ICE": "book_ins_per_day", "CBP": "cbp_book_ins_per_day"}
    truth = (
        full["book_ins_per_day"] + full["cbp_book_ins_per_day"]
        if agency == "Total"
        else full[actual_col[agency]]
    )
    rows = []
    for k in holdouts:
        if not 1 <= k <= len(full) - 8:
            raise ValueError(
                f"backtest_nowcast: holdout {k} leaves fewer than 8 training months of {len(full)}"
            )
        train, test = full.iloc[:-k], full.iloc[-k:]
        months = pd.DatetimeIndex(test["month"])
        for m_i, model in enumerate(models):
            check_choice("model", model, [*MODELS, BENCHMARK])
            rng = np.random.default_rng([seed, k, m_i])
            pred = _predict(agency, model, train, months, test["arrests_per_day"].to_numpy(), rng, n_draws)
            pred = pred.assign(holdout=k, model=model, actual=truth.iloc[-k:].to_numpy())
            pred["horizon"] = np.arange(1, k + 1)
            rows.append(pred)
    forecasts = pd.concat(rows, ignore_index=True)
    forecasts["error"] = forecasts["median"] - forecasts["actual"]
    for level in (80, 95):
        forecasts[f"in{level}"] = (forecasts[f"lo{level}"] <= forecasts["actual"]) & (
            forecasts["actual"] <= forecasts[f"hi{level}"]
        )
    summary = forecasts.groupby("model", sort=False).agg(
        n=("error", "size"),
        mae=("error", lambda e: float(np.mean(np.abs(e)))),
        bias=("error", "mean"),
        coverage80=("in80", "mean"),
        coverage95=("in95", "mean"),
    )
    summary["mae_vs_carry_forward"] = (
        summary["mae"] / summary.loc[BENCHMARK, "mae"] if BENCHMARK in summary.index else np.nan
    )
    return NowcastBacktest(forecasts, summary.reset_index())


# ------------------------------------------------------------------------ check against a partial month
def _position(value: float, low: float, high: float) -> str:
    return "below" if value < low else "above" if value > high else "inside"


def partial_month_check(nowcast_table: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Compare the observed days of a partly covered month with that month's nowcast intervals.

    `observed` is shaped like `trends.monthly_rates` (`month, days, per_day, partial_month`); only its partial months
    that the nowcast also covers are checked. Per month: the observed rate over its days, the nowcast median and
    intervals, `position80`/`position95` ("below", "inside" or "above" the interval), `gap_pct` (observed rate
    against the median, in %), and the day mix that can make a few early days differ from the whole month:
    `first_day`/`last_day` observed, `weekend_days` among them and `month_weekend_days`/`month_days` of the month.
    It is a check, not a test: the intervals are for the whole month's rate, and a few days are noisier.
    """
    _require(nowcast_table, COLUMNS, "nowcast")
    _require(observed, ["month", "days", "per_day", "partial_month"], "observed rates")
    part = observed.loc[observed["partial_month"].astype(bool) & (observed["days"] > 0)]
    rows = part.merge(nowcast_table, on="month", how="inner")
    out = []
    for row in rows.itertuples(index=False):
        month = pd.Timestamp(row.month)
        covered = pd.date_range(month, periods=int(row.days), freq="D")
        whole = pd.date_range(month, month + pd.offsets.MonthEnd(0), freq="D")
        out.append(
            {
                "month": month,
                "days": int(row.days),
                "per_day": float(row.per_day),
                **{c: float(getattr(row, c)) for c in COLUMNS[1:]},
                "position80": _position(row.per_day, row.lo80, row.hi80),
                "position95": _position(row.per_day, row.lo95, row.hi95),
                "gap_pct": 100 * (row.per_day / row.median - 1),
                "first_day": covered[0],
                "last_day": covered[-1],
                "weekend_days": int((covered.day_of_week >= 5).sum()),
                "month_days": len(whole),
                "month_weekend_days": int((whole.day_of_week >= 5).sum()),
            }
        )
    columns = [
        "month", "days", "per_day", *COLUMNS[1:], "position80", "position95", "gap_pct",
        "first_day", "last_day", "weekend_days", "month_days", "month_weekend_days",
    ]  # fmt: skip
    return pd.DataFrame(out, columns=columns)
