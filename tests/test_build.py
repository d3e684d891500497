"""The raw-to-processed build: reproducibility against the committed default, and atomicity on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from synthetic_workbooks import synthetic_workbook

from research import config
from research.data import build, schemas, sources


@pytest.fixture(scope="module")
def rebuilt(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fetch every mirrored raw file into a temporary raw folder (checksummed) and build from it."""
    raw = tmp_path_factory.mktemp("raw")
    sources.fetch(None, mirror=mirror, progress=False, raw_dir=raw)
    out = tmp_path_factory.mktemp("build") / "processed"
    build.build(raw_dir=raw, out_dir=out)
    return out


def test_rebuild_from_mirror_equals_committed_tables_exactly(rebuilt: Path) -> None:
    committed = config.DATA_DIR / "processed"
    for name in schemas.EMBEDDED_TABLES:
        fresh = pd.read_parquet(rebuilt / f"{name}.parquet")
        kept = pd.read_parquet(committed / f"{name}.parquet")
        pd.testing.assert_frame_equal(fresh, kept, check_exact=True, obj=name)
    fresh_version = json.loads((rebuilt / build.DATA_VERSION_FILE).read_text())
    kept_version = json.loads((committed / build.DATA_VERSION_FILE).read_text())
    assert fresh_version == kept_version, "data_version.json differs: run `research data build` and commit"


def test_codebook_is_up_to_date() -> None:
    assert (config.DATA_DIR / "CODEBOOK.md").read_text() == schemas.codebook_markdown(), (
        "data/CODEBOOK.md is stale: run `research data codebook`"
    )


def test_best_series_takes_the_latest_data_through() -> None:
    vintage = pd.DataFrame(
        {
            "month": pd.to_datetime(["2021-09-01"] * 3),
            "agency": ["ICE"] * 3,
            "edition_file": ["a", "b", "c"],
            "edition_date": pd.to_datetime(["2021-09-16", "2021-10-07", "2021-11-12"]),
            "data_through": pd.to_datetime(["2021-09-11", "2021-09-25", "2021-09-11"]),
            "book_ins": [1, 2, 3],
        }
    )
    # The last edition re-served stale data: the one with the most days wins, not the newest file.
    assert build.best_series(vintage, ["month", "agency"])["edition_file"].tolist() == ["b"]


def _fake_raw(tmp_path: Path, mirror: Path, bad_workbook: Path) -> Path:
    """A raw folder with the real non-workbook inputs and one (bad) synthetic workbook under a registry name."""
    raw = tmp_path / "raw"
    for folder in ("staffing", "offices"):
        shutil.copytree(mirror / folder, raw / folder)
    target = sources.raw_path(sources.load_registry()["FY26_detentionStats12222025.xlsx"], raw)
    target.parent.mkdir(parents=True)
    shutil.copy(bad_workbook, target)
    return raw


@pytest.mark.parametrize("problem", ["renamed_title", "truncated", "unknown_aor"])
def test_bad_input_leaves_processed_data_as_it_was(tmp_path: Path, mirror: Path, problem: str) -> None:
    workbook = tmp_path / "bad.xlsx"
    if problem == "renamed_title":
        synthetic_workbook(workbook, book_ins_title="Initial Book-Ins by Agency")
    elif problem == "unknown_aor":
        synthetic_workbook(workbook, facility_aor="Atlantis Area of Responsibility")
    else:
        synthetic_workbook(workbook)
        workbook.write_bytes(workbook.read_bytes()[:2000])
    raw = _fake_raw(tmp_path, mirror, workbook)
    out = tmp_path / "processed"
    shutil.copytree(config.DATA_DIR / "processed", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ValueError, match="FY26_detentionStats12222025.xlsx"):
        build.build(raw_dir=raw, out_dir=out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".processed-*")), "a half-written staging folder was left behind"


def test_missing_raw_workbooks_give_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(build.BuildError, match="research data fetch"):
        build.build(raw_dir=tmp_path / "empty", out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
