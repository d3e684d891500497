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
# # Arrests and book-ins against the White House arrest goal
#
# The White House goal counts **arrests**. ICE's detention-statistics workbooks count **book-ins**: arrests that
# led to an ICE detention book-in, by arresting agency. This page shows both series, the bridge between them, a
# nowcast of book-ins for the months the newest workbook does not reach, a trend model whose intervals are checked
# by simulation on its own design, a test for seasonality, and the probability of reaching the goal under every
# candidate forecast model. Every number in the text is computed when the notebook runs.

# %% tags=["parameters"]
start: str = "2020-10-01"  # first month analysed (ISO date); FY2021 begins 2020-10-01
end: str = "2026-12-31"  # last date analysed (ISO date); months after the newest data do not exist yet
agency: str = "ICE"  # arresting agency of the book-ins: "ICE", "CBP" or "Total" (ICE + CBP)
source: str = "auto"  # book-in trend series: "auto" (DDP file if present), "book_ins" or "ddp"
goal_per_day: int = 3000  # the goal in arrests per day (White House, May 2025)
breaks: list[str] = ["2025-01-20", "2025-05-21", "2025-10-24"]  # ISO dates of trend breaks (level, slope)
sensitivity_break: str = "2021-02-18"  # extra break for the sensitivity check (ICE priorities memo)
hac_lags: list[int] = [3, 6]  # Newey-West lags of the previous Poisson/HAC method shown; 1 to 24
forecast_months: int = 12  # goal horizon: months after the last complete arrest month, 6 to 12
nowcast_model: str = "local level"  # "local level", "last ratio", "AR(1) ratio" or "carry forward"
n_boot: int = 999  # bootstrap draws for the trend-model intervals, 199 to 9999
coverage_replications: int = 200  # simulated series per interval coverage check, 50 to 2000
seed: int = 20250521  # random seed for bootstraps, simulations and goal paths (same seed, same numbers)

# %%
from research import data
from research.models import trends

book_ins = data.load_book_ins()
ddp_available = data.has_arrests_file()
params = trends.validate_trend_params(
    start=start,
    end=end,
    agency=agency,
    source=source,
    goal_per_day=goal_per_day,
    breaks=breaks,
    forecast_months=forecast_months,
    seed=seed,
    sensitivity_break=sensitivity_break,
    hac_lags=hac_lags,
    nowcast_model=nowcast_model,
    n_boot=n_boot,
    coverage_replications=coverage_replications,
    data_range=trends.data_range(book_ins),
    ddp_available=ddp_available,
)

# %%
arrests_table = data.load_arrests_monthly()
events = data.load_events()

# %%
import numpy as np
import pandas as pd
from IPython.display import display

from research.models import its
from research.models import nowcast as nc

goal = params.goal_per_day
SIGNIFICANCE = 0.05  # level of the tests whose verdicts the text states
used_source, why = trends.resolve_source(params.source, params.agency, ddp_available)
BOOK_INS_NOTE = book_ins.attrs["source"]
ARRESTS_NOTE = arrests_table.attrs["source"]
book_in_name = (
    f"{params.agency}-arrested book-ins" if params.agency != "Total" else "book-ins (ICE + CBP arrests)"
)
arrest_rates = trends.restrict(trends.arrest_monthly_rates(arrests_table), params.start, params.end)
book_rates = trends.restrict(trends.monthly_rates(book_ins, params.agency), params.start, params.end)
if used_source == "ddp":
    raw_daily = data.load_arrests_daily(by="aor")
    trimmed = trends.trim_incomplete_tail(trends.daily_national(raw_daily))
    trimmed_after = trimmed.attrs["trimmed_after"]
    daily = trends.restrict(trimmed, params.start, params.end, date_col="date")
    rates = trends.monthly_from_daily(daily)
    series_note = f"Deportation Data Project, ICE arrests ({raw_daily.attrs.get('source', 'daily file')})"
    series_name, unit = "ICE arrests (daily file)", "Arrests per day"
else:
    rates = book_rates
    series_note = BOOK_INS_NOTE
    series_name, unit = book_in_name, "Book-ins per day"
bridge = nc.bridge(book_ins, arrests_table)
spread = nc.bridge_spread(bridge)
nowcast = trends.nowcast(
    params.agency, book_ins=book_ins, arrests=arrests_table, model=params.nowcast_model, seed=params.seed
)
nowcast_bt = trends.backtest_nowcast(
    params.agency, book_ins=book_ins, arrests=arrests_table, seed=params.seed
)

# %%
from research.figures import style
from research.figures import trends as trend_charts
from research.figures.events import EventKey
from research.figures.findings import Findings
from research.figures.page import show_figure, show_table
from research.figures.text import bullets, join, md, md_text

style.use_style()
colour = style.AGENCY_COLOURS[params.agency]
key = EventKey(events)  # one numbering of the dated events for every chart of the page
findings = Findings()
display(
    md(
        "The trend model and seasonality test below use **{series}** ({why}). Data version {version}.",
        series=series_name,
        why=why,
        version=book_ins.attrs["data_version"],
    )
)

# %% [markdown]
# ## Headline: both measures, each with its date

