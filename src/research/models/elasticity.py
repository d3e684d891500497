"""How arrests respond to headcount: a log-log elasticity that says when the data cannot tell.

log(per day) = a + e * log(headcount L months earlier) + [trend] + steps at policy breaks + AR(1) error.

The elasticity e is also the ratio of the marginal to the average product (d log A / d log E = (dA/dE) / (A/E)):
e < 1 means an added officer adds fewer arrests than the average officer makes, e = 1 proportional, e = 0 none.
A training lag L counts hires only once they have been on board L months (hiring cohorts enter output late).

ICE's headcount sat within a few per cent of its mean for years and then rose by a third in four months, as a new
policy regime began. A step in arrests at that moment fits a policy change as well as it fits the new staff, so a
regression that is not told about such a step reports a precise, wrong elasticity. The break-robust interval is the
union of the intervals obtained by adding one more step at every month that leaves two months on each side; when
that interval is wider than the distance from "no response" (0) to "proportional response" (1), the elasticity is
reported as not identified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from research.models.autocorrelation import AR1Fit, RhoWeights, mixture_quantiles, ols_ar1, rho_weights

IDENTIFIED_MAX_WIDTH = 1.0  # wider than the 0-to-1 gap: cannot tell no response from a proportional one
STEP_MARGIN = 2  # an added step leaves at least this many months on each side
LEVEL = 0.95  # of the interval given the stated breaks (AR1Fit.interval's default)


@dataclass(frozen=True)
class ElasticityFit:
    """Elasticity with its interval given the stated breaks, and the break-robust interval and flag."""

    label: str
    elasticity: float
    ci_low: float  # 95%, AR(1)-robust, given the stated breaks
    ci_high: float
    robust_low: float  # union over one added step at any month
    robust_high: float
    identified: bool
    p_below_one: float  # one-sided p of "marginal < average", the largest across the added-step fits
    months: int
    first_month: pd.Timestamp
    last_month: pd.Timestamp
    lag_months: int
    controls: tuple[str, ...]
    rho: RhoWeights
    fit: AR1Fit
    sample: pd.DataFrame  # the fitted months: month, per_day, employees, headcount (lagged), fitted (log)

    def as_row(self) -> dict[str, object]:
        return {
            "specification": self.label,
            "elasticity": self.elasticity,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "robust_low": self.robust_low,
            "robust_high": self.robust_high,
            "identified": self.identified,
            "p_below_one": self.p_below_one,
            "months": self.months,
            "first_month": self.first_month,
            "last_month": self.last_month,
            "lag_months": self.lag_months,
            "controls": ", ".join(self.controls) or "none",
            "rho_mode": self.rho.mode,
        }


def design(
    month: pd.Series,
    log_headcount: np.ndarray,
    *,
    breaks: Sequence[str | pd.Timestamp],
    trend: bool,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Columns: constant, log headcount, optional trend (years), a step at each break inside the sample."""
    month = pd.Series(pd.to_datetime(month)).reset_index(drop=True)
    cols = [np.ones(len(month)), np.asarray(log_headcount, dtype=float)]
    names: list[str] = []
    if trend:
        cols.append(((month - month.iloc[0]).dt.days / 365.25).to_numpy())
        names.append("trend")
    for when in breaks:
        stamp = pd.Timestamp(when)
        step = (month >= stamp).to_numpy(dtype=float)
        if 0 < step.sum() < len(step):  # a break outside the sample would be a constant column
            cols.append(step)
            names.append(f"step {stamp:%Y-%m}")
    return np.column_stack(cols), tuple(names)


def lagged_headcount(panel: pd.DataFrame, lag_months: int) -> pd.Series:
    """Headcount `lag_months` earlier, aligned on `month` (NaN when the panel does not reach back that far)."""
    months = pd.DatetimeIndex(panel["month"])
    expected = pd.date_range(months.min(), months.max(), freq="MS")
    if len(expected) != len(months) or not (months == expected).all():
        raise ValueError("panel: months must be consecutive and sorted to lag headcount")
    return panel["employees"].shift(lag_months)


