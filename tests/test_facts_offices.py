"""Curated facts and the field-office table: every row sourced, every spelling mapped or rejected loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from research import data
from research.config import FACTS_DIR
from research.data import facts, offices


@pytest.mark.parametrize("name", sorted(facts.FACT_FILES))
def test_every_fact_row_has_a_source_url_and_parsed_dates(name: str) -> None:
    frame = facts.read_facts(name)
    assert len(frame) > 0
    assert frame["source_url"].str.startswith("http").all()


def test_a_fact_without_source_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "timeline_events.csv").write_text(
        "date,label,category,scope,source_url,note\n2025-01-20,Inauguration,policy,national,,\n"
    )
    with pytest.raises(facts.FactsError, match=r"timeline_events\.csv line 2: field 'source_url' is empty"):
        facts.read_facts("timeline_events", tmp_path)


def test_a_bad_date_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "timeline_events.csv").write_text(
        "date,label,category,scope,source_url,note\n20 Jan 2025,Inauguration,policy,national,https://x.org,\n"
    )
    with pytest.raises(facts.FactsError, match="expected a date YYYY-MM-DD"):
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
    with pytest.raises(facts.FactsError, match=r"fod_events.csv line \d+: field 'confidence' = 'certain'"):
        facts.read_facts("fod_events", tmp_path)
