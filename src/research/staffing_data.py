"""Loader for OPM monthly on-board headcount by DHS component (Deportation Data Project extract of OPM data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

COMPONENT_CODES = {
    "IMMIGRATION AND CUSTOMS ENFORCEMENT": "ICE",
    "CUSTOMS AND BORDER PROTECTION": "CBP",
}
_COLUMNS = ["agency_subelement", "year", "month", "n_employees"]


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
