"""Text normalisation: the same question typed in different ways becomes the same string.

NFKC folds full-width letters, digits and punctuation to half-width and compatibility forms
(①, ㎏ …) to plain ones; a character table turns traditional script into simplified; case is
folded; punctuation, symbols, emoji and control characters become word breaks; runs of the same
character ("急急急", "？？？") collapse to one.
"""

from __future__ import annotations

import re
import unicodedata

from workbench.kb.lexicon import get_lexicon

# Longer messages are cut: a customer question is short, and this bounds the cost of any input.
MAX_INPUT_CHARS = 2000
MAX_NORMALIZED_CHARS = 500

_NON_WORD = re.compile(r"[\W_]+")  # anything that is not a letter or a digit
_REPEATS = re.compile(r"([^\d\s])\1{2,}")  # 3+ copies of a non-digit (keep 666, 888)


def normalize(text: str) -> str:
    """Return the comparable form of `text`: simplified, lower-case, words separated by one space."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS])
    s = s.lower().translate(get_lexicon().t2s)
    s = _NON_WORD.sub(" ", s)
    s = _REPEATS.sub(r"\1", s)
    return " ".join(s.split())[:MAX_NORMALIZED_CHARS]
