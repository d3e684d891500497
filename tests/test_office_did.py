"""Estimators on SYNTHETIC office panels (generated here): cross-checks against maintained packages, and the
inference measured in the real regime (25 offices, one cohort of 5, 14 periods, autocorrelated errors)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from research.models import design_check as dc
from research.models import office_did as did

ROLES = ["pre"] * 7 + ["event0"] + ["post"] * 6


def synthetic_matrix(
    seed: int = 0, effect: float = 0.3, roles: list[str] = ROLES, missing: tuple = ()
) -> tuple[did.OutcomeMatrix, np.ndarray]:
    """SYNTHETIC 25 offices x len(roles) periods, the first 5 treated, `effect` added after the change."""
    rng = np.random.default_rng(seed)
    n, T = 25, len(roles)
    treated = np.arange(n) < 5
    Y = rng.normal(0, 1, (n, 1)) + np.cumsum(rng.normal(0, 0.3, T))[None, :] + rng.normal(0, 0.2, (n, T))
    Y += effect * np.outer(treated, [r == "post" for r in roles])
    for i, t in missing:
        Y[i, t] = np.nan
    periods = pd.DataFrame(
        {
            "label": [str(t) for t in range(T)],
            "start": pd.date_range("2025-01-01", periods=T, freq="MS"),
            "end": pd.date_range("2025-01-28", periods=T, freq="MS"),
            "role": roles,
        }
    )
    units = tuple(f"S{i:02d}" for i in range(n))
    return did.OutcomeMatrix(
        "synthetic", "synthetic", "detention", "all", "panel", units, Y, periods
    ), treated


def _observed(prep: did.Prepared, treated: np.ndarray) -> float:
    return float(prep.statistic(np.flatnonzero(treated[prep.keep])[None, :], prep.values)[0])


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_twfe_matches_pyfixest_coefficient_and_clustered_error() -> None:
    pf = pytest.importorskip("pyfixest")
    m, treated = synthetic_matrix(missing=((12, 2), (3, 10)))
    parts, _ = did.twfe_parts(m)
    beta, se, low, high = did.twfe_fit(parts, treated, 0.95)
    rows = [
        (i, t, m.Y[i, t], float(treated[i] and ROLES[t] == "post"))
        for i in range(25)
        for t in range(len(ROLES))
        if ROLES[t] != "event0" and np.isfinite(m.Y[i, t])
    ]
    frame = pd.DataFrame(rows, columns=["unit", "t", "y", "D"])
    fit = pf.feols("y ~ D | unit + t", data=frame, vcov={"CRV1": "unit"})
    assert beta == pytest.approx(float(fit.coef()["D"]), rel=1e-10)
    assert se == pytest.approx(float(fit.se()["D"]), rel=1e-8)
    ci = fit.confint().loc["D"].to_numpy()
    assert (low, high) == pytest.approx(tuple(ci), rel=1e-6)  # t(G-1) critical values, G = 25 offices
    prep = did.prepare(m, "twfe", "pre_mean", treated)
    assert _observed(prep, treated) == pytest.approx(
        beta, rel=1e-10
    )  # the randomization statistic is the same


def test_callaway_santanna_matches_the_differences_package() -> None:
    differences = pytest.importorskip("differences")
    roles = ["pre"] * 8 + [
        "post"
    ] * 6  # differences has no "event 0": the cohort starts at the first post period
    m, treated = synthetic_matrix(seed=1, roles=roles, missing=((12, 2),))
    rows = [
        (i, t, m.Y[i, t], 8 if treated[i] else np.nan)
        for i in range(25)
        for t in range(len(roles))
        if np.isfinite(m.Y[i, t])
    ]
    panel = pd.DataFrame(rows, columns=["unit", "t", "y", "cohort"]).set_index(["unit", "t"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        att = differences.ATTgt(data=panel, cohort_column="cohort", base_period="universal")
        att.fit(formula="y", control_group="never_treated", progress_bar=False)
        cells = att.results().iloc[:, 0].to_numpy()
        simple = att.aggregate("simple").iloc[0, :2].to_numpy()
    prep = did.prepare(m, "cs", "last_pre", treated)
    delta, observed = prep.values
    mine = [
        delta[observed[:, t] > 0][treated[observed[:, t] > 0], t].mean()
        - delta[observed[:, t] > 0][~treated[observed[:, t] > 0], t].mean()
        for t in range(6)
    ]
    assert mine == pytest.approx(list(cells[8:]), abs=1e-10)
    se, _, _ = prep.conventional(treated)
    assert _observed(prep, treated) == pytest.approx(simple[0], abs=1e-10)
    assert se == pytest.approx(simple[1], rel=1e-8)


def test_welch_interval_matches_scipy() -> None:
    rng = np.random.default_rng(2)
    values, treated = rng.normal(0, 1, 25), np.arange(25) < 5
    se, low, high = did.welch_interval(values, treated, 0.95)
    test = stats.ttest_ind(values[treated], values[~treated], equal_var=False)
    ci = test.confidence_interval(0.95)
    assert (low, high) == pytest.approx((ci.low, ci.high), rel=1e-10)


def test_lagged_outcome_adjustment_matches_statsmodels_hc2() -> None:
    rng = np.random.default_rng(3)
    Y = rng.normal(0, 1, (25, 3)).cumsum(axis=1)
    treated = np.arange(25) < 5
    periods = pd.DataFrame(
        {"label": ["a", "b", "c"], "start": pd.NaT, "end": pd.NaT, "role": ["pre", "pre", "post"]}
    )
    m = did.OutcomeMatrix("w", "w", "arrests", "n/a", "windows", tuple(map(str, range(25))), Y, periods)
    prep = did.prepare(m, "ld", "pre_adjusted", treated)
    y, x = Y[:, 2] - Y[:, 1], Y[:, 1] - Y[:, 0]
    fit = sm.OLS(y, sm.add_constant(np.column_stack([treated.astype(float), x]))).fit(cov_type="HC2")
    assert _observed(prep, treated) == pytest.approx(fit.params[1], rel=1e-10)
    se, _, _ = prep.conventional(treated)
    assert se == pytest.approx(fit.bse[1], rel=1e-10)


def test_estimators_recover_a_known_effect_and_keep_event_zero_apart() -> None:
    m, treated = synthetic_matrix(seed=4, effect=0.3)
    m.Y[treated, 7] -= 0.5  # something odd in event time 0 only
    for estimator, base in did.valid_specs("panel"):
        if base == "event0":
            continue
        prep = did.prepare(m, estimator, base, treated)
        assert _observed(prep, treated) == pytest.approx(0.3, abs=0.12), (estimator, base)
    assert did.event0_effect(m, "last_pre", treated) == pytest.approx(-0.5, abs=0.15)


@pytest.mark.parametrize("estimator, base", [("twfe", "pre_mean"), ("ld", "pre_adjusted")])
def test_ratio_statistics_on_shared_assignments_equal_the_dense_formula(estimator: str, base: str) -> None:
    """TWFE and the lagged-outcome statistic are a'r / a'Ga; a randomization test evaluates them twice on the same
    assignments (estimates, then shifts), sharing a'Ga. Both must equal the formula on dense 0/1 rows, also after
    an assignment matrix the caller may change (writeable) is changed."""
    from research.models import randomization as ri

    kind = "windows" if base == "pre_adjusted" else "panel"
    m, treated = synthetic_matrix(seed=4, missing=((12, 2), (3, 10)))  # unbalanced: a'Ga varies
    if kind == "windows":
        m = did.OutcomeMatrix(
            "synthetic",
            "synthetic",
            "arrests",
            "n/a",
            "windows",
            m.units,
            m.Y[:, [5, 6, 9]],
            m.periods.iloc[[5, 6, 9]],
        )
        m = did.replace(m, periods=m.periods.assign(role=["pre", "pre", "post"]).reset_index(drop=True))
    prep = did.prepare(m, estimator, base, treated)
    design = ri.assignments(treated[prep.keep], exact_limit=0, n_draws=200, seed=1, key="shared")
    dense = design.dense()

    def formula(values: object, rows: np.ndarray) -> np.ndarray:
        if estimator == "twfe":
            r, G = values  # type: ignore[misc]
            return (rows @ r) / np.einsum("ni,ij,nj->n", rows, G, rows)
        M = np.eye(rows.shape[1]) - (lambda Z: Z @ np.linalg.pinv(Z))(
            np.column_stack([np.ones(rows.shape[1]), m.Y[:, 1] - m.Y[:, 0]])
        )
        return (rows @ (M @ values)) / np.einsum("ni,ij,nj->n", rows, M, rows)

    for values in (prep.values, prep.shift_values, prep.values):
        np.testing.assert_allclose(
            prep.statistic(design.index, values), formula(values, dense), rtol=1e-12, atol=1e-12
        )
    base = np.array(design.index)
    view = base[:]  # read-only view of a writeable array: it changes when the array does
    view.setflags(write=False)
    first = prep.statistic(view, prep.values)
    base[:] = base[::-1].copy()
    np.testing.assert_allclose(
        prep.statistic(view, prep.values), formula(prep.values, dense[::-1]), atol=1e-12
    )
    assert not np.allclose(first, prep.statistic(view, prep.values))
    changing = np.array(design.index)  # writeable: its rows are changed in place between two calls
    before = prep.statistic(changing, prep.values)
    changing[:] = changing[::-1].copy()
    after = prep.statistic(changing, prep.values)
    np.testing.assert_allclose(after, formula(prep.values, dense[::-1]), rtol=1e-12, atol=1e-12)
    assert not np.allclose(before, after)


def test_quadratic_form_in_chunks_adds_in_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large assignment sets are gathered in chunks: the result is the same, bit for bit."""
    rng = np.random.default_rng(3)
    A = rng.normal(size=(25, 25))
    G = A @ A.T
    index = np.argsort(rng.random((1001, 25)), axis=1)[:, :9].astype(np.int32)
    whole = did._quadratic(index, G)
    monkeypatch.setattr(did, "_CHUNK_ROWS", 7)
    assert np.array_equal(did._quadratic(index, G), whole)
    rows = np.zeros((1001, 25))
    np.put_along_axis(rows, index.astype(np.intp), 1.0, axis=1)
    np.testing.assert_allclose(whole, np.einsum("ni,ij,nj->n", rows, G, rows), rtol=1e-12)


