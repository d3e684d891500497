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
# # Leadership changes: did replacing field office directors move arrests or detention?
#
# In October 2025 the administration replaced the directors of several ICE Enforcement and Removal Operations field
# offices, several of them reportedly with Border Patrol officials. This page asks whether the offices whose
# director changed then arrested or detained more (or fewer) people than the other offices, compared with where
# they were heading before.
#
# **How to read it.** Which offices changed is itself uncertain, so treatment comes in sourced tiers. No single
# estimate is the answer: the page runs every defensible combination of treated offices, comparison offices,
# outcome, base period and estimator (the *specification curve*) and its headline is the distribution of those
# estimates. Because only a handful of offices were treated, all on one date, uncertainty comes from
# randomization inference: how unusual the observed difference is among all the ways the change could have fallen
# on the same number of offices. Every number below is computed when the page runs.

# %% tags=["parameters"]
treatment: str = "named_removals"  # treated: named_removals, plus_ice_to_ice, plus_reported or plus_claimed
comparison: str = "all_others"  # comparison offices: all_others, no_operations or no_unconfirmed
scheduler: str = "processes"  # randomization inference: serial, processes, local (Dask) or tcp://host:port
workers: int = 2  # processes for "processes" and "local", at most RESEARCH_CPUS (the cores given); 1..64
n_permutations: int = 10000  # random assignments drawn when too many to enumerate; 99 to 1,000,000
exact_limit: int = 100000  # enumerate every assignment when there are at most this many; 0 to 2,000,000
seed: int = 20251024  # seed for drawn assignments and simulations; 0 to 2**32-1 (same seed, same numbers)
n_simulations: int = 200  # random treated sets per effect size in the size/power check; 20 to 10,000

# %%
from research.models import leadership as ld

params = ld.validate_parameters(
    treatment=treatment,
    comparison=comparison,
    scheduler=scheduler,
    workers=workers,
    n_permutations=n_permutations,
    exact_limit=exact_limit,
    seed=seed,
    n_simulations=n_simulations,
)

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from research import data

fod_events = data.load_fod_events()
offices = data.load_field_offices()
facilities = data.load_facilities()
windows = data.load_arrests_aor_windows()
arrests_monthly = data.load_arrests_monthly()
national_adp = data.load_adp(agency="Total")
arrests_daily = data.load_arrests_daily(by="aor") if data.has_arrests_file() else None

# %%
from research.models import design_check, panel

settings = params.settings
tiers = ld.treatment_tiers(fod_events, offices)
main_design = ld.design(tiers, params.treatment, params.comparison)
matrices = {
    m.name: m
    for m in ld.outcome_matrices(facilities, offices, windows, arrests_daily, arrests_monthly=arrests_monthly)
}
curve = ld.specification_curve(
    fod_events,
    offices,
    facilities,
    windows,
    arrests_daily,
    arrests_monthly,
    include_ddp=arrests_daily is not None,
    scheduler=params.scheduler,
    workers=params.workers,
    n_permutations=params.n_permutations,
    exact_limit=params.exact_limit,
    seed=params.seed,
)
summary = ld.summarize(curve)
arrests_main, arrests_placebo = ld.arrests_long_difference(matrices["arrests"], main_design, settings)
jan_jul_share = ld.did.seasonal_share(arrests_monthly)
dilution = ld.did.window_dilution(arrests_monthly)
arrests_jan_jul = ld.estimate(
    matrices["arrests_jan_jul"], main_design, estimator="ld", base="last_pre", settings=settings
)
CONTRASTS = {  # key: (label, scale)
    "log": ("Log change, Aug 2025-Jul 2026 vs 2025 (diluted)", "log"),
    "jan_jul": ("Jan-Jul 2026 minus Jan-Jul 2025, share of Jan-Jul 2025 (undiluted)", "share"),
    "placebo": ("Placebo: log change, 2025 vs 2024", "log"),
}
rules = ld.two_sided_table(
    {"log": (arrests_main, "log"), "jan_jul": (arrests_jan_jul, "share"), "placebo": (arrests_placebo, "log")}
)
loo = ld.leave_one_treated_out(
    {
        "log": (matrices["arrests"], "last_pre"),
        "jan_jul": (matrices["arrests_jan_jul"], "last_pre"),
        "placebo": (ld.placebo_matrix(matrices["arrests"]), "last_pre"),
    },
    main_design,
    settings,
)
placebo_table = ld.placebos(list(matrices.values()), tiers, settings)
main_placebo_p = arrests_placebo.result.p_value
verdict_parts = {rule: ld.verdicts(curve, arrests_placebo.result, rule=rule) for rule in ld.P_COLUMNS}
verdict = ld.combine_verdicts(verdict_parts[ld.ri.REPORTED_RULE].values())
verdict_by_rule = {rule: ld.combine_verdicts(parts.values()) for rule, parts in verdict_parts.items()}
studies = {
    name: ld.event_study(matrices[name], main_design, settings)
    for name in ("detention_all", "detention_balanced")
}
pace = ld.pace(matrices["arrests"], matrices["detention_all"], tiers)
reversion = ld.mean_reversion(pace)
motives = ld.motive_sources(fod_events)
checks = {
    fs: panel.national_check(
        panel.detained_population_panel(facilities, offices, facility_set=fs).frame, national_adp
    )
    for fs in ("all", "balanced")
}

# %%
from research.figures import leadership as charts
from research.figures import style
from research.figures.events import EventKey
from research.figures.findings import Findings
from research.figures.page import show_figure, show_table
from research.figures.text import join, md, md_text

