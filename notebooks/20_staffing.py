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
# ICE's headcount was flat for years and then rose steeply from September 2025. This report measures what
# that surge did to **ICE arrests** (the unit of the White House's daily goal) and, second, to **ICE book-ins** (arrests
# that led to a detention book-in). It estimates arrests per officer from the months in which headcount moved,
# tests whether an added officer adds as many arrests as the average one, turns that into the officers the goal
# would take, reconciles it with ICE's January 2026 claim of officers and agents, and scores hiring scenarios fitted on
# data through August 2025 against the arrests ICE actually made in 2026. Every number below is computed when the
# notebook runs; the models are in `research.models.capacity`, `elasticity` and `staffing`.

# %% tags=["parameters"]
scenario: str = "surge_operational_share"  # scenario to single out (staffing_scenarios.yaml) or "custom"
hires_per_month: float = 1000  # custom scenario: hires beyond normal replacement, people per month, 0 or more
training_months: int = 2  # custom scenario: whole months in training with no arrests (0 to 60)
ramp_months: int = 3  # custom scenario: months after training to reach full output, linear ramp (0 to 60)
attrition_rate: float = 0.01  # custom scenario: share of added hires leaving each month (0 to 1)
border_patrol_agents: float = 1500  # custom scenario: Border Patrol agents detailed to the interior (0+)
bp_relative_productivity: float = 0.5  # custom scenario: a detailed agent's arrests per ICE officer's (0-5)
operational_share: float = 0.42  # custom scenario: share of hires who become arresting officers (0 to 1)
goal_per_day: float = 3000  # arrest goal per day; the White House goal of 21 May 2025 is 3,000
horizon_months: int = 24  # months simulated after fit_through for the scenario chart (1 to 120)
n_sims: int = 2000  # Monte Carlo draws per scenario (100 to 100,000)
seed: int = 20250901  # random seed: the same seed gives the same numbers (integer, 0 or more)
fit_through: str = "2025-08"  # last month the scenarios are fitted on, "YYYY-MM" from 2025-06 to 2025-12
capacity_from: str = "2025-09"  # first month of the capacity window, "YYYY-MM" from 2025-06 to 2025-11
coverage_reps: int = 200  # simulated series per coverage check (200 to 5,000)

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
    capacity_from=capacity_from,
    coverage_reps=coverage_reps,
    scenarios=st.parse_scenarios(*data.load_scenario_document()),
)

# %%
arrests_raw = data.load_arrests_monthly()
book_ins_raw = data.load_book_ins(agency="ICE")
staff = data.load_staffing(component="ICE")
figures = data.load_staffing_figures()
officer_counts = data.load_officer_counts()  # OPM record-level file with occupation codes; None when absent
events = data.load_events()

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from research.models import capacity as cap
from research.models import elasticity as el

OUTCOME_LABELS = {"arrests": "ICE arrests", "book_ins": "ICE book-ins"}
outcomes = {
    "arrests": cap.monthly_outcome(arrests_raw, "arrests"),
    "book_ins": cap.monthly_outcome(book_ins_raw, "book_ins"),
}
panels = {key: cap.outcome_panel(frame, staff) for key, frame in outcomes.items()}
facts = cap.staffing_facts(figures)
shares = (
    cap.officer_shares(facts, staff)
    if officer_counts is None
    else cap.officer_shares_from_counts(officer_counts, staff)
)
last_opm = staff["month"].max()
window = (settings.capacity_from, last_opm)
weights = {key: cap.noise_weights(panel) for key, panel in panels.items()}
rates = {key: cap.window_rate(panel, *window, rho=weights[key]) for key, panel in panels.items()}
per_officer = {key: cap.per_officer_rate(rate, shares) for key, rate in rates.items()}
specs = {key: cap.elasticity_specs(panel, weights[key]) for key, panel in panels.items()}
after_window = (last_opm + pd.offsets.MonthBegin(1), pd.Timestamp("2026-06-01"))
changes = {
    key: cap.average_product_change(
        panel,
        before=window,
        after=after_window,
        headcount_floor=float(staff.loc[staff["month"] == last_opm, "employees"].iloc[0]),
        rho=weights[key],
    )
    for key, panel in panels.items()
}

# %%
from research.figures import staffing as charts
from research.figures import style
from research.figures.downloads import offer
from research.figures.events import EventKey
from research.figures.findings import Findings
from research.figures.page import show_figure, show_table
from research.figures.tables import spans
from research.figures.text import join, md, md_text, source_link, table

style.use_style()
event_key = EventKey(events)  # one numbering of the dated events for every chart of the page
findings = Findings()
SRC_ARRESTS = arrests_raw.attrs["source"]
SRC_BOOK = book_ins_raw.attrs["source"]
SRC_OPM = staff.attrs["source"]
SRC_FACTS = figures.attrs["source"]
arrests = panels["arrests"]
display(
    md(
        "ICE arrests: {src_a}; {a0:%B %Y} to {a1:%B %Y}.  \nICE book-ins: {src_b}; {b0:%B %Y} to {b1:%B %Y}.  \n"
        "Headcount: {src_o}; {o0:%B %Y} to {o1:%B %Y}.  \nOfficer figures: {src_f}.  \nData version {version}.",
        src_a=SRC_ARRESTS,
        a0=arrests["month"].min(),
        a1=arrests["month"].max(),
        src_b=SRC_BOOK,
        b0=panels["book_ins"]["month"].min(),
        b1=panels["book_ins"]["month"].max(),
        src_o=SRC_OPM,
        o0=staff["month"].min(),
        o1=last_opm,
        src_f=SRC_FACTS,
        version=arrests_raw.attrs["data_version"],
    )
)