# %%
latest_arrest = arrest_rates.loc[~arrest_rates["partial_month"]].iloc[-1]
latest_book = book_rates.loc[~book_rates["partial_month"]].iloc[-1]
best_arrest = trends.best_month(arrest_rates)
arrest_through = pd.Timestamp(arrests_table["release_through"].max())
book_through = pd.Timestamp(book_ins["data_through"].max())
lagged = arrest_rates.loc[arrest_rates["partial_month"]]
display(
    md(
        "**Arrests.** In **{month:%B %Y}**, the latest complete month, ICE ERO made **{rate:,.0f} arrests a day** "
        "({pct:.0f}% of the {goal:,.0f}-a-day goal, {gap:,.0f} a day short). {best_sentence} The arrest records "
        "run to {through:%d %B %Y}; {lag} are left out because their last weeks are still being entered.",
        month=latest_arrest["month"],
        rate=latest_arrest["per_day"],
        pct=100 * latest_arrest["per_day"] / goal,
        goal=goal,
        gap=max(goal - latest_arrest["per_day"], 0),
        best_sentence=(
            md_text("It is the highest complete month so far.")
            if best_arrest["month"] == latest_arrest["month"]
            else md_text(
                "The highest complete month so far is {best:%B %Y} at {rate:,.0f} a day.",
                best=best_arrest["month"],
                rate=best_arrest["per_day"],
            )
        ),
        through=arrest_through,
        lag=join([f"{m:%B %Y}" for m in lagged["month"]], last=" and "),
    )
)
display(
    md(
        "**Provisional.** {month:%B %Y} is the newest month not flagged as under-reported; it is not final. The "
        "Deportation Data Project's arrest records come from a FOIA release, and the counts of recent months, "
        "{month:%B %Y} among them, may still be revised as late records are entered. {vintages} Read the "
        "{month:%B %Y} rate as the count known so far.",
        month=latest_arrest["month"],
        vintages=(
            md_text(
                "Only one release (through {through:%d %B %Y}) is available here, with no earlier vintages of the "
                "same months, so the size of such revisions cannot be measured.",
                through=arrest_through,
            )
            if arrests_table["release_through"].nunique() == 1
            else md_text(
                "{n} releases are available here; compare them before relying on recent months.",
                n=arrests_table["release_through"].nunique(),
            )
        ),
    )
)
display(
    md(
        "**Book-ins.** In **{month:%B %Y}**, the latest complete month of the workbooks, there were "
        "**{rate:,.0f} {name} a day**. The newest workbook stops on {through:%d %B %Y}; the nowcast below "
        "estimates {name} through {last:%B %Y} from the arrests.",
        month=latest_book["month"],
        rate=latest_book["per_day"],
        name=book_in_name,
        through=book_through,
        last=nowcast["month"].max() if len(nowcast) else latest_book["month"],
    )
)
findings.add(
    "ICE ERO made {rate:,.0f} arrests a day in {month:%B %Y}, the latest complete month: {pct:.0f}% of the goal "
    "of {goal:,.0f} a day.",
    date=latest_arrest["month"],
    rate=latest_arrest["per_day"],
    month=latest_arrest["month"],
    pct=100 * latest_arrest["per_day"] / goal,
    goal=goal,
)
findings.add(
    "{rate:,.0f} {name} a day in {month:%B %Y}, the latest complete month of ICE's detention statistics.",
    date=latest_book["month"],
    rate=latest_book["per_day"],
    name=book_in_name,
    month=latest_book["month"],
)

# %% [markdown]
# ## Two measures: arrests and book-ins
#
# **Arrests** are ICE Enforcement and Removal Operations (ERO) arrests from the Deportation Data Project's records
# (aggregated by month, national). **Book-ins** are initial book-ins into ICE detention from ICE's
# detention-statistics workbooks, by the agency that made the arrest (ICE or CBP). An arrest that does not lead to a
# detention book-in (released, or removed at once) is in the first series and not the second; a book-in of a
# person arrested by another ICE component than ERO is in the second and not the first. Each month is divided by
# its days; months that a source covers only partly, and arrest months whose last weeks are under-reported, are
# hatched, never joined into a line and never fitted.

# %%
fig = trend_charts.plot_measures(
    arrest_rates,
    trends.restrict(book_rates, arrest_rates["month"].min(), params.end),
    goal=goal,
    book_in_label=f"{book_in_name} per day",
    text=trend_charts.ChartText(
        title=f"ICE ERO arrests and {book_in_name} per day against the {goal:,.0f}-arrests-a-day goal",
        ylabel="Per day (arrests or book-ins)",
    ),
)
style.source_note(fig, f"Arrests: {ARRESTS_NOTE}. Book-ins: {BOOK_INS_NOTE}.")
show_figure(
    fig,
    name="arrests_and_book_ins_per_day",
    describe=f"Two lines by month: ICE ERO arrests per day from {arrest_rates['month'].min():%B %Y} and "
    f"{book_in_name} per day; incomplete months are hatched bars, not joined to the lines; a dashed line at "
    f"the goal of {goal:,.0f} a day.",
    data=pd.concat(
        [
            arrest_rates.assign(series="ICE ERO arrests"),
            trends.restrict(book_rates, arrest_rates["month"].min(), params.end).assign(series=book_in_name),
        ]
    ),
    columns={
        "series": "Series",
        "month": "Month",
        "count": "Count",
        "days": "Days covered",
        "per_day": "Per day",
        "partial_month": "Incomplete month",
    },
    key=key,
    events_on=fig.axes[0],
)

# %%
both = arrest_rates[["month", "count", "per_day", "partial_month"]].merge(
    book_rates[["month", "count", "per_day", "partial_month"]], on="month", how="outer", suffixes=("_a", "_b")
)
both = both.loc[both["month"] >= arrest_rates["month"].min()].sort_values("month")
both["arrests_per_book_in"] = np.where(
    ~both["partial_month_a"].fillna(True).astype(bool) & ~both["partial_month_b"].fillna(True).astype(bool),
    both["per_day_a"] / both["per_day_b"],
    np.nan,
)
show_table(
    both,
    {
        "month": "Month",
        "count_a": "ICE ERO arrests",
        "per_day_a": "Arrests per day",
        "partial_month_a": "Arrests incomplete",
        "count_b": f"{book_in_name}",
        "per_day_b": "Book-ins per day",
        "partial_month_b": "Book-ins partial",
        "arrests_per_book_in": "Arrests per book-in",
    },
    formats={"per_day_a": "{:,.0f}", "per_day_b": "{:,.0f}", "arrests_per_book_in": "{:.2f}"},
    dates={"month": "%b %Y"},
    caption="Monthly arrests and book-ins; a dash means the source does not cover the month.",
    name="monthly_arrests_and_book_ins",
)

# %% [markdown]
# ## The bridge: arrests per book-in
#
# ICE ERO arrests divided by ICE-arrested book-ins, for the months both series cover completely. This ratio is
# what the nowcast below carries into the months the workbooks have not reached yet.

