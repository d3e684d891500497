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
# # Staffing: how many officers would 3,000 arrests a day take, and what did the hiring surge do?
#
# This report relates ICE's workforce to the arrests that led to a detention book-in. It covers four things:
# productivity before and after January 2025 and after the September 2025 hiring surge, a log-log elasticity
# model, the officers a 3,000/day goal would take, and a hiring-pipeline simulation for the scenarios in
# `staffing_scenarios.yaml`. An out-of-sample check compares the projections with what ICE reported.
#
# **Units.** "Book-ins" are ICE detention-statistics initial book-ins with ICE as the arresting agency. They count
# only arrests that led to a detention book-in, so they are a lower bound on arrests. The 3,000/day goal is about
# all arrests. Headcount is OPM on-board employees of all occupations.

# %% tags=["parameters"]
# Scenario to single out: a name from staffing_scenarios.yaml ("no_surge", "surge_as_announced",
# "surge_operational_share", "surge_opm_headcount", or one you added) or "custom" for the inputs below.
scenario = "surge_operational_share"
# Custom scenario inputs (used when scenario == "custom"; always validated):
hires_per_month = 1000  # hires added on top of normal replacement hiring, people per month (0 or more)
training_months = 2  # whole months in training with no arrests (integer 0..60)
ramp_months = 3  # months after training to reach full productivity, linear ramp (integer 0..60)
attrition_rate = 0.01  # share of added hires leaving each month (0..1)
border_patrol_agents = 1500  # Border Patrol agents detailed to interior enforcement (people, 0 or more)
bp_relative_productivity = 0.5  # a detailed agent's book-ins relative to one ICE officer (0..5)
operational_share = 0.42  # share of hires who become arresting officers (0..1)
# Run settings:
goal_per_day = 3000  # arrest goal, per day (the May 2025 White House goal is 3,000)
horizon_months = 24  # months simulated from the month after fit_through (integer 1..120)
n_sims = 2000  # Monte Carlo draws per scenario (integer 1..100000)
seed = 20250901  # random seed: the same seed gives the same numbers (integer, 0 or more)
fit_through = "2025-08"  # last month used to fit the models ("YYYY-MM"); the surge began the month after

# %%
from research import data
from research.models import staffing as st

settings = st.notebook_settings(
    scenario=scenario,
    hires_per_month=hires_per_month,
    training_months=training_months,
    ramp_months=ramp_months,
    attrition_rate=attrition_rate,
    border_patrol_agents=border_patrol_agents,
    bp_relative_productivity=bp_relative_productivity,
    operational_share=operational_share,
    goal_per_day=goal_per_day,
    horizon_months=horizon_months,
    n_sims=n_sims,
    seed=seed,
    fit_through=fit_through,
    scenarios=st.parse_scenarios(*data.load_scenario_document()),
)

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from research.figures import style

style.use_style()
pd.set_option("display.width", 160)

book_ins = data.load_book_ins(agency="ICE")
staff = data.load_staffing(component="ICE")
figures = data.load_staffing_figures()
events = data.load_events()
panel = st.productivity_panel(book_ins, staff)

SRC_BOOK = book_ins.attrs["source"]
SRC_OPM = staff.attrs["source"]


def fact(metric: str, when: str | None = None) -> pd.Series:
    """One row of data/raw/facts/staffing_figures.csv (the first for `metric`, or the one starting at `when`)."""
    rows = figures[figures["metric"] == metric]
    if when is not None:
        rows = rows[rows["period_start"] == pd.Timestamp(when)]
    return rows.iloc[0]


def cite(row: pd.Series) -> str:
    return f"[{row['source_url'].split('/')[2]}]({row['source_url']})"


def show(frame: pd.DataFrame, digits: int = 2) -> None:
    display(frame.style.format(precision=digits, thousands=",").hide(axis="index"))


display(
    Markdown(
        f"Book-ins: {SRC_BOOK}; {panel['month'].min():%B %Y} to {book_ins['month'].max():%B %Y}.  \n"
        f"Headcount: {SRC_OPM}; {staff['month'].min():%B %Y} to {staff['month'].max():%B %Y}.  \n"
        f"Data version {book_ins.attrs['data_version']}."
    )
)

