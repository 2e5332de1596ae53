"""The program as a process: one per data dir (a second start brings the first to the front and exits
0), Ctrl+C and SIGTERM close it like its window (geometry saved, database closed cleanly), a lock
left by a killed program does not block the next start, and nothing goes to the user's ~/.config."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

READY = "desk ready"
START_TIMEOUT_S = 90


class Desk:
    """A desk started as `python -m workbench --data-dir DIR --no-simulator`, offscreen."""

    def __init__(self, data: Path, home: Path) -> None:
        self.data = data
        self.home = home
        self.env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }
        self.proc: subprocess.Popen[str] | None = None

    @property
    def log(self) -> Path:
        return self.data / "logs" / "workbench.log"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    def command(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "workbench", "--data-dir", str(self.data), "--no-simulator", *extra]

    def start(self) -> Desk:
        ready_before = self.log_text().count(READY)
        self.proc = subprocess.Popen(
            self.command(), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.wait_for(lambda: self.log_text().count(READY) > ready_before, "the desk to become ready")
        return self

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc is not None and self.proc.poll() is not None:
                _out, err = self.proc.communicate()
                pytest.fail(f"the program exited ({self.proc.returncode}) waiting for {what}:\n{err}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        assert self.proc is not None
        self.proc.send_signal(sig)
        _out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, err

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def desk(tmp_path: Path, demo_database: Path) -> Iterator[Desk]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(demo_database, data / "workbench.sqlite3")
    started = Desk(data, tmp_path / "home")
    yield started
    started.kill()


def test_a_second_start_brings_the_first_to_the_front_and_exits(desk: Desk) -> None:
    desk.start()
    second = subprocess.run(desk.command(), env=desk.env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    assert "已切换到它的窗口" in second.stderr and str(desk.data) in second.stderr
    desk.wait_for(lambda: "window brought to the front" in desk.log_text(), "the first to come to the front")
    assert desk.log_text().count("starting workbench") == 1  # the second opened nothing
    assert list((desk.data / "instance").iterdir()) == []  # the request was taken
    rc, err = desk.stop()
    assert rc == 0, err


def test_a_smoke_test_does_not_run_beside_a_running_desk(desk: Desk) -> None:
    desk.start()
    smoke = subprocess.run(desk.command("--smoke-test"), env=desk.env, capture_output=True, text=True, timeout=60)
    assert smoke.returncode == 1 and "冒烟测试没有运行" in smoke.stderr
    assert desk.stop()[0] == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_closes_the_desk_like_its_window(desk: Desk, sig: int) -> None:
    desk.start()
    rc, err = desk.stop(sig)
    assert rc == 0, err
    assert "Traceback" not in err
    log = desk.log_text()
    assert f"received {signal.Signals(sig).name}" in log and "workbench closed (exit code 0)" in log
    # the window's close path ran: geometry saved under the data dir, the database closed cleanly
    state = desk.data / "config" / "window.ini"
    assert "geometry" in state.read_text(encoding="utf-8")
    for leftover in ("workbench.sqlite3-wal", "workbench.sqlite3-shm"):
        assert not (desk.data / leftover).exists(), leftover  # SQLite removes them when the last connection closes
    assert not (desk.data / "workbench.lock").exists()
    assert not list(desk.home.rglob("*")), "nothing may be written outside the data dir"


def test_a_lock_left_by_a_killed_desk_does_not_block_the_next_start(desk: Desk) -> None:
    desk.start()
    desk.kill()  # SIGKILL: no chance to clean up
    assert (desk.data / "workbench.lock").exists()
    desk.start()  # takes over the stale lock and becomes ready
    assert desk.log_text().count("starting workbench") == 2
    assert desk.stop()[0] == 0
