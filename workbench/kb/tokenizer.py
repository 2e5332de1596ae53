"""jieba start-up, off the UI thread, with its cache in our cache dir; word segmentation.

We use a private `jieba.Tokenizer`, not the global one, so our shop words never leak into other
users of jieba in the same process; `cut` walks its dictionary with jieba's own algorithm.  The
prefix dictionary is cached (marshal) in our cache dir; the user dictionary and the synonym words
(a few hundred) are added word by word after loading, which takes a few milliseconds, so they
need no cache of their own.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from workbench.kb.lexicon import get_lexicon

log = logging.getLogger(__name__)

_lock = threading.Lock()
_ready = threading.Event()
_cache_dir: Path | None = None
_tokenizer: Any = None  # jieba.Tokenizer once loaded
_log_total = 0.0
_load_seconds: dict[str, float] = {}
_shop_words: set[str] = set()  # 划词 spans made words by `add_words` (kept across a reload)


def set_cache_dir(path: Path) -> None:
    """Where jieba keeps its prefix-dictionary cache (call before `ensure_loaded`)."""
    global _cache_dir
    _cache_dir = Path(path)


def cache_dir() -> Path | None:
    return _cache_dir


def is_ready() -> bool:
    return _ready.is_set()


def ensure_loaded() -> None:
    """Initialise jieba once (about 1 s, less with a warm cache); safe to call from any thread."""
    if _ready.is_set():
        return
    with _lock:
        if _ready.is_set():
            return
        global _tokenizer
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        if _cache_dir is not None:
            try:
                _cache_dir.mkdir(parents=True, exist_ok=True)
                tok.tmp_dir = str(_cache_dir)
                tok.cache_file = "jieba.cache"
            except OSError:  # an unwritable cache dir only costs start-up time
                log.warning("jieba cache dir %s is not usable", _cache_dir)
        t0 = time.perf_counter()
        tok.initialize()
        t1 = time.perf_counter()
        lex = get_lexicon()
        for word, freq in lex.user_words:
            tok.add_word(word, freq)
        for word in sorted(lex.synonyms.words()):
            if len(word) > 1 and not tok.FREQ.get(word):  # 0 marks a mere prefix
                tok.add_word(word)
        for word in sorted(_shop_words):
            _add(tok, word)
        t2 = time.perf_counter()
        _load_seconds.update(dictionary=t1 - t0, our_words=t2 - t1)
        global _log_total
        _log_total = math.log(tok.total)
        _tokenizer = tok
        _ready.set()


def is_word(text: str) -> bool:
    """Whether `text` is a word of the dictionary (ours included); False before `ensure_loaded`."""
    tok = _tokenizer
    return tok is not None and bool(tok.FREQ.get(text))


def _add(tok: Any, word: str) -> None:
    # the frequency that keeps the span whole against its own pieces (jieba's suggest_freq), with a
    # floor so that in a sentence it also wins against a neighbour taking one of its characters
    tok.add_word(word, max(tok.suggest_freq(word, False), _SHOP_WORD_FREQ))


_SHOP_WORD_FREQ = 200  # a rare word's frequency: enough for 衣服开线了, not for 打开线上


def add_words(words: Iterable[str]) -> list[str]:
    """Make each of `words` (normalised text) one word of the tokenizer: a shop marks any span of a
    phrasing as a core word (走光, 开线), not only the words jieba cuts. Returns the words that were
    cut into pieces before (the texts holding them now analyse differently). Loads jieba if needed:
    call from a worker thread."""
    ensure_loaded()
    added: list[str] = []
    with _lock:
        global _log_total
        tok = _tokenizer
        for word in dict.fromkeys(words):
            if len(word) < 2 or word in _shop_words or not word.isalnum() or word.isascii():
                continue  # one character, already made, or a run of letters/digits (one unit anyway)
            if _cut_chunk(word, tok.FREQ, _log_total) == [word]:
                continue  # jieba keeps it whole already
            _add(tok, word)
            _shop_words.add(word)
            _log_total = math.log(tok.total)
            added.append(word)
    return added


def shop_words() -> frozenset[str]:
    """The spans `add_words` made words in this process (what analyses made now depend on)."""
    return frozenset(_shop_words)


def load_seconds() -> dict[str, float]:
    """How long start-up took: jieba's dictionary (from the cache when warm), and our words."""
    return dict(_load_seconds)


def cut(text: str) -> list[str]:
    """Words of `text` (best with normalised text), without white space.

    The same segmentation as jieba's `lcut(text, HMM=False)` (maximum-probability path over the
    word graph of its dictionary, runs of single ASCII letters/digits joined), in a leaner loop:
    this is about a third of the time of matching a message, and of building the index.
    """
    ensure_loaded()
    out: list[str] = []
    for chunk in text.split():
        out.extend(_cut_chunk(chunk, _tokenizer.FREQ, _log_total))
    return out


def _cut_chunk(s: str, freq: dict[str, int], log_total: float) -> list[str]:
    n = len(s)
    log = math.log
    # best path from the end (jieba's get_DAG + calc in one backward pass): for each position, the
    # dictionary words starting there; ties go to the longer word, as in jieba
    route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for k in range(n - 1, -1, -1):
        best: tuple[float, int] | None = None
        i = k
        frag = s[k]
        while True:
            f = freq.get(frag)
            if f is None:
                break
            if f:  # 0 marks a mere prefix of a longer word
                cand = (log(f) - log_total + route[i + 1][0], i)
                if best is None or cand > best:
                    best = cand
            i += 1
            if i >= n:
                break
            frag = s[k : i + 1]
        # no word starts here: the character alone, with frequency 1
        route[k] = best if best is not None else (-log_total + route[k + 1][0], k)
    words: list[str] = []
    ascii_run = ""
    k = 0
    while k < n:
        y = route[k][1] + 1
        word = s[k:y]
        if y - k == 1 and word.isascii() and word.isalnum():
            ascii_run += word
        else:
            if ascii_run:
                words.append(ascii_run)
                ascii_run = ""
            words.append(word)
        k = y
    if ascii_run:
        words.append(ascii_run)
    return words


def general_idf(word: str) -> float:
    """How rare `word` is in general Chinese: log(total / frequency) over jieba's dictionary (a word
    it does not know counts as the rarest). 你们, 怎么, 可以 score about 7-8; 快递, 尺码 about 14.
    Independent of any knowledge base, so thresholds on it are absolute."""
    ensure_loaded()
    return _log_total - math.log(_tokenizer.FREQ.get(word) or 1)
