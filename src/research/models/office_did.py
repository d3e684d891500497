"""Difference-in-differences over field offices with one change date: outcome matrices and estimators.

All offices tiered in the October 2025 round changed between 17 October and 6 November 2025 (`CHANGE_START`,
`CHANGE_END`), so every design has a single adoption date. Periods are labelled by role:

- ``pre``: ends before the first change; ``event0``: overlaps the change window (for the detention intervals,
  1 October to 10 November 2025, more than half before 24 October), reported on its own and never averaged
  into the effect; ``post``: starts after the last change.

Arrest windows come in two forms. ``windows`` (logs of y2024, y2025 and w2526 = Aug 2025 - Jul 2026): the main
contrast log(w2526 / y2025) is **diluted**, because both windows contain August-December 2025 (nationally 54 % of
calendar 2025 and 40 % of w2526), so an effect on January-July 2026 shows at well under its size.
``same_season`` (`same_season_matrix`): each window divided by an estimate of the office's January-July 2025
arrests (y2025 x the national January-July share of 2025), so that post - last_pre = (w2526 - y2025) / that estimate
= (Jan-Jul 2026 - Jan-Jul 2025) / Jan-Jul 2025 with no shared months: the proportional change in January-July
arrests, exact in the numerator and assuming in the denominator that the office shares the national seasonal split.

Base periods (what "before" means): ``last_pre`` (the last pre period; for the arrest windows, calendar 2025),
``pre_mean`` (mean of the pre
periods), ``event0`` (the straddling period, which assumes no effect before 10 November), and for the arrest
windows ``pre_trend`` (removes each office's own 2024->2025 change) and ``pre_adjusted`` (lagged outcome:
controls for the 2024->2025 change by regression instead of subtracting it; with mean reversion, difference-in-
differences and lagged-outcome estimates bracket the effect).

Estimators, each a statistic linear in the outcomes (so randomization inference and its inverted interval are exact
and cheap, `research.models.randomization`) with its own conventional interval:

- ``ld`` simple long difference: per office (mean after - base), treated mean minus comparison mean; Welch
  t interval. With ``pre_adjusted``: OLS of the change on treatment and the pre-period change, HC2 errors, t(n-3).
- ``cs`` Callaway-Sant'Anna: ATT(g, t) for each post period against one base period, never-treated comparison
  offices, averaged over post periods; analytic influence-function standard error, normal interval (as the `did`
  and `differences` packages report). With complete data it equals ``ld`` on the same base.
- ``twfe`` two-way fixed effects: office and period effects plus a treated-after dummy on pre and post periods
  (event 0 left out). Valid here because there is one adoption date (no forbidden comparisons); its implicit
  base is the pre mean. Errors clustered by office (CR1) with t(G-1) critical values, G = number of offices.

Outcomes are in log points (``scale="log"``: 0.10 = about +10.5 %) except ``same_season`` matrices
(``scale="share"``: 0.10 = 10 percentage points of January-July 2025 arrests); `to_percent` converts either.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

CHANGE_START = pd.Timestamp("2025-10-17")  # Chicago, St. Paul and Washington (DHS statement)
CHANGE_END = pd.Timestamp("2025-11-06")  # Salt Lake City (claimed); the five removals were on 24 October
ROLES = ("pre", "event0", "post")
ESTIMATORS = ("cs", "twfe", "ld")
ESTIMATOR_LABELS = {
    "cs": "Callaway-Sant'Anna",
    "twfe": "Two-way fixed effects",
    "ld": "Simple long difference",
}
BASES = {
    "windows": ("last_pre", "pre_mean", "pre_trend", "pre_adjusted"),
    "panel": ("last_pre", "pre_mean", "event0"),
    # the change is already same-season; only the lagged-outcome adjustment for the 2024->2025 change is added
    # (subtracting a calendar-year change from a January-July one would mix periods)
    "same_season": ("last_pre", "pre_adjusted"),
}
SCALES = ("log", "share")
BASE_LABELS = {
    "last_pre": "last period before",
    "pre_mean": "mean of periods before",
    "event0": "event time 0 (straddles the change)",
    "pre_trend": "minus the office's 2024-25 change",
    "pre_adjusted": "adjusted for the 2024-25 change (lagged outcome)",
}
VALID = {  # estimator -> bases where it is defined
    "ld": ("last_pre", "pre_mean", "event0", "pre_trend", "pre_adjusted"),
    "cs": ("last_pre", "event0"),
    "twfe": ("pre_mean",),
}


@dataclass(frozen=True)
class OutcomeMatrix:
    """Office x period outcomes (log points) with each period's role around the change."""

    name: str
    label: str
    family: str  # "arrests" (annual windows), "detention" or "ddp" (weekly arrests)
    facility_set: str  # "all" | "balanced" for detention, "n/a" otherwise
    kind: str  # "windows" | "panel"
    units: tuple[str, ...]
    Y: np.ndarray
    periods: pd.DataFrame  # label, start, end, role
    source: str = ""
    scale: str = "log"  # "log": log points; "share": proportion of the office's January-July 2025 arrests

    @cached_property
    def roles(self) -> np.ndarray:
        """Each period's role, read once per matrix: the randomization checks ask for columns thousands of times.
        (`periods` is not to be changed in place; `replace` builds a new matrix, which reads it anew.)"""
        return self.periods["role"].to_numpy()

    @cached_property
    def _role_cols(self) -> dict[str, np.ndarray]:
        out = {}
        for role in dict.fromkeys(self.roles.tolist()):
            cols = np.flatnonzero(self.roles == role)
            cols.setflags(write=False)  # shared by every caller
            out[role] = cols
        return out

    def cols(self, role: str) -> np.ndarray:
        """Positions of the periods with `role` (read-only; empty for a role no period has)."""
        found = self._role_cols.get(role)
        return found if found is not None else np.flatnonzero(self.roles == role)

    def with_values(self, Y: np.ndarray) -> OutcomeMatrix:
        """The same matrix with outcomes `Y` (same shape), keeping the roles already read from `periods`."""
        if Y.shape != self.Y.shape:
            raise ValueError(f"{self.name}: outcomes of shape {Y.shape}, expected {self.Y.shape}")
        out = replace(self, Y=Y)
        # cached_property values live in the instance's __dict__: read here once (and cached on `self`), shared
        out.__dict__["roles"], out.__dict__["_role_cols"] = self.roles, self._role_cols
        return out

    def restrict(self, units: tuple[str, ...]) -> OutcomeMatrix:
        """Rows for `units` in that order (NaN rows for offices without data)."""
        index = {u: i for i, u in enumerate(self.units)}
        Y = np.full((len(units), self.Y.shape[1]), np.nan)
        for r, u in enumerate(units):
            if u in index:
                Y[r] = self.Y[index[u]]
        return replace(self, units=units, Y=Y)


