"""The runner as processes (issue 14, items 6, 9, 11, 12): concurrent runs, kills, Ctrl-C, a Dask worker with
other data. Synthetic notebooks made here; each test starts `python -m research.reports` or a local cluster."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from test_reports import runs, write_notebook, write_spec

from research.reports.runner import RunOptions, run_reports
from research.reports.store import Manifest

pytestmark = pytest.mark.slow


def write_data_version(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    info = {"data_version": version, "built_at": "2026-01-01T00:00:00Z", "raw_inputs": []}
    (folder / "data_version.json").write_text(json.dumps(info))
    return folder


@pytest.fixture
def nbdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(
        "RESEARCH_PROCESSED_DIR", str(write_data_version(tmp_path / "processed", "synthetic-v1"))
    )
    folder = tmp_path / "nb"
    folder.mkdir()
    return folder


STARTED: list[psutil.Process] = []


@pytest.fixture(autouse=True)
def reap_leftovers() -> object:
    """Whatever a failing test leaves running (runs, workers, kernels) is killed at teardown."""
    STARTED.clear()
    yield
    leftovers = [p for p in STARTED if p.is_running()]
    for process in leftovers:
        with contextlib.suppress(psutil.Error):
            leftovers += process.children(recursive=True)
    for process in leftovers:
        with contextlib.suppress(psutil.Error):
            process.kill()


def start_run(spec: Path, out: Path, *extra: str, new_session: bool = False) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "research.reports", "run", "--spec", str(spec), "--output", str(out)]
    run = subprocess.Popen(
        [*command, "--no-progress", "--timeout", "300", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )
    STARTED.append(psutil.Process(run.pid))
    return run


def wait_for(condition: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def test_two_runs_at_once_keep_every_entry_and_status(nbdir: Path, tmp_path: Path) -> None:
    write_notebook(nbdir / "slow.ipynb", "import time\ntime.sleep(3)\nprint('done', x)")
    write_notebook(
        nbdir / "boom.ipynb", "import time\ntime.sleep(3)\nraise RuntimeError('synthetic failure')"
    )
    spec = write_spec(
        nbdir,
        [
            {"name": "a", "notebook": "slow.ipynb", "group": "national", "parameters": {"x": 1}},
            {"name": "b", "notebook": "boom.ipynb", "group": "national"},
            {"name": "c", "notebook": "slow.ipynb", "group": "field_offices", "parameters": {"x": 3}},
        ],
    )
    out = tmp_path / "out"
    first = start_run(spec, out, "--only", "a", "--only", "c")
    second = start_run(spec, out, "--only", "b")
    first_out, first_err = first.communicate(timeout=300)
    second_out, second_err = second.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 1 and "synthetic failure" in second_out  # its report failed; the run did not
    assert sorted(runs(nbdir)) == ["boom 1", "slow 1", "slow 3"]
    statuses = {name: entry.status for name, entry in Manifest.load(out).entries.items()}
    assert statuses == {"a": "ok", "b": "failed", "c": "ok"}
    index = (out / "index.html").read_text()
    assert "3 reports: 2 ok, 0 stale (last run failed, last good page shown), 1 failed" in " ".join(
        index.split()
    )
    for name, label in (("a", ">ok<"), ("b", ">FAILED<"), ("c", ">ok<")):
        row = index[index.index(f"<code>{name}</code>") :]
        assert row[: row.index("</tr>")].count(label) == 1
    assert not list(out.rglob(".tmp-*"))


def descendants(pid: int) -> list[psutil.Process]:
    found = psutil.Process(pid).children(recursive=True)
    STARTED.extend(found)
    return found


SLEEPER = "import time\ntime.sleep(300)"


def two_sleeping_reports(nbdir: Path) -> Path:
    write_notebook(nbdir / "sleep.ipynb", SLEEPER)
    return write_spec(
        nbdir,
        [
            {"name": "one", "notebook": "sleep.ipynb", "group": "national", "parameters": {"x": 1}},
            {"name": "two", "notebook": "sleep.ipynb", "group": "national", "parameters": {"x": 2}},
        ],
    )


@pytest.mark.parametrize("engine", [[], ["--cold"]], ids=["warm", "cold"])
def test_sigkill_of_a_parallel_run_leaves_no_process_behind(
    nbdir: Path, tmp_path: Path, engine: list[str]
) -> None:
    spec = two_sleeping_reports(nbdir)
    run = start_run(spec, tmp_path / "out", "--jobs", "2", *engine)
    try:
        wait_for(lambda: len(runs(nbdir)) == 2)  # both kernels are inside their notebooks
        left = descendants(run.pid)
        assert len(left) >= 4  # two workers and two kernels at least
        run.kill()
        run.wait(10)
        _, alive = psutil.wait_procs(left, timeout=15)
        assert alive == [], [p.cmdline() for p in alive]
    finally:
        run.kill()


def test_ctrl_c_of_a_parallel_run_prints_one_line(nbdir: Path, tmp_path: Path) -> None:
    spec = two_sleeping_reports(nbdir)
    run = start_run(spec, tmp_path / "out", "--jobs", "2", new_session=True)
    wait_for(lambda: len(runs(nbdir)) == 2)
    left = descendants(run.pid)
    os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground process group
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130
    assert err.strip().splitlines() == [
        "interrupted: reports finished so far are saved; run again to continue"
    ]
    _, alive = psutil.wait_procs(left, timeout=15)
    assert alive == [], [p.cmdline() for p in alive]


DATA_VERSION_PAGE = "from research import data\nprint('body data version', data.data_version())"


def test_dask_worker_with_other_processed_data_is_detected(nbdir: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    other = write_data_version(tmp_path / "other-processed", "synthetic-v2")
    write_notebook(nbdir / "version.ipynb", DATA_VERSION_PAGE)
    spec = write_spec(nbdir, [{"name": "version", "notebook": "version.ipynb", "group": "national"}])
    out = tmp_path / "out"
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env={"RESEARCH_PROCESSED_DIR": str(other)},
    ) as cluster:
        summary = run_reports(spec, out, RunOptions(progress=False, scheduler=cluster.scheduler_address))
    error = summary.failed["version"]
    assert "read data version synthetic-v2" in error and "run is for data version synthetic-v1" in error
    entry = Manifest.load(out).entries["version"]
    assert entry.status == "failed" and entry.data_version == "synthetic-v2"
    page = (out / entry.html).read_text()
    footer = page[page.index('research-provenance">') :]
    assert "body data version synthetic-v2" in page[: page.index('research-provenance">')]
    assert "synthetic-v2" in footer and "synthetic-v1" not in footer  # the footer says what the body used
    assert "This report failed" in page
    index = (out / "index.html").read_text()
    assert "FAILED" in index and "read data version synthetic-v2" in index
