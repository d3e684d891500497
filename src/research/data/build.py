"""Raw-to-processed build: read every raw source once, write validated Parquet tables and a data version.

Safety rules, in the order the build applies them:
1. Only pinned bytes are trusted: every raw input is checked against its registry sha256 (or, for an entry
   without a pin such as the DDP arrests file, against the hash recorded when it was fetched) before anything
   is read; a mismatch is refused (`ChecksumMismatch`).
2. The target must be replaceable: its parent and the folder itself are writable, checked before any work.
   One build at a time per target (a lock file next to it); staging folders left by a killed build and a
   leftover ``<target>.previous`` are cleaned (or restored, if the target is gone) under that lock.
3. Good data are never replaced with less: a table with fewer editions, months or rows than the current one
   is refused (`WouldShrink`) unless ``allow_shrink``.
4. The processed directory is replaced as a whole only after every table has been built and validated, so a
   failed build (truncated workbook, renamed table, unknown AOR...) leaves the previous processed data as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
    "data.validation",
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
    """The build cannot run: required raw files are missing, or the target cannot be replaced."""


class BuildRefused(BuildError):
    """The build refuses to go on to protect the data (the command line exits with status 2)."""


class ChecksumMismatch(BuildRefused):
    """A raw input's sha256 differs from the registry (or from the hash recorded when it was fetched)."""


class WouldShrink(BuildRefused):
    """The new tables hold fewer editions, months or rows than the processed data they would replace."""


@dataclass
class BuildResult:
    out_dir: Path
    data_version: str
    tables: dict[str, int]
    notes: list[str] = field(default_factory=list)


# Registry fields that change what the readers produce (e.g. a corrected data_through re-cuts the months).
_SHAPING_FIELDS = ("fiscal_year", "edition_date", "data_through", "quirk", "loader")


def _input_record(path: Path, src: sources.Source) -> dict[str, object]:
    """A raw input as recorded in data_version.json: name, sha256, URL and the registry fields that shape it."""
    record: dict[str, object] = {"name": src.name, "sha256": sources.sha256_of(path), "url": src.url}
    for name in _SHAPING_FIELDS:
        value = getattr(src, name)
        record[name] = str(value) if value is not None and not isinstance(value, int) else value
    return record


def curated_inputs() -> list[dict[str, str]]:
    """Curated files in the repository that shape processed tables (the field-office table), with sha256."""
    path = offices.field_offices_file()
    return [{"name": path.name, "sha256": sources.sha256_of(path)}]


def version_hash(raw_inputs: list[dict[str, object]], curated: list[dict[str, str]], code: str) -> str:
    """The data version: raw bytes and their registry metadata, curated tables and build code, hashed together."""
    payload = json.dumps([raw_inputs, curated, code], sort_keys=True).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


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


def _present(path: Path, name: str) -> bool:
    """True if the raw file is there; a folder (or other non-file) at its path is an error, not a missing file."""
    if path.exists() and not path.is_file():
        raise BuildError(
            f"raw file {name}: {path} is a directory (or another non-file); expected the file there"
        )
    return path.is_file()


def _locate(
    raw_dir: Path, registry: dict[str, sources.Source], loader: str
) -> list[tuple[Path, sources.Source]]:
    found = []
    for src in registry.values():
        if src.loader == loader and src.derived_from is None:
            path = sources.raw_path(src, raw_dir)
            if _present(path, src.name):
                found.append((path, src))
    return found


def _require(raw_dir: Path, registry: dict[str, sources.Source], name: str) -> Path:
    path = sources.raw_path(registry[name], raw_dir)
    if not _present(path, name):
        raise BuildError(
            f"raw file {name} is missing at {path}; run `research data fetch {name}` "
            "(or set RESEARCH_RAW_MIRROR to a local mirror)"
        )
    return path


def raw_workbooks_present(raw_dir: Path | None = None) -> bool:
    """True when at least one detention-statistics workbook is in the raw folder."""
    return bool(_locate(raw_dir or config.RAW_DIR, sources.load_registry(), "research.data.ice_stats"))


