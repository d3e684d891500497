"""Computations behind the data-overview notebook: source coverage, revisions between editions, and the revision
history of each month (how its count moved across editions, and what the newest edition changed).

Editions are ordered by their data cut-off (`data_through`), then release date: ICE re-serves stale data under
new names, and the order of cut-offs, not of file dates, is the order in which the counts were known.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from research import params

AGENCIES = ("ICE", "CBP", "Total")


def validate_overview_params(fiscal_years: list[int], agency: str, available: list[int]) -> list[int]:
    """Check the notebook's parameters; returns the fiscal years sorted."""
    params.check_choice("agency", agency, AGENCIES)
    return validate_years("fiscal_years", fiscal_years, available)


def validate_years(name: str, years: list[int], available: list[int]) -> list[int]:
    """Check a list-of-fiscal-years parameter against the years in the data; returns it sorted."""
    if not isinstance(years, list) or not years:
        raise params.ParameterError(f"parameter '{name}' = {years!r}: expected a non-empty list of years")
    for year in years:
        params.check_choice(name, year, available)
    return sorted(years)


def coverage(editions: pd.DataFrame) -> pd.DataFrame:
    """Per fiscal year: editions read, first and last release, newest data cut-off, and whether it is complete."""
    grouped = editions.groupby("fiscal_year")
    newest = grouped["data_through"].max()
    table = pd.DataFrame(
        {
            "editions": grouped["edition_file"].count(),
            "first_release": grouped["edition_date"].min(),
            "last_release": grouped["edition_date"].max(),
            "data_through": newest,
            "complete_year": newest.dt.strftime("%m-%d").eq("09-30"),
        }
    )
    return table.reset_index()


def revisions(vintage: pd.DataFrame) -> pd.DataFrame:
    """Change of each already-complete month from one edition to the next edition of the same fiscal year.

    A month still partial in the earlier edition is not counted: filling in the rest of a month is not a revision.
    """
    ordered = vintage.sort_values(["data_through", "edition_date"])
    rows = []
    for (_, agency, month), group in ordered.groupby(["fiscal_year", "agency", "month"]):
        previous = None
        for row in group.itertuples(index=False):
            if previous is not None and not previous.partial_month:
                rows.append(
                    {
                        "agency": agency,
                        "month": month,
                        "from_edition": previous.edition_file,
                        "to_edition": row.edition_file,
                        "before": previous.book_ins,
                        "after": row.book_ins,
                        "revision": row.book_ins - previous.book_ins,
                    }
                )
            previous = row
    return pd.DataFrame(rows)


def revision_summary(revs: pd.DataFrame) -> pd.DataFrame:
    """Size and direction of revisions by agency."""
    grouped = revs.groupby("agency")["revision"]
    return pd.DataFrame(
        {
            "comparisons": grouped.count(),
            "revised_up": grouped.apply(lambda s: int((s > 0).sum())),
            "revised_down": grouped.apply(lambda s: int((s < 0).sum())),
            "unchanged": grouped.apply(lambda s: int((s == 0).sum())),
            "mean_abs_revision": grouped.apply(lambda s: s.abs().mean()).round(1),
            "largest_revision": grouped.apply(lambda s: int(s.loc[s.abs().idxmax()])),
        }
    ).reset_index()


# --- revision history ------------------------------------------------------------------------------------------


def month_history(vintage: pd.DataFrame, agency: str, fiscal_years: list[int] | None = None) -> pd.DataFrame:
    """How each month's count moved across editions: one row per (month, edition that reported it).

    Columns: fiscal_year, month, edition_file, edition_date, data_through, book_ins, partial_month, report (1 for
    the first edition that reported the month), first_complete (the count in the first edition where the month
    was complete), change (book_ins - first_complete, missing while the month was partial or not yet complete)
    and pct_change (change / first_complete).
    """
    rows = vintage[vintage["agency"] == agency]
    if fiscal_years is not None:
        rows = rows[rows["fiscal_year"].isin(fiscal_years)]
    rows = rows.dropna(subset=["data_through"]).sort_values(
        ["month", "data_through", "edition_date", "edition_file"]
    )
    columns = [
        "fiscal_year",
        "month",
        "edition_file",
        "edition_date",
        "data_through",
        "book_ins",
        "partial_month",
    ]
    out = rows[columns].reset_index(drop=True)
    out["report"] = out.groupby("month").cumcount() + 1
    complete = out.loc[~out["partial_month"].astype(bool)]
    first = complete.groupby("month")["book_ins"].first()
    out["first_complete"] = out["month"].map(first).astype("Float64")
    # Reports before the first complete one (the month was still partial) have no change yet.
    seen_complete = (~out["partial_month"].astype(bool)).groupby(out["month"]).cumsum() > 0
    out["change"] = (out["book_ins"] - out["first_complete"]).where(seen_complete)
    out["pct_change"] = out["change"] / out["first_complete"]
    return out


