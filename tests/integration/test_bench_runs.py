"""Benchmarks that drive the real window, at a small size, each in its own process (offscreen), so they
do not fall behind the window they time: a very short shop day (`day`) loses and duplicates no buyer
message and prints every figure; both views of the chat benchmark (the previous view runs in today's
window) and every start-up figure still come out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

DAY_FIGURES = (
    "buyers",
    "messages",
    "lost_messages",
    "duplicate_messages",
    "max_ui_stall_ms",
    "p95_ui_stall_ms",
    "rss_start_mb",
    "rss_end_mb",
    "db_mb",
    "excludes",
)


def _bench(tmp_path: Path, *args: str) -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "workbench.bench", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_short_day_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    result = _bench(tmp_path, "day", "--hours", "0.2", "--speed", "60", "--buyers", "30")
    assert set(DAY_FIGURES) <= set(result), result
    assert result["buyers"] >= 1 and result["messages"] >= result["buyers"], result
    assert result["lost_messages"] == 0 and result["duplicate_messages"] == 0, result
    # How much the agent script gets done in a 12-second day depends on the machine's load: not asserted.


def test_the_chat_benchmark_runs_both_views(tmp_path: Path) -> None:
    result = _bench(tmp_path, "chat", "--messages", "300", "--baseline-budget", "60")
    for prefix in ("", "baseline_"):
        assert result[f"{prefix}reached_top"] is True and result[f"{prefix}first_message_shown"] is True, result
        for name in ("open_ms", "page_ms_p95", "max_ui_stall_ms", "rss_mb"):
            assert isinstance(result[prefix + name], float | int), (prefix + name, result)


def test_the_startup_benchmark_times_every_moment(tmp_path: Path) -> None:
    result = _bench(tmp_path, "startup", "--runs", "1", "--kb-entries", "300")
    for name in ("bare", "paint", "lists", "ready", "suggest", "first_run", "kb_suggest"):
        value = result[f"{name}_ms"]
        assert isinstance(value, float) and value > 0, (name, result)
    assert "kb_added_ms" in result
    assert 0 <= result["max_ui_stall_ms"] < 10_000, result


def test_the_pages_benchmark_opens_every_rail_page_twice(tmp_path: Path) -> None:
    result = _bench(tmp_path, "pages", "--runs", "1")
    assert {"客户", "订单", "售后", "数据中心", "知识库", "店小蜜"} <= set(result["pages"]), result
    for name, times in result["pages"].items():
        assert times["first_ms"] > 0 and times["again_ms"] > 0, (name, result)
    assert result["max_first_ms"] == max(t["first_ms"] for t in result["pages"].values())


def test_the_assist_benchmark_finishes_its_messages(tmp_path: Path) -> None:
    """A short busy afternoon in the real window counts every timed message and prints its figures,
    with the chats the scripted agent ended because their buyer had left."""
    result = _bench(tmp_path, "assist", "--messages", "12", "--kb", "300")
    assert result["complete"] == "yes" and result["samples"] >= 12, result
    for name in ("p95_ms", "max_ui_stall_ms", "noise_max_stall_ms", "queue_depth_p95", "duration_s"):
        assert isinstance(result[name], float | int), (name, result)
    assert isinstance(result["chats_ended"], int), result
