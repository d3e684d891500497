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
# # Arrest trends and the 3,000-a-day goal
#
# How have ICE arrests moved since FY2021, how far are they from the 3,000-arrests-per-day goal set on
# 21 May 2025, and when, if ever, would the goal be met on the current path? All numbers below are computed
# from the data when the notebook runs; the models live in `research.trends` (tested on simulated series).

# %% tags=["parameters"]
start = "2020-10-01"  # first month analysed (ISO date); FY2021 begins 2020-10-01
end = "2026-12-31"  # last date analysed (ISO date); data after the newest edition simply do not exist yet
agency = "ICE"  # arresting agency of the book-ins: "ICE", "CBP" or "Total" (ICE + CBP)
source = "auto"  # "auto" (DDP daily file if present, else book-ins), "book_ins" or "ddp"
goal_per_day = 3000  # arrests per day; the White House goal set 2025-05-21
breaks = [
    "2025-01-20",
    "2025-05-21",
    "2025-10-24",
]  # ISO dates of level/slope breaks (inauguration, goal, shake-up)
forecast_months = 12  # forecast horizon in months, 6 to 12
seed = 20250521  # random seed for the goal-probability simulation (same seed, same numbers)

# %%
from research import data
from research.models import trends

book_ins = data.load_book_ins()
params = trends.validate_trend_params(
    start=start,
    end=end,
    agency=agency,
    source=source,
    goal_per_day=goal_per_day,
    breaks=breaks,
    forecast_months=forecast_months,
    seed=seed,
    data_range=trends.data_range(book_ins),
    ddp_available=data.has_arrests_file(),
)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from research.figures import style
from research.figures import trends as trend_charts

style.use_style()
events = data.load_events()
colour = style.AGENCY_COLOURS[params.agency]
used_source, why = trends.resolve_source(params.source, params.agency, data.has_arrests_file())
BOOK_INS_NOTE = book_ins.attrs["source"]

if used_source == "ddp":
    raw_daily = data.load_arrests_daily(by="aor")
    trimmed = trends.trim_incomplete_tail(trends.daily_national(raw_daily))
    trimmed_after = trimmed.attrs["trimmed_after"]
    daily = trends.restrict(trimmed, params.start, params.end, date_col="date")
    rates = trends.monthly_from_daily(daily)
    series_note = f"Deportation Data Project, ICE arrests ({raw_daily.attrs.get('source', 'daily file')})"
    unit = "ICE arrests per day"
else:
    rates = trends.restrict(trends.monthly_rates(book_ins, params.agency), params.start, params.end)
    series_note = BOOK_INS_NOTE
    unit = "Book-ins per day (arrests leading to detention)"
print(f"Data source used: {used_source} ({why}).")
print(
    f"Series: {params.agency}, {rates['month'].min():%b %Y} to {rates['month'].max():%b %Y}; data version "
    f"{book_ins.attrs['data_version']}."
)

# %% [markdown]
# ## What is counted
#
# The default series is **initial book-ins** into ICE detention, split by the arresting agency (ICE or CBP),
# from ICE's detention-statistics workbooks. **Book-ins count arrests that led to an ICE detention book-in,
# not all arrests**: people arrested and released, or removed straight away, are not in them, so book-ins
# understate arrests. Each month's count is divided by its number of days (28 to 31; 29 in February 2024).
# When a workbook's data stop mid-month (September 2025 stops on the 20th because no later FY2025 edition
# exists; the newest month of FY2026 is also partial), the rate uses only the days covered, the month is
# left out of every model fit, and it is drawn hatched.

# %%
best = trends.best_month(rates)
latest = rates.loc[~rates["partial_month"]].iloc[-1]
partial = rates.loc[rates["partial_month"]]
goal = params.goal_per_day
display(
    Markdown(
        f"**Headline.** The best complete month so far is **{best['month']:%B %Y}** with "
        f"**{best['per_day']:,.0f} per day** ({best['count']:,} over {best['days']} days): "
        f"{goal - best['per_day']:,.0f} per day short of the {goal:,.0f}/day goal "
        f"({100 * best['per_day'] / goal:.0f}% of it). The latest complete month, {latest['month']:%B %Y}, ran "
        f"at {latest['per_day']:,.0f} per day, {max(goal - latest['per_day'], 0):,.0f} per day short. "
        + (
            "Partial months (hatched, not fitted): "
            + ", ".join(
                f"{r.month:%b %Y} ({r.days} days, {r.per_day:,.0f}/day)" for r in partial.itertuples()
            )
            + "."
            if len(partial)
            else ""
        )
    )
)