def settling(history: pd.DataFrame) -> pd.DataFrame:
    """Per month complete in at least one edition: first complete count, latest count and the change between them.

    Columns: fiscal_year, month, first_edition, first_complete, latest_edition, latest, change, pct_change,
    later_reports (complete reports after the first; 0 means the month has not been restated yet).
    """
    complete = history.loc[~history["partial_month"].astype(bool)]
    grouped = complete.groupby("month")
    table = pd.DataFrame(
        {
            "fiscal_year": grouped["fiscal_year"].first(),
            "first_edition": grouped["edition_file"].first(),
            "first_complete": grouped["book_ins"].first(),
            "latest_edition": grouped["edition_file"].last(),
            "latest": grouped["book_ins"].last(),
            "later_reports": grouped["book_ins"].count() - 1,
        }
    ).reset_index()
    table["change"] = table["latest"] - table["first_complete"]
    table["pct_change"] = table["change"] / table["first_complete"]
    return table


@dataclass(frozen=True)
class SettlingSummary:
    """How much complete months moved after their first complete report (months restated at least once)."""

    months: int  # months with at least one later complete report
    revised: int  # of which the latest count differs from the first complete one
    median_abs_change: float
    median_abs_pct: float
    largest_month: pd.Timestamp | None
    largest_change: int
    largest_pct: float


def settling_summary(settled: pd.DataFrame) -> SettlingSummary:
    """Summary of `settling`: how many restated months moved, the median and the largest change."""
    restated = settled[settled["later_reports"] > 0]
    if restated.empty:
        return SettlingSummary(0, 0, float("nan"), float("nan"), None, 0, float("nan"))
    largest = restated.loc[restated["change"].abs().idxmax()]
    return SettlingSummary(
        months=len(restated),
        revised=int((restated["change"] != 0).sum()),
        median_abs_change=float(restated["change"].abs().median()),
        median_abs_pct=float(restated["pct_change"].abs().median()),
        largest_month=pd.Timestamp(largest["month"]),
        largest_change=int(largest["change"]),
        largest_pct=float(largest["pct_change"]),
    )


@dataclass(frozen=True)
class EditionChanges:
    """What the newest edition changed against the edition before it in the same fiscal year.

    `table`: one row per month of either edition with before, after, change and status ("added": not in the
    previous edition; "completed": partial there, complete now; "extended": partial in both, another count now;
    "revised": complete there, another count now; "unchanged"; "dropped": no longer reported).
    """

    edition: str
    data_through: pd.Timestamp
    fiscal_year: int
    previous: str | None
    previous_through: pd.Timestamp | None
    table: pd.DataFrame

    def count(self, status: str) -> int:
        return int((self.table["status"] == status).sum())

    def largest_revision(self) -> pd.Series | None:
        revised = self.table[self.table["status"] == "revised"]
        return None if revised.empty else revised.loc[revised["change"].abs().idxmax()]


def newest_edition_changes(vintage: pd.DataFrame, agency: str) -> EditionChanges:
    """Compare the edition with the latest data cut-off with the one before it (same fiscal year)."""
    editions = (
        vintage.dropna(subset=["data_through"])
        .drop_duplicates("edition_file")
        .sort_values(["data_through", "edition_date", "edition_file"])
    )
    newest = editions.iloc[-1]
    same_year = editions[editions["fiscal_year"] == newest["fiscal_year"]]
    previous = same_year.iloc[-2] if len(same_year) > 1 else None
    rows = vintage[vintage["agency"] == agency]
    after = rows[rows["edition_file"] == newest["edition_file"]].set_index("month")
    before = (
        rows[rows["edition_file"] == previous["edition_file"]].set_index("month")
        if previous is not None
        else after.iloc[0:0]
    )
    table = pd.DataFrame(index=after.index.union(before.index))
    table["before"] = before["book_ins"].reindex(table.index).astype("Int64")
    table["after"] = after["book_ins"].reindex(table.index).astype("Int64")
    table["was_partial"] = before["partial_month"].reindex(table.index)
    table["is_partial"] = after["partial_month"].reindex(table.index)
    table["change"] = table["after"] - table["before"]

    def status(row: pd.Series) -> str:
        if pd.isna(row["before"]):
            return "added"
        if pd.isna(row["after"]):
            return "dropped"
        if bool(row["was_partial"]) and not bool(row["is_partial"]):
            return "completed"
        if row["change"] == 0:
            return "unchanged"
        return "extended" if bool(row["was_partial"]) else "revised"

    table["status"] = table.apply(status, axis=1)
    table = table.reset_index().rename(columns={"index": "month"})
    return EditionChanges(
        edition=str(newest["edition_file"]),
        data_through=pd.Timestamp(newest["data_through"]),
        fiscal_year=int(newest["fiscal_year"]),
        previous=None if previous is None else str(previous["edition_file"]),
        previous_through=None if previous is None else pd.Timestamp(previous["data_through"]),
        table=table[["month", "before", "after", "change", "is_partial", "status"]],
    )
