"""The raw-source registry (data/raw/sources.yaml): load and validate it, fetch and verify raw files.

Raw files live under ``config.RAW_DIR / <path>``. `fetch` downloads them with pooch (progress bar, sha256
check) or copies them from a local mirror holding the same relative layout (``RESEARCH_RAW_MIRROR`` or the
``mirror`` argument). A new file is written to a temporary name in the target folder, verified, and only then
moved over the target with ``os.replace``, so a failed or partial transfer never replaces a good file.

The registry also lists the web pages that `research data update` reads (`pages:`, see `load_pages`), and is
extended by a local lock file of sources that command pinned (``data/raw/sources.lock.yaml``, see `load_lock`).
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from tqdm import tqdm  # plain terminal bar: the command line is the only place with progress bars

from research import config
from research.data import validation

log = logging.getLogger(__name__)

LOADERS = frozenset(
    {
        "research.data.ice_stats",
        "research.data.opm",
        "research.data.offices",
        "research.data.ddp_arrests",
        "research.data.arrest_aggregates",
    }
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_REQUIRED = ("name", "path", "url", "sha256", "license", "citation", "loader", "mirrored")


class RegistryError(validation.ValidationError):
    """The registry file is missing or malformed; the message names the file, line, entry and field."""


class UnknownSourceError(ValueError):
    """A requested name is not in the registry; the message lists close matches."""


class FetchError(RuntimeError):
    """A raw file could not be fetched or verified; the one-line message says which file, URL and what to do.

    ``failures`` maps each failed name to its own one-line message (several when a batch fetch failed).
    """

    def __init__(self, message: str, failures: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.failures = failures or {}


@dataclass(frozen=True)
class Source:
    """One registry entry (see the header of data/raw/sources.yaml for field meanings)."""

    name: str
    path: str
    url: str
    sha256: str | None
    license: str
    citation: str
    loader: str | None
    mirrored: bool
    bytes: int | None = None
    archive_url: str | None = None
    description: str | None = None
    derived_from: str | None = None
    fiscal_year: int | None = None
    edition_date: date | None = None
    data_through: date | None = None
    quirk: str | None = None


_FIELDS = {f.name for f in fields(Source)}


# --- registry -------------------------------------------------------------------------------------------


def load_registry(path: Path | None = None) -> dict[str, Source]:
    """Read and validate the registry; returns sources by name, in file order.

    The lock file next to it (`lock_path`, written by `research data update`) is read too: its entries follow
    those of the registry, and an entry of the same name pins a file the registry leaves without sha256.
    Raises `RegistryError` naming the file, the line, the entry and the field when anything is malformed.
    Unquoted dates are read as text, so a bad one (``edition_date: 2021-13-40``) is reported with its entry.
    """
    path = Path(path) if path is not None else config.SOURCES_FILE
    doc = validation.load_yaml(path, error=RegistryError, timestamps=False, what="source registry")
    file = validation.display_path(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        raise RegistryError(f"{file}: expected a top-level 'sources:' list", file=file)
    entries = doc["sources"]
    registry: dict[str, Source] = {}
    for i, entry in enumerate(entries):
        src = _parse_entry(entry, file, f"sources[{i}]", validation.line_of(entries, i))
        if src.name in registry:
            line = validation.line_of(entry, "name")
            raise RegistryError(
                f"{validation.where(file, entry, 'name')}: sources[{i}]: field 'name' = {src.name!r}: duplicate name",
                file=file,
                line=line,
            )
        registry[src.name] = src
    for i, (src, entry) in enumerate(zip(registry.values(), entries, strict=True)):
        if src.derived_from is not None and src.derived_from not in registry:
            raise RegistryError(
                f"{validation.where(file, entry, 'derived_from')}: sources[{i}] ({src.name}): field 'derived_from' = "
                f"{src.derived_from!r}: expected the name of an entry",
                file=file,
            )
    _parse_pages(doc.get("pages"), path)  # validated with the rest; read with `load_pages`
    _merge_lock(registry, path)
    return registry


def _parse_entry(entry: Any, file: str, index: str, line: int | None) -> Source:
    label = index
    if not isinstance(entry, dict):
        at = f"{file} line {line}" if line else file
        raise RegistryError(
            f"{at}: {label}: expected a mapping of fields, got {type(entry).__name__}", file=file
        )
    if isinstance(entry.get("name"), str):
        label = f"{index} ({entry['name']})"

    def fail(key: str | None, message: str) -> RegistryError:
        at = (
            validation.where(file, entry, key)
            if key is not None and key in entry
            else validation.where(file, entry)
        )
        return RegistryError(f"{at}: {label}: {message}", file=file, line=validation.line_of(entry, key))

    def bad(key: str, expected: str) -> RegistryError:
        return fail(key, f"field {key!r} = {entry.get(key)!r}: expected {expected}")

    unknown = sorted(set(entry) - _FIELDS, key=str)
    if unknown:
        raise fail(str(unknown[0]), f"unknown field {unknown[0]!r}; allowed: {', '.join(sorted(_FIELDS))}")
    for key in _REQUIRED:
        if key not in entry:
            raise fail(None, f"missing field {key!r}")

    for key in ("name", "path", "url", "license", "citation"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise bad(key, "a non-empty string")
    rel = PurePosixPath(entry["path"])
    if rel.is_absolute() or ".." in rel.parts or rel.name != entry["name"]:
        raise bad("path", f"a relative path under the raw folder ending in the file name {entry['name']!r}")
    if not entry["url"].startswith("https://") or not validation.is_url(entry["url"]):
        raise bad("url", "an https:// URL")
    sha = entry["sha256"]
    if sha is not None and (not isinstance(sha, str) or not _SHA256.match(sha)):
        raise bad("sha256", "64 lower-case hex digits or null")
    if entry["loader"] is not None and entry["loader"] not in LOADERS:
        raise bad("loader", f"one of {', '.join(sorted(LOADERS))} or null")
    if not isinstance(entry["mirrored"], bool):
        raise bad("mirrored", "true or false")
    for key in ("bytes", "fiscal_year"):
        value = entry.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise bad(key, "a non-negative integer or null")
    for key in ("archive_url", "description", "derived_from", "quirk"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise bad(key, "a string or null")
    values: dict[str, Any] = dict(entry)
    for key in ("edition_date", "data_through"):
        try:
            values[key] = _as_date(entry.get(key))
        except ValueError:
            raise bad(key, "an ISO date YYYY-MM-DD or null") from None
    return Source(**values)


# --- pages and the lock file (`research data update`) -------------------------------------------------------

LOCK_NAME = "sources.lock.yaml"
PAGE_KINDS = ("ice_workbook_links", "lfs_pointer")
_PAGE_REQUIRED: dict[str, tuple[str, ...]] = {
    "ice_workbook_links": ("expect", "link_pattern", "folder", "loader", "license", "citation"),
    "lfs_pointer": ("source",),
}


@dataclass(frozen=True)
class Page:
    """A `pages:` entry: a web page that `research data update` reads to find new raw files.

    kind "ice_workbook_links": an HTML page linking workbooks (`link_pattern` matches the link's URL path,
    `expect` is text one of the page's headings must contain); new files go to `folder` with `loader`, `license` and `citation`
    (``{name}`` in the citation becomes the file name).
    kind "lfs_pointer": the Git LFS pointer of the registry entry `source` (its published sha256 and size).
    """

    name: str
    kind: str
    url: str
    description: str | None = None
    expect: str | None = None
    link_pattern: str | None = None
    folder: str | None = None
    loader: str | None = None
    license: str | None = None
    citation: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class SeenLink:
    """A link found on a page whose bytes are a registered file under another URL (not a new edition)."""

    url: str
    sha256: str
    same_as: str
    checked: date


_PAGE_FIELDS = {f.name for f in fields(Page)}
_SEEN_FIELDS = {f.name for f in fields(SeenLink)}


def lock_path(registry: Path | None = None) -> Path:
    """The lock file read with `registry` (default data/raw/sources.lock.yaml, next to sources.yaml)."""
    return Path(registry if registry is not None else config.SOURCES_FILE).with_name(LOCK_NAME)


def load_pages(path: Path | None = None) -> dict[str, Page]:
    """The validated `pages:` entries of the registry, by name (empty when there are none)."""
    path = Path(path) if path is not None else config.SOURCES_FILE
    pages = _parse_pages(_read_yaml(path).get("pages"), path)
    registry = load_registry(path)
    for page in pages.values():
        if page.source is not None and page.source not in registry:
            raise RegistryError(
                f"{path}: pages ({page.name}): field 'source' = {page.source!r}: expected the name of an entry"
            )
    return pages


def load_lock(path: Path) -> tuple[list[Source], list[SeenLink]]:
    """Read a lock file: its pinned `sources:` (same fields and checks as sources.yaml) and `seen:` links."""
    doc = _read_yaml(path, what="lock file")
    unknown = sorted(set(doc) - {"sources", "seen"})
    if unknown:
        raise RegistryError(f"{path}: unknown top-level key {unknown[0]!r}; expected 'sources' and 'seen'")
    entries, seen_entries = doc.get("sources") or [], doc.get("seen") or []
    if not isinstance(entries, list) or not isinstance(seen_entries, list):
        raise RegistryError(f"{path}: 'sources' and 'seen' must be lists")
    file = validation.display_path(path)
    pinned = [
        _parse_entry(entry, file, f"sources[{i}]", validation.line_of(entries, i))
        for i, entry in enumerate(entries)
    ]
    seen = [_parse_seen(entry, f"{path}: seen[{i}]") for i, entry in enumerate(seen_entries)]
    return pinned, seen


def _read_yaml(path: Path, what: str = "source registry") -> dict[str, Any]:
    doc = validation.load_yaml(path, error=RegistryError, timestamps=False, what=what)
    if doc is None and what == "lock file":
        return {}
    if not isinstance(doc, dict):
        raise RegistryError(f"{path}: expected a mapping at the top level")
    return doc


def _merge_lock(registry: dict[str, Source], registry_path: Path) -> None:
    """Add the lock file's pins: new entries, or a sha256 for an entry sources.yaml leaves unpinned."""
    lock = lock_path(registry_path)
    if not lock.is_file():
        return
    pinned, _ = load_lock(lock)
    for src in pinned:
        base = registry.get(src.name)
        if base is not None and base.sha256 is not None:
            raise RegistryError(
                f"{lock}: {src.name}: already pinned in {registry_path}; remove it from the lock file"
            )
        if base is not None and src.sha256 is None:
            raise RegistryError(f"{lock}: {src.name}: field 'sha256' = None: a lock entry must pin a sha256")
        registry[src.name] = src


def _parse_pages(entries: Any, path: Path) -> dict[str, Page]:
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: 'pages' must be a list of page entries")
    pages: dict[str, Page] = {}
    for i, entry in enumerate(entries):
        page = _parse_page(entry, f"{path}: pages[{i}]")
        if page.name in pages:
            raise RegistryError(f"{path}: pages[{i}]: field 'name' = {page.name!r}: duplicate name")
        pages[page.name] = page
    return pages


def _parse_page(entry: Any, where: str) -> Page:
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping of fields, got {type(entry).__name__}")
    if isinstance(entry.get("name"), str):
        where = f"{where} ({entry['name']})"
    unknown = sorted(set(entry) - _PAGE_FIELDS)
    if unknown:
        raise RegistryError(
            f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(_PAGE_FIELDS))}"
        )

    def bad(key: str, expected: str) -> RegistryError:
        return RegistryError(f"{where}: field {key!r} = {entry.get(key)!r}: expected {expected}")

    if entry.get("kind") not in PAGE_KINDS:
        raise bad("kind", "one of " + ", ".join(PAGE_KINDS))
    for key in ("name", "url", *_PAGE_REQUIRED[entry["kind"]]):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise bad(key, "a non-empty string")
    if not entry["url"].startswith("https://"):
        raise bad("url", "an https:// URL")
    if entry.get("link_pattern") is not None:
        try:
            re.compile(entry["link_pattern"])
        except re.error as exc:
            raise bad("link_pattern", f"a regular expression ({exc})") from None
    folder = entry.get("folder")
    if folder is not None and (PurePosixPath(folder).is_absolute() or ".." in PurePosixPath(folder).parts):
        raise bad("folder", "a relative folder under the raw folder")
    if entry.get("loader") is not None and entry["loader"] not in LOADERS:
        raise bad("loader", f"one of {', '.join(sorted(LOADERS))}")
    return Page(**entry)


