"""Staffing charts (research.figures.staffing) on synthetic frames: labelled axes, months not complete never joined."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from research.figures import staffing as charts  # noqa: E402
from research.figures import style  # noqa: E402
from research.models import staffing as st  # noqa: E402


def synthetic_outcome() -> pd.DataFrame:
    months = pd.date_range("2025-01-01", "2025-08-01", freq="MS")
    status = ["complete"] * 6 + ["reporting lag", "partial month"]
    return pd.DataFrame(
        {
            "month": months,
            "per_day": np.arange(8, dtype=float) * 10 + 100,
            "status": status,
            "employees": 1000.0,
            "per_employee_day": 0.1,
        }
    )


def test_months_not_complete_are_never_joined_to_the_line() -> None:
    fig, ax = plt.subplots()
    charts.plot_monthly(ax, synthetic_outcome(), "per_day", style.PALETTE[0], "synthetic")
    line, markers = ax.get_lines()
    assert len(line.get_xdata()) == 6  # only complete months on the joined line
    assert markers.get_linestyle() == "None" and len(markers.get_xdata()) == 2
    plt.close(fig)


def test_every_chart_has_labelled_axes_and_a_source() -> None:
    style.use_style()
    outcome = synthetic_outcome()
    staff = pd.DataFrame({"month": outcome["month"], "employees": 1000.0})
    claims = pd.DataFrame(
        {
            "label": ["officers"],
            "period_start": [pd.Timestamp("2025-03-01")],
            "value": [300],
            "is_claim": [True],
        }
    )
    elasticity = pd.DataFrame(
        {
            "specification": ["a", "b"],
            "elasticity": [0.5, 1.2],
            "ci_low": [0.2, -1.0],
            "ci_high": [0.8, 3.0],
            "robust_low": [0.1, -2.0],
            "robust_high": [0.9, 4.0],
            "identified": [True, False],
        }
    )
    needs = pd.DataFrame(
        {
            "method": ["a", "b"],
            "officers": [20_000.0, 25_000.0],
            "low": [18_000.0, 15_000.0],
            "high": [23_000.0, np.inf],
            "range_low": [17_000.0, np.nan],
            "range_high": [21_000.0, np.nan],
        }
    )
    sims = st.simulate_scenarios(
        st.parse_scenarios(
            {
                "scenarios": [
                    {
                        "name": "s",
                        "description": "synthetic",
                        "inputs": {
                            "hires_per_month": 100,
                            "training_months": 1,
                            "ramp_months": 1,
                            "attrition_rate": 0.0,
                            "border_patrol_agents": 100,
                            "bp_relative_productivity": 0.5,
                            "operational_share": 0.5,
                        },
                    }
                ]
            }
        ),
        st.Baseline(1000, 0.1, 0.3, 0.4),
        horizon_months=6,
        start="2025-09-01",
        n_sims=50,
        seed=1,
    )
    table = pd.DataFrame(
        {"model": ["s", "s"], "month": outcome["month"][:2], "predicted": [100.0, 110.0], "lower": np.nan}
    )
    figures = [
        charts.workforce_figure(
            staff, claims, {"arrests": outcome}, {"arrests": "ICE arrests"}, source="synthetic"
        ),
        charts.productivity_figure(
            {"arrests": outcome},
            {"arrests": (outcome["month"][3], outcome["month"][5], 0.1, 0.09, 0.11)},
            {"arrests": "ICE arrests"},
            source="synthetic",
        ),
        charts.elasticity_figure(elasticity, source="synthetic"),
        charts.needs_figure(needs, [("claim", 22_000.0)], goal=3000, source="synthetic"),
        charts.scenario_figure(
            st.summarise_simulation(sims),
            outcome,
            goal=3000,
            colours={"s": style.PALETTE[0]},
            observed_label="observed",
            source="synthetic",
        ),
        charts.out_of_sample_figure(
            table,
            outcome,
            colours={"s": style.PALETTE[0]},
            fit_through=outcome["month"][0],
            ylabel="ICE arrests per day",
            source="synthetic",
        ),
    ]
    categorical = {2, 3}  # forest plots: the y axis lists the specifications
    for i, fig in enumerate(figures):
        fig.canvas.draw()
        for ax in fig.axes:
            if i in categorical:
                assert [t.get_text() for t in ax.get_yticklabels()][-1] in {"a", "b"}
            else:
                assert ax.get_ylabel(), "every axis says what it shows, with its unit"
        assert any(ax.get_xlabel() for ax in fig.axes)
        assert style.figure_source(fig) == "synthetic"  # printed under the image by page.show_figure
        title = " ".join(ax.get_title() for ax in fig.axes).lower()
        assert "arrests" in title or "book-ins" in title, title
        plt.close(fig)
