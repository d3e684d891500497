"""Does the inference hold on this design? Size, power and interval coverage by simulation.

Two checks, both on the real design (25 offices, one change date, the treated count of the design):

- `fit_noise` + `simulate_panel`: office x period panels with office effects, common period shocks and AR(1)
  office-level errors whose autocorrelation and innovation scale are fitted to the real pre-change detention
  panel; the change hits a random set of offices with a known constant effect in the post periods. Measures, for
  each estimator, how often the randomization test rejects (size when the effect is 0, power otherwise) and how
  often each interval (Fisher/randomization and the estimator's conventional one) covers the true effect.
- `resample_power`: for the arrest windows, uses the real office-level changes as the null (random treated sets,
  no effect) and adds a known effect to the drawn treated offices: power without any distributional assumption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research.models import office_did as did
from research.models import randomization as ri

DEFAULT_ESTIMATORS = (("ld", "last_pre"), ("cs", "last_pre"), ("twfe", "pre_mean"), ("ld", "pre_mean"))


@dataclass(frozen=True)
class NoiseFit:
    rho: float  # AR(1) coefficient of office-level deviations
    sigma: float  # innovation standard deviation (log points)
    n_offices: int
    n_periods: int


def fit_noise(m: did.OutcomeMatrix) -> NoiseFit:
    """AR(1) fit to two-way demeaned pre-change outcomes of offices observed in every pre period."""
    pre = m.Y[:, m.cols("pre")]
    pre = pre[np.isfinite(pre).all(axis=1)]
    if pre.shape[0] < 3 or pre.shape[1] < 3:
        raise ValueError(f"{m.name}: need at least 3 complete offices and 3 pre periods to fit the noise")
    resid = pre - pre.mean(axis=1, keepdims=True) - pre.mean(axis=0, keepdims=True) + pre.mean()
    x, y = resid[:, :-1].ravel(), resid[:, 1:].ravel()
    rho = float(np.clip((x @ y) / (x @ x), -0.95, 0.95))
    sigma = float(np.std(y - rho * x, ddof=1))
    return NoiseFit(rho, sigma, pre.shape[0], pre.shape[1])


def synthetic_panel(
    rng: np.random.Generator, n: int, roles: list[str], rho: float, sigma: float, effect: float, treated: np.ndarray
) -> np.ndarray:
    """SYNTHETIC office x period log outcomes: office effect + common shock + AR(1) error + effect after."""
    T = len(roles)
    u = np.zeros((n, T))
    u[:, 0] = rng.normal(0, sigma / math.sqrt(1 - rho**2), n)
    for t in range(1, T):
        u[:, t] = rho * u[:, t - 1] + rng.normal(0, sigma, n)
    Y = rng.normal(0, 1, n)[:, None] + np.cumsum(rng.normal(0, 0.05, T))[None, :] + u
    post = np.array([r == "post" for r in roles])
    return Y + effect * np.outer(treated, post)


def simulate_panel(
    *,
    n_units: int = 25,
    n_treated: int = 5,
    roles: tuple[str, ...] = ("pre",) * 7 + ("event0",) + ("post",) * 6,
    rho: float,
    sigma: float,
    effect: float = 0.0,
    reps: int = 200,
    n_draws: int = 999,
    seed: int = 0,
    level: float = 0.95,
    estimators: tuple[tuple[str, str], ...] = DEFAULT_ESTIMATORS,
) -> pd.DataFrame:
    """Rejection rate (randomization test at 1 - `level`) and coverage of both intervals, per estimator."""
    rng = np.random.default_rng(seed)
    periods = pd.DataFrame(
        {
            "label": [str(i) for i in range(len(roles))],
            "start": pd.NaT,
            "end": pd.NaT,
            "role": list(roles),
        }
    )
    units = tuple(f"S{i:02d}" for i in range(n_units))
    hits = {e: np.zeros((reps, 3)) for e in estimators}  # reject, RI covers, conventional covers
    for r in range(reps):
        treated = np.zeros(n_units, dtype=bool)
        treated[rng.choice(n_units, n_treated, replace=False)] = True
        Y = synthetic_panel(rng, n_units, list(roles), rho, sigma, effect, treated)
        m = did.OutcomeMatrix("synthetic", "synthetic", "detention", "all", "panel", units, Y, periods)
        design = ri.assignments(treated, exact_limit=0, n_draws=n_draws, seed=seed, key=f"rep{r}")
        for est, base in estimators:
            prep = did.prepare(m, est, base, treated, level=level)
            res = ri.randomization_test(prep.statistic, prep.values, prep.shift_values, design, level=level)
            _, low, high = prep.conventional(treated)
            hits[(est, base)][r] = [
                res.p_value < 1 - level,
                res.ri_low <= effect <= res.ri_high,
                low <= effect <= high,
            ]
    rows = []
    for (est, base), h in hits.items():
        rows.append(
            {
                "estimator": est,
                "base": base,
                "effect": effect,
                "reps": reps,
                "rejection_rate": h[:, 0].mean(),
                "ri_coverage": h[:, 1].mean(),
                "conventional_coverage": h[:, 2].mean(),
            }
        )
    return pd.DataFrame(rows)


def resample_power(
    changes: np.ndarray,
    n_treated: int,
    effects: tuple[float, ...],
    *,
    reps: int = 200,
    n_draws: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Share of random treated sets (with `effect` added to them) where the long difference's RI test rejects.

    `changes` are the real office-level changes (e.g. log w2526 - log y2025); the effect 0 row is the size.
    """
    values = np.asarray(changes, dtype=float)
    values = values[np.isfinite(values)]
    rng = np.random.default_rng(seed)
    rows = []
    for effect in effects:
        reject = cover = 0
        for r in range(reps):
            treated = np.zeros(values.size, dtype=bool)
            treated[rng.choice(values.size, n_treated, replace=False)] = True
            y = values + effect * treated
            design = ri.assignments(treated, exact_limit=0, n_draws=n_draws, seed=seed, key=f"{effect}|{r}")
            res = ri.randomization_test(did.diff_in_means, y, treated.astype(float), design, level=level)
            reject += res.p_value < 1 - level
            cover += res.ri_low <= effect <= res.ri_high
        rows.append({"effect": effect, "reps": reps, "rejection_rate": reject / reps, "ri_coverage": cover / reps})
    return pd.DataFrame(rows)
