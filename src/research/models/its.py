"""Interrupted time series with AR(1) errors: estimates, bootstrap-t intervals, and their coverage measured by simulation.

The segmented Poisson model with Newey-West (HAC) errors in `research.models.trends.fit_segmented` undercovers on
the real design (about five years of months, three breaks a few months apart at the very end, strongly
autocorrelated months): the HAC variance is estimated from the residuals of the same few months that identify the
late breaks. Here the monthly log rate per day is modelled as

    log(count / days) = X beta + u,   u an AR(1) process in calendar months (gaps allowed),

fitted by restricted maximum likelihood (REML: beta and sigma profiled, rho on a grid refined by a parabola;
exact ML on request), and the intervals are **parametric bootstrap-t** intervals of the fitted design: series are simulated from the fit,
re-estimated, and the quantiles of (beta* - beta) / se* replace the t quantiles. `interval_coverage` then measures,
again by simulation on the fitted design, how often each method's nominal 95% interval covers the truth.

Every estimator here is vectorised over many series with one design, so thousands of refits take seconds;
tests cross-check it against statsmodels (SARIMAX exact ML of a regression with AR(1) errors, GLS, F test).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from research.models.compute import one_blas_thread
from research.models.trends import segmented_design

# AR(1) coefficients searched (the estimate is refined between grid points).
RHO_GRID = np.linspace(-0.90, 0.99, 91)
METHODS = ("bootstrap_t", "ar1_t", "poisson_hac")
METHOD_LABELS = {
    "bootstrap_t": "AR(1) errors, bootstrap-t (printed)",
    "ar1_t": "AR(1) errors, likelihood t",
    "poisson_hac": "Previous: Poisson, Newey-West",
}
_CHUNK = 4000  # series per vectorised block (memory: n x chunk floats per grid point)


# ------------------------------------------------------------------------------------------ core estimator
@dataclass(frozen=True)
class Ar1Design:
    """A fixed regression design on (possibly gappy) monthly times: `times` are integer month numbers."""

    X: np.ndarray
    times: np.ndarray
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.X.ndim != 2 or self.X.shape[0] != len(self.times):
            raise ValueError(f"Ar1Design: X has shape {self.X.shape} but there are {len(self.times)} times")
        gaps = np.diff(self.times)
        if (gaps <= 0).any():
            raise ValueError("Ar1Design: times must be strictly increasing month numbers")
        if self.X.shape[0] <= self.X.shape[1] + 2:
            raise ValueError(
                f"Ar1Design: {self.X.shape[0]} observations for {self.X.shape[1]} coefficients is too few"
            )

    @property
    def gaps(self) -> np.ndarray:
        return np.diff(self.times)


@dataclass
class Ar1Estimates:
    """Estimates for R series: beta (R, k), se (R, k), rho (R,), sigma (R,) (innovation s.d.), loglik (R,).

    `sigma` is sqrt(RSS / (n - k)) under REML and sqrt(RSS / n) under ML; `loglik` is the ML log-likelihood at
    the estimates; `cov` (R, k, k) is kept only when asked for (`fit_ar1(..., keep_cov=True)`).
    """

    beta: np.ndarray
    se: np.ndarray
    rho: np.ndarray
    sigma: np.ndarray
    loglik: np.ndarray
    cov: np.ndarray | None = None


def _whitening(rho: np.ndarray, gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each rho (R,): lag coefficients c (R, n) and innovation scales s (R, n) of the n observations.

    Stationary AR(1) observed at gappy times: u_1 has variance sigma^2 / (1 - rho^2); u_i given u_{i-1} has mean
    rho^d u_{i-1} and variance sigma^2 (1 - rho^(2d)) / (1 - rho^2) when d months separate them, so
    (u_i - c_i u_{i-1}) / s_i are iid N(0, sigma^2) with c_i = rho^d and s_i^2 = (1 - rho^(2d)) / (1 - rho^2).
    """
    rho = np.atleast_1d(np.asarray(rho, dtype=float))
    one = (1.0 - rho**2)[:, None]
    lag = np.power.outer(rho, gaps.astype(float))
    c = np.concatenate([np.zeros((len(rho), 1)), lag], axis=1)
    s = np.concatenate([1.0 / np.sqrt(one), np.sqrt((1.0 - lag**2) / one)], axis=1)
    return c, s


