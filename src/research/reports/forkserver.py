"""A kernel fork server: import the heavy modules once, then fork one fresh IPython kernel per report.

Starting a kernel costs a Python start, the ipykernel import and, in the first cells, the imports of pandas,
matplotlib, seaborn, statsmodels and `research` (about 3 s of CPU per report, more than the analysis itself).
This process pays that once: it imports those modules (nothing else: no data is loaded, no figure drawn, no
thread started), then waits for requests on stdin. Each request forks a child that becomes an ordinary kernel
(`ipykernel` with the connection file of the request) in its own session, working directory and environment.
Every report gets its own child, so nothing one report does reaches another: the children start from the same
untouched image of imported modules, as if each had imported them itself.

Protocol (one JSON object per line): the server writes {"ready": true, ...} once the imports are done; each
request {"argv": [...], "cwd": str, "env": {...}, "log": path} is answered by {"pid": int} or {"error": str}.
When stdin closes (the worker exited or died) the server kills its kernels and exits; each kernel is also
killed by the OS if the server dies (Linux parent-death signal).

Run as `python -m research.reports.forkserver PARENT_PID MODULE...`.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import signal
import sys
from typing import Any

# The inline backend is what ipykernel selects for every kernel; setting it before matplotlib is imported makes
# the preloaded pyplot pick it without probing GUI toolkits. BLAS/OpenMP pools stay single-threaded: a fork
# must not copy a process with worker threads, and `--jobs N` already keeps every core busy.
SERVER_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",  # pyarrow's jemalloc would start a thread at import
    "_RJEM_MALLOC_CONF": "background_thread:false",  # polars' jemalloc, the same (if a notebook imports polars)
}
# Optional modules that other packages import when installed and that start native threads on import: polars
# (statsmodels tries it) starts its allocator's and its out-of-core cleaner's threads. A fork copies only the
# calling thread, so the server keeps them out while it imports, unless a notebook imports one itself; afterwards
# the block is lifted, so a kernel can still import them.
THREAD_STARTING_OPTIONAL = ("polars",)
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent exits; exit now if the parent is already gone."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def native_threads() -> int:
    """Threads of this process (Linux /proc); 1 elsewhere."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _reap(*_: Any) -> None:
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, _status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return


def _become_kernel(request: dict[str, Any], server_pid: int) -> None:
    """In the forked child: detach, redirect output, take the request's cwd/env/argv, run ipykernel. Never returns."""
    code = 1
    try:
        os.setsid()  # own session: a Ctrl-C in the terminal interrupts the batch, not the kernels directly
        die_with_parent(server_pid)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        os.chdir(request["cwd"])
        # As `python -m ipykernel_launcher`, which takes its start folder off sys.path (ipykernel then adds
        # '', the working directory) and has its file as argv[0]: the server's folder must not stay importable.
        if sys.path and sys.path[0] == _SERVER_PATH0:
            del sys.path[0]
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(server_pid)  # ipykernel also exits when the server is gone
        gc.unfreeze()
        _reseed()
        argv = list(request["argv"])
        sys.argv = [_launcher_file(), *argv[1:]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=argv[1:])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - report to the kernel log, then leave without touching the server
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


_SERVER_PATH0 = sys.path[0] if sys.path else ""


def _launcher_file() -> str:
    import importlib.util

    spec = importlib.util.find_spec("ipykernel_launcher")
    return spec.origin if spec and spec.origin else "ipykernel_launcher"


class ZMQInteractiveShell:
    """Stands in for the kernel's shell while modules are imported, for modules that look at it on import.

    pandas, for one, sets `display.max_columns` to 20 inside a kernel and to 0 (terminal width) outside: the
    preloaded modules must be imported as they would be in the kernel they will run in.
    """

    kernel = None


def _import_as_in_a_kernel(entries: list[str]) -> list[str]:
    import builtins

    failed = []
    wanted = {entry.rstrip("?").split(".")[0] for entry in entries}
    blocked = [m for m in THREAD_STARTING_OPTIONAL if m not in wanted and m not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # `import polars` raises ImportError meanwhile
    builtins.get_ipython = ZMQInteractiveShell  # type: ignore[attr-defined]
    try:
        for entry in entries:
            name = entry.rstrip("?")  # "a.b.c?": `from a.b import c`, where c may be a name, not a module
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if not (entry.endswith("?") and exc.name == name):
                    failed.append(f"{name}: {exc}")
            except Exception as exc:  # noqa: BLE001 - a notebook importing it will report the error itself
                failed.append(f"{name}: {type(exc).__name__}: {exc}")
    finally:
        del builtins.get_ipython  # type: ignore[attr-defined]
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return failed


def _reseed() -> None:
    """A fresh process draws new seeds from the OS; a forked one would repeat the server's: draw them anew."""
    import random

    random.seed()
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()


def serve(parent_pid: int, modules: list[str]) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the batch, which closes our stdin
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    failed = _import_as_in_a_kernel(["ipykernel.kernelapp", *modules])
    gc.collect()
    gc.freeze()  # keep the imported objects out of later collections, so children share their pages
    signal.signal(signal.SIGCHLD, _reap)
    out = sys.stdout
    server_pid = os.getpid()
    print(json.dumps({"ready": True, "threads": native_threads(), "failed": failed}), file=out, flush=True)
    children: set[int] = set()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            sys.stderr.flush()
            pid = os.fork()
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the server
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), file=out, flush=True)
            continue
        if pid == 0:
            _become_kernel(request, server_pid)
        children.add(pid)
        print(json.dumps({"pid": pid}), file=out, flush=True)
    for pid in children:  # stdin closed: the worker is gone or done
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2:])
