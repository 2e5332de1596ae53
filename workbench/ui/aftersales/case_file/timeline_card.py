"""时间线: everything that happened to a case, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from workbench.domain.aftersales import CaseEvent, EventAction
from workbench.domain.case_texts import readable_signals_line
from workbench.ui.aftersales.models import stamp
from workbench.ui.aftersales.texts import event_label, state_label
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.timeline import Timeline


class CaseTimeline(Card):
    """Each event as what happened (with the move from one state to the next), its text, when and who."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("时间线"), parent)
        self.timeline = Timeline()
        self.body.addWidget(self.timeline)

    def show_events(self, events: Sequence[CaseEvent]) -> None:
        """`events` oldest first, as the case file holds them."""
        entries = []
        for event in reversed(events):
            head = event_label(event.action)
            if event.to_state is not None and event.from_state is not None:
                head += f"：{state_label(event.from_state)} → {state_label(event.to_state)}"
            elif event.to_state is not None:
                head += f"：{state_label(event.to_state)}"
            body = readable_signals_line(event.text) if event.action is EventAction.SIGNALS else event.text
            text = f"{head}\n{body}" if body else head
            entries.append((text, f"{stamp(event.at)}  {event.actor}".strip()))
        self.timeline.set_entries(entries)

    def entries(self) -> list[tuple[str, str]]:
        """The (text, time) pairs shown, newest first."""
        return self.timeline.entries()
