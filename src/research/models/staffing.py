"""Hiring scenarios: a pipeline simulation with Border Patrol in its own column, scored on 2026 arrests.

Scenarios (notebooks/staffing_scenarios.yaml, validated by `parse_scenarios`) add hires on top of the workforce of the
last fitted month. Each added cohort spends `training_months` at zero output, then `ramp_months` rising linearly to
full output, and loses `attrition_rate` of its members every month; only `operational_share` of hires become arresting
officers. ICE output = baseline headcount x arrests per employee + added officers x arrests per officer.

Border Patrol. Agents detailed to interior enforcement make Border Patrol (CBP) arrests: they are neither ICE arrests
nor ICE book-ins. Their output (`bp_per_day` = agents x `bp_relative_productivity` x arrests per ICE officer) is a
separate column; `ice_per_day` never includes it, and `total_per_day` (labelled "ICE + Border Patrol") shows both.

Out of sample (`run_out_of_sample`). Everything is fitted on months up to `fit_through` (default August 2025, the last
month before the surge): arrests per employee over the months since the last policy break, the autocorrelation, and
the officer share from figures published by then. Predictions of ICE arrests per day for January-July 2026 are scored
against the observed months (mean absolute error) next to a naive carry-forward of the last fitted month. Months
flagged `reporting_lag` (July 2026: its last weeks are under-reported) are shown but not scored: their reported
count is a floor, so the page says whether each prediction lies above it.

Intervals of the simulation are sensitivity ranges: they come from the assumed ranges of the scenario inputs and the
officer share (plus the sampling uncertainty of arrests per employee), not from a model of how often reality falls
inside them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from research.models import capacity
from research.params import ParameterError, check_choice, check_range

SIM_LEVEL = 0.9  # central share of simulations shown as the sensitivity range
SCORE_FROM = pd.Timestamp("2026-01-01")
SCORE_THROUGH = pd.Timestamp("2026-07-01")
NAIVE = "naive: last fitted month carried forward"

# Inputs a scenario may give a range for (uniform draw between the two bounds).
UNCERTAIN_FIELDS = (
    "hires_scale",
    "training_months",
    "ramp_months",
    "attrition_rate",
    "border_patrol_agents",
    "bp_relative_productivity",
    "operational_share",
)


class ScenarioError(ValueError):
    """The scenario file is malformed; the message names the file, scenario and field."""


# --------------------------------------------------------------------------------------------------------------
# Inputs and validation
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineInputs:
    """Inputs of one hiring scenario (see the module docstring).

    `hires_per_month` is added hires per month: one number for every month, or a month-by-month schedule starting
    at the simulation's first month (months after the schedule get zero added hires).
    `uncertainty` maps a name in UNCERTAIN_FIELDS to (low, high); `hires_scale` multiplies the whole schedule.
    """

    hires_per_month: float | tuple[float, ...] = 0.0
    training_months: int = 3
    ramp_months: int = 6
    attrition_rate: float = 0.01
    border_patrol_agents: float = 0.0
    bp_relative_productivity: float = 0.5
    operational_share: float = 1.0
    uncertainty: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def hires_schedule(self, horizon_months: int) -> np.ndarray:
        """Added hires for each of `horizon_months` months."""
        if isinstance(self.hires_per_month, tuple):
            values = np.zeros(horizon_months)
            n = min(horizon_months, len(self.hires_per_month))
            values[:n] = self.hires_per_month[:n]
            return values
        return np.full(horizon_months, float(self.hires_per_month))


def validate_inputs(
    hires_per_month: Any,
    training_months: Any,
    ramp_months: Any,
    attrition_rate: Any,
    border_patrol_agents: Any,
    bp_relative_productivity: Any,
    operational_share: Any = 1.0,
    uncertainty: Mapping[str, Any] | None = None,
) -> PipelineInputs:
    """Check scenario inputs and return them as PipelineInputs; raise ParameterError naming the bad one."""
    if isinstance(hires_per_month, list | tuple):
        if not hires_per_month:
            raise ParameterError(
                "parameter 'hires_per_month' = []: expected a number >= 0 or a non-empty list"
            )
        for i, value in enumerate(hires_per_month):
            check_range(f"hires_per_month[{i}]", value, lo=0)
        hires: float | tuple[float, ...] = tuple(float(v) for v in hires_per_month)
    else:
        hires = float(check_range("hires_per_month", hires_per_month, lo=0))
    check_range("training_months", training_months, lo=0, hi=60, integer=True)
    check_range("ramp_months", ramp_months, lo=0, hi=60, integer=True)
    check_range("attrition_rate", attrition_rate, lo=0, hi=1)
    check_range("border_patrol_agents", border_patrol_agents, lo=0)
    check_range("bp_relative_productivity", bp_relative_productivity, lo=0, hi=5)
    check_range("operational_share", operational_share, lo=0, hi=1)
    ranges = _validate_uncertainty(uncertainty or {})
    return PipelineInputs(
        hires_per_month=hires,
        training_months=int(training_months),
        ramp_months=int(ramp_months),
        attrition_rate=float(attrition_rate),
        border_patrol_agents=float(border_patrol_agents),
        bp_relative_productivity=float(bp_relative_productivity),
        operational_share=float(operational_share),
        uncertainty=ranges,
    )


_RANGE_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "hires_scale": (0, None),
    "training_months": (0, 60),
    "ramp_months": (0, 60),
    "attrition_rate": (0, 1),
    "border_patrol_agents": (0, None),
    "bp_relative_productivity": (0, 5),
    "operational_share": (0, 1),
}


def _validate_uncertainty(ranges: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for name, bounds in ranges.items():
        check_choice("uncertainty field", name, UNCERTAIN_FIELDS)
        label = f"uncertainty.{name}"
        if not isinstance(bounds, list | tuple) or len(bounds) != 2:
            raise ParameterError(f"parameter '{label}' = {bounds!r}: expected a [low, high] pair")
        lo, hi = _RANGE_LIMITS[name]
        low = check_range(f"{label}[0]", bounds[0], lo=lo, hi=hi)
        high = check_range(f"{label}[1]", bounds[1], lo=lo, hi=hi)
        if low > high:
            raise ParameterError(f"parameter '{label}' = {list(bounds)!r}: expected low <= high")
        out[name] = (float(low), float(high))
    return out


# --------------------------------------------------------------------------------------------------------------
# Scenario file
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    inputs: PipelineInputs
    hindsight: bool = False  # inputs use information published after the fit window (not a pure forecast)
    label: str = ""  # how pages name the scenario; the name (an identifier) with spaces when not given

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")


SCENARIO_FIELDS = {"name", "label", "description", "inputs", "uncertainty", "hindsight"}
INPUT_FIELDS = {f.name for f in fields(PipelineInputs)} - {"uncertainty"}


def parse_scenarios(raw: Any, source: str = "<scenarios>") -> list[Scenario]:
    """Validate the parsed YAML of a scenario file; errors name `source`, the scenario and the field."""
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), list) or not raw["scenarios"]:
        raise ScenarioError(f"{source}: expected a top-level 'scenarios:' list with at least one scenario")
    out: list[Scenario] = []
    for i, entry in enumerate(raw["scenarios"]):
        where = f"{source}: scenario #{i + 1}"
        if not isinstance(entry, dict):
            raise ScenarioError(f"{where}: expected a mapping with name, description, inputs")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ScenarioError(f"{where}: field 'name' must be a non-empty string")
        where = f"{source}: scenario '{name}'"
        if name == "custom":
            raise ScenarioError(
                f"{where}: field 'name' must not be 'custom' (reserved for the notebook's inputs)"
            )
        if name in {s.name for s in out}:
            raise ScenarioError(f"{where}: duplicate scenario name")
        unknown = set(entry) - SCENARIO_FIELDS
        if unknown:
            raise ScenarioError(
                f"{where}: unknown field(s) {sorted(unknown)}; allowed {sorted(SCENARIO_FIELDS)}"
            )
        description = entry.get("description")
        if not isinstance(description, str) or not description.strip():
            raise ScenarioError(f"{where}: field 'description' must be a non-empty string")
        label = entry.get("label", "")
        if not isinstance(label, str) or ("label" in entry and not label.strip()):
            raise ScenarioError(f"{where}: field 'label' must be a non-empty string")
        if label.strip() in {s.title for s in out}:
            raise ScenarioError(f"{where}: duplicate scenario label {label.strip()!r}")
        hindsight = entry.get("hindsight", False)
        if not isinstance(hindsight, bool):
            raise ScenarioError(f"{where}: field 'hindsight' must be true or false, got {hindsight!r}")
        inputs = entry.get("inputs")
        if not isinstance(inputs, dict):
            raise ScenarioError(f"{where}: field 'inputs' must be a mapping of {sorted(INPUT_FIELDS)}")
        missing = INPUT_FIELDS - set(inputs)
        extra = set(inputs) - INPUT_FIELDS
        if missing or extra:
            problem = f"missing {sorted(missing)}" if missing else f"unknown {sorted(extra)}"
            raise ScenarioError(f"{where}: field 'inputs' has {problem}; expected {sorted(INPUT_FIELDS)}")
        uncertainty = entry.get("uncertainty") or {}
        if not isinstance(uncertainty, dict):
            raise ScenarioError(f"{where}: field 'uncertainty' must be a mapping of field: [low, high]")
        try:
            validated = validate_inputs(**inputs, uncertainty=uncertainty)
        except ParameterError as err:
            raise ScenarioError(f"{where}: {err}") from None
        out.append(
            Scenario(
                name=name,
                description=description.strip(),
                inputs=validated,
                hindsight=hindsight,
                label=" ".join(label.split()),
            )
        )
    return out


def resolve_scenarios(
    scenario: Any, scenarios: Sequence[Scenario], custom: PipelineInputs | None = None
) -> list[Scenario]:
    """Scenarios to run: all from the file, plus the custom one when `scenario == "custom"`.

    The selected scenario is put first so the notebook can single it out; ParameterError for an unknown name.
    """
    names = [s.name for s in scenarios]
    check_choice("scenario", scenario, [*names, "custom"])
    if scenario == "custom":
        if custom is None:
            raise ParameterError("parameter 'scenario' = 'custom': expected explicit custom inputs")
        return [Scenario("custom", "Custom inputs from the notebook parameters", custom), *scenarios]
    chosen = [s for s in scenarios if s.name == scenario]
    return chosen + [s for s in scenarios if s.name != scenario]


# --------------------------------------------------------------------------------------------------------------
# Hiring pipeline
# --------------------------------------------------------------------------------------------------------------


def cohort_weights(age: np.ndarray, training: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    """Output of one surviving hire at `age` months after hiring, as a share of a full officer's output.

    Zero while training; then (j + 1) / (ramp + 1) in ramp month j; 1 afterwards. Shapes broadcast.
    """
    since = age - training
    ramping = (since + 1) / (ramp + 1)
    return np.where(since < 0, 0.0, np.minimum(1.0, ramping))


def pipeline_arrays(
    hires: np.ndarray, training: np.ndarray, ramp: np.ndarray, attrition: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised cohort model for n simulations x T months.

    `hires` is (n, T); the others are (n,). Returns (added headcount at month end, leavers in the month,
    productive-equivalent added staff). Attrition in month t is `attrition * headcount at end of t-1`, so
    headcount[t] - headcount[t-1] == hires[t] - leavers[t] exactly.
    """
    n, horizon = hires.shape
    keep = 1.0 - attrition
    headcount = np.zeros((n, horizon))
    leavers = np.zeros((n, horizon))
    previous = np.zeros(n)
    for t in range(horizon):
        leavers[:, t] = attrition * previous
        headcount[:, t] = previous - leavers[:, t] + hires[:, t]
        previous = headcount[:, t]
    age = np.arange(horizon)[None, :]
    kernel = cohort_weights(age, training[:, None], ramp[:, None]) * keep[:, None] ** age
    effective = np.zeros((n, horizon))
    for s in range(horizon):
        effective[:, s:] += hires[:, s : s + 1] * kernel[:, : horizon - s]
    return headcount, leavers, effective


