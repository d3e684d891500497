"""Validation of notebook parameters: stop a papermill run in its first cell with a one-line message."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd


class ParameterError(ValueError):
    """A notebook parameter has a value outside what the notebook supports."""


def _fail(name: str, value: Any, expected: str) -> ParameterError:
    return ParameterError(f"parameter '{name}' = {value!r}: expected {expected}")


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return `value` if it is one of `allowed`."""
    options = list(allowed)
    if value not in options:
        raise _fail(name, value, "one of " + ", ".join(repr(o) for o in options))
    return value


def check_date(name: str, value: Any) -> pd.Timestamp:
    """Parse an ISO date string (YYYY-MM-DD or YYYY-MM) into a Timestamp."""
    if not isinstance(value, str | pd.Timestamp):
        raise _fail(name, value, "an ISO date string such as '2025-01-20'")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise _fail(name, value, "an ISO date string such as '2025-01-20'") from None
    if pd.isna(stamp):
        raise _fail(name, value, "an ISO date string such as '2025-01-20'")
    return stamp


def check_range(
    name: str,
    value: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    integer: bool = False,
) -> Any:
    """Return `value` if it is a finite number (an int when `integer`) within [lo, hi].

    NaN and infinity are refused whatever the bounds: every comparison with NaN is false, so a bounds check
    alone would let `-p attrition_rate nan` through.
    """
    kind = "an integer" if integer else "a number"
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or (integer and not isinstance(value, int)):
        raise _fail(name, value, kind)
    if not math.isfinite(value):
        bounds = _bounds(lo, hi)
        raise _fail(name, value, f"a finite number{' ' + bounds if bounds else ''}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise _fail(name, value, f"{kind} {_bounds(lo, hi)}")
    return value


def _bounds(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"between {lo} and {hi}"
    if lo is not None:
        return f">= {lo}"
    return f"<= {hi}" if hi is not None else ""


def check_bool(name: str, value: Any) -> bool:
    """Return `value` if it is True or False."""
    if not isinstance(value, bool):
        raise _fail(name, value, "True or False")
    return value
