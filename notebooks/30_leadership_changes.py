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
# # Leadership changes: did replacing field office directors move enforcement?
#
# In late October 2025 the administration removed the field office directors (FODs) of several ICE
# Enforcement and Removal Operations field offices, in most cases to install Border Patrol officials. This report
# compares offices whose director changed with offices whose director did not, before and after the change, in a
# field-office panel. It uses a staggered difference-in-differences estimator that never uses already-treated
# offices as controls (Callaway and Sant'Anna), shows the conventional two-way fixed-effects event study next to it,
# and, because only a handful of offices were treated, leans on randomization inference, a leave-one-office-out
# table, a placebo at fake earlier dates and a pre-trend check with its power.
#
# **What this design can and cannot say.** Few offices changed leaders, all within one week, and the data after
# the change are short (to early April 2026). The offline outcome is where people are *detained*, which is not
# where they were arrested. The estimates are descriptive comparisons with uncertainty, not proof that the
# leadership change caused any difference.

# %% tags=["parameters"]
# outcome: "auto" = arrests when the Deportation Data Project file is built, else detained population;
# "arrests" = weekly arrests by the arresting officer's office; "detained_population" = average daily detained
# population by the facility's office, between editions of ICE's detention statistics.
outcome = "auto"
# treatment: "confirmed" = named, dated removals in DEN, LOS, SND, PHO, PHI; "reported" = confirmed plus reported
# changes and changes through retirement or reassignment; "border_patrol_only" = replacement from Border Patrol/CBP.
treatment = "confirmed"
# scale: "log" = effects as percentages, keeps every office; "per_100k" = per 100,000 noncitizen residents, drops
# Harlingen, which has no population estimate; "level" = outcome units.
scale = "log"
window_before = 6  # periods before the change shown in the event study; integer 1..52, earlier periods binned
window_after = 6  # periods after the change averaged into the overall effect; integer 0..52
# exclude_operations: True drops offices with large operations, Chicago from 2025-09-08 and St. Paul from Dec 2025
exclude_operations = True
n_permutations = 10000  # randomization draws, integer 19..200000; exact if fewer assignments exist
seed = 20251024  # random seed for the bootstrap and permutations; integer, 0 or more

# %%
from research.models import leadership as ld

params = ld.validate_parameters(
    outcome=outcome,
    treatment=treatment,
    scale=scale,
    window_before=window_before,
    window_after=window_after,
    exclude_operations=exclude_operations,
    n_permutations=n_permutations,
    seed=seed,
)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from research import data
from research.figures import style
from research.models import panel

style.use_style()
offices = data.load_field_offices()
events = data.load_events()
table = ld.treatment_table(data.load_leadership_events(), offices)
roles = ld.design(table, params.treatment, exclude_operations=params.exclude_operations)
counts = ld.count_treated(table)
chosen_outcome = panel.resolve_outcome(params.outcome, data.has_arrests_file())
if chosen_outcome == "arrests":
    outcome_panel = panel.arrests_panel(data.load_arrests_daily(by="aor"), offices)
else:
    outcome_panel = panel.detained_population_panel(data.load_facilities(), offices)
y_col = panel.SCALE_COLUMNS[params.scale]
scale_words = {"log": "log scale", "per_100k": "per 100,000 noncitizen residents", "level": "level"}[
    params.scale
]
chart_label = f"{outcome_panel.label}, {scale_words}"

# %% [markdown]
# ## Treatment: which field offices changed directors, and when
#
# Built from the curated leadership events (one source per row). Headquarters changes (February, March and
# May 2025) are national and are not treated as changes in any one office.

