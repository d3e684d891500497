"""Adversarial but realistic inputs (issue 14, items 2, 3, 4 and 7): each case is what a user could do by mistake.

- Item 2: `research data build` trusts only pinned bytes: a raw file whose sha256 differs from the registry is
  refused (exit 2, one line naming the file, expected and actual hash) before anything is read.
- Item 3: a partial raw folder never silently replaces the full processed data (`--allow-shrink` to force it);
  `make data` (`research data build --if-available`) keeps the embedded default when raw files are incomplete.
- Item 4: a typo in a curated `aor_code` is an error naming file, line, column and the allowed codes.
- Item 7: NaN and infinity fail every float parameter check.

The build cases need the real raw files (RESEARCH_RAW_MIRROR) and work on temporary copies: the committed
data/processed is copied to a temporary folder (RESEARCH_PROCESSED_DIR) and never touched.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_staffing import inputs as staffing_inputs

from research import cli, config, params
from research.config import FACTS_DIR
from research.data import build, facts, sources

NEWEST = "FY26_detentionStats_04092026.xlsx"
OLDER = "FY26_detentionStats_02122026.xlsx"


# --- helpers ---------------------------------------------------------------------------------------------


def _raw_folder(tmp_path: Path, mirror: Path, keep: set[str] | None = None) -> Path:
    """A raw folder linking to the mirror's files (all of them, or only the registry names in `keep`)."""
    raw = tmp_path / "raw"
    for src in sources.load_registry().values():
        origin = mirror / src.path
        if origin.is_file() and (keep is None or src.name in keep):
            target = sources.raw_path(src, raw)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(origin)
    return raw


def _processed_copy(tmp_path: Path) -> Path:
    out = tmp_path / "data" / "processed"
    shutil.copytree(config.DATA_DIR / "processed", out)
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _run_build(
    monkeypatch: pytest.MonkeyPatch, raw: Path, out: Path, *args: str
) -> tuple[int, list[str], list[str]]:
    """`research data build ARGS` on `raw` into `out`; returns the exit code and the stdout/stderr lines."""
    monkeypatch.setattr(config, "RAW_DIR", raw)
    monkeypatch.setattr(config, "DATA_DIR", out.parent)  # the codebook goes next to the temporary processed
    monkeypatch.setenv(config.PROCESSED_ENV, str(out))
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    code = cli.main(["data", "build", "--quiet", *args])
    return code, [], []


