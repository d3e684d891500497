# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (research)
#     language: python
#     name: research
# ---

# %% [markdown]
# # What the data cover: ICE detention statistics, staffing and field offices
#
# This report describes the sources behind every other report: which ICE detention-statistics editions were
# read, what months they cover, the monthly initial book-ins by arresting agency, and how ICE revises months it
# has already published. Book-ins count arrests that led to an ICE detention book-in, **not all arrests**.

# %% tags=["parameters"]
fiscal_years = [2021, 2022, 2023, 2024, 2025, 2026]  # fiscal years (Oct-Sep) to show, e.g. [2025, 2026]
agency = "ICE"  # arresting agency for the revision detail: "ICE", "CBP" or "Total"

# %%
import matplotlib.pyplot as plt
import seaborn as sns
from IPython.display import Markdown, display

from research import data
from research.figures import style
from research.models import overview

book_ins = data.load_book_ins()
years = overview.validate_overview_params(
    fiscal_years, agency, sorted(book_ins["fiscal_year"].unique().tolist())
)
style.use_style()
editions = data.load_editions()
vintage = data.load_book_ins_vintage()
shown = book_ins[book_ins["fiscal_year"].isin(years)]

# %% [markdown]
# ## Sources and coverage

# %%
cover = overview.coverage(editions)
newest = editions.dropna(subset=["data_through"]).sort_values("data_through").iloc[-1]
staffing = data.load_staffing("ICE")
atd = data.load_atd()
atd_latest = atd[atd["status"] == "Total"].sort_values("edition_date").iloc[-1]
removals = data.load_removals().sort_values("edition_date").iloc[-1]
display(
    Markdown(
        f"- **ICE detention statistics**: {len(editions)} workbooks, FY{cover['fiscal_year'].min()}–"
        f"FY{cover['fiscal_year'].max()}; newest edition `{newest['edition_file']}` with data through "
        f"{newest['data_through']:%d %B %Y}.\n"
        f"- Other national tables: removals ({removals['removals_fytd']:,} in FY{removals['fiscal_year']} through "
        f"{removals['data_through']:%d %B %Y}) and Alternatives to Detention ({atd_latest['participants']:,} active "
        f"participants on {atd_latest['as_of']:%d %B %Y}).\n"
        f"- **OPM headcount**: {staffing['month'].min():%B %Y} to {staffing['month'].max():%B %Y}.\n"
        f"- **Field offices**: {len(data.load_field_offices())} Areas of Responsibility.\n"
        f"- **Deportation Data Project arrests**: "
        + (
            "built on this machine."
            if data.has_arrests_file()
            else "not available on this machine (optional download)."
        )
        + f"\n- Data version `{book_ins.attrs['data_version']}`."
    )
)
display(cover)

# %% [markdown]
# Editions where the reader had to work around an ICE error (stale or misnamed sheets):

# %%
display(editions.loc[editions["notes"] != "", ["edition_file", "fiscal_year", "data_through", "notes"]])

# %% [markdown]
# ## Monthly initial book-ins by arresting agency
#
# The best value per month comes from the edition with the latest data cut-off. Hatched bars are partial months
# (the edition's data end before the month does).

# %%
fig, ax = plt.subplots(figsize=(11, 5))
agencies = shown[shown["agency"] != "Total"]
sns.lineplot(
    data=agencies, x="month", y="book_ins", hue="agency", palette=style.AGENCY_COLOURS, marker="o", ax=ax
)
partial = agencies[agencies["partial_month"]]
ax.scatter(
    partial["month"], partial["book_ins"], s=90, facecolors="none", edgecolors="black", label="partial month"
)
ax.set(
    title="ICE initial book-ins by arresting agency", xlabel="Month", ylabel="Book-ins per month (persons)"
)
ax.legend(title="")
style.add_events(ax, data.load_events())
style.source_note(fig, book_ins.attrs["source"])
plt.show()

# %%
latest_full = shown[(shown["agency"] == "ICE") & ~shown["partial_month"]].iloc[-1]
peak = shown[(shown["agency"] == "ICE") & ~shown["partial_month"]].nlargest(1, "book_ins").iloc[0]
display(
    Markdown(
        f"The latest complete month shown is {latest_full['month']:%B %Y}, with "
        f"{latest_full['book_ins']:,} ICE-arrested book-ins; the highest complete month is "
        f"{peak['month']:%B %Y} with {peak['book_ins']:,}."
    )
)

# %% [markdown]
# ## How ICE revises months it has already published

# %%
revs = overview.revisions(vintage[vintage["fiscal_year"].isin(years)])
summary = overview.revision_summary(revs)
display(summary)
row = summary.set_index("agency").loc[agency]
display(
    Markdown(
        f"For {agency}-arrested book-ins, {row['comparisons']:,} already-complete months were compared between "
        f"consecutive editions: {row['revised_up']:,} revised up, {row['revised_down']:,} down and "
        f"{row['unchanged']:,} unchanged; the mean absolute revision is {row['mean_abs_revision']:,} book-ins and "
        f"the largest {row['largest_revision']:+,}."
    )
)

# %%
fig, ax = plt.subplots(figsize=(11, 4))
detail = revs[revs["agency"] == agency]
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
style.source_note(fig, vintage.attrs["source"])
plt.show()

# %% [markdown]
# ## What these data cannot say
#
# - Book-ins are initial book-ins into ICE detention: people arrested and released without detention, and people
#   held only in hold rooms, are not counted.
# - "ICE" book-ins include all ICE programs (ERO, 287(g), HSI...); "CBP" book-ins are Border Patrol or OFO arrests
#   handed to ICE.
# - Months at the edge of an edition are partial and are revised in later editions.
