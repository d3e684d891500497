"""The raw-source registry and `research.data.sources.fetch` (mirror copy, pooch download, checksum handling).

Fetch tests run against a temporary registry and SYNTHETIC files under tmp_path; nothing is written to data/raw
and no network is used (pooch's HTTP downloader is replaced by fakes).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pooch
import pytest
import requests
import yaml

from research import config
from research.data import sources

FAKE_URL = "https://example.org/synthetic/{name}"
# Read before the autouse fixture clears it for the synthetic tests.
REAL_MIRROR = config.raw_mirror()


@pytest.fixture(autouse=True)
def _isolated_raw_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real data/raw, and ignore a mirror configured in the environment unless a test asks."""
    monkeypatch.setattr(config, "RAW_DIR", tmp_path / "raw")
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)


# --- the real registry -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> dict[str, sources.Source]:
    return sources.load_registry()


def test_registry_covers_required_files(registry: dict[str, sources.Source]) -> None:
    workbooks = [s for s in registry.values() if s.path.startswith("ice_detention_stats/")]
    assert sum(s.mirrored for s in workbooks) == 25
    assert sum(not s.mirrored for s in workbooks) == 12
    assert {s.loader for s in workbooks} == {"research.data.ice_stats"}
    assert all(s.url.startswith("https://www.ice.gov/doclib/detention/") for s in workbooks)
    for name, loader in {
        "FY25_detentionStats09252025.xlsx": "research.data.ice_stats",
        "FY25_detentionStats05232025.xlsx": "research.data.ice_stats",
        "ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.parquet": "research.data.opm",
        "ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.csv": "research.data.opm",
        "ddp_ice_areas_of_responsibility.csv": "research.data.offices",
        "arrests-latest.parquet": "research.data.ddp_arrests",
    }.items():
        assert registry[name].loader == loader, name
    ddp = registry["arrests-latest.parquet"]
    assert ddp.path == "arrests/arrests-latest.parquet"
    assert (
        ddp.url
        == "https://media.githubusercontent.com/media/deportationdata/ice/main/data/arrests-latest.parquet"
    )
    assert ddp.license == "CC0-1.0" and ddp.sha256 is None and ddp.mirrored is False
    assert "Deportation Data Project" in ddp.citation
    assert registry["ddp_ice_areas_of_responsibility.csv"].license.startswith("CC0-1.0")


def test_every_entry_is_complete(registry: dict[str, sources.Source]) -> None:
    for src in registry.values():
        assert src.url.startswith("https://") and src.license and src.citation, src.name
        assert src.path.endswith("/" + src.name), src.name
        # Only the DDP "latest" file changes between releases; everything else is pinned by hash.
        assert (src.sha256 is None) == (src.name == "arrests-latest.parquet"), src.name
    workbooks = [s for s in registry.values() if s.loader == "research.data.ice_stats"]
    assert all(s.fiscal_year and s.edition_date for s in workbooks)
    stale = registry["FY21_detentionStats10282021.xlsx"]
    assert stale.data_through is None and stale.quirk and "stale" in stale.quirk
    misnamed = registry["FY24_detentionStats11152024.xlsx"]
    assert misnamed.fiscal_year == 2025 and misnamed.quirk
    assert str(registry["FY26_detentionStats_04092026.xlsx"].data_through) == "2026-04-04"


