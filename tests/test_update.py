"""`research data update` end to end against a local HTTP server (standard-library `http.server` on 127.0.0.1).

The server holds a copy of the structure of ICE's Detention Management page (tests/fixtures/) whose links point
at SYNTHETIC workbooks written by tests/synthetic_workbooks.py, and a Git LFS pointer plus a SYNTHETIC
Deportation Data Project arrests file. The registry, data/raw and data/processed are temporary folders
(config.SOURCES_FILE, config.RAW_DIR and RESEARCH_PROCESSED_DIR are redirected); nothing real is touched.
Tests that rebuild need the mirror for the non-workbook inputs (OPM, offices, arrest aggregates) and skip
without it; the failure paths stop before the rebuild and run everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from openpyxl import load_workbook
from synthetic_workbooks import synthetic_workbook

from research import cli, config
from research.data import build, sources, update

REAL_REGISTRY = yaml.safe_load(config.SOURCES_FILE.read_text(encoding="utf-8"))
PAGE_TEMPLATE = (Path(__file__).parent / "fixtures" / "ice_detention_management.html").read_text(
    encoding="utf-8"
)
PAGE_PATH = "detain/detention-management"
DOCLIB = "https://www.ice.gov/doclib/detention/"
POINTER_PATH = "deportationdata/ice/main/data/arrests-latest.parquet"  # raw.githubusercontent.com path
MEDIA_PATH = "media/deportationdata/ice/main/data/arrests-latest.parquet"  # media.githubusercontent.com path
# SYNTHETIC editions (names follow ICE's pattern; contents are invented by synthetic_workbook).
BASE = "FY26_detentionStats12172025.xlsx"  # registered, in data/raw, built into data/processed
NEW = "FY26_detentionStats01142026.xlsx"  # only linked on the page
BUILD_INPUTS = {  # the real non-workbook registry entries the build reads (copied from the mirror)
    "ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.parquet",
    "uwchr_aor_ero_field_office.csv",
    "uwchr_aor_demog_indicators_2012_2019.psv",
    "ddp_arrests_monthly_national_2024-01_2026-08.csv",
    "ddp_arrests_by_aor_windows_2024_2025_2025-08_2026-07.csv",
}


# --- the local server ---------------------------------------------------------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass


@dataclass
class Server:
    root: Path
    url: str

    def put(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def page(
        self, names: list[str], template: str = PAGE_TEMPLATE, prefix: str = "/doclib/detention/"
    ) -> None:
        items = "\n".join(
            f'        <li><a href="{prefix}{n}">FY detention statistics ({n})</a></li>' for n in names
        )
        self.put(PAGE_PATH, template.replace("{workbook_links}", items).encode())

    def workbook(self, name: str, data: bytes) -> None:
        self.put(f"doclib/detention/{name}", data)

    def release(self, data: bytes, announced_sha: str | None = None) -> None:
        sha = announced_sha or hashlib.sha256(data).hexdigest()
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(data)}\n"
        self.put(POINTER_PATH, pointer.encode())
        self.put(MEDIA_PATH, data)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "site"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(root, f"http://127.0.0.1:{httpd.server_port}")
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- SYNTHETIC raw files ---------------------------------------------------------------------------------------


def _workbook_bytes(tmp_path: Path, name: str, *, months: int, through: str, revise_oct: int = 0) -> bytes:
    """A synthetic FY2026 workbook with an ATD sheet; `revise_oct` adds to October's ICE (and Total) book-ins."""
    path = tmp_path / "made" / name
    path.parent.mkdir(exist_ok=True)
    synthetic_workbook(path, fy=2026, months_reported=months, data_through=through)
    book = load_workbook(path)
    sheet = book["Detention FY26"]
    for row in range(20, 23):  # rows Total, CBP, ICE; column J is October
        if revise_oct and str(sheet.cell(row=row, column=9).value).strip() in ("ICE", "Total"):
            sheet.cell(row=row, column=10).value += revise_oct
    atd = book.create_sheet("ATD FY26")  # the build needs one edition with an ATD table
    atd["A5"] = "ATD Active Population by Status, Count and ALIP"
    for i, (status, count) in enumerate([("FAMU", 10), ("Single Adult", 90), ("Total", 100)]):
        atd.cell(row=7 + i, column=1, value=status)
        atd.cell(row=7 + i, column=2, value=count)
        atd.cell(row=7 + i, column=3, value=300.5)
    atd["A11"] = f"Data Source: ICE Participants Report, {through}"
    book.save(path)
    return path.read_bytes()