# %% [markdown]
# ## 1. What is measured: arrests, book-ins and the workforce
#
# **Arrests** are ICE ERO arrests per day, by month (the Deportation Data Project's arrest records). **Book-ins**
# are ICE detention book-ins with ICE as the arresting agency; they miss arrests that did not lead to a detention
# book-in. Months whose last weeks are under-reported (the reporting lag of the newest arrest release) or that are
# partial are drawn as open markers and never fitted. **Headcount** is OPM's monthly count of ICE employees of all
# occupations, an administrative record that ends in December 2025. For 2026 only published officer figures exist;
# the table says which are claims (anything but an administrative record: agency statements, officials speaking to
# reporters, press and advocacy estimates).

# %%
pre = staff[staff["month"] < cap.SURGE_START]["employees"]
before_surge = staff.loc[staff["month"] == cap.SURGE_START - pd.offsets.MonthBegin(1), "employees"].iloc[0]
end_opm = staff.loc[staff["month"] == last_opm, "employees"].iloc[0]
lagged = outcomes["arrests"][outcomes["arrests"]["status"] != "complete"]
display(
    md(
        "ICE headcount stayed between {lo:,} and {hi:,} employees from {first:%B %Y} to {pre_end:%B %Y} "
        "(within ±{band:.1%} of its mean). It then rose from {aug:,} to {end:,} by {last:%B %Y} "
        "(+{gain:,}, +{pct:.0%}). Arrest months not complete and not fitted: {lagged}.",
        lo=int(pre.min()),
        hi=int(pre.max()),
        first=staff["month"].min(),
        pre_end=cap.SURGE_START - pd.offsets.MonthBegin(1),
        band=(pre.max() - pre.min()) / 2 / pre.mean(),
        aug=int(before_surge),
        end=int(end_opm),
        last=last_opm,
        gain=int(end_opm - before_surge),
        pct=end_opm / before_surge - 1,
        lagged=join(f"{m:%B %Y} ({s})" for m, s in zip(lagged["month"], lagged["status"], strict=True)),
    )
)
workforce = cap.workforce_table(figures)
display(
    md("**Workforce figures since January 2025** (data/raw/facts/staffing_figures.csv, one source per row):")
)
display(
    md(
        "{rows}",
        rows=table(
            [
                {
                    "date": row.period,
                    "label": row.label,
                    "value": int(row.value),
                    "unit": row.unit,
                    "basis": row.basis,
                    "claim": bool(row.is_claim),
                    "source": source_link(row.source_url),
                }
                for row in workforce.itertuples()
            ],
            {
                "date": "Date or period",
                "label": "Figure",
                "value": "Number",
                "unit": "Unit as published",
                "basis": "Basis",
                "claim": "Claim",
                "source": "Source",
            },
        ),
    )
)
offer(
    workforce,
    "workforce_figures",
    columns={
        "period": "Date or period",
        "label": "Figure",
        "value": "Number",
        "unit": "Unit as published",
        "basis": "Basis",
        "is_claim": "Claim",
        "source_url": "Source",
    },
    label="Download this table (CSV)",
)
fig = charts.workforce_figure(
    staff,
    cap.chart_claims(figures),
    {key: frame[frame["month"] >= staff["month"].min()] for key, frame in outcomes.items()},
    OUTCOME_LABELS,
    source=f"{SRC_OPM}; {SRC_ARRESTS}; {SRC_BOOK}; officer figures: {SRC_FACTS}.",
)
show_figure(
    fig,
    name="workforce_and_arrests",
    describe="Top: a line of OPM headcount of ICE employees by month to December 2025 and markers for published "
    "officer figures (hollow: claims). Bottom: lines of ICE arrests and ICE book-ins per day by complete month; "
    "incomplete months are open markers, not joined.",
    data=pd.concat([frame.assign(outcome=OUTCOME_LABELS[k]) for k, frame in outcomes.items()]).merge(
        staff[["month", "employees"]], on="month", how="left"
    ),
    key=event_key,
    events_on=fig.axes[1],
)

# %% [markdown]
# ## 2. Capacity: arrests per officer per day, from the months in which headcount moved
#
# The capacity window runs from the first month of the surge to the last OPM month. Its mean of arrests per OPM
# employee per day has a 95% interval that accounts for autocorrelation: the months' errors follow an AR(1) process
# whose coefficient is not plugged in but integrated over its restricted likelihood, estimated on all months since
# January 2024 around the means of each policy regime (the coverage of this interval on the fitted design is printed
# below). Arrests per **officer** divide by the share of ICE's headcount that are officers, measured where a
# published officer count and OPM headcount exist for the same month; the spread of those shares gives a
# **sensitivity range**, not a sampling interval.

