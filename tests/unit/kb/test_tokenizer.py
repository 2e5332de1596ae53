"""Segmentation: our loop over our copy of jieba's dictionary gives exactly jieba's own result;
the dictionary loads a first character at a time from its cache; start-up is thread-safe."""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.kb import tokenizer
from workbench.kb.lexicon import get_lexicon
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


@functools.cache
def _jieba(shop_words: frozenset[str]) -> Any:
    """jieba's own tokenizer with the words we add, added by jieba's own methods (the reference)."""
    import jieba

    ref = jieba.Tokenizer()
    ref.initialize()
    lex = get_lexicon()
    for word, freq in lex.user_words:
        ref.add_word(word, freq)
    for word in sorted(lex.synonyms.words()):
        if len(word) > 1 and not ref.FREQ.get(word):
            ref.add_word(word)
    for word in sorted(shop_words):
        ref.add_word(word, max(ref.suggest_freq(word, False), 200))
    return ref


def jieba_cut(text: str) -> list[str]:
    tokenizer.ensure_loaded()
    return [w for w in _jieba(tokenizer.shop_words()).lcut(text, HMM=False) if not w.isspace()]


def test_the_dictionary_is_jiebas() -> None:
    """Every word and prefix with jieba's frequency, from the pieces of the cache file."""
    import jieba

    by_char, total = tokenizer._read_jieba_dict(tokenizer._jieba_dict_file())
    with open(jieba.get_dict_file().name, "rb") as fh:
        freq, jieba_total = jieba.Tokenizer.gen_pfdict(fh)
    assert total == jieba_total
    assert {w: f for piece in by_char.values() for w, f in piece.items()} == freq
    assert all(w[0] == char for char, piece in by_char.items() for w in piece)


def test_a_gzipped_dictionary_beside_jieba_reads_as_the_plain_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the bundle ships jieba's dict.txt gzipped: found when the plain file is not there, read the same
    import gzip
    import importlib.machinery

    plain = tokenizer._jieba_dict_file()
    package = tmp_path / "jieba"
    package.mkdir()
    (package / "dict.txt.gz").write_bytes(gzip.compress(plain.read_bytes()))
    spec = importlib.machinery.ModuleSpec("jieba", None, is_package=True)
    spec.submodule_search_locations = [str(package)]
    monkeypatch.setattr(tokenizer.importlib.util, "find_spec", lambda name: spec)
    packed = tokenizer._jieba_dict_file()
    assert packed == package / "dict.txt.gz"
    assert tokenizer._read_jieba_dict(packed) == tokenizer._read_jieba_dict(plain)


def test_the_cache_is_read_a_first_character_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenizer, "_cache_dir", tmp_path)
    made = tokenizer._load_dict()  # jieba's dict.txt with our words, then cached
    assert (tmp_path / tokenizer.CACHE_FILE).stat().st_size > 1_000_000
    read = tokenizer._load_dict()
    assert read.total == made.total and read.freq == {}  # nothing built before a text asks for it
    read.need("快递运")
    assert read.freq["快递"] > 0 and read.freq["快"] > 0 and "递送" in read.freq
    assert read.freq["运费险"] == made.freq["运费险"] > 0  # our user dictionary's word
    assert all(w[0] in "快递运" for w in read.freq)
    assert read.freq == {w: f for w, f in made.freq.items() if w[0] in "快递运"}
    (tmp_path / tokenizer.CACHE_FILE).write_bytes(b"not a cache")
    again = tokenizer._load_dict()  # a damaged cache is made again
    assert again.freq == made.freq and again.total == made.total


def test_our_words_are_added_as_jieba_adds_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dictionary with the user and synonym words, made and then read back from the cache, is the
    one jieba's own `add_word` and `suggest_freq` make, word for word."""
    monkeypatch.setattr(tokenizer, "_cache_dir", tmp_path)
    ref = _jieba(frozenset())
    made = tokenizer._load_dict()
    assert made.total == ref.total and made.freq == ref.FREQ
    read = tokenizer._load_dict()
    read.need_all()
    assert read.total == ref.total and read.freq == ref.FREQ


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