def to_percent(x: Any, scale: str) -> Any:
    """An effect in percent: 100 x (exp(x) - 1) for log points, 100 x for shares (percentage points)."""
    if scale == "log":
        return 100 * np.expm1(x)
    if scale == "share":
        return 100 * x
    raise ValueError(f"scale {scale!r}: expected one of {list(SCALES)}")


def period_roles(start: pd.Series, end: pd.Series) -> np.ndarray:
    """pre / event0 / post for periods [start, end] against the change window."""
    s, e = pd.to_datetime(start).to_numpy(), pd.to_datetime(end).to_numpy()
    return np.where(e < CHANGE_START, "pre", np.where(s > CHANGE_END, "post", "event0"))


def panel_matrix(
    frame: pd.DataFrame, *, name: str, label: str, family: str, facility_set: str, source: str = ""
) -> OutcomeMatrix:
    """From a panel frame (`research.models.panel`: aor, period, period_start, period_end, log_value)."""
    wide = frame.pivot(index="aor", columns="period", values="log_value").sort_index()
    periods = frame[["period", "period_start", "period_end"]].drop_duplicates().sort_values("period")
    wide = wide.reindex(columns=periods["period"])
    table = pd.DataFrame(
        {
            "label": [
                f"{s:%d %b %Y} - {e:%d %b %Y}"
                for s, e in zip(periods["period_start"], periods["period_end"], strict=True)
            ],
            "start": periods["period_start"].to_numpy(),
            "end": periods["period_end"].to_numpy(),
            "role": period_roles(periods["period_start"], periods["period_end"]),
        }
    )
    return OutcomeMatrix(
        name,
        label,
        family,
        facility_set,
        "panel",
        tuple(wide.index.astype(str)),
        wide.to_numpy(float),
        table,
        source,
    )


