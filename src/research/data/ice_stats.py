"""Reader for ICE detention-statistics workbooks (FY2021 to FY2026, every layout).

Tables are located by their title text and header labels, never by fixed cells: ICE moves tables between
releases, pads sheet names and labels with spaces, reorders agency rows, and sometimes ships stale sheets.
Only the sheets needed are read (Detention, Facilities, Footnotes), with python-calamine, which is what
makes the build fast (see benchmarks/build_data.py).

Known ICE errors handled here (see the mirror's ice_detention_stats/README.md):
- a Detention sheet that is a stale copy of an earlier fiscal year (FY21 10/28/2021): its tables are
  skipped and the edition is recorded with the reason;
- stray extra sheets such as `Detention EOFY2020` next to `Detention FY26` (FY26 01/08/2026): the sheet whose
  fiscal year matches the edition is used;
- a file name with the wrong fiscal year (FY24_detentionStats11152024 holds FY2025): the fiscal year is read
  from the table titles, not from the file name;
- a stale Footnotes sheet (FY21 10/07/2021): the data-through date then comes from the source registry.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from python_calamine import CalamineWorkbook

from research import calendar
from research.data import offices

BOOK_INS_TITLE = "ICE Initial Book-Ins by Arresting Agency and Month"
ADP_TITLE = "ICE Average Daily Population by Arresting Agency, Month and Criminality"
REMOVALS_TITLE = "ICE Removals"
ATD_TITLE = "ATD Active Population by Status"
# ADP is an average of daily counts printed with decimals: agency rows may miss the total by rounding only.
_ADP_TOLERANCE = 0.5
CRIMINALITY = ("Convicted Criminal", "Pending Criminal Charges", "Other Immigration Violator")

Cells = list[list[Any]]


class WorkbookError(ValueError):
    """A workbook cannot be read or does not hold a table where this reader expects one."""


@dataclass(frozen=True)
class EditionInfo:
    """What the source registry knows about one workbook (used as hints and for provenance)."""

    file: str
    edition_date: pd.Timestamp
    fiscal_year: int | None = None
    data_through: pd.Timestamp | None = None


@dataclass
class EditionTables:
    """Tidy tables read from one workbook, plus notes on anything skipped."""

    info: EditionInfo
    fiscal_year: int
    data_through: pd.Timestamp | None
    book_ins: pd.DataFrame
    adp: pd.DataFrame
    facilities: pd.DataFrame
    removals: pd.DataFrame
    atd: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- cell helpers


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    """The cell as a finite float, or None (blank, dash, text, NaN or infinity are not counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        cleaned = value.strip().replace(",", "")
        if cleaned in ("", "-", "\xa0"):
            return None
        try:
            number = float(cleaned)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _find_title(cells: Cells, title: str) -> list[tuple[int, int, str]]:
    """Every (row, column, text) whose text starts with `title` (case-insensitive, spaces collapsed)."""
    wanted = re.sub(r"\s+", " ", title.lower())
    hits = []
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            text = re.sub(r"\s+", " ", _text(value).lower())
            if text.startswith(wanted):
                hits.append((r, c, _text(value)))
    return hits


def _title_fiscal_year(text: str) -> int | None:
    match = re.search(r"(?:EO)?FY\s?(\d{4}|\d{2})\b", text, re.IGNORECASE)
    if not match:
        return None
    year = int(match.group(1))
    return year + 2000 if year < 100 else year


def _cell(cells: Cells, r: int, c: int) -> Any:
    if r < len(cells) and c < len(cells[r]):
        return cells[r][c]
    return None


# ---------------------------------------------------------------- workbook access


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open a workbook, turning a truncated or non-xlsx file into a clear error."""
    if not path.exists():
        raise WorkbookError(f"{path.name}: file not found at {path}")
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for damaged zip/xml
        raise WorkbookError(
            f"{path.name}: cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc}); "
            "the file may be truncated or corrupt: fetch it again with `research data fetch`"
        ) from exc


def _sheets(workbook: CalamineWorkbook, prefix: str) -> list[str]:
    """Sheet names starting with `prefix` after stripping ICE's stray spaces (case-insensitive)."""
    return [name for name in workbook.sheet_names if name.strip().lower().startswith(prefix.lower())]


def _read_sheet(workbook: CalamineWorkbook, name: str, path: Path) -> Cells:
    try:
        return workbook.get_sheet_by_name(name).to_python()
    except Exception as exc:
        raise WorkbookError(f"{path.name}: sheet {name!r} cannot be read ({exc})") from exc


# ---------------------------------------------------------------- Detention sheet tables


def _select_detention_sheet(
    workbook: CalamineWorkbook, path: Path, expected_fy: int | None
) -> tuple[Cells, int, str] | None:
    """The Detention sheet whose book-ins title matches the edition's fiscal year.

    Returns None when the only Detention sheet belongs to another fiscal year (a stale copy).
    """
    candidates: list[tuple[Cells, int, str]] = []
    for name in _sheets(workbook, "Detention"):
        cells = _read_sheet(workbook, name, path)
        hits = _find_title(cells, BOOK_INS_TITLE)
        if hits:
            fy = _title_fiscal_year(hits[0][2])
            if fy is not None:
                candidates.append((cells, fy, name))
    if not candidates:
        raise WorkbookError(
            f"{path.name}: no table titled '{BOOK_INS_TITLE}: FYxxxx' on any Detention sheet "
            f"(sheets: {workbook.sheet_names}); expected the book-ins table on a sheet named 'Detention ...'"
        )
    if expected_fy is None:
        return max(candidates, key=lambda item: item[1])
    matching = [item for item in candidates if item[1] == expected_fy]
    return matching[0] if matching else None


def _read_month_header(cells: Cells, r: int, c: int, path: Path, table: str) -> list[str]:
    header = [_text(_cell(cells, r, c + 1 + i))[:3].title() for i in range(12)]
    if header != calendar.FISCAL_MONTHS:
        raise WorkbookError(
            f"{path.name}: table '{table}' header row {r + 1} has months {header}; "
            f"expected {calendar.FISCAL_MONTHS}"
        )
    return header


def _months_reported(fy: int, data_through: pd.Timestamp) -> list[tuple[int, pd.Timestamp]]:
    """(column offset, month start) for the months of `fy` that begin on or before `data_through`."""
    months = [(i, calendar.fiscal_month_start(fy, m)) for i, m in enumerate(calendar.FISCAL_MONTHS)]
    return [(i, m) for i, m in months if m <= data_through]


def _agency(label: str) -> str | None:
    key = label.strip().upper()
    if key.startswith("ICE"):
        return "ICE"
    if key.startswith("CBP"):
        return "CBP"
    if key.startswith("TOTAL") or key.startswith("AVERAGE"):
        return "Total"
    return None


def parse_book_ins(cells: Cells, fy: int, data_through: pd.Timestamp, path: Path) -> pd.DataFrame:
    """Monthly initial book-ins by arresting agency (ICE, CBP, Total) for the months reported."""
    r, c, _ = _find_title(cells, BOOK_INS_TITLE)[0]
    if _text(_cell(cells, r + 1, c)).lower() != "agency":
        raise WorkbookError(f"{path.name}: '{BOOK_INS_TITLE}' header row {r + 2} should start with 'Agency'")
    _read_month_header(cells, r + 1, c, path, BOOK_INS_TITLE)
    rows = []
    for offset in range(2, 6):
        agency = _agency(_text(_cell(cells, r + offset, c)))
        if agency is None:
            break
        for i, month in _months_reported(fy, data_through):
            value = _number(_cell(cells, r + offset, c + 1 + i))
            if value is None:
                raise WorkbookError(
                    f"{path.name}: '{BOOK_INS_TITLE}' has no number for {agency} {month:%b %Y} "
                    f"although data run through {data_through:%Y-%m-%d}"
                )
            rows.append({"month": month, "agency": agency, "book_ins": int(round(value))})
    found = {row["agency"] for row in rows}
    if found != {"ICE", "CBP", "Total"}:
        raise WorkbookError(
            f"{path.name}: '{BOOK_INS_TITLE}' rows found {sorted(found)}; expected Total, ICE and CBP"
        )
    frame = pd.DataFrame(rows)
    _check_totals(frame, ["month"], "book_ins", path, BOOK_INS_TITLE, tolerance=0)
    return frame


def _check_totals(
    frame: pd.DataFrame, keys: list[str], value: str, path: Path, table: str, tolerance: float
) -> None:
    """Total must equal ICE + CBP in every month (all 25 mirrored editions do, exactly for book-ins and to
    1e-5 persons for ADP); a mismatch means a misread table or a damaged file, so it stops the build."""
    wide = frame.pivot_table(index=keys, columns="agency", values=value, aggfunc="sum")
    if not {"ICE", "CBP", "Total"} <= set(wide.columns):
        return
    complete = wide[["ICE", "CBP", "Total"]].dropna()
    gap = (complete["ICE"] + complete["CBP"] - complete["Total"]).abs()
    bad = gap[gap > tolerance]
    if len(bad):
        key = bad.index[0]
        row = complete.loc[key]
        month = key[0] if isinstance(key, tuple) else key
        detail = f", {key[1]}" if isinstance(key, tuple) and len(key) > 1 else ""
        raise WorkbookError(
            f"{path.name}: '{table}' {pd.Timestamp(month):%b %Y}{detail}: Total {row['Total']:,.10g} != "
            f"ICE {row['ICE']:,.10g} + CBP {row['CBP']:,.10g} ({len(bad)} month(s) disagree); "
            "expected the Total row to be the sum of the agency rows"
        )


def parse_adp(cells: Cells, fy: int, data_through: pd.Timestamp, path: Path) -> pd.DataFrame:
    """Average daily population by arresting agency and criminality, by month."""
    hits = _find_title(cells, ADP_TITLE)
    if not hits:
        raise WorkbookError(f"{path.name}: no table titled '{ADP_TITLE}' on the Detention sheet")
    r, c, _ = hits[0]
    _read_month_header(cells, r + 1, c, path, ADP_TITLE)
    rows = []
    agency: str | None = None
    for row_index in range(r + 2, r + 2 + 16):
        label = _text(_cell(cells, row_index, c))
        if not label:
            break
        if label in CRIMINALITY or label == "Non-Criminal":
            if agency is None:
                raise WorkbookError(f"{path.name}: '{ADP_TITLE}' row {row_index + 1} precedes any agency row")
            criminality = label
        else:
            agency = _agency(label)
            if agency is None:
                raise WorkbookError(
                    f"{path.name}: '{ADP_TITLE}' row {row_index + 1} label {label!r}; "
                    "expected 'CBP Average', 'ICE Average', 'Average' or a criminality class"
                )
            criminality = "All"
        for i, month in _months_reported(fy, data_through):
            value = _number(_cell(cells, row_index, c + 1 + i))
            if value is not None:
                rows.append({"month": month, "agency": agency, "criminality": criminality, "adp": value})
    frame = pd.DataFrame(rows)
    if len(frame):
        overall = frame[frame["criminality"] == "All"]
        _check_totals(overall, ["month"], "adp", path, ADP_TITLE, tolerance=_ADP_TOLERANCE)
    return frame


def parse_removals(cells: Cells, path: Path) -> pd.DataFrame:
    """Fiscal-year-to-date removals (the 'Total' row of the 'ICE Removals' table)."""
    hits = [hit for hit in _find_title(cells, REMOVALS_TITLE) if ":" in hit[2]]
    if not hits:
        raise WorkbookError(f"{path.name}: no table titled '{REMOVALS_TITLE}: FYxxxx' on the Detention sheet")
    r, c, _ = hits[0]
    for row_index in range(r + 1, r + 5):
        if _text(_cell(cells, row_index, c)).lower() == "total":
            for col in range(c + 1, c + 5):
                value = _number(_cell(cells, row_index, col))
                if value is not None:
                    return pd.DataFrame([{"removals_fytd": int(round(value))}])
    raise WorkbookError(f"{path.name}: '{REMOVALS_TITLE}' table has no 'Total' row with a number")


# ---------------------------------------------------------------- ATD sheet

_ATD_AS_OF = re.compile(r"Participants Report,?\s*(\d{1,2})[./](\d{1,2})[./](\d{4})")


def parse_atd(cells: Cells, path: Path) -> pd.DataFrame:
    """Active Alternatives-to-Detention participants by status (FAMU, single adult...) with average days in program."""
    hits = _find_title(cells, ATD_TITLE)
    if not hits:
        raise WorkbookError(f"{path.name}: ATD sheet has no table titled '{ATD_TITLE}, ...'")
    r, c, _ = hits[0]
    rows = []
    for row_index in range(r + 2, r + 10):
        label = _text(_cell(cells, row_index, c))
        count = _number(_cell(cells, row_index, c + 1))
        if not label or count is None:
            break
        rows.append(
            {
                "status": label,
                "participants": int(round(count)),
                "alip_days": _number(_cell(cells, row_index, c + 2)),
            }
        )
    if not rows or str(rows[-1]["status"]).lower() != "total":
        raise WorkbookError(f"{path.name}: '{ATD_TITLE}' table should end with a 'Total' row")
    as_of = None
    for row_index in range(r + 2 + len(rows), r + 6 + len(rows)):
        match = _ATD_AS_OF.search(_text(_cell(cells, row_index, c)))
        if match:
            month, day, year = (int(g) for g in match.groups())
            as_of = pd.Timestamp(year=year, month=month, day=day)
            break
    frame = pd.DataFrame(rows)
    frame["as_of"] = as_of
    return frame


def _select_atd_sheet(workbook: CalamineWorkbook, path: Path, fy: int) -> Cells | None:
    """The ATD sheet for the edition's fiscal year (post-year releases also carry the next year's sheet)."""
    for name in _sheets(workbook, "ATD"):
        if _title_fiscal_year(name) == fy:
            return _read_sheet(workbook, name, path)
    return None


# ---------------------------------------------------------------- Footnotes: data-through date

_THROUGH = re.compile(
    r"FY\s?(\d{4})\s+(?:YTD\s+)?ICE\s+(Book-ins|Detention)\s+data\s+(?:is|are)\s+updated\s+through\s+"
    r"(\d{1,2}/\d{1,2}/\d{4})",
    re.IGNORECASE,
)


def footnote_data_through(workbook: CalamineWorkbook, path: Path, fy: int) -> pd.Timestamp | None:
    """The book-in cut-off stated on the Footnotes sheet for fiscal year `fy`, if it states one."""
    sheets = [name for name in workbook.sheet_names if name.strip().lower() == "footnotes"]
    found: dict[str, pd.Timestamp] = {}
    for name in sheets:
        for row in _read_sheet(workbook, name, path):
            for value in row:
                match = _THROUGH.search(_text(value))
                if match and int(match.group(1)) == fy:
                    found.setdefault(match.group(2).lower(), pd.Timestamp(match.group(3)))
    return found.get("book-ins") or found.get("detention")


# ---------------------------------------------------------------- Facilities sheet

_FACILITY_COLUMNS = {
    "name": "facility_name",
    "address": "address",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "aor": "aor",
    "type detailed": "facility_type",
    "male/female": "gender",
    "level a": "adp_level_a",
    "level b": "adp_level_b",
    "level c": "adp_level_c",
    "level d": "adp_level_d",
    "male crim": "adp_male_crim",
    "male non-crim": "adp_male_noncrim",
    "female crim": "adp_female_crim",
    "female non-crim": "adp_female_noncrim",
    "ice threat level 1": "adp_threat_level_1",
    "ice threat level 2": "adp_threat_level_2",
    "ice threat level 3": "adp_threat_level_3",
    "no ice threat level": "adp_no_threat_level",
    "mandatory": "adp_mandatory",
    "guaranteed minimum": "guaranteed_minimum",
}
_REQUIRED_FACILITY = ["facility_name", "city", "state", "aor", "facility_type"] + [
    f"adp_level_{x}" for x in "abcd"
]
_NUMERIC_FACILITY = [v for v in _FACILITY_COLUMNS.values() if v.startswith("adp_")] + [
    "guaranteed_minimum",
    "alos_days",
]
_IIDS_DATE = re.compile(r"Integrated Decision Support \(IIDS\),?\s*(\d{1,2}/\d{1,2}/\d{4})")


def facility_id(name: str, zip_code: str) -> str:
    """Stable id from the normalised facility name and ZIP code.

    Measured on FY2021-FY2026: ICE's address, city and state fields vary more between editions (abbreviations,
    blank states, a moved address) than name + ZIP, which splits 13 facilities across renames and merges 2.
    """
    key = "|".join(re.sub(r"[^A-Z0-9]+", " ", str(x).upper()).strip() for x in (name, zip_code))
    return hashlib.sha1(key.encode()).hexdigest()[:12]


def parse_facilities(cells: Cells, path: Path) -> tuple[pd.DataFrame, int, pd.Timestamp | None]:
    """Facility rows with AOR code and fiscal-year-to-date population figures; also the sheet's FY and IIDS date."""
    header_row = next(
        (r for r, row in enumerate(cells[:20]) if row and _text(row[0]).lower() == "name"),
        None,
    )
    if header_row is None:
        raise WorkbookError(
            f"{path.name}: Facilities sheet has no header row starting with 'Name' in its first 20 rows"
        )
    header = [_text(v).lower() for v in cells[header_row]]
    columns: dict[int, str] = {}
    fy: int | None = None
    for index, label in enumerate(header):
        if label in _FACILITY_COLUMNS and _FACILITY_COLUMNS[label] not in columns.values():
            columns[index] = _FACILITY_COLUMNS[label]
        elif label.endswith("alos") and label.startswith("fy"):
            columns[index] = "alos_days"
            fy = _title_fiscal_year(label)
    missing = [name for name in _REQUIRED_FACILITY if name not in columns.values()]
    if missing or fy is None:
        raise WorkbookError(
            f"{path.name}: Facilities header row {header_row + 1} lacks {missing or ['FYxx ALOS']}; "
            f"expected columns {_REQUIRED_FACILITY + ['FYxx ALOS']}"
        )
    iids = None
    for row in cells[:header_row]:
        for value in row:
            match = _IIDS_DATE.search(_text(value))
            if match:
                iids = pd.Timestamp(match.group(1))
    aor_col = next(i for i, name in columns.items() if name == "aor")
    city_col = next(i for i, name in columns.items() if name == "city")
    records = []
    for r in range(header_row + 1, len(cells)):
        row = cells[r]
        # The table ends at a blank row or at ICE's footnote lines, which fill only the first column.
        if (
            not row
            or not _text(row[0])
            or not (_text(_cell(cells, r, aor_col)) or _text(_cell(cells, r, city_col)))
        ):
            break
        record = {name: (row[i] if i < len(row) else None) for i, name in columns.items()}
        records.append(record)
    frame = pd.DataFrame(records, columns=list(columns.values()))
    for column in _NUMERIC_FACILITY:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column].map(_number), errors="coerce").astype("Float64")
    for column in ("facility_name", "address", "city", "state", "facility_type", "gender"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: re.sub(r"\s+", " ", str(v)).strip() if v else "")
    frame["zip"] = frame["zip"].map(lambda v: f"{int(v):05d}" if isinstance(v, float) else _text(v)[:5])
    try:
        frame["aor"] = frame["aor"].map(lambda v: offices.to_aor_code(_text(v)))
    except offices.UnknownAORError as exc:
        raise WorkbookError(f"{path.name}: Facilities column AOR: {exc}") from exc
    frame["adp_total"] = frame[[f"adp_level_{x}" for x in "abcd"]].fillna(0).sum(axis=1).astype(float)
    frame.insert(
        0,
        "facility_id",
        [facility_id(*v) for v in zip(frame["facility_name"], frame["zip"], strict=True)],
    )
    return frame, fy, iids