def _parse_seen(entry: Any, where: str) -> SeenLink:
    if not isinstance(entry, dict) or set(entry) != _SEEN_FIELDS:
        raise RegistryError(f"{where}: expected the fields {', '.join(sorted(_SEEN_FIELDS))}")
    if not isinstance(entry["url"], str) or not entry["url"].startswith("https://"):
        raise RegistryError(f"{where}: field 'url' = {entry['url']!r}: expected an https:// URL")
    if not isinstance(entry["sha256"], str) or not _SHA256.match(entry["sha256"]):
        raise RegistryError(
            f"{where}: field 'sha256' = {entry['sha256']!r}: expected 64 lower-case hex digits"
        )
    try:
        checked = _as_date(entry["checked"])
    except ValueError:
        checked = None
    if checked is None:
        raise RegistryError(
            f"{where}: field 'checked' = {entry['checked']!r}: expected an ISO date YYYY-MM-DD"
        )
    return SeenLink(url=entry["url"], sha256=entry["sha256"], same_as=str(entry["same_as"]), checked=checked)


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str) and validation.is_date(value):
        return date.fromisoformat(value)
    raise ValueError(value)


def get_source(name: str, registry: dict[str, Source] | None = None) -> Source:
    """The entry called `name`; raises `UnknownSourceError` listing close matches."""
    registry = registry if registry is not None else load_registry()
    if name in registry:
        return registry[name]
    close = difflib.get_close_matches(name, list(registry), n=5, cutoff=0.5)
    hint = f"; did you mean: {', '.join(close)}" if close else "; see data/raw/sources.yaml for the names"
    raise UnknownSourceError(f"unknown raw source {name!r}{hint}")


