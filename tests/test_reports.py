"""Report runner on tiny synthetic notebooks (created in tmp_path; synthetic by construction)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

from research.reports import cli, execute, runner
from research.reports.runner import RunOptions, run_reports
from research.reports.store import Manifest

KERNEL = {"name": "research", "display_name": "Python (research)", "language": "python"}


def write_notebook(path: Path, body: str, params: str = "x = 1  # a number") -> Path:
    """A synthetic notebook: a parameters cell, then `body`, which logs each run to runs.log in the cwd."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Synthetic test report"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            f"with open('runs.log', 'a') as log:\n    log.write({path.stem!r} + ' ' + str(x) + '\\n')"
        ),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, path)
    return path


PLOT = (
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([0, 1, x])\nax.set_title('synthetic')\nplt.show()\n"
    "print('value', x * 10)"
)


def write_spec(directory: Path, reports: list[dict[str, Any]]) -> Path:
    spec = directory / "reports.yaml"
    spec.write_text(
        yaml.safe_dump(
            {"groups": {"national": "National", "field_offices": "Field offices"}, "reports": reports},
            sort_keys=False,
        )
    )
    return spec


def runs(directory: Path) -> list[str]:
    log = directory / "runs.log"
    return log.read_text().split("\n")[:-1] if log.exists() else []


