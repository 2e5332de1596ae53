"""Permissions are checked in the services: a 客服, 售后 or 学生 who calls a use case that changes the
shop's setup is refused, whatever the window shows, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.accounts.conftest import PASSWORD, FakeClock, Shop
from tests.unit.kb_admin.conftest import draft
from workbench.composition import open_workspace
from workbench.domain.auto_messages import AutoKind, BulkTarget
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.identity import PROGRAM, Role
from workbench.domain.routing import RoutingConfig
from workbench.domain.shops import AgentStatus
from workbench.services.kb_admin import KbAdminService
from workbench.services.packs import PackService
from workbench.services.routing import AccountForm
from workbench.services.workspace import Workspace
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.customers import CustomerRepository


@pytest.fixture
def entry_id(shop: Shop, clock: FakeClock) -> int:
    """A KB entry (its id), a pack to upgrade and a buyer to message."""
    change = KbAdminService(shop.db, shop.id, clock, actor=PROGRAM).create_entry(draft())
    PackService(shop.db, shop.id, clock, actor=PROGRAM).subscribe("apparel", "1.0")
    with shop.db.session() as s:
        CustomerRepository(s).add(shop.id, Customer(0, "tb_买家"))
    return change.entries[0].id


@pytest.fixture
def desk(shop: Shop, clock: FakeClock, entry_id: int) -> Iterator[Callable[[str], Workspace]]:
    opened: list[Workspace] = []

    def open_as(username: str) -> Workspace:
        # In the class's shop (on PostgreSQL a student's desk works in a shop of their own, where they
        # may configure: tests/unit/classroom/test_student_shops_postgres.py): the rules are checked here.
        ws = open_workspace(shop.url, username=username, clock=clock, seed_demo=False, own_shop=False)
        opened.append(ws)
        return ws

    yield open_as
    for ws in opened:
        ws.close()


Call = Callable[[Workspace, Shop, int, Path], object]

# Every use case that changes the shop's setup or another user's account, by service family.
PROTECTED: dict[str, Call] = {
    "bot.save_welcome": lambda ws, shop, e, tmp: ws.bot.save_welcome(ws.bot.settings().welcome),
    "bot.save_transfer": lambda ws, shop, e, tmp: ws.bot.save_transfer(ws.bot.settings().transfer),
    "bot.save_reception": lambda ws, shop, e, tmp: ws.bot.save_reception(ws.bot.settings().reception),
    "routing.save_config": lambda ws, shop, e, tmp: ws.routing.save_config(RoutingConfig(enabled=True)),
    "routing.save_group": lambda ws, shop, e, tmp: ws.routing.save_group(None, "售后组", ["退货"], []),
    "routing.create_account": lambda ws, shop, e, tmp: ws.routing.create_account(AccountForm("kf9", "客服九")),
    "routing.update_account": lambda ws, shop, e, tmp: ws.routing.update_account(
        shop.users["zhuguan"], AccountForm("zhuguan", "改名", Role.AGENT)
    ),
    "routing.delete_account": lambda ws, shop, e, tmp: ws.routing.delete_account(shop.users["zhuguan"], ws.agent.id),
    "routing.set_status_of_another": lambda ws, shop, e, tmp: ws.routing.set_status(
        shop.users["zhuguan"], AgentStatus.OFFLINE
    ),
    "auto_messages.save_rule": lambda ws, shop, e, tmp: ws.auto_messages.save_rule(
        replace(ws.auto_messages.rules()[AutoKind.PAID], enabled=True)
    ),
    "auto_messages.set_order_events_per_min": lambda ws, shop, e, tmp: ws.auto_messages.set_order_events_per_min(9),
    "auto_messages.bulk_send": lambda ws, shop, e, tmp: ws.auto_messages.bulk_send(BulkTarget("all"), "亲，上新啦"),
    "kb_admin.add_category": lambda ws, shop, e, tmp: ws.kb_admin.add_category("新分类"),
    "kb_admin.create_entry": lambda ws, shop, e, tmp: ws.kb_admin.create_entry(draft("能开发票吗")),
    "kb_admin.update_entry": lambda ws, shop, e, tmp: ws.kb_admin.update_entry(e, draft("改过的问题")),
    "kb_admin.set_enabled": lambda ws, shop, e, tmp: ws.kb_admin.set_enabled(e, False),
    "kb_admin.edit_answer": lambda ws, shop, e, tmp: ws.kb_admin.edit_answer(e, 0, "新答案"),
    "kb_admin.edit_shown_answer": lambda ws, shop, e, tmp: ws.kb_admin.edit_shown_answer(e, "新答案"),
    "kb_admin.delete_entry": lambda ws, shop, e, tmp: ws.kb_admin.delete_entry(e),
    "kb_io.import_file": lambda ws, shop, e, tmp: ws.kb_io.import_file(tmp / "kb.csv"),
    "packs.subscribe": lambda ws, shop, e, tmp: ws.packs.subscribe("food"),
    "packs.upgrade": lambda ws, shop, e, tmp: ws.packs.upgrade("apparel"),
    "packs.unsubscribe": lambda ws, shop, e, tmp: ws.packs.unsubscribe("apparel"),
    "accounts.add_user": lambda ws, shop, e, tmp: ws.accounts.add_user("xs9", "学生九", Role.STUDENT, "stud-pass-9"),
    "accounts.set_password": lambda ws, shop, e, tmp: ws.accounts.set_password("zhuguan", "new-pass-99"),
    "accounts.revoke_remembered": lambda ws, shop, e, tmp: ws.accounts.revoke_remembered("zhuguan"),
    "accounts.import_roster": lambda ws, shop, e, tmp: ws.accounts.import_roster(tmp / "roster.csv"),
}


def snapshot(shop: Shop) -> tuple[object, ...]:
    """Everything the protected use cases could change."""
    ws = open_workspace(shop.url, seed_demo=False)
    try:
        with shop.db.session() as s:
            credentials = [AccountRepository(s).credential(i) for i in sorted(shop.users.values())]
        return (
            ws.bot.config(),
            ws.routing.accounts(),
            ws.routing.groups(),
            ws.auto_messages.log_count(),
            ws.kb_admin.categories(),
            ws.kb_admin.entries(),
            ws.packs.catalog(),
            ws.accounts.users(),
            credentials,
        )
    finally:
        ws.close()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "kb.csv").write_text("分类,标准问题,答案\n物流问题,发什么快递,中通\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("username,name,password\nxs8,学生八,stud-pass-8\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("username", ["kf1", "sh1", "xs1"])  # 客服, 售后, 学生
def test_staff_and_students_are_refused_every_setup_change(
    shop: Shop, desk: Callable[[str], Workspace], entry_id: int, files: Path, username: str
) -> None:
    ws = desk(username)
    before = snapshot(shop)
    refused = []
    for name, call in PROTECTED.items():
        with pytest.raises(DomainError) as info:
            call(ws, shop, entry_id, files)
        assert info.value.code == "permission.denied", name
        refused.append(name)
    assert refused == list(PROTECTED)
    assert snapshot(shop) == before  # nothing changed


@pytest.mark.parametrize("username", ["boss", "zhuguan", "laoshi"])  # 主账号, 主管, 教师
def test_owners_supervisors_and_teachers_may_change_the_setup(
    shop: Shop, desk: Callable[[str], Workspace], entry_id: int, files: Path, username: str
) -> None:
    ws = desk(username)
    for name, call in PROTECTED.items():
        if name.startswith(("routing.create", "routing.update", "routing.delete", "routing.set_status", "accounts.")):
            continue  # accounts: by role, below
        call(ws, shop, entry_id, files)


def test_who_may_manage_which_accounts(shop: Shop, desk: Callable[[str], Workspace]) -> None:
    supervisor, teacher = desk("zhuguan"), desk("laoshi")
    supervisor.accounts.set_password("sh1", "new-pass-11")  # shop staff: yes
    supervisor.routing.create_account(AccountForm("kf2", "客服二", Role.AGENT, password="agent-pass-2"))
    for refused in (
        lambda: supervisor.accounts.set_password("boss", "new-pass-12"),  # the owner: no
        lambda: supervisor.accounts.add_user("xs2", "学生二", Role.STUDENT, "stud-pass-2"),  # a student: no
        lambda: supervisor.routing.update_account(shop.users["kf1"], AccountForm("kf1", "客服一", Role.OWNER)),
        lambda: teacher.accounts.add_user("kf3", "客服三", Role.AGENT, "agent-pass-3"),  # shop staff: no
        lambda: teacher.routing.delete_account(shop.users["kf1"], teacher.agent.id),
    ):
        with pytest.raises(DomainError) as info:
            refused()
        assert info.value.code == "permission.denied"
    teacher.accounts.add_user("xs2", "学生二", Role.STUDENT, "stud-pass-2")
    teacher.routing.delete_account(shop.users["xs1"], teacher.agent.id)
    assert "xs1" not in {u.username for u in teacher.accounts.users()}


def test_a_user_sets_their_own_status_but_not_a_colleagues(shop: Shop, desk: Callable[[str], Workspace]) -> None:
    ws = desk("kf1")
    assert ws.routing.set_status(ws.agent.id, AgentStatus.BUSY).status is AgentStatus.BUSY


def test_the_shop_keeps_an_owner(shop: Shop, desk: Callable[[str], Workspace]) -> None:
    boss = desk("boss")
    owner_id = shop.users["boss"]
    with pytest.raises(DomainError) as info:
        boss.routing.update_account(owner_id, AccountForm("boss", "老板", Role.SUPERVISOR))
    assert info.value.code == "account.last_owner"
    second = boss.routing.create_account(AccountForm("boss2", "二老板", Role.OWNER, password="owner-pass-2"))
    desk("boss2").routing.delete_account(owner_id, second.id)  # with a second owner the first may go


def test_a_role_lowered_on_another_desk_holds_at_once(shop: Shop, desk: Callable[[str], Workspace]) -> None:
    supervisor = desk("zhuguan")
    supervisor.routing.save_config(RoutingConfig(enabled=True))
    desk("boss").routing.update_account(shop.users["zhuguan"], AccountForm("zhuguan", "主管", Role.AGENT))
    with pytest.raises(DomainError) as info:
        supervisor.routing.save_config(RoutingConfig(enabled=False))  # the same, still open, workspace
    assert info.value.code == "permission.denied"


def test_a_removed_user_may_do_nothing(shop: Shop, desk: Callable[[str], Workspace]) -> None:
    supervisor = desk("zhuguan")
    desk("boss").routing.delete_account(shop.users["zhuguan"], shop.users["boss"])
    with pytest.raises(DomainError) as info:
        supervisor.bot.save_transfer(supervisor.bot.settings().transfer)
    assert info.value.code == "permission.denied"


def test_logging_in_does_not_need_a_permission(shop: Shop, clock: FakeClock) -> None:
    from workbench.services.accounts import LoginService

    assert LoginService(shop.db, shop.id, clock).log_in("xs1", PASSWORD).role is Role.STUDENT