# %%
fig = trend_charts.plot_bridge(
    bridge,
    text=trend_charts.ChartText(
        title="ICE ERO arrests per ICE-arrested book-in, by month",
        ylabel="Arrests per book-in (arrests ÷ book-ins)",
    ),
)
style.source_note(fig, f"Arrests: {ARRESTS_NOTE}. Book-ins: {BOOK_INS_NOTE}.")
show_figure(
    fig,
    name="arrests_per_book_in",
    describe="A line of ICE ERO arrests divided by ICE-arrested book-ins, by month, with its mean (dashed) and "
    "a band of plus or minus one standard deviation; the last months are circled.",
    data=bridge,
)
display(
    md(
        "Over the {n} months both series cover completely ({first:%b %Y} to {last:%b %Y}), ICE ERO made "
        "**{mean:.2f} arrests per ICE-arrested book-in** on average (standard deviation {sd:.2f}; lowest {lo:.2f} "
        "in {lo_m:%B %Y}, highest {hi:.2f} in {hi_m:%B %Y}). Over the last {k} of those months the ratio stayed "
        "between {rlo:.2f} and {rhi:.2f}. The goal gap in book-ins is therefore not the goal gap in arrests.",
        n=spread["months"],
        first=spread["first"],
        last=spread["last"],
        mean=spread["mean"],
        sd=spread["sd"],
        lo=spread["min"],
        lo_m=spread["min_month"],
        hi=spread["max"],
        hi_m=spread["max_month"],
        k=spread["recent_months"],
        rlo=spread["recent_min"],
        rhi=spread["recent_max"],
    )
)

# %% [markdown]
# ## Goal gap in arrests

# %%
gap = trends.goal_gap(arrest_rates, goal)
since_goal = gap.loc[gap["month"] >= "2025-05-01"]
fig = trend_charts.plot_goal_gap(
    since_goal,
    text=trend_charts.ChartText(
        title=f"ICE ERO arrests per day still missing to reach {goal:,.0f} a day",
        ylabel="Arrests per day missing (goal minus arrests per day)",
        extras={"series": "Complete months of arrests", "partial": "Partial or under-reported month"},
    ),
)
style.source_note(fig, f"{ARRESTS_NOTE}. Hatched: partial or under-reported month.")
show_figure(
    fig,
    name="goal_gap",
    describe=f"Bars by month since May 2025: the ICE ERO arrests per day still missing to reach {goal:,.0f} a day; "
    "incomplete months hatched.",
    data=since_goal,
    columns={
        "month": "Month",
        "per_day": "Arrests per day",
        "missing_per_day": "Missing per day",
        "pct_of_goal": "Percent of goal",
        "partial_month": "Incomplete month",
    },
    key=key,
    events_on=fig.axes[0],
)
complete_gap = since_goal.loc[~since_goal["partial_month"]]
display(
    md(
        "Since the goal was set, complete months of ICE ERO arrests ran at {lo:.0f}% to {hi:.0f}% of the goal; "
        "the smallest gap was {gap:,.0f} arrests a day ({month:%B %Y}).",
        lo=complete_gap["pct_of_goal"].min(),
        hi=complete_gap["pct_of_goal"].max(),
        gap=complete_gap["missing_per_day"].min(),
        month=complete_gap.loc[complete_gap["missing_per_day"].idxmin(), "month"],
    )
)

# %% [markdown]
# ## Nowcast: book-ins for the months the newest workbook does not reach
#
# The log of book-ins per arrest is modelled on the months both series cover and projected forward; each month's
# nowcast is that month's arrests times the projected ratio. Models: a **local level** (the ratio follows level
# shifts, noise is smoothed), the **last ratio** carried forward, and an **AR(1)** ratio that reverts to the
# window's mean. The benchmark, **carry forward**, ignores arrests and repeats the last complete month's book-ins
# per day. The backtest holds out the last k bridge months for several k (see the table caption), refits on the
# months before them, and nowcasts them.

# %%
show_table(
    nowcast,
    {
        "month": "Month",
        "median": "Median",
        "lo80": "80% low",
        "hi80": "80% high",
        "lo95": "95% low",
        "hi95": "95% high",
    },
    formats={c: "{:,.0f}" for c in ["median", "lo80", "hi80", "lo95", "hi95"]},
    dates={"month": "%B %Y"},
    caption=f"Nowcast of {book_in_name} per day ({params.nowcast_model} model)",
    name="nowcast",
)
for row in nc.partial_month_check(nowcast, book_rates).itertuples():
    display(
        md(
            "**Check against the days already observed.** For {month:%B %Y} the newest workbook already holds "
            "{days} days ({first:%-d} to {last:%-d %B}): {rate:,.0f} {name} a day, {gap:+.0f}% against the nowcast "
            "median of {median:,.0f} for the whole month, and **{where95} the nowcast's 95% interval** ({lo95:,.0f} "
            "to {hi95:,.0f}; {where80} the 80% interval, {lo80:,.0f} to {hi80:,.0f}). {meaning} A few early days "
            "can differ from a whole month: {days} days are a small sample of a series that moves from week to "
            "week, they hold {wk} weekend day(s) of {days} against {mwk} of {mdays} in the whole month, and the "
            "next edition of the workbook can still add book-ins entered late for these days. It is a check, not "
            "proof either way.",
            month=row.month,
            days=row.days,
            first=row.first_day,
            last=row.last_day,
            rate=row.per_day,
            name=book_in_name,
            gap=row.gap_pct,
            median=row.median,
            where95=row.position95,
            lo95=row.lo95,
            hi95=row.hi95,
            where80=row.position80,
            lo80=row.lo80,
            hi80=row.hi80,
            meaning=(
                md_text("The observed days agree with the nowcast.")
                if row.position95 == "inside"
                else md_text(
                    "Had the whole month run at the rate of these days, the nowcast would have been too {dir}, by "
                    "more than its own 95% interval allows.",
                    dir="high" if row.position95 == "below" else "low",
                )
            ),
            wk=row.weekend_days,
            mwk=row.month_weekend_days,
            mdays=row.month_days,
        )
    )
if params.agency != "ICE":
    display(
        md(
            "The arrest records are ICE ERO arrests only: CBP-arrested book-ins have no arrest counterpart. For "
            "{agency} the CBP share of ICE + CBP book-ins is modelled separately (same model family, on its logit) "
            "and combined with the ICE nowcast by simulation; the arrests inform only the ICE part.",
            agency=params.agency,
        )
    )

