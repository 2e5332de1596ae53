"""Backups of the SQLite database: made before a migration, daily, and on request; restored at the
next start.

Backups are whole copies made with SQLite's online backup API (`workbench.storage.sqlite_files`)
into the data dir's ``backups/`` folder, named by their time and why they were made
(``workbench-20250301-093000-daily.sqlite3``); the newest `keep` are kept.

A restore never swaps the file under an open connection: `request_restore` checks the backup and
writes a request beside the backups; the next start applies it (`apply_pending_restore`) before the
database is opened, after setting the current file aside under a timestamped name.

A PostgreSQL database is the server's to back up (``pg_dump``): `available` is False there.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from workbench.services.clock import Clock
from workbench.storage import sqlite_files
from workbench.storage.errors import is_corruption

log = logging.getLogger(__name__)

MANUAL = "manual"
DAILY = "daily"
BEFORE_MIGRATION = "pre-migration"
REASONS = (MANUAL, DAILY, BEFORE_MIGRATION)

RESTORE_REQUEST = "restore-request.json"
_STAMP = "%Y%m%d-%H%M%S"
_NAME = re.compile(r"^workbench-(\d{8}-\d{6})(?:-(\d+))?-(manual|daily|pre-migration)\.sqlite3$")


class BackupError(Exception):
    """A backup or restore that could not be done; `code` names why (for a translated message):
    ``backup.unavailable`` (not a SQLite database), ``backup.no_database`` (nothing to back up yet),
    ``backup.failed`` (detail: the system's reason), ``backup.source_damaged`` (the database itself
    is damaged; detail: where), ``backup.missing`` (detail: the file), ``backup.damaged`` (detail:
    where), ``backup.not_workbench`` (no Workbench schema in the file), ``backup.too_new`` (detail:
    its schema revision, unknown to this program)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    created: datetime
    reason: str  # MANUAL, DAILY or BEFORE_MIGRATION
    size: int  # bytes

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True, slots=True)
class RestoreOutcome:
    """What the start-up did with a restore request: `kept_as` is where the replaced database went
    (None if there was none); `error` says why nothing was restored."""

    backup: str
    kept_as: Path | None = None
    error: BackupError | None = None


