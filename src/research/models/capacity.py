"""Arrest capacity calibrated on what happened: arrests per officer, the marginal officer, officers for the goal.

Outcomes. ICE ERO arrests per day (`load_arrests_monthly`) are the primary outcome: the 3,000-a-day goal counts
arrests. ICE book-ins per day (`load_book_ins(agency="ICE")`, arrests that led to a detention book-in) are the
second. Months that are partial or touched by the reporting lag are shown but never fitted.

Workforce. OPM headcount (all occupations) is the only monthly, administrative workforce series; it ends in
December 2025. Officer counts are occasional published figures (data/raw/facts/staffing_figures.csv) whose `basis`
column says whether a number is an administrative record or a claim; arrests per officer are arrests per employee
divided by the officer share of headcount those figures imply (a sensitivity range, not a sampling interval).

Uncertainty. A window's mean rate has an AR(1)-robust interval (`research.models.autocorrelation`) whose rho comes
from the noise model: per-employee rates from January 2024 around regime means, estimated by REML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from research.models.autocorrelation import AR1Fit, RhoWeights, mean_ar1, ols_ar1, rho_weights
from research.models.elasticity import ElasticityFit, fit_elasticity

OUTCOMES = {"arrests": "ICE arrests", "book_ins": "ICE book-ins"}
# Regimes of the noise model: new administration, the 3,000/day goal (set 21 May 2025), the hiring surge.
REGIME_BREAKS: tuple[str, ...] = ("2025-01-01", "2025-06-01", "2025-09-01")
SURGE_START = pd.Timestamp("2025-09-01")
NOISE_START = pd.Timestamp("2024-01-01")  # first month of the arrests series; book-ins use the same window
TREND_REGIME_MONTHS = (
    5  # regimes this long get a linear trend in the noise model (drift, ramps); shorter: a mean
)
OFFICER_METRICS = ("ice_deportation_officers", "ice_ero_officers")
# `basis` values of the staffing facts; everything but an administrative record is someone's claim.
BASES = {
    "administrative record": False,
    "agency statement": True,
    "officials via press": True,
    "press report": True,
    "advocacy estimate": True,
    "budget document": True,
    "target": True,
}


# --------------------------------------------------------------------------------------------------------------
# Outcomes and the monthly panel
# --------------------------------------------------------------------------------------------------------------


def monthly_outcome(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """One row per month: `count`, `days_covered`, `per_day`, `status` and `fit` (complete, not lagged).

    `frame` is `load_arrests_monthly()` for "arrests" or `load_book_ins(agency="ICE")` for "book_ins".
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r}: expected one of {sorted(OUTCOMES)}")
    count = "arrests" if outcome == "arrests" else "book_ins"
    _require(frame, {"month", count, "days_covered", "days_in_month", "partial_month"}, outcome)
    if "agency" in frame and frame["agency"].nunique() > 1:
        frame = frame[frame["agency"] == "ICE"]
    out = frame[frame["days_covered"] > 0].sort_values("month").reset_index(drop=True)
    lag = out["reporting_lag"].astype(bool) if "reporting_lag" in out else pd.Series(False, index=out.index)
    partial = out["partial_month"].astype(bool)
    status = np.where(partial, "partial month", np.where(lag, "reporting lag", "complete"))
    result = pd.DataFrame(
        {
            "month": pd.to_datetime(out["month"]),
            "count": out[count].astype(int),
            "days_covered": out["days_covered"].astype(int),
            "days_in_month": out["days_in_month"].astype(int),
            "per_day": out[count] / out["days_covered"],
            "status": status,
            "fit": status == "complete",
        }
    )
    result.attrs.update(frame.attrs)
    result.attrs["outcome"] = outcome
    return result


def outcome_panel(outcome: pd.DataFrame, staffing: pd.DataFrame) -> pd.DataFrame:
    """Outcome months with OPM headcount (`employees`, missing after the last OPM month) and `per_employee_day`."""
    _require(staffing, {"month", "employees"}, "staffing")
    if "component" in staffing and staffing["component"].nunique() > 1:
        staffing = staffing[staffing["component"] == "ICE"]
    panel = outcome.merge(staffing[["month", "employees"]], on="month", how="left")
    panel["per_employee_day"] = panel["per_day"] / panel["employees"]
    panel.attrs.update(outcome.attrs)
    return panel