# %%
shown = table.assign(
    change_date=table["change_date"].dt.date, operation_start=table["operation_start"].dt.date
)
shown = shown.merge(roles[["aor", "role", "reason"]], on="aor")
cols = [
    "aor",
    "office",
    "change_date",
    "status",
    "replacement_origin",
    "role",
    "reason",
    "operation_start",
    "source_url",
]
display(shown.loc[shown["status"] != "none", cols].reset_index(drop=True))
flagged = shown.loc[
    shown["operation_start"].notna(), ["aor", "office", "operation_start", "operation_source_url"]
]
display(flagged.reset_index(drop=True))
display(
    Markdown(
        f"Offices treated under each definition: **confirmed {counts['confirmed']}**, **reported {counts['reported']}**,"
        f" **Border Patrol/CBP replacements {counts['border_patrol_only']}** (of {len(table)}). This run uses "
        f"**{params.treatment}**: {int((roles['role'] == 'treated').sum())} treated, "
        f"{int((roles['role'] == 'control').sum())} comparison offices, {int((roles['role'] == 'excluded').sum())} "
        f"excluded ({', '.join(roles.loc[roles['role'] == 'excluded', 'aor'])}). The Associated Press reported that 12 of "
        "25 directors were reassigned in the October round, but not all were named: some comparison offices may have "
        "changed too, which would pull estimates toward zero."
    )
)

# %% [markdown]
# ## Outcome

# %%
display(
    Markdown(
        f"**Outcome used: {outcome_panel.label}** ({outcome_panel.unit}; one period = one {outcome_panel.period_kind}). "
        f"{outcome_panel.method}\n\nSource: {outcome_panel.source}."
    )
)
if outcome_panel.outcome == "detained_population":
    check = panel.national_check(outcome_panel.frame, data.load_adp(agency="Total"))
    display(
        Markdown(
            "Method check: the sum over offices against ICE's national monthly average daily population, interval by "
            f"interval. The largest gap is {100 * check['relative_gap'].abs().max():.1f}%."
        )
    )
    display(check.round({"sum_of_offices": 0, "national_table": 0, "relative_gap": 3}))
    display(outcome_panel.diagnostics)

# %%
frame = outcome_panel.frame.merge(roles[["aor", "role"]], on="aor")
frame = frame[frame["role"] != "excluded"]
mid = frame["period_start"] + (frame["period_end"] - frame["period_start"]) / 2
frame = frame.assign(
    mid=mid, group=np.where(frame["role"] == "treated", "changed director", "comparison offices")
)
# Index each office to its mean before October 2025 so offices of very different size share one axis.
base = frame[frame["period_end"] < pd.Timestamp("2025-10-01")].groupby("aor")["value"].mean()
frame["index"] = 100 * frame["value"] / frame["aor"].map(base)
fig, ax = plt.subplots()
sns.lineplot(
    data=frame,
    x="mid",
    y="index",
    hue="group",
    estimator="mean",
    errorbar=("ci", 95),
    seed=params.seed,  # the bootstrap band is drawn the same way on every run
    marker="o",
    palette=style.PALETTE[:2],
    ax=ax,
)
ax.set(
    xlabel="Middle of period (date)",
    ylabel="Index, office's mean before Oct 2025 = 100",
    title=f"{outcome_panel.label}: offices with a director change vs comparison offices",
)
ax.legend(title=f"Treatment: {params.treatment}", loc="lower right")
style.add_events(ax, events)
style.source_note(
    fig,
    f"{outcome_panel.source}. Treatment: curated leadership events. Lines: mean of offices, "
    "band: 95% interval over offices.",
)
plt.show()

# %% [markdown]
# ## Estimates

