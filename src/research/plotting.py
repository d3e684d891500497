"""Figure conventions shared by every notebook: palette, axis labels with units, events layer, source line."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Okabe-Ito: distinguishable under the common forms of colour-blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
AGENCY_COLOURS = {"ICE": PALETTE[0], "CBP": PALETTE[1], "Total": PALETTE[7]}
EVENT_COLOUR = "#555555"


def use_style() -> None:
    """Apply the project style (call once at the top of a notebook)."""
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (10, 5), "figure.dpi": 100, "savefig.bbox": "tight"})


def source_note(fig: Figure, text: str) -> None:
    """Write a 'Source: ...' line under the figure."""
    fig.text(0.01, -0.02, f"Source: {text}", ha="left", va="top", fontsize=8, color="#333333", wrap=True)


def add_events(
    ax: Axes,
    events: pd.DataFrame,
    *,
    date_col: str = "date",
    label_col: str = "label",
    categories: Iterable[str] | None = None,
) -> None:
    """Draw dated events as labelled vertical lines on a time axis.

    `events` is the frame from `research.data.load_events()` (columns `date`, `label`, `category`).
    Events outside the axis' current x-range are skipped so the chart keeps its limits.
    """
    frame = events if categories is None else events[events["category"].isin(list(categories))]
    x0, x1 = ax.get_xlim()
    ymax = ax.get_ylim()[1]
    for i, row in enumerate(frame.sort_values(date_col).itertuples(index=False)):
        when = pd.Timestamp(getattr(row, date_col))
        xnum = float(mdates.date2num(when))
        if not x0 <= xnum <= x1:
            continue
        ax.axvline(when, color=EVENT_COLOUR, linestyle=":", linewidth=1, zorder=1)
        ax.annotate(
            str(getattr(row, label_col)),
            xy=(when, ymax),
            xytext=(2, -4 - 11 * (i % 4)),
            textcoords="offset points",
            rotation=0,
            fontsize=7,
            color=EVENT_COLOUR,
            va="top",
        )
    ax.set_xlim(x0, x1)