def _require(frame: pd.DataFrame, columns: set[str], name: str) -> None:
    missing = columns - set(frame.columns)
    if missing:
        raise ValueError(f"{name}: missing column(s) {sorted(missing)}; got {sorted(frame.columns)}")


# --------------------------------------------------------------------------------------------------------------
# Noise model and window rates
# --------------------------------------------------------------------------------------------------------------


def regime_design(month: pd.Series, breaks: Sequence[str] = REGIME_BREAKS) -> np.ndarray:
    """A mean for each regime between breaks, and a linear trend inside regimes of five months or more."""
    month = pd.Series(pd.to_datetime(month)).reset_index(drop=True)
    edges = [pd.Timestamp.min, *(pd.Timestamp(b) for b in breaks), pd.Timestamp.max]
    cols = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = ((month >= lo) & (month < hi)).to_numpy()
        if not inside.any():
            continue
        cols.append(inside.astype(float))
        if inside.sum() >= TREND_REGIME_MONTHS:
            years = ((month - month[inside].iloc[0]).dt.days / 365.25).to_numpy()
            cols.append(np.where(inside, years - years[inside].mean(), 0.0))
    return np.column_stack(cols)


def noise_weights(
    panel: pd.DataFrame,
    *,
    start: str | pd.Timestamp = NOISE_START,
    end: str | pd.Timestamp | None = None,
    breaks: Sequence[str] = REGIME_BREAKS,
) -> RhoWeights:
    """REML weights of the AR(1) coefficient of log per-employee rates around their regimes (fitted months).

    Logs, because the noise of a rate grows with its level (2025 rates are three times those of 2024).
    """
    keep = panel["fit"].astype(bool) & panel["employees"].notna() & (panel["month"] >= pd.Timestamp(start))
    if end is not None:
        keep &= panel["month"] <= pd.Timestamp(end)
    data = panel[keep].sort_values("month")
    X = regime_design(data["month"], [b for b in breaks if pd.Timestamp(b) <= data["month"].max()])
    return rho_weights(np.log(data["per_employee_day"].to_numpy(dtype=float)), X)


@dataclass(frozen=True)
class RateEstimate:
    """Mean of a monthly rate over a window with a 95% AR(1)-robust interval (rho integrated out)."""

    column: str
    estimate: float
    se: float
    low: float
    high: float
    months: int
    first_month: pd.Timestamp
    last_month: pd.Timestamp
    fit: AR1Fit

    def draws(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws from the estimate's sampling distribution."""
        return self.fit.draws(0, n, rng)


def window_rate(
    panel: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    rho: RhoWeights,
    column: str = "per_employee_day",
) -> RateEstimate:
    """Mean of `column` over fitted months from `start` to `end`, with a 95% AR(1)-robust interval."""
    keep = (
        panel["fit"].astype(bool)
        & panel[column].notna()
        & (panel["month"] >= pd.Timestamp(start))
        & (panel["month"] <= pd.Timestamp(end))
    )
    data = panel[keep].sort_values("month")
    if len(data) < 2:
        raise ValueError(
            f"window_rate: {len(data)} fitted month(s) of {column} from {start} to {end}; need 2"
        )
    fit = mean_ar1(data[column].to_numpy(dtype=float), rho)
    low, high = fit.interval(0)
    return RateEstimate(
        column=column,
        estimate=float(fit.params[0]),
        se=fit.se(0),
        low=low,
        high=high,
        months=len(data),
        first_month=data["month"].iloc[0],
        last_month=data["month"].iloc[-1],
        fit=fit,
    )


# --------------------------------------------------------------------------------------------------------------
# Officer figures, officer share and arrests per officer
# --------------------------------------------------------------------------------------------------------------


def staffing_facts(figures: pd.DataFrame) -> pd.DataFrame:
    """The curated staffing figures with `is_claim` from their `basis`; an unknown basis is an error."""
    _require(figures, {"metric", "period_start", "value", "unit", "source_url", "basis"}, "staffing figures")
    unknown = sorted(set(figures["basis"]) - set(BASES))
    if unknown:
        raise ValueError(f"staffing figures: unknown basis {unknown}; expected one of {sorted(BASES)}")
    out = figures.copy()
    out["is_claim"] = out["basis"].map(BASES).astype(bool)
    return out


METRIC_LABELS = {
    "ice_employees_opm": "ICE employees, all occupations (OPM)",
    "ice_deportation_officers": "ICE deportation officers",
    "ice_ero_officers": "ICE ERO officers",
    "ice_officers_and_agents_total": "ICE officers and agents",
    "ice_new_hires_surge": "New ICE hires since July 2025",
    "ice_new_officers_operational": "New deportation officers operational",
    "border_patrol_agents_in_interior_enforcement": "Border Patrol agents in interior enforcement",
}
CHART_METRICS = ("ice_deportation_officers", "ice_ero_officers", "ice_officers_and_agents_total")


def workforce_table(figures: pd.DataFrame, since: str | pd.Timestamp = "2025-01-01") -> pd.DataFrame:
    """Workforce figures dated from `since`, labelled, with their basis and whether they are claims."""
    facts = staffing_facts(figures)
    rows = facts[facts["metric"].isin(list(METRIC_LABELS)) & (facts["period_start"] >= pd.Timestamp(since))]
    out = rows.assign(label=rows["metric"].map(METRIC_LABELS), period=[_period(r) for r in rows.itertuples()])
    out = out.sort_values(["period_start", "metric"])
    cols = ["period", "period_start", "label", "value", "unit", "basis", "is_claim", "source_url", "metric"]
    return out[cols].reset_index(drop=True)


def _period(row: Any) -> str:
    """ "3 Jan 2026", "Aug 2025" for a month, or "4 Jul 2025 to 3 Jan 2026" for a span."""
    start, end = row.period_start, getattr(row, "period_end", pd.NaT)
    if pd.isna(end) or end == start:
        return f"{start.day} {start:%b %Y}"
    if start.day == 1 and end == start + pd.offsets.MonthEnd(0):
        return f"{start:%b %Y}"
    return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}"


