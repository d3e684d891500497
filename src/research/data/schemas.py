"""Schemas of the processed tables: checked at build time and rendered as the codebook (data/CODEBOOK.md)."""

from __future__ import annotations

import pandera.pandas as pa

_EDITION = {
    "edition_file": pa.Column(str, description="ICE workbook file name the row was read from"),
    "edition_date": pa.Column("datetime64[ns]", description="release date of that workbook"),
    "fiscal_year": pa.Column(
        int, pa.Check.in_range(2019, 2030), description="federal fiscal year (Oct-Sep, named by its end)"
    ),
    "data_through": pa.Column(
        "datetime64[ns]",
        nullable=True,
        description="last day covered by the edition's book-in and detention data",
    ),
}
_MONTHLY = {
    "month": pa.Column("datetime64[ns]", description="first day of the calendar month"),
    "partial_month": pa.Column(bool, description="true when data_through ends before the month does"),
    "days_in_month": pa.Column(int, pa.Check.in_range(28, 31), description="calendar days in the month"),
    "days_covered": pa.Column(
        int,
        pa.Check.in_range(1, 31),
        description="days of the month on or before data_through (= days_in_month if complete)",
    ),
}
_AGENCY = pa.Column(
    str,
    pa.Check.isin(["ICE", "CBP", "Total"]),
    description="arresting agency: ICE programs, CBP (Border Patrol/OFO), or both",
)

BOOK_INS_VINTAGE = pa.DataFrameSchema(
    {
        **_EDITION,
        **_MONTHLY,
        "agency": _AGENCY,
        "book_ins": pa.Column(
            int, pa.Check.ge(0), description="initial book-ins into ICE detention in the month"
        ),
    },
    name="book_ins_vintage",
    description=(
        "Every edition's value for every month of 'ICE Initial Book-Ins by Arresting Agency and Month' "
        "(Detention sheet). One row per edition x month x agency. Use it to study revisions."
    ),
    unique=["edition_file", "month", "agency"],
    strict=True,
)

BOOK_INS = pa.DataFrameSchema(
    BOOK_INS_VINTAGE.columns,
    name="book_ins",
    description=(
        "Best monthly series of initial book-ins: for each month, the value from the edition with the latest "
        "data_through that covers it (ties: latest edition_date). Partial months are flagged, never silently "
        "mixed with complete ones. Book-ins count arrests that led to an ICE detention book-in, not all arrests."
    ),
    unique=["month", "agency"],
    strict=True,
)

_CRIMINALITY = pa.Column(
    str,
    pa.Check.isin(["All", "Convicted Criminal", "Pending Criminal Charges", "Other Immigration Violator"]),
    description="ICE criminality class; 'All' is the agency's average row",
)
ADP_VINTAGE = pa.DataFrameSchema(
    {
        **_EDITION,
        **_MONTHLY,
        "agency": _AGENCY,
        "criminality": _CRIMINALITY,
        "adp": pa.Column(
            float, pa.Check.ge(0), description="average daily detained population in the month (persons)"
        ),
    },
    name="adp_vintage",
    description="Every edition's 'ICE Average Daily Population by Arresting Agency, Month and Criminality'.",
    unique=["edition_file", "month", "agency", "criminality"],
    strict=True,
)
ADP = pa.DataFrameSchema(
    ADP_VINTAGE.columns,
    name="adp",
    description="Best monthly average daily population by arresting agency and criminality (same rule as book_ins).",
    unique=["month", "agency", "criminality"],
    strict=True,
)

_FYTD = "fiscal-year-to-date average daily population (persons)"
FACILITIES = pa.DataFrameSchema(
    {
        **_EDITION,
        "facility_id": pa.Column(
            str,
            pa.Check.str_length(12, 12),
            description="stable id: hash of normalised facility name and ZIP",
        ),
        "facility_name": pa.Column(str, description="facility name as ICE spells it in that edition"),
        "address": pa.Column(str, description="street address"),
        "city": pa.Column(str, description="city"),
        "state": pa.Column(str, description="two-letter state"),
        "zip": pa.Column(str, description="5-digit ZIP code"),
        "aor": pa.Column(
            str, pa.Check.str_length(3, 3), description="ERO Area of Responsibility code (see field_offices)"
        ),
        "facility_type": pa.Column(
            str, description="ICE 'Type Detailed' (IGSA, DIGSA, CDF, USMS IGA, SPC, BOP, STAGING...)"
        ),
        "gender": pa.Column(str, nullable=True, description="'Male/Female' column: genders held"),
        "alos_days": pa.Column(
            "Float64", nullable=True, description="fiscal-year-to-date average length of stay (days)"
        ),
        **{
            f"adp_level_{x}": pa.Column(
                "Float64", nullable=True, description=f"{_FYTD}, security level {x.upper()}"
            )
            for x in "abcd"
        },
        **{
            f"adp_{k}": pa.Column("Float64", nullable=True, description=f"{_FYTD}, {k.replace('_', ' ')}")
            for k in ("male_crim", "male_noncrim", "female_crim", "female_noncrim")
        },
        **{
            f"adp_threat_level_{n}": pa.Column(
                "Float64", nullable=True, description=f"{_FYTD}, ICE threat level {n}"
            )
            for n in (1, 2, 3)
        },
        "adp_no_threat_level": pa.Column(
            "Float64", nullable=True, description=f"{_FYTD}, no ICE threat level"
        ),
        "adp_mandatory": pa.Column(
            "Float64", nullable=True, description=f"{_FYTD}, subject to mandatory detention"
        ),
        "guaranteed_minimum": pa.Column(
            "Float64", nullable=True, description="contract guaranteed minimum beds"
        ),
        "adp_total": pa.Column(float, pa.Check.ge(0), description=f"{_FYTD}: sum of security levels A-D"),
        "iids_date": pa.Column(
            "datetime64[ns]",
            nullable=True,
            description="'Data Source: IIDS, date' above the table (data pull date), if given",
        ),
    },
    name="facilities",
    description=(
        "Detention facilities listed in each edition's Facilities sheet (only facilities with population >= 1 at the "
        "data pull; HOLD, HOSPITAL, HOTEL, JUVENILE, MIRP and ORR excluded by ICE). Population figures are FYTD averages."
    ),
    unique=["edition_file", "facility_id", "facility_name"],
    strict=True,
)

