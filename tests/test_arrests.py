"""DDP arrests loader on SYNTHETIC parquet files written by these tests (the real file is not available offline).

The synthetic files copy the DDP schema and its quirks: full AOR names ("Chicago Area of Responsibility"),
numbered criminality labels, duplicate_drop_row flags, redacted / empty / "NA" / headquarters AOR values,
and thinner counts in the last weeks of the release.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from research import config
from research.data import ddp_arrests as arrests
from research.data import schemas, sources

CONVICTED, PENDING, OTHER = (
    "1 Convicted Criminal",
    "2 Pending Criminal Charges",
    "3 Other Immigration Violator",
)
LABEL = {
    CONVICTED: "Convicted Criminal",
    PENDING: "Pending Criminal Charges",
    OTHER: "Other Immigration Violator",
}


def _write(path: Path, rows: list[dict[str, Any]], date_type: str = "timestamp") -> Path:
    """Write synthetic DDP-like rows; `date_type` picks how apprehension_date is stored."""
    days = [r["apprehension_date"] for r in rows]
    if date_type == "timestamp":
        date_col = pa.array([dt.datetime.combine(d, dt.time()) for d in days], pa.timestamp("us"))
    elif date_type == "timestamp_utc":
        date_col = pa.array([dt.datetime.combine(d, dt.time()) for d in days], pa.timestamp("ms", tz="UTC"))
    elif date_type == "date":
        date_col = pa.array(days, pa.date32())
    else:
        date_col = pa.array([d.isoformat() for d in days], pa.string())
    table = pa.table(
        {
            "apprehension_date": date_col,
            "apprehension_date_time": pa.array(
                [dt.datetime.combine(d, dt.time(9, 30)) for d in days], pa.timestamp("us")
            ),
            "apprehension_state": pa.array(["ILLINOIS"] * len(rows)),
            "apprehension_aor": pa.array([r["apprehension_aor"] for r in rows], pa.string()),
            "apprehension_method": pa.array(["Located"] * len(rows)),
            "apprehension_criminality": pa.array([r["apprehension_criminality"] for r in rows], pa.string()),
            "duplicate_likely": pa.array([r["duplicate_drop_row"] for r in rows], pa.bool_()),
            "duplicate_drop_row": pa.array([r["duplicate_drop_row"] for r in rows], pa.bool_()),
        }
    )
    pq.write_table(table, path)
    return path


def _row(day: str, aor: str | None, crim: str | None = CONVICTED, dup: bool = False) -> dict[str, Any]:
    return {
        "apprehension_date": dt.date.fromisoformat(day),
        "apprehension_aor": aor,
        "apprehension_criminality": crim,
        "duplicate_drop_row": dup,
    }


CHI, MIA = "Chicago Area of Responsibility", "Miami Area of Responsibility"
# Small file whose counts are worked out by hand below.
TINY = [
    _row("2025-07-01", CHI, CONVICTED),
    _row("2025-07-01", CHI, CONVICTED),
    _row("2025-07-01", CHI, CONVICTED, dup=True),  # dropped
    _row("2025-07-01", CHI, OTHER),
    _row("2025-07-01", MIA, PENDING),
    _row("2025-07-01", None, OTHER),  # redacted -> UNKNOWN
    _row("2025-07-03", "Miami", OTHER),  # short spelling of the same office
    _row("2025-07-03", MIA, OTHER, dup=True),  # dropped
    _row("2025-07-03", "HQ Area of Responsibility", CONVICTED),  # headquarters -> UNKNOWN
    _row("2025-07-03", "NA", None),  # -> UNKNOWN, criminality Unknown
    _row("2025-07-03", "(b)(6), (b)(7)(C)", PENDING),  # FOIA redaction -> UNKNOWN
    _row("2025-07-03", "", CONVICTED),  # empty -> UNKNOWN
]


def _count(daily: pd.DataFrame, day: str, aor: str, crim: str) -> int:
    hit = daily[(daily["date"] == pd.Timestamp(day)) & (daily["aor"] == aor) & (daily["criminality"] == crim)]
    assert len(hit) == 1, (day, aor, crim)
    return int(hit["arrests"].iloc[0])


def test_counts_match_hand_computation(tmp_path: Path) -> None:
    daily = arrests.build_arrests_daily(_write(tmp_path / "synthetic_arrests.parquet", TINY))
    assert list(daily.columns) == ["date", "aor", "criminality", "arrests"]
    schemas.ARRESTS_DAILY.validate(daily)  # the processed-table schema the build checks
    assert daily["date"].dtype == "datetime64[ns]"
    assert _count(daily, "2025-07-01", "CHI", "Convicted Criminal") == 2
    assert _count(daily, "2025-07-01", "CHI", "Other Immigration Violator") == 1
    assert _count(daily, "2025-07-01", "MIA", "Pending Criminal Charges") == 1
    assert _count(daily, "2025-07-01", "UNKNOWN", "Other Immigration Violator") == 1
    assert _count(daily, "2025-07-03", "MIA", "Other Immigration Violator") == 1
    assert _count(daily, "2025-07-03", "UNKNOWN", "Convicted Criminal") == 2
    assert _count(daily, "2025-07-03", "UNKNOWN", "Pending Criminal Charges") == 1
    assert _count(daily, "2025-07-03", "UNKNOWN", "Unknown") == 1
    # The day without any arrest is present with zeros, for every aor x criminality.
    gap = daily[daily["date"] == pd.Timestamp("2025-07-02")]
    assert len(gap) == 3 * 4 and gap["arrests"].eq(0).all()
    assert sorted(daily["aor"].unique()) == ["CHI", "MIA", "UNKNOWN"]
    assert daily["arrests"].sum() == 10
    assert daily.attrs["duplicates_dropped"] == 2 and daily.attrs["rows_read"] == 12
    assert daily.attrs["unknown_aor_arrests"] == 5
    assert daily.attrs["file_max_date"] == "2025-07-03"
    assert "Deportation Data Project" in daily.attrs["source"]


def test_only_needed_columns_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "synthetic_arrests.parquet", TINY)
    seen: list[Any] = []
    real_read_table = pq.read_table

    def spy(source: Any, *args: Any, **kwargs: Any) -> pa.Table:
        seen.append(kwargs.get("columns"))
        return real_read_table(source, *args, **kwargs)

    monkeypatch.setattr(arrests.pq, "read_table", spy)
    arrests.build_arrests_daily(path)
    assert len(seen) == 1
    assert sorted(seen[0]) == sorted(
        ["apprehension_date", "apprehension_aor", "apprehension_criminality", "duplicate_drop_row"]
    )


def test_unknown_aor_spelling_is_an_error_naming_value_and_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "synthetic_arrests.parquet", [*TINY, _row("2025-07-02", "Gotham Area of Responsibility")]
    )
    with pytest.raises(arrests.ArrestsDataError) as info:
        arrests.build_arrests_daily(path)
    assert "Gotham Area of Responsibility" in str(info.value) and str(path) in str(info.value)


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "synthetic_arrests.parquet"
    pq.write_table(pa.table({"apprehension_date": ["2025-07-01"], "apprehension_aor": [CHI]}), path)
    with pytest.raises(arrests.ArrestsDataError) as info:
        arrests.build_arrests_daily(path)
    message = str(info.value)
    assert str(path) in message and "apprehension_criminality" in message and "duplicate_drop_row" in message


@pytest.mark.parametrize("date_type", ["timestamp", "timestamp_utc", "date", "string"])
def test_date_column_type_does_not_matter(tmp_path: Path, date_type: str) -> None:
    reference = arrests.build_arrests_daily(_write(tmp_path / "ref.parquet", TINY))
    daily = arrests.build_arrests_daily(_write(tmp_path / f"synthetic_{date_type}.parquet", TINY, date_type))
    pd.testing.assert_frame_equal(daily, reference)


def test_unparseable_date_string_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "synthetic_bad_date.parquet"
    table = pq.read_table(_write(tmp_path / "ref.parquet", TINY[:2], "string"))
    table = table.set_column(0, "apprehension_date", pa.array(["2025-07-01", "07/02/2025"]))
    pq.write_table(table, path)
    with pytest.raises(arrests.ArrestsDataError, match="07/02/2025"):
        arrests.build_arrests_daily(path)


def test_duplicate_flag_stored_as_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "ref.parquet", TINY)
    table = pq.read_table(path)
    flags = ["TRUE" if v else "FALSE" for v in table.column("duplicate_drop_row").to_pylist()]
    table = table.set_column(
        table.schema.get_field_index("duplicate_drop_row"), "duplicate_drop_row", pa.array(flags)
    )
    pq.write_table(table, tmp_path / "synthetic_text_flags.parquet")
    daily = arrests.build_arrests_daily(tmp_path / "synthetic_text_flags.parquet")
    assert daily.attrs["duplicates_dropped"] == 2 and daily["arrests"].sum() == 10


# --- a larger synthetic release ----------------------------------------------------------------------------


def _synthetic_release(seed: int = 7) -> list[dict[str, Any]]:
    """Eight weeks of synthetic arrests; the last three weeks are thinner (reporting lag)."""
    rng = np.random.default_rng(seed)
    spellings = [CHI, MIA, "Harlingen Area of Responsibility", "Salt Lake City Area of Responsibility"]
    start, end = dt.date(2025, 6, 5), dt.date(2025, 7, 30)
    rows = []
    day = start
    while day <= end:
        thin = (end - day).days < 21
        for _ in range(int(rng.integers(0, 4 if thin else 12))):
            aor = spellings[int(rng.integers(0, len(spellings)))] if rng.random() > 0.1 else None
            crim = [CONVICTED, PENDING, OTHER][int(rng.integers(0, 3))]
            rows.append(_row(day.isoformat(), aor, crim, dup=bool(rng.random() < 0.08)))
        day += dt.timedelta(days=1)
    return rows


def test_release_panel_matches_row_counts(tmp_path: Path) -> None:
    rows = _synthetic_release()
    daily = arrests.build_arrests_daily(_write(tmp_path / "synthetic_release.parquet", rows))
    codes = {CHI: "CHI", MIA: "MIA", "Harlingen Area of Responsibility": "HLG"}
    codes["Salt Lake City Area of Responsibility"] = "SLC"
    expected = Counter(
        (
            r["apprehension_date"].isoformat(),
            codes.get(r["apprehension_aor"], "UNKNOWN"),
            r["apprehension_criminality"],
        )
        for r in rows
        if not r["duplicate_drop_row"]
    )
    got = {
        (d.date().isoformat(), a, c): n
        for d, a, c, n in daily.itertuples(index=False)
        if n > 0  # zero-filled cells have no rows to compare with
    }
    assert got == {(d, a, LABEL[c]): n for (d, a, c), n in expected.items()}
    assert daily.attrs["duplicates_dropped"] == sum(r["duplicate_drop_row"] for r in rows)
    n_days = (daily["date"].max() - daily["date"].min()).days + 1
    assert len(daily) == n_days * daily["aor"].nunique() * daily["criminality"].nunique()

    national = arrests.national_daily(daily)
    assert len(national) == n_days and national["arrests"].sum() == sum(expected.values())
    assert national.attrs["file_max_date"] == "2025-07-30"


def test_trim_incomplete_tail_drops_last_weeks(tmp_path: Path) -> None:
    daily = arrests.build_arrests_daily(_write(tmp_path / "synthetic_release.parquet", _synthetic_release()))
    trimmed = arrests.trim_incomplete_tail(daily)  # default: 3 weeks before the file's max date (2025-07-30)
    assert trimmed["date"].max() == pd.Timestamp("2025-07-09")
    assert trimmed.attrs["trimmed_after"] == "2025-07-09" and trimmed.attrs["trim_weeks"] == 3
    assert trimmed["date"].min() == daily["date"].min()
    # The thin tail is what goes: the kept part has the higher daily average.
    national = arrests.national_daily(daily).set_index("date")["arrests"]
    assert national[national.index > "2025-07-09"].mean() < national[national.index <= "2025-07-09"].mean()

    one = arrests.trim_incomplete_tail(daily, weeks=1)
    assert one["date"].max() == pd.Timestamp("2025-07-23")
    assert arrests.trim_incomplete_tail(daily, weeks=0)["date"].max() == pd.Timestamp("2025-07-30")
    with pytest.raises(ValueError, match="weeks"):
        arrests.trim_incomplete_tail(daily, weeks=-1)


def test_arrests_file_uses_the_registry_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "RAW_DIR", tmp_path / "raw")
    assert arrests.arrests_file() is None
    expected = sources.raw_path(sources.get_source("arrests-latest.parquet"))
    assert expected == tmp_path / "raw" / "arrests" / "arrests-latest.parquet"
    expected.parent.mkdir(parents=True)
    _write(expected, TINY)
    assert arrests.arrests_file() == expected
