"""A report's key findings and data-through dates, published for the site's front page.

A notebook computes its headline numbers anyway; `Findings` turns a few of them into sentences with the date
each number refers to, and `publish()` displays them as one machine-readable output (MIME type `MIME`, plus a
short plain-text line). The report runner collects that output into the manifest and leaves it off the page;
`research.reports.site` lists the findings on `reports/index.html`. Numbers are never typed: they are values
formatted into the template, as with `research.figures.text.md`.

    findings = Findings()
    findings.add("ICE ERO made {rate:,.0f} arrests a day, {pct:.0%} of the goal", date=month, rate=r, pct=p)
    findings.source("ICE ERO arrests (Deportation Data Project release)", through=release_through)
    findings.publish()
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import string
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from IPython.display import display

from research.figures.text import MISSING, is_missing, plain

MIME = "application/vnd.research.findings+json"
VERSION = 1


class _PlainFormatter(string.Formatter):
    """str.format for sentences read as plain text: missing or non-finite values read "–"."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if is_missing(value) or (isinstance(value, float) and not math.isfinite(value)):
            return MISSING
        dated = isinstance(value, pd.Timestamp | dt.date)
        if format_spec and (dated or (isinstance(value, numbers.Number) and not isinstance(value, bool))):
            return format(value, format_spec)
        return format(plain(value), format_spec)


_FORMATTER = _PlainFormatter()


def _date(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        raise ValueError(f"finding date {value!r} is missing")
    return stamp


@dataclass
class Finding:
    text: str  # one plain-text sentence (escaped where it is shown)
    date: str  # ISO date the number refers to (the month's first day, the window's end ...)
    date_label: str  # the same date as a reader reads it ("July 2026")
    key_finding: bool = True  # False: shown only on the report's line of the front page


@dataclass
class Source:
    name: str
    through: str  # ISO date of the last day (or month) the source covers
    through_label: str
    detail: str = ""


@dataclass
class Findings:
    findings: list[Finding] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def add(
        self,
        template: str,
        /,
        *,
        date: Any,
        date_format: str = "%B %Y",
        key_finding: bool = True,
        **values: Any,
    ) -> None:
        """A sentence from `template` and computed `values`, dated `date` (shown as `date_format`).

        `key_finding=False`: a line about this report only (a field office's numbers), not a key finding of the site.
        """
        when = _date(date)
        text = _FORMATTER.vformat(template, (), values)
        item = Finding(text, when.date().isoformat(), when.strftime(date_format), key_finding)
        self.findings.append(item)

    def source(self, name: str, *, through: Any, through_format: str = "%d %B %Y", detail: str = "") -> None:
        """A data source of the page and the last date it covers."""
        when = _date(through)
        item = Source(str(name), when.date().isoformat(), when.strftime(through_format), str(detail))
        self.sources.append(item)

    def payload(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "findings": [asdict(f) for f in self.findings],
            "sources": [asdict(s) for s in self.sources],
        }

    def publish(self) -> None:
        """Display the findings as one output the report runner collects (the page does not show it)."""
        count = f"{len(self.findings)} finding(s), {len(self.sources)} source date(s)"
        display(
            {MIME: self.payload(), "text/plain": f"Published for the site's front page: {count}."}, raw=True
        )
