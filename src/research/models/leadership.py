"""Field-office director changes: treatment table and the estimators used to study them.

Treatment data come from the curated leadership events (data/raw/facts/leadership_events.csv), whose `status`
column says whether a row is a confirmed field-office-director (FOD) change (named person, dated), a reported
one, a change through retirement/reassignment, or not an FOD change (headquarters, operations). Headquarters
changes are national and are not per-office treatments.

Estimators (all on a `StaggeredData` office x period matrix):
- `staggered_att`: Callaway-Sant'Anna group-time effects with never-treated (or not-yet-treated) controls, so
  already-treated offices are never used as controls; aggregated to an overall effect and by event time, with a
  stratified office bootstrap interval.
- `event_study_twfe` / `twfe_static`: the conventional two-way fixed-effects regressions (office and period fixed
  effects, standard errors clustered by office), shown for comparison.
- `randomization_inference`, `leave_one_out`, `placebo_test`, `pretrend_test`: checks suited to few treated offices.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from research.params import check_bool, check_choice, check_range

TREATMENTS = ("confirmed", "reported", "border_patrol_only")
STATUSES = ("confirmed", "reported", "retirement", "observed", "not_fod")
ORIGINS = ("border_patrol", "ice", "unknown")
CHANGE_STATUSES = ("confirmed", "reported", "retirement")  # dated per-office FOD changes
CONTROL_GROUPS = ("never", "notyet")
# Operation Metro Surge began in December 2025 (the curated row dates its January escalation); flag from Dec 1.
OPERATION_START_OVERRIDES = {"SPM": pd.Timestamp("2025-12-01")}


# --------------------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Parameters:
    outcome: str
    treatment: str
    scale: str
    window_before: int
    window_after: int
    exclude_operations: bool
    n_permutations: int
    seed: int


def validate_parameters(
    *,
    outcome: Any,
    treatment: Any,
    scale: Any,
    window_before: Any,
    window_after: Any,
    exclude_operations: Any,
    n_permutations: Any,
    seed: Any,
) -> Parameters:
    """Check the notebook parameters; raise `ParameterError` naming the first bad one."""
    from research.models.panel import OUTCOMES, SCALES

    return Parameters(
        outcome=check_choice("outcome", outcome, OUTCOMES),
        treatment=check_choice("treatment", treatment, TREATMENTS),
        scale=check_choice("scale", scale, SCALES),
        window_before=check_range("window_before", window_before, 1, 52, integer=True),
        window_after=check_range("window_after", window_after, 0, 52, integer=True),
        exclude_operations=check_bool("exclude_operations", exclude_operations),
        n_permutations=check_range("n_permutations", n_permutations, 19, 200_000, integer=True),
        seed=check_range("seed", seed, 0, 2**32 - 1, integer=True),
    )


# ----------------------------------------------------------------------------------------- treatment table
_STATUS_RANK = {"confirmed": 0, "reported": 1, "retirement": 2}


def _check_events(events: pd.DataFrame) -> None:
    for col, allowed in (("status", STATUSES), ("replacement_origin", ORIGINS)):
        if col not in events.columns:
            raise ValueError(f"leadership_events.csv: missing column '{col}' (expected values {allowed})")
        bad = sorted(set(events[col].dropna()) - set(allowed))
        if bad:
            raise ValueError(f"leadership_events.csv: column '{col}' has {bad}; expected one of {allowed}")


def treatment_table(events: pd.DataFrame, offices: pd.DataFrame) -> pd.DataFrame:
    """One row per AOR: its FOD change (if any), status, replacement origin, sources, and operation flags.

    When an office has several dated change rows, the earliest date is used and the strongest status
    (confirmed > reported > retirement) is kept. The ``treated_*`` columns say whether the office is treated
    under each definition (see `design`).
    """
    _check_events(events)
    ev = events.assign(event_date=pd.to_datetime(events["event_date"]))
    changes = ev[ev["status"].isin(CHANGE_STATUSES) & ev["aor_code"].isin(offices["aor"])]
    ops = ev[ev["event"].eq("enforcement_operation_start") & ev["aor_code"].isin(offices["aor"])]
    rows = []
    for off in offices.itertuples(index=False):
        mine = changes[changes["aor_code"] == off.aor]
        op = ops[ops["aor_code"] == off.aor].sort_values("event_date")
        row: dict[str, Any] = {"aor": off.aor, "office": off.short_name}
        if len(mine):
            best = mine.assign(rank=mine["status"].map(_STATUS_RANK)).sort_values(["rank", "event_date"])
            top = best.iloc[0]
            row |= {
                "change_date": mine["event_date"].min(),
                "status": top["status"],
                "replacement_origin": top["replacement_origin"],
                "outgoing": top["outgoing"],
                "incoming": top["incoming"],
                "source_url": " ; ".join(mine["source_url"].astype(str)),
            }
        else:
            row |= {"change_date": pd.NaT, "status": "none", "replacement_origin": ""}
            row |= {"outgoing": "", "incoming": "", "source_url": ""}
        if len(op):
            start = OPERATION_START_OVERRIDES.get(str(off.aor), op["event_date"].iloc[0])
            row |= {
                "operation_start": start,
                "operation_source_url": " ; ".join(op["source_url"].astype(str)),
            }
        else:
            row |= {"operation_start": pd.NaT, "operation_source_url": ""}
        rows.append(row)
    table = pd.DataFrame(rows)
    changed = table["status"].isin(CHANGE_STATUSES)
    table["treated_confirmed"] = table["status"].eq("confirmed")
    table["treated_reported"] = changed
    table["treated_border_patrol_only"] = changed & table["replacement_origin"].eq("border_patrol")
    return table


def design(table: pd.DataFrame, treatment: str, *, exclude_operations: bool) -> pd.DataFrame:
    """Role of every office under a treatment definition: "treated", "control" or "excluded" (with reason).

    - confirmed: the confirmed changes are treated; offices with only reported changes are excluded (they are
      neither clean controls nor confirmed treatments).
    - reported: confirmed, reported and retirement/reassignment changes are all treated.
    - border_patrol_only: changes whose replacement came from Border Patrol/CBP (confirmed or reported) are
      treated; other changed offices are excluded.
    Offices with a large enforcement operation are excluded when `exclude_operations`.
    """
    check_choice("treatment", treatment, TREATMENTS)
    treated = table[f"treated_{treatment}"].astype(bool)
    changed = table["status"].isin(CHANGE_STATUSES)
    role = np.where(treated, "treated", np.where(changed, "excluded", "control"))
    reason = np.where(role == "excluded", "other leadership change", "")
    out = pd.DataFrame(
        {"aor": table["aor"], "role": role, "reason": reason, "change_date": table["change_date"]}
    )
    if exclude_operations:
        op = table["operation_start"].notna().to_numpy()
        out.loc[op, "role"] = "excluded"
        out.loc[op, "reason"] = "large enforcement operation"
    out.loc[out["role"] != "treated", "change_date"] = pd.NaT
    return out


def count_treated(table: pd.DataFrame) -> dict[str, int]:
    """Number of offices treated under each definition."""
    return {name: int(table[f"treated_{name}"].sum()) for name in TREATMENTS}


# ------------------------------------------------------------------------------------------ panel matrix
@dataclass(frozen=True)
class StaggeredData:
    """Office x period outcome matrix with each office's first treated period (inf: not treated in the panel)."""

    units: list[str]
    Y: np.ndarray
    g: np.ndarray
    periods: pd.DataFrame  # period, period_start, period_end

    def subset(self, keep: np.ndarray) -> StaggeredData:
        return StaggeredData(
            [u for u, k in zip(self.units, keep, strict=True) if k], self.Y[keep], self.g[keep], self.periods
        )