# %%
fig = trend_charts.plot_nowcast(
    book_rates,
    nowcast,
    colour=colour,
    history_from=pd.Timestamp("2024-01-01"),
    text=trend_charts.ChartText(
        title=f"{book_in_name} per day: workbooks and nowcast from ICE ERO arrests",
        ylabel="Book-ins per day",
    ),
)
style.source_note(
    fig,
    f"Book-ins: {BOOK_INS_NOTE}. Arrests: {ARRESTS_NOTE}. Nowcast: {params.nowcast_model} model of the ratio.",
)
show_figure(
    fig,
    name="book_ins_nowcast",
    describe=f"A line of {book_in_name} per day from the workbooks since January 2024, then the nowcast for the "
    "months they do not reach: a median dot with 80% and 95% interval bars per month.",
    data=nowcast,
    key=key,
    events_on=fig.axes[0],
)

# %%
summary = nowcast_bt.summary
show_table(
    summary,
    {
        "model": "Model",
        "n": "Held-out months",
        "mae": "MAE (book-ins per day)",
        "mae_vs_carry_forward": "MAE vs carry forward",
        "bias": "Mean error (per day)",
        "coverage80": "Inside 80% interval",
        "coverage95": "Inside 95% interval",
    },
    formats={
        "mae": "{:,.0f}",
        "mae_vs_carry_forward": "{:.2f}",
        "bias": "{:+,.0f}",
        "coverage80": "{:.0%}",
        "coverage95": "{:.0%}",
    },
    caption=(
        f"Backtest of the {book_in_name} nowcast (hold out the last k months, k = "
        f"{nowcast_bt.forecasts['holdout'].min()} to {nowcast_bt.forecasts['holdout'].max()})"
    ),
    name="nowcast_backtest",
)
chosen_row = summary.set_index("model").loc[params.nowcast_model]
bench = summary.set_index("model").loc[nc.BENCHMARK]
display(
    md(
        "Over {n} held-out months the **{model}** nowcast missed {name} by {mae:,.0f} a day on average, against "
        "{bench:,.0f} for carrying the last month forward (ratio {ratio:.2f}). Its 80% intervals held "
        "{c80:.0%} of the actual values and its 95% intervals {c95:.0%}. The held-out sets overlap, so these "
        "coverages rest on few independent months.",
        n=int(chosen_row["n"]),
        model=params.nowcast_model,
        name=book_in_name,
        mae=chosen_row["mae"],
        bench=bench["mae"],
        ratio=chosen_row["mae_vs_carry_forward"],
        c80=chosen_row["coverage80"],
        c95=chosen_row["coverage95"],
    )
)

# %% [markdown]
# ## FY2025 and FY2026 month by month (book-ins)
# Book-ins divided by days, exactly as in the workbooks' monthly columns.

# %%
fy_table = trends.fiscal_year_table(trends.monthly_rates(book_ins, params.agency), (2025, 2026))
show_table(
    fy_table,
    {
        "fiscal_year": "Fiscal year",
        "month": "Month",
        "count": "Book-ins",
        "days": "Days",
        "partial_month": "Partial",
        "per_day": "Book-ins per day",
    },
    formats={"fiscal_year": "FY{}", "per_day": "{:,.1f}"},
    dates={"month": "%b %Y"},
    caption=f"{book_in_name} by month",
    name="book_ins_fy2025_fy2026",
)
fy_totals = fy_table.groupby("fiscal_year").agg(count=("count", "sum"), days=("days", "sum")).reset_index()
display(
    md(
        "{lines}",
        lines=bullets(
            md_text(
                "FY{fy}: {count:,} {name} over {days} days = {rate:,.0f} a day.",
                fy=str(r.fiscal_year),
                count=int(r.count),
                name=book_in_name,
                days=int(r.days),
                rate=r.count / r.days,
            )
            for r in fy_totals.itertuples()
        ),
    )
)

# %% [markdown]
# ## Did the level or the slope change at the break dates?
#
# The log of book-ins per day follows a straight line that may jump (level change) and bend (slope change) at each
# break; a month that a break splits gets the fraction of its days after the break. The errors follow an AR(1)
# process over calendar months (neighbouring months move together), estimated by restricted maximum likelihood.
# Intervals are **parametric bootstrap-t** intervals: series are simulated from the fitted model (at a bias-corrected
# autocorrelation), re-estimated, and the spread of the re-estimates sets the width. The previous method, a Poisson
# model with Newey–West standard errors, is kept for comparison: its coverage is measured below too.

# %%
fit = its.fit_its(rates, params.breaks, n_boot=params.n_boot, seed=params.seed)
coverage = its.interval_coverage(
    fit, replications=params.coverage_replications, seed=params.seed, hac_lags=params.hac_lags[0]
)
shown = fit.table.merge(
    coverage.loc[coverage["method"] == "bootstrap_t", ["term", "break", "coverage"]], on=["term", "break"]
)
shown["label"] = shown["term"].map(its.TERM_LABELS)
show_table(
    shown,
    {
        "break": "Break",
        "label": "Effect",
        "pct_estimate": "Estimate",
        "pct_ci_low": "95% low",
        "pct_ci_high": "95% high",
        "p_value": "p-value",
        "coverage": "Coverage measured",
    },
    formats={
        "pct_estimate": "{:+.1f}",
        "pct_ci_low": "{:+.1f}",
        "pct_ci_high": "{:+.1f}",
        "p_value": "{:.3f}",
        "coverage": "{:.0%}",
    },
    caption=f"Break effects on {series_name} per day (AR(1) errors, bootstrap-t intervals)",
    name="break_effects",
)
cov_table = fit.table[["term", "break"]].assign(label=fit.table["term"].map(its.TERM_LABELS))
for method, method_label in its.METHOD_LABELS.items():
    rows = coverage.loc[coverage["method"] == method, ["term", "break", "coverage"]]
    cov_table[method_label] = cov_table.merge(rows, on=["term", "break"], how="left")["coverage"].to_numpy()
