"""Narrative and table helpers: curated text never becomes markup, missing values never show as NaN/NaT/None."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from research.figures.tables import reader_table
from research.figures.text import Markup, bullets, escape, join, link, md, md_text, source_link, table

HOSTILE = "<img src=x onerror=alert(1)> **bold** [x](javascript:alert(2))"


def test_inserted_text_is_escaped_and_numbers_are_formatted() -> None:
    text = md_text(
        "{name} ran {rate:,.0f} per day on {when:%d %B %Y}.",
        name=HOSTILE,
        rate=1220.4,
        when=pd.Timestamp("2025-12-01"),
    )
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
    assert "\\*\\*bold\\*\\*" in text and "](javascript" not in text
    assert text.endswith("ran 1,220 per day on 01 December 2025.")


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NaT, np.nan, pd.NA])
def test_missing_values_read_as_a_dash(missing: object) -> None:
    assert md_text("value {x}", x=missing) == "value –"
    assert md_text("value {x:,.1f}", x=missing) == "value –"


def test_booleans_and_plain_dates_read_as_words() -> None:
    assert (
        md_text("{a} / {b} / {c}", a=True, b=False, c=pd.Timestamp("2025-07-01")) == "yes / no / 01 July 2025"
    )


def test_links_only_for_http_urls() -> None:
    assert link("AP", "https://apnews.com/a(b)") == "[AP](https://apnews.com/a%28b%29)"
    assert link("x", "javascript:alert(1)") == "x"
    assert link("x", 'https://e.com/"onmouseover=alert(1)') == "x"
    assert link("<b>", "data:text/html,hi") == "&lt;b&gt;"
    assert source_link("https://www.apnews.com/article/1") == "[apnews.com](https://www.apnews.com/article/1)"
    assert source_link(None) == "–"


def test_markup_is_inserted_as_is_and_helpers_escape_their_items() -> None:
    safe = link("source", "https://example.org")
    assert md_text("see {s}", s=safe) == "see [source](https://example.org)"
    assert join(["a", "<b>", safe], last=" and ") == "a, &lt;b&gt; and [source](https://example.org)"
    assert bullets(["x_y", Markup("**kept**")]) == "- x\\_y\n- **kept**"
    rows = [{"office": "<script>", "source": safe}]
    assert "&lt;script&gt;" in table(rows, {"office": "Office", "source": "Source"})
    assert md("{x}", x="<i>").data == "&lt;i&gt;"


def test_newlines_in_a_value_cannot_start_a_markdown_block() -> None:
    assert escape("line one\n# heading\n- item") == "line one # heading - item"


def test_reader_table_labels_formats_and_escapes() -> None:
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-07-01", None]),
            "count": [1234567, 8],
            "partial": [True, False],
            "rate": [1.23456, float("nan")],
            "note": [HOSTILE, None],
        },
        index=[10, 11],
    )
    html = reader_table(
        frame,
        {
            "month": "Month",
            "count": "Book-ins",
            "partial": "Partial month",
            "rate": "Per day",
            "note": "Note",
        },
        formats={"rate": "{:,.1f}"},
        dates={"month": "%b %Y"},
        caption="<b>caption</b>",
    ).to_html()
    for expected in ("Jul 2025", "1,234,567", "yes", "no", "1.2", "Book-ins", "&lt;b&gt;caption"):
        assert expected in html
    for forbidden in ("<img", "NaN", "NaT", "None", "nan", ">10<", "True", "00:00:00"):
        assert forbidden not in html
    assert html.count("–") == 3  # missing month, rate and note


def test_reader_table_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match=r"\['nope'\] not in the frame"):
        reader_table(pd.DataFrame({"a": [1]}), {"nope": "Nope"})


def test_reader_table_escapes_headers_and_refuses_a_repeated_label() -> None:
    html = reader_table(pd.DataFrame({"a": [1]}), {"a": "<b>Arrests</b> & co"}).to_html()
    assert "<b>Arrests" not in html and "&lt;b&gt;Arrests&lt;/b&gt; &amp; co" in html
    with pytest.raises(ValueError, match=r"header label\(s\) \['Per day'\] used for more than one column"):
        reader_table(pd.DataFrame({"a": [1], "b": [2]}), {"a": "Per day", "b": "Per day"})


def test_spans_format_both_ends_and_refuse_unequal_lengths() -> None:
    from research.figures.tables import spans

    lows = pd.Series([0.1234, np.nan])  # synthetic
    highs = pd.Series([0.5, 0.75])
    assert spans(lows, highs, "{:.2f}") == ["0.12 to 0.50", "– to 0.75"]
    months = pd.to_datetime(["2025-09-01", "2026-01-01"])
    assert spans(months[:1], months[1:], "{:%b %Y}") == ["Sep 2025 to Jan 2026"]
    with pytest.raises(ValueError, match="2 low values but 1 high"):
        spans(lows, highs[:1])