# %%
capacity = pd.DataFrame(
    [
        {
            "outcome": OUTCOME_LABELS[key],
            "first": rates[key].first_month,
            "last": rates[key].last_month,
            "n_months": rates[key].months,
            "per_employee": rates[key].estimate,
            "pe_low": rates[key].low,
            "pe_high": rates[key].high,
            "share": per_officer[key].share,
            "per_officer": per_officer[key].estimate,
            "low": per_officer[key].low,
            "high": per_officer[key].high,
            "range_low": per_officer[key].range_low,
            "range_high": per_officer[key].range_high,
            "combined_low": per_officer[key].combined_low,
            "combined_high": per_officer[key].combined_high,
        }
        for key in outcomes
    ]
)
show_table(
    capacity.assign(
        months=spans(capacity["first"], capacity["last"], "{:%b %Y}"),
        per_employee_ci=spans(capacity["pe_low"], capacity["pe_high"], "{:.4f}"),
        per_officer_range=spans(capacity["range_low"], capacity["range_high"], "{:.3f}"),
        per_officer_combined=spans(capacity["combined_low"], capacity["combined_high"], "{:.3f}"),
        per_officer_ci=spans(capacity["low"], capacity["high"], "{:.3f}"),
    ),
    {
        "outcome": "Outcome",
        "months": "Window",
        "n_months": "Months",
        "per_employee": "Per employee per day",
        "per_employee_ci": "95% interval, per employee",
        "per_officer_range": "Per officer per day, range over officer shares",
        "per_officer_combined": "95% interval, per officer (sampling and share combined)",
        "share": "Nearest officer share",
        "per_officer": "Per officer at that share",
        "per_officer_ci": "95% sampling interval at that share",
    },
    formats={"per_employee": "{:.4f}", "share": "{:.1%}", "per_officer": "{:.3f}"},
    name="arrests_per_employee_and_officer",
)
display(
    md("**Officer share of headcount**: published officer counts divided by OPM headcount of the same month.")
)
display(
    md(
        "{rows}",
        rows=table(
            [
                {
                    "date": row.period_start,
                    "officers": int(row.officers),
                    "employees": int(row.employees),
                    "share": f"{row.share:.1%}",
                    "basis": row.basis,
                    "source": source_link(row.source_url),
                }
                for row in shares.itertuples()
            ],
            {
                "date": "Officer figure dated",
                "officers": "Officers (published)",
                "employees": "OPM employees that month",
                "share": "Officer share",
                "basis": "Basis",
                "source": "Source",
            },
        ),
    )
)
offer(shares, "officer_shares", label="Download this table (CSV)")
design = cap.fitted_noise_design(arrests)
coverage_fitted = cap.window_coverage(design, window, reps=settings.coverage_reps, seed=settings.seed)
stress_rho = 0.6
coverage_stress = cap.window_coverage(
    cap.fitted_noise_design(arrests, rho=stress_rho), window, reps=settings.coverage_reps, seed=settings.seed
)
a = per_officer["arrests"]
mixture_low, mixture_high = a.share_mixture_interval(seed=settings.seed)
display(
    md(
        "**ICE made {r_lo:.3f} to {r_hi:.3f} arrests per officer per day** from {first:%B} to {last:%B %Y}, "
        "depending on which published officer share is right ({s_lo:.1%} to {s_hi:.1%} of OPM headcount, from "
        "{n_shares} officer figures: {bases}): a sensitivity range. **Combined with the sampling "
        "uncertainty of the rate, the 95% interval is {c_lo:.3f} to {c_hi:.3f}.** It is the union of the 95% "
        "sampling intervals at every share in that range: the share is treated as unknown within the range rather "
        "than as a random draw, because nothing says which source to weight more; whatever the true share in the "
        "range, the union contains the sampling interval at that share, so it covers at least as often as the "
        "per-employee interval (coverage below). Drawing the share uniformly over the range instead would give "
        "{m_lo:.3f} to {m_hi:.3f}, narrower because it assumes every share in the range equally likely. One part of "
        "the combined interval is the sampling interval alone: at the share measured nearest the window, {share:.1%} "
        "({share_month:%B %Y}), the rate is {rate:.3f} (95% interval {low:.3f} to {high:.3f}){edge}. Per employee of "
        "all occupations the "
        "rate is {pe:.4f} a day ({pe_lo:.4f} to {pe_hi:.4f}). Coverage of the per-employee 95% interval measured on "
        "{reps:,} series simulated from the fitted design (autocorrelation {rho:.2f}): **{cov:.1%}**; with "
        "autocorrelation {stress:.1f}: {cov_s:.1%}.",
        rate=a.estimate,
        first=rates["arrests"].first_month,
        last=rates["arrests"].last_month,
        low=a.low,
        high=a.high,
        share=a.share,
        share_month=a.share_month,
        edge=(
            "; that share is the highest of the estimates, so this is the lowest rate of the range"
            if a.share == a.share_high > a.share_low
            else "; that share is the lowest of the estimates, so this is the highest rate of the range"
            if a.share == a.share_low < a.share_high
            else ""
        ),
        s_lo=a.share_low,
        s_hi=a.share_high,
        n_shares=len(shares),
        bases=join(sorted(shares["basis"].unique()), last=" and "),
        r_lo=a.range_low,
        r_hi=a.range_high,
        c_lo=a.combined_low,
        c_hi=a.combined_high,
        m_lo=mixture_low,
        m_hi=mixture_high,
        pe=rates["arrests"].estimate,
        pe_lo=rates["arrests"].low,
        pe_hi=rates["arrests"].high,
        reps=settings.coverage_reps,
        rho=design.rho,
        cov=coverage_fitted,
        stress=stress_rho,
        cov_s=coverage_stress,
    )
)
fig = charts.productivity_figure(
    panels,
    {k: (r.first_month, r.last_month, r.estimate, r.low, r.high) for k, r in rates.items()},
    OUTCOME_LABELS,
    source=f"{SRC_ARRESTS}; {SRC_BOOK}; {SRC_OPM}.",
)
show_figure(
    fig,
    name="per_employee",
    describe="Lines of ICE arrests and ICE book-ins per OPM employee per day by complete month, with the capacity "
    "window's mean and 95% interval as a band; incomplete months are open markers.",
    data=pd.concat([panel.assign(outcome=OUTCOME_LABELS[k]) for k, panel in panels.items()]),
    key=event_key,
    events_on=fig.axes[0],
)

# %% [markdown]
# ## 3. Does an added officer add as many arrests as the average one?
#
# Two tests. **(a) Concave fit.** log(arrests per day) on log(headcount): the slope (elasticity) is the marginal
# officer's arrests divided by the average officer's, so a slope below 1 means the marginal officer adds less. It is
# fitted on all months with trend and policy steps, and on the months since the goal (June-December 2025) with new
# hires counted at once or only after a training lag of one to three months (hiring cohorts). Headcount jumped at
# the same time as a new policy regime began; the **break-robust** interval allows one more policy step at any month
# and the elasticity is called *not identified* when that interval is wider than the gap between no response (0)
# and a proportional one (1). **(b) Average product.** If arrests per employee fell from the capacity window to the
# first half of 2026 while the workforce grew, the added staff added less than the average. OPM stops in December
# 2025, so 2026 rates divide by December's headcount: an upper bound if headcount did not fall, which rests on ICE's
# statements that hiring continued (claims).

