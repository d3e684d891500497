"""Run one report: execution, error detection, HTML rendering. Picklable for process pools and Dask.

Two engines: "warm" (research.reports.engine: a fresh kernel forked from this worker's fork server, started
ahead; one HTML exporter per worker) and "cold" (`--cold`, the old path: papermill starts a kernel for the
report and saves after each cell; a new exporter per page). Both give the same notebook outputs (a test and
benchmarks/reports.py check it with `research reports diff`).

Workers return the executed notebook and HTML as bytes; the coordinator writes them (atomically), so a worker
on another machine needs only the notebooks, the package and the data, not write access to `reports/`.
"""

from __future__ import annotations

import ast
import html
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat

from research.reports import render
from research.reports.provenance import footer_html, now_iso

KERNEL_START_ATTEMPTS = 2  # a kernel that fails to start is retried once


ENGINES = ("warm", "cold")


@dataclass
class Task:
    name: str
    title: str
    notebook: str  # absolute path of the .ipynb
    cwd: str
    parameters: dict[str, Any]
    kernel_name: str
    key: str
    provenance: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = 600.0
    start_timeout: float = 60.0
    engine: str = (
        "warm"  # "warm": fork-server kernels started ahead, shared exporter; "cold": papermill, as before
    )
    preload: tuple[str, ...] = ()  # modules the warm engine's fork server imports once
    profile: bool = False  # time the imports inside the kernel (benchmarks)
    library: str = ""  # hash of the research package: a warm worker restarts its fork server when it changes
    header: str = ""  # the site header of the page (relative links home and to each group)


@dataclass
class Outcome:
    name: str
    key: str
    status: str  # "ok" | "failed"
    started_at: str
    duration: float
    ipynb: bytes
    html: bytes
    error: str | None = None
    attempts: int = 1
    data_version: str = "unknown"  # what data/processed held where the report ran (read before and after)
    stages: dict[str, float] = field(default_factory=dict)  # seconds: kernel_start, imports, cells, ...
    files: dict[str, bytes] = field(default_factory=dict)  # downloads beside the page: relative name -> bytes
    summary: dict[str, Any] | None = None  # findings published for the front page (research.figures.findings)
    log: str = ""  # the run log: warnings and the kernel's stderr, never shown on the page


