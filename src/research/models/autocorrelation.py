"""Regression with first-order autocorrelated (AR(1)) errors, for short monthly series.

Monthly enforcement counts are autocorrelated: a busy month tends to follow a busy month. Treating months as
independent makes intervals too narrow, and nonparametric HAC (Newey-West) estimators need many months to estimate
the autocovariances they use: four months after a break leave them almost nothing. Here the errors are modelled as
AR(1); the coefficients keep their ordinary least-squares values, with a sandwich covariance built from the AR(1)
correlation (an AR(1)-form HAC covariance) and Student-t intervals on n - k degrees of freedom.

On two dozen months the likelihood of rho is flat: values from 0 to 0.9 fit about equally well, and plugging in the
single best value gives intervals that are too narrow whenever the truth is higher. So rho is not plugged in: its
restricted likelihood (REML, which corrects the downward bias that estimating regime means puts on rho) over a grid
from 0 to 0.95 weights the intervals obtained at each value (`RhoWeights`), and an interval is the matching quantile
of that mixture of t distributions (a flat prior on rho, integrated out). Coverage on the designs the project fits
is measured in tests/test_capacity.py and tests/test_elasticity.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import special

RHO_GRID = np.round(np.arange(0.0, 0.951, 0.05), 2)  # rho < 0 would narrow intervals: not allowed


@dataclass(frozen=True)
class RhoWeights:
    """Values of rho and their normalised restricted likelihoods."""

    grid: np.ndarray
    weights: np.ndarray

    @property
    def mode(self) -> float:
        return float(self.grid[int(np.argmax(self.weights))])

    @property
    def mean(self) -> float:
        return float(np.sum(self.grid * self.weights))

    @classmethod
    def fixed(cls, rho: float) -> RhoWeights:
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"rho = {rho}; expected 0 <= rho < 1")
        return cls(np.array([float(rho)]), np.array([1.0]))


@dataclass(frozen=True)
class AR1Fit:
    """OLS coefficients with AR(1) sandwich covariances, one per value of rho, mixed by `rho.weights`."""

    params: np.ndarray
    covs: np.ndarray = field(repr=False)  # (len(grid), k, k)
    df: int
    rho: RhoWeights = field(repr=False)
    resid: np.ndarray = field(repr=False)

    def scales(self, j: int) -> np.ndarray:
        """Standard error of coefficient j at each rho of the grid."""
        return np.sqrt(self.covs[:, j, j])

    def se(self, j: int) -> float:
        """Standard error averaged over rho (root of the weighted mean variance), for display."""
        return float(np.sqrt(np.sum(self.rho.weights * self.covs[:, j, j])))

    def cdf(self, j: int, value: float) -> float:
        """P(coefficient <= value) under the mixture of t distributions centred on the estimate."""
        z = (value - self.params[j]) / self.scales(j)
        return float(np.sum(self.rho.weights * special.stdtr(self.df, z)))  # Student-t CDF, vectorised

    def quantiles(self, j: int, qs: Sequence[float]) -> np.ndarray:
        """Quantiles of coefficient j at each level of `qs` (one call for all)."""
        m = len(qs)
        return mixture_quantiles(
            np.full(m, self.params[j]),
            np.repeat(self.scales(j)[None, :], m, axis=0),
            self.rho.weights,
            np.full(m, self.df),
            np.asarray(qs, dtype=float),
        )

    def quantile(self, j: int, q: float) -> float:
        return float(self.quantiles(j, [q])[0])

    def interval(self, j: int, level: float = 0.95) -> tuple[float, float]:
        tail = (1.0 - level) / 2.0
        low, high = self.quantiles(j, [tail, 1.0 - tail])
        return float(low), float(high)

    def p_less(self, j: int, value: float) -> float:
        """One-sided p-value of H0: coefficient >= value against H1: coefficient < value."""
        return 1.0 - self.cdf(j, value)

    def draws(self, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of coefficient j from the mixture (rho by weight, then Student t)."""
        pick = rng.choice(len(self.rho.grid), size=n, p=self.rho.weights)
        return self.params[j] + self.scales(j)[pick] * rng.standard_t(self.df, size=n)


