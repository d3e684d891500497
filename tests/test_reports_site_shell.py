"""The site shell on synthetic notebooks (made by test code): downloads beside the page, findings on the front page,
warnings in the run log, header and contents, alt text. Both engines (warm kernels and `--cold` papermill)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_reports import processed, quiet, write_notebook, write_spec  # noqa: F401 - fixture re-used

from research.reports.runner import run_reports
from research.reports.shell import add_toc, header_html
from research.reports.site import render_index
from research.reports.spec import Report, ReportSet, SiteText
from research.reports.store import Entry, Manifest, remove_stale_temp_files, replace_folder

SYNTHETIC = r"""
import warnings
import pandas as pd
import matplotlib.pyplot as plt
from IPython.display import Markdown, display
from research.figures import style
from research.figures.downloads import offer
from research.figures.findings import Findings
from research.figures.page import show_figure

display(Markdown("## Section one"))
frame = pd.DataFrame({"month": pd.date_range("2025-01-01", periods=3, freq="MS"), "arrests": [1, 2, x]})
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot(frame["month"], frame["arrests"])
ax.set_title("Synthetic arrests per month")
style.source_note(fig, "synthetic source")
show_figure(fig, name="Synthetic chart", describe="A line of three synthetic points.", data=frame)
if x == 2:
    offer(frame, "only when two")
