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
fiscal_years: list[int] = [2021, 2022, 2023, 2024, 2025, 2026]  # fiscal years (Oct-Sep) to show
agency: str = "ICE"  # arresting agency for the revision detail: "ICE", "CBP" or "Total"
revision_years: list[int] = [2025, 2026]  # fiscal years in the revision history (a heatmap row per month)

# %%
from research import data
from research.models import overview

book_ins = data.load_book_ins()
available = sorted(book_ins["fiscal_year"].unique().tolist())
years = overview.validate_overview_params(fiscal_years, agency, available)
history_years = overview.validate_years("revision_years", revision_years, available)

# %%
from IPython.display import display

from research.figures import overview as overview_charts
from research.figures import style
from research.figures.events import EventKey
from research.figures.findings import Findings
from research.figures.page import show_figure, show_table
from research.figures.text import bullets, md, md_text

style.use_style()
editions = data.load_editions()
vintage = data.load_book_ins_vintage()
events = data.load_events()
staffing = data.load_staffing("ICE")
atd = data.load_atd()
removals = data.load_removals().sort_values("edition_date").iloc[-1]
field_offices = data.load_field_offices()
arrests = data.load_arrests_monthly()
facilities = data.load_facilities()
shown = book_ins[book_ins["fiscal_year"].isin(years)]
ICE_SOURCE = book_ins.attrs["source"]
key = EventKey(events)  # one numbering of the dated events for every chart of the page

# %% [markdown]
# ## Sources and coverage

# %%
cover = overview.coverage(editions)
newest = editions.dropna(subset=["data_through"]).sort_values(["data_through", "edition_date"]).iloc[-1]
atd_latest = atd[atd["status"] == "Total"].sort_values("edition_date").iloc[-1]
ddp_status = (
    "included in this edition of the site."
    if data.has_arrests_file()
    else "not included in this edition of the site (an optional download; see the README's Fresh data section)."
)
lines = [
    md_text(
        "**ICE detention statistics**: {n} workbooks, FY{first:d}–FY{last:d}; newest edition {file} with data through "
        "{through:%d %B %Y}.",
        n=len(editions),
        first=int(cover["fiscal_year"].min()),
        last=int(cover["fiscal_year"].max()),
        file=newest["edition_file"],
        through=newest["data_through"],
    ),
    md_text(
        "Other national tables: removals ({removals:,} in FY{fy:d} through {removals_through:%d %B %Y}) and "
        "Alternatives to Detention ({participants:,} active participants on {as_of:%d %B %Y}).",
        removals=int(removals["removals_fytd"]),
        fy=int(removals["fiscal_year"]),
        removals_through=removals["data_through"],
        participants=int(atd_latest["participants"]),
        as_of=atd_latest["as_of"],
    ),
    md_text(
        "**OPM headcount**: {start:%B %Y} to {end:%B %Y}.",
        start=staffing["month"].min(),
        end=staffing["month"].max(),
    ),
    md_text("**Field offices**: {n} Areas of Responsibility.", n=len(field_offices)),
    md_text("**Deportation Data Project arrests**: {status}", status=ddp_status),
    md_text("Data version {version}.", version=book_ins.attrs["data_version"]),
]
display(md("{items}", items=bullets(lines)))
show_table(
    cover,
    {
        "fiscal_year": "Fiscal year",
        "editions": "Editions read",
        "first_release": "First release",
        "last_release": "Last release",
        "data_through": "Newest data through",
        "complete_year": "Full year reported",
    },
    name="coverage_by_fiscal_year",
    formats={"fiscal_year": "FY{}"},
)

# %% [markdown]
# Editions where the reader had to work around an ICE error (stale or misnamed sheets):

# %%
show_table(
    editions.loc[editions["notes"] != ""],
    {
        "edition_file": "Edition (file)",
        "fiscal_year": "Fiscal year",
        "data_through": "Data through",
        "notes": "Note",
    },
    name="edition_notes",
    formats={"fiscal_year": "FY{}"},
)

# %% [markdown]
# ## Monthly initial book-ins by arresting agency
#
# The best value per month comes from the edition with the latest data cut-off. Circled points are partial
# months (the edition's data end before the month does); they are not joined to the line.

