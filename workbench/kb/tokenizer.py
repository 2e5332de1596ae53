"""Word segmentation with jieba's dictionary and algorithm, loaded off the UI thread a first
character at a time; its cache in our cache dir.

jieba's prefix dictionary (every word with its frequency, and every prefix of a word with 0) holds
half a million strings: building them all takes jieba a second or more at every start, before the
first message can be cut. We read jieba's `dict.txt` once into a cache file that keeps the
dictionary in pieces, one per first character (`_PrefixDict`); a start reads only the pieces' index,
and a piece becomes part of the dictionary the first time a text holds its character. The user
dictionary and the synonym words are in the cache already (added as jieba's `add_word` adds them;
the cache is made again when they change); a shop's marked words (`add_words`) are added after
loading. Nothing of jieba is imported, only its `dict.txt` is read, so our words never leak into
other users of jieba in the same process. `cut` walks the dictionary with jieba's own algorithm (no
HMM).
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import math
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from workbench.kb.atomic import write_atomically
from workbench.kb.lexicon import get_lexicon

CACHE_FILE = "prefix-dict.v1"  # in the cache dir: (format, source, total, {first character: piece})
_FORMAT = 1

_lock = threading.Lock()
_ready = threading.Event()
_cache_dir: Path | None = None
_dict: _PrefixDict | None = None  # once loaded
_log_total = 0.0
_load_seconds: dict[str, float] = {}
_shop_words: set[str] = set()  # 划词 spans made words by `add_words` (kept across a reload)


class _PrefixDict:
    """jieba's prefix dictionary: word → frequency (0: a mere prefix of a longer word), and the sum of
    the frequencies. `freq` holds the pieces of the characters `need` was asked for: call it with a
    text before looking its fragments up (every fragment of a word starts with its first character)."""

    def __init__(self, pieces: dict[str, bytes], total: int) -> None:
        self.freq: dict[str, int] = {}
        self.total = total
        self._pieces = pieces
        self._loaded: set[str] = set()
        self._whole = False  # every piece is in `freq`
        self._piece_lock = threading.Lock()

    def need(self, text: str) -> None:
        if self._whole or self._loaded.issuperset(text):
            return
        with self._piece_lock:
            for char in set(text) - self._loaded:
                piece = self._pieces.pop(char, None)
                if piece is not None:
                    self.freq.update(marshal.loads(piece))
                self._loaded.add(char)  # after its words: a reader that sees it loaded finds them

    def need_all(self) -> None:
        self.need("".join(list(self._pieces)))

    def loaded_all(self) -> None:
        """`freq` holds the whole dictionary already (made from `dict.txt`, not from pieces)."""
        self._pieces.clear()
        self._whole = True

    def add_word(self, word: str, freq: int) -> None:
        """jieba's `add_word`: the word with `freq`, its prefixes (as prefixes) where new."""
        self.need(word[0])
        self.freq[word] = freq
        self.total += freq
        for end in range(1, len(word)):
            self.freq.setdefault(word[:end], 0)


def _jieba_dict_file() -> Path:
    """jieba's main dictionary, found without importing jieba (which loads its HMM tables): its
    `dict.txt`, or the gzip of it the bundle ships (`dict.txt.gz`, a third of the size)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("jieba is not installed: its dictionary dict.txt is needed")
    plain = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    packed = plain.with_name("dict.txt.gz")
    return packed if not plain.exists() and packed.exists() else plain


def _read_jieba_dict(path: Path) -> tuple[dict[str, dict[str, int]], int]:
    """jieba's `gen_pfdict`, grouped by first character."""
    import gzip  # read once, when the cache is made: not on every start

    by_char: dict[str, dict[str, int]] = {}
    total = 0
    with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip().decode("utf-8")
            try:
                word, freq_text = line.split(" ")[:2]
                freq = int(freq_text)
            except ValueError:
                raise ValueError(f"invalid dictionary entry in {path} at line {lineno}: {line}") from None
            piece = by_char.setdefault(word[0], {})
            piece[word] = freq
            total += freq
            for end in range(1, len(word)):
                piece.setdefault(word[:end], 0)
    return by_char, total


def _add_our_words(d: _PrefixDict) -> None:
    """The user dictionary and the synonym words, added as jieba's `add_word` would, in order."""
    lex = get_lexicon()
    for word, freq in lex.user_words:
        d.add_word(word, freq if freq is not None else _suggested_freq(d, word))
    for word in sorted(lex.synonyms.words()):
        if len(word) > 1:
            d.need(word[0])
            if not d.freq.get(word):  # 0 marks a mere prefix
                d.add_word(word, _suggested_freq(d, word))


