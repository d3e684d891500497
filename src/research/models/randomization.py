"""Randomization inference for a treated set of offices: assignments, p-values and the inverted interval.

The test asks: if the change had hit a different set of k offices among the n in the analysis (all sets equally
likely), how often would the estimate be at least as large as the one observed? Every statistic used here is linear
in the outcomes, which makes two things cheap for every assignment ``a`` at once:

- the estimate ``T(a)`` (one matrix product over all assignments), and
- Fisher's interval: under the sharp null "the change moved every treated office by tau", the outcomes with the
  effect removed give ``T(a; tau) = T(a) - tau * C(a)``, where ``C(a)`` is the statistic applied to the observed
  treatment pattern. The set of tau not rejected is read off sorted break points, with no grid search.

Which side. ``p_ge`` = share of assignments with an estimate >= the observed one (one-sided, against an increase),
``p_le`` the same for a decrease. Two two-sided rules (`TWO_SIDED_RULES`; each function's docstring is the sentence
the page prints, so the text cannot drift from the code):

- ``equal_tails`` (`equal_tails_p`, the reported ``p_value`` and the rule the Fisher interval inverts):
  ``min(1, 2 * min(p_ge, p_le))``. It does not assume the null distribution is symmetric (with 5 treated offices
  against 20 it is not).
- ``absolute`` (`absolute_p`, reported as ``p_abs``): share of assignments with ``|T| >= |t|``. It treats an
  estimate as extreme by its distance from zero, so with a skewed null it can differ from equal tails (the
  arrests placebo: 0.042 against 0.080).

Exact or drawn. With at most `exact_limit` possible assignments all are enumerated (the observed one is among them:
p = count / N exactly); otherwise `n_draws` random assignments are drawn and the observed one is added:
p = (1 + count) / (1 + n_draws). Draws come from a seed derived from the seed and a text key (the design), so the
same inputs give the same p-values whatever process or Dask worker computes them.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

Statistic = Callable[[np.ndarray, Any], np.ndarray]  # (treated indices N x k, values) -> N estimates


@dataclass(frozen=True)
class Assignments:
    """Each row of `index` lists the k treated units of one assignment; `observed` is the actual 0/1 pattern.

    Indices rather than 0/1 rows keep memory at N x k (not N x n) and avoid large temporaries, which matters on
    Dask workers (their allocator returns memory to the system eagerly, so every large array is a fresh mapping).
    """

    index: np.ndarray
    observed: np.ndarray
    exact: bool
    total: int  # number of possible assignments, C(n, k)

    @property
    def observed_index(self) -> np.ndarray:
        return np.flatnonzero(self.observed)[None, :]

    def dense(self) -> np.ndarray:
        """The assignments as 0/1 rows (N x n), for tests and small designs."""
        out = np.zeros((self.index.shape[0], self.observed.size))
        np.put_along_axis(out, self.index.astype(np.intp), 1.0, axis=1)
        return out


@dataclass(frozen=True)
class RandomizationResult:
    estimate: float
    p_value: float  # two-sided, equal tails
    p_ge: float  # one-sided: an increase at least this large
    p_le: float  # one-sided: a decrease at least this large
    p_abs: float  # two-sided, absolute value: |T| >= |t|
    ri_low: float  # Fisher interval under a constant additive effect
    ri_high: float
    null: np.ndarray  # estimates under every assignment (observed included)
    exact: bool
    n_assignments: int


def seed_for(seed: int, key: str) -> np.random.SeedSequence:
    """A seed sequence from the user's seed and a text key (stable across processes and machines)."""
    return np.random.SeedSequence([int(seed), zlib.crc32(key.encode("utf-8"))])


def _tol(observed: float) -> float:
    return 1e-10 * max(1.0, abs(observed))


def one_sided_p(null: np.ndarray, observed: float) -> tuple[float, float]:
    """(p_ge, p_le): shares of the finite `null` estimates at least / at most `observed`."""
    return _one_sided(null[np.isfinite(null)], observed)


def _one_sided(valid: np.ndarray, observed: float) -> tuple[float, float]:
    """`one_sided_p` of estimates already known to be finite."""
    tol = _tol(observed)
    return _share(valid >= observed - tol), _share(valid <= observed + tol)


def equal_tails_p(null: np.ndarray, observed: float) -> float:
    """twice the smaller of the two one-sided p-values (the share of assignments whose estimate is at least the
    observed one, and the share whose estimate is at most it), capped at 1.
    """
    p_ge, p_le = one_sided_p(null, observed)
    return min(1.0, 2 * min(p_ge, p_le))


def absolute_p(null: np.ndarray, observed: float) -> float:
    """the share of assignments whose estimate is at least as far from zero as the observed one (|T| >= |t|)."""
    return _absolute(null[np.isfinite(null)], observed)


