"""Deportation Data Project (DDP) ICE arrests: one row per arrest -> daily arrests panel by AOR and criminality.

The raw file (`arrests-latest.parquet`, registry entry of that name) is not in the repository or the mirror;
it is used automatically when `research data fetch arrests-latest.parquet` has put it under data/raw.
Only four columns are read. Rows that DDP flags with ``duplicate_drop_row`` are dropped, as DDP advises.

`apprehension_aor` is where the arresting officer is assigned, not where the arrest happened. Redacted,
empty, "NA" and headquarters values belong to no field office and become ``"UNKNOWN"``; any other spelling
that `research.offices.to_aor_code` does not know is an error naming the value and the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from research.data import offices, sources

SOURCE_NAME = "arrests-latest.parquet"
COLUMNS = ("apprehension_date", "apprehension_aor", "apprehension_criminality", "duplicate_drop_row")
UNKNOWN_AOR = "UNKNOWN"
UNKNOWN_CRIMINALITY = "Unknown"
CITATION = (
    "government data provided by ICE in response to a FOIA request, processed by the Deportation Data Project"
)
# DDP: "the last 1-3 weeks of each release are incomplete because of reporting lag".
DEFAULT_INCOMPLETE_WEEKS = 3

_FOIA_REDACTION = re.compile(r"^\s*\(b\)\s*\(\d")  # e.g. "(b)(6), (b)(7)(C)"
_TRUE_STRINGS = ["true", "t", "1", "yes", "y"]


class ArrestsDataError(ValueError):
    """The arrests file is missing a column or holds a value the loader cannot interpret."""


def arrests_file(raw_dir: Path | None = None) -> Path | None:
    """The local DDP arrests parquet from the source registry, or None when it has not been fetched."""
    path = sources.raw_path(sources.get_source(SOURCE_NAME), raw_dir)
    return path if path.is_file() else None


def aor_code(value: object, path: Path | str = "<arrests file>") -> str:
    """Map one `apprehension_aor` value to an AOR code, or "UNKNOWN" for redacted/empty/NA/HQ values."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return UNKNOWN_AOR
    text = str(value)
    if offices.is_unassigned(text) or _FOIA_REDACTION.match(text):
        return UNKNOWN_AOR
    try:
        return offices.to_aor_code(text)
    except offices.UnknownAORError as exc:
        raise ArrestsDataError(
            f"{path}: column 'apprehension_aor' has unknown value {text!r}: {exc}"
        ) from None


def criminality_label(value: object) -> str:
    """'1 Convicted Criminal' -> 'Convicted Criminal' (the labels of the detention statistics); null -> 'Unknown'."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip():
        return UNKNOWN_CRIMINALITY
    return re.sub(r"^\s*\d+\s*[-.]?\s*", "", str(value)).strip()


def read_arrest_counts(path: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Read the needed columns, drop flagged duplicates and count arrests per raw (date, aor, criminality).

    Counting happens in Arrow before any Python-level mapping, so only the distinct combinations reach pandas.
    Returns the counts (columns apprehension_date, apprehension_aor, apprehension_criminality, arrests) and
    row statistics (rows_read, duplicates_dropped, null_dates_dropped).
    """
    path = Path(path)
    schema = pq.read_schema(path)
    missing = [c for c in COLUMNS if c not in schema.names]
    if missing:
        raise ArrestsDataError(
            f"{path}: missing column(s) {', '.join(missing)}; expected the DDP arrests schema with {', '.join(COLUMNS)}"
        )
    table = pq.read_table(path, columns=list(COLUMNS))
    rows_read = table.num_rows
    table = table.filter(pc.invert(_duplicate_mask(table.column("duplicate_drop_row"), path)))
    duplicates = rows_read - table.num_rows
    dates = _to_date32(table.column("apprehension_date"), path)
    table = pa.table(
        {
            "apprehension_date": dates,
            "apprehension_aor": table.column("apprehension_aor").cast(pa.string()),
            "apprehension_criminality": table.column("apprehension_criminality").cast(pa.string()),
        }
    )
    kept = table.filter(pc.is_valid(table.column("apprehension_date")))
    null_dates = table.num_rows - kept.num_rows
    counts = (
        kept.group_by(
            ["apprehension_date", "apprehension_aor", "apprehension_criminality"], use_threads=False
        )
        .aggregate([([], "count_all")])
        .rename_columns(["apprehension_date", "apprehension_aor", "apprehension_criminality", "arrests"])
        .to_pandas()
    )
    stats = {"rows_read": rows_read, "duplicates_dropped": duplicates, "null_dates_dropped": null_dates}
    return counts, stats


def _duplicate_mask(column: pa.ChunkedArray, path: Path) -> pa.ChunkedArray:
    """True where DDP says to drop the row; nulls count as not flagged. Accepts bool, 0/1 or 'TRUE'/'FALSE'."""
    kind = column.type
    if pa.types.is_boolean(kind):
        mask = column
    elif pa.types.is_integer(kind):
        mask = pc.not_equal(column, 0)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        mask = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(column)), value_set=pa.array(_TRUE_STRINGS))
    else:
        raise ArrestsDataError(f"{path}: column 'duplicate_drop_row' has type {kind}; expected boolean")
    return pc.fill_null(mask, False)


