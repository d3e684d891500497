"""Tests for research.models.staffing: scenarios, the hiring pipeline with Border Patrol in its own column, and the
out-of-sample score. All data here are synthetic (generated below) except the marked real-data tests."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from research import config, data
from research.models import capacity as cap
from research.models import staffing as st
from research.params import ParameterError

NOTEBOOK = config.NOTEBOOKS_DIR / "20_staffing.ipynb"


def synthetic_baseline() -> st.Baseline:
    return st.Baseline(employees=20_000, per_employee_day=0.05, share_low=0.3, share_high=0.3)


def run(inputs: st.PipelineInputs, horizon: int = 36) -> pd.DataFrame:
    return st.simulate_pipeline(inputs, synthetic_baseline(), horizon_months=horizon, start="2025-09-01")


def pipeline(**changes: object) -> dict[str, object]:
    """Synthetic hiring-pipeline parameters (the fields of `st.validate_inputs`), with `changes` applied."""
    base: dict[str, object] = dict(
        hires_per_month=[500, 800, 0, 300, 1200],
        training_months=2,
        ramp_months=4,
        attrition_rate=0.02,
        border_patrol_agents=0,
        bp_relative_productivity=0.5,
        operational_share=0.6,
    )
    return {**base, **changes}


def inputs(**changes: object) -> st.PipelineInputs:
    return st.validate_inputs(**pipeline(**changes))  # type: ignore[arg-type]


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
    assert (frame["ice_added_per_day"] == 0).all()
    assert (frame["added_headcount"] == 0).all()
    # Baseline output only: 20,000 employees x 0.05 arrests per employee per day.
    np.testing.assert_allclose(frame["ice_per_day"], 1000.0)


def test_more_hires_never_fewer_arrests() -> None:
    low = run(inputs(hires_per_month=200))
    high = run(inputs(hires_per_month=400))
    assert (high["ice_per_day"] >= low["ice_per_day"] - 1e-9).all()
    assert (high["ice_per_day"] > low["ice_per_day"]).any()


def test_training_delay_then_ramp_to_full_output() -> None:
    frame = run(inputs(hires_per_month=[1000], attrition_rate=0.0, operational_share=1.0), horizon=10)
    effective = frame["added_officers_effective"].to_numpy()
    # Two training months at zero, then 1/5, 2/5, ... of full output, full from month 6 (index 6) on.
    np.testing.assert_allclose(effective[:7], [0, 0, 200, 400, 600, 800, 1000])
    np.testing.assert_allclose(effective[7:], 1000)


def test_border_patrol_has_its_own_column_and_never_enters_ice() -> None:
    without = run(inputs(border_patrol_agents=0))
    detailed = run(inputs(border_patrol_agents=1000, bp_relative_productivity=0.5))
    # ICE output is the same whatever the Border Patrol detail: their arrests are not ICE arrests.
    pd.testing.assert_series_equal(without["ice_per_day"], detailed["ice_per_day"])
    # One officer = 0.05 / 0.3 arrests per day; 1,000 agents at half that, in the Border Patrol column.
    np.testing.assert_allclose(detailed["bp_per_day"], 1000 * 0.5 * 0.05 / 0.3)
    np.testing.assert_allclose(without["bp_per_day"], 0.0)
    np.testing.assert_allclose(detailed["total_per_day"], detailed["ice_per_day"] + detailed["bp_per_day"])


def test_monte_carlo_reproducible_and_has_spread() -> None:
    uncertain = inputs(uncertainty={"attrition_rate": [0.0, 0.05], "training_months": [1, 4]})
    baseline = st.Baseline(20_000, 0.05, 0.25, 0.35)
    a = st.simulate_pipeline(uncertain, baseline, horizon_months=12, start="2025-09-01", n_sims=200, seed=7)
    b = st.simulate_pipeline(uncertain, baseline, horizon_months=12, start="2025-09-01", n_sims=200, seed=7)
    pd.testing.assert_frame_equal(a, b)
    summary = st.summarise_simulation(a.assign(scenario="x"))
    ice = summary[summary["column"] == "ice_per_day"]
    # No spread in the first month (every draw still trains), spread once uncertain training lengths end.
    assert ice["lower"].iloc[0] == ice["upper"].iloc[0] and (ice["lower"] < ice["upper"]).iloc[2:].all()
    assert (summary["lower"] <= summary["median"]).all() and (summary["median"] <= summary["upper"]).all()
    assert set(summary["agency"]) == {"ICE", "Border Patrol", "ICE + Border Patrol"}


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


def settings(**changes: object) -> st.RunSettings:
    values: dict[str, object] = dict(
        scenario="a",
        **pipeline(
            hires_per_month=1000,
            ramp_months=3,
            attrition_rate=0.01,
            border_patrol_agents=1500,
            operational_share=0.42,
        ),
        goal_per_day=3000,
        horizon_months=24,
        n_sims=200,
        seed=1,
        fit_through="2025-08",
        capacity_from="2025-09",
        coverage_reps=200,
    )
    values.update(changes)
    return st.notebook_settings(**values, scenarios=st.parse_scenarios({"scenarios": [_entry("a")]}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"horizon_months": 0}, "parameter 'horizon_months' = 0"),
        ({"n_sims": 10}, "parameter 'n_sims' = 10"),
        ({"coverage_reps": 50}, "parameter 'coverage_reps' = 50: expected an integer between 200 and 5000"),
        (
            {"fit_through": "2024-12"},
            "parameter 'fit_through' = '2024-12': expected a month 'YYYY-MM' from 2025-06",
        ),
        ({"fit_through": 202508}, "parameter 'fit_through' = 202508"),
        ({"capacity_from": "Sept"}, "parameter 'capacity_from' = 'Sept'"),
    ],
)
def test_bad_run_parameters(changes: dict[str, object], expected: str) -> None:
    with pytest.raises(ParameterError, match=expected):
        settings(**changes)


def test_good_run_parameters() -> None:
    chosen = settings()
    assert chosen.start == pd.Timestamp("2025-09-01") and chosen.capacity_from == pd.Timestamp("2025-09-01")


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
    scenarios = _load()
    names = [s.name for s in scenarios]
    assert {"no_surge", "surge_as_planned", "surge_as_announced", "surge_operational_share"} <= set(names)
    # A pure forecast exists: some scenario uses nothing published after the fit month.
    assert any(not s.hindsight for s in scenarios if s.name != "no_surge")


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
        (
            {"scenarios": [{**_entry("d"), "hindsight": "yes"}]},
            "scenario 'd': field 'hindsight' must be true or false",
        ),
        ({"scenarios": [_entry("custom")]}, "scenario 'custom': field 'name' must not be 'custom'"),
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


# ---------------------------------------------------------------- out of sample (synthetic)


def synthetic_panel() -> pd.DataFrame:
    """Synthetic outcome panel: flat 0.05 arrests per employee per day through 2025 with constant headcount,
    observed 2026 months with a lagged July and a partial August, no OPM headcount after December 2025."""
    months = pd.date_range("2025-01-01", "2026-08-01", freq="MS")
    employees = np.where(months <= "2025-12-01", 20_000.0, np.nan)
    per_day = np.where(months <= "2025-12-01", 1000.0, 1100.0) + np.tile([4.0, -4.0], len(months) // 2)
    status = ["complete"] * (len(months) - 2) + ["reporting lag", "partial month"]
    days = months.days_in_month.to_numpy()
    frame = pd.DataFrame(
        {
            "month": months,
            "count": (per_day * days).round().astype(int),
            "days_covered": days,
            "days_in_month": days,
            "per_day": per_day,
            "status": status,
            "fit": [s == "complete" for s in status],
            "employees": employees,
        }
    )
    frame["per_employee_day"] = frame["per_day"] / frame["employees"]
    frame.attrs["outcome"] = "arrests"
    return frame


def synthetic_facts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": ["ice_deportation_officers"],
            "period_start": pd.to_datetime(["2025-07-01"]),
            "value": [6000],
            "source_url": ["https://example.org/officers"],
            "basis": ["press report"],
        }
    )


def synthetic_staff() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.date_range("2025-01-01", "2025-12-01", freq="MS"),
            "component": "ICE",
            "employees": 20_000,
        }
    )


def _oos(scenarios: list[st.Scenario]) -> st.OutOfSample:
    return st.run_out_of_sample(
        synthetic_panel(),
        synthetic_facts(),
        synthetic_staff(),
        scenarios,
        fit_through="2025-08",
        n_sims=200,
        seed=3,
    )


def test_out_of_sample_scores_complete_months_and_not_the_lagged_one() -> None:
    oos = _oos(st.parse_scenarios({"scenarios": [_entry("flat", hires_per_month=0)]}))
    table = oos.table
    assert set(table["month"]) == set(
        pd.date_range("2026-01-01", "2026-07-01", freq="MS")
    )  # partial August out
    assert not table.loc[table["month"] == "2026-07-01", "scored"].any()
    assert table.loc[table["month"] < "2026-07-01", "scored"].all()
    naive = table[table["model"] == st.NAIVE]
    august = synthetic_panel().set_index("month").loc["2025-08-01", "per_day"]
    np.testing.assert_allclose(naive["predicted"], august)  # the fit month carried forward
    summary = oos.summary.set_index("model")
    scored = table[table["scored"]]
    for model, rows in scored.groupby("model"):
        assert summary.loc[model, "mae"] == pytest.approx(rows["abs_error"].mean())
        assert summary.loc[model, "months"] == 6
    assert summary.loc[st.NAIVE, "mae_vs_naive"] == pytest.approx(1.0)
    # July's reported count is a floor: a prediction below it is known to be too low.
    july = table[(table["month"] == "2026-07-01")].set_index("model")
    assert bool(july.loc[st.NAIVE, "above_floor"]) is False


def test_no_border_patrol_output_inside_ice_predictions() -> None:
    without = _oos(st.parse_scenarios({"scenarios": [_entry("s", border_patrol_agents=0)]}))
    detailed = _oos(
        st.parse_scenarios(
            {"scenarios": [{**_entry("s", border_patrol_agents=5000, bp_relative_productivity=2.0)}]}
        )
    )
    # The scored predictions do not move when Border Patrol agents are added...
    pd.testing.assert_frame_equal(without.table, detailed.table)
    pd.testing.assert_frame_equal(without.summary, detailed.summary)
    # ...although the simulation did give those agents output, in their own column.
    assert detailed.sims["bp_per_day"].min() > 0 and without.sims["bp_per_day"].max() == 0
    forecast = st.scenario_forecasts(detailed.sims)["s"].set_index("month")["predicted"]
    ice_median = detailed.sims.groupby("month")["ice_per_day"].median()
    pd.testing.assert_series_equal(forecast, ice_median.loc[forecast.index], check_names=False)


def test_baseline_uses_only_data_up_to_the_fit_month() -> None:
    panel = synthetic_panel()
    later = panel.copy()
    later.loc[later["month"] > "2025-08-01", "per_day"] *= 3  # what happens after the fit month is unseen
    later["per_employee_day"] = later["per_day"] / later["employees"]
    a = st.build_baseline(panel, synthetic_facts(), synthetic_staff(), fit_through="2025-08")
    b = st.build_baseline(later, synthetic_facts(), synthetic_staff(), fit_through="2025-08")
    assert a.per_employee_day == pytest.approx(b.per_employee_day)
    assert a.rate is not None and a.rate.first_month == pd.Timestamp("2025-06-01")  # since the goal


# ---------------------------------------------------------------- real data (committed tables)


def test_out_of_sample_on_the_committed_arrests() -> None:
    arrests = data.load_arrests_monthly()
    staff = data.load_staffing(component="ICE")
    panel = cap.outcome_panel(cap.monthly_outcome(arrests, "arrests"), staff)
    scenarios = _load()
    oos = st.run_out_of_sample(
        panel, cap.staffing_facts(data.load_staffing_figures()), staff, scenarios, n_sims=200, seed=1
    )
    reported = arrests.set_index("month")
    for _, row in oos.table.iterrows():
        expected = reported.loc[row["month"], "arrests"] / reported.loc[row["month"], "days_covered"]
        assert row["observed"] == pytest.approx(expected)
    # Every scenario is scored on the complete months January-June 2026; July (reporting lag) is not.
    assert set(oos.summary["model"]) == {st.NAIVE, *(s.name for s in scenarios)}
    assert (oos.summary["months"] == 6).all()
    july = oos.table[oos.table["month"] == "2026-07-01"]
    assert not july["scored"].any() and set(july["status"]) == {"reporting lag"}


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


def _processed_ready() -> bool:
    return any(config.processed_dir().glob("*.parquet"))


RAW_OUTPUT = re.compile(r"\bNaT\b|\bnan\b|\bNone\b|\bTrue\b|\bFalse\b|\d\.000\b")


@pytest.mark.slow
@pytest.mark.skipif(not _processed_ready(), reason="processed data not built yet (run the data build)")
def test_notebook_runs_with_defaults(tmp_path: Path) -> None:
    import nbformat

    _execute(tmp_path)
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    shown = [
        o["data"].get("text/markdown") or o["data"].get("text/html") or "" for o in outputs if "data" in o
    ]
    text = "\n".join(shown)
    # Readers see words and formatted numbers, never raw pandas output.
    raw = [
        m.group(0)
        for page in shown
        for m in RAW_OUTPUT.finditer(re.sub(r"<style.*?</style>", "", page, flags=re.S))
    ]
    assert raw == []
    assert (
        "arrests per officer per day" in text
        and "Reconciling ICE&#x27;s claim of 22,000" in text
        or "Reconciling ICE's claim of 22,000" in text
    )
    # The out-of-sample table scores every scenario of the file on 2026 arrests.
    for scenario in _load():
        assert scenario.title in text and scenario.name not in text  # the reader's label, not the identifier
    assert "Mean absolute error (arrests a day)" in text
    assert not any(o.get("output_type") == "stream" and "Warning" in o.get("text", "") for o in outputs)


@pytest.mark.slow
def test_notebook_stops_on_bad_parameter(tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        _execute(tmp_path, {"scenario": "custom", "attrition_rate": 1.5})
    assert "ParameterError" in str(info.value)
    assert "parameter 'attrition_rate' = 1.5: expected a number between 0 and 1" in str(info.value)
