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

# %% tags=["parameters"]
aor: str = "CHI"  # field office: its code ("CHI") or its name ("Chicago", "St. Paul")

# %%
from research import data
from research.models import scorecard

offices = data.load_field_offices()
aor = scorecard.check_aor(aor, offices, to_code=data.aor_code)

# %%
windows = data.load_arrests_aor_windows()
monthly = data.load_arrests_monthly()
facilities = data.load_facilities()
fod_events = data.load_fod_events()
timeline_events = data.load_events()
daily = data.load_arrests_daily(by="aor") if data.has_arrests_file() else None

# %%
from research.models import treatment_tiers

office = scorecard.office_row(offices, aor)
short = office["short_name"]
summary = scorecard.arrest_summary(windows, monthly)
me = summary.table.set_index("aor").loc[aor]
current = summary.windows.set_index("window").loc[scorecard.CURRENT]
change = summary.change
allocations = scorecard.goal_allocations(summary, offices)
mine = allocations[allocations["aor"] == aor].set_index("basis")
office_monthly = scorecard.office_monthly_arrests(daily, aor) if daily is not None else None
by_edition = scorecard.office_adp_by_edition(facilities)
detention_all = scorecard.detention_by_office(by_edition, offices)
detention = detention_all.set_index("aor").loc[aor]
intervals = scorecard.period_adp(by_edition, aor)
facility_list = scorecard.facility_table(facilities, aor)
tiers = treatment_tiers.treatment_tiers(fod_events, offices)
tier = tiers.set_index("aor").loc[aor]
timeline = scorecard.leadership_timeline(fod_events, aor)
leader = scorecard.latest_leader(fod_events, aor)
round_sources = scorecard.round_reports(fod_events, treatment_tiers.ROUND_START, treatment_tiers.ROUND_END)
page_events = timeline_events[timeline_events["scope"].isin(["national", aor])]

# %%
import pandas as pd
from IPython.display import display

from research import config
from research.figures import scorecard as charts
from research.figures import style
from research.figures.downloads import offer
from research.figures.events import EventKey
from research.figures.findings import Findings
from research.figures.page import show_figure, show_table
from research.figures.text import MISSING, bullets, join, link, md, md_text

style.use_style()
key = EventKey(page_events)  # one numbering of the page's events, shared by every chart below
n_offices = len(summary.table)
GOAL = config.GOAL_ARRESTS_PER_DAY
ARRESTS_SOURCE = windows.attrs["source"]

# %%
display(
    md(
        "# {short} field office scorecard\n\n"
        "The **{name}** is one of the {n} field offices of ICE Enforcement and Removal Operations; its office is in "
        "{city}, {state}. From {start:%d %B %Y} to {end:%d %B %Y} its officers made **{arrests:,} arrests** "
        "({per_day:,.1f} a day), {share:.1%} of all ICE arrests in the country (rank {rank} of {n}).",
        short=short,
        name=office["name"],
        n=n_offices,
        city=office["city"],
        state=office["state"],
        start=current["start"],
        end=current["end"],
        arrests=int(me["arrests"]),
        per_day=me["per_day"],
        share=me["share"],
        rank=int(me["rank_arrests"]),
    )
)

# %% [markdown]
# ## Arrests
#
# These are ICE Enforcement and Removal Operations **arrests** (all of them, not only those that led to a detention
# book-in), counted by the field office the arresting officer is assigned to. They come in three windows:

