"""Which field offices changed directors in the October 2025 round, and how well that is sourced.

Treatment comes from the curated FOD events (``research.data.load_fod_events()``, data/raw/facts/fod_events.csv;
data/raw/facts/fod_events_SOURCING.md says what is settled and what is contested). Every office gets one tier:

- ``named_removal``: the five directors named as relieved on Friday 24 October 2025 (DEN, LOS, SND, PHO, PHI);
- ``ice_to_ice``: ICE-to-ICE moves around 17 October 2025 (Chicago's director left; the St. Paul director went
  to Chicago; the Washington office got the former Chicago director as permanent director);
- ``reported``: named only in one relayed television list (ELP, NOL, SEA), never confirmed;
- ``claimed``: a claim by an interested party, not confirmed by ICE or CBP (SLC);
- ``unknown``: nothing found either way. Such an office is **status unknown**, never "untreated": the AP's count
  of about 12 reassigned directors means some of them probably changed too.

The tier of each office is a curatorial judgement written down here (`TIER_OF`); the sources shown for it are the
office's FOD rows dated in the round (`ROUND_START`..`ROUND_END`), so the table always carries its evidence, and
`treatment_tiers` stops if a tiered office has no such row. Operations (Border Patrol-led surges in an office) are
read from the operation rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

TIERS = ("named_removal", "ice_to_ice", "reported", "claimed", "unknown")
TIER_LABELS = {
    "named_removal": "Named removal, 24 Oct 2025",
    "ice_to_ice": "ICE-to-ICE change, Oct 2025",
    "reported": "Reported only (not confirmed)",
    "claimed": "Claimed by an interested party",
    "unknown": "Status unknown",
}
TIER_OF = {
    "DEN": "named_removal",
    "LOS": "named_removal",
    "SND": "named_removal",
    "PHO": "named_removal",
    "PHI": "named_removal",
    "CHI": "ice_to_ice",
    "SPM": "ice_to_ice",
    "WAS": "ice_to_ice",
    "ELP": "reported",
    "NOL": "reported",
    "SEA": "reported",
    "SLC": "claimed",
}
ROUND_START = pd.Timestamp("2025-10-01")
ROUND_END = pd.Timestamp("2025-11-30")
REMOVAL_DATE = pd.Timestamp("2025-10-24")
CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}
CHANGE_EVENTS = ("fod_removed", "fod_appointed", "fod_acting_named", "fod_in_post_observed")
REQUIRED = ("event_date", "aor_code", "event", "person", "source_url", "source_publisher", "confidence")

# Treatment definitions for estimation: which tiers count as treated (nested, widening the net).
TREATMENTS = {
    "named_removals": ("named_removal",),
    "plus_ice_to_ice": ("named_removal", "ice_to_ice"),
    "plus_reported": ("named_removal", "ice_to_ice", "reported"),
    "plus_claimed": ("named_removal", "ice_to_ice", "reported", "claimed"),
}
TREATMENT_LABELS = {
    "named_removals": "5 named removals",
    "plus_ice_to_ice": "+ ICE-to-ICE changes",
    "plus_reported": "+ reported only",
    "plus_claimed": "+ claimed",
}
# Comparison groups: who the treated offices are compared with.
COMPARISONS = ("all_others", "no_operations", "no_unconfirmed")
COMPARISON_LABELS = {
    "all_others": "all other offices",
    "no_operations": "without offices with a Border Patrol operation",
    "no_unconfirmed": "without reported or claimed changes",
}
UNCONFIRMED_TIERS = ("reported", "claimed")


def _check(fod_events: pd.DataFrame) -> None:
    missing = sorted(set(REQUIRED) - set(fod_events.columns))
    if missing:
        raise ValueError(f"fod_events.csv: missing column(s) {missing}; expected {list(REQUIRED)}")
    bad = sorted(set(fod_events["confidence"].dropna()) - set(CONFIDENCE_RANK))
    if bad:
        raise ValueError(
            f"fod_events.csv: column 'confidence' has {bad}; expected one of {list(CONFIDENCE_RANK)}"
        )


def supporting(sources: pd.DataFrame, tier: str) -> pd.DataFrame:
    """The rows that support a tier: removals, appointments and acting directors (a director merely seen in post
    is not a change), except for the ICE-to-ICE tier, whose evidence is a DHS statement (17 October 2025)
    announcing all three moves while describing who is now in post."""
    if tier == "unknown":
        return sources.iloc[0:0]
    if tier == "ice_to_ice":
        return sources
    changes = sources[sources["event"] != "fod_in_post_observed"]
    return changes if len(changes) else sources


def _dated(fod_events: pd.DataFrame) -> pd.DataFrame:
    return fod_events.assign(event_date=pd.to_datetime(fod_events["event_date"]))


def _round_rows(ev: pd.DataFrame) -> pd.DataFrame:
    """Every office's FOD change rows dated in the round, best-sourced first (``aor_code`` kept)."""
    rows = ev[ev["event"].isin(CHANGE_EVENTS) & ev["event_date"].between(ROUND_START, ROUND_END)]
    rows = rows.assign(_rank=rows["confidence"].map(CONFIDENCE_RANK))
    return rows.sort_values(["_rank", "event_date"], kind="stable")


