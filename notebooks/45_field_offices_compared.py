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
scorecard_page: str = "40_field_office_{aor}.html"  # scorecard page of each office, "" for no links

# %%
from research.models import scorecard

scorecard_page = scorecard.check_page_pattern(scorecard_page)

# %%
from research import data

offices = data.load_field_offices()
windows = data.load_arrests_aor_windows()
monthly = data.load_arrests_monthly()
facilities = data.load_facilities()
fod_events = data.load_fod_events()

# %%
from research.models import treatment_tiers

summary = scorecard.arrest_summary(windows, monthly)
current = summary.windows.set_index("window").loc[scorecard.CURRENT]
change = summary.change
detention = scorecard.detention_by_office(scorecard.office_adp_by_edition(facilities), offices)
tiers = treatment_tiers.treatment_tiers(fod_events, offices)
compared = scorecard.compare_offices(summary, detention, tiers, offices)
allocations = scorecard.goal_allocations(summary, offices)
pct_by_basis = allocations.pivot(index="aor", columns="basis", values="pct_of_allocation")
compared = compared.merge(pct_by_basis.add_prefix("pct_").reset_index(), on="aor")
compared = compared.merge(
    pct_by_basis.agg(["min", "max"], axis=1)
    .rename(columns={"min": "pct_low", "max": "pct_high"})
    .reset_index(),
    on="aor",
)
growth = scorecard.growth_index(summary)
compared = compared.merge(growth.table[["aor", "per_day_2024", "growth"]], on="aor")
totals = scorecard.office_totals(summary)
compared["page"] = [scorecard_page.format(aor=a) if scorecard_page else "" for a in compared["aor"]]
top_day = compared.loc[compared["per_day"].idxmax()]
top_rate = compared.loc[compared["per_1000"].idxmax()]
top_change = compared.loc[compared["change"].idxmax()]
fewer = int((compared["change"] < 0).sum())
no_facility = compared.loc[compared["facilities"] == 0, "short_name"].tolist()

# %%
from IPython.display import display

from research import config
from research.figures import scorecard as charts
from research.figures import style
from research.figures.downloads import offer
from research.figures.findings import Findings
from research.figures.html_tables import html_table
from research.figures.page import show_figure
from research.figures.text import join, md, md_text

style.use_style()
period = f"{current['start']:%b %Y}–{current['end']:%b %Y}"
split_names = dict(zip(allocations["basis"], allocations["short_label"], strict=False))
n_splits = len(split_names)

# %%
display(
    md(
        "# The {n} field offices side by side\n\n"
        "ICE Enforcement and Removal Operations **arrests** by field office from {start:%d %B %Y} to {end:%d %B %Y}, "
        "with each office's change between {a0:%B}–{a1:%B %Y} and the same months of {y0:%Y}, its detained "
        "population and whether its director changed in October 2025. An arrest counts for the office the arresting "
        "officer is assigned to.\n\n"
        "- **{top_day}** made the most arrests a day ({top_day_n:,.1f}); **{top_rate}** the most per 1,000 "
        "residents ({top_rate_n:,.2f}).\n"
        "- **{top_change}** added the most arrests between {y0:%Y} and {a1:%Y} ({top_change_n:+,} over "
        "{a0:%B}–{a1:%B}); {fewer_text}.\n"
        "- {no_facility_text}",
        n=len(compared),
        start=current["start"],
        end=current["end"],
        a0=change.after_start,
        a1=change.after_end,
        y0=change.before_start,
        top_day=top_day["short_name"],
        top_day_n=top_day["per_day"],
        top_rate=top_rate["short_name"],
        top_rate_n=top_rate["per_1000"],
        top_change=top_change["short_name"],
        top_change_n=int(top_change["change"]),
        fewer_text=md_text(
            "{k} {office_word} made fewer arrests than a year before",
            k=fewer,
            office_word="office" if fewer == 1 else "offices",
        )
        if fewer
        else md_text("every office made more arrests than a year before"),
        no_facility_text=md_text(
            "ICE's newest detention statistics list no detention facility under {names}.",
            names=join(no_facility, last=" and "),
        )
        if no_facility
        else md_text(
            "Every office has at least one detention facility in ICE's newest detention statistics."
        ),
    )
)

# %% [markdown]
# ## Map

# %%
fig = charts.offices_map(
    compared,
    size="per_day",
    size_label="ICE arrests a day",
    title=f"ICE arrests per day by field office, {period}, and October 2025 director changes",
)
style.source_note(fig, windows.attrs["source"] + "; office coordinates: UWCHR/ice-enforce")
show_figure(
    fig,
    name="offices_map",
    describe=f"Dots at each of the {len(compared)} field offices' longitude and latitude, sized by ICE arrests a "
    "day and coloured by the office's October 2025 director-change tier; no state outlines.",
    data=compared,
    columns={
        "aor": "Office code",
        "short_name": "Office",
        "longitude": "Longitude",
        "latitude": "Latitude",
        "per_day": "ICE arrests a day",
        "tier_label": "Director change, Oct 2025",
    },
)
display(
    md(
        "Each dot sits at the field office's address; its area is drawn larger for more arrests a day. An office's "
        "area of responsibility covers one or several states, which the dots do not show: the map has no state "
        "outlines or map tiles, so the page works offline from plain files. Status unknown means public sources "
        "neither confirm nor rule out a change of director."
    )
)