class _Precision:
    """The AR(1) precision matrix P(rho) = W'W of a design's times, split as
    P = (1 + rho^2) I - rho (sub + super diagonal) + corrections at a few positions.

    With monthly data almost every pair of neighbours is one month apart, where P has exactly that banded form;
    only the first and last observation and the two sides of each gap differ. So X'PX, X'Py and y'Py are a
    quadratic in rho of statistics computed once per series, plus a handful of correction terms: estimating
    thousands of series costs O(k^2) per series and rho instead of O(n k).
    """

    def __init__(self, design: Ar1Design) -> None:
        X = design.X
        n = X.shape[0]
        gaps = design.gaps
        self.gap_rows = np.flatnonzero(gaps > 1) + 1  # row i whose predecessor is d > 1 months earlier
        self.gap_d = gaps[self.gap_rows - 1].astype(float)
        diag_positions = sorted({0, n - 1, *self.gap_rows.tolist(), *(self.gap_rows - 1).tolist()})
        self.jd = np.array(diag_positions, dtype=int)
        self._pos = {j: i for i, j in enumerate(diag_positions)}
        self.H0 = X.T @ X
        self.H1 = X[:-1].T @ X[1:] + X[1:].T @ X[:-1]
        self.Xd = X[self.jd]
        self.Xlo, self.Xhi = X[self.gap_rows - 1], X[self.gap_rows]

    def corrections(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(diagonal corrections (R, |jd|), off-diagonal corrections (R, gaps), sum of log(1/s_i^2)) per rho."""
        rho = np.atleast_1d(rho)
        r2 = rho**2
        dd = np.zeros((len(rho), len(self.jd)))
        dd[:, self._pos[0]] -= r2  # the first row has variance 1 / (1 - rho^2): P_00 = 1
        dd[:, self._pos[int(self.jd[-1])]] -= r2  # no row after the last one
        do = np.zeros((len(rho), len(self.gap_rows)))
        log_inv_s2 = np.log1p(-r2)
        for g, (i, d) in enumerate(zip(self.gap_rows, self.gap_d, strict=True)):
            c = rho**d
            inv_s2 = (1 - r2) / (1 - c**2)
            dd[:, self._pos[int(i)]] += inv_s2 - 1
            dd[:, self._pos[int(i) - 1]] += c**2 * inv_s2 - r2
            do[:, g] = -c * inv_s2 + rho
            log_inv_s2 = log_inv_s2 + np.log(inv_s2)
        return dd, do, log_inv_s2

    def xpx(self, rho: np.ndarray) -> np.ndarray:
        """X'P(rho)X for each rho: (R, k, k)."""
        dd, do, _ = self.corrections(rho)
        rho = np.atleast_1d(rho)
        out = (1 + rho**2)[:, None, None] * self.H0 - rho[:, None, None] * self.H1
        out += np.einsum("ja,rj,jb->rab", self.Xd, dd, self.Xd)
        cross = np.einsum("ja,rj,jb->rab", self.Xlo, do, self.Xhi)
        return out + cross + cross.transpose(0, 2, 1)


class _SeriesStats:
    """Per-series statistics of a block Y (n, S) for `_Precision`."""

    def __init__(self, prec: _Precision, X: np.ndarray, Y: np.ndarray) -> None:
        self.G0 = X.T @ Y
        self.G1 = X[:-1].T @ Y[1:] + X[1:].T @ Y[:-1]
        self.yy0 = (Y**2).sum(axis=0)
        self.yy1 = (Y[1:] * Y[:-1]).sum(axis=0)
        self.Yd = Y[prec.jd]
        self.Ylo, self.Yhi = Y[prec.gap_rows - 1], Y[prec.gap_rows]

    def xpy_ypy(
        self, prec: _Precision, rho: np.ndarray, dd: np.ndarray, do: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """X'Py (k, S) and y'Py (S,), with one rho for all series (rho scalar, dd (|jd|,)) or one per series."""
        a, b = 1 + rho**2, -rho
        xpy = a * self.G0 + b * self.G1
        ypy = a * self.yy0 + 2 * b * self.yy1
        dd_t, do_t = dd.T, do.T  # (|jd|, S or 1), (gaps, S or 1)
        xpy = xpy + prec.Xd.T @ (dd_t * self.Yd)
        xpy = xpy + prec.Xlo.T @ (do_t * self.Yhi) + prec.Xhi.T @ (do_t * self.Ylo)
        ypy = ypy + (dd_t * self.Yd**2).sum(axis=0) + 2 * (do_t * self.Ylo * self.Yhi).sum(axis=0)
        return xpy, ypy


def fit_ar1(
    design: Ar1Design,
    Y: np.ndarray,
    grid: np.ndarray = RHO_GRID,
    *,
    reml: bool = True,
    keep_cov: bool = False,
) -> Ar1Estimates:
    """Gaussian (RE)ML of Y[:, r] = X beta_r + u_r with stationary AR(1) u_r, for every column r of Y (n, R).

    rho maximises the profile (restricted, when `reml`) likelihood on `grid`, refined by a parabola through the
    best point and its neighbours; beta is the GLS estimate at that rho; se uses sigma^2 = RSS / (n - k) (the
    usual GLS small-sample variance; rho is treated as known, which is what the bootstrap-t corrects). REML
    removes most of ML's downward bias in rho when a trend and break terms are estimated from a short series.
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    n, k = design.X.shape
    if Y.shape[0] != n:
        raise ValueError(f"fit_ar1: Y has {Y.shape[0]} rows, the design {n}")
    return _fit_all(design, Y, grid, reml, keep_cov)


@one_blas_thread
def _fit_all(design: Ar1Design, Y: np.ndarray, grid: np.ndarray, reml: bool, keep_cov: bool) -> Ar1Estimates:
    n, k = design.X.shape
    prec = _Precision(design)
    grid_parts = _grid_parts(prec, grid, reml, n, k)
    parts = [
        _fit_block(design, prec, grid_parts, Y[:, i : i + _CHUNK], grid, reml, keep_cov)
        for i in range(0, Y.shape[1], _CHUNK)
    ]
    fields = ["beta", "se", "rho", "sigma", "loglik"]
    out = Ar1Estimates(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))
    if keep_cov:
        out.cov = np.concatenate([p.cov for p in parts if p.cov is not None])
    return out


def _grid_parts(prec: _Precision, grid: np.ndarray, reml: bool, n: int, k: int) -> list[tuple]:
    """Per grid rho: (rho, dd, do, inverse Cholesky factor of X'PX, constant of the profile log-likelihood)."""
    dd, do, log_inv_s2 = prec.corrections(grid)
    chol = np.linalg.cholesky(prec.xpx(grid))
    chol_inv = np.linalg.inv(chol)
    parts = []
    for j, rho in enumerate(grid):
        const = 0.5 * log_inv_s2[j]  # -sum log s_i
        if reml:
            const -= np.log(np.diag(chol[j])).sum()  # -1/2 log |X'PX|
        parts.append((float(rho), dd[j], do[j], chol_inv[j], const))
    return parts


def _fit_block(
    design: Ar1Design,
    prec: _Precision,
    grid_parts: list[tuple],
    Y: np.ndarray,
    grid: np.ndarray,
    reml: bool,
    keep_cov: bool,
) -> Ar1Estimates:
    n, k = design.X.shape
    m = n - k if reml else n
    st = _SeriesStats(prec, design.X, Y)
    ll = np.empty((len(grid), Y.shape[1]))
    for j, (rho, dd, do, chol_inv, const) in enumerate(grid_parts):
        xpy, ypy = st.xpy_ypy(prec, rho, dd[None, :], do[None, :])
        z = chol_inv @ xpy  # so that |z|^2 = xpy' (X'PX)^-1 xpy
        rss = np.maximum(ypy - (z**2).sum(axis=0), 1e-300)
        ll[j] = -0.5 * m * np.log(rss / m) + const
    best = np.clip(ll.argmax(axis=0), 1, len(grid) - 2)
    cols = np.arange(Y.shape[1])
    y0, y1, y2 = ll[best - 1, cols], ll[best, cols], ll[best + 1, cols]
    step = grid[1] - grid[0]
    denom = y0 - 2 * y1 + y2
    shift = np.where(denom < 0, 0.5 * (y0 - y2) / np.where(denom < 0, denom, -1.0), 0.0)
    rho = np.clip(grid[best] + np.clip(shift, -1, 1) * step, grid[0], grid[-1])
    # GLS at each series' own rho.
    dd, do, log_inv_s2 = prec.corrections(rho)
    xpy, ypy = st.xpy_ypy(prec, rho, dd, do)
    xpx = prec.xpx(rho)
    inv = np.linalg.inv(xpx)
    beta = np.einsum("rab,br->ra", inv, xpy)
    rss = np.maximum(ypy - np.einsum("ra,ar->r", beta, xpy), 1e-300)
    s2 = rss / (n - k)
    se = np.sqrt(np.einsum("rii->ri", inv) * s2[:, None])
    loglik = -0.5 * n * (np.log(2 * np.pi * rss / n) + 1) + 0.5 * log_inv_s2  # ML log-likelihood
    sigma = np.sqrt(s2 if reml else rss / n)
    cov = inv * s2[:, None, None] if keep_cov else None
    return Ar1Estimates(beta, se, rho, sigma, loglik, cov)


def simulate_ar1(
    design: Ar1Design,
    beta: np.ndarray,
    rho: float | np.ndarray,
    sigma: float | np.ndarray,
    rng: np.random.Generator,
    n_series: int | None = None,
) -> np.ndarray:
    """Series (n, S) from the design: X beta + stationary AR(1) errors at the design's (gappy) times.

    Either one parameter set (beta (k,), scalar rho and sigma) and `n_series` copies, or one set per series
    (beta (S, k), rho (S,), sigma (S,)).
    """
    beta = np.asarray(beta, dtype=float)
    if beta.ndim == 1:
        if n_series is None:
            raise ValueError("simulate_ar1: give n_series with a single parameter set")
        beta = np.broadcast_to(beta, (n_series, len(beta)))
    n_sim = beta.shape[0]
    rho_v = np.broadcast_to(np.asarray(rho, dtype=float), (n_sim,))
    sigma_v = np.broadcast_to(np.asarray(sigma, dtype=float), (n_sim,))
    c, s = _whitening(rho_v, design.gaps)  # (S, n)
    shocks = rng.standard_normal((len(design.times), n_sim)) * sigma_v
    u = np.empty_like(shocks)
    u[0] = shocks[0] * s[:, 0]
    for i in range(1, len(u)):
        u[i] = c[:, i] * u[i - 1] + s[:, i] * shocks[i]
    return design.X @ beta.T + u


# --------------------------------------------------------------------------------------- bootstrap-t
@dataclass
class BootstrapT:
    """Bootstrap-t results for R fitted series: interval bounds (R, k), two-sided p-values (R, k), simulation rho."""

    lo: np.ndarray
    hi: np.ndarray
    p_value: np.ndarray
    rho_sim: np.ndarray


def bootstrap_t(
    design: Ar1Design,
    est: Ar1Estimates,
    *,
    n_boot: int,
    rng: np.random.Generator,
    level: float = 0.95,
    n_bias: int | None = None,
) -> BootstrapT:
    """Parametric bootstrap-t intervals for each of the R fits in `est` (vectorised across fits).

    Two stages: (1) `n_bias` series simulated at each fit's rho estimate the estimator's bias, and the
    simulation rho is the bias-corrected 2 rho - mean(rho*) (even REML's rho is biased down near a unit root,
    and simulating at a too-small rho gives too-narrow intervals); (2) `n_boot` series at that rho give the
    distribution of t* = (beta* - beta) / se*, whose quantiles replace the t quantiles:
    [beta - q(1 - a/2) se, beta - q(a/2) se]. The p-value inverts the same interval at 0.
    """
    n_fit, k = est.beta.shape
    n_bias = n_bias if n_bias is not None else max(50, n_boot // 2)
    alpha = 1 - level

    def draws(rho: np.ndarray, count: int) -> Ar1Estimates:
        reps = np.repeat(np.arange(n_fit), count)
        Y = simulate_ar1(design, est.beta[reps], rho[reps], est.sigma[reps], rng)
        return fit_ar1(design, Y)

    first = draws(est.rho, n_bias)
    rho_sim = np.clip(2 * est.rho - first.rho.reshape(n_fit, n_bias).mean(axis=1), RHO_GRID[0], RHO_GRID[-1])
    second = draws(rho_sim, n_boot)
    t_star = ((second.beta - np.repeat(est.beta, n_boot, axis=0)) / second.se).reshape(n_fit, n_boot, k)
    q_lo, q_hi = np.quantile(t_star, [alpha / 2, 1 - alpha / 2], axis=1)
    t_obs = (est.beta / est.se)[:, None, :]
    below = (1 + (t_star <= t_obs).sum(axis=1)) / (n_boot + 1)
    above = (1 + (t_star >= t_obs).sum(axis=1)) / (n_boot + 1)
    p_value = np.minimum(1.0, 2 * np.minimum(below, above))
    return BootstrapT(est.beta - q_hi * est.se, est.beta - q_lo * est.se, p_value, rho_sim)


# ------------------------------------------------------------------------------------ the trend model
TERM_LABELS = {
    "baseline_slope": "Trend before the breaks (% per month)",
    "level_change": "Level change at the break (%)",
    "slope_change": "Slope change after the break (% per month)",
}


def _month_number(months: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    stamps = pd.DatetimeIndex(months)
    return np.asarray(stamps.year * 12 + stamps.month - 1, dtype=int)


def month_of_year_terms(months: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
    """Indicators moy_02 .. moy_12 (January is the reference)."""
    number = pd.DatetimeIndex(months).month
    return pd.DataFrame({f"moy_{m:02d}": (number == m).astype(float) for m in range(2, 13)})


def its_design(
    rates: pd.DataFrame, breaks: Sequence[pd.Timestamp], *, month_effects: bool = False
) -> tuple[Ar1Design, pd.DataFrame, pd.DataFrame]:
    """(design of the complete months, those months, the design of every month) for a monthly rates frame.

    Columns: the segmented log-linear trend of `trends.segmented_design` (level and slope change at each break,
    split months get the fraction of their days after the break), plus month-of-year indicators on request.
    Partial months are left out of the fit; the full design gives fitted values for every month.
    """
    for col in ("month", "count", "days", "partial_month", "per_day"):
        if col not in rates:
            raise ValueError(f"its_design: rates frame lacks column {col!r}; it has {list(rates.columns)}")
    data = rates.sort_values("month").reset_index(drop=True)
    used = data.loc[~data["partial_month"].astype(bool)].reset_index(drop=True)
    origin = pd.Timestamp(used["month"].min())
    brks = sorted(pd.Timestamp(b) for b in breaks)
    for brk in brks:
        if not origin < brk <= used["month"].max():
            raise ValueError(
                f"its_design: break {brk.date()} is outside the fitted months "
                f"{origin:%Y-%m}..{used['month'].max():%Y-%m}"
            )

    def build(frame: pd.DataFrame) -> pd.DataFrame:
        X = segmented_design(frame["month"].reset_index(drop=True), frame["days"].to_numpy(), brks, origin)
        if month_effects:
            X = pd.concat([X, month_of_year_terms(frame["month"])], axis=1)
        return X

    X_used = build(used)
    design = Ar1Design(X_used.to_numpy(dtype=float), _month_number(used["month"]), tuple(X_used.columns))
    return design, used, build(data).assign(month=data["month"].to_numpy())


@dataclass
class ItsFit:
    """A fitted AR(1)-error trend model with bootstrap-t intervals (see `fit_its`).

    `table` holds the trend and break effects; `coefficients` every coefficient (month-of-year terms included).
    """

    table: pd.DataFrame
    coefficients: pd.DataFrame
    design: Ar1Design
    beta: np.ndarray
    rho: float
    rho_sim: float
    sigma: float
    fitted: pd.DataFrame
    used: pd.DataFrame
    breaks: tuple[pd.Timestamp, ...]
    month_effects: bool
    level: float
    n_boot: int
    seed: int
    excluded: int
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def n_obs(self) -> int:
        return len(self.design.times)


def _effect_rows(
    names: Sequence[str], breaks: Sequence[pd.Timestamp]
) -> list[tuple[str, pd.Timestamp | None, int]]:
    rows: list[tuple[str, pd.Timestamp | None, int]] = [("baseline_slope", None, list(names).index("trend"))]
    for brk in breaks:
        rows.append(("level_change", brk, list(names).index(f"level_{brk.date()}")))
        rows.append(("slope_change", brk, list(names).index(f"slope_{brk.date()}")))
    return rows


@one_blas_thread
def fit_its(
    rates: pd.DataFrame,
    breaks: Sequence[pd.Timestamp | str],
    *,
    month_effects: bool = False,
    n_boot: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> ItsFit:
    """Segmented trend of the log rate per day with AR(1) errors (REML) and parametric bootstrap-t intervals.

    `rates` has `month, count, days, partial_month, per_day` (e.g. `trends.monthly_rates`). Returns a table with
    rows `baseline_slope`, then `level_change` and `slope_change` per break: `estimate` (log scale), `se`,
    bootstrap-t `ci_low`/`ci_high` and `p_value`, the plain likelihood t interval `t_low`/`t_high`, and `pct_*`
    columns (exp(x) - 1, in %). Seeded: the same inputs and seed give the same intervals.
    """
    if not 0.5 < level < 1:
        raise ValueError(f"fit_its: level must be in (0.5, 1), got {level}")
    brks = tuple(sorted(pd.Timestamp(b) for b in breaks))
    design, used, full = its_design(rates, brks, month_effects=month_effects)
    y = np.log(used["per_day"].to_numpy(dtype=float))
    est = fit_ar1(design, y)
    boot = bootstrap_t(design, est, n_boot=n_boot, rng=np.random.default_rng(seed), level=level)
    n, k = design.X.shape
    q = stats.t.ppf(0.5 + level / 2, n - k)
    coefficients = pd.DataFrame(
        {
            "name": list(design.names),
            "estimate": est.beta[0],
            "se": est.se[0],
            "ci_low": boot.lo[0],
            "ci_high": boot.hi[0],
            "p_value": boot.p_value[0],
            "t_low": est.beta[0] - q * est.se[0],
            "t_high": est.beta[0] + q * est.se[0],
        }
    )
    for col in ("estimate", "ci_low", "ci_high", "t_low", "t_high"):
        coefficients[f"pct_{col}"] = 100 * np.expm1(coefficients[col])
    rows = _effect_rows(design.names, brks)
    table = coefficients.iloc[[r[2] for r in rows]].reset_index(drop=True)
    table.insert(0, "break", pd.DatetimeIndex([pd.NaT if r[1] is None else r[1] for r in rows]))
    table.insert(0, "term", [r[0] for r in rows])
    table = table.drop(columns="name")
    X_full = full[list(design.names)].to_numpy(dtype=float)
    fitted = pd.DataFrame({"month": full["month"], "fitted_per_day": np.exp(X_full @ est.beta[0])})
    return ItsFit(
        table=table,
        coefficients=coefficients,
        design=design,
        beta=est.beta[0],
        rho=float(est.rho[0]),
        rho_sim=float(boot.rho_sim[0]),
        sigma=float(est.sigma[0]),
        fitted=fitted,
        used=used,
        breaks=brks,
        month_effects=month_effects,
        level=level,
        n_boot=n_boot,
        seed=seed,
        excluded=int(len(rates) - len(used)),
    )


# ------------------------------------------------------------------------------- coverage by simulation
_COVERAGE_CACHE: dict[tuple, pd.DataFrame] = {}


def _poisson_hac_intervals(
    fit: ItsFit, Y: np.ndarray, hac_lags: int | None, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Intervals of the previous method (segmented Poisson GLM, Newey-West) for each simulated series."""
    days = fit.used["days"].to_numpy(dtype=float)
    X = fit.design.X
    lags = hac_lags if hac_lags is not None else max(1, int(np.floor(4 * (len(days) / 100) ** (2 / 9))))
    lo = np.empty((Y.shape[1], X.shape[1]))
    hi = np.empty_like(lo)
    for r in range(Y.shape[1]):
        counts = np.rint(np.exp(Y[:, r]) * days)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = sm.GLM(counts, X, family=sm.families.Poisson(), offset=np.log(days)).fit(
                cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
            )
        conf = np.asarray(res.conf_int(alpha=1 - level))
        lo[r], hi[r] = conf[:, 0], conf[:, 1]
    return lo, hi


@one_blas_thread
def interval_coverage(
    fit: ItsFit,
    *,
    replications: int = 200,
    n_boot: int = 199,
    seed: int = 0,
    methods: Sequence[str] = METHODS,
    hac_lags: int | None = None,
) -> pd.DataFrame:
    """Coverage of each method's nominal intervals, measured by simulation on the fitted design.

    `replications` series are drawn from the fit itself (its coefficients, REML rho and sigma, the same months
    and gaps); each method re-estimates every series and we count how often its interval contains the
    coefficient the series was drawn from. Methods: "bootstrap_t" (the intervals `fit_its` prints, with
    `n_boot` inner draws), "ar1_t" (likelihood t intervals of the same model), "poisson_hac" (the previous
    segmented Poisson model with Newey-West errors, `hac_lags` lags; default the Newey-West rule).
    Returns one row per term and method: `coverage`, its Monte Carlo standard error `mc_se`, `nominal`.
    Seeded and cached in memory (the same fit and arguments return the stored table).
    """
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"interval_coverage: method {m!r}: expected one of {METHODS}")
    if replications < 10:
        raise ValueError(f"interval_coverage: replications must be at least 10, got {replications}")
    fit_key = (
        fit.design.X.tobytes(),
        fit.design.times.tobytes(),
        fit.beta.tobytes(),
        fit.rho,
        fit.sigma,
        fit.level,
        replications,
        seed,
    )
    parts = []
    for method in methods:
        # Each method has its own random stream, so its result does not depend on which others were asked for.
        key = (
            *fit_key,
            method,
            n_boot if method == "bootstrap_t" else None,
            hac_lags if method == "poisson_hac" else None,
        )
        if key not in _COVERAGE_CACHE:
            _COVERAGE_CACHE[key] = _coverage(fit, replications, n_boot, seed, method, hac_lags)
        parts.append(_COVERAGE_CACHE[key])
    return pd.concat(parts, ignore_index=True)


def _coverage(
    fit: ItsFit, replications: int, n_boot: int, seed: int, method: str, hac_lags: int | None
) -> pd.DataFrame:
    truth = fit.beta
    Y = simulate_ar1(
        fit.design, truth, fit.rho, fit.sigma, np.random.default_rng([seed, 0]), n_series=replications
    )
    n, k = fit.design.X.shape
    if method == "bootstrap_t":
        est = fit_ar1(fit.design, Y)
        boot = bootstrap_t(
            fit.design, est, n_boot=n_boot, rng=np.random.default_rng([seed, 1]), level=fit.level
        )
        lo, hi = boot.lo, boot.hi
    elif method == "ar1_t":
        est = fit_ar1(fit.design, Y)
        q = stats.t.ppf(0.5 + fit.level / 2, n - k)
        lo, hi = est.beta - q * est.se, est.beta + q * est.se
    else:
        lo, hi = _poisson_hac_intervals(fit, Y, hac_lags, fit.level)
    rows = _effect_rows(fit.design.names, fit.breaks)
    idx = [r[2] for r in rows]
    hits = ((lo <= truth) & (truth <= hi))[:, idx].mean(axis=0)
    table = pd.DataFrame(
        {
            "term": [r[0] for r in rows],
            "break": pd.DatetimeIndex([pd.NaT if r[1] is None else r[1] for r in rows]),
            "method": method,
            "coverage": hits,
            "mc_se": np.sqrt(hits * (1 - hits) / replications),
            "nominal": fit.level,
            "replications": replications,
        }
    )
    return table


# ----------------------------------------------------------------------------------------- seasonality
@dataclass
class SeasonalityTest:
    """Joint test of the 11 month-of-year terms in the AR(1)-error trend model."""

    f_stat: float
    df_num: int
    df_den: int
    p_value_f: float  # F distribution at the estimated rho
    p_value_boot: float  # parametric bootstrap under "no month effects" (rho re-estimated in every draw)
    n_boot: int
    effects: pd.DataFrame  # month, pct_estimate, pct_ci_low, pct_ci_high (bootstrap-t), vs January
    fit: ItsFit

    @property
    def p_value(self) -> float:
        """The p-value the text uses: the bootstrap one (it allows for the estimated autocorrelation)."""
        return self.p_value_boot


def _wald_f(est: Ar1Estimates, cols: list[int]) -> np.ndarray:
    if est.cov is None:
        raise ValueError("_wald_f: fit with keep_cov=True")
    b = est.beta[:, cols]
    cov = est.cov[:, cols][:, :, cols]
    return np.einsum("ri,ri->r", b, np.linalg.solve(cov, b[:, :, None])[:, :, 0]) / len(cols)


@one_blas_thread
def seasonality_test(
    rates: pd.DataFrame, breaks: Sequence[pd.Timestamp | str], *, n_boot: int = 999, seed: int = 0
) -> SeasonalityTest:
    """Are month-of-year effects present once the trend and breaks are modelled? Joint Wald F of moy_02..moy_12.

    The F statistic uses the GLS covariance at the REML rho; its reference distribution is taken both from
    F(11, n - k) and from a parametric bootstrap of the model without month terms (bias-corrected rho, as in
    `bootstrap_t`), which allows for rho being estimated.
    """
    brks = [pd.Timestamp(b) for b in breaks]
    full = fit_its(rates, brks, month_effects=True, n_boot=n_boot, seed=seed)
    null = fit_its(rates, brks, month_effects=False, n_boot=max(50, n_boot // 4), seed=seed)
    cols = [i for i, name in enumerate(full.design.names) if name.startswith("moy_")]
    y = np.log(full.used["per_day"].to_numpy(dtype=float))
    est = fit_ar1(full.design, y, keep_cov=True)
    f_obs = float(_wald_f(est, cols)[0])
    n, k = full.design.X.shape
    rng = np.random.default_rng(seed + 1)
    Y0 = simulate_ar1(null.design, null.beta, null.rho_sim, null.sigma, rng, n_series=n_boot)
    f_star = _wald_f(fit_ar1(full.design, Y0, keep_cov=True), cols)
    month_rows = full.coefficients.loc[full.coefficients["name"].str.startswith("moy_")]
    effects = pd.DataFrame(
        {
            "month": [int(name[4:]) for name in month_rows["name"]],
            "pct_estimate": month_rows["pct_estimate"].to_numpy(),
            "pct_ci_low": month_rows["pct_ci_low"].to_numpy(),
            "pct_ci_high": month_rows["pct_ci_high"].to_numpy(),
        }
    )
    return SeasonalityTest(
        f_stat=f_obs,
        df_num=len(cols),
        df_den=n - k,
        p_value_f=float(stats.f.sf(f_obs, len(cols), n - k)),
        p_value_boot=float((1 + (f_star >= f_obs).sum()) / (n_boot + 1)),
        n_boot=n_boot,
        effects=effects,
        fit=full,
    )


# ----------------------------------------------------------------------------------------- sensitivity
def previous_method_label(lags: int) -> str:
    """Specification label of the previous method (segmented Poisson, Newey-West) at `lags` lags."""
    return f"Previous method: Poisson, Newey-West {lags} lags"


@dataclass
class Sensitivity:
    """Break effects across specifications: `table` (long) and the AR(1) fits by specification label."""

    table: pd.DataFrame
    fits: dict[str, ItsFit]


@one_blas_thread
def break_sensitivity(
    rates: pd.DataFrame,
    breaks: Sequence[pd.Timestamp | str],
    *,
    extra_break: pd.Timestamp | str,
    hac_lags: Sequence[int] = (3, 6),
    n_boot: int = 999,
    seed: int = 0,
) -> Sensitivity:
    """The break effects of `breaks` under each defensible specification.

    AR(1)-error model with bootstrap-t intervals: as specified; with month-of-year terms; with an extra break
    (e.g. the February 2021 enforcement priorities); with both. Previous method for reference: segmented Poisson
    with Newey-West errors at each of `hac_lags` (its intervals undercover; see `interval_coverage`).
    Rows: `spec`, `method`, `term`, `break`, `estimate`, `ci_low`, `ci_high` and their `pct_` versions.
    """
    from research.models.trends import fit_segmented  # same module family; imported here to keep its.py light

    main = sorted(pd.Timestamp(b) for b in breaks)
    extra = pd.Timestamp(extra_break)
    if extra in main:
        raise ValueError(f"break_sensitivity: extra_break {extra.date()} is already one of the breaks")
    specs = {
        "AR(1) errors": (main, False),
        "+ month-of-year terms": (main, True),
        f"+ break {extra:%d %b %Y}": (sorted([*main, extra]), False),
        f"+ month-of-year terms and break {extra:%d %b %Y}": (sorted([*main, extra]), True),
    }
    fits: dict[str, ItsFit] = {}
    parts = []
    for label, (brks, moy) in specs.items():
        fit = fit_its(rates, brks, month_effects=moy, n_boot=n_boot, seed=seed)
        fits[label] = fit
        parts.append(fit.table.assign(spec=label, method="bootstrap_t"))
    for lags in hac_lags:
        old = fit_segmented(rates, main, method="poisson_hac", hac_lags=int(lags))
        parts.append(old.table.assign(spec=previous_method_label(int(lags)), method="poisson_hac"))
    cols = ["spec", "method", "term", "break", "estimate", "ci_low", "ci_high"]
    table = pd.concat([p[cols] for p in parts], ignore_index=True)
    table = table.loc[table["break"].isin(main) | table["term"].eq("baseline_slope")].reset_index(drop=True)
    for col in ("estimate", "ci_low", "ci_high"):
        table[f"pct_{col}"] = 100 * np.expm1(table[col])
    return Sensitivity(table, fits)