def _arrests_bytes(tmp_path: Path, last_day: str, extra_on_first_day: int = 0) -> bytes:
    """A synthetic DDP arrests release: two arrests a day in Chicago from 2025-10-01 to `last_day`."""
    days = pd.date_range("2025-10-01", last_day, freq="D")
    dates = [d.to_pydatetime() for d in days for _ in range(2)] + [
        days[0].to_pydatetime()
    ] * extra_on_first_day
    table = pa.table(
        {
            "apprehension_date": pa.array(dates, pa.timestamp("us")),
            "apprehension_aor": pa.array(["Chicago Area of Responsibility"] * len(dates)),
            "apprehension_criminality": pa.array(["1 Convicted Criminal"] * len(dates)),
            "duplicate_drop_row": pa.array([False] * len(dates)),
        }
    )
    path = tmp_path / "made" / f"arrests-{last_day}-{extra_on_first_day}.parquet"
    path.parent.mkdir(exist_ok=True)
    pq.write_table(table, path)
    return path.read_bytes()


def _entry(name: str, data: bytes, edition_date: str, through: str) -> dict[str, object]:
    return {
        "name": name,
        "path": f"ice_detention_stats/{name}",
        "url": DOCLIB + name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "license": "synthetic test data",
        "citation": "synthetic test data",
        "loader": "research.data.ice_stats",
        "mirrored": False,
        "fiscal_year": 2026,
        "edition_date": edition_date,
        "data_through": through,
        "quirk": None,
    }


@dataclass
class Project:
    registry: Path
    raw: Path
    processed: Path
    lock: Path
    base: bytes  # the registered synthetic edition

    def state(self) -> dict[str, bytes]:
        """Every file under data/raw, the registry folder and data/processed, with its bytes."""
        folders = (self.raw, self.registry.parent, self.processed)
        return {
            str(p): p.read_bytes()
            for folder in folders
            if folder.exists()
            for p in folder.rglob("*")
            if p.is_file()
        }


def _project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra_entries: list[dict[str, object]]
) -> Project:
    registry = tmp_path / "registry" / "sources.yaml"
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    base = _workbook_bytes(tmp_path, BASE, months=3, through="12/13/2025")
    ddp = next(e for e in REAL_REGISTRY["sources"] if e["name"] == "arrests-latest.parquet")
    entries = [_entry(BASE, base, "2025-12-17", "2025-12-13"), ddp, *extra_entries]
    registry.parent.mkdir()
    registry.write_text(
        yaml.safe_dump({"pages": REAL_REGISTRY["pages"], "sources": entries}, sort_keys=False)
    )
    (raw / "ice_detention_stats").mkdir(parents=True)
    (raw / "ice_detention_stats" / BASE).write_bytes(base)
    monkeypatch.setattr(config, "SOURCES_FILE", registry)
    monkeypatch.setattr(config, "RAW_DIR", raw)
    monkeypatch.setenv(config.PROCESSED_ENV, str(processed))
    monkeypatch.delenv(config.MIRROR_ENV, raising=False)
    return Project(registry, raw, processed, sources.lock_path(registry), base)


@pytest.fixture
def offline_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Registry of synthetic editions only; data/processed is a copy of the committed tables (never rebuilt)."""
    project = _project(tmp_path, monkeypatch, [])
    shutil.copytree(config.DATA_DIR / "processed", project.processed)
    return project


@pytest.fixture
def built_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mirror: Path) -> Project:
    """Synthetic editions plus the real non-workbook inputs; data/processed built from them, with an old DDP release."""
    inputs = [e for e in REAL_REGISTRY["sources"] if e["name"] in BUILD_INPUTS]
    project = _project(tmp_path, monkeypatch, inputs)
    for entry in inputs:
        target = project.raw / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mirror / entry["path"], target)
    old_release = project.raw / "arrests" / "arrests-latest.parquet"
    old_release.write_bytes(_arrests_bytes(tmp_path, "2025-12-10"))
    build.build(raw_dir=project.raw, out_dir=project.processed)
    return project


def _run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["data", "update", "--quiet", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _show(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str], text: str) -> None:
    """Print the command's output to the terminal when pytest runs with -s (a transcript for reviewers)."""
    if request.config.getoption("capture") == "no":
        with capsys.disabled():
            print(text)


