"""Every command of README.md's code blocks that can run offline, run as written (slow).

Commands run from the project root. What is changed, and why: output paths (`/tmp/cbp`, `../reports/...`) go to a
temporary folder; the site folder is the session's built site (RESEARCH_REPORTS_DIR), so `reports run` reruns only
what changed; `research data build` writes a copy of data/processed (RESEARCH_PROCESSED_DIR) and needs the raw
mirror; `OLD NEW` of `reports diff` are two site folders. Commands that need the network, or that would only
repeat a run made elsewhere in the suite, are skipped with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from research import config

pytestmark = pytest.mark.slow
README = config.PROJECT_ROOT / "README.md"
_BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.S)
SKIPPED = [
    (re.compile(r"^make test$"), "runs this test suite"),
    (
        re.compile(r"^make report$"),
        "`make data` plus `research reports run --jobs 2`: the session's site (built_site) is built by that "
        "command, and this test runs it again",
    ),
    (
        re.compile(r"research data update"),
        "needs the network: reads ICE's and the Deportation Data Project's pages",
    ),
    (re.compile(r"research data fetch"), "needs the network: downloads raw files"),
    (
        re.compile(r"reports run --force$"),
        "rebuilds every report: the same full run as the session's site fixture (built_site)",
    ),
    (re.compile(r"tcp://"), "a placeholder address of a Dask cluster"),
]


def readme_commands(text: str) -> list[tuple[str, str]]:
    """(language, command) for each shell line (continuations joined, comments dropped), each Python block, and
    each inline `python -c "..."` of the text."""
    found = [("sh", command) for command in re.findall(r"`(python -c \"[^`]*\")`", text)]
    for language, body in _BLOCK.findall(text):
        if language == "python":
            found.append(("python", body.strip()))
            continue
        for line in body.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#\s.*$", "", line).strip()
            command = " ".join(command.split())
            if command:
                found.append(("sh", command))
    return found


def _skip_reason(command: str) -> str | None:
    return next((reason for pattern, reason in SKIPPED if pattern.search(command)), None)


def _params() -> list:
    params = []
    for language, command in readme_commands(README.read_text(encoding="utf-8")):
        reason = _skip_reason(command) if language == "sh" else None
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(language, command, marks=marks, id=command.splitlines()[0][:70]))
    return params


def test_the_readme_has_the_commands_this_test_expects() -> None:
    commands = [c for _, c in readme_commands(README.read_text(encoding="utf-8"))]
    assert ".venv/bin/research reports run --jobs 2" in commands
    assert any("--aor CHI" in c for c in commands) and any("papermill" in c for c in commands)
    assert sum(1 for c in commands if _skip_reason(c)) <= 9  # most commands run


@pytest.mark.parametrize(("language", "command"), _params())
def test_readme_command_runs(language: str, command: str, built_site: Path, tmp_path: Path) -> None:
    env = {**os.environ, config.REPORTS_ENV: str(built_site)}
    if language == "python":
        # A line naming a placeholder cluster is left out (see SKIPPED); the rest of the block runs.
        code = "\n".join(line for line in command.splitlines() if not _skip_reason(line))
        args: list[str] | str = [sys.executable, "-c", code]
    else:
        command = re.sub(r"^python ", f"{sys.executable} ", command)
        command = command.replace("/tmp/cbp", str(tmp_path / "cbp"))
        command = command.replace("../reports/my_trends.ipynb", str(tmp_path / "my_trends.ipynb"))
        command = command.replace("diff OLD NEW", f"diff {built_site} {built_site}")
        if "research data build" in command:
            mirror = config.raw_mirror()
            if mirror is None:
                pytest.skip(
                    "needs the raw-data mirror (RESEARCH_RAW_MIRROR): data/raw holds only curated files"
                )
            command = re.sub(r"RESEARCH_RAW_MIRROR=\S+", f"RESEARCH_RAW_MIRROR={mirror}", command)
            processed = tmp_path / "processed"
            shutil.copytree(config.processed_dir(), processed)
            env[config.PROCESSED_ENV] = str(processed)
        args = ["bash", "-c", command]
    done = subprocess.run(
        args, cwd=config.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    if "reports run" in command:
        assert " 0 failed" in done.stdout, done.stdout