# %% [markdown]
# ## 1. Workforce and book-ins
#
# OPM headcount was almost flat from 2021 to August 2025. It then rose in each month from September 2025,
# which is when the hiring surge started. Book-ins rose from January 2025, before the surge.

# %%
last_opm = staff["month"].max()
aug = staff.loc[staff["month"] == settings.fit_through, "employees"].iloc[0]
end = staff.loc[staff["month"] == last_opm, "employees"].iloc[0]
pre = staff[staff["month"] < st.SURGE_START]["employees"]
display(
    Markdown(
        f"ICE headcount ranged from {pre.min():,} to {pre.max():,} employees from {staff['month'].min():%B %Y} to "
        f"August 2025, a band of ±{(pre.max() - pre.min()) / 2 / pre.mean():.1%} around its mean. It then grew "
        f"from {aug:,} in {settings.fit_through:%B %Y} to {end:,} in {last_opm:%B %Y} "
        f"(+{end - aug:,}, +{end / aug - 1:.0%}). Source: OPM via Deportation Data Project "
        f"({cite(fact('ice_employees_opm', '2025-12-01'))})."
    )
)

fig, axes = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
sns.lineplot(data=staff, x="month", y="employees", ax=axes[0], color=style.AGENCY_COLOURS["ICE"])
axes[0].set(
    ylabel="ICE employees (OPM, all occupations)", xlabel="", title="ICE headcount and ICE book-ins per day"
)
sns.lineplot(data=panel, x="month", y="book_ins_per_day", ax=axes[1], color=style.PALETTE[3], marker="o")
observed_later = st.observed_after(book_ins, panel["month"].max() + pd.offsets.MonthBegin(1))
axes[1].plot(
    observed_later["month"], observed_later["observed_per_day"], "o--", color=style.PALETTE[3], alpha=0.6
)
axes[1].set(ylabel="ICE book-ins per day", xlabel="Month")
for ax in axes:
    style.add_events(ax, events)
style.source_note(
    fig, f"{SRC_OPM}; {SRC_BOOK}. Dashed: months after the last OPM month. Partial months scaled per day."
)
plt.show()

# %% [markdown]
# ## 2. Productivity: book-ins per employee per month
#
# Partial months count as full months at their daily rate. The interval is a 95% t-interval for the mean of the
# monthly values. The range is the lowest and highest month.

# %%
by_period = st.productivity_by_period(panel)
show(by_period, 3)
p_pre, p_jan, p_surge = (by_period.set_index("period").loc[label] for label in st.PERIOD_LABELS)
display(
    Markdown(
        f"Book-ins per employee per month averaged **{p_pre['per_employee_month']:.2f}** in 2021-2024 "
        f"(95% CI {p_pre['ci_low']:.2f}-{p_pre['ci_high']:.2f}). In January-August 2025 the average was "
        f"**{p_jan['per_employee_month']:.2f}** ({p_jan['ci_low']:.2f}-{p_jan['ci_high']:.2f}), "
        f"{p_jan['per_employee_month'] / p_pre['per_employee_month']:.1f} times as high, with about the same staff. "
        f"From September 2025 it was **{p_surge['per_employee_month']:.2f}** "
        f"({p_surge['ci_low']:.2f}-{p_surge['ci_high']:.2f}, {int(p_surge['months'])} months): headcount grew "
        f"{p_surge['mean_employees'] / p_jan['mean_employees'] - 1:.0%} on average, book-ins per day "
        f"{p_surge['mean_book_ins_per_day'] / p_jan['mean_book_ins_per_day'] - 1:.0%}."
    )
)

fig, ax = plt.subplots(figsize=(11, 4.5))
sns.lineplot(
    data=panel,
    x="month",
    y="per_employee_month",
    hue="period",
    palette=style.PALETTE[:3],
    marker="o",
    ax=ax,
)
for i, row in by_period.iterrows():
    ax.hlines(
        row["per_employee_month"],
        row["first_month"],
        row["last_month"],
        color=style.PALETTE[i],
        linewidth=3,
        alpha=0.5,
    )