def missing_inputs(raw_dir: Path | None = None, processed: Path | None = None) -> list[str]:
    """Raw inputs of the current processed data (its data_version.json) that are not in the raw folder.

    A build from a raw folder missing any of them would hold less than the current data.
    """
    raw_dir = raw_dir or config.RAW_DIR
    version_file = (processed or config.processed_dir()) / DATA_VERSION_FILE
    if not version_file.is_file():
        return []
    registry = sources.load_registry()
    names = [entry["name"] for entry in json.loads(version_file.read_text())["raw_inputs"]]
    return [n for n in names if n not in registry or not sources.raw_path(registry[n], raw_dir).is_file()]


@dataclass
class Inputs:
    """The raw files a build reads, located and verified before any is read."""

    workbooks: list[tuple[Path, sources.Source]]
    opm: Path
    offices: list[Path]
    arrests_monthly: Path
    arrests_windows: Path
    ddp: tuple[Path, sources.Source] | None
    registry: dict[str, sources.Source]
    notes: list[str] = field(default_factory=list)

    def all(self) -> list[tuple[Path, sources.Source]]:
        files = [self.opm, *self.offices, self.arrests_monthly, self.arrests_windows]
        out = self.workbooks + [(p, self.registry[p.name]) for p in files]
        return out + ([self.ddp] if self.ddp else [])


def locate_inputs(raw_dir: Path, registry: dict[str, sources.Source] | None = None) -> Inputs:
    """Find every raw input of the build (nothing is read); BuildError naming what is missing."""
    registry = registry if registry is not None else sources.load_registry()
    workbooks = sorted(_locate(raw_dir, registry, "research.data.ice_stats"), key=lambda item: item[1].name)
    if not workbooks:
        raise BuildError(
            f"no ICE detention-statistics workbooks under {raw_dir / 'ice_detention_stats'}; run "
            "`research data fetch` (or set RESEARCH_RAW_MIRROR to a local mirror)"
        )
    ddp = _locate(raw_dir, registry, "research.data.ddp_arrests")
    return Inputs(
        workbooks=workbooks,
        opm=_require(raw_dir, registry, _OPM_FILE),
        offices=[_require(raw_dir, registry, name) for name in _OFFICE_FILES],
        arrests_monthly=_require(raw_dir, registry, arrest_aggregates.MONTHLY_FILE),
        arrests_windows=_require(raw_dir, registry, arrest_aggregates.AOR_WINDOWS_FILE),
        ddp=ddp[0] if ddp else None,
        registry=registry,
    )


def verify_inputs(inputs: Inputs) -> list[str]:
    """Check every input's sha256 before anything is read; ChecksumMismatch on the first bad file.

    Returns notes for inputs that could not be verified (no pinned hash and none recorded at fetch).
    """
    notes: list[str] = []
    bad: list[tuple[str, str]] = []
    for path, src in inputs.all():
        status, expected, actual = sources.check_file(src, path)
        if status == "bad-hash":
            pinned = "the registry" if src.sha256 else f"{path.name}.sha256 (recorded at fetch)"
            bad.append(
                (src.name, f"{src.name}: expected sha256 {expected} from {pinned}, got {actual} for {path}")
            )
        elif status == "unverified":
            notes.append(f"{src.name}: no pinned or recorded sha256, read unverified")
    if bad:
        name, first = bad[0]
        more = f" (and {len(bad) - 1} more file(s) that do not match)" if len(bad) > 1 else ""
        raise ChecksumMismatch(
            f"refusing to build: {first}{more}. The file is not the pinned release: fetch it again "
            f"(`research data fetch {name} --force`, or from RESEARCH_RAW_MIRROR) or, if the source changed, "
            "update its sha256 in data/raw/sources.yaml"
        )
    return notes


