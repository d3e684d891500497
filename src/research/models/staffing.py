"""Staffing and arrests: productivity, elasticity, capacity and a hiring-pipeline simulation.

Units. Book-ins (ICE detention-statistics "initial book-ins", ICE as arresting agency) stand in for arrests: they
count only arrests that led to a detention book-in. Headcount is OPM on-board employees of all occupations, so it
includes support staff; the share of it that are arresting officers is bounded with published officer figures
(`officer_share_bounds`) unless the OPM record-level file with occupation codes is present
(`research.data.load_officer_counts`).

Pipeline model (`simulate_pipeline`). The pre-surge workforce is held at its start level: ICE's 2021-2025
headcount was flat, so normal hiring replaced normal attrition. Scenario hires are *added* on top of it. Each added
cohort spends `training_months` at zero output, then `ramp_months` rising linearly to full output, and loses
`attrition_rate` of its members every month. Only `operational_share` of hires become arresting officers (the rest
are legal and support staff). Detailed Border Patrol agents add output at `bp_relative_productivity` of an officer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from research.params import ParameterError, check_choice, check_range

# Policy breaks used as time controls: the new administration, then the 3,000/day goal (set 2025-05-21).
POLICY_BREAKS: tuple[str, ...] = ("2025-01-01", "2025-06-01")
SURGE_START = pd.Timestamp("2025-09-01")
PERIOD_LABELS = ("2021-2024", "Jan-Aug 2025", "Sep 2025 on (surge)")

# Inputs a scenario may give an uncertainty range for (uniform draw between the two bounds).
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
    """Inputs of one hiring scenario (see module docstring for the model).

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


def validate_run(goal_per_day: Any, horizon_months: Any, n_sims: Any, seed: Any) -> None:
    """Check the run-level notebook parameters."""
    check_range("goal_per_day", goal_per_day, lo=1)
    check_range("horizon_months", horizon_months, lo=1, hi=120, integer=True)
    check_range("n_sims", n_sims, lo=1, hi=100_000, integer=True)
    check_range("seed", seed, lo=0, integer=True)


# --------------------------------------------------------------------------------------------------------------
# Scenario file
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    inputs: PipelineInputs


SCENARIO_FIELDS = {"name", "description", "inputs", "uncertainty"}
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
        out.append(Scenario(name=name, description=description.strip(), inputs=validated))
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
# Data: productivity panel, officer counts, officer share
# --------------------------------------------------------------------------------------------------------------


def period_of(month: pd.Series) -> pd.Series:
    """Label months as before 2025, Jan-Aug 2025, or from the September 2025 surge on."""
    labels = np.where(
        month < pd.Timestamp("2025-01-01"),
        PERIOD_LABELS[0],
        np.where(month < SURGE_START, PERIOD_LABELS[1], PERIOD_LABELS[2]),
    )
    return pd.Series(pd.Categorical(labels, categories=list(PERIOD_LABELS), ordered=True), index=month.index)


def productivity_panel(book_ins: pd.DataFrame, staffing: pd.DataFrame) -> pd.DataFrame:
    """Monthly ICE book-ins joined to ICE headcount, with per-day and per-employee rates.

    `book_ins` is `load_book_ins(agency="ICE")`-shaped, `staffing` is `load_staffing(component="ICE")`-shaped.
    Partial months are scaled to a full month from their daily rate (`days_covered`), so they are not undercounted.
    """
    need_b = {"month", "book_ins", "days_in_month", "days_covered"}
    need_s = {"month", "employees"}
    _require(book_ins, need_b, "book_ins")
    _require(staffing, need_s, "staffing")
    if "agency" in book_ins and book_ins["agency"].nunique() > 1:
        book_ins = book_ins[book_ins["agency"] == "ICE"]
    if "component" in staffing and staffing["component"].nunique() > 1:
        staffing = staffing[staffing["component"] == "ICE"]
    b = book_ins[book_ins["days_covered"] > 0][["month", "book_ins", "days_in_month", "days_covered"]]
    frame = b.merge(staffing[["month", "employees"]], on="month", how="inner").sort_values("month")
    frame = frame.reset_index(drop=True)
    frame["book_ins_per_day"] = frame["book_ins"] / frame["days_covered"]
    frame["per_employee_month"] = frame["book_ins_per_day"] * frame["days_in_month"] / frame["employees"]
    frame["per_employee_day"] = frame["book_ins_per_day"] / frame["employees"]
    frame["period"] = period_of(frame["month"])
    return frame


