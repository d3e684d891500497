"""The specification curve: its rows, schedulers that agree to the last digit, the defaults bridge, the DDP path,
and the curve on the committed tables (frames passed explicitly)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research.models import leadership as ld
from research.models import office_did as did
from research.models import spec_curve as sc

SETTINGS = sc.Settings(n_permutations=499, exact_limit=5_000, seed=7)
REQUIRED = {"treatment", "comparison", "outcome", "facility_set", "base", "estimator", "estimate", "p_value"}


@pytest.fixture(scope="module")
def real():
    from research import data

    return {
        "fod_events": data.load_fod_events(),
        "offices": data.load_field_offices(),
        "facilities": data.load_facilities(),
        "arrests_windows": data.load_arrests_aor_windows(),
        "arrests_monthly": data.load_arrests_monthly(),
    }


def synthetic_panel_matrix(seed: int = 0) -> did.OutcomeMatrix:
    """SYNTHETIC detention-like panel for the 25 real office codes, 7 + 1 + 6 periods, one office missing a cell."""
    from research import data

    units = tuple(sorted(data.load_field_offices()["aor"]))
    rng = np.random.default_rng(seed)
    roles = ["pre"] * 7 + ["event0"] + ["post"] * 6
    Y = rng.normal(5, 1, (25, 1)) + rng.normal(0, 0.1, (25, 14)).cumsum(axis=1)
    Y[3, 9] = np.nan
    periods = pd.DataFrame(
        {
            "label": list(map(str, range(14))),
            "start": pd.date_range("2025-01-01", periods=14, freq="MS"),
            "end": pd.date_range("2025-01-28", periods=14, freq="MS"),
            "role": roles,
        }
    )
    return did.OutcomeMatrix("detention_all", "synthetic", "detention", "all", "panel", units, Y, periods)


def test_one_task_gives_every_valid_specification(real) -> None:
    tiers = ld.treatment_tiers(real["fod_events"], real["offices"])
    design = ld.design(tiers, "plus_ice_to_ice", "all_others")  # 8 of 25: drawn, not enumerated, here
    rows = sc.run_task(sc.Task(design, synthetic_panel_matrix(), SETTINGS))
    assert [(r["estimator"], r["base"]) for r in rows] == did.valid_specs("panel")
    assert all(not r["exact"] and r["n_treated"] == 8 for r in rows)
    by = {(r["estimator"], r["base"]): r for r in rows}
    assert by[("ld", "last_pre")]["event0_estimate"] == by[("cs", "last_pre")]["event0_estimate"]
    assert np.isnan(by[("ld", "event0")]["event0_estimate"])


@pytest.mark.slow
def test_schedulers_agree_to_the_last_digit(real) -> None:
    tiers = ld.treatment_tiers(real["fod_events"], real["offices"])
    tasks = sc.tasks_for(tiers, [synthetic_panel_matrix()], SETTINGS)[:4]
    serial = sc.execute(sc.run_task, tasks, scheduler="serial")
    pooled = sc.execute(sc.run_task, tasks, scheduler="processes", workers=2)
    dask = sc.execute(sc.run_task, tasks, scheduler="local", workers=2)
    assert pd.DataFrame(sum(serial, [])).equals(pd.DataFrame(sum(pooled, [])))
    assert pd.DataFrame(sum(serial, [])).equals(pd.DataFrame(sum(dask, [])))


def _pid(_: object) -> int:
    return __import__("os").getpid()


@pytest.mark.parametrize("scheduler", ["processes", "local"])
def test_local_pools_take_at_most_the_cores_given_and_run_here_with_one(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a report batch with --jobs N each kernel gets cores / N (RESEARCH_CPUS): with one core a pool would only
    add its start-up to a machine whose cores the other reports keep busy."""
    import os

    monkeypatch.setenv("RESEARCH_CPUS", "1")
    assert set(sc.execute(_pid, list(range(4)), scheduler=scheduler, workers=2)) == {os.getpid()}
    monkeypatch.setenv("RESEARCH_CPUS", "2")
    assert os.getpid() not in set(sc.execute(_pid, list(range(4)), scheduler="processes", workers=2))


def test_unknown_scheduler_is_named() -> None:
    with pytest.raises(ValueError, match="scheduler 'gpu'"):
        sc.execute(len, [[1]], scheduler="gpu")


