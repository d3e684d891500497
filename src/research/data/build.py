"""Raw-to-processed build: read every raw source once, write validated Parquet tables and a data version.

The processed directory is replaced as a whole only after every table has been built and validated, so a
failed build (truncated workbook, renamed table, unknown AOR...) leaves the previous processed data as it was.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pandera import errors as pa_errors

from research import calendar, config
from research.data import arrest_aggregates, ice_stats, offices, opm, schemas, sources

DATA_VERSION_FILE = config.DATA_VERSION_FILE
# Modules whose code shapes the processed tables: a change in any of them changes the data version.
_BUILD_MODULES = (
    "data.ice_stats",
    "data.offices",
    "data.opm",
    "data.ddp_arrests",
    "data.arrest_aggregates",
    "calendar",
    "data.schemas",
    "data.build",
)
_OPM_FILE = "ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.parquet"
_OFFICE_FILES = ("uwchr_aor_ero_field_office.csv", "uwchr_aor_demog_indicators_2012_2019.psv")


_DATE_COLUMNS = {
    "month",
    "date",
    "edition_date",
    "data_through",
    "iids_date",
    "as_of",
    "release_through",
    "window_start",
    "window_end",
}
# Written next to the processed tables: licence notices that must travel with tables derived from MIT files.
NOTICE_FILE = "NOTICE.txt"


class BuildError(RuntimeError):
    """The build cannot run: required raw files are missing."""


@dataclass
class BuildResult:
    out_dir: Path
    data_version: str
    tables: dict[str, int]
    notes: list[str]


def code_version() -> str:
    """Hash of the source of the modules that shape the processed tables."""
    digest = hashlib.sha256()
    for name in _BUILD_MODULES:
        spec = importlib.util.find_spec(f"research.{name}")
        if spec and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]


def _edition_info(src: sources.Source) -> ice_stats.EditionInfo:
    return ice_stats.EditionInfo(
        file=src.name,
        edition_date=pd.Timestamp(src.edition_date),
        fiscal_year=src.fiscal_year,
        data_through=pd.Timestamp(src.data_through) if src.data_through else None,
    )


def _monthly_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add days_in_month, days_covered and partial_month from each row's data_through."""
    out = frame.copy()
    out["days_in_month"] = out["month"].dt.days_in_month.astype(int)
    out["days_covered"] = [
        calendar.days_covered(m, t) for m, t in zip(out["month"], out["data_through"], strict=True)
    ]
    out["partial_month"] = out["days_covered"] < out["days_in_month"]
    return out


