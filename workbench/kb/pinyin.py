"""Homophone typos: 再吗 → 在吗, 领卷 → 领券, 好次 → 好吃, 发或 → 发货.

Customers type pinyin and pick the wrong character of the same (or nearly the same) sound. A pair
of adjacent characters that is not a word (neither a dictionary word nor a word of the KB) is
repaired when swapping one of them for a character that sounds alike makes it a word of the KB (or
of our lexicon: greetings, synonyms). "Sounds alike" ignores tones and the usual confusions of
typists and southern speakers: z/zh, c/ch, s/sh, n/l, and -n/-ng.

Correct text is left alone: a pair that is already a word is never touched, nor a character that
forms a dictionary word with its other neighbour. The matcher scores the repaired message next to
the original and keeps the better score per entry, so a repair can add a match, never lose one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

_CJK = re.compile(r"[\u4e00-\u9fff]")
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))


def _fuzzy(syllable: str) -> str:
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    if syllable.endswith("ng"):
        syllable = syllable[:-1]
    return syllable


@lru_cache(maxsize=8192)
def sounds(char: str) -> frozenset[str]:
    """The fuzzy, toneless readings of one character (every reading of a heteronym)."""
    if not _CJK.fullmatch(char):
        return frozenset()
    # pypinyin reads its dictionaries when imported (a fifth of a second): on the first reading, not
    # when a program that may never repair a typo (the window before its first paint) imports us
    from pypinyin import Style, pinyin

    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(_fuzzy(r) for group in readings for r in group if r.isalpha())


class HomophoneFixer:
    """Repairs homophone typos towards `targets` (two-character words of the KB and the lexicon);
    `is_word` says whether a string is a dictionary word (correct text is never changed)."""

    def __init__(self, targets: Iterable[str], is_word: Callable[[str], bool]) -> None:
        self._targets: set[str] = set()
        self._is_word = is_word
        # (position, the other character, fuzzy sound) -> target words: a typed pair finds its
        # repairs with two dictionary lookups per reading
        self._by_sound: dict[tuple[int, str, str], list[str]] = {}
        self.add(targets)

    def add(self, targets: Iterable[str]) -> None:
        """More target words (a KB edit; words an edit removed stay: repairing towards them only
        adds a reading of the message that finds nothing more)."""
        for w in sorted(set(targets) - self._targets):
            if len(w) != 2 or not (_CJK.fullmatch(w[0]) and _CJK.fullmatch(w[1])):
                continue
            self._targets.add(w)
            for pos in (0, 1):
                other = w[1 - pos]
                for s in sounds(w[pos]):
                    self._by_sound.setdefault((pos, other, s), []).append(w)

    def fix(self, text: str) -> str:
        """`text` with its homophone typos repaired (the same string if there are none)."""
        chars = list(text)
        changed = False
        for i in range(len(chars) - 1):
            a, b = chars[i], chars[i + 1]
            pair = a + b
            if pair in self._targets or not (_CJK.fullmatch(a) and _CJK.fullmatch(b)) or self._is_word(pair):
                continue
            repaired = self._repair(chars, i)
            if repaired is not None:
                chars[i], chars[i + 1] = repaired[0], repaired[1]
                changed = True
        return "".join(chars) if changed else text

    def _repair(self, chars: list[str], i: int) -> str | None:
        a, b = chars[i], chars[i + 1]
        for pos, typed, other in ((1, b, a), (0, a, b)):  # the second character first: 领卷, 好次, 发或
            # the typed character may belong to a word with its other neighbour: then it is no typo
            if pos == 0:
                outer = (chars[i - 1] if i > 0 else "") + a
            else:
                outer = b + (chars[i + 2] if i + 2 < len(chars) else "")
            if len(outer) < 2:
                outer = ""
            if outer and self._is_word(outer):
                continue
            for s in sounds(typed):
                for word in self._by_sound.get((pos, other, s), ()):
                    if word[pos] != typed:
                        return word
        return None