def _absolute(valid: np.ndarray, observed: float) -> float:
    """`absolute_p` of estimates already known to be finite."""
    return _share(np.abs(valid) >= abs(observed) - _tol(observed))


def _share(hits: np.ndarray) -> float:
    """`float(hits.mean())` of a boolean array, without `mean`'s overhead: the count is an exact integer either way
    and both divide it by the size once, correctly rounded (NaN for an empty array, as `mean` gives)."""
    return np.count_nonzero(hits) / hits.size if hits.size else math.nan


TwoSided = Callable[[np.ndarray, float], float]
TWO_SIDED_RULES: dict[str, TwoSided] = {"equal_tails": equal_tails_p, "absolute": absolute_p}
RULE_LABELS = {"equal_tails": "equal tails", "absolute": "absolute value"}
REPORTED_RULE = "equal_tails"  # the rule behind `RandomizationResult.p_value` and the Fisher interval


def rule_text(rule: str) -> str:
    """The rule's definition in words: its function's docstring, on one line (what the page prints)."""
    if rule not in TWO_SIDED_RULES:
        raise ValueError(f"two-sided rule {rule!r}: expected one of {sorted(TWO_SIDED_RULES)}")
    doc = TWO_SIDED_RULES[rule].__doc__ or ""
    return " ".join(doc.split())


@lru_cache(maxsize=32)
def _combinations(n: int, k: int) -> np.ndarray:
    out = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), k)), dtype=np.int32)
    out = out.reshape(-1, k).copy()  # owns its data (statistics may keep results for it, `office_did`)
    out.setflags(write=False)
    return out


def assignments(treated: np.ndarray, *, exact_limit: int, n_draws: int, seed: int, key: str) -> Assignments:
    """All assignments of the observed number of treated units, or `n_draws` random ones plus the observed."""
    observed = np.asarray(treated, dtype=float)
    n, k = observed.size, int(observed.sum())
    if not 1 <= k <= n - 2:
        raise ValueError(f"randomization: {k} treated of {n} units; need at least 1 treated and 2 comparison")
    total = math.comb(n, k)
    if total <= exact_limit:
        return Assignments(_combinations(n, k), observed, True, total)
    rng = np.random.default_rng(seed_for(seed, key))
    drawn = np.argsort(rng.random((n_draws, n)), axis=1)[:, :k].astype(np.int32)
    index = np.vstack([np.flatnonzero(observed)[None, :].astype(np.int32), drawn])
    index.setflags(write=False)  # shared by every statistic computed on this design
    return Assignments(index, observed, False, total)


