"""Dated events on time charts, numbered once per page, with the key as page text instead of small print.

The numbers are fixed for the whole page (event 3 is the same event on every chart), each chart shows only the
numbers, and the key is a Markdown list displayed under the figure (escaped: labels are curated text).
`research.figures.page.show_figure(fig, ..., key=key, events_on=ax)` draws them and shows the key.

    key = EventKey(events)              # once per page: numbers by date
    shown = key.draw(ax)                # numbered dotted lines within the axis' x-range
    display(md("{key}", key=key.markdown(shown)))
"""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes

from research.figures.style import EVENT_COLOUR
from research.figures.text import Markup, bullets, link, md_text


class EventKey:
    """The page's events numbered 1..n by date; `draw` marks them on a chart, `markdown` lists them."""

    def __init__(self, events: pd.DataFrame, *, date_col: str = "date", label_col: str = "label") -> None:
        frame = events.sort_values(date_col, kind="stable").reset_index(drop=True)
        self.events = pd.DataFrame(
            {
                "number": range(1, len(frame) + 1),
                "date": pd.to_datetime(frame[date_col]),
                "label": frame[label_col].astype(str),
                "url": frame["source_url"] if "source_url" in frame.columns else None,
            }
        )

    def draw(self, ax: Axes) -> list[int]:
        """Numbered vertical lines for the events inside the x-range; returns the numbers shown."""
        x0, x1 = ax.get_xlim()
        shown: list[int] = []
        for row in self.events.itertuples(index=False):
            if not x0 <= float(mdates.date2num(row.date)) <= x1:
                continue
            ax.axvline(row.date, color=EVENT_COLOUR, linestyle=":", linewidth=1, zorder=1)
            ax.annotate(
                str(row.number),
                xy=(row.date, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 2 + 9 * (len(shown) % 2)),  # alternate heights so events days apart stay readable
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
                color=EVENT_COLOUR,
            )
            shown.append(int(row.number))
        ax.set_xlim(x0, x1)
        return shown

    def markdown(self, shown: list[int]) -> Markup:
        """The key for one chart: "Events marked on the chart:" and one bullet per number shown."""
        if not shown:
            return Markup("")
        rows = self.events[self.events["number"].isin(shown)]
        lines = [
            md_text(
                "{number}: {label}, {date:%d %B %Y}{source}",
                number=int(r.number),
                label=r.label,
                date=r.date,
                source=md_text(" ({src})", src=link("source", r.url))
                if isinstance(r.url, str) and r.url
                else "",
            )
            for r in rows.itertuples(index=False)
        ]
        return Markup("Events marked on the chart (dotted lines):\n\n" + bullets(lines))
