"""Password and token hashing: argon2id (argon2-cffi) for passwords, SHA-256 for "记住我" tokens.

A token is 32 random bytes, so a fast hash is enough for it (nobody can guess one by trying); a
password is chosen by a person and needs the slow, memory-hard hash. Neither the password nor the
token is kept, logged or stored in clear.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # argon2id with the library's defaults (RFC 9106 low-memory profile)


@functools.cache
def _unknown_user_hash() -> str:
    """Verified when the username is unknown, so that an unknown name takes as long as a wrong password
    (made when first needed: hashing takes a noticeable moment)."""
    return _HASHER.hash("no such user: " + secrets.token_hex(8))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash; a missing hash (no such user, no password) spends the same time."""
    try:
        return _HASHER.verify(password_hash or _unknown_user_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with weaker settings than today's (rehash it at the next successful login)."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