def chart_claims(figures: pd.DataFrame, since: str | pd.Timestamp = "2021-01-01") -> pd.DataFrame:
    """Published officer counts to draw next to the OPM headcount (`label`, `period_start`, `value`)."""
    facts = staffing_facts(figures)
    rows = facts[facts["metric"].isin(list(CHART_METRICS)) & (facts["period_start"] >= pd.Timestamp(since))]
    return rows.assign(label=rows["metric"].map(METRIC_LABELS))[
        ["label", "period_start", "value", "is_claim"]
    ]


def fact(figures: pd.DataFrame, metric: str, on: str | pd.Timestamp | None = None) -> pd.Series:
    """The staffing-facts row for `metric` (the one starting on `on`, else the latest); KeyError names it."""
    rows = figures[figures["metric"] == metric]
    if on is not None:
        rows = rows[rows["period_start"] == pd.Timestamp(on)]
    if rows.empty:
        raise KeyError(f"staffing figures: no row for metric {metric!r}" + (f" starting {on}" if on else ""))
    return rows.sort_values("period_start").iloc[-1]


def officer_shares(
    figures: pd.DataFrame,
    staffing: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp | None = None,
    metrics: Sequence[str] = OFFICER_METRICS,
) -> pd.DataFrame:
    """Published officer counts divided by OPM headcount of the same month (figures dated up to `as_of`)."""
    _require(figures, {"metric", "period_start", "value", "source_url"}, "staffing figures")
    if "component" in staffing and staffing["component"].nunique() > 1:
        staffing = staffing[staffing["component"] == "ICE"]
    rows = figures[figures["metric"].isin(list(metrics))].copy()
    if as_of is not None:
        rows = rows[rows["period_start"] <= pd.Timestamp(as_of)]
    rows["month"] = rows["period_start"].dt.to_period("M").dt.to_timestamp()
    merged = rows.merge(staffing[["month", "employees"]], on="month", how="inner")
    if merged.empty:
        raise ValueError("officer_shares: no officer figure falls in a month with OPM headcount")
    merged["share"] = merged["value"] / merged["employees"]
    cols = ["metric", "period_start", "month", "value", "employees", "share", "source_url"]
    extra = [c for c in ("basis", "unit") if c in merged]
    return (
        merged[cols + extra].rename(columns={"value": "officers"}).sort_values("month").reset_index(drop=True)
    )


