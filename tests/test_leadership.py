"""Estimators on SYNTHETIC panels with known effects (generated here), and the real treatment table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from research.config import FACTS_DIR
from research.models import leadership as ld
from research.params import ParameterError

AORS = [
    "ATL",
    "BAL",
    "BOS",
    "BUF",
    "CHI",
    "DAL",
    "DEN",
    "DET",
    "ELP",
    "HLG",
    "HOU",
    "LOS",
    "MIA",
    "NEW",
    "NOL",
    "NYC",
    "PHI",
    "PHO",
    "SEA",
    "SFR",
    "SLC",
    "SNA",
    "SND",
    "SPM",
    "WAS",
]


def synthetic_staggered(
    cohorts: dict[int, int],
    n_never: int,
    T: int,
    effect,
    *,
    noise: float = 0.3,
    seed: int = 0,
    pretrend: float = 0.0,
) -> tuple[ld.StaggeredData, np.ndarray]:
    """SYNTHETIC panel: office FE + common period shocks + effect(g, e) + noise. Returns data and true effects."""
    rng = np.random.default_rng(seed)
    g = np.concatenate([np.full(n, float(c)) for c, n in cohorts.items()] + [np.full(n_never, np.inf)])
    n = g.size
    t = np.arange(T)
    tau = np.zeros((n, T))
    for i, gi in enumerate(g):
        if np.isfinite(gi):
            e = t - gi
            tau[i] = np.where(e >= 0, [effect(gi, ei) for ei in e], 0.0)
            tau[i] += np.where(e < 0, pretrend * (t - gi), 0.0)
    Y = rng.normal(0, 2, n)[:, None] + np.cumsum(rng.normal(0, 1, T))[None, :] + tau
    Y = Y + rng.normal(0, noise, (n, T))
    periods = pd.DataFrame({"period": t, "period_start": pd.date_range("2025-01-06", periods=T, freq="7D")})
    periods["period_end"] = periods["period_start"] + pd.Timedelta(days=6)
    return ld.StaggeredData([f"U{i:03d}" for i in range(n)], Y, g, periods), tau


def true_overall(sd: ld.StaggeredData, tau: np.ndarray, window_after: int) -> float:
    """Group-size-weighted mean of the true ATT(g, t) over event times 0..window_after (the CS target)."""
    vals = []
    for i, gi in enumerate(sd.g):
        if np.isfinite(gi):
            for t in range(int(gi), min(int(gi) + window_after + 1, sd.Y.shape[1])):
                vals.append(tau[i, t])
    return float(np.mean(vals))


def dynamic_effect(g: float, e: float) -> float:
    # effects grow with time since the change and are larger for early adopters: the case where TWFE fails
    return (1.0 + 0.4 * e) * {4.0: 2.0, 9.0: 1.0, 14.0: 0.5}[g]


@pytest.fixture(scope="module")
def staggered():
    return synthetic_staggered({4: 40, 9: 40, 14: 40}, n_never=40, T=20, effect=dynamic_effect, seed=1)


def test_staggered_estimator_recovers_average_effect_where_twfe_is_biased(staggered) -> None:
    sd, tau = staggered
    truth = true_overall(sd, tau, window_after=19)
    res = ld.staggered_att(sd, window_before=3, window_after=19, n_boot=99, seed=0)
    naive = ld.twfe_static(sd)
    assert abs(res.att - truth) < 0.10 * truth
    assert abs(naive["att"] - truth) > 0.30 * truth  # visibly biased (here: far too small)
    assert res.ci_low <= truth <= res.ci_high


def test_not_yet_treated_controls_also_recover_effect(staggered) -> None:
    sd, tau = staggered
    truth = true_overall(sd, tau, window_after=4)
    att = ld.overall_att(sd, 4, control="notyet")
    assert abs(att - truth) < 0.10 * truth


def test_event_time_estimates_track_true_dynamic_path(staggered) -> None:
    sd, _ = staggered
    res = ld.staggered_att(sd, window_before=3, window_after=5, n_boot=49, seed=0)
    et = res.event_time.set_index("event_time")["att"]
    # cohort-size-weighted truth at event time e (all three cohorts observed for e <= 5)
    for e in range(0, 6):
        truth = np.mean([dynamic_effect(g, e) for g in (4.0, 9.0, 14.0)])
        assert et[e] == pytest.approx(truth, abs=0.15)
    assert abs(et[-3]) < 0.2 and et[-1] == 0.0


def test_twfe_event_study_recovers_constant_single_cohort_effect() -> None:
    sd, _ = synthetic_staggered({8: 8}, n_never=17, T=14, effect=lambda g, e: 1.5, seed=3, noise=0.2)
    es = ld.event_study_twfe(sd, window_before=4, window_after=4).set_index("event_time")
    assert es.loc[-1, "coef"] == 0.0
    for e in range(0, 5):
        assert es.loc[e, "coef"] == pytest.approx(1.5, abs=0.3)
        assert es.loc[e, "ci_low"] < 1.5 < es.loc[e, "ci_high"] or abs(es.loc[e, "coef"] - 1.5) < 0.3
    assert abs(es.loc[-3, "coef"]) < 0.3
    assert bool(es.loc[-4, "binned"]) and bool(es.loc[4, "binned"])


def test_randomization_pvalues_are_uniform_under_no_effect() -> None:
    pvals = []
    for seed in range(100):
        sd, _ = synthetic_staggered({8: 5}, n_never=20, T=12, effect=lambda g, e: 0.0, seed=seed, noise=1.0)
        ri = ld.randomization_inference(sd, window_after=3, n_permutations=99, seed=seed)
        assert not ri.exact
        pvals.append(ri.p_value)
    assert stats.kstest(pvals, "uniform").pvalue > 0.01
    assert 0.02 < np.mean(np.array(pvals) <= 0.10) < 0.22  # about 10% rejections at the 10% level


def test_randomization_detects_a_large_effect() -> None:
    sd, _ = synthetic_staggered({8: 5}, n_never=20, T=12, effect=lambda g, e: 3.0, seed=7, noise=0.5)
    ri = ld.randomization_inference(sd, window_after=3, n_permutations=499, seed=0)
    assert ri.p_value < 0.01


def test_exact_randomization_enumerates_every_assignment() -> None:
    sd, _ = synthetic_staggered({5: 2}, n_never=4, T=8, effect=lambda g, e: 2.0, seed=2, noise=0.1)
    ri = ld.randomization_inference(sd, window_after=2, n_permutations=1000)
    assert ri.exact and ri.n_assignments == 15 and ri.null.size == 15
    # the observed assignment is the most extreme of the 15, so p = 1/15
    assert ri.p_value == pytest.approx(1 / 15)
    assert ld.n_assignments(np.array([3.0, 3.0, 5.0, np.inf, np.inf, np.inf])) == 60


def test_pretrend_check_flags_a_real_pretrend_and_states_power() -> None:
    flat, _ = synthetic_staggered({10: 6}, n_never=19, T=16, effect=lambda g, e: 0.0, seed=4, noise=0.3)
    tilted, _ = synthetic_staggered(
        {10: 6}, n_never=19, T=16, effect=lambda g, e: 0.0, seed=4, noise=0.3, pretrend=0.3
    )
    ok, bad = ld.pretrend_test(flat), ld.pretrend_test(tilted)
    assert bad.p_value < 0.01 and bad.slope == pytest.approx(0.3, abs=0.1)
    assert ok.mde_80 == pytest.approx(2.8016 * ok.se, rel=1e-3)
    assert ok.n_pre_periods == 10
    assert "80% power" in ok.in_words("log points")


def test_placebo_uses_only_pre_change_data() -> None:
    # big effect after the real change; the placebo at earlier fake dates must not see it
    sd, _ = synthetic_staggered({10: 5}, n_never=20, T=16, effect=lambda g, e: 5.0, seed=5, noise=0.3)
    pl = ld.placebo_test(sd, shift=4, n_permutations=199, n_boot=99)
    assert abs(pl.att) < 0.5 and pl.p_value > 0.05
    assert pl.ci_low < 0 < pl.ci_high
    with pytest.raises(ValueError, match="placebo shift"):
        ld.placebo_test(sd, shift=10)


def test_leave_one_out_shows_influence_of_an_outlier_office() -> None:
    sd, _ = synthetic_staggered({8: 5}, n_never=20, T=12, effect=lambda g, e: 0.0, seed=6, noise=0.2)
    Y = sd.Y.copy()
    Y[0, 8:] += 10.0  # one treated office jumps
    loo = ld.leave_one_out(ld.StaggeredData(sd.units, Y, sd.g, sd.periods), window_after=3)
    assert len(loo) == 25
    row = loo.set_index("dropped").loc["U000"]
    assert row["role"] == "treated" and row["att"] == pytest.approx(0.0, abs=0.3) and row["change"] < -1.5


def _offices() -> pd.DataFrame:
    return pd.DataFrame({"aor": AORS, "short_name": AORS})


def _events() -> pd.DataFrame:
    return pd.read_csv(FACTS_DIR / "leadership_events.csv", parse_dates=["event_date"])


def test_treatment_table_from_curated_events() -> None:
    table = ld.treatment_table(_events(), _offices())
    assert len(table) == 25 and set(table["aor"]) == set(AORS)
    assert ld.count_treated(table) == {"confirmed": 5, "reported": 10, "border_patrol_only": 7}
    by = table.set_index("aor")
    assert set(by.index[by["treated_confirmed"]]) == {"DEN", "LOS", "SND", "PHO", "PHI"}
    assert (by.loc[["DEN", "LOS", "SND", "PHO", "PHI"], "change_date"] == pd.Timestamp("2025-10-24")).all()
    assert not by.loc["PHI", "treated_border_patrol_only"]  # replacement from ICE HSI
    assert by.loc["SPM", "status"] == "none" and by.loc["SPM", "operation_start"] == pd.Timestamp(
        "2025-12-01"
    )
    assert by.loc["CHI", "operation_start"] == pd.Timestamp("2025-09-08")
    assert by.loc[by["status"] != "none", "source_url"].str.startswith("http").all()


def test_design_roles_exclude_contaminated_offices_and_operations() -> None:
    table = ld.treatment_table(_events(), _offices())
    d = ld.design(table, "confirmed", exclude_operations=True).set_index("aor")
    assert (d["role"] == "treated").sum() == 5
    assert set(d.index[d["role"] == "excluded"]) == {"ELP", "NOL", "SEA", "CHI", "WAS", "SPM"}
    d2 = ld.design(table, "reported", exclude_operations=False).set_index("aor")
    assert (d2["role"] == "treated").sum() == 10 and (d2["role"] == "excluded").sum() == 0
    assert d2.loc["CHI", "change_date"] == pd.Timestamp("2025-10-17")


def test_treatment_table_rejects_unknown_status() -> None:
    ev = _events()
    ev.loc[0, "status"] = "rumoured"
    with pytest.raises(ValueError, match="status"):
        ld.treatment_table(ev, _offices())


def test_staggered_data_drops_excluded_and_maps_dates_to_periods() -> None:
    periods = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2025-08-24", "2025-10-01", "2025-11-16"]),
            "period_end": pd.to_datetime(["2025-09-30", "2025-11-15", "2025-11-29"]),
        }
    )
    frame = pd.concat(
        [periods.assign(aor=a, period=range(3), value=[1.0, 2.0, 3.0]) for a in ("A", "B", "C")]
    )
    roles = pd.DataFrame(
        {
            "aor": ["A", "B", "C"],
            "role": ["treated", "control", "excluded"],
            "change_date": pd.to_datetime(["2025-10-24", None, None]),
        }
    )
    sd = ld.staggered_data(frame, "value", roles)
    assert sd.units == ["A", "B"] and sd.g[0] == 1.0 and np.isinf(sd.g[1])


def test_validate_parameters_names_the_bad_parameter() -> None:
    good = dict(
        outcome="auto",
        treatment="confirmed",
        scale="log",
        window_before=6,
        window_after=6,
        exclude_operations=True,
        n_permutations=999,
        seed=1,
    )
    assert ld.validate_parameters(**good).treatment == "confirmed"
    with pytest.raises(ParameterError, match="parameter 'treatment' = 'rumoured': expected one of"):
        ld.validate_parameters(**(good | {"treatment": "rumoured"}))
    with pytest.raises(ParameterError, match="window_after"):
        ld.validate_parameters(**(good | {"window_after": -1}))


def test_effect_in_words_converts_log_points_to_percent() -> None:
    assert ld.effect_in_words(np.log(1.1), np.log(0.95), np.log(1.3), "log", "people") == (
        "+10.0% (95% interval -5.0% to +30.0%)"
    )
    assert "per 100,000" in ld.effect_in_words(1.0, 0.0, 2.0, "per_100k", "people")


# ---------------------------------------------------------------- notebook (real data; slow)
def _execute(tmp_path, parameters: dict | None = None) -> None:
    papermill = pytest.importorskip("papermill")
    from research import config

    papermill.execute_notebook(
        str(config.NOTEBOOKS_DIR / "30_leadership_changes.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters=parameters or {},
        kernel_name=config.KERNEL_NAME,
        cwd=str(config.NOTEBOOKS_DIR),
        execution_timeout=300,
        progress_bar=False,
    )


def _processed_ready() -> bool:
    from research.config import processed_dir

    return all((processed_dir() / f).exists() for f in ("facilities.parquet", "field_offices.parquet"))


@pytest.mark.slow
@pytest.mark.skipif(not _processed_ready(), reason="processed data not built yet (run the data build)")
def test_notebook_runs_with_detention_outcome(tmp_path) -> None:
    import nbformat

    _execute(tmp_path, {"outcome": "detained_population"})
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    text = " ".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "Outcome used: Average daily detained population" in text and "p = " in text


@pytest.mark.slow
def test_notebook_stops_on_bad_parameter(tmp_path) -> None:
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        _execute(tmp_path, {"treatment": "rumoured"})
    assert "ParameterError" in str(info.value)
    assert (
        "parameter 'treatment' = 'rumoured': expected one of 'confirmed', 'reported', 'border_patrol_only'"
        in str(info.value)
    )
