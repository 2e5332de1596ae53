"""Two desk processes on one PostgreSQL server: a real (offscreen) window, `workbench --db URL
--no-simulator`, and a headless desk (tests/integration/team_desk_driver.py). What one writes the other
shows; a desk killed with SIGKILL is 离线 after the heartbeat timeout, its waiting buyer is back in
the queue, and nothing it saved is lost."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from sqlalchemy import create_engine, text

from tests.integration.file_keyring import FileKeyring
from workbench.credentials import LoginTokens
from workbench.demo.seeding import DEMO_PASSWORD
from workbench.paths import AppPaths
from workbench.services.accounts import DeskLogin, LoginService
from workbench.services.desk import open_shop
from workbench.settings import read_settings, save_settings
from workbench.storage.db import Database

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90
OFFLINE_AFTER_S = 3.0  # short presence timings for the test (the default is 30 s)
LISTS = re.compile(r"lists shown: waiting (\[[\d, ]*\]), active (\[[\d, ]*\])")
TRANSFERS = re.compile(r"transfers shown: (\{.*\})")  # conversation id → the 转交 note the window shows


def _wait_for(condition: Callable[[], bool], what: str, timeout: float, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{log()[-3000:]}")
        time.sleep(0.05)


def remember_login(url: str, paths: AppPaths, username: str, keyring_file: Path) -> None:
    """Log `username` in once with "记住我", as the login dialog does: the token goes to the (file)
    keyring, the username to the data dir's settings. The desk started next logs in without asking."""
    paths.ensure()

    def remember_username(name: str) -> None:
        save_settings(paths.settings_file, read_settings(paths.settings_file).settings.with_changes(last_username=name))

    previous = keyring.get_keyring()
    os.environ["WORKBENCH_TEST_KEYRING_FILE"] = str(keyring_file)
    keyring.set_keyring(FileKeyring())
    db = Database(url)
    try:
        shop, _, _ = open_shop(db)
        door = DeskLogin(LoginService(db, shop.id), LoginTokens(url), remember_username=remember_username)
        door.log_in(username, DEMO_PASSWORD, remember=True)
    finally:
        db.dispose()
        keyring.set_keyring(previous)
        del os.environ["WORKBENCH_TEST_KEYRING_FILE"]


class WindowDesk:
    """`python -m workbench --data-dir DIR --db URL --no-simulator`, offscreen, logging its lists; the
    demo's first agent, 小赵 (or `username`), logged in with a remembered login."""

    def __init__(self, tmp: Path, url: str, username: str = "xiaozhao") -> None:
        self.data = tmp / "window-desk"
        home = tmp / "home"
        keyring_file = tmp / "keyring.json"
        remember_login(url, AppPaths.under(self.data), username, keyring_file)
        env = {
            **os.environ,
            "PYTHON_KEYRING_BACKEND": "tests.integration.file_keyring.FileKeyring",
            "WORKBENCH_TEST_KEYRING_FILE": str(keyring_file),
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "WORKBENCH_LOG_LEVEL": "DEBUG",  # the test hook: every list shown is logged with its ids
            "WORKBENCH_OFFLINE_AFTER_S": str(OFFLINE_AFTER_S),
            "WORKBENCH_HEARTBEAT_S": "0.5",
        }
        command = [sys.executable, "-m", "workbench", "--data-dir", str(self.data), "--db", url, "--no-simulator"]
        self.proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wait_for(lambda: "desk ready" in self.log(), "the window desk to be ready", START_TIMEOUT_S)

    def log(self) -> str:
        path = self.data / "logs" / "workbench.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def last_lists(self, since: int = 0) -> tuple[list[int], list[int]]:
        """The ids in the last list the window showed (logged after character `since` of the log)."""
        found = LISTS.findall(self.log()[since:])
        if not found:
            return [], []
        waiting, active = found[-1]
        return ast.literal_eval(waiting), ast.literal_eval(active)

    def last_transfers(self) -> dict[int, str]:
        """The handed-over chats (and their notes) in the last list the window showed."""
        found = TRANSFERS.findall(self.log())
        return ast.literal_eval(found[-1]) if found else {}

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        if self.proc.poll() is not None:
            pytest.fail(f"the window desk exited ({self.proc.returncode}) waiting for {what}:\n{self.log()[-3000:]}")
        _wait_for(condition, what, timeout, self.log)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()