def raw_path(source: Source, raw_dir: Path | None = None) -> Path:
    """Where `source` lives locally: ``config.RAW_DIR / source.path`` (or under `raw_dir`)."""
    return Path(raw_dir if raw_dir is not None else config.RAW_DIR) / source.path


def present(name: str, raw_dir: Path | None = None) -> bool:
    """True if the raw file `name` exists locally (not verified; see `verify`)."""
    return raw_path(get_source(name), raw_dir).is_file()


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def verify(names: Iterable[str] | None = None, raw_dir: Path | None = None) -> dict[str, str]:
    """Check local raw files against the registry.

    Returns name -> "ok" | "missing" | "not-a-file" (a directory or other non-file at the raw path) |
    "bad-hash" | "unverified" (present, but the registry has no sha256; such a file is "bad-hash" if it no
    longer matches the hash recorded next to it at fetch time).
    """
    registry = load_registry()
    selected = [get_source(n, registry) for n in names] if names is not None else list(registry.values())
    return {src.name: check_file(src, raw_path(src, raw_dir))[0] for src in selected}


def recorded_hash(path: Path) -> str | None:
    """The sha256 written next to an unpinned file when it was fetched (``<file>.sha256``), if any."""
    note = path.with_name(path.name + ".sha256")
    if not note.is_file():
        return None
    words = note.read_text(encoding="utf-8").split()
    return words[0] if words and _SHA256.match(words[0]) else None


