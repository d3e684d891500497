"""Run the report set: pick what changed, execute serially, on a process pool or on Dask, write the site."""

from __future__ import annotations

import html
import multiprocessing
import os
import traceback
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from research import config
from research.reports.execute import Outcome, Task, run_task
from research.reports.fingerprint import file_sha256, library_hash, notebook_hash, report_key
from research.reports.provenance import batch_provenance, now_iso
from research.reports.site import render_index
from research.reports.spec import ForeachSource, Report, ReportSet, load_spec, select
from research.reports.store import (
    Entry,
    Manifest,
    atomic_write_bytes,
    atomic_write_text,
    remove_stale_temp_files,
)

HTML_DIR = "html"
NOTEBOOK_DIR = "notebooks"
INDEX_NAME = "index.html"
DASK_CONNECT_TIMEOUT = "20s"


@dataclass
class RunOptions:
    only: list[str] | None = None
    aor: list[str] | None = None
    jobs: int = 1
    force: bool = False
    scheduler: str | None = None  # Dask scheduler address, e.g. tcp://10.0.0.5:8786
    timeout: float | None = 600.0  # per-cell execution timeout, seconds
    progress: bool = True
    kernel_name: str = config.KERNEL_NAME


@dataclass
class RunSummary:
    selected: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # up to date
    failed: dict[str, str] = field(default_factory=dict)  # name -> error
    output_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self) -> str:
        lines = [
            f"{len(self.selected)} selected: {len(self.executed)} executed, {len(self.skipped)} up to date, "
            f"{len(self.failed)} failed"
        ]
        lines += [f"  FAILED {name}: {error}" for name, error in self.failed.items()]
        if self.output_dir is not None:
            lines.append(f"index: {self.output_dir / INDEX_NAME}")
        return "\n".join(lines)


def default_spec_path() -> Path:
    return config.NOTEBOOKS_DIR / "reports.yaml"


def _failed_outcome(task: Task, error: str) -> Outcome:
    page = (
        f"<!DOCTYPE html><html><head><title>{html.escape(task.name)}</title></head>"
        f"<body><pre>{html.escape(error)}</pre></body></html>"
    )
    return Outcome(task.name, task.key, "failed", now_iso(), 0.0, b"", page.encode(), error=error)


def _missing_notebook(task: Task) -> Outcome:
    return _failed_outcome(task, f"notebook not found: {task.notebook}")


def _run_serial(tasks: list[Task]) -> Iterator[Outcome]:
    for task in tasks:
        yield run_task(task)


def _run_pool(tasks: list[Task], jobs: int) -> Iterator[Outcome]:
    # spawn: workers must not inherit the parent's threads (tqdm monitor, zmq) through fork.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
        futures = {pool.submit(run_task, task): task for task in tasks}
        try:
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as exc:  # noqa: BLE001 - a crashed worker fails its report only
                    yield _failed_outcome(futures[future], f"worker failed: {type(exc).__name__}: {exc}")
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _run_dask(tasks: list[Task], address: str) -> Iterator[Outcome]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    # Workers need the same package, notebooks and processed data at the same paths (a shared filesystem or an
    # identical checkout); they return the outputs, which are written here.
    with Client(address, timeout=DASK_CONNECT_TIMEOUT) as client:
        futures = {
            client.submit(run_task, task, key=f"report-{task.name}-{task.key[:12]}", pure=False): task
            for task in tasks
        }
        for future in dask_completed(list(futures)):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails its report only
                yield _failed_outcome(futures[future], f"dask task failed: {type(exc).__name__}: {exc}")


def execute_tasks(tasks: list[Task], jobs: int = 1, scheduler: str | None = None) -> Iterator[Outcome]:
    """Yield outcomes as reports finish, using Dask, a process pool (`jobs` > 1) or this process."""
    runnable = [t for t in tasks if Path(t.notebook).is_file()]
    for task in tasks:
        if task not in runnable:
            yield _missing_notebook(task)
    if not runnable:
        return
    if scheduler:
        yield from _run_dask(runnable, scheduler)
    elif jobs > 1 and len(runnable) > 1:
        yield from _run_pool(runnable, jobs)
    else:
        yield from _run_serial(runnable)


