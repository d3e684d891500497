"""Default inputs for interactive calls: the embedded processed tables, loaded on demand.

Model functions take frames. A few entry points meant to be called by hand in JupyterLab also accept no frame at
all (`research.models.trends.nowcast("Total")`): they then ask this module for the project's default table,
which it loads through `research.data`. This is the only route from `research.models` to the data layer, it
is used for omitted arguments only, and tests always pass frames (tests/test_architecture.py checks both).
"""

from __future__ import annotations

import pandas as pd


def frame(name: str, **kwargs: object) -> pd.DataFrame:
    """`research.data.load_<name>(**kwargs)`, imported when first needed."""
    from research import data

    loader = getattr(data, f"load_{name}", None)
    if loader is None:
        raise ValueError(f"no default table {name!r}: research.data has no load_{name}()")
    return loader(**kwargs)
