"""The matcher's language data: traditional→simplified table, synonyms, fillers, user words.

The data files live in `workbench/assets/nlp/` and are read only through `importlib.resources`,
so the same code works from source, a wheel and a frozen bundle.  Parsing is separated from
loading so that tests (and a shop's own edited files) can feed text directly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib import resources

CONTENT, GREETING, PARTICLE = 0, 1, 2  # kinds of words, see Synonyms.classify

_ASSET_PACKAGE = "workbench.assets"
_ASSET_DIR = "nlp"


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Parsed `synonyms.txt`: canonical forms, related-word concepts and fillers."""

    canonical: dict[str, str] = field(default_factory=dict)  # 说法 -> 标准词
    concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 标准词 -> concept keys
    fillers: frozenset[str] = frozenset()  # greetings: 在吗, 你好, 谢谢
    particles: frozenset[str] = frozenset()  # forms of address and particles: 亲, 请问, 急, 吗

    def classify(self) -> dict[str, tuple[str, int]]:
        """Every listed word -> (canonical form, kind): kind 0 content, 1 greeting, 2 particle."""
        out: dict[str, tuple[str, int]] = {}
        for word in self.words():
            canon = self.canonical.get(word, word)
            if word in self.particles or canon in self.particles:
                kind = PARTICLE
            elif word in self.fillers or canon in self.fillers:
                kind = GREETING
            else:
                kind = CONTENT
            out[word] = (canon, kind)
        return out

    def words(self) -> set[str]:
        """Every word the file mentions (they must be single tokens for the tokenizer)."""
        out = set(self.canonical) | set(self.canonical.values()) | set(self.concepts)
        return {w for w in out | self.fillers | self.particles if w}


@dataclass(frozen=True, slots=True)
class Lexicon:
    t2s: dict[int, str]  # str.translate table, traditional -> simplified
    synonyms: Synonyms
    user_words: tuple[tuple[str, int | None], ...]  # (word, freq) for the jieba user dictionary


def read_asset(name: str) -> str:
    return (resources.files(_ASSET_PACKAGE) / _ASSET_DIR / name).read_text(encoding="utf-8")


def _content_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def parse_t2s(text: str) -> dict[int, str]:
    table: dict[int, str] = {}
    for line in _content_lines(text):
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 1:
            table[ord(parts[0])] = parts[1]
    return table


def parse_synonyms(text: str) -> Synonyms:
    """Parse the four line kinds of `synonyms.txt` (see its header).

    `a = b c` maps b and c to a; `a ~ b c` puts a, b and c into the concept "a"; `! x y` marks
    greetings, `!! x y` forms of address and particles.  Words are lower-cased.  A word given two
    canonical forms keeps the first, so the file reads top-down.  Concepts are attached to
    canonical forms, so `寄 ~ ...` also covers the variants mapped onto 寄.
    """
    canonical: dict[str, str] = {}
    concept_members: list[tuple[str, list[str]]] = []
    fillers: set[str] = set()
    particles: set[str] = set()
    for line in _content_lines(text.lower()):
        if line.startswith("!!"):
            particles.update(line[2:].split())
            continue
        if line.startswith("!"):
            fillers.update(line[1:].split())
            continue
        for sep, is_concept in (("=", False), ("~", True)):
            if sep in line:
                head, _, tail = line.partition(sep)
                head_words = head.split()
                variants = tail.split()
                if len(head_words) != 1 or not variants:
                    break
                if is_concept:
                    concept_members.append((head_words[0], [head_words[0], *variants]))
                else:
                    for v in variants:
                        if v != head_words[0]:
                            canonical.setdefault(v, head_words[0])
                break
    concepts: dict[str, list[str]] = {}
    for key, members in concept_members:
        for m in members:
            c = canonical.get(m, m)
            keys = concepts.setdefault(c, [])
            if key not in keys:
                keys.append(key)
    return Synonyms(
        canonical=canonical,
        concepts={w: tuple(k) for w, k in concepts.items()},
        fillers=frozenset(fillers),
        particles=frozenset(particles),
    )


def parse_userdict(text: str) -> tuple[tuple[str, int | None], ...]:
    out: list[tuple[str, int | None]] = []
    for line in _content_lines(text):
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        out.append((parts[0].lower(), freq))
    return tuple(out)


_lock = threading.Lock()
_lexicon: Lexicon | None = None


def get_lexicon() -> Lexicon:
    """The shipped lexicon, loaded once (a few milliseconds) and shared by all threads."""
    global _lexicon
    lex = _lexicon
    if lex is not None:
        return lex
    with _lock:
        if _lexicon is None:
            _lexicon = Lexicon(
                t2s=parse_t2s(read_asset("t2s.txt")),
                synonyms=parse_synonyms(read_asset("synonyms.txt")),
                user_words=parse_userdict(read_asset("userdict.txt")),
            )
        return _lexicon