WINDOW_ORDER = ("y2024", "y2025", "w2526")


def _window_table(windows: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(office x window values of `column`, the windows' periods with their roles), windows in `WINDOW_ORDER`."""
    missing = sorted(set(WINDOW_ORDER) - set(windows["window"]))
    if missing or column not in windows.columns:
        raise ValueError(
            f"arrest windows: need windows {list(WINDOW_ORDER)} and column {column!r}; missing {missing or column}"
        )
    wide = windows.pivot(index="aor", columns="window", values=column).reindex(columns=list(WINDOW_ORDER))
    spans = windows.drop_duplicates("window").set_index("window").reindex(list(WINDOW_ORDER))
    table = pd.DataFrame(
        {
            "label": list(WINDOW_ORDER),
            "start": spans["window_start"].to_numpy(),
            "end": spans["window_end"].to_numpy(),
            "role": ["pre", "pre", "post"],
        }
    )
    return wide, table


def windows_matrix(
    windows: pd.DataFrame, column: str, *, name: str, label: str, source: str = ""
) -> OutcomeMatrix:
    """Arrest windows (aor x window) in logs: y2024 and y2025 before, w2526 (Aug 2025 - Jul 2026) after.

    Calendar 2025 includes 24 October - 31 December 2025 (19 % of the year) after the change and w2526 includes
    August - mid-October 2025 before it. In logs, post - last_pre = log(w2526 / y2025) is **diluted**: both
    windows hold August-December 2025, so the ratio moves by much less than January-July arrests do
    (`same_season_matrix` gives the undiluted change).
    """
    wide, table = _window_table(windows, column)
    values = wide.to_numpy(float)
    logged = np.log(np.where(values > 0, values, np.nan))
    return OutcomeMatrix(
        name, label, "arrests", "n/a", "windows", tuple(wide.index.astype(str)), logged, table, source
    )


def same_season_matrix(
    windows: pd.DataFrame,
    column: str,
    *,
    jan_jul_share: float,
    name: str,
    label: str,
    source: str = "",
) -> OutcomeMatrix:
    """Arrest windows divided by each office's estimated January-July 2025 arrests (y2025 x `jan_jul_share`).

    post - last_pre = (w2526 - y2025) / (y2025 x share), and w2526 - y2025 is exactly January-July 2026 minus
    January-July 2025 for each office: a same-season change with no shared months. The denominator assumes the
    office's 2025 arrests split between January-July and August-December as the nation's did. A common factor
    leaves every randomization p-value unchanged (the statistics are linear); it only makes the effect read as
    percentage points of January-July 2025 arrests. Scale ``"share"``.
    """
    if not 0 < jan_jul_share <= 1:
        raise ValueError(f"jan_jul_share = {jan_jul_share!r}: expected a share of the year in (0, 1]")
    wide, table = _window_table(windows, column)
    values = wide.to_numpy(float)
    base = values[:, WINDOW_ORDER.index("y2025")] * jan_jul_share
    scaled = values / np.where(base > 0, base, np.nan)[:, None]
    return OutcomeMatrix(
        name,
        label,
        "arrests",
        "n/a",
        "same_season",
        tuple(wide.index.astype(str)),
        scaled,
        table,
        source,
        scale="share",
    )


@dataclass(frozen=True)
class Dilution:
    """How much the annual arrest windows share, from national monthly arrests (January 2025 - July 2026)."""

    shared: float  # national arrests in August-December 2025, inside both y2025 and w2526
    share_of_y2025: float
    share_of_w2526: float
    jan_jul_ratio: float  # January-July 2026 / January-July 2025
    window_ratio: float  # w2526 / y2025
    attenuation: float  # January-July 2026 share of w2526: d log(w2526) per d log(January-July 2026)


def window_dilution(monthly: pd.DataFrame) -> Dilution:
    """The overlap of y2025 and w2526 in national arrests, and what it does to log(w2526 / y2025).

    An effect confined to January-July 2026 moves log(w2526 / y2025) by about `attenuation` times its size.
    July 2026 is in both the national count and the office windows, reporting lag included.
    """
    sums = monthly.assign(month=pd.to_datetime(monthly["month"])).set_index("month")["arrests"]
    spans = {
        "jan_jul_25": ("2025-01", "2025-07"),
        "shared": ("2025-08", "2025-12"),
        "jan_jul_26": ("2026-01", "2026-07"),
    }
    need = pd.period_range("2025-01", "2026-07", freq="M")
    missing = sorted(set(need.astype(str)) - set(sums.index.to_period("M").astype(str)))
    if missing:
        raise ValueError(f"arrests_monthly: need every month 2025-01..2026-07; missing {missing}")
    part = {k: float(sums[a:b].sum()) for k, (a, b) in spans.items()}
    y2025, w2526 = part["jan_jul_25"] + part["shared"], part["shared"] + part["jan_jul_26"]
    return Dilution(
        shared=part["shared"],
        share_of_y2025=part["shared"] / y2025,
        share_of_w2526=part["shared"] / w2526,
        jan_jul_ratio=part["jan_jul_26"] / part["jan_jul_25"],
        window_ratio=w2526 / y2025,
        attenuation=part["jan_jul_26"] / w2526,
    )


def seasonal_share(monthly: pd.DataFrame, year: int = 2025, months: range = range(1, 8)) -> float:
    """Share of `year`'s national arrests that fell in `months` (default January-July), from complete months.

    `monthly` has ``month`` (month start) and ``arrests`` (`research.data.load_arrests_monthly`); every month of
    the year must be present and none flagged ``partial_month`` or ``reporting_lag``.
    """
    when = pd.to_datetime(monthly["month"])
    rows = monthly[when.dt.year == year]
    flagged = [c for c in ("partial_month", "reporting_lag") if c in rows and rows[c].astype(bool).any()]
    if len(rows) != 12 or rows["month"].duplicated().any() or flagged:
        raise ValueError(
            f"arrests_monthly: need the 12 complete months of {year}; got {len(rows)} rows"
            + (f", flagged {flagged}" if flagged else "")
        )
    inside = pd.to_datetime(rows["month"]).dt.month.isin(list(months))
    return float(rows.loc[inside, "arrests"].sum() / rows["arrests"].sum())


# ------------------------------------------------------------------------------------------------ statistics
def _mean_rows(Y: np.ndarray, cols: np.ndarray) -> np.ndarray:
    block = Y[:, cols]
    with np.errstate(invalid="ignore"):
        count = np.isfinite(block).sum(axis=1)
        total = np.where(np.isfinite(block), block, 0.0).sum(axis=1)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def base_values(m: OutcomeMatrix, base: str) -> np.ndarray:
    """Each office's base level (NaN when undefined)."""
    pre = m.cols("pre")
    if base == "last_pre":
        return m.Y[:, pre[-1]]
    if base == "pre_mean":
        return _mean_rows(m.Y, pre)
    if base == "event0":
        e0 = m.cols("event0")
        return _mean_rows(m.Y, e0) if e0.size else np.full(len(m.units), np.nan)
    if base == "pre_trend":
        return m.Y[:, pre[-1]] + (m.Y[:, pre[-1]] - m.Y[:, pre[-2]])
    raise ValueError(f"base {base!r}: expected one of {sorted(BASE_LABELS)}")


def _fixed(index: np.ndarray) -> bool:
    """Whether results computed from `index` may be kept under its identity: only a read-only array owning its
    data (a writeable array, or a view of one, could change while staying the same object)."""
    return not index.flags.writeable and index.base is None


_LAST_COLUMNS: tuple[weakref.ref | None, np.ndarray | None] = (None, None)  # (index, its columns): one tuple


def _forget_columns(ref: weakref.ref) -> None:
    global _LAST_COLUMNS
    if _LAST_COLUMNS[0] is ref:  # the assignments are gone: free their columns too
        _LAST_COLUMNS = (None, None)


def _columns(index: np.ndarray) -> np.ndarray:
    """`index.T` as a contiguous intp array (k x N), kept while the last read-only assignment matrix lives.

    A randomization test gathers over the same assignments many times (estimates, shifts, every estimator of a
    design); a contiguous platform-integer index makes each gather several times cheaper. The cache is one
    tuple replaced in a single assignment (threads see a matching pair) and holds the assignments weakly (it is
    dropped with them). Only `_fixed` arrays are kept.
    """
    global _LAST_COLUMNS
    ref, columns = _LAST_COLUMNS
    if ref is not None and columns is not None and ref() is index:
        return columns
    columns = np.array(index.T, dtype=np.intp, order="C")  # a copy: never keeps `index` alive
    if _fixed(index):
        _LAST_COLUMNS = (weakref.ref(index, _forget_columns), columns)
    return columns


def _add_rows(treated: np.ndarray) -> np.ndarray:
    """treated[0] + treated[1] + ... along the first axis, starting from 0.0, in that order."""
    out = treated[0] + 0.0
    for j in range(1, treated.shape[0]):
        out += treated[j]
    return out


def _sum_over(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum of `values` over each assignment's treated units (rows of `index`), adding column by column.

    One gather (k x N, each row contiguous), then the sum in a fixed order starting from 0.0: the same floating-
    point result whatever the number of treated units (`values[index].sum(axis=1)` would switch to pairwise sums).
    """
    return _add_rows(values[_columns(index)])


_CHUNK_ROWS = 65_536  # assignments per gather in `_quadratic` (k x k x rows floats at a time)


def _quadratic(index: np.ndarray, G: np.ndarray) -> np.ndarray:
    """a' G a for every assignment a (the 0/1 vector with ones at the row's indices).

    One gather of the k x k entries of every assignment, then a sum in a fixed order (row j, then column m).
    """
    out = np.zeros(index.shape[0])
    columns = _columns(index)
    flat_G = G.ravel()
    for start in range(0, index.shape[0], _CHUNK_ROWS):  # bounded memory with a million assignments
        treated = columns[:, start : start + _CHUNK_ROWS]
        # G[treated[:, None, :], treated[None, :, :]] (k, k, rows), as one take on flat positions (much faster)
        pairs = flat_G.take(treated[:, None, :] * G.shape[1] + treated[None, :, :])
        part = out[start : start + _CHUNK_ROWS]
        for j in range(pairs.shape[0]):
            for m in range(pairs.shape[1]):
                part += pairs[j, m]
    return out


class _Denominator:
    """a' G a for every assignment, kept for the last read-only assignment matrix: a randomization test evaluates a
    ratio statistic twice on the same assignments (the estimates, then the shifts) with the same G."""

    def __init__(self, G: np.ndarray) -> None:
        self.G = G
        self._index: np.ndarray | None = None
        self._value: np.ndarray | None = None

    def __call__(self, index: np.ndarray) -> np.ndarray:
        if index is self._index and self._value is not None:
            return self._value
        value = _quadratic(index, self.G)
        if _fixed(index):
            self._index, self._value = index, value
        return value


def diff_in_means(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Treated mean minus comparison mean of `values` for every assignment (rows of treated indices)."""
    k = index.shape[1]
    s = _sum_over(index, values)
    return s / k - (values.sum() - s) / (values.size - k)


def welch_interval(values: np.ndarray, treated: np.ndarray, level: float) -> tuple[float, float, float]:
    """Welch-Satterthwaite interval for a difference in means: (se, low, high)."""
    a, b = values[treated], values[~treated]
    va, vb = a.var(ddof=1) / a.size if a.size > 1 else np.nan, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)) if a.size > 1 else np.nan
    q = special.stdtrit(df, 0.5 + level / 2)  # = stats.t.ppf, without its per-call overhead
    est = a.mean() - b.mean()
    return se, est - q * se, est + q * se


