"""Fresh kernels, started ahead of need: a fork server per worker process and one spare kernel in waiting.

`KernelPool.take(cwd)` hands out a kernel that is already starting (or started) and never hands it out again;
after each report the pool forks the next one, so its start-up overlaps with rendering the finished report.
Kernels come from `research.reports.forkserver` (modules imported once, one fork per kernel) when the kernelspec
runs ipykernel with the same Python; any other kernelspec is started the ordinary way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

READY_TIMEOUT = 120.0  # the server imports pandas, matplotlib, statsmodels...: slow on a loaded machine
CONNECT_TIMEOUT = 5.0  # a shared server's socket appears once its Python has started


class ForkServerError(RuntimeError):
    """The fork server did not start or did not answer."""


class ForkedProcess:
    """What jupyter_client's LocalProvisioner needs of a `subprocess.Popen`, for a kernel forked by the server.

    The kernel is the server's child, not ours: the server reaps it, so "gone from /proc" means it exited.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
                with open(f"/proc/{self.pid}/stat", "rb") as stat:
                    if stat.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                        self.returncode = -1
            except (ProcessLookupError, FileNotFoundError):
                self.returncode = -1
            except OSError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.01)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """One `python -m research.reports.forkserver` child: preloads `modules`, forks kernels on request.

    With `listen` (a socket path) other processes can ask it for kernels too (`SharedForkServer`).
    """

    def __init__(self, python: list[str], modules: list[str], log: Path, listen: Path | None = None) -> None:
        self.python = python
        self.modules = list(modules)
        self.log = log
        self.address = str(listen) if listen else None
        where = ["--listen", self.address] if self.address else []
        with open(log, "ab") as err:
            self.process = subprocess.Popen(
                [*python, "-m", "research.reports.forkserver", str(os.getpid()), *where, *modules],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.ready_info: dict[str, Any] | None = None
        self.broken = False

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        readable, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if readable else b""
        if not line:
            raise ForkServerError(f"kernel fork server gave no answer (see {self.log})")
        return dict(json.loads(line))

    def _send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> dict[str, Any]:
        if self.ready_info is None:
            self.ready_info = self._read(timeout)
        return self.ready_info

    def fork(self, argv: list[str], cwd: str, env: dict[str, str], log: Path) -> ForkedProcess:
        self.wait_ready()
        request = {"argv": argv, "cwd": cwd, "env": env, "log": str(log)}
        try:
            self._send(json.dumps(request).encode() + b"\n")
        except OSError as exc:
            raise ForkServerError(f"kernel fork server is gone: {exc}") from None
        reply = self._read(30.0)
        if "pid" not in reply:
            raise ForkServerError(f"kernel fork server could not fork: {reply.get('error')}")
        return ForkedProcess(int(reply["pid"]))

    def close(self, stop_importing: bool = False) -> None:
        """Close stdin (the server then kills its kernels and exits) and wait briefly.

        `stop_importing`: a server still importing (it has forked nothing yet) is killed rather than waited for.
        """
        still_importing = (
            stop_importing
            and self.ready_info is None
            and self.process.stdout is not None
            and not select.select([self.process.stdout], [], [], 0)[0]  # no ready line yet
        )
        if still_importing:
            self.process.kill()
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class SharedForkServer(ForkServer):
    """A connection to a fork server another process started with `listen` (one server for a parallel batch).

    Same interface as `ForkServer`; closing the connection makes the server kill the kernels forked for it.
    """

    def __init__(self, address: str, log: Path, connect_timeout: float = CONNECT_TIMEOUT) -> None:
        # not super().__init__: that starts a server
        self.python = []
        self.modules = []
        self.log = log
        self.address = address
        self.ready_info = None
        self.broken = False
        self.socket = self._connect(address, connect_timeout)
        self.stream = self.socket.makefile("rb")

    @staticmethod
    def _connect(address: str, timeout: float) -> socket.socket:
        """Connect, retrying while the server is still starting (its socket appears after Python starts)."""
        deadline = time.monotonic() + timeout
        while True:
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                client.connect(address)
                return client
            except OSError as exc:
                client.close()
                if time.monotonic() >= deadline:
                    raise ForkServerError(f"no kernel fork server at {address}: {exc}") from None
                time.sleep(0.05)

    def _read(self, timeout: float) -> dict[str, Any]:
        readable, _, _ = select.select([self.socket], [], [], timeout)
        line = self.stream.readline() if readable else b""
        if not line:
            raise ForkServerError(f"shared kernel fork server at {self.address} gave no answer")
        return dict(json.loads(line))

    def _send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def alive(self) -> bool:
        """The connection is open and the server has not closed its end (a dead server that its parent has not
        reaped yet still answers `kill(pid, 0)`; its socket does not)."""
        if self.socket.fileno() < 0:
            return False
        try:
            readable, _, _ = select.select([self.socket], [], [], 0)
            # The server writes only in answer to a request: anything readable now is the end of the connection.
            return not readable or self.socket.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def close(self, stop_importing: bool = False) -> None:
        with contextlib.suppress(OSError):
            self.stream.close()
            self.socket.close()


def forkable(argv: list[str]) -> list[str] | None:
    """The interpreter part of an ipykernel kernelspec argv (`python [-X..] -m ipykernel_launcher ...`), else None."""
    if "-m" not in argv:
        return None
    index = argv.index("-m")
    if index + 1 >= len(argv) or argv[index + 1] not in ("ipykernel_launcher", "ipykernel"):
        return None
    python = argv[:index]
    if not python or any(not a.startswith("-X") for a in python[1:]):
        return None
    if os.path.abspath(python[0]) != os.path.abspath(sys.executable):
        return None  # another interpreter or environment: it may not have this package to run the server
    return python


class ForkedKernelManager(AsyncKernelManager):
    """Launches its kernel through a ForkServer; the rest of the kernel protocol is jupyter_client's."""

    forkserver: ForkServer | None = None
    kernel_log: Path | None = None
    stage_file: Path | None = None
    started_env: dict[str, str] | None = None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        assert self.provisioner is not None and self.kernel_log is not None
        server = self.forkserver
        if server is None or forkable(kernel_cmd) is None:
            with open(self.kernel_log, "ab") as handle:
                kw.setdefault("stderr", handle)
                await super()._async_launch_kernel(kernel_cmd, **kw)
            return
        index = kernel_cmd.index("-m")
        argv = ["ipykernel_launcher", *kernel_cmd[index + 2 :]]
        env = {str(k): str(v) for k, v in (kw.get("env") or os.environ).items()}
        try:
            process = server.fork(argv, str(kw.get("cwd") or os.getcwd()), env, self.kernel_log)
        except ForkServerError:
            if server.ready_info is not None:
                raise
            server.broken = True  # it never came up: start kernels the ordinary way (slower, same result)
            self.forkserver = None
            await self._async_launch_kernel(kernel_cmd, **kw)
            return
        provisioner: Any = self.provisioner
        provisioner.process = process
        provisioner.pid = process.pid
        provisioner.pgid = process.pid  # the kernel called setsid()
        self._reconcile_connection_info(provisioner.connection_info)


def kill_now(km: AsyncKernelManager) -> None:
    """SIGKILL the kernel's process group (the kernel and anything it started), or the kernel alone when it shares
    our group."""
    provisioner: Any = km.provisioner
    process = getattr(provisioner, "process", None)
    if process is None:
        return
    pgid = getattr(provisioner, "pgid", None)
    with contextlib.suppress(OSError):
        if pgid and pgid != os.getpgrp():
            os.killpg(pgid, signal.SIGKILL)
        else:
            process.kill()


class KernelPool:
    """Hands out fresh kernels, keeping `ahead` started. A kernel is used for one report, then killed."""

    def __init__(
        self,
        kernel_name: str,
        workdir: Path,
        modules: list[str],
        *,
        extra_arguments: list[str] | None = None,
        stage_files: bool = False,
        ahead: int = 1,
        shared_server: str | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        from jupyter_client.kernelspec import KernelSpecManager

        self.kernel_name = kernel_name
        self.workdir = workdir
        # As nbclient does: no IPython history database on disk (kernels would contend for its lock).
        self.extra_arguments = ["--HistoryManager.hist_file=:memory:", *(extra_arguments or [])]
        self.stage_files = stage_files
        self.ahead = ahead
        self.loop = loop  # the loop that runs this pool's kernels (kernels started ahead must belong to it)
        spec = KernelSpecManager().get_kernel_spec(kernel_name)  # raises NoSuchKernel
        python = forkable(spec.argv)
        self.python, self.modules = python, modules
        self.server = self._server(python, modules, workdir, shared_server) if python else None
        self.waiting: list[tuple[str, asyncio.Future[tuple[ForkedKernelManager, Any]]]] = []
        self.retiring: set[asyncio.Future[None]] = set()
        self.count = 0
        self.last_log: Path | None = None

    @staticmethod
    def _server(python: list[str], modules: list[str], workdir: Path, shared: str | None) -> ForkServer:
        """The batch's shared fork server when one was given and answers, else a server of this pool's own."""
        if shared:
            try:
                return SharedForkServer(shared, workdir / "forkserver.log")
            except ForkServerError:
                pass
        return ForkServer(python, modules, workdir / "forkserver.log")

    async def _start(self, cwd: str) -> ForkedKernelManager:
        from research.reports.stagetimer import STAGE_FILE_ENV

        self.count += 1
        if self.server is not None and not self.server.alive() and self.python is not None:
            # The server died (killed, out of memory): start another rather than fail every later report.
            self.server = ForkServer(self.python, self.modules, self.workdir / f"forkserver-{self.count}.log")
        km = ForkedKernelManager(kernel_name=self.kernel_name)
        km.forkserver = None if self.server is None or self.server.broken else self.server
        km.kernel_log = self.workdir / f"kernel-{self.count}.log"
        km.kernel_log.touch()
        km.started_env = self._env()
        env = dict(km.started_env)
        km.stage_file = None
        if self.stage_files:
            km.stage_file = self.workdir / f"kernel-{self.count}.imports"
            env[STAGE_FILE_ENV] = str(km.stage_file)
        await km.start_kernel(cwd=cwd, env=env, extra_arguments=self.extra_arguments)
        return km

    async def _start_ready(self, cwd: str, timeout: float) -> tuple[ForkedKernelManager, Any]:
        """Start a kernel and connect a client that has seen it answer (jupyter_client's wait_for_ready)."""
        km = await self._start(cwd)
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=timeout)
        except BaseException:
            kc.stop_channels()
            await self.discard(km)
            raise
        return km, kc

    @staticmethod
    def _env() -> dict[str, str]:
        return dict(os.environ)

    async def take(self, cwd: str, timeout: float) -> tuple[ForkedKernelManager, Any]:
        """A ready kernel (manager, client) started in `cwd` with the environment as it is now, used by no one.

        Raises what the start-up raised (RuntimeError, TimeoutError) when the kernel did not come up.
        """
        while self.waiting:
            where, started = self.waiting.pop(0)
            km, kc = await started
            if where == cwd and km.started_env == self._env() and await km.is_alive():
                self.last_log = km.kernel_log
                return km, kc
            kc.stop_channels()
            await self.discard(km)
        self.last_log = self.workdir / f"kernel-{self.count + 1}.log"
        return await self._start_ready(cwd, timeout)

    def prepare(self, cwd: str, timeout: float) -> None:
        """Start the next kernels now; they start up (and their clients connect) while this report runs.

        Called outside the loop too (when a worker starts): the start-up is then a task of the pool's loop, which
        runs it as soon as that loop runs, not of whatever loop `asyncio` would pick.
        """
        while len(self.waiting) < self.ahead:
            coroutine = self._start_ready(cwd, timeout)
            task = (
                self.loop.create_task(coroutine)
                if self.loop is not None
                else asyncio.ensure_future(coroutine)
            )
            self.waiting.append((cwd, task))

    async def ready(self) -> None:
        """Wait until the kernels started ahead are ready (or failed)."""
        for _, started in self.waiting:
            with contextlib.suppress(Exception):
                await asyncio.shield(started)

    @staticmethod
    async def discard(km: AsyncKernelManager) -> None:
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            await km.cleanup_resources()

    def retire(self, km: AsyncKernelManager) -> None:
        """Kill a used kernel now; reap it and remove its files in the background (awaited by `close`).

        jupyter_client notices a killed kernel by polling every 0.1 s: awaited after each report, that wait would
        hold up the next one. The kill itself is immediate, so nothing of the old kernel runs on.
        """
        kill_now(km)
        task = asyncio.ensure_future(self.discard(km))
        self.retiring.add(task)
        task.add_done_callback(self.retiring.discard)

    async def close(self) -> None:
        if self.retiring:
            await asyncio.gather(*self.retiring, return_exceptions=True)
        while self.waiting:
            _, started = self.waiting.pop()
            try:
                km, kc = await started
            except Exception:  # noqa: BLE001, S112 - it never started: nothing to stop
                continue
            kc.stop_channels()
            await self.discard(km)
        if self.server is not None:
            self.server.close()