def officer_shares_from_counts(counts: pd.DataFrame, staffing: pd.DataFrame) -> pd.DataFrame:
    """Officer shares from the OPM record-level file (occupation series 1801 and 1811), same shape as
    `officer_shares`: an administrative record, used instead of published figures when the file is present."""
    _require(counts, {"month", "officers"}, "officer counts")
    if "component" in staffing and staffing["component"].nunique() > 1:
        staffing = staffing[staffing["component"] == "ICE"]
    monthly = counts.groupby("month", as_index=False)["officers"].sum()
    merged = monthly.merge(staffing[["month", "employees"]], on="month", how="inner")
    if merged.empty:
        raise ValueError("officer_shares_from_counts: no month with both officer counts and OPM headcount")
    return merged.assign(
        metric="opm_officers_1801_1811",
        period_start=merged["month"],
        share=merged["officers"] / merged["employees"],
        source_url="https://www.opm.gov/data/",
        basis="administrative record",
        unit="officers (OPM occupation series 1801 and 1811)",
    )[["metric", "period_start", "month", "officers", "employees", "share", "source_url", "basis", "unit"]]


@dataclass(frozen=True)
class OfficerRate:
    """Arrests (or book-ins) per officer per day: the window's per-employee rate over the officer share.

    `low`/`high`: 95% AR(1)-robust interval at the central share. `range_low`/`range_high`: sensitivity range of the
    point estimate over the published officer shares (not a sampling interval). `combined_low`/`combined_high`:
    95% interval combining both (`combined_interval`).
    """

    per_employee: RateEstimate
    share: float
    share_low: float
    share_high: float
    share_month: pd.Timestamp

    @property
    def estimate(self) -> float:
        return self.per_employee.estimate / self.share

    @property
    def low(self) -> float:
        return self.per_employee.low / self.share

    @property
    def high(self) -> float:
        return self.per_employee.high / self.share

    @property
    def range_low(self) -> float:
        return self.per_employee.estimate / self.share_high

    @property
    def range_high(self) -> float:
        return self.per_employee.estimate / self.share_low

    @property
    def combined_low(self) -> float:
        """Low end of the interval that combines sampling and officer-share uncertainty (see `combined_interval`)."""
        return self.combined_interval()[0]

    @property
    def combined_high(self) -> float:
        return self.combined_interval()[1]

    def sampling_interval_at(self, share: float) -> tuple[float, float]:
        """The 95% sampling interval of the per-officer rate if the officer share were `share`."""
        if not 0 < share <= 1:
            raise ValueError(f"OfficerRate.sampling_interval_at: share must be in (0, 1], got {share}")
        return self.per_employee.low / share, self.per_employee.high / share

    def combined_interval(self) -> tuple[float, float]:
        """Union of the 95% sampling intervals at every officer share from `share_low` to `share_high`.

        The share is treated as a bounded unknown (published estimates from different sources, no basis to weight
        them), not as a random draw: whatever the true share within the range, the sampling interval at that share
        lies inside the union, so the union covers the true rate at least as often as the per-employee interval
        covers the true per-employee rate. Its ends are the sampling ends at the two extreme shares.
        """
        return self.per_employee.low / self.share_high, self.per_employee.high / self.share_low

    def share_mixture_interval(
        self, *, n: int = 20_000, seed: int = 0, level: float = 0.95
    ) -> tuple[float, float]:
        """Interval of the per-officer rate if the share were drawn uniformly over its range (a narrower
        alternative to `combined_interval`): the per-employee rate is drawn from its sampling distribution
        (autocorrelation integrated over its likelihood), the share uniformly, and the ratio's quantiles taken."""
        if n < 1000:
            raise ValueError(f"OfficerRate.share_mixture_interval: n must be at least 1000, got {n}")
        rng = np.random.default_rng(seed)
        rate = self.per_employee.draws(n, rng) / rng.uniform(self.share_low, self.share_high, size=n)
        lo, hi = np.quantile(rate, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)


def per_officer_rate(per_employee: RateEstimate, shares: pd.DataFrame) -> OfficerRate:
    """Convert a per-employee window rate with the officer share measured nearest the window's middle."""
    if shares.empty or not (shares["share"].between(0, 1, inclusive="right")).all():
        raise ValueError("per_officer_rate: officer shares must be in (0, 1]")
    middle = per_employee.first_month + (per_employee.last_month - per_employee.first_month) / 2
    nearest = shares.iloc[int(np.argmin(np.abs((shares["month"] - middle).dt.days.to_numpy())))]
    return OfficerRate(
        per_employee=per_employee,
        share=float(nearest["share"]),
        share_low=float(shares["share"].min()),
        share_high=float(shares["share"].max()),
        share_month=pd.Timestamp(nearest["month"]),
    )


