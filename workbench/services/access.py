"""The permission check every protected use case makes, inside its own unit of work.

The acting user's role is read from the database on each check, in the transaction that does the
work: a user whose role was lowered, or who was removed, on another desk is held to what the database
says now, not to what was true when they logged in.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from workbench.domain.identity import Actor, Permission, Role, check, check_manage
from workbench.storage.repositories.accounts import AccountRepository


def current_role(s: Session, actor: Actor) -> Role | None:
    """The actor's role now (the program acts as an owner); None when the user no longer exists."""
    if actor.is_program:
        return Role.OWNER
    return AccountRepository(s).role_of(actor.user_id)


def require(s: Session, actor: Actor, permission: Permission) -> Role:
    """The actor's role, or DomainError("permission.denied") unless it has `permission`."""
    role = current_role(s, actor)
    check(role, permission)
    assert role is not None
    return role


def require_manage(s: Session, actor: Actor, target: Role, new_role: Role | None = None) -> Role:
    """The actor's role, or DomainError("permission.denied") unless they may manage an account with
    role `target` (and give it `new_role`)."""
    role = current_role(s, actor)
    check_manage(role, target, new_role)
    assert role is not None
    return role
