"""Computations behind the data-overview notebook: source coverage and revisions between editions."""

from __future__ import annotations

import pandas as pd

from research import params

AGENCIES = ("ICE", "CBP", "Total")


def validate_overview_params(fiscal_years: list[int], agency: str, available: list[int]) -> list[int]:
    """Check the notebook's parameters; returns the fiscal years sorted."""
    params.check_choice("agency", agency, AGENCIES)
    if not isinstance(fiscal_years, list) or not fiscal_years:
        raise params.ParameterError(
            f"parameter 'fiscal_years' = {fiscal_years!r}: expected a non-empty list of years"
        )
    for year in fiscal_years:
        params.check_choice("fiscal_years", year, available)
    return sorted(fiscal_years)


def coverage(editions: pd.DataFrame) -> pd.DataFrame:
    """Per fiscal year: editions read, first and last release, newest data cut-off, and notes."""
    grouped = editions.groupby("fiscal_year")
    table = pd.DataFrame(
        {
            "editions": grouped["edition_file"].count(),
            "first_release": grouped["edition_date"].min().dt.date,
            "last_release": grouped["edition_date"].max().dt.date,
            "data_through": grouped["data_through"].max().dt.date,
            "complete_year": grouped["data_through"].max().dt.strftime("%m-%d").eq("09-30"),
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
