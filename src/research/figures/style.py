"""Figure conventions shared by every notebook: palette, events layer, and a footer with the event key and source."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Okabe-Ito: distinguishable under the common forms of colour-blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
AGENCY_COLOURS = {"ICE": PALETTE[0], "CBP": PALETTE[1], "Total": PALETTE[7]}
EVENT_COLOUR = "#555555"
_FOOTER = "_research_footer"  # figure attribute holding {"events": [...], "source": str, "artist": Text}


# Seed for the randomness inside drawing (seaborn's strip-plot jitter draws from NumPy's global generator).
FIGURE_SEED = 0


def use_style() -> None:
    """Apply the project style (call once at the top of a notebook); the same data then give the same figures."""
    np.random.seed(FIGURE_SEED)
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    plt.rcParams.update(
        {"figure.figsize": (10, 5), "figure.dpi": 100, "savefig.bbox": "tight", "axes.titlepad": 20}
    )


def _footer(fig: Figure) -> dict:
    if not hasattr(fig, _FOOTER):
        setattr(fig, _FOOTER, {"events": [], "source": "", "artist": None})
    return getattr(fig, _FOOTER)


def _draw_footer(fig: Figure) -> None:
    """One text block under the axes: the event key, then the source line (re-drawn on each call)."""
    footer = _footer(fig)
    if footer["artist"] is not None:
        footer["artist"].remove()
    lines = []
    if footer["events"]:
        lines.append("Events: " + "; ".join(footer["events"]))
    if footer["source"]:
        lines.append(f"Source: {footer['source']}")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [box for ax in fig.axes if (box := ax.get_tightbbox(renderer)) is not None]
    bottom = min(box.y0 for box in boxes) / fig.bbox.height if boxes else 0.0
    footer["artist"] = fig.text(
        0.01, bottom - 0.02, "\n".join(lines), ha="left", va="top", fontsize=8, color="#333333", wrap=True
    )


def source_note(fig: Figure, text: str) -> None:
    """Write a 'Source: ...' line under the figure (below the event key, if any)."""
    _footer(fig)["source"] = text
    _draw_footer(fig)


def add_events(
    ax: Axes,
    events: pd.DataFrame,
    *,
    date_col: str = "date",
    label_col: str = "label",
    categories: Iterable[str] | None = None,
) -> None:
    """Draw dated events as numbered vertical lines, with a key under the figure.

    `events` is the frame from `research.data.load_events()` (columns `date`, `label`, `category`).
    Events outside the axis' x-range are skipped so the chart keeps its limits. Numbers rather than labels
    on the chart keep close events (days apart) readable.
    """
    frame = events if categories is None else events[events["category"].isin(list(categories))]
    x0, x1 = ax.get_xlim()
    fig = ax.get_figure()
    footer = _footer(fig)  # type: ignore[arg-type]
    shown = 0
    for row in frame.sort_values(date_col).itertuples(index=False):
        when = pd.Timestamp(getattr(row, date_col))
        if not x0 <= float(mdates.date2num(when)) <= x1:
            continue
        shown += 1
        number = len(footer["events"]) + 1
        ax.axvline(when, color=EVENT_COLOUR, linestyle=":", linewidth=1, zorder=1)
        ax.annotate(
            str(number),
            xy=(when, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2 + 9 * (shown % 2)),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
            color=EVENT_COLOUR,
        )
        footer["events"].append(f"{number} {getattr(row, label_col)} ({when:%d %b %Y})")
    ax.set_xlim(x0, x1)
    _draw_footer(fig)  # type: ignore[arg-type]