class BackupService:
    """Backups of one SQLite database file (`database`; None: a server database, nothing to do)."""

    def __init__(self, database: Path | None, folder: Path, keep: int, clock: Clock) -> None:
        self.database = database
        self.folder = folder
        self.keep = max(1, keep)
        self.clock = clock

    @property
    def available(self) -> bool:
        return self.database is not None

    # -- making backups -----------------------------------------------------------------------

    def backups(self) -> list[Backup]:
        """The backups in the folder, newest first."""
        found: list[tuple[datetime, int, Backup]] = []
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return []
        for path in entries:
            match = _NAME.match(path.name)
            if match is None:
                continue
            try:
                created = datetime.strptime(match[1], _STAMP)
                size = path.stat().st_size
            except (ValueError, OSError):
                continue
            found.append((created, int(match[2] or 1), Backup(path, created, match[3], size)))
        found.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [backup for _, _, backup in found]

    def back_up(self, reason: str = MANUAL) -> Backup:
        """Copy the database now, then drop the oldest backups beyond `keep`."""
        database = self._database()
        if not database.is_file():
            raise BackupError("backup.no_database")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self._new_name(reason)
            sqlite_files.copy_database(database, target)
        except sqlite_files.DamagedCopy as exc:
            raise BackupError("backup.source_damaged", str(exc)) from exc
        except Exception as exc:
            if is_corruption(exc):
                raise BackupError("backup.source_damaged", str(exc)) from exc
            raise BackupError("backup.failed", getattr(exc, "strerror", None) or str(exc)) from exc
        log.info("database backed up to %s (%s)", target, reason)
        made = Backup(target, self.clock().replace(microsecond=0), reason, target.stat().st_size)
        self._prune()
        return made

    def back_up_if_due(self, every: timedelta = timedelta(days=1)) -> Backup | None:
        """The daily backup: made when the newest backup is older than `every` (or there is none)."""
        if not self.available:
            return None
        newest = next(iter(self.backups()), None)
        if newest is not None and self.clock() - newest.created < every:
            return None
        return self.back_up(DAILY)

    def before_migration(self, revision: str) -> None:
        """The database at schema `revision` is about to be migrated: keep a copy first."""
        log.info("backing up the database before migrating it from %s", revision)
        self.back_up(BEFORE_MIGRATION)

    def _new_name(self, reason: str) -> Path:
        stamp = self.clock().strftime(_STAMP)
        target = self.folder / f"workbench-{stamp}-{reason}.sqlite3"
        n = 2
        while target.exists():  # two backups in one second
            target = self.folder / f"workbench-{stamp}-{n}-{reason}.sqlite3"
            n += 1
        return target

    def _prune(self) -> None:
        pending = self.pending_restore()
        for old in self.backups()[self.keep :]:
            if pending is not None and old.path.name == pending:
                continue  # the one to restore at the next start stays
            try:
                old.path.unlink()
                log.info("old backup %s removed (keeping %d)", old.path.name, self.keep)
            except OSError as exc:
                log.warning("could not remove the old backup %s: %s", old.path, exc)

    # -- restoring ----------------------------------------------------------------------------

    def check(self, backup: Path) -> str:
        """Check a backup thoroughly (SQLite's integrity check, and a schema this program knows);
        returns its schema revision or raises `BackupError`."""
        from workbench.storage.db import schema_revisions  # Alembic loads only when needed

        if not backup.is_file():
            raise BackupError("backup.missing", str(backup))
        found = sqlite_files.check_database(backup)
        if found.problem == "no_schema":
            raise BackupError("backup.not_workbench", str(backup))
        if found.problem is not None:
            raise BackupError("backup.damaged", found.detail or found.problem)
        assert found.revision is not None
        if found.revision not in schema_revisions():
            raise BackupError("backup.too_new", found.revision)
        return found.revision

    def request_restore(self, backup: Path) -> Backup:
        """Check `backup` and ask the next start to restore it (it replaces the database then)."""
        self._database()
        chosen = next((b for b in self.backups() if b.path.name == backup.name), None)
        if chosen is None:
            raise BackupError("backup.missing", str(backup))
        self.check(chosen.path)
        request = {"backup": chosen.name, "requested": self.clock().isoformat()}
        tmp = self.folder / (RESTORE_REQUEST + ".tmp")
        tmp.write_text(json.dumps(request), encoding="utf-8")
        os.replace(tmp, self.folder / RESTORE_REQUEST)
        log.info("restore of %s requested for the next start", chosen.name)
        return chosen

    def pending_restore(self) -> str | None:
        """The name of the backup the next start restores, if one was requested."""
        try:
            request = json.loads((self.folder / RESTORE_REQUEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        name = request.get("backup") if isinstance(request, dict) else None
        return name if isinstance(name, str) and _NAME.match(name) else None

    def cancel_restore(self) -> None:
        (self.folder / RESTORE_REQUEST).unlink(missing_ok=True)

    def apply_pending_restore(self) -> RestoreOutcome | None:
        """At start-up, before the database is opened: restore the requested backup, if any.

        The backup is checked again; the current file (with its write-ahead log) is renamed
        ``workbench-replaced-<time>.sqlite3`` beside it, then the backup's copy takes its place. Each
        step leaves a state the next start can finish: the request is removed last."""
        request = self.folder / RESTORE_REQUEST
        if self.database is None or not request.exists():
            return None
        name = self.pending_restore()
        if name is None:
            request.unlink(missing_ok=True)
            return RestoreOutcome("", error=BackupError("backup.missing", str(request)))
        database = self.database
        try:
            self.check(self.folder / name)
            incoming = database.with_name(database.name + ".restoring")
            shutil.copyfile(self.folder / name, incoming)
            with incoming.open("rb+") as fh:
                os.fsync(fh.fileno())
            kept_as = self._set_aside(database)
            os.replace(incoming, database)
        except BackupError as exc:
            log.error("restore of %s refused: %s", name, exc)
            request.unlink(missing_ok=True)
            return RestoreOutcome(name, error=exc)
        except OSError as exc:
            log.error("restore of %s failed: %s", name, exc)
            request.unlink(missing_ok=True)
            return RestoreOutcome(name, error=BackupError("backup.failed", exc.strerror or str(exc)))
        request.unlink(missing_ok=True)
        log.warning("database restored from %s; the previous file is kept as %s", name, kept_as)
        return RestoreOutcome(name, kept_as=kept_as)

    def _set_aside(self, database: Path) -> Path | None:
        """Rename the database and its log out of the way; where to (None: there was nothing)."""
        wal, shm = sqlite_files.wal_file(database), sqlite_files.shm_file(database)
        if not database.exists() and not wal.exists():
            shm.unlink(missing_ok=True)
            return None
        stamp = self.clock().strftime(_STAMP)
        aside = database.with_name(f"{database.stem}-replaced-{stamp}{database.suffix}")
        n = 2
        while aside.exists() or sqlite_files.wal_file(aside).exists():
            aside = database.with_name(f"{database.stem}-replaced-{stamp}-{n}{database.suffix}")
            n += 1
        # The log first: it holds committed changes of its file, and a log left beside the restored
        # file would be applied to it. It keeps its file's name + "-wal", so the two open together.
        if wal.exists():
            os.replace(wal, sqlite_files.wal_file(aside))
        shm.unlink(missing_ok=True)  # an index into the log, rebuilt by SQLite
        if database.exists():
            os.replace(database, aside)
        return aside

    def _database(self) -> Path:
        if self.database is None:
            raise BackupError("backup.unavailable")
        return self.database
