"""The test helper `browser.Browser` must not leave Chromium running when it fails to start its session."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import browser
import pytest
from browser import Browser, chromium

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed")


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def test_failed_start_stops_chromium_and_removes_its_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[subprocess.Popen[str]] = []
    real_popen = subprocess.Popen

    def recording_popen(*args: Any, **kwargs: Any) -> subprocess.Popen[str]:
        proc: subprocess.Popen[str] = real_popen(*args, **kwargs)
        started.append(proc)
        return proc

    def refuse(url: str, **kwargs: Any) -> None:
        # Chromium is up and has printed its DevTools address: fail at the first step after that.
        assert url.startswith("ws://")
        raise ConnectionRefusedError("test: DevTools connection refused")

    monkeypatch.setattr(browser.subprocess, "Popen", recording_popen)
    monkeypatch.setattr("websocket.create_connection", refuse)
    profile = tmp_path / "profile"

    with pytest.raises(ConnectionRefusedError, match="test: DevTools"):
        Browser(profile)

    assert len(started) == 1
    proc = started[0]
    assert proc.poll() is not None, "chromium is still running after Browser() failed"
    assert _group_members(proc.pid) == [], "chromium helper processes outlived the failed Browser()"
    assert not profile.exists(), "the profile Chromium created was left behind"


def test_failed_start_keeps_a_profile_folder_the_caller_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "keep.txt").write_text("caller's file")

    def fail(self: Browser) -> str:
        raise RuntimeError("test: no DevTools address")

    monkeypatch.setattr(Browser, "_devtools_url", fail)
    with pytest.raises(RuntimeError, match="test: no DevTools address"):
        Browser(profile)
    assert (profile / "keep.txt").read_text() == "caller's file"


def test_close_stops_chromium_and_its_helpers(tmp_path: Path) -> None:
    page = Browser(tmp_path / "profile")
    pid = page.proc.pid
    assert page.evaluate("1 + 1") == 2
    page.close()
    assert page.proc.poll() is not None
    assert _group_members(pid) == []
