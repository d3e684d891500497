"""Files under `reports/`: atomic writes and the manifest that records which outputs can be trusted.

Every file is written to a temporary name in the same directory and renamed into place, so a killed run never
leaves a half-written file under a final name. The manifest entry of a report is saved only after its notebook
and HTML are in place, and it records the HTML's hash, so a later run re-checks what it is about to trust.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from research.reports.fingerprint import file_sha256

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
TMP_PREFIX = ".tmp-"
RUN_LOCK = ".run.lock"  # held shared by every active run; exclusive only to clean up after killed runs
WRITE_LOCK = ".write.lock"  # held exclusive while one run merges its results into manifest and index


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same directory and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp creates 0600; the site is meant to be readable
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_temp_files(directory: Path) -> int:
    """Delete temp files left by a killed run (they are never trusted); return how many.

    Call only while no other run is active (see `RunLock`): another run's temp file is a file being written.
    """
    count = 0
    if directory.is_dir():
        for tmp in sorted(directory.rglob(f"{TMP_PREFIX}*"), key=lambda p: len(p.parts)):
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)  # a downloads folder being swapped in or out
            elif tmp.exists() or tmp.is_symlink():
                tmp.unlink(missing_ok=True)
            else:
                continue  # inside a folder removed above
            count += 1
    return count


def replace_folder(path: Path, files: dict[str, bytes]) -> None:
    """Make `path` a folder holding exactly `files` (relative name -> bytes): built under a temp name, then swapped
    in, so no file of an earlier run survives and no half-written file is ever under the final name. No files:
    the folder is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    if files:
        staging = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{path.name}.", dir=path.parent))
        try:
            _fill(staging, files)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    old: Path | None = None
    if path.exists():
        old = path.with_name(f"{TMP_PREFIX}{path.name}.old-{os.getpid()}")
        os.replace(path, old)
    if staging is not None:
        os.replace(staging, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fill(folder: Path, files: dict[str, bytes]) -> None:
    root = folder.resolve()
    for name, data in files.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root) or target == root:
            raise ValueError(f"download name {name!r} leaves its folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
    folder.chmod(0o755)


def folder_hashes(path: Path) -> dict[str, str]:
    """sha256 of every file under `path` (relative posix name -> hash); {} when there is no such folder."""
    if not path.is_dir():
        return {}
    return {p.relative_to(path).as_posix(): file_sha256(p) for p in sorted(path.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def _flock(path: Path, mode: int) -> Iterator[int]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode)
        yield fd
    finally:
        os.close(fd)  # releases the lock


class RunLock:
    """Lets several `reports run` share one site folder.

    Each run holds RUN_LOCK shared for its whole duration; the first to find no other run active (an exclusive
    lock that succeeds at once) removes temp files left by killed runs. Every change to the manifest and the
    index happens under WRITE_LOCK (exclusive, short): re-read the manifest, apply this run's change, write
    both, so concurrent runs never drop each other's entries.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / RUN_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            alone = False
        if alone:
            with _flock(self.directory / WRITE_LOCK, fcntl.LOCK_EX):
                remove_stale_temp_files(self.directory)
        fcntl.flock(fd, fcntl.LOCK_SH)  # from exclusive (or nothing) to shared: other runs may start now
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def update(self, change: Callable[[Manifest], None]) -> Manifest:
        """Apply `change` to the manifest as it is on disk now and save it; return the merged manifest."""
        with _flock(self.directory / WRITE_LOCK, fcntl.LOCK_EX):
            manifest = Manifest.load(self.directory)
            change(manifest)
            manifest.save()
            return manifest

    @contextlib.contextmanager
    def writing(self) -> Iterator[Manifest]:
        """Hold the write lock; yield the manifest as it is on disk now (for writes that depend on it)."""
        with _flock(self.directory / WRITE_LOCK, fcntl.LOCK_EX):
            yield Manifest.load(self.directory)


@dataclass
class Entry:
    """What the last run of one report produced."""

    key: str
    status: str  # "ok" | "failed" | "stale"
    notebook: str
    parameters: dict[str, Any]
    html: str  # path relative to the reports dir
    ipynb: str
    html_sha256: str
    started_at: str
    duration: float
    error: str | None = None
    attempts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    data_version: str = ""  # what the worker read from data/processed
    # "stale": the last run failed and the page under `html` is the last good one, marked as stale;
    # the failed run's page and notebook are under `failed_html` / `failed_ipynb`.
    failed_html: str | None = None
    failed_ipynb: str | None = None
    failed_at: str | None = None
    # Data downloads beside the page (under `html/<name>/`): relative name -> sha256.
    downloads: dict[str, str] = field(default_factory=dict)
    log: str | None = None  # the run log (warnings, stderr), relative to the reports dir, when there was one


class Manifest:
    """`reports/manifest.json`: report name -> Entry."""

    def __init__(self, directory: Path, entries: dict[str, Entry] | None = None) -> None:
        self.directory = directory
        self.entries: dict[str, Entry] = entries or {}

    @property
    def path(self) -> Path:
        return self.directory / MANIFEST_NAME

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read the manifest; an unreadable or foreign one is treated as empty (everything re-runs)."""
        path = directory / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != MANIFEST_VERSION:
                return cls(directory)
            entries = {name: Entry(**value) for name, value in raw["reports"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls(directory)
        return cls(directory, entries)

    def save(self) -> None:
        payload = {
            "version": MANIFEST_VERSION,
            "reports": {n: asdict(e) for n, e in sorted(self.entries.items())},
        }
        atomic_write_text(self.path, json.dumps(payload, indent=1, sort_keys=True) + "\n")

    def is_current(self, name: str, key: str) -> bool:
        """True when the last run of `name` succeeded with this key and its HTML is intact."""
        entry = self.entries.get(name)
        if entry is None or entry.key != key or entry.status != "ok":
            return False
        html = self.directory / entry.html
        if not html.is_file() or not (self.directory / entry.ipynb).is_file():
            return False
        if file_sha256(html) != entry.html_sha256:
            return False
        return folder_hashes(downloads_dir(self.directory, entry)) == entry.downloads


def downloads_dir(directory: Path, entry: Entry) -> Path:
    """The folder of a report's downloads: beside its page, named like it (`html/<name>/`)."""
    page = directory / entry.html
    return page.with_name(page.stem)
