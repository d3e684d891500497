"""Field-office director changes of October 2025: treatment tiers, the specification curve, and its checks.

The pieces live in one module per concept; this module is the entry point the notebook and the scorecards use:

- `treatment_tiers(fod_events, offices)` (`research.models.treatment_tiers`): each office's tier (named removal,
  ICE-to-ICE, reported, claimed, status unknown) with its sources and confidence;
- `specification_curve(...)` (`research.models.spec_curve`): every treatment x comparison x outcome x base x
  estimator specification with randomization inference, on a process pool or Dask;
- outcomes: arrests by office from annual windows and detained population by facility office
  (`research.models.office_did`, `research.models.office_detention`);
- checks: `arrests_long_difference` and `placebos` (pre-period differences), `two_sided_table` (the equal-tails
  and absolute-value p-values side by side), `leave_one_treated_out`, `event_study` (event time 0 on its own),
  `pace` and `mean_reversion` (selection on the outcome), `research.models.design_check` (size, power and
  coverage by simulation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from research.models import office_did as did  # noqa: F401  (ld.did.ESTIMATOR_LABELS for the page)
from research.models import randomization as ri
from research.models import treatment_tiers as tt
from research.models.spec_curve import (  # noqa: F401  (the public interface of this topic)
    OUTCOME_LABELS,
    P_COLUMNS,
    PLACEBO_P_MIN,
    ROBUST_SHARE,
    SCHEDULERS,
    CurveSummary,
    Settings,
    Verdict,
    combine_verdicts,
    outcome_matrices,
    specification_curve,
    summarize,
    verdict,
    verdicts,
)
from research.models.treatment_tiers import (  # noqa: F401
    COMPARISON_LABELS,
    COMPARISONS,
    TIER_LABELS,
    TIERS,
    TREATMENT_LABELS,
    TREATMENTS,
    Design,
    design,
    designs,
    operations,
    treatment_tiers,
)
from research.params import check_choice, check_range


# --------------------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Parameters:
    treatment: str
    comparison: str
    scheduler: str
    workers: int
    n_permutations: int
    exact_limit: int
    seed: int
    n_simulations: int

    @property
    def settings(self) -> Settings:
        return Settings(n_permutations=self.n_permutations, exact_limit=self.exact_limit, seed=self.seed)


def validate_parameters(
    *,
    treatment: Any,
    comparison: Any,
    scheduler: Any,
    workers: Any,
    n_permutations: Any,
    exact_limit: Any,
    seed: Any,
    n_simulations: Any,
) -> Parameters:
    """Check the notebook parameters; raise `ParameterError` naming the first bad one."""
    if not (isinstance(scheduler, str) and "://" in scheduler):
        check_choice("scheduler", scheduler, SCHEDULERS + ("tcp://<host>:<port>",))
    return Parameters(
        treatment=check_choice("treatment", treatment, list(TREATMENTS)),
        comparison=check_choice("comparison", comparison, COMPARISONS),
        scheduler=scheduler,
        workers=check_range("workers", workers, 1, 64, integer=True),
        n_permutations=check_range("n_permutations", n_permutations, 99, 1_000_000, integer=True),
        exact_limit=check_range("exact_limit", exact_limit, 0, 2_000_000, integer=True),
        seed=check_range("seed", seed, 0, 2**32 - 1, integer=True),
        n_simulations=check_range("n_simulations", n_simulations, 20, 10_000, integer=True),
    )


# --------------------------------------------------------------------------------------------- single estimates
@dataclass(frozen=True)
class Estimate:
    """One specification in full: the randomization result and the conventional interval."""

    estimator: str
    base: str
    result: ri.RandomizationResult
    ci_low: float
    ci_high: float
    interval_method: str
    n_treated: int
    n_control: int
    units: tuple[str, ...]


def estimate(
    m: did.OutcomeMatrix,
    plan: tt.Design,
    *,
    estimator: str = "ld",
    base: str = "last_pre",
    settings: Settings,
) -> Estimate:
    """One estimator on one outcome for one design, with randomization inference over its offices."""
    units = tuple(sorted(plan.treated + plan.control))
    treated = np.array([u in plan.treated for u in units])
    m = m.restrict(units)
    prep = did.prepare(m, estimator, base, treated, level=settings.level)
    kept = tuple(u for u, k in zip(units, prep.keep, strict=True) if k)
    t = treated[prep.keep]
    assign = ri.assignments(
        t,
        exact_limit=settings.exact_limit,
        n_draws=settings.n_permutations,
        seed=settings.seed,
        key=f"{plan.key}|{kept}",
    )
    res = ri.randomization_test(prep.statistic, prep.values, prep.shift_values, assign, level=settings.level)
    _, low, high = prep.conventional(t)
    return Estimate(
        estimator, base, res, low, high, prep.interval_method, int(t.sum()), int((~t).sum()), kept
    )


def arrests_long_difference(
    windows_matrix: did.OutcomeMatrix, plan: tt.Design, settings: Settings
) -> tuple[Estimate, Estimate]:
    """Long difference of log arrests, log(w2526 / y2025), and its pre-period placebo, log(y2025 / y2024).

    The main contrast is diluted: both windows hold August-December 2025 (`office_did.windows_matrix`); the
    undiluted same-season contrast is the long difference on `office_did.same_season_matrix`.
    """
    main = estimate(windows_matrix, plan, estimator="ld", base="last_pre", settings=settings)
    return main, estimate(
        placebo_matrix(windows_matrix), plan, estimator="ld", base="last_pre", settings=settings
    )


def placebo_matrix(m: did.OutcomeMatrix) -> did.OutcomeMatrix:
    """The same outcome with a fake change inside the pre-change data.

    Arrest windows: y2024 -> y2025 (calendar 2025 against 2024; 2025 includes about ten post-change weeks).
    Panels: the pre periods split in two halves, the later half playing "after" (event time 0 and later dropped).
    Same-season arrests have no placebo of their own (January-July 2024 by office is not in the data): use the
    log windows' placebo.
    """
    if m.kind == "same_season":
        raise ValueError(f"{m.name}: same-season arrests have no placebo of their own; use the log windows")
    pre = m.cols("pre")
    if m.kind == "windows":
        cols = pre[-2:]
        roles = ["pre", "post"]
    else:
        cols = pre
        half = len(pre) // 2
        roles = ["pre"] * (len(pre) - half) + ["post"] * half
    periods = m.periods.iloc[cols].assign(role=roles).reset_index(drop=True)
    return replace(m, name=f"{m.name}_placebo", Y=m.Y[:, cols], periods=periods)


def placebos(matrices: list[did.OutcomeMatrix], tiers: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Pre-period placebo (long difference on the last pre period) for every design and outcome."""
    rows = []
    for d in tt.designs(tiers):
        for m in (m for m in matrices if m.kind != "same_season"):
            e = estimate(placebo_matrix(m), d, estimator="ld", base="last_pre", settings=settings)
            rows.append(
                {
                    "treatment": d.treatment,
                    "comparison": d.comparison,
                    "outcome": m.name,
                    "estimate": e.result.estimate,
                    "ri_low": e.result.ri_low,
                    "ri_high": e.result.ri_high,
                    "p_value": e.result.p_value,
                    "n_treated": e.n_treated,
                    "n_control": e.n_control,
                }
            )
    return pd.DataFrame(rows)


