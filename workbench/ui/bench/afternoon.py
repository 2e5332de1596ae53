"""The load of a busy afternoon for the assist benchmark: a realistic 2k-entry KB and buyers who never
say the same thing twice. Plain Python (no Qt): the benchmark and its tests use it.

The KB is the shop's own on top of the shipped industry packs (服饰, 美妆, 家电, 食品): every pack entry,
plus the per-product questions a shop adds for its listings ("法式碎花连衣裙会起球吗" answered for that
dress). The buyers' lines come from the simulator's scenarios; `Wording` rewrites each one the way
people type — other words for the same thing, particles, greetings, order numbers, typos — and never
hands out the same text twice.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from importlib import resources
from typing import Any

from workbench.domain.kb import Phrasing
from workbench.domain.kb_admin import Answer, EntryDraft
from workbench.domain.packs import latest_packs


def _data() -> dict[str, Any]:
    """Listings, categories and buyers' ways with words (data in workbench/assets/bench/afternoon.json)."""
    text = (resources.files("workbench.assets") / "bench" / "afternoon.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_DATA = _data()
PRODUCTS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _DATA["products"].items()}  # listings per pack
PER_PRODUCT = frozenset(_DATA["per_product_categories"])  # categories a shop writes per-listing entries for
AGENT_REPLY: str = _DATA["agent_reply"]  # what the benchmark's agent says when nothing is suggested


def kb_drafts(total: int, seed: int = 5) -> list[EntryDraft]:
    """`total` distinct entries: the packs' own, then per-product ones until there are enough."""
    rng = random.Random(seed)
    drafts: list[EntryDraft] = []
    seen: set[str] = set()

    def add(draft: EntryDraft) -> None:
        if draft.question not in seen and len(drafts) < total:
            seen.add(draft.question)
            drafts.append(draft)

    packs = latest_packs()
    for pack in packs:
        for entry in pack.entries:
            add(entry.draft())
    per_product = [
        (product, entry)
        for pack in packs
        for entry in pack.entries
        if entry.category in PER_PRODUCT and not entry.needs_human
        for product in PRODUCTS.get(pack.id, ())
    ]
    rng.shuffle(per_product)
    for product, entry in per_product:
        if len(drafts) >= total:
            break
        phrasings = tuple(
            Phrasing(product + p.text, p.kind, p.negative) for p in entry.phrasings[:4] if not p.core_words
        )
        answers = tuple(Answer(f"【{product}】{a}") for a in entry.answers[:2])
        add(EntryDraft(entry.category, product + entry.question, phrasings, answers))
    return drafts


# How buyers reword a line: the same meaning in other words, greetings and particles, slips of a pinyin
# keyboard (a homophone picked instead of the right character), an order number said in passing.
SUBSTITUTIONS: tuple[tuple[str, tuple[str, ...]], ...] = tuple((w, tuple(o)) for w, o in _DATA["substitutions"])
OPENERS: tuple[str, ...] = tuple(_DATA["openers"])
PARTICLES: tuple[str, ...] = tuple(_DATA["particles"])
TYPOS: tuple[tuple[str, str], ...] = tuple((right, wrong) for right, wrong in _DATA["typos"])
ORDER_ASIDES: tuple[str, ...] = tuple(_DATA["order_asides"])


class Wording:
    """Rewrites buyers' lines so that no text is handed out twice."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def vary(self, text: str) -> str:
        """A buyer's own wording of `text`, never returned before."""
        for attempt in range(50):
            candidate = self._once(text, strength=1 + attempt // 5)
            if candidate and candidate not in self.seen:
                self.seen.add(candidate)
                return candidate
        # Fifty tries all taken (a one-character line said thousands of times): number it.
        n = len(self.seen)
        while f"{text}{n}" in self.seen:
            n += 1
        self.seen.add(f"{text}{n}")
        return f"{text}{n}"

    def _once(self, text: str, strength: int) -> str:
        rng = self.rng
        out = text.rstrip("。？?！!~～")
        for word, others in SUBSTITUTIONS:
            if word in out and rng.random() < 0.35 * strength:
                out = out.replace(word, rng.choice(others), 1)
        for right, wrong in TYPOS:
            if right in out and rng.random() < 0.06 * strength:
                out = out.replace(right, wrong, 1)
        if len(out) > 5 and rng.random() < 0.05 * strength:  # a character lost in typing
            cut = rng.randrange(1, len(out) - 1)
            out = out[:cut] + out[cut + 1 :]
        if rng.random() < 0.04 * strength and not any(ch.isdigit() for ch in out):
            out += rng.choice(ORDER_ASIDES).format(no=rng.randrange(10**17, 10**18))
        return rng.choice(OPENERS) + out + "".join(rng.choice(PARTICLES) for _ in range(min(strength, 3)))


def scenario_lines() -> Iterator[str]:
    """Every line the scenarios give buyers (openings, steps, nudges), placeholders unfilled."""
    from workbench.channels.scenarios import load_scenarios

    for scenario in load_scenarios():
        for variant in scenario.opening:
            yield from variant
        for step in scenario.steps.values():
            for variant in step.say:
                yield from variant