# %%
for outcome in outcomes:
    elasticity = el.elasticity_table(specs[outcome])
    show_table(
        elasticity.assign(
            ci=spans(elasticity["ci_low"], elasticity["ci_high"], "{:.2f}"),
            robust=spans(elasticity["robust_low"], elasticity["robust_high"], "{:.2f}"),
            sample=spans(elasticity["first_month"], elasticity["last_month"], "{:%b %Y}"),
        ),
        {
            "specification": "Specification",
            "sample": "Months",
            "months": "n",
            "elasticity": "Elasticity",
            "ci": "95% interval (given the breaks)",
            "robust": "95% break-robust interval",
            "identified": "Identified",
            "p_below_one": "p, marginal below average",
        },
        formats={"elasticity": "{:.2f}", "p_below_one": "{:.2f}"},
        caption=f"{OUTCOME_LABELS[outcome]}: elasticity to headcount",
        name="elasticity",
    )
fig = charts.elasticity_figure(
    el.elasticity_table(specs["arrests"]),
    source=f"{SRC_ARRESTS}; {SRC_OPM}. Black: not identified; blue: identified.",
)
show_figure(
    fig,
    name="elasticity_of_arrests",
    describe="One row per specification: a dot at the elasticity of ICE arrests to headcount, a thick line for "
    "its 95% interval given the breaks and a thin one for the break-robust interval; lines at 0 and 1.",
    data=el.elasticity_table(specs["arrests"]),
)
change_rows = pd.DataFrame(
    [
        {
            "outcome": OUTCOME_LABELS[key],
            "before": c.before.estimate,
            "after": c.after.estimate,
            "change": c.change,
            "low": c.low,
            "high": c.high,
            "p": c.p_fell,
        }
        for key, c in changes.items()
    ]
)
show_table(
    change_rows.assign(ci=spans(change_rows["low"], change_rows["high"], "{:+.4f}")),
    {
        "outcome": "Outcome",
        "before": f"Per employee per day, {window[0]:%b}-{window[1]:%b %Y}",
        "after": f"Jan-{after_window[1]:%b %Y} (upper bound)",
        "change": "Change",
        "ci": "95% interval",
        "p": "p (fell)",
    },
    formats={"before": "{:.4f}", "after": "{:.4f}", "change": "{:+.4f}", "p": "{:.3f}"},
    name="average_product_change",
)
verdict = cap.marginal_verdict(specs["arrests"], changes["arrests"])
identified_any = any(f.identified for f in specs["arrests"])
c = changes["arrests"]
VERDICTS = {
    "less": "The data show the marginal officer adding fewer arrests than the average one.",
    "not less": "The data show the marginal officer adding at least as many arrests as the average one.",
    "unclear": "There is no credible evidence either way on whether the marginal officer adds fewer arrests "
    "than the average one.",
}
display(
    md(
        "**Verdict on ICE arrests.** {verdict} {n_id} of {n} elasticity specifications are identified. Arrests per "
        "employee went from {before:.4f} to at most {after:.4f} a day (change {change:+.4f}, 95% interval {low:+.4f} "
        "to {high:+.4f}, one-sided p = {p:.3f}).",
        verdict=VERDICTS[verdict],
        n_id=sum(f.identified for f in specs["arrests"]),
        n=len(specs["arrests"]),
        before=c.before.estimate,
        after=c.after.estimate,
        change=c.change,
        low=c.low,
        high=c.high,
        p=c.p_fell,
    )
)

# %% [markdown]
# **Does the elasticity estimator tell the truth on this design?** Simulated series that keep the real headcount
# path, the fitted coefficients and the fitted autocorrelation, once as fitted and once in a world where half the
# fitted elasticity is a policy step that coincided with the September 2025 headcount jump (the estimator is not
# told about that step).

# %%
main = specs["arrests"][0]
sigma = float(np.sqrt(np.sum(main.fit.resid**2) / main.fit.df))
kwargs = {"breaks": cap.REGIME_BREAKS[:2], "trend": True}
runs = {
    "as fitted": (main.sample["fitted"].to_numpy(), main.elasticity),
    "policy step at the jump": (
        el.stress_design(main, main.elasticity / 2, cap.SURGE_START),
        main.elasticity / 2,
    ),
}
coverage_rows = []
for name, (log_mean, truth) in runs.items():
    result = el.simulate_coverage(
        main.sample["month"],
        main.sample["employees"].to_numpy(),
        log_mean,
        truth,
        rho=main.rho.mode,
        sigma=sigma,
        reps=settings.coverage_reps,
        seed=settings.seed,
        **kwargs,
    )
    coverage_rows.append({"world": name, "truth": truth, **result.__dict__})
show_table(
    pd.DataFrame(coverage_rows),
    {
        "world": "Simulated world",
        "truth": "Elasticity simulated",
        "reps": "Series",
        "fixed": "Coverage, interval given the breaks",
        "robust": "Coverage, break-robust interval",
        "not_identified": "Flagged not identified",
        "median_width": "Median width, break-robust",
    },
    formats={
        "truth": "{:.2f}",
        "fixed": "{:.1%}",
        "robust": "{:.1%}",
        "not_identified": "{:.1%}",
        "median_width": "{:.2f}",
    },
    caption="Nominal 95% intervals; coverage measured by simulation",
    name="elasticity_coverage",
)

# %% [markdown]
# ## 4. Officers needed for the goal, and ICE's January 2026 claim
#
# Shown across the defensible assumptions: every officer at the capacity window's average; every officer at the
# (lower) average of early 2026; or on the concave curve fitted since the goal. An interval without an upper bound
# means the data allow an elasticity of zero or below, at which no number of officers reaches the goal.

