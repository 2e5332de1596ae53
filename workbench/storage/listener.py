"""The PostgreSQL listener: other desks' changes, heard on a connection of its own.

One thread per desk holds a dedicated psycopg connection that runs ``LISTEN workbench_changes`` and
waits in ``conn.notifies(timeout=…)``; each notification another workspace sent (see
`workbench.storage.changes`) is handed to `on_change` on this thread. A lost connection (server
restart, network, ``pg_terminate_backend``) is reported with `on_link(False)` and retried with a
growing pause; once listening again it reports `on_link(True)`, and the caller re-reads what it shows,
because whatever was sent meanwhile is gone. Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

import psycopg
from sqlalchemy.engine import make_url

from workbench.storage.changes import CHANNEL, StoredChange, decode

log = logging.getLogger(__name__)

POLL_S = 0.25  # how long one wait for notifications lasts (the thread sees a stop request this often)
PING_S = 5.0  # a quiet connection is checked this often (a dead network gives no error by itself)
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # pauses between reconnect attempts; the last one repeats
CONNECT_TIMEOUT_S = 5


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (password included)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    """LISTENs for other workspaces' changes on its own connection, in its own thread."""

    def __init__(
        self,
        url: str,
        origin: str,
        on_change: Callable[[StoredChange], None],
        on_link: Callable[[bool], None],
        *,
        poll_s: float = POLL_S,
        ping_s: float = PING_S,
        backoff_s: Sequence[float] = BACKOFF_S,
    ) -> None:
        self._conninfo = conninfo(url)
        self.origin = origin
        self._on_change = on_change
        self._on_link = on_link
        self.poll_s = poll_s
        self.ping_s = ping_s
        self.backoff_s = tuple(backoff_s)
        self._stop = threading.Event()
        self._first_try = threading.Event()  # the first connection attempt succeeded or failed
        self._thread: threading.Thread | None = None
        self.connected = False
        self.backend_pid: int | None = None  # the listening connection's server process (diagnostics, tests)

    def start(self, wait_s: float = CONNECT_TIMEOUT_S) -> bool:
        """Start listening; waits for the first attempt (so no change is missed between the desk's
        first reads and the LISTEN). True if it is listening."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="workbench-listener", daemon=True)
            self._thread.start()
        self._first_try.wait(wait_s)
        return self.connected

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        link_up = True  # what the caller was last told (it assumes a working link until told otherwise)
        while not self._stop.is_set():
            try:
                conn = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_S,
                    keepalives=1,
                    keepalives_idle=10,
                    keepalives_interval=5,
                    keepalives_count=3,
                )
            except psycopg.Error as exc:
                link_up = self._lost(link_up, failures, exc)
                self._first_try.set()
                self._pause(failures)
                failures += 1
                continue
            try:
                with conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.connected = True
                    failures = 0
                    if not link_up:
                        log.info("listening for changes again")
                        link_up = True
                        self._on_link(True)
                    self._first_try.set()
                    self._listen(conn)
            except psycopg.Error as exc:
                self.connected = False
                if self._stop.is_set():
                    break
                link_up = self._lost(link_up, failures, exc)
                self._pause(failures)
                failures += 1
            finally:
                self.connected = False
                self.backend_pid = None

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        checked = time.monotonic()
        while not self._stop.is_set():
            heard = False
            for notify in conn.notifies(timeout=self.poll_s):
                heard = True
                found = decode(notify.payload)
                if found is None or found[0] == self.origin:
                    continue
                try:
                    self._on_change(found[1])
                except Exception:
                    log.exception("change handler failed on %s", found[1])
            now = time.monotonic()
            if heard:
                checked = now
            elif now - checked >= self.ping_s:
                conn.execute("SELECT 1")  # raises if the connection died quietly
                checked = now

    def _lost(self, link_up: bool, failures: int, exc: BaseException) -> bool:
        """Tell the caller once per outage; returns the link state it now knows."""
        if link_up:
            log.warning("lost the change listener's connection: %s", str(exc).strip() or type(exc).__name__)
            self._on_link(False)
        elif failures and failures % 10 == 0:
            log.info("still reconnecting the change listener (%d attempts)", failures)
        return False

    def _pause(self, failures: int) -> None:
        self._stop.wait(self.backoff_s[min(failures, len(self.backoff_s) - 1)])