style.use_style()
pct = charts.fmt_pct  # log points -> "+3.2%"
percent = charts.fmt_percent  # already percent -> "+3.2%"
OFFICE_NAMES = dict(zip(tiers["aor"], tiers["office"], strict=True))
ARRESTS_SOURCE = windows.attrs["source"]
DETENTION_SOURCE = facilities.attrs["source"]
TIERS_SOURCE = fod_events.attrs["source"]

# %% [markdown]
# ## Treatment: which offices changed directors, and how we know
#
# Each office gets one tier from the curated director events (one public source per row, each with a confidence:
# high = top-tier outlet or official text, medium = reputable local/trade outlet or top-tier text via a mirror,
# low = aggregator, single weak source or interested party). An office with no report either way is **status
# unknown**, never "untreated": the Associated Press was told that more directors were being reassigned than
# are named anywhere, so some status-unknown offices probably changed too (which would pull estimates towards
# zero).

# %%
tier_counts = tiers["tier"].value_counts()
display(
    md(
        "{named} named removals ({named_date:%d %B %Y}), {ice} ICE-to-ICE changes ({ice_date:%d %B}), {reported} reported "
        "only, {claimed} claimed, and **{unknown} offices with status unknown**. Treated in the detailed sections "
        "below: {treated_words} ({n_treated} offices), compared with {comparison_words} ({n_control} offices).",
        named=int(tier_counts.get("named_removal", 0)),
        named_date=tiers.loc[tiers["tier"] == "named_removal", "change_date"].min(),
        ice_date=tiers.loc[tiers["tier"] == "ice_to_ice", "change_date"].min(),
        ice=int(tier_counts.get("ice_to_ice", 0)),
        reported=int(tier_counts.get("reported", 0)),
        claimed=int(tier_counts.get("claimed", 0)),
        unknown=int(tier_counts.get("unknown", 0)),
        treated_words=ld.TREATMENT_LABELS[params.treatment],
        n_treated=len(main_design.treated),
        comparison_words=ld.COMPARISON_LABELS[params.comparison],
        n_control=len(main_design.control),
    )
)
show_table(
    tiers.sort_values(["tier", "aor"]),
    {
        "office": "Office",
        "tier_label": "Tier",
        "change_date": "Change date",
        "confidence": "Best source confidence",
        "n_sources": "Sources in Oct-Nov 2025",
        "latest_director": "Director last seen in post",
        "latest_director_date": "Seen on",
        "operation": "Border Patrol operation",
        "operation_start": "Operation from",
        "operation_end": "Operation to",
    },
    caption="Treatment tiers from the curated field-office director events (fod_events.csv)",
    name="treatment_tiers",
)
display(
    md(
        "**Sources for each office (October-November 2025), best-sourced first:**\n\n{list}",
        list=charts.tier_sources_markdown(tiers),
    )
)

# %% [markdown]
# ## Arrests by office: two contrasts, diluted and undiluted
#
# The arrest table gives each office's ICE **arrests** (not detention book-ins) in calendar 2024, calendar 2025 and
# August 2025 - July 2026 (w2526). Two contrasts around the October changes:
#
# - **Log change, w2526 against 2025** (the curve's "diluted" arrests outcome): log(w2526) - log(2025). Both windows
#   contain August-December 2025, so the ratio moves by much less than January-July arrests do: it is diluted, not
#   same-season.
# - **January-July 2026 minus January-July 2025** (the "undiluted" outcome): w2526 - 2025 is exactly that
#   difference for every office, with no shared months. It is divided by an estimate of the office's
#   January-July 2025 arrests (its 2025 arrests times the national January-July share of 2025) so that it reads as
#   a percentage change. That estimate assumes every office split its 2025 arrests between January-July and
#   August-December as the nation did; a common factor does not change any randomization p-value, only how the
#   effect reads. Effects on it are differences in percentage points between the treated and comparison offices'
#   changes.
#
# The long difference compares the change in the treated offices with the comparison offices; the 2024 -> 2025 log
# change is the pre-period placebo (calendar 2025 holds about ten weeks after the changes; January-July 2024 by
# office is not in the data, so the undiluted outcome has no placebo of its own).

