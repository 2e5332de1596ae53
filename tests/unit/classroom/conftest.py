"""Classroom tests: the accounts tests' shop (one user of each role) on SQLite and PostgreSQL, and
the demo shop on both backends for the per-exercise reset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DemoTemplate, copy_demo, postgres_database
from tests.unit.accounts.conftest import T0, clock, shop  # noqa: F401  (re-exported fixtures)
from tests.unit.storage.conftest import db, db_url  # noqa: F401  (both backends)
from workbench.domain.exercises import Exercise, ItemKind, QuizQuestion, RubricItem
from workbench.storage.db import sqlite_url

P4T1 = Exercise(
    id="p4-t1",
    title="店小蜜配置",
    section="项目4 任务1",
    steps=("修改昵称",),
    scenarios=(),
    seed=1,
    rubric=(
        RubricItem("welcome", "技术考评", "完成专业欢迎语配置", 20, ItemKind.AUTO, "welcome_config"),
        RubricItem("knowledge", "技术考评", "完成专业问答知识配置", 40, ItemKind.AUTO, "kb_sections_edited"),
        RubricItem("attitude", "非技术考评", "态度", 5, ItemKind.TEACHER),
    ),
    quiz=(QuizQuestion("q1", "店小蜜是什么？", ("A", "B"), (1,), 2),),
)
P4T2 = Exercise(
    "p4-t2",
    "店小秘",
    "项目4 任务1 平台拓展",
    (),
    (),
    2,
    (RubricItem("auto", "技术考评", "自动消息", 80, ItemKind.AUTO, "auto_messages"),),
)
P4T3 = Exercise(
    "p4-t3",
    "客户管理",
    "项目4 任务3",
    ("打标签",),
    (),
    3,
    (RubricItem("tags", "技术考评", "打标签", 80, ItemKind.AUTO, "customer_tags"),),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path: Path, demo_template: DemoTemplate) -> Iterator[str]:
    """The demo shop (seeded at T0) on a SQLite file and on the PostgreSQL test server."""
    if request.param == "sqlite":
        path = tmp_path / "demo.sqlite3"
        copy_demo(demo_template(T0), path)
        yield sqlite_url(path)
    else:
        from workbench.composition import open_workspace

        with postgres_database() as url:
            open_workspace(url, clock=lambda: T0).close()
            yield url
