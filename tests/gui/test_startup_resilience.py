"""A subsystem's start-up error never leaves a dead window: bad settings fall back to defaults with a
visible warning, and simulated customers that cannot start leave a working desk and a message."""

from __future__ import annotations

import random
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

import workbench.composition
from tests.gui.conftest import WindowFactory
from workbench.paths import AppPaths
from workbench.services.live_kb import LiveMatcher
from workbench.settings import read_settings
from workbench.ui.startup_notices import workspace_open


def _notice_boxes(window: object) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.objectName() == "startupNotice"]  # type: ignore[attr-defined]


def test_the_window_starts_with_a_bad_settings_file_and_says_what_was_reset(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    paths = AppPaths.under(data)
    paths.ensure()
    paths.settings_file.write_text(
        '{"simulator_rate_per_min": -1, "simulator_speed": NaN, "language": "fr", "suggestions_shown": 3}',
        encoding="utf-8",
    )
    loaded = read_settings(paths.settings_file)  # as the app reads it
    window = make_window(data, settings_problems=loaded.problems, **asdict(loaded.settings))
    assert window.workspace is not None and window.channel is not None  # the simulator starts at the default pace
    qtbot.waitUntil(lambda: bool(_notice_boxes(window)))
    text = _notice_boxes(window)[0].text()
    for key, shown in (("simulator_rate_per_min", "-1"), ("simulator_speed", "NaN"), ("language", '"fr"')):
        assert f"{key} = {shown}" in text
    assert "默认值 1.5" in text and "suggestions_shown" not in text  # the usable value is not mentioned
    assert str(paths.settings_file) in text


def test_simulated_customers_that_cannot_start_leave_a_working_desk_and_a_message(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise ValueError("scenario files unreadable")

    monkeypatch.setattr(workbench.composition, "build_channel", broken)
    window = make_window()  # becomes ready
    assert window.workspace is not None and window.channel is None
    assert window.list_model.rowCount() >= 0 and window.status_combo.isEnabled()
    assert not window.sim_action.isEnabled() and not window.new_customer_action.isEnabled()
    qtbot.waitUntil(lambda: bool(_notice_boxes(window)))
    text = _notice_boxes(window)[0].text()
    assert "模拟客户无法启动" in text and "scenario files unreadable" in text


def test_a_kb_matcher_that_cannot_be_built_leaves_a_desk_without_suggestions(
    qtbot: QtBot, make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_self: object, **_kwargs: object) -> object:
        raise OSError("jieba dictionary unreadable")

    monkeypatch.setattr(LiveMatcher, "build", broken)
    failures: list[str] = []
    window = make_window(wait_ready=False)
    window.workspace_failed.connect(failures.append)
    with qtbot.waitSignal(window.workspace_ready, timeout=60_000):
        window.start()
    qtbot.waitUntil(lambda: bool(failures))
    assert workspace_open(window)  # what the app's bootstrap checks before giving up on the window
    qtbot.waitUntil(lambda: bool(_notice_boxes(window)))
    text = _notice_boxes(window)[0].text()
    assert "智能辅助无法启动" in text and "jieba dictionary unreadable" in text


@pytest.mark.parametrize("damage", ["random", "truncated"])
def test_a_corrupted_database_is_explained_with_what_to_do(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, demo_database: Path, damage: str
) -> None:
    data = tmp_path / "damaged"
    data.mkdir()
    path = data / "workbench.sqlite3"
    if damage == "random":
        path.write_bytes(random.Random(7).randbytes(8192))
    else:
        shutil.copyfile(demo_database, path)
        with path.open("r+b") as fh:
            fh.truncate(path.stat().st_size // 3)
    window = make_window(data, wait_ready=False)
    with qtbot.waitSignal(window.workspace_failed, timeout=30_000) as blocker:
        window.start()
    text = blocker.args[0]
    assert "数据库文件已损坏" in text and str(path) in text
    assert "从备份恢复" in text and "最新的备份" in text
    assert "sqlite" not in text.replace(str(path), "").lower() and "sqlalchemy" not in text.lower()
