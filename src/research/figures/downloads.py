"""Data downloads beside a report page: each figure's and table's data as a CSV, linked next to it.

`offer(frame, name)` writes `frame` as `<name>.csv` into the folder the report runner gives the kernel
(RESEARCH_DOWNLOADS_DIR) and displays a link to it, relative to the page (RESEARCH_DOWNLOADS_HREF, e.g.
"40_field_office_CHI/"). The runner collects that folder with the page, so the site works from plain files
offline and a rerun replaces the whole folder. Outside the runner (JupyterLab, papermill by hand) nothing is
written and nothing is shown: the notebook already displays the data.

    offer(table, "arrests_by_month", columns={"month": "Month", "arrests": "Arrests"})
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from IPython.display import HTML, display

DIR_ENV = "RESEARCH_DOWNLOADS_DIR"
HREF_ENV = "RESEARCH_DOWNLOADS_HREF"
LINK_CLASS = "research-download"
_SLUG = re.compile(r"[^a-z0-9]+")
_offered: set[str] = set()  # names used on this page (one kernel = one page)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_TEXT = re.compile(r"^[+-]?[\d,]*\.?\d+%?$")


def slug(name: str) -> str:
    """A file-name stem from any label: lower-case letters, digits and '-' ("Arrests by month" -> "arrests-by-month")."""
    text = _SLUG.sub("-", name.lower()).strip("-")
    return text[:80].rstrip("-") or "data"


def _unique(stem: str) -> str:
    name, n = stem, 2
    while name in _offered:
        name, n = f"{stem}-{n}", n + 1
    _offered.add(name)
    return name


def csv_frame(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The columns to publish (all, or `columns` renamed to their labels), without the index."""
    if columns is None:
        return frame.reset_index(drop=True)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"offer: column(s) {missing} not in the frame; it has {list(frame.columns)}")
    return frame[list(columns)].rename(columns=dict(columns)).reset_index(drop=True)


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula ("=HYPERLINK(...)", "@SUM(...)", "+cmd|...") gets a leading
    apostrophe, as OWASP advises for CSV downloads; numbers written as text ("+5,960", "-2.8%") stay as they are."""
    if isinstance(value, str) and value[:1] in _FORMULA_START and not _NUMBER_TEXT.match(value):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV text: ISO dates, no index, empty cells for missing values, UTF-8, no cell a spreadsheet would run."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.map(spreadsheet_safe)
        elif pd.api.types.is_datetime64_any_dtype(values):
            times = values.dropna()
            midnight = bool((times == times.dt.normalize()).all()) if len(times) else True
            out[column] = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
    out.columns = [spreadsheet_safe(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def link_html(href: str, rows: int, label: str) -> str:
    return (
        f'<p class="{LINK_CLASS}"><a href="{html.escape(href, quote=True)}" download>'
        f"{html.escape(label)}</a> (CSV, {rows:,} {'row' if rows == 1 else 'rows'})</p>"
    )


def offer(
    frame: pd.DataFrame,
    name: str,
    *,
    columns: Mapping[str, str] | None = None,
    label: str = "Download the data (CSV)",
) -> None:
    """Write `frame` (or its `columns`, renamed to their labels) as `<name>.csv` beside the page and show the link.

    Outside a report run (no RESEARCH_DOWNLOADS_DIR) nothing is written and nothing is shown.
    """
    folder = os.environ.get(DIR_ENV)
    if not folder:
        return
    data = csv_frame(frame, columns)
    stem = _unique(slug(name))
    path = Path(folder) / f"{stem}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, csv_bytes(data))
    href = os.environ.get(HREF_ENV, "") + quote(path.name)
    display(HTML(link_html(href, len(data), label)))