def _our_words_key() -> str:
    """What `_add_our_words` adds, in a word: the cache holds the dictionary with them."""
    lex = get_lexicon()
    text = repr((lex.user_words, sorted(lex.synonyms.words())))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _load_dict() -> _PrefixDict:
    """jieba's dictionary with our words: from the cache when it was made from the installed `dict.txt`
    and our current words; else made from them and cached."""
    source_path = _jieba_dict_file()
    stat = source_path.stat()
    source = [str(source_path), stat.st_size, stat.st_mtime_ns, _our_words_key()]
    cache = _cache_dir / CACHE_FILE if _cache_dir is not None else None
    if cache is not None:
        try:
            with cache.open("rb") as fh:
                fmt, made_from, total, pieces = marshal.load(fh)
            if fmt == _FORMAT and made_from == source:
                return _PrefixDict(pieces, total)
        except (OSError, EOFError, ValueError, TypeError):
            pass  # missing or damaged: made again below
    by_char, total = _read_jieba_dict(source_path)
    d = _PrefixDict({}, total)
    for piece in by_char.values():
        d.freq.update(piece)
    d.loaded_all()
    _add_our_words(d)
    if cache is not None:
        by_char = {}
        for word, freq in d.freq.items():
            by_char.setdefault(word[0], {})[word] = freq
        pieces = {char: marshal.dumps(piece) for char, piece in by_char.items()}
        # an unwritable cache dir only costs start-up time
        write_atomically(cache, marshal.dumps((_FORMAT, source, d.total, pieces)), "the word dictionary cache")
    return d


def set_cache_dir(path: Path) -> None:
    """Where the prefix-dictionary cache is kept (call before `ensure_loaded`)."""
    global _cache_dir
    _cache_dir = Path(path)


def cache_dir() -> Path | None:
    return _cache_dir


def is_ready() -> bool:
    return _ready.is_set()


def ensure_loaded() -> None:
    """Load the dictionary once (a few hundredths of a second from the cache; a few seconds the first
    time); safe to call from any thread."""
    if _ready.is_set():
        return
    with _lock:
        if _ready.is_set():
            return
        global _dict, _log_total
        t0 = time.perf_counter()
        d = _load_dict()
        t1 = time.perf_counter()
        for word in sorted(_shop_words):
            _add(d, word)
        t2 = time.perf_counter()
        _load_seconds.update(dictionary=t1 - t0, shop_words=t2 - t1)
        _log_total = math.log(d.total)
        _dict = d
        _ready.set()


def _suggested_freq(d: _PrefixDict, word: str) -> int:
    """jieba's `suggest_freq(word)`: the least frequency that keeps `word` whole."""
    d.need(word)
    freq = 1.0
    for piece in _cut_chunk(word, d.freq, math.log(d.total)):
        freq *= d.freq.get(piece, 1) / d.total
    return max(int(freq * d.total) + 1, d.freq.get(word, 1))


def is_word(text: str) -> bool:
    """Whether `text` is a word of the dictionary (ours included); False before `ensure_loaded`."""
    d = _dict
    if d is None or not text:
        return False
    d.need(text[0])
    return bool(d.freq.get(text))


def _add(d: _PrefixDict, word: str) -> None:
    # the frequency that keeps the span whole against its own pieces (jieba's suggest_freq), with a
    # floor so that in a sentence it also wins against a neighbour taking one of its characters
    d.add_word(word, max(_suggested_freq(d, word), _SHOP_WORD_FREQ))


_SHOP_WORD_FREQ = 200  # a rare word's frequency: enough for 衣服开线了, not for 打开线上


def add_words(words: Iterable[str]) -> list[str]:
    """Make each of `words` (normalised text) one word of the tokenizer: a shop marks any span of a
    phrasing as a core word (走光, 开线), not only the words jieba cuts. Returns the words that were
    cut into pieces before (the texts holding them now analyse differently). Loads the dictionary if
    needed: call from a worker thread."""
    ensure_loaded()
    added: list[str] = []
    with _lock:
        global _log_total
        d = _dict
        assert d is not None
        for word in dict.fromkeys(words):
            if len(word) < 2 or word in _shop_words or not word.isalnum() or word.isascii():
                continue  # one character, already made, or a run of letters/digits (one unit anyway)
            d.need(word)
            if _cut_chunk(word, d.freq, _log_total) == [word]:
                continue  # jieba keeps it whole already
            _add(d, word)
            _shop_words.add(word)
            _log_total = math.log(d.total)
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
    d = _dict
    assert d is not None
    out: list[str] = []
    for chunk in text.split():
        d.need(chunk)
        out.extend(_cut_chunk(chunk, d.freq, _log_total))
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
    d = _dict
    assert d is not None
    if word:
        d.need(word[0])
    return _log_total - math.log(d.freq.get(word) or 1)