# --------------------------------------------------------------------------------------------------------------
# Officers needed for the goal
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """Officers needed for the goal under one assumption; `high` is inf when the data set no upper bound."""

    method: str
    officers: float
    low: float
    high: float
    range_low: float = float("nan")  # sensitivity range over officer shares, when it applies
    range_high: float = float("nan")
    combined_low: float = float(
        "nan"
    )  # 95% interval combining sampling and share uncertainty, when it applies
    combined_high: float = float("nan")
    note: str = ""


def _goal_over(goal: float, rate: float) -> float:
    return goal / rate if rate > 0 else float("inf")


def need_at_average(goal: float, rate: OfficerRate, method: str, note: str = "") -> Need:
    """Officers needed if every officer makes the window's average arrests: goal / arrests per officer."""
    return Need(
        method=method,
        officers=_goal_over(goal, rate.estimate),
        low=_goal_over(goal, rate.high),
        high=_goal_over(goal, rate.low),
        range_low=_goal_over(goal, rate.range_high),
        range_high=_goal_over(goal, rate.range_low),
        combined_low=_goal_over(goal, rate.combined_high),
        combined_high=_goal_over(goal, rate.combined_low),
        note=note,
    )


def need_on_curve(
    goal: float,
    *,
    per_day: float,
    officers: float,
    elasticity: float,
    low: float,
    high: float,
    method: str,
    note: str = "",
) -> Need:
    """Officers needed on a power curve through (officers, per_day): officers x (goal / per_day) ^ (1 / e).

    A larger elasticity needs fewer officers; an elasticity at or below zero never reaches a higher goal.
    """

    def needed(e: float) -> float:
        if e <= 0:
            return float("inf")
        return officers * (goal / per_day) ** (1.0 / e)

    return Need(method=method, officers=needed(elasticity), low=needed(high), high=needed(low), note=note)


def need_table(needs: Sequence[Need]) -> pd.DataFrame:
    return pd.DataFrame([n.__dict__ for n in needs])


# --------------------------------------------------------------------------------------------------------------
# Marginal versus average: did the average product fall as the workforce grew?
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductChange:
    """Change in the mean per-employee rate between two windows, with a 95% AR(1)-robust interval.

    After the last OPM month the headcount is held at `headcount_floor`, so the later rate (`after`) is an upper
    bound if headcount did not fall (the assumption rests on ICE's statements that hiring continued).
    """

    before: RateEstimate
    after: RateEstimate
    change: float
    low: float
    high: float
    p_fell: float  # one-sided p-value of H0: no fall
    headcount_floor: float


def with_headcount_floor(panel: pd.DataFrame, headcount_floor: float) -> pd.DataFrame:
    """The panel with months after OPM's last month given `headcount_floor` employees (per-employee rates too)."""
    employees = panel["employees"].fillna(headcount_floor)
    return panel.assign(employees=employees, per_employee_day=panel["per_day"] / employees)


def average_product_change(
    panel: pd.DataFrame,
    *,
    before: tuple[str | pd.Timestamp, str | pd.Timestamp],
    after: tuple[str | pd.Timestamp, str | pd.Timestamp],
    headcount_floor: float,
    rho: RhoWeights,
) -> ProductChange:
    """Mean per-employee rate in `after` (headcount floored) minus that in `before`; tests whether it fell."""
    floored = with_headcount_floor(panel, headcount_floor)
    frame = floored[floored["fit"].astype(bool)].sort_values("month")
    in_before = frame["month"].between(pd.Timestamp(before[0]), pd.Timestamp(before[1]))
    in_after = frame["month"].between(pd.Timestamp(after[0]), pd.Timestamp(after[1]))
    if in_before.sum() < 2 or in_after.sum() < 2:
        raise ValueError("average_product_change: need at least two fitted months in each window")
    data = frame[in_before | in_after]
    X = np.column_stack([np.ones(len(data)), in_after[in_before | in_after].to_numpy(dtype=float)])
    fit = ols_ar1(data["per_employee_day"].to_numpy(dtype=float), X, rho)
    low, high = fit.interval(1)
    return ProductChange(
        before=window_rate(floored, before[0], before[1], rho=rho),
        after=window_rate(floored, after[0], after[1], rho=rho),
        change=float(fit.params[1]),
        low=low,
        high=high,
        p_fell=fit.p_less(1, 0.0),
        headcount_floor=float(headcount_floor),
    )