@pytest.fixture
def processed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A synthetic processed-data folder holding only data_version.json."""
    folder = tmp_path / "processed"
    folder.mkdir()
    info = {
        "data_version": "synthetic-v1",
        "built_at": "2026-01-01T00:00:00Z",
        "raw_inputs": [{"name": "synthetic_edition.xlsx", "sha256": "ab" * 32, "edition_date": "2026-04-09"}],
    }
    (folder / "data_version.json").write_text(json.dumps(info))
    monkeypatch.setenv("RESEARCH_PROCESSED_DIR", str(folder))
    return folder


@pytest.fixture
def site(tmp_path: Path, processed: Path) -> tuple[Path, Path, Path]:
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    write_notebook(nbdir / "plot.ipynb", PLOT)
    spec = write_spec(
        nbdir,
        [
            {"name": "alpha", "notebook": "plot.ipynb", "group": "national", "parameters": {"x": 2}},
            {"name": "beta", "notebook": "plot.ipynb", "group": "field_offices", "parameters": {"x": 3}},
        ],
    )
    return nbdir, spec, tmp_path / "out"


def quiet(**kwargs: Any) -> RunOptions:
    return RunOptions(progress=False, timeout=60, **kwargs)


def test_failing_notebook_is_reported_while_the_others_succeed(tmp_path: Path, processed: Path) -> None:
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    write_notebook(nbdir / "plot.ipynb", PLOT)
    write_notebook(nbdir / "boom.ipynb", "raise RuntimeError('synthetic failure in cell')")
    spec = write_spec(
        nbdir,
        [
            {"name": "first", "notebook": "plot.ipynb", "group": "national"},
            {"name": "boom", "notebook": "boom.ipynb", "group": "national", "title": "Boom report"},
            {"name": "last", "notebook": "plot.ipynb", "group": "national", "parameters": {"x": 5}},
        ],
    )
    out = tmp_path / "out"
    code = cli.main(["run", "--spec", str(spec), "--output", str(out), "--no-progress", "--timeout", "60"])

    assert code == 1
    assert sorted(runs(nbdir)) == ["boom 1", "plot 1", "plot 5"]  # the failure did not stop the batch
    manifest = Manifest.load(out)
    assert {n: e.status for n, e in manifest.entries.items()} == {
        "first": "ok",
        "boom": "failed",
        "last": "ok",
    }
    assert "RuntimeError: synthetic failure in cell" in (manifest.entries["boom"].error or "")
    page = (out / "html" / "boom.html").read_text()
    assert "This report failed" in page and "synthetic failure in cell" in page  # saved with the error shown
    executed = nbformat.read(out / "notebooks" / "boom.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in executed.cells for o in c.get("outputs", []))
    index = (out / "index.html").read_text()
    assert "FAILED" in index and 'href="html/first.html"' in index and "1 failed" in index


def test_html_is_self_contained_with_code_hidden_and_provenance_footer(site: tuple[Path, Path, Path]) -> None:
    nbdir, spec, out = site
    summary = run_reports(spec, out, quiet(only=["alpha"]))
    assert summary.ok and summary.executed == ["alpha"]
    page = (out / "html" / "alpha.html").read_text()

    assert "log.write" not in page and "plt.subplots" not in page  # code hidden
    assert "value 20" in page  # outputs shown
    assert 'src="data:image/png;base64,' in page  # figure embedded
    assert "<script src=" not in page and "<link" not in page  # nothing fetched from elsewhere
    footer = page[page.index('research-provenance">') :]
    for expected in (
        "x</code> = <code>2",
        "synthetic-v1",
        "synthetic_edition.xlsx",
        "2026-04-09",
        "Git commit",
        "pandas",
    ):
        assert expected in footer
    index = (out / "index.html").read_text()
    index = index[index.index("<main>") :]
    assert index.index("National") < index.index("alpha") < index.index("Field offices") < index.index("beta")
    assert "not run" in index  # beta is listed although it was not selected


def test_second_run_executes_nothing_and_a_changed_parameter_reruns_only_that_report(
    site: tuple[Path, Path, Path],
) -> None:
    nbdir, spec, out = site
    first = run_reports(spec, out, quiet())
    assert sorted(first.executed) == ["alpha", "beta"] and first.ok

    second = run_reports(spec, out, quiet())
    assert second.executed == [] and sorted(second.skipped) == ["alpha", "beta"]
    assert len(runs(nbdir)) == 2  # no kernel ran

    data = yaml.safe_load(spec.read_text())
    data["reports"][1]["parameters"]["x"] = 7
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    third = run_reports(spec, out, quiet())
    assert third.executed == ["beta"] and third.skipped == ["alpha"]
    assert runs(nbdir)[-1] == "plot 7"

    forced = run_reports(spec, out, quiet(force=True, only=["alpha"]))
    assert forced.executed == ["alpha"]


def test_library_code_data_version_and_damaged_outputs_trigger_reruns(
    site: tuple[Path, Path, Path], processed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbdir, spec, out = site
    options = quiet(only=["alpha"])
    assert run_reports(spec, out, options).executed == ["alpha"]

    monkeypatch.setattr(runner, "library_hash", lambda: "changed library")
    assert run_reports(spec, out, options).executed == ["alpha"]
    assert run_reports(spec, out, options).executed == []

    info = json.loads((processed / "data_version.json").read_text())
    (processed / "data_version.json").write_text(json.dumps({**info, "data_version": "synthetic-v2"}))
    assert run_reports(spec, out, options).executed == ["alpha"]

    # An HTML file changed after the run (e.g. half-written by hand) is not trusted.
    (out / "html" / "alpha.html").write_text("<html>truncated")
    assert run_reports(spec, out, options).executed == ["alpha"]
    # An unreadable manifest means nothing is trusted; leftover temp files are removed.
    (out / "manifest.json").write_text("{not json")
    (out / "html" / ".tmp-alpha.html.abc").write_text("partial")
    assert run_reports(spec, out, options).executed == ["alpha"]
    assert not list(out.rglob(".tmp-*"))


def test_hidden_errors_count_as_failures(tmp_path: Path, processed: Path) -> None:
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    # SystemExit(0) shows an error output and stops the notebook, but papermill does not raise for it.
    write_notebook(nbdir / "quiet_exit.ipynb", "import sys\nsys.exit(0)")
    nb = nbformat.read(nbdir / "quiet_exit.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print('never reached')"))
    nbformat.write(nb, nbdir / "quiet_exit.ipynb")
    spec = write_spec(nbdir, [{"name": "quiet_exit", "notebook": "quiet_exit.ipynb", "group": "national"}])

    summary = run_reports(spec, tmp_path / "out", quiet())
    assert "SystemExit" in summary.failed["quiet_exit"]


def test_find_errors_reads_error_outputs_and_papermill_markers() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("y")]
    assert execute.find_errors(nb) == []
    nb.cells[1].metadata["papermill"] = {"exception": True}
    assert execute.find_errors(nb) == ["cell 1: papermill exception marker"]
    nb.cells[1].metadata["papermill"] = {}
    nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])]
    assert execute.find_errors(nb) == ["cell 1: ValueError: bad"]
    nb.metadata["papermill"] = {"exception": True}
    assert len(execute.find_errors(nb)) == 2


def test_cell_timeout_and_missing_notebook_fail_only_their_report(tmp_path: Path, processed: Path) -> None:
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    write_notebook(nbdir / "slow.ipynb", "import time\ntime.sleep(30)")
    write_notebook(nbdir / "plot.ipynb", PLOT)
    spec = write_spec(
        nbdir,
        [
            {"name": "slow", "notebook": "slow.ipynb", "group": "national"},
            {"name": "absent", "notebook": "not_written_yet.ipynb", "group": "national"},
            {"name": "fine", "notebook": "plot.ipynb", "group": "national"},
        ],
    )
    summary = run_reports(spec, tmp_path / "out", RunOptions(progress=False, timeout=2))
    assert summary.failed.keys() == {"slow", "absent"}
    assert "timeout" in summary.failed["slow"].lower()
    assert "notebook not found" in summary.failed["absent"]
    assert "fine" in summary.executed


def test_kernel_that_fails_to_start_is_retried_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill

    calls: list[int] = []

    def flaky(input_path: str, output_path: str, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("1", execution_count=1)]
        nbformat.write(nb, output_path)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    source = write_notebook(tmp_path / "n.ipynb", "1")
    task = execute.Task("n", "N", str(source), str(tmp_path), {}, "research", "key", engine="cold")
    outcome = execute.run_task(task)
    assert outcome.status == "ok" and outcome.attempts == 2

    calls.clear()
    monkeypatch.setattr(
        papermill,
        "execute_notebook",
        lambda *a, **k: (calls.append(1), (_ for _ in ()).throw(RuntimeError("no kernel"))),
    )
    outcome = execute.run_task(task)
    assert outcome.status == "failed" and len(calls) == 2 and "no kernel" in (outcome.error or "")


def test_warm_kernel_that_dies_before_it_is_ready_is_replaced_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from research.reports.kernels import KernelPool

    original = KernelPool._start
    started: list[int] = []

    async def dying_first(self: KernelPool, cwd: str) -> Any:
        km = await original(self, cwd)
        started.append(1)
        if len(started) == 1:
            await km.provisioner.kill()  # the first kernel dies during start-up
        return km

    monkeypatch.setattr(KernelPool, "_start", dying_first)
    monkeypatch.setenv(
        "RESEARCH_TEST_FRESH_POOL", str(tmp_path)
    )  # not a kernel started ahead by another test
    source = write_notebook(tmp_path / "n.ipynb", "print('ran')")
    task = execute.Task("n", "N", str(source), str(tmp_path), {}, "research", "key", timeout=60)
    outcome = execute.run_task(task)
    assert outcome.status == "ok", outcome.error
    assert outcome.attempts == 2 and len(started) >= 2
    assert "ran" in outcome.html.decode()


def _gone(pid: int) -> bool:
    """The process has exited (reaped, or a zombie waiting for its parent)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
    except FileNotFoundError:
        return True