# %%
res = arrests_main.result
plac = arrests_placebo.result
jj = arrests_jan_jul.result
display(
    md(
        "**How diluted the log change is.** Nationally, August-December 2025 held {shared:,.0f} arrests: "
        "{of_2025:.0%} of calendar 2025 and {of_w:.0%} of w2526. National arrests in January-July 2026 were "
        "{jj_ratio:.3f} times January-July 2025, but w2526 was only {w_ratio:.3f} times 2025; an effect confined "
        "to January-July 2026 moves log(w2526 / 2025) by about {att:.2f} times its size. January-July held "
        "{share:.1%} of 2025's national arrests (the share used to scale the undiluted outcome).",
        shared=dilution.shared,
        of_2025=dilution.share_of_y2025,
        of_w=dilution.share_of_w2526,
        jj_ratio=dilution.jan_jul_ratio,
        w_ratio=dilution.window_ratio,
        att=dilution.attenuation,
        share=jan_jul_share,
    )
)
display(
    md(
        "**Undiluted: January-July 2026 minus January-July 2025, {treated_words} vs {comparison_words}: "
        "{jj_est}** (the treated offices' January-July arrests changed by {jj_est} relative to the comparison "
        "offices', as a share of their estimated January-July 2025 arrests). Two-sided randomization **p = "
        "{jj_p:.3f}**; 95% randomization interval {jj_low} to {jj_high}; Welch interval {jj_w_low} to "
        "{jj_w_high}.\n\n"
        "**Diluted: log change, w2526 against 2025: {est}** (log points {raw:+.3f}). Randomization inference "
        "({how}, {n_assign:,} possible assignments of {k} treated among {n} offices): two-sided **p = {p:.3f}**; "
        "one-sided p = {p_up:.3f} against an increase and {p_down:.3f} against a decrease. 95% randomization "
        "interval (constant effect): {ri_low} to {ri_high}; Welch interval {w_low} to {w_high}.\n\n"
        "**Placebo (2025 vs 2024, before the change): {pl_est}**, two-sided p = {pl_p:.3f} (randomization "
        "interval {pl_low} to {pl_high}).",
        treated_words=ld.TREATMENT_LABELS[params.treatment],
        comparison_words=ld.COMPARISON_LABELS[params.comparison],
        jj_est=charts.fmt_effect(jj.estimate, "share"),
        jj_p=jj.p_value,
        jj_low=charts.fmt_effect(jj.ri_low, "share"),
        jj_high=charts.fmt_effect(jj.ri_high, "share"),
        jj_w_low=charts.fmt_effect(arrests_jan_jul.ci_low, "share"),
        jj_w_high=charts.fmt_effect(arrests_jan_jul.ci_high, "share"),
        est=pct(res.estimate),
        raw=res.estimate,
        how="exact: every assignment" if res.exact else f"{params.n_permutations:,} random draws",
        n_assign=res.n_assignments,
        k=arrests_main.n_treated,
        n=arrests_main.n_treated + arrests_main.n_control,
        p=res.p_value,
        p_up=res.p_ge,
        p_down=res.p_le,
        ri_low=pct(res.ri_low),
        ri_high=pct(res.ri_high),
        w_low=pct(arrests_main.ci_low),
        w_high=pct(arrests_main.ci_high),
        pl_est=pct(plac.estimate),
        pl_p=plac.p_value,
        pl_low=pct(plac.ri_low),
        pl_high=pct(plac.ri_high),
    )
)
fig = charts.null_figure(
    res.null,
    res.estimate,
    "ICE arrests, log change Aug 2025-Jul 2026 vs 2025 (diluted): randomization distribution",
)
style.source_note(fig, f"{ARRESTS_SOURCE}. Treatment: {TIERS_SOURCE}.")
show_figure(
    fig,
    name="randomization_distribution_arrests",
    describe="Histogram of the estimate under every assignment of the change to the same number of offices, with "
    f"a vertical line at the observed estimate ({pct(res.estimate)}).",
    data=pd.DataFrame({"estimate_log_points": res.null}),
)

# %%
by_office = windows.pivot(index="aor", columns="window", values="arrests").reset_index()
by_office = by_office.merge(tiers[["aor", "office", "tier_label"]], on="aor")
by_office["change_pre"] = by_office["y2025"] / by_office["y2024"] - 1
by_office["change_same_season"] = (by_office["w2526"] - by_office["y2025"]) / by_office["y2025"]
by_office["change_jan_jul"] = by_office["change_same_season"] / jan_jul_share
by_office["in_design"] = np.where(
    by_office["aor"].isin(main_design.treated),
    "treated",
    np.where(by_office["aor"].isin(main_design.control), "comparison", "left out"),
)
show_table(
    by_office.sort_values(["in_design", "aor"], ascending=[False, True]),
    {
        "office": "Office",
        "tier_label": "Tier",
        "in_design": "Role in this design",
        "y2024": "Arrests 2024",
        "y2025": "Arrests 2025",
        "w2526": "Arrests Aug 2025-Jul 2026",
        "change_pre": "2025 vs 2024",
        "change_same_season": "(Jan-Jul 2026 - Jan-Jul 2025) / 2025",
        "change_jan_jul": "Jan-Jul 2026 vs Jan-Jul 2025 (est.)",
    },
    formats={"change_pre": "{:+.0%}", "change_same_season": "{:+.0%}", "change_jan_jul": "{:+.0%}"},
    caption="ICE arrests by field office (the arresting office's area of responsibility); Jan-Jul 2025 "
    "estimated as 2025 arrests times the national January-July share",
    name="arrests_by_office",
)

# %% [markdown]
# ### Which two-sided rule
#
# Neither direction was fixed before looking, so every p-value on this page is two-sided. There is more than one
# way to make a randomization p-value two-sided, and with five treated offices against twenty the randomization
# distribution is skewed, so the rules can disagree. The table shows both for each arrests contrast.

