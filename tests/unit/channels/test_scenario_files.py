"""The shipped scenario files: they load, validate and form sound conversation graphs."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.channels.scenarios import (
    END_STATES,
    KINDS,
    ORDER_STATES,
    Scenario,
    fill_placeholders,
    load_scenarios,
    placeholders_in,
    scenarios_root,
)
from workbench.channels.simulator import default_context
from workbench.domain.orders import OrderState

EXPECTED_IDS = {
    "exchange_colour_size",
    "where_is_parcel",
    "when_ship",
    "urge_shipment",
    "refund_no_reason",
    "cancel_before_ship",
    "repair_zipper_in_warranty",
    "repair_out_of_warranty",
    "size_advice",
    "coupon_discount",
    "invoice",
    "change_address",
    "bad_review_threat",
    "quality_complaint",
    "service_complaint",
    "professional_bad_reviewer",
    "presale_material_pilling",
    "dispute_not_received",
    "malicious_complaint",
}

REPO_ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = load_scenarios()
BY_ID = {s.id: s for s in SCENARIOS}


def test_every_shipped_scenario_loads() -> None:
    assert len(SCENARIOS) >= 14
    assert {s.id for s in SCENARIOS} == EXPECTED_IDS
    assert len(BY_ID) == len(SCENARIOS)
    assert [s.file for s in SCENARIOS] == sorted(s.file for s in SCENARIOS)


def test_resource_directory_holds_one_file_per_scenario() -> None:
    names = {e.name for e in scenarios_root().iterdir() if e.name.endswith(".json")}
    assert names == {f"{i}.json" for i in EXPECTED_IDS} | {"_shared.json"}
    assert (scenarios_root() / "README.md").is_file()


def test_order_states_are_the_domain_ones() -> None:
    assert set(ORDER_STATES) == {s.value for s in OrderState}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_metadata(scenario: Scenario) -> None:
    assert scenario.kind in KINDS
    assert scenario.weight > 0
    assert scenario.title.strip()
    assert scenario.description.strip()
    assert set(scenario.order_state) <= set(ORDER_STATES)
    assert len(scenario.opening) >= 2, "several opening variants"
    assert scenario.file == f"{scenario.id}.json"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_step_is_reachable_from_the_start(scenario: Scenario) -> None:
    seen = {scenario.start}
    todo = [scenario.start]
    while todo:
        step = scenario.steps[todo.pop()]
        for goto in [b.goto for b in step.branches] + [step.default]:
            if goto is not None and goto not in seen:
                seen.add(goto)
                todo.append(goto)
    assert seen == set(scenario.steps)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_step_can_still_end_well_or_badly(scenario: Scenario) -> None:
    """From every step some path leads to an end step; each scenario can end both ways."""
    ends = {s.id for s in scenario.end_steps()}
    assert {scenario.steps[e].end for e in ends} == set(END_STATES)
    can_end = set(ends)
    changed = True
    while changed:
        changed = False
        for step in scenario.steps.values():
            if step.id not in can_end and any(t in can_end for t in step.targets()):
                can_end.add(step.id)
                changed = True
    assert can_end == set(scenario.steps)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_branch_can_be_taken(scenario: Scenario) -> None:
    """No branch is shadowed: one of its own keywords, sent alone, takes it."""
    for step in scenario.steps.values():
        for index, branch in enumerate(step.branches, 1):
            samples = ["".join(parts) for name in branch.intents for parts in scenario.intents[name].keywords]
            assert samples, f"{scenario.id} step {step.id} branch {index} has no keyword to test"
            routes = [scenario.route(step.id, text) for text in samples]
            assert any(r.goto == branch.goto and r.intent in branch.intents for r in routes), (
                f"{scenario.id}: step '{step.id}' branch {index} ({branch.intents}) is never taken"
            )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_line_fills_completely(scenario: Scenario) -> None:
    context = default_context(scenario, random.Random(3))
    lines = list(scenario.all_lines())
    assert lines
    for where, text in lines:
        filled = fill_placeholders(text, context)
        assert "{" not in filled and "}" not in filled, (scenario.id, where, text)
        for name in placeholders_in(text):
            assert context[name] in filled


def test_the_textbook_exchange_story_is_there() -> None:
    scenario = BY_ID["exchange_colour_size"]
    assert scenario.defaults["买家昵称"] == "张女士"
    openings = " ".join(" ".join(v) for v in scenario.opening)
    assert "颜色" in openings and "换" in openings
    assert scenario.route(scenario.start, "麻烦您提供一下订单号").goto == "order_number"


def test_professional_bad_reviewer_paying_is_marked_wrong() -> None:
    scenario = BY_ID["professional_bad_reviewer"]
    assert scenario.step("paid").end == "satisfied"
    assert "错误" in scenario.step("paid").note
    assert scenario.step("caught").end == "unsatisfied"
    assert scenario.route("demand", "我们不会私下转账，聊天记录已保存，会向平台申诉").goto == "caught"
    assert scenario.route("demand", "好吧，我微信转您50").goto == "paid"


def test_channels_import_neither_qt_nor_the_database() -> None:
    code = (
        "import sys, workbench.channels, workbench.channels.simulator, workbench.channels.scenarios\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlalchemy', 'shiboken6'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
