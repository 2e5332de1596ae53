"""`bench chat`: a long chat opened and scrolled to its first message in the real window, the chat
view against the old one in the same run (the window's side: `workbench.ui.bench.chat`).

The chat: N realistic messages of one conversation in a real SQLite database.

The demo shop is seeded as on a first launch; then one customer's conversation gets N messages in
both directions: short and long, Chinese, multi-line, the bot's welcome cards and system notes,
with pauses (minutes to days) that bring time dividers. Customer messages are stored through
`ReceptionService.customer_says_in`; the other senders through the repository call the services
make (`ConversationRepository.add_message`), 1,000 messages per transaction so 100k take a minute.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from workbench.composition import open_workspace
from workbench.domain.conversations import Sender
from workbench.storage.repositories.conversations import ConversationRepository

BATCH = 1000  # messages per transaction while the history is written


@dataclass
class _Clock:
    """The services' clock while the history is written: it walks forward message by message."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


def _texts() -> dict[str, list[str]]:
    data = json.loads((resources.files("workbench.assets") / "bench" / "chat.json").read_text(encoding="utf-8"))
    return {key: list(value) for key, value in data.items()}


def _fill(text: str, rng: random.Random, cities: list[str]) -> str:
    return (
        text.replace("{order}", str(rng.randrange(10**17, 10**18)))
        .replace("{city}", rng.choice(cities))
        .replace("{district}", rng.choice(("西湖", "滨江", "天河", "武侯", "江汉")))
        .replace("{no}", str(rng.randrange(1, 999)))
    )


def history(count: int, seed: int = 14) -> list[tuple[Sender, str, timedelta]]:
    """`count` (sender, text, pause before it) in a plausible order, every text distinct."""
    rng = random.Random(seed)
    texts = _texts()
    cities = texts["cities"]
    out: list[tuple[Sender, str, timedelta]] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.02:
            sender, text = Sender.SYSTEM, rng.choice(texts["system"])
        elif roll < 0.06:
            sender, text = Sender.BOT, "__card__"
        elif roll < 0.50:
            sender = Sender.CUSTOMER
            text = rng.choice(texts["customer_long"] if rng.random() < 0.05 else texts["customer"])
        else:
            sender = Sender.AGENT
            text = rng.choice(texts["agent_long"] if rng.random() < 0.08 else texts["agent"])
        text = _fill(text, rng, cities)
        if sender is not Sender.SYSTEM and text != "__card__":
            text = f"{text}{'～' * (i % 3)}（{i}）" if rng.random() < 0.5 else f"{text} #{i}"
        # Mostly seconds apart; now and then a pause that brings a time divider, or the next day.
        pause_roll = rng.random()
        if pause_roll < 0.9:
            pause = timedelta(seconds=rng.randrange(5, 90))
        elif pause_roll < 0.99:
            pause = timedelta(minutes=rng.randrange(5, 120))
        else:
            pause = timedelta(days=1, minutes=rng.randrange(0, 600))
        out.append((sender, text, pause))
    return out


def build(url: str, count: int, seed: int = 14) -> int:
    """Seed the demo shop at `url` and write a conversation of `count` messages; its id."""
    turns = history(count, seed)
    span = sum((pause for _, _, pause in turns), timedelta())
    clock = _Clock(datetime.now().replace(microsecond=0) - span - timedelta(minutes=10))
    ws = open_workspace(url, clock=clock)
    try:
        customer_id = ws.orders.page(limit=1).rows[0][0].customer_id
        conv = ws.reception.customer_arrives(customer_id, "bench")
        agent_id = ws.agent.id
        card_number = 0
        for start in range(0, count, BATCH):
            with ws.db.session() as s:
                repo = ConversationRepository(s)
                for sender, text, pause in turns[start : start + BATCH]:
                    clock.at += pause
                    if sender is Sender.CUSTOMER:
                        ws.reception.customer_says_in(s, conv.id, text)
                        continue
                    if text == "__card__":
                        card_number += 1
                        text = f"{ws.bot.welcome_card(at=clock.at).as_message()}\n（{card_number}）"
                    repo.add_message(conv.id, sender, text, clock.at, agent_id if sender is Sender.AGENT else None)
        return conv.id
    finally:
        ws.close()


def _run_child(view: str, data_dir: Path, conversation_id: int, budget_s: float, profile: bool) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = [sys.executable, "-m", "workbench.ui.bench.chat", view, str(data_dir), str(conversation_id), str(budget_s)]
    if profile:
        args.append("--profile")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if profile:
        print(f"--- profile of the {view} view (tottime) ---\n{done.stderr}", file=sys.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"{view} view failed:\n{done.stderr[-4000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(
    messages: int = 10_000, baseline: bool = True, budget_s: float = 120.0, profile: bool = False
) -> dict[str, object]:
    from workbench.paths import AppPaths
    from workbench.storage.db import sqlite_url

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        source = Path(tmp) / "source"
        paths = AppPaths.under(source)
        paths.ensure()
        built = time.perf_counter()
        conversation_id = build(sqlite_url(paths.database), messages)
        build_s = time.perf_counter() - built
        results: dict[str, object] = {"messages": messages, "build_s": round(build_s, 1)}
        views = ["ours", "baseline"] if baseline else ["ours"]
        for view in views:
            copy = Path(tmp) / view
            shutil.copytree(source, copy)
            figures = _run_child(view, copy, conversation_id, budget_s if view == "baseline" else 3600.0, profile)
            prefix = "" if view == "ours" else "baseline_"
            results.update({f"{prefix}{key}": value for key, value in figures.items()})
        return results
