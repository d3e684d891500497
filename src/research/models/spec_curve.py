"""Specification curve for the October 2025 director changes: every defensible choice, one row each.

Axes: treatment definition (`treatment_tiers.TREATMENTS`) x comparison group (`treatment_tiers.COMPARISONS`;
designs whose offices repeat an earlier one are dropped) x outcome (arrests and at-large arrests by office from the
annual windows; detained population by facility office, all or balanced facilities; weekly DDP arrests when that
file is present) x base period x estimator (`office_did.valid_specs`). Each row has the estimate (log points), the
estimator's conventional interval, the randomization p-values (two-sided and both one-sided) and the Fisher
interval from inverting the randomization test (`research.models.randomization`).

Randomization inference over every specification is the heavy part. It runs as one task per (design, outcome)
on a scheduler: ``"serial"`` (this process), ``"processes"`` (a process pool with `workers` processes), ``"local"``
(a Dask LocalCluster with `workers` single-threaded worker processes), a Dask scheduler address
(``"tcp://host:8786"``), or a `distributed.Client`. Results are identical whatever the scheduler: random draws come
from seeds derived from the seed and the design, never from the order of execution. The local pools take at most
`research.config.cpus()` workers (a report batch with ``--jobs N`` gives each report its share of the cores) and
run in this process when that leaves one: a pool of one worker only adds its start-up.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from research import config
from research.models import office_did as did
from research.models import panel
from research.models import randomization as ri
from research.models import treatment_tiers as tt
from research.models.compute import one_blas_thread

SCHEDULERS = ("serial", "processes", "local")
OUTCOME_LABELS = {
    "arrests": "ICE arrests, log Aug 2025-Jul 2026 / 2025 (diluted)",
    "arrests_at_large": "ICE at-large arrests, log Aug 2025-Jul 2026 / 2025 (diluted)",
    "arrests_jan_jul": "ICE arrests, Jan-Jul 2026 minus Jan-Jul 2025 (undiluted)",
    "detention_all": "detained population, all facilities",
    "detention_balanced": "detained population, balanced facilities",
    "ddp_weekly": "ICE arrests per week (DDP)",
}
ALPHA = 0.05
P_COLUMNS = {"equal_tails": "p_value", "absolute": "p_abs"}  # two-sided rule -> the curve's p-value column
# Verdict thresholds: "evidence" needs most specifications significant in one direction and none the other way,
# and the pre-period placebo on arrests must not already show a difference.
ROBUST_SHARE = 0.8
PLACEBO_P_MIN = 0.10


@dataclass(frozen=True)
class Settings:
    n_permutations: int = 10_000  # random assignments when there are too many to enumerate
    exact_limit: int = 100_000  # enumerate every assignment when there are at most this many
    seed: int = 20251024
    level: float = 0.95


@dataclass(frozen=True)
class Task:
    design: tt.Design
    matrix: did.OutcomeMatrix
    settings: Settings


# ----------------------------------------------------------------------------------------------- outcomes
def outcome_matrices(
    facilities: pd.DataFrame,
    offices: pd.DataFrame,
    windows: pd.DataFrame,
    arrests_daily: pd.DataFrame | None = None,
    *,
    arrests_monthly: pd.DataFrame | None = None,
    start: str = "2024-10-01",
) -> list[did.OutcomeMatrix]:
    """The outcomes of the curve, one matrix each (log points, or shares for the same-season arrests).

    With `arrests_monthly` (national monthly arrests), the undiluted same-season arrests outcome
    ``arrests_jan_jul`` (`office_did.same_season_matrix`) joins the diluted log one.
    """
    arrests_source = str(windows.attrs.get("source", "ICE arrests by field office (annual windows)"))
    out = [
        did.windows_matrix(
            windows,
            "arrests",
            name="arrests",
            label="ICE arrests by office (annual windows)",
            source=arrests_source,
        ),
        did.windows_matrix(
            windows,
            "arrests_at_large",
            name="arrests_at_large",
            label="ICE at-large arrests by office (annual windows)",
            source=arrests_source,
        ),
    ]
    if arrests_monthly is not None:
        out.append(
            did.same_season_matrix(
                windows,
                "arrests",
                jan_jul_share=did.seasonal_share(arrests_monthly),
                name="arrests_jan_jul",
                label="ICE arrests by office, Jan-Jul 2026 minus Jan-Jul 2025 (share of Jan-Jul 2025)",
                source=arrests_source,
            )
        )
    for facility_set in ("all", "balanced"):
        p = panel.detained_population_panel(facilities, offices, start, facility_set=facility_set)
        out.append(
            did.panel_matrix(
                p.frame,
                name=f"detention_{facility_set}",
                label=p.label,
                family="detention",
                facility_set=facility_set,
                source=p.source,
            )
        )
    if arrests_daily is not None:
        p = panel.arrests_panel(arrests_daily, offices, start)
        out.append(
            did.panel_matrix(
                p.frame, name="ddp_weekly", label=p.label, family="ddp", facility_set="n/a", source=p.source
            )
        )
    return out


# ----------------------------------------------------------------------------------------------- one task
def _units(design: tt.Design) -> tuple[tuple[str, ...], np.ndarray]:
    units = tuple(sorted(design.treated + design.control))
    return units, np.array([u in design.treated for u in units])


@one_blas_thread
def run_task(task: Task) -> list[dict[str, Any]]:
    """All (estimator, base) specifications of one design on one outcome, with randomization inference.

    BLAS is held to one thread while it runs: the matrices are small, and several worker processes each spinning
    several BLAS threads on two cores would fight over them (measured: a serial run is four times slower with
    OpenBLAS's default threads on a busy machine).
    """
    units, treated = _units(task.design)
    m = task.matrix.restrict(units)
    s = task.settings
    rows = []
    cache: dict[tuple[str, ...], ri.Assignments] = {}
    for estimator, base in did.valid_specs(m.kind):
        prep = did.prepare(m, estimator, base, treated, level=s.level)
        kept = tuple(u for u, k in zip(units, prep.keep, strict=True) if k)
        t = treated[prep.keep]
        row: dict[str, Any] = {
            "treatment": task.design.treatment,
            "comparison": task.design.comparison,
            "outcome": m.name,
            "family": m.family,
            "facility_set": m.facility_set,
            "scale": m.scale,
            "base": base,
            "estimator": estimator,
            "n_treated": int(t.sum()),
            "n_control": int((~t).sum()),
        }
        if t.sum() < 1 or (~t).sum() < 2:
            rows.append(row | {"estimate": math.nan, "p_value": math.nan})
            continue
        if kept not in cache:
            cache[kept] = ri.assignments(
                t,
                exact_limit=s.exact_limit,
                n_draws=s.n_permutations,
                seed=s.seed,
                key=f"{task.design.key}|{kept}",
            )
        res = ri.randomization_test(
            prep.statistic, prep.values, prep.shift_values, cache[kept], level=s.level
        )
        se, low, high = prep.conventional(t)
        rows.append(
            row
            | {
                "estimate": res.estimate,
                "ci_low": low,
                "ci_high": high,
                "se": se,
                "interval_method": prep.interval_method,
                "ri_low": res.ri_low,
                "ri_high": res.ri_high,
                "p_value": res.p_value,
                "p_increase": res.p_ge,
                "p_decrease": res.p_le,
                "p_abs": res.p_abs,
                "exact": res.exact,
                "n_assignments": res.n_assignments,
                "event0_estimate": did.event0_effect(m, base, treated),
            }
        )
    return rows


# ----------------------------------------------------------------------------------------------- scheduling
def _pool_context() -> multiprocessing.context.BaseContext:
    # forkserver: workers fork from a clean server that has imported this module, so they start fast and do not
    # inherit a notebook kernel's threads.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["research.models.spec_curve"])
    return ctx


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for `execute` (reuse one across calls to pay its start-up once)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())


def execute(
    fn: Callable[[Any], Any],
    tasks: list[Any],
    *,
    scheduler: Any = "serial",
    workers: int = 2,
) -> list[Any]:
    """`[fn(t) for t in tasks]` on the chosen scheduler, results in task order.

    "processes" and "local" use at most `config.cpus()` workers, and run here when that is one.
    """
    if scheduler in ("processes", "local"):
        workers = min(workers, config.cpus())
        if workers <= 1:
            scheduler = "serial"
    if scheduler in (None, "serial"):
        return [fn(t) for t in tasks]
    if isinstance(scheduler, ProcessPoolExecutor):
        return list(scheduler.map(fn, tasks))
    if scheduler == "processes":
        with process_pool(workers) as pool:
            return list(pool.map(fn, tasks))
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return list(scheduler.gather(scheduler.map(fn, tasks, pure=False)))
    if scheduler == "local":
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            return list(client.gather(client.map(fn, tasks, pure=False)))
    if isinstance(scheduler, str) and "://" in scheduler:
        with Client(scheduler) as client:
            return list(client.gather(client.map(fn, tasks, pure=False)))
    raise ValueError(
        f"scheduler {scheduler!r}: expected one of {', '.join(SCHEDULERS)}, a Dask scheduler address "
        "('tcp://host:8786'), a distributed.Client or a ProcessPoolExecutor"
    )


# ----------------------------------------------------------------------------------------------- the curve
def tasks_for(tiers: pd.DataFrame, matrices: Iterable[did.OutcomeMatrix], settings: Settings) -> list[Task]:
    return [Task(d, m, settings) for d in tt.designs(tiers) for m in matrices]


def _finish(rows: list[dict[str, Any]]) -> pd.DataFrame:
    curve = pd.DataFrame(rows)
    for col, out in (("estimate", "pct"), ("ri_low", "ri_low_pct"), ("ri_high", "ri_high_pct")):
        curve[out] = np.nan
        for scale, rows_of in curve.groupby("scale").groups.items():
            curve.loc[rows_of, out] = did.to_percent(curve.loc[rows_of, col], str(scale))
    curve["significant"] = curve["p_value"] < ALPHA
    curve["treatment_label"] = curve["treatment"].map(tt.TREATMENT_LABELS)
    curve["comparison_label"] = curve["comparison"].map(tt.COMPARISON_LABELS)
    curve["estimator_label"] = curve["estimator"].map(did.ESTIMATOR_LABELS)
    curve["base_label"] = curve["base"].map(did.BASE_LABELS)
    curve["outcome_label"] = curve["outcome"].map(OUTCOME_LABELS).fillna(curve["outcome"])
    curve.insert(0, "spec_id", np.arange(len(curve)))
    return curve


def specification_curve(
    fod_events: pd.DataFrame | None = None,
    offices: pd.DataFrame | None = None,
    facilities: pd.DataFrame | None = None,
    arrests_windows: pd.DataFrame | None = None,
    arrests_daily: pd.DataFrame | None = None,
    arrests_monthly: pd.DataFrame | None = None,
    *,
    include_ddp: bool = True,
    scheduler: Any = "processes",
    workers: int = 2,
    n_permutations: int = 10_000,
    exact_limit: int = 100_000,
    seed: int = 20251024,
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per specification: estimate (log points), intervals and randomization p-values.

    Frames left out come from the project's default data (`research.defaults.frame`): the FOD events, the field
    offices, the facility tables, the arrest windows, the national monthly arrests (for the undiluted same-season
    outcome) and, when `include_ddp` and that file is built, the DDP daily arrests. Columns include
    ``treatment``, ``comparison``, ``outcome``, ``facility_set``, ``scale`` (``log`` or ``share``), ``base``,
    ``estimator``, ``estimate`` (in the outcome's scale), ``pct``, ``ri_low_pct``, ``ri_high_pct`` (percent:
    `office_did.to_percent`), ``ci_low``/``ci_high`` (the estimator's conventional interval),
    ``ri_low``/``ri_high`` (randomization-inverted interval, equal tails), ``p_value`` (two-sided, equal tails),
    ``p_abs`` (two-sided, |T| >= |t|), ``p_increase``, ``p_decrease``, ``exact``, ``n_treated``, ``n_control``,
    ``event0_estimate``.
    """
    from research import defaults

    fod_events = defaults.frame("fod_events") if fod_events is None else fod_events
    offices = defaults.frame("field_offices") if offices is None else offices
    facilities = defaults.frame("facilities") if facilities is None else facilities
    arrests_windows = defaults.frame("arrests_aor_windows") if arrests_windows is None else arrests_windows
    arrests_monthly = defaults.frame("arrests_monthly") if arrests_monthly is None else arrests_monthly
    if arrests_daily is None and include_ddp:
        try:
            arrests_daily = defaults.frame("arrests_daily", by="aor")
        except RuntimeError:  # research.data.DataNotAvailable: the optional DDP file is not built here
            arrests_daily = None
    settings = Settings(n_permutations=n_permutations, exact_limit=exact_limit, seed=seed, level=level)
    tiers = tt.treatment_tiers(fod_events, offices)
    matrices = outcome_matrices(
        facilities, offices, arrests_windows, arrests_daily, arrests_monthly=arrests_monthly
    )
    results = execute(run_task, tasks_for(tiers, matrices, settings), scheduler=scheduler, workers=workers)
    return _finish([row for rows in results for row in rows])


# ----------------------------------------------------------------------------------------------- reading it
@dataclass(frozen=True)
class CurveSummary:
    n_specs: int
    n_distinct: int  # distinct estimates (estimators coincide on complete data with one change date)
    median: float  # in `unit`, over the `n_median` specifications of that unit (see `summarize`)
    low: float
    high: float
    share_significant: float
    share_significant_up: float
    share_significant_down: float
    share_positive: float
    unit: str = "%"  # of median/low/high: "%" (log outcomes, converted) or " pp" (share outcomes)
    n_median: int = 0  # specifications the median and range cover


def summarize(curve: pd.DataFrame, p_column: str = "p_value") -> CurveSummary:
    """The distribution of the curve: median and range, share with p < 0.05 (each direction), share positive.

    `p_column` picks the two-sided rule: ``p_value`` (equal tails) or ``p_abs`` (|T| >= |t|). Shares count every
    specification; the median and range never mix units: they are in percent over the log-scale specifications,
    or in percentage points when every specification is on the share scale (``unit``, ``n_median`` say which).
    """
    c = curve.dropna(subset=["estimate", p_column])
    sig = c[p_column] < ALPHA
    scales = c["scale"] if "scale" in c.columns else pd.Series("log", index=c.index)
    on_log = scales.eq("log")
    shown = c.loc[on_log, "pct"] if on_log.any() else c["pct"]
    return CurveSummary(
        n_specs=len(c),
        n_distinct=int(c["estimate"].round(10).nunique()),
        median=float(shown.median()),
        low=float(shown.min()),
        high=float(shown.max()),
        unit="%" if on_log.any() or c.empty else " pp",
        n_median=int(len(shown)),
        share_significant=float(sig.mean()),
        share_significant_up=float((sig & (c["estimate"] > 0)).mean()),
        share_significant_down=float((sig & (c["estimate"] < 0)).mean()),
        share_positive=float((c["estimate"] > 0).mean()),
    )


@dataclass(frozen=True)
class Verdict:
    direction: str  # "increase", "decrease" or "none"
    credible: bool
    reasons: tuple[str, ...]

    @property
    def headline(self) -> str:
        if not self.credible:
            return "no credible evidence either way"
        return (
            f"consistent evidence of an {self.direction}"
            if self.direction == "increase"
            else (f"consistent evidence of a {self.direction}")
        )


def verdict(summary: CurveSummary, placebo_p: float) -> Verdict:
    """Computed conclusion: evidence only when most specifications agree, none disagree, and the placebo is clean.

    `placebo_p` is the two-sided randomization p-value of the pre-period (2024 -> 2025) difference on arrests for
    the main design. Reasons are short codes the page turns into words.
    """
    reasons = []
    up, down = summary.share_significant_up, summary.share_significant_down
    direction = "increase" if up >= down else "decrease"
    agree, disagree = max(up, down), min(up, down)
    if agree < ROBUST_SHARE:
        reasons.append("few_significant")
    if disagree > 0:
        reasons.append("significant_both_ways")
    if not placebo_p >= PLACEBO_P_MIN:
        reasons.append("placebo_fails")
    credible = not reasons
    return Verdict(direction if credible else "none", credible, tuple(reasons))


def verdicts(
    curve: pd.DataFrame,
    placebo: ri.RandomizationResult,
    outcomes: Iterable[str] = ("arrests", "arrests_jan_jul"),
    *,
    rule: str = ri.REPORTED_RULE,
) -> dict[str, Verdict]:
    """`verdict` for every specification (key ``"all"``) and for each of `outcomes` on its own, under one rule.

    `placebo` is the arrests placebo's randomization result; its p-value is read under the same two-sided rule.
    """
    if rule not in P_COLUMNS:
        raise ValueError(f"two-sided rule {rule!r}: expected one of {sorted(P_COLUMNS)}")
    column = P_COLUMNS[rule]
    placebo_p = placebo.p_value if rule == ri.REPORTED_RULE else placebo.p_abs
    out = {"all": verdict(summarize(curve, column), placebo_p)}
    for outcome in outcomes:
        part = curve[curve["outcome"] == outcome]
        if part.empty:
            raise ValueError(f"verdicts: the curve has no specification on outcome {outcome!r}")
        out[outcome] = verdict(summarize(part, column), placebo_p)
    return out


def combine_verdicts(verdicts: Iterable[Verdict]) -> Verdict:
    """One verdict across defensible choices (e.g. outcomes): evidence only when every one finds it, same direction.

    Reasons are the union of the parts' reasons (first seen first), plus ``choices_disagree`` when the parts do
    not all reach the same headline.
    """
    parts = list(verdicts)
    if not parts:
        raise ValueError("combine_verdicts: no verdicts to combine")
    reasons = list(dict.fromkeys(r for v in parts for r in v.reasons))
    if len({v.headline for v in parts}) > 1:
        reasons.append("choices_disagree")
    credible = all(v.credible for v in parts) and not reasons
    return Verdict(parts[0].direction if credible else "none", credible, tuple(reasons))