class HeadlessDesk:
    """The driver process: a desk without a window, told what to do on stdin."""

    def __init__(self, url: str, agent: str) -> None:
        env = {**os.environ, "WORKBENCH_OFFLINE_AFTER_S": str(OFFLINE_AFTER_S), "WORKBENCH_HEARTBEAT_S": "0.5"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.team_desk_driver", url, agent],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.agent_id = int(self.answer("ready")[0])

    def answer(self, word: str) -> list[str]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if not line or line[0] != word:
            self.proc.kill()
            _out, err = self.proc.communicate()
            pytest.fail(f"the headless desk said {line!r}, not {word!r}:\n{err}")
        return line[1:]

    def ask(self, command: str) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.answer(command.split()[0])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL: no goodbye, no closing of its session
            self.proc.communicate()


@pytest.fixture
def desks(tmp_path: Path, pg_demo_url: str) -> Iterator[tuple[WindowDesk, HeadlessDesk]]:
    window = WindowDesk(tmp_path, pg_demo_url)  # the demo's first agent, 小赵
    headless: HeadlessDesk | None = None
    try:
        headless = HeadlessDesk(pg_demo_url, "xiaolin")
        yield window, headless
    finally:
        if headless is not None:
            headless.kill()
        window.close()


def test_one_desk_writes_the_other_shows_and_a_killed_desk_goes_offline(
    desks: tuple[WindowDesk, HeadlessDesk], pg_demo_url: str
) -> None:
    window, headless = desks
    # what the headless desk writes, the window shows (its list, refreshed on the change it heard)
    (buyer,) = map(int, headless.ask("buyer 在吗？想问下尺码"))
    window.wait_for(lambda: buyer in window.last_lists()[0], "the new buyer in the window's 待接待")
    # the headless desk's own work: a buyer waiting for it, and a chat it accepted and answered
    (waiting,) = map(int, headless.ask("mine 这件还有货吗"))
    served, reply = map(int, headless.ask("serve 发什么快递 默认中通哦亲"))
    window.wait_for(
        lambda: not {waiting, served} & set(window.last_lists()[0]), "the colleague's buyers to leave the window's list"
    )
    killed_at, since = time.monotonic(), len(window.log())
    headless.kill()
    # after the timeout the window desk's heartbeat sweep takes the dead desk's agent 离线 and gives
    # its waiting buyer back to the queue, which every desk lists; the window shows it
    window.wait_for(lambda: waiting in window.last_lists(since)[0], "the dead desk's buyer back in 待接待", timeout=15)
    assert time.monotonic() - killed_at >= OFFLINE_AFTER_S - 0.5
    engine = create_engine(pg_demo_url)
    try:
        with engine.connect() as conn:
            status = conn.execute(text("SELECT status FROM agents WHERE id = :id"), {"id": headless.agent_id})
            assert status.scalar_one() == "offline"
            rows = conn.execute(
                text("SELECT id, state, agent_id FROM conversations WHERE id IN (:a, :b)"), {"a": waiting, "b": served}
            )
            assert {r.id: (r.state, r.agent_id) for r in rows} == {
                waiting: ("waiting", None),  # back in the queue
                served: ("active", headless.agent_id),  # accepted: still theirs
            }
            saved = conn.execute(text("SELECT text FROM messages WHERE id = :id"), {"id": reply}).scalar_one()
            assert saved == "默认中通哦亲"  # nothing it saved is lost
            said = conn.execute(text("SELECT count(*) FROM messages WHERE conversation_id = :id"), {"id": waiting})
            assert said.scalar_one() == 1
    finally:
        engine.dispose()


def test_a_transfer_made_on_one_desk_appears_on_the_other_with_its_note(
    desks: tuple[WindowDesk, HeadlessDesk], pg_demo_url: str
) -> None:
    window, headless = desks
    engine = create_engine(pg_demo_url)
    try:
        with engine.connect() as conn:
            xiaozhao = conn.execute(text("SELECT id FROM agents WHERE username = 'xiaozhao'")).scalar_one()
        # 小林's desk serves a buyer, then hands the chat to 小赵 (the window desk) with a note
        conv, still_mine = map(int, headless.ask(f"transfer {xiaozhao} 我要改地址 买家要改地址，已核实订单"))
        assert still_mine == 0  # the sending desk's lists drop it
        window.wait_for(lambda: conv in window.last_lists()[0], "the handed-over chat in the window's 待接待")
        window.wait_for(
            lambda: window.last_transfers().get(conv) == "买家要改地址，已核实订单", "the window to show the 转交 note"
        )
        with engine.connect() as conn:
            row = conn.execute(text("SELECT state, agent_id FROM conversations WHERE id = :id"), {"id": conv}).one()
            assert (row.state, row.agent_id) == ("waiting", xiaozhao)
            recorded = conn.execute(
                text("SELECT from_agent_id, to_agent_id, note FROM conversation_transfers WHERE conversation_id = :id"),
                {"id": conv},
            ).all()
            assert [tuple(r) for r in recorded] == [(headless.agent_id, xiaozhao, "买家要改地址，已核实订单")]
            said = conn.execute(
                text("SELECT sender, text FROM messages WHERE conversation_id = :id ORDER BY id"), {"id": conv}
            ).all()
            assert [tuple(r) for r in said] == [
                ("customer", "我要改地址"),
                ("agent", "好的亲，我帮您核实一下"),
                ("system", "已为您转接客服小赵，请稍候"),  # the buyer is told
            ]
    finally:
        engine.dispose()


SUPERVISED = re.compile(r"supervisor view shown: chats (\[.*\])$", re.MULTILINE)


def supervised(window: WindowDesk) -> dict[int, list[object]]:
    """What the supervisor's view showed last: conversation id → [state, agent id, last message]."""
    found = SUPERVISED.findall(window.log())
    return {row[0]: row[1:] for row in json.loads(found[-1])} if found else {}


def test_a_message_typed_at_one_desk_shows_on_the_supervisors_view(tmp_path: Path, pg_demo_url: str) -> None:
    window = WindowDesk(tmp_path, pg_demo_url, username="wangjing")  # 主管: the desk opens on the 主管 view
    headless: HeadlessDesk | None = None
    try:
        headless = HeadlessDesk(pg_demo_url, "xiaolin")
        (buyer,) = map(int, headless.ask("buyer 在吗？想问下尺码"))
        window.wait_for(lambda: supervised(window).get(buyer) == ["waiting", None, "在吗？想问下尺码"], "the buyer")
        headless.ask(f"reply {buyer} 亲，M码有货的")  # 小林 accepts and types at their desk
        window.wait_for(
            lambda: supervised(window).get(buyer) == ["active", headless.agent_id, "亲，M码有货的"],
            "小林's reply on the supervisor's view",
        )
    finally:
        if headless is not None:
            headless.kill()
        window.close()
