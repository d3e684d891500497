"""Tests for research.models.staffing. All data here are synthetic (generated below) except the marked real-data test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from research import config, data
from research.data import opm
from research.models import staffing as st
from research.params import ParameterError

NOTEBOOK = config.NOTEBOOKS_DIR / "20_staffing.ipynb"


def synthetic_baseline() -> st.Baseline:
    return st.Baseline(employees=20_000, per_employee_day=(0.05,), share_low=0.3, share_high=0.3)


def run(inputs: st.PipelineInputs, horizon: int = 36) -> pd.DataFrame:
    return st.simulate_pipeline(inputs, synthetic_baseline(), horizon_months=horizon, start="2025-09-01")


def inputs(**changes: object) -> st.PipelineInputs:
    base: dict[str, object] = dict(
        hires_per_month=[500, 800, 0, 300, 1200],
        training_months=2,
        ramp_months=4,
        attrition_rate=0.02,
        border_patrol_agents=0,
        bp_relative_productivity=0.5,
        operational_share=0.6,
    )
    base.update(changes)
    return st.validate_inputs(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- pipeline simulation


def test_pipeline_conserves_people() -> None:
    frame = run(inputs())
    change = frame["added_headcount"].diff().fillna(frame["added_headcount"].iloc[0])
    np.testing.assert_allclose(change, frame["hires"] - frame["leavers"], atol=1e-9)
    # Leavers are the attrition rate applied to last month's headcount.
    np.testing.assert_allclose(
        frame["leavers"].iloc[1:], 0.02 * frame["added_headcount"].iloc[:-1].to_numpy()
    )
    np.testing.assert_allclose(frame["headcount"], 20_000 + frame["added_headcount"])
    assert frame["hires"].sum() == pytest.approx(2800)


def test_zero_hires_add_no_arrests() -> None:
    frame = run(inputs(hires_per_month=0))
    assert (frame["added_per_day"] == 0).all()
    assert (frame["added_headcount"] == 0).all()
    # Baseline output only: 20,000 employees x 0.05 book-ins per employee per day.
    np.testing.assert_allclose(frame["book_ins_per_day"], 1000.0)


def test_more_hires_never_fewer_arrests() -> None:
    low = run(inputs(hires_per_month=200))
    high = run(inputs(hires_per_month=400))
    assert (high["book_ins_per_day"] >= low["book_ins_per_day"] - 1e-9).all()
    assert (high["book_ins_per_day"] > low["book_ins_per_day"]).any()


def test_training_delay_then_ramp_to_full_output() -> None:
    frame = run(inputs(hires_per_month=[1000], attrition_rate=0.0, operational_share=1.0), horizon=10)
    effective = frame["added_officers_effective"].to_numpy()
    # Two training months at zero, then 1/5, 2/5, ... of full output, full from month 6 (index 6) on.
    np.testing.assert_allclose(effective[:7], [0, 0, 200, 400, 600, 800, 1000])
    np.testing.assert_allclose(effective[7:], 1000)


def test_border_patrol_adds_relative_output() -> None:
    frame = run(inputs(hires_per_month=0, border_patrol_agents=1000, bp_relative_productivity=0.5))
    # One officer = 0.05 / 0.3 book-ins per day; 1,000 agents at half that.
    np.testing.assert_allclose(frame["bp_per_day"], 1000 * 0.5 * 0.05 / 0.3)


def test_monte_carlo_reproducible_and_has_spread() -> None:
    uncertain = inputs(uncertainty={"attrition_rate": [0.0, 0.05], "training_months": [1, 4]})
    baseline = st.Baseline(20_000, (0.04, 0.05, 0.06), 0.25, 0.35)
    a = st.simulate_pipeline(uncertain, baseline, horizon_months=12, start="2025-09-01", n_sims=200, seed=7)
    b = st.simulate_pipeline(uncertain, baseline, horizon_months=12, start="2025-09-01", n_sims=200, seed=7)
    pd.testing.assert_frame_equal(a, b)
    summary = st.summarise_simulation(a.assign(scenario="x"))
    assert (summary["lower"] < summary["upper"]).all()
    assert (summary["lower"] <= summary["median"]).all() and (summary["median"] <= summary["upper"]).all()


# ---------------------------------------------------------------- parameter validation


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("hires_per_month", -5, "parameter 'hires_per_month' = -5"),
        ("border_patrol_agents", -1, "parameter 'border_patrol_agents' = -1"),
        ("attrition_rate", 1.5, "parameter 'attrition_rate' = 1.5: expected a number between 0 and 1"),
        ("operational_share", 2.0, "parameter 'operational_share' = 2.0"),
        ("training_months", 1.5, "parameter 'training_months' = 1.5: expected an integer"),
    ],
)
def test_bad_inputs_raise_parameter_error(field: str, value: object, expected: str) -> None:
    with pytest.raises(ParameterError, match=expected.replace("(", r"\(")):
        inputs(**{field: value})


def test_bad_run_parameters() -> None:
    with pytest.raises(ParameterError, match="parameter 'horizon_months' = 0"):
        st.validate_run(goal_per_day=3000, horizon_months=0, n_sims=100, seed=1)
    with pytest.raises(ParameterError, match="parameter 'n_sims'"):
        st.validate_run(goal_per_day=3000, horizon_months=12, n_sims=-3, seed=1)
    st.validate_run(goal_per_day=3000, horizon_months=12, n_sims=100, seed=1)


def test_unknown_scenario_names_allowed_values() -> None:
    scenarios = st.parse_scenarios({"scenarios": [_entry("a")]})
    with pytest.raises(ParameterError, match="parameter 'scenario' = 'b': expected one of 'a', 'custom'"):
        st.resolve_scenarios("b", scenarios)
    custom = inputs()
    chosen = st.resolve_scenarios("custom", scenarios, custom)
    assert [s.name for s in chosen] == ["custom", "a"]


# ---------------------------------------------------------------- scenario file


def _entry(name: str, **input_changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "hires_per_month": 100,
        "training_months": 2,
        "ramp_months": 3,
        "attrition_rate": 0.01,
        "border_patrol_agents": 0,
        "bp_relative_productivity": 0.5,
        "operational_share": 1.0,
    }
    values.update(input_changes)
    return {"name": name, "description": f"synthetic scenario {name}", "inputs": values}


def _load(path: Path | None = None) -> list[st.Scenario]:
    """Read a scenario file through the data layer and validate it, as the notebook does."""
    return st.parse_scenarios(*data.load_scenario_document(path))


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_project_scenario_file_is_valid() -> None:
    names = [s.name for s in _load()]
    assert {"no_surge", "surge_as_announced", "surge_operational_share"} <= set(names)


def test_user_added_scenario_is_loaded(tmp_path: Path) -> None:
    path = _write(tmp_path, {"scenarios": [_entry("a"), _entry("mine", hires_per_month=[10, 20])]})
    loaded = _load(path)
    assert loaded[1].inputs.hires_per_month == (10.0, 20.0)
    np.testing.assert_allclose(loaded[1].inputs.hires_schedule(4), [10, 20, 0, 0])


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"scenario": []}, "expected a top-level 'scenarios:' list"),
        ({"scenarios": [_entry("a", attrition_rate=3)]}, "scenario 'a': parameter 'attrition_rate' = 3"),
        ({"scenarios": [_entry("a"), _entry("a")]}, "scenario 'a': duplicate scenario name"),
        (
            {"scenarios": [{"name": "x", "description": "d"}]},
            "scenario 'x': field 'inputs' must be a mapping",
        ),
        (
            {"scenarios": [{**_entry("b"), "uncertainty": {"attrition_rate": [0.5, 0.1]}}]},
            "scenario 'b': parameter 'uncertainty.attrition_rate'.*expected low <= high",
        ),
        (
            {"scenarios": [{**_entry("c"), "uncertainty": {"colour": [0, 1]}}]},
            "scenario 'c': parameter 'uncertainty field' = 'colour'",
        ),
    ],
)
def test_scenario_file_errors_name_file_scenario_and_field(tmp_path: Path, doc: object, message: str) -> None:
    path = _write(tmp_path, doc)
    with pytest.raises(st.ScenarioError, match=message) as info:
        _load(path)
    assert str(path) in str(info.value)


def test_missing_input_field_is_named(tmp_path: Path) -> None:
    entry = _entry("d")
    del entry["inputs"]["ramp_months"]  # type: ignore[attr-defined]
    with pytest.raises(st.ScenarioError, match=r"scenario 'd': field 'inputs' has missing \['ramp_months'\]"):
        _load(_write(tmp_path, {"scenarios": [entry]}))


# ---------------------------------------------------------------- elasticity, productivity, capacity


def synthetic_panel(elasticity: float, seed: int = 3) -> pd.DataFrame:
    """Synthetic months with varying headcount, a trend, two policy steps and AR(1) noise."""
    rng = np.random.default_rng(seed)
    month = pd.Series(pd.date_range("2021-01-01", "2025-12-01", freq="MS"))
    n = len(month)
    log_emp = np.log(20_000) + np.cumsum(rng.normal(0, 0.04, n))
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = 0.5 * noise[i - 1] + rng.normal(0, 0.03)
    years = (month - month[0]).dt.days.to_numpy() / 365.25
    after_jan = (month >= "2025-01-01").to_numpy()
    after_jun = (month >= "2025-06-01").to_numpy()
    log_rate = -10 + elasticity * log_emp + 0.05 * years + 0.4 * after_jan + 0.3 * after_jun + noise
    return pd.DataFrame(
        {"month": month, "employees": np.exp(log_emp).round(), "book_ins_per_day": np.exp(log_rate)}
    )


def test_elasticity_recovers_known_value() -> None:
    fits = [st.fit_elasticity(synthetic_panel(0.8, seed=seed)) for seed in range(40)]
    assert fits[0].controls == ("trend", "after 2025-01", "after 2025-06")
    estimates = np.array([f.elasticity for f in fits])
    assert estimates.mean() == pytest.approx(0.8, abs=0.03)  # unbiased across replications
    assert np.all(np.abs(estimates - 0.8) < 0.25)
    coverage = np.mean([f.ci_low < 0.8 < f.ci_high for f in fits])
    assert coverage >= 0.8  # nominal 95%; HAC intervals run a little narrow with 60 months
    # A zero effect is recovered as zero, not as the trend.
    null = st.fit_elasticity(synthetic_panel(0.0, seed=5))
    assert null.ci_low < 0 < null.ci_high


def test_elasticity_fit_window_drops_later_breaks_and_predicts() -> None:
    panel = synthetic_panel(0.8)
    fit = st.fit_elasticity(panel, through="2025-03-31", breaks=("2025-01-01", "2025-06-01"))
    assert fit.controls == ("trend", "after 2025-01")
    assert fit.last_month == pd.Timestamp("2025-03-01")
    later = panel[panel["month"] > "2025-03-01"]
    pred = st.predict_elasticity(fit, later["month"], later["employees"])
    assert (pred["lower"] < pred["predicted"]).all() and (pred["predicted"] < pred["upper"]).all()


def synthetic_book_ins_and_staff() -> tuple[pd.DataFrame, pd.DataFrame]:
    months = pd.date_range("2024-07-01", "2025-12-01", freq="MS")
    dim = months.days_in_month.to_numpy()
    covered = dim.copy()
    covered[months == "2025-09-01"] = 20  # a partial month, like the real FY2025 September
    employees = 20_000 + 100 * (np.arange(len(months)) % 3)  # some variation so the elasticity is identified
    staff = pd.DataFrame({"month": months, "component": "ICE", "employees": employees})
    book = pd.DataFrame(
        {
            "month": months,
            "agency": "ICE",
            "book_ins": employees * covered // 20,  # 0.05 book-ins per employee per day
            "days_in_month": dim,
            "days_covered": covered,
        }
    )
    return book, staff


def test_productivity_panel_scales_partial_months() -> None:
    book, staff = synthetic_book_ins_and_staff()
    panel = st.productivity_panel(book, staff)
    np.testing.assert_allclose(panel["book_ins_per_day"], panel["employees"] / 20)
    np.testing.assert_allclose(panel["per_employee_day"], 0.05)  # the partial September included
    table = st.productivity_by_period(panel)
    assert list(table["period"]) == list(st.PERIOD_LABELS)
    np.testing.assert_allclose(
        table["per_employee_month"].iloc[0], 0.05 * np.mean(panel["days_in_month"][:6])
    )


def test_productivity_panel_names_missing_columns() -> None:
    book, staff = synthetic_book_ins_and_staff()
    with pytest.raises(ValueError, match=r"book_ins: missing column\(s\) \['days_covered'\]"):
        st.productivity_panel(book.drop(columns="days_covered"), staff)


def test_capacity_samples_scale_with_goal_and_share() -> None:
    cap = st.capacity_samples(np.array([0.05]), 0.3, 0.3, 3000, n_sims=100, seed=1)
    np.testing.assert_allclose(cap["employees_needed"], 60_000)
    np.testing.assert_allclose(cap["officers_needed"], 18_000)
    with pytest.raises(ValueError, match="officer share bounds"):
        st.capacity_samples(np.array([0.05]), 0.5, 0.2, 3000, n_sims=10, seed=1)


def test_officer_share_bounds_from_facts() -> None:
    figures = pd.DataFrame(
        {
            "metric": ["ice_deportation_officers", "ice_ero_officers", "ice_total_workforce"],
            "period_start": pd.to_datetime(["2025-07-01", "2025-10-27", "2025-07-01"]),
            "value": [6000, 8500, 20000],
            "source_url": ["https://a", "https://b", "https://c"],
        }
    )
    staff = pd.DataFrame(
        {"month": pd.to_datetime(["2025-07-01", "2025-10-01"]), "employees": [20_000, 25_000]}
    )
    bounds = st.officer_share_bounds(figures, staff)
    np.testing.assert_allclose(sorted(bounds["share"]), [0.3, 0.34])
    assert set(bounds["source_url"]) == {"https://a", "https://b"}


def test_officer_counts_absent_or_read(tmp_path: Path) -> None:
    assert opm.read_officer_counts(tmp_path / "missing.parquet") is None
    synthetic = pd.DataFrame(
        {
            "agency_subelement": ["IMMIGRATION AND CUSTOMS ENFORCEMENT"] * 3
            + ["CUSTOMS AND BORDER PROTECTION"],
            "occupational_series_code": ["1801", "1811", "0905", "1801"],
            "date_part": [202501, 202501, 202501, 202501],
            "count": [6, 2, 9, 100],
        }
    )
    path = tmp_path / "synthetic_opm.parquet"
    synthetic.to_parquet(path)
    counts = opm.read_officer_counts(path)
    assert counts is not None
    assert counts.set_index("series")["officers"].to_dict() == {1801: 6, 1811: 2}
    synthetic.drop(columns="count").to_parquet(path)
    with pytest.raises(ValueError, match="synthetic_opm.parquet: expected columns"):
        opm.read_officer_counts(path)


def test_out_of_sample_table_on_synthetic_data() -> None:
    book, staff = synthetic_book_ins_and_staff()
    bounds = pd.DataFrame({"share": [0.3, 0.35]})
    scenarios = st.parse_scenarios({"scenarios": [_entry("flat", hires_per_month=0)]})
    oos = st.run_out_of_sample(book, staff, bounds, scenarios, fit_through="2025-08", n_sims=50, seed=1)
    flat = oos.table[oos.table["model"] == "pipeline: flat"]
    # Constant synthetic productivity and no hires: the projection is August headcount x 0.05, exactly.
    august = staff.loc[staff["month"] == "2025-08-01", "employees"].iloc[0]
    np.testing.assert_allclose(flat["predicted"], august * 0.05)
    assert list(flat["month"]) == list(pd.date_range("2025-10-01", "2025-12-01", freq="MS"))
    assert set(oos.summary["model"]) == {
        "elasticity x OPM headcount",
        "productivity x OPM headcount",
        "pipeline: flat",
    }


# ---------------------------------------------------------------- real data (processed tables from the lead's build)


def _processed_ready() -> bool:
    return any(config.processed_dir().glob("*.parquet"))


@pytest.mark.skipif(not _processed_ready(), reason="processed data not built yet (run the data build)")
def test_out_of_sample_observed_values_are_the_reported_book_ins() -> None:
    book = data.load_book_ins(agency="ICE")
    staff = data.load_staffing(component="ICE")
    bounds = st.officer_share_bounds(data.load_staffing_figures(), staff)
    oos = st.run_out_of_sample(book, staff, bounds, _load(), n_sims=50, seed=1)
    reported = book[(book["month"] >= "2025-10-01") & (book["agency"] == "ICE")].set_index("month")[
        "book_ins"
    ]
    for _, rows in oos.table.groupby("model"):
        shown = rows.set_index("month")["book_ins"]
        pd.testing.assert_series_equal(shown, reported.loc[shown.index], check_names=False)
    pipeline = oos.table[oos.table["model"].str.startswith("pipeline")]
    assert set(pipeline["month"]) == set(reported.index)  # every reported month from Oct 2025 is compared
    assert reported.loc["2025-10-01"] == 36_622  # ICE book-ins, October 2025 (04/09/2026 edition)


# ---------------------------------------------------------------- notebook


def _execute(tmp_path: Path, parameters: dict[str, object] | None = None) -> None:
    papermill = pytest.importorskip("papermill")
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "out.ipynb"),
        parameters=parameters or {},
        kernel_name=config.KERNEL_NAME,
        cwd=str(config.NOTEBOOKS_DIR),
        execution_timeout=300,
        progress_bar=False,
    )


@pytest.mark.slow
@pytest.mark.skipif(not _processed_ready(), reason="processed data not built yet (run the data build)")
def test_notebook_runs_with_defaults(tmp_path: Path) -> None:
    import nbformat

    _execute(tmp_path)
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert errors == []


@pytest.mark.slow
def test_notebook_stops_on_bad_parameter(tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        _execute(tmp_path, {"scenario": "custom", "attrition_rate": 1.5})
    assert "ParameterError" in str(info.value)
    assert "parameter 'attrition_rate' = 1.5: expected a number between 0 and 1" in str(info.value)
