"""Whether a desk's database takes writes: a full disk or a lost connection is noticed once, waited
out, and its end noticed once.

A desk reports every failed database job here (`report`). A failure of the storage itself (see
`workbench.storage.errors.storage_failure`) starts a *problem*: it is logged once (not at every tick
that fails: with a full disk the log itself may not be writable), the desk stops its own writing
(the simulated customers) and shows the problem, and calls `check` on a timer. When a check passes,
`recovered` ends the problem, logs that once, and the desk carries on.
"""

from __future__ import annotations

import logging
from datetime import datetime

from workbench.services.clock import Clock, system_clock
from workbench.storage.db import Database
from workbench.storage.errors import storage_failure
from workbench.storage.health import check_writable

log = logging.getLogger(__name__)


class StorageHealth:
    """The state of one desk's database; used from one thread (the UI's), except `check`."""

    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self.db = db
        self.clock = clock
        self.problem: str | None = None  # a storage failure code while writes fail
        self.since: datetime | None = None
        self.failures = 0  # failed jobs while the problem lasts (counted, not logged one by one)

    def report(self, exc: BaseException) -> str | None:
        """A database job failed with `exc`: the storage failure's code (the problem begins or goes
        on), or None when it is an error of that job alone."""
        code = storage_failure(exc)
        if code is None:
            return None
        if self.problem is None:
            self.since = self.clock()
            self.failures = 0
            log.error("database writes fail (%s), waiting until they work again: %s", code, _first_line(exc))
        elif code != self.problem:
            log.error("database writes still fail, now with %s: %s", code, _first_line(exc))
        self.problem = code
        self.failures += 1
        return code

    def check(self) -> str | None:
        """A small write now (call it off the UI thread): None if the storage took it, else the code of
        the storage failure. A refusal that is no storage failure (a database role without the right to
        create the scratch table, say) means the storage itself answers: writes are not stopped by it."""
        try:
            check_writable(self.db)
        except Exception as exc:
            code = storage_failure(exc)
            if code is None:
                log.debug("storage check refused, the storage answers: %s", _first_line(exc))
            return code
        return None

    def recovered(self) -> bool:
        """A check passed: ends the problem (logged once); False if there was none."""
        if self.problem is None:
            return False
        log.warning(
            "database writes work again after %s (%d failed jobs since %s)", self.problem, self.failures, self.since
        )
        self.problem = None
        self.since = None
        return True


def _first_line(exc: BaseException) -> str:
    """The driver's message without SQLAlchemy's statement and parameters (they may hold customer data)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if isinstance(orig, BaseException) else exc)
    return (text.splitlines() or [type(exc).__name__])[0][:200]