# --------------------------------------------------------------------------------------------------------------
# Reconciling the 22,000-officer claim with arrests
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimCheck:
    """What a claimed officer count implies at the estimated arrests per officer, against observed arrests."""

    claimed: float
    observed_per_day: float
    per_claimed_officer: float
    rate: OfficerRate
    goal: float
    operational_officers: float  # officers reported as able to make arrests (pre-surge + new operational)

    @property
    def share_of_rate(self) -> float:
        """Arrests per claimed officer as a share of the estimated arrests per officer (at the central share)."""
        return self.per_claimed_officer / self.rate.estimate

    @property
    def share_of_rate_range(self) -> tuple[float, float]:
        """`share_of_rate` across the officer shares: against the highest rate, then against the lowest."""
        return self.per_claimed_officer / self.rate.range_high, self.per_claimed_officer / self.rate.range_low

    @property
    def implied_per_day(self) -> tuple[float, float, float]:
        """Arrests a day the claimed officers would make at the estimated rate: estimate, 95% low, high."""
        return (
            self.claimed * self.rate.estimate,
            self.claimed * self.rate.low,
            self.claimed * self.rate.high,
        )

    @property
    def officers_at_rate(self) -> tuple[float, float, float]:
        """Officers working at the estimated rate that the observed arrests correspond to (estimate, low, high)."""
        return (
            self.observed_per_day / self.rate.estimate,
            self.observed_per_day / self.rate.high,
            self.observed_per_day / self.rate.low if self.rate.low > 0 else float("inf"),
        )

    @property
    def implied_per_day_range(self) -> tuple[float, float]:
        """`implied_per_day` across the officer shares (sensitivity range of the point estimate)."""
        return self.claimed * self.rate.range_low, self.claimed * self.rate.range_high

    @property
    def officers_at_rate_range(self) -> tuple[float, float]:
        """`officers_at_rate` across the officer shares (sensitivity range of the point estimate)."""
        return self.observed_per_day / self.rate.range_high, self.observed_per_day / self.rate.range_low

    @property
    def operational_per_day(self) -> float:
        return self.operational_officers * self.rate.estimate

    @property
    def operational_per_day_range(self) -> tuple[float, float]:
        """`operational_per_day` across the officer shares (sensitivity range of the point estimate)."""
        return (
            self.operational_officers * self.rate.range_low,
            self.operational_officers * self.rate.range_high,
        )


def check_claim(
    claimed: float, observed_per_day: float, rate: OfficerRate, goal: float, operational_officers: float
) -> ClaimCheck:
    if claimed <= 0 or observed_per_day <= 0:
        raise ValueError("check_claim: the claimed officers and observed arrests must be positive")
    return ClaimCheck(
        claimed=float(claimed),
        observed_per_day=float(observed_per_day),
        per_claimed_officer=float(observed_per_day) / float(claimed),
        rate=rate,
        goal=float(goal),
        operational_officers=float(operational_officers),
    )


# --------------------------------------------------------------------------------------------------------------
# Coverage of the window-rate interval, measured by simulation on a given design
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoiseDesign:
    """A monthly design to simulate from: expected log rate per month, AR(1) coefficient, marginal noise sd."""

    months: pd.Series
    log_mean: np.ndarray
    rho: float
    sigma: float


def fitted_noise_design(
    panel: pd.DataFrame,
    *,
    start: str | pd.Timestamp = NOISE_START,
    end: str | pd.Timestamp | None = None,
    breaks: Sequence[str] = REGIME_BREAKS,
    rho: float | None = None,
) -> NoiseDesign:
    """The noise model fitted to `panel`: regime means of log per-employee rates, the REML mode of rho (or `rho`),
    and the residual sd; simulating from it reproduces the real design (regimes, window lengths, noise)."""
    keep = panel["fit"].astype(bool) & panel["employees"].notna() & (panel["month"] >= pd.Timestamp(start))
    if end is not None:
        keep &= panel["month"] <= pd.Timestamp(end)
    data = panel[keep].sort_values("month").reset_index(drop=True)
    used = [b for b in breaks if pd.Timestamp(b) <= data["month"].max()]
    X = regime_design(data["month"], used)
    y = np.log(data["per_employee_day"].to_numpy(dtype=float))
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    resid = y - X @ beta
    sigma = float(np.sqrt(resid @ resid / (len(y) - X.shape[1])))
    mode = rho_weights(y, X).mode if rho is None else float(rho)
    return NoiseDesign(months=data["month"], log_mean=X @ beta, rho=mode, sigma=sigma)