# %% [markdown]
# ## FY2025 and FY2026 month by month
# Rates are book-ins divided by days, exactly as in the workbooks' monthly columns.

# %%
fy_table = trends.fiscal_year_table(trends.monthly_rates(book_ins, params.agency), (2025, 2026))
display(
    fy_table.rename(
        columns={
            "fiscal_year": "FY",
            "month_label": "Month",
            "count": "Book-ins",
            "days": "Days",
            "partial_month": "Partial",
            "per_day": "Per day",
        }
    )
    .drop(columns="month")
    .style.format({"Book-ins": "{:,}", "Per day": "{:,.1f}"})
    .hide(axis="index")
)
fy_totals = fy_table.groupby("fiscal_year").agg(count=("count", "sum"), days=("days", "sum"))
display(
    Markdown(
        " ".join(
            f"FY{fy}: {row['count']:,} {params.agency} book-ins over {row['days']} days = "
            f"{row['count'] / row['days']:,.0f} per day."
            for fy, row in fy_totals.iterrows()
        )
    )
)

# %% [markdown]
# ## Interrupted time series: did the level or the slope change at the break dates?
# A Poisson regression of monthly counts with log(days) as offset (so it models the rate per day), a log-linear
# trend, and at each break a level change and a slope change. Intervals are 95% with Newey–West (HAC)
# standard errors, which allow for over-dispersion and for neighbouring months moving together.

# %%
fit = trends.fit_segmented(rates, params.breaks, method="poisson_hac")
effects = fit.table.assign(
    Break=lambda t: t["break"].dt.strftime("%Y-%m-%d").fillna("(before first break)"),
    Term=lambda t: t["term"].map(
        {
            "baseline_slope": "Trend before breaks (% per month)",
            "level_change": "Level change (%)",
            "slope_change": "Slope change (% per month)",
        }
    ),
    Estimate=lambda t: t["pct_estimate"],
    Low95=lambda t: t["pct_ci_low"],
    High95=lambda t: t["pct_ci_high"],
)[["Break", "Term", "Estimate", "Low95", "High95"]]
display(
    effects.style.format({"Estimate": "{:+.1f}", "Low95": "{:+.1f}", "High95": "{:+.1f}"}).hide(axis="index")
)
first_level = fit.table.loc[fit.table["term"] == "level_change"].iloc[0]
display(
    Markdown(
        f"Fitted on {fit.n_obs} complete months ({fit.excluded} partial left out). At "
        f"{first_level['break']:%d %B %Y} the level changed by {first_level['pct_estimate']:+.0f}% "
        f"(95% interval {first_level['pct_ci_low']:+.0f}% to {first_level['pct_ci_high']:+.0f}%). "
        "Breaks close together share few months between them, so their separate effects are uncertain."
    )
)

# %%
fig = trend_charts.plot_rates(
    rates,
    goal=goal,
    fitted=fit.fitted.rename(columns={"date": "month"}),
    colour=colour,
    text=trend_charts.ChartText(
        title=f"{params.agency} arrests per day and the {goal:,.0f}/day goal", ylabel=unit
    ),
    events=events,
    add_events=style.add_events,
)
style.source_note(fig, f"{series_note}. Hatched: partial month. Fit: segmented Poisson model.")
plt.show()

# %% [markdown]
# ## Who made the arrests: ICE versus CBP
# Book-ins are split by the arresting agency. Border Patrol's move into interior enforcement in 2025 shows up
# as CBP-arrested book-ins away from the border.

