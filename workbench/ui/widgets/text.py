"""Text helpers for narrow panels."""

from __future__ import annotations

import re

ZWSP = "\u200b"

# long runs without spaces or CJK (URLs, serial numbers, keyboard mashing) cannot wrap in a QLabel
_UNBREAKABLE = re.compile(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]{16,}")


def soft_wrap(text: str) -> str:
    """Let long unbroken runs wrap anywhere by inserting zero-width spaces (CJK already wraps)."""
    return _UNBREAKABLE.sub(lambda m: ZWSP.join(m.group(0)), text)


def plain(text: str) -> str:
    """Undo `soft_wrap` (for copying or comparing)."""
    return text.replace(ZWSP, "")
