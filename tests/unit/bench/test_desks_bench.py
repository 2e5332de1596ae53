"""The team-desks benchmark runs end to end on a small load, and says what is missing without a server."""

from __future__ import annotations

import pytest

from tests.conftest import postgres_url
from workbench.bench import desks
from workbench.bench.__main__ import main


@pytest.mark.postgres
def test_a_small_run_on_a_given_server(capsys: pytest.CaptureFixture[str]) -> None:
    url = postgres_url()
    if url is None:
        pytest.skip("no PostgreSQL server (set WORKBENCH_TEST_PG_URL)")
    result = desks.run(desks=2, rate=4, duration=2, db=url, processes=1)
    assert result["desks"] == 2 and result["messages"] == 16 and result["buyers"] == 8
    assert result["lost"] == 0 and result["double_assigned"] == 0 and result["unassigned"] == 0
    assert result["desk_errors"] == 0  # a desk hearing of a colleague's chat skips it (it may not read it)
    assert result["p95_ms"] < result["polling_p95_ms"]


def test_without_server_programs_it_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(desks.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(desks.shutil, "which", lambda _name: None)
    assert main(["desks", "--desks", "2", "--duration", "1", "--json"]) == 2
    err = capsys.readouterr().err
    assert "initdb" in err and "pg_ctl" in err and "--db" in err
