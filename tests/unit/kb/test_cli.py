"""`workbench kb rank`: the stable batch contract used by external evaluation."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest

from workbench.kb import cli


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def kb_file(tmp_path: Path) -> Path:
    return write_jsonl(
        tmp_path / "kb.jsonl",
        [
            {"id": "kb-a", "question": "什么时候发货", "alternatives": ["多久能寄出"], "answer": "48小时内"},
            {"id": "kb-b", "question": "发什么快递", "alternatives": [], "answer": "中通"},
            {"id": 7, "question": "可以开发票吗", "alternatives": ["发票怎么开"], "answer": "可以"},
        ],
    )


def run(argv: list[str]) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    parser = argparse.ArgumentParser(prog="workbench")
    cli.add_kb_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    assert args.command == "kb"
    from contextlib import redirect_stderr, redirect_stdout

    with redirect_stdout(out), redirect_stderr(err):
        code = cli.run_kb_command(args)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    return code, rows, err.getvalue()


def test_rank_contract(tmp_path: Path, kb_file: Path) -> None:
    queries = write_jsonl(
        tmp_path / "q.jsonl",
        [{"qid": "q1", "query": "啥时候发货"}, {"qid": 2, "query": "發票怎麼開"}, {"qid": "q3", "query": "？？"}],
    )
    code, rows, err = run(["kb", "rank", "--kb", str(kb_file), "--queries", str(queries), "--top", "2"])
    assert code == 0, err
    assert [r["qid"] for r in rows] == ["q1", 2, "q3"]
    assert rows[0]["ids"][0] == "kb-a"  # string ids come back as given
    assert rows[1]["ids"][0] == 7  # so do integer ids
    assert rows[2] == {"qid": "q3", "ids": [], "scores": [], "decision": "none"}
    for r in rows[:2]:
        assert set(r) == {"qid", "ids", "scores", "decision"}
        assert len(r["ids"]) == len(r["scores"]) <= 2
        assert r["scores"] == sorted(r["scores"], reverse=True)
        assert all(0.0 <= s <= 1.0 for s in r["scores"])


def test_bad_input_reports_the_line(tmp_path: Path, kb_file: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": "q1", "query": "在吗"}\nnot json\n', encoding="utf-8")
    code, _rows, err = run(["kb", "rank", "--kb", str(kb_file), "--queries", str(queries)])
    assert code == 2
    assert f"{queries}:2" in err


def test_missing_fields_and_files(tmp_path: Path, kb_file: Path) -> None:
    bad_kb = write_jsonl(tmp_path / "bad.jsonl", [{"id": 1, "alternatives": []}])
    queries = write_jsonl(tmp_path / "q.jsonl", [{"qid": 1, "query": "在吗"}])
    code, _rows, err = run(["kb", "rank", "--kb", str(bad_kb), "--queries", str(queries)])
    assert code == 2 and f"{bad_kb}:1" in err
    code, _rows, err = run(["kb", "rank", "--kb", str(tmp_path / "nope.jsonl"), "--queries", str(queries)])
    assert code == 2 and "nope.jsonl" in err
    code, _rows, err = run(["kb", "rank", "--kb", str(kb_file), "--queries", str(queries), "--top", "0"])
    assert code == 2


def test_wiring_into_the_app_kb_command(tmp_path: Path, kb_file: Path) -> None:
    # the app entry creates `kb` itself and hands over that command's own sub-parser collection
    parser = argparse.ArgumentParser(prog="workbench")
    kb = parser.add_subparsers(dest="command").add_parser("kb")
    cli.add_kb_parser(kb.add_subparsers(dest="kb_command", required=True))
    queries = write_jsonl(tmp_path / "q.jsonl", [{"qid": 1, "query": "多久能寄出"}])
    args = parser.parse_args(["kb", "rank", "--kb", str(kb_file), "--queries", str(queries)])
    assert (args.command, args.kb_command, args.top) == ("kb", "rank", 10)


def test_module_entry_point(tmp_path: Path, kb_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = write_jsonl(tmp_path / "q.jsonl", [{"qid": "x", "query": "发什么快递"}])
    assert cli.main(["rank", "--kb", str(kb_file), "--queries", str(queries), "--top", "1"]) == 0
    assert json.loads(capsys.readouterr().out) == {"qid": "x", "ids": ["kb-b"], "scores": [1.0], "decision": "answer"}


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path: Path, kb_file: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_bytes('{"qid": 1, "query": "在吗"}\n'.encode() + '{"qid": 2, "query": "发货"}\n'.encode("gbk"))
    code, _rows, err = run(["kb", "rank", "--kb", str(kb_file), "--queries", str(queries)])
    assert code == 2  # like every other bad input
    assert f"{queries}:2: not UTF-8 text" in err
    assert "Traceback" not in err
    gbk_kb = tmp_path / "kb-gbk.jsonl"
    gbk_kb.write_bytes('{"id": 1, "question": "发货"}\n'.encode("gbk"))
    code, _rows, err = run(["kb", "rank", "--kb", str(gbk_kb), "--queries", str(kb_file)])
    assert code == 2 and f"{gbk_kb}:1: not UTF-8 text" in err


def test_a_bom_is_tolerated(tmp_path: Path, kb_file: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_bytes('{"qid": "x", "query": "发什么快递"}\n'.encode("utf-8-sig"))
    code, rows, err = run(["kb", "rank", "--kb", str(kb_file), "--queries", str(queries), "--top", "1"])
    assert code == 0, err
    assert rows[0]["ids"] == ["kb-b"]


def test_lone_surrogates_are_refused_before_any_output(tmp_path: Path, kb_file: Path) -> None:
    # json.loads accepts "\ud800" and makes text no encoder can write: a real stdout raised a traceback
    import subprocess
    import sys

    queries = tmp_path / "q.jsonl"
    queries.write_text('{"qid": 1, "query": "在吗"}\n{"qid": 2, "query": "\\ud800发货"}\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "workbench.kb.cli", "rank", "--kb", str(kb_file), "--queries", str(queries)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert done.returncode == 2
    assert f"{queries}:2: invalid text" in done.stderr
    assert "Traceback" not in done.stderr
