"""One-line loaders for every table the notebooks use.

Processed tables are read from `data/processed/` (the embedded default committed in the repository, or a fresh
`research data build`). Each frame says where it came from in `frame.attrs["source"]` and carries the
`data_version` of the build. See data/CODEBOOK.md for every column.

    from research.data import load_book_ins
    ice = load_book_ins(agency="ICE")
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from research import config
from research.data import facts, offices, opm, validation

ICE_CITATION = "U.S. Immigration and Customs Enforcement, Detention Statistics (FY2021-FY2026 workbooks)"
OPM_CITATION = (
    "OPM on-board headcount by DHS component, via the Deportation Data Project (deportationdata/opm-dhs)"
)
ARRESTS_CITATION = (
    "ICE ERO arrests computed by markusstrasser/immigration-research (MIT) from the Deportation Data Project's "
    "arrest records (CC0): government data provided by ICE in response to a FOIA request, processed by the "
    "Deportation Data Project"
)
DDP_CITATION = (
    "government data provided by ICE in response to a FOIA request, processed by the Deportation Data Project"
)


STAFFING_SCENARIOS_FILE = config.NOTEBOOKS_DIR / config.SCENARIOS_NAME


class DataNotAvailable(RuntimeError):
    """A table that needs a raw file which is not on this machine (e.g. the DDP arrests file)."""


class ScenarioFileError(validation.ValidationError):
    """The staffing scenario file is missing or not valid YAML; the message names the file and line."""


def data_version_info(processed: Path | None = None) -> dict[str, Any]:
    """Contents of data_version.json: data_version, code_version, raw_inputs, tables, notes."""
    path = (processed or config.processed_dir()) / config.DATA_VERSION_FILE
    if not path.exists():
        raise DataNotAvailable(
            f"{path} is missing; run `research data build` or restore data/processed from git"
        )
    return dict(json.loads(path.read_text()))


def data_version() -> str:
    return str(data_version_info()["data_version"])


def _read(name: str, processed: Path) -> pd.DataFrame:
    """The table as stored now: the cache is keyed on the file's identity, so after `research data build`
    replaces data/processed a long-lived kernel reads the new file, never the old table under the new version."""
    path = processed / f"{name}.parquet"
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataNotAvailable(f"processed table {path} is missing; run `research data build`") from None
    return _read_file(path, stat.st_ino, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _read_file(path: Path, inode: int, mtime_ns: int, size: int) -> pd.DataFrame:
    return pd.read_parquet(path)


def _load(name: str, source: str) -> pd.DataFrame:
    processed = config.processed_dir()
    frame = _read(name, processed).copy()
    frame.attrs = {
        "source": source,
        "data_version": data_version_info(processed)["data_version"],
        "table": name,
    }
    return frame


def _load_ice(name: str, detail: str = "") -> pd.DataFrame:
    """Load a table read from the ICE workbooks; its source names the editions it draws on."""
    frame = _read(name, config.processed_dir())
    editions = frame.drop_duplicates("edition_file").sort_values("edition_date")
    newest = editions.iloc[-1]
    source = (
        f"{ICE_CITATION}: values from {len(editions)} editions, newest {newest['edition_file']} "
        f"(published {newest['edition_date']:%Y-%m-%d}, data through {newest['data_through']:%Y-%m-%d}){detail}"
    )
    return _load(name, source)


def _keep(frame: pd.DataFrame, column: str, value: object) -> pd.DataFrame:
    """Rows where `column` equals `value`, keeping the provenance attrs (boolean indexing drops them)."""
    kept = frame[frame[column] == value].reset_index(drop=True)
    kept.attrs = frame.attrs
    return kept


def _filter_agency(frame: pd.DataFrame, agency: str | None) -> pd.DataFrame:
    if agency is None:
        return frame
    if agency not in ("ICE", "CBP", "Total"):
        raise ValueError(f"agency {agency!r}: expected 'ICE', 'CBP', 'Total' or None")
    return _keep(frame, "agency", agency)


def load_book_ins(agency: str | None = None) -> pd.DataFrame:
    """Best monthly initial book-ins by arresting agency, FY2021 to the newest edition (partial months flagged).

    Book-ins count arrests that led to an ICE detention book-in, not all arrests.
    """
    return _filter_agency(_load_ice("book_ins"), agency)


def load_book_ins_vintage(agency: str | None = None) -> pd.DataFrame:
    """Every edition's value for every month (to study how ICE revises published months)."""
    return _filter_agency(_load_ice("book_ins_vintage"), agency)


def load_adp(agency: str | None = None, criminality: str | None = "All") -> pd.DataFrame:
    """Best monthly average daily detained population by arresting agency (and criminality; None for all rows)."""
    frame = _load_ice("adp")
    if criminality is not None:
        frame = _keep(frame, "criminality", criminality)
    return _filter_agency(frame, agency)


def load_facilities() -> pd.DataFrame:
    """Detention facilities of every edition with AOR code and fiscal-year-to-date populations."""
    return _load_ice("facilities", ", Facilities sheets")


def load_removals() -> pd.DataFrame:
    """Fiscal-year-to-date removals per edition."""
    return _load_ice("removals", ", 'ICE Removals' table")


def load_atd() -> pd.DataFrame:
    """Active Alternatives-to-Detention participants by status, one snapshot per edition."""
    return _load_ice("atd", ", ATD sheets")


def load_editions() -> pd.DataFrame:
    """One row per workbook read: fiscal year, data cut-off, and the known ICE errors handled."""
    return _load_ice("editions")


