"""The workbook reader: real files (when the mirror is present) and synthetic workbooks for each quirk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from synthetic_workbooks import synthetic_workbook

from research.data import ice_stats, sources

INFO = ice_stats.EditionInfo("synthetic.xlsx", pd.Timestamp("2025-12-20"))


def _registry_info(name: str) -> ice_stats.EditionInfo:
    src = sources.load_registry()[name]
    return ice_stats.EditionInfo(
        src.name,
        pd.Timestamp(src.edition_date),
        src.fiscal_year,
        pd.Timestamp(src.data_through) if src.data_through else None,
    )


def _value(edition: ice_stats.EditionTables, month: str, agency: str) -> int:
    frame = edition.book_ins
    return int(frame[(frame["month"] == month) & (frame["agency"] == agency)]["book_ins"].iloc[0])


# ---------------------------------------------------------------- real workbooks (mirror)


def test_fy2025_june_book_ins_from_the_09252025_edition(workbook_dir: Path) -> None:
    name = "FY25_detentionStats09252025.xlsx"
    edition = ice_stats.read_edition(workbook_dir / name, _registry_info(name))
    assert _value(edition, "2025-06-01", "ICE") == 31_590
    assert _value(edition, "2025-06-01", "CBP") == 5_114
    assert edition.data_through == pd.Timestamp("2025-09-20")


def test_fy2026_october_book_ins_from_the_04092026_edition(workbook_dir: Path) -> None:
    name = "FY26_detentionStats_04092026.xlsx"
    edition = ice_stats.read_edition(workbook_dir / name, _registry_info(name))
    assert _value(edition, "2025-10-01", "ICE") == 36_622
    atd = edition.atd.set_index("status")
    assert atd.loc["Total", "participants"] == 180_701 == atd.drop("Total")["participants"].sum()
    assert atd["as_of"].iloc[0] == pd.Timestamp("2026-04-04")
    # FY26 leaves future months blank: nothing after April 2026 is read.
    assert edition.book_ins["month"].max() == pd.Timestamp("2026-04-01")


def test_every_mirrored_workbook_reads_and_totals_add_up(workbook_dir: Path) -> None:
    for name, src in sources.load_registry().items():
        if src.loader != "research.data.ice_stats" or not (workbook_dir / name).exists():
            continue
        edition = ice_stats.read_edition(workbook_dir / name, _registry_info(name))
        assert len(edition.facilities) > 50, name
        assert set(edition.facilities["aor"]) <= set(ice_stats.offices.aor_codes()), name
        if len(edition.book_ins):
            wide = edition.book_ins.pivot(index="month", columns="agency", values="book_ins")
            assert (wide["ICE"] + wide["CBP"] == wide["Total"]).all(), name


def test_stale_detention_sheet_is_skipped_with_a_note(workbook_dir: Path) -> None:
    name = "FY21_detentionStats10282021.xlsx"  # ICE shipped a stale EOFY2020 Detention sheet
    edition = ice_stats.read_edition(workbook_dir / name, _registry_info(name))
    assert edition.book_ins.empty
    assert "stale" in edition.notes[0]


def test_misnamed_fy24_file_holds_fy25(workbook_dir: Path) -> None:
    name = "FY24_detentionStats11152024.xlsx"
    edition = ice_stats.read_edition(workbook_dir / name, _registry_info(name))
    assert edition.fiscal_year == 2025
    assert _value(edition, "2024-10-01", "ICE") == 8_607


def test_stray_eofy2020_sheet_is_ignored(workbook_dir: Path) -> None:
    name = "FY26_detentionStats01082026.xlsx"
    edition = ice_stats.read_edition(workbook_dir / name, _registry_info(name))
    assert _value(edition, "2025-10-01", "ICE") == 36_621


# ---------------------------------------------------------------- synthetic workbooks: layout quirks


def test_synthetic_workbook_values_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "synthetic.xlsx"
    values = synthetic_workbook(path, months_reported=3, data_through="12/13/2025")
    edition = ice_stats.read_edition(path, INFO)
    assert edition.fiscal_year == 2026
    assert edition.data_through == pd.Timestamp("2025-12-13")
    for agency in ("ICE", "CBP", "Total"):
        got = edition.book_ins[edition.book_ins["agency"] == agency].sort_values("month")["book_ins"].tolist()
        assert got == values[agency]
    assert int(edition.removals["removals_fytd"].iloc[0]) == 4321
    assert edition.facilities["adp_total"].tolist() == [18.5, 180.0]  # sum of security levels A-D


def test_agency_row_order_does_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "fy19_order.xlsx"
    values = synthetic_workbook(path, agency_order=("Total", "ICE ", "CBP"))
    edition = ice_stats.read_edition(path, INFO)
    assert _value(edition, "2025-10-01", "ICE") == values["ICE"][0]
    assert _value(edition, "2025-10-01", "CBP") == values["CBP"][0]


def test_zero_filled_future_months_are_not_read_as_data(tmp_path: Path) -> None:
    path = tmp_path / "fy25_style.xlsx"
    synthetic_workbook(path, months_reported=2, data_through="11/15/2025", blank_future=False)
    edition = ice_stats.read_edition(path, INFO)
    assert sorted(edition.book_ins["month"].unique()) == [
        pd.Timestamp("2025-10-01"),
        pd.Timestamp("2025-11-01"),
    ]


def test_detention_sheet_name_with_spaces_and_stray_sheet(tmp_path: Path) -> None:
    path = tmp_path / "padded.xlsx"
    synthetic_workbook(path, detention_sheet=" Detention FY{yy} ", extra_sheets=("Footnotes_DEL",))
    assert ice_stats.read_edition(path, INFO).fiscal_year == 2026


# ---------------------------------------------------------------- bad input: clear errors


def test_renamed_table_title_names_the_file_and_the_expected_title(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    synthetic_workbook(path, book_ins_title="ICE Book-Ins by Agency")
    with pytest.raises(
        ice_stats.WorkbookError, match=r"renamed\.xlsx.*ICE Initial Book-Ins by Arresting Agency"
    ):
        ice_stats.read_edition(path, INFO)


def test_truncated_workbook_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    synthetic_workbook(good)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ice_stats.WorkbookError, match=r"truncated\.xlsx.*truncated or corrupt"):
        ice_stats.read_edition(truncated, INFO)


def test_unknown_aor_in_facilities_names_the_file_and_spelling(tmp_path: Path) -> None:
    path = tmp_path / "unknown_aor.xlsx"
    synthetic_workbook(path, facility_aor="ZZZ")
    with pytest.raises(ice_stats.WorkbookError, match=r"unknown_aor\.xlsx.*AOR.*'ZZZ'"):
        ice_stats.read_edition(path, INFO)


def test_missing_data_through_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "no_footnote.xlsx"
    synthetic_workbook(path, data_through="soon")
    with pytest.raises(ice_stats.WorkbookError, match="updated through"):
        ice_stats.read_edition(path, INFO)


def test_a_total_that_is_not_ice_plus_cbp_names_file_table_and_month(tmp_path: Path) -> None:
    """Issue 14 item 16: every real edition has Total == ICE + CBP; a workbook that breaks it is rejected."""
    path = tmp_path / "bad_total.xlsx"
    synthetic_workbook(path, total_offset=7)
    with pytest.raises(
        ice_stats.WorkbookError,
        match=r"bad_total\.xlsx: 'ICE Initial Book-Ins by Arresting Agency and Month' Oct 2025: Total 1,207 "
        r"!= ICE 1,000 \+ CBP 200",
    ):
        ice_stats.read_edition(path, INFO)


def test_an_adp_total_off_by_more_than_rounding_is_rejected(tmp_path: Path) -> None:
    ok = tmp_path / "rounding.xlsx"
    synthetic_workbook(ok, adp_total_offset=0.4)  # ADP is printed with decimals: rounding is tolerated
    assert len(ice_stats.read_edition(ok, INFO).adp)
    path = tmp_path / "bad_adp.xlsx"
    synthetic_workbook(path, adp_total_offset=25.0)
    with pytest.raises(
        ice_stats.WorkbookError, match=r"bad_adp\.xlsx: 'ICE Average Daily Population.*Oct 2025"
    ):
        ice_stats.read_edition(path, INFO)


def test_a_nan_or_infinite_cell_is_not_a_count(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "nan_cell.xlsx"
    synthetic_workbook(path)
    book = load_workbook(path)
    sheet = next(book[name] for name in book.sheetnames if name.startswith("Detention"))
    sheet["J21"] = "nan"  # first month of the second agency row (CBP in the default order)
    book.save(path)
    with pytest.raises(ice_stats.WorkbookError, match=r"nan_cell\.xlsx: .* has no number for CBP Oct 2025"):
        ice_stats.read_edition(path, INFO)


def test_every_mirrored_adp_total_is_ice_plus_cbp(workbook_dir: Path) -> None:
    """The tolerance of the ADP check is far above what real editions need (they agree to 1e-5 persons)."""
    for name, src in sources.load_registry().items():
        if src.loader != "research.data.ice_stats" or not (workbook_dir / name).exists():
            continue
        adp = ice_stats.read_edition(workbook_dir / name, _registry_info(name)).adp
        if len(adp):
            wide = adp[adp["criminality"] == "All"].pivot(index="month", columns="agency", values="adp")
            assert ((wide["ICE"] + wide["CBP"] - wide["Total"]).abs() < 1e-3).all(), name
