"""Figures and tables as a report page shows them: alt text, the event key and source line as page text, data.

`show_figure(fig, name=..., describe=..., data=frame)` displays the figure as a PNG whose alt text is the
figure's title plus the one-line description the notebook gives, marks the page's events on `events_on` (one
numbering per page, see `research.figures.events.EventKey`) and lists them under the image, prints the figure's
source line (`style.source_note`) and links the CSV of its data (`research.figures.downloads.offer`).
`show_table(frame, columns, name=...)` is `reader_table` plus the CSV of the columns shown.

    fig = charts.rank_figure(...)
    style.source_note(fig, windows.attrs["source"])
    show_figure(fig, name="arrests_per_1000", describe="Bars, one per office, largest first.", data=table)
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from research.figures import style
from research.figures.downloads import offer
from research.figures.events import EventKey
from research.figures.tables import reader_table
from research.figures.text import md


def figure_title(fig: Figure) -> str:
    """The figure's title: its suptitle, else its panels' titles joined with "; " ('' when there is none)."""
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        return " ".join(suptitle.get_text().split())
    titles: list[str] = []
    for ax in fig.axes:
        for title in (ax.get_title(), ax.get_title("left"), ax.get_title("right")):
            text = " ".join(title.split())
            if text and text not in titles:
                titles.append(text)
    return "; ".join(titles)


def alt_text(fig: Figure, describe: str) -> str:
    """Alt text for the figure's image: "<title>. <description>" (both required: a reader of the alt text gets
    what the title says and what the chart shows)."""
    title = figure_title(fig).rstrip(" .")
    description = " ".join(str(describe).split())
    if not title or not description:
        raise ValueError("a figure needs a title and a one-line description for its alt text")
    return f"{title}. {description}".rstrip() + ("" if description.endswith((".", "?", "!")) else ".")


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def show_figure(
    fig: Figure,
    *,
    name: str,
    describe: str,
    data: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    key: EventKey | None = None,
    events_on: Axes | Sequence[Axes] | None = None,
) -> None:
    """Display `fig` with its alt text, event key, source line and data download.

    The source line must have been set with `style.source_note` (every figure has one).
    """
    source = style.figure_source(fig)
    if not source:
        raise ValueError(f"figure {name!r} has no source line: call style.source_note(fig, ...) first")
    shown: list[int] = []
    if key is not None and events_on is not None:
        for ax in [events_on] if isinstance(events_on, Axes) else list(events_on):
            shown += [n for n in key.draw(ax) if n not in shown]
    alt = alt_text(fig, describe)
    image = base64.b64encode(png_bytes(fig)).decode("ascii")
    plt.close(fig)
    # The page's <img alt> comes from this metadata (research.reports.render); the title is kept for checks.
    metadata = {"image/png": {"alt": alt, "title": figure_title(fig)}}
    display({"image/png": image, "text/plain": alt}, raw=True, metadata=metadata)
    if key is not None and shown:
        display(md("{key}", key=key.markdown(sorted(shown))))
    display(md("Source: {source}", source=source.rstrip(".") + "."))
    if data is not None:
        offer(data, name, columns=columns, label="Data for this chart (CSV)")


def show_table(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    name: str,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    dates: Mapping[str, str] | None = None,
    caption: str | None = None,
    align_right: Sequence[str] = (),
) -> None:
    """Display `reader_table(frame, columns, ...)` and link the CSV of the same rows and columns."""
    display(
        reader_table(frame, columns, formats=formats, dates=dates, caption=caption, align_right=align_right)
    )
    offer(frame, name, columns=columns, label="Download this table (CSV)")
