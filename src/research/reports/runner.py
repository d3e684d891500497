"""Run the report set: pick what changed, execute serially, on a process pool or on Dask, write the site."""

from __future__ import annotations

import ast
import contextlib
import difflib
import html
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from research import config
from research.reports.execute import Outcome, Task, declared_parameters, run_task
from research.reports.fingerprint import file_sha256, inputs_hash, library_hash, notebook_hash, report_key
from research.reports.provenance import batch_provenance, now_iso
from research.reports.render import mark_stale
from research.reports.shell import CSS, header_html
from research.reports.site import render_index
from research.reports.spec import (
    ForeachSource,
    Report,
    ReportSet,
    SpecError,
    load_spec,
    notebooks_named,
    select,
)
from research.reports.store import (
    Entry,
    Manifest,
    RunLock,
    atomic_write_bytes,
    atomic_write_text,
    folder_hashes,
    replace_folder,
)

if TYPE_CHECKING:
    from research.reports.kernels import ForkServer

HTML_DIR = "html"
NOTEBOOK_DIR = "notebooks"
FAILED_DIR = "failed"
LOG_DIR = "logs"
INDEX_NAME = "index.html"
DASK_CONNECT_TIMEOUT = "20s"
# Modules the warm engine's fork server may import ahead when a notebook imports them (nothing local to a
# notebook folder, which could shadow or be shadowed).
PRELOADABLE = (
    "numpy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "seaborn",
    "scipy",
    "statsmodels",
    "research",
    "IPython",
)
# Modules the library imports on first use rather than at import (reading Parquet, validating a table, saving a
# PNG): every report pays for them, so the fork server imports them too. "?": skipped quietly if not installed.
LIBRARY_LAZY_IMPORTS = (
    "pyarrow.dataset?",
    "pyarrow.pandas_compat?",
    "pandas.io.formats.string?",
    "pandas.core.reshape.reshape?",
    "pandas.core.methods.to_dict?",
    "pandera.accessors.pandas_accessor?",
    "pandera.backends.pandas.register?",
    "PIL.PngImagePlugin?",
    "PIL.BmpImagePlugin?",
    "PIL.GifImagePlugin?",
    "PIL.JpegImagePlugin?",
    "PIL.PpmImagePlugin?",
)
STAGES = ("kernel_start", "imports", "cells", "notebook_io", "render", "worker_other", "bookkeeping")
STAGE_LABELS = {
    "kernel_start": "kernel start",
    "imports": "imports (in cells)",
    "cells": "cell execution (without imports)",
    "notebook_io": "notebook read/parameterise/save",
    "render": "HTML rendering",
    "worker_other": "worker bookkeeping (data version, footer)",
    "bookkeeping": "coordinator bookkeeping (plan, hashes, writes, index)",
}


@dataclass
class RunOptions:
    only: list[str] | None = None
    aor: list[str] | None = None
    jobs: int = 1
    force: bool = False
    scheduler: str | None = None  # Dask scheduler address, e.g. tcp://10.0.0.5:8786 (a trusted cluster only)
    timeout: float | None = 600.0  # per-cell execution timeout, seconds
    progress: bool = True
    kernel_name: str = config.KERNEL_NAME
    cold: bool = False  # the old path: papermill starts one kernel per report, a new exporter per page
    profile: bool = False  # time imports inside kernels (for the stage breakdown)
    parameters: dict[str, Any] | None = None  # overrides (`-p NAME VALUE`) for every selected report


@dataclass
class RunSummary:
    selected: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # up to date
    failed: dict[str, str] = field(default_factory=dict)  # name -> error
    stale: list[str] = field(default_factory=list)  # failed, last good page kept and marked
    logged: list[str] = field(default_factory=list)  # reports whose run log holds warnings (reports/logs/)
    output_dir: Path | None = None
    stages: dict[str, float] = field(default_factory=dict)  # seconds summed over reports (+ coordinator)
    wall: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self) -> str:
        lines = [
            f"{len(self.selected)} selected: {len(self.executed)} executed, {len(self.skipped)} up to date, "
            f"{len(self.failed)} failed"
        ]
        for name, error in self.failed.items():
            kept = " (last good page kept, marked stale)" if name in self.stale else ""
            lines.append(f"  FAILED {name}{kept}: {error}")
        if self.logged and self.output_dir is not None:
            lines.append(
                f"{len(self.logged)} report(s) logged warnings (not shown on the pages): "
                f"{self.output_dir / LOG_DIR}/<report>.log"
            )
        if self.output_dir is not None:
            lines.append(f"index: {self.output_dir / INDEX_NAME}")
        return "\n".join(lines)

    def stage_table(self) -> str:
        """Where the time went: seconds per stage summed over reports, and the share of their sum."""
        total = sum(self.stages.values()) or 1.0
        rows = [
            f"  {STAGE_LABELS[s]:<52} {self.stages.get(s, 0.0):8.1f} s  {self.stages.get(s, 0.0) / total:6.1%}"
            for s in STAGES
        ]
        rows.append(f"  {'sum over reports (report-seconds)':<52} {total:8.1f} s")
        rows.append(f"  {'wall time':<52} {self.wall:8.1f} s")
        return "\n".join(rows)


