"""Time source for services, replaceable in tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now().replace(microsecond=0)