def build_tables(
    raw_dir: Path,
    registry: dict[str, sources.Source] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[tuple[Path, sources.Source]], list[str]]:
    """Build every processed table from the raw folder (nothing is written); inputs are verified first."""
    inputs = locate_inputs(raw_dir, registry)
    notes = verify_inputs(inputs)
    registry = inputs.registry
    tables = read_workbooks(inputs.workbooks)
    tables["staffing"] = opm.read_opm_headcount(inputs.opm)
    tables["field_offices"] = offices.build_field_offices(raw_dir)
    release_through = registry[arrest_aggregates.MONTHLY_FILE].data_through
    if release_through is None:
        raise BuildError(
            f"{config.SOURCES_FILE}: {arrest_aggregates.MONTHLY_FILE} needs data_through (release cut-off)"
        )
    tables["arrests_monthly"] = arrest_aggregates.read_monthly_national(
        inputs.arrests_monthly, pd.Timestamp(release_through)
    )
    tables["arrests_aor_windows"] = arrest_aggregates.read_aor_windows(inputs.arrests_windows)
    if inputs.ddp:
        from research.data import ddp_arrests  # only needed when the optional DDP file is present

        tables["arrests_daily"] = ddp_arrests.build_arrests_daily(inputs.ddp[0])
    else:
        notes.append("Deportation Data Project arrests file absent: arrests_daily not built (optional)")
    return tables, inputs.all(), notes


# --- never replace good data with less --------------------------------------------------------------------


def _extent(frame: pd.DataFrame) -> dict[str, int]:
    """What a table holds: rows, and distinct editions and months when it has those columns."""
    extent = {"rows": len(frame)}
    if "edition_file" in frame.columns:
        extent["editions"] = int(frame["edition_file"].nunique())
    if "month" in frame.columns:
        extent["months"] = int(frame["month"].nunique())
    return extent


def shrinkage(tables: dict[str, pd.DataFrame], current: Path) -> list[str]:
    """How the new tables would hold less than the processed data in `current` (empty when they do not)."""
    problems = []
    # The tables a reader knows first are named first (the message shows three).
    first = ("editions", "book_ins", "arrests_monthly", "staffing", "field_offices")
    found = sorted(current.glob("*.parquet")) if current.is_dir() else []
    found.sort(key=lambda p: (first.index(p.stem) if p.stem in first else len(first), p.stem))
    for old_path in found:
        name = old_path.stem
        if name not in schemas.TABLES:
            continue
        if name not in tables:
            problems.append(f"table {name} would be dropped")
            continue
        columns = [c for c in ("edition_file", "month") if c in tables[name].columns]
        try:
            old = _extent(pd.read_parquet(old_path, columns=columns or None))
        except (OSError, ValueError):  # an unreadable old table is not worth keeping
            continue
        new = _extent(tables[name])
        for what in ("editions", "months", "rows"):
            if what in old and new.get(what, 0) < old[what]:
                problems.append(f"{name} would have {new.get(what, 0)} {what} instead of {old[what]}")
                break
    return problems


# --- replacing the processed folder safely -------------------------------------------------------------------


def _staging_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}-"


def _backup(out_dir: Path) -> Path:
    return out_dir.with_name(out_dir.name + ".previous")


def check_replaceable(out_dir: Path) -> None:
    """Fail before any work when `out_dir` could not be replaced (read-only folder or parent)."""
    parent = out_dir.parent
    if parent.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise BuildError(f"cannot write to {parent}: the build needs to create {out_dir.name} there")
    for folder in (out_dir, _backup(out_dir)):
        if folder.exists():
            if not folder.is_dir():
                raise BuildError(f"{folder} is not a directory; move it away and build again")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise BuildError(
                    f"{folder} is read-only, so the build could not replace it; make it writable "
                    f"(chmod -R u+w {folder}) or build elsewhere with RESEARCH_PROCESSED_DIR"
                )