def _to_date32(column: pa.ChunkedArray, path: Path) -> pa.ChunkedArray:
    """Dates from a timestamp (any unit/zone: local calendar day), date or ISO string column."""
    kind = column.type
    if pa.types.is_date32(kind):
        return column
    if pa.types.is_date64(kind):
        return column.cast(pa.date32())
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:  # keep the wall-clock day, not the UTC day
            column = pc.local_timestamp(column)
        return column.cast(pa.date32())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        text = column.cast(pa.string())
        day = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(text), 0, 10)
        day = pc.if_else(pc.equal(day, ""), pa.scalar(None, pa.string()), day)
        try:
            return pc.strptime(day, format="%Y-%m-%d", unit="s", error_is_null=False).cast(pa.date32())
        except (pa.ArrowInvalid, ValueError):
            bad = next((v for v in day.to_pylist() if v is not None and not _is_iso_day(v)), None)
            raise ArrestsDataError(
                f"{path}: column 'apprehension_date' has value {bad!r}; expected dates like 2025-01-20"
            ) from None
    raise ArrestsDataError(
        f"{path}: column 'apprehension_date' has type {kind}; expected a date or timestamp"
    )


def _is_iso_day(text: str) -> bool:
    try:
        pd.Timestamp(text)
    except ValueError:
        return False
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}$", text))


def build_arrests_daily(raw_path: Path) -> pd.DataFrame:
    """Daily arrests panel from the DDP arrests parquet: one row per date x aor x criminality, zero-filled.

    Columns: `date` (datetime64), `aor` (code or "UNKNOWN"), `criminality` ("Convicted Criminal",
    "Pending Criminal Charges", "Other Immigration Violator" or "Unknown"), `arrests` (int64).
    Every day from the first to the last arrest date appears for every aor and criminality seen in the file,
    with 0 where there were no arrests, so gaps are explicit. The incomplete last weeks are NOT trimmed here:
    apply `trim_incomplete_tail`. `.attrs` records the source, file, max date and row counts.
    """
    path = Path(raw_path)
    counts, stats = read_arrest_counts(path)
    # Map each distinct spelling once; nulls become "" so dict lookups never meet NaN keys.
    raw_aor = counts["apprehension_aor"].fillna("")
    raw_crim = counts["apprehension_criminality"].fillna("")
    aor_map = {v: aor_code(v, path) for v in raw_aor.unique()}
    crim_map = {v: criminality_label(v) for v in raw_crim.unique()}
    mapped = pd.DataFrame(
        {
            "date": pd.to_datetime(counts["apprehension_date"]),
            "aor": raw_aor.map(aor_map),
            "criminality": raw_crim.map(crim_map),
            "arrests": counts["arrests"].astype("int64"),
        }
    )
    if mapped.empty:
        raise ArrestsDataError(f"{path}: no arrests left after dropping duplicates and rows without a date")
    grouped = mapped.groupby(["date", "aor", "criminality"])["arrests"].sum()
    grid = pd.MultiIndex.from_product(
        [
            pd.date_range(mapped["date"].min(), mapped["date"].max(), freq="D"),
            sorted(mapped["aor"].unique()),
            sorted(mapped["criminality"].unique()),
        ],
        names=["date", "aor", "criminality"],
    )
    daily = grouped.reindex(grid, fill_value=0).astype("int64").reset_index()
    daily["date"] = daily["date"].astype(
        "datetime64[ns]"
    )  # the processed schema's unit, whatever the input's
    attrs: dict[str, object] = {
        "source": f"Deportation Data Project ICE arrests ({path.name}); {CITATION}",
        "file": path.name,
        "file_max_date": mapped["date"].max().date().isoformat(),
        "unknown_aor_arrests": int(mapped.loc[mapped["aor"] == UNKNOWN_AOR, "arrests"].sum()),
        **stats,
    }
    daily.attrs.clear()
    daily.attrs.update(attrs)
    return daily


def national_daily(daily: pd.DataFrame, by_criminality: bool = False) -> pd.DataFrame:
    """National daily series (all AORs incl. UNKNOWN): `date`, [`criminality`], `arrests`; keeps `.attrs`."""
    keys = ["date", "criminality"] if by_criminality else ["date"]
    national = daily.groupby(keys)["arrests"].sum().reset_index()
    national.attrs = dict(daily.attrs)
    return national


def trim_incomplete_tail(
    daily: pd.DataFrame, weeks: int = DEFAULT_INCOMPLETE_WEEKS, max_date: pd.Timestamp | str | None = None
) -> pd.DataFrame:
    """Drop the last `weeks` weeks before the file's max date, which DDP says are incomplete (reporting lag).

    Keeps rows with ``date <= max_date - 7 * weeks days``. `max_date` defaults to ``attrs["file_max_date"]``
    (the last arrest date in the raw file), else the frame's last date. Records ``attrs["trimmed_after"]``
    (the last kept date, ISO) and ``attrs["trim_weeks"]``.
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 0:
        raise ValueError(f"weeks = {weeks!r}: expected a non-negative integer number of weeks")
    end = max_date if max_date is not None else daily.attrs.get("file_max_date", daily["date"].max())
    cutoff = pd.Timestamp(end).normalize() - pd.Timedelta(days=7 * weeks)
    trimmed = daily.loc[daily["date"] <= cutoff].reset_index(drop=True)
    trimmed.attrs = dict(daily.attrs)
    trimmed.attrs.update({"trimmed_after": cutoff.date().isoformat(), "trim_weeks": weeks})
    return trimmed
