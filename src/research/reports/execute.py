"""Run one report: papermill execution, error detection, HTML rendering. Picklable for process pools and Dask.

Workers return the executed notebook and HTML as bytes; the coordinator writes them (atomically), so a worker
on another machine needs only the notebooks, the package and the data, not write access to `reports/`.
"""

from __future__ import annotations

import ast
import html
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from research.reports.provenance import footer_html, now_iso
from research.reports.render import render_html

KERNEL_START_ATTEMPTS = 2  # a kernel that fails to start is retried once


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


def notebook_defaults(nb: Any) -> dict[str, Any]:
    """Literal assignments of the cell tagged `parameters` (what the report ran with unless overridden)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse("".join(cell.get("source", "")))
            except SyntaxError:
                return {}
            out: dict[str, Any] = {}
            for node in tree.body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    try:
                        out[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue
            return out
    return {}


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


def _quiet_kernel_manager(log_path: Path) -> type:
    """A kernel manager that sends the kernel's own stderr (start-up chatter) to a log file, not the terminal."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
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


def _execute(task: Task, output: Path) -> tuple[str | None, int]:
    """Run papermill; return (error message or None, attempts)."""
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel

    kernel_log = output.with_suffix(".kernel.log")
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
                kernel_manager_class=_quiet_kernel_manager(kernel_log),
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
    raise AssertionError("unreachable")


def run_task(task: Task) -> Outcome:
    """Execute and render one report; never raises for a notebook failure."""
    started_at = now_iso()
    start = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix=f"research-report-{task.name}-"))
    try:
        output = workdir / f"{task.name}.ipynb"
        error, attempts = _execute(task, output)
        if output.exists():
            nb = nbformat.read(output, as_version=4)
        else:  # nothing was written: keep the source notebook so the page still shows what was run
            nb = nbformat.read(task.notebook, as_version=4)
        if error is None:
            hidden = find_errors(nb)
            skipped = unexecuted_cells(nb)
            if hidden:
                error = "error in output: " + "; ".join(hidden)
            elif skipped:
                error = f"cells {skipped} did not run"
        duration = time.perf_counter() - start
        parameters = {**notebook_defaults(nbformat.read(task.notebook, as_version=4)), **task.parameters}
        footer = footer_html(
            parameters=parameters,
            provenance=task.provenance,
            started_at=started_at,
            duration=duration,
            kernel=task.kernel_name,
            notebook=Path(task.notebook).name,
        )
        try:
            page = render_html(nb, title=task.title, footer=footer, error=error)
        except Exception as exc:  # noqa: BLE001 - a rendering failure fails this report only
            error = f"{error + '; ' if error else ''}HTML rendering failed: {type(exc).__name__}: {exc}"
            page = (
                f"<!DOCTYPE html><html><head><title>{html.escape(task.title)}</title></head>"
                f"<body><pre>{html.escape(error)}</pre>{footer}</body></html>"
            )
        return Outcome(
            name=task.name,
            key=task.key,
            status="failed" if error else "ok",
            started_at=started_at,
            duration=time.perf_counter() - start,
            ipynb=nbformat.writes(nb).encode("utf-8"),
            html=page.encode("utf-8"),
            error=error,
            attempts=attempts,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