# %%
fig = overview_charts.plot_monthly_book_ins(shown)
style.source_note(fig, ICE_SOURCE)
show_figure(
    fig,
    name="monthly_book_ins",
    describe=f"Two lines, ICE- and CBP-arrested book-ins per month from FY{min(years)} to FY{max(years)}; "
    "partial months are open circles, not joined to the lines; dotted vertical lines mark dated events.",
    data=shown[shown["agency"] != "Total"],
    columns={
        "month": "Month",
        "agency": "Arresting agency",
        "book_ins": "Book-ins",
        "partial_month": "Partial month",
        "fiscal_year": "Fiscal year",
    },
    key=key,
    events_on=fig.axes[0],
)

# %%
complete_ice = shown[(shown["agency"] == "ICE") & ~shown["partial_month"]]
latest_full = complete_ice.iloc[-1]
peak = complete_ice.nlargest(1, "book_ins").iloc[0]
display(
    md(
        "The latest complete month shown is {latest:%B %Y}, with {latest_n:,} ICE-arrested book-ins; the highest "
        "complete month is {peak:%B %Y} with {peak_n:,}.",
        latest=latest_full["month"],
        latest_n=int(latest_full["book_ins"]),
        peak=peak["month"],
        peak_n=int(peak["book_ins"]),
    )
)

# %% [markdown]
# ## How ICE revises months it has already published
#
# Each edition restates its fiscal year. Between consecutive editions, a month that was already complete can
# still change; filling in a month that was partial is not counted as a revision.

# %%
revs = overview.revisions(vintage[vintage["fiscal_year"].isin(years)])
summary = overview.revision_summary(revs)
show_table(
    summary,
    {
        "agency": "Arresting agency",
        "comparisons": "Month comparisons",
        "revised_up": "Revised up",
        "revised_down": "Revised down",
        "unchanged": "Unchanged",
        "mean_abs_revision": "Mean absolute revision (book-ins)",
        "largest_revision": "Largest revision (book-ins)",
    },
    name="revision_summary",
    formats={"mean_abs_revision": "{:,.1f}", "largest_revision": "{:+,}"},
)
row = summary.set_index("agency").loc[agency]
display(
    md(
        "For {agency}-arrested book-ins, {n:,} already-complete months were compared between consecutive editions: "
        "{up:,} revised up, {down:,} down and {same:,} unchanged; the mean absolute revision is {mean:,.1f} book-ins "
        "and the largest {largest:+,}.",
        agency=agency,
        n=int(row["comparisons"]),
        up=int(row["revised_up"]),
        down=int(row["revised_down"]),
        same=int(row["unchanged"]),
        mean=float(row["mean_abs_revision"]),
        largest=int(row["largest_revision"]),
    )
)

# %%
fig = overview_charts.plot_revision_strip(revs, agency)
style.source_note(fig, vintage.attrs["source"])
show_figure(
    fig,
    name="revisions_by_month",
    describe=f"Dots, one per revision of an already-complete month of {agency}-arrested book-ins between "
    "consecutive editions, by month revised; a horizontal line at zero.",
    data=revs[revs["agency"] == agency],
)

# %% [markdown]
# ## Revision history: how each month's count moved across editions
#
# Each row is a month, each column an edition in the order its data were cut off. A cell is the month's count in
# that edition minus its first complete count (0 in the first edition where the month was complete); hatched
# cells are editions in which the month was still partial. `research data update` adds new editions as ICE
# publishes them and prints the same comparison for the newest one.

# %%
history = overview.month_history(vintage, agency, history_years)
settled = overview.settling(history)
fig = overview_charts.plot_revision_history(history, agency)
style.source_note(fig, vintage.attrs["source"])
show_figure(
    fig,
    name="revision_history",
    describe=f"Heatmap: one row per month of FY{min(history_years)}-FY{max(history_years)}, one column per "
    "edition; each cell is the change from the month's first complete count, blue for down and red for up, "
    "hatched where the month was still partial.",
    data=history,
)

# %%
moved = overview.settling_summary(settled)
if moved.months:
    display(
        md(
            "Of {months:,} months of FY{first:d}–FY{last:d} that at least one later edition restated after their first "
            "complete count, {revised:,} changed ({agency}-arrested book-ins). The median absolute change was "
            "{median:,.1f} book-ins ({median_pct:.3%} of the month); the largest was {largest:+,} for {when:%B %Y} "
            "({largest_pct:+.3%}).",
            months=moved.months,
            first=min(history_years),
            last=max(history_years),
            revised=moved.revised,
            agency=agency,
            median=moved.median_abs_change,
            median_pct=moved.median_abs_pct,
            largest=moved.largest_change,
            when=moved.largest_month,
            largest_pct=moved.largest_pct,
        )
    )
