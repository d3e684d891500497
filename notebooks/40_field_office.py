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
# _Field-office scorecard: one report per ICE Enforcement and Removal Operations Area of Responsibility (AOR),
# built by `research reports run` from `notebooks/reports.yaml`._

# %% tags=["parameters"]
aor = "CHI"  # three-letter AOR code of the field office, e.g. "ATL", "CHI", "LOS" (see research.data.load_field_offices())

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from research import config, data
from research.figures import style
from research.models import scorecard

offices = data.load_field_offices()
aor = scorecard.check_aor(aor, offices)
style.use_style()
office = scorecard.office_row(offices, aor)
short = office["short_name"]
facilities = data.load_facilities()
by_edition = scorecard.office_adp_by_edition(facilities)
events = data.load_events()
events = events[events["scope"].isin(["national", aor])]

# %%
noncitizens = office["noncitizen_pop"]
residents = (
    f"about {noncitizens:,.0f} noncitizen residents ({office['pop_year']} estimate)"
    if pd.notna(noncitizens)
    else "no population estimate available for this office"
)
display(
    Markdown(
        f"# {short} field office scorecard\n\n"
        f"**{office['name']}** (`{aor}`), field office in {office['city']}, {office['state']}; {residents}. "
        f"Data version `{facilities.attrs['data_version']}`."
    )
)

# %% [markdown]
# ## Who runs it and what changed

# %%
leadership = data.load_leadership_events()
leader = scorecard.current_leader(leadership, aor)
timeline = scorecard.leadership_timeline(leadership, aor)
if leader is None:
    who = f"The curated leadership file names no director for the {short} office."
else:
    who = (
        f"The latest leadership record for {short} ({leader['date']:%d %B %Y}, "
        f"{leader['event'].replace('_', ' ')}) "
        + (
            f"names **{leader['name']}**"
            if leader["named"]
            else f"does not name who took over ({leader['name']})"
        )
        + f" ([source]({leader['source_url']}))."
    )
display(
    Markdown(
        who + f" {len(timeline)} events below, oldest first.\n\n" + scorecard.timeline_markdown(timeline)
    )
)

# %% [markdown]
# ## Detention facilities in the office and their populations
#
# ICE publishes each facility's average daily population (ADP) for the fiscal year to date. The first chart turns
# successive editions into the average between two editions; the second shows the largest facilities' year-to-date
# averages as published.

# %%
periods = scorecard.period_adp(by_edition)
mine = periods[periods["aor"] == aor]
table = scorecard.facility_table(facilities, aor)
newest = mine.iloc[-1]
display(
    Markdown(
        f"In the newest edition (data through {newest['data_through']:%d %B %Y}), {len(table)} facilities in the "
        f"{short} AOR held on average **{newest['fytd_adp']:,.0f} people per day** in FY{newest['fiscal_year']} to date, "
        f"{newest['share']:.1%} of everyone held in ICE facilities. "
        + (
            f"Between the last two editions the average was {newest['period_adp']:,.0f} per day."
            if pd.notna(newest["period_adp"])
            else "The last two editions list different facilities, so no average between them is shown."
        )
    )
)
fig, ax = plt.subplots()
sns.lineplot(data=mine, x="period_end", y="period_adp", marker="o", color=style.PALETTE[0], ax=ax)
ax.set(
    xlabel="end of period between editions",
    ylabel="average daily population (people)",
    title=f"{short}: people held in the office's detention facilities",
)
ax.set_ylim(bottom=0)
style.add_events(ax, events)
style.source_note(fig, f"{facilities.attrs['source']}. Period averages derived from fiscal-year-to-date ADP.")
plt.show()

# %%
history = scorecard.top_facility_history(facilities, aor)
fig, ax = plt.subplots()
sns.lineplot(data=history, x="data_through", y="adp_total", hue="facility_name", marker="o", ax=ax)
ax.set(
    xlabel="data through (edition)",
    ylabel="fiscal-year-to-date ADP (people)",
    title=f"{short}: largest facilities in the newest edition",
)
ax.set_ylim(bottom=0)
ax.legend(title="facility", fontsize=8)
style.add_events(ax, events)
style.source_note(fig, facilities.attrs["source"])
plt.show()
display(
    table.rename(
        columns={
            "facility_name": "facility",
            "facility_type": "type",
            "adp_total": "FYTD ADP (people)",
            "alos_days": "average stay (days)",
            "guaranteed_minimum": "guaranteed minimum (beds)",
        }
    )
    .style.format(precision=0, na_rep="–")
    .hide(axis="index")
)