def test_omitted_frames_come_from_the_defaults_bridge(real, monkeypatch) -> None:
    from research import defaults

    asked = []

    def fake_frame(name: str, **kwargs):
        asked.append(name)
        if name == "arrests_daily":
            raise RuntimeError("the DDP file is not built")  # like research.data.DataNotAvailable
        return {
            "fod_events": real["fod_events"],
            "field_offices": real["offices"],
            "facilities": real["facilities"],
            "arrests_aor_windows": real["arrests_windows"],
            "arrests_monthly": real["arrests_monthly"],
        }[name]

    monkeypatch.setattr(defaults, "frame", fake_frame)
    monkeypatch.setattr(sc, "execute", lambda fn, tasks, **kw: [fn(t) for t in tasks[:2]])
    curve = sc.specification_curve(n_permutations=99, exact_limit=0)
    assert asked == [
        "fod_events",
        "field_offices",
        "facilities",
        "arrests_aor_windows",
        "arrests_monthly",
        "arrests_daily",
    ]
    assert set(curve.columns) >= REQUIRED and len(curve) > 0


def synthetic_daily(offices: pd.DataFrame, treated: tuple[str, ...], effect: float) -> pd.DataFrame:
    """SYNTHETIC DDP daily arrests (date x aor x criminality): Poisson counts, `effect` (log) after 7 Nov 2025."""
    rng = np.random.default_rng(8)
    dates = pd.date_range("2024-09-30", "2026-03-29", freq="D")
    rows = []
    for aor in offices["aor"]:
        rate = rng.uniform(10, 60) * np.exp(0.001 * np.arange(len(dates)))
        rate = rate * np.where((dates > "2025-11-07") & (aor in treated), np.exp(effect), 1.0)
        rows.append(
            pd.DataFrame({"date": dates, "aor": aor, "criminality": "x", "arrests": rng.poisson(rate)})
        )
    return pd.concat(rows, ignore_index=True)


def test_ddp_weekly_arrests_join_the_curve_when_present(real) -> None:
    tiers = ld.treatment_tiers(real["fod_events"], real["offices"])
    design = ld.design(tiers, "named_removals", "all_others")
    daily = synthetic_daily(real["offices"], design.treated, effect=0.3)
    matrices = sc.outcome_matrices(
        real["facilities"],
        real["offices"],
        real["arrests_windows"],
        daily,
        arrests_monthly=real["arrests_monthly"],
    )
    ddp = {m.name: m for m in matrices}["ddp_weekly"]
    assert ddp.family == "ddp" and set(ddp.periods["role"]) == {"pre", "event0", "post"}
    rows = sc.run_task(sc.Task(design, ddp, SETTINGS))
    main = next(r for r in rows if r["estimator"] == "ld" and r["base"] == "last_pre")
    assert main["estimate"] == pytest.approx(0.3, abs=0.1) and main["p_value"] < 0.01


@pytest.fixture(scope="module")
def real_curve(real) -> pd.DataFrame:
    return sc.specification_curve(
        **real, include_ddp=False, scheduler="serial", n_permutations=999, exact_limit=100_000, seed=3
    )


def test_curve_on_the_committed_tables_has_arrests_and_detention(real_curve: pd.DataFrame) -> None:
    assert len(real_curve) >= 100 and set(real_curve.columns) >= REQUIRED
    assert {"arrests", "arrests_at_large", "detention_all", "detention_balanced"} <= set(
        real_curve["outcome"]
    )
    assert (real_curve["outcome"].str.startswith("arrests")).sum() >= 50
    assert set(real_curve["estimator"]) == {"cs", "twfe", "ld"}
    assert set(real_curve["comparison"]) == set(ld.COMPARISONS) and set(real_curve["treatment"]) == set(
        ld.TREATMENTS
    )
    named = real_curve[real_curve["treatment"] == "named_removals"]
    assert (
        named["exact"].all() and (named["n_treated"] == 5).all()
    )  # C(25, 5) = 53,130 assignments, enumerated


def test_curve_p_values_agree_with_the_inverted_intervals(real_curve: pd.DataFrame) -> None:
    c = real_curve.dropna(subset=["p_value"])
    outside = ~((c["ri_low"] <= 0) & (c["ri_high"] >= 0))
    assert ((c["p_value"] <= 0.05) == outside).all()
    assert np.allclose(c["p_value"], np.minimum(1, 2 * np.minimum(c["p_increase"], c["p_decrease"])))


def test_summary_describes_the_distribution(real_curve: pd.DataFrame) -> None:
    s = sc.summarize(real_curve)
    assert s.n_specs == len(real_curve) and s.low <= s.median <= s.high
    assert s.share_significant == pytest.approx((real_curve["p_value"] < 0.05).mean())
    assert s.share_significant_up + s.share_significant_down == pytest.approx(s.share_significant)


