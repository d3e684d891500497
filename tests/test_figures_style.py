"""Figure conventions: the same data give byte-identical figures (reports can be compared run to run)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from research.figures import style  # noqa: E402


def _jittered_strip_png() -> bytes:
    style.use_style()
    frame = pd.DataFrame({"month": ["a"] * 30 + ["b"] * 30, "value": np.arange(60) % 7})
    fig, ax = plt.subplots()
    sns.stripplot(data=frame, x="month", y="value", ax=ax)  # jitter draws random numbers
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def test_jittered_figure_is_identical_across_runs() -> None:
    first = _jittered_strip_png()
    np.random.seed(12345)  # whatever ran before, use_style resets the drawing randomness
    assert _jittered_strip_png() == first