@dataclass(frozen=True)
class Prepared:
    """A statistic ready for randomization inference, for the offices where it is defined."""

    keep: np.ndarray  # offices (rows of the matrix) that enter
    statistic: Callable[[np.ndarray, Any], np.ndarray]  # (treated indices N x k, values) -> N estimates
    values: Any
    shift_values: Any  # the same inputs built from the observed treatment pattern
    conventional: Callable[[np.ndarray], tuple[float, float, float]]  # treated mask -> (se, low, high)
    interval_method: str


def _long_difference(m: OutcomeMatrix, base: str, treated: np.ndarray, level: float) -> Prepared:
    delta = _mean_rows(m.Y, m.cols("post")) - base_values(m, base)
    keep = np.isfinite(delta)
    d, t = delta[keep], treated[keep]
    return Prepared(
        keep, diff_in_means, d, t.astype(float), lambda tr: welch_interval(d, tr, level), "Welch t"
    )


def _ancova_matrix(x: np.ndarray) -> np.ndarray:
    Z = np.column_stack([np.ones_like(x), x])
    return np.eye(x.size) - Z @ np.linalg.pinv(Z)


def _lagged(m: OutcomeMatrix, treated: np.ndarray, level: float) -> Prepared:
    pre = m.cols("pre")
    y = _mean_rows(m.Y, m.cols("post")) - m.Y[:, pre[-1]]
    x = m.Y[:, pre[-1]] - m.Y[:, pre[-2]]
    keep = np.isfinite(y) & np.isfinite(x)
    y, x, t = y[keep], x[keep], treated[keep]
    M = _ancova_matrix(x)
    denominator = _Denominator(M)

    def statistic(index: np.ndarray, values: np.ndarray) -> np.ndarray:
        return _sum_over(index, M @ values) / denominator(index)

    def conventional(tr: np.ndarray) -> tuple[float, float, float]:
        X = np.column_stack([np.ones_like(x), tr.astype(float), x])
        XtX_inv = np.linalg.inv(X.T @ X)
        beta = XtX_inv @ X.T @ y
        resid = y - X @ beta
        leverage = np.einsum("ij,jk,ik->i", X, XtX_inv, X)
        meat = (X * (resid**2 / (1 - leverage))[:, None]).T @ X  # HC2
        se = math.sqrt((XtX_inv @ meat @ XtX_inv)[1, 1])
        q = special.stdtrit(y.size - 3, 0.5 + level / 2)
        return se, beta[1] - q * se, beta[1] + q * se

    return Prepared(keep, statistic, y, t.astype(float), conventional, "HC2, t(n-3)")