# %%
RULE_WORDS = {rule: ld.ri.RULE_LABELS[rule] for rule in ld.ri.TWO_SIDED_RULES}
other_rule = next(rule for rule in ld.ri.TWO_SIDED_RULES if rule != ld.ri.REPORTED_RULE)
display(
    md(
        "**The rule used throughout this page ({rule}):** the p-value is {text} The other rule ({other}) is "
        "{other_text} The randomization intervals invert the {rule} test.",
        rule=RULE_WORDS[ld.ri.REPORTED_RULE],
        text=ld.ri.rule_text(ld.ri.REPORTED_RULE),
        other=RULE_WORDS[other_rule],
        other_text=ld.ri.rule_text(other_rule),
    )
)
rules_show = rules.assign(
    contrast_label=rules["contrast"].map(lambda k: CONTRASTS[k][0]),
    effect=[charts.fmt_effect(e, s) for e, s in zip(rules["estimate"], rules["scale"], strict=True)],
    rule_matters=rules["rule_matters"].map({True: "yes", False: "no"}),
)
show_table(
    rules_show,
    {
        "contrast_label": "Contrast",
        "effect": "Estimate",
        "p_equal_tails": f"p, {RULE_WORDS['equal_tails']}",
        "p_absolute": f"p, {RULE_WORDS['absolute']}",
        "rule_matters": "Rules disagree at 5%",
    },
    formats={"p_equal_tails": "{:.3f}", "p_absolute": "{:.3f}"},
    caption=f"Two-sided randomization p-values under both rules ({ld.TREATMENT_LABELS[params.treatment]})",
    name="two_sided_rules",
)
flipped = rules[rules["rule_matters"]]
verdict_words = {rule: v.headline for rule, v in verdict_by_rule.items()}
display(
    md(
        "{flips} The verdict's placebo check needs p of at least {bar:.2f}; the arrests placebo has {pl_main:.3f} "
        'under {rule} and {pl_other:.3f} under {other}. The page\'s verdict is "{v_main}" under {rule} and '
        '"{v_other}" under {other}, so {depends}.',
        bar=ld.PLACEBO_P_MIN,
        pl_main=plac.p_value,
        pl_other=plac.p_abs,
        flips=(
            md_text(
                "At the 5% level the rule changes the reading of: {items}.",
                items=join(
                    [
                        md_text(
                            "{label} (p = {a:.3f} against {b:.3f})",
                            label=CONTRASTS[row.contrast][0],
                            a=row.p_equal_tails,
                            b=row.p_absolute,
                        )
                        for row in flipped.itertuples()
                    ],
                    "; ",
                ),
            )
            if len(flipped)
            else md_text("At the 5% level both rules read every contrast the same way.")
        ),
        v_main=verdict_words[ld.ri.REPORTED_RULE],
        v_other=verdict_words[other_rule],
        rule=RULE_WORDS[ld.ri.REPORTED_RULE],
        other=RULE_WORDS[other_rule],
        depends=(
            "the page's conclusion does not depend on the rule"
            if len(set(verdict_words.values())) == 1
            else "the page's conclusion depends on the rule"
        ),
    )
)

# %% [markdown]
# ### Leaving out one treated office
#
# With five treated offices, one office can carry a contrast. Each row drops one treated office from the analysis
# (it joins neither group) and repeats the exact randomization inference over the remaining offices.

# %%
loo_show = loo.assign(
    contrast_label=loo["contrast"].map(lambda k: CONTRASTS[k][0]),
    left_out_name=loo["left_out"].map(lambda a: OFFICE_NAMES.get(a, a) if a else "none (all treated)"),
    effect=[charts.fmt_effect(e, s) for e, s in zip(loo["estimate"], loo["scale"], strict=True)],
)
show_table(
    loo_show,
    {
        "contrast_label": "Contrast",
        "left_out_name": "Treated office left out",
        "effect": "Estimate",
        "p_equal_tails": f"p, {RULE_WORDS['equal_tails']}",
        "p_absolute": f"p, {RULE_WORDS['absolute']}",
        "n_treated": "Treated",
        "n_control": "Compared",
    },
    formats={"p_equal_tails": "{:.3f}", "p_absolute": "{:.3f}"},
    caption="Leave one treated office out: arrests contrasts and the placebo",
    name="leave_one_treated_out",
)
moves = ld.most_influential(loo, "placebo")
full = {k: loo[(loo["contrast"] == k) & (loo["left_out"] == "")].iloc[0] for k in CONTRASTS}
dropped = loo[loo["left_out"] != ""]
span = {k: dropped.loc[dropped["contrast"] == k, "estimate"] for k in ("log", "jan_jul")}
display(
    md(
        "Leaving out **{office}** moves the placebo most: from {pl_full} (p = {pl_full_p:.3f}) to {pl_drop} "
        "(p = {pl_drop_p:.3f}){mostly}. Leaving out one treated office "
        "at a time, the diluted log contrast ranges from {log_low} to {log_high} and the undiluted January-July "
        "contrast from {jj_low} to {jj_high}; the smallest p-values are {log_p:.3f} and {jj_p:.3f} ({rule}).",
        office=OFFICE_NAMES.get(moves["left_out"], moves["left_out"]),
        pl_full=pct(full["placebo"]["estimate"]),
        pl_full_p=full["placebo"]["p_equal_tails"],
        pl_drop=pct(moves["estimate"]),
        pl_drop_p=moves["p_equal_tails"],
        mostly=md_text(
            ", so most of the pre-change difference comes from {office} alone",
            office=OFFICE_NAMES.get(moves["left_out"], moves["left_out"]),
        )
        if abs(moves["estimate"]) < abs(full["placebo"]["estimate"]) / 2
        else md_text(""),
        log_low=pct(span["log"].min()),
        log_high=pct(span["log"].max()),
        jj_low=charts.fmt_effect(span["jan_jul"].min(), "share"),
        jj_high=charts.fmt_effect(span["jan_jul"].max(), "share"),
        log_p=float(dropped.loc[dropped["contrast"] == "log", "p_equal_tails"].min()),
        jj_p=float(dropped.loc[dropped["contrast"] == "jan_jul", "p_equal_tails"].min()),
        rule=RULE_WORDS[ld.ri.REPORTED_RULE],
    )
)

# %% [markdown]
# ## Detained population by facility office
#
# The second outcome is where people are **held**: each office's average daily detained population between
# editions of ICE's detention statistics (one implementation, shared with the field-office scorecards). Intervals
# end at the Facilities sheet's own pull date. Two facility sets: **all** listed facilities (gaps filled), and a
# **balanced** set of facilities listed in every edition since October 2024, so that new or newly listed
# facilities cannot move an office's series. The check below compares the sum over offices with ICE's national
# population table.