else:
    display(
        md(
            "No month of FY{first:d}–FY{last:d} has been restated yet.",
            first=min(history_years),
            last=max(history_years),
        )
    )
show_table(
    settled,
    {
        "month": "Month",
        "first_edition": "First complete in",
        "first_complete": "First complete count",
        "latest_edition": "Latest edition",
        "latest": "Latest count",
        "change": "Change (book-ins)",
        "pct_change": "Change (%)",
        "later_reports": "Later complete reports",
    },
    name="month_settling",
    formats={"change": "{:+,}", "pct_change": "{:+.3%}"},
    dates={"month": "%b %Y"},
)

# %% [markdown]
# ### What the newest edition changed

# %%
newest_changes = overview.newest_edition_changes(vintage, agency)
if newest_changes.previous is None:
    display(
        md(
            "The newest edition, {edition} (data through {through:%d %B %Y}), is the first of FY{fy:d}: every month in "
            "it is new.",
            edition=newest_changes.edition,
            through=newest_changes.data_through,
            fy=newest_changes.fiscal_year,
        )
    )
else:
    biggest = newest_changes.largest_revision()
    biggest_text = (
        md_text(
            "; the largest revision was {month:%B %Y}, {before:,} to {after:,} ({change:+,})",
            month=biggest["month"],
            before=int(biggest["before"]),
            after=int(biggest["after"]),
            change=int(biggest["change"]),
        )
        if biggest is not None
        else md_text("")
    )
    display(
        md(
            "The newest edition, {edition} (data through {through:%d %B %Y}), against {previous} (data through "
            "{previous_through:%d %B %Y}), for {agency}-arrested book-ins: {added:,} month(s) added, {completed:,} "
            "completed (partial before), {revised:,} of {compared:,} complete months revised{biggest}.",
            edition=newest_changes.edition,
            through=newest_changes.data_through,
            previous=newest_changes.previous,
            previous_through=newest_changes.previous_through,
            agency=agency,
            added=newest_changes.count("added"),
            completed=newest_changes.count("completed"),
            revised=newest_changes.count("revised"),
            compared=newest_changes.count("revised") + newest_changes.count("unchanged"),
            biggest=biggest_text,
        )
    )
    fig = overview_charts.plot_edition_changes(
        newest_changes.table, agency=agency, edition=newest_changes.edition, previous=newest_changes.previous
    )
    style.source_note(fig, vintage.attrs["source"])
    show_figure(
        fig,
        name="newest_edition_revisions",
        describe="Bars, one per month that was complete in the previous edition: the newest edition's count minus "
        "the previous one, labelled with the change.",
        data=newest_changes.table,
    )
show_table(
    newest_changes.table,
    {
        "month": "Month",
        "before": "Previous edition",
        "after": "Newest edition",
        "change": "Change (book-ins)",
        "is_partial": "Partial now",
        "status": "Status",
    },
    name="newest_edition_changes",
    formats={"change": "{:+,}"},
    dates={"month": "%b %Y"},
)

# %% [markdown]
# ## What these data cannot say
#
# - Book-ins are initial book-ins into ICE detention: people arrested and released without detention, and people
#   held only in hold rooms, are not counted.
# - "ICE" book-ins include all ICE programs (ERO, 287(g), HSI...); "CBP" book-ins are Border Patrol or OFO arrests
#   handed to ICE.
# - Months at the edge of an edition are partial and are revised in later editions; the revision history shows how
#   much, edition by edition. ICE does not publish why a month was restated.

# %%
# The date each source runs to, for the site's front page.
findings = Findings()
findings.source(
    "ICE detention statistics: book-ins, detained population, facilities",
    through=newest["data_through"],
    detail="newest edition " + str(newest["edition_file"]),
)
findings.source(
    "ICE ERO arrests (Deportation Data Project release, via immigration-research)",
    through=arrests["release_through"].max(),
    detail="national by month and by field office; the last weeks are still being entered",
)
findings.source(
    "OPM headcount, all occupations (ICE)",
    through=staffing["month"].max(),
    through_format="%B %Y",
    detail="monthly on-board employees",
)
findings.source(
    "Curated facts: director changes, officer figures, dated events",
    through=max(events["date"].max(), data.load_fod_events()["event_date"].max()),
    detail="one public source per row; the latest dated row",
)
findings.publish()