show_table(
    cov_table,
    {"break": "Break", "label": "Effect", **{v: v for v in its.METHOD_LABELS.values()}},
    formats={v: "{:.0%}" for v in its.METHOD_LABELS.values()},
    caption=(
        f"Coverage of nominal {fit.level:.0%} intervals, measured on {params.coverage_replications:,} series "
        "simulated from the fitted model"
    ),
    name="interval_coverage",
)
trend_cov = float(
    coverage.loc[
        (coverage["method"] == "bootstrap_t") & (coverage["term"] == "baseline_slope"), "coverage"
    ].iloc[0]
)
cov_wide = (
    coverage.loc[coverage["term"] != "baseline_slope"].groupby("method")["coverage"].agg(["min", "max"])
)
display(
    md(
        "Fitted on {n} complete months ({excluded} partial left out); month-to-month autocorrelation of the errors "
        "{rho:.2f}. **Coverage measured on the fitted design:** in {reps:,} series simulated from the fitted model "
        "(same months, same breaks, same autocorrelation), the nominal {level:.0%} bootstrap-t intervals of the "
        "break effects contained the true value in {b_lo:.0%} to {b_hi:.0%} of the series. The plain likelihood "
        "intervals of the same model covered {t_lo:.0%} to {t_hi:.0%}; the previous Poisson/Newey–West intervals "
        "({lags} lags) covered only {h_lo:.0%} to {h_hi:.0%}. {trend_note}",
        n=fit.n_obs,
        excluded=fit.excluded,
        rho=fit.rho,
        reps=params.coverage_replications,
        level=fit.level,
        b_lo=cov_wide.loc["bootstrap_t", "min"],
        b_hi=cov_wide.loc["bootstrap_t", "max"],
        t_lo=cov_wide.loc["ar1_t", "min"],
        t_hi=cov_wide.loc["ar1_t", "max"],
        lags=params.hac_lags[0],
        h_lo=cov_wide.loc["poisson_hac", "min"],
        h_hi=cov_wide.loc["poisson_hac", "max"],
        trend_note=md_text(
            "The interval of the trend before the breaks covered {c:.0%}{verdict}",
            c=trend_cov,
            verdict="." if trend_cov >= 0.9 else md_text(": read it as approximate (too narrow)."),
        ),
    )
)

# %%
fig = trend_charts.plot_rates(
    rates,
    goal=goal,
    fitted=fit.fitted,
    colour=colour,
    series_label=f"{unit} (complete months)",
    text=trend_charts.ChartText(
        title=f"{series_name} per day and the segmented trend (the goal of {goal:,.0f} counts arrests)",
        ylabel=unit,
    ),
)
style.source_note(fig, f"{series_note}. Hatched: partial month. Fit: segmented trend, AR(1) errors.")
show_figure(
    fig,
    name="trend_fit",
    describe=f"A line of {series_name} per day by complete month with the fitted segmented trend (breaks at "
    f"{', '.join(f'{b:%d %b %Y}' for b in params.breaks)}); partial months hatched; the goal as a dashed line.",
    data=rates.merge(fit.fitted[["month", "fitted_per_day"]], on="month", how="left"),
    key=key,
    events_on=fig.axes[0],
)

# %% [markdown]
# ### Sensitivity of the break effects
#
# The same effects with month-of-year terms, with an extra break at the sensitivity date, with both, and under the
# previous Poisson/Newey–West method at each bandwidth. Each AR(1) specification's bootstrap-t intervals get
# their own measured coverage.

# %%
sens = its.break_sensitivity(
    rates,
    params.breaks,
    extra_break=params.sensitivity_break,
    hac_lags=params.hac_lags,
    n_boot=params.n_boot,
    seed=params.seed,
)
spec_coverage = {
    label: its.interval_coverage(
        f, replications=params.coverage_replications, seed=params.seed, methods=("bootstrap_t",)
    )
    .loc[lambda t: t["term"] != "baseline_slope", "coverage"]
    .min()
    for label, f in sens.fits.items()
}
for lags in params.hac_lags:  # the previous method's intervals, at each bandwidth shown
    spec_coverage[its.previous_method_label(lags)] = (
        its.interval_coverage(
            fit,
            replications=params.coverage_replications,
            seed=params.seed,
            methods=("poisson_hac",),
            hac_lags=lags,
        )
        .loc[lambda t: t["term"] != "baseline_slope", "coverage"]
        .min()
    )
sens_table = sens.table.loc[sens.table["term"] != "baseline_slope"].copy()
sens_table["label"] = sens_table["term"].map(its.TERM_LABELS)
sens_table["coverage"] = sens_table["spec"].map(spec_coverage)
show_table(
    sens_table,
    {
        "break": "Break",
        "label": "Effect",
        "spec": "Specification",
        "pct_estimate": "Estimate",
        "pct_ci_low": "95% low",
        "pct_ci_high": "95% high",
        "coverage": "Lowest coverage measured",
    },
    formats={
        "pct_estimate": "{:+.1f}",
        "pct_ci_low": "{:+.1f}",
        "pct_ci_high": "{:+.1f}",
        "coverage": lambda v: f"{v:.0%}",
    },
    caption=f"Break effects on {series_name} per day across specifications; coverage measured by simulation "
    "on each AR(1) specification's fitted design (previous-method rows: on the main AR(1) fit)",
    name="break_effects_sensitivity",
)
fig = trend_charts.plot_break_effects(
    sens_table,
    text=trend_charts.ChartText(
        title=f"Break effects on {series_name} per day across specifications",
        ylabel="Break and specification",
    ),
)
style.source_note(fig, f"{series_note}. Points: estimates; lines: 95% intervals.")
show_figure(
    fig,
    name="break_effects_by_specification",
    describe="Two panels of dots with 95% interval lines, one row per break and specification: the level change "
    "(left) and the slope change (right) in percent, with a vertical line at zero.",
    data=sens_table,
)
robust_lines = []
for (term, brk), rows in sens_table.groupby(["term", "break"]):
    ar1 = rows.loc[rows["method"] == "bootstrap_t"]
    excl = ar1.loc[(ar1["ci_low"] > 0) | (ar1["ci_high"] < 0)]
    signs = set(np.sign(ar1["estimate"]))
    verdict = (
        "the 95% interval excludes zero in every AR(1) specification"
        if len(excl) == len(ar1)
        else "no credible evidence either way: the 95% interval includes zero in every AR(1) specification"
        if excl.empty
        else f"the 95% interval excludes zero in {len(excl)} of {len(ar1)} AR(1) specifications"
    )
    hac = rows.loc[rows["method"] == "poisson_hac"]
    hac_excl = ((hac["ci_low"] > 0) | (hac["ci_high"] < 0)).to_numpy()
    hac_note = (
        "; the Poisson/Newey–West verdict flips with the bandwidth"
        if 0 < hac_excl.sum() < len(hac_excl)
        else ""
    )
    robust_lines.append(
        md_text(
            "{label} at {brk:%d %b %Y}: {verdict}{sign}{hac}.",
            label={"level_change": "Level change", "slope_change": "Slope change"}[term],
            brk=brk,
            verdict=verdict,
            sign="" if len(signs) == 1 else md_text(" and the estimate changes sign"),
            hac=hac_note,
        )
    )
