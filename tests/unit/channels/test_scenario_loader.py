"""Scenario validation errors, text normalisation, intent matching and routing."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.channels.scenarios import (
    HOLD_GREET,
    HOLD_WAIT,
    Intent,
    Route,
    fill_placeholders,
    load_scenarios,
    load_shared,
    normalize_text,
    parse_scenario,
)

VALID: dict[str, Any] = {
    "id": "tiny",
    "title": "最小场景",
    "kind": "aftersales",
    "order_state": ["已签收"],
    "intents": {"asks_colour": ["什么颜色"]},
    "opening": ["你好，{商品}能换吗？", ["在吗", "想换个颜色"]],
    "start": "ask",
    "steps": {
        "ask": {
            "say": ["能换吗？"],
            "on": [
                {"if": "asks_order_number", "goto": "order"},
                {"if": ["asks_colour", "offers_exchange"], "goto": "done"},
                {"if": "refuses", "goto": "angry"},
            ],
            "default": "ask",
        },
        "order": {"say": ["{订单号}"], "default": "done"},
        "done": {"say": ["好的谢谢"], "end": "satisfied"},
        "angry": {"say": ["差评"], "end": "unsatisfied"},
    },
}


def write(tmp_path: Path, data: Any, name: str = "broken.json") -> Path:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_a_valid_file_loads_from_any_directory(tmp_path: Path) -> None:
    [scenario] = load_scenarios(write(tmp_path, VALID, "tiny.json"))
    assert scenario.id == "tiny"
    assert scenario.file == "tiny.json"
    assert scenario.opening == (("你好，{商品}能换吗？",), ("在吗", "想换个颜色"))
    assert scenario.step("ask").default == "ask"
    assert scenario.step("done").is_end
    assert "asks_order_number" in scenario.intents  # shared intents are merged in
    assert scenario.nudges == load_shared().nudges
    assert scenario.needs_order


def _del(path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        for key in parents:
            data = data[key]
        del data[last]

    return change


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


BROKEN = [
    (
        "unknown target",
        _set("steps/ask/on/0/goto", "nowhere"),
        "broken.json: step 'ask': branch 1 goes to unknown step 'nowhere'",
    ),
    (
        "unknown default",
        _set("steps/order/default", "limbo"),
        "broken.json: step 'order': default goes to unknown step 'limbo'",
    ),
    ("missing opening", _del("opening"), "broken.json: 'opening' is missing"),
    ("empty opening", _set("opening", []), "broken.json: 'opening' has no variants"),
    ("bad placeholder", _set("steps/done/say", ["谢谢{颜值}"]), "broken.json: step 'done': unknown placeholder {颜值}"),
    ("bad placeholder in opening", _set("opening", ["{订单}"]), "broken.json: opening: unknown placeholder {订单}"),
    ("unbalanced brace", _set("steps/order/say", ["{订单号"]), "broken.json: step 'order': unbalanced brace"),
    (
        "unknown intent",
        _set("steps/ask/on/2/if", "asks_nothing"),
        "broken.json: step 'ask': branch 3 uses unknown intent 'asks_nothing'",
    ),
    ("unknown start", _set("start", "begin"), "broken.json: start step 'begin' is not defined"),
    (
        "unreachable",
        _set("steps/ask/on/2/goto", "done"),
        "broken.json: step 'angry': unreachable from the start step 'ask'",
    ),
    (
        "end with branches",
        _set("steps/done/default", "ask"),
        "broken.json: step 'done': an end step takes no branches and no default",
    ),
    ("no default", _del("steps/order/default"), "broken.json: step 'order': 'default' is missing"),
    (
        "target without say",
        _del("steps/order/say"),
        "broken.json: step 'order': is the target of a branch but has no 'say' lines",
    ),
    ("typo key", _set("steps/ask/defualt", "ask"), "broken.json: step 'ask': unknown key(s): defualt"),
    ("bad end", _set("steps/done/end", "happy"), "broken.json: step 'done': end 'happy' must be one of"),
    ("bad kind", _set("kind", "chat"), "broken.json: kind 'chat' is not one of"),
    ("bad order state", _set("order_state", ["已付款"]), "broken.json: order_state '已付款' is not one of"),
    (
        "bad regex",
        _set("intents/asks_colour", {"regex": ["(颜色"]}),
        "broken.json: intent 'asks_colour': bad regex '(颜色'",
    ),
    (
        "empty intent",
        _set("intents/asks_colour", {"negatable": True}),
        "broken.json: intent 'asks_colour': needs keywords or regex",
    ),
    ("reserved intent", _set("intents/greets", ["你好"]), "broken.json: intent 'greets' is reserved"),
    ("bad id", _set("id", "Tiny Case"), "broken.json: id 'Tiny Case' must be lower-case"),
    ("bad weight", _set("weight", 0), "broken.json: 'weight' must be positive"),
    ("bad type", _set("steps/ask/say", "能换吗"), "broken.json: step 'ask': 'say' has the wrong type"),
    (
        "no end",
        lambda d: d["steps"].update(done={"say": ["好"], "default": "ask"}, angry={"say": ["哼"], "default": "ask"}),
        "broken.json: no end step",
    ),
]


@pytest.mark.parametrize(("change", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_scenario_names_file_and_step(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load_scenarios(write(tmp_path, mutated(change)))


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^broken\.json: invalid JSON at line 2 column"):
        load_scenarios(write(tmp_path, '{"id": "x",\n "title": }'))


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, VALID, "a.json")
    write(tmp_path, VALID, "b.json")
    with pytest.raises(ValueError, match=re.escape("b.json: duplicate scenario id 'tiny' (also in a.json)")):
        load_scenarios(tmp_path)


def test_files_starting_with_underscore_and_other_files_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, VALID, "tiny.json")
    write(tmp_path, "not json at all", "_draft.json")
    write(tmp_path, "notes", "README.md")
    assert [s.id for s in load_scenarios(tmp_path)] == ["tiny"]


def test_a_local_shared_file_is_used_and_validated(tmp_path: Path) -> None:
    write(tmp_path, VALID, "tiny.json")
    write(
        tmp_path,
        {
            "intents": {"greets": ["你好"]},
            "nudges": ["喂"],
            "hold_acks": ["嗯"],
            "give_up": ["算了"],
            "ignored": ["走了"],
        },
        "_shared.json",
    )
    with pytest.raises(ValueError, match=re.escape("_shared.json: the shared intent 'asks_to_wait' is missing")):
        load_scenarios(tmp_path)


def test_scenario_defaults_add_placeholders() -> None:
    data = mutated(_set("steps/done/say", ["我要{新地址}"]))
    with pytest.raises(ValueError, match=re.escape("unknown placeholder {新地址}")):
        parse_scenario(data, "x.json")
    data["defaults"] = {"新地址": "杭州"}
    scenario = parse_scenario(data, "x.json")
    assert fill_placeholders(scenario.step("done").say[0][0], scenario.defaults) == "我要杭州"


# ------------------------------------------------------------------------------------ matching


def test_normalize_folds_width_case_punctuation_and_spaces() -> None:
    assert normalize_text("ＯＫ！订单　号？ 😀") == "ok订单号"
    assert normalize_text("麻烦提供一下「订单号」～") == "麻烦提供一下订单号"
    assert normalize_text("２４小时") == "24小时"


def test_intents_survive_punctuation_and_full_width() -> None:
    scenario = parse_scenario(VALID, "tiny.json")
    for text in ("订单号？", "订单　号！！", "麻烦发下订单号～", "请问您的【订单编号】是多少呢"):
        assert "asks_order_number" in scenario.intents_in(text), text
    assert scenario.route("ask", "ＳＯＲＲＹ，請問什么颜色？").goto == "done"


def test_negation_and_combined_keywords() -> None:
    intent = Intent("x", keywords=(("可以",), ("换", "颜色")), negatable=True)
    assert intent.matches(normalize_text("可以的"))
    assert not intent.matches(normalize_text("不可以"))
    assert not intent.matches(normalize_text("这个没可以"))
    assert intent.matches(normalize_text("不好意思，可以的"))
    assert intent.matches(normalize_text("不行，但是可以"))  # a later occurrence is not negated
    assert intent.matches(normalize_text("颜色帮您换"))
    assert not intent.matches(normalize_text("颜色"))
    vetoed = Intent("y", keywords=(("微信",),), exclude=("不能",))
    assert vetoed.matches("加微信")
    assert not vetoed.matches("不能加微信")
    assert Intent("z", patterns=(re.compile(r"\d+天"),)).matches(normalize_text("3 天内"))


def test_shared_intents_on_typical_agent_replies() -> None:
    scenario = parse_scenario(VALID, "tiny.json")
    assert scenario.intents_in("不好意思，这个不能换货") >= {"apologises", "refuses"}
    assert "offers_exchange" not in scenario.intents_in("不好意思，这个不能换货")
    assert "agrees" not in scenario.intents_in("这个真的不可以")
    assert "offers_exchange" in scenario.intents_in("可以给您换一件新的")
    assert "gives_time" in scenario.intents_in("48小时内发货")
    assert "asks_photo" in scenario.intents_in("麻烦您拍一下实物发图给我看看")


def test_routing_order_strong_then_holds_then_weak_then_default() -> None:
    scenario = parse_scenario(VALID, "tiny.json")
    # A strong intent wins even after a politeness word.
    assert scenario.route("ask", "抱歉，麻烦发下订单号").goto == "order"
    # Politeness plus "wait" is a hold, not agreement.
    assert scenario.route("ask", "好的，稍等我帮您查一下") == _hold(HOLD_WAIT)
    # A bare greeting is a silent hold; a greeting with content is not.
    assert scenario.route("ask", "您好，在的，请问有什么可以帮您？") == _hold(HOLD_GREET)
    assert scenario.route("ask", "您好，欢迎光临本店，我是客服小赵，很高兴为您服务") == _hold(HOLD_GREET)
    assert scenario.route("ask", "您好，这个不能换").goto == "angry"
    # Nothing recognised: the default branch.
    route = scenario.route("ask", "嗯嗯")
    assert (route.goto, route.intent, route.hold) == ("ask", None, None)
    # The weak branch order: refuses (strong) beats an apology.
    assert scenario.route("ask", "非常抱歉，不行").goto == "angry"


def _hold(kind: str) -> Route:
    return Route("ask", hold=kind)


def test_greeting_regex_is_fast_on_long_replies() -> None:
    scenario = parse_scenario(VALID, "tiny.json")
    long_reply = "您好亲" * 300 + "这个不能换"
    assert scenario.route("ask", long_reply).goto == "angry"
