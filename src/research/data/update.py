"""`research data update`: find new ICE editions and a new Deportation Data Project arrests release, pin them,
rebuild, and say what changed.

1. **Discover** (reads only). Each `pages:` entry of data/raw/sources.yaml is read: ICE's Detention Management
   page for workbook links not yet registered, and the Git LFS pointer of the DDP arrests file for the sha256 and
   size of the release published now. Registered files the rebuild needs but data/raw lacks are planned too.
   A page that no longer looks as expected (text or links missing) is an error, never a silent "nothing new".
2. **Fetch** into a private staging folder under data/raw: every file with a progress bar (pooch), its sha256
   checked when known; each new workbook read with `research.data.ice_stats` (fiscal year, data-through date,
   every table), the DDP file with `research.data.ddp_arrests`. Any failure stops here: nothing has changed.
3. **Commit**: files moved into data/raw, the lock file data/raw/sources.lock.yaml written (temporary file, then
   rename), data/processed rebuilt (`research.data.build` swaps it atomically). If the rebuild fails, the files
   and the lock file are put back as they were.
4. **Summarise**: the old and new processed tables are compared (`compare_months`): new editions, months added,
   completed and revised (largest revisions first), the DDP release, and the data version old -> new.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import pandas as pd
import yaml

from research import config
from research.data import build, ddp_arrests, ice_stats, sources
from research.data.sources import Page, SeenLink, Source

log = logging.getLogger(__name__)

NO_NETWORK_EXIT = 75  # sysexits EX_TEMPFAIL: try again later
_TIMEOUT = 60  # seconds, for pages and for each download
_USER_AGENT = "Mozilla/5.0 (compatible; research-data-update/1.0; open research package)"
_LFS_POINTER = re.compile(
    r"^version https://git-lfs\.github\.com/spec/v1\s*$.*?^oid sha256:([0-9a-f]{64})\s*$.*?^size (\d+)\s*$",
    re.MULTILINE | re.DOTALL,
)
_NAME_DATE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)")  # ICE names end in MMDDYYYY
_SAVED = re.compile(r"<dcterms:modified[^>]*>(\d{4}-\d{2}-\d{2})")
# Loaders whose files feed the build; the DDP file is optional and handled through its release pointer.
_BUILD_LOADERS = {
    "research.data.ice_stats",
    "research.data.opm",
    "research.data.offices",
    "research.data.arrest_aggregates",
}
_LOCK_HEADER = """\
# Sources pinned by `research data update` on this machine (see README "Fresh data"); read by
# research.data.sources after data/raw/sources.yaml, with the same fields. Git-ignored, like the downloads.
# To share a pin, copy its entry into data/raw/sources.yaml and commit it. `seen:` lists links whose bytes are
# a file already registered under another URL, so they are not downloaded again.
"""


class UpdateError(RuntimeError):
    """The update cannot complete; the message says what failed and that nothing was changed."""


class PageLayoutError(UpdateError):
    """A registry page no longer has the structure the update reads (text, links or pointer format)."""


class NoNetworkError(UpdateError):
    """A page or file could not be reached at all (no network, DNS failure, connection refused)."""


# --- where pages and files are read from ------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Reads URLs from their own host, or the same path under `base_url` (a local copy of the sites).

    The registry and the lock file always record the public URLs; `base_url` only changes where bytes come from.
    """

    base_url: str | None = None

    def resolve(self, url: str) -> str:
        if not self.base_url:
            return url
        parts = urlsplit(url)
        return self.base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")

    def get_text(self, url: str, what: str) -> str:
        """The body of `url` as text; `NoNetworkError` when unreachable, `UpdateError` on an HTTP error."""
        actual = self.resolve(url)
        request = urllib.request.Request(actual, headers={"User-Agent": _USER_AGENT, "Accept": "*/*"})
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
                charset = response.headers.get_content_charset() or "utf-8"
                return response.read().decode(charset, errors="replace")
        except urllib.error.HTTPError as exc:
            raise UpdateError(
                f"{what}: {actual} answered HTTP {exc.code} {exc.reason}; check its URL in data/raw/sources.yaml "
                "(pages:); nothing was changed"
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NoNetworkError(
                f"no network: cannot reach {actual} ({type(reason).__name__}: {sources.one_line(reason)}); nothing was changed"
            ) from None


# --- reading the pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A workbook link found on a page: its public URL, the file name and the link text."""

    url: str
    name: str
    text: str


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[str, str]] = []
        self.headings: list[str] = []
        self._href: str | None = None
        self._label: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._label = []
        elif tag in _HEADINGS:
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.anchors.append((self._href, " ".join("".join(self._label).split())))
            self._href = None
        elif tag in _HEADINGS and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._label.append(data)
        if self._heading is not None:
            self._heading.append(data)