display(md("{lines}", lines=bullets(robust_lines)))

# %% [markdown]
# ## Who made the arrests behind the book-ins: ICE versus CBP

# %%
split = trends.restrict(trends.agency_split(book_ins), params.start, params.end)
fig = trend_charts.plot_agency_split(
    split,
    colours=style.AGENCY_COLOURS,
    text=trend_charts.ChartText(title="Book-ins per day by arresting agency", ylabel="Book-ins per day"),
)
style.source_note(fig, f"{BOOK_INS_NOTE}. Hatched: partial month.")
show_figure(
    fig,
    name="book_ins_by_agency",
    describe="Two lines by month, ICE- and CBP-arrested book-ins per day; partial months are hatched bars, not "
    "joined to the lines.",
    data=split,
    key=key,
    events_on=fig.axes[0],
)
share = split.loc[(split["agency"] == "ICE") & ~split["partial_month"]].set_index("month")["cbp_share"]
display(
    md(
        "CBP's share of ICE + CBP book-ins averaged {fy21:.0%} in FY2021 and was {last:.0%} in {last_m:%B %Y}; the "
        "peak month was {peak_m:%B %Y} ({peak:.0%}).",
        fy21=share.loc[share.index < "2021-10-01"].mean(),
        last=share.iloc[-1],
        last_m=share.index[-1],
        peak_m=share.idxmax(),
        peak=share.max(),
    )
)

# %% [markdown]
# ## Is there a seasonal pattern?
#
# Tested inside the trend model: eleven month-of-year terms are added and tested jointly (Wald F, with its
# p-value from the F distribution and from a parametric bootstrap of the model without month terms, which allows
# for the estimated autocorrelation). A robust STL decomposition is shown next to it; STL always produces a
# seasonal component, so its swings mean something only if the test finds month effects.

# %%
season = its.seasonality_test(rates, params.breaks, n_boot=params.n_boot, seed=params.seed)
significant = season.p_value < SIGNIFICANCE
display(
    md(
        "Joint test of the month-of-year terms in {name} per day: F = {f:.2f} on {d1} and {d2} degrees of freedom, "
        "bootstrap p = {pb:.3f} (F-distribution p = {pf:.3f}). {verdict}",
        name=series_name,
        f=season.f_stat,
        d1=season.df_num,
        d2=season.df_den,
        pb=season.p_value_boot,
        pf=season.p_value_f,
        verdict=md_text(
            "**Month effects are statistically significant**: the seasonal component below describes a real "
            "month-of-year pattern."
            if significant
            else "**No credible evidence of seasonality**: the month effects are jointly indistinguishable from "
            "zero, so the STL seasonal swings below are not a real seasonal pattern (STL assigns part of the "
            "policy breaks to its seasonal component)."
        ),
    )
)
fig = trend_charts.plot_month_effects(
    season.effects,
    text=trend_charts.ChartText(
        title=f"Month-of-year effects on {series_name} per day (vs January, 95% bootstrap-t intervals)",
        ylabel="Effect (% vs January)",
    ),
)
style.source_note(fig, f"{series_note}. Trend model with breaks and AR(1) errors plus month-of-year terms.")
show_figure(
    fig,
    name="month_of_year_effects",
    describe="Dots with 95% interval bars, one per month of the year, in percent against January (zero).",
    data=season.effects,
)

# %%
series = trends.monthly_series(rates)
stl = trends.stl_decompose(series, robust=True)
if stl.components is None:
    display(md("STL skipped: {reason}.", reason=stl.reason))
else:
    seasonal_label = "Seasonal (%)" if significant else "Seasonal (%), not significant"
    fig = trend_charts.plot_stl(
        stl.components,
        text=trend_charts.ChartText(
            title=(
                f"{series_name} per day: trend, seasonal component and remainder (robust STL on logs)"
                + ("" if significant else "; month effects not significant")
            ),
            ylabel="Book-ins per day" if used_source != "ddp" else "Arrests per day",
            extras={"seasonal": seasonal_label},
        ),
    )
    style.source_note(fig, f"{series_note}. {stl.reason}.")
    show_figure(
        fig,
        name="stl_decomposition",
        describe="Three stacked panels by month: the observed series with its trend, the seasonal component and the "
        "remainder, both in percent of the trend.",
        data=stl.components,
        key=key,
        events_on=fig.axes[0],
    )
    comps = stl.components.set_index("month")
    display(
        md(
            "{reason}. Its seasonal component ranges from {lo:+.0f}% to {hi:+.0f}% around the trend{tail}",
            reason=stl.reason,
            lo=comps["seasonal_pct"].min(),
            hi=comps["seasonal_pct"].max(),
            tail="."
            if significant
            else md_text(
                ", a pattern the joint test above does not support: read it as what STL extracts from a series "
                "with policy breaks, not as seasonality."
            ),
        )
    )

# %% [markdown]
# ## Forecasts and the probability of reaching the goal

