"""The identity rules: who may do what, passwords, usernames, the wait after failed logins."""

from __future__ import annotations

import pytest

from workbench.domain.errors import DomainError
from workbench.domain.identity import (
    Permission,
    Role,
    allows,
    assignable_roles,
    check_manage,
    check_password,
    login_delay,
    may_manage,
)

ADMINS = {Role.OWNER, Role.SUPERVISOR, Role.TEACHER}


@pytest.mark.parametrize("permission", [Permission.CONFIGURE_BOT, Permission.MANAGE_KB, Permission.MANAGE_USERS])
def test_only_owners_supervisors_and_teachers_change_the_setup(permission: Permission) -> None:
    assert {r for r in Role if allows(r, permission)} == ADMINS


def test_seats_a_teacher_sees_every_seat_a_student_only_their_history() -> None:
    assert {r for r in Role if allows(r, Permission.SEE_ALL_SEATS)} == {Role.TEACHER}
    assert {r for r in Role if not allows(r, Permission.SEE_SHOP_HISTORY)} == {Role.STUDENT}


def test_who_may_give_which_role() -> None:
    assert set(assignable_roles(Role.OWNER)) == set(Role)
    assert set(assignable_roles(Role.SUPERVISOR)) == {Role.SUPERVISOR, Role.AGENT, Role.AFTERSALES}
    assert set(assignable_roles(Role.TEACHER)) == {Role.TEACHER, Role.STUDENT}
    for role in (Role.AGENT, Role.AFTERSALES, Role.STUDENT):
        assert assignable_roles(role) == ()
    assert not may_manage(Role.SUPERVISOR, Role.OWNER)  # a supervisor cannot touch the owner
    with pytest.raises(DomainError) as info:
        check_manage(Role.SUPERVISOR, Role.AGENT, Role.OWNER)  # nor make someone an owner
    assert info.value.code == "permission.denied"
    with pytest.raises(DomainError):
        check_manage(None, Role.STUDENT)  # a removed user may do nothing


def test_unknown_stored_roles_are_the_least_privileged_staff_role() -> None:
    assert Role.parse("owner") is Role.OWNER
    assert Role.parse("emperor") is Role.AGENT


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1", "password.too_short"),
        ("x" * 129, "password.too_long"),
        (" leading-space", "password.spaces"),
        ("trailing-space ", "password.spaces"),
        ("tab\tinside1", "password.spaces"),
        ("aaaaaaaaaa", "password.too_simple"),
        ("ababababab", "password.too_simple"),
        ("XiaoZhao01", "password.is_username"),
    ],
)
def test_the_password_policy_refuses(password: str, code: str) -> None:
    with pytest.raises(DomainError) as info:
        check_password(password, "xiaozhao01")
    assert info.value.code == code and info.value.field == "password"


def test_the_password_policy_accepts_and_keeps_every_character() -> None:
    assert check_password("demo1234") == "demo1234"
    assert check_password("中文密码也可以 好") == "中文密码也可以 好"  # a space inside is fine


def test_failed_logins_are_free_at_first_then_wait_longer_up_to_a_minute() -> None:
    assert [login_delay(n) for n in range(10)] == [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]
