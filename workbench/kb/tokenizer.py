"""jieba start-up, off the UI thread, with its cache in our cache dir.

We use a private `jieba.Tokenizer`, not the global one, so our shop words never leak into other
users of jieba in the same process.  Its prefix dictionary is cached (marshal) in our cache dir;
the user dictionary and the synonym words (a few hundred) are added word by word after loading,
which takes a few milliseconds, so they need no cache of their own.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from workbench.kb.lexicon import get_lexicon

log = logging.getLogger(__name__)

_lock = threading.Lock()
_ready = threading.Event()
_cache_dir: Path | None = None
_tokenizer: Any = None  # jieba.Tokenizer once loaded


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
        tok.initialize()
        lex = get_lexicon()
        for word, freq in lex.user_words:
            tok.add_word(word, freq)
        for word in sorted(lex.synonyms.words()):
            if len(word) > 1 and not tok.FREQ.get(word):  # 0 marks a mere prefix
                tok.add_word(word)
        _tokenizer = tok
        _ready.set()


def cut(text: str) -> list[str]:
    """Words of `text` (best with normalised text), without white space."""
    ensure_loaded()
    return [w for w in _tokenizer.lcut(text, HMM=False) if not w.isspace()]
