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