def fit_elasticity(
    panel: pd.DataFrame,
    *,
    label: str = "",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    breaks: Sequence[str | pd.Timestamp] = (),
    trend: bool = False,
    lag_months: int = 0,
    rho: RhoWeights | None = None,
) -> ElasticityFit:
    """Fit the elasticity on `panel` (`month`, `per_day`, `employees`, `fit`) between `start` and `end`.

    Months with `fit` False (partial, reporting lag) or no headcount are left out. `rho` None: estimated by REML on
    this fit (long samples); pass the noise model's weights (`capacity.noise_weights`) for short windows.
    """
    frame = panel.sort_values("month").reset_index(drop=True)
    frame = frame.assign(headcount=lagged_headcount(frame, lag_months))
    keep = frame["fit"].astype(bool) & frame["headcount"].notna() & frame["per_day"].gt(0)
    if start is not None:
        keep &= frame["month"] >= pd.Timestamp(start)
    if end is not None:
        keep &= frame["month"] <= pd.Timestamp(end)
    data = frame[keep].reset_index(drop=True)
    if data["headcount"].nunique() < 2:
        raise ValueError(f"fit_elasticity {label!r}: headcount does not vary in the sample")
    y = np.log(data["per_day"].to_numpy(dtype=float))
    X, controls = design(
        data["month"], np.log(data["headcount"].to_numpy(dtype=float)), breaks=breaks, trend=trend
    )
    if len(y) - X.shape[1] < 2:
        raise ValueError(f"fit_elasticity {label!r}: {len(y)} months for {X.shape[1]} coefficients")
    used_rho = rho_weights(y, X) if rho is None else rho
    base = ols_ar1(y, X, used_rho)
    centres, scales, dfs = [base.params[1]], [base.scales(1)], [base.df]
    for k in range(STEP_MARGIN, len(y) - STEP_MARGIN + 1):
        Xk = np.column_stack([X, (np.arange(len(y)) >= k).astype(float)])
        if len(y) - Xk.shape[1] < 1 or np.linalg.matrix_rank(Xk) < Xk.shape[1]:
            continue  # the step duplicates a stated break or leaves no residual degrees of freedom
        fit_k = ols_ar1(y, Xk, used_rho)
        centres.append(fit_k.params[1])
        scales.append(fit_k.scales(1))
        dfs.append(fit_k.df)
    c, sc, d = np.array(centres), np.vstack(scales), np.array(dfs, dtype=float)
    # One call for both ends of every interval: `base.interval(1)` (rows 0-1), then each fit at 2.5% and 97.5%.
    m, tail = len(c), (1.0 - LEVEL) / 2.0
    ends = mixture_quantiles(
        np.concatenate([c[:1], c[:1], c, c]),
        np.vstack([sc[:1], sc[:1], sc, sc]),
        used_rho.weights,
        np.concatenate([d[:1], d[:1], d, d]),
        np.concatenate([[tail, 1.0 - tail], np.full(m, 0.025), np.full(m, 0.975)]),
    )
    low, high = float(ends[0]), float(ends[1])
    robust_low, robust_high = float(ends[2 : 2 + m].min()), float(ends[2 + m :].max())
    # p of "marginal >= average" under each fit; the largest is the conservative one.
    p_max = float(
        np.max(1.0 - np.sum(used_rho.weights * special.stdtr(d[:, None], (1.0 - c[:, None]) / sc), axis=1))
    )
    return ElasticityFit(
        label=label,
        elasticity=float(base.params[1]),
        ci_low=low,
        ci_high=high,
        robust_low=robust_low,
        robust_high=robust_high,
        identified=bool(robust_high - robust_low <= IDENTIFIED_MAX_WIDTH),
        p_below_one=p_max,
        months=len(y),
        first_month=data["month"].iloc[0],
        last_month=data["month"].iloc[-1],
        lag_months=lag_months,
        controls=controls,
        rho=used_rho,
        fit=base,
        sample=data[["month", "per_day", "employees", "headcount"]].assign(fitted=X @ base.params),
    )


def elasticity_table(fits: Sequence[ElasticityFit]) -> pd.DataFrame:
    return pd.DataFrame([f.as_row() for f in fits])


@dataclass(frozen=True)
class Coverage:
    """Simulated behaviour of `fit_elasticity` on one design."""

    reps: int
    fixed: float  # share of 95% intervals given the stated breaks that hold the true elasticity
    robust: float  # the same for the break-robust interval
    not_identified: float  # share of fits flagged as not identified
    median_width: float  # of the break-robust interval


def simulate_coverage(
    months: pd.Series,
    employees: np.ndarray,
    log_mean: np.ndarray,
    truth: float,
    *,
    rho: float,
    sigma: float,
    reps: int,
    seed: int,
    **fit_kwargs: object,
) -> Coverage:
    """Fit `reps` series log(per day) = `log_mean` + AR(1) noise (marginal sd `sigma`) and score the intervals.

    `log_mean` must already contain `truth` x log(headcount `lag_months` earlier) plus whatever else moves the rate
    (trend, policy steps, including any that the fit is not told about).
    """
    rng = np.random.default_rng(seed)
    months = pd.Series(pd.to_datetime(months)).reset_index(drop=True)
    fixed = robust = flagged = 0
    widths = []
    for _ in range(reps):
        noise = np.empty(len(months))
        noise[0] = rng.normal(0.0, sigma)
        for t in range(1, len(months)):
            noise[t] = rho * noise[t - 1] + rng.normal(0.0, sigma * np.sqrt(1.0 - rho**2))
        panel = pd.DataFrame(
            {"month": months, "per_day": np.exp(log_mean + noise), "employees": employees, "fit": True}
        )
        fit = fit_elasticity(panel, **fit_kwargs)  # type: ignore[arg-type]
        fixed += fit.ci_low <= truth <= fit.ci_high
        robust += fit.robust_low <= truth <= fit.robust_high
        flagged += not fit.identified
        widths.append(fit.robust_high - fit.robust_low)
    return Coverage(reps, fixed / reps, robust / reps, flagged / reps, float(np.median(widths)))


def stress_design(fit: ElasticityFit, truth: float, jump: str | pd.Timestamp) -> np.ndarray:
    """Expected log rates of a world like the fitted one in which the elasticity is `truth` and a policy step at
    `jump` (the headcount jump) makes up the rest of the rise the fit attributed to headcount.

    Used to show what the estimator reports when a policy break coincides with the jump (it should not return
    the fitted elasticity with a narrow interval).
    """
    if fit.lag_months != 0:
        raise ValueError("stress_design: only for fits without a training lag")
    log_h = np.log(fit.sample["headcount"].to_numpy(dtype=float))
    after = (fit.sample["month"] >= pd.Timestamp(jump)).to_numpy()
    if after.all() or not after.any():
        raise ValueError(f"stress_design: {jump} does not split the fitted months")
    step = (fit.elasticity - truth) * (log_h[after].mean() - log_h[~after].mean())
    fitted = fit.sample["fitted"].to_numpy(dtype=float)
    return fitted + (truth - fit.elasticity) * log_h + step * after
