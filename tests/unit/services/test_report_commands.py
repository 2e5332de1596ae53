"""`workbench report performance|bot|unresolved`: JSON with every figure and its definition; bad
dates are refused with a message naming the option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import copy_demo
from workbench.app import main
from workbench.paths import AppPaths


@pytest.fixture
def data_dir(tmp_path: Path, demo_database: Path) -> Path:
    paths = AppPaths.under(tmp_path / "data")
    paths.ensure()
    copy_demo(demo_database, paths.database)
    return paths.data


@pytest.mark.parametrize("name", ["performance", "bot", "unresolved"])
def test_reports_print_json(name: str, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", name, "--data-dir", str(data_dir), "--from", "2026-01-01", "--to", "2026-01-31", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["from"], data["to"]) == ("2026-01-01", "2026-01-31")
    if name == "performance":
        assert data["shop"]["name"] == "全店" and len(data["days"]) == 31
        assert "首次" in data["definitions"]["first_response"]
    elif name == "bot":
        assert (
            set(data["by_mode"]) == {"bot", "full_auto", "human_only"}
            and "10 分钟" in data["definitions"]["solve_rate"]
        )
    else:
        assert data["clusters"] == [] and data["messages"] == 0


def test_a_reversed_range_is_refused(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "bot", "--data-dir", str(data_dir), "--from", "2026-02-01", "--to", "2026-01-01"]) == 2
    assert "--to" in capsys.readouterr().err
    assert main(["report", "bot", "--data-dir", str(data_dir), "--from", "yesterday"]) == 2
    assert "--from" in capsys.readouterr().err
