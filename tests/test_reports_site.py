"""The real field-office notebook through the runner, and the built pages in headless Chromium.

Slow: executes notebooks/40_field_office.ipynb on the processed data committed in the repository.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

from research import config
from research.reports.runner import RunOptions, run_reports
from research.reports.store import Manifest

pytestmark = pytest.mark.slow
NOTEBOOK = config.NOTEBOOKS_DIR / "40_field_office.ipynb"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's report set with only the Chicago scorecard run, built into a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "reports"
    summary = run_reports(None, out, RunOptions(only=["40_field_office_CHI"], progress=False))
    assert summary.ok, summary.text()
    return out


def test_field_office_report_for_one_aor(site: Path) -> None:
    entry = Manifest.load(site).entries["40_field_office_CHI"]
    assert entry.status == "ok" and entry.parameters == {"aor": "CHI"}
    page = (site / entry.html).read_text()
    assert "<title>Chicago field office scorecard</title>" in page
    assert "Chicago field office scorecard</h1>" in page
    assert page.count('src="data:image/png;base64,') >= 4  # facilities x2, comparison, goal trend
    assert "Traceback" not in page and "aor</code> = <code>'CHI'" in page  # provenance footer
    executed = nbformat.read(site / entry.ipynb, as_version=4)
    assert executed.metadata["papermill"]["parameters"] == {"aor": "CHI"}
    index = (site / "index.html").read_text()
    assert index.count("not run") >= 28  # every other report of reports.yaml is listed


def test_wrong_aor_stops_in_the_first_cell_with_the_valid_codes(tmp_path: Path) -> None:
    spec = tmp_path / "reports.yaml"
    entry = {"name": "bad", "notebook": str(NOTEBOOK), "group": "field_offices", "parameters": {"aor": "XXX"}}
    spec.write_text(yaml.safe_dump({"reports": [entry]}))
    summary = run_reports(spec, tmp_path / "out", RunOptions(progress=False))
    assert "ParameterError" in summary.failed["bad"]
    nb = nbformat.read(tmp_path / "out" / "notebooks" / "bad.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    failing = [
        i
        for i, c in enumerate(nb.cells)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    injected = next(i for i, t in enumerate(tags) if "injected-parameters" in t)
    first_code = next(i for i, c in enumerate(nb.cells) if i > injected and c.cell_type == "code")
    assert failing == [first_code]  # the first cell after the parameters
    error = next(o for o in nb.cells[failing[0]].outputs if o.output_type == "error")
    assert error.evalue.startswith("parameter 'aor' = 'XXX': expected one of 'ATL', 'BAL'")
    assert "'WAS'" in error.evalue


# --- headless Chromium over the DevTools protocol -------------------------------------------------------------

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
]


class Browser:
    """Minimal DevTools client: one page session; collects console errors, exceptions and log errors."""

    def __init__(self, profile: Path) -> None:
        import websocket  # websocket-client

        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        assert binary is not None
        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = self._devtools_url()
        self.ws = websocket.create_connection(url, timeout=30)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

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
        self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


IMAGES = "JSON.stringify(Array.from(document.images).map(i => [i.src.slice(0, 22), i.complete && i.naturalWidth > 0]))"


@pytest.mark.browser
def test_index_and_field_office_report_in_headless_chromium(site: Path, tmp_path: Path) -> None:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    browser = Browser(tmp_path / "profile")
    try:
        browser.open((site / "index.html").as_uri())
        assert browser.console_errors() == []
        assert "Field offices" in browser.evaluate("document.body.innerText")
        href = browser.evaluate("document.querySelector('a[href$=\"40_field_office_CHI.html\"]').href")
        browser.screenshot(tmp_path / "index.png")

        browser.open(href)
        images = json.loads(browser.evaluate(IMAGES))
        assert len(images) >= 4 and all(ok for _, ok in images), images
        assert browser.console_errors() == []
        assert "Chicago" in browser.evaluate("document.title")
        browser.screenshot(tmp_path / "field_office_CHI.png")
    finally:
        browser.close()
    assert (tmp_path / "field_office_CHI.png").stat().st_size > 10_000
