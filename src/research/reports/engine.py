"""Warm execution of one report: a fresh kernel from the worker's pool, cells run with nbclient, no re-reads.

Per worker process (serial run, pool worker or Dask worker) this module keeps one event loop, one `KernelPool`
(fork server plus a kernel started ahead) and nothing else across reports. Each report:
parameterise (papermill's injected-parameters cell and metadata) -> take a kernel no one used -> run the cells ->
kill the kernel -> start the next one while the caller renders HTML. Errors end the run at the failing cell, as
with papermill.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import shutil
import tempfile
import threading
import time
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import NoSuchKernel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from research.reports import render, stagetimer
from research.reports.kernels import KernelPool

KERNEL_START_ATTEMPTS = 2
START_TIMEOUT = 60.0


class _Worker:
    """Everything a worker process keeps between reports (event loop, kernel pool); created on first use."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.workdir = Path(tempfile.mkdtemp(prefix="research-kernels-"))
        self.pools: dict[tuple[str, tuple[str, ...], bool, str], KernelPool] = {}
        self.shared_server: tuple[str, tuple[str, ...]] | None = None  # (socket address, modules it preloads)
        self.closed = False
        atexit.register(self.close)
        # Pool workers leave through os._exit, which skips atexit but runs multiprocessing's finalizers.
        Finalize(None, self.close, exitpriority=10)

    def pool(self, kernel_name: str, preload: tuple[str, ...], profile: bool, library: str) -> KernelPool:
        """The kernel pool for these settings. A fork server holds the library as it was when it started, so
        a changed library (or preload list) gets a new server. The batch's shared server (`use_shared_server`)
        is used when it preloads the same modules."""
        key = (kernel_name, preload, profile, library)
        if key not in self.pools:
            for old in list(self.pools):  # one pool at a time
                self.loop.run_until_complete(self.pools.pop(old).close())
            shared = (
                self.shared_server[0] if self.shared_server and self.shared_server[1] == preload else None
            )
            self.pools[key] = KernelPool(
                kernel_name,
                self.workdir,
                list(preload),
                extra_arguments=profile_arguments() if profile else [],
                stage_files=profile,
                shared_server=shared,
                loop=self.loop,
            )
        return self.pools[key]

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for pool in self.pools.values():
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(pool.close())
        self.pools.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


_LOCAL = threading.local()  # one worker state per thread: Dask runs tasks in several threads of a process


def profile_arguments() -> list[str]:
    """Kernel arguments that install the import timer (research.reports.stagetimer) at kernel start."""
    return [f"--IPKernelApp.exec_lines={[stagetimer.EXEC_LINE]!r}"]


def worker() -> _Worker:
    if getattr(_LOCAL, "worker", None) is None:
        _LOCAL.worker = _Worker()
    return _LOCAL.worker  # type: ignore[no-any-return]


def use_shared_server(address: str, preload: tuple[str, ...]) -> None:
    """Take kernels from the fork server listening at `address` (started by the batch for all its workers, with
    `preload` imported) instead of starting one in this process."""
    worker().shared_server = (address, preload)


def start_ahead(kernel_name: str, preload: tuple[str, ...], cwd: str, profile: bool, library: str) -> None:
    """Start this process's fork server (or connect to the batch's) and first kernel now (called when a pool
    worker starts)."""
    w = worker()
    with contextlib.suppress(NoSuchKernel):
        pool = w.pool(kernel_name, preload, profile, library)
        pool.prepare(cwd, START_TIMEOUT)
        warm_up()  # while the fork server is still importing: what this worker's first report would pay
        w.loop.run_until_complete(pool.ready())


def warm_up() -> None:
    """Import what running a report imports on first use, read the data version and compile the page templates.

    Whatever this imports must leave the environment as it is: a kernel started ahead with an environment that no
    longer matches the report's is replaced (`KernelPool.take`). pandera, for one, sets environment variables on
    import; a worker never imports it (see `provenance.read_data_version`).
    """
    import papermill.execute  # noqa: F401
    import papermill.iorw  # noqa: F401
    import papermill.parameterize  # noqa: F401

    from research.reports.provenance import read_data_version

    read_data_version()
    render.warm_up()


