"""Headless Chromium over the DevTools protocol, for tests of the rendered report pages.

No test framework dependency: `websocket-client` talks to Chromium's DevTools endpoint directly. `chromium()` is
None when Chromium is not installed (CI installs Debian's package; tests then skip locally).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,900",
    "--remote-debugging-port=0",
    # Chromium >= 111 refuses DevTools websockets from other origins unless allowed.
    "--remote-allow-origins=*",
]


class Browser:
    """Minimal DevTools client: one page session; collects console errors, exceptions and log errors."""

    def __init__(self, profile: Path) -> None:
        import websocket  # websocket-client

        binary = chromium()
        assert binary is not None
        self.profile = Path(profile)
        # Remove the profile on failure only if this Browser created it (never a folder the caller prepared).
        self._own_profile = not self.profile.exists()
        self.ws: Any = None
        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, so close() also stops its renderer and helpers
        )
        try:
            url = self._devtools_url()
            self.ws = websocket.create_connection(url, timeout=30)
            self.ids = itertools.count(1)
            self.events: list[dict[str, Any]] = []
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable", session=True)
        except BaseException:
            # No caller holds a Browser yet, so nobody else could stop this Chromium: stop it here.
            self.close()
            if self._own_profile:
                shutil.rmtree(self.profile, ignore_errors=True)
            raise

    def _devtools_url(self) -> str:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if "DevTools listening on " in line:
                return line.split("DevTools listening on ", 1)[1].strip()
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("chromium did not report a DevTools address")

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"id": next(self.ids), "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(json.loads(self.ws.recv()))

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)[
            "result"
        ]["value"]

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(str(params.get("args")))
            elif method == "Runtime.exceptionThrown":
                errors.append(str(params.get("exceptionDetails")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(str(params["entry"].get("text")))
        return errors

    def screenshot(self, path: Path) -> None:
        size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.call(
            "Page.captureScreenshot", session=True, format="png", clip=clip, captureBeyondViewport=True
        )
        path.write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        """Stop Chromium and every process of its group (renderers, zygote), then release the pipes."""
        if self.ws is not None:
            self.ws.close()
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._signal_group(signal.SIGKILL)  # helpers that outlived the browser process
        if self.proc.stderr is not None:
            self.proc.stderr.close()

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # the group is already gone
            os.killpg(self.proc.pid, sig)  # the group id is Chromium's own pid (start_new_session)
