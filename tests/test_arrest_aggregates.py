"""Arrest aggregates (DDP records via immigration-research): readers, flags, and the committed tables.

The value checks read the committed embedded default; the reader-level checks on the real files need the mirror.
Synthetic CSVs below are written by the tests themselves.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from research import data
from research.data import arrest_aggregates as agg
from research.data import offices

CUTOFF = pd.Timestamp("2026-08-06")


def test_committed_monthly_table_holds_the_published_counts() -> None:
    monthly = data.load_arrests_monthly().set_index("month")
    assert monthly.loc["2025-12-01", "arrests"] == 39_722
    assert monthly.loc["2026-07-01", "arrests"] == 49_091
    assert monthly.index.min() == pd.Timestamp("2024-01-01")
    august = monthly.loc["2026-08-01"]
    assert bool(august["partial_month"]) and august["days_covered"] == 6
    # the last 21 days before 6 August 2026 reach back into July: July is flagged, June is not
    assert list(monthly.index[monthly["reporting_lag"]]) == [
        pd.Timestamp("2026-07-01"),
        pd.Timestamp("2026-08-01"),
    ]
    assert "Deportation Data Project" in data.load_arrests_monthly().attrs["source"]


def test_committed_windows_cover_25_offices_and_match_the_national_series() -> None:
    windows = data.load_arrests_aor_windows()
    assert windows.groupby("window")["aor"].nunique().to_dict() == {"w2526": 25, "y2024": 25, "y2025": 25}
    chicago = data.load_arrests_aor_windows("w2526").set_index("aor").loc["CHI"]
    assert chicago["arrests"] == 24_910
    # w2526 - y2025 = Jan-Jul 2026 minus Jan-Jul 2025; the office sums agree with the national months.
    by_window = windows.groupby("window")["arrests"].sum()
    monthly = data.load_arrests_monthly().set_index("month")["arrests"]
    national = monthly["2026-01-01":"2026-07-01"].sum() - monthly["2025-01-01":"2025-07-01"].sum()
    assert (by_window["w2526"] - by_window["y2025"]) / national == pytest.approx(1, abs=0.01)
    with pytest.raises(ValueError, match="window 'w2627'"):
        data.load_arrests_aor_windows("w2627")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_monthly_flags_partial_and_lagged_months(tmp_path: Path) -> None:
    path = _write(tmp_path, "synthetic_monthly.csv", "month,arrests\n2026-06,10\n2026-07,20\n2026-08,3\n")
    out = agg.read_monthly_national(path, CUTOFF)
    assert out["days_covered"].tolist() == [30, 31, 6]
    assert out["partial_month"].tolist() == [False, False, True]
    assert out["reporting_lag"].tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("month,arrests\n2026-13,5\n", "line 2: field 'month' = '2026-13'; expected YYYY-MM"),
        ("month,arrests\n2026-01,5\n2026-02,-1\n", "line 3: field 'arrests' = '-1'; expected a whole number"),
        ("month,arrests\n2026-01,5.5\n", "line 2: field 'arrests' = '5.5'"),
        ("month,count\n2026-01,5\n", r"missing column\(s\) \['arrests'\]"),
        ("month,arrests\n2026-09,5\n", "after the release cut-off 2026-08-06"),
        ("month,arrests\n2026-01,5\n2026-01,6\n", "2026-01 appears twice"),
    ],
)
def test_monthly_errors_name_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "synthetic_monthly.csv", text)
    with pytest.raises(agg.ArrestAggregateError, match=message) as info:
        agg.read_monthly_national(path, CUTOFF)
    assert "synthetic_monthly.csv" in str(info.value)


def _windows_csv(rows: list[tuple[str, str, int, int]]) -> str:
    lines = ["window,aor,arrests,arrests_at_large,population"]
    lines += [f"{w},{a},{n},{k},1000" for w, a, n, k in rows]
    return "\n".join(lines) + "\n"


def _all_offices(window: str = "y2025") -> list[tuple[str, str, int, int]]:
    table = offices.read_field_office_table()
    return [(window, name, 10, 5) for name in table["short_name"]]


def test_windows_map_office_names_to_codes(tmp_path: Path) -> None:
    rows = [r if r[1] != "St. Paul" else (r[0], "St Paul", 10, 5) for r in _all_offices()]
    out = agg.read_aor_windows(_write(tmp_path, "synthetic_windows.csv", _windows_csv(rows)))
    assert sorted(out["aor"]) == offices.aor_codes()
    assert out["window_start"].iloc[0] == pd.Timestamp("2025-01-01")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda rows: rows + [("y2025", "Gotham", 1, 0)],
            "field 'aor': unknown Area of Responsibility spelling 'Gotham'",
        ),
        (lambda rows: [("w2627", *r[1:]) for r in rows], "field 'window' = 'w2627'"),
        (lambda rows: [(r[0], r[1], 1, 5) for r in rows], "field 'arrests_at_large' exceeds 'arrests'"),
        (lambda rows: rows[1:], r"must list each of the 25 field offices once; missing \['ATL'\]"),
    ],
)
def test_window_errors_are_named(tmp_path: Path, change, message: str) -> None:
    path = _write(tmp_path, "synthetic_windows.csv", _windows_csv(change(_all_offices())))
    with pytest.raises(agg.ArrestAggregateError, match=message):
        agg.read_aor_windows(path)


@pytest.mark.mirror
def test_real_files_read_as_committed(mirror: Path) -> None:
    monthly = agg.read_monthly_national(mirror / "arrests" / agg.MONTHLY_FILE, CUTOFF)
    committed = data.load_arrests_monthly()
    pd.testing.assert_frame_equal(monthly, pd.DataFrame(committed), check_dtype=False)
    windows = agg.read_aor_windows(mirror / "arrests" / agg.AOR_WINDOWS_FILE)
    assert len(windows) == 75 and windows["arrests"].sum() == data.load_arrests_aor_windows()["arrests"].sum()


def test_the_mit_notice_travels_with_the_processed_tables() -> None:
    from research import config

    notice = (config.processed_dir() / "NOTICE.txt").read_text()
    assert "Copyright (c) 2026 Markus Strasser" in notice and "arrests_monthly" in notice
    assert "Permission is hereby granted" in notice