# --- a new edition and a new arrests release: found, pinned, built, summarised ----------------------------------


def test_update_finds_pins_builds_and_summarises(
    built_project: Project,
    server: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    new = _workbook_bytes(tmp_path, NEW, months=4, through="01/10/2026", revise_oct=7)
    server.page([BASE, NEW])
    server.workbook(NEW, new)
    release = _arrests_bytes(tmp_path, "2026-01-20", extra_on_first_day=3)
    server.release(release)
    before = built_project.state()
    old_version = (built_project.processed / "data_version.json").read_text()

    code, out, _ = _run_cli(capsys, "--dry-run", "--base-url", server.url)
    _show(request, capsys, f"$ research data update --dry-run --base-url {server.url}\n{out}")
    assert code == 0
    assert f"new edition     {NEW}  {DOCLIB}{NEW}" in out
    assert "arrests release arrests-latest.parquet" in out
    assert built_project.state() == before, "a dry run changed files"

    code, out, _ = _run_cli(capsys, "--base-url", server.url)
    _show(request, capsys, f"$ research data update --base-url {server.url}\n{out}")
    assert code == 0, out
    pinned, seen = sources.load_lock(built_project.lock)
    by_name = {src.name: src for src in pinned}
    edition = by_name[NEW]
    assert edition.url == DOCLIB + NEW  # the public URL, not the test server's
    assert edition.sha256 == hashlib.sha256(new).hexdigest() and edition.bytes == len(new)
    # Read from the workbook (fiscal year, Footnotes date) and from ICE's file-name date.
    assert (edition.fiscal_year, edition.data_through, edition.edition_date) == (
        2026,
        dt.date(2026, 1, 10),
        dt.date(2026, 1, 14),
    )
    arrests = by_name["arrests-latest.parquet"]
    assert arrests.sha256 == hashlib.sha256(release).hexdigest() and arrests.data_through == dt.date(
        2026, 1, 20
    )
    assert seen == []
    assert (built_project.raw / "ice_detention_stats" / NEW).read_bytes() == new
    assert sources.load_registry()[NEW].sha256 == edition.sha256  # the registry reads the lock

    new_version = (built_project.processed / "data_version.json").read_text()
    assert new_version != old_version
    assert NEW in new_version
    assert f"new editions (1): {NEW} (released 2026-01-14, FY2026, data through 2026-01-10)" in out
    assert "book-ins, months added: Jan 2026 (partial)" in out
    assert "book-ins, months completed (partial before): Dec 2025" in out
    assert (
        "book-ins, months revised: 2 of 6 complete (ICE 1, Total 1); largest: ICE Oct 2025 1,000 -> 1,007 (+7)"
        in out
    )
    assert "DDP arrests, months added: Jan 2026 (partial)" in out
    assert "DDP arrests, months completed (partial before): Dec 2025" in out
    assert "DDP arrests, months revised: 1 of 2 complete; largest: Oct 2025 62 -> 65 (+3)" in out
    versions = [line for line in out.splitlines() if "data version:" in line]
    assert len(versions) == 1 and versions[0].split()[-3] != versions[0].split()[-1]

    # Run again: the page and the release are unchanged, so nothing is fetched and nothing changes.
    after = built_project.state()
    code, out, _ = _run_cli(capsys, "--base-url", server.url)
    assert code == 0 and "nothing to fetch" not in out and "nothing new" in out
    assert built_project.state() == after


def test_registered_edition_missing_locally_is_fetched_and_built(
    built_project: Project, server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like the 07/20/2026 edition: registered with its sha256, not on this machine -> fetched and built.

    Here its URL is gone (HTTP 404) and the copy comes from its archive_url, checked against the same sha256.
    """
    new = _workbook_bytes(tmp_path, NEW, months=4, through="01/10/2026")
    archived = f"https://web.archive.org/web/20260120000000/{DOCLIB}{NEW}"
    doc = yaml.safe_load(built_project.registry.read_text())
    doc["sources"].append({**_entry(NEW, new, "2026-01-14", "2026-01-10"), "archive_url": archived})
    built_project.registry.write_text(yaml.safe_dump(doc, sort_keys=False))
    server.page([BASE, NEW])
    server.put(f"web/20260120000000/https:/www.ice.gov/doclib/detention/{NEW}", new)
    server.release(
        (built_project.raw / "arrests" / "arrests-latest.parquet").read_bytes()
    )  # unchanged release

    code, out, _ = _run_cli(capsys, "--base-url", server.url)
    assert code == 0, out
    assert (
        f"fetched 1 registered file(s): {NEW}" in out and "arrests-latest.parquet: release unchanged" in out
    )
    assert f"new editions (1): {NEW}" in out and "book-ins, months added: Jan 2026 (partial)" in out
    assert not built_project.lock.exists(), "a registered file needs no pin"


# --- failures leave everything as it was ---------------------------------------------------------------------


def _assert_unchanged(project: Project, before: dict[str, bytes]) -> None:
    assert project.state() == before
    assert not project.lock.exists()
    assert not list(project.raw.glob(".update-*")), "a staging folder was left behind"


@pytest.mark.parametrize("problem", ["download fails", "does not parse", "bad hash"])
def test_failed_fetch_leaves_everything_as_it_was(
    offline_project: Project, server: Server, tmp_path: Path, problem: str
) -> None:
    server.page([BASE, NEW])
    server.release(_arrests_bytes(tmp_path, "2025-12-10"))
    (offline_project.raw / "arrests").mkdir()
    (offline_project.raw / "arrests" / "arrests-latest.parquet").write_bytes(
        _arrests_bytes(tmp_path, "2025-11-30")
    )
    if problem == "does not parse":
        server.workbook(
            NEW, _workbook_bytes(tmp_path, NEW, months=4, through="01/10/2026")[:3000]
        )  # truncated
    elif problem == "bad hash":  # the pointer announces other bytes than the server sends
        server.workbook(NEW, _workbook_bytes(tmp_path, NEW, months=4, through="01/10/2026"))
        server.release(_arrests_bytes(tmp_path, "2025-12-10"), announced_sha="0" * 64)
    # "download fails": the page links NEW but the server has no such file (HTTP 404).
    before = offline_project.state()
    with pytest.raises(update.UpdateError) as info:
        update.run(base_url=server.url, progress=False)
    message = str(info.value)
    assert "nothing was changed" in message and "\n" not in message
    expected = {"download fails": NEW, "does not parse": "does not parse", "bad hash": "checksum mismatch"}[
        problem
    ]
    assert expected in message
    _assert_unchanged(offline_project, before)


def test_broken_link_names_the_way_past_it(offline_project: Project, server: Server) -> None:
    server.page([BASE, NEW])  # NEW is linked but the server answers 404
    server.release(b"synthetic release")
    with pytest.raises(update.UpdateError, match=f"add --skip {NEW}"):
        update.run(base_url=server.url, progress=False)
    before = offline_project.state()
    report = update.run(base_url=server.url, progress=False, skip=frozenset({NEW}))
    assert f"ice_detention_management: {NEW} left out (--skip)" in report.lines()
    assert report.changes is None and offline_project.state() == before


def test_missing_input_of_the_current_data_must_be_fetched(offline_project: Project, server: Server) -> None:
    """A registered file the current data were built from cannot be left out: the rebuild would lose it."""
    gone = "FY26_detentionStats11202025.xlsx"
    doc = yaml.safe_load(offline_project.registry.read_text())
    doc["sources"].append(_entry(gone, b"never served", "2025-11-20", "2025-11-15"))
    offline_project.registry.write_text(yaml.safe_dump(doc, sort_keys=False))
    version = json.loads((offline_project.processed / "data_version.json").read_text())
    assert gone in {item["name"] for item in version["raw_inputs"]}  # an input of the committed tables
    server.page([BASE, gone])
    server.release(b"synthetic release")
    before = offline_project.state()
    with pytest.raises(
        update.UpdateError, match=f"{gone} is an input of the current data: set RESEARCH_RAW_MIRROR"
    ):
        update.run(base_url=server.url, progress=False)
    _assert_unchanged(offline_project, before)


def test_failed_rebuild_puts_files_and_lock_back(
    offline_project: Project, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.page([BASE, NEW])
    server.workbook(NEW, _workbook_bytes(tmp_path, NEW, months=4, through="01/10/2026"))
    server.release(_arrests_bytes(tmp_path, "2025-12-10"))

    def failing_build(**kwargs: object) -> None:
        assert sources.load_registry()[NEW].sha256, "the lock is in place while the build runs"
        raise build.BuildError("synthetic failure inside the build")

    monkeypatch.setattr(build, "build", failing_build)
    before = offline_project.state()
    with pytest.raises(update.UpdateError, match="rebuild failed .*synthetic failure.* as they were"):
        update.run(base_url=server.url, progress=False)
    _assert_unchanged(offline_project, before)
    assert not list(offline_project.raw.rglob("*.before-update"))


def test_link_to_registered_bytes_is_recorded_not_pinned(
    offline_project: Project, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """ICE also serves editions under undated names (FY25_detentionStats.xlsx): same bytes, not a new edition."""
    bare = "FY26_detentionStats.xlsx"
    server.page([BASE, bare])
    server.workbook(bare, offline_project.base)
    server.release(b"synthetic release")  # the pointer is read; no DDP file is on this machine
    processed_before = {p.name: p.read_bytes() for p in offline_project.processed.iterdir()}
    code, out, _ = _run_cli(capsys, "--base-url", server.url)
    assert code == 0, out
    assert f"not a new edition: {DOCLIB}{bare} has the bytes of {BASE}" in out
    pinned, seen = sources.load_lock(offline_project.lock)
    assert pinned == [] and [(s.url, s.same_as) for s in seen] == [(DOCLIB + bare, BASE)]
    assert {p.name: p.read_bytes() for p in offline_project.processed.iterdir()} == processed_before
    code, out, _ = _run_cli(capsys, "--dry-run", "--base-url", server.url)
    assert "nothing to fetch" in out  # not downloaded again


# --- the page changes its layout: a clear error, not "nothing new" ---------------------------------------------


@pytest.mark.parametrize("change", ["section renamed", "links moved", "pointer replaced by the file"])
def test_layout_change_is_a_clear_error(
    offline_project: Project, server: Server, capsys: pytest.CaptureFixture[str], change: str
) -> None:
    server.release(b"synthetic release")
    if change == "section renamed":
        server.page([BASE, NEW], template=PAGE_TEMPLATE.replace("Detention Statistics", "Custody Data"))
    elif change == "links moved":
        server.page([BASE, NEW], prefix="/sites/default/files/documents/")
    else:
        server.page([BASE])
        server.put(POINTER_PATH, b"PAR1 synthetic parquet bytes instead of a pointer")
    before = offline_project.state()
    code, _, err = _run_cli(capsys, "--base-url", server.url)
    assert code == 1
    line = err.strip()
    assert "\n" not in line and "nothing was changed" in line.lower()
    expected = {
        "section renamed": "does not contain 'Detention Statistics' in any heading",
        "links moved": "none matches",
        "pointer replaced by the file": "is not a Git LFS pointer",
    }[change]
    assert expected in line
    _assert_unchanged(offline_project, before)


def test_no_network_is_one_line_and_changes_nothing(
    offline_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _QuietHandler)
    port = closed.server_port
    closed.server_close()  # nothing listens on this port any more: connection refused
    before = offline_project.state()
    code, out, err = _run_cli(capsys, "--base-url", f"http://127.0.0.1:{port}")
    assert code == update.NO_NETWORK_EXIT and out == ""
    assert err.count("\n") == 1 and "no network" in err and "nothing was changed" in err
    _assert_unchanged(offline_project, before)


# --- pieces ------------------------------------------------------------------------------------------------------


def test_page_links_are_read_from_the_saved_structure() -> None:
    page = sources.Page(**{k: v for k, v in REAL_REGISTRY["pages"][0].items()})
    html = PAGE_TEMPLATE.replace(
        "{workbook_links}",
        '<li><a href="/doclib/detention/FY26_detentionStats07202026.xlsx">FY 2026</a></li>'
        '<li><a href="https://www.ice.gov/doclib/detention/FY19-detentionstats.xlsx">FY 2019</a></li>'
        '<li><a href="/doclib/detention/FY26_detentionStats07202026.xlsx">again</a></li>',
    )
    links = update.parse_workbook_links(html, page)
    # The PDF and the facilities list on the same page are not detention-statistics workbooks.
    assert [(link.name, link.url) for link in links] == [
        ("FY26_detentionStats07202026.xlsx", DOCLIB + "FY26_detentionStats07202026.xlsx"),
        ("FY19-detentionstats.xlsx", DOCLIB + "FY19-detentionstats.xlsx"),
    ]
    assert links[0].text == "FY 2026"


def test_release_dates_come_from_ice_file_names() -> None:
    assert update.name_date("FY26_detentionStats07202026.xlsx") == dt.date(2026, 7, 20)
    assert update.name_date("FY26_detentionStats_04092026.xlsx") == dt.date(2026, 4, 9)
    assert update.name_date("FY24_detentionStats__wbmod20241023.xlsx") is None  # YYYYMMDD is ours, not ICE's
    assert update.name_date("FY23_detentionStats.xlsx") is None


def test_compare_months_labels_each_month() -> None:
    months = pd.to_datetime(["2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01"])
    old = pd.DataFrame(
        {
            "agency": "ICE",
            "month": months[:3],
            "book_ins": [100, 50, 10],
            "partial_month": [False, False, True],
        }
    )
    new = pd.DataFrame(
        {
            "agency": "ICE",
            "month": months,
            "book_ins": [100, 53, 40, 5],
            "partial_month": [False] * 3 + [True],
        }
    )
    table = update.compare_months(old, new, ["agency"], "book_ins")
    assert table["status"].tolist() == ["unchanged", "revised", "completed", "added"]
    assert table.loc[1, "change"] == 3
    # A month partial in both: "extended" only when its count moved (a stale re-serve is "unchanged").
    still = new.assign(partial_month=[False, False, True, True])
    assert update.compare_months(old, still, ["agency"], "book_ins")["status"].iloc[2] == "extended"
    assert update.compare_months(old, old, ["agency"], "book_ins")["status"].iloc[2] == "unchanged"


def test_lock_file_extends_and_pins_the_registry(tmp_path: Path) -> None:
    data = b"synthetic"
    base = _entry("FY26_detentionStats12172025.xlsx", data, "2025-12-17", "2025-12-13")
    latest = {**base, "name": "latest.parquet", "path": "x/latest.parquet", "sha256": None, "loader": None}
    registry = tmp_path / "sources.yaml"
    registry.write_text(yaml.safe_dump({"sources": [base, latest]}))
    lock = sources.lock_path(registry)
    added = {
        **base,
        "name": "FY26_detentionStats01142026.xlsx",
        "path": "ice_detention_stats/FY26_detentionStats01142026.xlsx",
    }
    pin = {**latest, "sha256": "a" * 64}
    lock.write_text(yaml.safe_dump({"sources": [added, pin], "seen": []}))
    loaded = sources.load_registry(registry)
    assert list(loaded) == [base["name"], "latest.parquet", added["name"]]
    assert loaded["latest.parquet"].sha256 == "a" * 64

    lock.write_text(yaml.safe_dump({"sources": [{**base, "sha256": "b" * 64}]}))
    with pytest.raises(sources.RegistryError, match=f"{lock}.*already pinned"):
        sources.load_registry(registry)
    lock.write_text(yaml.safe_dump({"sources": [{**added, "mirrored": "no"}]}))
    with pytest.raises(
        sources.RegistryError, match="sources.lock.yaml line \\d+: sources\\[0\\].*'mirrored'"
    ):
        sources.load_registry(registry)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "rss"}, "kind"), ({"link_pattern": "(["}, "link_pattern"), ({"url": "http://x"}, "url")],
)
def test_malformed_page_entry_names_file_and_field(
    tmp_path: Path, change: dict[str, str], field: str
) -> None:
    page = {**REAL_REGISTRY["pages"][0], **change}
    registry = tmp_path / "sources.yaml"
    registry.write_text(yaml.safe_dump({"pages": [page], "sources": []}))
    with pytest.raises(sources.RegistryError) as info:
        sources.load_registry(registry)
    assert str(registry) in str(info.value) and field in str(info.value) and page["name"] in str(info.value)


def test_real_registry_lists_the_pages_and_the_july_2026_edition() -> None:
    pages = sources.load_pages(config.SOURCES_FILE)
    ice = pages["ice_detention_management"]
    assert ice.url == "https://www.ice.gov/detain/detention-management" and ice.kind == "ice_workbook_links"
    assert pages["ddp_arrests_release"].source == "arrests-latest.parquet"
    july = sources.load_registry(config.SOURCES_FILE)["FY26_detentionStats07202026.xlsx"]
    # Download-only: `research data fetch` gets it with network; the mirror build (the embedded default) lacks it.
    assert not july.mirrored and july.url == DOCLIB + "FY26_detentionStats07202026.xlsx"
    assert (july.edition_date, july.data_through, july.fiscal_year) == (
        dt.date(2026, 7, 20),
        dt.date(2026, 7, 11),
        2026,
    )
    assert re.search(ice.link_pattern, urlsplit(july.url).path)