def period_of(date: pd.Timestamp, periods: pd.DataFrame) -> float:
    """Index of the period containing `date`; inf after the panel; -inf before it."""
    if pd.isna(date):
        return math.inf
    if date > periods["period_end"].max():
        return math.inf
    if date < periods["period_start"].min():
        return -math.inf
    hit = periods[periods["period_end"] >= date].iloc[0]
    return float(hit["period"])


def staggered_data(frame: pd.DataFrame, y: str, roles: pd.DataFrame) -> StaggeredData:
    """Build the matrix from a panel frame (`research.panel`), outcome column `y` and `design()` roles.

    Excluded offices, offices treated before the panel starts, and offices with no observed outcome are dropped.
    """
    if y not in frame.columns:
        raise ValueError(f"panel: no outcome column {y!r}; columns are {list(frame.columns)}")
    periods = frame[["period", "period_start", "period_end"]].drop_duplicates().sort_values("period")
    wide = frame.pivot(index="aor", columns="period", values=y).reindex(columns=periods["period"])
    use = roles[roles["role"] != "excluded"].set_index("aor")
    units = [u for u in wide.index if u in use.index and wide.loc[u].notna().any()]
    g = np.array([period_of(use.loc[u, "change_date"], periods) for u in units])
    keep = g >= 1  # an office treated in the first period has no pre-period to compare with
    units = [u for u, k in zip(units, keep, strict=True) if k]
    return StaggeredData(units, wide.loc[units].to_numpy(float), g[keep], periods.reset_index(drop=True))


