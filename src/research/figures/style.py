"""Figure conventions shared by every notebook: palette, style and each figure's source line.

Events are marked with `research.figures.events.EventKey` (one numbering per page, the key as page text) and
figures are shown with `research.figures.page.show_figure` (alt text, event key, source line, data download).
"""

from __future__ import annotations

from typing import Any

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
# October 2025 director-change tiers (research.models.treatment_tiers), the same colours on every page.
TIER_COLOURS = {
    "named_removal": PALETTE[3],
    "ice_to_ice": PALETTE[1],
    "reported": PALETTE[4],
    "claimed": PALETTE[5],
    "unknown": "#999999",
}
_SOURCE = "_research_source"  # figure attribute holding the source line


# Seed for the randomness inside drawing (seaborn's strip-plot jitter draws from NumPy's global generator).
FIGURE_SEED = 0


def use_style() -> None:
    """Apply the project style (call once at the top of a notebook); the same data then give the same figures."""
    np.random.seed(FIGURE_SEED)
    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE)
    plt.rcParams.update(
        {
            "figure.figsize": (10, 5),
            "figure.dpi": 100,
            "savefig.bbox": "tight",
            "axes.titlepad": 20,
            # Opaque white: pages show figures on a light card in dark mode too (see research.reports.render).
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
        }
    )


def source_note(fig: Figure, text: str) -> None:
    """Record the figure's source line; `research.figures.page.show_figure` prints it under the image as page text
    (selectable, readable at any width and in dark mode), so the PNG holds only the chart."""
    setattr(fig, _SOURCE, str(text))


def figure_source(fig: Figure) -> str:
    """The source line recorded with `source_note` ('' when none)."""
    return str(getattr(fig, _SOURCE, ""))


def hatched_months(ax: Axes, frame: pd.DataFrame, x: str, y: str, colour: str, **kwargs: Any) -> None:
    """Incomplete months (partial or under-reported) as separate hatched bars, each centred in its month and never
    joined to a line: the companion of `line_of_complete_months`. `frame[x]` holds each month's first day."""
    if frame.empty:
        return
    ax.bar(
        frame[x] + pd.Timedelta(days=14),
        frame[y],
        width=26,
        fill=False,
        hatch="///",
        edgecolor=colour,
        **kwargs,
    )


def line_of_complete_months(
    ax: Axes, frame: pd.DataFrame, x: str, y: str, incomplete: pd.Series | str, *, label: str, **kwargs: Any
) -> None:
    """Complete months as a line that breaks at every incomplete month: a partial or under-reported month is
    never joined into the line, and the line never bridges over one (draw those months separately, hatched).

    `incomplete` is a boolean column name or Series aligned with `frame` (rows in time order).
    """
    flags = (frame[incomplete] if isinstance(incomplete, str) else incomplete).astype(bool).to_numpy()
    runs = np.cumsum(flags)[~flags]
    complete = frame.loc[~flags]
    for i, (_, run) in enumerate(complete.groupby(runs, sort=False)):
        ax.plot(run[x], run[y], label=label if i == 0 else "_nolegend_", **kwargs)
