"""Users of a shop or class: logging in (password, "记住我" token), and their accounts (new users, a
class roster, passwords).

`LoginService` checks credentials; `DeskLogin` is a desk's door, which also keeps the "记住我" token in
the keyring (through a `TokenStore`) and the last username in the settings. `AccountService` is the
administration, checked against the acting user's permissions. Nothing here imports Qt: the login
dialog calls `DeskLogin.log_in` off the UI thread.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from workbench.domain.errors import DomainError
from workbench.domain.identity import (
    REMEMBER_DAYS,
    Actor,
    Permission,
    Role,
    check_password,
    clean_username,
    login_delay,
    may_manage,
)
from workbench.domain.routing import clean_display_name
from workbench.domain.shops import Agent, Shop
from workbench.services.access import require, require_manage
from workbench.services.clock import Clock, system_clock
from workbench.services.passwords import hash_password, needs_rehash, new_token, token_hash, verify_password
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.repositories.shops import ShopRepository

log = logging.getLogger(__name__)

MAX_ROSTER_BYTES = 2 * 1024 * 1024
MAX_ROSTER_ROWS = 2000
MAX_SHOP_NAME = 60


def create_shop(
    db: Database, name: str, owner: str, owner_name: str, password: str, clock: Clock = system_clock
) -> tuple[Shop, Agent]:
    """A new, empty shop (or class) with its owner, in a database that has none: DomainError
    ``shop.exists`` when it has one (nothing is changed)."""
    shop_name = " ".join(name.split())
    if not shop_name:
        raise DomainError("shop.name_empty", field="shop")
    if len(shop_name) > MAX_SHOP_NAME:
        raise DomainError("shop.name_too_long", field="shop", limit=MAX_SHOP_NAME)
    username = clean_username(owner)
    shown = clean_display_name(owner_name)
    check_password(password, username)
    password_hash = hash_password(password)
    with db.session() as s:
        shops = ShopRepository(s)
        existing = shops.first()
        if existing is not None:
            raise DomainError("shop.exists", name=existing.name)
        shop = shops.add(shop_name, "")
        KbRepository(s).ensure_standard_categories(shop.id)
        accounts = AccountRepository(s)
        user = accounts.add_user(shop.id, username, shown, Role.OWNER)
        accounts.set_password_hash(user.id, password_hash, clock())
    log.info("shop %s created with its owner %s", shop_name, username)
    return shop, user


# -- logging in -----------------------------------------------------------------------------------


class LoginService:
    """Checks a username and password (or a remembered token) against the shop's users.

    Failed logins are counted per user in the database, so the wait after repeated failures holds on
    every desk: after `FREE_FAILURES` in a row each attempt waits longer (`login_delay`), and the
    password is not even checked before the wait is over."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    def owner(self) -> Agent:
        """The shop's owner: a single-seat desk works as them without logging in."""
        with self.db.session() as s:
            repo = AccountRepository(s)
            owner = repo.owner(self.shop_id)
            if owner is None:  # a database from before owners: its first user
                owner = next(iter(repo.users(self.shop_id)), None)
        if owner is None:
            raise DomainError("agent.missing")
        return owner

    def log_in(self, username: str, password: str) -> Agent:
        """The user, or DomainError ``login.failed`` (delay: seconds before the next try may succeed)
        or ``login.throttled`` (seconds: how long to wait). The message never says whether the
        username or the password was wrong."""
        try:
            name = clean_username(username)
        except DomainError:
            name = ""
        now = self.clock()
        with self.db.session() as s:
            repo = AccountRepository(s)
            user = repo.by_username(self.shop_id, name) if name else None
            stored = repo.credential(user.id) if user is not None else None
        if user is not None and stored is not None and stored.last_failed_at is not None:
            wait = stored.last_failed_at + timedelta(seconds=login_delay(stored.failed_logins)) - now
            if wait.total_seconds() > 0:
                raise DomainError("login.throttled", seconds=max(1, round(wait.total_seconds())))
        # Verified outside the transaction: the hash takes a moment and needs no database.
        ok = verify_password(stored.password_hash if stored else None, password)
        if user is None or stored is None or not ok:
            failures = 0
            if user is not None and stored is not None:
                with self.db.session() as s:
                    failures = AccountRepository(s).record_failure(user.id, now)
            log.warning("login refused for %r (%d failures in a row)", name, failures)
            raise DomainError("login.failed", delay=login_delay(failures))
        with self.db.session() as s:
            repo = AccountRepository(s)
            repo.reset_failures(user.id)
            if needs_rehash(stored.password_hash):
                repo.set_password_hash(user.id, hash_password(password), now)
        log.info("%s (%s) logged in", user.username, user.role.value)
        return user

    def remember(self, user: Agent) -> str:
        """A new "记住我" token for `user`; only its hash is stored."""
        token = new_token()
        now = self.clock()
        with self.db.session() as s:
            repo = AccountRepository(s)
            repo.delete_expired_tokens(now)
            repo.add_token(user.id, token_hash(token), now, now + timedelta(days=REMEMBER_DAYS))
        return token

    def log_in_with_token(self, username: str, token: str) -> Agent | None:
        """The user a remembered token logs in, or None (unknown, expired, revoked or someone else's)."""
        with self.db.session() as s:
            user = AccountRepository(s).user_for_token(token_hash(token), self.clock())
        if user is None or user.username != username or user.shop_id != self.shop_id:
            return None
        log.info("%s (%s) logged in with a remembered login", user.username, user.role.value)
        return user

    def forget_token(self, token: str) -> None:
        with self.db.session() as s:
            AccountRepository(s).delete_token(token_hash(token))


