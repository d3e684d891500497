"""Federal fiscal calendar helpers (FY runs October to September and is named by the year it ends)."""

from __future__ import annotations

import pandas as pd

FISCAL_MONTHS = ["Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep"]


def fiscal_year(when: pd.Timestamp | str) -> int:
    """Fiscal year of a date: October 2024 belongs to FY2025."""
    stamp = pd.Timestamp(when)
    return stamp.year + 1 if stamp.month >= 10 else stamp.year


def fiscal_month_start(fy: int, month_abbrev: str) -> pd.Timestamp:
    """First day of a month named in a fiscal-year table ("Oct" of FY2025 is 2024-10-01)."""
    index = FISCAL_MONTHS.index(month_abbrev.strip()[:3].title())
    month = (index + 9) % 12 + 1
    year = fy - 1 if month >= 10 else fy
    return pd.Timestamp(year=year, month=month, day=1)


def fiscal_year_start(fy: int) -> pd.Timestamp:
    return pd.Timestamp(year=fy - 1, month=10, day=1)


def fiscal_year_starts(when: pd.Series) -> pd.Series:
    """`fiscal_year_start(fiscal_year(d))` for every date of a Series, vectorised (1 October of each date's FY)."""
    stamps = pd.to_datetime(when)
    year = stamps.dt.year - (stamps.dt.month < 10).astype(int)
    return pd.to_datetime(pd.DataFrame({"year": year, "month": 10, "day": 1}))


def month_start(when: pd.Timestamp | str) -> pd.Timestamp:
    stamp = pd.Timestamp(when)
    return pd.Timestamp(year=stamp.year, month=stamp.month, day=1)


def days_in_month(when: pd.Timestamp | str) -> int:
    """Calendar days in the month of `when` (leap years included)."""
    return int(pd.Timestamp(when).days_in_month)


def days_covered(month: pd.Timestamp | str, data_through: pd.Timestamp | str) -> int:
    """Days of `month` on or before `data_through` (0 when the month starts after it)."""
    start = month_start(month)
    end = start + pd.offsets.MonthEnd(0)
    through = pd.Timestamp(data_through)
    if through < start:
        return 0
    return (min(through, end) - start).days + 1