def _source_columns(rows: pd.DataFrame) -> list[str]:
    cols = ["event_date", "event", "person", "source_publisher", "source_url", "confidence"]
    return cols + [c for c in ("origin", "quote") if c in rows.columns]


def tier_sources(fod_events: pd.DataFrame, aor: str) -> pd.DataFrame:
    """The office's FOD rows dated in the October-November 2025 round (its evidence), best-sourced first."""
    rows = _round_rows(_dated(fod_events))
    return rows.loc[rows["aor_code"].eq(aor), _source_columns(rows)].reset_index(drop=True)


def operations(fod_events: pd.DataFrame) -> pd.DataFrame:
    """One row per office operation (``aor``, ``operation``, ``start``, ``end``, ``source_url``, ``confidence``).

    The end is the office's first operation-end row after the start (NaT when none is recorded).
    """
    ev = _dated(fod_events)
    starts = ev[ev["event"].eq("operation_start")].sort_values("event_date")
    ends = ev[ev["event"].eq("operation_end")]
    rows = []
    for op in starts.itertuples(index=False):
        later = ends[(ends["aor_code"] == op.aor_code) & (ends["event_date"] >= op.event_date)]
        rows.append(
            {
                "aor": op.aor_code,
                "operation": op.person,
                "start": op.event_date,
                "end": later["event_date"].min() if len(later) else pd.NaT,
                "source_url": op.source_url,
                "source_publisher": op.source_publisher,
                "confidence": op.confidence,
            }
        )
    columns = ["aor", "operation", "start", "end", "source_url", "source_publisher", "confidence"]
    return pd.DataFrame(rows, columns=columns)