ax.set(
    xlabel="Month",
    ylabel="Book-ins per employee per month",
    title="ICE book-ins per OPM employee (all occupations), with period means",
)
ax.set_ylim(0, panel["per_employee_month"].max() * 1.35)  # headroom for the event labels
style.add_events(ax, events)
style.source_note(fig, f"{SRC_BOOK}; {SRC_OPM}.")
plt.show()

# %% [markdown]
# ## 3. How many of the employees are officers?
#
# OPM's record-level files carry the occupation code: 1801 covers deportation officers, 1811 criminal
# investigators. When such a file is present, the report uses its officer counts.

# %%
officer_counts = data.load_officer_counts()
bounds = st.officer_share_bounds(figures, staff)
if officer_counts is None:
    display(
        Markdown(
            f"The OPM record-level file (`{data.officer_file_name()}`) is not available offline. The headcount above "
            "**includes support, legal and administrative staff**. To bound the share of headcount that are "
            "arresting officers, the report divides the published officer counts by the OPM headcount of the same "
            f"month: between **{bounds['share'].min():.0%}** and **{bounds['share'].max():.0%}**."
        )
    )
else:
    latest = officer_counts.groupby("month")["officers"].sum()
    shares = latest / staff.set_index("month")["employees"].reindex(latest.index)
    bounds = pd.DataFrame({"share": [shares.min(), shares.max()]})
    display(
        Markdown(
            f"Officer share of headcount from OPM occupation codes 1801/1811: {shares.min():.0%}-{shares.max():.0%}."
        )
    )
show(bounds, 3)

# %% [markdown]
# ## 4. Elasticity of book-ins with respect to headcount
#
# The model regresses log(book-ins per day) on log(headcount). Standard errors are Newey-West (HAC, 3 lags).
# Time controls are a linear trend and step dummies for the 2025 policy breaks: January 2025 (new
# administration) and June 2025 (after the 3,000/day goal of May 21). A fourth specification adds a step at the
# September 2025 surge.
#
# **Caveat:** policy and staffing moved together. Headcount hardly varied until the surge, and the surge came with
# new tactics and Border Patrol details. Any coefficient here is an association, not the effect of hiring.

# %%
specs = {
    "no controls": dict(breaks=(), trend=False),
    "trend": dict(breaks=(), trend=True),
    "trend + 2025 breaks": dict(breaks=st.POLICY_BREAKS, trend=True),
    "trend + 2025 breaks + Sep 2025": dict(
        breaks=(*st.POLICY_BREAKS, str(st.SURGE_START.date())), trend=True
    ),
}
fits = {label: st.fit_elasticity(panel, **kw) for label, kw in specs.items()}
elasticity_table = pd.DataFrame([fit.as_row(label) for label, fit in fits.items()])
show(elasticity_table)
main = fits["trend + 2025 breaks"]
display(
    Markdown(
        f"Without controls the elasticity is {fits['no controls'].elasticity:.1f}, which is the 2025 policy change "
        f"showing up as a staffing effect. With the trend and the 2025 breaks it is **{main.elasticity:.2f}** "
        f"(95% CI {main.ci_low:.2f} to {main.ci_high:.2f}, {main.n} months). Adding the September 2025 step gives "
        f"{fits['trend + 2025 breaks + Sep 2025'].elasticity:.2f} "
        f"({fits['trend + 2025 breaks + Sep 2025'].ci_low:.2f} to {fits['trend + 2025 breaks + Sep 2025'].ci_high:.2f}). "
        "The data do not pin down how book-ins respond to headcount."
    )
)

fig, ax = plt.subplots(figsize=(10, 4))
ax.errorbar(
    elasticity_table["elasticity"],
    elasticity_table["specification"],
    xerr=[
        elasticity_table["elasticity"] - elasticity_table["ci_low"],
        elasticity_table["ci_high"] - elasticity_table["elasticity"],
    ],
    fmt="o",
    color=style.PALETTE[0],
    capsize=4,
)
ax.axvline(0, color="#555555", linewidth=1)
ax.axvline(1, color="#555555", linewidth=1, linestyle="--")
ax.set(
    xlabel="Elasticity of book-ins per day w.r.t. headcount (log-log), 95% HAC CI",
    ylabel="",
    title="Elasticity by specification (dashed: proportional)",
)
fig.tight_layout()  # keep the x label clear of the source line
style.source_note(
    fig, f"{SRC_BOOK}; {SRC_OPM}. Monthly data {main.first_month:%Y-%m}..{main.last_month:%Y-%m}."
)
plt.show()

