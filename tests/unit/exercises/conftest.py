"""Fixtures for the exercise checks: a demo shop on a fixed clock, opened as its owner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import DemoTemplate
from workbench.composition import open_workspace
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url

NOW = datetime(2026, 11, 11, 10, 0, 0)


@pytest.fixture
def demo_copy(tmp_path: Path, demo_template: DemoTemplate) -> Path:
    path = tmp_path / "wb.sqlite3"
    shutil.copyfile(demo_template(NOW), path)
    return path


@pytest.fixture
def ws(demo_copy: Path) -> Iterator[Workspace]:
    workspace = open_workspace(sqlite_url(demo_copy), clock=lambda: NOW)
    yield workspace
    workspace.close()