class TokenStore(Protocol):
    """Where a desk keeps its "记住我" token (the system keyring; see workbench.credentials)."""

    def load(self, username: str) -> str | None: ...

    def save(self, username: str, token: str) -> bool:
        """Keep the token; False when there is nowhere to keep it (no keyring)."""
        ...

    def forget(self, username: str) -> None: ...


class DeskLogin:
    """A desk's door: who works at it. On a single-seat desk (`user` given) nobody needs to log in;
    on a shared database the token remembered for the last username may log in without asking, else
    the login dialog calls `log_in` (off the UI thread: hashing and keyring calls take a moment)."""

    def __init__(
        self,
        login: LoginService,
        tokens: TokenStore,
        *,
        last_username: str = "",
        user: Agent | None = None,
        remember_username: Callable[[str], None] = lambda _name: None,
    ) -> None:
        self.login = login
        self.tokens = tokens
        self.last_username = last_username
        self.user = user  # logged in already (no dialog needed)
        self._remember_username = remember_username

    @property
    def needs_login(self) -> bool:
        return self.user is None

    def try_remembered(self) -> Agent | None:
        """Log in with the token remembered for the last username, if there is a good one (a token that
        no longer works is forgotten)."""
        if self.user is not None or not self.last_username:
            return self.user
        token = self.tokens.load(self.last_username)
        if token is None:
            return None
        user = self.login.log_in_with_token(self.last_username, token)
        if user is None:
            log.info("the remembered login of %r no longer works; asking for the password", self.last_username)
            self.tokens.forget(self.last_username)
        self.user = user
        return user

    def log_in(self, username: str, password: str, remember: bool) -> Agent:
        """Check the password (DomainError when refused); keep a token in the keyring if `remember`,
        else forget any token this desk kept for the user."""
        user = self.login.log_in(username, password)
        old = self.tokens.load(user.username)
        if old is not None:
            self.login.forget_token(old)
            self.tokens.forget(user.username)
        if remember:
            token = self.login.remember(user)
            if not self.tokens.save(user.username, token):
                self.login.forget_token(token)  # nowhere to keep it: it must not linger in the database
                log.warning("no keyring: the login of %s is not remembered", user.username)
        self.last_username = user.username
        self._remember_username(user.username)
        self.user = user
        return user


# -- administration -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserSummary:
    """A user as the administration lists them (no secret, only whether there is a password)."""

    id: int
    username: str
    display_name: str
    role: Role
    has_password: bool


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """One refused line of a roster file (line 0: the file itself)."""

    line: int
    error: DomainError