# %%
split = trends.restrict(trends.agency_split(book_ins), params.start, params.end)
fig = trend_charts.plot_agency_split(
    split,
    colours=style.AGENCY_COLOURS,
    text=trend_charts.ChartText(title="Book-ins per day by arresting agency", ylabel="Book-ins per day"),
    events=events,
    add_events=style.add_events,
)
style.source_note(fig, f"{BOOK_INS_NOTE}. Hatched: partial month.")
plt.show()
share = split.loc[(split["agency"] == "ICE") & ~split["partial_month"]].set_index("month")["cbp_share"]
fy21 = share.loc[share.index < "2021-10-01"].mean()
display(
    Markdown(
        f"CBP's share of ICE + CBP book-ins was {100 * fy21:.0f}% on average in FY2021 and "
        f"{100 * share.iloc[-1]:.0f}% in {share.index[-1]:%B %Y}; the peak month was "
        f"{share.idxmax():%B %Y} ({100 * share.max():.0f}%)."
    )
)

# %% [markdown]
# ## Seasonal pattern (STL)

# %%
series = trends.monthly_series(rates)
stl = trends.stl_decompose(series)
if stl.components is None:
    display(Markdown(f"STL skipped: {stl.reason}."))
else:
    fig = trend_charts.plot_stl(
        stl.components,
        text=trend_charts.ChartText(
            title=f"{params.agency} rate: trend, seasonal effect and remainder (STL on logs)"
        ),
        events=events,
        add_events=style.add_events,
    )
    style.source_note(fig, f"{series_note}. {stl.reason}.")
    plt.show()
    comps = stl.components.set_index("month")
    swing = comps["seasonal_pct"]
    before = comps.loc[comps.index < "2025-01-01", "trend"].iloc[-1]
    display(
        Markdown(
            f"{stl.reason}. The seasonal effect ranges from {swing.min():+.0f}% to {swing.max():+.0f}% around the "
            f"trend; the trend went from {before:,.0f} per day in December 2024 to {comps['trend'].iloc[-1]:,.0f} "
            f"in {comps.index[-1]:%B %Y} ({comps['trend'].iloc[-1] / before:.1f} times)."
        )
    )

# %% [markdown]
# ## Forecast: which model, and what it says
# Candidates (all on the log rate): naive (random walk), seasonal naive, ARIMA(1,1,0), the seasonal
# "airline" SARIMA(0,1,1)(0,1,1)12, and damped-trend exponential smoothing. Each is refit at each of the last
# 12 month-ends and scored on the months that followed (rolling origin, up to 6 months ahead). "MAE vs naive"
# below 1 means more accurate than the naive forecast over the same months. MASE divides errors by the typical
# month-to-month change in the training data; the calm FY2021–FY2024 years make that scale small, so every
# model, naive included, scores well above 1 after the 2025 jumps.

# %%
bt = trends.backtest(series, horizon=min(6, params.forecast_months), n_origins=12)
display(
    bt.rename(
        columns={
            "model": "Model",
            "n_forecasts": "Forecasts",
            "mae": "MAE (per day)",
            "mase_naive": "MASE vs naive",
            "mase_snaive": "MASE vs seasonal naive",
            "mae_vs_naive": "MAE vs naive",
            "mae_vs_snaive": "MAE vs seasonal naive",
        }
    )
    .style.format(
        {
            "MAE (per day)": "{:,.0f}",
            "MASE vs naive": "{:.2f}",
            "MASE vs seasonal naive": "{:.2f}",
            "MAE vs naive": "{:.2f}",
            "MAE vs seasonal naive": "{:.2f}",
        }
    )
    .hide(axis="index")
)
chosen = str(bt["model"].iloc[0])
fc = trends.forecast(series, chosen, params.forecast_months)
paths = trends.simulate_paths(series, chosen, params.forecast_months, 4000, params.seed)
p_goal = trends.goal_probability(paths, goal, params.forecast_months)
fy26_end = pd.Timestamp("2026-09-01")
months_to_fy26_end = int((fc["month"] <= fy26_end).sum())
p_fy26 = trends.goal_probability(paths, goal, months_to_fy26_end) if months_to_fy26_end else float("nan")
last_fc = fc.iloc[-1]
display(
    Markdown(
        f"The backtest picks **{chosen}** (lowest MAE, {bt['mae'].iloc[0]:,.0f} per day). Its median forecast for "
        f"{last_fc['month']:%B %Y} is {last_fc['median']:,.0f} per day (80% interval {last_fc['lo80']:,.0f} to "
        f"{last_fc['hi80']:,.0f}; 95% interval {last_fc['lo95']:,.0f} to {last_fc['hi95']:,.0f}). "
        f"In 4,000 paths simulated from the fitted model (seed {params.seed}), the monthly rate reaches "
        f"{goal:,.0f}/day in at least one month by {last_fc['month']:%B %Y} in **{100 * p_goal:.1f}%** of paths"
        + (f", and by September 2026 (end of FY2026) in {100 * p_fy26:.1f}%." if months_to_fy26_end else ".")
        + f" Still missing at the latest complete month: {max(goal - latest['per_day'], 0):,.0f} arrests per day."
    )
)

