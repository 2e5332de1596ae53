"""A lexicon-based detector of negative emotion in a customer message (for transfer to a human).

The lexicon (`workbench/assets/nlp/emotion.txt`, editable) lists negative words with weights,
intensifiers that strengthen the word right after them, and negators that cancel it. A message's
score is 1 - Π(1 - wᵢ) over the negative words found (longest first, no overlaps), plus a little for
runs of "！" or "？"; it lies in [0, 1).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LEXICON_FILE = "emotion.txt"
NEAR = 2  # an intensifier or negator counts when it ends at most this many characters before the word
PUNCT_RUN = re.compile(r"[!！?？]{2,}")
PUNCT_BONUS = 0.1
PUNCT_CAP = 0.2


@dataclass(frozen=True, slots=True)
class EmotionResult:
    score: float
    words: tuple[str, ...]  # the negative words that counted, in message order


@dataclass(frozen=True, slots=True)
class EmotionLexicon:
    negative: Mapping[str, float]
    intensifiers: Mapping[str, float]
    negators: tuple[str, ...]


def parse_lexicon(text: str, source: str = LEXICON_FILE) -> EmotionLexicon:
    """Read the three-section lexicon format; ValueError names the line."""
    negative: dict[str, float] = {}
    intensifiers: dict[str, float] = {}
    negators: list[str] = []
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            if section not in ("negative", "intensifier", "negator"):
                raise ValueError(f"{source}:{number}: unknown section [{section}]")
            continue
        parts = line.split()
        word = unicodedata.normalize("NFKC", parts[0]).lower()
        if section == "negator":
            if len(parts) != 1:
                raise ValueError(f"{source}:{number}: a negator is one word")
            negators.append(word)
            continue
        if section not in ("negative", "intensifier") or len(parts) != 2:
            raise ValueError(f"{source}:{number}: expected 'word weight' inside [negative] or [intensifier]")
        try:
            value = float(parts[1])
        except ValueError:
            raise ValueError(f"{source}:{number}: '{parts[1]}' is not a number") from None
        if section == "negative":
            if not 0.0 < value < 1.0:
                raise ValueError(f"{source}:{number}: a weight lies between 0 and 1")
            negative[word] = value
        else:
            if value < 1.0:
                raise ValueError(f"{source}:{number}: an intensifier multiplies by at least 1")
            intensifiers[word] = value
    return EmotionLexicon(negative, intensifiers, tuple(negators))


class EmotionDetector:
    def __init__(self, lexicon: EmotionLexicon) -> None:
        self.lexicon = lexicon
        words = sorted(lexicon.negative, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None
        self._intensifiers = sorted(lexicon.intensifiers, key=len, reverse=True)
        self._negators = sorted(lexicon.negators, key=len, reverse=True)

    def score(self, text: str) -> EmotionResult:
        folded = unicodedata.normalize("NFKC", text).lower()
        if self._pattern is None:
            return EmotionResult(0.0, ())
        keep = 1.0
        words: list[str] = []
        for hit in self._pattern.finditer(folded):
            before = folded[max(0, hit.start() - NEAR - 2) : hit.start()]
            if self._preceded(before, self._negators):
                continue
            weight = self.lexicon.negative[hit.group(0)]
            boost = next((self.lexicon.intensifiers[w] for w in self._intensifiers if self._near(before, w)), 1.0)
            weight = min(0.95, weight * boost)
            keep *= 1.0 - weight
            words.append(hit.group(0))
        score = 1.0 - keep
        if words:
            score += min(PUNCT_CAP, PUNCT_BONUS * len(PUNCT_RUN.findall(folded)))
        return EmotionResult(round(min(score, 0.99), 4), tuple(words))

    @staticmethod
    def _near(before: str, word: str) -> bool:
        at = before.rfind(word)
        return at >= 0 and len(before) - (at + len(word)) <= NEAR

    def _preceded(self, before: str, words: list[str]) -> bool:
        # a negator right before the word only ("不差", "没骗人"); "不" two characters back is too far
        return any(before.endswith(w) for w in words)


@lru_cache(maxsize=1)
def default_detector() -> EmotionDetector:
    """The detector over the lexicon shipped in workbench/assets/nlp (read once)."""
    text = (resources.files("workbench.assets") / "nlp" / LEXICON_FILE).read_text(encoding="utf-8")
    return EmotionDetector(parse_lexicon(text))