def load_staffing(component: str | None = None) -> pd.DataFrame:
    """OPM monthly on-board headcount (all occupations) by DHS component, 2021-01..2025-12."""
    frame = _load("staffing", OPM_CITATION)
    if component is not None:
        if component not in set(frame["component"]):
            raise ValueError(f"component {component!r}: expected one of {sorted(set(frame['component']))}")
        frame = _keep(frame, "component", component)
    return frame


def load_field_offices() -> pd.DataFrame:
    """The 25 ERO field offices: code, ICE name, location, population (2019 ACS-based estimates)."""
    return _load(
        "field_offices",
        "ICE field offices (curated), UWCHR/ice-enforce field-office coordinates and AOR population indicators",
    )


def load_events() -> pd.DataFrame:
    """Timeline for the events layer drawn on every time chart (date, label, category, scope, source_url)."""
    return facts.read_facts("timeline_events")


def load_leadership_events() -> pd.DataFrame:
    """Curated leadership changes (field office directors and headquarters), one source URL per row."""
    return facts.read_facts("leadership_events")


def load_fod_events() -> pd.DataFrame:
    """Curated field-office director events (removals, appointments, acting and observed directors, operations,
    HQ changes), each with source URL, publisher, confidence (high/medium/low) and a supporting quote.

    Curated from the project's research notes (data/raw/facts/fod_events_SOURCING.md says what is settled and
    what is contested). This is the source of leadership treatment.
    """
    return facts.read_facts("fod_events")


def load_official_figures() -> pd.DataFrame:
    """Curated official arrest figures and goals."""
    return facts.read_facts("official_figures")


def load_staffing_figures() -> pd.DataFrame:
    """Curated staffing figures (officers, hires, Border Patrol details)."""
    return facts.read_facts("staffing_figures")


def load_officer_counts() -> pd.DataFrame | None:
    """ICE officers by month and occupation series from the OPM record-level file, or None when it is absent."""
    return opm.read_officer_counts()


def officer_file_name() -> str:
    """File name of the optional OPM record-level file (for messages telling the user what is missing)."""
    return opm.officer_file().name


def load_scenario_document(path: Path | str | None = None) -> tuple[Any, str]:
    """The parsed staffing scenario YAML (notebooks/staffing_scenarios.yaml, RESEARCH_CURATED_DIR's copy when set, or
    `path`) and its file name.

    Validation of the scenarios themselves is `research.models.staffing.parse_scenarios(document, source)`.
    The YAML is read by `research.data.validation.load_yaml`: syntax errors and duplicate keys name the line,
    and every mapping / list of the document also carries line numbers (`lines`: key or index -> line, see
    `scenario_line`), so a semantic error can point at the line of the scenario field it is about.
    """
    file = Path(path) if path is not None else config.scenarios_file()
    document = validation.load_yaml(file, error=ScenarioFileError, what="scenario file")
    return document, str(file)


def scenario_line(document: Any, index: int, field: str | None = None) -> int | None:
    """Line of scenario number `index` (0-based) of a document from `load_scenario_document`, or of its `field`
    ("inputs.attrition_rate" for a nested one); None when unknown."""
    scenarios = document.get("scenarios") if isinstance(document, dict) else None
    if not isinstance(scenarios, list) or not 0 <= index < len(scenarios):
        return None
    node: Any = scenarios[index]
    if field is None:
        return validation.line_of(scenarios, index)
    *parents, last = field.split(".")
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    return validation.line_of(node, last)


def load_arrests_monthly() -> pd.DataFrame:
    """National ICE ERO **arrests** per month, 2024-01 to the release cut-off (not book-ins).

    `partial_month` marks the month the release stops in; `reporting_lag` marks months that include the
    under-reported last weeks before the cut-off. Models should fit neither.
    """
    frame = _load("arrests_monthly", ARRESTS_CITATION)
    through = pd.Timestamp(frame["release_through"].max())
    frame.attrs["source"] += f" (release through {through:%Y-%m-%d})"
    return frame


def load_arrests_aor_windows(window: str | None = None) -> pd.DataFrame:
    """ICE ERO **arrests** by field office over y2024, y2025 and w2526 (Aug 2025 - Jul 2026); one window or all."""
    frame = _load("arrests_aor_windows", ARRESTS_CITATION)
    if window is not None:
        allowed = sorted(set(frame["window"]))
        if window not in allowed:
            raise ValueError(f"window {window!r}: expected one of {allowed}")
        frame = _keep(frame, "window", window)
    return frame


def has_arrests_file() -> bool:
    """True when the Deportation Data Project arrests table can be loaded (raw file built into processed)."""
    return (config.processed_dir() / "arrests_daily.parquet").exists()


def load_arrests_daily(by: str = "aor") -> pd.DataFrame:
    """Deportation Data Project arrests per day (by="aor": date x AOR x criminality; by="national": per day).

    Only available after `research data fetch arrests-latest.parquet` and `research data build`.
    """
    if not has_arrests_file():
        raise DataNotAvailable(
            "the Deportation Data Project arrests table is not built; run `research data fetch "
            "arrests-latest.parquet` then `research data build` (needs network access)"
        )
    if by not in ("aor", "national"):
        raise ValueError(f"by={by!r}: expected 'aor' or 'national'")
    frame = _load("arrests_daily", DDP_CITATION)
    if by == "national":
        attrs = frame.attrs
        frame = frame.groupby("date", as_index=False)["arrests"].sum()
        frame.attrs = attrs
    return frame


def aor_code(spelling: str) -> str:
    """Map any field-office spelling to its code (raises offices.UnknownAORError)."""
    return offices.to_aor_code(spelling)