# %%
check = checks["all"][
    ["period_start", "period_end", "national_table", "sum_of_offices", "relative_gap"]
].merge(
    checks["balanced"][["period_start", "sum_of_offices"]].rename(columns={"sum_of_offices": "balanced"}),
    on="period_start",
)
check["balanced_share"] = check["balanced"] / check["national_table"]
display(
    md(
        "All facilities: the office sums stay within {gap:.1%} of ICE's national table in every interval (sum of "
        "absolute gaps {sum_gap:.3f}). Balanced facilities ({n_bal} facilities): they hold {first:.0%} of the "
        "national population in the first interval and {last:.0%} in the last; the rest is in facilities opened "
        "or first listed since, which is why the balanced series is the test of whether the detention effect is "
        "about where new beds opened.",
        gap=float(checks["all"]["relative_gap"].abs().max()),
        sum_gap=float(checks["all"]["relative_gap"].abs().sum()),
        n_bal=int(
            panel.detained_population_panel(facilities, offices, facility_set="balanced")
            .diagnostics["facilities"]
            .iloc[0]
        ),
        first=float(check["balanced_share"].iloc[0]),
        last=float(check["balanced_share"].iloc[-1]),
    )
)
show_table(
    check,
    {
        "period_start": "From",
        "period_end": "To (pull date)",
        "national_table": "ICE national ADP",
        "sum_of_offices": "Sum of offices, all facilities",
        "relative_gap": "Gap",
        "balanced": "Sum of offices, balanced facilities",
        "balanced_share": "Balanced share of national",
    },
    formats={
        "national_table": "{:,.0f}",
        "sum_of_offices": "{:,.0f}",
        "balanced": "{:,.0f}",
        "relative_gap": "{:+.1%}",
        "balanced_share": "{:.0%}",
    },
    caption="Method check: sum over offices against ICE's national average daily population",
    name="detention_method_check",
)

# %%
ops = ld.operations(fod_events)
ops_events = pd.DataFrame(
    {
        "date": ops["start"],
        "label": [f"{o} starts ({a})" for o, a in zip(ops["operation"], ops["aor"], strict=True)],
    }
)
e0 = {name: es.loc[es["role"] == "event0"].iloc[0] for name, es in studies.items()}
post_mean = {name: es.loc[es["role"] == "post", "estimate"].mean() for name, es in studies.items()}
named = {"detention_all": "all facilities", "detention_balanced": "balanced facilities"}
fig = charts.event_study_figure({named[k]: v for k, v in studies.items()}, ops, pd.Timestamp("2025-10-24"))
operations_key = EventKey(ops_events)  # the chart's only events: Border Patrol operations
style.source_note(
    fig,
    f"{DETENTION_SOURCE}. Treated: {ld.TREATMENT_LABELS[params.treatment]}; compared with "
    f"{ld.COMPARISON_LABELS[params.comparison]}. Bars: 95% randomization intervals. Solid line: 24 Oct 2025.",
)
show_figure(
    fig,
    name="event_study_detained_population",
    describe="Dots with 95% randomization-interval bars, one per period between ICE editions, for all and for "
    "balanced facilities: treated minus comparison offices' detained population, in percent; a vertical line at "
    "24 October 2025; shaded spans are Border Patrol operations.",
    data=pd.concat([es.assign(facilities=named[k]) for k, es in studies.items()]),
    key=operations_key,
    events_on=fig.axes[0],
)
display(
    md(
        "Event time 0 ({start:%d %b} - {end:%d %b %Y}) straddles the change: {pre_days} of its {days} days come "
        "before 24 October. It is reported on its own, never averaged into the effect: **{e0_all}** with all "
        "facilities (p = {p_all:.3f}) and **{e0_bal}** with balanced facilities (p = {p_bal:.3f}). The mean of "
        "the later periods is {post_all} and {post_bal}. A gap already present in event time 0, before new "
        "directors could act, points to something other than them.",
        start=e0["detention_all"]["start"],
        end=e0["detention_all"]["end"],
        pre_days=int((pd.Timestamp("2025-10-24") - e0["detention_all"]["start"]).days),
        days=int((e0["detention_all"]["end"] - e0["detention_all"]["start"]).days + 1),
        e0_all=pct(e0["detention_all"]["estimate"]),
        p_all=float(e0["detention_all"]["p_value"]),
        e0_bal=pct(e0["detention_balanced"]["estimate"]),
        p_bal=float(e0["detention_balanced"]["p_value"]),
        post_all=pct(post_mean["detention_all"]),
        post_bal=pct(post_mean["detention_balanced"]),
    )
)

# %% [markdown]
# ## Selection: were the treated offices chosen for their pace?
#
# Randomization inference assumes that, absent an effect, any set of offices was as likely to be treated as the
# actual one (exchangeability). The project's own sources say the opposite: directors were replaced over
# **deportation pace**, and field-office leaders with the lowest arrest numbers were threatened with dismissal.
# That is selection on the outcome. The p-values on this page are therefore what the data would show *if* the
# change had fallen at random; they are not a guarantee against selection, and an office chosen because of a bad
# spell can rebound on its own (mean reversion).

