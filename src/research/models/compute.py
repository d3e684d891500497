"""Numerical housekeeping shared by the models.

The models run thousands of small matrix operations (state-space filters, 8 x 8 solves). Multi-threaded BLAS
only adds overhead at that size, and on a machine whose cores are busy it makes the same work many times slower,
so the heavy entry points run on one BLAS thread. Results do not depend on the number of threads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from threadpoolctl import threadpool_limits

P = ParamSpec("P")
R = TypeVar("R")


def one_blas_thread(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` with BLAS limited to one thread (restored afterwards)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper
