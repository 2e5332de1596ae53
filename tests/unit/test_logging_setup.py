"""Before the window is up, an uncaught exception of any thread still reaches the log."""

from __future__ import annotations

import logging
import sys
import threading

import pytest

from workbench.logging_setup import log_uncaught_exceptions


def test_uncaught_exceptions_are_logged_with_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    previous = (sys.excepthook, threading.excepthook)
    try:
        log_uncaught_exceptions()

        def work() -> None:
            raise ValueError("lost in a thread")

        with caplog.at_level(logging.CRITICAL):
            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
            try:
                raise KeyError("lost on the main thread")
            except KeyError:
                sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    finally:
        sys.excepthook, threading.excepthook = previous
    logged = [str(r.exc_info[1]) for r in caplog.records if r.exc_info]
    assert logged == ["lost in a thread", "'lost on the main thread'"]