# %% [markdown]
# ## 5. Capacity: officers needed for the goal
#
# Productivity is the observed per-employee range under the current policy, from June 2025 (after the goal was set)
# to the last OPM month. Each Monte Carlo draw takes a productivity from that range and an officer share from the
# bounds in section 3. Officers needed = goal × officer share / (book-ins per employee per day).

# %%
reference = st.productivity_range(panel, st.POLICY_BREAKS[-1])
cap = st.capacity_samples(
    reference,
    bounds["share"].min(),
    bounds["share"].max(),
    settings.goal_per_day,
    n_sims=settings.n_sims,
    seed=settings.seed,
)
off_mid, off_lo, off_hi = st.interval(cap["officers_needed"])
emp_mid, emp_lo, emp_hi = st.interval(cap["employees_needed"])
ero = fact("ice_ero_officers")
bp = fact("border_patrol_agents_in_interior_enforcement")
claimed = fact("ice_officers_and_agents_total")
operational = fact("ice_new_officers_operational")
dep_2025 = fact("ice_deportation_officers", "2025-07-01")
actual = pd.DataFrame(
    [
        ("Deportation officers, mid-2025", dep_2025["value"], "officers", dep_2025["source_url"]),
        ("ERO officers, Oct 27 2025", ero["value"], "officers", ero["source_url"]),
        (
            "ERO officers + Border Patrol in interior, Oct 2025",
            ero["value"] + bp["value"],
            "officers and agents",
            bp["source_url"],
        ),
        (
            "Officers and agents claimed by ICE, Jan 2026",
            claimed["value"],
            "officers and agents",
            claimed["source_url"],
        ),
        (
            f"OPM headcount, {last_opm:%b %Y}",
            end,
            "employees (all occupations)",
            fact("ice_employees_opm", "2025-12-01")["source_url"],
        ),
    ],
    columns=["figure", "value", "unit", "source_url"],
)
show(actual)
display(
    Markdown(
        f"At the observed productivity ({reference.min() * 30.4:.2f}-{reference.max() * 30.4:.2f} book-ins per "
        f"employee per month), {settings.goal_per_day:,.0f} book-ins a day would take about **{off_mid:,.0f} officers** "
        f"(90% interval {off_lo:,.0f}-{off_hi:,.0f}) within about {emp_mid:,.0f} employees "
        f"({emp_lo:,.0f}-{emp_hi:,.0f}) at today's staff mix. For comparison, ICE had {dep_2025['value']:,} deportation "
        f"officers in mid-2025 ({cite(dep_2025)}) and {ero['value']:,} ERO officers plus {bp['value']:,}+ Border Patrol "
        f"agents in October 2025 ({cite(ero)}). That is {(ero['value'] + bp['value']) / off_mid:.0%} of the median "
        f"need. ICE's claim of {claimed['value']:,} officers and agents in January 2026 ({cite(claimed)}) is "
        f"{claimed['value'] / off_mid:.0%} of it. Only about {operational['value']:,} of the new hires were reported "
        f"operational by late January ({cite(operational)}). Book-ins undercount arrests, so the need for arrests as "
        "such is lower than this."
    )
)

fig, ax = plt.subplots(figsize=(10, 4.5))
sns.histplot(cap["officers_needed"], bins=60, color=style.PALETTE[0], ax=ax, stat="density")
ax.axvspan(off_lo, off_hi, color=style.PALETTE[0], alpha=0.1, label="90% interval")
for (label, value), colour in zip(
    [
        (f"{dep_2025['value']:,} deportation officers (mid-2025)", dep_2025["value"]),
        (f"{ero['value'] + bp['value']:,} ERO officers + BP agents (Oct 2025)", ero["value"] + bp["value"]),
        (f"{claimed['value']:,} officers and agents claimed (Jan 2026)", claimed["value"]),
    ],
    style.PALETTE[1:4],
    strict=True,
):
    ax.axvline(value, color=colour, linewidth=2, label=label)
