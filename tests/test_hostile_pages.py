"""Stored XSS (issue 14, item 1): hostile text in every curated input that reaches HTML never becomes markup.

Copies of the curated inputs (facts CSVs, field_offices.csv, staffing_scenarios.yaml: RESEARCH_CURATED_DIR), of
the processed field-office table (its names reach every scorecard: RESEARCH_PROCESSED_DIR) and of reports.yaml
get hostile text in every free-text field the validation layer accepts: an <img onerror>, a <script>, a Markdown
link to a javascript: URL and raw HTML, each tagged with a marker naming the field. The affected reports run
through the runner into a temporary folder. Then: the raw HTML holds no unescaped tag from the seeds, every
marker that a page shows is there as text, and in Chromium nothing runs (alert, confirm and prompt are replaced
by recorders before any page script) and no injected element exists. Fields with a fixed vocabulary (codes,
event kinds, confidence) and URLs only accept what the validation layer allows: a javascript: URL is refused
there, with the file, line and column named. Slow: runs six notebooks.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from browser import Browser, chromium
from site_checks import read_page

from research import config
from research.data import facts
from research.reports.runner import RunOptions, run_reports

pytestmark = pytest.mark.slow

# Free-text columns of each curated facts table (everything else is a code, a date, a number or a URL).
FREE_TEXT = {
    "timeline_events": ["label", "note"],
    "fod_events": ["person", "role", "outgoing", "source_publisher", "quote"],
    "leadership_events": ["field_office", "outgoing", "incoming", "incoming_origin", "note"],
    "official_figures": ["unit", "note"],
    "staffing_figures": ["unit", "note"],
}
# Seeded fields no page shows: the file is read by no notebook, or the column is not displayed.
NOT_SHOWN = {
    "xss-timeline_events-note": "the timeline's notes are sourcing notes, not shown",
    "xss-official_figures-unit": "official_figures.csv is read by no notebook",
    "xss-official_figures-note": "official_figures.csv is read by no notebook",
    "xss-staffing_figures-note": "staffing notes are sourcing notes, not shown",
    "xss-fod_events-outgoing": "no model or page reads the outgoing director's column (the person column is shown)",
    **{
        f"xss-leadership_events-{c}": "leadership_events.csv is read by no notebook (fod_events replaced it)"
        for c in FREE_TEXT["leadership_events"]
    },
}
SPEC_FAST = {  # the heavy notebooks with fewer draws: the text, not the precision, is under test
    "10_arrest_trends": {"n_boot": 199, "coverage_replications": 50},
    "20_staffing": {"n_sims": 100, "coverage_reps": 200},
    "30_leadership_changes": {"n_permutations": 999, "n_simulations": 20, "scheduler": "serial"},
}
REPORTS = ["00_data_overview", "10_arrest_trends", "20_staffing", "30_leadership_changes"]
OFFICE = "LOS"


def hostile(marker: str) -> str:
    """One line of hostile text tagged with `marker` (no comma-free guarantee: written with the csv module)."""
    return (
        f' {marker} <img src=x onerror=alert("{marker}")> <script>alert("{marker}")</script> '
        f"[{marker} link](javascript:alert(1)) <b onmouseover=alert(1)>{marker} bold</b> {marker}&amp;"
    )


def _seed_csv(path: Path, columns: list[str], table: str) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        for column in columns:
            if row.get(
                column
            ):  # only filled cells: an empty cell can mean something (e.g. no outgoing director)
                row[column] = row[column] + hostile(f"xss-{table}-{column}")
        # A URL that passes the validation layer but tries to break out of a Markdown link.
        if row.get("source_url"):
            row["source_url"] = row["source_url"].rstrip("/") + "/xss)](javascript:alert(1))"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _seed_scenarios(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for i, scenario in enumerate(document["scenarios"]):
        scenario["description"] += hostile("xss-scenario-description")
        scenario["label"] = f"Scenario {i}" + hostile("xss-scenario-label")
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _seed_offices(processed: Path) -> None:
    table = pd.read_parquet(processed / "field_offices.parquet")
    at = table["aor"] == OFFICE
    for column in ("short_name", "name", "city"):
        table.loc[at, column] = table.loc[at, column] + hostile(f"xss-office-{column}")
    table.to_parquet(processed / "field_offices.parquet", index=False)


def _seed_spec(path: Path) -> None:
    spec = yaml.safe_load((config.NOTEBOOKS_DIR / "reports.yaml").read_text(encoding="utf-8"))
    spec["site"]["title"] += hostile("xss-site-title")
    spec["site"]["about"] += hostile("xss-site-about")
    spec["groups"] = {k: v + hostile("xss-group-heading") for k, v in spec["groups"].items()}
    for entry in spec["reports"]:
        entry["notebook"] = str(config.NOTEBOOKS_DIR / entry["notebook"])
        entry["title"] += hostile("xss-report-title")
        entry["description"] = "Report." + hostile("xss-report-description")  # within 300 characters
        entry.setdefault("parameters", {}).update(SPEC_FAST.get(entry["name"], {}))
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    curated = root / "curated"
    shutil.copytree(config.FACTS_DIR, curated / "facts", ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(config.RAW_DIR / config.FIELD_OFFICES_NAME, curated / config.FIELD_OFFICES_NAME)
    shutil.copy(config.NOTEBOOKS_DIR / config.SCENARIOS_NAME, curated / config.SCENARIOS_NAME)
    for table, columns in FREE_TEXT.items():
        _seed_csv(curated / "facts" / f"{table}.csv", columns, table)
    _seed_scenarios(curated / config.SCENARIOS_NAME)
    processed = root / "processed"
    shutil.copytree(config.processed_dir(), processed)
    _seed_offices(processed)
    spec = root / "spec" / "reports.yaml"
    spec.parent.mkdir()
    _seed_spec(spec)
    with pytest.MonkeyPatch.context() as env:
        env.setenv(config.CURATED_ENV, str(curated))
        env.setenv(config.PROCESSED_ENV, str(processed))
        for table in FREE_TEXT:  # every seeded table still passes the validation layer
            assert len(facts.read_facts(table)) > 0
        out = root / "site"
        only = [*REPORTS, "45_field_offices_compared", f"40_field_office_{OFFICE}"]
        summary = run_reports(spec, out, RunOptions(only=only, jobs=2, progress=False))
    assert summary.ok, summary.text()
    return out


def _pages(site: Path) -> list[Path]:
    return [site / "index.html", *sorted((site / "html").glob("*.html"))]


def test_a_javascript_url_is_refused_by_the_validation_layer(tmp_path: Path) -> None:
    folder = tmp_path / "facts"
    shutil.copytree(config.FACTS_DIR, folder)
    path = folder / "timeline_events.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = re.sub(r"https?://[^,]+", "javascript:alert(1)", lines[1], count=1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(facts.FactsError, match=r"timeline_events.csv line 2, column 'source_url'"):
        facts.read_facts("timeline_events", folder)


class _Markup(HTMLParser):
    """Every element the HTML really has: injected tags, event-handler attributes, javascript: links, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name.lower() in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")
        if tag == "b":
            self.found.append("<b>")
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and "xss" in data:
            self.found.append("<script> with seeded text")


