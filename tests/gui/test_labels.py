"""The label tables (ui/labels.py's ``Labels``): every table names every value it can be asked for."""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication

from workbench.domain.case_rules import FOLLOW_UP_LABEL, REVIEW_DEADLINE_LABEL
from workbench.domain.crm import CREDIT_TIERS, GENDERS, MEMBER_LEVELS, TRAFFIC_SOURCES
from workbench.domain.kb import STANDARD_CATEGORIES
from workbench.ui.aftersales import texts as aftersales_texts
from workbench.ui.bot import labels as bot_labels
from workbench.ui.chat import conversation_list
from workbench.ui.crm import labels as crm_labels
from workbench.ui.kb_admin import texts as kb_texts
from workbench.ui.labels import Labels
from workbench.ui.orders import states as order_states

MODULES: tuple[ModuleType, ...] = (
    aftersales_texts,
    bot_labels,
    conversation_list,
    crm_labels,
    kb_texts,
    order_states,
)

# Tables over stored text rather than an enum: the values the domain stores (others show as stored).
TEXT_TABLES: dict[str, Collection[str]] = {
    "crm.labels.source_label": (*TRAFFIC_SOURCES, ""),
    "crm.labels.level_label": (*MEMBER_LEVELS, ""),
    "crm.labels.tier_label": CREDIT_TIERS,
    "crm.labels.gender_label": GENDERS,
    "kb_admin.texts.category_label": STANDARD_CATEGORIES,
    "aftersales.texts.reminder_text": (FOLLOW_UP_LABEL, REVIEW_DEADLINE_LABEL),
}


def tables() -> list[tuple[str, Labels[object]]]:
    found = []
    for module in MODULES:
        short = module.__name__.removeprefix("workbench.ui.")
        found += [(f"{short}.{name}", value) for name, value in vars(module).items() if isinstance(value, Labels)]
    return found


def test_the_label_modules_use_the_one_shape() -> None:
    names = {name for name, _ in tables()}
    assert len(names) > 40
    assert set(TEXT_TABLES) <= names


@pytest.mark.parametrize(("name", "table"), tables(), ids=[name for name, _ in tables()])
def test_every_table_names_every_value(name: str, table: Labels[object]) -> None:
    texts = table.texts()
    assert texts and all(isinstance(t, str) and t for t in texts.values())
    if name in TEXT_TABLES:
        assert set(texts) == set(TEXT_TABLES[name])
        assert table.fallback is not None
        return
    kinds = {type(key) for key in texts}
    assert len(kinds) == 1, f"{name} mixes key types: {kinds}"
    kind = kinds.pop()
    assert issubclass(kind, Enum), f"{name} is keyed by {kind}: list its values in TEXT_TABLES"
    if table.fallback is None:  # a partial table must say what the rest shows
        assert set(texts) == set(kind), f"{name} lacks {set(kind) - set(texts)}"
    for member in kind:
        assert table(member)


def test_lookup_and_fallback() -> None:
    def texts() -> dict[str, str]:
        return {"a": QCoreApplication.translate("Test", "甲")}

    strict, lenient = Labels(texts), Labels(texts, fallback=str.upper)
    assert strict("a") == lenient("a") == "甲"
    assert lenient("b") == "B"
    with pytest.raises(KeyError):
        strict("b")