# %%
display(
    md(
        "{windows}\n\nThe change compares {a0:%d %B}–{a1:%d %B %Y} with {b0:%d %B}–{b1:%d %B %Y} ({days} days "
        "each): it is the August 2025–July 2026 window minus calendar 2025, since the two share August–December "
        "2025. Residents are the population of the office's area used by the source ({pop:,} people for {short}).",
        windows=bullets(
            md_text(
                "{label}: {start:%d %B %Y} to {end:%d %B %Y} ({days} days)",
                label=r.label,
                start=r.start,
                end=r.end,
                days=int(r.days),
            )
            for r in summary.windows.itertuples(index=False)
        ),
        a0=change.after_start,
        a1=change.after_end,
        b0=change.before_start,
        b1=change.before_end,
        days=change.days_after,
        pop=int(me["population"]),
        short=short,
    )
)
show_table(
    charts.arrest_measures(summary, aor),
    {
        "measure": "Measure",
        "office": short,
        "rank": f"Rank among the {n_offices} offices",
        "national": "Nation",
    },
    name="arrest_measures",
    align_right=["office", "rank", "national"],
)
lagged = [m for m in summary.lag_months if change.after_start <= m <= change.after_end]
direction = "more" if me["change"] > 0 else "fewer"
display(
    md(
        "From {a0:%B} to {a1:%B %Y} the {short} office made **{abs_change:,} {direction} arrests** than in the same "
        "months of {y0:%Y} ({per_day:+,.1f} a day; rank {rank} of {n} by the size of the change). "
        "Nationally the difference was {national:+,}.{lag}",
        a0=change.after_start,
        a1=change.after_end,
        y0=change.before_start,
        short=short,
        abs_change=abs(int(me["change"])),
        direction=direction,
        per_day=me["change_per_day"],
        rank=int(me["rank_change"]),
        n=n_offices,
        national=summary.national_change,
        lag=md_text(
            " The release runs through {through:%d %B %Y}; records of its last weeks are still being entered, so "
            "{months} is under-counted and the change is likely understated.",
            through=summary.release_through,
            months=join([f"{m:%B %Y}" for m in lagged], last=" and "),
        )
        if lagged
        else "",
    )
)

# %%
ranked = summary.table.merge(offices[["aor", "short_name"]]).sort_values("per_1000", ascending=False)
fig = charts.rank_figure(
    ranked,
    "per_1000",
    highlight=aor,
    xlabel=f"ICE arrests per 1,000 residents, {current['start']:%b %Y}–{current['end']:%b %Y}",
    title=f"ICE arrests per 1,000 residents by field office ({short} highlighted)",
    fmt="{:,.2f}",
)
style.source_note(fig, ARRESTS_SOURCE)
show_figure(
    fig,
    name="arrests_per_1000_by_office",
    describe=f"Horizontal bars, one per field office, largest rate first; {short} is drawn in colour, "
    f"rank {int(me['rank_per_1000'])} of {n_offices} with {me['per_1000']:,.2f} arrests per 1,000 residents.",
    data=ranked,
    columns={
        "aor": "Office code",
        "short_name": "Office",
        "arrests": "ICE arrests",
        "population": "Residents",
        "per_1000": "Arrests per 1,000 residents",
    },
)

# %%
if office_monthly is not None:
    fig = charts.monthly_figure(
        office_monthly,
        mine.reset_index(),
        title=f"{short}: ICE arrests per day by month (Deportation Data Project)",
    )
    style.source_note(fig, data.DDP_CITATION)
    show_figure(
        fig,
        name="monthly_arrests",
        describe=f"Line of {short}'s ICE arrests per day by complete month; incomplete months are hatched bars "
        "not joined to the line; horizontal lines are the goal's allocations to the office.",
        data=office_monthly,
        key=key,
        events_on=fig.axes[0],
    )
else:
    display(
        md(
            "A month-by-month series for the office needs the Deportation Data Project's record-level arrest file, "
            "which this edition of the site does not include; the office's figures above are the three windows."
        )
    )