def parameterize(notebook: str, parameters: dict[str, Any], kernel_name: str) -> Any:
    """The notebook as papermill would run it: injected-parameters cell and `metadata.papermill`."""
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(notebook)
    if parameters:
        nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name)
    nb = prepare_notebook_metadata(nb, notebook, None)
    return remove_error_markers(nb)


def execute(
    notebook: str,
    parameters: dict[str, Any],
    *,
    kernel_name: str,
    cwd: str,
    timeout: float | None,
    start_timeout: float,
    preload: tuple[str, ...],
    profile: bool,
    library: str = "",
    setup: str | None = None,
) -> tuple[Any, str | None, int, dict[str, float]]:
    """Run the notebook in a fresh kernel; return (executed nb, error or None, attempts, stage seconds).

    `setup`: one line of code run silently in the kernel before the first cell (the report's settings, see
    research.reports.kernelsetup); it leaves no output, no history and no execution count.
    """
    w = worker()
    pool = w.pool(kernel_name, preload, profile, library)
    return w.loop.run_until_complete(
        _execute(pool, notebook, parameters, kernel_name, cwd, timeout, start_timeout, setup)
    )


async def _execute(
    pool: KernelPool,
    notebook: str,
    parameters: dict[str, Any],
    kernel_name: str,
    cwd: str,
    timeout: float | None,
    start_timeout: float,
    setup: str | None = None,
) -> tuple[Any, str | None, int, dict[str, float]]:
    stages: dict[str, float] = {}
    start = time.perf_counter()
    nb = parameterize(notebook, parameters, kernel_name)
    stages["notebook_io"] = time.perf_counter() - start

    start = time.perf_counter()
    km = kc = None
    attempts = 0
    for attempts in range(1, KERNEL_START_ATTEMPTS + 1):  # noqa: B007 - reported as `attempts`
        try:
            km, kc = await pool.take(cwd, start_timeout)
            break
        except (RuntimeError, TimeoutError) as exc:
            if attempts == KERNEL_START_ATTEMPTS:
                tail = _log_tail(pool.last_log)
                return nb, f"{type(exc).__name__}: kernel did not start: {exc}{tail}", attempts, stages
    assert km is not None and kc is not None
    stages["kernel_start"] = time.perf_counter() - start
    pool.prepare(cwd, start_timeout)  # the next report's kernel starts while this one runs

    client = NotebookClient(
        nb,
        km=km,
        kernel_name=kernel_name,
        timeout=timeout,
        startup_timeout=int(start_timeout),
        resources={"metadata": {"path": cwd}},
    )
    client.kc = kc
    client.reset_execution_trackers()
    error: str | None = None
    start = time.perf_counter()
    try:
        info = await client.async_wait_for_reply(await _maybe(kc.kernel_info()))
        if info is not None and "language_info" in info["content"]:
            nb.metadata["language_info"] = info["content"]["language_info"]
        if setup:
            msg_id = await _maybe(kc.execute(setup, silent=True, store_history=False))
            reply = await client.async_wait_for_reply(msg_id)
            if reply is not None and reply["content"].get("status") != "ok":
                content = reply["content"]
                error = f"report setup failed: {content.get('ename')}: {content.get('evalue')}"
                return nb, error, attempts, stages
        for index, cell in enumerate(nb.cells):
            try:
                await client.async_execute_cell(cell, index)
            except CellExecutionError as exc:
                error = f"{exc.ename}: {exc.evalue} (cell {cell.get('execution_count')})"
                break
    except CellTimeoutError as exc:
        error = f"timeout: {exc}"
    except DeadKernelError as exc:
        error = f"DeadKernelError: {exc}{_log_tail(km.kernel_log)}"
    finally:
        stages["cells"] = time.perf_counter() - start
        if km.stage_file is not None:
            stages["imports"] = stagetimer.read(str(km.stage_file))
        kc.stop_channels()
        pool.retire(km)
    return nb, error, attempts, stages


async def _maybe(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


def _log_tail(path: Path | None, lines: int = 5) -> str:
    if path is None:
        return ""
    try:
        tail = path.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return ("\nkernel log:\n" + "\n".join(tail)) if tail else ""