def ar1_noise(n: int, rho: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1) noise with marginal sd `sigma`."""
    out = np.empty(n)
    out[0] = rng.normal(0.0, sigma)
    innovation = sigma * np.sqrt(1.0 - rho**2)
    for t in range(1, n):
        out[t] = rho * out[t - 1] + rng.normal(0.0, innovation)
    return out


def window_coverage(
    design: NoiseDesign,
    window: tuple[str | pd.Timestamp, str | pd.Timestamp],
    *,
    reps: int,
    seed: int,
    level: float = 0.95,
) -> float:
    """Share of `reps` simulated series whose window-rate interval holds the window's expected mean rate.

    Each replication draws AR(1) noise around the design, re-estimates the autocorrelation weights on the whole
    simulated series (as the page does) and computes the window's interval.
    """
    if level != 0.95:
        raise ValueError("window_coverage checks the 95% interval the page reports")
    rng = np.random.default_rng(seed)
    months = design.months.reset_index(drop=True)
    inside = ((months >= pd.Timestamp(window[0])) & (months <= pd.Timestamp(window[1]))).to_numpy()
    truth = float(np.mean(np.exp(design.log_mean[inside] + design.sigma**2 / 2)))
    hits = 0
    for _ in range(reps):
        rates = np.exp(design.log_mean + ar1_noise(len(months), design.rho, design.sigma, rng))
        panel = pd.DataFrame({"month": months, "per_employee_day": rates, "employees": 1.0, "fit": True})
        estimate = window_rate(panel, window[0], window[1], rho=noise_weights(panel, start=months.iloc[0]))
        hits += estimate.low <= truth <= estimate.high
    return hits / reps


# --------------------------------------------------------------------------------------------------------------
# Verdict on the marginal officer
# --------------------------------------------------------------------------------------------------------------


def marginal_verdict(fits: Sequence[ElasticityFit], change: ProductChange, alpha: float = 0.05) -> str:
    """ "less" when an identified elasticity lies wholly below 1 or the average product fell significantly while the
    workforce grew; "not less" when an identified elasticity lies wholly at or above 1; otherwise "unclear"."""
    identified = [f for f in fits if f.identified]
    if any(f.robust_high < 1 for f in identified) or change.p_fell < alpha:
        return "less"
    if any(f.robust_low >= 1 for f in identified):
        return "not less"
    return "unclear"


def elasticity_specs(
    panel: pd.DataFrame, weights: RhoWeights, *, lags: Sequence[int] = (1, 2, 3)
) -> list[ElasticityFit]:
    """The elasticity under each defensible specification, most data first.

    All months with headcount (trend, steps at the 2025 breaks; then also at the surge); then the concave fit on the
    months since the goal (June to December 2025), with hires counted at once or only after a training lag.
    """
    goal, surge = REGIME_BREAKS[1], REGIME_BREAKS[2]
    last = panel.loc[panel["employees"].notna(), "month"].max()
    fits = [
        fit_elasticity(panel, label="All months: trend, 2025 breaks", breaks=REGIME_BREAKS[:2], trend=True),
        fit_elasticity(
            panel, label="All months: trend, 2025 breaks, surge step", breaks=REGIME_BREAKS, trend=True
        ),
        fit_elasticity(panel, label="Since the goal: hires count at once", start=goal, end=last, rho=weights),
    ]
    for lag in lags:
        fits.append(
            fit_elasticity(
                panel,
                label=f"Since the goal: hires count after {lag} month{'s' if lag > 1 else ''}",
                start=goal,
                end=last,
                rho=weights,
                lag_months=lag,
            )
        )
    assert pd.Timestamp(surge) <= last, "the surge step needs months after it"
    return fits
