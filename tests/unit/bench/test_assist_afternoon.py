"""The assist benchmark's load: buyers who never repeat themselves, and a realistic 2k-entry KB."""

from __future__ import annotations

from workbench.channels.scenarios import fill_placeholders
from workbench.domain.kb import STANDARD_CATEGORIES
from workbench.domain.kb_admin import validate_entry
from workbench.ui.bench.afternoon import Wording, kb_drafts, scenario_lines


def test_buyers_never_say_the_same_thing_twice_even_when_the_scenario_line_repeats() -> None:
    wording = Wording(seed=3)
    context = {"商品": "法式碎花连衣裙", "订单号": "123456789012345678", "颜色": "黑色", "尺码": "M"}
    lines = [fill_placeholders(line, context) for line in scenario_lines()]
    said = [wording.vary(line) for _ in range(10) for line in lines]
    assert len(said) == len(set(said)) == 10 * len(lines)
    short = [wording.vary("在吗") for _ in range(300)]  # a two-character line, over and over
    assert len(set(short)) == 300


def test_the_kb_has_the_packs_and_per_product_entries_all_distinct_and_valid() -> None:
    drafts = kb_drafts(2000)
    assert len(drafts) == 2000
    assert len({d.question for d in drafts}) == 2000
    assert any(d.question == "会起球吗" for d in drafts)  # the 服饰 pack's own
    assert any(d.question.startswith("空气炸锅") for d in drafts)  # a listing's own entry
    for draft in drafts[::20]:
        assert validate_entry(draft.cleaned(), STANDARD_CATEGORIES) == []
