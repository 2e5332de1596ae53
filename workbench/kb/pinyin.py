"""Homophone typos: 再吗 → 在吗, 领卷 → 领券, 好次 → 好吃, 发或 → 发货, 谢谢拉 → 谢谢啦.

Customers type pinyin and pick the wrong character of the same (or nearly the same) sound. A pair
of adjacent characters that is not a word (neither a dictionary word nor a word of the KB) is
repaired when swapping one of them for a character that sounds alike makes it a word of the KB (or
of our lexicon: greetings, synonyms). "Sounds alike" ignores tones and the usual confusions of
typists and southern speakers: z/zh, c/ch, s/sh, n/l, and -n/-ng; a word of the very same sound is
preferred to one that only sounds alike (增品 → 赠品, not 正品).

A sentence-final particle typed as the verb of the same sound (拉 for 啦, 把 for 吧) at the end of a
clause is repaired too: after a word (谢谢拉, 知道拉), or where it makes no word with the character
before it (好把); not where it ends a word (水果沙拉, 来一把).

Correct text is left alone: a pair that is already a word is never touched, nor a character that
forms a dictionary word with its other neighbour, unless that word is far rarer in general Chinese
than the repaired one (宽送款: 送款 is a word, but 宽松 is a hundred times more common, so the typed 送
belongs to 宽松; see `OUTER_RARER`). The matcher scores the repaired message next to
the original and keeps the better score per entry, so a repair can add a match, never lose one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from workbench.kb.lexicon import read_asset

_CJK = re.compile(r"[\u4e00-\u9fff]")
# a sentence-final particle typed as the verb of the same sound: 谢谢拉 → 谢谢啦, 好把 → 好吧
_PARTICLES = {"拉": "啦", "把": "吧"}
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_NONE: frozenset[str] = frozenset()
# A typed character that makes a dictionary word with its other neighbour is no typo, unless that
# word is this much rarer than the repaired one (in log frequency over jieba's dictionary: about 20
# times). 送款, 聊表 and 起付 are words, but 30-300 times rarer than 宽松, 配料 and 分期 (3.4-5.7).
OUTER_RARER = 3.0


def _fuzzy(syllable: str) -> str:
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    if syllable.endswith("ng"):
        syllable = syllable[:-1]
    return syllable


@lru_cache(maxsize=1)
def _readings() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """character → its toneless readings, and → their fuzzy forms, from `assets/nlp/sounds.txt` (a
    few milliseconds; the pinyin package it was made from reads its dictionaries for a fifth of a
    second or more)."""
    by_char: dict[str, set[str]] = {}
    for line in read_asset("sounds.txt").splitlines():
        if not line or line.startswith("#"):
            continue
        reading, chars = line.split("\t")
        for char in chars:
            by_char.setdefault(char, set()).add(reading)
    exact = {char: frozenset(readings) for char, readings in by_char.items()}
    fuzzy = {char: frozenset(map(_fuzzy, readings)) for char, readings in by_char.items()}
    return exact, fuzzy


def sounds(char: str) -> frozenset[str]:
    """The fuzzy, toneless readings of one character (every reading of a heteronym)."""
    return _readings()[1].get(char, _NONE)


def exact_sounds(char: str) -> frozenset[str]:
    """The toneless readings of one character, z and zh, n and l… kept apart."""
    return _readings()[0].get(char, _NONE)


def sounds_table(readings_of: Callable[[str], Iterable[str]]) -> str:
    """The text of `assets/nlp/sounds.txt`, given each character's toneless pinyin readings: how the
    file is made, and checked against the pinyin package by the tests (see the assets' README)."""
    by_reading: dict[str, list[str]] = {}
    for code in range(0x4E00, 0xA000):
        char = chr(code)
        for reading in sorted({r for r in readings_of(char) if r.isalpha()}):
            by_reading.setdefault(reading, []).append(char)
    lines = [
        "# Toneless readings of the CJK characters U+4E00-U+9FFF, for homophone repair",
        "# (workbench.kb.pinyin). One line per reading: reading<TAB>characters. Made by",
        "# workbench.kb.pinyin.sounds_table from pypinyin (see README.md); not edited by hand.",
        *(f"{reading}\t{''.join(chars)}" for reading, chars in sorted(by_reading.items())),
    ]
    return "\n".join(lines) + "\n"


class HomophoneFixer:
    """Repairs homophone typos towards `targets` (two-character words of the KB and the lexicon);
    `is_word` says whether a string is a dictionary word (correct text is never changed), `rarity`
    how rare a word is in general Chinese (log frequency; without it every word is as common)."""

    def __init__(
        self,
        targets: Iterable[str],
        is_word: Callable[[str], bool],
        rarity: Callable[[str], float] | None = None,
    ) -> None:
        self._targets: set[str] = set()
        self._is_word = is_word
        self._rarity = rarity
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
        for i in range(1, len(chars)):
            particle = _PARTICLES.get(chars[i])
            if particle is None or not _CJK.fullmatch(chars[i - 1]):
                continue
            if i + 1 < len(chars) and _CJK.fullmatch(chars[i + 1]):
                continue  # inside a clause: the verb (拉链, 把它)
            after_word = i >= 2 and self._is_word(chars[i - 2] + chars[i - 1])
            if not after_word and self._is_word(chars[i - 1] + chars[i]):
                continue  # a word that ends the clause (沙拉, 一把), not a particle after one (谢谢拉)
            chars[i] = particle
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
            found = [w for s in sounds(typed) for w in self._by_sound.get((pos, other, s), ()) if w[pos] != typed]
            if not found:
                continue
            # a word of the very same sound before one that only sounds alike (增品: 赠品, not 正品)
            same = exact_sounds(typed)
            word = next((w for w in found if same & exact_sounds(w[pos])), found[0])
            if len(outer) == 2 and self._is_word(outer) and not self._far_rarer(outer, word):
                continue
            return word
        return None

    def _far_rarer(self, word: str, than: str) -> bool:
        return self._rarity is not None and self._rarity(word) - self._rarity(than) >= OUTER_RARER