warnings.warn("synthetic warning for the run log")
display(Markdown("## Section two"))
findings = Findings()
findings.add("{n:,} synthetic arrests in all", date=frame["month"].max(), n=int(frame["arrests"].sum()))
findings.source("Synthetic source", through=frame["month"].max())
findings.publish()
"""


@pytest.fixture
def synthetic(tmp_path: Path, processed: Path) -> tuple[Path, Path]:  # noqa: F811 - pytest fixture
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    write_notebook(nbdir / "shell.ipynb", SYNTHETIC)
    spec = write_spec(
        nbdir,
        [
            {
                "name": "alpha",
                "notebook": "shell.ipynb",
                "group": "national",
                "title": "Synthetic alpha",
                "description": "A synthetic report for the shell tests.",
                "parameters": {"x": 2},
            }
        ],
    )
    return spec, tmp_path / "site"


@pytest.mark.parametrize("cold", [False, True], ids=["warm", "cold"])
def test_downloads_sit_beside_the_page_and_no_stale_file_survives_a_rerun(
    synthetic: tuple[Path, Path], cold: bool
) -> None:
    spec, out = synthetic
    summary = run_reports(spec, out, quiet(cold=cold))
    assert summary.ok, summary.text()
    page = (out / "html" / "alpha.html").read_text()
    folder = out / "html" / "alpha"
    assert sorted(p.name for p in folder.iterdir()) == ["only-when-two.csv", "synthetic-chart.csv"]
    assert 'href="alpha/synthetic-chart.csv"' in page and 'href="alpha/only-when-two.csv"' in page
    assert (folder / "synthetic-chart.csv").read_text().splitlines() == [
        "month,arrests",
        "2025-01-01,1",
        "2025-02-01,2",
        "2025-03-01,2",
    ]
    entry = Manifest.load(out).entries["alpha"]
    assert set(entry.downloads) == {"only-when-two.csv", "synthetic-chart.csv"}

    # A rerun that no longer offers a file leaves no trace of it; the manifest lists what is there now.
    summary = run_reports(spec, out, quiet(cold=cold, parameters={"x": 3}))
    assert summary.ok, summary.text()
    assert sorted(p.name for p in folder.iterdir()) == ["synthetic-chart.csv"]
    assert (folder / "synthetic-chart.csv").read_text().splitlines()[-1] == "2025-03-01,3"
    assert "only-when-two" not in (out / "html" / "alpha.html").read_text()
    assert set(Manifest.load(out).entries["alpha"].downloads) == {"synthetic-chart.csv"}
    assert not list(out.rglob(".tmp-*"))


def test_a_deleted_download_makes_the_report_run_again(synthetic: tuple[Path, Path]) -> None:
    spec, out = synthetic
    assert run_reports(spec, out, quiet()).executed == ["alpha"]
    assert run_reports(spec, out, quiet()).executed == []
    (out / "html" / "alpha" / "synthetic-chart.csv").unlink()
    assert run_reports(spec, out, quiet()).executed == ["alpha"]


def test_page_has_alt_text_header_contents_and_no_warning(synthetic: tuple[Path, Path]) -> None:
    spec, out = synthetic
    summary = run_reports(spec, out, quiet())
    page = (out / "html" / "alpha.html").read_text()
    assert 'alt="Synthetic arrests per month. A line of three synthetic points."' in page
    assert "No description has been provided" not in page
    assert header_html("../index.html", {"national": "National", "field_offices": "Field offices"}) in page
    assert 'href="#section-one"' in page and '<h2 id="section-one">' in page
    assert page.index('class="research-toc"') < page.index('id="section-one"')
    assert "Source: synthetic source." in page
    # The warning went to the run log, not to the page; the run says so in one line.
    assert "synthetic warning" not in page and "Warning" not in page.split("research-provenance")[0]
    log = (out / "logs" / "alpha.log").read_text()
    assert "synthetic warning for the run log" in log
    assert summary.logged == ["alpha"] and "logged warnings" in summary.text()
    # The published findings are collected, not shown on the page.
    assert "front page" not in page and "vnd.research.findings" not in page


def test_front_page_lists_findings_with_dates_sources_and_descriptions(synthetic: tuple[Path, Path]) -> None:
    spec, out = synthetic
    run_reports(spec, out, quiet())
    entry = Manifest.load(out).entries["alpha"]
    finding = entry.extra["summary"]["findings"][0]
    assert finding["text"] == "5 synthetic arrests in all" and finding["date_label"] == "March 2025"
    index = (out / "index.html").read_text()
    main = index[index.index("<main>") :]
    assert "March 2025:</span> 5 synthetic arrests in all" in main
    assert "Synthetic source</td><td>01 March 2025" in main
    assert "A synthetic report for the shell tests." in main
    assert main.index("Key findings") < main.index("Build status")  # build status comes last
    assert '<a class="title" href="html/alpha.html">Synthetic alpha</a>' in main


def test_front_page_escapes_every_text_from_the_reports_file_and_the_notebooks() -> None:
    hostile = '<img src=x onerror=alert(1)>"'
    report = Report("x", "x.ipynb", "national", hostile, description=hostile)
    entry = Entry(
        key="k",
        status="ok",
        notebook="x.ipynb",
        parameters={},
        html="html/x.html",
        ipynb="notebooks/x.ipynb",
        html_sha256="0",
        started_at="2026-01-01T00:00:00+00:00",
        duration=1.0,
        extra={
            "summary": {
                "findings": [{"text": hostile, "date_label": hostile, "key_finding": True}],
                "sources": [{"name": hostile, "through_label": hostile, "detail": hostile}],
            }
        },
    )
    site = ReportSet(
        Path("reports.yaml"), {"national": hostile}, [report], SiteText(title=hostile, about=hostile)
    )
    page = render_index(site, {"x": entry}, data_version=hostile, git_commit=hostile)
    assert "<img" not in page and "onerror=alert(1)>" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 8


def test_table_of_contents_nests_subsections_and_keeps_existing_ids() -> None:
    page = (
        "<h1>T</h1><h2>One &amp; two</h2><h3>Sub</h3><h2 id='kept'>Three</h2><h2>One &amp; two</h2>"
        '<footer class="research-provenance"><h2>Provenance</h2></footer>'
    )
    out = add_toc(page, end_marker='class="research-provenance"')
    assert '<a href="#one-two">One &amp; two</a><ol><li><a href="#sub">Sub</a></li></ol></li>' in out
    assert '<a href="#kept">Three</a>' in out and '<a href="#one-two-2">One &amp; two</a>' in out
    assert "Provenance</a>" not in out  # the footer is not part of the contents
    assert out.index("research-toc") > out.index("</h1>")


def test_replace_folder_swaps_whole_folders_and_refuses_names_outside(tmp_path: Path) -> None:
    target = tmp_path / "html" / "r"
    replace_folder(target, {"a.csv": b"1", "sub/b.csv": b"2"})
    replace_folder(target, {"c.csv": b"3"})
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == ["c.csv"]
    with pytest.raises(ValueError, match="leaves its folder"):
        replace_folder(target, {"../escape.csv": b"x"})
    assert (target / "c.csv").read_bytes() == b"3" and not (tmp_path / "html" / "escape.csv").exists()
    replace_folder(target, {})
    assert not target.exists()
    # A killed run's half-built folder is a temp folder: removed by the next run, files and all.
    (tmp_path / "html" / ".tmp-r.abc").mkdir()
    (tmp_path / "html" / ".tmp-r.abc" / "x.csv").write_text("x")
    assert remove_stale_temp_files(tmp_path) == 1 and not (tmp_path / "html" / ".tmp-r.abc").exists()


def test_findings_need_a_date_and_format_missing_values_as_a_dash() -> None:
    from research.figures.findings import Findings

    findings = Findings()
    findings.add(
        "{a:,.0f} and {b:.1%} and {c}", date="2026-07-31", date_format="%d %B %Y", a=1234.4, b=None, c=True
    )
    assert findings.payload()["findings"][0] == {
        "text": "1,234 and – and yes",
        "date": "2026-07-31",
        "date_label": "31 July 2026",
        "key_finding": True,
    }
    with pytest.raises(ValueError, match="missing"):
        findings.add("x", date=None)
    assert json.loads(json.dumps(findings.payload()))  # plain JSON for the manifest