# ------------------------------------------------------------------------------------------ Callaway-Sant'Anna
def _mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if x.size else math.nan


def _cell(Y: np.ndarray, g: np.ndarray, gv: float, t: int, control: str) -> float:
    """ATT(g, t) with the universal base period g-1 (long difference for pre-periods)."""
    base = int(gv) - 1
    treated = g == gv
    ctrl = np.isinf(g) & (g > 0) if control == "never" else (g > max(t, base)) & ~treated
    if not ctrl.any():
        return math.nan
    return _mean(Y[treated, t] - Y[treated, base]) - _mean(Y[ctrl, t] - Y[ctrl, base])


def _event_time_att(
    Y: np.ndarray, g: np.ndarray, event_times: np.ndarray, control: str
) -> tuple[np.ndarray, float]:
    """Group-size-weighted ATT by event time, and the overall ATT over event times >= 0 in `event_times`."""
    T = Y.shape[1]
    groups, sizes = np.unique(g[np.isfinite(g)], return_counts=True)
    by_e = np.full(len(event_times), math.nan)
    post_sum, post_w = 0.0, 0.0
    for k, e in enumerate(event_times):
        num, den = 0.0, 0.0
        for gv, n in zip(groups, sizes, strict=True):
            t = int(gv + e)
            if gv < 1 or not 0 <= t < T:
                continue
            att = _cell(Y, g, gv, t, control)
            if not math.isnan(att):
                num, den = num + n * att, den + n
        if den > 0:
            by_e[k] = num / den
            if e >= 0:
                post_sum, post_w = post_sum + num, post_w + den
    return by_e, (post_sum / post_w if post_w > 0 else math.nan)


def att_gt(sd: StaggeredData, control: str = "never") -> pd.DataFrame:
    """All group-time effects ATT(g, t) with their group sizes (CS 2021, universal base period)."""
    check_choice("control", control, CONTROL_GROUPS)
    rows = []
    for gv in np.unique(sd.g[np.isfinite(sd.g)]):
        n = int((sd.g == gv).sum())
        for t in range(sd.Y.shape[1]):
            if gv < 1 or t == gv - 1:
                continue
            rows.append(
                {
                    "group": int(gv),
                    "period": t,
                    "event_time": int(t - gv),
                    "n_treated": n,
                    "att": _cell(sd.Y, sd.g, gv, t, control),
                }
            )
    return pd.DataFrame(rows)


