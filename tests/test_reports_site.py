"""The real field-office notebook through the runner, and the built pages in headless Chromium.

Slow: executes notebooks/40_field_office.ipynb on the processed data committed in the repository.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from browser import Browser

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
    assert page.count('src="data:image/png;base64,') >= 3  # arrest rates, goal, detention
    assert "Traceback" not in page and 'aor</code> = <code>"CHI"' in page  # provenance footer (JSON)
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
        assert len(images) >= 3 and all(ok for _, ok in images), images
        assert browser.console_errors() == []
        assert "Chicago" in browser.evaluate("document.title")
        browser.screenshot(tmp_path / "field_office_CHI.png")
    finally:
        browser.close()
    assert (tmp_path / "field_office_CHI.png").stat().st_size > 10_000
