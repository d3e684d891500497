"""Drawing and page text of the scorecards and the comparison page, on synthetic frames built here.

html_table (offline, escaped, sortable), the page-wide event key, the timeline table, and the charts' rules:
partial months never joined into a line, interval averages drawn as separate segments, map labels that do not
overlap.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_reports_scorecard import OFFICES, summary

from research.figures import scorecard as charts
from research.figures.events import EventKey
from research.figures.html_tables import html_table
from research.figures.tables import reader_table
from research.models import scorecard

WINDOW_2526 = (pd.Timestamp("2025-08-01"), pd.Timestamp("2026-07-31"))
HOSTILE = '<script>alert("x")</script> & *bold* [link](javascript:alert(1))'


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- html_table ---------------------------------------------------------------------------------------------------


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Alpha", HOSTILE, "Gamma"],
            "count": [1200, 35, None],
            "rate": [0.5, 12.25, 3.0],
            "when": pd.to_datetime(["2025-10-24", None, "2026-01-03"]),
            "flag": [True, False, True],
            "page": ["40_field_office_AAA.html", "javascript:alert(1)", '"><img src=x>'],
        }
    )


def test_html_table_escapes_cells_and_has_no_external_url() -> None:
    page = html_table(
        frame(),
        {"name": "Office <name>", "count": "Arrests", "rate": "Rate", "when": "Date", "flag": "Changed"},
        formats={"rate": "{:,.2f}"},
        links={"name": "page"},
        sortable=True,
        caption="Caption & <b>",
    ).data
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Office &lt;name&gt;" in page and "Caption &amp; &lt;b&gt;" in page
    assert "http" not in page and "//" not in re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    assert '<a href="40_field_office_AAA.html">Alpha</a>' in page
    assert 'javascript:alert(1)"' not in page and "<img" not in page  # unsafe link targets are not links
    assert ">1,200<" in page and ">–<" in page and ">yes<" in page and ">24 Oct 2025<" in page
    assert "NaN" not in page and "None" not in page and "NaT" not in page
    assert page.count("<script>") == 1 and 'class="research-table-wrap"' in page and "overflow-x:auto" in page


def test_html_table_sort_keys_are_numbers_and_missing_values_are_empty() -> None:
    page = html_table(frame(), {"count": "Arrests", "when": "Date"}, sortable=True).data
    keys = re.findall(r'data-sort="([^"]*)"', page)
    assert keys[0:2] == ["1200.0", str(pd.Timestamp("2025-10-24").value)]
    assert keys[4] == "" and keys[3] == ""  # missing count (row 3) and missing date (row 2)
    plain = html_table(frame(), {"count": "Arrests"}).data
    assert "<script>" not in plain and "data-sort" not in plain and "<button" not in plain


def test_html_table_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="'nope'"):
        html_table(frame(), {"nope": "Nope"})


def test_reader_table_scrolls_inside_its_box() -> None:
    html = reader_table(frame(), {"name": "Office", "count": "Arrests"}).to_html()
    assert re.search(r"#T_\w+\s*\{[^}]*overflow-x: auto", html)


# --- event key ------------------------------------------------------------------------------------------------------


def events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-10-24", "2025-01-20", "2026-06-01"]),
            "label": ["Shake-up *now*", "Inauguration", "Late <event>"],
            "source_url": ["https://example.org/a", "javascript:alert(1)", None],
        }
    )


def test_event_key_numbers_events_once_per_page_and_lists_them_escaped() -> None:
    key = EventKey(events())
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax1.plot(pd.to_datetime(["2025-01-01", "2025-12-31"]), [0, 1])
    ax2.plot(pd.to_datetime(["2025-09-01", "2026-12-31"]), [0, 1])
    assert key.draw(ax1) == [1, 2]  # numbered by date, whatever the chart
    assert key.draw(ax2) == [2, 3]  # the shake-up is 2 on every chart of the page
    text = key.markdown([2, 3])
    assert text.startswith("Events marked on the chart")
    assert "- 2: Shake-up \\*now\\*, 24 October 2025 ([source](https://example.org/a))" in text
    assert "- 3: Late &lt;event&gt;, 01 June 2026" in text and "None" not in text
    assert "javascript" not in key.markdown([1])
    assert key.markdown([]) == ""
    assert fig.texts == []  # nothing baked into the image as small print


# --- charts ---------------------------------------------------------------------------------------------------------


def test_monthly_figure_never_joins_incomplete_months_to_the_line() -> None:
    monthly = pd.DataFrame(
        {
            "month": pd.date_range("2025-01-01", periods=5, freq="MS"),
            "per_day": [10.0, 12.0, 11.0, 13.0, 2.0],
            "partial_month": [True, False, False, False, True],
            "reporting_lag": [False, False, False, True, True],
        }
    )
    alloc = pd.DataFrame(
        {
            "basis": ["arrests_2024"],
            "basis_label": ["2024 share"],
            "short_label": ["2024 arrests"],
            "allocated_per_day": [40.0],
        }
    )
    fig = charts.monthly_figure(monthly, alloc, title="Office: ICE arrests per day by month")
    ax = fig.axes[0]
    line = ax.lines[0]
    assert list(pd.to_datetime(line.get_xdata())) == list(monthly["month"][1:3])
    assert len(ax.patches) == 3  # the three incomplete months as separate hatched bars
    assert "arrests" in ax.get_title()


def test_detention_figure_draws_one_unjoined_segment_per_interval() -> None:
    intervals = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2025-10-01", "2025-10-11", "2025-11-01"]),
            "period_end": pd.to_datetime(["2025-10-10", "2025-10-31", "2025-11-20"]),
            "period_adp": [150.0, None, 195.0],
        }
    )
    fig = charts.detention_figure(intervals, title="Office: average detained population")
    ax = fig.axes[0]
    assert len(ax.lines) == 0 and len(ax.collections) == 1
    assert len(ax.collections[0].get_segments()) == 2  # the revised interval (missing) is not drawn
    assert "detained population" in ax.get_title()


def test_windows_figure_shows_each_window_and_each_allocation() -> None:
    s = summary()
    me = s.table.set_index("aor").loc["AAA"]
    alloc = scorecard.goal_allocations(s, OFFICES, goal=3000)
    fig = charts.windows_figure(
        me, s.windows, alloc[alloc["aor"] == "AAA"], title="Alpha: ICE arrests per day"
    )
    ax = fig.axes[0]
    assert [round(p.get_height(), 3) for p in ax.patches] == [
        round(600 / 366, 3),
        round(1200 / 365, 3),
        round(1550 / 365, 3),
    ]
    mine = alloc[alloc["aor"] == "AAA"]["allocated_per_day"].dropna()
    assert len(mine) == len(scorecard.ALLOCATIONS)
    assert sorted(line.get_ydata()[0] for line in ax.lines) == pytest.approx(sorted(mine))
    assert len(ax.get_legend().get_texts()) == len(mine)


def test_map_labels_do_not_overlap() -> None:
    crowded = pd.DataFrame(
        {"longitude": [-74.0, -74.2, -75.2, -76.6, -77.0], "latitude": [40.7, 40.7, 40.0, 39.3, 38.9]}
    )
    heights = charts.label_heights(crowded, width=7.0, height=0.8)
    for i in range(len(heights)):
        for j in range(i):
            assert abs(heights[i] - heights[j]) >= 0.8 - 1e-9
    far = pd.DataFrame({"longitude": [-120.0, -80.0], "latitude": [40.0, 40.0]})
    assert charts.label_heights(far) == [40.0, 40.0]


def test_timeline_table_escapes_curated_text_and_links_sources() -> None:
    timeline = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-10-24"]),
            "what": ["director removed or reassigned"],
            "person": [""],
            "role": [HOSTILE],
            "confidence": ["medium"],
            "publisher": ["Paper & Co"],
            "url": ["https://example.org/story"],
        }
    )
    page = charts.timeline_table(timeline).data
    assert "<script>alert" not in page and '<a href="https://example.org/story">Paper &amp; Co</a>' in page
    assert ">–<" in page  # a missing person is a dash


def test_arrest_measures_are_reader_text_with_ranks() -> None:
    out = charts.arrest_measures(summary(), "AAA")
    assert (
        out.loc[0, "office"] == "1,550"
        and out.loc[0, "rank"] == "1 of 3"
        and out.loc[0, "national"] == "3,100"
    )
    change = out[out["measure"].str.startswith("Change,")].iloc[0]
    assert change["office"] == "+350" and change["national"] == "+700"
    assert "Jan–Jul 2026 minus Jan–Jul 2025" in change["measure"]


def test_goal_headline_is_a_range_over_the_allocations() -> None:
    assert charts.goal_range_label(pd.Series([0.28, 0.32])) == "28.0%–32.0%"
    assert charts.goal_range_label(pd.Series([0.46, None])) == "46.0%"  # one allocation only
    assert charts.goal_range_label(pd.Series([None, None], dtype=float)) == "–"
    assert charts.pct_label(float("nan")) == "–"
    # With the page's tie-aware labels, the headline's ends read as the bullets above it.
    pcts = pd.Series([0.5687, 0.197, 0.30], index=["equal", "population", "arrests_2024"])
    labels = pd.Series(["56.87%", "19.7%", "30.0%"], index=pcts.index)
    assert charts.goal_range_label(pcts, labels) == "19.7%–56.87%"


def test_reader_table_aligns_words_left_and_numbers_right() -> None:
    html = reader_table(
        pd.DataFrame({"name": ["Alpha"], "count": [3], "text_number": ["1,200"]}),
        {"name": "Office", "count": "Arrests", "text_number": "Formatted"},
        align_right=["text_number"],
    ).to_html()
    right = " ".join(re.findall(r"([^{}]*)\{\s*text-align: right;", html))
    left = " ".join(re.findall(r"([^{}]*)\{\s*text-align: left;", html))
    assert "row0_col1" in right and "row0_col2" in right and "row0_col0" not in right
    assert "row0_col0" in left and "th.col0" in left and "col1" not in left


# --- ties at the printed precision --------------------------------------------------------------------------------


def test_pct_labels_add_a_decimal_only_where_two_values_would_print_alike() -> None:
    values = pd.Series([0.41842, 0.41772, 0.5, 0.5, None, 0.30], dtype=float)
    assert list(charts.pct_labels(values)) == ["41.84%", "41.77%", "50.0%", "50.0%", "–", "30.0%"]
    # Only the pair that needs it gets a third decimal.
    deeper = pd.Series([0.4184, 0.417721, 0.417741])
    assert list(charts.pct_labels(deeper)) == ["41.84%", "41.772%", "41.774%"]
    # Values alike at the third decimal are ties: they keep one short label.
    assert list(charts.pct_labels(pd.Series([0.1234501, 0.1234502]))) == ["12.3%", "12.3%"]
    # Neighbours across a rounding boundary (41.249 and 41.254 fall in 41.2 and 41.3) never print alike.
    edge = charts.pct_labels(pd.Series([0.41249, 0.41254, 0.4122, 0.4126]))
    assert edge.is_unique


def test_pct_labels_never_print_different_values_alike_nor_out_of_order() -> None:
    """Synthetic shares drawn here (seeded) at the spacing of the real allocations: label order is value order."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        values = pd.Series(np.round(rng.uniform(0.40, 0.43, size=25), 6))
        labels = charts.pct_labels(values)
        shown = labels.str.rstrip("%").astype(float)
        for i in range(len(values)):
            for j in range(len(values)):
                exact_i, exact_j = round(values[i] * 100, 3), round(values[j] * 100, 3)
                assert (labels[i] == labels[j]) == (exact_i == exact_j)
                if shown[i] > shown[j]:
                    assert values[i] > values[j]


