"""ERO field offices (Areas of Responsibility): codes, names, locations, and spelling normalisation.

The hand-curated table `data/raw/field_offices.csv` fixes the 25 codes and the names as ICE data spell them;
coordinates and population come from the raw reference files at build time (see `build_field_offices`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from research import config
from research.data import validation
from research.data.validation import Column, TableSpec

FIELD_OFFICES_FILE = config.RAW_DIR / "field_offices.csv"

# Spellings seen in the sources that are not a code, a short name or "<short name> Area of Responsibility".
_ALIASES = {
    "hal": "HLG",  # UWCHR's code for Harlingen
    "saint paul": "SPM",
    "st paul": "SPM",
    "minneapolis": "SPM",
    "new york": "NYC",
    "washington dc": "WAS",
    "washington d c": "WAS",
    "los angeles ca": "LOS",
    "salt lake": "SLC",
}
# Values that mean "no field office": redactions, headquarters, blanks.
UNASSIGNED = {"", "na", "n a", "none", "null", "unknown", "hq", "headquarters", "redacted", "b 6 b 7 c"}


FIELD_OFFICES_SPEC = TableSpec(
    "field_offices",
    (
        Column(
            "aor", pattern=r"[A-Z]{3}", pattern_hint="a three-letter upper-case code such as ATL", unique=True
        ),
        Column("short_name", unique=True),
        Column("name", unique=True),
        Column("city"),
        Column("state", pattern=r"[A-Z]{2}", pattern_hint="a two-letter state code such as GA"),
        Column("source_url", "url"),
    ),
    rows=25,
)


class UnknownAORError(ValueError):
    """A field-office spelling that maps to no known Area of Responsibility."""


class FieldOfficesError(validation.ValidationError):
    """The curated field-office table breaks its rules (message names file, line, column, what is expected)."""


def _normalise(spelling: str) -> str:
    text = spelling.strip().lower()
    text = re.sub(r"\b(area of responsibility|field office|aor|ero)\b", " ", text)
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def field_offices_file() -> Path:
    """The curated table read now: RESEARCH_CURATED_DIR/field_offices.csv when set, else FIELD_OFFICES_FILE."""
    return config.field_offices_file(FIELD_OFFICES_FILE)


def _lookup() -> dict[str, str]:
    # Keyed on the file's identity so an edited table is picked up in a long-lived kernel.
    path = field_offices_file()
    stat = path.stat()
    return _lookup_for(path, stat.st_mtime_ns, stat.st_size)


@cache
def _lookup_for(path: Path, mtime_ns: int, size: int) -> dict[str, str]:
    table = read_field_office_table(path)
    mapping: dict[str, str] = {}
    for row in table.itertuples(index=False):
        for spelling in (row.aor, row.short_name, row.name):
            mapping[_normalise(str(spelling))] = str(row.aor)
    mapping.update(_ALIASES)
    return mapping


def read_field_office_table(path: Path | None = None) -> pd.DataFrame:
    """The curated 25-office table (code, short name, ICE name, office city and state, source), validated."""
    path = path or field_offices_file()
    try:
        stat = path.stat()
    except OSError:  # let the reader raise its error naming the file
        return validation.read_table(path, FIELD_OFFICES_SPEC, FieldOfficesError)
    return _validated_table(path, stat.st_mtime_ns, stat.st_size).copy()


@cache
def _validated_table(path: Path, mtime_ns: int, size: int) -> pd.DataFrame:
    # Keyed on the file's identity, like `_lookup_for`: a page asks for the codes several times.
    return validation.read_table(path, FIELD_OFFICES_SPEC, FieldOfficesError)


def aor_codes() -> list[str]:
    """The 25 field-office codes in alphabetical order."""
    return sorted(read_field_office_table()["aor"])


def is_unassigned(spelling: str | None) -> bool:
    """True for blanks, redactions and headquarters, which belong to no field office."""
    return spelling is None or _normalise(str(spelling)) in UNASSIGNED


def to_aor_code(spelling: str) -> str:
    """Map any spelling found in the sources to the 3-letter code; fail loudly on an unknown one."""
    key = _normalise(str(spelling))
    code = _lookup().get(key)
    if code is None:
        raise UnknownAORError(
            f"unknown Area of Responsibility spelling {spelling!r}; expected one of the 25 codes "
            f"({', '.join(aor_codes())}), their city names, or '<City> Area of Responsibility'"
        )
    return code


def build_field_offices(raw_dir: Path) -> pd.DataFrame:
    """Join the curated table with coordinates (UWCHR field-office file) and 2019 population (UWCHR ACS)."""
    table = read_field_office_table()
    coords_path = raw_dir / "offices" / "uwchr_aor_ero_field_office.csv"
    coords = pd.read_csv(coords_path, skipinitialspace=True)
    coords["aor"] = coords["aor"].map(lambda s: "HQ" if s == "HQ" else to_aor_code(s))
    coords = coords.rename(columns={"field_office_addr": "address", "lat": "latitude", "long": "longitude"})
    demog_path = raw_dir / "offices" / "uwchr_aor_demog_indicators_2012_2019.psv"
    demog = pd.read_csv(demog_path, sep="|")
    latest = demog[demog["year"] == demog["year"].max()].copy()
    latest["aor"] = latest["aor"].map(to_aor_code)
    latest = latest.rename(
        columns={"forborn_pop": "foreign_born_pop", "undocu_pop": "undocumented_pop", "year": "pop_year"}
    )[["aor", "total_pop", "foreign_born_pop", "noncitizen_pop", "undocumented_pop", "pop_year"]]
    offices = table.merge(coords[["aor", "address", "latitude", "longitude"]], on="aor", how="left")
    offices = offices.merge(latest, on="aor", how="left")
    for column in ("total_pop", "foreign_born_pop", "noncitizen_pop", "undocumented_pop"):
        offices[column] = offices[column].astype("Float64")
    offices["pop_year"] = offices["pop_year"].astype("Int64")
    return offices.drop(columns=["source_url"]).sort_values("aor").reset_index(drop=True)
