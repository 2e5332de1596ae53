"""Logging in: passwords, the wait after failures, "记住我" tokens, and the desk's door."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import MemoryKeyring
from tests.unit.accounts.conftest import PASSWORD, FakeClock, Shop
from workbench.credentials import LoginTokens
from workbench.domain.errors import DomainError
from workbench.domain.identity import PROGRAM, REMEMBER_DAYS, Role
from workbench.services.accounts import AccountService, DeskLogin, LoginService
from workbench.storage.repositories.accounts import AccountRepository


def login(shop: Shop, clock: FakeClock) -> LoginService:
    return LoginService(shop.db, shop.id, clock)


def test_the_right_password_logs_in(shop: Shop, clock: FakeClock) -> None:
    user = login(shop, clock).log_in("kf1", PASSWORD)
    assert (user.username, user.role) == ("kf1", Role.AGENT)
    assert login(shop, clock).log_in(" kf1 ", PASSWORD).id == user.id  # the name as typed, trimmed


@pytest.mark.parametrize(
    ("username", "password"),
    [("kf1", "Zhen-mi-9528"), ("kf1", PASSWORD.upper()), ("kf1", PASSWORD + " "), ("nobody", PASSWORD), ("", "")],
)
def test_a_wrong_username_or_password_is_refused_alike(
    shop: Shop, clock: FakeClock, username: str, password: str
) -> None:
    with pytest.raises(DomainError) as info:
        login(shop, clock).log_in(username, password)
    assert info.value.code == "login.failed"  # never says which of the two was wrong


def test_repeated_failures_are_slowed_down_on_every_desk(shop: Shop, clock: FakeClock) -> None:
    service = login(shop, clock)
    delays = [0]
    for _ in range(4):
        clock.now += timedelta(seconds=delays[-1])  # the user waits as asked
        with pytest.raises(DomainError) as info:
            service.log_in("kf1", "wrong-password")
        delays.append(info.value.params["delay"])
    assert delays == [0, 0, 0, 2, 4]
    # Another desk (another service on the same database) is held to the same wait, even with the
    # right password: it is not even checked before the wait is over.
    other_desk = login(shop, clock)
    clock.now += timedelta(seconds=1)
    with pytest.raises(DomainError) as info:
        other_desk.log_in("kf1", PASSWORD)
    assert info.value.code == "login.throttled" and info.value.params["seconds"] == 3
    clock.now += timedelta(seconds=3)
    assert other_desk.log_in("kf1", PASSWORD).username == "kf1"
    with shop.db.session() as s:
        stored = AccountRepository(s).credential(shop.users["kf1"])
    assert stored is not None and stored.failed_logins == 0  # a success starts the count again


def test_a_user_without_a_password_cannot_log_in(shop: Shop, clock: FakeClock) -> None:
    with shop.db.session() as s:
        AccountRepository(s).add_user(shop.id, "nopass", "无密码", Role.AGENT)
    with pytest.raises(DomainError) as info:
        login(shop, clock).log_in("nopass", "")
    assert info.value.code == "login.failed"


def test_a_remembered_token_logs_in_until_it_is_revoked_or_expires(shop: Shop, clock: FakeClock) -> None:
    service = login(shop, clock)
    user = service.log_in("kf1", PASSWORD)
    token = service.remember(user)
    assert service.log_in_with_token("kf1", token) == user
    assert service.log_in_with_token("sh1", token) is None  # someone else's name
    assert service.log_in_with_token("kf1", token + "x") is None
    admin = AccountService(shop.db, shop.id, clock, actor=PROGRAM)
    assert admin.revoke_remembered("kf1") == 1
    assert service.log_in_with_token("kf1", token) is None  # revoked
    token = service.remember(user)
    clock.now += timedelta(days=REMEMBER_DAYS)
    assert service.log_in_with_token("kf1", token) is None  # expired


def test_a_new_password_revokes_the_remembered_logins(shop: Shop, clock: FakeClock) -> None:
    service = login(shop, clock)
    token = service.remember(service.log_in("kf1", PASSWORD))
    AccountService(shop.db, shop.id, clock, actor=PROGRAM).set_password("kf1", "another-pass-2")
    assert service.log_in_with_token("kf1", token) is None
    with pytest.raises(DomainError):
        service.log_in("kf1", PASSWORD)
    assert service.log_in("kf1", "another-pass-2").username == "kf1"


def test_the_door_remembers_in_the_keyring_and_forgets_a_token_that_stopped_working(
    shop: Shop, clock: FakeClock, memory_keyring: MemoryKeyring
) -> None:
    names: list[str] = []
    tokens = LoginTokens(shop.url)
    door = DeskLogin(login(shop, clock), tokens, remember_username=names.append)
    assert door.needs_login and door.try_remembered() is None
    user = door.log_in("kf1", PASSWORD, remember=True)
    assert names == ["kf1"] and not door.needs_login
    (kept,) = memory_keyring.store.values()
    with shop.db.session() as s:  # the database has the token's hash only
        assert AccountRepository(s).user_for_token(kept, clock()) is None

    again = DeskLogin(login(shop, clock), LoginTokens(shop.url), last_username="kf1")
    assert again.try_remembered() == user  # a second start: no password asked

    AccountService(shop.db, shop.id, clock, actor=PROGRAM).revoke_remembered("kf1")
    third = DeskLogin(login(shop, clock), LoginTokens(shop.url), last_username="kf1")
    assert third.try_remembered() is None and third.needs_login
    assert memory_keyring.store == {}  # the dead token is forgotten

    door.log_in("kf1", PASSWORD, remember=False)
    assert memory_keyring.store == {}  # not remembered: nothing kept


def test_without_a_keyring_the_login_works_and_is_not_remembered(
    shop: Shop, clock: FakeClock, memory_keyring: MemoryKeyring
) -> None:
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    keyring.set_keyring(NoKeyring())  # the memory keyring fixture puts the previous one back
    door = DeskLogin(login(shop, clock), LoginTokens(shop.url))
    assert door.log_in("kf1", PASSWORD, remember=True).username == "kf1"
    with shop.db.session() as s:
        assert AccountRepository(s).delete_tokens(shop.users["kf1"]) == 0  # no token left behind


def test_the_single_seat_owner(shop: Shop, clock: FakeClock) -> None:
    assert login(shop, clock).owner().username == "boss"