def test_tie_ranks_share_a_rank_only_for_values_that_print_alike() -> None:
    ranks = charts.tie_ranks(pd.Series([0.5, 0.3, 0.5, None, 0.41842, 0.41772]))
    assert ranks["rank"].tolist() == [1, 5, 1, pd.NA, 3, 4]
    assert ranks["tied"].tolist() == [True, False, True, False, False, False]
    assert charts.rank_text(1, True, 25) == "rank 1 of 25, tied"
    assert charts.rank_text(4, False, 25) == "rank 4 of 25"
    assert charts.rank_text(pd.NA, False, 25) == "–"


def test_pct_formatter_prints_each_cell_as_its_column_needs() -> None:
    column = pd.Series([0.41842, 0.41772, 0.2, None])
    fmt = charts.pct_formatter(column)
    assert [fmt(v) for v in column] == ["41.84%", "41.77%", "20.0%", "–"]
    page = html_table(
        pd.DataFrame({"pct": column}), {"pct": "% of goal"}, formats={"pct": fmt}, sortable=True
    )
    assert ">41.84%<" in page.data and ">41.77%<" in page.data
    assert 'data-sort="0.41842"' in page.data  # sorts on the value, not the label


def test_allocation_labels_rank_within_each_split() -> None:
    alloc = scorecard.goal_allocations(summary(), OFFICES, goal=3000)
    labels = charts.allocation_labels(alloc).set_index(["basis", "aor"])
    assert labels.loc[("equal", "AAA"), "rank_text"] == "rank 1 of 3"
    assert labels.loc[("noncitizens", "CCC"), "pct_text"] == "–"
    assert labels.loc[("noncitizens", "AAA"), "rank_text"].endswith("of 2")  # only offices with an allocation