# %%
goal = settings.goal_per_day
needs = [
    cap.need_at_average(
        goal,
        per_officer["arrests"],
        f"Average of {window[0]:%b}-{window[1]:%b %Y}",
        note="95% interval from the arrests-per-employee interval; sensitivity range over officer shares",
    ),
    cap.need_at_average(
        goal,
        cap.per_officer_rate(changes["arrests"].after, shares),
        f"Average of Jan-{after_window[1]:%b %Y} (headcount held at {last_opm:%b %Y})",
        note="a lower bound on the need if headcount did not fall after December 2025",
    ),
]
concave = specs["arrests"][2]
dec = arrests[arrests["month"] == last_opm].iloc[0]
needs.append(
    cap.need_on_curve(
        goal,
        per_day=float(dec["per_day"]),
        officers=float(dec["employees"]) * per_officer["arrests"].share,
        elasticity=concave.elasticity,
        low=concave.robust_low,
        high=concave.robust_high,
        method="Concave fit since the goal (break-robust interval)",
    )
)
need_frame = cap.need_table(needs)
show_table(
    need_frame,
    {
        "method": "Assumption",
        "range_low": "Officers needed, range over officer shares, from",
        "range_high": "Range to",
        "combined_low": "95% interval, sampling and share combined, from",
        "combined_high": "Combined interval to",
        "officers": "At the nearest officer share (or on the curve)",
        "low": "95% sampling interval from",
        "high": "95% sampling interval to",
        "note": "Note",
    },
    formats={
        c: (lambda v: "no upper bound" if not np.isfinite(v) else f"{v:,.0f}")
        for c in ("officers", "low", "high", "range_low", "range_high", "combined_low", "combined_high")
    },
    name="officers_needed",
)
need_main = needs[0]
display(
    md(
        "**At the {w0:%B}-{w1:%B %Y} average, {goal:,.0f} ICE arrests a day would take {r_lo:,.0f} to {r_hi:,.0f} "
        "officers**, depending on the officer share ({s_lo:.1%} to {s_hi:.1%}; a sensitivity range). With the "
        "sampling uncertainty of the rate added, the 95% interval is **{c_lo:,.0f} to {c_hi:,.0f} officers**. At the "
        "share measured nearest the window alone ({share:.1%}) it is {need:,.0f} (95% sampling interval {lo:,.0f} "
        "to {hi:,.0f}){edge}.",
        w0=window[0],
        w1=window[1],
        goal=goal,
        r_lo=need_main.range_low,
        r_hi=need_main.range_high,
        s_lo=per_officer["arrests"].share_low,
        s_hi=per_officer["arrests"].share_high,
        c_lo=need_main.combined_low,
        c_hi=need_main.combined_high,
        share=per_officer["arrests"].share,
        need=need_main.officers,
        lo=need_main.low,
        hi=need_main.high,
        edge=(
            ", the top of the range"
            if np.isclose(need_main.officers, need_main.range_high)
            and need_main.range_low < need_main.range_high
            else ", the bottom of the range"
            if np.isclose(need_main.officers, need_main.range_low)
            and need_main.range_low < need_main.range_high
            else ""
        ),
    )
)
claim = cap.fact(facts, "ice_officers_and_agents_total", "2026-01-03")
claim_start = cap.fact(facts, "ice_officers_and_agents_total", "2025-01-01")
ap_officers = cap.fact(facts, "ice_deportation_officers", "2025-08-24")
new_operational = cap.fact(facts, "ice_new_officers_operational")
claim_month = claim["period_start"].to_period("M").to_timestamp()
observed_claim_month = arrests.loc[arrests["month"] == claim_month].iloc[0]
check = cap.check_claim(
    claimed=claim["value"],
    observed_per_day=observed_claim_month["per_day"],
    rate=per_officer["arrests"],
    goal=goal,
    operational_officers=ap_officers["value"] + new_operational["value"],
)
_, implied_lo, implied_hi = check.implied_per_day  # sampling interval at the nearest share
opm_jan = staff.loc[staff["month"] == claim_start["period_start"], "employees"].iloc[0]
implied_range = check.implied_per_day_range
at_rate_range = check.officers_at_rate_range
of_rate_low = check.share_of_rate_range[0]  # against the highest rate of the range
display(
    md(
        "**Reconciling ICE's claim of {claimed:,.0f}.** ICE said on {claim_day} {claim_date:%B %Y} that it had "
        "{claimed:,.0f} officers and agents, "
        "up from about {start:,.0f} ({claim_src}; a claim). In {month:%B %Y} ICE made {obs:,.0f} arrests a day, "
        "{per_claim:.3f} per claimed officer: that is {of_rate:.0%} of the {rate:.3f} arrests per officer measured "
        "for {w0:%B}-{w1:%B %Y} at the {share:.1%} officer share, and {of_rate_low:.0%} of the {r_hi:.3f} at the "
        "{s_lo:.1%} share. At those rates {claimed:,.0f} arresting officers would have made {imp_lo:,.0f} to "
        "{imp_hi:,.0f} arrests a day ({imp_goal_lo:.0%} to {imp_goal_hi:.0%} of the goal; 95% sampling interval at "
        "the {share:.1%} share {implied_lo:,.0f} to {implied_hi:,.0f}), and the goal takes {need_lo:,.0f} to "
        "{need_hi:,.0f} officers (95% interval, sampling and share combined, {need_c_lo:,.0f} to {need_c_hi:,.0f}). "
        "The {obs:,.0f} arrests ICE made correspond to {at_lo:,.0f} to {at_hi:,.0f} officers working at the "
        "estimated rates, {at_share_lo:.0%} to {at_share_hi:.0%} of the claim.\n\n"
        "Three things close the gap; the data cannot say how much each contributes. (1) The {claimed:,.0f} are not all "
        "arresting officers: OPM counted {opm_dec:,.0f} ICE employees of all occupations in {opm_month:%B %Y}, so the "
        "claim would be {claim_share:.0%} of all staff against officer shares of {s_lo:.0%} to {s_hi:.0%} measured "
        "before; OPM's headcount grew by {opm_gain:,.0f} from {jan:%B %Y} to {opm_month:%B %Y} while ICE claimed "
        "{claim_gain:,.0f} more officers and agents; and officials told reporters that about {new_op:,.0f} new "
        "deportation officers were operational by late January ({new_src}), which with the {ap:,.0f} deportation "
        "officers of August 2025 ({ap_src}) makes {operational:,.0f}, who at the estimated rates would make "
        "{op_lo:,.0f} to {op_hi:,.0f} arrests a day. (2) New officers may add fewer arrests than the average one (section 3). "
        "(3) Policy and operations changed in early 2026 as well (see the events in the charts).",
        claim_day=claim["period_start"].day,
        claim_date=claim["period_start"],
        claimed=check.claimed,
        start=claim_start["value"],
        claim_src=source_link(claim["source_url"]),
        month=claim_month,
        obs=check.observed_per_day,
        per_claim=check.per_claimed_officer,
        of_rate=check.share_of_rate,
        of_rate_low=of_rate_low,
        rate=check.rate.estimate,
        share=check.rate.share,
        r_hi=check.rate.range_high,
        w0=window[0],
        w1=window[1],
        imp_lo=implied_range[0],
        imp_hi=implied_range[1],
        imp_goal_lo=implied_range[0] / goal,
        imp_goal_hi=implied_range[1] / goal,
        implied_lo=implied_lo,
        implied_hi=implied_hi,
        need_lo=need_main.range_low,
        need_hi=need_main.range_high,
        need_c_lo=need_main.combined_low,
        need_c_hi=need_main.combined_high,
        at_lo=at_rate_range[0],
        at_hi=at_rate_range[1],
        at_share_lo=at_rate_range[0] / check.claimed,
        at_share_hi=at_rate_range[1] / check.claimed,
        opm_dec=end_opm,
        opm_month=last_opm,
        claim_share=check.claimed / end_opm,
        s_lo=per_officer["arrests"].share_low,
        s_hi=per_officer["arrests"].share_high,
        opm_gain=end_opm - opm_jan,
        jan=claim_start["period_start"],
        claim_gain=check.claimed - claim_start["value"],
        new_op=new_operational["value"],
        new_src=source_link(new_operational["source_url"]),
        ap=ap_officers["value"],
        ap_src=source_link(ap_officers["source_url"]),
        operational=check.operational_officers,
        op_lo=check.operational_per_day_range[0],
        op_hi=check.operational_per_day_range[1],
    )
)
fig = charts.needs_figure(
    need_frame,
    [
        (
            f"{claim['value']:,.0f} officers and agents claimed ({claim['period_start']:%b %Y})",
            claim["value"],
        ),
        (
            f"{check.operational_officers:,.0f} operational deportation officers (reported)",
            check.operational_officers,
        ),
        (f"{end_opm:,.0f} OPM employees, all occupations ({last_opm:%b %Y})", end_opm),
    ],
    goal=goal,
    source=f"{SRC_ARRESTS}; {SRC_OPM}; officer figures: {SRC_FACTS}.",
)
show_figure(
    fig,
    name="officers_needed",
    describe=f"One row per assumption: the officers needed for {goal:,.0f} ICE arrests a day at the nearest "
    "officer share (dot) with its 95% sampling interval (blue), the range over officer shares (orange) and the "
    "95% interval combining sampling and share uncertainty (black); dotted lines at the published and OPM counts.",
    data=need_frame,
)