def treatment_tiers(fod_events: pd.DataFrame, offices: pd.DataFrame) -> pd.DataFrame:
    """One row per field office: its tier, change date, best source confidence, sources and operations.

    `fod_events` is ``research.data.load_fod_events()``, `offices` ``research.data.load_field_offices()``.
    Columns: ``aor``, ``office``, ``tier``, ``tier_label`` ("Status unknown" for offices with no evidence either
    way), ``change_date`` (earliest dated row of the round; NaT when unknown), ``confidence`` (best among its
    sources), ``n_sources``, ``sources`` (a list of dicts: date, event, person, publisher, url, confidence),
    ``latest_director`` and ``latest_director_date`` (last director observed in post before the round ended, if
    any; this is not evidence of continuity), ``operation``, ``operation_start``, ``operation_end``.
    """
    _check(fod_events)
    ops = operations(fod_events)
    ev = _dated(fod_events)
    unknown_codes = sorted(set(TIER_OF) - set(offices["aor"]))
    if unknown_codes:
        raise ValueError(f"treatment tiers: offices {unknown_codes} are not among the field offices")
    # Each selection once for all offices, then split by office (the same rows, in the same order, as
    # `tier_sources` and a per-office filter give).
    round_rows = _round_rows(ev)
    sources_of = _by_office(round_rows[_source_columns(round_rows)], round_rows["aor_code"])
    observed = ev[
        ev["event"].eq("fod_in_post_observed")
        & (ev["event_date"] <= ROUND_END)
        & ~ev["person"].astype(str).str.startswith("(")
    ].sort_values("event_date", kind="stable")  # ties keep file order, whichever offices are present
    seen_of = _by_office(observed, observed["aor_code"])
    ops_of = _by_office(ops, ops["aor"])
    rows = []
    for off in offices.itertuples(index=False):
        tier = TIER_OF.get(str(off.aor), "unknown")
        src = sources_of(off.aor)
        evidence = supporting(src, tier)
        if tier != "unknown" and src.empty:
            raise ValueError(
                f"fod_events.csv: office {off.aor} is tiered {tier!r} but has no FOD row dated "
                f"{ROUND_START:%Y-%m-%d}..{ROUND_END:%Y-%m-%d}"
            )
        seen = seen_of(off.aor)
        op = ops_of(off.aor)
        rows.append(
            {
                "aor": off.aor,
                "office": off.short_name,
                "tier": tier,
                "tier_label": TIER_LABELS[tier],
                "change_date": evidence["event_date"].min() if len(evidence) else pd.NaT,
                "confidence": evidence["confidence"].iloc[0] if len(evidence) else None,
                "n_sources": int(src["source_url"].nunique()),
                "sources": [
                    {
                        "date": r.event_date,
                        "event": r.event,
                        "person": r.person,
                        "publisher": r.source_publisher,
                        "url": r.source_url,
                        "confidence": r.confidence,
                    }
                    for r in src.itertuples(index=False)
                ],
                "latest_director": seen["person"].iloc[-1] if len(seen) else None,
                "latest_director_date": seen["event_date"].iloc[-1] if len(seen) else pd.NaT,
                "operation": "; ".join(op["operation"].astype(str)) if len(op) else None,
                "operation_start": op["start"].min() if len(op) else pd.NaT,
                "operation_end": op["end"].max() if len(op) else pd.NaT,
            }
        )
    table = pd.DataFrame(rows)
    table["tier"] = pd.Categorical(table["tier"], categories=list(TIERS), ordered=True)
    return table


def _by_office(frame: pd.DataFrame, codes: pd.Series) -> Callable[[object], pd.DataFrame]:
    """office code -> its rows of `frame` (in frame order, index reset; no rows: an empty frame)."""
    parts = {code: part.reset_index(drop=True) for code, part in frame.groupby(codes.to_numpy(), sort=False)}
    empty = frame.iloc[0:0].reset_index(drop=True)
    return lambda code: parts.get(code, empty)


@dataclass(frozen=True)
class Design:
    """Treated and comparison offices for one treatment definition and one comparison group."""

    treatment: str
    comparison: str
    treated: tuple[str, ...]
    control: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.treatment}|{self.comparison}"


def design(tiers: pd.DataFrame, treatment: str, comparison: str) -> Design:
    """Treated offices (tiers in `TREATMENTS[treatment]`) and the comparison offices under `comparison`.

    - all_others: every office not treated (including status-unknown offices and other tiers);
    - no_operations: without comparison offices that had a Border Patrol operation;
    - no_unconfirmed: without comparison offices whose change is reported or claimed but not confirmed.
    """
    if treatment not in TREATMENTS:
        raise ValueError(f"treatment {treatment!r}: expected one of {', '.join(TREATMENTS)}")
    if comparison not in COMPARISONS:
        raise ValueError(f"comparison {comparison!r}: expected one of {', '.join(COMPARISONS)}")
    tier = tiers["tier"].astype(str)
    is_treated = tier.isin(TREATMENTS[treatment])
    control = ~is_treated
    if comparison == "no_operations":
        control &= tiers["operation_start"].isna()
    if comparison == "no_unconfirmed":
        control &= ~tier.isin(UNCONFIRMED_TIERS)
    return Design(
        treatment,
        comparison,
        tuple(tiers.loc[is_treated, "aor"].astype(str)),
        tuple(tiers.loc[control, "aor"].astype(str)),
    )


def designs(tiers: pd.DataFrame) -> list[Design]:
    """Every treatment x comparison design, dropping those whose offices repeat an earlier design."""
    out: list[Design] = []
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for treatment in TREATMENTS:
        for comparison in COMPARISONS:
            d = design(tiers, treatment, comparison)
            if (d.treated, d.control) not in seen:
                seen.add((d.treated, d.control))
                out.append(d)
    return out
