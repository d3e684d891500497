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

    def quantile(self, j: int, q: float) -> float:
        return float(
            mixture_quantiles(
                np.array([self.params[j]]), self.scales(j)[None, :], self.rho.weights, np.array([self.df]), q
            )[0]
        )

    def interval(self, j: int, level: float = 0.95) -> tuple[float, float]:
        tail = (1.0 - level) / 2.0
        return self.quantile(j, tail), self.quantile(j, 1.0 - tail)

    def p_less(self, j: int, value: float) -> float:
        """One-sided p-value of H0: coefficient >= value against H1: coefficient < value."""
        return 1.0 - self.cdf(j, value)

    def draws(self, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of coefficient j from the mixture (rho by weight, then Student t)."""
        pick = rng.choice(len(self.rho.grid), size=n, p=self.rho.weights)
        return self.params[j] + self.scales(j)[pick] * rng.standard_t(self.df, size=n)


def mixture_quantiles(
    centres: np.ndarray, scales: np.ndarray, weights: np.ndarray, df: np.ndarray, q: float
) -> np.ndarray:
    """The q-quantile of each of m mixtures of Student t distributions (vectorised bisection).

    Mixture i puts weight `weights[g]` on centre[i] + scales[i, g] * t(df[i]). Shapes: (m,), (m, G), (G,), (m,).
    """
    centres = np.asarray(centres, dtype=float)
    scales = np.asarray(scales, dtype=float)
    df = np.asarray(df, dtype=float)
    widest = np.maximum(scales.max(axis=1), 1e-300)
    reach = widest * np.maximum(1.0, special.stdtrit(df, max(q, 1.0 - q))) * 2.0
    low, high = centres - reach, centres + reach
    for _ in range(200):  # widen until the bracket holds the quantile (heavy tails, tiny df)
        cdf_low = np.sum(
            weights * special.stdtr(df[:, None], (low[:, None] - centres[:, None]) / scales), axis=1
        )
        cdf_high = np.sum(
            weights * special.stdtr(df[:, None], (high[:, None] - centres[:, None]) / scales), axis=1
        )
        if np.all(cdf_low <= q) and np.all(cdf_high >= q):
            break
        low = np.where(cdf_low > q, centres - 2 * (centres - low), low)
        high = np.where(cdf_high < q, centres + 2 * (high - centres), high)
    for _ in range(50):  # bisection: the bracket halves each step (2^-50 of its width is plenty)
        middle = (low + high) / 2
        cdf = np.sum(
            weights * special.stdtr(df[:, None], (middle[:, None] - centres[:, None]) / scales), axis=1
        )
        below = cdf < q
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    return (low + high) / 2


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
