"""Segmentation: our loop gives exactly jieba's own result; start-up is thread-safe."""

from __future__ import annotations

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.kb import tokenizer
from workbench.kb.normalize import normalize

SENTENCES = [
    "亲在吗请问什么时候能寄出",
    "七天无理由退换货吗",
    "有运费险吗",
    "满减优惠券怎么用",
    "88vip有折扣吗",
    "iphone15promax的手机壳有货吗",
    "尺码偏大还是偏小",
    "顺丰包邮吗 今天下单明天能到吗",
    "abc 123 def",
    "",
]


def jieba_cut(text: str) -> list[str]:
    return [w for w in tokenizer._tokenizer.lcut(text, HMM=False) if not w.isspace()]


def test_same_as_jieba_on_shop_sentences() -> None:
    for s in SENTENCES:
        assert tokenizer.cut(s) == jieba_cut(s), s
        assert tokenizer.cut(normalize(s)) == jieba_cut(normalize(s)), s


@settings(max_examples=300, deadline=None)
# includes characters that are only prefixes in jieba's dictionary (A of A股, 仫 of 仫佬族)
@given(
    st.text(
        alphabet=st.sampled_from(list("什么时候发货快递物流包邮退换七天无理由的了吗亲abc12 AT恤股座仫佬族伈")),
        max_size=40,
    )
)
def test_same_as_jieba_on_any_mix(text: str) -> None:
    assert tokenizer.cut(text) == jieba_cut(text)


def test_user_words_are_kept_whole() -> None:
    assert tokenizer.cut("有运费险吗") == ["有", "运费险", "吗"]
    assert tokenizer.cut("88vip有折扣吗")[0] == "88vip"


def test_ensure_loaded_from_many_threads() -> None:
    errors: list[BaseException] = []

    def load() -> None:
        try:
            tokenizer.ensure_loaded()
            assert tokenizer.is_ready()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
