"""Charts of the data overview: monthly book-ins, revisions between editions, and each month's revision history.

Every function takes frames produced by `research.models.overview` (or the book-ins table) and returns a matplotlib
Figure; the events layer and the source line are added by the caller with `research.figures.style`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from research.figures import style

_PARTIAL_HATCH = "////"


def plot_monthly_book_ins(book_ins: pd.DataFrame) -> Figure:
    """Monthly initial book-ins by arresting agency (ICE, CBP); partial months circled and not joined."""
    fig, ax = plt.subplots(figsize=(11, 5))
    agencies = book_ins[book_ins["agency"] != "Total"]
    for agency, rows in agencies.groupby("agency"):
        colour = style.AGENCY_COLOURS[str(agency)]
        complete = rows.loc[~rows["partial_month"].astype(bool)]
        # A break in the line where a partial month sits: each complete run is drawn on its own.
        runs = (rows["partial_month"].astype(bool)).cumsum().loc[complete.index]
        for i, (_, run) in enumerate(complete.groupby(runs)):
            ax.plot(
                run["month"],
                run["book_ins"],
                marker="o",
                markersize=3,
                color=colour,
                label=agency if i == 0 else None,
            )
        partial = rows.loc[rows["partial_month"].astype(bool)]
        ax.scatter(partial["month"], partial["book_ins"], s=60, facecolors="none", edgecolors=colour)
    ax.scatter([], [], s=60, facecolors="none", edgecolors="black", label="partial month (not joined)")
    ax.set(
        title="Initial book-ins into ICE detention by arresting agency, per month",
        xlabel="Month",
        ylabel="Book-ins per month (persons)",
    )
    ax.legend(title="Arresting agency", loc="upper left")
    return fig


def plot_revision_strip(revisions: pd.DataFrame, agency: str) -> Figure:
    """Each revision of an already-complete month between consecutive editions, by month revised."""
    fig, ax = plt.subplots(figsize=(11, 4))
    detail = revisions[revisions["agency"] == agency]
    sns.stripplot(
        data=detail, x=detail["month"].dt.strftime("%Y-%m"), y="revision", color=style.PALETTE[0], ax=ax
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(
        title=f"Revisions to already-complete months, {agency}-arrested book-ins",
        xlabel="Month revised",
        ylabel="Change from previous edition (book-ins)",
    )
    ax.tick_params(axis="x", rotation=90)
    return fig


def plot_revision_history(history: pd.DataFrame, agency: str) -> Figure:
    """Heatmap: rows are months, columns editions (by data cut-off); each cell is the month's count in that
    edition minus its first complete count. Hatched cells: the month was still partial in that edition."""
    months = sorted(history["month"].unique())
    editions = history.drop_duplicates("edition_file").sort_values(
        ["data_through", "edition_date", "edition_file"]
    )
    columns = editions["edition_file"].tolist()
    change = history.pivot_table(index="month", columns="edition_file", values="change", aggfunc="first")
    change = change.reindex(index=months, columns=columns).astype(float)
    partial = history[history["partial_month"].astype(bool)]
    limit = max(1.0, float(np.nanmax(np.abs(change.to_numpy()))) if change.notna().any().any() else 1.0)
    labels = change.map(lambda v: "" if pd.isna(v) else f"{v:+,.0f}" if v else "0")
    height = max(4.0, 0.32 * len(months) + 2.5)
    fig, ax = plt.subplots(figsize=(max(9.0, 0.62 * len(columns) + 3), height))
    sns.heatmap(
        change,
        cmap="vlag",
        vmin=-limit,
        vmax=limit,
        annot=labels.to_numpy(),
        fmt="",
        annot_kws={"fontsize": 7},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "Change from the month's first complete count (book-ins)"},
        ax=ax,
    )
    row_of = {m: i for i, m in enumerate(months)}
    col_of = {e: j for j, e in enumerate(columns)}
    for row in partial.itertuples(index=False):
        ax.add_patch(
            Rectangle(
                (col_of[row.edition_file], row_of[row.month]),
                1,
                1,
                fill=False,
                hatch=_PARTIAL_HATCH,
                edgecolor="#999999",
                linewidth=0,
            )
        )
    ax.set_yticks(np.arange(len(months)) + 0.5, [f"{pd.Timestamp(m):%b %Y}" for m in months], rotation=0)
    ax.set_xticks(
        np.arange(len(columns)) + 0.5,
        [f"{t:%d %b %Y}" for t in editions["data_through"]],
        rotation=90,
        fontsize=8,
    )
    ax.set(
        title=f"How each month's {agency}-arrested book-ins moved across ICE editions",
        xlabel="Edition (data through)",
        ylabel="Month",
    )
    ax.grid(False)
    ax.legend(
        handles=[
            Patch(facecolor="white", edgecolor="#999999", hatch=_PARTIAL_HATCH, label="month still partial")
        ],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=8,
    )
    return fig


def plot_edition_changes(table: pd.DataFrame, *, agency: str, edition: str, previous: str) -> Figure:
    """Change of each month that was complete in the previous edition (bars), newest edition minus previous."""
    compared = table[table["status"].isin(["revised", "unchanged"])]
    fig, ax = plt.subplots(figsize=(9, 4))
    colours = [style.PALETTE[0] if c < 0 else style.PALETTE[1] for c in compared["change"].astype(float)]
    labels = [f"{m:%b %Y}" for m in compared["month"]]
    ax.bar(labels, compared["change"].astype(float), color=colours)
    for x, value in enumerate(compared["change"].astype(float)):
        ax.annotate(
            f"{value:+,.0f}", (x, value), ha="center", va="bottom" if value >= 0 else "top", fontsize=8
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(
        title=f"Revisions in the newest edition, {agency}-arrested book-ins\n{edition} minus {previous}",
        xlabel="Month (complete in the previous edition)",
        ylabel="Change from previous edition (book-ins)",
    )
    ax.title.set_fontsize(10)
    ax.margins(y=0.15)
    return fig