def check_file(src: Source, path: Path) -> tuple[str, str | None, str | None]:
    """(status, expected sha256, actual sha256) of the raw file of `src` at `path`; status as in `verify`.

    The expected hash is the registry's pin, or for an unpinned entry the hash recorded at fetch time.
    """
    if not path.exists() and not path.is_symlink():
        return "missing", src.sha256, None
    if not path.is_file():
        return "not-a-file", src.sha256, None
    actual = sha256_of(path)
    if src.sha256 is not None:
        return ("ok" if actual == src.sha256 else "bad-hash"), src.sha256, actual
    # No pinned hash: at least detect a change since fetch against the recorded <file>.sha256.
    recorded = recorded_hash(path)
    return ("bad-hash" if recorded and recorded != actual else "unverified"), recorded, actual


# --- fetch ----------------------------------------------------------------------------------------------


def fetch(
    names: list[str] | None = None,
    mirror: Path | None = None,
    progress: bool = True,
    *,
    raw_dir: Path | None = None,
    force: bool = False,
) -> list[Path]:
    """Download (or copy from a mirror) raw files into the raw folder, verifying sha256.

    names: registry names; None means every file that can be fetched this way (with a mirror: the entries
        marked ``mirrored: true``; without: every entry that has its own public URL).
    mirror: folder with the same layout as data/raw; defaults to ``RESEARCH_RAW_MIRROR`` (`config.raw_mirror`).
        Without one, files are downloaded from their URL with pooch.
    progress: show a download progress bar (or a per-file bar when copying).
    raw_dir: target folder (default `config.RAW_DIR`).
    force: re-fetch files already present (needed to refresh entries without a sha256, such as the DDP
        arrests file, which changes with each release).

    Files already present with the right hash are skipped. Entries without a sha256 cannot be verified: a
    warning is logged and the computed hash is written next to the file as ``<file>.sha256``.
    Returns the local paths of the requested files. Raises `UnknownSourceError` before fetching anything if
    a name is unknown, and `FetchError` (one line per failure) after trying every requested file.
    """
    registry = load_registry()
    mirror = Path(mirror) if mirror is not None else config.raw_mirror()
    if mirror is not None and not mirror.is_dir():
        raise FetchError(
            f"raw mirror folder {mirror} does not exist; fix --mirror / RESEARCH_RAW_MIRROR or unset it to download"
        )
    if names is not None:
        selected = [get_source(n, registry) for n in names]
    elif mirror is not None:
        selected = [s for s in registry.values() if s.mirrored]
    else:
        selected = [s for s in registry.values() if s.derived_from is None]

    bar = progress and mirror is not None and len(selected) > 1
    items = tqdm(selected, desc="copy from mirror", unit="file") if bar else selected
    paths: list[Path] = []
    failures: dict[str, str] = {}
    for src in items:
        try:
            paths.append(_fetch_one(src, raw_path(src, raw_dir), mirror, progress, force))
        except FetchError as exc:
            failures[src.name] = str(exc)
    if len(failures) == 1:
        raise FetchError(next(iter(failures.values())), failures)
    if failures:
        first = next(iter(failures.values()))
        raise FetchError(
            f"could not fetch {len(failures)} of {len(selected)} files ({', '.join(failures)}); first error: {first}",
            failures,
        )
    return paths