# %%
sd = ld.staggered_data(outcome_panel.frame, y_col, roles)
cs = ld.staggered_att(
    sd, window_before=params.window_before, window_after=params.window_after, n_boot=999, seed=params.seed
)
twfe = ld.event_study_twfe(sd, window_before=params.window_before, window_after=params.window_after)
static = ld.twfe_static(sd)
ri = ld.randomization_inference(
    sd, window_after=params.window_after, n_permutations=params.n_permutations, seed=params.seed
)
first_period = int(np.min(sd.g[np.isfinite(sd.g)]))
change_period = sd.periods.iloc[first_period]
effect = ld.effect_in_words(cs.att, cs.ci_low, cs.ci_high, params.scale, outcome_panel.unit)
display(
    Markdown(
        f"{cs.n_treated} treated and {cs.n_control} comparison offices enter the estimate (offices with no outcome data "
        f"are dropped: {', '.join(sorted(set(roles.loc[roles['role'] != 'excluded', 'aor']) - set(sd.units))) or 'none'})."
        f" The change falls in the period {change_period['period_start']:%Y-%m-%d} to "
        f"{change_period['period_end']:%Y-%m-%d} (event time 0, partly before the change).\n\n"
        f"- Staggered (Callaway-Sant'Anna, never-treated comparison offices), average over event times 0 to "
        f"{params.window_after}: **{effect}**; office bootstrap, {cs.n_boot} draws.\n"
        f"- Randomization inference (adoption dates permuted across offices, "
        f"{'exact over all ' + format(ri.n_assignments, ',') + ' assignments' if ri.exact else format(ri.null.size, ',') + ' random draws'}):"
        f" two-sided **p = {ri.p_value:.3f}**.\n"
        f"- Conventional two-way fixed effects, one post-change dummy: "
        f"{ld.effect_in_words(static['att'], static['ci_low'], static['ci_high'], params.scale, outcome_panel.unit)}"
        " (standard errors clustered by office; unreliable with this few treated offices)."
    )
)

# %%
cs_e = cs.event_time.assign(estimator="Callaway-Sant'Anna (bootstrap 95% interval)")
tw_e = twfe.rename(columns={"coef": "att"}).assign(
    estimator="Two-way FE event study (clustered 95% interval)"
)
both = pd.concat([cs_e, tw_e[["event_time", "att", "ci_low", "ci_high", "estimator"]]], ignore_index=True)
offset = {cs_e["estimator"].iloc[0]: -0.12, tw_e["estimator"].iloc[0]: 0.12}
fig, ax = plt.subplots()
for (name, grp), colour in zip(both.groupby("estimator", sort=False), style.PALETTE, strict=False):
    x = grp["event_time"] + offset[name]
    ax.errorbar(
        x,
        grp["att"],
        yerr=[grp["att"] - grp["ci_low"], grp["ci_high"] - grp["att"]],
        fmt="o",
        color=colour,
        capsize=3,
        label=name,
    )
ax.axhline(0, color="#333333", linewidth=0.8)
ax.axvline(-0.5, color=style.EVENT_COLOUR, linestyle=":")
ylab = {
    "log": "Difference, log points (0.1 = about +10%)",
    "per_100k": "Difference per 100,000 noncitizens",
    "level": f"Difference ({outcome_panel.unit})",
}[params.scale]
ax.set(
    xlabel=f"Periods relative to the director change ({outcome_panel.period_kind}s; -1 = reference)",
    ylabel=ylab,
    title=f"Event study: {chart_label}",
)
ax.legend(loc="upper left", fontsize=8)
style.source_note(
    fig,
    f"{outcome_panel.source}. Event time, not calendar time: the change (late Oct 2025) is at "
    "0. End points of the two-way FE study are binned.",
)
plt.show()

# %%
fig, ax = plt.subplots()
sns.histplot(ri.null, bins=40, color=style.PALETTE[5], ax=ax)
ax.axvline(ri.observed, color=style.PALETTE[3], linewidth=2, label=f"observed ({ri.observed:+.3f})")
ax.axvline(-ri.observed, color=style.PALETTE[3], linewidth=1, linestyle="--", label="mirror (two-sided)")
ax.set(
    xlabel=f"Overall effect if the change had hit other offices ({'log points' if params.scale == 'log' else 'outcome units'})",
    ylabel="Number of assignments",
    title=f"Randomization inference: {chart_label}",
)
ax.legend()
style.source_note(fig, f"{outcome_panel.source}. Adoption dates permuted across the offices in the analysis.")
plt.show()

