"""Readers for the arrest aggregates computed from the Deportation Data Project's ICE arrest records.

Two small CSV files (MIT, markusstrasser/immigration-research; the records underneath are DDP's CC0 release with
`duplicate_drop_row` rows removed):

- national ICE ERO arrests per calendar month, 2024-01 to the release cut-off (`read_monthly_national`);
- arrests by field office over three windows: calendar 2024 (y2024), calendar 2025 (y2025) and
  August 2025 - July 2026 (w2526), with at-large arrests and population (`read_aor_windows`).

These are **arrests**, the unit of the 3,000-a-day goal, not detention book-ins. The release stops on its
cut-off date (the registry's `data_through`), so its last month is partial; and the last weeks before the
cut-off are under-reported because records are entered late. Both are flagged, so models can leave them out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from research import calendar
from research.data import offices

MONTHLY_FILE = "ddp_arrests_monthly_national_2024-01_2026-08.csv"
AOR_WINDOWS_FILE = "ddp_arrests_by_aor_windows_2024_2025_2025-08_2026-07.csv"
# DDP: the last 1-3 weeks of each release are incomplete (reporting lag); months touching them are flagged.
REPORTING_LAG_DAYS = 21
WINDOWS = {
    "y2024": (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")),
    "y2025": (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")),
    "w2526": (pd.Timestamp("2025-08-01"), pd.Timestamp("2026-07-31")),
}
CITATION = (
    "ICE ERO arrests computed by markusstrasser/immigration-research (MIT) from the Deportation Data Project "
    "arrests release (CC0): government data provided by ICE in response to a FOIA request, processed by the "
    "Deportation Data Project"
)
# The MIT notice that travels with tables derived from the two files (written next to the processed data).
MIT_NOTICE = """\
Tables arrests_monthly and arrests_aor_windows are derived from files of the repository
markusstrasser/immigration-research, distributed under the MIT License:

Copyright (c) 2026 Markus Strasser

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions
of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO
THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS
IN THE SOFTWARE.

The underlying arrest records are the Deportation Data Project's ICE arrests release (CC0-1.0): government data
provided by ICE in response to a FOIA request, processed by the Deportation Data Project.
"""


class ArrestAggregateError(ValueError):
    """An arrest-aggregate file does not have the expected layout; the message names file, line and field."""


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ArrestAggregateError(f"{path.name}: missing column(s) {missing}; expected {required}")
    return frame


def _count(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0) | (values != values.round())
    if bad.any():
        row = int(bad.idxmax())
        raise ArrestAggregateError(
            f"{path.name} line {row + 2}: field '{column}' = {frame.at[row, column]!r}; expected a whole "
            "number >= 0"
        )
    return values.astype("int64")


def read_monthly_national(path: Path, release_through: pd.Timestamp) -> pd.DataFrame:
    """National arrests per calendar month with day counts and the two completeness flags.

    Columns: `month` (first day), `arrests`, `days_in_month`, `days_covered` (days on or before the release
    cut-off), `partial_month` (the cut-off falls inside the month), `reporting_lag` (the month includes one of the
    last `REPORTING_LAG_DAYS` days before the cut-off, which are under-reported), `release_through`.
    """
    frame = _read_csv(path, ["month", "arrests"])
    month = pd.to_datetime(frame["month"], format="%Y-%m", errors="coerce")
    if month.isna().any():
        row = int(month.isna().idxmax())
        raise ArrestAggregateError(
            f"{path.name} line {row + 2}: field 'month' = {frame.at[row, 'month']!r}; expected YYYY-MM"
        )
    if month.duplicated().any():
        raise ArrestAggregateError(
            f"{path.name}: month {month[month.duplicated()].iloc[0]:%Y-%m} appears twice"
        )
    through = pd.Timestamp(release_through)
    if month.max() > calendar.month_start(through):
        raise ArrestAggregateError(
            f"{path.name}: field 'month' reaches {month.max():%Y-%m}, after the release cut-off {through:%Y-%m-%d}"
        )
    out = pd.DataFrame({"month": month, "arrests": _count(frame, "arrests", path)})
    out["days_in_month"] = out["month"].dt.days_in_month.astype("int64")
    out["days_covered"] = [calendar.days_covered(m, through) for m in out["month"]]
    out["partial_month"] = out["days_covered"] < out["days_in_month"]
    lag_start = through - pd.Timedelta(days=REPORTING_LAG_DAYS - 1)
    month_end = out["month"] + pd.offsets.MonthEnd(0)
    out["reporting_lag"] = month_end >= lag_start
    out["release_through"] = through
    return out.sort_values("month").reset_index(drop=True)


def read_aor_windows(path: Path) -> pd.DataFrame:
    """Arrests by field office and window: `aor`, `window`, `window_start`, `window_end`, `arrests`,
    `arrests_at_large`, `population`. Office names are mapped to the 25 codes (unknown names fail loudly)."""
    frame = _read_csv(path, ["window", "aor", "arrests", "arrests_at_large", "population"])
    unknown = sorted(set(frame["window"]) - set(WINDOWS))
    if unknown:
        row = int(frame.index[frame["window"] == unknown[0]][0])
        raise ArrestAggregateError(
            f"{path.name} line {row + 2}: field 'window' = {unknown[0]!r}; expected one of {sorted(WINDOWS)}"
        )
    codes = []
    for row, name in frame["aor"].items():
        try:
            codes.append(offices.to_aor_code(name))
        except offices.UnknownAORError as exc:
            raise ArrestAggregateError(f"{path.name} line {int(row) + 2}: field 'aor': {exc}") from None
    out = pd.DataFrame(
        {
            "aor": codes,
            "window": frame["window"],
            "window_start": frame["window"].map(lambda w: WINDOWS[w][0]),
            "window_end": frame["window"].map(lambda w: WINDOWS[w][1]),
            "arrests": _count(frame, "arrests", path),
            "arrests_at_large": _count(frame, "arrests_at_large", path),
            "population": _count(frame, "population", path),
        }
    )
    over = out["arrests_at_large"] > out["arrests"]
    if over.any():
        row = int(over.idxmax())
        raise ArrestAggregateError(
            f"{path.name} line {row + 2}: field 'arrests_at_large' exceeds 'arrests' for {out.at[row, 'aor']}"
        )
    expected = set(offices.aor_codes())
    for window, rows in out.groupby("window"):
        if set(rows["aor"]) != expected or rows["aor"].duplicated().any():
            raise ArrestAggregateError(
                f"{path.name}: window {window!r} must list each of the 25 field offices once; "
                f"missing {sorted(expected - set(rows['aor']))}"
            )
    return out.sort_values(["window", "aor"]).reset_index(drop=True)