class SiteWriter:
    """Writes outcomes, the manifest and the index under the output directory (all atomically)."""

    def __init__(self, report_set: ReportSet, output_dir: Path, provenance: dict[str, Any]) -> None:
        self.report_set = report_set
        self.output_dir = output_dir
        self.provenance = provenance
        self.manifest = Manifest.load(output_dir)

    def record(self, report: Report, outcome: Outcome) -> None:
        html_rel = f"{HTML_DIR}/{report.name}.html"
        nb_rel = f"{NOTEBOOK_DIR}/{report.name}.ipynb"
        if outcome.ipynb:
            atomic_write_bytes(self.output_dir / nb_rel, outcome.ipynb)
        atomic_write_bytes(self.output_dir / html_rel, outcome.html)
        self.manifest.entries[report.name] = Entry(
            key=outcome.key,
            status=outcome.status,
            notebook=report.notebook,
            parameters=report.parameters,
            html=html_rel,
            ipynb=nb_rel,
            html_sha256=file_sha256(self.output_dir / html_rel),
            started_at=outcome.started_at,
            duration=round(outcome.duration, 3),
            error=outcome.error,
            attempts=outcome.attempts,
        )
        self.manifest.save()

    def write_index(self) -> None:
        page = render_index(
            self.report_set.reports,
            self.manifest.entries,
            self.report_set.groups,
            data_version=str(self.provenance["data"]["data_version"]),
            git_commit=str(self.provenance["git_commit"]),
        )
        atomic_write_text(self.output_dir / INDEX_NAME, page)


def plan(
    report_set: ReportSet,
    reports: list[Report],
    manifest: Manifest,
    options: RunOptions,
    provenance: dict[str, Any],
) -> tuple[list[Task], list[str]]:
    """Tasks for reports whose key changed (or all with --force), and the names that are up to date."""
    library = library_hash()
    data_version = str(provenance["data"]["data_version"])
    notebook_hashes: dict[str, str] = {}
    tasks: list[Task] = []
    skipped: list[str] = []
    for report in reports:
        path = report_set.notebooks_dir / report.notebook
        if report.notebook not in notebook_hashes:
            notebook_hashes[report.notebook] = notebook_hash(path) if path.is_file() else "missing"
        key = report_key(
            notebook=notebook_hashes[report.notebook],
            parameters=report.parameters,
            library=library,
            data_version=data_version,
            kernel=options.kernel_name,
        )
        if not options.force and manifest.is_current(report.name, key):
            skipped.append(report.name)
            continue
        tasks.append(
            Task(
                name=report.name,
                title=report.title,
                notebook=str(path.resolve()),
                cwd=str(report_set.notebooks_dir.resolve()),
                parameters=dict(report.parameters),
                kernel_name=options.kernel_name,
                key=key,
                provenance=provenance,
                timeout=options.timeout,
            )
        )
    return tasks, skipped


def run_reports(
    spec_path: Path | None = None,
    output_dir: Path | None = None,
    options: RunOptions | None = None,
    sources: Mapping[str, ForeachSource] | None = None,
) -> RunSummary:
    """Run the selected reports that changed, then rewrite the index. See `research reports run --help`."""
    options = options or RunOptions()
    report_set = load_spec(spec_path or default_spec_path(), sources)
    output_dir = (output_dir or config.REPORTS_DIR).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(output_dir)
    reports = select(report_set.reports, options.only, options.aor)
    provenance = batch_provenance()
    writer = SiteWriter(report_set, output_dir, provenance)
    tasks, skipped = plan(report_set, reports, writer.manifest, options, provenance)
    summary = RunSummary(selected=[r.name for r in reports], skipped=skipped, output_dir=output_dir)
    by_name = {r.name: r for r in reports}
    with tqdm(
        total=len(tasks), desc="reports", unit="report", disable=not options.progress or not tasks
    ) as bar:
        for outcome in execute_tasks(tasks, jobs=max(1, options.jobs), scheduler=options.scheduler):
            try:
                writer.record(by_name[outcome.name], outcome)
            except OSError:
                outcome.status, outcome.error = (
                    "failed",
                    "could not write outputs:\n" + traceback.format_exc(),
                )
            summary.executed.append(outcome.name)
            if outcome.status != "ok":
                summary.failed[outcome.name] = outcome.error or "failed"
            bar.set_postfix_str(f"{outcome.name} {outcome.status}")
            bar.update()
            writer.write_index()
    writer.write_index()
    return summary


def status_rows(spec_path: Path | None = None, output_dir: Path | None = None) -> list[dict[str, Any]]:
    """For `research reports list`: every report with its group, notebook and last status."""
    report_set = load_spec(spec_path or default_spec_path())
    manifest = Manifest.load((output_dir or config.REPORTS_DIR).resolve())
    rows = []
    for report in report_set.reports:
        entry = manifest.entries.get(report.name)
        exists = (report_set.notebooks_dir / report.notebook).is_file()
        rows.append(
            {
                "name": report.name,
                "group": report.group,
                "notebook": report.notebook + ("" if exists else " (missing)"),
                "status": entry.status if entry else "not run",
                "duration": entry.duration if entry else None,
            }
        )
    return rows


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
