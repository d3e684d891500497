"""`make lab` starts JupyterLab on loopback with a token, lists the notebooks and offers the project kernel.

The test runs the Makefile's own command (only a port and --no-browser are added through LAB_ARGS), so the
address and token it checks are the ones `make lab` gives a user.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from research import config

_STAMP = ".venv/.installed"  # `-o` keeps make from re-running `make setup` inside the test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, token: str | None) -> object:
    headers = {"Authorization": f"token {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _make(*args: str) -> list[str]:
    return ["make", "--no-print-directory", "-o", _STAMP, *args]


def _lab_command(lab_args: str) -> list[str]:
    """The command `make lab` runs (a dry run of the Makefile target)."""
    run = subprocess.run(
        _make("-n", "lab", f"LAB_ARGS={lab_args}"),
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, run.stdout
    return shlex.split(lines[0])


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))  # no packet is sent; picks the outgoing interface
            address = str(sock.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_make_lab_binds_loopback_and_keeps_the_token_on() -> None:
    if not (config.PROJECT_ROOT / "Makefile").exists():
        pytest.skip("no Makefile")
    command = _lab_command("")
    assert command[1:3] == ["lab", "--ip=127.0.0.1"], command
    forbidden = ("--ip=0.0.0.0", "--ip=*", "token=''", 'token=""', "--no-token", "disable_check_xsrf")
    assert not any(part.startswith(forbidden) or part in forbidden for part in command), command


@pytest.mark.slow
def test_make_lab_serves_notebooks_and_the_project_kernel_on_loopback_only(tmp_path: Path) -> None:
    port = _free_port()
    runtime = tmp_path / "runtime"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    server = subprocess.Popen(
        _make("lab", f"LAB_ARGS=--port={port} --port-retries=0 --no-browser"),
        cwd=config.PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # make and jupyter in one process group, stopped together below
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        info: dict[str, object] = {}
        while True:
            files = list(runtime.glob("jpserver-*.json"))
            if files:
                info = json.loads(files[0].read_text())
                try:
                    _get(f"{base}/api/status", str(info["token"]))
                    break
                except OSError:
                    pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("`make lab` did not start JupyterLab within 60 s")
            time.sleep(0.5)
        token = str(info["token"])
        assert info["hostname"] == "127.0.0.1" and len(token) >= 32  # a random token is generated
        with pytest.raises(urllib.error.HTTPError) as denied:
            _get(f"{base}/api/contents/", None)
        assert denied.value.code == 403
        other = _non_loopback_address()
        if other is not None:
            with pytest.raises(OSError), socket.create_connection((other, port), timeout=2):
                pass
        contents = _get(f"{base}/api/contents/", token)
        names = {item["name"] for item in contents["content"]}  # type: ignore[index]
        expected = {p.name for p in config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
        assert expected and expected <= names
        kernels = _get(f"{base}/api/kernelspecs", token)
        assert config.KERNEL_NAME in kernels["kernelspecs"]  # type: ignore[index]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