# %%
pct_text = charts.allocation_labels(allocations)
mine = mine.join(pct_text.loc[pct_text["aor"] == aor].set_index("basis")[["pct_text", "rank_text"]])
low, high = mine["pct_of_allocation"].idxmin(), mine["pct_of_allocation"].idxmax()
display(
    md(
        "## Against the {goal:,} arrests a day goal\n\n"
        "The goal of {goal:,} arrests a day is national: no public allocation to field offices was found. To compare "
        "an office with it, this page **allocates** the goal to the offices in {k} ways; these are allocations made "
        "here, not ICE quotas. Each measures something different (said under each split below), and none of them "
        "is the office's performance alone. From {start:%B %Y} to {end:%B %Y} {short} made {per_day:,.1f} arrests "
        "a day.\n\n"
        "{ways}\n\n"
        "**% of goal for {short}: {range}** of its allocated share, from {low_pct} (split by {low_label}) to "
        "{high_pct} (split by {high_label}). {spread}",
        goal=GOAL,
        k=len(mine),
        start=current["start"],
        end=current["end"],
        short=short,
        per_day=me["per_day"],
        ways=bullets(
            [
                md_text(
                    "By {label}: {share:.1%} of the goal, {alloc:,.0f} arrests a day, of which {short} made "
                    "**{pct}** ({rank}). Measures {rewards}.",
                    label=r["basis_label"],
                    share=r["allocation_share"],
                    alloc=r["allocated_per_day"],
                    short=short,
                    pct=r["pct_text"],
                    rank=r["rank_text"],
                    rewards=r["rewards"],
                )
                if pd.notna(r["allocated_per_day"])
                else md_text(
                    "By {label}: no estimate for this office, so no allocation.", label=r["basis_label"]
                )
                for _, r in mine.iterrows()
            ]
        ),
        range=charts.goal_range_label(mine["pct_of_allocation"], mine["pct_text"]),
        low_pct=mine.loc[low, "pct_text"],
        low_label=mine.loc[low, "short_label"],
        high_pct=mine.loc[high, "pct_text"],
        high_label=mine.loc[high, "short_label"],
        spread=md_text(
            "The spread is a sensitivity range over how the goal is split, not a sampling interval."
            if mine["pct_of_allocation"].notna().sum() > 1
            else "Only one allocation exists for this office, so its sensitivity to the split is not shown."
        ),
    )
)
growth = scorecard.growth_index(summary, GOAL)
g_me = growth.table.set_index("aor").loc[aor]
by_2024 = pct_text[pct_text["basis"] == "arrests_2024"].set_index("aor")["pct_text"]
display(
    md(
        "{index} {short} made {a24:,} arrests in 2024 ({b24:,.1f} a day; rank {rb} of {n} counting from the "
        "smallest) and {now:,.1f} a day from {start:%B %Y} to {end:%B %Y}, ×{g:.1f}, hence {pct} under that "
        "split.\n\n{totals}",
        index=charts.growth_index_text(growth, by_2024, offices.set_index("aor")["short_name"]),
        short=short,
        a24=int(g_me["arrests_2024"]),
        b24=g_me["per_day_2024"],
        rb=int(g_me["rank_base"]),
        n=n_offices,
        now=g_me["per_day"],
        start=current["start"],
        end=current["end"],
        g=g_me["growth"],
        pct=by_2024[aor],
        totals=charts.office_totals_text(
            scorecard.office_totals(summary, goal=GOAL), n_offices, current["start"], current["end"]
        ),
    )
)
fig = charts.windows_figure(
    me,
    summary.windows,
    mine.reset_index(),
    title=f"{short}: ICE arrests per day against allocations of the goal",
)
style.source_note(
    fig,
    ARRESTS_SOURCE + "; residents: the same source; noncitizen residents: UWCHR, 2019 ACS-based estimates",
)
window_rows = summary.windows.assign(
    arrests=[int(me["arrests_2024"]), int(me["arrests_2025"]), int(me["arrests"])]
)
window_rows["per_day"] = window_rows["arrests"] / window_rows["days"]
show_figure(
    fig,
    name="arrests_per_day_by_window",
    describe=f"Three bars: {short}'s ICE arrests per day in 2024, in 2025 and from August 2025 to July 2026, "
    f"with a differently dashed line at each of the goal's {mine['allocated_per_day'].notna().sum()} allocations "
    "to the office.",
    data=window_rows,
    columns={
        "label": "Window",
        "start": "From",
        "end": "To",
        "days": "Days",
        "arrests": "ICE arrests",
        "per_day": "Arrests per day",
    },
)
offer(
    mine.reset_index(),
    "goal_allocations",
    columns={
        "basis_label": "Allocation of the goal by",
        "rewards": "What a high share measures",
        "allocation_share": "Share of the goal",
        "allocated_per_day": "Allocated arrests per day",
        "pct_of_allocation": "Office's arrests as a share of its allocation",
        "rank": "Rank among the offices (1 = highest share)",
    },
    label="Download the allocations (CSV)",
)