# %%
fig = trend_charts.plot_forecast(
    series,
    fc,
    goal=goal,
    text=trend_charts.ChartText(
        title=f"{params.agency} arrests per day: {params.forecast_months}-month forecast", ylabel=unit
    ),
    events=events,
    add_events=style.add_events,
    history_from=pd.Timestamp("2023-10-01"),
)
style.source_note(fig, f"{series_note}. Forecast: {chosen} on log rate; bands 80% and 95%.")
plt.show()

# %% [markdown]
# ## Goal gap: arrests per day still missing

# %%
gap = trends.goal_gap(rates, goal)
since_goal = gap.loc[gap["month"] >= "2025-05-01"]
fig = trend_charts.plot_goal_gap(
    since_goal,
    text=trend_charts.ChartText(
        title=f"Arrests per day still missing to reach {goal:,.0f}/day ({params.agency})",
        ylabel="Missing arrests per day (goal minus rate)",
    ),
    events=events,
    add_events=style.add_events,
)
style.source_note(fig, f"{series_note}. Hatched: partial month.")
plt.show()
complete_gap = since_goal.loc[~since_goal["partial_month"]]
display(
    Markdown(
        f"Since the goal was set (May 2025), complete months ran at {complete_gap['pct_of_goal'].min():.0f}% to "
        f"{complete_gap['pct_of_goal'].max():.0f}% of the goal; the smallest gap was "
        f"{complete_gap['missing_per_day'].min():,.0f} per day."
    )
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
        events=events,
        add_events=style.add_events,
    )
    style.source_note(fig, f"{series_note}. Tail trimmed after {trimmed_after:%Y-%m-%d}.")
    plt.show()
    daily_fit = trends.fit_daily_segmented(daily, params.breaks)
    display(trends.day_of_week_effects(daily_fit).round(1))
    display(daily_fit.table.round(4))
else:
    display(
        Markdown(
            f"Not shown: {why}. The daily path (day-of-week effects, trimmed tail) runs when the file is present."
        )
    )

# %% [markdown]
# ## How to read this
# - Rates are **per day** so months of different length compare fairly; the dashed line is the goal.
# - Hatched bars are months the data only partly cover; their rate uses only the covered days and no model uses them.
# - Dotted vertical lines are dated events (policy, leadership, operations, staffing); a line next to a change is
#   not proof that the event caused it.
# - Level change: the jump in the rate at the break, in %. Slope change: how much faster (or slower) the rate grows
#   per month after the break. The 95% intervals show the uncertainty; an interval that spans 0 means no clear change.
# - Forecast bands: 80% and 95% of future months should fall inside them if the model is right; the probability of
#   reaching the goal comes from simulated paths of the same model.
#
# ## Limits
# - Book-ins are not arrests: arrests that did not lead to an ICE detention book-in are missing, so the gap to
#   the goal is overstated by an unknown amount. The goal itself counts all arrests.
# - ICE revises past months between editions; the "best" series uses the newest edition that covers each month.
# - Partial months are excluded, so the newest weeks of data do not enter the models.
# - With few months after each break, the segmented estimates are imprecise, and HAC intervals in short series
#   tend to be a little too narrow (simulations in the tests show about 90–93% coverage for a nominal 95%).
# - The forecast models know only the past of this series: a policy decision, hiring surge or funding change
#   can move the rate faster than any model here anticipates. Simulated probabilities hold the model's parameters
#   fixed, so they understate uncertainty.