# %%
display(md("**What the sources say about why:**\n\n{quotes}", quotes=charts.motive_markdown(motives)))
treated_mask = pace["aor"].isin(main_design.treated)
control_mask = pace["aor"].isin(main_design.control)
fig = charts.pace_figure(pace, reversion)
style.source_note(fig, f"{ARRESTS_SOURCE}. Tiers: {TIERS_SOURCE}.")
show_figure(
    fig,
    name="pace_before_and_after",
    describe="Dots, one per field office coloured by treatment tier, at its ICE arrests growth from 2024 to 2025 "
    "(across) and from 2025 to August 2025-July 2026 (up), log scales, with a least-squares line.",
    data=pace,
)
display(
    md(
        "Before the change the treated offices' arrests were multiplied by {t_pre:.2f} from 2024 to 2025 "
        "(geometric mean) against {c_pre:.2f} in the comparison offices (placebo difference {pl}, p = {pl_p:.3f}); their detained "
        "population was trending at {t_tr:+.1%} a month against {c_tr:+.1%}. Across all {n} offices, faster "
        "growth in 2024-25 went with {direction} growth afterwards (slope {slope:+.2f}, 95% interval "
        "{slope_low:+.2f} to {slope_high:+.2f}; correlation {r:+.2f}, p = {r_p:.2f}): {reversion_words}",
        t_pre=float(np.exp(pace.loc[treated_mask, "arrests_growth_pre"].mean())),
        c_pre=float(np.exp(pace.loc[control_mask, "arrests_growth_pre"].mean())),
        pl=pct(plac.estimate),
        pl_p=plac.p_value,
        t_tr=float(np.expm1(pace.loc[treated_mask, "detention_trend_pre"].mean())),
        c_tr=float(np.expm1(pace.loc[control_mask, "detention_trend_pre"].mean())),
        n=reversion.n,
        direction="faster" if reversion.slope > 0 else "slower",
        slope=reversion.slope,
        slope_low=reversion.slope_low,
        slope_high=reversion.slope_high,
        r=reversion.r,
        r_p=reversion.p_value,
        reversion_words=(
            "mean reversion: offices with a fast 2025 slowed afterwards, which alone would make treated offices "
            "with a fast 2025 look worse after the change (the lagged-outcome base in the curve adjusts for it)."
            if reversion.slope_high < 0
            else "persistence, the opposite of mean reversion."
            if reversion.slope_low > 0
            else "no clear relation, so mean reversion is not evident in arrest growth; the trend-adjusted and "
            "lagged-outcome bases in the curve show how much the answer depends on it."
        ),
    )
)
placebo_show = placebo_table.assign(
    outcome_label=placebo_table["outcome"].map(ld.OUTCOME_LABELS),
    treatment=placebo_table["treatment"].map(ld.TREATMENT_LABELS),
    comparison=placebo_table["comparison"].map(ld.COMPARISON_LABELS),
)
show_table(
    placebo_show,
    {
        "treatment": "Treated",
        "comparison": "Compared with",
        "outcome_label": "Outcome",
        "estimate": "Placebo difference",
        "ri_low": "From",
        "ri_high": "To",
        "p_value": "p (two-sided)",
    },
    formats={"estimate": pct, "ri_low": pct, "ri_high": pct, "p_value": "{:.3f}"},
    caption="Pre-period placebos: 2025 vs 2024 arrests; detention, later vs earlier half of the pre periods",
    name="placebos",
)

# %% [markdown]
# ## The specification curve
#
# Every combination of treated offices (from the named removals alone to every reported or claimed change),
# comparison offices (all others; without offices that had a Border Patrol operation; without reported or
# claimed changes), outcome, base period and estimator (Callaway-Sant'Anna, two-way fixed effects where valid,
# simple long difference). Each point is one specification; bars are 95% randomization intervals; the grid
# below says which choices it made. All estimates are in percent (log points converted), except the undiluted
# January-July arrests outcome, whose estimates are differences in percentage points of January-July 2025 arrests.

# %%
fig = charts.spec_curve_figure(curve)
style.source_note(fig, f"{ARRESTS_SOURCE}; {DETENTION_SOURCE}. Treatment: {TIERS_SOURCE}.")
show_figure(
    fig,
    name="specification_curve",
    describe=f"Top: the {summary.n_specs} specification estimates ordered from lowest to highest with 95% "
    "randomization intervals (red: p < 0.05) and the median; bottom: a grid marking each specification's choices.",
    data=curve,
)
# The median and range never mix percent with percentage points (`summarize`): say which specifications they cover.
median_scope = (
    md_text(
        " (median and range over the {k} specifications in percent; the other {rest}, on the undiluted outcome, "
        "are in percentage points and summarised by outcome below)",
        k=summary.n_median,
        rest=summary.n_specs - summary.n_median,
    )
    if summary.n_median < summary.n_specs
    else ""
)
display(
    md(
        "**Across {n} specifications ({distinct} distinct estimates): median {median}, range {low} to {high}"
        "{scope}; "
        "{sig:.0%} have a two-sided randomization p below 0.05 ({up:.0%} up, {down:.0%} down); {positive:.0%} of "
        "the estimates are positive.** With one change date and complete data, the three estimators coincide in "
        "their point estimate on the same base (they differ in their intervals), so the spread comes from the "
        "other choices.",
        n=summary.n_specs,
        distinct=summary.n_distinct,
        median=percent(summary.median, unit=summary.unit),
        low=percent(summary.low, unit=summary.unit),
        high=percent(summary.high, unit=summary.unit),
        scope=median_scope,
        sig=summary.share_significant,
        up=summary.share_significant_up,
        down=summary.share_significant_down,
        positive=summary.share_positive,
    )
)
by_outcome = (
    curve.groupby("outcome_label", sort=False)
    .agg(
        n=("pct", "size"),
        median=("pct", "median"),
        low=("pct", "min"),
        high=("pct", "max"),
        significant=("significant", "mean"),
        significant_abs=("p_abs", lambda p: float((p < 0.05).mean())),
        scale=("scale", "first"),
    )
    .reset_index()
)
unit = by_outcome["scale"].map({"log": "%", "share": " pp"})
for col in ("median", "low", "high"):
    by_outcome[col] = [percent(x, unit=u) for x, u in zip(by_outcome[col], unit, strict=True)]
