"""The whole site as a reader gets it: every page checked for developer text, links, downloads, alt text, phone
width and dark mode (headless Chromium). Slow: builds the site once per session (`built_site` in conftest)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from browser import Browser, chromium
from site_checks import (
    CONTRAST_JS,
    DEFAULT_ALT,
    IMAGES_JS,
    OVERFLOW_JS,
    SNAKE,
    Page,
    broken_links,
    developer_text,
    downloads_after_each_figure_and_table,
    read_page,
)

from research import config
from research.reports.spec import load_spec
from research.reports.store import Manifest

pytestmark = pytest.mark.slow
PHONE = 390  # CSS pixels: the width of a common phone
MEASURES = ("book-ins", "arrests", "detained population")


@pytest.fixture(scope="module")
def pages(built_site: Path) -> dict[Path, Page]:
    files = [built_site / "index.html", *sorted((built_site / "html").glob("*.html"))]
    return {p.resolve(): read_page(p) for p in files}


def test_every_report_of_reports_yaml_is_built_and_linked_from_the_front_page(
    built_site: Path, pages: dict[Path, Page]
) -> None:
    reports = load_spec(config.NOTEBOOKS_DIR / "reports.yaml").reports
    manifest = Manifest.load(built_site)
    assert {n: e.status for n, e in manifest.entries.items()} == {r.name: "ok" for r in reports}
    index = pages[(built_site / "index.html").resolve()]
    hrefs = {href for href, _ in index.links}
    assert {f"html/{r.name}.html" for r in reports} <= hrefs
    assert len(pages) == len(reports) + 1


def test_every_page_links_home_and_to_both_groups(built_site: Path, pages: dict[Path, Page]) -> None:
    for path, page in pages.items():
        home = "index.html" if path.name == "index.html" else "../index.html"
        hrefs = [href for href, _ in page.links]
        assert hrefs[:3] == [home, f"{home}#national", f"{home}#field-offices"], path.name


def test_no_page_shows_developer_text(pages: dict[Path, Page]) -> None:
    problems = [p for page in pages.values() for p in developer_text(page)]
    problems += [
        f"{page.path.name}: header {h!r}" for page in pages.values() for h in page.headers if SNAKE.search(h)
    ]
    assert problems == []


def test_every_internal_link_resolves(built_site: Path, pages: dict[Path, Page]) -> None:
    problems = [p for page in pages.values() for p in broken_links(page, built_site, pages)]
    assert problems == []
    downloads = [href for page in pages.values() for href, attrs in page.links if "download" in attrs]
    assert len(downloads) > 200  # every figure and table of 30 pages


def test_every_figure_and_table_has_its_data_beside_the_page(built_site: Path) -> None:
    problems = {
        path.name: found
        for path in sorted((built_site / "html").glob("*.html"))
        if (found := downloads_after_each_figure_and_table(path.read_text()))
    }
    assert problems == {}
    assert not list(built_site.rglob(".tmp-*"))


def test_every_image_has_its_own_alt_text_and_a_title_naming_the_measure(built_site: Path) -> None:
    count = 0
    for path in sorted((built_site / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if "image/png" not in output.get("data", {}):
                    continue
                meta = output.get("metadata", {}).get("image/png", {})
                assert meta.get("alt", "").startswith(meta.get("title", "-")), (path.name, meta)
                assert any(m in meta["title"].lower() for m in MEASURES), (path.name, meta["title"])
                count += 1
    assert count > 80


def test_front_page_says_what_the_site_answers_with_dated_findings_and_sources(
    pages: dict[Path, Page],
) -> None:
    index = next(p for p in pages.values() if p.path.name == "index.html")
    assert "3,000 immigration arrests a day" in index.text
    findings = index.text[index.text.index("Key findings") : index.text.index("Data through")]
    for month in ("2025", "2026"):
        assert month in findings
    assert "arrests a day" in findings and "officers" in findings and "specifications" in findings
    start = index.text.index("Data through")
    sources = index.text[start : index.text.index("National reports", start)]
    for name in ("ICE detention statistics", "ICE ERO arrests", "OPM headcount", "Curated facts"):
        assert name in sources
    assert index.text.index("Field offices") < index.text.index("Build status")


def test_chicago_scorecard_and_the_comparison_page(built_site: Path, pages: dict[Path, Page]) -> None:
    chicago = pages[(built_site / "html" / "40_field_office_CHI.html").resolve()]
    assert "24,910 arrests" in chicago.text
    compared = (built_site / "html" / "45_field_offices_compared.html").read_text()
    tables = re.findall(r'<table class="research-table research-sortable">.*?</table>', compared, flags=re.S)
    assert len(tables) == 2  # the offices side by side, and the goal under each split
    assert all(t.count('<tr><td data-sort="') == 25 for t in tables)
    shares = set()
    for path in sorted((built_site / "html").glob("40_field_office_*.html")):
        text = pages[path.resolve()].text
        shares.add(text.split("% of goal for ", 1)[1].split(" of its allocated share")[0].split(": ", 1)[1])
    assert len(shares) == 25  # no two scorecards share one "% of goal" figure


@pytest.mark.browser
def test_every_page_in_chromium_at_phone_width_and_in_dark_mode(built_site: Path, tmp_path: Path) -> None:
    if chromium() is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    files = [built_site / "index.html", *sorted((built_site / "html").glob("*.html"))]
    browser = Browser(tmp_path / "profile")
    results: dict[str, dict] = {}
    try:
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=PHONE,
            height=800,
            deviceScaleFactor=1,
            mobile=True,
        )
        for path in files:
            browser.open(path.as_uri())
            images = json.loads(browser.evaluate(IMAGES_JS))
            results[path.name] = {
                "errors": browser.console_errors(),
                "overflow": json.loads(browser.evaluate(OVERFLOW_JS)),
                "images": len(images),
                "bad_images": [i for i in images if not i["ok"] or not i["alt"] or i["alt"] == DEFAULT_ALT],
            }
        browser.call("Emulation.clearDeviceMetricsOverride", session=True)
        browser.call(
            "Emulation.setEmulatedMedia",
            session=True,
            features=[{"name": "prefers-color-scheme", "value": "dark"}],
        )
        for path in files:
            browser.open(path.as_uri())
            assert browser.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
            results[path.name]["dark"] = json.loads(browser.evaluate(CONTRAST_JS))
        browser.screenshot(tmp_path / "index-dark.png")
    finally:
        browser.close()
    problems = {
        name: r
        for name, r in results.items()
        if r["errors"]
        or r["bad_images"]
        or r["overflow"]["width"] > r["overflow"]["viewport"]
        or r["dark"]["low_contrast"]
        or r["dark"]["images_on_dark"]
    }
    assert problems == {}
    assert sum(r["images"] for r in results.values()) > 80
    assert all(r["dark"]["texts"] > 20 for r in results.values())
