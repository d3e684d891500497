"""The raw-to-processed build: reproducibility against the committed default, and atomicity on bad input."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
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


SYNTHETIC_NAME = "FY26_detentionStats12222025.xlsx"


def _fake_raw(tmp_path: Path, mirror: Path, bad_workbook: Path) -> tuple[Path, dict[str, sources.Source]]:
    """A raw folder with the real non-workbook inputs and one (bad) SYNTHETIC workbook under a registry name,
    and a registry whose pin for that name is the synthetic file's hash (so the reader, not the checksum, is
    what the test exercises)."""
    raw = tmp_path / "raw"
    for folder in ("staffing", "offices", "arrests"):
        shutil.copytree(mirror / folder, raw / folder)
    registry = sources.load_registry()
    target = sources.raw_path(registry[SYNTHETIC_NAME], raw)
    target.parent.mkdir(parents=True)
    shutil.copy(bad_workbook, target)
    registry[SYNTHETIC_NAME] = dataclasses.replace(registry[SYNTHETIC_NAME], sha256=sources.sha256_of(target))
    return raw, registry


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
    raw, registry = _fake_raw(tmp_path, mirror, workbook)
    out = tmp_path / "processed"
    shutil.copytree(config.DATA_DIR / "processed", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ValueError, match="FY26_detentionStats12222025.xlsx"):
        build.build(raw_dir=raw, out_dir=out, registry=registry)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".processed-*")), "a half-written staging folder was left behind"


def test_missing_raw_workbooks_give_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(build.BuildError, match="research data fetch"):
        build.build(raw_dir=tmp_path / "empty", out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- issue 14 item 10: a read-only processed folder is refused before the swap ---------------------------

_UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]
_SCRIPT = """
import sys
from pathlib import Path
from research import cli, config
config.RAW_DIR = Path(sys.argv[1])
config.DATA_DIR = Path(sys.argv[2]).parent
sys.exit(cli.main(["data", "build", "--quiet"]))
"""


def _as_ordinary_user(command: list[str]) -> list[str]:
    """Root ignores permission bits: drop the capabilities that let it, so a read-only folder is read-only."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only for the build")
    return _UNPRIVILEGED + command