def default_spec_path() -> Path:
    return config.NOTEBOOKS_DIR / "reports.yaml"


def _failed_outcome(task: Task, error: str) -> Outcome:
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(task.title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
        f"<body>{task.header}<h1>{html.escape(task.title)}</h1><p>This report failed.</p>"
        f"<pre>{html.escape(error)}</pre></body></html>"
    )
    return Outcome(task.name, task.key, "failed", now_iso(), 0.0, b"", page.encode(), error=error)


def _missing_notebook(task: Task) -> Outcome:
    return _failed_outcome(task, f"notebook not found: {task.notebook}")


# --- workers ----------------------------------------------------------------------------------------------


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker as soon as the coordinator is gone (e.g. SIGKILLed), whatever it is doing.

    Its kernels follow: ipykernel exits when its parent does, and the fork server and forked kernels are
    killed by the kernel when their parent dies (see research.reports.forkserver).
    """

    def watch() -> None:
        while True:
            time.sleep(0.2)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="research-parent-watch", daemon=True).start()


def _init_worker(
    parent_pid: int,
    warm: tuple[str, tuple[str, ...], str, bool, str] | None,
    shared_server: str | None = None,
    cpus: int | None = None,
) -> None:
    """Pool worker start: leave Ctrl-C to the coordinator, die with it, give its kernels their share of the
    cores (`cpus`, see research.config.CPUS_ENV), start a kernel ahead (warm engine)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent_pid)
    if cpus is not None:
        os.environ[config.CPUS_ENV] = str(cpus)  # before the kernel started ahead: kernels inherit it
    if warm is not None:
        from research.reports import engine

        if shared_server:
            engine.use_shared_server(shared_server, warm[1])
        with contextlib.suppress(Exception):  # a failure here shows again, per report, in run_task
            engine.start_ahead(*warm)