ax.set(
    xlabel=f"Officers needed for {settings.goal_per_day:,.0f} book-ins/day (people)",
    ylabel="Density",
    title="Officers needed for the goal vs officers ICE had",
)
ax.legend(fontsize=8)
style.source_note(
    fig,
    f"Monte Carlo ({settings.n_sims:,} draws, seed {settings.seed}) on {SRC_BOOK}; {SRC_OPM}; officer figures: NBC News, police1.com, usresistnews.org (staffing_figures.csv).",
)
plt.show()

# %% [markdown]
# ## 6. Hiring-pipeline scenarios
#
# The scenarios are in `notebooks/staffing_scenarios.yaml`; add one there without touching code. The model starts
# from the headcount of the last fit month, held constant (ICE's headcount was flat while normal hiring replaced
# attrition). Each scenario adds hires who train, ramp up and leave at the attrition rate, plus detailed Border
# Patrol agents. Productivity is the range from June to the fit month, and the officer share comes from
# section 3. Lines are medians; bands are 90% Monte Carlo intervals. Observed book-ins per day are overlaid.

# %%
fit_panel = panel[panel["month"] <= settings.fit_through]
baseline = st.build_baseline(fit_panel, bounds, fit_through=settings.fit_through)
sims = st.simulate_scenarios(
    settings.scenarios,
    baseline,
    horizon_months=settings.horizon_months,
    start=settings.start,
    n_sims=settings.n_sims,
    seed=settings.seed,
)
summary = st.summarise_simulation(sims)
table = st.scenario_table(sims, settings.scenarios, settings.goal_per_day)
display(
    pd.DataFrame(
        [(s.name, s.description) for s in settings.scenarios], columns=["scenario", "description"]
    ).style.hide(axis="index")
)
show(table)

fig, ax = plt.subplots(figsize=(12, 5.5))
colours = dict(zip([s.name for s in settings.scenarios], style.PALETTE, strict=False))
for name, group in summary.groupby("scenario", sort=False):
    ax.fill_between(group["month"], group["lower"], group["upper"], color=colours[name], alpha=0.15)
sns.lineplot(data=summary, x="month", y="median", hue="scenario", palette=colours, linewidth=2, ax=ax)
observed = st.observed_after(book_ins, "2025-01-01")
ax.plot(observed["month"], observed["observed_per_day"], "ko-", markersize=4, label="observed (ICE book-ins)")
ax.axhline(
    settings.goal_per_day,
    color=style.PALETTE[7],
    linestyle="--",
    linewidth=1.5,
    label=f"goal {settings.goal_per_day:,.0f}/day",
)
ax.set(
    xlabel="Month",
    ylabel="ICE book-ins per day",
    title=f"Projected book-ins per day by scenario (median and 90% interval), from {settings.start:%B %Y}",
)
ax.set_ylim(0, max(settings.goal_per_day, summary["upper"].max()) * 1.2)
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), title="scenario (selected first)")
style.add_events(ax, events)
style.source_note(
    fig,
    f"Simulation ({settings.n_sims:,} draws per scenario, seed {settings.seed}) from {SRC_OPM}; {SRC_BOOK}; scenario inputs in staffing_scenarios.yaml.",
)
plt.show()

chosen = table.iloc[0]
display(
    Markdown(
        f"In the selected scenario **{chosen['scenario']}**, book-ins in {chosen['final_month']:%B %Y} are "
        f"**{chosen['book_ins_per_day_median']:,.0f}/day** (90% interval {chosen['lower']:,.0f}-{chosen['upper']:,.0f}), "
        f"{chosen['share_of_goal']:.0%} of the goal. "
        + (
            f"The median reaches the goal in {chosen['goal_reached_month']:%B %Y}."
            if pd.notna(chosen["goal_reached_month"])
            else "The median never reaches the goal within the horizon."
        )
        + " Scenarios reaching the goal: "
        + (", ".join(table.loc[table["goal_reached_month"].notna(), "scenario"]) or "none")
        + "."
    )
)