def parse_workbook_links(html: str, page: Page) -> list[Link]:
    """Workbook links on an ICE page (public URLs, page order, one per file name).

    Raises `PageLayoutError` when no heading of the page contains `page.expect` or no link matches
    `page.link_pattern`: both mean the layout changed (or a block page was served), not that nothing is new.
    """
    parser = _Anchors()
    parser.feed(html)
    expect = str(page.expect)
    if not any(expect.lower() in heading.lower() for heading in parser.headings):
        raise PageLayoutError(
            f"page {page.name} ({page.url}) does not contain {expect!r} in any heading (headings: "
            f"{sources.one_line('; '.join(parser.headings) or 'none', 120)}): its layout has changed or the server sent "
            "another page (an error or block page); open it in a browser, then update its entry under pages: in "
            "data/raw/sources.yaml. Nothing was changed"
        )
    pattern = re.compile(str(page.link_pattern))
    links: dict[str, Link] = {}
    for href, label in parser.anchors:
        url = urljoin(page.url, href.strip())
        path = urlsplit(url).path
        if pattern.search(path):
            name = PurePosixPath(path).name
            links.setdefault(name, Link(url=url, name=name, text=label))
    if not links:
        raise PageLayoutError(
            f"page {page.name} ({page.url}) has {len(parser.anchors)} links but none matches {page.link_pattern!r}: "
            "the workbook links have moved or been renamed; open the page in a browser, then update link_pattern "
            "under pages: in data/raw/sources.yaml. Nothing was changed"
        )
    return list(links.values())


@dataclass(frozen=True)
class Release:
    """The release a Git LFS pointer announces."""

    sha256: str
    bytes: int


def parse_lfs_pointer(text: str, page: Page) -> Release:
    """sha256 and size from a Git LFS pointer file; `PageLayoutError` when the text is not one."""
    match = _LFS_POINTER.search(text)
    if not match:
        first = sources.one_line(text.strip().splitlines()[0] if text.strip() else "(empty)", 80)
        raise PageLayoutError(
            f"page {page.name} ({page.url}) is not a Git LFS pointer (first line {first!r}; expected 'version "
            "https://git-lfs.github.com/spec/v1', 'oid sha256:...', 'size ...'): the file may no longer be stored "
            "with Git LFS; update its entry under pages: in data/raw/sources.yaml. Nothing was changed"
        )
    return Release(sha256=match.group(1), bytes=int(match.group(2)))