def overall_att(sd: StaggeredData, window_after: int, control: str = "never") -> float:
    """Overall ATT: group-size-weighted mean of ATT(g, t) for event times 0..window_after."""
    return _event_time_att(sd.Y, sd.g, np.arange(window_after + 1), control)[1]


@dataclass(frozen=True)
class StaggeredResult:
    att: float
    ci_low: float
    ci_high: float
    se: float
    event_time: pd.DataFrame  # event_time, att, ci_low, ci_high
    n_treated: int
    n_control: int
    n_boot: int
    control: str


def _strata(g: np.ndarray) -> list[np.ndarray]:
    return [np.flatnonzero(g == v) for v in np.unique(g)]


def staggered_att(
    sd: StaggeredData,
    *,
    window_before: int,
    window_after: int,
    control: str = "never",
    n_boot: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> StaggeredResult:
    """Callaway-Sant'Anna ATT with a bootstrap over offices (resampled within each adoption cohort).

    With few treated offices the bootstrap understates uncertainty; read it next to `randomization_inference`.
    """
    check_choice("control", control, CONTROL_GROUPS)
    es = np.arange(-window_before, window_after + 1)
    by_e, att = _event_time_att(sd.Y, sd.g, es, control)
    rng = np.random.default_rng(seed)
    strata = _strata(sd.g)
    boot_e = np.full((n_boot, len(es)), math.nan)
    boot = np.full(n_boot, math.nan)
    for b in range(n_boot):
        idx = np.concatenate([rng.choice(s, size=s.size, replace=True) for s in strata])
        boot_e[b], boot[b] = _event_time_att(sd.Y[idx], sd.g[idx], es, control)
    alpha = (1 - level) / 2
    with warnings.catch_warnings():  # event times no cohort reaches are all-NaN: keep them NaN quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(boot, [alpha, 1 - alpha])
        elo = np.nanquantile(boot_e, alpha, axis=0)
        ehi = np.nanquantile(boot_e, 1 - alpha, axis=0)
    table = pd.DataFrame({"event_time": es, "att": by_e, "ci_low": elo, "ci_high": ehi})
    n_treated = int(np.isfinite(sd.g).sum())
    return StaggeredResult(
        att,
        float(lo),
        float(hi),
        float(np.nanstd(boot, ddof=1)),
        table,
        n_treated,
        len(sd.units) - n_treated,
        n_boot,
        control,
    )


# ------------------------------------------------------------------------------------------ two-way FE
def _long(sd: StaggeredData) -> pd.DataFrame:
    n, T = sd.Y.shape
    df = pd.DataFrame({"unit": np.repeat(np.arange(n), T), "t": np.tile(np.arange(T), n), "y": sd.Y.ravel()})
    df["g"] = sd.g[df["unit"]]
    return df.dropna(subset=["y"]).reset_index(drop=True)


def _fe_fit(df: pd.DataFrame, regressors: pd.DataFrame) -> Any:
    fe = pd.get_dummies(df[["unit", "t"]].astype(str), drop_first=True, dtype=float)
    X = sm.add_constant(pd.concat([regressors.reset_index(drop=True), fe], axis=1))
    return sm.OLS(df["y"].to_numpy(), X).fit(cov_type="cluster", cov_kwds={"groups": df["unit"].to_numpy()})


def twfe_static(sd: StaggeredData) -> dict[str, float]:
    """Naive two-way FE: y ~ treated-and-after + office FE + period FE (biased under staggered, dynamic effects)."""
    df = _long(sd)
    d = pd.DataFrame({"D": (df["t"] >= df["g"]).astype(float)})
    fit = _fe_fit(df, d)
    lo, hi = fit.conf_int().loc["D"]
    return {
        "att": float(fit.params["D"]),
        "se": float(fit.bse["D"]),
        "ci_low": float(lo),
        "ci_high": float(hi),
    }


def event_study_twfe(sd: StaggeredData, *, window_before: int, window_after: int) -> pd.DataFrame:
    """Two-way FE event study: relative-time dummies (end-points binned, -1 omitted), SEs clustered by office."""
    df = _long(sd)
    rel = (df["t"] - df["g"]).where(np.isfinite(df["g"]))
    rel = rel.clip(-window_before, window_after)
    cols = {}
    for e in range(-window_before, window_after + 1):
        if e != -1:
            cols[f"e{e}"] = (rel == e).astype(float)
    dummies = pd.DataFrame(cols).loc[:, lambda x: x.sum() > 0]
    fit = _fe_fit(df, dummies)
    ci = fit.conf_int()
    rows = [{"event_time": -1, "coef": 0.0, "se": 0.0, "ci_low": 0.0, "ci_high": 0.0}]
    for name in dummies.columns:
        rows.append(
            {
                "event_time": int(name[1:]),
                "coef": float(fit.params[name]),
                "se": float(fit.bse[name]),
                "ci_low": float(ci.loc[name, 0]),
                "ci_high": float(ci.loc[name, 1]),
            }
        )
    out = pd.DataFrame(rows).sort_values("event_time").reset_index(drop=True)
    out["binned"] = out["event_time"].isin([-window_before, window_after])
    return out


# ------------------------------------------------------------------------------------------ pre-trend power
@dataclass(frozen=True)
class PretrendResult:
    slope: float
    se: float
    p_value: float
    mde_80: float  # smallest linear pre-trend slope (per period) detected with 80% power at 5%
    n_pre_periods: int

    def in_words(self, unit: str) -> str:
        verdict = "no clear" if self.p_value >= 0.05 else "a"
        return (
            f"Before the changes, treated offices show {verdict} differential linear trend "
            f"({self.slope:+.3f} {unit} per period, p = {self.p_value:.2f}). With {self.n_pre_periods} "
            f"pre-change periods this check has 80% power (5% two-sided test) only against pre-trends of about "
            f"{self.mde_80:.3f} {unit} per period or steeper; smaller pre-trends could go unnoticed."
        )


def pretrend_test(sd: StaggeredData) -> PretrendResult:
    """Differential linear trend of treated offices before treatment (office and period FE, clustered SEs)."""
    df = _long(sd)
    df = df[df["t"] < df["g"]]  # never-treated rows have g = inf and are all kept
    treated = np.isfinite(df["g"]).astype(float)
    fit = _fe_fit(df.reset_index(drop=True), pd.DataFrame({"trend": (treated * df["t"]).to_numpy()}))
    se = float(fit.bse["trend"])
    mde = (stats.norm.ppf(0.975) + stats.norm.ppf(0.80)) * se
    n_pre = int(df.loc[np.isfinite(df["g"]), "t"].nunique())
    return PretrendResult(float(fit.params["trend"]), se, float(fit.pvalues["trend"]), float(mde), n_pre)


# ------------------------------------------------------------------------------------------ randomization inference
@dataclass(frozen=True)
class RandomizationResult:
    observed: float
    null: np.ndarray
    p_value: float
    exact: bool
    n_assignments: int


def n_assignments(g: np.ndarray) -> int:
    """Number of distinct ways to spread the observed adoption dates over the offices."""
    _, counts = np.unique(g, return_counts=True)
    total = math.factorial(len(g))
    for c in counts:
        total //= math.factorial(int(c))
    return total


def _all_assignments(g: np.ndarray) -> Iterator[np.ndarray]:
    values, counts = np.unique(g, return_counts=True)
    n = len(g)

    def rec(free: tuple[int, ...], k: int, current: np.ndarray) -> Iterator[np.ndarray]:
        if k == len(values) - 1:
            out = current.copy()
            out[list(free)] = values[k]
            yield out
            return
        for chosen in itertools.combinations(free, int(counts[k])):
            nxt = current.copy()
            nxt[list(chosen)] = values[k]
            rest = tuple(i for i in free if i not in set(chosen))
            yield from rec(rest, k + 1, nxt)

    yield from rec(tuple(range(n)), 0, np.full(n, math.nan))


def randomization_inference(
    sd: StaggeredData,
    *,
    window_after: int,
    n_permutations: int = 999,
    seed: int = 0,
    control: str = "never",
) -> RandomizationResult:
    """Permute adoption dates across offices; two-sided p-value of the overall ATT.

    Exact (all distinct assignments, observed one included) when there are at most `n_permutations` of them;
    otherwise Monte Carlo with p = (1 + #{|T*| >= |T|}) / (1 + n_permutations).
    """
    es = np.arange(window_after + 1)
    observed = _event_time_att(sd.Y, sd.g, es, control)[1]
    total = n_assignments(sd.g)
    exact = total <= n_permutations
    if exact:
        null = np.array([_event_time_att(sd.Y, gp, es, control)[1] for gp in _all_assignments(sd.g)])
    else:
        rng = np.random.default_rng(seed)
        null = np.array(
            [_event_time_att(sd.Y, rng.permutation(sd.g), es, control)[1] for _ in range(n_permutations)]
        )
    tol = 1e-12 * max(1.0, abs(observed))
    hits = int(np.sum(np.abs(null[~np.isnan(null)]) >= abs(observed) - tol))
    valid = int((~np.isnan(null)).sum())
    p = hits / valid if exact else (1 + hits) / (1 + valid)
    return RandomizationResult(observed, null, float(min(p, 1.0)), exact, total)


# ------------------------------------------------------------------------------------------ robustness
def leave_one_out(sd: StaggeredData, *, window_after: int, control: str = "never") -> pd.DataFrame:
    """Overall ATT re-estimated without each office in turn."""
    full = overall_att(sd, window_after, control)
    rows = []
    for i, unit in enumerate(sd.units):
        keep = np.ones(len(sd.units), dtype=bool)
        keep[i] = False
        att = overall_att(sd.subset(keep), window_after, control)
        rows.append(
            {
                "dropped": unit,
                "role": "treated" if np.isfinite(sd.g[i]) else "control",
                "att": att,
                "change": att - full,
            }
        )
    return pd.DataFrame(rows).sort_values("att").reset_index(drop=True)


@dataclass(frozen=True)
class PlaceboResult:
    shift: int
    att: float
    ci_low: float
    ci_high: float
    p_value: float
    n_periods: int


def placebo_test(
    sd: StaggeredData,
    *,
    shift: int,
    n_permutations: int = 999,
    n_boot: int = 499,
    seed: int = 0,
    control: str = "never",
) -> PlaceboResult:
    """Pretend each office changed leader `shift` periods early, using only data before the real changes."""
    first = int(np.min(sd.g[np.isfinite(sd.g)]))
    if shift < 1 or first - shift < 1:
        raise ValueError(
            f"placebo shift {shift}: needs 1 <= shift <= {first - 1} (periods before the first change)"
        )
    pre = StaggeredData(
        sd.units, sd.Y[:, :first], np.where(np.isfinite(sd.g), sd.g - shift, sd.g), sd.periods.iloc[:first]
    )
    window = shift - 1
    res = staggered_att(pre, window_before=1, window_after=window, control=control, n_boot=n_boot, seed=seed)
    ri = randomization_inference(
        pre, window_after=window, n_permutations=n_permutations, seed=seed, control=control
    )
    return PlaceboResult(shift, res.att, res.ci_low, res.ci_high, ri.p_value, first)


def effect_in_words(att: float, lo: float, hi: float, scale: str, unit: str) -> str:
    """Plain-words effect with its interval; log-scale effects are turned into percentages."""
    if scale == "log":
        pct = [100 * (math.exp(v) - 1) for v in (att, lo, hi)]
        return f"{pct[0]:+.1f}% (95% interval {pct[1]:+.1f}% to {pct[2]:+.1f}%)"
    suffix = " per 100,000 noncitizen residents" if scale == "per_100k" else ""
    return f"{att:+,.1f} {unit}{suffix} (95% interval {lo:+,.1f} to {hi:+,.1f})"