def mixture_quantiles(
    centres: np.ndarray, scales: np.ndarray, weights: np.ndarray, df: np.ndarray, q: float | np.ndarray
) -> np.ndarray:
    """The q-quantile of each of m mixtures of Student t distributions (vectorised, safeguarded Newton).

    Mixture i puts weight `weights[g]` on centre[i] + scales[i, g] * t(df[i]). Shapes: (m,), (m, G), (G,), (m,);
    `q` is one level for all or one per mixture (m,). Each row is solved on its own (a row stops moving once it has
    converged, so its result does not depend on the other rows): both ends of several intervals can share a call.

    Newton steps on the mixture's CDF, kept inside a bracket that every step narrows (a step that would leave it
    bisects instead), converge in a handful of CDF evaluations where plain bisection needs fifty: the Student-t CDF
    (an incomplete beta function) is the whole cost, and a coverage simulation asks for thousands of quantiles.
    """
    centres = np.asarray(centres, dtype=float)
    scales = np.asarray(scales, dtype=float)
    df = np.asarray(df, dtype=float)
    q = np.broadcast_to(np.asarray(q, dtype=float), centres.shape)
    widest = np.maximum(scales.max(axis=1), 1e-300)
    reach = widest * np.maximum(1.0, special.stdtrit(df, np.maximum(q, 1.0 - q))) * 2.0
    low, high = centres - reach, centres + reach

    def cdf_at(x: np.ndarray) -> np.ndarray:
        return np.sum(weights * special.stdtr(df[:, None], (x[:, None] - centres[:, None]) / scales), axis=1)

    for _ in range(200):  # widen until the bracket holds the quantile (heavy tails, tiny df)
        cdf_low, cdf_high = cdf_at(low), cdf_at(high)
        if np.all(cdf_low <= q) and np.all(cdf_high >= q):
            break
        low = np.where(cdf_low > q, centres - 2 * (centres - low), low)
        high = np.where(cdf_high < q, centres + 2 * (high - centres), high)
    # Student-t density: log of its normalising constant per row, then the mixture density at x.
    with np.errstate(invalid="ignore"):  # df = inf: no density formula (NaN), those rows bisect
        log_norm = special.gammaln((df + 1) / 2) - special.gammaln(df / 2) - 0.5 * np.log(df * np.pi)

    def pdf_at(x: np.ndarray) -> np.ndarray:
        z = (x[:, None] - centres[:, None]) / scales
        log_t = log_norm[:, None] - (df[:, None] + 1) / 2 * np.log1p(z**2 / df[:, None])
        return np.sum(weights * np.exp(log_t) / scales, axis=1)

    # Start from the t quantile at the root-mean-square scale (exact when all scales agree).
    rms = np.sqrt(np.sum(weights * scales**2, axis=1))
    x = np.clip(centres + rms * special.stdtrit(df, q), low, high)
    # Relative to the row's size as well as its spread: far from zero, 1e-13 of the spread is below float spacing.
    tol = 1e-13 * np.maximum(widest, np.abs(centres))
    moving = np.ones(x.shape, dtype=bool)
    for _ in range(100):
        cdf = cdf_at(x)
        below = cdf < q
        low = np.where(moving & below, x, low)
        high = np.where(moving & ~below, x, high)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = (cdf - q) / pdf_at(x)
        small_step = np.abs(step) <= tol  # False for a non-finite step (e.g. df = inf: no density formula)
        converged = small_step | (high - low <= tol)
        proposal = x - step
        inside = np.isfinite(proposal) & (proposal > low) & (proposal < high)
        proposal = np.where(inside | small_step, proposal, (low + high) / 2)
        x = np.where(moving, proposal, x)
        moving &= ~converged
        if not moving.any():
            break
    return x


def ar1_correlation(n: int, rho: float) -> np.ndarray:
    """Correlation matrix of n consecutive values of a stationary AR(1) process."""
    lag = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    return np.power(float(rho), lag)