def event_study(m: did.OutcomeMatrix, plan: tt.Design, settings: Settings) -> pd.DataFrame:
    """Treated minus comparison change from the last pre period to every other period, with RI intervals.

    Event time 0 (the period straddling the change) is its own row: it is never averaged into the effect.
    """
    base_col = int(m.cols("pre")[-1])
    rows = []
    for col in range(m.Y.shape[1]):
        row = {
            "period": col,
            "start": m.periods["start"].iloc[col],
            "end": m.periods["end"].iloc[col],
            "role": m.periods["role"].iloc[col],
            "base": col == base_col,
        }
        if col == base_col:
            rows.append(row | {"estimate": 0.0, "ri_low": 0.0, "ri_high": 0.0, "p_value": math.nan})
            continue
        periods = m.periods.iloc[[base_col, col]].assign(role=["pre", "post"]).reset_index(drop=True)
        two = replace(m, Y=m.Y[:, [base_col, col]], periods=periods, kind="panel")
        e = estimate(two, plan, estimator="ld", base="last_pre", settings=settings)
        rows.append(
            row
            | {
                "estimate": e.result.estimate,
                "ri_low": e.result.ri_low,
                "ri_high": e.result.ri_high,
                "p_value": e.result.p_value,
            }
        )
    return pd.DataFrame(rows)


def _result_row(e: Estimate, scale: str) -> dict[str, Any]:
    r = e.result
    return {
        "scale": scale,
        "estimate": r.estimate,
        "effect_pct": did.to_percent(r.estimate, scale),
        "p_equal_tails": r.p_value,
        "p_absolute": r.p_abs,
        "n_treated": e.n_treated,
        "n_control": e.n_control,
    }


def two_sided_table(contrasts: Mapping[str, tuple[Estimate, str]], alpha: float = 0.05) -> pd.DataFrame:
    """Both two-sided rules side by side for each contrast (`randomization.TWO_SIDED_RULES`).

    `contrasts` maps a label to (estimate, scale). ``rule_matters`` is True where one rule puts p below `alpha`
    and the other does not.
    """
    rows = [{"contrast": name} | _result_row(e, scale) for name, (e, scale) in contrasts.items()]
    out = pd.DataFrame(rows)
    out["rule_matters"] = (out["p_equal_tails"] < alpha) != (out["p_absolute"] < alpha)
    return out