def _counts_at(tau: np.ndarray, u: np.ndarray, v: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """For each tau: #{a: u_a + tau v_a >= 0} and #{a: u_a + tau v_a <= 0}."""
    pos, neg, flat = v > tol, v < -tol, np.abs(v) <= tol
    b_pos = np.sort(-u[pos] / v[pos])  # u + tau v >= 0  <=>  tau >= b   (v > 0)
    b_neg = np.sort(-u[neg] / v[neg])  # u + tau v >= 0  <=>  tau <= b   (v < 0)
    flat_ge, flat_le = int((u[flat] >= -tol).sum()), int((u[flat] <= tol).sum())
    ge = (
        np.searchsorted(b_pos, tau, side="right")
        + (b_neg.size - np.searchsorted(b_neg, tau, side="left"))
        + flat_ge
    )
    le = (
        (b_pos.size - np.searchsorted(b_pos, tau, side="left"))
        + np.searchsorted(b_neg, tau, side="right")
        + flat_le
    )
    return ge, le


def _breaks_rising(ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(sorted ratios, first position of each distinct value in them, the distinct values = ``np.unique(ratio)``).

    None when a ratio is zero: ``np.unique`` keeps one of 0.0 and -0.0 by a rule of its own (in NumPy 2.4 a hash
    table's, which agreed with the sort in every trial here, but nothing promises it) and an interval's end keeps
    that sign bit; the caller then calls ``np.unique`` itself.
    """
    ordered = np.sort(ratio)
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    breaks = ordered[starts]
    if (breaks == 0).any():
        return None
    return ordered, starts, breaks


def _counts_rising(
    candidates: np.ndarray, starts: np.ndarray, size: int, flat_ge: int, flat_le: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """`_counts_at` at `fisher_interval`'s candidates when every moving assignment has v > 0, without searching.

    `starts` are the first positions of the distinct breaks b_0 < ... < b_m-1 in the sorted ratios (`size` of them).
    Candidate 2i + 1 is b_i; candidate 2i + 2 is the midpoint of b_i and b_i+1, which rounding can put on either
    end; the first and last lie at or beyond the ends. Returns None if a candidate is not where that says.
    """
    m = starts.size
    breaks = candidates[1::2]
    ends = np.append(starts[1:], size)
    mids = candidates[2:-1:2]
    on_low, on_high = mids == breaks[:-1], mids == breaks[1:]
    if not (
        ((mids > breaks[:-1]) | on_low).all()
        and ((mids < breaks[1:]) | on_high).all()
        and candidates[0] <= breaks[0]
        and candidates[-1] >= breaks[-1]
    ):
        return None
    at_most = np.empty(2 * m + 1, dtype=np.intp)  # #{b <= c}: searchsorted(sorted ratios, c, side="right")
    below = np.empty(2 * m + 1, dtype=np.intp)  # #{b < c}: side="left"
    at_most[1::2], below[1::2] = ends, starts
    at_most[2:-1:2] = np.where(on_high, ends[1:], ends[:-1])
    below[2:-1:2] = np.where(on_low, starts[:-1], starts[1:])
    at_most[0], below[0] = (ends[0] if candidates[0] == breaks[0] else 0), 0
    at_most[-1], below[-1] = size, (starts[-1] if candidates[-1] == breaks[-1] else size)
    return at_most + flat_ge, (size - below) + flat_le


def fisher_interval(
    null: np.ndarray, shift: np.ndarray, observed: float, *, level: float = 0.95
) -> tuple[float, float]:
    """Set of constant effects tau not rejected by the equal-tails test at 1 - `level` (its hull).

    `null` are T(a), `shift` are C(a) (the statistic of the observed treatment pattern under assignment a).
    """
    u = null - observed
    v = 1.0 - shift
    tol = 1e-9 * max(1.0, float(np.nanmax(np.abs(null))) if null.size else 1.0)
    ok = np.isfinite(u) & np.isfinite(v)
    if not ok.all():
        u, v = u[ok], v[ok]
    moving = np.abs(v) > tol
    v_moving = v[moving]
    ratio = -u[moving] / v_moving
    # Fast path for the usual case (every statistic of `office_did` has C(a) <= 1): every moving v is positive,
    # so the sorted ratios are `_counts_at`'s b_pos and one sort gives the breaks and every count.
    rising = _breaks_rising(ratio) if (v_moving > tol).all() else None
    breaks = rising[2] if rising is not None else np.unique(ratio)
    if breaks.size == 0:
        return -math.inf, math.inf
    span = float(breaks[-1] - breaks[0]) or 1.0
    # Every break, every midpoint between two and a point beyond each end, in ascending order (searchsorted is
    # faster on sorted keys).
    candidates = np.empty(2 * breaks.size + 1)
    candidates[0], candidates[-1] = breaks[0] - span, breaks[-1] + span
    candidates[1::2] = breaks
    candidates[2:-1:2] = (breaks[:-1] + breaks[1:]) / 2
    counts = None
    if rising is not None:
        flat = ~moving
        flat_ge, flat_le = int((u[flat] >= -tol).sum()), int((u[flat] <= tol).sum())
        counts = _counts_rising(candidates, rising[1], rising[0].size, flat_ge, flat_le)
    ge, le = counts if counts is not None else _counts_at(candidates, u, v, tol)
    p_two = np.minimum(1.0, 2 * np.minimum(ge, le) / u.size)
    accepted = candidates[p_two > 1 - level]
    if accepted.size == 0:
        return math.nan, math.nan
    low = -math.inf if accepted.min() < breaks[0] else float(accepted.min())
    high = math.inf if accepted.max() > breaks[-1] else float(accepted.max())
    return low, high


def randomization_test(
    statistic: Statistic,
    values: np.ndarray,
    shift_values: np.ndarray,
    design: Assignments,
    *,
    level: float = 0.95,
) -> RandomizationResult:
    """p-values and Fisher interval of a linear statistic over the assignments in `design`.

    `values` are the outcomes the statistic reads; `shift_values` the same quantity computed from the observed
    treatment pattern (1 where the observed treated units would carry the effect, 0 elsewhere).
    """
    null = statistic(design.index, values)
    shift = statistic(design.index, shift_values)
    observed = float(statistic(design.observed_index, values)[0])
    valid = np.isfinite(null)
    finite = null[valid]  # masked once here, not again in each p-value
    p_ge, p_le = _one_sided(finite, observed)
    low, high = fisher_interval(finite, shift[valid], observed, level=level)
    rule = TWO_SIDED_RULES[REPORTED_RULE]
    return RandomizationResult(
        estimate=observed,
        p_value=min(1.0, 2 * min(p_ge, p_le)) if rule is equal_tails_p else rule(null, observed),
        p_ge=p_ge,
        p_le=p_le,
        p_abs=_absolute(finite, observed),
        ri_low=low,
        ri_high=high,
        null=null,
        exact=design.exact,
        n_assignments=design.total,
    )
