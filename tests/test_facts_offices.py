"""Curated facts and the field-office table: every row sourced, every spelling mapped or rejected loudly."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from research import data
from research.config import FACTS_DIR
from research.data import facts, offices


@pytest.mark.parametrize("name", facts.FACT_NAMES)
def test_every_committed_fact_file_passes_its_spec(name: str) -> None:
    frame = facts.read_facts(name)
    assert len(frame) > 0 and list(frame.columns) == facts.specs()[name].names
    for column in facts.DATE_COLUMNS:
        if column in frame.columns and facts.specs()[name].column(column).kind == "date":
            assert pd.api.types.is_datetime64_any_dtype(frame[column]), column


def _timeline(tmp_path: Path, url: str) -> Path:
    """A one-row SYNTHETIC timeline file whose source_url is `url`."""
    row = ["2025-01-20", "Inauguration", "policy", "national", url, ""]
    with open(tmp_path / "timeline_events.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "label", "category", "scope", "source_url", "note"])
        writer.writerow(row)
    return tmp_path


@pytest.mark.parametrize(
    "url",
    [
        "www.ice.gov/news",  # no scheme
        "javascript:alert(1)",
        "ftp://example.org/file",
        "https://",  # no host
        "https://example.org/a page",  # whitespace
        'https://example.org/"onmouseover="alert(1)',  # a quote would close an HTML attribute
        "https://example.org/<script>",
        "see the AP story of 28 Oct",
    ],
)
def test_a_source_that_is_not_a_web_url_is_rejected(tmp_path: Path, url: str) -> None:
    """Replaces a tautological check on the committed rows: this one fails if the URL rule is weakened."""
    with pytest.raises(
        facts.FactsError, match=r"timeline_events\.csv line 2, column 'source_url' = .*: expected an http"
    ):
        facts.read_facts("timeline_events", _timeline(tmp_path, url))


@pytest.mark.parametrize("url", ["https://www.ice.gov/news?x=1#top", "http://bandukwala.org/4147665.html"])
def test_plain_http_and_https_urls_are_accepted(tmp_path: Path, url: str) -> None:
    assert facts.read_facts("timeline_events", _timeline(tmp_path, url))["source_url"].tolist() == [url]


def test_a_fact_without_source_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "timeline_events.csv").write_text(
        "date,label,category,scope,source_url,note\n2025-01-20,Inauguration,policy,national,,\n"
    )
    with pytest.raises(
        facts.FactsError, match=r"timeline_events\.csv line 2, column 'source_url' is empty: expected an http"
    ):
        facts.read_facts("timeline_events", tmp_path)


def test_a_bad_date_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "timeline_events.csv").write_text(
        "date,label,category,scope,source_url,note\n20 Jan 2025,Inauguration,policy,national,https://x.org,\n"
    )
    with pytest.raises(
        facts.FactsError, match=r"line 2, column 'date' = '20 Jan 2025': expected a date YYYY-MM-DD"
    ):
        facts.read_facts("timeline_events", tmp_path)


def test_events_layer_has_the_key_dates() -> None:
    events = data.load_events().set_index("date")
    for day in ("2025-01-20", "2025-05-21", "2025-10-24", "2025-09-08"):
        assert day in events.index.strftime("%Y-%m-%d")


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Atlanta Area of Responsibility", "ATL"),
        ("ATL", "ATL"),
        ("atl", "ATL"),
        ("St. Paul", "SPM"),
        ("Saint Paul Area of Responsibility", "SPM"),
        ("HAL", "HLG"),
        ("Harlingen Area of Responsibility", "HLG"),
        ("New York City Area of Responsibility", "NYC"),
        (" Washington ", "WAS"),
    ],
)
def test_spellings_map_to_codes(spelling: str, code: str) -> None:
    assert offices.to_aor_code(spelling) == code


def test_unknown_spelling_fails_loudly() -> None:
    with pytest.raises(offices.UnknownAORError, match=r"'Gotham Area of Responsibility'.*ATL, BAL"):
        offices.to_aor_code("Gotham Area of Responsibility")


def test_twenty_five_offices() -> None:
    assert len(offices.aor_codes()) == 25
    assert offices.is_unassigned("HQ") and offices.is_unassigned("") and not offices.is_unassigned("Atlanta")


def test_fod_events_keep_confidence_sources_and_partial_source_dates() -> None:
    events = data.load_fod_events()
    assert len(events) == 81
    assert set(events["confidence"]) == {"high", "medium", "low"}
    assert events["source_url"].str.match(r"https?://").all()
    assert events["event_date"].notna().all()
    assert "2025-10 (approx)" in set(events["source_date"])  # partial page dates stay as written
    removed = events[(events["event"] == "fod_removed") & (events["event_date"] == "2025-10-24")]
    assert {"DEN", "LOS", "SND", "PHO", "PHI"} <= set(removed["aor_code"])


def test_fod_events_reject_an_unknown_confidence(tmp_path) -> None:
    source = (FACTS_DIR / "fod_events.csv").read_text()
    (tmp_path / "fod_events.csv").write_text(source.replace(",medium,", ",certain,", 1))
    with pytest.raises(
        facts.FactsError,
        match=r"fod_events.csv line \d+, column 'confidence' = 'certain': expected one of high",
    ):
        facts.read_facts("fod_events", tmp_path)


# --- issue 14 item 14: every facts error names file and line ---------------------------------------------

FIGURES_HEADER = "metric,period_start,period_end,value,unit,source_url,source_date,note\n"


def _figures(tmp_path: Path, *rows: str, encoding: str = "utf-8") -> Path:
    """A SYNTHETIC official_figures.csv with a good first row and `rows` after it."""
    good = "ice_arrests,2025-01-20,2025-05-19,78155,arrests,https://example.org/a,,\n"
    (tmp_path / "official_figures.csv").write_bytes((FIGURES_HEADER + good + "".join(rows)).encode(encoding))
    return tmp_path


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "ice_arrests,2025-01-20,,lots,arrests,https://example.org/b,,\n",
            r"line 3, column 'value' = 'lots'",
        ),
        (
            "ice_arrests,2025-01-20,,-5,arrests,https://example.org/b,,\n",
            r"line 3, column 'value' = '-5'.*>= 0",
        ),
        (
            "ice_arrests,2025-01-20,,nan,arrests,https://example.org/b,,\n",
            r"line 3, column 'value' = 'nan'.*finite",
        ),
        ("ice_arrests,2025-01-20,,inf,arrests,https://example.org/b,,\n", r"line 3, column 'value' = 'inf'"),
        (
            "ice_arrests,2025-06-01,2025-05-01,10,arrests,https://example.org/b,,\n",
            r"line 3, column 'period_end' = '2025-05-01': expected a date on or after period_start",
        ),
        (
            "ice_arrests,2025-02-30,,10,arrests,https://example.org/b,,\n",
            r"line 3, column 'period_start' = '2025-02-30'",
        ),
        (
            "ICE arrests,2025-01-20,,10,arrests,https://example.org/b,,\n",
            r"line 3, column 'metric' = 'ICE arrests'",
        ),
        (
            "ice_arrests,2025-01-20,,10,arrests,https://example.org/b,,,extra\n",
            r"line 3: 9 values for 8 columns",
        ),
        ('ice_arrests,2025-01-20,,10,arrests,https://example.org/b,,"unclosed\n', r"line 3: not valid CSV"),
    ],
)
def test_a_bad_figure_names_file_line_and_column(tmp_path: Path, row: str, expected: str) -> None:
    with pytest.raises(facts.FactsError) as info:
        facts.read_facts("official_figures", _figures(tmp_path, row))
    message = str(info.value)
    assert "\n" not in message and "official_figures.csv" in message
    assert re.search(expected, message), message


def test_non_utf8_input_names_file_line_and_byte(tmp_path: Path) -> None:
    row = "ice_arrests,2025-01-20,,10,arrests,https://example.org/b,,Homan d\xe9clare\n"
    with pytest.raises(facts.FactsError, match=r"official_figures\.csv line 3: byte 0xe9 .* not UTF-8"):
        facts.read_facts("official_figures", _figures(tmp_path, row, encoding="latin-1"))


def test_a_quoted_value_spanning_lines_keeps_the_right_line_numbers(tmp_path: Path) -> None:
    rows = (
        'ice_arrests,2025-01-20,,10,arrests,https://example.org/b,,"a note\non two lines"\n',
        "ice_arrests,2025-01-20,,-1,arrests,https://example.org/c,,\n",
    )
    with pytest.raises(facts.FactsError, match=r"line 5, column 'value' = '-1'"):
        facts.read_facts("official_figures", _figures(tmp_path, *rows))


def test_several_problems_report_the_first_and_count_the_rest(tmp_path: Path) -> None:
    rows = ("ice_arrests,2025-01-20,,-1,arrests,https://example.org/b,,\n",) * 3
    with pytest.raises(facts.FactsError, match=r"line 3, column 'value'.*and 2 more problem"):
        facts.read_facts("official_figures", _figures(tmp_path, *rows))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (FIGURES_HEADER.replace("source_url", "souce_url"), r"line 1: missing column\(s\) \['source_url'\]"),
        (FIGURES_HEADER.replace("note", "note,extra"), r"line 1: unknown column\(s\) \['extra'\]"),
        (FIGURES_HEADER.replace("unit", "value"), r"line 1: column 'value' appears twice"),
    ],
)
def test_header_problems_name_the_expected_columns(tmp_path: Path, header: str, expected: str) -> None:
    (tmp_path / "official_figures.csv").write_text(header)
    with pytest.raises(facts.FactsError, match=expected):
        facts.read_facts("official_figures", tmp_path)


def test_a_missing_or_directory_facts_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(facts.FactsError, match=r"official_figures\.csv: CSV file not found"):
        facts.read_facts("official_figures", tmp_path)
    (tmp_path / "official_figures.csv").mkdir()
    with pytest.raises(facts.FactsError, match=r"official_figures\.csv: is a directory"):
        facts.read_facts("official_figures", tmp_path)


@pytest.mark.parametrize(
    ("column", "old", "new"),
    [
        ("event", ",fod_removed,", ",fod_fired,"),
        ("origin", ",ice_ero,", ",ICE,"),
        ("confidence", ",high,", ",High,"),
    ],
)
def test_fod_vocabularies_are_closed(tmp_path: Path, column: str, old: str, new: str) -> None:
    source = (FACTS_DIR / "fod_events.csv").read_text()
    (tmp_path / "fod_events.csv").write_text(source.replace(old, new, 1))
    with pytest.raises(
        facts.FactsError, match=rf"fod_events\.csv line \d+, column '{column}' = .*: expected one of"
    ):
        facts.read_facts("fod_events", tmp_path)


# --- the curated field-office table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "ATL,Atlanta",
            "atl,Atlanta",
            r"line 2, column 'aor' = 'atl': expected a three-letter upper-case code",
        ),
        (
            "BAL,Baltimore",
            "ATL,Baltimore",
            r"line 3, column 'aor' = 'ATL': expected a value not used on another line \(already on line 2\)",
        ),
        ("Atlanta,GA", "Atlanta,Georgia", r"line 2, column 'state' = 'Georgia'"),
    ],
)
def test_field_office_table_errors_name_line_and_column(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    path = tmp_path / "field_offices.csv"
    path.write_text(offices.FIELD_OFFICES_FILE.read_text().replace(old, new, 1))
    with pytest.raises(offices.FieldOfficesError, match=expected):
        offices.read_field_office_table(path)


def test_field_office_table_needs_all_25_offices(tmp_path: Path) -> None:
    path = tmp_path / "field_offices.csv"
    path.write_text("\n".join(offices.FIELD_OFFICES_FILE.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(offices.FieldOfficesError, match="24 rows; expected exactly 25"):
        offices.read_field_office_table(path)


def test_field_office_table_is_reread_after_an_edit_and_callers_get_their_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "field_offices.csv"
    path.write_text(offices.FIELD_OFFICES_FILE.read_text())
    first = offices.read_field_office_table(path)
    first.loc[0, "short_name"] = "changed by a caller"
    assert offices.read_field_office_table(path).loc[0, "short_name"] != "changed by a caller"
    path.write_text(offices.FIELD_OFFICES_FILE.read_text().replace("Atlanta,GA", "Atlanta,Georgia", 1))
    with pytest.raises(offices.FieldOfficesError, match="'Georgia'"):
        offices.read_field_office_table(path)