class RosterError(Exception):
    """A roster was refused; nothing was written."""

    def __init__(self, problems: Sequence[RosterProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class _RosterLine:
    line: int
    username: str
    display_name: str
    role: Role
    password: str = field(repr=False)  # never in a log or a traceback


ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "username": ("username", "user", "账号", "用户名", "登录名", "学号"),
    "name": ("name", "display_name", "display name", "姓名", "名字", "昵称"),
    "role": ("role", "角色", "身份"),
    "password": ("password", "initial_password", "initial password", "初始密码", "密码"),
}
ROLE_WORDS: dict[str, Role] = {
    "student": Role.STUDENT,
    "学生": Role.STUDENT,
    "teacher": Role.TEACHER,
    "教师": Role.TEACHER,
    "老师": Role.TEACHER,
    "agent": Role.AGENT,
    "客服": Role.AGENT,
    "aftersales": Role.AFTERSALES,
    "售后": Role.AFTERSALES,
    "supervisor": Role.SUPERVISOR,
    "主管": Role.SUPERVISOR,
    "owner": Role.OWNER,
    "主账号": Role.OWNER,
}


class AccountService:
    """The shop's users, administered by `actor` (owner, supervisor or teacher; see
    workbench.domain.identity for who may give which role)."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def users(self) -> list[UserSummary]:
        with self.db.session() as s:
            repo = AccountRepository(s)
            with_password = repo.with_password(self.shop_id)
            return [
                UserSummary(u.id, u.username, u.display_name, u.role, u.id in with_password)
                for u in repo.users(self.shop_id)
            ]

    def add_user(self, username: str, display_name: str, role: Role, password: str) -> Agent:
        name = clean_username(username)
        shown = clean_display_name(display_name)
        check_password(password, name)
        password_hash = hash_password(password)  # before the transaction: it takes a moment
        with self.db.session() as s:
            require_manage(s, self.actor, role)
            repo = AccountRepository(s)
            if repo.by_username(self.shop_id, name) is not None:
                raise DomainError("account.username_taken", field="username", username=name)
            user = repo.add_user(self.shop_id, name, shown, role)
            repo.set_password_hash(user.id, password_hash, self.clock())
        log.info("user %s (%s) added", name, role.value)
        return user

    def set_password(self, username: str, password: str) -> Agent:
        """A new password for a user; their remembered logins stop working."""
        name = clean_username(username)
        check_password(password, name)
        password_hash = hash_password(password)
        with self.db.session() as s:
            repo = AccountRepository(s)
            user = repo.by_username(self.shop_id, name)
            if user is None:
                raise DomainError("account.missing", username=name)
            require_manage(s, self.actor, user.role)
            repo.set_password_hash(user.id, password_hash, self.clock())
            repo.delete_tokens(user.id)
        log.info("password of %s changed", name)
        return user

    def revoke_remembered(self, username: str) -> int:
        """Stop every "记住我" login of a user (they must type their password again); returns how many."""
        with self.db.session() as s:
            repo = AccountRepository(s)
            user = repo.by_username(self.shop_id, clean_username(username))
            if user is None:
                raise DomainError("account.missing", username=username)
            require_manage(s, self.actor, user.role)
            return repo.delete_tokens(user.id)

    def import_roster(self, path: Path) -> list[Agent]:
        """A class roster (CSV or XLSX: username, name, role, initial password), all or nothing: every
        line is checked first and RosterError lists each refused line; then every user is added in one
        transaction. The role column may be left out (everyone a student)."""
        with self.db.session() as s:
            actor_role = require(s, self.actor, Permission.MANAGE_USERS)
        lines = self._check_roster(path, actor_role)
        hashes = [hash_password(line.password) for line in lines]
        now = self.clock()
        with self.db.session() as s:
            repo = AccountRepository(s)
            taken = repo.usernames(self.shop_id)  # again, inside the transaction that writes
            clashes = [RosterProblem(x.line, _taken(x.username)) for x in lines if x.username in taken]
            if clashes:
                raise RosterError(clashes)
            added = []
            for line, password_hash in zip(lines, hashes, strict=True):
                user = repo.add_user(self.shop_id, line.username, line.display_name, line.role)
                repo.set_password_hash(user.id, password_hash, now)
                added.append(user)
        log.info("roster %s imported: %d users", path.name, len(added))
        return added

    def _check_roster(self, path: Path, actor_role: Role) -> list[_RosterLine]:
        rows = _read_table(path)
        header_at = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), None)
        if header_at is None:
            raise RosterError([RosterProblem(0, DomainError("roster.empty"))])
        columns = _columns(rows[header_at])
        missing = [key for key in ("username", "name", "password") if key not in columns]
        if missing:
            raise RosterError([RosterProblem(header_at + 1, DomainError("roster.missing_column", column=missing[0]))])
        with self.db.session() as s:
            taken = AccountRepository(s).usernames(self.shop_id)
        problems: list[RosterProblem] = []
        lines: list[_RosterLine] = []
        seen: dict[str, int] = {}
        for index in range(header_at + 1, len(rows)):
            row = rows[index]
            number = index + 1
            if not any(c.strip() for c in row):
                continue

            def cell(key: str, row: list[str] = row) -> str:
                at = columns.get(key)
                return row[at] if at is not None and at < len(row) else ""

            try:
                username = clean_username(cell("username"))
                display_name = clean_display_name(cell("name"))
                role = _role(cell("role"))
                if not may_manage(actor_role, role):
                    raise DomainError("roster.role_not_allowed", role=role.value)
                password = check_password(cell("password"), username)
                if username in seen:
                    raise DomainError("roster.duplicate", username=username, first=seen[username])
                if username in taken:
                    raise _taken(username)
            except DomainError as exc:
                problems.append(RosterProblem(number, exc))
                continue
            seen[username] = number
            lines.append(_RosterLine(number, username, display_name, role, password))
        if not problems and not lines:
            problems.append(RosterProblem(0, DomainError("roster.empty")))
        if len(lines) > MAX_ROSTER_ROWS:
            problems.append(RosterProblem(0, DomainError("roster.too_many", limit=MAX_ROSTER_ROWS)))
        if problems:
            raise RosterError(problems)
        return lines


def _taken(username: str) -> DomainError:
    return DomainError("account.username_taken", field="username", username=username)


def _role(raw: str) -> Role:
    word = raw.strip().lower()
    if not word:
        return Role.STUDENT
    role = ROLE_WORDS.get(word)
    if role is None:
        raise DomainError("roster.bad_role", role=raw.strip())
    if role is Role.OWNER:
        raise DomainError("roster.role_not_allowed", role=role.value)
    return role


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for at, title in enumerate(header):
        word = title.strip().lower()
        for key, names in ROSTER_COLUMNS.items():
            if word in names and key not in found:
                found[key] = at
    return found


def _read_table(path: Path) -> list[list[str]]:
    """The cells of a .csv (UTF-8, or GB18030 as Chinese Excel saves it) or .xlsx file, as text."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RosterError(
            [RosterProblem(0, DomainError("roster.unreadable", reason=exc.strerror or str(exc)))]
        ) from exc
    if size > MAX_ROSTER_BYTES:
        raise RosterError([RosterProblem(0, DomainError("roster.too_big", limit_mb=MAX_ROSTER_BYTES // 1024 // 1024))])
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix != ".csv":
        raise RosterError([RosterProblem(0, DomainError("roster.format", suffix=suffix or path.name))])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(
            [RosterProblem(0, DomainError("roster.unreadable", reason=exc.strerror or str(exc)))]
        ) from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterError([RosterProblem(0, DomainError("roster.encoding"))])
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook  # loaded only when needed

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        problem = DomainError("roster.unreadable", reason=str(exc) or type(exc).__name__)
        raise RosterError([RosterProblem(0, problem)]) from exc
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a student number typed into Excel
    return str(value)