show_table(
    by_outcome,
    {
        "outcome_label": "Outcome",
        "n": "Specifications",
        "median": "Median",
        "low": "Lowest",
        "high": "Highest",
        "significant": "Share p < 0.05, equal tails",
        "significant_abs": "Share p < 0.05, absolute value",
    },
    formats={"significant": "{:.0%}", "significant_abs": "{:.0%}"},
    caption="The curve by outcome (percent; the undiluted January-July outcome in percentage points)",
    name="curve_by_outcome",
)

# %% [markdown]
# ## Inference details
#
# **Which side.** Every p-value is two-sided, under the rule stated (from its definition in the code) in
# "Which two-sided rule" above, where both rules are shown side by side. Equal tails do not assume the
# randomization distribution is symmetric (with few treated offices against many it is not). The stated
# motive predicts more arrests, but a disrupted office could also arrest fewer, and no direction was fixed before
# looking, so a one-sided test would halve the p-value after the fact; both one-sided values are in the
# specification curve's data (the CSV under its chart). **Clustered errors.** The two-way fixed-effects intervals cluster by office
# (CR1) and use t(G-1) critical values with G the number of offices; the Callaway-Sant'Anna intervals use the
# analytic influence-function error with normal critical values, as the `did` and `differences` packages do. With
# few treated offices, conventional intervals can under-cover; the check below measures it on this design.

# %%
# summary.median is in percent; the effects are added in each outcome's own units (log points or shares)
effects = tuple(sorted({0.0, 0.10, 0.20, round(abs(float(np.log1p(summary.median / 100))), 3)}))
k_treated = len(main_design.treated)
checks_by_outcome = {
    name: design_check.resample_design(
        matrices[name], k_treated, effects, reps=params.n_simulations, n_draws=999, seed=params.seed
    )
    for name in ("arrests", "arrests_jan_jul", "detention_balanced")
}
sim = pd.concat([frame.assign(outcome=name) for name, frame in checks_by_outcome.items()], ignore_index=True)
size = sim[sim["effect"] == 0.0]
main_spec = sim[(sim["estimator"] == "ld") & (sim["base"] == "last_pre")].set_index(["outcome", "effect"])


def power(outcome: str, effect: float) -> float:
    return float(main_spec.loc[(outcome, effect), "rejection_rate"])


def detect_words(p: float) -> str:
    return "usually" if p >= 0.8 else "often" if p >= 0.5 else "rarely"


display(
    md(
        "Checked on the real data: {k} offices drawn at random are marked as treated and a known effect is added "
        "to their later periods, {reps} draws per effect, for ICE arrests (diluted log windows and undiluted "
        "January-July difference) and the detained population in balanced facilities. With no effect the randomization test rejects in {size_lo:.1%} to "
        "{size_hi:.1%} of draws across estimators (nominal 5%); the randomization intervals cover the true effect "
        "in {ri_lo:.0%} to {ri_hi:.0%} of draws and the conventional intervals in {cv_lo:.0%} to {cv_hi:.0%}.\n\n"
        "Power of the main long difference (last period before as base): against {small} it rejects in "
        "{a_small:.0%} of draws for arrests (diluted log windows) and {d_small:.0%} for detention; against {big}, "
        "in {a_big:.0%} and {d_big:.0%}. An effect of {big} on the diluted arrests contrast would {a_words} be "
        "detected, on detention {d_words}; an effect confined to January-July 2026 shows in the diluted contrast "
        "at about {att:.2f} times its size. "
        "Specifications that use the mean of the earlier periods, or net out each office's own 2024-25 change, "
        "are noisier: against {big} the weakest rejects in only {weakest:.0%} of draws.",
        k=k_treated,
        reps=params.n_simulations,
        size_lo=float(size["rejection_rate"].min()),
        size_hi=float(size["rejection_rate"].max()),
        ri_lo=float(sim["ri_coverage"].min()),
        ri_hi=float(sim["ri_coverage"].max()),
        cv_lo=float(sim["conventional_coverage"].min()),
        cv_hi=float(sim["conventional_coverage"].max()),
        small=pct(0.10),
        big=pct(0.20),
        a_small=power("arrests", 0.10),
        d_small=power("detention_balanced", 0.10),
        a_big=power("arrests", 0.20),
        d_big=power("detention_balanced", 0.20),
        a_words=detect_words(power("arrests", 0.20)),
        d_words=detect_words(power("detention_balanced", 0.20)),
        weakest=float(sim.loc[np.isclose(sim["effect"], 0.20), "rejection_rate"].min()),
        att=dilution.attenuation,
    )
)
jj_sim = main_spec.loc["arrests_jan_jul"]
display(
    md(
        "For the undiluted January-July arrests outcome (effects added in percentage points of January-July 2025 "
        "arrests), the main long difference's randomization interval covers the true effect in {ri_lo:.1%} to "
        "{ri_hi:.1%} of draws and its Welch interval in {cv_lo:.1%} to {cv_hi:.1%} (nominal 95%); with no effect "
        "the test rejects in {size:.1%}; against {small} it rejects in {p_small:.0%} and against {big} in "
        "{p_big:.0%}.",
        ri_lo=float(jj_sim["ri_coverage"].min()),
        ri_hi=float(jj_sim["ri_coverage"].max()),
        cv_lo=float(jj_sim["conventional_coverage"].min()),
        cv_hi=float(jj_sim["conventional_coverage"].max()),
        size=float(jj_sim.loc[0.0, "rejection_rate"]),
        small=charts.fmt_effect(0.10, "share"),
        big=charts.fmt_effect(0.20, "share"),
        p_small=power("arrests_jan_jul", 0.10),
        p_big=power("arrests_jan_jul", 0.20),
    )
)
sim_show = sim.assign(
    effect_text=[
        charts.fmt_effect(e, matrices[o].scale) for e, o in zip(sim["effect"], sim["outcome"], strict=True)
    ],
    outcome_label=sim["outcome"].map(ld.OUTCOME_LABELS),
    estimator_label=sim["estimator"].map(ld.did.ESTIMATOR_LABELS),
    base_label=sim["base"].map(ld.did.BASE_LABELS),
)
show_table(
    sim_show,
    {
        "outcome_label": "Outcome",
        "estimator_label": "Estimator",
        "base_label": "Base",
        "effect_text": "Effect added",
        "rejection_rate": "Rejects (p < 0.05)",
        "ri_coverage": "Randomization interval covers",
        "conventional_coverage": "Conventional interval covers",
    },
    formats={
        "rejection_rate": "{:.1%}",
        "ri_coverage": "{:.1%}",
        "conventional_coverage": "{:.1%}",
    },
    caption="Size, power and coverage on the real data (random treated sets, known effect added)",
    name="size_power_coverage",
)

