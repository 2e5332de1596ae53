"""KB test fixtures: jieba's cache in a temp dir, and a small made-up shop knowledge base."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind
from workbench.kb import tokenizer


@pytest.fixture(scope="session", autouse=True)
def _jieba_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    if not tokenizer.is_ready():
        tokenizer.set_cache_dir(tmp_path_factory.mktemp("jieba"))
    tokenizer.ensure_loaded()


def fake_vectors(texts: list[str]) -> Any:
    """What a stand-in sentence model returns: one fixed random unit vector per text."""
    import numpy as np

    from workbench.kb.semantic import DIM

    out = []
    for t in texts:
        v = np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(DIM).astype(np.float32)
        out.append(v / np.linalg.norm(v))
    return np.stack(out)


def shop_entries() -> list[KbEntry]:
    """A small shop KB; every question is made up for the tests."""
    return [
        KbEntry(
            1,
            "物流问题",
            "什么时候发货",
            ("付款后48小时内发货",),
            (Phrasing("今天下单今天能发吗"), Phrasing("多久能寄出")),
        ),
        KbEntry(
            2,
            "物流问题",
            "发什么快递",
            ("默认中通，可补差价发顺丰",),
            (Phrasing("默认发哪家快递"), Phrasing("可以发顺丰吗", core_words=("顺丰",))),
        ),
        KbEntry(
            3,
            "售后问题",
            "支持七天无理由退货吗",
            ("支持七天无理由退换货",),
            (Phrasing("能退货吗"), Phrasing("运费险", kind=PhrasingKind.KEYWORD)),
        ),
        KbEntry(4, "聊天互动", "在吗", ("亲，在的呢",)),
        KbEntry(
            5,
            "活动优惠",
            "有优惠券吗",
            ("店铺首页可以领券",),
            (Phrasing("怎么领券"), Phrasing("优惠券用不了", negative=True)),
        ),
        KbEntry(6, "商品问题", "尺码偏大还是偏小", ("尺码标准，按平时穿的选",), (Phrasing("衣服尺码准不准"),)),
        KbEntry(7, "售后问题", "怎么申请退款", ("在订单页点申请退款",), (Phrasing("退款怎么操作"),)),
        KbEntry(8, "商品问题", "会不会有色差", ("实物拍摄，可能有轻微色差",)),
        KbEntry(9, "购买操作", "可以开发票吗", ("可以开电子发票",), (Phrasing("发票怎么开"),)),
        KbEntry(10, "更多问题", "店铺地址在哪里", ("我们是网店，没有实体店",), enabled=False),
    ]


@pytest.fixture
def entries() -> list[KbEntry]:
    return shop_entries()
