"""Self-contained HTML tables for readers: escaped cells, optional links, click-to-sort headers, horizontal scroll.

`html_table(frame, columns, ...)` returns an `IPython.display.HTML` that works offline from a plain file: no CDN,
no external script or style; sorting is a few lines of inline JavaScript. Cells are formatted like
`research.figures.tables.reader_table` (dates as dates, integers with separators, yes/no, "–" for missing) and
escaped, so curated text never becomes markup. A table wider than the page scrolls inside its own box.

    display(html_table(frame, {"short_name": "Office", "per_day": "Arrests a day"},
                       formats={"per_day": "{:,.1f}"}, links={"short_name": "page"}, sortable=True))
"""

from __future__ import annotations

import html
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from IPython.display import HTML

from research.figures.tables import cell_formatter
from research.figures.text import is_missing

WRAP_CLASS = "research-table-wrap"
TABLE_CLASS = "research-table"
SORTABLE_CLASS = "research-sortable"
# A relative page link (letters, digits, "_", "-", ".", "/", "#") or an http(s) URL without quotes or spaces.
_SAFE_HREF = re.compile(r"^(?:[A-Za-z0-9_.\-/#]+|https?://[^\s\"'<>]+)$")

STYLE = (
    f".{WRAP_CLASS}{{overflow-x:auto;max-width:100%;margin:0.5rem 0 1rem}}"
    f".{WRAP_CLASS} table{{border-collapse:collapse;font-size:0.9rem}}"
    # Selectors specific enough to beat JupyterLab's ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td".
    f".{WRAP_CLASS} table.{TABLE_CLASS} th,.{WRAP_CLASS} table.{TABLE_CLASS} td{{padding:0.25rem 0.6rem;"
    "border-bottom:1px solid #ddd;vertical-align:top;text-align:left}"
    f".{WRAP_CLASS} table.{TABLE_CLASS} td.num{{text-align:right;white-space:nowrap}}"
    f".{SORTABLE_CLASS} th button{{font:inherit;font-weight:bold;color:inherit;background:none;border:0;padding:0;"
    "cursor:pointer;"
    "text-align:left}"
    f".{SORTABLE_CLASS} th[aria-sort=ascending] button::after{{content:' \\25B2'}}"
    f".{SORTABLE_CLASS} th[aria-sort=descending] button::after{{content:' \\25BC'}}"
)
# Sort on click: numeric cells by their data-sort value, text by locale order; missing values always last.
SCRIPT = """(function(){document.querySelectorAll('table.research-sortable:not([data-bound])').forEach(function(t){
t.setAttribute('data-bound','1');t.querySelectorAll('thead th').forEach(function(th,i){var b=th.querySelector('button');
if(!b)return;b.addEventListener('click',function(){var asc=th.getAttribute('aria-sort')!=='ascending';
t.querySelectorAll('thead th').forEach(function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');var body=t.tBodies[0];
var rows=Array.prototype.slice.call(body.rows);rows.sort(function(r1,r2){var a=r1.cells[i].getAttribute('data-sort'),
c=r2.cells[i].getAttribute('data-sort');if(a===''&&c==='')return 0;if(a==='')return 1;if(c==='')return -1;
var x=parseFloat(a),y=parseFloat(c);var d=(isFinite(x)&&isFinite(y))?x-y:a.localeCompare(c);return asc?d:-d;});
rows.forEach(function(r){body.appendChild(r);});});});});})();"""


def _sort_key(value: Any) -> str:
    """The value a column sorts on: numbers and dates as numbers, text as lower-case text, missing as ''."""
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return str(value.value)
    if isinstance(value, numbers.Real):
        return "" if not math.isfinite(float(value)) else repr(float(value))
    return str(value).lower()


def _href(value: Any) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    return text if text and _SAFE_HREF.match(text) else None


def html_table(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    dates: Mapping[str, str] | None = None,
    links: Mapping[str, str] | None = None,
    sortable: bool = False,
    caption: str | None = None,
) -> HTML:
    """An escaped HTML table of `frame[list(columns)]`, headers labelled by `columns`.

    `formats`/`dates` as in `reader_table`; `links` maps a shown column to the column holding its link target
    (a relative page name or an http(s) URL; anything else is shown as plain text). With `sortable`, each header
    is a button that sorts the rows (numbers numerically, missing values last).
    """
    missing = [c for c in [*columns, *(links or {}).values()] if c not in frame.columns]
    if missing:
        raise KeyError(f"html_table: column(s) {missing} not in the frame; it has {list(frame.columns)}")
    formats, dates, links = dict(formats or {}), dict(dates or {}), dict(links or {})
    rows = frame.reset_index(drop=True)
    numeric = {
        c
        for c in columns
        if pd.api.types.is_numeric_dtype(rows[c]) and not pd.api.types.is_bool_dtype(rows[c])
    }
    fmt = {c: cell_formatter(rows[c], formats.get(c), dates.get(c)) for c in columns}
    classes = " ".join([TABLE_CLASS] + ([SORTABLE_CLASS] if sortable else []))
    parts = [f'<div class="{WRAP_CLASS}"><style>{STYLE}</style><table class="{classes}">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    head = [
        f'<th scope="col"><button type="button">{html.escape(label)}</button></th>'
        if sortable
        else f'<th scope="col">{html.escape(label)}</th>'
        for label in columns.values()
    ]
    parts.append("<thead><tr>" + "".join(head) + "</tr></thead><tbody>")
    for _, row in rows.iterrows():
        cells = []
        for c in columns:
            text = html.escape(str(fmt[c](row[c])))
            href = _href(row[links[c]]) if c in links else None
            if href is not None:
                text = f'<a href="{html.escape(href, quote=True)}">{text}</a>'
            css = ' class="num"' if c in numeric else ""
            sort = f' data-sort="{html.escape(_sort_key(row[c]), quote=True)}"' if sortable else ""
            cells.append(f"<td{css}{sort}>{text}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    if sortable:
        parts.append(f"<script>{SCRIPT}</script>")
    return HTML("".join(parts))
