"""Builds small SYNTHETIC ICE detention-statistics workbooks for tests (layout as in the real files).

The values are invented; only the layout (titles, header labels, padded sheet names, agency order, blank
future months) imitates ICE's workbooks so that the reader's handling of each quirk can be tested.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

MONTHS = ["Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep"]


def synthetic_workbook(
    path: Path,
    *,
    fy: int = 2026,
    months_reported: int = 3,
    data_through: str = "12/13/2025",
    book_ins_title: str = "ICE Initial Book-Ins by Arresting Agency and Month",
    agency_order: tuple[str, ...] = ("Total", "CBP", "ICE  "),
    blank_future: bool = True,
    facility_aor: str = "CHI",
    detention_sheet: str = "Detention FY{yy}",
    extra_sheets: tuple[str, ...] = (),
    total_offset: int = 0,
    adp_total_offset: float = 0.0,
) -> dict[str, list[int]]:
    """Write a workbook and return the synthetic monthly book-ins it holds per agency."""
    yy = fy % 100
    values = {
        "ICE": [1000 + 10 * i for i in range(months_reported)],
        "CBP": [200 + i for i in range(months_reported)],
    }
    # Total = ICE + CBP as in every real edition; `total_offset` breaks that in the first month on purpose.
    values["Total"] = [a + b for a, b in zip(values["ICE"], values["CBP"], strict=True)]
    if months_reported:
        values["Total"][0] += total_offset
    wb = Workbook()
    wb.active.title = "Header"
    for name in extra_sheets:
        wb.create_sheet(name)
    det = wb.create_sheet(detention_sheet.format(yy=yy))
    det["A3"] = f"ICE DETENTION DATA, FY{fy}"
    det["I18"] = f"{book_ins_title}: FY{fy}"
    for j, label in enumerate(["Agency", *MONTHS, "Total"]):
        det.cell(row=19, column=9 + j, value=label)
    for i, label in enumerate(agency_order):
        det.cell(row=20 + i, column=9, value=label)
        series = values[label.strip()]
        for m in range(12):
            if m < months_reported:
                det.cell(row=20 + i, column=10 + m, value=series[m])
            elif not blank_future or label.strip() == "Total":
                det.cell(row=20 + i, column=10 + m, value=0)
        det.cell(row=20 + i, column=22, value=sum(series))
    det["N27"] = f"ICE Removals: FY{fy}"
    det["N29"] = "Total"
    det["P29"] = 4321
    det["A66"] = f"ICE Average Daily Population by Arresting Agency, Month and Criminality: FY{fy}"
    for j, label in enumerate(["Agency", *MONTHS, "FY Overall"]):
        det.cell(row=67, column=1 + j, value=label)
    row = 68

    # Criminality rows add up to their agency row, and the overall "Average" row to CBP + ICE, in every month.
    def classes(agency: str, m: int) -> list[float]:
        base = {"CBP": [10.5, 20.0, 30.0], "ICE": [100.25, 200.0, 300.0]}
        if agency == "Total":
            return [a + b for a, b in zip(classes("CBP", m), classes("ICE", m), strict=True)]
        return [base[agency][0] + m, *base[agency][1:]]

    for agency, label0 in (("CBP", "CBP Average"), ("ICE", "ICE Average  "), ("Total", "Average ")):
        for k, label in enumerate(
            (label0, "Convicted Criminal", "Pending Criminal Charges", "Other Immigration Violator")
        ):
            det.cell(row=row, column=1, value=label)
            for m in range(months_reported):
                parts = classes(agency, m)
                value = sum(parts) if k == 0 else parts[k - 1]
                if k == 0 and agency == "Total":
                    value += adp_total_offset
                det.cell(row=row, column=2 + m, value=value)
            row += 1
    fac = wb.create_sheet(f"Facilities FY{yy} ")
    fac["A6"] = "Data Source: ICE Integrated Decision Support (IIDS), 12/08/2025"
    header = [
        "Name", "Address", "City", "State", "Zip", "AOR", "Type Detailed", "Male/Female", f"FY{yy} ALOS",
        "Level A", "Level B", "Level C", "Level D", "Male Crim", "Male Non-Crim", "Female Crim", "Female Non-Crim",
        "ICE Threat Level 1", "ICE Threat Level 2", "ICE Threat Level 3", "No ICE Threat Level", "Mandatory",
        "Guaranteed Minimum",
    ]  # fmt: skip
    for j, label in enumerate(header):
        fac.cell(row=7, column=1 + j, value=label)
    rows = [
        ["SYNTHETIC COUNTY JAIL", "1 MAIN ST", "SPRINGFIELD", "IL", 62701, facility_aor, "IGSA", "Male", 30.0,
         10.0, 5.0, 2.5, 1.0, 8, 8, 1.5, 1, 1, 2, 3, 12.5, 4, 0],
        ["SYNTHETIC PROCESSING CENTER", "2 ELM RD", "AURORA", "CO", 80010, "DEN", "CDF", "Female/Male", 40.0,
         100.0, 50.0, 25.0, 5.0, 90, 60, 20, 10, 30, 20, 10, 120, 50, 100],
    ]  # fmt: skip
    for i, values_row in enumerate(rows):
        for j, value in enumerate(values_row):
            fac.cell(row=8 + i, column=1 + j, value=value)
    fac.cell(row=10, column=1, value="(*) Denotes no inspection completed as of the date of the report")
    notes = wb.create_sheet("Footnotes")
    notes["A10"] = f"FY{fy} YTD ICE Book-ins data is updated through {data_through} (IIDS Run Date ...)."
    wb.save(path)
    return values