# %% [markdown]
# ## Table
#
# Click a column heading to sort by it (again to reverse). Each office name links to its scorecard.

# %%
display(
    html_table(
        compared,
        {
            "short_name": "Office",
            "arrests": f"Arrests, {period}",
            "per_day": "Arrests a day",
            "per_1000": "Arrests per 1,000 residents",
            "change": f"Change, {change.after_start:%b}–{change.after_end:%b %Y} vs {change.before_start:%Y}",
            "change_per_day": "Change a day",
            "period_adp": "Detained population (latest period)",
            "facilities": "Facilities",
            "tier_label": "Director change, Oct 2025",
            "pct_low": f"% of goal, lowest of the {n_splits} splits",
            "pct_high": f"% of goal, highest of the {n_splits} splits",
        },
        formats={
            "per_day": charts.distinct_formatter(compared["per_day"], percent=False),
            "per_1000": charts.distinct_formatter(compared["per_1000"], 2, 4, percent=False),
            "change": "{:+,}",
            "change_per_day": "{:+,.1f}",
            "period_adp": "{:,.0f}",
            "pct_low": charts.pct_formatter(compared["pct_low"]),
            "pct_high": charts.pct_formatter(compared["pct_high"]),
        },
        links={"short_name": "page"},
        sortable=True,
        caption=f"The {len(compared)} ICE field offices, largest number of arrests first",
    )
)
offer(
    compared,
    "field_offices",
    columns={
        "aor": "Office code",
        "short_name": "Office",
        "arrests": f"Arrests, {period}",
        "per_day": "Arrests a day",
        "per_1000": "Arrests per 1,000 residents",
        "change": f"Change, {change.after_start:%b}-{change.after_end:%b %Y} vs {change.before_start:%Y}",
        "change_per_day": "Change a day",
        "period_adp": "Detained population (latest period)",
        "facilities": "Facilities",
        "tier_label": "Director change, Oct 2025",
        **{
            f"pct_{b}": f"Arrests as a share of the goal split by {label}" for b, label in split_names.items()
        },
    },
    label="Download this table (CSV)",
)

# %%
latest = detention["period_end"].max()
display(
    md(
        "**Definitions.** Arrests: all ICE Enforcement and Removal Operations arrests, {start:%d %B %Y} to {end:%d %B %Y}. "
        "Residents: the population of the office's area used by the source. Change: arrests from {a0:%d %B} to "
        "{a1:%d %B %Y} minus the same days of {y0:%Y} (the August 2025–July 2026 window minus calendar 2025); the "
        "release runs through {through:%d %B %Y} and its last weeks are under-counted, so the 2026 side is likely "
        "low. Detained population: the average a day in the office's facilities over the last period between two "
        "editions of ICE's detention statistics (ending {latest:%d %B %Y}), derived from fiscal-year-to-date "
        "averages; a dash means no facility is listed. Director change: the tier from curated public sources (see "
        'the leadership page); "status unknown" is not "no change". % of goal: the office\'s arrests a day '
        "against an allocation of the national {goal:,}-a-day goal made here (not an ICE quota), lowest and highest "
        "over the {k} splits of the next section ({splits}); the spread is a sensitivity range, not a sampling "
        "interval.",
        start=current["start"],
        end=current["end"],
        a0=change.after_start,
        a1=change.after_end,
        y0=change.before_start,
        through=summary.release_through,
        latest=latest,
        goal=config.GOAL_ARRESTS_PER_DAY,
        k=n_splits,
        splits=join(list(split_names.values()), last=" and "),
    )
)