# %% [markdown]
# ## Detained population

# %%
if detention["facilities"] == 0:
    display(
        md(
            "ICE's newest detention statistics (data through {through:%d %B %Y}) list no detention facility under the "
            "{short} office{since}, so this page shows no detained population for it: people its officers detain "
            "are counted in facilities listed under other offices.",
            through=detention["data_through"],
            short=short,
            since=md_text(
                " (the last edition that listed one had data through {d:%d %B %Y})",
                d=detention["last_listed"],
            )
            if pd.notna(detention["last_listed"])
            else "",
        )
    )
else:
    with_facilities = int(detention_all["period_adp"].notna().sum())
    display(
        md(
            "ICE's detention statistics list {n} {facility_word} under the {short} office. From {p0:%d %B} to "
            "{p1:%d %B %Y} they held on average **{adp:,.0f} people a day** (rank {rank} of {m} offices with "
            "facilities), {share:.1%} of the fiscal-year-to-date population of all ICE facilities.\n\n"
            "ICE publishes each facility's average daily population for the fiscal year to date; the average between "
            "two editions is derived from them (population-days at one edition minus those at the previous one, over "
            "the days between; a facility missing from one edition is interpolated). Each segment below is one "
            "such period, ending on the date ICE pulled the facility figures.",
            n=int(detention["facilities"]),
            facility_word="facility" if detention["facilities"] == 1 else "facilities",
            short=short,
            p0=detention["period_start"],
            p1=detention["period_end"],
            adp=detention["period_adp"],
            rank=int(detention["rank_detained"]),
            m=with_facilities,
            share=detention["share"],
        )
    )
    fig = charts.detention_figure(
        intervals, title=f"{short}: average detained population in the office's facilities between editions"
    )
    style.source_note(fig, facilities.attrs["source"])
    show_figure(
        fig,
        name="detained_population",
        describe=f"Flat segments, one per period between two editions of ICE's detention statistics, at the "
        f"average number of people held in {short}'s facilities over that period.",
        data=intervals.dropna(subset=["period_adp"]),
        columns={
            "period_start": "From",
            "period_end": "To",
            "period_adp": "Average detained population (people)",
        },
        key=key,
        events_on=fig.axes[0],
    )
    show_table(
        facility_list,
        {
            "facility_name": "Facility",
            "city": "City",
            "state": "State",
            "facility_type": "Type",
            "adp_total": "Average daily population, fiscal year to date (people)",
            "alos_days": "Average stay (days)",
            "guaranteed_minimum": "Guaranteed minimum (beds)",
        },
        name="facilities",
        formats={"adp_total": "{:,.0f}", "alos_days": "{:,.0f}", "guaranteed_minimum": "{:,.0f}"},
        caption=f"Facilities listed under the office in the newest edition (data through "
        f"{detention['data_through']:%d %B %Y})",
    )

# %% [markdown]
# ## Who runs the office

# %%
if tier["tier"] == "unknown":
    tier_text = md_text(
        "**Status unknown.** The public sources collected for this project neither confirm nor rule out a change of "
        "director at the {short} office in the October 2025 round; the reports of that round ({sources}) do not "
        "name every office whose director changed.",
        short=short,
        sources=join(link(r.source_publisher, r.source_url) for r in round_sources.head(2).itertuples()),
    )
