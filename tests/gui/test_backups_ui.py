"""备份 in 设置 and when the database cannot be opened: back up now, pick a backup to restore at the
next start, the daily backup; PostgreSQL users are told backups are their server's job."""

from __future__ import annotations

import json
import random
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.entrance import build_backups
from workbench.services.backups import BackupService
from workbench.ui.backups import BackupPanel, OpenFailure, restorable_failure
from workbench.ui.main_window import MainWindow
from workbench.ui.settings_dialog import SettingsDialog


def _backups(window: MainWindow) -> BackupService:
    return window.controller.opening.backups.result()


def _settings(window: MainWindow) -> SettingsDialog:
    dialog = SettingsDialog(window.config, window, tasks=window.tasks, backups=_backups(window))
    dialog.show()
    return dialog


def _panel(dialog: SettingsDialog) -> BackupPanel:
    assert dialog.backup_panel is not None
    return dialog.backup_panel


def _shop_name(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("SELECT name FROM shops ORDER BY id LIMIT 1").fetchone()[0])


def test_back_up_now_then_restore_it_at_the_next_start(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    window = make_window(data)
    dialog = _settings(window)
    panel = _panel(dialog)
    qtbot.waitUntil(lambda: panel.list.count() == 1)
    assert panel.list.item(0).text() == "还没有备份" and not panel.restore_button.isEnabled()
    assert str(data / "backups") in panel.note.text()

    with qtbot.waitSignal(panel.backed_up, timeout=30_000) as made:
        qtbot.mouseClick(panel.back_up_button, Qt.MouseButton.LeftButton)
    backup = made.args[0]
    assert backup.path.parent == data / "backups" and backup.path.exists()
    qtbot.waitUntil(lambda: panel.selected() is not None)
    assert "手动备份" in panel.list.item(0).text()

    ws = window.workspace
    assert ws is not None
    original = ws.shop.name
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(panel.restore_requested, timeout=30_000):
        qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert "下次启动时" in panel.status.text()
    qtbot.waitUntil(lambda: "下次启动时恢复" in panel.list.item(0).text())
    assert not panel.cancel_button.isHidden()
    dialog.grab().save(str(tmp_path / "settings-backups.png"))
    dialog.close()

    # changes after the backup, then the program closes and starts again
    with closing(sqlite3.connect(data / "workbench.sqlite3")) as conn, conn:
        conn.execute("UPDATE shops SET name = 'changed after the backup'")
    window.close()
    again = make_window(data)
    assert again.workspace is not None and again.workspace.shop.name == original

    def notices() -> list[QMessageBox]:
        return [b for b in again.findChildren(QMessageBox) if b.objectName() == "startupNotice"]

    qtbot.waitUntil(lambda: bool(notices()))
    boxes = notices()
    assert "已从备份" in boxes[0].text() and backup.name in boxes[0].text()
    kept = sorted(data.glob("workbench-replaced-*.sqlite3"))
    assert len(kept) == 1 and _shop_name(kept[0]) == "changed after the backup"


def test_the_number_of_backups_kept_is_a_setting(qtbot: QtBot, make_window: WindowFactory, tmp_path: Path) -> None:
    window = make_window()
    dialog = _settings(window)
    assert dialog.backups_kept.value() == 7
    dialog.backups_kept.setValue(3)
    dialog._save()
    saved = json.loads(window.config.paths.settings_file.read_text(encoding="utf-8"))
    assert saved["backups_kept"] == 3 and dialog.result_settings().backups_kept == 3
    assert _backups(window).keep == 3  # from the next backup on


def test_postgresql_users_are_told_backups_are_the_servers_job(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    server = build_backups("postgresql+psycopg://shop@db.example/shop", tmp_path / "backups", 7)
    dialog = SettingsDialog(window.config, window, tasks=window.tasks, backups=server)
    dialog.show()
    panel = _panel(dialog)
    assert "pg_dump" in panel.note.text()
    assert panel.back_up_button.isHidden() and panel.restore_button.isHidden() and dialog.backups_kept.isHidden()
    dialog.grab().save(str(tmp_path / "settings-backups-postgresql.png"))
    dialog.close()


def test_the_daily_backup_runs_while_the_desk_is_open(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    with qtbot.waitSignal(window.daily_backups.finished, timeout=30_000) as first:
        window.daily_backups.check()
    assert first.args[0] is not None and first.args[0].reason == "daily"
    with qtbot.waitSignal(window.daily_backups.finished, timeout=30_000) as second:
        window.daily_backups.check()
    assert second.args[0] is None  # not due again within the day


def test_a_failed_daily_backup_is_not_silent(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    folder = _backups(window).folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the backups folder should be")
    with qtbot.waitSignal(window.daily_backups.finished, timeout=30_000):
        window.daily_backups.check()
    assert "每日备份失败" in window.statusBar().currentMessage()


def test_a_corrupted_database_offers_a_restore_from_its_backups(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, demo_database: Path
) -> None:
    data = tmp_path / "data"
    first = make_window(data)
    backup = _backups(first).back_up()
    first.close()
    (data / "workbench.sqlite3").write_bytes(random.Random(3).randbytes(20_000))

    window = make_window(data, wait_ready=False)
    with qtbot.waitSignal(window.workspace_failed, timeout=30_000) as failure:
        window.start()
    opening = window.controller.opening
    exc = opening.workspace.exception()
    assert restorable_failure(exc, _backups(window))
    box = OpenFailure(failure.args[0], window.tasks, _backups(window), True, window)
    box.show()
    assert not box.restore_button.isHidden() and "数据库文件已损坏" in box.text()
    box.grab().save(str(tmp_path / "corrupt-database.png"))
    box.close()
    assert backup.path.exists()