def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], raw: Path, out: Path, *args: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code, _, _ = _run_build(monkeypatch, raw, out, *args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _editions(out: Path) -> int:
    return len(pd.read_parquet(out / "editions.parquet"))


# --- item 2: only pinned bytes are trusted ---------------------------------------------------------------


def test_an_older_workbook_under_the_newest_name_is_refused_before_reading(
    tmp_path: Path,
    mirror: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's repro: copy the 02/12/2026 workbook over the 04/09/2026 file and build."""
    raw = _raw_folder(tmp_path, mirror)
    target = sources.raw_path(sources.load_registry()[NEWEST], raw)
    target.unlink()
    shutil.copyfile(mirror / "ice_detention_stats" / OLDER, target)
    out = _processed_copy(tmp_path)
    before = _snapshot(out)
    read = []
    monkeypatch.setattr(build.ice_stats, "read_edition", lambda *a: read.append(a))  # must never be called
    code, stdout, stderr = _cli(monkeypatch, capsys, raw, out)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    pinned = sources.load_registry()[NEWEST].sha256
    actual = sources.sha256_of(target)
    assert NEWEST in lines[0] and f"expected sha256 {pinned}" in lines[0] and f"got {actual}" in lines[0]
    assert not read, "a workbook was read before every input's hash was checked"
    assert _snapshot(out) == before


def _truncate_a_pinned_file(raw: Path) -> list[str]:
    """Half of the OPM parquet: the registry pins its sha256. Returns what the error must name."""
    src = sources.load_registry()["ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.parquet"]
    target = sources.raw_path(src, raw)
    data = target.read_bytes()
    target.unlink()
    target.write_bytes(data[: len(data) // 2])
    assert src.sha256 is not None
    return [src.name, src.sha256]


def _change_an_unpinned_file(raw: Path) -> list[str]:
    """The DDP arrests parquet has no pinned hash: it is checked against the hash recorded at fetch."""
    src = sources.load_registry()["arrests-latest.parquet"]
    assert src.sha256 is None
    target = sources.raw_path(src, raw)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"SYNTHETIC: not the bytes that were fetched\n")
    recorded = "0" * 64
    target.with_name(target.name + ".sha256").write_text(f"{recorded}  {target.name}\n")
    return [src.name, recorded, sources.sha256_of(target)]


@pytest.mark.parametrize(
    "tamper",
    [_truncate_a_pinned_file, _change_an_unpinned_file],
    ids=["truncated_pinned", "changed_unpinned"],
)
def test_a_file_whose_bytes_differ_from_its_hash_is_refused(
    tamper: Callable[[Path], list[str]],
    tmp_path: Path,
    mirror: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = _raw_folder(tmp_path, mirror)
    named = tamper(raw)
    out = _processed_copy(tmp_path)
    before = _snapshot(out)
    code, _, stderr = _cli(monkeypatch, capsys, raw, out)
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    for text in named:
        assert text in stderr, text
    assert _snapshot(out) == before


# --- item 3: never replace good data with less -----------------------------------------------------------

PARTIAL = {
    NEWEST,
    "ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.parquet",
    "uwchr_aor_ero_field_office.csv",
    "uwchr_aor_demog_indicators_2012_2019.psv",
    "ddp_arrests_monthly_national_2024-01_2026-08.csv",
    "ddp_arrests_by_aor_windows_2024_2025_2025-08_2026-07.csv",
}


@dataclass(frozen=True)
class BuildResult:
    code: int
    stdout: str
    stderr: str
    out: Path  # the temporary processed folder built into
    before: dict[str, bytes]  # its files before the build


@pytest.fixture
def partial_build(
    tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., BuildResult]:
    """`research data build ARGS` on a raw folder holding only the PARTIAL files, into a copy of the processed data."""

    def run(*args: str) -> BuildResult:
        raw = _raw_folder(tmp_path, mirror, PARTIAL)
        out = _processed_copy(tmp_path)
        before = _snapshot(out)
        return BuildResult(*_cli(monkeypatch, capsys, raw, out, *args), out, before)

    return run


def test_a_partial_raw_folder_does_not_replace_the_full_processed_data(
    partial_build: Callable[..., BuildResult],
) -> None:
    """The issue's repro: only the newest workbook plus the OPM, office and arrest files in data/raw."""
    result = partial_build()
    assert result.code == 2, "a build that would drop 24 of 25 editions must be refused"
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "editions" in line and "25" in line and "--allow-shrink" in line
    assert _snapshot(result.out) == result.before
    assert not list(result.out.parent.glob(".processed-*")), "staging folder left behind"


def test_allow_shrink_replaces_on_request(partial_build: Callable[..., BuildResult]) -> None:
    result = partial_build("--allow-shrink")
    assert result.code == 0, result.stderr
    assert _editions(result.out) == 1


def test_make_data_keeps_the_embedded_default_when_raw_files_are_incomplete(
    partial_build: Callable[..., BuildResult],
) -> None:
    """`make data` runs `research data build --if-available`: it must exit 0 and keep the full data."""
    result = partial_build("--if-available")
    assert result.code == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if "keeping" in line]
    assert len(notes) == 1 and "data_version" in notes[0], result.stdout
    assert _snapshot(result.out) == result.before and _editions(result.out) == 25


def test_a_complete_raw_folder_still_rebuilds_with_if_available(
    tmp_path: Path,
    mirror: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = _raw_folder(tmp_path, mirror)
    out = _processed_copy(tmp_path)
    before = _snapshot(out)
    code, stdout, stderr = _cli(monkeypatch, capsys, raw, out, "--if-available")
    assert code == 0, stderr
    assert "data_version" in stdout and "keeping" not in stdout
    after = _snapshot(out)
    # Same inputs, same tables (data_version.json also hashes the code: tests/test_build.py compares it).
    assert {k: v for k, v in after.items() if k != build.DATA_VERSION_FILE} == {
        k: v for k, v in before.items() if k != build.DATA_VERSION_FILE
    }


# --- item 4: a typo in a curated office code -------------------------------------------------------------


def _replace_line(text: str, contains: str, old: str, new: str) -> tuple[str, int]:
    """Replace `old` by `new` on the first line containing `contains`; returns the text and that line's number."""
    lines = text.split("\n")
    number = next(i for i, line in enumerate(lines) if contains in line)
    assert old in lines[number]
    lines[number] = lines[number].replace(old, new, 1)
    return "\n".join(lines), number + 1


@pytest.mark.parametrize(
    ("table", "contains"),
    [
        ("leadership_events", "2025-10-24,DEN,"),
        ("fod_events", "2025-10-24,DEN,"),
    ],
)
def test_an_unknown_aor_code_names_file_line_column_and_allowed_codes(
    tmp_path: Path, table: str, contains: str
) -> None:
    text, line = _replace_line((FACTS_DIR / f"{table}.csv").read_text(), contains, ",DEN,", ",ZZZ,")
    (tmp_path / f"{table}.csv").write_text(text)
    with pytest.raises(facts.FactsError) as info:
        facts.read_facts(table, tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert f"{table}.csv line {line}" in message and "aor_code" in message and "'ZZZ'" in message
    assert "DEN" in message and "HQ" in message  # the allowed values, office and non-office codes


def test_a_lower_case_office_code_is_rejected_too(tmp_path: Path) -> None:
    text, line = _replace_line(
        (FACTS_DIR / "fod_events.csv").read_text(), "2025-10-24,LOS,", ",LOS,", ",los,"
    )
    (tmp_path / "fod_events.csv").write_text(text)
    with pytest.raises(facts.FactsError, match=rf"fod_events\.csv line {line}.*aor_code.*'los'"):
        facts.read_facts("fod_events", tmp_path)


def test_an_unknown_timeline_scope_is_rejected(tmp_path: Path) -> None:
    text, line = _replace_line((FACTS_DIR / "timeline_events.csv").read_text(), ",SPM,", ",SPM,", ",MSP,")
    (tmp_path / "timeline_events.csv").write_text(text)
    with pytest.raises(facts.FactsError, match=rf"timeline_events\.csv line {line}.*scope.*'MSP'.*national"):
        facts.read_facts("timeline_events", tmp_path)


# --- item 7: NaN and infinity are not numbers a parameter can take ---------------------------------------


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float64("nan"), float("inf")])
@pytest.mark.parametrize(("lo", "hi"), [(0, 1), (0, None), (None, None)])
def test_non_finite_floats_fail_every_range_check(value: float, lo: float | None, hi: float | None) -> None:
    with pytest.raises(
        params.ParameterError, match="parameter 'attrition_rate' = .*: expected a finite number"
    ):
        params.check_range("attrition_rate", value, lo, hi)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"attrition_rate": math.nan}, "attrition_rate"),
        ({"hires_per_month": [10, math.inf]}, r"hires_per_month\[1\]"),
    ],
)
def test_nan_or_infinity_stops_the_staffing_notebook_inputs(change: dict[str, object], named: str) -> None:
    """`-p attrition_rate nan` reaches `staffing.validate_inputs` through `check_range`."""
    with pytest.raises(params.ParameterError, match=named):
        staffing_inputs(**change)


def test_finite_values_still_pass() -> None:
    assert params.check_range("attrition_rate", 0.25, 0, 1) == 0.25
    assert params.check_range("border_patrol_agents", 1e9, 0) == 1e9
    assert params.check_range("n_sims", 10, 1, integer=True) == 10