# %% [markdown]
# ## Robustness: one office at a time, placebo dates, pre-trends

# %%
loo = ld.leave_one_out(sd, window_after=params.window_after)
display(loo.round(3))
shift = max(1, min(3, first_period - 2))
placebo = ld.placebo_test(sd, shift=shift, n_permutations=min(params.n_permutations, 2000), seed=params.seed)
pre = ld.pretrend_test(sd)
unit_words = "log points" if params.scale == "log" else outcome_panel.unit
treated_loo = loo[loo["role"] == "treated"]
display(
    Markdown(
        f"- Leaving out one treated office at a time, the overall effect ranges from {treated_loo['att'].min():+.3f} "
        f"(without {treated_loo.iloc[0]['dropped']}) to {treated_loo['att'].max():+.3f} "
        f"(without {treated_loo.iloc[-1]['dropped']}); the full estimate is {cs.att:+.3f} {unit_words}.\n"
        f"- Placebo: pretending the change happened {shift} period(s) earlier, using only data before the real change, "
        f"gives {placebo.att:+.3f} {unit_words} (bootstrap 95% interval {placebo.ci_low:+.3f} to "
        f"{placebo.ci_high:+.3f}; randomization p = {placebo.p_value:.2f}).\n"
        f"- Pre-trend: {pre.in_words(unit_words)}"
    )
)

# %% [markdown]
# ## Findings

# %%
excludes_zero = cs.ci_low > 0 or cs.ci_high < 0
e0 = float(cs.event_time.set_index("event_time").loc[0, "att"])
change_date = roles.loc[roles["role"] == "treated", "change_date"].min()
period_days = (change_period["period_end"] - change_period["period_start"]).days + 1
share_before = 100 * (change_date - change_period["period_start"]).days / period_days
chance = (
    "a difference this large is unusual under random assignment (p < 0.05)"
    if ri.p_value < 0.05
    else f"a difference at least this large arises in about {100 * ri.p_value:.0f}% of random assignments, so chance "
    "cannot be ruled out"
)
display(
    Markdown(
        f"**Outcome: {outcome_panel.label}.** Relative to the comparison offices' path, the outcome in the "
        f"{cs.n_treated} offices whose director changed ({params.treatment} definition) differed by {effect} over "
        f"the {params.window_after + 1} periods from the change on. Randomization inference over the "
        f"{len(sd.units)} offices in the analysis gives p = {ri.p_value:.3f}: {chance}. The office bootstrap interval "
        + ("excludes" if excludes_zero else "includes")
        + " zero, but with so few treated offices it is optimistic; the randomization p-value is the more honest "
        f"guide. In event time 0 ({change_period['period_start']:%d %b %Y} to {change_period['period_end']:%d %b %Y}; "
        f"{share_before:.0f}% of its days precede the change) the difference is already {e0:+.3f} {unit_words}, against "
        f"{cs.att:+.3f} on average from the change on; a gap present before the new directors could act points to "
        "something other than them "
        "(or to anticipation).\n\n"
        "Caveats: the changes were announced together, so there is no staggered timing to exploit; the post-change "
        "period is short; other offices may have changed leaders without being named; large operations (Chicago, "
        "Minneapolis) and national events (the Border Patrol detail to the interior, the hiring surge) hit offices "
        "unevenly; and "
        + (
            "detention location is not arrest location (people are moved between offices), and the outcome is "
            "measured over coarse intervals between ICE editions, with the method's gaps (renamed, omitted or "
            "dropped facilities) landing on some intervals."
            if outcome_panel.outcome == "detained_population"
            else "the arrest office is the officer's assigned office, and the last weeks of the release are incomplete."
        )
        + " These are descriptive comparisons, not evidence that the leadership change caused the difference."
    )
)
