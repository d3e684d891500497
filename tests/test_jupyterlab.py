"""JupyterLab starts on loopback, lists the notebooks through its REST API and offers the project kernel."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from research import config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, token: str) -> object:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_jupyterlab_lists_notebooks_and_offers_the_project_kernel(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--notebook-dir={config.NOTEBOOKS_DIR}",
            "--ServerApp.open_browser=False",
            "--allow-root",
        ],  # fmt: skip
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/status", token)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab did not start within 60 s")
                time.sleep(0.5)
        contents = _get(f"{base}/api/contents/", token)
        names = {item["name"] for item in contents["content"]}  # type: ignore[index]
        expected = {p.name for p in config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
        assert expected and expected <= names
        kernels = _get(f"{base}/api/kernelspecs", token)
        assert config.KERNEL_NAME in kernels["kernelspecs"]  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(timeout=30)