def test_read_only_processed_folder_fails_cleanly_before_the_swap(tmp_path: Path, mirror: Path) -> None:
    out = tmp_path / "data" / "processed"
    shutil.copytree(config.DATA_DIR / "processed", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    out.chmod(0o555)  # the parent (tmp_path / "data") stays writable
    try:
        env = {**os.environ, config.PROCESSED_ENV: str(out)}
        env.pop(config.MIRROR_ENV, None)
        run = subprocess.run(
            _as_ordinary_user([sys.executable, "-c", _SCRIPT, str(mirror), str(out)]),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        out.chmod(0o755)
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "read-only" in lines[0] and str(out) in lines[0], run.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not (out.parent / "processed.previous").exists()
    assert not list(out.parent.glob(".processed-*"))


def test_a_read_only_folder_is_detected_before_reading_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "processed"
    out.mkdir()
    monkeypatch.setattr(build.os, "access", lambda path, mode: Path(path) != out)
    called = []
    monkeypatch.setattr(build, "build_tables", lambda *a: called.append(a))
    with pytest.raises(build.BuildError, match=r"processed is read-only.*chmod -R u\+w"):
        build.build(raw_dir=tmp_path / "raw", out_dir=out)
    assert not called


# --- issue 14 item 17: leftovers of killed builds ---------------------------------------------------------


def test_staging_folders_of_killed_builds_are_removed_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "data" / "processed"
    out.mkdir(parents=True)
    (out / "kept.txt").write_text("old data")
    stale = out.parent / ".processed-k1ll3d"
    stale.mkdir()
    (stale / "book_ins.parquet").write_bytes(b"half written")
    with pytest.raises(build.BuildError, match="no ICE detention-statistics workbooks"):
        build.build(raw_dir=tmp_path / "empty", out_dir=out)
    assert not stale.exists() and (out / "kept.txt").read_text() == "old data"


def test_an_interrupted_swap_is_finished_by_the_next_build(tmp_path: Path) -> None:
    """Killed between the two renames: processed is gone and processed.previous holds the old data."""
    out = tmp_path / "data" / "processed"
    previous = out.with_name("processed.previous")
    previous.mkdir(parents=True)
    (previous / "kept.txt").write_text("old data")
    with pytest.raises(build.BuildError):
        build.build(raw_dir=tmp_path / "empty", out_dir=out)
    assert (out / "kept.txt").read_text() == "old data" and not previous.exists()


def test_a_leftover_previous_folder_does_not_break_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "data" / "processed"
    out.mkdir(parents=True)
    previous = out.with_name("processed.previous")
    previous.mkdir()
    (previous / "old.parquet").write_bytes(b"x")
    with pytest.raises(build.BuildError, match="no ICE detention-statistics workbooks"):
        build.build(raw_dir=tmp_path / "empty", out_dir=out)
    assert not previous.exists() and out.is_dir()


def test_two_builds_of_the_same_folder_do_not_run_at_once(tmp_path: Path) -> None:
    out = tmp_path / "data" / "processed"
    out.parent.mkdir(parents=True)
    with open(out.with_name(".processed.lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(build.BuildError, match="another `research data build` is writing"):
            build.build(raw_dir=tmp_path / "empty", out_dir=out)


@pytest.mark.parametrize(
    "path", ["data/.processed-abc123/x.parquet", "data/processed.previous/x", "data/.processed.lock"]
)
def test_build_leftovers_are_git_ignored(path: str) -> None:
    run = subprocess.run(["git", "check-ignore", "-q", path], cwd=config.PROJECT_ROOT, check=False)
    if run.returncode == 128:
        pytest.skip("not a git checkout")
    assert run.returncode == 0, f"{path} is not git-ignored"


# --- issue 14 item 18: a directory where a raw file should be ---------------------------------------------


def test_a_directory_at_a_raw_path_is_a_one_line_build_error(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    src = sources.load_registry()["FY26_detentionStats_04092026.xlsx"]
    sources.raw_path(src, raw).mkdir(parents=True)
    with pytest.raises(build.BuildError) as info:
        build.build(raw_dir=raw, out_dir=tmp_path / "processed")
    message = str(info.value)
    assert "FY26_detentionStats_04092026.xlsx" in message and "is a directory" in message
    assert "truncated" not in message and "\n" not in message


def test_data_version_covers_registry_metadata_and_the_field_office_table(
    tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14 item 5: editing field_offices.csv or a workbook's registry entry must change the data version."""
    raw = tmp_path / "raw"
    sources.fetch(None, mirror=mirror, progress=False, raw_dir=raw)
    base = build.build(raw_dir=raw, out_dir=tmp_path / "a").data_version

    registry = sources.load_registry()
    name = "FY26_detentionStats_04092026.xlsx"
    registry[name] = dataclasses.replace(registry[name], quirk="note added by this test")
    assert build.build(raw_dir=raw, out_dir=tmp_path / "b", registry=registry).data_version != base

    edited = tmp_path / "field_offices.csv"
    text = config.RAW_DIR.joinpath("field_offices.csv").read_text()
    edited.write_text(
        text.replace(
            "Atlanta Area of Responsibility,Atlanta,GA,", "Atlanta Area of Responsibility,Decatur,GA,"
        )
    )
    monkeypatch.setattr("research.data.offices.FIELD_OFFICES_FILE", edited)
    changed = build.build(raw_dir=raw, out_dir=tmp_path / "c")
    assert changed.data_version != base
    offices_table = pd.read_parquet(tmp_path / "c" / "field_offices.parquet").set_index("aor")
    assert offices_table.loc["ATL", "city"] == "Decatur"
