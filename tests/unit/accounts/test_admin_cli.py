"""`workbench admin ...` as real processes: the exit codes, the messages, all-or-nothing rosters, and
no password or hash on the command line or in the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from workbench.domain.identity import Role
from workbench.services.accounts import LoginService
from workbench.storage.db import Database

OWNER_PASSWORD = "Lao-ban-2026"


def admin(*args: str | Path, password: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m workbench admin ARGS`, with `password` on stdin."""
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}  # not this machine's keyring
    return subprocess.run(
        [sys.executable, "-m", "workbench", "admin", *map(str, args)],
        input=None if password is None else password + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def users(where: list[str]) -> list[dict[str, Any]]:
    done = admin("list-users", *where, "--json")
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(done.stdout)
    return listed


@pytest.fixture(params=["postgresql", "sqlite"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """--db URL on PostgreSQL, --data-dir DIR for a local SQLite file."""
    if request.param == "postgresql":
        return ["--db", request.getfixturevalue("pg_url")]
    return ["--data-dir", str(tmp_path / "data")]


def test_init_creates_the_shop_and_its_owner_once(where: list[str]) -> None:
    done = admin(
        "init", *where, "--shop", "网店客服1班", "--owner", "wanglaoshi", "--password-stdin", password=OWNER_PASSWORD
    )
    assert done.returncode == 0, done.stderr
    assert "网店客服1班" in done.stdout and "wanglaoshi" in done.stdout
    assert users(where) == [
        {"id": 1, "username": "wanglaoshi", "display_name": "店主", "role": "owner", "has_password": True}
    ]
    again = admin("init", *where, "--shop", "另一个班", "--owner", "other", "--password-stdin", password=OWNER_PASSWORD)
    assert again.returncode == 1
    assert "has a shop already (网店客服1班)" in again.stderr
    assert [u["username"] for u in users(where)] == ["wanglaoshi"]  # nothing changed


def test_add_user_and_its_refusals(where: list[str]) -> None:
    no_shop = admin("add-user", *where, "--username", "kf1", "--display-name", "客服一", "--role", "agent",
                    "--password-stdin", password="agent-pass-1")  # fmt: skip
    assert no_shop.returncode == 1 and "admin init" in no_shop.stderr
    assert (
        admin(
            "init", *where, "--shop", "南栀", "--owner", "boss", "--password-stdin", password=OWNER_PASSWORD
        ).returncode
        == 0
    )

    def add(username: str, role: str, password: str | None, *extra: str) -> subprocess.CompletedProcess[str]:
        stdin = ("--password-stdin",) if password is not None else ()
        return admin("add-user", *where, "--username", username, "--display-name", "新人", "--role", role, *stdin,
                     *extra, password=password)  # fmt: skip

    weak = add("kf1", "agent", "1234")
    assert weak.returncode == 1 and "shorter than 8" in weak.stderr
    assert add("kf1", "agent", None).returncode == 2  # the password only from stdin: a usage error
    assert add("kf1", "emperor", "agent-pass-1").returncode == 2  # no such role
    assert add("坏 名字", "agent", "agent-pass-1").returncode == 1
    ok = add("kf1", "agent", "agent-pass-1")
    assert ok.returncode == 0, ok.stderr
    assert add("kf1", "student", "agent-pass-2").returncode == 1  # taken
    assert [(u["username"], u["role"]) for u in users(where)] == [("boss", "owner"), ("kf1", "agent")]


def test_a_roster_with_a_bad_line_adds_nobody_and_a_good_one_everybody(where: list[str], tmp_path: Path) -> None:
    assert (
        admin(
            "init", *where, "--shop", "1班", "--owner", "laoshi", "--password-stdin", password=OWNER_PASSWORD
        ).returncode
        == 0
    )
    bad = tmp_path / "roster.csv"
    bad.write_text(
        "账号,姓名,角色,初始密码\n"
        "xs01,张三,学生,Xue-sheng-01\n"
        "xs02,李四,学生,123\n"  # too short
        "xs01,王五,学生,Xue-sheng-03\n"  # twice
        "xs04,赵六,校长,Xue-sheng-04\n",  # no such role
        encoding="utf-8",
    )
    refused = admin("import-users", *where, bad)
    assert refused.returncode == 1
    assert f"{bad}:3: the password is shorter than 8 characters" in refused.stderr
    assert f"{bad}:4: the username xs01 is on line 2 already" in refused.stderr
    assert f"{bad}:5: unknown role '校长'" in refused.stderr
    assert [u["username"] for u in users(where)] == ["laoshi"]  # all or nothing

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["username", "name", "role", "password"])
    sheet.append(["xs01", "张三", "student", "Xue-sheng-01"])
    sheet.append([20260102, "李四", "", "Xue-sheng-02"])  # a student number typed as a number; no role: student
    sheet.append(["zhujiao", "助教", "teacher", "Zhu-jiao-01"])
    good = tmp_path / "roster.xlsx"
    book.save(good)
    done = admin("import-users", *where, good)
    assert done.returncode == 0, done.stderr
    assert "imported 3 users" in done.stdout
    listed = users(where)
    assert [(u["username"], u["role"], u["has_password"]) for u in listed] == [
        ("laoshi", "owner", True),
        ("xs01", "student", True),
        ("20260102", "student", True),
        ("zhujiao", "teacher", True),
    ]
    again = admin("import-users", *where, good)
    assert again.returncode == 1 and f"{good}:2: the username xs01 exists already" in again.stderr


def test_the_roster_passwords_log_in_and_nothing_secret_is_printed(pg_url: str, tmp_path: Path) -> None:
    init = admin(
        "init", "--db", pg_url, "--shop", "1班", "--owner", "laoshi", "--password-stdin", password=OWNER_PASSWORD
    )
    roster = tmp_path / "roster.csv"
    roster.write_text("username,name,password\nxs01,张三,Xue-sheng-01\n", encoding="utf-8")
    imported = admin("import-users", "--db", pg_url, roster)
    listed = admin("list-users", "--db", pg_url, "--json")
    plain = admin("list-users", "--db", pg_url)
    for done in (init, imported, listed, plain):
        assert done.returncode == 0, done.stderr
        for secret in (OWNER_PASSWORD, "Xue-sheng-01", "$argon2"):
            assert secret not in done.stdout + done.stderr
    db = Database(pg_url)
    try:
        user = LoginService(db, 1).log_in("xs01", "Xue-sheng-01")
        assert user.role is Role.STUDENT
    finally:
        db.dispose()


def test_an_unreachable_database_is_an_environment_error() -> None:
    done = admin("list-users", "--db", "postgresql+psycopg://nobody@127.0.0.1:9/none", "--json")
    assert done.returncode == 2 and done.stdout == ""
