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
Requests come on stdin from the process that started the server; with `--listen PATH` also from connections on
that Unix socket (a parallel batch starts one server for all its worker processes, so the imports are paid once).
When stdin closes (the batch or worker is done, or died) the server kills its kernels and exits; when a
connection closes, the kernels forked for it are killed; each kernel is also killed by the OS if the server dies
(Linux parent-death signal).

Run as `python -m research.reports.forkserver PARENT_PID [--listen PATH] MODULE...`.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import selectors
import signal
import socket
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
# the block is lifted, so a kernel can still import them. What looked for them at import keeps its answer: in a
# forked kernel statsmodels does not treat polars frames as data (no notebook here passes it any).
THREAD_STARTING_OPTIONAL = ("polars",)
# What an ipykernel imports while it starts (ipykernel 7, IPython 9), imported once here instead of in every kernel.
# The debugger's import is most of it: debugpy checks every module already loaded, about 0.2 s of CPU per kernel
# once pandas and the rest are in. "a.b?" marks a module another version may not have (see _import_as_in_a_kernel).
KERNEL_STARTUP_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.debugger?",
    "IPython.core.completerlib?",
    "IPython.core.oinspect?",
    "IPython.extensions.storemagic?",
    "IPython.utils.wildcard?",
    "sqlite3",
    "tornado.platform.asyncio",
)
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


_LIVE: set[int] = (
    set()
)  # kernels forked and not yet reaped: only these may be killed (a reaped pid can be reused)


# Environment variables the preloaded modules set on import (pandera's, debugpy's): a kernel importing them itself
# would have them, so each forked kernel gets them on top of the environment it was asked for.
_IMPORTED_ENV: dict[str, str] = {}


def _reap(*_: Any) -> None:
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, _status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            _LIVE.discard(pid)


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
        os.environ.update(_IMPORTED_ENV)  # as if the preloaded modules had been imported in this process
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


class _Client:
    """One source of requests: the owner's stdin/stdout, or a connection on the listening socket."""

    def __init__(self, read_fd: int, write: Any) -> None:
        self.read_fd = read_fd
        self.write = write  # bytes -> None
        self.buffer = b""
        self.kernels: set[int] = set()


def _kill(pids: set[int]) -> None:
    for pid in pids & _LIVE:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _listen(path: str) -> socket.socket:
    """A Unix socket at `path`, listening before the imports start, so clients can connect (and wait) at once."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)  # only this user may ask for kernels
    listener.listen(16)
    return listener


def serve(parent_pid: int, modules: list[str], listen: str | None = None) -> None:
    """Import `modules`, then fork a kernel per request until stdin closes.

    Requests come on stdin (answers on stdout) and, with `listen`, from any number of connections on that Unix
    socket (each is first sent the ready line). Kernels forked for a connection are killed when it closes (its
    worker exited or died); all kernels are killed when stdin closes.
    """
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the batch, which closes our stdin
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    listener = _listen(listen) if listen else None
    before = dict(os.environ)
    failed = _import_as_in_a_kernel([*KERNEL_STARTUP_MODULES, *modules])
    _IMPORTED_ENV.update({k: v for k, v in os.environ.items() if before.get(k) != v})
    gc.collect()
    gc.freeze()  # keep the imported objects out of later collections, so children share their pages
    signal.signal(signal.SIGCHLD, _reap)
    server_pid = os.getpid()
    ready = (
        json.dumps({"ready": True, "pid": server_pid, "threads": native_threads(), "failed": failed}) + "\n"
    ).encode()

    def to_stdout(data: bytes) -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()

    owner = _Client(sys.stdin.fileno(), to_stdout)
    owner.write(ready)
    clients: dict[int, _Client] = {owner.read_fd: owner}
    connections: dict[int, socket.socket] = {}
    selector = selectors.DefaultSelector()
    selector.register(owner.read_fd, selectors.EVENT_READ)
    if listener is not None:
        selector.register(listener.fileno(), selectors.EVENT_READ)
    try:
        while owner.read_fd in clients:
            for selected, _events in selector.select():
                fd = int(selected.fd)
                if listener is not None and fd == listener.fileno():
                    try:
                        connection, _ = listener.accept()
                    except OSError:  # e.g. out of file descriptors: refuse this one, serve the others
                        continue
                    connections[connection.fileno()] = connection
                    client = _Client(connection.fileno(), connection.sendall)
                    clients[client.read_fd] = client
                    selector.register(client.read_fd, selectors.EVENT_READ)
                    with contextlib.suppress(OSError):
                        client.write(ready)
                    continue
                client = clients[fd]
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    data = b""
                if not data:  # the owner is done, or a worker exited or died: its kernels go too
                    selector.unregister(fd)
                    del clients[fd]
                    _kill(client.kernels)
                    if fd in connections:
                        connections.pop(fd).close()
                    continue
                client.buffer += data
                while b"\n" in client.buffer:
                    line, client.buffer = client.buffer.split(b"\n", 1)
                    inherited = [c.fileno() for c in connections.values()]
                    if listener is not None:
                        inherited.append(listener.fileno())
                    _answer(client, line, server_pid, inherited)
    finally:
        for client in clients.values():
            _kill(client.kernels)
        _kill(owner.kernels)
        if listener is not None:
            listener.close()
            with contextlib.suppress(OSError):
                os.unlink(str(listen))


def _answer(client: _Client, line: bytes, server_pid: int, inherited: list[int]) -> None:
    """Fork a kernel for one request line and tell the client its pid (or what went wrong)."""
    try:
        request = json.loads(line)
        sys.stderr.flush()
        pid = os.fork()
    except Exception as exc:  # noqa: BLE001 - one bad request must not end the server
        reply: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}"}
    else:
        if pid == 0:
            for fd in inherited:  # the child must not hold the server's sockets open
                with contextlib.suppress(OSError):
                    os.close(fd)
            _become_kernel(request, server_pid)
        _LIVE.add(pid)
        client.kernels.add(pid)
        reply = {"pid": pid}
    with contextlib.suppress(OSError):
        client.write((json.dumps(reply) + "\n").encode())


def main(argv: list[str]) -> None:
    """`PARENT_PID [--listen PATH] MODULE...`"""
    parent, rest = int(argv[0]), argv[1:]
    listen = None
    if rest[:1] == ["--listen"]:
        listen, rest = rest[1], rest[2:]
    serve(parent, rest, listen)


if __name__ == "__main__":
    main(sys.argv[1:])