# %% [markdown]
# ## Share of national arrests and arrests per 10,000 noncitizen residents

# %%
if data.has_arrests_file():
    arrests = data.load_arrests_daily(by="aor")
    # The last three weeks of a release are incomplete (reporting lag), so the window stops before them.
    end = arrests["date"].max() - pd.Timedelta(days=21)
    comparison = scorecard.compare_by_arrests(arrests, offices, pd.Timestamp("2025-01-20"), end)
    goal = scorecard.goal_view_from_arrests(arrests, comparison, aor)
    basis_note = f"Measure: {comparison.measure} (Deportation Data Project)."
else:
    comparison = scorecard.compare_by_detention(by_edition, offices)
    goal = scorecard.goal_view_from_detention(data.load_book_ins("ICE"), by_edition, aor)
    basis_note = (
        "**No arrest file is available on this machine, so this section uses the detention outcome instead of "
        f"arrests**: {comparison.measure}. Where people are held is not where they were arrested."
    )
ranked = comparison.table
me = ranked[ranked["aor"] == aor].iloc[0]
per_10k = (
    "not available (no population estimate)"
    if pd.isna(me["per_10k"])
    else (
        f"{me['per_10k']:,.1f} per 10,000 noncitizen residents (rank {me['rank_per_10k']} of "
        f"{ranked['per_10k'].notna().sum()})"
    )
)
display(
    Markdown(
        f"{basis_note}\n\n{short}: **{me['share']:.1%} of the national total** (rank {me['rank_share']} of "
        f"{len(ranked)}), {per_10k}."
    )
)
unit = "arrests" if comparison.basis == "arrests" else "people detained"
ranked = ranked.assign(office=ranked["aor"] == aor).sort_values("per_10k", ascending=False)
fig, ax = plt.subplots(figsize=(9, 7))
sns.barplot(
    data=ranked.dropna(subset=["per_10k"]),
    y="short_name",
    x="per_10k",
    hue="office",
    palette={True: style.PALETTE[3], False: "#BBBBBB"},
    legend=False,
    ax=ax,
)
ax.set(
    xlabel=f"{unit} per 10,000 noncitizen residents",
    ylabel="field office",
    title=f"{short} among the field offices ({comparison.basis})",
)
style.source_note(fig, comparison.source)
plt.show()

# %% [markdown]
# ## Trend against the 3,000 arrests a day goal, split by office share

# %%
trend = goal.frame
complete = trend[~trend.get("partial_month", pd.Series(False, index=trend.index)).astype(bool)]
last = complete.iloc[-1]
estimate = "an estimated" if goal.estimated else ""
band = (
    f" (range {last['office_low']:,.0f}–{last['office_high']:,.0f} using the office's detention share over the "
    "last 12 months)"
    if goal.estimated
    else ""
)
display(
    Markdown(
        f"Split by the office's share ({goal.share:.1%}), the national goal of {config.GOAL_ARRESTS_PER_DAY:,} "
        f"arrests a day means **{last['office_goal']:,.0f} a day for {short}**. In {last['month']:%B %Y} the office "
        f"recorded {estimate} {last['office_per_day']:,.0f} a day{band}, "
        f"{last['office_per_day'] / last['office_goal']:.0%} of that share."
        + (
            " Book-ins count only arrests that led to an ICE detention book-in, so they understate arrests."
            if goal.estimated
            else ""
        )
    )
)
fig, ax = plt.subplots()
sns.lineplot(data=trend, x="month", y="office_per_day", color=style.PALETTE[0], label=goal.ylabel, ax=ax)
if goal.estimated:
    ax.fill_between(
        trend["month"], trend["office_low"], trend["office_high"], color=style.PALETTE[0], alpha=0.2
    )
ax.axhline(
    last["office_goal"], color=style.PALETTE[3], linestyle="--", label="office share of 3,000/day goal"
)
ax.set(
    xlabel="month", ylabel="per day (people)", title=f"{short}: monthly pace against its share of the goal"
)
ax.set_ylim(bottom=0)
ax.legend(fontsize=8, loc="upper left")
style.add_events(ax, events)
style.source_note(fig, goal.source + ". Partial months divided by the days they cover.")
plt.show()

# %% [markdown]
# **What this cannot say.** The AOR of an arrest is where the arresting officer is assigned, not where the arrest
# happened. Detention shares describe where people are held, which depends on bed space as much as on arrests.
# Leadership rows come from news reports; several successors were not named in the sources found.
