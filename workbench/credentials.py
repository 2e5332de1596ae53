"""Secrets (database passwords, "记住我" login tokens) live only in the system keyring, never in settings,
the database or logs."""

from __future__ import annotations

import contextlib
import logging
from types import ModuleType

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

SERVICE = "Workbench"


def _keyring() -> ModuleType:
    """keyring, imported when a secret is first read or kept (its backends take a while to load, and a
    desk on its own SQLite file may never need one)."""
    import keyring
    import keyring.errors

    return keyring


class KeyringUnavailable(Exception):
    """No usable keyring backend: secrets are kept for this run only."""


def _account(url: str) -> str:
    u = make_url(url)
    return f"db:{u.get_backend_name()}://{u.username or ''}@{u.host or ''}:{u.port or ''}/{u.database or ''}"


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password (safe to store and log) and the password."""
    u = make_url(url)
    password = u.password
    if password is None:
        return url, None
    return u.set(password=None).render_as_string(hide_password=False), str(password)


def redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def server_of(url: str) -> str:
    """The database server a shared install uses, as people name it ("db.shop.lan", "10.0.0.5:5433");
    "" for the local SQLite file. No user name, password or path."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return ""
    host = u.host or "localhost"
    return f"{host}:{u.port}" if u.port and u.port != 5432 else host


def store_db_password(url: str, password: str) -> None:
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, _account(url), password)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc)) from exc


def with_stored_password(url: str) -> str:
    """Fill in a password from the keyring when the URL has none; unchanged when there is none stored."""
    u = make_url(url)
    if u.password is not None or u.get_backend_name() == "sqlite":
        return url
    keyring = _keyring()
    try:
        password = keyring.get_password(SERVICE, _account(url))
    except keyring.errors.KeyringError as exc:
        log.warning("keyring unavailable, no stored database password: %s", exc)
        return url
    if password is None:
        return url
    return u.set(password=password).render_as_string(hide_password=False)


class LoginTokens:
    """A desk's "记住我" tokens for the users of one database, in the system keyring (never in the
    settings, the database or the logs; the database keeps only each token's hash). Implements
    `workbench.services.accounts.TokenStore`."""

    def __init__(self, db_url: str) -> None:
        self._prefix = "login:" + _account(db_url)[len("db:") :]

    def _key(self, username: str) -> str:
        return f"{self._prefix}#{username}"

    def load(self, username: str) -> str | None:
        keyring = _keyring()
        try:
            return keyring.get_password(SERVICE, self._key(username))
        except keyring.errors.KeyringError as exc:
            log.warning("keyring unavailable, no remembered login: %s", exc)
            return None

    def save(self, username: str, token: str) -> bool:
        keyring = _keyring()
        try:
            keyring.set_password(SERVICE, self._key(username), token)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring unavailable, the login is not remembered: %s", exc)
            return False
        return True

    def forget(self, username: str) -> None:
        keyring = _keyring()
        try:
            keyring.delete_password(SERVICE, self._key(username))
        except keyring.errors.PasswordDeleteError:
            pass  # nothing was kept
        except keyring.errors.KeyringError as exc:
            log.warning("keyring unavailable, could not forget a remembered login: %s", exc)


class LocalClassKey:
    """The class key on a PC without a class server (the teacher's, to grade; a student's, given by the
    teacher, to sign their submission files), in the system keyring. Implements
    `workbench.services.classroom.ClassKeyStore`."""

    ACCOUNT = "class-key"

    def load(self) -> str | None:
        keyring = _keyring()
        try:
            return keyring.get_password(SERVICE, self.ACCOUNT)
        except keyring.errors.KeyringError as exc:
            log.warning("keyring unavailable, no class key: %s", exc)
            return None

    def save(self, key: str | None) -> None:
        """Keep `key` (None or empty: forget it); KeyringUnavailable when there is no keyring."""
        keyring = _keyring()
        try:
            if key:
                keyring.set_password(SERVICE, self.ACCOUNT, key)
            else:
                with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing was kept
                    keyring.delete_password(SERVICE, self.ACCOUNT)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(str(exc)) from exc
