"""Backups of the SQLite database: before a migration, daily and on request, the newest N kept;
a restore is checked, keeps the current file aside and happens at the next start."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic import command

from workbench.composition import open_desk, open_workspace
from workbench.entrance import build_backups
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.services.backups import BEFORE_MIGRATION, DAILY, MANUAL, RESTORE_REQUEST, BackupError, BackupService
from workbench.settings import Settings
from workbench.storage import sqlite_files
from workbench.storage.db import Database, _alembic_config, sqlite_url

START = datetime(2025, 3, 1, 9, 30)


class StepClock:
    """A clock the test moves on."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def database(tmp_path: Path, demo_database: Path) -> Path:
    path = tmp_path / "data" / "workbench.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(demo_database, path)
    return path


def _service(database: Path, clock: StepClock, keep: int = 7) -> BackupService:
    return build_backups(sqlite_url(database), database.parent / "backups", keep, clock=clock)


def _shop_name(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("SELECT name FROM shops ORDER BY id LIMIT 1").fetchone()[0])


def _rename_shop(path: Path, name: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE shops SET name = ?", (name,))


def _newest_revision() -> str:
    from alembic.script import ScriptDirectory

    from workbench.storage.db import _migrations_dir

    (head,) = ScriptDirectory(_migrations_dir()).get_heads()
    return head


def _revision(path: Path) -> str | None:
    return sqlite_files.check_database(path).revision


def test_a_backup_is_a_sound_copy_with_the_committed_changes_still_in_the_log(database: Path, clock: StepClock) -> None:
    db = Database(sqlite_url(database))
    db.migrate()  # WAL mode
    with db.engine.begin() as conn:  # committed, and still in the write-ahead log while the engine is open
        conn.exec_driver_sql("UPDATE shops SET name = 'after the last checkpoint'")
    assert sqlite_files.wal_file(database).stat().st_size > 0
    backup = _service(database, clock).back_up()
    db.dispose()
    assert backup.reason == MANUAL and backup.created == START and backup.size == backup.path.stat().st_size
    assert backup.path.parent == database.parent / "backups"
    assert sqlite_files.check_database(backup.path).problem is None
    assert _shop_name(backup.path) == "after the last checkpoint"
    assert not sqlite_files.wal_file(backup.path).exists()  # one self-contained file


def test_only_the_newest_backups_are_kept(database: Path, clock: StepClock) -> None:
    service = _service(database, clock, keep=3)
    made = []
    for _ in range(5):
        made.append(service.back_up())
        clock.advance(hours=1)
    assert [b.path for b in service.backups()] == [b.path for b in reversed(made[-3:])]
    assert not made[0].path.exists() and not made[1].path.exists()


def test_two_backups_in_one_second_both_stay(database: Path, clock: StepClock) -> None:
    service = _service(database, clock)
    first, second = service.back_up(), service.back_up()
    assert first.path != second.path
    assert [b.path for b in service.backups()] == [second.path, first.path]


def test_the_daily_backup_is_made_when_the_newest_is_a_day_old(database: Path, clock: StepClock) -> None:
    service = _service(database, clock)
    first = service.back_up_if_due()
    assert first is not None and first.reason == DAILY
    clock.advance(hours=23)
    assert service.back_up_if_due() is None
    clock.advance(hours=2)
    again = service.back_up_if_due()
    assert again is not None and again.created == START + timedelta(hours=25)


def _database_at(path: Path, revision: str) -> None:
    db = Database(sqlite_url(path))
    command.upgrade(_alembic_config(db.engine), revision)
    db.dispose()


def test_a_database_is_backed_up_before_its_schema_changes(tmp_path: Path, clock: StepClock) -> None:
    path = tmp_path / "workbench.sqlite3"
    _database_at(path, "0005_reception_bot")
    service = _service(path, clock)
    open_workspace(sqlite_url(path), backups=service).close()
    (backup,) = service.backups()
    assert backup.reason == BEFORE_MIGRATION
    assert _revision(backup.path) == "0005_reception_bot"  # the schema as it was
    assert _revision(path) == _newest_revision()  # upgraded
    open_workspace(sqlite_url(path), backups=service).close()  # nothing to migrate: no new backup
    assert len(service.backups()) == 1


def test_a_new_database_needs_no_backup(tmp_path: Path, clock: StepClock) -> None:
    path = tmp_path / "workbench.sqlite3"
    service = _service(path, clock)
    db = Database(sqlite_url(path))
    db.migrate(before_upgrade=service.before_migration)
    db.dispose()
    assert service.backups() == []


def test_no_migration_without_its_backup(tmp_path: Path, clock: StepClock) -> None:
    path = tmp_path / "workbench.sqlite3"
    _database_at(path, "0005_reception_bot")
    blocked = tmp_path / "backups"
    blocked.write_text("a file where the folder should be")
    db = Database(sqlite_url(path))
    with pytest.raises(BackupError) as info:
        db.migrate(before_upgrade=BackupService(path, blocked, 7, clock).before_migration)
    db.dispose()
    assert info.value.code == "backup.failed"
    assert _revision(path) == "0005_reception_bot"  # untouched


def _crash_with_change_in_log(database: Path, name: str) -> None:
    """Leave `database` as a killed program does: a committed change only in the write-ahead log."""
    snapshot = database.with_name("snapshot")
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        with conn:
            conn.execute("UPDATE shops SET name = ?", (name,))
        shutil.copyfile(database, snapshot)
        shutil.copyfile(sqlite_files.wal_file(database), sqlite_files.wal_file(snapshot))
    # closing checkpointed the log; put back the files as they were before
    shutil.move(snapshot, database)
    shutil.move(sqlite_files.wal_file(snapshot), sqlite_files.wal_file(database))


def test_a_restore_happens_at_the_next_start_and_keeps_the_current_file_aside(database: Path, clock: StepClock) -> None:
    service = _service(database, clock)
    _rename_shop(database, "before")
    backup = service.back_up()
    clock.advance(minutes=5)
    assert service.request_restore(backup.path) == backup
    assert service.pending_restore() == backup.name
    _crash_with_change_in_log(database, "after")
    assert sqlite_files.wal_file(database).stat().st_size > 0

    outcome = service.apply_pending_restore()
    assert outcome is not None and outcome.error is None and outcome.backup == backup.name
    assert not sqlite_files.wal_file(database).exists()  # the old log must not meet the restored file
    assert _shop_name(database) == "before"
    assert outcome.kept_as == database.with_name("workbench-replaced-20250301-093500.sqlite3")
    assert sqlite_files.wal_file(outcome.kept_as).stat().st_size > 0  # the log went with its file
    assert _shop_name(outcome.kept_as) == "after"  # and nothing committed is lost
    assert backup.path.exists()  # the backup stays a backup
    assert service.pending_restore() is None and service.apply_pending_restore() is None


def test_a_damaged_backup_is_refused(database: Path, clock: StepClock) -> None:
    service = _service(database, clock)
    backup = service.back_up()
    with backup.path.open("r+b") as fh:
        fh.truncate(backup.size // 2)
    with pytest.raises(BackupError) as info:
        service.request_restore(backup.path)
    assert info.value.code == "backup.damaged"
    assert service.pending_restore() is None


def test_a_backup_damaged_after_it_was_chosen_is_refused_at_start(database: Path, clock: StepClock) -> None:
    service = _service(database, clock)
    backup = service.back_up()
    service.request_restore(backup.path)
    with backup.path.open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\xff" * 20_000)
    _rename_shop(database, "current")
    outcome = service.apply_pending_restore()
    assert outcome is not None and outcome.error is not None and outcome.error.code == "backup.damaged"
    assert _shop_name(database) == "current"  # untouched
    assert not (service.folder / RESTORE_REQUEST).exists()  # asked once, not at every start


def test_a_backup_from_a_newer_program_is_refused(database: Path, clock: StepClock) -> None:
    service = _service(database, clock)
    backup = service.back_up()
    with closing(sqlite3.connect(backup.path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(BackupError) as info:
        service.request_restore(backup.path)
    assert (info.value.code, info.value.detail) == ("backup.too_new", "9999_future")


def test_a_damaged_database_does_not_replace_good_backups(database: Path, clock: StepClock) -> None:
    service = _service(database, clock, keep=1)
    good = service.back_up()
    page_size = int.from_bytes(database.read_bytes()[16:18], "big")
    with database.open("r+b") as fh:
        fh.seek(page_size * 3)
        fh.write(b"\x07" * page_size * 4)
    clock.advance(days=2)
    with pytest.raises(BackupError) as info:
        service.back_up_if_due()
    assert info.value.code == "backup.source_damaged"
    assert [b.path for b in service.backups()] == [good.path]
    assert [p.name for p in service.folder.iterdir()] == [good.name]  # no partial copy left


def test_server_databases_are_the_servers_to_back_up(tmp_path: Path, clock: StepClock) -> None:
    service = build_backups("postgresql+psycopg://shop@db.example/shop", tmp_path / "backups", 7, clock=clock)
    assert not service.available
    with pytest.raises(BackupError) as info:
        service.back_up()
    assert info.value.code == "backup.unavailable"
    assert service.back_up_if_due() is None and service.apply_pending_restore() is None


def test_a_desk_restores_the_requested_backup_before_opening_and_says_so(tmp_path: Path, demo_database: Path) -> None:
    paths = AppPaths.under(tmp_path / "desk")
    paths.ensure()
    shutil.copyfile(demo_database, paths.database)
    config = LaunchConfig(paths=paths, db_url=sqlite_url(paths.database), settings=Settings())
    clock = StepClock()
    service = build_backups(config.db_url, paths.backups, 7, clock=clock)
    _rename_shop(paths.database, "from the backup")
    backup = service.back_up()
    _rename_shop(paths.database, "replaced")
    service.request_restore(backup.path)
    ws = open_desk(config, backups=service)
    try:
        assert ws.shop.name == "from the backup"
        (notice,) = ws.notices
        assert notice.code == "restore.done" and notice.params["backup"] == backup.name
        assert _shop_name(Path(notice.params["kept_as"])) == "replaced"
    finally:
        ws.close()


def test_the_report_command_backs_up_before_it_migrates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.app import main

    paths = AppPaths.under(tmp_path / "data")
    paths.ensure()
    _database_at(paths.database, "0005_reception_bot")
    assert main(["--data-dir", str(paths.data), "report", "cases"]) == 0
    capsys.readouterr()
    (backup,) = BackupService(paths.database, paths.backups, 7, StepClock()).backups()
    assert backup.reason == BEFORE_MIGRATION and _revision(backup.path) == "0005_reception_bot"
