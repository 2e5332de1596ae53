"""Domain errors carry a code; the UI turns codes into translated text."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken. `code` is stable; `params` fill the translated message."""

    def __init__(self, code: str, field: str = "", **params: Any) -> None:
        super().__init__(f"{code}" + (f" [{field}]" if field else "") + (f" {params}" if params else ""))
        self.code = code
        self.field = field
        self.params = params