@contextlib.contextmanager
def _build_lock(out_dir: Path) -> Iterator[None]:
    """One build per target at a time (a lock file next to it, released when the process ends)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir.with_name(f".{out_dir.name}.lock")
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"another `research data build` is writing {out_dir}; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clean_leftovers(out_dir: Path) -> list[str]:
    """Under the build lock: remove staging folders of killed builds; finish an interrupted swap.

    If the build was killed between its two renames, `out_dir` is missing and ``<out_dir>.previous`` holds
    the old data: it is put back. Otherwise a leftover ``.previous`` is removed.
    """
    notes = []
    for stale in sorted(out_dir.parent.glob(_staging_prefix(out_dir) + "*")):
        if stale.is_dir():
            shutil.rmtree(stale)
            notes.append(f"removed {stale.name}, left by an interrupted build")
    backup = _backup(out_dir)
    if backup.is_dir():
        if not out_dir.exists():
            backup.rename(out_dir)
            notes.append(f"restored {out_dir.name} from {backup.name}, left by an interrupted build")
        else:
            shutil.rmtree(backup)
            notes.append(f"removed {backup.name}, left by an interrupted build")
    return notes


def _atomic_write_text(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
        handle.write(text)
    Path(handle.name).replace(path)


def _swap_directory(staging: Path, out_dir: Path) -> list[str]:
    """Replace out_dir by staging with two renames; the old directory is removed only afterwards.

    Returns a note if the old directory could not be removed (the new data are in place all the same; the
    next build removes it).
    """
    backup = _backup(out_dir)
    if out_dir.exists():
        out_dir.rename(backup)
    try:
        staging.rename(out_dir)
    except BaseException:
        if backup.exists() and not out_dir.exists():
            backup.rename(out_dir)  # put the old data back
        raise
    if backup.exists():
        shutil.rmtree(backup, ignore_errors=True)
        if backup.exists():
            return [f"could not remove {backup}; the next build will"]
    return []


def build(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    on_table: Callable[[str, int], None] | None = None,
    *,
    allow_shrink: bool = False,
    registry: dict[str, sources.Source] | None = None,
) -> BuildResult:
    """Verify the raw inputs, build, validate and write all processed tables; returns the data version.

    Raises `ChecksumMismatch` (a raw file is not the pinned release) or `WouldShrink` (the new data hold less
    than the current ones; `allow_shrink=True` replaces them anyway) before anything is written, and
    `BuildError` when inputs are missing or `out_dir` cannot be replaced. `registry` replaces
    data/raw/sources.yaml (tests).
    """
    raw_dir = raw_dir or config.RAW_DIR
    out_dir = out_dir or config.processed_dir()
    check_replaceable(out_dir)
    with _build_lock(out_dir):
        housekeeping = clean_leftovers(out_dir)
        tables, inputs, notes = build_tables(raw_dir, registry)
        if not allow_shrink:
            shrunk = shrinkage(tables, out_dir)
            if shrunk:
                raise WouldShrink(
                    f"refusing to replace {out_dir}: {'; '.join(shrunk[:3])}"
                    f"{f' (and {len(shrunk) - 3} more)' if len(shrunk) > 3 else ''}. The raw folder {raw_dir} "
                    "looks incomplete: fetch the missing files (`research data fetch`, or set RESEARCH_RAW_MIRROR), "
                    "or pass --allow-shrink to replace the data anyway"
                )
        staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(out_dir), dir=out_dir.parent))
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
                _input_record(path, src) for path, src in sorted(inputs, key=lambda item: item[1].name)
            ]
            curated = curated_inputs()
            data_version = version_hash(raw_inputs, curated, code_version())
            version = {
                "data_version": data_version,
                "code_version": code_version(),
                "raw_inputs": raw_inputs,
                "curated_inputs": curated,
                "tables": counts,
                "notes": notes,
            }
            (staging / DATA_VERSION_FILE).write_text(json.dumps(version, indent=2) + "\n")
            (staging / NOTICE_FILE).write_text(arrest_aggregates.MIT_NOTICE)
            housekeeping += _swap_directory(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return BuildResult(out_dir, data_version, counts, notes + housekeeping)


def write_codebook(path: Path | None = None) -> Path:
    target = path or config.DATA_DIR / "CODEBOOK.md"
    _atomic_write_text(target, schemas.codebook_markdown())
    return target
