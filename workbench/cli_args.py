"""Argument types and help texts of the commands without a window, kept apart from `workbench.cli`:
the parser is built at every start, the desk's included, and `workbench.cli` imports every service
(about 0.6 s of imports on the UI thread before the window could paint)."""

from __future__ import annotations

import argparse

__all__ = ["SIMULATE_HELP", "positive_int", "positive_number"]

SIMULATE_HELP = """\
Runs the simulated buyers (scenario customers, 分流 and the full-auto reception bot, simulated
colleagues, order events and auto messages) once for every desk on a shared PostgreSQL database.
Desks on that database run no simulator of their own. An empty database becomes the demo shop.

Ctrl+C or SIGTERM stops it after the tick under way (exit status 0): every chat it created has its
buyer's first message; buyers the bot is serving leave (their chat ends); buyers waiting for or
talking with an agent stop writing and their chats stay with the desks. A new run starts afresh:
the time it was stopped is not replayed.

A SQLite database is refused: a single-seat desk runs its own simulated customers (模拟客户进店)."""


def positive_number(text: str) -> float:
    """An argparse type: a finite number above 0."""
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text!r}")
    return value