def test_no_seeded_tag_reaches_the_html_unescaped(hostile_site: Path) -> None:
    pages = _pages(hostile_site)
    assert len(pages) == 7  # the front page and six reports
    found = {}
    for path in pages:
        parser = _Markup()
        parser.feed(path.read_text(encoding="utf-8"))
        if parser.found:
            found[path.name] = parser.found
    assert found == {}


def test_every_shown_field_reaches_a_page_as_text(hostile_site: Path) -> None:
    text = " ".join(read_page(p).text for p in _pages(hostile_site))
    seeded = {f"xss-{t}-{c}" for t, columns in FREE_TEXT.items() for c in columns}
    seeded |= {"xss-scenario-description", "xss-scenario-label", "xss-site-title", "xss-site-about"}
    seeded |= {"xss-group-heading", "xss-report-title", "xss-report-description"}
    seeded |= {f"xss-office-{c}" for c in ("short_name", "name", "city")}
    shown = {m for m in seeded if m in text}
    assert seeded - shown == set(NOT_SHOWN)
    # Shown as the characters they are, entities included.
    assert '<img src=x onerror=alert("xss-fod_events-person")>' in text
    assert "xss-fod_events-quote&amp;" in text


@pytest.mark.browser
def test_nothing_runs_in_chromium(hostile_site: Path, tmp_path: Path) -> None:
    if chromium() is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    recorder = (
        "window.__calls = [];"
        "['alert', 'confirm', 'prompt'].forEach(function (f) {"
        "  window[f] = function (m) { window.__calls.push(f + ':' + m); }; });"
    )
    injected = (
        "JSON.stringify({calls: window.__calls,"
        " images: document.querySelectorAll('img[src=\"x\"]').length,"
        " handlers: Array.from(document.querySelectorAll('*')).filter(function (e) {"
        "   return Array.from(e.attributes).some(function (a) { return /^on/i.test(a.name); }); }).length,"
        " js_links: document.querySelectorAll('a[href^=\"javascript:\" i]').length,"
        " bold: document.querySelectorAll('b').length,"
        " scripts: Array.from(document.scripts).filter(function (s) { return /xss/.test(s.textContent); }).length})"
    )
    browser = Browser(tmp_path / "profile")
    results = {}
    try:
        browser.call("Page.addScriptToEvaluateOnNewDocument", session=True, source=recorder)
        for path in _pages(hostile_site):
            browser.open(path.as_uri())
            time.sleep(0.3)  # let any injected image fail to load and fire its handler
            results[path.name] = json.loads(browser.evaluate(injected))
            results[path.name]["errors"] = browser.console_errors()
    finally:
        browser.close()
    clean = {"calls": [], "images": 0, "handlers": 0, "js_links": 0, "bold": 0, "scripts": 0, "errors": []}
    assert {name: r for name, r in results.items() if r != clean} == {}