def test_undiluted_arrests_join_the_curve_in_percentage_points(real_curve: pd.DataFrame) -> None:
    jj = real_curve[real_curve["outcome"] == "arrests_jan_jul"]
    assert len(jj) > 0 and set(jj["scale"]) == {"share"}
    assert set(zip(jj["estimator"], jj["base"], strict=True)) == set(did.valid_specs("same_season"))
    assert np.allclose(jj["pct"], 100 * jj["estimate"])
    logs = real_curve[real_curve["scale"] == "log"]
    assert np.allclose(logs["pct"], 100 * np.expm1(logs["estimate"]))
    main = real_curve[
        (real_curve["treatment"] == "named_removals")
        & (real_curve["comparison"] == "all_others")
        & (real_curve["estimator"] == "ld")
        & (real_curve["base"] == "last_pre")
    ].set_index("outcome")
    assert main.loc["arrests_jan_jul", "n_treated"] == main.loc["arrests", "n_treated"] == 5


def test_curve_reports_the_absolute_rule_beside_equal_tails(real_curve: pd.DataFrame) -> None:
    c = real_curve.dropna(subset=["p_value"])
    assert ((c["p_abs"] > 0) & (c["p_abs"] <= 1)).all()
    by_rule = {rule: sc.summarize(real_curve, col) for rule, col in sc.P_COLUMNS.items()}
    assert by_rule["absolute"].share_significant == pytest.approx((c["p_abs"] < 0.05).mean())
    assert by_rule["absolute"].median == by_rule["equal_tails"].median  # the rule changes p, not estimates


def synthetic_mixed_curve() -> pd.DataFrame:
    """A small synthetic curve with log-scale and share-scale rows whose raw estimates order differently."""
    estimate = np.array([0.30, 0.05, -0.10, 0.32, -0.50, 0.01])
    scale = np.array(["log", "log", "log", "share", "share", "share"])
    pct = np.where(scale == "log", 100 * np.expm1(estimate), 100 * estimate)
    return pd.DataFrame(
        {
            "spec_id": np.arange(6),
            "estimate": estimate,
            "scale": scale,
            "pct": pct,
            "ri_low_pct": pct - 180,  # share rows reach below -100 pp, which is possible for a difference
            "ri_high_pct": pct + 20,
            "p_value": [0.01, 0.5, 0.6, 0.02, 0.03, 0.9],
            "p_abs": [0.01, 0.5, 0.6, 0.02, 0.03, 0.9],
            "treatment_label": "t",
            "comparison_label": "c",
            "outcome_label": np.where(scale == "log", "log outcome", "share outcome"),
            "base_label": "b",
            "estimator_label": "e",
        }
    )


def test_summary_never_mixes_percent_with_percentage_points() -> None:
    curve = synthetic_mixed_curve()
    s = sc.summarize(curve)
    logs = curve.loc[curve["scale"] == "log", "pct"]
    assert (s.unit, s.n_median, s.n_specs) == ("%", 3, 6)
    assert (s.median, s.low, s.high) == pytest.approx((logs.median(), logs.min(), logs.max()))
    assert s.share_significant == pytest.approx(0.5)  # shares still count every specification
    shares = sc.summarize(curve[curve["scale"] == "share"])
    assert (shares.unit, shares.n_median) == (" pp", 3)
    assert shares.median == pytest.approx(1.0) and shares.low == pytest.approx(-50.0)


def test_curve_chart_is_ordered_by_the_plotted_effect() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from research.figures import leadership as charts

    fig = charts.spec_curve_figure(synthetic_mixed_curve())
    top = fig.axes[0]
    from matplotlib.collections import PathCollection

    points = np.vstack([c.get_offsets() for c in top.collections if isinstance(c, PathCollection)])
    points = points[np.argsort(points[:, 0])]
    assert len(points) == 6 and np.all(np.diff(points[:, 1]) >= 0)
    lows = np.concatenate([seg[:, 1].min(keepdims=True) for seg in top.collections[0].get_segments()])
    assert lows.min() < -100  # a share-scale interval is not clipped at -100
    median_label = [t.get_text() for t in top.get_legend().get_texts() if t.get_text().startswith("median")]
    logs = synthetic_mixed_curve().query("scale == 'log'")["pct"]
    assert median_label == [f"median {logs.median():+.1f}% (log outcomes)"]