def parameters_cell(nb: Any) -> str | None:
    """Source of the cell tagged `parameters`, or None when the notebook has none."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else str(source)
    return None


def _assignments(source: str) -> list[tuple[str, ast.expr | None]]:
    """(name, value node) of each top-level `name = value` or `name: type = value` of a parameters cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[tuple[str, ast.expr | None]] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found.append((node.targets[0].id, node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found.append((node.target.id, node.value))
    return found


def declared_parameters(nb: Any) -> list[str] | None:
    """Names the parameters cell declares (in order); None when there is no parameters cell."""
    source = parameters_cell(nb)
    return None if source is None else [name for name, _ in _assignments(source)]


def notebook_defaults(nb: Any) -> dict[str, Any]:
    """Literal assignments of the cell tagged `parameters` (what the report ran with unless overridden)."""
    out: dict[str, Any] = {}
    for name, value in _assignments(parameters_cell(nb) or ""):
        if value is None:
            continue
        try:
            out[name] = ast.literal_eval(value)
        except ValueError:
            continue
    return out


def find_errors(nb: Any) -> list[str]:
    """Errors recorded in an executed notebook, including ones papermill lets pass.

    Counts every `error` output (papermill ignores e.g. `SystemExit(0)`), papermill's exception markers on
    cells or the notebook, and code cells that never ran because execution stopped early.
    """
    problems: list[str] = []
    if nb.get("metadata", {}).get("papermill", {}).get("exception"):
        problems.append("papermill marked the notebook as failed")
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            problems.append(f"cell {index}: papermill exception marker")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return problems


def unexecuted_cells(nb: Any) -> list[int]:
    return [
        i
        for i, cell in enumerate(nb.get("cells", []))
        if cell.get("cell_type") == "code"
        and "".join(cell.get("source", "")).strip()
        and cell.get("execution_count") is None
    ]


def _quiet_kernel_manager(log_path: Path, settings: dict[str, str] | None = None) -> type:
    """A kernel manager that sends the kernel's own stderr (start-up chatter) to a log file, not the terminal,
    and starts the kernel with the report's settings in its environment (research.reports.kernelsetup)."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw["env"] = {**(kw.get("env") or os.environ), **(settings or {})}
            with open(log_path, "ab") as handle:
                kw.setdefault("stderr", handle)
                await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        tail = path.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return ("\nkernel log:\n" + "\n".join(tail)) if tail else ""


def _execute_cold(task: Task, output: Path, settings: dict[str, str]) -> tuple[str | None, int]:
    """The old path (`--cold`): papermill starts a kernel for this report and saves after every cell."""
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel

    from research.reports import kernelsetup, stagetimer

    kernel_log = output.with_suffix(".kernel.log")
    lines = [kernelsetup.exec_line()]  # the settings are in the kernel's environment
    if task.profile:
        os.environ[stagetimer.STAGE_FILE_ENV] = str(output.with_suffix(".imports"))
        lines.insert(0, stagetimer.EXEC_LINE)
    extra: dict[str, Any] = {"extra_arguments": [f"--IPKernelApp.exec_lines={lines!r}"]}
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        output.unlink(missing_ok=True)
        try:
            papermill.execute_notebook(
                task.notebook,
                str(output),
                parameters=task.parameters,
                kernel_name=task.kernel_name,
                cwd=task.cwd,
                execution_timeout=task.timeout,
                start_timeout=task.start_timeout,
                progress_bar=False,
                log_output=False,
                kernel_manager_class=_quiet_kernel_manager(kernel_log, settings),
                **extra,
            )
            return None, attempt
        except papermill.PapermillExecutionError as exc:
            return f"{exc.ename}: {exc.evalue} (cell {exc.exec_count})", attempt
        except NoSuchKernel:
            return f"kernel {task.kernel_name!r} is not installed (run `make setup`)", attempt
        except Exception as exc:  # noqa: BLE001 - any other failure is reported, not raised
            started = output.exists() and any(
                c.get("execution_count") is not None for c in nbformat.read(output, as_version=4).cells
            )
            if not started and attempt < KERNEL_START_ATTEMPTS:
                continue  # the kernel did not come up: try once more
            kind = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            return f"{kind}: {exc}{_log_tail(kernel_log)}", attempt
        finally:
            os.environ.pop(stagetimer.STAGE_FILE_ENV, None)
    raise AssertionError("unreachable")


def _cold_stages(nb: Any, total: float, imports_file: Path) -> dict[str, float]:
    """Split papermill's run into kernel start, cells and its own overhead, from its timing metadata."""
    from research.reports import stagetimer

    def stamp(value: Any) -> float | None:
        try:
            return datetime.fromisoformat(str(value)).timestamp()
        except ValueError:
            return None

    started = stamp(nb.metadata.get("papermill", {}).get("start_time"))
    cells = [c.metadata.get("papermill", {}) for c in nb.cells if c.cell_type == "code"]
    first = next((stamp(c.get("start_time")) for c in cells if c.get("start_time")), None)
    kernel_start = first - started if started is not None and first is not None else 0.0
    run = sum(float(c.get("duration") or 0.0) for c in cells)
    return {
        "kernel_start": kernel_start,
        "cells": run,
        "imports": stagetimer.read(str(imports_file)),
        "notebook_io": max(0.0, total - kernel_start - run),
    }


def run_task(task: Task) -> Outcome:
    """Execute and render one report; never raises for a notebook failure."""
    from jupyter_client.kernelspec import NoSuchKernel

    from research.reports import engine, kernelsetup
    from research.reports.provenance import read_data_version

    started_at = now_iso()
    start = time.perf_counter()
    data_before = read_data_version()
    workdir = Path(tempfile.mkdtemp(prefix=f"research-report-{task.name}-"))
    stages: dict[str, float] = {}
    try:
        output = workdir / f"{task.name}.ipynb"
        settings = report_settings(task.name, workdir)
        if task.engine == "cold":
            run_start = time.perf_counter()
            error, attempts = _execute_cold(task, output, settings)
            run_time = time.perf_counter() - run_start
            io_start = time.perf_counter()
            if output.exists():
                nb = nbformat.read(output, as_version=4)
            else:  # nothing was written: keep the source notebook so the page still shows what was run
                nb = nbformat.read(task.notebook, as_version=4)
            stages = _cold_stages(nb, run_time, output.with_suffix(".imports"))
            stages["notebook_io"] += time.perf_counter() - io_start
        else:
            try:
                nb, error, attempts, stages = engine.execute(
                    task.notebook,
                    task.parameters,
                    kernel_name=task.kernel_name,
                    cwd=task.cwd,
                    timeout=task.timeout,
                    start_timeout=task.start_timeout,
                    preload=task.preload,
                    profile=task.profile,
                    library=task.library,
                    setup=kernelsetup.exec_line(settings),
                )
            except NoSuchKernel:
                nb = nbformat.read(task.notebook, as_version=4)
                error, attempts = f"kernel {task.kernel_name!r} is not installed (run `make setup`)", 1
            except Exception as exc:  # noqa: BLE001 - e.g. the fork server died: this report fails, not the run
                nb = nbformat.read(task.notebook, as_version=4)
                error, attempts = f"{type(exc).__name__}: {exc}", 1
        if "cells" in stages and "imports" in stages:
            stages["cells"] = max(0.0, stages["cells"] - stages["imports"])
        if error is None:
            hidden = find_errors(nb)
            skipped = unexecuted_cells(nb)
            if hidden:
                error = "error in output: " + "; ".join(hidden)
            elif skipped:
                error = f"cells {skipped} did not run"
        data_after = read_data_version()
        used = str(data_after["data_version"])
        if data_before["data_version"] != used:
            error = _join(
                error,
                f"data/processed changed during the run (data version {data_before['data_version']} -> {used})",
            )
        expected = str(task.provenance.get("data", {}).get("data_version", used))
        if used != expected:
            error = _join(
                error,
                f"this worker read data version {used} from {data_after.get('file')}, but the run is for "
                f"data version {expected}: the worker has other processed data",
            )
        duration = time.perf_counter() - start
        parameters = {**notebook_defaults(nbformat.read(task.notebook, as_version=4)), **task.parameters}
        footer = footer_html(
            parameters=parameters,
            provenance={**task.provenance, "data": data_after},
            started_at=started_at,
            duration=duration,
            kernel=task.kernel_name,
            notebook=Path(task.notebook).name,
        )
        try:
            files = collect_files(Path(settings[DOWNLOADS_DIR_ENV]))
        except OSError as exc:
            files, error = {}, _join(error, f"downloads not collected: {exc}")
        render_start = time.perf_counter()
        shown, summary, stderr = page_notebook(nb)
        exporter = render.shared_exporter() if task.engine == "warm" else None
        try:
            page = render.render_html(
                shown, title=task.title, footer=footer, error=error, exporter=exporter, header=task.header
            )
        except Exception as exc:  # noqa: BLE001 - a rendering failure fails this report only
            error = _join(error, f"HTML rendering failed: {type(exc).__name__}: {exc}")
            page = (
                f"<!DOCTYPE html><html><head><title>{html.escape(task.title)}</title></head>"
                f"<body>{task.header}<pre>{html.escape(error)}</pre>{footer}</body></html>"
            )
        stages["render"] = time.perf_counter() - render_start
        io_start = time.perf_counter()
        ipynb = nbformat.writes(nb).encode("utf-8")
        stages["notebook_io"] = stages.get("notebook_io", 0.0) + time.perf_counter() - io_start
        total = time.perf_counter() - start
        stages["worker_other"] = max(0.0, total - sum(stages.values()))
        return Outcome(
            name=task.name,
            key=task.key,
            status="failed" if error else "ok",
            started_at=started_at,
            duration=total,
            ipynb=ipynb,
            html=page.encode("utf-8"),
            error=error,
            attempts=attempts,
            data_version=used,
            stages=stages,
            files=files,
            summary=summary,
            log=_read_log(Path(settings[kernelsetup.LOG_ENV])) + stderr,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# The kernel-side names (research.figures.downloads); repeated here so workers need not import the figures layer.
DOWNLOADS_DIR_ENV = "RESEARCH_DOWNLOADS_DIR"
DOWNLOADS_HREF_ENV = "RESEARCH_DOWNLOADS_HREF"
FINDINGS_MIME = "application/vnd.research.findings+json"
MAX_DOWNLOAD_BYTES = 50_000_000  # per report: a runaway notebook must not fill the site


def report_settings(name: str, workdir: Path) -> dict[str, str]:
    """The environment a report's kernel gets (research.reports.kernelsetup): its downloads folder, the
    downloads' link prefix relative to the page (`html/<name>.html` links `<name>/file.csv`) and its run log."""
    from urllib.parse import quote

    from research.reports.kernelsetup import LOG_ENV

    downloads = workdir / "downloads"
    downloads.mkdir()
    return {
        DOWNLOADS_DIR_ENV: str(downloads),
        DOWNLOADS_HREF_ENV: quote(name) + "/",
        LOG_ENV: str(workdir / "report.log"),
    }


def collect_files(folder: Path) -> dict[str, bytes]:
    """Every finished file the kernel wrote into its downloads folder (temp files, dotfiles and links skipped)."""
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        relative = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        data = path.read_bytes()
        total += len(data)
        if total > MAX_DOWNLOAD_BYTES:
            raise OSError(f"downloads of this report exceed {MAX_DOWNLOAD_BYTES:,} bytes")
        files[relative.as_posix()] = data
    return files


def _read_log(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def page_notebook(nb: Any) -> tuple[Any, dict[str, Any] | None, str]:
    """What the page shows of an executed notebook, what it publishes for the front page, and its stderr.

    Returns a copy without the findings output (collected as the summary), without stderr streams (warnings
    and library chatter go to the run log, never to readers) and without code cells left with no output; the
    executed notebook itself keeps everything.
    """
    import copy

    shown = copy.deepcopy(nb)
    summary: dict[str, Any] | None = None
    stderr: list[str] = []
    for cell in shown.get("cells", []):
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = output.get("text", "")
                stderr.append("".join(text) if isinstance(text, list) else str(text))
                continue
            data = output.get("data", {})
            if FINDINGS_MIME in data:
                value = data[FINDINGS_MIME]
                if isinstance(value, dict):
                    summary = _merge_summary(summary, value)
                continue
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    # Code is hidden on pages: a code cell without output would only add an empty block.
    shown["cells"] = [c for c in shown.get("cells", []) if c.get("cell_type") != "code" or c.get("outputs")]
    log = "".join(f"[stderr] {text}" if text.endswith("\n") else f"[stderr] {text}\n" for text in stderr)
    return shown, summary, log


def _merge_summary(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return {"findings": list(new.get("findings", [])), "sources": list(new.get("sources", []))}
    return {
        "findings": old["findings"] + list(new.get("findings", [])),
        "sources": old["sources"] + list(new.get("sources", [])),
    }


def _join(error: str | None, more: str) -> str:
    return f"{error}; {more}" if error else more
