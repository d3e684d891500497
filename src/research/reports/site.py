"""`reports/index.html`, the site's front page: what the site answers, key findings, data-through dates, reports.

Everything with a number comes from the executed notebooks: each report may publish findings and the dates its
sources run to (`research.figures.findings`), which the runner keeps in the manifest; this page lists them with
their dates and a link to the report they come from. Nothing is computed or typed here. The build status (run
times, failures) is secondary, at the end. Every text is escaped; links are relative; no script.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from research import config
from research.reports.provenance import now_iso
from research.reports.shell import CSS, group_anchor, header_html
from research.reports.spec import Report, ReportSet
from research.reports.store import Entry

STATUS_LABEL = {"ok": "ok", "failed": "FAILED", "stale": "STALE", None: "not run"}
GOAL_PLACEHOLDER = "{goal}"

INDEX_CSS = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 0 auto; padding: 1rem 1rem 3rem;
  line-height: 1.5; color: #1d1d1d; background: #ffffff; }
a { color: #0b5394; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { margin-top: 2rem; }
.about p { font-size: 1.05rem; }
.findings li { margin-bottom: .6rem; }
.when { font-weight: 600; }
.reports { list-style: none; padding: 0; }
.reports li { margin-bottom: .8rem; }
.reports .title { font-weight: 600; }
.reports .line { display: block; }
.note { font-size: .9rem; color: #555; }
.flag { font-weight: 700; color: #a33c00; }
table { border-collapse: collapse; display: block; max-width: 100%; overflow-x: auto; margin-bottom: 1rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
.status-failed .status, .status-stale .status { color: #a33c00; font-weight: bold; }
.error { color: #a33c00; font-size: .85rem; }
details summary { cursor: pointer; }
footer.site { font-size: .85rem; color: #555; margin-top: 2rem; border-top: 1px solid #ddd; padding-top: .5rem; }
@media (prefers-color-scheme: dark) {
  body { color: var(--research-fg); background: var(--research-bg); }
  a, a:visited { color: var(--research-link); }
  .note, footer.site { color: #b8b8b8; }
  .flag, .error, .status-failed .status, .status-stale .status { color: #ffb07a; }
  th, td, footer.site { border-color: #444; }
}
"""


def _summary(entry: Entry | None) -> dict[str, Any]:
    if entry is None or entry.status not in ("ok", "stale"):
        return {}
    value = entry.extra.get("summary")
    return value if isinstance(value, dict) else {}


def _link(report: Report, entry: Entry | None) -> str:
    title = html.escape(report.title)
    if entry is None or entry.status == "failed" and not entry.html:
        return f'<span class="title">{title}</span>'
    return f'<a class="title" href="{html.escape(entry.html, quote=True)}">{title}</a>'


def _flag(entry: Entry | None) -> str:
    if entry is None:
        return ' <span class="flag">(not built yet)</span>'
    if entry.status == "failed":
        return ' <span class="flag">(this report failed in its last run)</span>'
    if entry.status == "stale":
        return ' <span class="flag">(out of date: its last run failed; this is the last good page)</span>'
    return ""


def _report_item(report: Report, entry: Entry | None) -> str:
    lines = [f"{_link(report, entry)}{_flag(entry)}"]
    if report.description:
        lines.append(f'<span class="line">{html.escape(report.description)}</span>')
    for finding in _summary(entry).get("findings", []):
        if isinstance(finding, dict) and not finding.get("key_finding", True):
            lines.append(f'<span class="line note">{html.escape(str(finding.get("text", "")))}</span>')
    return "<li>" + "".join(lines) + "</li>"


def _findings(reports: list[Report], entries: dict[str, Entry]) -> str:
    items = []
    for report in reports:
        entry = entries.get(report.name)
        for finding in _summary(entry).get("findings", []):
            if not isinstance(finding, dict) or not finding.get("key_finding", True):
                continue
            stale = " (from the last good run)" if entry is not None and entry.status == "stale" else ""
            items.append(
                f'<li><span class="when">{html.escape(str(finding.get("date_label", "")))}:</span> '
                f"{html.escape(str(finding.get('text', '')))} "
                f'<span class="note">(<a href="{html.escape(entry.html if entry else "", quote=True)}">'
                f"{html.escape(report.title)}</a>{html.escape(stale)})</span></li>"
            )
    if not items:
        return '<p class="note">No findings yet: the national reports have not been built.</p>'
    return '<ul class="findings">' + "".join(items) + "</ul>"