# --- the plan ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One file the update would fetch.

    kind: "new edition" (a link not registered), "arrests release" (a new DDP release), "required" (registered,
    an input of the current data version, missing from data/raw) or "registered" (registered, never built here).
    """

    kind: str
    name: str
    url: str
    sha256: str | None
    bytes: int | None
    why: str
    source: Source | None = None
    page: Page | None = None


@dataclass
class Plan:
    items: list[Planned] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Planned]:
        return [item for item in self.items if item.kind in kinds]


def discover(
    registry: dict[str, Source],
    pages: dict[str, Page],
    seen: list[SeenLink],
    site: Site,
    *,
    raw_dir: Path,
    required: set[str],
    include_arrests: bool | None = None,
    skip: frozenset[str] = frozenset(),
) -> Plan:
    """What to fetch: new workbook links, a changed DDP release, and registered build inputs missing locally.

    required: names of the current data version's raw inputs (they must be fetched when missing).
    include_arrests: fetch a new DDP release; None means only when a DDP file is already on this machine.
    skip: file names of new links to leave out (a broken link on the page must not block every update).
    """
    plan = Plan()
    known_urls = {src.url for src in registry.values()} | {link.url for link in seen}
    for page in pages.values():
        if page.kind != "ice_workbook_links":
            continue
        links = parse_workbook_links(site.get_text(page.url, f"page {page.name}"), page)
        new = [link for link in links if link.url not in known_urls and link.name not in registry]
        plan.notes.append(f"{page.name}: {len(links)} workbook links, {len(new)} not registered")
        plan.notes += [f"{page.name}: {link.name} left out (--skip)" for link in new if link.name in skip]
        new = [link for link in new if link.name not in skip]
        for link in new:
            plan.items.append(
                Planned("new edition", link.name, link.url, None, None, f"new link on {page.name}", page=page)
            )
    for page in pages.values():
        if page.kind == "lfs_pointer":
            item = _release_item(page, registry, site, raw_dir, include_arrests, plan.notes)
            if item is not None:
                plan.items.append(item)
    for src in registry.values():
        if src.loader not in _BUILD_LOADERS or src.derived_from is not None:
            continue
        if not sources.raw_path(src, raw_dir).is_file():
            kind = "required" if src.name in required else "registered"
            why = (
                "input of the current data version, missing from data/raw"
                if kind == "required"
                else ("registered, not in data/raw yet")
            )
            plan.items.append(Planned(kind, src.name, src.url, src.sha256, src.bytes, why, source=src))
    return plan


def _release_item(
    page: Page,
    registry: dict[str, Source],
    site: Site,
    raw_dir: Path,
    include_arrests: bool | None,
    notes: list[str],
) -> Planned | None:
    src = registry[str(page.source)]
    release = parse_lfs_pointer(site.get_text(page.url, f"page {page.name}"), page)
    local = sources.raw_path(src, raw_dir)
    current = src.sha256 or (sources.sha256_of(local) if local.is_file() else None)
    if current == release.sha256:
        notes.append(f"{src.name}: release unchanged (sha256 {release.sha256[:12]}, {release.bytes:,} bytes)")
        return None
    if include_arrests is False or (include_arrests is None and not local.is_file()):
        notes.append(
            f"{src.name}: a release is published (sha256 {release.sha256[:12]}, {release.bytes:,} bytes) but this "
            "optional file is not on this machine; add --arrests to fetch it"
        )
        return None
    if current is None:
        before = "none on this machine"
    else:
        before = f"{'pinned' if src.sha256 else 'local'} {current[:12]}"
    why = f"new release on {page.name} (sha256 {release.sha256[:12]}, {release.bytes:,} bytes; {before})"
    return Planned(
        "arrests release", src.name, src.url, release.sha256, release.bytes, why, source=src, page=page
    )


# --- fetching and reading new files ------------------------------------------------------------------------


def download(url: str, name: str, sha256: str | None, workdir: Path, progress: bool) -> Path:
    """Download `url` into `workdir` with pooch (progress bar; sha256 checked when given)."""
    import pooch  # deferred, as in research.data.sources: pooch imports tqdm.auto

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)  # the progress bar says enough
    try:
        fetched = pooch.retrieve(
            url,
            known_hash=f"sha256:{sha256}" if sha256 else None,
            fname=name,
            path=workdir,
            downloader=pooch.HTTPDownloader(progressbar=progress, timeout=_TIMEOUT),
        )
    except ValueError as exc:
        got = re.search(r"but got ([0-9a-f]{64})", str(exc))
        raise UpdateError(
            f"checksum mismatch for {name} from {url}: expected sha256 {sha256}"
            + (f", got {got.group(1)}" if got else "")
            + "; nothing was changed"
        ) from None
    except OSError as exc:  # requests' ConnectionError, HTTPError and Timeout are OSErrors
        raise UpdateError(
            f"cannot download {name} from {url} ({type(exc).__name__}: {sources.one_line(exc, 160)}); nothing was changed"
        ) from None
    finally:
        logger.setLevel(level)
    return Path(fetched)


def name_date(name: str) -> date | None:
    """The MMDDYYYY release date in an ICE file name (FY26_detentionStats07202026.xlsx -> 2026-07-20)."""
    for match in _NAME_DATE.finditer(name):
        month, day, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def saved_date(path: Path) -> date | None:
    """The date the workbook was last saved (docProps/core.xml, dcterms:modified), if it records one."""
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml").decode("utf-8", errors="replace")
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    match = _SAVED.search(core)
    return date.fromisoformat(match.group(1)) if match else None


def read_new_edition(path: Path, name: str, url: str) -> tuple[ice_stats.EditionTables, date, str]:
    """Read a downloaded workbook with the project's reader: every table, its fiscal year and data-through date.

    The fiscal year comes from the table titles, the data-through date from the Footnotes sheet, the release date
    from the file name (ICE's MMDDYYYY), else from the workbook's save date. Returns (tables, edition date, how
    it was dated). Raises `UpdateError` when the file does not parse.
    """
    by_name, saved = name_date(name), saved_date(path)
    guess = by_name or saved or date.today()
    try:
        edition = ice_stats.read_edition(
            path, ice_stats.EditionInfo(file=name, edition_date=pd.Timestamp(guess))
        )
    except ValueError as exc:  # WorkbookError, or a value the reader cannot interpret
        raise UpdateError(
            f"{name} from {url} does not parse as an ICE detention-statistics workbook ({sources.one_line(exc, 240)}); "
            "nothing was changed"
        ) from None
    through = edition.data_through.date() if edition.data_through is not None else None
    if by_name is not None and (through is None or by_name >= through):
        return edition, by_name, "file name"
    if saved is not None:
        return edition, saved, "workbook save date"
    raise UpdateError(
        f"{name} from {url}: no release date in its name or its properties; nothing was changed"
    )


def _edition_source(
    page: Page, link: Planned, path: Path, digest: str, registry: dict[str, Source]
) -> Source:
    edition, released, how = read_new_edition(path, link.name, link.url)
    name = link.name
    if (
        name_date(name) is None or name in registry
    ):  # undated or reused name: the registry's __wbmod convention
        stem, suffix = os.path.splitext(name)
        name = f"{stem}__wbmod{released:%Y%m%d}{suffix}"
        if name in registry:
            name = f"{stem}__sha{digest[:8]}{suffix}"
    through = edition.data_through.date() if edition.data_through is not None else None
    return Source(
        name=name,
        path=f"{str(page.folder).rstrip('/')}/{name}",
        url=link.url,
        sha256=digest,
        bytes=path.stat().st_size,
        license=str(page.license),
        citation=str(page.citation).replace("{name}", name),
        loader=page.loader,
        mirrored=False,
        description=(
            f"Found on {page.url} and pinned by `research data update` on {date.today():%Y-%m-%d}; fiscal year "
            f"from the table titles, data_through from the Footnotes sheet, edition_date from the {how}."
        ),
        fiscal_year=edition.fiscal_year,
        edition_date=released,
        data_through=through,
        quirk=None,
    )


def _release_source(item: Planned, path: Path, digest: str) -> Source:
    try:
        counts, stats = ddp_arrests.read_arrest_counts(path)
    except (ddp_arrests.ArrestsDataError, OSError, ValueError) as exc:
        raise UpdateError(
            f"{item.name} from {item.url} does not parse as the DDP arrests file ({sources.one_line(exc, 240)}); "
            "nothing was changed"
        ) from None
    if counts.empty:
        raise UpdateError(f"{item.name} from {item.url} holds no dated arrests; nothing was changed")
    through = pd.Timestamp(counts["apprehension_date"].max()).date()
    assert item.source is not None
    return replace(
        item.source,
        sha256=digest,
        bytes=path.stat().st_size,
        data_through=through,
        description=(
            f"{item.source.description or ''} Release pinned by `research data update` on {date.today():%Y-%m-%d}: "
            f"{stats['rows_read']:,} rows, arrests through {through:%Y-%m-%d}."
        ).strip(),
    )


# --- the lock file -----------------------------------------------------------------------------------------


_ALWAYS = ("sha256", "loader", "quirk")  # written even when null, as in sources.yaml


_FIELD_ORDER = (
    *("name", "path", "url", "archive_url", "sha256", "bytes", "license", "citation", "loader", "mirrored"),
    *("fiscal_year", "edition_date", "data_through", "quirk", "description", "derived_from"),
)


def _source_dict(src: Source) -> dict[str, object]:
    """A lock entry in the field order of sources.yaml, dates as ISO strings."""
    out: dict[str, object] = {}
    for key in _FIELD_ORDER:
        value = getattr(src, key)
        if value is None and key not in _ALWAYS:
            continue
        out[key] = value.isoformat() if isinstance(value, date) else value
    return out


def lock_text(pinned: list[Source], seen: list[SeenLink]) -> str:
    """The lock file's content: header comment, `sources:` and `seen:`."""
    doc = {
        "sources": [_source_dict(src) for src in pinned],
        "seen": [{**vars(link), "checked": link.checked.isoformat()} for link in seen],
    }
    return _LOCK_HEADER + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


# --- commit with rollback -------------------------------------------------------------------------------------


class _Transaction:
    """File moves that can be undone: each target is moved aside before it is replaced."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._backups: list[Path] = []

    def place(self, new: Path, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            backup = dest.with_name(f".{dest.name}.before-update")
            os.replace(dest, backup)
            self._backups.append(backup)
            self._undo.append(lambda: os.replace(backup, dest))
        else:
            self._undo.append(lambda: dest.unlink(missing_ok=True))
        os.replace(new, dest)

    def write_text(self, dest: Path, text: str) -> None:
        with tempfile.NamedTemporaryFile(
            "w", dir=dest.parent, delete=False, suffix=".tmp", encoding="utf-8"
        ) as fh:
            fh.write(text)
        self.place(Path(fh.name), dest)

    def rollback(self) -> None:
        for undo in reversed(self._undo):
            undo()

    def commit(self) -> None:
        for backup in self._backups:
            backup.unlink(missing_ok=True)


# --- what changed --------------------------------------------------------------------------------------------


def compare_months(old: pd.DataFrame | None, new: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Each (by..., month) in either table with its value before and after and a status.

    Both tables have `by`, "month", `value` and "partial_month". Status: "added" (not in old), "completed"
    (partial before, complete now), "extended" (partial before and still partial, another value now), "revised"
    (complete before, another value now), "unchanged", or "dropped" (no longer in the data).
    """
    keys = [*by, "month"]
    columns = [*keys, value, "partial_month"]
    empty = pd.DataFrame({c: pd.Series(dtype=new[c].dtype) for c in columns})
    before = (old[columns] if old is not None else empty).rename(
        columns={value: "before", "partial_month": "was_partial"}
    )
    after = new[columns].rename(columns={value: "after", "partial_month": "is_partial"})
    both = before.merge(after, on=keys, how="outer", indicator=True)

    def status(row: pd.Series) -> str:
        if row["_merge"] == "right_only":
            return "added"
        if row["_merge"] == "left_only":
            return "dropped"
        if bool(row["was_partial"]) and not bool(row["is_partial"]):
            return "completed"
        if row["before"] == row["after"]:
            return "unchanged"
        return "extended" if bool(row["was_partial"]) else "revised"

    both["status"] = both.apply(status, axis=1) if len(both) else pd.Series(dtype=str)
    both["change"] = both["after"] - both["before"]
    return both.drop(columns="_merge").sort_values(keys).reset_index(drop=True)


def monthly_arrests(daily: pd.DataFrame) -> pd.DataFrame:
    """National DDP arrests per calendar month from the arrests_daily table; the last month flagged partial."""
    national = daily.groupby("date", as_index=False)["arrests"].sum()
    national["month"] = national["date"].dt.to_period("M").dt.to_timestamp()
    monthly = national.groupby("month", as_index=False).agg(arrests=("arrests", "sum"), last=("date", "max"))
    monthly["partial_month"] = monthly["last"] < monthly["month"] + pd.offsets.MonthEnd(0)
    monthly["series"] = "DDP arrests"
    return monthly[["series", "month", "arrests", "partial_month"]]


@dataclass
class Changes:
    """Old versus new processed data."""

    old_version: str | None
    new_version: str
    new_editions: pd.DataFrame
    book_ins: pd.DataFrame  # compare_months on the book_ins table, by agency
    arrests: (
        pd.DataFrame | None
    )  # compare_months on national DDP arrests per month, when either side has them


def snapshot(processed: Path) -> dict[str, object]:
    """The parts of a processed folder the summary compares (missing tables are None)."""

    def table(name: str) -> pd.DataFrame | None:
        path = processed / f"{name}.parquet"
        return pd.read_parquet(path) if path.is_file() else None

    version_file = processed / build.DATA_VERSION_FILE
    version = json.loads(version_file.read_text()) if version_file.is_file() else {}
    return {
        "version": version.get("data_version"),
        "inputs": {item["name"] for item in version.get("raw_inputs", [])},
        "editions": table("editions"),
        "book_ins": table("book_ins"),
        "arrests_daily": table("arrests_daily"),
    }


def changes_between(old: dict[str, object], new: dict[str, object]) -> Changes:
    """Compare two `snapshot`s."""
    new_editions = new["editions"]
    assert isinstance(new_editions, pd.DataFrame)
    old_editions = old["editions"]
    known = set(old_editions["edition_file"]) if isinstance(old_editions, pd.DataFrame) else set()
    added = new_editions[~new_editions["edition_file"].isin(known)].reset_index(drop=True)
    book_ins = new["book_ins"]
    assert isinstance(book_ins, pd.DataFrame)
    old_book_ins = old["book_ins"] if isinstance(old["book_ins"], pd.DataFrame) else None
    arrests = None
    if isinstance(new["arrests_daily"], pd.DataFrame):
        before = (
            monthly_arrests(old["arrests_daily"]) if isinstance(old["arrests_daily"], pd.DataFrame) else None
        )
        arrests = compare_months(before, monthly_arrests(new["arrests_daily"]), ["series"], "arrests")
    return Changes(
        old_version=old["version"] if isinstance(old["version"], str) else None,
        new_version=str(new["version"]),
        new_editions=added,
        book_ins=compare_months(old_book_ins, book_ins, ["agency"], "book_ins"),
        arrests=arrests,
    )


def _months(frame: pd.DataFrame) -> str:
    labels = [
        f"{m:%b %Y}" + (" (partial)" if p else "")
        for m, p in zip(frame["month"], frame["is_partial"], strict=True)
    ]
    return ", ".join(labels) if labels else "none"


def describe_changes(changes: Changes, largest: int = 3) -> list[str]:
    """The "what changed" lines printed after an update."""
    lines = []
    if len(changes.new_editions):
        editions = "; ".join(
            f"{row.edition_file} (released {row.edition_date:%Y-%m-%d}, FY{row.fiscal_year}, data through "
            + (f"{row.data_through:%Y-%m-%d})" if pd.notna(row.data_through) else "unknown)")
            for row in changes.new_editions.itertuples()
        )
        lines.append(f"new editions ({len(changes.new_editions)}): {editions}")
    else:
        lines.append("new editions: none")
    lines += _describe_series("book-ins", changes.book_ins, "agency", "Total", largest)
    if changes.arrests is not None:
        lines += _describe_series("DDP arrests", changes.arrests, "series", "DDP arrests", largest)
    lines.append(f"data version: {changes.old_version or 'none'} -> {changes.new_version}")
    return lines


def _describe_series(label: str, table: pd.DataFrame, by: str, headline: str, largest: int) -> list[str]:
    main = table[table[by] == headline]
    lines = [
        f"{label}, months added: {_months(main[main['status'] == 'added'])}",
        f"{label}, months completed (partial before): {_months(main[main['status'] == 'completed'])}",
    ]
    extended = main[main["status"] == "extended"]
    if len(extended):
        lines.append(f"{label}, months extended (still partial): {_months(extended)}")
    revised = table[table["status"] == "revised"]
    complete_before = table[table["status"].isin(["revised", "unchanged"])]
    if revised.empty:
        lines.append(f"{label}, months revised: none of {len(complete_before):,} complete months")
        return lines
    counts = (
        ", ".join(f"{key} {n}" for key, n in revised.groupby(by).size().items()) if by == "agency" else ""
    )
    top = revised.reindex(revised["change"].abs().sort_values(ascending=False, kind="stable").index).head(
        largest
    )
    detail = "; ".join(
        (f"{getattr(row, by)} " if by == "agency" else "")
        + f"{row.month:%b %Y} {row.before:,.0f} -> {row.after:,.0f} ({row.change:+,.0f})"
        for row in top.itertuples()
    )
    lines.append(
        f"{label}, months revised: {len(revised):,} of {len(complete_before):,} complete"
        + (f" ({counts})" if counts else "")
        + f"; largest: {detail}"
    )
    return lines


# --- the command ------------------------------------------------------------------------------------------------


_REGISTERED_KINDS = {
    "required": "registered files the current data were built from, missing from data/raw",
    "registered": "registered files not in data/raw yet (skipped if they cannot be fetched)",
}


@dataclass
class UpdateReport:
    """What an update found and did; `lines()` is what the command prints."""

    plan: Plan
    dry_run: bool
    lock: Path
    pinned: list[Source] = field(default_factory=list)
    seen: list[SeenLink] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    changes: Changes | None = None

    def lines(self) -> list[str]:
        out = list(self.plan.notes)
        if self.dry_run:
            if not self.plan.items:
                return [*out, "nothing to fetch: the data are up to date with the registry and its pages"]
            out.append(
                f"would fetch {len(self.plan.items)} file(s) (dry run: nothing downloaded or changed):"
            )
            found = self.plan.of_kind("new edition", "arrests release")
            out += [f"  {item.kind:<15} {item.name}  {item.url}  ({item.why})" for item in found]
            for kind, what in _REGISTERED_KINDS.items():
                names = [item.name for item in self.plan.of_kind(kind)]
                if names:
                    out.append(f"  {kind:<15} {len(names)} {what}: {', '.join(names)}")
            if config.raw_mirror() is not None:
                out.append(f"  (registered files the mirror {config.raw_mirror()} holds are copied from it)")
            out.append(f"then pin what is new in {self.lock} and rebuild data/processed")
            return out
        out += [
            f"pinned {src.name} in {self.lock.name} (sha256 {str(src.sha256)[:12]})" for src in self.pinned
        ]
        out += [f"not a new edition: {link.url} has the bytes of {link.same_as}" for link in self.seen]
        if self.fetched:
            out.append(f"fetched {len(self.fetched)} registered file(s): {', '.join(self.fetched)}")
        if self.skipped:
            out.append(
                f"skipped {len(self.skipped)} registered file(s) never built here that could not be fetched "
                f"(first error: {self.skipped[0]})"
            )
        if self.changes is None and self.seen:
            out.append(
                f"no new data: those links are recorded in {self.lock.name}; data/processed is unchanged"
            )
        elif self.changes is None:
            out.append("nothing new: data/raw, the lock file and data/processed are unchanged")
        else:
            out.append("what changed:")
            out += [f"  {line}" for line in describe_changes(self.changes)]
        return out


def run(
    *,
    dry_run: bool = False,
    base_url: str | None = None,
    include_arrests: bool | None = None,
    progress: bool = True,
    raw_dir: Path | None = None,
    skip: frozenset[str] = frozenset(),
) -> UpdateReport:
    """Discover, fetch, pin, rebuild and compare (see the module docstring). Nothing changes on any failure."""
    raw_dir = Path(raw_dir) if raw_dir is not None else config.RAW_DIR
    registry_file = config.SOURCES_FILE  # the file the build reads too
    lock = sources.lock_path(registry_file)
    registry = sources.load_registry(registry_file)
    pages = sources.load_pages(registry_file)
    pinned, seen = sources.load_lock(lock) if lock.is_file() else ([], [])
    processed = config.processed_dir()
    old = snapshot(processed)
    required = old["inputs"] if isinstance(old["inputs"], set) else set()
    site = Site(base_url)
    plan = discover(
        registry,
        pages,
        seen,
        site,
        raw_dir=raw_dir,
        required=required,
        include_arrests=include_arrests,
        skip=skip,
    )
    report = UpdateReport(plan=plan, dry_run=dry_run, lock=lock)
    if dry_run or not plan.items:
        return report

    raw_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".update-", dir=raw_dir))
    try:
        placements = _fetch_all(plan, site, staging, registry, progress, report)
        if not placements and not report.seen:
            return report
        transaction = _Transaction()
        try:
            for new, dest in placements:
                transaction.place(new, dest)
            if report.pinned or report.seen:
                by_name = {src.name: src for src in pinned}
                by_name.update({src.name: src for src in report.pinned})
                transaction.write_text(lock, lock_text(list(by_name.values()), [*seen, *report.seen]))
                sources.load_registry(registry_file)  # the new lock must read back cleanly
            if placements:
                build.build(raw_dir=raw_dir, out_dir=processed)
        except BaseException as exc:
            transaction.rollback()
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise UpdateError(
                f"rebuild failed ({type(exc).__name__}: {sources.one_line(exc, 300)}); data/raw, {lock.name} and "
                "data/processed are as they were"
            ) from exc
        transaction.commit()
        _refresh_hash_notes(report.pinned, raw_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if placements:
        report.changes = changes_between(old, snapshot(processed))
    return report


def _fetch_all(
    plan: Plan,
    site: Site,
    staging: Path,
    registry: dict[str, Source],
    progress: bool,
    report: UpdateReport,
) -> list[tuple[Path, Path]]:
    """Fetch and check every planned file into `staging`; returns (staged file, target in data/raw) pairs."""
    raw_dir = staging.parent
    mirror = config.raw_mirror()
    hashes = {src.sha256: src.name for src in registry.values() if src.sha256}
    placements: list[tuple[Path, Path]] = []
    for i, item in enumerate(plan.items):
        workdir = staging / str(i)
        workdir.mkdir()
        try:
            path = _acquire(item, site, workdir, mirror, progress)
        except UpdateError as exc:
            if item.kind == "registered":  # never part of the data here: the rebuild loses nothing without it
                report.skipped.append(str(exc).removesuffix(_UNCHANGED))
                continue
            raise _with_hint(exc, item) from None
        digest = sources.sha256_of(path)
        if item.sha256 is not None and digest != item.sha256:
            raise UpdateError(
                f"checksum mismatch for {item.name}: expected {item.sha256}, got {digest}{_UNCHANGED}"
            )
        if item.kind == "new edition":
            if digest in hashes:
                report.seen.append(
                    SeenLink(url=item.url, sha256=digest, same_as=hashes[digest], checked=date.today())
                )
                continue
            assert item.page is not None
            try:
                src = _edition_source(item.page, item, path, digest, registry)
            except UpdateError as exc:
                raise _with_hint(exc, item) from None
            hashes[digest] = src.name
            report.pinned.append(src)
        elif item.kind == "arrests release":
            src = _release_source(item, path, digest)
            report.pinned.append(src)
        else:
            assert item.source is not None
            src = item.source
            report.fetched.append(src.name)
        placements.append((path, sources.raw_path(src, raw_dir)))
    return placements


_UNCHANGED = "; nothing was changed"


def _acquire(item: Planned, site: Site, workdir: Path, mirror: Path | None, progress: bool) -> Path:
    """The planned file in `workdir`: from the mirror when it holds a registered file, else downloaded from its
    URL; a registered file whose URL fails is tried at its archive_url (same sha256 check)."""
    src = item.source
    if src is not None and item.kind != "arrests release" and mirror is not None and src.mirrored:
        origin = mirror / src.path
        if origin.is_file():
            shutil.copyfile(origin, workdir / item.name)
            return workdir / item.name
    try:
        return download(site.resolve(item.url), item.name, item.sha256, workdir, progress)
    except UpdateError:
        if src is None or not src.archive_url or item.kind == "arrests release":
            raise
        log.warning("%s: %s failed; trying the archived copy %s", item.name, item.url, src.archive_url)
        return download(site.resolve(src.archive_url), item.name, item.sha256, workdir, progress)


def _with_hint(exc: UpdateError, item: Planned) -> UpdateError:
    """The same error, saying how to get past it for this kind of file."""
    hint = {
        "new edition": f" (to update without this link, add --skip {item.name})",
        "required": (
            f" ({item.name} is an input of the current data: set {config.MIRROR_ENV} to a folder holding it, or "
            "fetch it with `research data fetch` when its URL works again)"
        ),
    }.get(item.kind, "")
    return type(exc)(str(exc).removesuffix(_UNCHANGED) + _UNCHANGED + hint)


def _refresh_hash_notes(pinned: list[Source], raw_dir: Path) -> None:
    """Keep a fetch-time ``<file>.sha256`` note (written for unpinned files) in step with the new pin."""
    for src in pinned:
        path = sources.raw_path(src, raw_dir)
        if path.with_name(f"{src.name}.sha256").is_file() and src.sha256:
            sources.write_hash_note(path, src.sha256)