def test_a_used_kernel_and_what_it_started_are_killed_before_the_report_returns(tmp_path: Path) -> None:
    """The pool reaps used kernels in the background; the kill itself must not wait for that."""
    import time

    body = (
        "import os, subprocess\n"
        "child = subprocess.Popen(['sleep', '600'])\n"
        "open('pids.txt', 'w').write(f'{os.getpid()} {child.pid}')"
    )
    source = write_notebook(tmp_path / "n.ipynb", body)
    task = execute.Task("n", "N", str(source), str(tmp_path), {}, "research", "key", timeout=60)
    outcome = execute.run_task(task)
    assert outcome.status == "ok", outcome.error
    pids = [int(p) for p in (tmp_path / "pids.txt").read_text().split()]
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in pids), f"still running: {[p for p in pids if not _gone(p)]}"


def test_the_kernel_a_worker_starts_ahead_is_the_one_its_first_report_gets(tmp_path: Path) -> None:
    """A pool worker starts a kernel when it starts (outside the event loop): that kernel must belong to the
    worker's loop and be the one the first report runs in, not a failed start replaced by a second one."""
    from research.reports import engine

    source = write_notebook(tmp_path / "n.ipynb", "import os\nprint('kernel', os.getpid())")
    preload = ("json", "csv")  # a pool of its own, not one another test started
    engine.start_ahead("research", preload, str(tmp_path), False, "synthetic-library")
    worker = engine.worker()
    ((_, started),) = worker.pools[("research", preload, False, "synthetic-library")].waiting
    assert started.get_loop() is worker.loop and started.done() and started.exception() is None
    ahead = started.result()[0].provisioner.pid
    task = execute.Task(
        "n",
        "N",
        str(source),
        str(tmp_path),
        {},
        "research",
        "key",
        timeout=60,
        preload=preload,
        library="synthetic-library",
    )
    outcome = execute.run_task(task)
    assert outcome.status == "ok" and outcome.attempts == 1, outcome.error
    assert f"kernel {ahead}" in outcome.html.decode()