# %%
BACKTEST_ORIGINS, BACKTEST_HORIZON, N_PATHS = 12, 6, 4000  # backtest design and simulated paths per model
display(
    md(
        "Candidates, all on the log rate per day: naive (random walk), seasonal naive, ARIMA(1,1,0), the seasonal "
        '"airline" SARIMA(0,1,1)(0,1,1)12 (fitted only to series of at least {sarima} months), and damped-trend '
        "exponential smoothing. Each is refit at each of the last {origins} month-ends and scored on up to "
        "{horizon} following months. Every model that can be fitted simulates {paths:,} paths; the probability is "
        "the share of paths that reach the goal in at least one month by the common end date. Models are combined "
        "with weights proportional to 1 / backtest mean squared error, and a Diebold–Mariano test compares each "
        "with the most accurate one. Done for arrests and for book-ins.",
        sarima=trends.CANDIDATES["SARIMA(0,1,1)(0,1,1)12"].min_obs,
        origins=BACKTEST_ORIGINS,
        horizon=BACKTEST_HORIZON,
        paths=N_PATHS,
    )
)

# %%
goal_end = pd.Timestamp(latest_arrest["month"]) + pd.DateOffset(months=params.forecast_months)
forecast_sets = {
    "ICE ERO arrests": trends.monthly_series(arrest_rates),
    book_in_name: trends.monthly_series(book_rates),
}
prob_parts, skill_parts, dm_parts = [], [], []
for i, (name, s) in enumerate(forecast_sets.items()):
    errors = trends.backtest_errors(s, horizon=BACKTEST_HORIZON, n_origins=BACKTEST_ORIGINS)
    skill = trends.backtest(s, errors=errors)
    probs = trends.goal_probabilities(
        s, goal=goal, through=goal_end, skill=skill, n_paths=N_PATHS, seed=params.seed + 100 * i
    )
    prob_parts.append(probs.assign(series=name))
    skill_parts.append(skill.assign(series=name))
    dm_parts.append(trends.diebold_mariano(errors).assign(series=name))
probabilities = pd.concat(prob_parts, ignore_index=True)
skills = pd.concat(skill_parts, ignore_index=True)
dms = pd.concat(dm_parts, ignore_index=True)
show_table(
    trends.forecast_scores(skills, dms),
    {
        "series": "Series",
        "model": "Model",
        "n_forecasts": "Forecasts",
        "mae": "MAE (per day)",
        "rmse": "RMSE (per day)",
        "mae_vs_naive": "MAE vs naive",
        "most_accurate": "Most accurate",
        "mean_loss_diff": "Extra absolute error vs the most accurate (per day)",
        "dm_stat": "DM statistic",
        "p_value": "DM p-value",
    },
    formats={
        "mae": "{:,.0f}",
        "rmse": "{:,.0f}",
        "mae_vs_naive": "{:.2f}",
        "mean_loss_diff": "{:+,.0f}",
        "dm_stat": "{:+.2f}",
        "p_value": "{:.3f}",
    },
    caption="Rolling-origin backtest of the forecast models (per-day rates) and Diebold–Mariano comparison of "
    "each with the most accurate model of its series",
    name="forecast_backtest",
)

# %%
show_table(
    probabilities,
    {
        "series": "Series",
        "model": "Model",
        "months": "Months simulated",
        "probability": "Probability of reaching the goal",
        "weight": "Weight",
        "backtested": "Backtested",
    },
    formats={"probability": "{:.1%}", "weight": "{:.2f}"},
    caption=f"Probability of at least one month at {goal:,.0f} a day by {goal_end:%B %Y}, by model",
    name="goal_probabilities",
)
fig = trend_charts.plot_goal_probabilities(
    probabilities,
    text=trend_charts.ChartText(
        title=f"Probability that arrests or book-ins reach {goal:,.0f} a day by {goal_end:%B %Y}, by model",
        ylabel="Probability (%), conditional on future shocks as large as 2025's",
    ),
)
style.source_note(
    fig, f"Arrests: {ARRESTS_NOTE}. Book-ins: {BOOK_INS_NOTE}. 4,000 simulated paths per model."
)
show_figure(
    fig,
    name="goal_probabilities",
    describe="Dots, one per forecast model and series, at the probability of reaching the goal (dot size: "
    "backtest weight); dashed lines at each series' skill-weighted combination.",
    data=probabilities,
)
for name, s in forecast_sets.items():
    rows = probabilities.loc[probabilities["series"] == name]
    dm = dms.loc[dms["series"] == name]
    worse = dm.loc[(dm["p_value"] < SIGNIFICANCE) & (dm["mean_loss_diff"] > 0), "model"].tolist()
    ends = trends.probability_range(rows, seasonality_p=season.p_value, alpha=SIGNIFICANCE)
    unfit = [m for m in trends.CANDIDATES if m not in set(rows["model"])]
    shares = trends.shock_shares(s)
    others = shares.drop(2025, errors="ignore")
    display(
        md(
            "**{name}.** Conditional on future month-to-month shocks as large as those in the history the models "
            "learn from (since {first:%B %Y}; 2025 accounts for {share:.0%} of its squared monthly changes in log "
            "{name}{other}), the probability that {name} reach {goal:,.0f} a day in at least one month by "
            "{end:%B %Y} ranges from **{lo:.1%}** to **{hi:.1%}** across the {n} candidate models that can be "
            "fitted{unfit}: the bottom of the range comes from the {lo_m} model, the top from the {hi_m} model. "
            "{support}The skill-weighted combination gives **{comb:.1%}**. {dm_sentence}{secondary}",
            name=name,
            share=float(shares.get(2025, 0.0)),
            other=(
                md_text(
                    " and {year} for {share:.0%}",
                    year=str(others.idxmax()),
                    share=others.max(),
                )
                if len(others)
                else ""
            ),
            first=s.index[0],
            goal=goal,
            end=goal_end,
            lo=ends.low,
            lo_m=ends.low_model,
            hi=ends.high,
            hi_m=ends.high_model,
            support=(
                md_text(
                    "The {hi_m} model is seasonal (it repeats the pattern of the same months a year earlier), while "
                    "the seasonality test above finds no evidence of seasonality (bootstrap p = {p:.3f}, on {tested} per "
                    "day), so **the top of the range is its least supported end**. ",
                    hi_m=ends.high_model,
                    p=ends.seasonality_p,
                    tested=series_name,
                )
                if ends.top_unsupported
                else ""
            ),
            secondary=(
                ""
                if name == "ICE ERO arrests"
                else md_text(
                    " **This book-ins probability is secondary**: the goal counts arrests, and book-ins are "
                    "detentions that followed an arrest, a different series (see the bridge above); it is shown as "
                    "a cross-check of the arrests' forecast, not as a second measure of the goal."
                )
            ),
            n=len(rows),
            unfit=(
                md_text(
                    " ({models} cannot be fitted to {k} months)", models=join(unfit, last=" and "), k=len(s)
                )
                if unfit
                else ""
            ),
            comb=trends.combined_probability(rows),
            dm_sentence=(
                md_text(
                    "No model dominates: no candidate's backtest errors differ significantly from the most accurate "
                    "model's ({ref}; Diebold–Mariano p ≥ {alpha} for all).",
                    ref=dm["reference"].iloc[0],
                    alpha=SIGNIFICANCE,
                )
                if not worse
                else md_text(
                    "Diebold–Mariano tests find {worse} significantly less accurate than {ref} (p < {alpha}); the "
                    "other models are indistinguishable from {ref}, so none of them dominates the rest.",
                    worse=join(worse, last=" and "),
                    ref=dm["reference"].iloc[0],
                    alpha=SIGNIFICANCE,
                )
            ),
        )
    )

