"""Who works at a desk and what each of them may do: roles, permissions as rules, the password policy
and the username rules.

A shop (主账号 owner, 主管 supervisors, 客服 agents, 售后 after-sales) or a class (教师 teachers, 学生
students) shares one database; every user is a row of the shop's accounts (the 子账号 of 千牛, plus the
主账号). The services check these rules on every call that changes the shop's setup (hiding a button is
no permission); the UI asks the same rules to hide or disable what a user may not do.

Seats in a class: each student works their own desk (the chats routed to them and the ones nobody
took yet, and only their own history); a teacher's desk lists every seat's chats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from workbench.domain.errors import DomainError
from workbench.domain.text import clean_text

MAX_USERNAME = 40
USERNAME = re.compile(r"^[0-9A-Za-z_.\-:\u4e00-\u9fff]+$")  # 子账号 names look like 店铺名:小赵

MIN_PASSWORD = 8
MAX_PASSWORD = 128  # hashing a huge "password" is a cheap way to keep a server busy

# Failed logins: the first few are free (typing mistakes), then each attempt waits longer.
FREE_FAILURES = 3
MAX_LOGIN_DELAY_S = 60

REMEMBER_DAYS = 30  # a "记住我" token is good for this long after it was issued


class Role(StrEnum):
    OWNER = "owner"  # 主账号: the shop's own account
    SUPERVISOR = "supervisor"  # 主管
    AGENT = "agent"  # 客服
    AFTERSALES = "aftersales"  # 售后
    TEACHER = "teacher"  # 教师
    STUDENT = "student"  # 学生

    @classmethod
    def parse(cls, raw: str, default: Role | None = None) -> Role:
        """A stored role; an unknown value (a newer program's role) is the least privileged one."""
        try:
            return cls(raw)
        except ValueError:
            return default or cls.AGENT


class Permission(StrEnum):
    CONFIGURE_BOT = "configure_bot"  # 店小蜜: welcome, transfer, reception mode, 分流, groups, auto messages
    MANAGE_KB = "manage_kb"  # the knowledge base: entries, categories, import, industry packs, 问答测试 edits
    MANAGE_USERS = "manage_users"  # other users' accounts: create, edit, delete, status, passwords
    SEE_ALL_SEATS = "see_all_seats"  # the desk lists every seat's chats (a teacher watching the class)
    SEE_SHOP_HISTORY = "see_shop_history"  # 已结束: every ended chat of the shop, not only one's own
    SUPERVISE = "supervise"  # 主管/课堂: every live chat and agent; take over or reassign a chat
    GRADE = "grade"  # 实训: the 教师检测 column and the teacher's rubric items (态度, 纪律, …); start a class's lab


_STAFF = frozenset({Permission.SEE_SHOP_HISTORY})
_ADMIN = (
    frozenset({Permission.CONFIGURE_BOT, Permission.MANAGE_KB, Permission.MANAGE_USERS, Permission.SUPERVISE}) | _STAFF
)

# The rules: which role may do what. Receiving customers, customer management, orders and
# after-sales are everybody's work and need no permission.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: _ADMIN | {Permission.SUPERVISE, Permission.GRADE},  # a single seat grades its own practice
    Role.SUPERVISOR: _ADMIN | {Permission.SUPERVISE},
    Role.AGENT: _STAFF,
    Role.AFTERSALES: _STAFF,
    Role.TEACHER: _ADMIN | {Permission.SEE_ALL_SEATS, Permission.SUPERVISE, Permission.GRADE},
    Role.STUDENT: frozenset(),
}

# Which roles a user may give (and so which accounts they may edit): the owner any; a supervisor the
# shop's staff; a teacher the class.
ASSIGNABLE_ROLES: dict[Role, tuple[Role, ...]] = {
    Role.OWNER: tuple(Role),
    Role.SUPERVISOR: (Role.SUPERVISOR, Role.AGENT, Role.AFTERSALES),
    Role.AGENT: (),
    Role.AFTERSALES: (),
    Role.TEACHER: (Role.TEACHER, Role.STUDENT),
    Role.STUDENT: (),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def assignable_roles(role: Role) -> tuple[Role, ...]:
    """The roles a user with `role` may give to an account (empty: they manage no accounts)."""
    return ASSIGNABLE_ROLES[role] if allows(role, Permission.MANAGE_USERS) else ()


def may_manage(role: Role, target: Role) -> bool:
    """A user with `role` may edit, delete or set the password of an account with role `target`."""
    return target in assignable_roles(role)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks a service to act: a logged-in user (their id; the service reads their current role),
    or `PROGRAM`, the program itself (the simulated channel's own bot and routing, the admin command
    line, which is run by whoever may open the database)."""

    user_id: int

    @property
    def is_program(self) -> bool:
        return self.user_id == 0


PROGRAM = Actor(0)


def denied(permission: Permission, role: Role | None) -> DomainError:
    return DomainError("permission.denied", permission=permission.value, role=role.value if role else "")


def check(role: Role | None, permission: Permission) -> None:
    """Raise ``permission.denied`` unless `role` (None: the user no longer exists) has `permission`."""
    if role is None or not allows(role, permission):
        raise denied(permission, role)


def check_manage(role: Role | None, target: Role, new_role: Role | None = None) -> None:
    """Raise ``permission.denied`` unless `role` may manage an account with role `target` (and give it
    `new_role`)."""
    check(role, Permission.MANAGE_USERS)
    assert role is not None
    if not may_manage(role, target) or (new_role is not None and not may_manage(role, new_role)):
        raise denied(Permission.MANAGE_USERS, role)


# -- usernames and passwords ----------------------------------------------------------------------


def clean_username(raw: str) -> str:
    name = unicodedata.normalize("NFKC", clean_text(raw, multiline=False, field="username"))
    if not name:
        raise DomainError("account.username_empty", field="username")
    if len(name) > MAX_USERNAME:
        raise DomainError("account.username_too_long", field="username", limit=MAX_USERNAME)
    if not USERNAME.match(name):
        raise DomainError("account.username_chars", field="username")
    return name


def check_password(password: str, username: str = "") -> str:
    """The password as given (never trimmed: every character counts), or a DomainError saying why not."""
    if len(password) < MIN_PASSWORD:
        raise DomainError("password.too_short", field="password", limit=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise DomainError("password.too_long", field="password", limit=MAX_PASSWORD)
    if password != password.strip() or any(unicodedata.category(c).startswith("C") for c in password):
        raise DomainError("password.spaces", field="password")
    if len(set(password)) < 3:
        raise DomainError("password.too_simple", field="password")
    if username and password.casefold() == username.casefold():
        raise DomainError("password.is_username", field="password")
    return password


def login_delay(failures: int) -> int:
    """Seconds to wait after `failures` failed logins in a row before the next attempt is checked."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_LOGIN_DELAY_S, 2 << (failures - FREE_FAILURES))
