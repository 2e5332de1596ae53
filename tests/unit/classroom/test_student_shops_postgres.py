"""Each student's own shop on a PostgreSQL class server (a schema of the class database), against the
real server: made once at the first login, checked per student, closed to classmates."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import postgres_database
from workbench.composition import open_workspace
from workbench.demo.seeding import DEMO_PASSWORD
from workbench.domain.crm import CustomerFilter
from workbench.domain.errors import DomainError
from workbench.domain.identity import Role
from workbench.services import lab_exports
from workbench.services.feed import ClassLab
from workbench.services.workspace import Workspace
from workbench.storage.db import Database, DatabaseError
from workbench.storage.sandboxes import sandbox_schema

CHECK = ("--exercise", "p4-t1", "--json")
STUDENTS = {"xs01": "李雷", "xs02": "韩梅梅"}


@pytest.fixture(scope="module")
def class_template() -> Iterator[str]:
    """A class database: the demo shop with a teacher and two students (seeded once per module)."""
    from sqlalchemy.engine import make_url

    with postgres_database() as url:
        owner = open_workspace(url)
        try:
            owner.accounts.add_user("laoshi", "王老师", Role.TEACHER, DEMO_PASSWORD)
            for username, name in STUDENTS.items():
                owner.accounts.add_user(username, name, Role.STUDENT, DEMO_PASSWORD)
        finally:
            owner.close()
        yield str(make_url(url).database)


@pytest.fixture
def class_url(class_template: str) -> Iterator[str]:
    with postgres_database(template=class_template) as url:
        yield url


def set_welcome(ws: Workspace, nickname: str, *, text: bool = True) -> None:
    welcome = ws.bot.settings().welcome
    changed = replace(welcome, nickname=nickname)
    if text:
        changed = replace(changed, default_text=f"亲，欢迎光临～我是{nickname}")
    ws.bot.save_welcome(changed)


def count_chats(ws: Workspace) -> int:
    lists = ws.reception.for_program().lists()
    return len(lists.waiting) + len(lists.active) + len(lists.ended)


def welcome_item(ws: Workspace, agent_id: int) -> str:
    result = lab_exports.student_result(ws, "p4-t1", agent_id)
    return next(i for i in result.items if i.id == "welcome").why


def test_two_students_configure_their_own_shops_and_each_scores_only_their_work(class_url: str) -> None:
    a = open_workspace(class_url, username="xs01")
    b = open_workspace(class_url, username="xs02")
    try:
        assert a.sandbox == sandbox_schema(a.user.id) and b.sandbox == sandbox_schema(b.user.id)
        assert a.sandbox != b.sandbox
        # Identity stays the class account's; in their own shop the student is its owner.
        assert (a.user.username, a.user.display_name, a.user.role) == ("xs01", "李雷", Role.STUDENT)
        assert (a.agent.role, a.agent.display_name) == (Role.OWNER, "李雷")
        set_welcome(a, "雷雷小助手")  # nickname and welcome text
        set_welcome(b, "梅梅小助手", text=False)  # the nickname only
        assert a.bot.settings().welcome.nickname == "雷雷小助手"
        assert b.bot.settings().welcome.nickname == "梅梅小助手"
        assert welcome_item(a, a.user.id) == (
            "昵称已修改 ✓ · 默认欢迎语已修改 ✓ · 卡片问题 0/5 ✗ · 转人工 (关键词 7 个, 连续 2 次未答) ✓"
        )
        assert welcome_item(b, b.user.id) == (
            "昵称已修改 ✓ · 默认欢迎语未修改 ✗ · 卡片问题 0/5 ✗ · 转人工 (关键词 7 个, 连续 2 次未答) ✓"
        )
    finally:
        a.close()
        b.close()
    # The class's own shop is untouched by either.
    owner = open_workspace(class_url)
    try:
        assert owner.bot.settings().welcome.nickname == "小栀"
    finally:
        owner.close()


def test_the_teacher_checks_each_student_in_that_students_shop(class_url: str) -> None:
    a = open_workspace(class_url, username="xs01")
    try:
        set_welcome(a, "雷雷小助手")
        student_a = a.user.id
    finally:
        a.close()
    teacher = open_workspace(class_url, username="laoshi")
    try:
        assert teacher.sandbox is None
        rows = {s.student.number: s.result for _, s in lab_exports.class_submissions(teacher, "p4-t1")}
        assert set(rows) == {"xs01", "xs02"}
        welcome_a = next(i for i in rows["xs01"].items if i.id == "welcome")
        assert welcome_a.why.startswith("昵称已修改 ✓ · 默认欢迎语已修改 ✓")
        # xs02 never logged in: no shop of theirs, nothing of theirs to score.
        assert all(i.points == 0 for i in rows["xs02"].items)
        assert next(i for i in rows["xs02"].items if i.id == "welcome").why.startswith("还没有登录过")
        assert lab_exports.student_chats(teacher, student_a) == []  # the drill-down reads A's shop
    finally:
        teacher.close()


def test_first_login_makes_and_seeds_the_shop_once_when_two_desks_race(class_url: str) -> None:
    opened: list[Workspace] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def desk() -> None:
        try:
            start.wait()
            opened.append(open_workspace(class_url, username="xs01"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert errors == []
        assert len(opened) == 2 and opened[0].sandbox == opened[1].sandbox
        schema = opened[0].sandbox
        db = Database(class_url)
        try:
            with db.engine.connect() as conn:
                shops = conn.execute(text(f"SELECT count(*) FROM {schema}.shops")).scalar()
                owners = conn.execute(text(f"SELECT count(*) FROM {schema}.agents WHERE role = 'owner'")).scalar()
                version = conn.execute(text(f"SELECT count(*) FROM {schema}.alembic_version")).scalar()
        finally:
            db.dispose()
        assert (shops, owners, version) == (1, 1, 1)
        assert opened[0].crm.count(CustomerFilter()) > 0  # the demo shop's customers
    finally:
        for ws in opened:
            ws.close()


def test_a_student_cannot_read_a_classmates_shop_through_the_services(class_url: str) -> None:
    b = open_workspace(class_url, username="xs02")
    b.close()
    a = open_workspace(class_url, username="xs01")
    try:
        assert a.student_shops is not None
        with pytest.raises(DomainError) as denied:
            a.student_shops.shop_of(b.user.id)
        assert denied.value.code == "permission.denied"
        with pytest.raises(DomainError):
            lab_exports.student_result(a, "p4-t1", b.user.id)  # quiz answers and marks: the class refuses
        # Inside the student's own shop nothing but its schema is on the search path.
        with a.db.engine.connect() as conn:
            assert conn.execute(text("SHOW search_path")).scalar() == a.sandbox
    finally:
        a.close()


def test_a_students_changes_are_not_broadcast_to_the_class(class_url: str) -> None:
    """NOTIFY channels are database-wide: a student's own shop says nothing to the other desks."""
    import psycopg
    from sqlalchemy.engine import make_url

    from workbench.storage.changes import CHANNEL

    parsed = make_url(class_url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    a = open_workspace(class_url, username="xs01")
    owner = open_workspace(class_url)
    try:
        assert not a.db.broadcasts and a.team is None
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            set_welcome(a, "雷雷小助手")
            assert list(conn.notifies(timeout=0.5)) == []
            set_welcome(owner, "班级小助手")  # the class's shop is heard, as before
            assert [n.payload for n in conn.notifies(timeout=2, stop_after=1)]
    finally:
        a.close()
        owner.close()


def test_sqlite_has_no_schemas() -> None:
    with pytest.raises(DatabaseError) as refused:
        Database("sqlite://", schema="lab_1")
    assert refused.value.code == "db.schema_sqlite"


def test_the_check_command_checks_the_users_own_shop(class_url: str) -> None:
    import json
    import subprocess
    import sys

    a = open_workspace(class_url, username="xs01")
    try:
        set_welcome(a, "雷雷小助手")
    finally:
        a.close()

    def check(user: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "workbench", "exercise", "check", "--db", class_url, "--user", user, *CHECK],
            cwd=Path(__file__).resolve().parents[3],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return str(next(i for i in json.loads(done.stdout)["items"] if i["id"] == "welcome")["why"])

    assert "默认欢迎语已修改 ✓" in check("xs01")
    assert "默认欢迎语未修改 ✗" in check("xs02")


def test_a_students_desk_has_its_own_buyers_who_wait_for_the_teacher(class_url: str, tmp_path: Path) -> None:
    from workbench.composition import open_desk
    from workbench.entrance import open_entrance
    from workbench.launch import LaunchConfig
    from workbench.paths import AppPaths
    from workbench.settings import Settings

    paths = AppPaths.under(tmp_path / "data")
    paths.ensure()
    config = LaunchConfig(paths=paths, db_url=class_url, settings=Settings(db_url=class_url))
    entrance = open_entrance(config)
    student = entrance.login.log_in("xs01", DEMO_PASSWORD, remember=False)
    ws = open_desk(config, entrance=entrance, user=student)
    teacher = open_workspace(class_url, username="laoshi")
    try:
        assert ws.sandbox is not None and ws.channel is not None
        gate = ws.channel.gate
        assert isinstance(gate, ClassLab)
        gate.poll_s = 0  # ask the class at every tick (a desk asks every few seconds)
        assert ws.channel.spawn() == [] and ws.channel.tick() == []  # nobody before 开始实训
        class_chats, own_chats = count_chats(teacher), count_chats(ws)
        teacher.classroom.start("ch5-aftersales")
        assert ws.channel.spawn(), "the exercise's first buyer comes once the teacher started it"
        scenario_ids = set(teacher.exercises.exercise("ch5-aftersales").scenarios)
        assert {s.id for s in ws.channel.simulator.scenarios} == scenario_ids
        # The buyer came to the student's own shop, not to the class's.
        assert count_chats(teacher) == class_chats
        assert count_chats(ws) == own_chats + 1
    finally:
        teacher.close()
        ws.close()


def test_the_teacher_sets_the_class_key_in_the_class_database_and_students_sign_with_it(
    class_url: str, tmp_path: Path
) -> None:
    from workbench.domain.exercises import Student
    from workbench.services.submissions import read_submission

    teacher = open_workspace(class_url, username="laoshi")
    a = open_workspace(class_url, username="xs01")
    try:
        teacher.classroom.set_class_key("电商2班")
        assert a.classroom.class_key() == "电商2班"  # the student's own shop reads the class's key
        with pytest.raises(DomainError) as denied:
            a.classroom.set_class_key("mine")
        assert denied.value.code == "permission.denied"
        out = tmp_path / "a.json"
        lab_exports.export_submission(a, "p4-t1", a.user.id, Student("李雷", "xs01"), out)
        assert read_submission(out, "电商2班").student.number == "xs01"
    finally:
        a.close()
        teacher.close()