@dataclass(frozen=True)
class Baseline:
    """What the simulation starts from, estimated on data up to the fit month.

    `employees`: ICE headcount (OPM) in the fit month, held constant (2021-2025 headcount was flat: normal hiring
    replaced normal attrition). `per_employee_day`: arrests (or book-ins) per employee per day; when `rate` is given,
    simulations draw from its sampling distribution. `share_low`, `share_high`: bounds of the officer share.
    """

    employees: float
    per_employee_day: float
    share_low: float
    share_high: float
    rate: capacity.RateEstimate | None = None
    outcome: str = "arrests"


def simulate_pipeline(
    inputs: PipelineInputs,
    baseline: Baseline,
    *,
    horizon_months: int,
    start: str | pd.Timestamp,
    n_sims: int = 1,
    seed: int = 0,
) -> pd.DataFrame:
    """Monte Carlo of one scenario: one row per simulation x month.

    Each simulation draws the per-employee rate (from its estimate), the officer share (uniform between its bounds)
    and the scenario's uncertain inputs. With n_sims=1 and no `uncertainty`, the point values are used (rate as
    estimated, share at the midpoint), which makes the run deterministic.
    Columns: `sim`, `month`, `hires`, `leavers`, `added_headcount`, `headcount`, `added_officers_effective`,
    `ice_baseline_per_day`, `ice_added_per_day`, `ice_per_day` (ICE only), `bp_per_day` (Border Patrol only),
    `total_per_day` (both).
    """
    check_range("horizon_months", horizon_months, lo=1, integer=True)
    check_range("n_sims", n_sims, lo=1, integer=True)
    if not 0 < baseline.share_low <= baseline.share_high <= 1:
        raise ValueError(
            f"officer share bounds ({baseline.share_low}, {baseline.share_high}): need 0 < low <= high <= 1"
        )
    rng = np.random.default_rng(seed)
    draws = _draw_inputs(inputs, n_sims, rng)
    if n_sims == 1 and not inputs.uncertainty:
        rate = np.array([baseline.per_employee_day])
        share = np.array([(baseline.share_low + baseline.share_high) / 2])
    else:
        rate = (
            baseline.rate.draws(n_sims, rng)
            if baseline.rate is not None
            else np.full(n_sims, baseline.per_employee_day)
        )
        rate = np.clip(rate, 0.0, None)
        share = rng.uniform(baseline.share_low, baseline.share_high, size=n_sims)
    hires = inputs.hires_schedule(horizon_months)[None, :] * draws["hires_scale"][:, None]
    headcount, leavers, effective = pipeline_arrays(
        hires, draws["training_months"], draws["ramp_months"], draws["attrition_rate"]
    )
    per_officer = rate / share  # arrests per arresting officer per day
    added_officers = effective * draws["operational_share"][:, None]
    ice_added = added_officers * per_officer[:, None]
    ice_base = np.broadcast_to((baseline.employees * rate)[:, None], ice_added.shape)
    ice = ice_base + ice_added
    # Border Patrol output: its own column, never added to ICE.
    bp_agents = draws["border_patrol_agents"] * draws["bp_relative_productivity"]
    bp = np.broadcast_to((bp_agents * per_officer)[:, None], ice.shape)
    months = pd.date_range(pd.Timestamp(start), periods=horizon_months, freq="MS")
    return pd.DataFrame(
        {
            "sim": np.repeat(np.arange(n_sims), horizon_months),
            "month": np.tile(months, n_sims),
            "hires": hires.ravel(),
            "leavers": leavers.ravel(),
            "added_headcount": headcount.ravel(),
            "headcount": (headcount + baseline.employees).ravel(),
            "added_officers_effective": added_officers.ravel(),
            "ice_baseline_per_day": ice_base.ravel(),
            "ice_added_per_day": ice_added.ravel(),
            "ice_per_day": ice.ravel(),
            "bp_per_day": bp.ravel(),
            "total_per_day": (ice + bp).ravel(),
        }
    )