# %% [markdown]
# ## 5. Hiring scenarios, with Border Patrol in its own column
#
# The scenarios are in `notebooks/staffing_scenarios.yaml` (add one there without touching code). Each starts from
# the workforce of the fit month, adds hires who train, ramp up and leave at the attrition rate, and converts
# arresting officers into arrests at the rate estimated on the months up to the fit month. **Border Patrol agents
# detailed to the interior make Border Patrol (CBP) arrests, which are neither ICE arrests nor ICE book-ins**: they
# are a separate column, never part of an ICE prediction; the total column shows both, labelled. Bands are
# **sensitivity ranges** (the 5th to 95th percentile of simulations over the assumed input ranges, the officer share
# and the sampling uncertainty of arrests per employee), not forecast intervals.

# %%
baseline = st.build_baseline(arrests, facts, staff, fit_through=settings.fit_through)
sims = st.simulate_scenarios(
    settings.scenarios,
    baseline,
    horizon_months=settings.horizon_months,
    start=settings.start,
    n_sims=settings.n_sims,
    seed=settings.seed,
)
summary = st.summarise_simulation(sims)
scenario_frame = st.scenario_table(sims, settings.scenarios, goal)
titles = {s.name: s.title for s in settings.scenarios}


def title_of(name: str) -> str:
    """How the page names a scenario or model (the scenario's label; the naive model as it is)."""
    return titles.get(name, name)