# %%
arrest_probabilities = probabilities.loc[probabilities["series"] == "ICE ERO arrests"]
arrest_ends = trends.probability_range(arrest_probabilities, seasonality_p=season.p_value, alpha=SIGNIFICANCE)
findings.add(
    "Forecast from arrests through {last:%B %Y}: the probability that ICE ERO arrests reach {goal:,.0f} a day in at "
    "least one month by {end:%B %Y} is {lo:.1%} ({lo_m}) to {hi:.1%} ({hi_m}) across {n} forecast models "
    "(skill-weighted: {comb:.1%}){note}.",
    date=latest_arrest["month"],
    last=latest_arrest["month"],
    goal=goal,
    end=goal_end,
    lo=arrest_ends.low,
    lo_m=arrest_ends.low_model,
    hi=arrest_ends.high,
    hi_m=arrest_ends.high_model,
    n=len(arrest_probabilities),
    comb=trends.combined_probability(arrest_probabilities),
    note=(  # plain text: findings are escaped where they are shown
        "; the top comes from a seasonal model although the seasonality test finds none "
        f"(p = {arrest_ends.seasonality_p:.3f}, on {series_name} per day), so it is the least supported end"
        if arrest_ends.top_unsupported
        else ""
    ),
)

# %%
arrest_series = forecast_sets["ICE ERO arrests"]
arrest_best = str(skills.loc[skills["series"] == "ICE ERO arrests", "model"].iloc[0])
fc = trends.forecast(arrest_series, arrest_best, params.forecast_months)
fig = trend_charts.plot_forecast(
    arrest_series,
    fc,
    goal=goal,
    series_label="ICE ERO arrests per day (complete months)",
    text=trend_charts.ChartText(
        title=f"ICE ERO arrests per day: {params.forecast_months}-month forecast ({arrest_best})",
        ylabel="Arrests per day",
    ),
)
style.source_note(fig, f"{ARRESTS_NOTE}. Forecast: {arrest_best} on log arrests per day; bands 80% and 95%.")
show_figure(
    fig,
    name="arrests_forecast",
    describe=f"A line of ICE ERO arrests per day by complete month, then the {arrest_best} forecast median for "
    f"{params.forecast_months} months with 80% and 95% bands, and the goal as a dashed line.",
    data=fc,
    key=key,
    events_on=fig.axes[0],
)

# %% [markdown]
# ## Daily series (Deportation Data Project)

# %%
if used_source == "ddp":
    fig = trend_charts.plot_daily(
        daily,
        text=trend_charts.ChartText(
            title="ICE arrests per day (Deportation Data Project)", ylabel="Arrests per day"
        ),
    )
    style.source_note(fig, f"{series_note}. Tail trimmed after {trimmed_after:%Y-%m-%d}.")
    show_figure(
        fig,
        name="daily_arrests",
        describe="A thin grey line of ICE arrests per day and a blue line of its centred 7-day mean.",
        data=daily,
        key=key,
        events_on=fig.axes[0],
    )
    daily_fit = trends.fit_daily_segmented(daily, params.breaks)
    show_table(
        trends.day_of_week_effects(daily_fit),
        {"day": "Day of week", "pct_vs_monday": "% vs Monday", "pct_low": "95% low", "pct_high": "95% high"},
        name="day_of_week_effects",
        formats={"pct_vs_monday": "{:+.1f}", "pct_low": "{:+.1f}", "pct_high": "{:+.1f}"},
    )
else:
    display(md("Not shown: {why}. The daily path runs when the file is present.", why=why))

# %% [markdown]
# ## How to read this
# - **Arrests** (ICE ERO) and **book-ins** (arrests that led to an ICE detention book-in) are different series; the
#   goal counts arrests. Rates are per day so months of different length compare fairly.
# - Hatched bars are months a source covers only partly, or arrest months whose last weeks are still being
#   entered; no model uses them.
# - Dotted vertical lines are dated events; a line next to a change is not proof that the event caused it.
# - Level change: the jump at the break, in %. Slope change: how much faster or slower the rate grows per month
#   after the break. "Coverage measured" is the share of simulated series, drawn from the fitted model itself,
#   whose interval contained the true value: it should be close to the nominal 95%.
# - Nowcast and forecast bands: 80% and 95% intervals. Goal probabilities are shares of simulated paths and depend
#   on the model; their range across models is a sensitivity range, not a sampling interval.
#
# ## Limits
# - The arrest records are a FOIA release processed by the Deportation Data Project; recent months can still be
#   revised upward as records are entered. The nowcast treats the arrests of its target months as final.
# - ICE revises past months of book-ins between editions; the series uses the newest edition covering each month.
# - With few months after each break, the break effects are imprecise; the measured coverage assumes the fitted
#   model (log-linear segments, AR(1) errors) describes the data.
# - Forecast models know only the past of their series: a policy decision, hiring surge or funding change can move
#   the rate faster than any model here anticipates. Simulated paths hold each model's parameters fixed.

# %%
findings.publish()