def test_cs_statistic_in_chunks_gives_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC panel with missing cells: the all-periods gather, cut into chunks of assignments, bit for bit."""
    from research.models import randomization as ri

    m, treated = synthetic_matrix(seed=9, missing=((2, 9), (7, 12), (20, 13)))
    prep = did.prepare(m, "cs", "last_pre", treated)
    design = ri.assignments(treated[prep.keep], exact_limit=0, n_draws=300, seed=2, key="chunks")
    whole = [did._cs_stat(design.index, v) for v in (prep.values, prep.shift_values)]
    monkeypatch.setattr(did, "_CHUNK_CELLS", 7)  # a few assignments per chunk, the last one short
    for values, expected in zip((prep.values, prep.shift_values), whole, strict=True):
        got = did._cs_stat(design.index, values)
        assert np.array_equal(got.view(np.uint64), expected.view(np.uint64))
    assert np.isfinite(whole[0]).all()


def test_gathers_keep_columns_only_for_live_read_only_assignments() -> None:
    """The contiguous copy of the assignments is reused for the same read-only array, never for a writeable one,
    and is dropped with the assignments (no large design kept alive by the cache)."""
    import gc

    rng = np.random.default_rng(6)
    values = rng.normal(size=25)
    index = np.argsort(rng.random((50, 25)), axis=1)[:, :5].astype(np.int32)
    expected = values[index].sum(axis=1)
    np.testing.assert_allclose(did._sum_over(index, values), expected, rtol=1e-14)
    assert did._LAST_COLUMNS[0] is None or did._LAST_COLUMNS[0]() is not index  # writeable: not kept
    index.setflags(write=False)
    did._sum_over(index, values)
    ref, columns = did._LAST_COLUMNS
    assert ref is not None and ref() is index and np.array_equal(columns, index.T)
    assert did._columns(index) is columns  # reused
    del index, ref, columns
    gc.collect()
    assert did._LAST_COLUMNS == (None, None)


def test_with_values_keeps_the_roles_and_changes_only_the_outcomes() -> None:
    m, treated = synthetic_matrix(seed=2)
    Y = m.Y + 1.0
    shifted = m.with_values(Y)
    assert shifted.Y is Y and m.Y is not Y and shifted.periods is m.periods
    assert shifted.roles is m.roles and shifted.cols("post") is m.cols("post")
    assert not m.cols("pre").flags.writeable  # shared between callers: read-only
    assert m.cols("nonexistent").size == 0
    for est, base in did.valid_specs("panel"):
        a = did.prepare(shifted, est, base, treated)
        b = did.prepare(did.replace(m, Y=Y), est, base, treated)  # a matrix built anew
        assert np.array_equal(a.keep, b.keep)
        assert a.conventional(treated[a.keep]) == b.conventional(treated[b.keep])
    with pytest.raises(ValueError, match="outcomes of shape"):
        m.with_values(Y[:, :3])


def test_invalid_estimator_base_pairs_are_refused() -> None:
    m, treated = synthetic_matrix()
    with pytest.raises(ValueError, match="not defined with base 'last_pre'"):
        did.prepare(m, "twfe", "last_pre", treated)
    with pytest.raises(ValueError, match="not defined with base 'pre_trend'"):
        did.prepare(m, "ld", "pre_trend", treated)  # windows-only base


# ---------------------------------------------------------------------------------- the real regime
# 25 offices, one cohort of 5, 14 periods (7 before, event 0, 6 after), AR(1) errors. The autocorrelation (0.7) and
# innovation scale (0.10 log points) are those the page fits to the balanced detention panel before the change.
REGIME = {"n_units": 25, "n_treated": 5, "rho": 0.7, "sigma": 0.10}


def test_randomization_size_is_nominal_under_no_effect() -> None:
    sim = dc.simulate_panel(**REGIME, effect=0.0, reps=400, n_draws=499, seed=12)
    print("\nsize (no effect):\n" + sim.to_string())
    assert sim["rejection_rate"].between(0.02, 0.09).all()
    assert sim["ri_coverage"].between(0.91, 0.98).all()


def test_power_for_an_effect_of_the_size_discussed() -> None:
    # The page discusses effects of about 20 % (the old detention headline, the curve's range): 0.2 log points.
    sim = dc.simulate_panel(**REGIME, effect=0.2, reps=200, n_draws=499, seed=13)
    print("\npower (effect 0.2 log points):\n" + sim.to_string())
    assert (sim["rejection_rate"] > 0.5).all()
    assert sim["ri_coverage"].between(0.90, 0.99).all()  # the interval still covers the true effect


def test_resampling_real_shaped_changes_gives_nominal_size_and_rising_power() -> None:
    rng = np.random.default_rng(14)  # SYNTHETIC arrest windows: log levels in 2024, 2025 and w2526
    Y = np.log(rng.uniform(800, 10_000, 25))[:, None] + np.cumsum(rng.normal(0.5, 0.15, (25, 3)), axis=1)
    periods = pd.DataFrame(
        {"label": ["y2024", "y2025", "w2526"], "start": pd.NaT, "end": pd.NaT, "role": ["pre", "pre", "post"]}
    )
    m = did.OutcomeMatrix("w", "w", "arrests", "n/a", "windows", tuple(map(str, range(25))), Y, periods)
    out = dc.resample_design(m, 5, (0.0, 0.3), reps=200, n_draws=499, seed=15)
    print("\n" + out.to_string())
    size, power = out[out["effect"] == 0.0], out[out["effect"] == 0.3]
    assert size["rejection_rate"].between(0.01, 0.10).all()
    assert (power["rejection_rate"].to_numpy() > size["rejection_rate"].to_numpy() + 0.2).all()
    assert out["ri_coverage"].between(0.90, 0.99).all()


def synthetic_windows_frame(seed: int = 0, n: int = 25) -> pd.DataFrame:
    """SYNTHETIC arrests by office over the three annual windows (long frame like load_arrests_aor_windows)."""
    rng = np.random.default_rng(seed)
    spans = {
        "y2024": ("2024-01-01", "2024-12-31"),
        "y2025": ("2025-01-01", "2025-12-31"),
        "w2526": ("2025-08-01", "2026-07-31"),
    }
    rows = []
    for i in range(n):
        y24 = rng.integers(500, 5_000)
        values = {"y2024": y24, "y2025": int(y24 * rng.uniform(2, 4)), "w2526": int(y24 * rng.uniform(3, 6))}
        for w, (a, b) in spans.items():
            rows.append(
                {
                    "aor": f"S{i:02d}",
                    "window": w,
                    "window_start": pd.Timestamp(a),
                    "window_end": pd.Timestamp(b),
                    "arrests": values[w],
                }
            )
    return pd.DataFrame(rows)


def test_same_season_matrix_is_the_jan_jul_change_over_estimated_jan_jul_2025() -> None:
    frame = synthetic_windows_frame()
    m = did.same_season_matrix(frame, "arrests", jan_jul_share=0.4, name="jj", label="jj")
    wide = frame.pivot(index="aor", columns="window", values="arrests")
    change = m.Y[:, m.cols("post")[0]] - did.base_values(m, "last_pre")
    expected = (wide["w2526"] - wide["y2025"]) / (0.4 * wide["y2025"])
    assert m.kind == "same_season" and m.scale == "share"
    assert change == pytest.approx(expected.to_numpy())
    assert did.valid_specs("same_season") == [("cs", "last_pre"), ("ld", "last_pre"), ("ld", "pre_adjusted")]
    with pytest.raises(ValueError, match="not defined with base 'pre_mean' on same_season"):
        did.prepare(m, "ld", "pre_mean", np.arange(25) < 5)
    with pytest.raises(ValueError, match="jan_jul_share = 1.5"):
        did.same_season_matrix(frame, "arrests", jan_jul_share=1.5, name="jj", label="jj")


def test_the_seasonal_scale_changes_the_effect_but_not_the_randomization_p() -> None:
    from research.models import randomization as ri

    frame = synthetic_windows_frame(seed=4, n=12)
    treated = np.arange(12) < 3
    design = ri.assignments(treated, exact_limit=10_000, n_draws=0, seed=0, key="k")
    out = []
    for share in (0.3, 0.6):
        m = did.same_season_matrix(frame, "arrests", jan_jul_share=share, name="jj", label="jj")
        prep = did.prepare(m, "ld", "last_pre", treated)
        out.append(ri.randomization_test(prep.statistic, prep.values, prep.shift_values, design))
    assert out[0].estimate == pytest.approx(2 * out[1].estimate)
    assert (out[0].p_value, out[0].p_abs) == pytest.approx((out[1].p_value, out[1].p_abs))


def synthetic_monthly(values: dict[str, int], flag: str | None = None) -> pd.DataFrame:
    """SYNTHETIC national arrests per month: `values` by 'YYYY-MM', optional flag column set on one month."""
    frame = pd.DataFrame({"month": pd.to_datetime(list(values)), "arrests": list(values.values())})
    frame["partial_month"] = False
    frame["reporting_lag"] = frame["month"].dt.strftime("%Y-%m") == flag if flag else False
    return frame


def test_seasonal_share_and_window_dilution_from_monthly_arrests() -> None:
    months = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)][:19]  # Jan 2025 - Jul 2026
    values = {k: (100 if k < "2025-08" else 300 if k < "2026-01" else 200) for k in months}
    monthly = synthetic_monthly(values)
    assert did.seasonal_share(monthly) == pytest.approx(700 / (700 + 1500))
    d = did.window_dilution(monthly)
    assert d.shared == 1500 and d.share_of_y2025 == pytest.approx(1500 / 2200)
    assert d.share_of_w2526 == pytest.approx(1500 / 2900) and d.jan_jul_ratio == pytest.approx(2.0)
    assert d.window_ratio == pytest.approx(2900 / 2200) and d.attenuation == pytest.approx(1400 / 2900)
    with pytest.raises(ValueError, match="need every month 2025-01..2026-07; missing \\['2026-07'\\]"):
        did.window_dilution(synthetic_monthly({k: v for k, v in values.items() if k != "2026-07"}))
    with pytest.raises(ValueError, match="flagged \\['reporting_lag'\\]"):
        did.seasonal_share(synthetic_monthly(values, flag="2025-03"))


def test_to_percent_reads_each_scale() -> None:
    assert did.to_percent(np.log(1.1), "log") == pytest.approx(10.0)
    assert did.to_percent(0.1, "share") == pytest.approx(10.0)
    with pytest.raises(ValueError, match="scale 'pct'"):
        did.to_percent(0.1, "pct")