show_table(
    pd.DataFrame(
        [
            {"scenario": s.title, "hindsight": s.hindsight, "description": s.description}
            for s in settings.scenarios
        ]
    ),
    {"scenario": "Scenario", "hindsight": "Uses data after the fit month", "description": "Description"},
    name="scenarios",
)
show_table(
    scenario_frame.assign(scenario=scenario_frame["scenario"].map(title_of)),
    {
        "scenario": "Scenario",
        "total_added_hires": "Added hires",
        "operational_share": "Operational share",
        "border_patrol_agents": "Border Patrol agents",
        "ice_median": "ICE arrests a day (median)",
        "ice_lower": "Sensitivity range from",
        "ice_upper": "Sensitivity range to",
        "bp_median": "Border Patrol arrests a day (not ICE)",
        "total_median": "ICE + Border Patrol a day",
        "ice_share_of_goal": "ICE share of goal",
        "ice_goal_month": "ICE reaches goal",
        "total_goal_month": "ICE + Border Patrol reach goal",
    },
    formats={
        "total_added_hires": "{:,.0f}",
        "operational_share": "{:.0%}",
        "border_patrol_agents": "{:,.0f}",
        "ice_median": "{:,.0f}",
        "ice_lower": "{:,.0f}",
        "ice_upper": "{:,.0f}",
        "bp_median": "{:,.0f}",
        "total_median": "{:,.0f}",
        "ice_share_of_goal": "{:.0%}",
    },
    dates={"ice_goal_month": "%b %Y", "total_goal_month": "%b %Y"},
    caption=f"Simulated from {settings.start:%B %Y}; values for {scenario_frame['final_month'].iloc[0]:%B %Y}",
    name="scenario_results",
)
colours = charts.scenario_colours([s.title for s in settings.scenarios], st.NAIVE)
fig = charts.scenario_figure(
    summary.assign(scenario=summary["scenario"].map(title_of)),
    outcomes["arrests"][outcomes["arrests"]["month"] >= "2025-01-01"],
    goal=goal,
    colours=colours,
    observed_label="observed ICE arrests",
    source=(
        f"Simulation ({settings.n_sims:,} draws per scenario, seed {settings.seed}) fitted on data through "
        f"{settings.fit_through:%B %Y}: {SRC_ARRESTS}; {SRC_OPM}; scenario inputs in staffing_scenarios.yaml."
    ),
)
show_figure(
    fig,
    name="scenarios",
    describe="Left: ICE arrests per day by hiring scenario (median line and sensitivity band; dashed: ICE plus "
    "Border Patrol) with observed ICE arrests and the goal. Right: Border Patrol arrests per day by scenario.",
    data=summary.assign(scenario=summary["scenario"].map(title_of)),
    key=event_key,
    events_on=fig.axes[0],
)
chosen = scenario_frame.iloc[0]
display(
    md(
        "In the selected scenario **{name}**, ICE makes {ice:,.0f} arrests a day in {month:%B %Y} (sensitivity range "
        "{lo:,.0f} to {hi:,.0f}), {share:.0%} of the goal; its Border Patrol agents add {bp:,.0f} Border Patrol "
        "arrests a day, which do not count as ICE arrests. {reach}",
        name=title_of(chosen["scenario"]),
        ice=chosen["ice_median"],
        month=chosen["final_month"],
        lo=chosen["ice_lower"],
        hi=chosen["ice_upper"],
        share=chosen["ice_share_of_goal"],
        bp=chosen["bp_median"],
        reach=md_text("ICE alone reaches the goal in {m:%B %Y}.", m=chosen["ice_goal_month"])
        if pd.notna(chosen["ice_goal_month"])
        else "ICE alone does not reach the goal within the horizon.",
    )
)

# %% [markdown]
# ## 6. Out of sample: which scenario tracked 2026?
#
# Everything in the scenarios is fitted on data through the fit month (arrests per employee since the last policy
# break, the autocorrelation, the officer shares published by then). The predictions of **ICE arrests per day** for
# January to July 2026 (Border Patrol excluded) are scored against what ICE did: the mean absolute error over the
# complete months, next to a naive forecast that carries the fit month's arrests per day forward. **July 2026 is
# not scored**: the newest arrest release under-reports its last weeks, so its count is a floor; the tables say
# whether each prediction lies above that floor, and give the error had July counted as reported.

