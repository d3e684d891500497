"""Hand-curated facts (data/raw/facts/*.csv): FOD events, leadership events, official figures, staffing figures,
timeline.

Every file has a `TableSpec` (research.data.validation): every row cites a source URL, dates are real dates,
office codes are one of the 25 field offices or a documented non-office code, vocabularies are closed, values
are finite non-negative numbers, and a period never ends before it starts. Any breach is one line naming the
file, line, column and the allowed values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from research import config
from research.data import offices, validation
from research.data.validation import Column, TableSpec

# Non-office codes in the aor_code columns (see data/raw/facts/fod_events_SOURCING.md):
#   HQ: ICE or ERO headquarters; ALL: every office at once (fod_events: the nationwide reshuffle, Border Patrol
#   details); MULTI: several offices in one row (leadership_events: the late-October reassignments).
NON_OFFICE_CODES = {"fod_events": ("HQ", "ALL"), "leadership_events": ("HQ", "MULTI")}
FOD_EVENTS = (
    "fod_removed",
    "fod_appointed",
    "fod_acting_named",
    "fod_in_post_observed",
    "hq_change",
    "operation_start",
    "operation_end",
)
FOD_ORIGINS = ("ice_ero", "border_patrol", "retired_cbp", "hsi", "unknown")
FOD_CONFIDENCE = ("high", "medium", "low")
LEADERSHIP_EVENTS = (
    "acting_director_appointed",
    "acting_director_named",
    "acting_director_reassigned",
    "deputy_director_named",
    "deputy_director_resigned",
    "enforcement_operation_end_announced",
    "enforcement_operation_start",
    "ero_head_replaced",
    "ero_leadership_reassigned",
    "fod_observed_in_post",
    "fod_reassigned_in",
    "fod_reassignment_reported",
    "fod_removed_reassigned",
    "hsi_head_replaced",
    "interim_fod_departed",
    "leader_returned_to_field_office",
    "nationwide_fod_reassignment",
    "operation_commander_replaced",
)
LEADERSHIP_STATUSES = ("confirmed", "reported", "retirement", "observed", "not_fod")
REPLACEMENT_ORIGINS = ("border_patrol", "ice", "unknown")
TIMELINE_CATEGORIES = ("policy", "leadership", "operation", "staffing")
# fod_events keeps `source_date` as written ("2025-10 (approx)"): the page's own date is often partial.
_PARTIAL_DATE = r"\d{4}(-\d{2}(-\d{2}(/\d{2})?)?)?( \(.+\))?"
_PARTIAL_DATE_HINT = (
    "a date YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by a note in brackets: 2025-10 (approx)"
)
_METRIC = Column(
    "metric", pattern=r"[a-z][a-z0-9_]*", pattern_hint="a snake_case metric name such as ice_arrests"
)

FACT_NAMES = ("fod_events", "leadership_events", "official_figures", "staffing_figures", "timeline_events")
DATE_COLUMNS = ("event_date", "source_date", "period_start", "period_end", "date")


class FactsError(validation.ValidationError):
    """A curated facts file breaks its rules; the message names the file, line, column and allowed values."""


def _codes(table: str) -> Column:
    extra = NON_OFFICE_CODES[table]
    return Column(
        "aor_code",
        allowed=(*offices.aor_codes(), *extra),
        allowed_note=f"the 25 field-office codes, or {' / '.join(extra)}",
    )


# What a staffing figure rests on; models.capacity treats all but an administrative record as a claim.
STAFFING_BASES = (
    "administrative record",
    "agency statement",
    "officials via press",
    "press report",
    "advocacy estimate",
    "budget document",
    "target",
)


def _figures(name: str) -> TableSpec:
    basis = (Column("basis", allowed=STAFFING_BASES),) if name == "staffing_figures" else ()
    return TableSpec(
        name,
        (
            _METRIC,
            Column("period_start", "date"),
            Column("period_end", "date", required=False),
            Column("value", "count"),
            Column("unit"),
            Column("source_url", "url"),
            Column("source_date", "date", required=False),
            Column("note", required=False),
            *basis,
        ),
        rules=(validation.period_order_rule(),),
    )


def specs() -> dict[str, TableSpec]:
    """The spec of every facts file, by table name."""
    url = Column("source_url", "url")
    return {
        "fod_events": TableSpec(
            "fod_events",
            (
                Column("event_date", "date"),
                _codes("fod_events"),
                Column("event", allowed=FOD_EVENTS),
                Column("person"),
                Column("role"),
                Column("origin", allowed=FOD_ORIGINS),
                Column("outgoing", required=False),
                url,
                Column("source_publisher"),
                Column("source_date", pattern=_PARTIAL_DATE, pattern_hint=_PARTIAL_DATE_HINT),
                Column("confidence", allowed=FOD_CONFIDENCE),
                Column("quote"),
            ),
        ),
        "leadership_events": TableSpec(
            "leadership_events",
            (
                Column("event_date", "date"),
                _codes("leadership_events"),
                Column("field_office"),
                Column("event", allowed=LEADERSHIP_EVENTS),
                Column("outgoing", required=False),
                Column("incoming", required=False),
                Column("incoming_origin", required=False),
                url,
                Column("source_date", "date", required=False),
                Column("note", required=False),
                Column("status", allowed=LEADERSHIP_STATUSES),
                Column("replacement_origin", allowed=REPLACEMENT_ORIGINS),
            ),
        ),
        "official_figures": _figures("official_figures"),
        "staffing_figures": _figures("staffing_figures"),
        "timeline_events": TableSpec(
            "timeline_events",
            (
                Column("date", "date"),
                Column("label"),
                Column("category", allowed=TIMELINE_CATEGORIES),
                Column(
                    "scope",
                    allowed=("national", *offices.aor_codes()),
                    allowed_note="national, or a field-office code",
                ),
                url,
                Column("note", required=False),
            ),
        ),
    }


def facts_path(name: str, facts_dir: Path | None = None) -> Path:
    if name not in FACT_NAMES:
        raise FactsError(f"unknown facts table {name!r}; expected one of {', '.join(FACT_NAMES)}")
    return (facts_dir or config.facts_dir()) / f"{name}.csv"


def read_facts(name: str, facts_dir: Path | None = None) -> pd.DataFrame:
    """Read and validate one facts table by name (e.g. "leadership_events"); dates parsed, values numeric."""
    path = facts_path(name, facts_dir)
    spec = specs()[name]
    frame = validation.read_table(path, spec, FactsError)
    for column in spec.columns:
        if column.kind == "date":
            frame[column.name] = pd.to_datetime(frame[column.name].replace("", None), format="%Y-%m-%d")
    if "value" in frame.columns:
        frame["value"] = pd.to_numeric(frame["value"].str.replace(",", "", regex=False))
    frame.attrs["source"] = f"curated facts: data/raw/facts/{path.name} (one source URL per row)"
    return frame
