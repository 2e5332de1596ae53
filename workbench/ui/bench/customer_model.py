"""The customer list model under the customer benchmark: scrolled top to bottom, offscreen."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from workbench.domain.crm import CustomerFilter, SortKey
from workbench.services.crm import CrmService


def scroll_customer_model(crm: CrmService, customers: int) -> dict[str, Any]:
    """Scroll the real list model over every page; report the most rows it held at once."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from workbench.ui.crm.list_model import CustomerTableModel
    from workbench.ui.tasks import Tasks

    app = QApplication.instance() or QApplication([])
    tasks = Tasks()
    model = CustomerTableModel(tasks, crm)
    model.set_query(CustomerFilter(), SortKey.SPENT, True)
    deadline = time.perf_counter() + 60

    def settle(predicate: Callable[[], bool]) -> None:
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError("the model did not load")
            app.processEvents()
            time.sleep(0.001)

    settle(lambda: model.rowCount() == customers)
    most = 0
    step = max(customers // 200, 1)
    for row in [*range(0, customers, step), customers - 1]:
        model.request_row(row)
        settle(lambda r=row: model.is_loaded(r))  # type: ignore[misc]
        most = max(most, model.cached_rows())
    tasks.wait_idle()
    app.processEvents()
    return {"rows": model.rowCount(), "max_rows_held": most, "pages_visited": (customers // step) + 1}
