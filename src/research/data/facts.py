"""Hand-curated facts (data/raw/facts/*.csv): leadership events, official figures, staffing figures, timeline.

Every row must cite a source URL; dates must parse. Errors name the file, the row and the field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from research import config

FACT_FILES = {
    "fod_events": (
        "event_date",
        [
            "event_date",
            "aor_code",
            "event",
            "origin",
            "source_url",
            "source_publisher",
            "confidence",
            "quote",
        ],
    ),
    "leadership_events": ("event_date", ["event_date", "aor_code", "event", "source_url"]),
    "official_figures": ("period_start", ["metric", "period_start", "value", "unit", "source_url"]),
    "staffing_figures": ("period_start", ["metric", "period_start", "value", "unit", "source_url"]),
    "timeline_events": ("date", ["date", "label", "category", "scope", "source_url"]),
}
DATE_COLUMNS = ("event_date", "source_date", "period_start", "period_end", "date")
# fod_events keeps `source_date` as written ("2025-10 (approx)"): the page's own date is often partial.
TEXT_DATE_COLUMNS = {"fod_events": {"source_date"}}
FOD_CONFIDENCE = ("high", "medium", "low")
TIMELINE_CATEGORIES = {"policy", "leadership", "operation", "staffing"}


class FactsError(ValueError):
    """A curated facts file breaks its rules (missing field, unparseable date, row without a source)."""


def read_facts(name: str, facts_dir: Path | None = None) -> pd.DataFrame:
    """Read and check one facts table by name (e.g. "leadership_events")."""
    if name not in FACT_FILES:
        raise FactsError(f"unknown facts table {name!r}; expected one of {sorted(FACT_FILES)}")
    path = (facts_dir or config.FACTS_DIR) / f"{name}.csv"
    _, required = FACT_FILES[name]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FactsError(f"{path.name}: missing column(s) {missing}")
    for index, row in frame.iterrows():
        line = int(str(index)) + 2  # header is line 1
        for column in required:
            if not row[column].strip():
                raise FactsError(f"{path.name} line {line}: field '{column}' is empty")
        if not row["source_url"].startswith(("http://", "https://")):
            raise FactsError(f"{path.name} line {line}: source_url {row['source_url']!r} is not a URL")
    for column in DATE_COLUMNS:
        if column in frame.columns and column not in TEXT_DATE_COLUMNS.get(name, set()):
            parsed = pd.to_datetime(frame[column].replace("", None), format="%Y-%m-%d", errors="coerce")
            bad = frame[column].ne("") & parsed.isna()
            if bad.any():
                line = int(bad.idxmax()) + 2
                raise FactsError(
                    f"{path.name} line {line}: field '{column}' = {frame.at[bad.idxmax(), column]!r}; "
                    "expected a date YYYY-MM-DD"
                )
            frame[column] = parsed
    if "value" in frame.columns:
        frame["value"] = pd.to_numeric(frame["value"], errors="raise")
    if name == "fod_events":
        bad = ~frame["confidence"].isin(FOD_CONFIDENCE)
        if bad.any():
            line = int(bad.idxmax()) + 2
            raise FactsError(
                f"{path.name} line {line}: field 'confidence' = {frame.at[bad.idxmax(), 'confidence']!r}; "
                f"expected one of {list(FOD_CONFIDENCE)}"
            )
    if name == "timeline_events":
        unknown = set(frame["category"]) - TIMELINE_CATEGORIES
        if unknown:
            raise FactsError(
                f"{path.name}: unknown category {sorted(unknown)}; expected {sorted(TIMELINE_CATEGORIES)}"
            )
    frame.attrs["source"] = f"curated facts: data/raw/facts/{path.name} (one source URL per row)"
    return frame