# %% [markdown]
# ## Conclusion

# %%
det_all, det_bal = (
    ld.estimate(matrices[name], main_design, estimator="ld", base="last_pre", settings=settings).result
    for name in ("detention_all", "detention_balanced")
)
facility_driven = det_all.p_value < 0.05 <= det_bal.p_value
detention_words = md_text(
    "Detained population, same design and base: {all_est} with all facilities (p = {all_p:.3f}) and {bal_est} "
    "with the balanced facility set (p = {bal_p:.3f}){tail}",
    all_est=pct(det_all.estimate),
    all_p=det_all.p_value,
    bal_est=pct(det_bal.estimate),
    bal_p=det_bal.p_value,
    tail=md_text(
        ": the gap comes from facilities opened or first listed during the period, not from the offices' "
        "existing facilities."
    )
    if facility_driven
    else md_text("."),
)
parts = verdict_parts[ld.ri.REPORTED_RULE]
PART_LABELS = {
    "all": "every specification",
    "arrests": "the diluted log arrests outcome",
    "arrests_jan_jul": "the undiluted January-July arrests outcome",
}
part_summaries = {k: summary if k == "all" else ld.summarize(curve[curve["outcome"] == k]) for k in parts}
reason_words = {
    "few_significant": md_text(
        "at most {share:.0%} of specifications are significant in the same direction, in any of the sets below "
        "(the bar is {bar:.0%})",
        share=max(max(s.share_significant_up, s.share_significant_down) for s in part_summaries.values()),
        bar=ld.ROBUST_SHARE,
    ),
    "significant_both_ways": md_text("some specifications are significant in each direction"),
    "placebo_fails": md_text(
        "the arrests placebo already shows a pre-change difference (p = {p:.3f}; the bar is {bar:.2f})",
        p=main_placebo_p,
        bar=ld.PLACEBO_P_MIN,
    ),
    "choices_disagree": md_text("the sets of specifications below do not reach the same verdict"),
}
display(
    md(
        "**{headline}.** Across {n} specifications the median estimate is {median}, range {low} to {high}{scope}, "
        "and {sig:.0%} reach p < 0.05. {why} Verdict by set of specifications: {by_part}.\n\n"
        "On arrests, the undiluted same-season contrast (January-July 2026 minus January-July 2025, as a share of "
        "January-July 2025) gives {jj} for the {treated_words} (two-sided p = {jj_p:.3f}); the diluted log "
        "contrast (w2526 against 2025) gives {arr} (p = {arr_p:.3f}); the placebo p is {pl_p:.3f}. "
        "{detention_words}\n\nEven a consistent curve would not be proof: directors were reportedly "
        "chosen for their offices' arrest pace, so the treated offices are not a random draw, and several "
        "status-unknown offices may have changed leaders too.",
        headline=verdict.headline[:1].upper() + verdict.headline[1:],
        n=summary.n_specs,
        median=percent(summary.median, unit=summary.unit),
        low=percent(summary.low, unit=summary.unit),
        high=percent(summary.high, unit=summary.unit),
        scope=median_scope,
        sig=summary.share_significant,
        why=(
            md_text("Why: {reasons}.", reasons=join([reason_words[r] for r in verdict.reasons], "; "))
            if verdict.reasons
            else md_text("Most specifications agree in sign and significance, and the placebo is clean.")
        ),
        by_part=join(
            [
                md_text(
                    "{label} ({n} specifications, median {median}): {headline}",
                    label=PART_LABELS[k],
                    n=part_summaries[k].n_specs,
                    median=percent(part_summaries[k].median, unit=part_summaries[k].unit),
                    headline=v.headline,
                )
                for k, v in parts.items()
            ],
            "; ",
        ),
        jj=charts.fmt_effect(jj.estimate, "share"),
        jj_p=jj.p_value,
        arr=pct(res.estimate),
        treated_words=ld.TREATMENT_LABELS[params.treatment],
        arr_p=res.p_value,
        pl_p=plac.p_value,
        detention_words=detention_words,
    )
)

# %%
findings = Findings()
findings.add(
    "Director changes of October 2025: {verdict}. Across {n} specifications {sig:.0%} reach p < 0.05; the median "
    "estimate is {median} (range {low} to {high}) over the {k} measured in percent.",
    date=windows["window_end"].max(),
    verdict=verdict.headline,
    n=summary.n_specs,
    k=summary.n_median,
    median=percent(summary.median, unit=summary.unit),
    low=percent(summary.low, unit=summary.unit),
    high=percent(summary.high, unit=summary.unit),
    sig=summary.share_significant,
)
findings.publish()