# %%
out_of_sample = {
    key: st.run_out_of_sample(
        panels[key],
        facts,
        staff,
        settings.scenarios,
        fit_through=settings.fit_through,
        n_sims=settings.n_sims,
        seed=settings.seed,
    )
    for key in outcomes
}
oos = out_of_sample["arrests"]
hindsight = {s.name: s.hindsight for s in settings.scenarios}
oos_summary = oos.summary.assign(
    hindsight=oos.summary["model"].map(hindsight).astype("boolean"), model=oos.summary["model"].map(title_of)
)
show_table(
    oos_summary,
    {
        "model": "Model",
        "hindsight": "Uses data after the fit month",
        "months": "Months scored",
        "mae": "Mean absolute error (arrests a day)",
        "mae_vs_naive": "Relative to naive",
        "mean_error": "Mean error (+ = too high)",
        "inside_range": "Months inside the sensitivity range",
        "above_lagged_floor": "Above July's floor",
        "mae_with_lagged": "MAE with July as reported",
    },
    formats={
        "mae": "{:,.0f}",
        "mae_vs_naive": "{:.2f}",
        "mean_error": "{:+,.0f}",
        "inside_range": "{:.0%}",
        "mae_with_lagged": "{:,.0f}",
    },
    caption=(
        f"ICE arrests per day, fitted through {oos.fit_through:%B %Y}, scored "
        f"{oos.summary['first_month'].min():%B %Y} to {oos.summary['last_month'].max():%B %Y}"
    ),
    name="out_of_sample_scores",
)
show_table(
    oos.table.assign(model=oos.table["model"].map(title_of)),
    {
        "model": "Model",
        "month": "Month",
        "status": "Month status",
        "observed": "Observed a day",
        "predicted": "Predicted a day",
        "lower": "Sensitivity range from",
        "upper": "Sensitivity range to",
        "error": "Error",
        "scored": "Scored",
    },
    formats={
        "observed": "{:,.0f}",
        "predicted": "{:,.0f}",
        "lower": "{:,.0f}",
        "upper": "{:,.0f}",
        "error": "{:+,.0f}",
    },
    dates={"month": "%b %Y"},
    name="out_of_sample_by_month",
)
ranked = oos.summary.sort_values("mae")
scenarios_only = ranked[ranked["model"] != st.NAIVE]
best = scenarios_only.iloc[0]
pure = scenarios_only[~scenarios_only["model"].map(hindsight).astype(bool)]
naive_mae = float(oos.summary.set_index("model").loc[st.NAIVE, "mae"])
display(
    md(
        "**{best}** tracked {first:%B}-{last:%B %Y} best among the scenarios, missing ICE's arrests by {mae:,.0f} a "
        "day on average ({ratio:.2f} times the naive forecast's {naive:,.0f}); it {beat} the naive forecast.{pure} "
        "How far each missed (mean absolute error, then mean error): {misses}.",
        best=title_of(best["model"]),
        first=best["first_month"],
        last=best["last_month"],
        mae=best["mae"],
        ratio=best["mae_vs_naive"],
        naive=naive_mae,
        beat="beat" if best["mae"] < naive_mae else "did not beat",
        pure=md_text(
            " The best pure forecast (no input published after {fit:%B %Y}) was {name}, {mae:,.0f} a day.",
            fit=oos.fit_through,
            name=title_of(pure.iloc[0]["model"]),
            mae=pure.iloc[0]["mae"],
        )
        if not pure.empty and bool(hindsight.get(best["model"], False))
        else "",
        misses=join(
            (
                md_text(
                    "{m} {mae:,.0f} a day ({e:+,.0f})", m=title_of(row.model), mae=row.mae, e=row.mean_error
                )
                for row in ranked.itertuples()
            ),
            sep="; ",
        ),
    )
)
fig = charts.out_of_sample_figure(
    oos.table.assign(model=oos.table["model"].map(title_of)),
    outcomes["arrests"][outcomes["arrests"]["month"] >= "2025-06-01"],
    colours=colours,
    fit_through=oos.fit_through,
    ylabel="ICE arrests per day",
    source=f"Observed: {SRC_ARRESTS}. Predictions: research.models.staffing fitted through {oos.fit_through:%Y-%m}.",
)
show_figure(
    fig,
    name="out_of_sample",
    describe=f"Lines of each scenario's predicted ICE arrests per day for the months after "
    f"{oos.fit_through:%B %Y} against observed ICE arrests (black; incomplete months open markers), with a "
    "dashed line at the end of the fitted data.",
    data=oos.table.assign(model=oos.table["model"].map(title_of)),
)

# %% [markdown]
# The same check on the second outcome, **ICE book-ins** per day (their newest complete month is earlier than the
# arrests'):

# %%
oos_book = out_of_sample["book_ins"]  # computed with the arrests' check above
show_table(
    oos_book.summary.assign(model=oos_book.summary["model"].map(title_of)),
    {
        "model": "Model",
        "months": "Months scored",
        "first_month": "From",
        "last_month": "To",
        "mae": "Mean absolute error (book-ins a day)",
        "mae_vs_naive": "Relative to naive",
        "mean_error": "Mean error (+ = too high)",
    },
    formats={"mae": "{:,.0f}", "mae_vs_naive": "{:.2f}", "mean_error": "{:+,.0f}"},
    dates={"first_month": "%b %Y", "last_month": "%b %Y"},
    caption=f"ICE book-ins per day, fitted through {oos_book.fit_through:%B %Y}",
    name="out_of_sample_book_ins",
)

# %% [markdown]
# ## Limitations
#
# - Arrests per officer rest on few months: OPM headcount moved only from September to December 2025, and officer
#   counts are occasional published figures, most of them claims. The officer share is a sensitivity range.
# - Policy, tactics (large city operations, Border Patrol details) and staffing changed together; none of the models
#   separates the effect of hiring from the effect of policy, which is why the elasticity is reported as not
#   identified when a policy step at the headcount jump would explain the data as well.
# - After December 2025 there is no administrative headcount; the 2026 average-product test assumes headcount did
#   not fall, which rests on ICE's statements.
# - Training and ramp lengths, attrition, the operational share of hires and Border Patrol productivity are
#   assumptions, entered as ranges in the scenario file.
# - The scenario "Surge as planned (August 2025)" uses only what was published by August 2025, but it was added
#   to the file once the 2026 arrests were known; its out-of-sample score is honest about its inputs, not about
#   when it was written.

# %%
findings.add(
    "ICE made {r_lo:.3f} to {r_hi:.3f} arrests per officer per day from {first:%B} to {last:%B %Y}, across the "
    "published officer shares (95% interval combining sampling and share uncertainty: {low:.3f} to {high:.3f}); at "
    "those rates "
    "{goal:,.0f} arrests a day would take {need_lo:,.0f} to {need_hi:,.0f} officers (95% interval {c_lo:,.0f} to "
    "{c_hi:,.0f}).",
    date=rates["arrests"].last_month,
    r_lo=per_officer["arrests"].range_low,
    r_hi=per_officer["arrests"].range_high,
    first=rates["arrests"].first_month,
    last=rates["arrests"].last_month,
    low=per_officer["arrests"].combined_low,
    high=per_officer["arrests"].combined_high,
    goal=goal,
    need_lo=need_main.range_low,
    need_hi=need_main.range_high,
    c_lo=need_main.combined_low,
    c_hi=need_main.combined_high,
)
findings.add(
    "In {month:%B %Y} ICE made {obs:,.0f} arrests a day: {per_claim:.3f} per officer or agent it claimed to have "
    "({claimed:,.0f}), which is {pct_lo:.0%} to {pct_hi:.0%} of the rate per officer measured from {w0:%B} to "
    "{w1:%B %Y} (across the officer shares).",
    date=claim_month,
    month=claim_month,
    obs=check.observed_per_day,
    per_claim=check.per_claimed_officer,
    claimed=check.claimed,
    pct_lo=check.share_of_rate_range[0],
    pct_hi=check.share_of_rate_range[1],
    w0=window[0],
    w1=window[1],
)
findings.publish()