# %% [markdown]
# ## 7. Out-of-sample check
#
# Everything is fitted on data through the fit month and then compared with the ICE book-ins reported from
# October 2025 to the newest edition. The observed values come from the workbooks via `load_book_ins`.
# Predictions are per day, so partial months (the newest edition's) are compared at their daily rate.
# Three kinds of model are compared:
# - the elasticity model (trend + 2025 breaks), driven by the OPM headcount;
# - the pre-surge productivity range times the OPM headcount (OPM covers only the months through December 2025);
# - every pipeline scenario.

# %%
oos = st.run_out_of_sample(
    book_ins,
    staff,
    bounds,
    settings.scenarios,
    fit_through=f"{settings.fit_through:%Y-%m}",
    n_sims=settings.n_sims,
    seed=settings.seed,
)
oos_view = oos.table[
    [
        "model",
        "month",
        "book_ins",
        "days_covered",
        "observed_per_day",
        "predicted",
        "lower",
        "upper",
        "error",
        "pct_error",
        "covered",
    ]
]
show(oos_view, 1)
show(oos.summary)
best = oos.summary.sort_values("mape_pct").iloc[0]
worst = oos.summary.sort_values("mape_pct").iloc[-1]
observed_oos = st.observed_after(book_ins, "2025-10-01")
peak = observed_oos.loc[observed_oos["observed_per_day"].idxmax()]
newest = observed_oos.iloc[-1]
after_peak = oos.table[
    oos.table["model"].str.startswith("pipeline: surge") & (oos.table["month"] > peak["month"])
]
display(
    Markdown(
        f"Best: **{best['model']}**, with a mean absolute error of {best['mape_pct']:.0f}% over {int(best['months'])} "
        f"months. Worst: **{worst['model']}** ({worst['mape_pct']:.0f}%). The elasticity fitted through "
        f"{settings.fit_through:%B %Y} is {oos.fit.elasticity:.1f} ({oos.fit.ci_low:.1f} to {oos.fit.ci_high:.1f}). "
        "Headcount barely moved before the surge, so that fit extrapolates a slope identified by noise. "
        f"Observed book-ins peaked in {peak['month']:%B %Y} at {peak['observed_per_day']:,.0f}/day. In "
        f"{newest['month']:%B %Y} ({int(newest['days_covered'])} days reported) they were "
        f"{newest['observed_per_day']:,.0f}/day. "
        + (
            f"After the peak the surge scenarios over-predict by {after_peak['pct_error'].mean():.0f}% on average "
            f"(range {after_peak['pct_error'].min():.0f}% to {after_peak['pct_error'].max():.0f}%). Their new hires "
            "reach full output in the model just as book-ins fell in the data."
            if not after_peak.empty
            else ""
        )
    )
)

fig, ax = plt.subplots(figsize=(11, 4.5))
model_colours = {f"pipeline: {name}": colour for name, colour in colours.items()}
model_colours |= {
    "elasticity x OPM headcount": style.PALETTE[5],
    "productivity x OPM headcount": style.PALETTE[7],
}
sns.lineplot(data=oos.table, x="month", y="pct_error", hue="model", marker="o", palette=model_colours, ax=ax)
ax.axhline(0, color="#555555", linewidth=1)
ax.set(
    xlabel="Month",
    ylabel="Prediction error (% of observed book-ins/day)",
    title=f"Out-of-sample errors: models fitted through {settings.fit_through:%B %Y}",
)
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
style.add_events(ax, events)
style.source_note(
    fig, f"Observed: {SRC_BOOK}. Predictions: research.staffing on data through {settings.fit_through:%Y-%m}."
)
plt.show()

# %% [markdown]
# ## Limitations
#
# - Book-ins are not all arrests. Arrests released without a detention book-in are missing, and so are Border Patrol
#   arrests in the interior that ICE did not book in.
# - The headcount covers all occupations. Officer figures are published rarely, come from mixed sources (one is
#   an advocacy brief), and bound the officer share only roughly.
# - Training and ramp lengths, attrition and Border Patrol productivity are assumptions, entered as ranges in the
#   scenario file. The baseline holds pre-surge headcount constant.
# - Policy, tactics (large city operations) and staffing changed at the same time. None of the models separates the
#   effect of hiring from the effect of policy.
