"""Text from people (typed, pasted, imported) made safe to store, show and search.

One rule for every field at the domain boundary:

* Unicode NFC, so the same words typed two ways are the same text (and find each other).
* Lone surrogates (half of a UTF-16 pair, from a broken clipboard or a bad file) cannot be encoded
  for the database: they are refused with ``DomainError("text.invalid")``. A complete pair left as two
  code points is joined into the character it stands for.
* NUL and the other control characters (C0, DEL, C1) are dropped: PostgreSQL refuses NUL, and the
  others are invisible. Line feeds and tabs stay where the field may hold several lines; in a
  one-line field they become spaces. CR LF and lone CR become LF.
* Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) are dropped: they
  reorder what is shown, so "photo\u202egpj.exe" would read "photoexe.jpg".
* Outer blanks are stripped.

`clean_text` keeps the inner spacing as typed; `clean_line` also collapses runs of blanks (names, tags).
"""

from __future__ import annotations

import re
import unicodedata

from workbench.domain.errors import DomainError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls without \t \n \r (handled apart), DEL, C1 controls, and the bidi controls.
_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def clean_text(text: str, *, multiline: bool = True, field: str = "") -> str:
    """`text` as it may be stored (see the module's rules). Raises DomainError("text.invalid", field)
    for a lone surrogate."""
    if _SURROGATE.search(text):
        # A well-formed pair of surrogates becomes its character; what is left is broken.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        if _SURROGATE.search(text):
            raise DomainError("text.invalid", field=field)
    text = _DROPPED.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return unicodedata.normalize("NFC", text).strip()


def clean_line(text: str, *, field: str = "") -> str:
    """One line: `clean_text` with line breaks and tabs as spaces, runs of blanks as one, stripped."""
    return " ".join(clean_text(text, multiline=False, field=field).split())


def clean_search(text: str, *, field: str = "search") -> str:
    """What to search for: a `clean_line` (empty means "no search")."""
    return clean_line(text, field=field)
