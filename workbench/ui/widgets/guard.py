"""Background-job callbacks that become no-ops once their widget is gone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject


def while_alive(owner: QObject, fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Wrap a `Tasks` callback so it is skipped if `owner` was deleted while the job ran."""

    def call(value: Any) -> None:
        if shiboken6.isValid(owner):
            fn(value)

    return call