else:
    tier_text = md_text(
        "In the October 2025 round of director changes the {short} office is classed **{label}** (dated {date:%d %B "
        "%Y}; {n} {source_word}, best confidence {confidence}).",
        short=short,
        label=tier["tier_label"],
        date=tier["change_date"],
        n=int(tier["n_sources"]),
        source_word="source" if tier["n_sources"] == 1 else "sources",
        confidence=tier["confidence"],
    )
if leader is None and timeline.empty:
    leader_text = md_text("Who directs the {short} office was not found in public sources.", short=short)
elif leader is None:
    leader_text = md_text(
        "The public sources found name no one in post as director of the {short} office (records below).",
        short=short,
    )
else:
    leader_text = md_text(
        "The most recent named leader in public sources is **{person}** ({role}; {date:%d %B %Y}, {source}, "
        "{confidence} confidence).{removed}",
        person=leader["person"],
        role=leader["role"] or MISSING,
        date=leader["date"],
        source=link(leader["publisher"], leader["url"]),
        confidence=leader["confidence"],
        removed=md_text(" A later source records that person's removal ({d:%d %B %Y}).", d=leader["removed"])
        if pd.notna(leader["removed"])
        else "",
    )
operation_text = (
    md_text(
        " {operation} began in the office's area on {start:%d %B %Y}{end}.",
        operation=tier["operation"],
        start=tier["operation_start"],
        end=md_text(" and was reported over on {d:%d %B %Y}", d=tier["operation_end"])
        if pd.notna(tier["operation_end"])
        else "",
    )
    if isinstance(tier["operation"], str)
    else ""
)
display(md("{tier} {leader}{operation}", tier=tier_text, leader=leader_text, operation=operation_text))
if timeline.empty:
    display(md("No event about the {short} office's director was found in public sources.", short=short))
else:
    display(
        md(
            "Every dated record about the office's leadership, oldest first. Confidence: high = top-tier outlet or "
            "official text; medium = reputable local or trade outlet, or top-tier text via a mirror; low = "
            "aggregator, single weak source or interested party."
        )
    )
    display(charts.timeline_table(timeline))
    offer(
        timeline,
        "director_events",
        columns={**charts.TIMELINE_COLUMNS, "url": "Source address"},
        label="Download this table (CSV)",
    )

# %% [markdown]
# ## What this page cannot say
#
# - An arrest counts for the office the arresting officer is assigned to, not the place of the arrest.
# - The allocations of the goal are this page's, not ICE's; another split would give other percentages.
# - Where people are detained depends on bed space as much as on arrests: a detained population is not an arrest
#   count, and an office without facilities still arrests people.
# - Leadership rows come from news reports and court papers of uneven quality (see each row's confidence); several
#   successors were never named in public.
# - Whether a change of director changed arrests is a causal question, addressed on the leadership page with the
#   uncertainty it needs; this page describes one office.

# %%
display(
    md(
        "## Sources\n\n{items}",
        items=bullets(
            [
                md_text("Arrests: {s}.", s=ARRESTS_SOURCE),
                md_text("Detained population: {s}.", s=facilities.attrs["source"]),
                md_text("Offices and residents: {s}.", s=offices.attrs["source"]),
                md_text(
                    "Director events: curated from news reports and court records, one public source per row (listed above)."
                ),
                md_text("Data version {v}.", v=windows.attrs["data_version"]),
            ]
        ),
    )
)

# %%
findings = Findings()
findings.add(
    "{arrests:,} ICE arrests from {start:%d %B %Y} to {end:%d %B %Y} ({per_day:,.1f} a day), rank {rank} of {n} "
    "offices; {direction} arrests from {a0:%B} to {a1:%B %Y} than a year before ({change:+,}).",
    date=current["end"],
    key_finding=False,
    arrests=int(me["arrests"]),
    start=current["start"],
    end=current["end"],
    per_day=me["per_day"],
    rank=int(me["rank_arrests"]),
    n=n_offices,
    direction=direction,
    a0=change.after_start,
    a1=change.after_end,
    change=int(me["change"]),
)
findings.publish()