@lru_cache(maxsize=64)
def _correlations(n: int, grid: tuple[float, ...]) -> np.ndarray:
    """AR(1) correlation matrices for every rho of `grid`, stacked (cached: the union fits reuse them)."""
    stack = np.stack([ar1_correlation(n, r) for r in grid])
    stack.setflags(write=False)
    return stack


def whiten(values: np.ndarray, rho: float) -> np.ndarray:
    """Prais-Winsten transform: rows become independent with unit variance when the errors are AR(1)(rho)."""
    out = np.array(values, dtype=float, copy=True)
    out[1:] = (values[1:] - rho * values[:-1]) / np.sqrt(1.0 - rho**2)
    return out


def restricted_loglik(y: np.ndarray, X: np.ndarray, rho: float) -> float:
    """REML log-likelihood of rho for y = X b + e with AR(1) errors (b and the error variance profiled out)."""
    n, k = X.shape
    wy, wX = whiten(y, rho), whiten(X, rho)
    gram = wX.T @ wX
    beta = np.linalg.lstsq(wX, wy, rcond=None)[0]
    q = float(np.sum((wy - wX @ beta) ** 2))
    log_det_corr = (n - 1) * np.log(1.0 - rho**2)
    return -0.5 * (log_det_corr + np.linalg.slogdet(gram)[1] + (n - k) * np.log(max(q, 1e-300)))


def rho_weights(y: np.ndarray, X: np.ndarray, grid: Sequence[float] | np.ndarray = RHO_GRID) -> RhoWeights:
    """Normalised restricted likelihood of rho over `grid`."""
    y, X = _check(y, X)
    if len(y) - X.shape[1] < 3:
        raise ValueError(f"rho_weights: {len(y)} months for {X.shape[1]} coefficients; need at least 3 more")
    values = np.array([restricted_loglik(y, X, float(r)) for r in grid])
    weights = np.exp(values - values.max())
    return RhoWeights(np.asarray(grid, dtype=float), weights / weights.sum())


def ols_ar1(y: np.ndarray, X: np.ndarray, rho: RhoWeights | float | None = None) -> AR1Fit:
    """OLS of y on X with AR(1)-sandwich covariances; rho weighted by REML on this fit when None.

    Error variance at each rho: e'e / trace(M R), unbiased when the errors are AR(1) with correlation R
    (M = I - hat matrix).
    """
    y, X = _check(y, X)
    n, k = X.shape
    if n <= k:
        raise ValueError(f"ols_ar1: {n} observations for {k} coefficients")
    weights = (
        rho_weights(y, X) if rho is None else rho if isinstance(rho, RhoWeights) else RhoWeights.fixed(rho)
    )
    gram_inv = np.linalg.pinv(X.T @ X)
    projector = gram_inv @ X.T  # (k, n): beta = projector @ y
    beta = projector @ y
    resid = y - X @ beta
    residual_maker = np.eye(n) - X @ projector
    corr = _correlations(n, tuple(float(r) for r in weights.grid))
    sigma2 = float(resid @ resid) / np.einsum("ij,gij->g", residual_maker, corr)  # trace(M R), both symmetric
    covs = sigma2[:, None, None] * ((projector @ corr) @ projector.T)
    return AR1Fit(params=beta, covs=covs, df=n - k, rho=weights, resid=resid)


def mean_ar1(values: np.ndarray, rho: RhoWeights | float) -> AR1Fit:
    """Mean of a short series with AR(1)-robust uncertainty (coefficient 0 of the fit)."""
    arr = np.asarray(values, dtype=float)
    if arr.size < 2:
        raise ValueError(f"mean_ar1: need at least 2 values, got {arr.size}")
    return ols_ar1(arr, np.ones((arr.size, 1)), rho)


def _check(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{y.shape[0]} responses but {X.shape[0]} design rows")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(X))):
        raise ValueError("responses and regressors must be finite")
    return y, X
