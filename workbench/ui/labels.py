"""One shape for every table that turns a domain value (mostly an enum) into translated text.

Each feature keeps its tables in its own module (``ui/crm/labels.py``, ``ui/orders/states.py``,
``ui/aftersales/texts.py`` …), all written the same way::

    def _segment_texts() -> dict[Segment, str]:
        return {
            Segment.HIGH_VALUE: QCoreApplication.translate("CrmLabels", "高价值"),
            Segment.NEW: QCoreApplication.translate("CrmLabels", "新客"),
            ...
        }

    segment_label = Labels(_segment_texts)

    segment_label(Segment.NEW)   # "新客", or "New" with the English catalogue installed
    segment_label.texts()        # {Segment.HIGH_VALUE: "高价值", ...} in table order, for combos and menus

The dict is built at every lookup, so the text follows the language installed at that moment, and the
translation extractor (lupdate) sees each literal where it is written. A table over an enum names
every member (tests/gui/test_labels.py checks it); a table over free text such as a stored traffic
source passes ``fallback`` for values it does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class Labels(Generic[K]):
    """Translated text for each value of one kind; call it with a value."""

    def __init__(self, texts: Callable[[], Mapping[K, str]], *, fallback: Callable[[K], str] | None = None) -> None:
        self._texts = texts
        self.fallback = fallback

    def __call__(self, value: K) -> str:
        texts = self._texts()
        if value in texts or self.fallback is None:
            return texts[value]  # a value missing from a table without fallback is a bug: KeyError
        return self.fallback(value)

    def texts(self) -> dict[K, str]:
        """Every value and its text, in the table's order."""
        return dict(self._texts())
