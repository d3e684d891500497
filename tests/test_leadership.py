"""Leadership changes: treatment tiers from the curated FOD events (real facts), designs, single estimates on
SYNTHETIC outcomes with known effects, the computed verdict, and the page."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from research import config
from research.models import leadership as ld
from research.models import office_did as did
from research.params import ParameterError

SETTINGS = ld.Settings(n_permutations=999, exact_limit=100_000, seed=1)


@pytest.fixture(scope="module")
def real_tiers() -> pd.DataFrame:
    from research import data

    return ld.treatment_tiers(data.load_fod_events(), data.load_field_offices())


# --------------------------------------------------------------------------------------------- tiers
def test_tiers_from_the_curated_events(real_tiers: pd.DataFrame) -> None:
    tier = real_tiers.set_index("aor")["tier"].astype(str)
    assert sorted(tier[tier == "named_removal"].index) == ["DEN", "LOS", "PHI", "PHO", "SND"]
    assert sorted(tier[tier == "ice_to_ice"].index) == ["CHI", "SPM", "WAS"]
    assert sorted(tier[tier == "reported"].index) == ["ELP", "NOL", "SEA"]
    assert sorted(tier[tier == "claimed"].index) == ["SLC"]
    assert (tier == "unknown").sum() == 25 - 12
    dates = real_tiers.set_index("aor")["change_date"]
    assert (dates[["DEN", "LOS", "SND", "PHO", "PHI"]] == pd.Timestamp("2025-10-24")).all()
    assert dates["CHI"] == pd.Timestamp("2025-10-17") and dates["SLC"] == pd.Timestamp("2025-11-06")


def test_unknown_offices_are_never_called_untreated(real_tiers: pd.DataFrame) -> None:
    unknown = real_tiers[real_tiers["tier"] == "unknown"]
    assert set(unknown["tier_label"]) == {"Status unknown"}
    assert not real_tiers["tier_label"].str.contains("untreated|not treated|no change", case=False).any()
    assert unknown["change_date"].isna().all()


def test_every_tiered_office_carries_its_sources_and_confidence(real_tiers: pd.DataFrame) -> None:
    tiered = real_tiers[real_tiers["tier"] != "unknown"]
    for row in tiered.itertuples(index=False):
        assert row.n_sources >= 1 and row.sources, row.aor
        assert all(
            s["url"].startswith("http") and s["confidence"] in ("high", "medium", "low") for s in row.sources
        )
        ranks = [ld.tt.CONFIDENCE_RANK[s["confidence"]] for s in row.sources]
        assert ranks == sorted(ranks)  # best-sourced first
        support = [s for s in row.sources if s["event"] != "fod_in_post_observed" or row.tier == "ice_to_ice"]
        assert row.confidence == support[0]["confidence"]  # the tier's confidence comes from its evidence
    seattle = real_tiers.set_index("aor").loc["SEA"]
    assert seattle["confidence"] == "low"  # a deputy seen in post (medium) is not evidence of the change
    assert real_tiers.loc[real_tiers["tier"] == "unknown", "confidence"].isna().all()


def test_operations_flag_the_border_patrol_surges(real_tiers: pd.DataFrame) -> None:
    ops = real_tiers.set_index("aor")["operation_start"].dropna()
    assert set(ops.index) == {"ATL", "CHI", "NOL", "SPM"}
    assert ops["ATL"] == pd.Timestamp("2025-11-15") and ops["CHI"] == pd.Timestamp("2025-09-08")


def synthetic_fod(rows: list[tuple]) -> pd.DataFrame:
    """SYNTHETIC fod_events rows: (date, aor, event, person, confidence)."""
    frame = pd.DataFrame(rows, columns=["event_date", "aor_code", "event", "person", "confidence"])
    return frame.assign(source_url="https://example.org/x", source_publisher="Example", role="", quote="")


OFFICES = pd.DataFrame(
    {"aor": list(ld.tt.TIER_OF) + ["ATL"], "short_name": list(ld.tt.TIER_OF) + ["Atlanta"]}
)


def test_a_tiered_office_without_evidence_stops_with_its_code() -> None:
    rows = [("2025-10-24", aor, "fod_removed", "X", "medium") for aor in ld.tt.TIER_OF if aor != "SLC"]
    with pytest.raises(ValueError, match="office SLC is tiered 'claimed' but has no FOD row"):
        ld.treatment_tiers(synthetic_fod(rows), OFFICES)


def test_bad_confidence_is_named() -> None:
    with pytest.raises(ValueError, match="column 'confidence' has \\['certain'\\]"):
        ld.treatment_tiers(synthetic_fod([("2025-10-24", "DEN", "fod_removed", "X", "certain")]), OFFICES)


def test_designs_drop_repeats_and_respect_comparison_groups(real_tiers: pd.DataFrame) -> None:
    designs = ld.designs(real_tiers)
    pairs = {(d.treated, d.control) for d in designs}
    assert len(pairs) == len(designs)
    no_ops = ld.design(real_tiers, "named_removals", "no_operations")
    assert not {"ATL", "CHI", "NOL", "SPM"} & set(no_ops.control)
    no_unc = ld.design(real_tiers, "named_removals", "no_unconfirmed")
    assert not {"ELP", "NOL", "SEA", "SLC"} & set(no_unc.control) and "HOU" in no_unc.control
    widest = ld.design(real_tiers, "plus_claimed", "all_others")
    assert len(widest.treated) == 12 and len(widest.control) == 13


def test_motive_sources_find_the_pace_quotes() -> None:
    from research import data

    rows = ld.motive_sources(data.load_fod_events())
    assert len(rows) >= 2 and rows["source_url"].is_unique
    assert rows["quote"].str.contains("bottom 10%").any()


# --------------------------------------------------------------------------------------------- estimates
def synthetic_windows(
    effect: float, pre_gap: float = 0.0, seed: int = 0
) -> tuple[did.OutcomeMatrix, ld.Design]:
    """SYNTHETIC arrest windows for 25 offices: the first 5 treated get `effect` after and `pre_gap` in 2025."""
    rng = np.random.default_rng(seed)
    units = tuple(f"S{i:02d}" for i in range(25))
    treated = np.arange(25) < 5
    base = np.log(rng.uniform(800, 10_000, 25))
    Y = np.column_stack(
        [base, base + 1.0 + pre_gap * treated, base + 1.3 + pre_gap * treated + effect * treated]
    ) + rng.normal(0, 0.05, (25, 3))
    periods = pd.DataFrame(
        {"label": ["y2024", "y2025", "w2526"], "start": pd.NaT, "end": pd.NaT, "role": ["pre", "pre", "post"]}
    )
    m = did.OutcomeMatrix("arrests", "arrests", "arrests", "n/a", "windows", units, Y, periods)
    return m, ld.Design("synthetic", "all_others", units[:5], units[5:])


def test_same_season_long_difference_recovers_effect_with_exact_inference() -> None:
    m, design = synthetic_windows(effect=0.25, pre_gap=0.0)
    main, placebo = ld.arrests_long_difference(m, design, SETTINGS)
    assert main.result.exact and main.result.n_assignments == 53_130
    assert main.result.estimate == pytest.approx(0.25, abs=0.06)
    assert main.result.p_value < 0.01 and main.result.ri_low < 0.25 < main.result.ri_high
    assert abs(placebo.result.estimate) < 0.06 and placebo.result.p_value > 0.05


def test_placebo_catches_a_pre_change_difference() -> None:
    m, design = synthetic_windows(effect=0.0, pre_gap=0.3)
    _, placebo = ld.arrests_long_difference(m, design, SETTINGS)
    assert placebo.result.estimate == pytest.approx(0.3, abs=0.06) and placebo.result.p_value < 0.01


def test_event_study_keeps_event_zero_apart_and_zero_at_the_base() -> None:
    rng = np.random.default_rng(3)
    roles = ["pre"] * 5 + ["event0"] + ["post"] * 4
    treated = np.arange(25) < 5
    Y = rng.normal(0, 1, (25, 1)) + rng.normal(0, 0.02, (25, 10))
    Y[treated, 5] += 0.4  # only in event time 0
    Y[treated, 6:] += 0.1
    periods = pd.DataFrame(
        {
            "label": list(map(str, range(10))),
            "start": pd.date_range("2025-06-01", periods=10, freq="MS"),
            "end": pd.date_range("2025-06-28", periods=10, freq="MS"),
            "role": roles,
        }
    )
    units = tuple(f"S{i:02d}" for i in range(25))
    m = did.OutcomeMatrix("d", "d", "detention", "all", "panel", units, Y, periods)
    es = ld.event_study(m, ld.Design("s", "all_others", units[:5], units[5:]), SETTINGS)
    assert es.loc[es["base"], "estimate"].tolist() == [0.0] and es.loc[es["base"], "period"].tolist() == [4]
    assert es.loc[es["role"] == "event0", "estimate"].iloc[0] == pytest.approx(0.4, abs=0.03)
    assert es.loc[es["role"] == "post", "estimate"].mean() == pytest.approx(0.1, abs=0.03)


def test_pace_and_mean_reversion_on_synthetic_offices() -> None:
    m, _ = synthetic_windows(effect=0.0)
    m.Y[:, 2] = m.Y[:, 1] + 0.5 - 0.5 * (m.Y[:, 1] - m.Y[:, 0] - 1.0)  # SYNTHETIC reversion: slope -0.5
    rng = np.random.default_rng(4)
    det = did.OutcomeMatrix(
        "det",
        "det",
        "detention",
        "all",
        "panel",
        m.units,
        np.log(100) + np.outer(np.ones(25), np.arange(6)) * 0.05 + rng.normal(0, 0.001, (25, 6)),
        pd.DataFrame(
            {
                "label": list("abcdef"),
                "start": pd.date_range("2025-01-01", periods=6, freq="30D"),
                "end": pd.date_range("2025-01-30", periods=6, freq="30D"),
                "role": ["pre"] * 4 + ["post"] * 2,
            }
        ),
    )
    tiers = pd.DataFrame(
        {"aor": list(m.units), "office": list(m.units), "tier": "unknown", "tier_label": "x"}
    )
    table = ld.pace(m, det, tiers)
    assert table["detention_trend_pre"].to_numpy() == pytest.approx(np.full(25, 0.05), abs=0.005)
    fit = ld.mean_reversion(table)
    assert fit.slope == pytest.approx(-0.5, abs=1e-9) and fit.slope_high < 0


def test_verdict_says_no_credible_evidence_when_the_curve_is_mixed() -> None:
    def summary(up: float, down: float) -> ld.CurveSummary:
        return ld.CurveSummary(100, 100, 0.0, -0.2, 0.2, up + down, up, down, 0.5)

    mixed = ld.verdict(summary(0.05, 0.03), placebo_p=0.5)
    assert not mixed.credible and mixed.headline == "no credible evidence either way"
    assert set(mixed.reasons) == {"few_significant", "significant_both_ways"}
    strong = ld.verdict(summary(0.9, 0.0), placebo_p=0.5)
    assert strong.credible and strong.direction == "increase" and "increase" in strong.headline
    confounded = ld.verdict(summary(0.9, 0.0), placebo_p=0.01)
    assert not confounded.credible and confounded.reasons == ("placebo_fails",)


def test_validate_parameters_names_the_bad_parameter() -> None:
    good = {
        "treatment": "named_removals",
        "comparison": "all_others",
        "scheduler": "serial",
        "workers": 2,
        "n_permutations": 999,
        "exact_limit": 1000,
        "seed": 1,
        "n_simulations": 50,
    }
    assert ld.validate_parameters(**good).settings.n_permutations == 999
    assert ld.validate_parameters(**(good | {"scheduler": "tcp://127.0.0.1:8786"})).scheduler.startswith(
        "tcp"
    )
    with pytest.raises(
        ParameterError, match="parameter 'treatment' = 'rumoured': expected one of 'named_removals'"
    ):
        ld.validate_parameters(**(good | {"treatment": "rumoured"}))
    with pytest.raises(ParameterError, match="parameter 'scheduler' = 'gpu'"):
        ld.validate_parameters(**(good | {"scheduler": "gpu"}))
    with pytest.raises(ParameterError, match="parameter 'workers' = 0"):
        ld.validate_parameters(**(good | {"workers": 0}))


# --------------------------------------------------------------------------------------------- the page
def _execute(tmp_path, parameters: dict | None = None) -> None:
    papermill = pytest.importorskip("papermill")
    papermill.execute_notebook(
        str(config.NOTEBOOKS_DIR / "30_leadership_changes.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters=parameters or {},
        kernel_name=config.KERNEL_NAME,
        cwd=str(config.NOTEBOOKS_DIR),
        execution_timeout=600,
        progress_bar=False,
    )


@pytest.mark.slow
def test_notebook_shows_tiers_curve_and_computed_conclusion(tmp_path) -> None:
    import nbformat

    _execute(tmp_path, {"scheduler": "serial", "n_permutations": 999, "n_simulations": 20})
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    text = " ".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    html = " ".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "Status unknown" in html and "Named removal" in html  # the tier table
    assert "coloradopolitics.com" in text  # sources are linked
    assert "specifications" in text and "two-sided" in text
    assert ("No credible evidence either way" in text) or ("Consistent evidence of" in text)
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4


@pytest.mark.slow
def test_notebook_stops_on_bad_parameter(tmp_path) -> None:
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        _execute(tmp_path, {"treatment": "rumoured"})
    assert "ParameterError" in str(info.value)
    assert "parameter 'treatment' = 'rumoured': expected one of 'named_removals', 'plus_ice_to_ice'" in str(
        info.value
    )


# --------------------------------------------------------------------------------------------- rules, leave-one-out
def test_two_sided_table_flags_contrasts_whose_reading_depends_on_the_rule() -> None:
    m, design = synthetic_windows(effect=0.0, pre_gap=0.0, seed=5)
    e = ld.estimate(m, design, settings=SETTINGS)
    skewed = replace(e, result=replace(e.result, p_value=0.08, p_abs=0.04))  # SYNTHETIC p-values
    table = ld.two_sided_table({"main": (e, "log"), "placebo": (skewed, "log"), "share": (e, "share")})
    assert table.set_index("contrast")["rule_matters"].to_dict() == {
        "main": (e.result.p_value < 0.05) != (e.result.p_abs < 0.05),
        "placebo": True,
        "share": (e.result.p_value < 0.05) != (e.result.p_abs < 0.05),
    }
    row = table.set_index("contrast").loc["share"]
    assert row["effect_pct"] == pytest.approx(100 * e.result.estimate)


def test_leave_one_treated_out_finds_the_office_that_carries_a_placebo() -> None:
    m, design = synthetic_windows(effect=0.0, pre_gap=0.0, seed=6)
    m.Y[2, 1:] += 1.5  # SYNTHETIC: one treated office (S02) jumps in 2025 and stays there
    loo = ld.leave_one_treated_out(
        {"main": (m, "last_pre"), "placebo": (ld.placebo_matrix(m), "last_pre")}, design, SETTINGS
    )
    assert len(loo) == 2 * (1 + 5) and set(loo.loc[loo["left_out"] != "", "n_treated"]) == {4}
    full = loo[(loo["contrast"] == "placebo") & (loo["left_out"] == "")].iloc[0]
    assert full["estimate"] == pytest.approx(
        ld.estimate(ld.placebo_matrix(m), design, settings=SETTINGS).result.estimate
    )
    assert full["shift_pct"] == 0.0 and full["n_control"] == 20
    top = ld.most_influential(loo, "placebo")
    assert top["left_out"] == "S02" and abs(top["estimate"]) < 0.1 < full["estimate"]
    with pytest.raises(ValueError, match="no rows for contrast 'other'"):
        ld.most_influential(loo, "other")


def test_same_season_outcome_has_no_placebo_of_its_own() -> None:
    m, _ = synthetic_windows(effect=0.0)
    same = replace(m, kind="same_season", scale="share")
    with pytest.raises(ValueError, match="no placebo of their own"):
        ld.placebo_matrix(same)
    from research import data

    tiers = ld.treatment_tiers(data.load_fod_events(), data.load_field_offices())
    table = ld.placebos([replace(m, units=tuple(tiers["aor"])), replace(same, name="jj")], tiers, SETTINGS)
    assert set(table["outcome"]) == {"arrests"}


def test_verdicts_are_combined_across_outcomes() -> None:
    strong = ld.Verdict("increase", True, ())
    weak = ld.Verdict("none", False, ("few_significant",))
    assert ld.combine_verdicts([strong, strong]).credible
    mixed = ld.combine_verdicts([strong, weak])
    assert not mixed.credible and mixed.headline == "no credible evidence either way"
    assert mixed.reasons == ("few_significant", "choices_disagree")
    opposite = ld.combine_verdicts([strong, ld.Verdict("decrease", True, ())])
    assert not opposite.credible and opposite.reasons == ("choices_disagree",)
    with pytest.raises(ValueError, match="no verdicts"):
        ld.combine_verdicts([])


def test_verdicts_read_each_outcome_under_the_chosen_rule() -> None:
    # SYNTHETIC curve: every "a" specification significant upwards under equal tails, none under |T|.
    curve = pd.DataFrame(
        {
            "outcome": ["a"] * 4 + ["b"] * 4,
            "estimate": [0.2] * 4 + [0.01, -0.01, 0.02, 0.0],
            "pct": [22.1] * 4 + [1.0, -1.0, 2.0, 0.0],
            "p_value": [0.01] * 4 + [0.6] * 4,
            "p_abs": [0.2] * 4 + [0.6] * 4,
        }
    )
    placebo = ld.ri.RandomizationResult(0.0, 0.5, 0.3, 0.7, 0.04, -1, 1, np.zeros(3), True, 3)
    eq = ld.verdicts(curve, placebo, ("a", "b"))
    assert eq["a"].credible and eq["a"].direction == "increase" and not eq["b"].credible
    assert not eq["all"].credible
    ab = ld.verdicts(curve, placebo, ("a",), rule="absolute")
    assert ab["a"].reasons == ("few_significant", "placebo_fails")  # placebo p_abs 0.04 < 0.10
    with pytest.raises(ValueError, match="no specification on outcome 'c'"):
        ld.verdicts(curve, placebo, ("c",))
    with pytest.raises(ValueError, match="two-sided rule 'one_sided'"):
        ld.verdicts(curve, placebo, ("a",), rule="one_sided")


def test_effects_are_formatted_in_their_own_scale() -> None:
    from research.figures import leadership as charts

    assert charts.fmt_effect(np.log(1.25), "log") == "+25.0%"
    assert charts.fmt_effect(0.25, "share") == "+25.0 pp"
    assert charts.fmt_percent(-3.14159) == "-3.1%" and charts.fmt_percent(float("nan")) == "–"
    with pytest.raises(ValueError, match="scale 'pct'"):
        charts.fmt_effect(0.1, "pct")
