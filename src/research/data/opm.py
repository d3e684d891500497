"""Readers for OPM workforce data: monthly headcount by DHS component, and officer counts by occupation.

The headcount file is the Deportation Data Project extract of OPM data (all occupations). The record-level file
(occupation series, optional download) gives officers: series 1801 covers deportation officers, 1811 criminal
investigators.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from research import config

COMPONENT_CODES = {
    "IMMIGRATION AND CUSTOMS ENFORCEMENT": "ICE",
    "CUSTOMS AND BORDER PROTECTION": "CBP",
}
_COLUMNS = ["agency_subelement", "year", "month", "n_employees"]

OFFICER_SERIES = (1801, 1811)
# Where the OPM record-level file (DDP stack restricted to DHS) is placed when downloaded.
OFFICER_FILE_NAME = "opm-employment-immigration.parquet"
ICE_SUBELEMENT = "IMMIGRATION AND CUSTOMS ENFORCEMENT"


def read_opm_headcount(path: Path) -> pd.DataFrame:
    """Monthly headcount per component: `month`, `component` (ICE, CBP or the OPM name), `employees`."""
    available = pq.read_schema(path).names
    missing = [c for c in _COLUMNS if c not in available]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}; expected {_COLUMNS}")
    raw = pq.read_table(path, columns=_COLUMNS).to_pandas()
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime({"year": raw["year"], "month": raw["month"], "day": 1}),
            "component": raw["agency_subelement"].map(lambda n: COMPONENT_CODES.get(n, n.title())),
            "employees": raw["n_employees"].astype("int64"),
        }
    )
    if frame.duplicated(["month", "component"]).any():
        raise ValueError(f"{path.name}: more than one row for a month and component")
    return frame.sort_values(["component", "month"]).reset_index(drop=True)


def officer_file(directory: Path | None = None) -> Path:
    """Where the OPM record-level file is expected (data/raw/staffing, or the raw mirror's staffing folder)."""
    if directory is not None:
        return directory / OFFICER_FILE_NAME
    mirror = config.raw_mirror()
    candidates = [config.RAW_DIR / "staffing" / OFFICER_FILE_NAME]
    if mirror is not None:
        candidates.insert(0, mirror / "staffing" / OFFICER_FILE_NAME)
    return next((p for p in candidates if p.exists()), candidates[-1])


def read_officer_counts(path: Path | None = None) -> pd.DataFrame | None:
    """ICE officers (occupation series 1801 and 1811) by month from the OPM record-level file, or None when absent.

    Expected columns: `agency_subelement`, `occupational_series_code`, `count`, and the month as `date_part`
    (YYYYMM) or `year` + `month`. Returns columns `month`, `series` (1801|1811), `officers`.
    Never fabricates counts: without the file, callers fall back to published officer figures.
    """
    file = path if path is not None else officer_file()
    if not file.exists():
        return None
    raw = pd.read_parquet(file)
    needed = {"agency_subelement", "occupational_series_code", "count"}
    missing = needed - set(raw.columns)
    has_month = "date_part" in raw.columns or {"year", "month"} <= set(raw.columns)
    if missing or not has_month:
        raise ValueError(
            f"{file}: expected columns {sorted(needed)} and 'date_part' or 'year'+'month'; got {sorted(raw.columns)}"
        )
    series = pd.to_numeric(raw["occupational_series_code"], errors="coerce")
    keep = (raw["agency_subelement"].str.upper() == ICE_SUBELEMENT) & series.isin(OFFICER_SERIES)
    data = raw[keep].assign(series=series[keep].astype(int))
    if "date_part" in data.columns:
        month = pd.to_datetime(data["date_part"].astype(str), format="%Y%m")
    else:
        month = pd.to_datetime({"year": data["year"], "month": data["month"], "day": 1})
    data = data.assign(month=month)
    out = data.groupby(["month", "series"], as_index=False).agg(officers=("count", "sum"))
    out["officers"] = out["officers"].astype(int)
    return out
