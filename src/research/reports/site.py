"""`reports/index.html`: every report of the set with status, duration and link, grouped as in reports.yaml."""

from __future__ import annotations

import html
from collections.abc import Iterable

from research.reports.provenance import now_iso
from research.reports.spec import Report
from research.reports.store import Entry

STATUS_LABEL = {"ok": "ok", "failed": "FAILED", "stale": "STALE", None: "not run"}


def _row(report: Report, entry: Entry | None) -> str:
    status = entry.status if entry else None
    link = (
        f'<a href="{html.escape(entry.html)}">{html.escape(report.title)}</a>'
        if entry
        else html.escape(report.title)
    )
    error = f'<div class="error">{html.escape(entry.error)}</div>' if entry and entry.error else ""
    if entry and entry.status == "stale":
        failed_link = (
            f' (<a href="{html.escape(entry.failed_html)}">failed run</a>)' if entry.failed_html else ""
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


def render_index(
    reports: Iterable[Report],
    entries: dict[str, Entry],
    groups: dict[str, str],
    *,
    data_version: str,
    git_commit: str,
) -> str:
    """The site's front page (self-contained, no scripts)."""
    reports = list(reports)
    failed = sum(1 for r in reports if r.name in entries and entries[r.name].status == "failed")
    stale = sum(1 for r in reports if r.name in entries and entries[r.name].status == "stale")
    done = sum(1 for r in reports if r.name in entries and entries[r.name].status == "ok")
    sections = []
    for group, heading in groups.items():
        members = [r for r in reports if r.group == group]
        if not members:
            continue
        rows = "".join(_row(r, entries.get(r.name)) for r in members)
        sections.append(
            f'<section id="{html.escape(group)}"><h2>{html.escape(heading)}</h2><table>'
            "<thead><tr><th>Report</th><th>Name</th><th>Status</th><th>Duration</th><th>Run started (UTC)</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></section>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Research reports</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 980px; margin: 0 auto; padding: 1.5rem 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 2rem; }}
th, td {{ text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
.status-failed .status {{ color: #D55E00; font-weight: bold; }}
.status-ok .status {{ color: #009E73; }}
.status-stale .status {{ color: #B35900; font-weight: bold; }}
.error {{ color: #D55E00; font-size: .85rem; }}
footer {{ font-size: .85rem; color: #555; }}
</style></head>
<body><h1>Research reports</h1>
<p class="summary">{len(reports)} reports: {done} ok, {stale} stale (last run failed, last good page shown), {failed} failed,
{len(reports) - done - failed - stale} not run.</p>
{"".join(sections)}
<footer>Index written {html.escape(now_iso())} UTC · data version <code>{html.escape(data_version)}</code>
· git commit <code>{html.escape(git_commit)}</code></footer>
</body></html>
"""
