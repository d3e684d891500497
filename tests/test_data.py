"""One-line loaders on the committed embedded default: documented columns, provenance, and known values."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from research import config, data
from research.data import build, schemas, sources


def _one(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


def test_vintage_holds_the_must_show_values() -> None:
    vintage = data.load_book_ins_vintage()
    fy25 = vintage[vintage["edition_file"] == "FY25_detentionStats09252025.xlsx"]
    assert _one(fy25, month=pd.Timestamp("2025-06-01"), agency="ICE")["book_ins"] == 31_590
    assert _one(fy25, month=pd.Timestamp("2025-06-01"), agency="CBP")["book_ins"] == 5_114
    fy26 = vintage[vintage["edition_file"] == "FY26_detentionStats_04092026.xlsx"]
    assert _one(fy26, month=pd.Timestamp("2025-10-01"), agency="ICE")["book_ins"] == 36_622


def test_best_series_is_one_row_per_month_and_flags_partial_months() -> None:
    best = data.load_book_ins()
    assert not best.duplicated(["month", "agency"]).any()
    assert best["month"].min() == pd.Timestamp("2020-10-01")
    sep25 = _one(best, month=pd.Timestamp("2025-09-01"), agency="ICE")
    assert sep25["partial_month"] and sep25["days_covered"] == 20  # no FY25 edition after 09/20/2025
    jun25 = _one(best, month=pd.Timestamp("2025-06-01"), agency="ICE")
    assert not jun25["partial_month"] and jun25["book_ins"] == 31_590
    # September 2021 comes from the 10/07/2021 edition (data through 09/25), not the later stale 11/12 re-issue.
    sep21 = _one(best, month=pd.Timestamp("2021-09-01"), agency="ICE")
    assert sep21["data_through"] == pd.Timestamp("2021-09-25")
    # Partial months are exactly the year-ends with no complete edition (FY21, FY22, FY25) and the newest month.
    partial = set(best.loc[best["partial_month"], "month"])
    assert partial == {pd.Timestamp(m) for m in ("2021-09-01", "2022-09-01", "2025-09-01", "2026-04-01")}


def test_agency_filter_and_provenance() -> None:
    ice = data.load_book_ins(agency="ICE")
    assert set(ice["agency"]) == {"ICE"}
    assert "FY26_detentionStats_04092026.xlsx" in ice.attrs["source"]
    assert ice.attrs["data_version"] == data.data_version()
    with pytest.raises(ValueError, match="expected 'ICE', 'CBP', 'Total'"):
        data.load_book_ins(agency="HSI")


@pytest.mark.parametrize(
    ("loader", "table"),
    [
        (data.load_book_ins, "book_ins"),
        (data.load_book_ins_vintage, "book_ins_vintage"),
        (lambda: data.load_adp(criminality=None), "adp"),
        (data.load_facilities, "facilities"),
        (data.load_removals, "removals"),
        (data.load_atd, "atd"),
        (data.load_editions, "editions"),
        (data.load_staffing, "staffing"),
        (data.load_field_offices, "field_offices"),
    ],
)
def test_loaders_return_the_documented_schema(loader, table: str) -> None:  # type: ignore[no-untyped-def]
    frame = loader()
    schemas.TABLES[table].validate(frame)
    assert frame.attrs["source"]


def test_staffing_and_field_offices_values() -> None:
    ice = data.load_staffing("ICE").set_index("month")["employees"]
    assert ice[pd.Timestamp("2025-12-01")] == 28_272
    assert ice[pd.Timestamp("2025-08-01")] == 20_848
    offices = data.load_field_offices()
    assert len(offices) == 25 and offices["noncitizen_pop"].notna().sum() == 24
    assert offices.set_index("aor").loc["ATL", "name"] == "Atlanta Area of Responsibility"


def test_adp_best_matches_the_workbook() -> None:
    adp = data.load_adp(agency="ICE")
    sep25 = _one(adp, month=pd.Timestamp("2025-09-01"))
    assert round(sep25["adp"]) == 46_921


def test_arrests_table_absent_offline_gives_a_clear_error() -> None:
    if data.has_arrests_file():
        pytest.skip("the DDP arrests table is built on this machine")
    with pytest.raises(data.DataNotAvailable, match="research data fetch"):
        data.load_arrests_daily()


# --- issue 14 item 8: the loader cache never serves old data under a new data version --------------------


def _processed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "data" / "processed"
    shutil.copytree(config.DATA_DIR / "processed", out)
    monkeypatch.setenv(config.PROCESSED_ENV, str(out))
    return out


def test_a_table_rewritten_in_place_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SYNTHETIC edit: the book-ins file is replaced by one without its newest month, with a new version."""
    out = _processed_copy(tmp_path, monkeypatch)
    first = data.load_book_ins("ICE")
    newest = first["month"].max()
    table = pd.read_parquet(out / "book_ins.parquet")
    table[table["month"] < newest].to_parquet(out / "book_ins.parquet", index=False)
    info = json.loads((out / "data_version.json").read_text())
    info["data_version"] = "synthetic000001"
    (out / "data_version.json").write_text(json.dumps(info))
    second = data.load_book_ins("ICE")
    assert second.attrs["data_version"] == "synthetic000001"
    assert second["month"].max() < newest and len(second) == len(first) - 1


def test_a_rebuild_between_two_loads_is_seen_by_the_second(
    tmp_path: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's repro: load, `research data build` into the same folder, load again in the same process."""
    out = _processed_copy(tmp_path, monkeypatch)
    first = data.load_book_ins()
    raw = tmp_path / "raw"
    registry = sources.load_registry()
    keep = {
        "FY26_detentionStats_04092026.xlsx",
        "ddp_opm_employee_counts_dhs_by_component_monthly_2021-01_2025-12.parquet",
        "uwchr_aor_ero_field_office.csv",
        "uwchr_aor_demog_indicators_2012_2019.psv",
        "ddp_arrests_monthly_national_2024-01_2026-08.csv",
        "ddp_arrests_by_aor_windows_2024_2025_2025-08_2026-07.csv",
    }
    for name in keep:
        target = sources.raw_path(registry[name], raw)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(mirror / registry[name].path)
    result = build.build(raw_dir=raw, out_dir=out, allow_shrink=True)  # FY2026 only: fewer months
    second = data.load_book_ins()
    assert second.attrs["data_version"] == result.data_version != first.attrs["data_version"]
    assert second["month"].min() == pd.Timestamp("2025-10-01") < first["month"].max()
    assert len(second) < len(first)
    assert "1 editions" in second.attrs["source"]
