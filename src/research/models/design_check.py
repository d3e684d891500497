"""Does the inference hold on this design? Size, power and interval coverage by simulation.

Two checks:

- `resample_design` (used by the page): the real office x period outcomes, a random set of offices of the design's
  size marked as treated, a known constant effect added to their post-change periods. Measures, per estimator,
  how often the randomization test rejects (size when the effect is 0, power otherwise) and how often each interval
  (randomization-inverted and the estimator's conventional one) covers the true effect. It keeps whatever trends,
  autocorrelation and outliers the real offices have, with no model of the errors. (A stationary AR(1) fitted to
  the detention series before the change does not fit: their within-office autocorrelation, 0.7 over 7 periods, is
  more than any stationary AR(1) gives in so short a panel, because offices grow at different rates.)
- `simulate_panel` (used by the tests): SYNTHETIC panels with office effects, common shocks and AR(1) errors, the
  regime of the issue (25 offices, one cohort of 5, 14 periods, autocorrelated errors).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from research.models import office_did as did
from research.models import randomization as ri

DEFAULT_ESTIMATORS = {
    "panel": (
        ("ld", "last_pre"),
        ("cs", "last_pre"),
        ("twfe", "pre_mean"),
        ("ld", "pre_mean"),
        ("ld", "event0"),
    ),
    "windows": (("ld", "last_pre"), ("twfe", "pre_mean"), ("ld", "pre_trend"), ("ld", "pre_adjusted")),
    "same_season": (("ld", "last_pre"), ("ld", "pre_adjusted")),
}


def synthetic_panel(
    rng: np.random.Generator,
    n: int,
    roles: list[str],
    rho: float,
    sigma: float,
    effect: float,
    treated: np.ndarray,
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


def _check(
    m: did.OutcomeMatrix,
    treated: np.ndarray,
    effect: float,
    estimators: tuple[tuple[str, str], ...],
    *,
    n_draws: int,
    seed: int,
    key: str,
    level: float,
) -> list[tuple[bool, bool, bool]]:
    """(rejects, randomization interval covers, conventional interval covers) for each estimator."""
    design = ri.assignments(treated, exact_limit=0, n_draws=n_draws, seed=seed, key=key)
    out = []
    for est, base in estimators:
        prep = did.prepare(m, est, base, treated, level=level)
        if not prep.keep.all():
            raise ValueError(f"{m.name}: the design check needs complete offices ({est}, {base})")
        res = ri.randomization_test(prep.statistic, prep.values, prep.shift_values, design, level=level)
        _, low, high = prep.conventional(treated)
        out.append((res.p_value < 1 - level, res.ri_low <= effect <= res.ri_high, low <= effect <= high))
    return out


def _table(hits: dict[tuple[str, str], list], effect: float) -> pd.DataFrame:
    rows = []
    for (est, base), h in hits.items():
        arr = np.array(h, dtype=float)
        rows.append(
            {
                "estimator": est,
                "base": base,
                "effect": effect,
                "reps": len(h),
                "rejection_rate": arr[:, 0].mean(),
                "ri_coverage": arr[:, 1].mean(),
                "conventional_coverage": arr[:, 2].mean(),
            }
        )
    return pd.DataFrame(rows)


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
    estimators: tuple[tuple[str, str], ...] = DEFAULT_ESTIMATORS["panel"][:4],
) -> pd.DataFrame:
    """Rejection rate (randomization test at 1 - `level`) and coverage of both intervals on SYNTHETIC panels."""
    rng = np.random.default_rng(seed)
    periods = pd.DataFrame(
        {"label": [str(i) for i in range(len(roles))], "start": pd.NaT, "end": pd.NaT, "role": list(roles)}
    )
    units = tuple(f"S{i:02d}" for i in range(n_units))
    hits: dict[tuple[str, str], list] = {e: [] for e in estimators}
    for r in range(reps):
        treated = np.zeros(n_units, dtype=bool)
        treated[rng.choice(n_units, n_treated, replace=False)] = True
        Y = synthetic_panel(rng, n_units, list(roles), rho, sigma, effect, treated)
        m = did.OutcomeMatrix("synthetic", "synthetic", "detention", "all", "panel", units, Y, periods)
        for e, h in zip(
            estimators,
            _check(m, treated, effect, estimators, n_draws=n_draws, seed=seed, key=f"rep{r}", level=level),
            strict=True,
        ):
            hits[e].append(h)
    return _table(hits, effect)


def resample_design(
    m: did.OutcomeMatrix,
    n_treated: int,
    effects: tuple[float, ...],
    *,
    estimators: tuple[tuple[str, str], ...] | None = None,
    reps: int = 200,
    n_draws: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Size, power and coverage on the real outcomes: random treated sets of `n_treated` offices plus `effect`.

    Offices missing any value are left out. The real post-change data may carry the real change's effect on the
    real treated offices; at random assignments that only adds noise, which makes the check conservative.
    """
    complete = np.isfinite(m.Y).all(axis=1)
    base = m.restrict(tuple(u for u, ok in zip(m.units, complete, strict=True) if ok))
    post = (base.periods["role"] == "post").to_numpy()
    estimators = estimators or DEFAULT_ESTIMATORS[m.kind]
    rng = np.random.default_rng(seed)
    n = len(base.units)
    out = []
    for effect in effects:
        hits: dict[tuple[str, str], list] = {e: [] for e in estimators}
        for r in range(reps):
            treated = np.zeros(n, dtype=bool)
            treated[rng.choice(n, n_treated, replace=False)] = True
            shifted = base.with_values(base.Y + effect * np.outer(treated, post))  # roles read once
            checks = _check(
                shifted,
                treated,
                effect,
                estimators,
                n_draws=n_draws,
                seed=seed,
                key=f"{effect}|{r}",
                level=level,
            )
            for e, h in zip(estimators, checks, strict=True):
                hits[e].append(h)
        out.append(_table(hits, effect))
    return pd.concat(out, ignore_index=True)