def test_growth_and_totals_sentences_are_computed_from_their_frames() -> None:
    s = summary()
    growth = scorecard.growth_index(s, goal=3)  # a goal the size of the synthetic offices
    labels = {"AAA": "A%", "BBB": "B%", "CCC": "C%"}
    names = {"AAA": "Alpha", "BBB": "Beta", "CCC": HOSTILE}
    text = str(charts.growth_index_text(growth, labels, names, k=2))
    assert "3 offices' combined 278.5% of the goal" in text  # 3,050 / 365 / 3,000
    assert f"×{growth.offices_growth:.1f}" in text
    assert "smallest 2024 bases: &lt;script&gt;" in text and "(240 arrests in 2024)" in text  # CCC, escaped
    assert "Beta (B%, arrests a day ×" in text.split("largest indices:")[1]
    assert "<script>" not in text
    totals = str(charts.office_totals_text(scorecard.office_totals(s, goal=3), 3, *WINDOW_2526))
    assert "50 arrests (1.61% of the national count" in totals and "not rounding" in totals
    assert "283.1% of the goal" in totals and "278.5%" in totals  # 3,100 and 3,050 over 365 days


def test_distinct_labels_work_for_plain_numbers_too() -> None:
    """Arrests a day and growth factors: 4.26 and 4.34 would both print 4.3."""
    values = pd.Series([4.26, 4.34, 1234.5, None])
    assert list(charts.distinct_labels(values, percent=False)) == ["4.26", "4.34", "1,234.5", "–"]
    fmt = charts.distinct_formatter(pd.Series([2.10, 2.14, 9.0]), percent=False)
    assert [fmt(v) for v in (2.10, 2.14, 9.0, float("nan"))] == ["2.10", "2.14", "9.0", "–"]


@pytest.mark.parametrize(
    ("national", "offices", "expected", "absent"),
    [
        (1_050, 1_000, "50 arrests", "disagree"),
        (1_000, 1_000, "The two counts agree", "not rounding"),
        (1_000, 1_040, "exceeds the national count by 40 arrests", "headquarters"),
    ],
)
def test_totals_sentence_says_only_what_the_gap_supports(
    national: int, offices: int, expected: str, absent: str
) -> None:
    totals = scorecard.OfficeTotals(national=national, offices=offices, days=365, goal=3000)
    text = str(charts.office_totals_text(totals, 25, *WINDOW_2526))
    assert expected in text and absent not in text