def _draw_inputs(inputs: PipelineInputs, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-simulation inputs: uniform over the scenario's ranges, otherwise the point value."""
    point = {
        "hires_scale": 1.0,
        "training_months": inputs.training_months,
        "ramp_months": inputs.ramp_months,
        "attrition_rate": inputs.attrition_rate,
        "border_patrol_agents": inputs.border_patrol_agents,
        "bp_relative_productivity": inputs.bp_relative_productivity,
        "operational_share": inputs.operational_share,
    }
    out: dict[str, np.ndarray] = {}
    for name in UNCERTAIN_FIELDS:  # fixed order keeps draws reproducible
        if name in inputs.uncertainty:
            low, high = inputs.uncertainty[name]
            if name.endswith("_months"):  # whole months, each equally likely
                out[name] = np.floor(rng.uniform(low, high + 1, size=n)).clip(low, high)
            else:
                out[name] = rng.uniform(low, high, size=n)
        else:
            out[name] = np.full(n, float(point[name]))
    return out


def simulate_scenarios(
    scenarios: Sequence[Scenario],
    baseline: Baseline,
    *,
    horizon_months: int,
    start: str | pd.Timestamp,
    n_sims: int,
    seed: int,
) -> pd.DataFrame:
    """Run every scenario with the same seed (common random numbers make the comparison fairer)."""
    frames = [
        simulate_pipeline(
            s.inputs, baseline, horizon_months=horizon_months, start=start, n_sims=n_sims, seed=seed
        ).assign(scenario=s.name)
        for s in scenarios
    ]
    return pd.concat(frames, ignore_index=True)


SIM_COLUMNS = {"ice_per_day": "ICE", "bp_per_day": "Border Patrol", "total_per_day": "ICE + Border Patrol"}


def summarise_simulation(sims: pd.DataFrame, level: float = SIM_LEVEL) -> pd.DataFrame:
    """Median and central `level` range per scenario, month and column (ICE, Border Patrol, both).

    Long format: `scenario`, `month`, `column` (a SIM_COLUMNS key), `agency` (its label), `lower`, `median`, `upper`.
    """
    tail = (1 - level) / 2
    parts = []
    for column, agency in SIM_COLUMNS.items():
        grouped = sims.groupby(["scenario", "month"], sort=False)[column]
        part = grouped.quantile([tail, 0.5, 1 - tail]).unstack()
        part.columns = ["lower", "median", "upper"]
        parts.append(part.reset_index().assign(column=column, agency=agency))
    return pd.concat(parts, ignore_index=True)[
        ["scenario", "month", "column", "agency", "lower", "median", "upper"]
    ]


def scenario_table(
    sims: pd.DataFrame, scenarios: Sequence[Scenario], goal_per_day: float, level: float = SIM_LEVEL
) -> pd.DataFrame:
    """One row per scenario: inputs, final-month ICE / Border Patrol / total per day, when ICE alone reaches the goal."""
    summary = summarise_simulation(sims, level=level)
    last = summary["month"].max()
    horizon = int(sims["month"].nunique())
    rows = []
    for s in scenarios:
        mine = summary[summary["scenario"] == s.name]
        ice = mine[mine["column"] == "ice_per_day"]
        end = ice[ice["month"] == last].iloc[0]
        at_end = mine[mine["month"] == last].set_index("column")["median"]
        reached = ice.loc[ice["median"] >= goal_per_day, "month"]
        total_reached = mine.loc[
            (mine["column"] == "total_per_day") & (mine["median"] >= goal_per_day), "month"
        ]
        rows.append(
            {
                "scenario": s.name,
                "hindsight": s.hindsight,
                "total_added_hires": float(s.inputs.hires_schedule(horizon).sum()),
                "training_months": s.inputs.training_months,
                "ramp_months": s.inputs.ramp_months,
                "operational_share": s.inputs.operational_share,
                "border_patrol_agents": s.inputs.border_patrol_agents,
                "final_month": last,
                "ice_median": float(end["median"]),
                "ice_lower": float(end["lower"]),
                "ice_upper": float(end["upper"]),
                "bp_median": float(at_end["bp_per_day"]),
                "total_median": float(at_end["total_per_day"]),
                "ice_share_of_goal": float(end["median"]) / goal_per_day,
                "ice_goal_month": reached.min() if not reached.empty else pd.NaT,
                "total_goal_month": total_reached.min() if not total_reached.empty else pd.NaT,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------
# Baseline fitted on data up to the fit month
# --------------------------------------------------------------------------------------------------------------


def last_break(month: pd.Timestamp, breaks: Sequence[str] = capacity.REGIME_BREAKS) -> pd.Timestamp:
    """The latest regime break on or before `month`."""
    earlier = [pd.Timestamp(b) for b in breaks if pd.Timestamp(b) <= month]
    if not earlier:
        raise ValueError(f"no regime break on or before {month:%Y-%m}")
    return max(earlier)


def build_baseline(
    panel: pd.DataFrame,
    figures: pd.DataFrame,
    staffing: pd.DataFrame,
    *,
    fit_through: str | pd.Timestamp,
) -> Baseline:
    """Baseline from data up to `fit_through` only: headcount then, arrests per employee since the last break
    (AR(1)-robust, autocorrelation estimated on months up to `fit_through`), officer shares published by then."""
    end = pd.Timestamp(fit_through).to_period("M").to_timestamp()
    known = panel[panel["month"] <= end]
    at_end = known.loc[known["month"] == end, "employees"]
    if at_end.empty or pd.isna(at_end.iloc[0]):
        raise ValueError(f"no OPM headcount for the fit month {end:%Y-%m}")
    weights = capacity.noise_weights(known, end=end)
    rate = capacity.window_rate(known, last_break(end), end, rho=weights)
    shares = capacity.officer_shares(figures, staffing, as_of=end + pd.offsets.MonthEnd(0))
    return Baseline(
        employees=float(at_end.iloc[0]),
        per_employee_day=rate.estimate,
        share_low=float(shares["share"].min()),
        share_high=float(shares["share"].max()),
        rate=rate,
        outcome=str(panel.attrs.get("outcome", "arrests")),
    )


# --------------------------------------------------------------------------------------------------------------
# Out of sample
# --------------------------------------------------------------------------------------------------------------


def naive_forecast(
    panel: pd.DataFrame, fit_through: pd.Timestamp, months: Sequence[pd.Timestamp]
) -> pd.DataFrame:
    """The last fitted month's rate (complete, on or before `fit_through`) carried forward to every month."""
    known = panel[panel["fit"].astype(bool) & (panel["month"] <= fit_through)]
    if known.empty:
        raise ValueError(f"naive_forecast: no fitted month on or before {fit_through:%Y-%m}")
    value = float(known.sort_values("month")["per_day"].iloc[-1])
    return pd.DataFrame({"month": list(months), "predicted": value, "lower": np.nan, "upper": np.nan})


def scenario_forecasts(sims: pd.DataFrame, level: float = SIM_LEVEL) -> dict[str, pd.DataFrame]:
    """Per scenario: the ICE-only median and sensitivity range per month (Border Patrol output excluded)."""
    summary = summarise_simulation(sims, level=level)
    ice = summary[summary["column"] == "ice_per_day"]
    return {
        str(name): group.rename(columns={"median": "predicted"})[["month", "predicted", "lower", "upper"]]
        for name, group in ice.groupby("scenario", sort=False)
    }


def score_table(observed: pd.DataFrame, forecasts: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per model x month: observed and predicted per day, error, whether the month is scored.

    `observed` has `month`, `per_day`, `status`; only "complete" months are scored (`scored`). For months flagged
    "reporting lag" the observed count is a floor: `above_floor` says whether the prediction exceeds it.
    """
    rows = []
    for model, pred in forecasts.items():
        merged = observed[["month", "count", "days_covered", "per_day", "status"]].merge(
            pred, on="month", how="inner"
        )
        merged.insert(0, "model", model)
        rows.append(merged)
    table = pd.concat(rows, ignore_index=True).rename(columns={"per_day": "observed"})
    table["error"] = table["predicted"] - table["observed"]
    table["abs_error"] = table["error"].abs()
    table["scored"] = table["status"] == "complete"
    inside = (table["observed"] >= table["lower"]) & (table["observed"] <= table["upper"])
    table["inside_range"] = inside.astype("boolean").mask(
        table["lower"].isna()
    )  # no range: missing, not "no"
    above = (table["predicted"] >= table["observed"]).astype("boolean")
    table["above_floor"] = above.mask(table["status"] != "reporting lag")
    return table


def score_summary(table: pd.DataFrame, naive: str = NAIVE) -> pd.DataFrame:
    """Per model: months scored, mean absolute error, mean error (bias), MAE relative to the naive model,
    share of scored months inside the sensitivity range, and the MAE if lagged months counted as reported."""
    scored = table[table["scored"]]
    grouped = scored.groupby("model", sort=False)
    summary = pd.DataFrame(
        {
            "months": grouped.size(),
            "first_month": grouped["month"].min(),
            "last_month": grouped["month"].max(),
            "mae": grouped["abs_error"].mean(),
            "mean_error": grouped["error"].mean(),
            "inside_range": grouped["inside_range"].apply(lambda s: s.astype("Float64").mean()),
        }
    )
    lagged = table[table["status"].isin(["complete", "reporting lag"])]
    summary["mae_with_lagged"] = lagged.groupby("model", sort=False)["abs_error"].mean()
    floor = table[table["status"] == "reporting lag"].groupby("model", sort=False)["above_floor"].all()
    summary["above_lagged_floor"] = floor.reindex(summary.index).astype("boolean")
    if naive in summary.index:
        summary["mae_vs_naive"] = summary["mae"] / summary.loc[naive, "mae"]
    else:
        summary["mae_vs_naive"] = np.nan
    return summary.reset_index()


@dataclass
class OutOfSample:
    table: pd.DataFrame
    summary: pd.DataFrame
    baseline: Baseline
    sims: pd.DataFrame
    fit_through: pd.Timestamp


def run_out_of_sample(
    panel: pd.DataFrame,
    figures: pd.DataFrame,
    staffing: pd.DataFrame,
    scenarios: Sequence[Scenario],
    *,
    fit_through: str | pd.Timestamp = "2025-08",
    score_from: str | pd.Timestamp = SCORE_FROM,
    score_through: str | pd.Timestamp = SCORE_THROUGH,
    n_sims: int = 1000,
    seed: int = 0,
) -> OutOfSample:
    """Fit on months up to `fit_through`, simulate every scenario, score ICE predictions from `score_from` to
    `score_through` against `panel` (an `capacity.outcome_panel`), next to the naive carry-forward."""
    end = pd.Timestamp(fit_through).to_period("M").to_timestamp()
    baseline = build_baseline(panel, figures, staffing, fit_through=end)
    start = end + pd.offsets.MonthBegin(1)
    last = pd.Timestamp(score_through)
    horizon = len(pd.period_range(start, last, freq="M"))
    sims = simulate_scenarios(
        scenarios, baseline, horizon_months=horizon, start=start, n_sims=n_sims, seed=seed
    )
    observed = panel[(panel["month"] >= pd.Timestamp(score_from)) & (panel["month"] <= last)]
    observed = observed[observed["status"] != "partial month"]
    forecasts = {NAIVE: naive_forecast(panel, end, list(observed["month"]))}
    forecasts.update(scenario_forecasts(sims))
    table = score_table(observed, forecasts)
    return OutOfSample(
        table=table, summary=score_summary(table), baseline=baseline, sims=sims, fit_through=end
    )


def best_model(summary: pd.DataFrame) -> pd.Series:
    """The model with the lowest mean absolute error."""
    return summary.sort_values("mae").iloc[0]


# --------------------------------------------------------------------------------------------------------------
# Notebook parameters
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    """Validated notebook settings: scenarios to run (selected first) and the run-level parameters."""

    scenarios: list[Scenario]
    goal_per_day: float
    horizon_months: int
    n_sims: int
    seed: int
    fit_through: pd.Timestamp
    start: pd.Timestamp
    capacity_from: pd.Timestamp
    coverage_reps: int


FIT_THROUGH_RANGE = ("2025-06", "2025-12")  # needs a post-goal month and OPM headcount
CAPACITY_FROM_RANGE = ("2025-06", "2025-11")  # at least two OPM months to average


def _month(name: str, value: Any, bounds: tuple[str, str]) -> pd.Timestamp:
    expected = f"a month 'YYYY-MM' from {bounds[0]} to {bounds[1]}"
    if not isinstance(value, str):
        raise ParameterError(f"parameter '{name}' = {value!r}: expected {expected}")
    try:
        month = pd.Period(value, freq="M").to_timestamp()
    except ValueError:
        raise ParameterError(f"parameter '{name}' = {value!r}: expected {expected}") from None
    if not pd.Timestamp(bounds[0]) <= month <= pd.Timestamp(bounds[1]):
        raise ParameterError(f"parameter '{name}' = {value!r}: expected {expected}")
    return month


def notebook_settings(
    *,
    scenario: Any,
    hires_per_month: Any,
    training_months: Any,
    ramp_months: Any,
    attrition_rate: Any,
    border_patrol_agents: Any,
    bp_relative_productivity: Any,
    operational_share: Any,
    goal_per_day: Any,
    horizon_months: Any,
    n_sims: Any,
    seed: Any,
    fit_through: Any,
    capacity_from: Any,
    coverage_reps: Any,
    scenarios: Sequence[Scenario],
) -> RunSettings:
    """Validate every parameter of notebooks/20_staffing (ParameterError names the first bad one).

    `scenarios` are the parsed scenario file (`parse_scenarios(*research.data.load_scenario_document())`).
    """
    custom = validate_inputs(
        hires_per_month,
        training_months,
        ramp_months,
        attrition_rate,
        border_patrol_agents,
        bp_relative_productivity,
        operational_share,
    )
    check_range("goal_per_day", goal_per_day, lo=1)
    check_range("horizon_months", horizon_months, lo=1, hi=120, integer=True)
    check_range("n_sims", n_sims, lo=100, hi=100_000, integer=True)
    check_range("seed", seed, lo=0, integer=True)
    check_range("coverage_reps", coverage_reps, lo=200, hi=5_000, integer=True)
    through = _month("fit_through", fit_through, FIT_THROUGH_RANGE)
    first = _month("capacity_from", capacity_from, CAPACITY_FROM_RANGE)
    chosen = resolve_scenarios(scenario, scenarios, custom)
    return RunSettings(
        scenarios=chosen,
        goal_per_day=float(goal_per_day),
        horizon_months=int(horizon_months),
        n_sims=int(n_sims),
        seed=int(seed),
        fit_through=through,
        start=through + pd.offsets.MonthBegin(1),
        capacity_from=first,
        coverage_reps=int(coverage_reps),
    )