_CHUNK_CELLS = 1 << 20  # gathered values per chunk in `_cs_stat` (post periods x treated x assignments)


def _cs_stat(index: np.ndarray, values: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Mean over post periods of the 2x2 cells; a cell with no treated or no comparison office is skipped.

    All post periods at once (one gather per chunk of assignments), with the operations of a loop over periods in
    the same order (each sum over treated offices in index order from 0.0, periods added in order): the same bits
    (tests/test_office_did.py holds it to that loop).
    """
    delta, observed = values  # n x P, zero where unobserved; 0/1 mask
    n_periods = delta.shape[1]
    columns = _columns(index)  # k x N
    # the totals over offices exactly as the per-period loop takes them (a column's own sum)
    delta_total = np.array([delta[:, t].sum() for t in range(n_periods)])[:, None]
    observed_total = np.array([observed[:, t].sum() for t in range(n_periods)])[:, None]
    by_period, observed_by_period = np.ascontiguousarray(delta.T), np.ascontiguousarray(observed.T)
    out = np.empty(index.shape[0])
    step = max(1, _CHUNK_CELLS // max(1, n_periods * columns.shape[0]))
    for start in range(0, index.shape[0], step):
        chunk = columns[:, start : start + step]
        s = _add_rows(by_period[:, chunk].swapaxes(0, 1))  # P x rows: sum over the treated, in index order
        c = _add_rows(observed_by_period[:, chunk].swapaxes(0, 1))
        rest = observed_total - c
        ok = (c > 0) & (rest > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            att = s / c - (delta_total - s) / rest
        total_att = np.zeros(chunk.shape[1])
        for t in range(n_periods):  # periods added in order, from 0.0
            total_att += np.where(ok[t], att[t], 0.0)
        cells = ok.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + step] = np.where(cells > 0, total_att / cells, np.nan)
    return out


def cs_influence(delta: np.ndarray, observed: np.ndarray, treated: np.ndarray) -> tuple[float, np.ndarray]:
    """ATT (mean over post periods of the 2x2 cells) and each office's influence-function contribution."""
    d = treated.astype(bool)
    cells, psi = [], np.zeros(delta.shape[0])
    used = 0
    for t in range(delta.shape[1]):
        o = observed[:, t].astype(bool)
        nt, nc = int((o & d).sum()), int((o & ~d).sum())
        if nt == 0 or nc == 0:
            continue
        mt, mc = delta[o & d, t].mean(), delta[o & ~d, t].mean()
        cells.append(mt - mc)
        psi += np.where(o & d, (delta[:, t] - mt) / nt, 0.0) - np.where(o & ~d, (delta[:, t] - mc) / nc, 0.0)
        used += 1
    if not used:
        return math.nan, psi
    return float(np.mean(cells)), psi / used


def _callaway_santanna(m: OutcomeMatrix, base: str, treated: np.ndarray, level: float) -> Prepared:
    post = m.cols("post")
    delta = m.Y[:, post] - base_values(m, base)[:, None]
    observed = np.isfinite(delta)
    keep = observed.any(axis=1)
    delta, observed, t = np.where(observed, delta, 0.0)[keep], observed[keep].astype(float), treated[keep]

    def conventional(tr: np.ndarray) -> tuple[float, float, float]:
        att, psi = cs_influence(delta, observed, tr)
        se = float(np.sqrt((psi**2).sum()))
        q = special.ndtri(0.5 + level / 2)
        return se, att - q * se, att + q * se

    shift = (observed * t[:, None], observed)
    return Prepared(keep, _cs_stat, (delta, observed), shift, conventional, "influence function, normal")


@dataclass(frozen=True)
class TwfeParts:
    """Pieces of the two-way FE regression that do not depend on who is treated."""

    y: np.ndarray  # outcomes, one per observed office-period (pre and post periods)
    unit: np.ndarray
    post: np.ndarray
    R: np.ndarray  # office-specific post indicators with office and period effects partialled out
    residual_y: np.ndarray
    n_periods: int


def twfe_parts(m: OutcomeMatrix) -> tuple[TwfeParts, np.ndarray]:
    cols = np.concatenate([m.cols("pre"), m.cols("post")])
    block = m.Y[:, cols]
    keep = np.isfinite(block).sum(axis=1) >= 2
    block = block[keep]
    unit, col = np.nonzero(np.isfinite(block))
    y = block[unit, col]
    post = (m.roles[cols] == "post")[col]  # = np.isin(cols[col], m.cols("post")), without sorting
    n, T = block.shape
    F = np.zeros((y.size, n + T - 1))
    F[np.arange(y.size), unit] = 1.0
    later = col > 0
    F[np.flatnonzero(later), n + col[later] - 1] = 1.0
    X = np.zeros((y.size, n))
    X[np.arange(y.size), unit] = post.astype(float)
    proj, *_ = np.linalg.lstsq(F, np.column_stack([X, y]), rcond=None)
    resid = np.column_stack([X, y]) - F @ proj
    return TwfeParts(y, unit, post, resid[:, :n], resid[:, n], T), keep


def _twfe_stat(index: np.ndarray, values: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    r, G = values  # FWL: beta(a) = a'r / a'Ga
    return _sum_over(index, r) / _quadratic(index, G)


def _twfe_statistic(G: np.ndarray) -> Callable[[np.ndarray, Any], np.ndarray]:
    """`_twfe_stat` for values built on this G, with a'Ga shared between calls on the same assignments."""
    denominator = _Denominator(G)

    def statistic(index: np.ndarray, values: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        r, values_G = values
        if values_G is not G:
            return _twfe_stat(index, values)
        return _sum_over(index, r) / denominator(index)

    return statistic


def twfe_fit(parts: TwfeParts, treated: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Coefficient, CR1 clustered standard error and t(G-1) interval for the treated-after dummy."""
    d_tilde = parts.R @ treated.astype(float)
    beta = float(d_tilde @ parts.residual_y / (d_tilde @ d_tilde))
    resid = parts.residual_y - beta * d_tilde
    G = parts.R.shape[1]
    scores = np.bincount(parts.unit, weights=d_tilde * resid, minlength=G)
    N, K = (
        parts.y.size,
        parts.n_periods + 1,
    )  # intercept, period effects and the dummy; office effects nest in
    ssc = G / (G - 1) * (N - 1) / (N - K)  # the clusters and do not count (CR1 as in fixest / pyfixest)
    se = math.sqrt(ssc * (scores**2).sum()) / float(d_tilde @ d_tilde)
    q = special.stdtrit(G - 1, 0.5 + level / 2)
    return beta, se, beta - q * se, beta + q * se


def _twfe(m: OutcomeMatrix, treated: np.ndarray, level: float) -> Prepared:
    if m.cols("post").size == 0 or m.cols("pre").size == 0:
        raise ValueError(f"{m.name}: two-way FE needs periods before and after the change")
    parts, keep = twfe_parts(m)
    t = treated[keep]
    r, G = parts.R.T @ parts.y, parts.R.T @ parts.R
    y_shift = (t[parts.unit] * parts.post).astype(float)

    def conventional(tr: np.ndarray) -> tuple[float, float, float]:
        _, se, low, high = twfe_fit(parts, tr, level)
        return se, low, high

    return Prepared(
        keep, _twfe_statistic(G), (r, G), (parts.R.T @ y_shift, G), conventional, "CR1 by office, t(G-1)"
    )


def prepare(
    m: OutcomeMatrix, estimator: str, base: str, treated: np.ndarray, *, level: float = 0.95
) -> Prepared:
    """The statistic of `estimator` on base `base` for matrix `m` and the observed treated mask."""
    if estimator not in VALID:
        raise ValueError(f"estimator {estimator!r}: expected one of {', '.join(ESTIMATORS)}")
    if base not in VALID[estimator] or base not in BASES[m.kind]:
        raise ValueError(f"estimator {estimator!r} is not defined with base {base!r} on {m.kind} outcomes")
    if estimator == "twfe":
        return _twfe(m, treated, level)
    if estimator == "cs":
        return _callaway_santanna(m, base, treated, level)
    if base == "pre_adjusted":
        return _lagged(m, treated, level)
    return _long_difference(m, base, treated, level)


def valid_specs(kind: str) -> list[tuple[str, str]]:
    """(estimator, base) pairs defined for an outcome kind, in a fixed order."""
    return [(e, b) for b in BASES[kind] for e in ESTIMATORS if b in VALID[e]]


def event0_effect(m: OutcomeMatrix, base: str, treated: np.ndarray) -> float:
    """Treated minus comparison change from `base` to event time 0 (reported apart from the post average)."""
    e0 = m.cols("event0")
    if not e0.size or base not in ("last_pre", "pre_mean"):
        return math.nan
    delta = _mean_rows(m.Y, e0) - base_values(m, base)
    ok = np.isfinite(delta)
    if not (ok & treated).any() or not (ok & ~treated).any():
        return math.nan
    return float(delta[ok & treated].mean() - delta[ok & ~treated].mean())
