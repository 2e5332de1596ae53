"""`workbench exercise list|check` as scripts run it: a separate process, JSON on stdout, exit status."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import DemoTemplate
from tests.unit.exercises.conftest import NOW
from workbench.composition import open_workspace
from workbench.domain.bot import ReceptionConfig, ReceptionMode
from workbench.launch import resolve_paths
from workbench.storage.db import sqlite_url

ROOT = Path(__file__).resolve().parents[3]


def workbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def demo_data_dir(tmp_path: Path, demo_template: DemoTemplate) -> Path:
    data = tmp_path / "data"
    paths = resolve_paths(data)
    paths.ensure()
    shutil.copyfile(demo_template(NOW), paths.database)
    return data


def test_list_prints_every_exercise_as_json() -> None:
    done = workbench("exercise", "list", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    first = next(e for e in listed if e["id"] == "p4-t1")
    assert first == {
        "id": "p4-t1",
        "title": '设置淘宝"店小蜜"智能客服',
        "section": "项目4 任务1 智能客服",
        "max": 100,
        "items": 7,
    }


def test_check_prints_the_result_of_the_seat_asked_for(tmp_path: Path, demo_template: DemoTemplate) -> None:
    data = demo_data_dir(tmp_path, demo_template)
    ws = open_workspace(sqlite_url(resolve_paths(data).database), clock=lambda: NOW)
    ws.bot.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO))
    ws.close()

    done = workbench("exercise", "check", "--data-dir", str(data), "--exercise", "p4-t1", "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["exercise"], result["total"], result["max"]) == ("p4-t1", 5 + 10, 105)
    routing = next(i for i in result["items"] if i["id"] == "routing")
    assert routing == {
        "id": "routing",
        "title": "完成账号分流及全自动模式设置",
        "points": 10,
        "max": 20,
        "passed": False,
        "why": "分流未开启 ✗ · 全自动已开启 ✓",
    }
    assert set(result["items"][0]) == {"id", "title", "points", "max", "passed", "why"}

    table = workbench("exercise", "check", "--data-dir", str(data), "--exercise", "p4-t1", "--user", "xiaozhao")
    assert table.returncode == 0, table.stderr
    assert "✗  10/20  完成账号分流及全自动模式设置: 分流未开启 ✗ · 全自动已开启 ✓" in table.stdout
    assert table.stdout.strip().endswith("总分 15/105")


def test_an_unknown_exercise_or_user_exits_1_with_a_clear_message(tmp_path: Path, demo_template: DemoTemplate) -> None:
    data = demo_data_dir(tmp_path, demo_template)
    done = workbench("exercise", "check", "--data-dir", str(data), "--exercise", "p9-t9", "--json")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("workbench: unknown exercise 'p9-t9' (known: ")
    done = workbench("exercise", "check", "--data-dir", str(data), "--exercise", "p4-t1", "--user", "ghost")
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "workbench: unknown user 'ghost'\n")