def _shared_fork_server(kernel_name: str, preload: tuple[str, ...]) -> ForkServer | None:
    """One fork server for all workers of a parallel warm batch (the heavy imports are paid once, on a core the
    coordinator leaves idle while it plans and the workers start). None when the kernel cannot be forked."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from research.reports.kernels import ForkServer, forkable

    try:
        python = forkable(KernelSpecManager().get_kernel_spec(kernel_name).argv)
    except NoSuchKernel:
        return None
    if python is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="research-forkserver-"))
    try:
        return ForkServer(python, list(preload), folder / "forkserver.log", listen=folder / "socket")
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _close_shared(server: ForkServer | None) -> None:
    if server is not None:
        server.close(stop_importing=True)
        shutil.rmtree(server.log.parent, ignore_errors=True)


def _run_serial(tasks: list[Task]) -> Iterator[Outcome]:
    for task in tasks:
        yield run_task(task)


def _run_pool(tasks: list[Task], jobs: int, shared: ForkServer | None = None) -> Iterator[Outcome]:
    """`shared`: a fork server the caller started early (and closes); used when it preloads what the tasks do."""
    # spawn: workers must not inherit the parent's threads (tqdm monitor, zmq) through fork.
    context = multiprocessing.get_context("spawn")
    first = tasks[0]
    warm = (
        (first.kernel_name, first.preload, first.cwd, first.profile, first.library)
        if first.engine == "warm"
        else None
    )
    own = None
    if warm is not None and (shared is None or shared.modules != list(first.preload) or not shared.alive()):
        shared = own = _shared_fork_server(first.kernel_name, first.preload)
    try:
        address = shared.address if shared is not None and warm is not None else None
        yield from _pool_outcomes(tasks, jobs, context, warm, address)
    finally:
        _close_shared(own)


def _pool_outcomes(
    tasks: list[Task],
    jobs: int,
    context: multiprocessing.context.BaseContext,
    warm: tuple[str, tuple[str, ...], str, bool, str] | None,
    shared: str | None,
) -> Iterator[Outcome]:
    workers = min(jobs, len(tasks))
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(), warm, shared, max(1, config.cpus() // workers)),
    )
    try:
        futures = {pool.submit(run_task, task): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker fails its report only
                yield _failed_outcome(futures[future], f"worker failed: {type(exc).__name__}: {exc}")
    except BaseException:
        # Interrupted (Ctrl-C) or closed early: stop the workers now instead of waiting for their reports.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(5)
        raise
    pool.shutdown(wait=True)


def _run_dask(tasks: list[Task], address: str) -> Iterator[Outcome]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    # Workers need the same package, notebooks and processed data at the same paths (a shared filesystem or an
    # identical checkout); they return the outputs, which are written here. Dask unpickles what workers
    # return: use only a cluster you trust.
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


def execute_tasks(
    tasks: list[Task], jobs: int = 1, scheduler: str | None = None, shared: ForkServer | None = None
) -> Iterator[Outcome]:
    """Yield outcomes as reports finish, using Dask, a process pool (`jobs` > 1, kernels from `shared` when it
    fits) or this process."""
    runnable = [t for t in tasks if Path(t.notebook).is_file()]
    for task in tasks:
        if task not in runnable:
            yield _missing_notebook(task)
    if not runnable:
        return
    if scheduler:
        yield from _run_dask(runnable, scheduler)
    elif jobs > 1 and len(runnable) > 1:
        yield from _run_pool(runnable, jobs, shared)
    else:
        yield from _run_serial(runnable)


# --- the site ---------------------------------------------------------------------------------------------


def _intact(directory: Path, entry: Entry | None) -> bool:
    if entry is None or entry.status not in ("ok", "stale"):
        return False
    page = directory / entry.html
    return page.is_file() and file_sha256(page) == entry.html_sha256


class SiteWriter:
    """Writes outcomes, the manifest and the index under the output directory (atomically, under RunLock)."""

    def __init__(
        self, report_set: ReportSet, output_dir: Path, provenance: dict[str, Any], lock: RunLock
    ) -> None:
        self.report_set = report_set
        self.output_dir = output_dir
        self.provenance = provenance
        self.lock = lock
        self.manifest = Manifest.load(output_dir)

    def record(self, report: Report, outcome: Outcome) -> Entry:
        """Save one outcome. A failed rerun of a report that had a good page keeps that page, marked stale."""
        with self.lock.writing() as manifest:
            previous = manifest.entries.get(report.name)
            if outcome.status != "ok" and _intact(self.output_dir, previous):
                assert previous is not None
                entry = self._keep_stale(report, outcome, previous)
            else:
                entry = self._write(report, outcome)
            manifest.entries[report.name] = entry
            manifest.save()
            self._write_index(manifest)
        self.manifest = manifest
        return entry

    def _write(self, report: Report, outcome: Outcome) -> Entry:
        """Downloads folder, then notebook and page, then the log (the manifest entry is saved by the caller)."""
        html_rel = f"{HTML_DIR}/{report.name}.html"
        nb_rel = f"{NOTEBOOK_DIR}/{report.name}.ipynb"
        log_rel = f"{LOG_DIR}/{report.name}.log"
        downloads = (self.output_dir / html_rel).with_name(report.name)
        replace_folder(downloads, outcome.files)  # the page links into it: in place before the page
        if outcome.ipynb:
            atomic_write_bytes(self.output_dir / nb_rel, outcome.ipynb)
        atomic_write_bytes(self.output_dir / html_rel, outcome.html)
        for old in (f"{FAILED_DIR}/{report.name}.html", f"{FAILED_DIR}/{report.name}.ipynb"):
            (self.output_dir / old).unlink(missing_ok=True)
        if outcome.log.strip():
            atomic_write_text(self.output_dir / log_rel, outcome.log)
        else:
            (self.output_dir / log_rel).unlink(missing_ok=True)
        extra: dict[str, Any] = {"stages": {k: round(v, 3) for k, v in outcome.stages.items()}}
        if outcome.summary is not None:
            extra["summary"] = outcome.summary
        return Entry(
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
            title=report.title,
            data_version=outcome.data_version,
            extra=extra,
            downloads=folder_hashes(downloads),
            log=log_rel if outcome.log.strip() else None,
        )

    def _keep_stale(self, report: Report, outcome: Outcome, previous: Entry) -> Entry:
        failed_html = f"{FAILED_DIR}/{report.name}.html"
        failed_nb = f"{FAILED_DIR}/{report.name}.ipynb"
        atomic_write_bytes(self.output_dir / failed_html, outcome.html)
        if outcome.ipynb:
            atomic_write_bytes(self.output_dir / failed_nb, outcome.ipynb)
        page_path = self.output_dir / previous.html
        page = mark_stale(
            page_path.read_text(encoding="utf-8"),
            error=outcome.error or "failed",
            failed_at=outcome.started_at,
            good_from=previous.started_at,
            failed_href=os.path.relpath(self.output_dir / failed_html, page_path.parent),
        )
        atomic_write_text(page_path, page)
        return replace(
            previous,
            status="stale",
            error=outcome.error,
            html_sha256=file_sha256(page_path),
            failed_html=failed_html,
            failed_ipynb=failed_nb if outcome.ipynb else None,
            failed_at=outcome.started_at,
        )

    def _write_index(self, manifest: Manifest) -> None:
        page = render_index(
            self.report_set,
            manifest.entries,
            data_version=str(self.provenance["data"]["data_version"]),
            git_commit=str(self.provenance["git_commit"]),
        )
        atomic_write_text(self.output_dir / INDEX_NAME, page)

    def write_index(self) -> None:
        with self.lock.writing() as manifest:
            self._write_index(manifest)
        self.manifest = manifest


# --- planning ---------------------------------------------------------------------------------------------


def notebook_imports(paths: list[Path]) -> tuple[str, ...]:
    """Modules the notebooks import (from PRELOADABLE packages), for the warm engine's fork server.

    `from a.b import c` gives `a.b` and `a.b.c?` (the '?' tells the server that c may be a name, not a module).
    """
    found: set[str] = set()
    for path in paths:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            try:
                tree = ast.parse("".join(source) if isinstance(source, list) else source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module)
                    found.update(f"{node.module}.{alias.name}?" for alias in node.names if alias.name != "*")
    return tuple(sorted(m for m in found if m.split(".")[0] in PRELOADABLE))


def check_parameters(report_set: ReportSet, reports: list[Report], overrides: dict[str, Any]) -> None:
    """Every parameter a report sets must be declared by its notebook's parameters cell (checked before any
    kernel starts). Raises SpecError naming the report, the parameter, where it was set and the declared ones."""
    import nbformat

    declared: dict[str, list[str] | None] = {}
    for report in reports:
        path = report_set.notebooks_dir / report.notebook
        if not path.is_file():
            continue  # reported as "notebook not found" when it runs
        if report.notebook not in declared:
            declared[report.notebook] = declared_parameters(nbformat.read(path, as_version=4))
        names = declared[report.notebook]
        for name in report.parameters:
            origin = (
                f"-p {name}"
                if name in overrides
                else f"{report.origins.get(name, report_set.path)}: parameter {name!r}"
            )
            if names is None:
                raise SpecError(
                    f"{origin} of report {report.name!r}: {report.notebook} has no cell tagged 'parameters'"
                )
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise SpecError(
                    f"{origin} of report {report.name!r}: {report.notebook} declares no parameter {name!r}"
                    f"{hint}; its parameters are {', '.join(names) or 'none'}"
                )


def preload_modules(spec_path: Path) -> tuple[str, ...]:
    """What the warm engine's fork server imports for a reports file: the imports of every notebook it names and,
    with them, the modules the library imports on first use. One list for any selection of its reports, so a
    server started before the file is read in full serves the run."""
    paths = [spec_path.parent / name for name in notebooks_named(spec_path)]
    found = notebook_imports([p for p in paths if p.is_file()])
    return (*found, *LIBRARY_LAZY_IMPORTS) if found else ()


def plan(
    report_set: ReportSet,
    reports: list[Report],
    manifest: Manifest,
    options: RunOptions,
    provenance: dict[str, Any],
) -> tuple[list[Task], list[str]]:
    """Tasks for reports whose key changed (or all with --force), and the names that are up to date."""
    library = library_hash()
    inputs = inputs_hash()
    data_version = str(provenance["data"]["data_version"])
    packages = provenance.get("packages", {})
    notebook_hashes: dict[str, str] = {}
    tasks: list[Task] = []
    skipped: list[str] = []
    preload = preload_modules(report_set.path) if not options.cold else ()
    header = header_html(f"../{INDEX_NAME}", report_set.groups)
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
            title=report.title,
            inputs=inputs,
            packages=packages,
            shell=header,
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
                engine="cold" if options.cold else "warm",
                preload=preload,
                profile=options.profile,
                library=library,
                header=header,
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
    wall_start = time.perf_counter()
    options = options or RunOptions()
    spec_path = spec_path or default_spec_path()
    with contextlib.ExitStack() as cleanup:
        shared = None
        if options.jobs > 1 and not options.cold and not options.scheduler:
            # Started first: its imports take longer than reading the reports file (whose field offices come from
            # the data) and planning, and run on a core that is idle meanwhile. Closed early when unused.
            shared = _shared_fork_server(options.kernel_name, preload_modules(spec_path))
            cleanup.callback(_close_shared, shared)
        return _run_batch(spec_path, output_dir, options, sources, shared, wall_start)


def _run_batch(
    spec_path: Path,
    output_dir: Path | None,
    options: RunOptions,
    sources: Mapping[str, ForeachSource] | None,
    shared: ForkServer | None,
    wall_start: float,
) -> RunSummary:
    report_set = load_spec(spec_path, sources)
    overrides = dict(options.parameters or {})
    reports = select(report_set.reports, options.only, options.aor)
    if overrides:
        reports = [replace(r, parameters={**r.parameters, **overrides}) for r in reports]
    check_parameters(
        report_set, [r for r in report_set.reports if r.name not in {x.name for x in reports}], {}
    )
    check_parameters(report_set, reports, overrides)
    output_dir = (output_dir or config.reports_dir()).resolve()
    summary = RunSummary(selected=[r.name for r in reports], output_dir=output_dir)
    with RunLock(output_dir) as lock:
        provenance = batch_provenance()
        writer = SiteWriter(report_set, output_dir, provenance, lock)
        tasks, skipped = plan(report_set, reports, writer.manifest, options, provenance)
        summary.skipped = skipped
        by_name = {r.name: r for r in reports}
        bookkeeping = time.perf_counter() - wall_start
        stages: dict[str, float] = {}
        with tqdm(
            total=len(tasks), desc="reports", unit="report", disable=not options.progress or not tasks
        ) as bar:
            if len(tasks) < 2:  # nothing to run, or one report (run in this process): no use for it
                _close_shared(shared)
                shared = None
            for outcome in execute_tasks(
                tasks, jobs=max(1, options.jobs), scheduler=options.scheduler, shared=shared
            ):
                record_start = time.perf_counter()
                try:
                    entry = writer.record(by_name[outcome.name], outcome)
                    if entry.status == "stale":
                        summary.stale.append(outcome.name)
                except OSError:
                    outcome.status, outcome.error = (
                        "failed",
                        "could not write outputs:\n" + traceback.format_exc(),
                    )
                summary.executed.append(outcome.name)
                if "WARNING" in outcome.log or "[stderr]" in outcome.log:
                    summary.logged.append(outcome.name)
                if outcome.status != "ok":
                    summary.failed[outcome.name] = outcome.error or "failed"
                for stage, seconds in outcome.stages.items():
                    stages[stage] = stages.get(stage, 0.0) + seconds
                bar.set_postfix_str(f"{outcome.name} {outcome.status}")
                bar.update()
                bookkeeping += time.perf_counter() - record_start
        end_start = time.perf_counter()
        writer.write_index()
        stages["bookkeeping"] = bookkeeping + time.perf_counter() - end_start
    summary.stages = stages
    summary.wall = time.perf_counter() - wall_start
    return summary


def status_rows(spec_path: Path | None = None, output_dir: Path | None = None) -> list[dict[str, Any]]:
    """For `research reports list`: every report with its group, notebook and last status."""
    report_set = load_spec(spec_path or default_spec_path())
    manifest = Manifest.load((output_dir or config.reports_dir()).resolve())
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