def leave_one_treated_out(
    contrasts: Mapping[str, tuple[did.OutcomeMatrix, str]], plan: tt.Design, settings: Settings
) -> pd.DataFrame:
    """Each contrast with all treated offices, then with each treated office left out of the analysis.

    `contrasts` maps a label to (matrix, estimator base); the long difference is used throughout, with exact or
    drawn randomization inference over the remaining offices. ``left_out`` is "" for the full design;
    ``shift_pct`` is the change in the effect (percent, or percentage points on share outcomes) from the full
    design.
    """
    rows = []
    for name, (m, base) in contrasts.items():
        full = None
        for drop in ("",) + tuple(plan.treated):
            sub = replace(plan, treated=tuple(t for t in plan.treated if t != drop))
            e = estimate(m, sub, estimator="ld", base=base, settings=settings)
            row = {"contrast": name, "left_out": drop} | _result_row(e, m.scale)
            full = row["effect_pct"] if full is None else full
            rows.append(row | {"shift_pct": row["effect_pct"] - full})
    return pd.DataFrame(rows)


def most_influential(loo: pd.DataFrame, contrast: str) -> pd.Series:
    """The leave-one-out row of `contrast` whose removal moves its effect most (largest absolute shift)."""
    rows = loo[(loo["contrast"] == contrast) & (loo["left_out"] != "")]
    if rows.empty:
        raise ValueError(f"leave-one-out: no rows for contrast {contrast!r}")
    return rows.loc[rows["shift_pct"].abs().idxmax()]


# --------------------------------------------------------------------------------------------- selection
MOTIVE_PATTERN = re.compile(r"bottom 10|deportation.pace", re.IGNORECASE)


def motive_sources(fod_events: pd.DataFrame) -> pd.DataFrame:
    """Curated rows that say why directors were replaced (arrest pace): evidence of selection on the outcome."""
    text = fod_events[["role", "quote", "source_url"]].astype(str).agg(" ".join, axis=1)
    rows = fod_events[text.str.contains(MOTIVE_PATTERN)]
    return rows.drop_duplicates("source_url").reset_index(drop=True)


def pace(
    windows_matrix: did.OutcomeMatrix, detention: did.OutcomeMatrix, tiers: pd.DataFrame
) -> pd.DataFrame:
    """Each office's pace before and after the change, with its tier.

    ``arrests_growth_pre``: log(2025 / 2024) arrests; ``arrests_growth_post``: log(w2526 / y2025) (diluted: both
    windows hold August-December 2025);
    ``detention_trend_pre``: least-squares slope of log detained population over the pre periods, per 30 days.
    """
    w = windows_matrix
    pre = w.cols("pre")
    growth = pd.DataFrame(
        {
            "aor": list(w.units),
            "arrests_growth_pre": w.Y[:, pre[-1]] - w.Y[:, pre[-2]],
            "arrests_growth_post": w.Y[:, w.cols("post")[0]] - w.Y[:, pre[-1]],
        }
    )
    d_pre = detention.cols("pre")
    mid = detention.periods["start"] + (detention.periods["end"] - detention.periods["start"]) / 2
    x = (mid.iloc[d_pre] - mid.iloc[d_pre[0]]).dt.days.to_numpy(float) / 30.0
    slopes = []
    for row in detention.Y[:, d_pre]:
        ok = np.isfinite(row)
        slopes.append(np.polyfit(x[ok], row[ok], 1)[0] if ok.sum() >= 3 else np.nan)
    trend = pd.DataFrame({"aor": list(detention.units), "detention_trend_pre": slopes})
    out = tiers[["aor", "office", "tier", "tier_label"]].merge(growth, on="aor", how="left")
    return out.merge(trend, on="aor", how="left")


@dataclass(frozen=True)
class MeanReversion:
    slope: float  # post growth per unit of pre growth, across offices
    slope_low: float
    slope_high: float
    r: float
    p_value: float
    n: int


def mean_reversion(pace_table: pd.DataFrame) -> MeanReversion:
    """Across offices, does faster 2024->2025 arrest growth predict slower growth after? (OLS, t interval)."""
    d = pace_table.dropna(subset=["arrests_growth_pre", "arrests_growth_post"])
    fit = stats.linregress(d["arrests_growth_pre"], d["arrests_growth_post"])
    q = stats.t.ppf(0.975, len(d) - 2)
    return MeanReversion(
        float(fit.slope),
        float(fit.slope - q * fit.stderr),
        float(fit.slope + q * fit.stderr),
        float(fit.rvalue),
        float(fit.pvalue),
        len(d),
    )


def pct(x: float) -> float:
    """Log points to percent: 100 x (exp(x) - 1)."""
    return 100 * math.expm1(x) if math.isfinite(x) else x