def test_unknown_name_lists_close_matches(registry: dict[str, sources.Source]) -> None:
    with pytest.raises(sources.UnknownSourceError, match="FY25_detentionStats09252025.xlsx"):
        sources.get_source("FY25_detentionStats0925025.xlsx", registry)
    with pytest.raises(sources.UnknownSourceError):
        sources.fetch(["no-such-file.xlsx"], progress=False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sha256": "abc"}, "sha256"),
        ({"loader": "research.nonexistent"}, "loader"),
        ({"mirrored": "yes"}, "mirrored"),
        ({"path": "../escape/x.csv"}, "path"),
        ({"edition_date": "2025-13-45"}, "edition_date"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_malformed_registry_names_file_and_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    entry = _entry("synthetic_a.csv", b"x") | change
    path = _write_registry(tmp_path / "sources.yaml", [entry])
    with pytest.raises(sources.RegistryError) as info:
        sources.load_registry(path)
    assert str(path) in str(info.value) and field in str(info.value) and "synthetic_a.csv" in str(info.value)


def test_missing_field_is_reported(tmp_path: Path) -> None:
    entry = _entry("synthetic_a.csv", b"x")
    del entry["license"]
    path = _write_registry(tmp_path / "sources.yaml", [entry])
    with pytest.raises(sources.RegistryError, match="missing field 'license'"):
        sources.load_registry(path)


# --- fetch on a synthetic registry -----------------------------------------------------------------------

GOOD = b"synthetic raw file, version 1\n"
OTHER = b"synthetic raw file, a different release\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry(name: str, data: bytes | None, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "path": f"synthetic/{name}",
        "url": FAKE_URL.format(name=name),
        "sha256": _sha(data) if data is not None else None,
        "license": "CC0-1.0",
        "citation": "synthetic test data",
        "loader": None,
        "mirrored": True,
        **extra,
    }


def _write_registry(path: Path, entries: list[dict[str, object]]) -> Path:
    path.write_text(yaml.safe_dump({"sources": entries}, sort_keys=False))
    return path


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A registry of two synthetic files (one pinned, one without sha256) and a mirror holding them."""
    registry = _write_registry(
        tmp_path / "sources.yaml",
        [_entry("synthetic_a.csv", GOOD), _entry("synthetic_latest.parquet", None, mirrored=False)],
    )
    monkeypatch.setattr(config, "SOURCES_FILE", registry)
    mirror = tmp_path / "mirror"
    (mirror / "synthetic").mkdir(parents=True)
    (mirror / "synthetic" / "synthetic_a.csv").write_bytes(GOOD)
    return mirror


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_fetch_from_mirror_copies_and_verifies(synthetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sources.fetch(["synthetic_a.csv"], mirror=synthetic, progress=False)
    target = config.RAW_DIR / "synthetic" / "synthetic_a.csv"
    assert paths == [target] and target.read_bytes() == GOOD
    assert sources.verify(["synthetic_a.csv"]) == {"synthetic_a.csv": "ok"}
    assert sources.present("synthetic_a.csv")
    assert _leftovers(target.parent) == ["synthetic_a.csv"]  # no temporary files left behind

    # A second fetch sees the verified file and does not copy again; the mirror also comes from the env var.
    def no_copy(*args: object, **kwargs: object) -> None:
        raise AssertionError("should not copy a file that is already present and verified")

    monkeypatch.setattr(sources.shutil, "copyfile", no_copy)
    monkeypatch.setenv(config.MIRROR_ENV, str(synthetic))
    assert sources.fetch(["synthetic_a.csv"], progress=False) == [target]


def test_fetch_all_with_mirror_takes_only_mirrored_entries(synthetic: Path) -> None:
    assert [p.name for p in sources.fetch(None, mirror=synthetic, progress=False)] == ["synthetic_a.csv"]


def test_wrong_checksum_in_mirror_keeps_good_file(synthetic: Path) -> None:
    target = config.RAW_DIR / "synthetic" / "synthetic_a.csv"
    sources.fetch(["synthetic_a.csv"], mirror=synthetic, progress=False)
    (synthetic / "synthetic" / "synthetic_a.csv").write_bytes(OTHER)  # the mirror copy goes bad

    with pytest.raises(sources.FetchError) as info:
        sources.fetch(["synthetic_a.csv"], mirror=synthetic, progress=False, force=True)
    message = str(info.value)
    assert "checksum mismatch" in message and "synthetic_a.csv" in message
    assert FAKE_URL.format(name="synthetic_a.csv") in message and _sha(OTHER) in message
    assert "\n" not in message
    assert target.read_bytes() == GOOD
    assert _leftovers(target.parent) == ["synthetic_a.csv"]


def test_missing_mirror_file_error(synthetic: Path) -> None:
    (synthetic / "synthetic" / "synthetic_a.csv").unlink()
    with pytest.raises(sources.FetchError) as info:
        sources.fetch(["synthetic_a.csv"], mirror=synthetic, progress=False)
    message = str(info.value)
    assert "synthetic_a.csv" in message and FAKE_URL.format(name="synthetic_a.csv") in message
    assert "RESEARCH_RAW_MIRROR" in message and "\n" not in message
    assert not (config.RAW_DIR / "synthetic" / "synthetic_a.csv").exists()


def test_nonexistent_mirror_folder(synthetic: Path, tmp_path: Path) -> None:
    with pytest.raises(sources.FetchError, match="does not exist"):
        sources.fetch(["synthetic_a.csv"], mirror=tmp_path / "nowhere", progress=False)


def _fake_downloader(monkeypatch: pytest.MonkeyPatch, payload: bytes, fail: bool = False) -> list[str]:
    """Replace pooch's HTTP download: write `payload` (then raise a connection error if `fail`)."""
    calls: list[str] = []

    def fake_call(self: pooch.HTTPDownloader, url: str, output_file: str, pooch_obj: object) -> None:
        calls.append(url)
        Path(output_file).write_bytes(payload)
        if fail:
            raise requests.exceptions.ConnectionError("Failed to resolve 'example.org' (no network)")

    monkeypatch.setattr(pooch.HTTPDownloader, "__call__", fake_call)
    return calls


def test_download_with_pooch_verifies_hash(synthetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_downloader(monkeypatch, GOOD)
    (path,) = sources.fetch(["synthetic_a.csv"], progress=False)
    assert calls == [FAKE_URL.format(name="synthetic_a.csv")]
    assert path.read_bytes() == GOOD and _leftovers(path.parent) == ["synthetic_a.csv"]


def test_no_network_gives_one_line_error_and_no_partial_file(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = config.RAW_DIR / "synthetic" / "synthetic_a.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"an older local copy")  # wrong hash, so fetch tries to replace it
    _fake_downloader(monkeypatch, GOOD[:5], fail=True)

    with pytest.raises(sources.FetchError) as info:
        sources.fetch(["synthetic_a.csv"], progress=False)
    message = str(info.value)
    assert "\n" not in message
    assert "synthetic_a.csv" in message and FAKE_URL.format(name="synthetic_a.csv") in message
    assert "research data fetch synthetic_a.csv" in message and "RESEARCH_RAW_MIRROR" in message
    assert target.read_bytes() == b"an older local copy"
    assert _leftovers(target.parent) == ["synthetic_a.csv"]


def test_download_with_wrong_checksum_keeps_good_file(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = config.RAW_DIR / "synthetic" / "synthetic_a.csv"
    sources.fetch(["synthetic_a.csv"], mirror=synthetic, progress=False)
    _fake_downloader(monkeypatch, OTHER)
    with pytest.raises(sources.FetchError) as info:
        sources.fetch(["synthetic_a.csv"], progress=False, force=True)
    message = str(info.value)
    assert "checksum mismatch" in message and FAKE_URL.format(name="synthetic_a.csv") in message
    assert "left unchanged" in message
    assert target.read_bytes() == GOOD and _leftovers(target.parent) == ["synthetic_a.csv"]


def test_unpinned_file_is_stored_with_its_computed_hash(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_downloader(monkeypatch, OTHER)
    (path,) = sources.fetch(["synthetic_latest.parquet"], progress=False)
    note = path.with_name(path.name + ".sha256")
    assert note.read_text().split() == [_sha(OTHER), "synthetic_latest.parquet"]
    assert sources.verify(["synthetic_latest.parquet"]) == {"synthetic_latest.parquet": "unverified"}
    # Present and unpinned: skipped unless forced (a new release needs force=True).
    calls = _fake_downloader(monkeypatch, GOOD)
    sources.fetch(["synthetic_latest.parquet"], progress=False)
    assert calls == [] and path.read_bytes() == OTHER
    sources.fetch(["synthetic_latest.parquet"], progress=False, force=True)
    assert path.read_bytes() == GOOD and note.read_text().split()[0] == _sha(GOOD)
    path.write_bytes(b"edited after fetch")  # raw files are never edited: verify notices
    assert sources.verify(["synthetic_latest.parquet"]) == {"synthetic_latest.parquet": "bad-hash"}


def test_verify_reports_missing_and_bad_hash(synthetic: Path) -> None:
    assert sources.verify(["synthetic_a.csv"]) == {"synthetic_a.csv": "missing"}
    target = config.RAW_DIR / "synthetic" / "synthetic_a.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(OTHER)
    assert sources.verify(["synthetic_a.csv"]) == {"synthetic_a.csv": "bad-hash"}


def test_batch_failure_reports_every_failed_file(synthetic: Path, tmp_path: Path) -> None:
    empty_mirror = tmp_path / "empty_mirror"
    empty_mirror.mkdir()
    with pytest.raises(sources.FetchError) as info:
        sources.fetch(["synthetic_a.csv", "synthetic_latest.parquet"], mirror=empty_mirror, progress=False)
    assert set(info.value.failures) == {"synthetic_a.csv", "synthetic_latest.parquet"}
    assert "2 of 2" in str(info.value) and "\n" not in str(info.value)


# --- the real mirror ---------------------------------------------------------------------------------------


@pytest.mark.mirror
def test_real_mirror_files_match_registry(registry: dict[str, sources.Source]) -> None:
    if REAL_MIRROR is None or not (REAL_MIRROR / "ice_detention_stats").is_dir():
        pytest.skip("raw-data mirror not available (set RESEARCH_RAW_MIRROR)")
    mirror = REAL_MIRROR
    names = [
        "FY25_detentionStats09252025.xlsx",
        "FY26_detentionStats_04092026.xlsx",
        "ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.parquet",
        "ddp_ice_areas_of_responsibility.csv",
    ]
    paths = sources.fetch(names, mirror=mirror, progress=False)
    assert [p.name for p in paths] == names
    assert all(str(p).startswith(str(config.RAW_DIR)) for p in paths)
    assert set(sources.verify(names).values()) == {"ok"}


# --- issue 14 item 15: registry errors name file, line, entry and field ----------------------------------

_REGISTRY_TEXT = """\
sources:
  - name: synthetic_a.csv
    path: synthetic/synthetic_a.csv
    url: https://example.org/synthetic/synthetic_a.csv
    sha256: null
    license: CC0-1.0
    citation: synthetic test data
    loader: null
    mirrored: true
    edition_date: {edition_date}
"""


def test_an_unquoted_invalid_date_names_file_line_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(_REGISTRY_TEXT.format(edition_date="2021-13-40"))
    with pytest.raises(sources.RegistryError) as info:
        sources.load_registry(path)
    message = str(info.value)
    assert message == (
        f"{path} line 10: sources[0] (synthetic_a.csv): field 'edition_date' = '2021-13-40': "
        "expected an ISO date YYYY-MM-DD or null"
    )


@pytest.mark.parametrize("value", ["2021-01-20", "'2021-01-20'"])
def test_quoted_and_unquoted_valid_dates_both_load(tmp_path: Path, value: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(_REGISTRY_TEXT.format(edition_date=value))
    assert str(sources.load_registry(path)["synthetic_a.csv"].edition_date) == "2021-01-20"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace("    mirrored: true\n", "    mirrored: true\n    mirrored: false\n"),
            r"line 10, column 5: .*duplicate key 'mirrored' \(first at line 9\)",
        ),
        (
            lambda t: t.replace("license: CC0-1.0", "license: [CC0-1.0"),
            r"line \d+, column \d+: not valid YAML",
        ),
        (
            lambda t: t.replace("sha256: null", "sha256: abc"),
            r"line 5: sources\[0\] \(synthetic_a.csv\): field 'sha256' = 'abc'",
        ),
        (
            lambda t: t.replace("url: https://example.org/synthetic/synthetic_a.csv", "url: https://"),
            r"line 4: .*field 'url'",
        ),
    ],
)
def test_registry_problems_point_at_the_line(tmp_path: Path, edit: object, expected: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(edit(_REGISTRY_TEXT.format(edition_date="2021-01-20")))  # type: ignore[operator]
    with pytest.raises(sources.RegistryError, match=expected):
        sources.load_registry(path)


def test_a_non_utf8_registry_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    text = _REGISTRY_TEXT.format(edition_date="2021-01-20").replace("synthetic test data", "donn\xe9es")
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(sources.RegistryError, match=r"sources\.yaml line 7: byte 0xe9"):
        sources.load_registry(path)


# --- issue 14 item 18: a directory where a raw file should be ----------------------------------------------


def test_fetch_into_a_directory_at_the_raw_path_is_one_clear_line(synthetic: Path) -> None:
    target = config.RAW_DIR / "synthetic" / "synthetic_a.csv"
    target.mkdir(parents=True)
    with pytest.raises(sources.FetchError) as info:
        sources.fetch(["synthetic_a.csv"], mirror=synthetic, progress=False)
    message = str(info.value)
    assert f"{target} is a directory" in message and "\n" not in message
    assert ".part" not in message  # no temporary path


def test_a_directory_in_the_mirror_is_named(synthetic: Path) -> None:
    origin = synthetic / "synthetic" / "synthetic_a.csv"
    origin.unlink()
    origin.mkdir()
    with pytest.raises(sources.FetchError, match=r"synthetic_a\.csv in the mirror is a directory"):
        sources.fetch(["synthetic_a.csv"], mirror=synthetic, progress=False)


def test_verify_name_reports_a_directory_and_exits_non_zero(
    synthetic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from research import cli

    (config.RAW_DIR / "synthetic" / "synthetic_a.csv").mkdir(parents=True)
    assert sources.verify(["synthetic_a.csv"]) == {"synthetic_a.csv": "not-a-file"}
    assert cli.main(["data", "verify", "synthetic_a.csv"]) == 1
    assert capsys.readouterr().out.split() == ["not-a-file", "synthetic_a.csv"]


def test_verify_name_of_a_missing_file_says_so_and_exits_non_zero(
    synthetic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from research import cli

    assert cli.main(["data", "verify", "synthetic_a.csv"]) == 1
    assert capsys.readouterr().out.split() == ["missing", "synthetic_a.csv"]
    assert cli.main(["data", "verify"]) == 0  # without names, files not fetched are normal