REMOVALS = pa.DataFrameSchema(
    {
        **_EDITION,
        "removals_fytd": pa.Column(int, pa.Check.ge(0), description="ICE removals, fiscal year to date"),
    },
    name="removals",
    description="'ICE Removals: FYxxxx' table (Detention sheet): fiscal-year-to-date total per edition.",
    unique=["edition_file"],
    strict=True,
)

ATD = pa.DataFrameSchema(
    {
        **_EDITION,
        "status": pa.Column(
            str,
            description="FAMU (family unit), Single Adult, ECMS-... (extended case management; to Jul 2025), Total",
        ),
        "participants": pa.Column(
            int, pa.Check.ge(0), description="active Alternatives-to-Detention participants"
        ),
        "alip_days": pa.Column(float, nullable=True, description="average length in program (days)"),
        "as_of": pa.Column(
            "datetime64[ns]", nullable=True, description="date of the contractor's participants report"
        ),
    },
    name="atd",
    description=(
        "'ATD Active Population by Status, Extended Case Management Service, Count and ALIP' (ATD sheet of the "
        "edition's fiscal year): a snapshot per edition, not a monthly series."
    ),
    unique=["edition_file", "status"],
    strict=True,
)

EDITIONS = pa.DataFrameSchema(
    {
        **_EDITION,
        "tables": pa.Column(str, description="tables read from the edition"),
        "notes": pa.Column(str, description="what the reader skipped or chose, and why (known ICE errors)"),
    },
    name="editions",
    description="One row per workbook read: its fiscal year, data cut-off, and any known ICE error handled.",
    unique=["edition_file"],
    strict=True,
)

STAFFING = pa.DataFrameSchema(
    {
        "month": pa.Column("datetime64[ns]", description="first day of the month"),
        "component": pa.Column(
            str, description="DHS component: ICE, CBP, or the OPM name of another component"
        ),
        "employees": pa.Column(int, pa.Check.ge(0), description="on-board employees, all occupations (OPM)"),
    },
    name="staffing",
    description="OPM monthly on-board headcount by DHS component, all occupations combined (includes support staff).",
    unique=["month", "component"],
    strict=True,
)

FIELD_OFFICES = pa.DataFrameSchema(
    {
        "aor": pa.Column(
            str, pa.Check.str_length(3, 3), unique=True, description="Area of Responsibility code"
        ),
        "short_name": pa.Column(str, description="office short name (Atlanta)"),
        "name": pa.Column(str, description="name as ICE data spell it (Atlanta Area of Responsibility)"),
        "city": pa.Column(str, description="field-office city"),
        "state": pa.Column(str, description="field-office state"),
        "address": pa.Column(str, description="field-office street address"),
        "latitude": pa.Column(
            float, pa.Check.in_range(18, 72), description="field-office latitude (degrees)"
        ),
        "longitude": pa.Column(
            float, pa.Check.in_range(-170, -60), description="field-office longitude (degrees)"
        ),
        "total_pop": pa.Column(
            "Float64", nullable=True, description="AOR total population (ACS estimate, pop_year)"
        ),
        "foreign_born_pop": pa.Column("Float64", nullable=True, description="AOR foreign-born population"),
        "noncitizen_pop": pa.Column("Float64", nullable=True, description="AOR noncitizen population"),
        "undocumented_pop": pa.Column(
            "Float64", nullable=True, description="AOR estimated undocumented population"
        ),
        "pop_year": pa.Column(
            "Int64", nullable=True, description="year of the population estimates (NaN for HLG)"
        ),
    },
    name="field_offices",
    description=(
        "The 25 ERO field offices. Population from UWCHR's ACS-based AOR indicators (2019); Harlingen (HLG) was "
        "not a separate AOR in that source, so its population is missing."
    ),
    strict=True,
)