def _require(frame: pd.DataFrame, columns: set[str], name: str) -> None:
    missing = columns - set(frame.columns)
    if missing:
        raise ValueError(f"{name}: missing column(s) {sorted(missing)}; got {sorted(frame.columns)}")


def productivity_by_period(panel: pd.DataFrame) -> pd.DataFrame:
    """Book-ins per employee per month by period: mean with a 95% interval for the mean, and the monthly range."""
    rows = []
    for period, group in panel.groupby("period", observed=True):
        values = group["per_employee_month"].to_numpy(dtype=float)
        n = len(values)
        mean = float(values.mean())
        half = _t_half_width(values)
        rows.append(
            {
                "period": str(period),
                "months": n,
                "first_month": group["month"].min(),
                "last_month": group["month"].max(),
                "mean_employees": float(group["employees"].mean()),
                "mean_book_ins_per_day": float(group["book_ins_per_day"].mean()),
                "per_employee_month": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "min": float(values.min()),
                "max": float(values.max()),
            }
        )
    return pd.DataFrame(rows)


def _t_half_width(values: np.ndarray, level: float = 0.95) -> float:
    from scipy import stats

    n = len(values)
    if n < 2:
        return float("nan")
    return float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))


def officer_share_bounds(figures: pd.DataFrame, staffing: pd.DataFrame) -> pd.DataFrame:
    """Published officer counts divided by OPM ICE headcount in the same month (2021 on).

    Uses the facts rows `ice_deportation_officers` and `ice_ero_officers` whose period falls inside the OPM
    series. Returns one row per figure with `officers`, `employees`, `share`, `source_url`; min and max of
    `share` bound the officer share of headcount.
    """
    _require(figures, {"metric", "period_start", "value", "source_url"}, "staffing figures")
    if "component" in staffing and staffing["component"].nunique() > 1:
        staffing = staffing[staffing["component"] == "ICE"]
    rows = figures[figures["metric"].isin(["ice_deportation_officers", "ice_ero_officers"])].copy()
    rows["month"] = rows["period_start"].dt.to_period("M").dt.to_timestamp()
    merged = rows.merge(staffing[["month", "employees"]], on="month", how="inner")
    if merged.empty:
        raise ValueError("no published officer figure falls inside the OPM headcount months")
    merged["officers"] = merged["value"].astype(float)
    merged["share"] = merged["officers"] / merged["employees"]
    return merged[["metric", "month", "officers", "employees", "share", "source_url"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# Elasticity
# --------------------------------------------------------------------------------------------------------------


@dataclass
class ElasticityFit:
    """log(book-ins per day) on log(headcount) with HAC (Newey-West) standard errors."""

    elasticity: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    first_month: pd.Timestamp
    last_month: pd.Timestamp
    controls: tuple[str, ...]
    result: Any  # statsmodels RegressionResultsWrapper

    def as_row(self, label: str) -> dict[str, Any]:
        return {
            "specification": label,
            "elasticity": self.elasticity,
            "se_hac": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "months": self.n,
            "sample": f"{self.first_month:%Y-%m}..{self.last_month:%Y-%m}",
            "controls": ", ".join(self.controls) or "none",
        }


def elasticity_design(
    month: pd.Series, employees: pd.Series, breaks: Sequence[str], trend: bool, origin: pd.Timestamp
) -> pd.DataFrame:
    """Regressors: constant, log headcount, optional linear trend (years since `origin`), step dummies."""
    design = pd.DataFrame({"const": 1.0, "log_employees": np.log(employees.to_numpy(dtype=float))})
    if trend:
        design["trend_years"] = ((month - origin).dt.days / 365.25).to_numpy()
    for when in breaks:
        design[f"after_{when[:7]}"] = (month >= pd.Timestamp(when)).astype(float).to_numpy()
    return design


def fit_elasticity(
    panel: pd.DataFrame,
    *,
    breaks: Sequence[str] = POLICY_BREAKS,
    trend: bool = True,
    through: str | pd.Timestamp | None = None,
    maxlags: int = 3,
) -> ElasticityFit:
    """Fit the log-log elasticity of book-ins per day on headcount, with trend and policy-break dummies.

    `panel` has `month`, `employees`, `book_ins_per_day` (see `productivity_panel`). A break after the sample end
    is dropped (it would be all zeros).
    """
    data = panel if through is None else panel[panel["month"] <= pd.Timestamp(through)]
    data = data.sort_values("month").reset_index(drop=True)
    last = data["month"].max()
    if data["employees"].nunique() < 2:
        raise ValueError(
            "fit_elasticity: headcount is constant in the sample, so no elasticity can be estimated"
        )
    used = tuple(b for b in breaks if pd.Timestamp(b) <= last)
    origin = data["month"].min()
    X = elasticity_design(data["month"], data["employees"], used, trend, origin)
    y = np.log(data["book_ins_per_day"].to_numpy(dtype=float))
    result = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
    beta = float(result.params["log_employees"])
    se = float(result.bse["log_employees"])
    low, high = (float(v) for v in result.conf_int().loc["log_employees"])
    controls = (("trend",) if trend else ()) + tuple(f"after {b[:7]}" for b in used)
    return ElasticityFit(beta, se, low, high, len(data), origin, last, controls, result)


def predict_elasticity(
    fit: ElasticityFit, month: pd.Series, employees: pd.Series, alpha: float = 0.1
) -> pd.DataFrame:
    """Book-ins per day predicted from headcount, with a (1 - alpha) prediction interval (log-normal back-transform)."""
    breaks = [c.removeprefix("after ") + "-01" for c in fit.controls if c.startswith("after ")]
    X = elasticity_design(
        month.reset_index(drop=True),
        employees.reset_index(drop=True),
        breaks,
        "trend" in fit.controls,
        fit.first_month,
    )
    pred = fit.result.get_prediction(X).summary_frame(alpha=alpha)
    sigma2 = float(fit.result.scale)
    return pd.DataFrame(
        {
            "month": month.to_numpy(),
            "predicted": np.exp(pred["mean"].to_numpy() + sigma2 / 2),
            "lower": np.exp(pred["obs_ci_lower"].to_numpy()),
            "upper": np.exp(pred["obs_ci_upper"].to_numpy()),
        }
    )


# --------------------------------------------------------------------------------------------------------------
# Capacity
# --------------------------------------------------------------------------------------------------------------


def capacity_samples(
    per_employee_day: np.ndarray,
    share_low: float,
    share_high: float,
    goal_per_day: float,
    *,
    n_sims: int,
    seed: int,
) -> pd.DataFrame:
    """Employees and officers needed for `goal_per_day`, by Monte Carlo.

    Productivity (book-ins per employee per day) is drawn uniformly over the range of the observed monthly values;
    the officer share of headcount uniformly between the published bounds.
    Officers needed = goal / (per-employee rate / share) = goal x share / rate.
    """
    values = np.asarray(per_employee_day, dtype=float)
    if values.size == 0 or np.any(values <= 0):
        raise ValueError("per_employee_day: need at least one positive monthly productivity value")
    if not 0 < share_low <= share_high <= 1:
        raise ValueError(f"officer share bounds ({share_low}, {share_high}): expected 0 < low <= high <= 1")
    rng = np.random.default_rng(seed)
    rate = rng.uniform(values.min(), values.max(), size=n_sims)
    share = rng.uniform(share_low, share_high, size=n_sims)
    employees = goal_per_day / rate
    return pd.DataFrame(
        {
            "per_employee_day": rate,
            "officer_share": share,
            "employees_needed": employees,
            "officers_needed": employees * share,
        }
    )


def interval(values: np.ndarray | pd.Series, level: float = 0.9) -> tuple[float, float, float]:
    """Median and central `level` interval."""
    arr = np.asarray(values, dtype=float)
    tail = (1 - level) / 2
    low, mid, high = np.quantile(arr, [tail, 0.5, 1 - tail])
    return float(mid), float(low), float(high)


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
    """What the simulation starts from, estimated from data.

    `employees`: ICE headcount in the month before the simulation starts (held constant; see module docstring).
    `per_employee_day`: observed monthly book-ins per employee per day (Monte Carlo draws uniformly over their range).
    `share_low`, `share_high`: bounds of the officer share of headcount.
    """

    employees: float
    per_employee_day: tuple[float, ...]
    share_low: float
    share_high: float


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

    Each simulation draws productivity uniformly over the observed range, the officer share between its bounds and
    the scenario's uncertain inputs. With n_sims=1 and no `uncertainty`, the inputs are used as given and
    productivity and share at their midpoints, which makes the run deterministic (used by tests). Columns: `sim`, `month`, `hires`, `leavers`, `added_headcount`,
    `headcount`, `added_officers_effective`, `baseline_per_day`, `added_per_day`, `bp_per_day`, `book_ins_per_day`.
    """
    check_range("horizon_months", horizon_months, lo=1, integer=True)
    check_range("n_sims", n_sims, lo=1, integer=True)
    rng = np.random.default_rng(seed)
    draws = _draw_inputs(inputs, n_sims, rng)
    productivity = np.asarray(baseline.per_employee_day, dtype=float)
    if n_sims == 1 and not inputs.uncertainty:
        rate = np.array([(productivity.min() + productivity.max()) / 2])
        share = np.array([(baseline.share_low + baseline.share_high) / 2])
    else:
        rate = rng.uniform(productivity.min(), productivity.max(), size=n_sims)
        share = rng.uniform(baseline.share_low, baseline.share_high, size=n_sims)
    hires = inputs.hires_schedule(horizon_months)[None, :] * draws["hires_scale"][:, None]
    headcount, leavers, effective = pipeline_arrays(
        hires, draws["training_months"], draws["ramp_months"], draws["attrition_rate"]
    )
    per_officer = rate / share  # book-ins per arresting officer per day
    added_officers = effective * draws["operational_share"][:, None]
    added = added_officers * per_officer[:, None]
    bp = (draws["border_patrol_agents"] * draws["bp_relative_productivity"] * per_officer)[:, None]
    bp = np.broadcast_to(bp, added.shape)
    base = np.broadcast_to((baseline.employees * rate)[:, None], added.shape)
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
            "baseline_per_day": base.ravel(),
            "added_per_day": added.ravel(),
            "bp_per_day": bp.ravel(),
            "book_ins_per_day": (base + added + bp).ravel(),
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


def summarise_simulation(
    sims: pd.DataFrame, column: str = "book_ins_per_day", level: float = 0.9
) -> pd.DataFrame:
    """Median and central interval of `column` per scenario and month."""
    tail = (1 - level) / 2
    grouped = sims.groupby(["scenario", "month"], sort=False)[column]
    return grouped.agg(
        lower=lambda s: s.quantile(tail), median="median", upper=lambda s: s.quantile(1 - tail)
    ).reset_index()


def scenario_table(
    sims: pd.DataFrame, scenarios: Sequence[Scenario], goal_per_day: float, level: float = 0.9
) -> pd.DataFrame:
    """One row per scenario: inputs, final-month book-ins/day with interval, first month the median reaches the goal."""
    summary = summarise_simulation(sims, level=level)
    last = summary["month"].max()
    rows = []
    for s in scenarios:
        mine = summary[summary["scenario"] == s.name]
        end = mine[mine["month"] == last].iloc[0]
        reached = mine[mine["median"] >= goal_per_day]["month"]
        hires = s.inputs.hires_schedule(int(sims["month"].nunique()))
        rows.append(
            {
                "scenario": s.name,
                "total_added_hires": float(hires.sum()),
                "training_months": s.inputs.training_months,
                "ramp_months": s.inputs.ramp_months,
                "attrition_rate": s.inputs.attrition_rate,
                "operational_share": s.inputs.operational_share,
                "border_patrol_agents": s.inputs.border_patrol_agents,
                "final_month": last,
                "book_ins_per_day_median": end["median"],
                "lower": end["lower"],
                "upper": end["upper"],
                "share_of_goal": end["median"] / goal_per_day,
                "goal_reached_month": reached.min() if not reached.empty else pd.NaT,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------
# Out-of-sample check
# --------------------------------------------------------------------------------------------------------------


def observed_after(book_ins: pd.DataFrame, start: str | pd.Timestamp) -> pd.DataFrame:
    """ICE book-ins reported for months from `start` on, with a per-day rate (partial months by days covered)."""
    frame = book_ins
    if "agency" in frame:
        frame = frame[frame["agency"] == "ICE"]
    frame = frame[(frame["month"] >= pd.Timestamp(start)) & (frame["days_covered"] > 0)]
    cols = ["month", "book_ins", "days_covered", "days_in_month", "partial_month"]
    out = frame[[c for c in cols if c in frame.columns]].sort_values("month").reset_index(drop=True)
    out["observed_per_day"] = out["book_ins"] / out["days_covered"]
    return out


def out_of_sample_table(
    observed: pd.DataFrame,
    predictions: Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """Compare per-day predictions (`month`, `predicted`, `lower`, `upper`) with observed book-ins per day.

    One row per model x observed month where the model has a prediction. `error` = predicted - observed;
    `pct_error` relative to observed; `covered` says whether the observed value lies inside the interval.
    """
    rows = []
    for model, pred in predictions.items():
        merged = observed.merge(pred, on="month", how="inner")
        merged.insert(0, "model", model)
        rows.append(merged)
    table = pd.concat(rows, ignore_index=True)
    table["error"] = table["predicted"] - table["observed_per_day"]
    table["pct_error"] = 100 * table["error"] / table["observed_per_day"]
    table["covered"] = (table["observed_per_day"] >= table["lower"]) & (
        table["observed_per_day"] <= table["upper"]
    )
    return table


def error_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per model: months compared, mean error, mean absolute percentage error, interval coverage."""
    grouped = table.groupby("model", sort=False)
    return pd.DataFrame(
        {
            "months": grouped.size(),
            "mean_error_per_day": grouped["error"].mean(),
            "mape_pct": grouped["pct_error"].apply(lambda s: s.abs().mean()),
            "interval_coverage": grouped["covered"].mean(),
        }
    ).reset_index()


def next_month(month: str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(month).to_period("M").to_timestamp() + pd.offsets.MonthBegin(1)


def build_baseline(
    panel: pd.DataFrame,
    share_bounds: pd.DataFrame,
    *,
    fit_through: str | pd.Timestamp,
    reference_start: str | pd.Timestamp = POLICY_BREAKS[-1],
) -> Baseline:
    """Baseline for the simulation from data up to `fit_through` only.

    Headcount is the `fit_through` month's; the productivity range is that of the monthly values from
    `reference_start` (default: June 2025, the last policy break, after the 3,000/day goal) to `fit_through`.
    """
    end = pd.Timestamp(fit_through).to_period("M").to_timestamp()
    window = panel[(panel["month"] >= pd.Timestamp(reference_start)) & (panel["month"] <= end)]
    at_end = panel[panel["month"] == end]
    if window.empty or at_end.empty:
        raise ValueError(f"no book-ins/headcount months between {reference_start} and {end:%Y-%m}")
    return Baseline(
        employees=float(at_end["employees"].iloc[0]),
        per_employee_day=tuple(window["per_employee_day"].astype(float)),
        share_low=float(share_bounds["share"].min()),
        share_high=float(share_bounds["share"].max()),
    )


def scenario_predictions(sims: pd.DataFrame, level: float = 0.9) -> dict[str, pd.DataFrame]:
    """Per scenario: monthly median and interval of book-ins per day, in the out_of_sample_table format."""
    summary = summarise_simulation(sims, level=level)
    return {
        f"pipeline: {name}": group.rename(columns={"median": "predicted"})[
            ["month", "predicted", "lower", "upper"]
        ]
        for name, group in summary.groupby("scenario", sort=False)
    }


@dataclass
class OutOfSample:
    table: pd.DataFrame
    summary: pd.DataFrame
    fit: ElasticityFit
    baseline: Baseline
    sims: pd.DataFrame


def run_out_of_sample(
    book_ins: pd.DataFrame,
    staffing: pd.DataFrame,
    share_bounds: pd.DataFrame,
    scenarios: Sequence[Scenario],
    *,
    fit_through: str = "2025-08",
    compare_from: str = "2025-10-01",
    n_sims: int = 1000,
    seed: int = 0,
    level: float = 0.9,
) -> OutOfSample:
    """Fit on months up to `fit_through`, project, and compare with ICE book-ins reported from `compare_from` on.

    Models: the elasticity fit driven by the actual OPM headcount (only months OPM covers), a naive
    "pre-surge productivity x actual headcount" rule, and every pipeline scenario.
    """
    panel = productivity_panel(book_ins, staffing)
    fit = fit_elasticity(panel, through=next_month(fit_through) - pd.Timedelta(days=1))
    baseline = build_baseline(panel, share_bounds, fit_through=fit_through)
    observed = observed_after(book_ins, compare_from)
    start = next_month(fit_through)
    horizon = len(pd.period_range(start, observed["month"].max(), freq="M"))
    sims = simulate_scenarios(
        scenarios, baseline, horizon_months=horizon, start=start, n_sims=n_sims, seed=seed
    )
    ice_staff = staffing[staffing["component"] == "ICE"] if "component" in staffing else staffing
    later = ice_staff[ice_staff["month"] >= start].sort_values("month")
    predictions = {
        "elasticity x OPM headcount": predict_elasticity(
            fit, later["month"], later["employees"], alpha=1 - level
        )
    }
    # Pre-surge productivity range applied to the headcount OPM actually reported (interval = the range).
    low, high = min(baseline.per_employee_day), max(baseline.per_employee_day)
    employees = later["employees"].to_numpy(dtype=float)
    predictions["productivity x OPM headcount"] = pd.DataFrame(
        {
            "month": later["month"].to_numpy(),
            "predicted": (low + high) / 2 * employees,
            "lower": low * employees,
            "upper": high * employees,
        }
    )
    predictions.update(scenario_predictions(sims, level=level))
    table = out_of_sample_table(observed, predictions)
    return OutOfSample(table=table, summary=error_summary(table), fit=fit, baseline=baseline, sims=sims)


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
    scenarios: Sequence[Scenario],
) -> RunSettings:
    """Validate every parameter of notebooks/20_staffing (ParameterError names the first bad one).

    `scenarios` are the parsed scenario file (`parse_scenarios(research.data.load_scenario_document())`).
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
    validate_run(goal_per_day, horizon_months, n_sims, seed)
    if not isinstance(fit_through, str):
        raise ParameterError(f"parameter 'fit_through' = {fit_through!r}: expected a month such as '2025-08'")
    try:
        through = pd.Period(fit_through, freq="M").to_timestamp()
    except ValueError:
        raise ParameterError(
            f"parameter 'fit_through' = {fit_through!r}: expected a month such as '2025-08'"
        ) from None
    if not pd.Timestamp("2023-01-01") <= through <= pd.Timestamp("2025-11-01"):
        raise ParameterError(
            f"parameter 'fit_through' = {fit_through!r}: expected a month from 2023-01 to 2025-11"
        )
    chosen = resolve_scenarios(scenario, scenarios, custom)
    return RunSettings(
        scenarios=chosen,
        goal_per_day=float(goal_per_day),
        horizon_months=int(horizon_months),
        n_sims=int(n_sims),
        seed=int(seed),
        fit_through=through,
        start=next_month(through),
    )


def productivity_range(
    panel: pd.DataFrame, start: str | pd.Timestamp, end: str | pd.Timestamp | None = None
) -> np.ndarray:
    """Monthly book-ins per employee per day between `start` and `end` (inclusive)."""
    keep = panel["month"] >= pd.Timestamp(start)
    if end is not None:
        keep &= panel["month"] <= pd.Timestamp(end)
    values = panel.loc[keep, "per_employee_day"].to_numpy(dtype=float)
    if values.size == 0:
        raise ValueError(f"no productivity months from {start} to {end or 'the end of the data'}")
    return values
