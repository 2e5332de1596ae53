"""店小蜜 knowledge workspace: 知识库 (the editor), 行业包 and 问答测试, as tabs of one page."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from workbench.services.workspace import Workspace
from workbench.ui.kb_admin.knowledge_tab import KnowledgeTab
from workbench.ui.kb_admin.packs_tab import PacksTab
from workbench.ui.kb_admin.qa_tab import QaTab
from workbench.ui.kb_admin.session import KbSession
from workbench.ui.tasks import Tasks


class KnowledgePage(QWidget):
    """The knowledge editor, the industry packs and the test window.

    Edits are saved in the background and go into the workspace's live matcher at once (the one the
    reception desk and the bot answer from); the test window asks that same matcher.
    """

    kb_changed = Signal()
    """An entry, a category or a pack subscription changed; the live matcher already has it."""

    def __init__(
        self,
        tasks: Tasks,
        workspace: Workspace,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = KbSession(tasks, workspace, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.knowledge = KnowledgeTab(self.session, self.tabs)
        self.packs = PacksTab(self.session, self.tabs)
        self.tester = QaTab(self.session, self.tabs)
        self.tabs.addTab(self.knowledge, self.tr("知识库"))
        self.tabs.addTab(self.packs, self.tr("行业包"))
        self.tabs.addTab(self.tester, self.tr("问答测试"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.session.changed.connect(self._changed)
        self.packs.pack_changed.connect(lambda _report: self.knowledge.refresh())
        self.knowledge.refresh()
        self.packs.refresh()

    def _changed(self, _change: object) -> None:
        self.kb_changed.emit()

    def refresh(self) -> None:
        """Reload the lists from the database (after changes made elsewhere, e.g. a demo reset)."""
        self.knowledge.refresh()
        self.packs.refresh()

    def show_entry(self, entry_id: int) -> None:
        """Open an entry in the editor (e.g. from an analytics list)."""
        self.tabs.setCurrentWidget(self.knowledge)
        self.knowledge.refresh(select_entry=entry_id)

    def test_question(self, question: str) -> None:
        """Open the test window with a question asked."""
        self.tabs.setCurrentWidget(self.tester)
        self.tester.ask(question)
