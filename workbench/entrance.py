"""A desk's entrance: its database opened (a pending restore first, then migrations, the demo shop in
an empty one) and who works at it, and on a single-seat desk the lists it shows first.

Kept apart from `workbench.composition` (which builds every service of the workspace) and light to
import: the start-up thread (`workbench.startup`) runs it first, so a desk's lists are read and on
screen while the rest of the program is still being imported. Nothing here imports Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.domain.shops import Agent, AgentStatus
from workbench.launch import LaunchConfig
from workbench.services.accounts import DeskLogin, LoginService
from workbench.services.backups import BackupService, RestoreOutcome
from workbench.services.clock import Clock, system_clock
from workbench.services.desk import DeskService, open_shop
from workbench.services.reception import ConversationLists, ReceptionService
from workbench.services.startup_notice import StartupNotice
from workbench.storage.db import Database, sqlite_file_of
from workbench.storage.repositories.shops import ShopRepository


def build_backups(url: str, folder: Path, keep: int, *, clock: Clock = system_clock) -> BackupService:
    """Backups of the database at `url` into `folder` (nothing to do for a server database)."""
    return BackupService(sqlite_file_of(url), folder, keep, clock)


def open_database(
    url: str,
    *,
    clock: Clock = system_clock,
    seed_demo: bool = True,
    reset_demo: bool = False,
    backups: BackupService | None = None,
) -> Database:
    """Migrate the database (copied by `backups` first when its schema is about to change) and start
    an empty one as the demo shop (or restore it)."""
    if reset_demo:
        from workbench.demo import reset_demo as restore_demo

        restore_demo(url, clock=clock)
    db = Database(url)
    try:
        db.migrate(before_upgrade=backups.before_migration if backups is not None and backups.available else None)
        if seed_demo:
            seed_if_empty(db, clock=clock)
    except BaseException as exc:
        db.dispose()
        if (corrupt := db.corruption(exc)) is not None:  # a damaged file found past its header
            raise corrupt from exc
        raise
    return db


def seed_if_empty(db: Database, *, clock: Clock = system_clock) -> bool:
    """Make an empty database the demo shop (see `workbench.demo.seed_if_empty`); True if it did.
    The demo package is imported only then: at a usual start the shop is there and its ~0.4 s of
    imports would only delay the desk."""
    with db.session() as s:
        if ShopRepository(s).first() is not None:
            return False
    from workbench.demo import seed_if_empty as seed_demo

    return seed_demo(db, clock=clock)


def desk_backups(config: LaunchConfig, *, clock: Clock = system_clock) -> BackupService:
    """The backups of a desk's database, in the data dir."""
    return build_backups(config.db_url, config.paths.backups, config.settings.backups_kept, clock=clock)


@dataclass(eq=False)
class DeskEntrance:
    """A desk's database, open and migrated, and its door (who works at the desk)."""

    db: Database
    login: DeskLogin
    notices: list[StartupNotice] = field(default_factory=list)  # for the workspace, once it opens

    def close(self) -> None:
        self.db.dispose()


def open_entrance(
    config: LaunchConfig, *, clock: Clock = system_clock, backups: BackupService | None = None
) -> DeskEntrance:
    """Open a desk's database and find out who works at it: a single-seat (SQLite) desk's owner
    without asking; on a shared database the login remembered in the keyring for the last username,
    if it still works, else nobody yet (the window asks).

    A restore from a backup asked for in the last session is done first, before the database opens."""
    from workbench.credentials import LoginTokens
    from workbench.settings import read_settings, save_settings

    backups = backups or desk_backups(config, clock=clock)
    restored = backups.apply_pending_restore()
    db = open_database(config.db_url, clock=clock, reset_demo=config.reset_demo, backups=backups)

    def remember_username(name: str) -> None:
        # Read again: the settings may have changed since the start (only this one value is ours).
        path = config.paths.settings_file
        save_settings(path, read_settings(path).settings.with_changes(last_username=name))

    try:
        shop, _, _ = open_shop(db)
        login = LoginService(db, shop.id, clock)
        tokens = LoginTokens(config.db_url)
        if db.is_sqlite:
            door = DeskLogin(login, tokens, user=login.owner())
        else:
            door = DeskLogin(
                login, tokens, last_username=config.settings.last_username, remember_username=remember_username
            )
            door.try_remembered()
    except BaseException as exc:
        db.dispose()
        if (corrupt := db.corruption(exc)) is not None:
            raise corrupt from exc
        raise
    notices = [restore_notice(restored)] if restored is not None else []
    return DeskEntrance(db, door, notices)


def restore_notice(outcome: RestoreOutcome) -> StartupNotice:
    """What the window says about the restore done (or refused) at this start."""
    if outcome.error is not None:
        return StartupNotice(
            "restore.failed",
            {"backup": outcome.backup, "code": outcome.error.code, "detail": outcome.error.detail},
        )
    return StartupNotice("restore.done", {"backup": outcome.backup, "kept_as": str(outcome.kept_as or "")})


def first_lists(entrance: DeskEntrance, user: Agent, status_on_login: str) -> tuple[ConversationLists, Agent]:
    """What a single-seat desk shows first, read before its workspace is built: the user's lists and
    the user as they start work (在线, or as configured: as 千牛, whatever the status was when the desk
    closed). `open_desk` then finds the status set already."""
    shop, agent, _ = open_shop(entrance.db, user.username)
    login_status = AgentStatus(status_on_login)
    if agent.status is not login_status:
        agent = DeskService(entrance.db, shop.id).set_status(agent.id, login_status)
    return ReceptionService(entrance.db, shop.id).desk_lists(agent.id), agent
