"""Narrative text for notebooks and reports: Markdown whose inserted values are always escaped.

Curated facts, scenario descriptions and source URLs are data, not markup: a value inserted into a sentence must
never become HTML or Markdown. `md(template, **values)` formats like `str.format`, escaping every inserted value
that is not a number, a date or a `Markup` made here on purpose (a checked link, a nested `md`).

    from research.figures.text import md, link
    display(md("**{office}** changed director on {date:%d %B %Y} ({source}).",
               office=name, date=when, source=link("source", url)))

Numbers in text are computed, never typed: pass them as values and format them in the template.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import numbers
import re
import string
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from IPython.display import Markdown

# Inline Markdown syntax, escaped with a backslash so a name like "St_Paul*" stays text. Line-start syntax
# (#, -, +, >) cannot occur: values are collapsed to one line and templates never start a line with a value.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()|~])")
MISSING = "–"  # shown for a missing value (never "nan", "NaT" or "None")


class Markup(str):
    """Text that is already safe Markdown (built by this module); inserted as is."""


def escape(value: Any) -> Markup:
    """Plain text -> safe Markdown: HTML special characters become entities, Markdown syntax is backslashed."""
    text = html.escape(plain(value), quote=True)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return Markup(" ".join(text.split()))  # a newline in a curated cell must not start a new Markdown block


def plain(value: Any) -> str:
    """A value as words a reader expects: no 'nan', 'NaT', 'None', 'True'/'False' or '2025-07-01 00:00:00'."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        return f"{stamp:%d %B %Y}" if stamp == stamp.normalize() else f"{stamp:%d %B %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d %B %Y}"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return str(value)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _is_number_or_date(value: Any) -> bool:
    return isinstance(value, numbers.Number | pd.Timestamp | dt.date | dt.datetime) and not isinstance(
        value, bool
    )


class _EscapingFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Markup):
            return str(value)
        if is_missing(value):
            return MISSING
        if _is_number_or_date(value):
            if not format_spec:
                return str(escape(value))
            if isinstance(value, float) and not math.isfinite(value):
                return MISSING
            return str(escape(format(value, format_spec)))
        return str(escape(format(plain(value), format_spec)))


_FORMATTER = _EscapingFormatter()


def md_text(template: str, /, **values: Any) -> Markup:
    """`template.format(**values)` with every value escaped; the template itself is trusted Markdown."""
    return Markup(_FORMATTER.vformat(template, (), values))


def md(template: str, /, **values: Any) -> Markdown:
    """Like `md_text`, wrapped for `IPython.display.display`."""
    return Markdown(md_text(template, **values))


def link(label: Any, url: Any) -> Markup:
    """A Markdown link to an http(s) URL; anything else (javascript:, data:, blank) becomes plain text."""
    text = escape(label)
    address = str(url).strip() if not is_missing(url) else ""
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in address for c in "<>\"' \n"):
        return text
    safe = address.replace("(", "%28").replace(")", "%29")
    return Markup(f"[{text}]({safe})")


def source_link(url: Any) -> Markup:
    """A link labelled with the source's host name ("apnews.com"), or the escaped text when not a URL."""
    if is_missing(url) or not str(url).strip():
        return Markup(MISSING)
    address = str(url).strip()
    host = urlsplit(address).netloc.removeprefix("www.") or address
    return link(host, address)


def join(items: Iterable[Any], sep: str = ", ", last: str | None = None) -> Markup:
    """Escaped items joined into one phrase ("A, B and C" with `last=" and "`)."""
    parts = [item if isinstance(item, Markup) else escape(item) for item in items]
    if last is not None and len(parts) > 1:
        return Markup(sep.join(parts[:-1]) + last + parts[-1])
    return Markup(sep.join(parts))


def bullets(lines: Iterable[Any]) -> Markup:
    """A Markdown bullet list; each line escaped unless it is `Markup`."""
    return Markup("\n".join(f"- {line if isinstance(line, Markup) else escape(line)}" for line in lines))


def table(rows: Iterable[Mapping[str, Any]], columns: Mapping[str, str]) -> Markup:
    """A small Markdown table: `columns` maps each row key to its header; cells escaped unless `Markup`."""
    keys = list(columns)
    lines = [
        "| " + " | ".join(escape(columns[k]) for k in keys) + " |",
        "|" + "---|" * len(keys),
    ]
    for row in rows:
        cells = [row[k] if isinstance(row[k], Markup) else escape(row[k]) for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return Markup("\n".join(lines))
