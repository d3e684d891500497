"""Fiscal calendar and notebook parameter checks."""

from __future__ import annotations

import pandas as pd
import pytest

from research import calendar, params


def test_fiscal_year_boundaries() -> None:
    assert calendar.fiscal_year("2024-09-30") == 2024
    assert calendar.fiscal_year("2024-10-01") == 2025
    assert calendar.fiscal_month_start(2025, "Oct") == pd.Timestamp("2024-10-01")
    assert calendar.fiscal_month_start(2025, "Sep ") == pd.Timestamp("2025-09-01")


def test_days_in_february_and_leap_years() -> None:
    assert calendar.days_in_month("2024-02-01") == 29
    assert calendar.days_in_month("2025-02-01") == 28
    assert calendar.days_covered("2025-09-01", "2025-09-20") == 20
    assert calendar.days_covered("2024-02-01", "2024-03-05") == 29
    assert calendar.days_covered("2025-10-01", "2025-09-20") == 0


def test_parameter_errors_name_the_parameter_and_what_is_allowed() -> None:
    with pytest.raises(
        params.ParameterError, match=r"parameter 'agency' = 'XYZ': expected one of 'ICE', 'CBP'"
    ):
        params.check_choice("agency", "XYZ", ["ICE", "CBP"])
    with pytest.raises(params.ParameterError, match="parameter 'start' = '2025-13-45'"):
        params.check_date("start", "2025-13-45")
    with pytest.raises(params.ParameterError, match="between 0 and 1"):
        params.check_range("attrition_rate", 1.5, 0, 1)
    with pytest.raises(params.ParameterError, match="an integer"):
        params.check_range("n_sims", 10.5, 1, integer=True)
    with pytest.raises(params.ParameterError, match="True or False"):
        params.check_bool("exclude_operations", "yes")
    assert params.check_date("start", "2025-01") == pd.Timestamp("2025-01-01")


def test_fiscal_year_starts_agree_with_the_scalar_rule() -> None:
    dates = pd.Series(pd.date_range("2023-09-28", "2025-10-03", freq="6D"))
    expected = [calendar.fiscal_year_start(calendar.fiscal_year(d)) for d in dates]
    assert list(calendar.fiscal_year_starts(dates)) == expected


def test_cpus_default_to_the_available_cores_and_follow_the_batch_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from research import config

    monkeypatch.delenv(config.CPUS_ENV, raising=False)
    assert config.cpus() == config.available_cpus() >= 1
    monkeypatch.setenv(config.CPUS_ENV, " 3 ")
    assert config.cpus() == 3
    for bad in ("0", "-1", "two", "1.5"):
        monkeypatch.setenv(config.CPUS_ENV, bad)
        with pytest.raises(ValueError, match=f"RESEARCH_CPUS='{bad}': expected a whole number"):
            config.cpus()
