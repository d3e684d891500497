"""CSV downloads beside a page (research.figures.downloads) and the figure/table presenters (research.figures.page).
Frames are synthetic, generated here."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from research.figures import downloads, page, style  # noqa: E402


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list:
    """What the helpers display (instead of a notebook's outputs)."""
    out: list = []
    monkeypatch.setattr(downloads, "display", lambda obj, **kw: out.append(obj))
    monkeypatch.setattr(page, "display", lambda obj, **kw: out.append((obj, kw)))
    monkeypatch.setattr(downloads, "_offered", set())
    return out


FRAME = pd.DataFrame(
    {
        "month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        "office": ['=HYPERLINK("http://x")', "<b>Chicago</b>"],
        "change": ["+5,960", "-2.8%"],
        "arrests": [1, None],
    }
)


def test_outside_a_report_run_nothing_is_written_or_shown(
    shown: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(downloads.DIR_ENV, raising=False)
    downloads.offer(FRAME, "x")
    assert shown == []


def test_offer_writes_a_csv_and_links_it_relative_to_the_page(
    shown: list, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(downloads.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(downloads.HREF_ENV, "40_field_office_CHI/")
    downloads.offer(
        FRAME, "Arrests by month!", columns={"month": "Month", "office": "Office", "change": "Change"}
    )
    downloads.offer(FRAME, "arrests by month")  # the same name twice on a page: a second file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arrests-by-month-2.csv", "arrests-by-month.csv"]
    written = (tmp_path / "arrests-by-month.csv").read_text().splitlines()
    assert written == [
        "Month,Office,Change",
        '2025-01-01,"\'=HYPERLINK(""http://x"")","+5,960"',  # a spreadsheet must not run it
        "2025-02-01,<b>Chicago</b>,-2.8%",
    ]
    assert (tmp_path / "arrests-by-month-2.csv").read_text().splitlines()[
        2
    ] == "2025-02-01,<b>Chicago</b>,-2.8%,"
    link = shown[0].data
    assert 'href="40_field_office_CHI/arrests-by-month.csv"' in link and "(CSV, 2 rows)" in link


def test_show_figure_needs_a_source_and_gives_the_image_its_alt_text(
    shown: list, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(downloads.DIR_ENV, str(tmp_path))
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_title("Synthetic arrests per day")
    with pytest.raises(ValueError, match="no source line"):
        page.show_figure(fig, name="x", describe="A line.")
    style.source_note(fig, "synthetic")
    with pytest.raises(ValueError, match="one-line description"):
        page.show_figure(fig, name="x", describe=" ")
    page.show_figure(fig, name="x", describe="A line of two points", data=FRAME)
    image, options = shown[0]
    assert options["metadata"]["image/png"] == {
        "alt": "Synthetic arrests per day. A line of two points.",
        "title": "Synthetic arrests per day",
    }
    assert image["image/png"] and plt.fignum_exists(fig.number) is False
    assert "Source: synthetic." in shown[1][0].data and (tmp_path / "x.csv").exists()