def test_a_fork_server_that_never_starts_leaves_kernels_to_start_the_ordinary_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from research.reports import kernels

    def never_ready(self: kernels.ForkServer, timeout: float = 0) -> dict[str, Any]:
        raise kernels.ForkServerError("synthetic: the fork server did not start")

    monkeypatch.setattr(kernels.ForkServer, "wait_ready", never_ready)
    source = write_notebook(tmp_path / "n.ipynb", "import os\nprint('parent', os.getppid())")
    # preload=("json",): a pool of its own, not one another test started
    task = execute.Task(
        "n", "N", str(source), str(tmp_path), {}, "research", "k", timeout=60, preload=("json",)
    )
    outcome = execute.run_task(task)
    assert outcome.status == "ok", outcome.error
    assert f"parent {__import__('os').getpid()}" in outcome.html.decode()  # started by this process


@pytest.mark.slow  # starts two worker processes
def test_process_pool_runs_reports_in_parallel_workers(site: tuple[Path, Path, Path]) -> None:
    nbdir, spec, out = site
    summary = run_reports(spec, out, quiet(jobs=2))
    assert summary.ok and sorted(summary.executed) == ["alpha", "beta"]
    assert (out / "html" / "beta.html").is_file()


@pytest.mark.slow  # starts a local Dask cluster
def test_dask_executor_runs_two_reports_on_a_local_cluster(site: tuple[Path, Path, Path]) -> None:
    from distributed import LocalCluster

    nbdir, spec, out = site
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = run_reports(spec, out, quiet(scheduler=cluster.scheduler_address))
    assert summary.ok and sorted(summary.executed) == ["alpha", "beta"]
    assert sorted(runs(nbdir)) == ["plot 2", "plot 3"]
    entries = Manifest.load(out).entries.values()
    assert {e.status for e in entries} == {"ok"}
    assert {e.data_version for e in entries} == {"synthetic-v1"}  # what the workers read


def test_unknown_selection_is_a_usage_error(
    site: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    nbdir, spec, out = site
    assert cli.main(["run", "--spec", str(spec), "--output", str(out), "--only", "gamma"]) == 2
    assert "gamma" in capsys.readouterr().err
    assert not (out / "manifest.json").exists()