def _sources(reports: list[Report], entries: dict[str, Entry]) -> str:
    rows: dict[str, str] = {}
    for report in reports:
        entry = entries.get(report.name)
        for source in _summary(entry).get("sources", []):
            if not isinstance(source, dict) or str(source.get("name")) in rows:
                continue
            link = f'<a href="{html.escape(entry.html if entry else "", quote=True)}">{html.escape(report.title)}</a>'
            rows[str(source.get("name"))] = (
                f"<tr><td>{html.escape(str(source.get('name', '')))}</td>"
                f"<td>{html.escape(str(source.get('through_label', '')))}</td>"
                f"<td>{html.escape(str(source.get('detail', '')))}</td><td>{link}</td></tr>"
            )
    if not rows:
        return '<p class="note">Not available yet: the data overview report has not been built.</p>'
    return (
        "<table><thead><tr><th>Source</th><th>Data through</th><th>Detail</th><th>Reported in</th></tr></thead>"
        f"<tbody>{''.join(rows.values())}</tbody></table>"
    )


def _status_row(report: Report, entry: Entry | None) -> str:
    status = entry.status if entry else None
    link = (
        f'<a href="{html.escape(entry.html, quote=True)}">{html.escape(report.title)}</a>'
        if entry
        else html.escape(report.title)
    )
    error = f'<div class="error">{html.escape(entry.error)}</div>' if entry and entry.error else ""
    if entry and entry.status == "stale":
        failed_link = (
            f' (<a href="{html.escape(entry.failed_html, quote=True)}">failed run</a>)'
            if entry.failed_html
            else ""
        )
        error = (
            f'<div class="error">Out of date: the run started {html.escape(entry.failed_at or "?")} UTC '
            f"failed{failed_link}; the page is the last good run.</div>{error}"
        )
    duration = f"{entry.duration:.1f} s" if entry else "–"
    when = html.escape(entry.started_at) if entry else "–"
    return (
        f'<tr class="status-{status or "none"}"><td>{link}{error}</td><td><code>{html.escape(report.name)}</code></td>'
        f'<td class="status">{STATUS_LABEL.get(status, status)}</td><td>{duration}</td><td>{when}</td></tr>'
    )


def _about(text: str) -> str:
    if not text:
        return ""
    filled = text.replace(GOAL_PLACEHOLDER, f"{config.GOAL_ARRESTS_PER_DAY:,}")
    paragraphs = [" ".join(p.split()) for p in filled.split("\n\n") if p.strip()]
    return '<div class="about">' + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</div>"


def render_index(
    report_set: ReportSet | Iterable[Report],
    entries: dict[str, Entry],
    groups: dict[str, str] | None = None,
    *,
    data_version: str,
    git_commit: str,
) -> str:
    """The site's front page (self-contained, no scripts, relative links only)."""
    if isinstance(report_set, ReportSet):
        reports, groups, site = list(report_set.reports), report_set.groups, report_set.site
    else:
        from research.reports.spec import SiteText

        reports, groups, site = list(report_set), groups or {}, SiteText()
    counts = {
        s: sum(1 for r in reports if r.name in entries and entries[r.name].status == s) for s in STATUS_LABEL
    }
    not_run = len(reports) - sum(counts[s] for s in ("ok", "failed", "stale"))
    sections, status_rows = [], []
    for group, heading in groups.items():
        members = [r for r in reports if r.group == group]
        if not members:
            continue
        items = "".join(_report_item(r, entries.get(r.name)) for r in members)
        sections.append(
            f'<section id="{html.escape(group_anchor(group), quote=True)}"><h2>{html.escape(heading)}</h2>'
            f'<ul class="reports">{items}</ul></section>'
        )
        status_rows += [_status_row(r, entries.get(r.name)) for r in members]
    title = html.escape(site.title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}{INDEX_CSS}</style></head>
<body>{header_html("index.html", groups)}
<main>
<h1>{title}</h1>
{_about(site.about)}
<section id="findings"><h2>Key findings</h2>
<p class="note">Computed when each report last ran; each with the date its numbers refer to.</p>
{_findings(reports, entries)}</section>
<section id="data"><h2>Data through</h2>{_sources(reports, entries)}</section>
{"".join(sections)}
<section id="build"><h2>Build status</h2>
<details><summary>{len(reports)} reports: {counts["ok"]} ok, {counts["stale"]} stale (last run failed, last good page
shown), {counts["failed"]} failed, {not_run} not run.</summary>
<table><thead><tr><th>Report</th><th>Name</th><th>Status</th><th>Duration</th><th>Run started (UTC)</th></tr></thead>
<tbody>{"".join(status_rows)}</tbody></table></details></section>
<footer class="site">Index written {html.escape(now_iso())} UTC · data version <code>{html.escape(data_version)}</code>
· git commit <code>{html.escape(git_commit)}</code></footer>
</main></body></html>
"""