# %%
pct_text = charts.allocation_labels(allocations)
by_2024 = pct_text[pct_text["basis"] == "arrests_2024"].set_index("aor")["pct_text"]
more_decimals = pct_text[pct_text["pct_text"].str.contains(r"\.\d\d", regex=True)].merge(
    offices[["aor", "short_name"]], on="aor"
)
display(
    md(
        "## Against the {goal:,} arrests a day goal\n\n"
        "The goal of {goal:,} arrests a day is national; no public allocation to field offices was found. The table "
        "below splits it among the offices in {k} ways (made here, not ICE quotas) and shows each office's arrests "
        "a day from {start:%B %Y} to {end:%B %Y} as a share of its part. Each split measures something different, "
        "so no single column is an office's performance: {ways}.\n\n{index}\n\n{totals}{ties}",
        goal=config.GOAL_ARRESTS_PER_DAY,
        k=n_splits,
        start=current["start"],
        end=current["end"],
        ways=join(
            [
                md_text("split by {label}, it measures {rewards}", label=label, rewards=rewards)
                for label, rewards in allocations[["short_label", "rewards"]]
                .drop_duplicates()
                .itertuples(index=False)
            ],
            "; ",
        ),
        index=charts.growth_index_text(growth, by_2024, offices.set_index("aor")["short_name"]),
        totals=charts.office_totals_text(totals, len(compared), current["start"], current["end"]),
        ties=md_text(
            "\n\nShares print with one decimal, and more only where two offices would otherwise print alike with "
            "different values: {cases}.",
            cases=join(
                [
                    md_text(
                        "split by {label}, {offices}",
                        label=split_names[basis],
                        offices=join(
                            [md_text("{o} {pct}", o=r.short_name, pct=r.pct_text) for r in rows.itertuples()],
                            last=" and ",
                        ),
                    )
                    for basis, rows in more_decimals.groupby("basis", sort=False)
                ],
                "; ",
            ),
        )
        if len(more_decimals)
        else "",
    )
)
display(
    html_table(
        compared,
        {
            "short_name": "Office",
            "per_day_2024": "Arrests a day, 2024",
            "per_day": f"Arrests a day, {period}",
            "growth": "Growth since 2024 (×)",
            **{f"pct_{b}": f"% of goal split by {label}" for b, label in split_names.items()},
        },
        formats={
            "per_day_2024": charts.distinct_formatter(compared["per_day_2024"], percent=False),
            "per_day": charts.distinct_formatter(compared["per_day"], percent=False),
            "growth": charts.distinct_formatter(compared["growth"], percent=False),
            **{f"pct_{b}": charts.pct_formatter(compared[f"pct_{b}"]) for b in split_names},
        },
        links={"short_name": "page"},
        sortable=True,
        caption=f"Each office's ICE arrests a day, {period}, as a share of the goal under each split (largest "
        "number of arrests first)",
    )
)
offer(
    compared,
    "goal_by_office",
    columns={
        "aor": "Office code",
        "short_name": "Office",
        "arrests_2024": "Arrests, 2024",
        "per_day_2024": "Arrests a day, 2024",
        "per_day": f"Arrests a day, {period}",
        "growth": "Growth in arrests a day since 2024 (times)",
        **{
            f"pct_{b}": f"Arrests as a share of the goal split by {label}" for b, label in split_names.items()
        },
    },
    label="Download this table (CSV)",
)

# %% [markdown]
# ## Arrests per 1,000 residents

# %%
fig = charts.rank_figure(
    compared,
    "per_1000",
    highlight=None,
    xlabel=f"ICE arrests per 1,000 residents, {period}",
    title="ICE arrests per 1,000 residents by field office",
    fmt="{:,.2f}",
)
style.source_note(fig, windows.attrs["source"])
show_figure(
    fig,
    name="arrests_per_1000",
    describe=f"Horizontal bars, one per field office, from the highest rate ({top_rate['short_name']}, "
    f"{top_rate['per_1000']:,.2f}) to the lowest.",
    data=compared.sort_values("per_1000", ascending=False),
    columns={"aor": "Office code", "short_name": "Office", "per_1000": "Arrests per 1,000 residents"},
)

# %%
display(
    md(
        "## Sources\n\n- Arrests: {arrests}.\n- Detained population: {detention}.\n- Offices: {offices}.\n"
        "- Director changes: curated from news reports and court records, one public source per row (see the "
        "leadership page).\n- Data version {version}.",
        arrests=windows.attrs["source"],
        detention=facilities.attrs["source"],
        offices=offices.attrs["source"],
        version=windows.attrs["data_version"],
    )
)

# %%
findings = Findings()
findings.add(
    "{top_day} made the most ICE arrests a day of the {n} field offices ({top_day_n:,.1f}) and {top_rate} the most "
    "per 1,000 residents ({top_rate_n:,.2f}), from {start:%d %B %Y} to {end:%d %B %Y}.",
    date=current["end"],
    date_format="%d %B %Y",
    n=len(compared),
    top_day=top_day["short_name"],
    top_day_n=top_day["per_day"],
    top_rate=top_rate["short_name"],
    top_rate_n=top_rate["per_1000"],
    start=current["start"],
    end=current["end"],
)
findings.add(
    "{k} of {n} field offices made fewer ICE arrests from {a0:%B} to {a1:%B %Y} than in the same months of {y0:%Y}."
    if fewer
    else "Every one of the {n} field offices made more ICE arrests from {a0:%B} to {a1:%B %Y} than in the same "
    "months of {y0:%Y}.",
    date=change.after_end,
    k=fewer,
    n=len(compared),
    a0=change.after_start,
    a1=change.after_end,
    y0=change.before_start,
)
findings.publish()
