"""Randomization inference on SYNTHETIC offices (values generated here): exactness, sides, inverted interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from research.models import office_did as did
from research.models import randomization as ri


def _design(n: int, k: int, **kw) -> ri.Assignments:
    treated = np.zeros(n, dtype=bool)
    treated[:k] = True
    return ri.assignments(treated, key="test", **({"exact_limit": 10**6, "n_draws": 999, "seed": 1} | kw))


def test_exact_enumeration_lists_every_assignment_once() -> None:
    design = _design(8, 3)
    dense = design.dense()
    assert design.exact and design.total == math.comb(8, 3) == dense.shape[0]
    assert (dense.sum(axis=1) == 3).all()
    assert len({tuple(r) for r in dense}) == design.total


def test_exact_p_value_counts_assignments_by_hand() -> None:
    # SYNTHETIC: the observed treated office has the largest value of 4: one of the 4 assignments is as large.
    values = np.array([10.0, 1.0, 2.0, 3.0])
    res = ri.randomization_test(did.diff_in_means, values, np.array([1.0, 0, 0, 0]), _design(4, 1))
    assert res.estimate == pytest.approx(10 - 2)
    assert res.p_ge == pytest.approx(1 / 4) and res.p_le == pytest.approx(4 / 4)
    assert res.p_value == pytest.approx(min(1.0, 2 * 1 / 4))


def test_drawn_assignments_depend_on_seed_and_key_only() -> None:
    a = _design(25, 8, exact_limit=100, n_draws=500, seed=3)
    b = _design(25, 8, exact_limit=100, n_draws=500, seed=3)
    c = ri.assignments(a.observed.astype(bool), exact_limit=100, n_draws=500, seed=3, key="other")
    assert not a.exact and a.index.shape == (501, 8)
    assert np.array_equal(a.index, b.index) and not np.array_equal(a.index, c.index)
    assert np.array_equal(a.dense()[0], a.observed)  # the observed assignment is always included


def test_fisher_interval_matches_brute_force_inversion() -> None:
    rng = np.random.default_rng(5)
    values = rng.normal(0, 1, 12) + np.r_[np.full(4, 0.8), np.zeros(8)]
    design = _design(12, 4)
    res = ri.randomization_test(did.diff_in_means, values, design.observed, design)
    grid = np.linspace(res.estimate - 4, res.estimate + 4, 4001)
    kept = []
    for tau in grid:  # remove a constant effect tau from the treated offices and test again
        r = ri.randomization_test(did.diff_in_means, values - tau * design.observed, design.observed, design)
        if r.p_value > 0.05:
            kept.append(tau)
    step = grid[1] - grid[0]
    assert res.ri_low == pytest.approx(min(kept), abs=2 * step)
    assert res.ri_high == pytest.approx(max(kept), abs=2 * step)


def test_p_below_alpha_exactly_when_zero_is_outside_the_interval() -> None:
    rng = np.random.default_rng(11)
    for r in range(40):
        values = rng.normal(0, 1, 15) + (1.2 if r % 2 else 0.0) * np.r_[np.ones(5), np.zeros(10)]
        design = _design(15, 5)
        res = ri.randomization_test(did.diff_in_means, values, design.observed, design)
        assert (res.p_value <= 0.05) == (not res.ri_low <= 0 <= res.ri_high)


def test_needs_treated_and_comparison_units() -> None:
    with pytest.raises(ValueError, match="0 treated of 5"):
        ri.assignments(np.zeros(5, dtype=bool), exact_limit=10, n_draws=10, seed=0, key="k")


def test_two_sided_rules_count_by_hand_on_a_skewed_null() -> None:
    # SYNTHETIC skewed null: one far negative estimate, the rest small and positive.
    null = np.array([-5.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5])
    observed = 4.0
    p_ge, p_le = ri.one_sided_p(null, observed)
    assert (p_ge, p_le) == (pytest.approx(2 / 10), pytest.approx(9 / 10))
    assert ri.equal_tails_p(null, observed) == pytest.approx(2 * 2 / 10)
    assert ri.absolute_p(null, observed) == pytest.approx(3 / 10)  # 4.0, 4.5 and |-5.0|
    assert ri.equal_tails_p(null, 2.25) == 1.0  # 5 above, 5 below: 2 x 0.5, capped at 1
    assert ri.absolute_p(np.array([np.nan, 1.0, -2.0]), 1.0) == pytest.approx(1.0)  # NaN assignments ignored


def test_randomization_test_reports_both_rules_and_uses_the_reported_one() -> None:
    rng = np.random.default_rng(2)
    values = np.exp(rng.normal(0, 1, 12))  # SYNTHETIC skewed outcomes
    design = _design(12, 3)
    res = ri.randomization_test(did.diff_in_means, values, design.observed, design)
    assert res.p_abs == pytest.approx(ri.absolute_p(res.null, res.estimate))
    assert res.p_value == pytest.approx(ri.TWO_SIDED_RULES[ri.REPORTED_RULE](res.null, res.estimate))
    assert res.p_value == pytest.approx(min(1, 2 * min(res.p_ge, res.p_le)))


def test_rule_text_is_the_functions_own_definition() -> None:
    for rule, fn in ri.TWO_SIDED_RULES.items():
        text = ri.rule_text(rule)
        assert text and "\n" not in text and text.split()[:3] == (fn.__doc__ or "").split()[:3]
    assert "twice the smaller" in ri.rule_text("equal_tails")
    assert "far from zero" in ri.rule_text("absolute")
    with pytest.raises(ValueError, match="two-sided rule 'median'"):
        ri.rule_text("median")


# ------------------------------------------------------------------------------------ fast paths, same bits
# The straightforward implementations the fast ones replaced (a sort per side, four searches, masks per p-value,
# one gather per post period, a'Ga by broadcast indexing): every fast path must give exactly their bits.
def reference_counts(
    tau: np.ndarray, u: np.ndarray, v: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    pos, neg, flat = v > tol, v < -tol, np.abs(v) <= tol
    b_pos, b_neg = np.sort(-u[pos] / v[pos]), np.sort(-u[neg] / v[neg])
    ge = (
        np.searchsorted(b_pos, tau, side="right")
        + b_neg.size
        - np.searchsorted(b_neg, tau, side="left")
        + int((u[flat] >= -tol).sum())
    )
    le = (
        b_pos.size
        - np.searchsorted(b_pos, tau, side="left")
        + np.searchsorted(b_neg, tau, side="right")
        + int((u[flat] <= tol).sum())
    )
    return ge, le


def reference_fisher(
    null: np.ndarray, shift: np.ndarray, observed: float, level: float
) -> tuple[float, float]:
    u, v = null - observed, 1.0 - shift
    tol = 1e-9 * max(1.0, float(np.nanmax(np.abs(null))) if null.size else 1.0)
    ok = np.isfinite(u) & np.isfinite(v)
    u, v = u[ok], v[ok]
    moving = np.abs(v) > tol
    breaks = np.unique(-u[moving] / v[moving])
    if breaks.size == 0:
        return -math.inf, math.inf
    span = float(breaks[-1] - breaks[0]) or 1.0
    candidates = np.concatenate(
        [[breaks[0] - span], np.ravel(np.column_stack([breaks[:-1], (breaks[:-1] + breaks[1:]) / 2]))]
        + [[breaks[-1], breaks[-1] + span]]
    )
    ge, le = reference_counts(candidates, u, v, tol)
    accepted = candidates[np.minimum(1.0, 2 * np.minimum(ge, le) / u.size) > 1 - level]
    if accepted.size == 0:
        return math.nan, math.nan
    low = -math.inf if accepted.min() < breaks[0] else float(accepted.min())
    high = math.inf if accepted.max() > breaks[-1] else float(accepted.max())
    return low, high


def reference_test(statistic, values, shift_values, design: ri.Assignments, level: float = 0.95) -> dict:
    null, shift = statistic(design.index, values), statistic(design.index, shift_values)
    observed = float(statistic(design.observed_index, values)[0])
    valid = np.isfinite(null)
    tol = 1e-10 * max(1.0, abs(observed))
    p_ge = float((null[np.isfinite(null)] >= observed - tol).mean())
    p_le = float((null[np.isfinite(null)] <= observed + tol).mean())
    low, high = reference_fisher(null[valid], shift[valid], observed, level)
    return {
        "estimate": observed,
        "p_value": min(1.0, 2 * min(p_ge, p_le)),
        "p_ge": p_ge,
        "p_le": p_le,
        "p_abs": float((np.abs(null[np.isfinite(null)]) >= abs(observed) - tol).mean()),
        "ri_low": low,
        "ri_high": high,
        "null": null,
        "exact": design.exact,
        "n_assignments": design.total,
    }


def same_bits(a: object, b: object) -> bool:
    """Equal, floats compared by their bits (0.0 is not -0.0; NaN equals NaN)."""
    x, y = np.asarray(a), np.asarray(b)
    if x.dtype.kind == "f" or y.dtype.kind == "f":
        x, y = x.astype(np.float64), y.astype(np.float64)
        return x.shape == y.shape and np.array_equal(x.view(np.uint64), y.view(np.uint64))
    return x.shape == y.shape and np.array_equal(x, y)


def assert_same_result(res: ri.RandomizationResult, expected: dict) -> None:
    for name, value in expected.items():
        assert same_bits(getattr(res, name), value), f"{name}: {getattr(res, name)!r} != {value!r}"


def synthetic_fisher_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray, float, float, str]]:
    """SYNTHETIC (null, shift, observed, level, kind): ties, zero ratios (both signs), adjacent floats, NaN,
    negative v (shift above 1), no moving assignment, and the usual C(a) <= 1."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(300):
        n = int(rng.integers(2, 80))
        null = np.round(rng.normal(size=n), int(rng.integers(0, 4)))  # rounding makes ties
        shift = np.round(rng.uniform(-0.5, 1.0, n), int(rng.integers(1, 3)))  # v = 1 - shift >= 0
        kind = "rising"
        if i % 4 == 1:
            shift[rng.integers(0, n)] = 1.5  # one negative v: the general path
            kind = "general"
        if i % 5 == 2:
            null[rng.integers(0, n)] = np.nan
        observed = float(null[rng.integers(0, n)]) + (0.01 if i % 3 == 1 else 0.0) if i % 3 else 0.125
        if i % 7 == 3:
            null[: n // 2] = observed  # zero ratios u = 0 (with v of both signs: -0.0 and 0.0)
            shift[: n // 4] = np.where(np.arange(n // 4) % 2, 0.5, 1.5)
            kind = "zeros"
        cases.append(
            (null, shift, observed if np.isfinite(observed) else 0.125, [0.8, 0.9, 0.95][i % 3], kind)
        )
    # adjacent floats: midpoints that round onto a break, and ends (first break - span, last + span) that round
    # onto the first or last break
    up = np.nextafter(1.0, 2.0)
    for x in (
        np.array([1.0, up, np.nextafter(up, 2.0), 3.0, -2.0, -2.0]),
        np.array([1.0, np.nextafter(1.0, 0.0)]),
        np.array([-1.0, np.nextafter(-1.0, 0.0), np.nextafter(-1.0, 0.0)]),
    ):
        for level in (0.2, 0.5, 0.95):
            cases.append((x, np.zeros(x.size), 0.0, level, "rising"))
    cases.append((np.ones(6), np.ones(6), 1.0, 0.95, "flat"))  # no assignment moves: unbounded
    cases.append((np.array([0.0, 1.0, 2.0]), np.zeros(3), 1.0, 0.999, "rising"))  # every tau accepted
    return cases


def test_fisher_interval_fast_path_gives_the_reference_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC cases: the one-sort path (all v > 0), its fallbacks and the general path equal the reference."""
    used = {"fast": 0}
    counts = ri._counts_rising

    def counting(*args: object) -> object:
        out = counts(*args)  # type: ignore[arg-type]
        used["fast"] += out is not None
        return out

    monkeypatch.setattr(ri, "_counts_rising", counting)
    kinds: dict[str, int] = {}
    for null, shift, observed, level, kind in synthetic_fisher_cases(8):
        with np.errstate(all="ignore"):
            got = ri.fisher_interval(null, shift, observed, level=level)
            expected = reference_fisher(null, shift, observed, level)
        assert same_bits(got, expected), (kind, got, expected)
        kinds[kind] = kinds.get(kind, 0) + 1
    assert used["fast"] > 100 and kinds["general"] > 50 and kinds["zeros"] > 20  # every path was exercised


def test_fisher_counts_without_searching_equal_the_searches() -> None:
    """SYNTHETIC: at every candidate, the counts read from the sorted ratios equal the four searches' counts,
    midpoints and ends that round onto a break included."""
    checked = 0
    for null, shift, observed, _, _ in synthetic_fisher_cases(9):
        u, v = null - observed, 1.0 - shift
        ok = np.isfinite(u) & np.isfinite(v)
        u, v = u[ok], v[ok]
        tol = 1e-9 * max(1.0, float(np.abs(null[np.isfinite(null)]).max()))
        moving = np.abs(v) > tol
        with np.errstate(all="ignore"):
            ratio = -u[moving] / v[moving]
        if not (v[moving] > tol).all() or (rising := ri._breaks_rising(ratio)) is None or not ratio.size:
            continue
        ordered, starts, breaks = rising
        assert same_bits(breaks, np.unique(ratio))
        span = float(breaks[-1] - breaks[0]) or 1.0
        candidates = np.empty(2 * breaks.size + 1)
        candidates[0], candidates[-1] = breaks[0] - span, breaks[-1] + span
        candidates[1::2], candidates[2:-1:2] = breaks, (breaks[:-1] + breaks[1:]) / 2
        flat = ~moving
        counts = ri._counts_rising(
            candidates, starts, ordered.size, int((u[flat] >= -tol).sum()), int((u[flat] <= tol).sum())
        )
        assert counts is not None
        expected = reference_counts(candidates, u, v, tol)
        assert np.array_equal(counts[0], expected[0]) and np.array_equal(counts[1], expected[1])
        checked += 1
    assert checked > 100


def test_fisher_interval_keeps_the_sign_of_a_zero_break() -> None:
    """SYNTHETIC: estimates of 0.0 and -0.0 against an observed 0.0 give break points -0.0 and 0.0; the interval's
    end keeps the one np.unique keeps (which depends on their order), as the reference does."""
    signs = set()
    for first, second in ((0.0, -0.0), (-0.0, 0.0)):
        null = np.array([first, second, 1.0, 2.0, -1.0])
        for level in (0.2, 0.4, 0.6):
            got = ri.fisher_interval(null, np.zeros(5), 0.0, level=level)
            assert same_bits(got, reference_fisher(null, np.zeros(5), 0.0, level))
            signs |= {(level, bool(np.signbit(end))) for end in got if end == 0}
    assert len(signs) > len({level for level, _ in signs})  # both signs occur at one level: the case bites


def _synthetic_matrices() -> list:
    """SYNTHETIC outcome matrices of each kind (panel with gaps, arrest windows) and their treated masks."""
    import pandas as pd

    rng = np.random.default_rng(21)
    out = []
    for kind, roles in (
        ("panel", ["pre"] * 5 + ["event0"] + ["post"] * 4),
        ("windows", ["pre", "pre", "post"]),
    ):
        n, T = 25, len(roles)
        Y = rng.normal(0, 1, (n, 1)) + np.cumsum(rng.normal(0, 0.3, (n, T)), axis=1)
        periods = pd.DataFrame(
            {"label": list(map(str, range(T))), "start": pd.NaT, "end": pd.NaT, "role": roles}
        )
        units = tuple(f"S{i:02d}" for i in range(n))
        m = did.OutcomeMatrix("synthetic", "synthetic", "detention", "all", kind, units, Y, periods)
        out.append((m, np.arange(n) % 5 == 0))
        if kind == "panel":
            Y = Y.copy()
            Y[3, 7], Y[10, 9], Y[0, 6] = np.nan, np.nan, np.nan  # cells missing after the change
            out.append((did.replace(m, Y=Y), np.arange(n) % 5 == 0))
    return out


def _reference_statistics(mp: pytest.MonkeyPatch) -> None:
    """Swap in the straightforward statistics (one gather per post period, broadcast a'Ga, no cached columns)."""

    def sum_over(index: np.ndarray, values: np.ndarray) -> np.ndarray:
        treated = values[index.T]
        out = treated[0] + 0.0
        for j in range(1, treated.shape[0]):
            out += treated[j]
        return out

    def quadratic(index: np.ndarray, G: np.ndarray) -> np.ndarray:
        out = np.zeros(index.shape[0])
        pairs = G[index.T[:, None, :], index.T[None, :, :]]
        for j in range(pairs.shape[0]):
            for m in range(pairs.shape[1]):
                out += pairs[j, m]
        return out

    def cs_stat(index: np.ndarray, values: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        delta, observed = values
        total_att, cells = np.zeros(index.shape[0]), np.zeros(index.shape[0])
        for t in range(delta.shape[1]):
            s, c = sum_over(index, delta[:, t]), sum_over(index, observed[:, t])
            rest = observed[:, t].sum() - c
            ok = (c > 0) & (rest > 0)
            with np.errstate(invalid="ignore", divide="ignore"):
                att = s / c - (delta[:, t].sum() - s) / rest
            total_att += np.where(ok, att, 0.0)
            cells += ok
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cells > 0, total_att / cells, np.nan)

    mp.setattr(did, "_sum_over", sum_over)
    mp.setattr(did, "_quadratic", quadratic)
    mp.setattr(did, "_cs_stat", cs_stat)


def _compare_every_spec(matrices: list, draws: int) -> int:
    compared = 0
    for m, treated in matrices:
        for estimator, base in did.valid_specs(m.kind):
            prep = did.prepare(m, estimator, base, treated)
            t = treated[prep.keep]
            for exact_limit in (0, 10**6) if t.size <= 12 else (0,):
                design = ri.assignments(t, exact_limit=exact_limit, n_draws=draws, seed=4, key=m.name)
                res = ri.randomization_test(prep.statistic, prep.values, prep.shift_values, design)
                with pytest.MonkeyPatch.context() as mp:
                    _reference_statistics(mp)
                    slow = did.prepare(m, estimator, base, treated)
                    expected = reference_test(slow.statistic, slow.values, slow.shift_values, design)
                assert_same_result(res, expected)
                compared += 1
    return compared


def test_randomization_test_gives_the_reference_bits_on_synthetic_matrices() -> None:
    """SYNTHETIC panels (complete and with gaps) and windows: every estimator x base, drawn and exact designs."""
    matrices = _synthetic_matrices()
    small = matrices[0][0].restrict(matrices[0][0].units[:10])  # 10 offices: the exact design too
    matrices.append((small, np.arange(10) < 3))
    assert _compare_every_spec(matrices, draws=400) >= 20


def test_randomization_test_ignores_undefined_estimates_as_the_reference_does() -> None:
    """SYNTHETIC statistic undefined (NaN) for assignments holding both units 0 and 1: the p-values and the interval
    count the other assignments only, with the reference's bits."""

    def statistic(index: np.ndarray, values: np.ndarray) -> np.ndarray:
        both = (index == 0).any(axis=1) & (index == 1).any(axis=1)
        return np.where(both, np.nan, did.diff_in_means(index, values))

    rng = np.random.default_rng(12)
    for exact_limit in (0, 10**6):
        design = _design(12, 4, exact_limit=exact_limit, n_draws=300, seed=5)
        values = rng.normal(size=12) + 0.7 * design.observed
        res = ri.randomization_test(statistic, values, design.observed, design)
        assert np.isnan(res.null).sum() > 10
        assert_same_result(res, reference_test(statistic, values, design.observed, design))


def test_randomization_test_gives_the_reference_bits_on_the_committed_tables() -> None:
    """Real committed tables: the page's size/power outcomes, complete offices, random treated sets of 5."""
    from research import data
    from research.models import leadership as ld

    offices = data.load_field_offices()
    matrices = {
        m.name: m
        for m in ld.outcome_matrices(
            data.load_facilities(),
            offices,
            data.load_arrests_aor_windows(),
            None,
            arrests_monthly=data.load_arrests_monthly(),
        )
    }
    rng = np.random.default_rng(30)
    chosen = []
    for name in ("arrests", "arrests_jan_jul", "detention_balanced"):
        m = matrices[name]
        m = m.restrict(tuple(u for u, ok in zip(m.units, np.isfinite(m.Y).all(axis=1), strict=True) if ok))
        for _ in range(2):
            treated = np.zeros(len(m.units), dtype=bool)
            treated[rng.choice(len(m.units), 5, replace=False)] = True
            chosen.append((m, treated))
    assert _compare_every_spec(chosen, draws=999) >= 6 * 3
