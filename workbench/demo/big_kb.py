"""A demo shop with a big knowledge base, for the start-up benchmark (`python -m workbench.bench
startup --kb-entries N`): the demo's own questions asked about many distinct products."""

from __future__ import annotations

import random
from pathlib import Path


def add_kb_entries(data_dir: Path, n: int, seed: int = 7) -> None:
    """Put `n` generated entries (the demo's questions about distinct products, with their phrasings)
    into the KB of the demo shop in `data_dir`, through the repository the KB import uses."""
    from datetime import datetime

    from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind
    from workbench.paths import AppPaths, sqlite_url
    from workbench.storage.db import Database
    from workbench.storage.repositories.kb import KbRepository
    from workbench.storage.repositories.shops import ShopRepository

    rng = random.Random(seed)
    db = Database(sqlite_url(AppPaths.under(data_dir).database))
    try:
        with db.session() as s:
            shop = ShopRepository(s).first()
            assert shop is not None
            base = [e for e in KbRepository(s).entries(shop.id) if e.enabled]
            items = ("连衣裙", "卫衣", "牛仔裤", "衬衫", "外套", "羽绒服", "半身裙", "针织衫", "T恤", "风衣", "阔腿裤")
            colours = ("黑色", "白色", "杏色", "藏青", "酒红", "灰色", "卡其", "雾蓝")
            made: list[KbEntry] = []
            for i in range(n):
                entry = rng.choice(base)
                product = f"{rng.choice(colours)}{rng.choice(items)}{i:05d}款"
                made.append(
                    KbEntry(
                        id=0,
                        category=entry.category,
                        question=f"{product}{entry.question}",
                        answers=tuple(f"{product}：{a}" for a in entry.answers),
                        phrasings=tuple(
                            Phrasing(f"{product}{p.text}", PhrasingKind.SIMILAR, p.negative)
                            for p in entry.phrasings[:2]
                            if p.kind is not PhrasingKind.KEYWORD
                        ),
                    )
                )
            KbRepository(s).add_many(shop.id, made, datetime.now())
    finally:
        db.dispose()
