"""The data layer: raw files in, validated processed tables out, and one-line loaders for them.

Flow: `sources` (registry of raw files, fetch with sha256 checks) -> one reader per raw source (`ice_stats`,
`opm`, `offices`, `facts`, `ddp_arrests`, `arrest_aggregates`) -> `build` (validated Parquet in data/processed, checked against
`schemas`) -> `loaders` (the `load_*` functions re-exported here).

    from research.data import load_book_ins
    ice = load_book_ins(agency="ICE")
    ice.attrs["source"], ice.attrs["data_version"]

This package never imports `research.models` or `research.figures` (tests/test_architecture.py).
"""

from research.data.loaders import (
    ARRESTS_CITATION,
    DDP_CITATION,
    ICE_CITATION,
    OPM_CITATION,
    DataNotAvailable,
    ScenarioFileError,
    aor_code,
    data_version,
    data_version_info,
    has_arrests_file,
    load_adp,
    load_arrests_aor_windows,
    load_arrests_daily,
    load_arrests_monthly,
    load_atd,
    load_book_ins,
    load_book_ins_vintage,
    load_editions,
    load_events,
    load_facilities,
    load_field_offices,
    load_fod_events,
    load_leadership_events,
    load_officer_counts,
    load_official_figures,
    load_removals,
    load_scenario_document,
    load_staffing,
    load_staffing_figures,
    officer_file_name,
    scenario_line,
)

__all__ = [
    "ARRESTS_CITATION",
    "DDP_CITATION",
    "ICE_CITATION",
    "OPM_CITATION",
    "DataNotAvailable",
    "ScenarioFileError",
    "aor_code",
    "data_version",
    "data_version_info",
    "has_arrests_file",
    "load_adp",
    "load_arrests_aor_windows",
    "load_arrests_daily",
    "load_arrests_monthly",
    "load_atd",
    "load_book_ins",
    "load_book_ins_vintage",
    "load_editions",
    "load_events",
    "load_facilities",
    "load_field_offices",
    "load_fod_events",
    "load_leadership_events",
    "load_officer_counts",
    "load_official_figures",
    "load_removals",
    "load_scenario_document",
    "load_staffing",
    "load_staffing_figures",
    "officer_file_name",
    "scenario_line",
]
