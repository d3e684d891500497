"""Tables for readers: labelled headers, no index, dates as dates, counts as integers, words for booleans.

`reader_table(frame, columns)` returns a pandas Styler that renders every cell as text a reader expects and
escapes it (curated text never becomes HTML). Missing values show as "–", never NaN/NaT/None.

    display(reader_table(fy_table, {"month": "Month", "count": "Book-ins", "per_day": "Per day"},
                         formats={"per_day": "{:,.1f}"}, dates={"month": "%b %Y"}))
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from research.figures.text import MISSING, is_missing, plain

TABLE_CLASS = "research-table"
DEFAULT_DATE = "%d %b %Y"
SCROLL_PROPS = [("display", "block"), ("overflow-x", "auto"), ("max-width", "100%")]


def cell_formatter(series: pd.Series, spec: str | Callable[[Any], str] | None, date: str | None) -> Callable:
    """Cell text: a dash for missing, `spec` (function or format string) if given, dates by `date`, otherwise
    `research.figures.text.plain` (yes/no, integers with separators), the same words as the page's sentences."""

    def fmt(value: Any) -> str:
        if is_missing(value):
            return MISSING
        if callable(spec):
            return str(spec(value))
        if isinstance(value, bool):
            return plain(value)
        if isinstance(value, dt.date):  # datetime and pd.Timestamp too: tables use the short date form
            return pd.Timestamp(value).strftime(date or DEFAULT_DATE)
        if spec is not None:
            return spec.format(value)
        return plain(value)

    return fmt


def reader_table(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    dates: Mapping[str, str] | None = None,
    caption: str | None = None,
    align_right: Sequence[str] = (),
) -> Styler:
    """A Styler over `frame[list(columns)]` with headers renamed to `columns`' labels.

    `formats` maps a column to a format string ("{:,.1f}", "{:.0%}") or a function returning text; `dates`
    maps a date column to a strftime pattern (default "%d %b %Y"). Integer counts get thousands separators,
    booleans read "yes"/"no". Numbers align right, text left; `align_right` names text columns that hold
    numbers already formatted as text. Every cell is escaped as HTML; a table wider than the page scrolls
    inside its own box.
    """
    columns = dict(columns) if columns is not None else {c: str(c) for c in frame.columns}
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"reader_table: column(s) {missing} not in the frame; it has {list(frame.columns)}")
    labels = list(columns.values())
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ValueError(f"reader_table: header label(s) {repeated} used for more than one column")
    shown = frame[list(columns)].reset_index(drop=True)
    formats, dates = dict(formats or {}), dict(dates or {})
    text = pd.DataFrame(
        {columns[c]: shown[c].map(cell_formatter(shown[c], formats.get(c), dates.get(c))) for c in columns}
    )
    numeric = [
        columns[c]
        for c in columns
        if (pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c]))
        or c in align_right
    ]
    styler = text.style.format(escape="html").format_index(escape="html", axis=1).hide(axis="index")
    styler = styler.set_table_attributes(f'class="{TABLE_CLASS}"')
    # A wide table scrolls inside its own box instead of running off the page (phones, long headers).
    styler = styler.set_table_styles([{"selector": "", "props": SCROLL_PROPS}], overwrite=False)
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    text_columns = [label for label in text.columns if label not in numeric]
    if text_columns:  # notebook CSS right-aligns every cell; words read better from the left
        styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
        styler = styler.set_table_styles(
            [
                {"selector": f"th.col{i}", "props": [("text-align", "left")]}
                for i, label in enumerate(text.columns)
                if label in text_columns
            ],
            overwrite=False,
        )
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler


def spans(
    low: Sequence[Any] | pd.Series,
    high: Sequence[Any] | pd.Series,
    spec: str = "{:,.0f}",
    joiner: str = " to ",
) -> list[str]:
    """One "low to high" cell per row (intervals, ranges, month spans), each end formatted with `spec`.

    An end that is missing reads "–"; the two sequences must have the same length.
    """
    lows, highs = list(low), list(high)
    if len(lows) != len(highs):
        raise ValueError(f"spans: {len(lows)} low values but {len(highs)} high values")

    def end(value: Any) -> str:
        return MISSING if is_missing(value) else spec.format(value)

    return [f"{end(lo)}{joiner}{end(hi)}" for lo, hi in zip(lows, highs, strict=True)]