def best_series(vintage: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """For each key, the row from the edition with the latest data_through (ties: latest edition_date)."""
    ordered = vintage.sort_values(["data_through", "edition_date", "edition_file"])
    best = ordered.drop_duplicates(keys, keep="last")
    return best.sort_values(keys).reset_index(drop=True)


def read_workbooks(workbooks: list[tuple[Path, sources.Source]]) -> dict[str, pd.DataFrame]:
    """Read all workbooks into vintage tables, facilities, removals and an editions log."""
    parts: dict[str, list[pd.DataFrame]] = {
        "book_ins": [],
        "adp": [],
        "facilities": [],
        "removals": [],
        "atd": [],
    }
    log = []
    for path, src in workbooks:
        edition = ice_stats.read_edition(path, _edition_info(src))
        tables = []
        for name in parts:
            frame = getattr(edition, name)
            if len(frame):
                parts[name].append(ice_stats.tag(frame, edition))
                tables.append(name)
        log.append(
            {
                "edition_file": src.name,
                "edition_date": edition.info.edition_date,
                "fiscal_year": edition.fiscal_year,
                "data_through": edition.data_through,
                "tables": ", ".join(tables),
                "notes": "; ".join(edition.notes + ([src.quirk] if src.quirk else [])),
            }
        )
    book_ins = _monthly_columns(pd.concat(parts["book_ins"], ignore_index=True))
    adp = _monthly_columns(pd.concat(parts["adp"], ignore_index=True))
    return {
        "book_ins_vintage": book_ins,
        "book_ins": best_series(book_ins, ["month", "agency"]),
        "adp_vintage": adp,
        "adp": best_series(adp, ["month", "agency", "criminality"]),
        "facilities": pd.concat(parts["facilities"], ignore_index=True),
        "removals": pd.concat(parts["removals"], ignore_index=True),
        "atd": pd.concat(parts["atd"], ignore_index=True),
        "editions": pd.DataFrame(log).sort_values(["edition_date", "edition_file"]).reset_index(drop=True),
    }


def _normalise_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Fix dtypes so that the Parquet files are identical whichever machine builds them."""
    out = frame.copy()
    for column in out.columns:
        if column in _DATE_COLUMNS or pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    return out


def _order(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    schema = schemas.TABLES[name]
    columns = [c for c in schema.columns if c in frame.columns] + [
        c for c in frame.columns if c not in schema.columns
    ]
    return frame[columns]


def _locate(
    raw_dir: Path, registry: dict[str, sources.Source], loader: str
) -> list[tuple[Path, sources.Source]]:
    found = []
    for src in registry.values():
        if src.loader == loader and src.derived_from is None:
            path = sources.raw_path(src, raw_dir)
            if path.exists():
                found.append((path, src))
    return found


def _require(raw_dir: Path, registry: dict[str, sources.Source], name: str) -> Path:
    path = sources.raw_path(registry[name], raw_dir)
    if not path.exists():
        raise BuildError(
            f"raw file {name} is missing at {path}; run `research data fetch {name}` "
            "(or set RESEARCH_RAW_MIRROR to a local mirror)"
        )
    return path


def raw_workbooks_present(raw_dir: Path | None = None) -> bool:
    """True when at least one detention-statistics workbook is in the raw folder."""
    return bool(_locate(raw_dir or config.RAW_DIR, sources.load_registry(), "research.data.ice_stats"))


def build_tables(
    raw_dir: Path,
) -> tuple[dict[str, pd.DataFrame], list[tuple[Path, sources.Source]], list[str]]:
    """Build every processed table from the raw folder (nothing is written)."""
    registry = sources.load_registry()
    workbooks = sorted(_locate(raw_dir, registry, "research.data.ice_stats"), key=lambda item: item[1].name)
    if not workbooks:
        raise BuildError(
            f"no ICE detention-statistics workbooks under {raw_dir / 'ice_detention_stats'}; run "
            "`research data fetch` (or set RESEARCH_RAW_MIRROR to a local mirror)"
        )
    notes = []
    tables = read_workbooks([(p, s) for p, s in workbooks])
    opm_path = _require(raw_dir, registry, _OPM_FILE)
    tables["staffing"] = opm.read_opm_headcount(opm_path)
    office_paths = [_require(raw_dir, registry, name) for name in _OFFICE_FILES]
    tables["field_offices"] = offices.build_field_offices(raw_dir)
    inputs = workbooks + [(opm_path, registry[_OPM_FILE])] + [(p, registry[p.name]) for p in office_paths]
    monthly_path = _require(raw_dir, registry, arrest_aggregates.MONTHLY_FILE)
    windows_path = _require(raw_dir, registry, arrest_aggregates.AOR_WINDOWS_FILE)
    release_through = registry[arrest_aggregates.MONTHLY_FILE].data_through
    if release_through is None:
        raise BuildError(
            f"{config.SOURCES_FILE}: {arrest_aggregates.MONTHLY_FILE} needs data_through (release cut-off)"
        )
    tables["arrests_monthly"] = arrest_aggregates.read_monthly_national(
        monthly_path, pd.Timestamp(release_through)
    )
    tables["arrests_aor_windows"] = arrest_aggregates.read_aor_windows(windows_path)
    inputs += [(p, registry[p.name]) for p in (monthly_path, windows_path)]
    ddp = _locate(raw_dir, registry, "research.data.ddp_arrests")
    if ddp:
        from research.data import ddp_arrests  # only needed when the optional DDP file is present

        tables["arrests_daily"] = ddp_arrests.build_arrests_daily(ddp[0][0])
        inputs.append(ddp[0])
    else:
        notes.append("Deportation Data Project arrests file absent: arrests_daily not built (optional)")
    return tables, inputs, notes


def _atomic_write_text(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    Path(handle.name).replace(path)


def _swap_directory(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames; the old directory is removed only afterwards."""
    backup = out_dir.with_name(out_dir.name + ".previous")
    if backup.exists():
        shutil.rmtree(backup)
    if out_dir.exists():
        out_dir.rename(backup)
    staging.rename(out_dir)
    if backup.exists():
        shutil.rmtree(backup)


def build(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    on_table: Callable[[str, int], None] | None = None,
) -> BuildResult:
    """Build, validate and write all processed tables; returns the data version."""
    raw_dir = raw_dir or config.RAW_DIR
    out_dir = out_dir or config.processed_dir()
    tables, inputs, notes = build_tables(raw_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".processed-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp creates 0700; the processed data are meant to be readable
    try:
        counts = {}
        for name, frame in tables.items():
            try:
                validated = schemas.TABLES[name].validate(_order(name, _normalise_types(frame)))
            except pa_errors.SchemaError as exc:
                raise BuildError(f"processed table '{name}' fails its schema check: {exc}") from exc
            validated.reset_index(drop=True).to_parquet(staging / f"{name}.parquet", index=False)
            counts[name] = len(validated)
            if on_table:
                on_table(name, len(validated))
        raw_inputs = [
            {
                "name": src.name,
                "sha256": sources.sha256_of(path),
                "edition_date": str(src.edition_date) if src.edition_date else None,
                "url": src.url,
            }
            for path, src in sorted(inputs, key=lambda item: item[1].name)
        ]
        digest = hashlib.sha256(json.dumps([raw_inputs, code_version()], sort_keys=True).encode()).hexdigest()
        data_version = digest[:16]
        version = {
            "data_version": data_version,
            "code_version": code_version(),
            "raw_inputs": raw_inputs,
            "tables": counts,
            "notes": notes,
        }
        (staging / DATA_VERSION_FILE).write_text(json.dumps(version, indent=2) + "\n")
        (staging / NOTICE_FILE).write_text(arrest_aggregates.MIT_NOTICE)
        _swap_directory(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(out_dir, data_version, counts, notes)


def write_codebook(path: Path | None = None) -> Path:
    target = path or config.DATA_DIR / "CODEBOOK.md"
    _atomic_write_text(target, schemas.codebook_markdown())
    return target