ARRESTS_DAILY = pa.DataFrameSchema(
    {
        "date": pa.Column("datetime64[ns]", description="apprehension date"),
        "aor": pa.Column(str, description="apprehension AOR code (officer's assigned office) or UNKNOWN"),
        "criminality": pa.Column(str, description="apprehension criminality class"),
        "arrests": pa.Column(
            int, pa.Check.ge(0), description="ICE ERO arrests (DDP duplicate_drop_row removed)"
        ),
    },
    name="arrests_daily",
    description=(
        "Deportation Data Project arrests aggregated to day x AOR x criminality. Built only when the raw file is "
        "present; not part of the embedded default."
    ),
    strict=False,
)

ARRESTS_MONTHLY = pa.DataFrameSchema(
    {
        "month": pa.Column("datetime64[ns]", description="first day of the calendar month"),
        "arrests": pa.Column(
            int,
            pa.Check.ge(0),
            description="ICE ERO administrative arrests in the month (all of the country)",
        ),
        "days_in_month": pa.Column(int, pa.Check.in_range(28, 31), description="calendar days in the month"),
        "days_covered": pa.Column(
            int,
            pa.Check.in_range(1, 31),
            description="days of the month on or before the release cut-off (= days_in_month if complete)",
        ),
        "partial_month": pa.Column(bool, description="true when the release cut-off falls inside the month"),
        "reporting_lag": pa.Column(
            bool,
            description=(
                "true when the month includes any of the last 21 days before the cut-off, which are "
                "under-reported because records are entered late; models leave these months out"
            ),
        ),
        "release_through": pa.Column("datetime64[ns]", description="last day the arrest release covers"),
    },
    name="arrests_monthly",
    description=(
        "National ICE ERO **arrests** per calendar month (the unit of the 3,000-a-day goal), computed from the "
        "Deportation Data Project's arrest records with duplicates removed (immigration-research, MIT; records "
        "CC0). Not detention book-ins. The last month is partial and the last weeks are under-reported: both flagged."
    ),
    unique=["month"],
    strict=True,
)

ARRESTS_AOR_WINDOWS = pa.DataFrameSchema(
    {
        "aor": pa.Column(str, pa.Check.str_length(3, 3), description="field-office (AOR) code"),
        "window": pa.Column(
            str,
            pa.Check.isin(["y2024", "y2025", "w2526"]),
            description="y2024 = calendar 2024, y2025 = calendar 2025, w2526 = Aug 2025 - Jul 2026",
        ),
        "window_start": pa.Column("datetime64[ns]", description="first day of the window"),
        "window_end": pa.Column("datetime64[ns]", description="last day of the window"),
        "arrests": pa.Column(
            int, pa.Check.ge(0), description="ICE ERO arrests by officers of the office (assigned AOR)"
        ),
        "arrests_at_large": pa.Column(
            int, pa.Check.ge(0), description="of which at-large arrests (in the community, not in custody)"
        ),
        "population": pa.Column(
            int, pa.Check.gt(0), description="AOR resident population used by the source"
        ),
    },
    name="arrests_aor_windows",
    description=(
        "ICE ERO **arrests** by field office summed over three windows (immigration-research, MIT, from the "
        "Deportation Data Project's CC0 records). w2526 minus y2025 is, per office, arrests in January-July 2026 "
        "minus January-July 2025. The office is the arresting officer's assigned AOR, not the arrest location."
    ),
    unique=["aor", "window"],
    strict=True,
)

TABLES: dict[str, pa.DataFrameSchema] = {
    schema.name: schema  # type: ignore[misc]
    for schema in (
        BOOK_INS,
        BOOK_INS_VINTAGE,
        ADP,
        ADP_VINTAGE,
        FACILITIES,
        REMOVALS,
        ATD,
        EDITIONS,
        STAFFING,
        FIELD_OFFICES,
        ARRESTS_MONTHLY,
        ARRESTS_AOR_WINDOWS,
        ARRESTS_DAILY,
    )
}
# Tables that are committed as the embedded default (the DDP table is not: it needs a 30 MB download).
EMBEDDED_TABLES = [name for name in TABLES if name != "arrests_daily"]


def codebook_markdown() -> str:
    """The codebook: every processed table and column, with type and meaning."""
    lines = [
        "# Codebook: processed tables",
        "",
        "Generated from `src/research/data/schemas.py` by `research data codebook`; do not edit by hand.",
        "Tables are Parquet files in `data/processed/`, loaded with `research.data.load_<table>()`.",
        "`data/processed/data_version.json` records the hash of the raw inputs and code that built them.",
        "",
    ]
    for name, schema in TABLES.items():
        lines += [
            f"## `{name}`",
            "",
            str(schema.description),
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        for column_name, column in schema.columns.items():
            lines.append(f"| `{column_name}` | {column.dtype} | {column.description} |")
        lines.append("")
    return "\n".join(lines)