# ---------------------------------------------------------------- one edition


def read_edition(path: Path, info: EditionInfo) -> EditionTables:
    """Read every table this project uses from one workbook."""
    workbook = open_workbook(path)
    notes: list[str] = []
    facility_sheets = _sheets(workbook, "Facilities")
    if not facility_sheets:
        raise WorkbookError(f"{path.name}: no sheet named 'Facilities ...' (sheets: {workbook.sheet_names})")
    facilities, facility_fy, iids_date = parse_facilities(
        _read_sheet(workbook, facility_sheets[0], path), path
    )
    fiscal_year = info.fiscal_year or facility_fy
    if facility_fy != fiscal_year:
        raise WorkbookError(
            f"{path.name}: Facilities sheet is for FY{facility_fy} but the registry says FY{fiscal_year}"
        )

    data_through = footnote_data_through(workbook, path, fiscal_year) or info.data_through
    selected = _select_detention_sheet(workbook, path, fiscal_year)
    empty = pd.DataFrame()
    book_ins, adp, removals = empty, empty, empty
    if selected is None:
        notes.append(
            "Detention sheet is a stale copy of another fiscal year; book-ins, ADP and removals skipped"
        )
    elif data_through is None:
        raise WorkbookError(
            f"{path.name}: no 'FY{fiscal_year} ... data are updated through MM/DD/YYYY' footnote and no "
            "data_through in the source registry; expected one of the two"
        )
    else:
        cells, _, sheet = selected
        if sheet.strip() != sheet or len(_sheets(workbook, "Detention")) > 1:
            # Written for readers of the editions table: quoted names, no Python list syntax.
            listed = ", ".join(f"'{name}'" for name in _sheets(workbook, "Detention"))
            notes.append(f"used Detention sheet '{sheet}' of {listed}")
        book_ins = parse_book_ins(cells, fiscal_year, data_through, path)
        adp = parse_adp(cells, fiscal_year, data_through, path)
        removals = parse_removals(cells, path)

    atd_cells = _select_atd_sheet(workbook, path, fiscal_year)
    if atd_cells is None:
        atd = empty
        notes.append(f"no ATD sheet for FY{fiscal_year} (sheets: {_sheets(workbook, 'ATD')}); ATD skipped")
    else:
        atd = parse_atd(atd_cells, path)
    facilities["iids_date"] = iids_date
    return EditionTables(info, fiscal_year, data_through, book_ins, adp, facilities, removals, atd, notes)


def tag(frame: pd.DataFrame, edition: EditionTables) -> pd.DataFrame:
    """Add the edition columns every tidy row carries."""
    tagged = frame.copy()
    tagged.insert(0, "edition_file", edition.info.file)
    tagged.insert(1, "edition_date", edition.info.edition_date)
    tagged.insert(2, "fiscal_year", edition.fiscal_year)
    tagged.insert(3, "data_through", edition.data_through)
    return tagged