def _fetch_one(src: Source, dest: Path, mirror: Path | None, progress: bool, force: bool) -> Path:
    if dest.exists() and not dest.is_file():
        raise FetchError(
            f"{src.name}: {dest} is a directory (or another non-file); expected the raw file there. "
            "Move it away, then fetch again"
        )
    if dest.is_file() and not force:
        if src.sha256 is None:
            log.info("%s already present (no sha256 in the registry; use force=True to refresh)", src.name)
            return dest
        if sha256_of(dest) == src.sha256:
            return dest
        log.warning("%s is present but its sha256 does not match the registry; fetching it again", src.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Work in a private temporary folder next to the target so the final os.replace is atomic.
    workdir = Path(tempfile.mkdtemp(prefix=f".{src.name}.", suffix=".part", dir=dest.parent))
    try:
        if mirror is not None:
            tmp, origin = _copy_from_mirror(src, mirror, workdir)
        else:
            tmp, origin = _download(src, workdir, progress, dest), src.url
        digest = sha256_of(tmp)
        if src.sha256 is not None and digest != src.sha256:
            raise FetchError(_checksum_message(src, origin, digest, dest))
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if src.sha256 is None:
        write_hash_note(dest, digest)
        log.warning(
            "%s: the registry has no sha256 for this file, so it cannot be verified; sha256 %s recorded in %s",
            src.name,
            digest,
            dest.name + ".sha256",
        )
    return dest


def _copy_from_mirror(src: Source, mirror: Path, workdir: Path) -> tuple[Path, str]:
    origin = mirror / src.path
    if origin.exists() and not origin.is_file():
        raise FetchError(
            f"{src.name}: {origin} in the mirror is a directory (or another non-file); expected the file"
        )
    if not origin.is_file():
        note = " (the registry marks it mirrored: false)" if not src.mirrored else ""
        raise FetchError(
            f"{src.name} is not in the mirror {mirror}{note}; expected {origin}. Add it there, or unset "
            f"RESEARCH_RAW_MIRROR / drop --mirror and run `research data fetch {src.name}` with network access "
            f"to download it from {src.url}"
        )
    tmp = workdir / src.name
    try:
        shutil.copyfile(origin, tmp)
    except OSError as exc:
        raise FetchError(f"cannot copy {src.name} from {origin}: {one_line(exc)}; URL: {src.url}") from None
    return tmp, str(origin)


def _download(src: Source, workdir: Path, progress: bool, dest: Path) -> Path:
    if src.derived_from is not None:
        raise FetchError(
            f"{src.name} is a local conversion of {src.derived_from}; {src.url} does not serve these bytes. "
            f"Set RESEARCH_RAW_MIRROR (or --mirror DIR) to a folder holding {src.path}, "
            f"or fetch {src.derived_from} instead"
        )
    import pooch  # deferred: pooch imports tqdm.auto, which prints a widget warning inside notebook kernels

    known = f"sha256:{src.sha256}" if src.sha256 else None
    try:
        fetched = pooch.retrieve(
            src.url,
            known_hash=known,
            fname=src.name,
            path=workdir,
            downloader=pooch.HTTPDownloader(progressbar=progress),
        )
    except ValueError as exc:
        if "hash" in str(exc).lower():
            got = re.search(r"but got ([0-9a-f]{64})", str(exc))
            raise FetchError(_checksum_message(src, src.url, got.group(1) if got else None, dest)) from None
        raise FetchError(_network_message(src, exc)) from None
    except OSError as exc:  # requests' ConnectionError/HTTPError/Timeout are OSErrors
        raise FetchError(_network_message(src, exc)) from None
    return Path(fetched)


def _network_message(src: Source, exc: BaseException) -> str:
    return (
        f"cannot download {src.name} from {src.url} ({type(exc).__name__}: {one_line(exc, 160)}); "
        f"run `research data fetch {src.name}` with network access, or set RESEARCH_RAW_MIRROR "
        f"(or --mirror DIR) to a folder holding {src.path}"
    )


def _checksum_message(src: Source, origin: str, got: str | None, dest: Path | None) -> str:
    got_text = f", got {got}" if got else ""
    kept = f"; {dest} was left unchanged" if dest is not None and dest.exists() else ""
    return (
        f"checksum mismatch for {src.name} from {origin} (URL {src.url}): expected sha256 {src.sha256}{got_text}"
        f"{kept}. The source may have changed: check the file, then update its sha256 in the registry "
        f"or fetch it from a verified mirror (RESEARCH_RAW_MIRROR)"
    )


def write_hash_note(dest: Path, digest: str) -> None:
    """Record a file's sha256 next to it (``<file>.sha256``), written to a temp name then renamed."""
    note = dest.with_name(dest.name + ".sha256")
    tmp = note.with_name(note.name + ".tmp")
    tmp.write_text(f"{digest}  {dest.name}\n", encoding="utf-8")
    os.replace(tmp, note)


def one_line(exc: BaseException | object, limit: int = 200) -> str:
    """An error (or any value) as one line of at most `limit` characters, for one-line CLI messages."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
