"""The customer simulator, driven by explicit `now` values (no sleeps, no real clock)."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest

from workbench.channels.scenarios import Scenario, fill_placeholders, load_scenarios
from workbench.channels.simulator import (
    CustomerArrived,
    CustomerLeft,
    CustomerSaid,
    SimEvent,
    Simulator,
)

SCENARIOS = load_scenarios()
BY_ID = {s.id: s for s in SCENARIOS}
EXCHANGE = BY_ID["exchange_colour_size"]


def make(
    *, seed: int = 1, rate: float = 0.0, scale: float = 1.0, speed: float = 1.0, max_active: int = 8, **kw: object
) -> Simulator:
    return Simulator(
        SCENARIOS,
        rng=random.Random(seed),
        arrivals_per_minute=rate,
        patience_scale=scale,
        speed=speed,
        max_active=max_active,
        **kw,  # type: ignore[arg-type]
    )


def run(sim: Simulator, start: float, end: float, step: float = 0.5) -> list[SimEvent]:
    events = sim.tick(start)
    t = start
    while t < end:
        t = min(t + step, end)
        events.extend(sim.tick(t))
    return events


def said(events: list[SimEvent], visitor_id: str) -> tuple[str, ...]:
    return tuple(e.text for e in events if isinstance(e, CustomerSaid) and e.visitor_id == visitor_id)


def lines_of(scenario: Scenario, step_id: str, context: Mapping[str, str]) -> set[tuple[str, ...]]:
    return {tuple(fill_placeholders(m, context) for m in v) for v in scenario.step(step_id).say}


def openings(scenario: Scenario, context: Mapping[str, str]) -> set[tuple[str, ...]]:
    return {tuple(fill_placeholders(m, context) for m in v) for v in scenario.opening}


class Chat:
    """One customer and an agent who replies, then waits long enough for the whole answer."""

    def __init__(self, sim: Simulator, scenario_id: str, context: Mapping[str, str] | None = None) -> None:
        self.sim = sim
        self.t = 0.0
        self.vid = sim.start_visitor(0.0, scenario_id, context)
        self.events = run(sim, 0.0, 30.0)
        self.t = 30.0
        arrived = self.events[0]
        assert isinstance(arrived, CustomerArrived)
        self.context = arrived.context

    def reply(self, text: str, wait: float = 40.0) -> tuple[str, ...]:
        assert self.sim.agent_replied(self.vid, text, self.t)
        events = run(self.sim, self.t, self.t + wait)
        self.t += wait
        self.events.extend(events)
        return said(events, self.vid)

    def left(self) -> list[CustomerLeft]:
        return [e for e in self.events if isinstance(e, CustomerLeft)]


# ------------------------------------------------------------------------------ conversations


def test_zhang_exchange_order_number_then_exchange_ends_satisfied() -> None:
    sim = make(scale=20.0)  # nobody nudges during this test
    chat = Chat(sim, "exchange_colour_size", {"订单号": "202405201314", "买家昵称": "张女士"})
    arrived = chat.events[0]
    assert arrived == CustomerArrived(chat.vid, "exchange_colour_size", EXCHANGE.title, chat.context, at=0.0)
    assert said(chat.events, chat.vid) in openings(EXCHANGE, chat.context)

    answer = chat.reply("非常理解您的感受，张女士，麻烦您提供一下订单号，我马上为您处理。")
    assert answer in lines_of(EXCHANGE, "order_number", chat.context)
    assert any("202405201314" in line for line in answer)

    answer = chat.reply("可以给您换货的，您想换什么颜色和尺码呢？我帮您核对库存")
    assert answer in lines_of(EXCHANGE, "wish", chat.context)
    assert any("米白" in line for line in answer) and any("M" in line for line in answer)

    answer = chat.reply("有货的，麻烦您把原裙子寄回到杭州市西湖区文三路100号，运费我们承担")
    assert answer in lines_of(EXCHANGE, "confirm", chat.context)

    answer = chat.reply("收到退回的裙子后24小时内给您发出新裙子，会一直帮您跟进物流")
    assert answer in lines_of(EXCHANGE, "thanks", chat.context)
    [left] = chat.left()
    assert left.visitor_id == chat.vid
    assert left.reason == "satisfied"
    assert left.end_step == "thanks"
    assert left.at > max(e.at for e in chat.events if isinstance(e, CustomerSaid))
    assert sim.active_visitors() == ()
    assert not sim.agent_replied(chat.vid, "还有什么可以帮您？", chat.t)


def test_refusing_an_exchange_angers_then_loses_the_customer() -> None:
    sim = make(scale=20.0)
    chat = Chat(sim, "exchange_colour_size")
    answer = chat.reply("不好意思亲，这个不能换")
    assert answer in lines_of(EXCHANGE, "angry", chat.context)
    assert "差评" in "".join(answer)
    answer = chat.reply("规定就是这样的")
    assert answer in lines_of(EXCHANGE, "bad_review", chat.context)
    [left] = chat.left()
    assert (left.reason, left.end_step) == ("unsatisfied", "bad_review")


def test_offering_an_exchange_right_away_skips_the_order_number() -> None:
    sim = make(scale=20.0)
    chat = Chat(sim, "exchange_colour_size")
    assert chat.reply("亲，可以给您换一条的") in lines_of(EXCHANGE, "wish", chat.context)


def test_wait_request_is_acknowledged_and_keeps_the_step() -> None:
    sim = make(scale=20.0)
    chat = Chat(sim, "exchange_colour_size")
    answer = chat.reply("好的，稍等，我帮您查一下")
    assert len(answer) == 1 and answer[0] in EXCHANGE.hold_acks
    [visitor] = sim.active_visitors()
    assert visitor.step_id == EXCHANGE.start
    assert visitor.state == "waiting"


def test_bare_greeting_gets_no_answer_and_the_customer_keeps_waiting() -> None:
    sim = make(scale=20.0)
    chat = Chat(sim, "exchange_colour_size")
    assert chat.reply("您好，在的") == ()
    [visitor] = sim.active_visitors()
    assert (visitor.step_id, visitor.state, visitor.nudges) == (EXCHANGE.start, "waiting", 0)
    assert visitor.waiting_since is not None and visitor.waiting_since > 30.0


def test_replies_sent_in_a_row_are_read_together() -> None:
    sim = make(scale=20.0)
    chat = Chat(sim, "exchange_colour_size")
    assert sim.agent_replied(chat.vid, "您好，非常理解您的感受", chat.t)
    assert sim.agent_replied(chat.vid, "麻烦提供一下订单号", chat.t + 0.5)
    chat.t += 0.5
    answer = chat.reply("我马上为您处理")
    assert answer in lines_of(EXCHANGE, "order_number", chat.context)


def test_missing_the_point_again_and_again_makes_the_customer_give_up() -> None:
    scenario = BY_ID["where_is_parcel"]
    sim = make(scale=20.0)
    chat = Chat(sim, "where_is_parcel")
    for _ in range(scenario.max_repeats):
        assert chat.reply("嗯嗯") in lines_of(scenario, "ask", chat.context)
    answer = chat.reply("嗯嗯")
    assert len(answer) == 1 and answer[0] in scenario.give_up
    [left] = chat.left()
    assert (left.reason, left.end_step) == ("unsatisfied", "")


def test_professional_bad_reviewer_walks_away_when_the_agent_stands_firm() -> None:
    scenario = BY_ID["professional_bad_reviewer"]
    sim = make(scale=20.0)
    chat = Chat(sim, "professional_bad_reviewer")
    assert chat.reply("请问具体是哪里有问题呢？麻烦拍个照片") in lines_of(scenario, "evasive", chat.context)
    assert chat.reply("嗯") in lines_of(scenario, "demand", chat.context)
    assert chat.reply("我们不会私下转账，聊天记录已经保存，会向平台申诉") in lines_of(scenario, "caught", chat.context)
    [left] = chat.left()
    assert (left.reason, left.end_step) == ("unsatisfied", "caught")


# ------------------------------------------------------------------------------ patience


def first_said_at(events: list[SimEvent]) -> float:
    return max(e.at for e in events if isinstance(e, CustomerSaid))


def test_an_ignored_customer_nudges_then_leaves() -> None:
    sim = make(scale=0.5)
    vid = sim.start_visitor(0.0, "exchange_colour_size")
    opening = run(sim, 0.0, 30.0)
    ready = first_said_at(opening)
    patience = EXCHANGE.patience * 0.5
    assert run(sim, 30.0, ready + patience - 0.01, step=1.0) == []

    nudge = run(sim, ready + patience - 0.01, ready + patience)
    assert nudge == [CustomerSaid(vid, nudge[0].text, at=ready + patience)]  # type: ignore[union-attr]
    assert nudge[0].text in EXCHANGE.nudges  # type: ignore[union-attr]
    [visitor] = sim.active_visitors()
    assert (visitor.nudges, visitor.state, visitor.waiting_since) == (1, "waiting", ready)

    assert run(sim, ready + patience, ready + 2 * patience - 0.01) == []
    end = run(sim, ready + 2 * patience - 0.01, ready + 3 * patience)
    assert len(end) == 2
    parting, left = end
    assert isinstance(parting, CustomerSaid) and parting.text in EXCHANGE.ignored
    assert isinstance(left, CustomerLeft)
    assert (left.visitor_id, left.reason, left.end_step) == (vid, "ignored", "")
    assert left.at == parting.at == pytest.approx(ready + 2 * patience)
    assert sim.active_visitors() == ()
    assert not sim.agent_replied(vid, "在的在的", ready + 3 * patience)


def test_a_reply_resets_patience_and_nudges() -> None:
    sim = make(scale=0.5)
    vid = sim.start_visitor(0.0, "exchange_colour_size", {"订单号": "5550001"})
    opening = run(sim, 0.0, 30.0)
    context = arrivals(opening)[0].context
    ready = first_said_at(opening)
    patience = EXCHANGE.patience * 0.5
    run(sim, 30.0, ready + patience + 1)  # one nudge
    assert sim.active_visitors()[0].nudges == 1
    assert sim.agent_replied(vid, "麻烦提供一下订单号", ready + patience + 1)
    assert sim.active_visitors()[0].state == "thinking"
    events = run(sim, ready + patience + 1, ready + 2 * patience + 1)
    assert said(events, vid) in lines_of(EXCHANGE, "order_number", context)
    assert not any(isinstance(e, CustomerLeft) for e in events)
    assert sim.active_visitors()[0].nudges == 0


def test_waiting_after_a_hold_is_twice_as_patient() -> None:
    sim = make(scale=0.5)
    chat = Chat(sim, "exchange_colour_size")
    chat.reply("稍等，我查一下", wait=10.0)  # the acknowledgement goes out within these seconds
    ack_at = first_said_at(chat.events)
    patience = EXCHANGE.patience * 0.5
    assert run(sim, chat.t, ack_at + 2 * patience - 0.01) == []
    [nudge] = run(sim, ack_at + 2 * patience - 0.01, ack_at + 2 * patience)
    assert isinstance(nudge, CustomerSaid) and nudge.text in EXCHANGE.nudges


def test_speed_shortens_answers_and_patience() -> None:
    fast = make(speed=10.0)
    vid = fast.start_visitor(0.0, "exchange_colour_size")
    ready = first_said_at(run(fast, 0.0, 5.0, step=0.1))
    assert ready <= 1.3  # a two-message opening at speed 10 takes at most 1.25 s
    assert fast.agent_replied(vid, "麻烦提供一下订单号", 5.0)
    answer = run(fast, 5.0, 10.0, step=0.1)
    assert said(answer, vid)
    assert all(e.at <= 5.0 + 0.6 + 2 * 1.25 for e in answer)  # (read ≤ 6 s + typing ≤ 12.5 s ×2) / 10
    # Patience 90 s at speed 10 is 9 s after the last message.
    last = first_said_at(answer)
    nudge = run(fast, 10.0, last + 9.0, step=0.1)
    assert [e.at for e in nudge] == [pytest.approx(last + 9.0)]


# ------------------------------------------------------------------------------ arrivals


def arrivals(events: list[SimEvent]) -> list[CustomerArrived]:
    return [e for e in events if isinstance(e, CustomerArrived)]


def test_arrivals_follow_the_rate() -> None:
    sim = make(seed=11, rate=2.0, max_active=1000)
    events = run(sim, 0.0, 7200.0, step=5.0)
    times = [e.at for e in arrivals(events)]
    # 240 expected in two hours; ±3 standard deviations (about 46) for a Poisson process.
    assert 194 <= len(times) <= 286
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert 25.0 <= sum(gaps) / len(gaps) <= 35.0  # mean gap 30 s
    assert times == sorted(times)


def test_arrivals_scale_with_the_rate_and_stop_at_zero() -> None:
    slow = len(arrivals(run(make(seed=5, rate=1.0, max_active=1000), 0.0, 3600.0, step=5.0)))
    fast = len(arrivals(run(make(seed=5, rate=4.0, max_active=1000), 0.0, 3600.0, step=5.0)))
    assert 40 <= slow <= 80 and 200 <= fast <= 280

    sim = make(seed=5, rate=4.0, max_active=1000)
    before = arrivals(run(sim, 0.0, 600.0))
    assert before
    sim.set_rate(0.0)
    assert arrivals(run(sim, 600.0, 7200.0, step=10.0)) == []
    assert sim.rate == 0.0
    sim.set_rate(6.0)
    assert arrivals(run(sim, 7200.0, 7800.0, step=10.0))


def test_same_seed_same_events_whatever_the_tick_size() -> None:
    def play(step: float, seed: int = 3) -> list[SimEvent]:
        sim = make(seed=seed, rate=3.0, max_active=5, scale=0.5)
        events: list[SimEvent] = []
        t = 0.0
        for reply_at in (60.0, 120.0, 180.0, 240.0, 300.0):
            events.extend(run(sim, t, reply_at, step))
            for visitor in sim.active_visitors():
                sim.agent_replied(visitor.visitor_id, "您好，麻烦提供一下订单号，可以给您处理", reply_at)
            t = reply_at
        events.extend(run(sim, t, 1200.0, step))
        return events

    fine = play(0.25)
    assert fine == play(7.0) == play(600.0)
    assert len(arrivals(fine)) >= 5
    assert fine != play(0.25, seed=4)
    assert [e.at for e in fine] == sorted(e.at for e in fine)


def test_no_more_than_max_active_customers() -> None:
    sim = make(seed=2, rate=30.0, max_active=3, scale=10.0)
    events: list[SimEvent] = []
    for second in range(1, 600):
        events.extend(sim.tick(float(second)))
        assert len(sim.active_visitors()) <= 3
    assert len(arrivals(events)) == 3  # nobody leaves this soon, so nobody else gets in
    # The agent's button still starts one more.
    extra = sim.start_visitor(600.0, "size_advice")
    assert len(sim.active_visitors()) == 4
    assert arrivals(sim.tick(600.0))[0].visitor_id == extra


def test_scenarios_are_picked_by_weight() -> None:
    sim = make(seed=8, rate=0.0, max_active=10_000)
    picked = [BY_ID[arr.scenario_id] for arr in arrivals([*_start_many(sim, 3000)])]
    counts = {s.id: 0 for s in SCENARIOS}
    for scenario in picked:
        counts[scenario.id] += 1
    total_weight = sum(s.weight for s in SCENARIOS)
    for scenario in SCENARIOS:
        expected = 3000 * scenario.weight / total_weight
        assert abs(counts[scenario.id] - expected) < 4 * expected**0.5 + 5, scenario.id


def _start_many(sim: Simulator, n: int) -> list[SimEvent]:
    for _ in range(n):
        sim.start_visitor(0.0)
    return sim.tick(0.0)


# ------------------------------------------------------------------------------ context


def test_placeholders_come_from_the_context_provider() -> None:
    seen: list[str] = []

    def provider(scenario: Scenario) -> Mapping[str, str]:
        seen.append(scenario.id)
        return {
            "买家昵称": "李先生",
            "订单号": "3141592653589793",
            "商品": "双面呢大衣",
            "尺码": "XL",
            "customer_id": "12",
            "order_id": "34",
        }

    sim = make(scale=20.0, context_provider=provider)
    chat = Chat(sim, "exchange_colour_size")
    assert seen == ["exchange_colour_size"]
    assert chat.context["customer_id"] == "12" and chat.context["order_id"] == "34"
    assert chat.context["新尺码"] == "L"  # one smaller than the size bought
    assert chat.context["颜色"] == "雾霾蓝"  # the scenario's default, not supplied by the provider
    answer = chat.reply("麻烦提供一下订单号")
    assert any("3141592653589793" in line for line in answer)
    answer = chat.reply("可以换货，您想换什么尺码？")
    assert answer in lines_of(EXCHANGE, "wish", chat.context)
    assert "L" in "".join(answer).replace("XL", "")


def test_explicit_context_beats_the_provider_and_defaults_fill_the_rest() -> None:
    sim = make(context_provider=lambda s: {"订单号": "111", "商品": "衬衫"})
    vid = sim.start_visitor(0.0, "where_is_parcel", {"订单号": "222"})
    arrived = arrivals(sim.tick(0.0))[0]
    assert arrived.visitor_id == vid
    assert arrived.context["订单号"] == "222"
    assert arrived.context["商品"] == "衬衫"
    assert arrived.context["运单号"] and arrived.context["快递"]
    with pytest.raises(TypeError):
        arrived.context["订单号"] = "333"  # type: ignore[index]


def test_without_a_provider_every_placeholder_has_a_plausible_value() -> None:
    sim = make(seed=9)
    for scenario in SCENARIOS:
        sim.start_visitor(0.0, scenario.id)
    events = sim.tick(0.0) + run(sim, 0.0, 60.0)
    for arrived in arrivals(events):
        assert arrived.context["订单号"].isdigit() and len(arrived.context["订单号"]) == 18
        assert arrived.context["新颜色"] != arrived.context["颜色"]
    for event in events:
        if isinstance(event, CustomerSaid):
            assert "{" not in event.text and "}" not in event.text


def test_blank_values_from_the_provider_keep_the_defaults() -> None:
    sim = make(context_provider=lambda s: {"颜色": "", "尺码": " ", "订单号": "77"})
    sim.start_visitor(0.0, "exchange_colour_size")
    [arrived] = arrivals(sim.tick(0.0))
    assert (arrived.context["颜色"], arrived.context["尺码"]) == ("雾霾蓝", "L")
    assert arrived.context["订单号"] == "77"


def test_provider_returning_none_falls_back_to_defaults() -> None:
    sim = make(context_provider=lambda s: None)
    sim.start_visitor(0.0, "size_advice")
    [arrived] = arrivals(sim.tick(0.0))
    assert arrived.context["商品"] == BY_ID["size_advice"].defaults["商品"]


# ------------------------------------------------------------------------------ API edges


def test_api_edges() -> None:
    with pytest.raises(ValueError, match="at least one scenario"):
        Simulator([])
    with pytest.raises(ValueError, match="duplicate scenario id"):
        Simulator([EXCHANGE, EXCHANGE])
    with pytest.raises(ValueError, match="arrivals_per_minute"):
        Simulator(SCENARIOS, arrivals_per_minute=-1)
    with pytest.raises(ValueError, match="speed"):
        Simulator(SCENARIOS, speed=0)
    with pytest.raises(ValueError, match="max_active"):
        Simulator(SCENARIOS, max_active=0)
    sim = make()
    with pytest.raises(ValueError, match="unknown scenario id 'nope'"):
        sim.start_visitor(0.0, "nope")
    with pytest.raises(ValueError, match="finite"):
        sim.tick(float("nan"))
    assert not sim.agent_replied("v999", "你好", 0.0)
    vid = sim.start_visitor(0.0, "invoice")
    assert not sim.agent_replied(vid, "   ", 1.0)
    assert sim.remove_visitor(vid)
    assert not sim.remove_visitor(vid)
    events = run(sim, 0.0, 1000.0, step=10.0)
    mine = [e for e in events if e.visitor_id == vid]
    assert isinstance(mine[0], CustomerArrived)
    assert all(e.at <= 1.0 for e in mine)  # what was due before it ended, then nothing, no CustomerLeft
    assert not any(isinstance(e, CustomerLeft) for e in mine)


def test_time_never_runs_backwards() -> None:
    sim = make(scale=0.2)
    vid = sim.start_visitor(100.0, "invoice")
    events = sim.tick(100.0)
    assert sim.tick(50.0) == []  # treated as 100
    events += run(sim, 100.0, 200.0)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert any(isinstance(e, CustomerLeft) and e.visitor_id == vid for e in events)


def test_random_agents_never_break_the_invariants() -> None:
    vocabulary = [
        "您好",
        "稍等",
        "麻烦提供订单号",
        "抱歉",
        "可以的",
        "不能",
        "给您换货",
        "给您退款",
        "送您优惠券",
        "今天发货",
        "物流显示在中转",
        "麻烦拍个照片",
        "运费我们承担",
        "好的",
        "嗯",
        "平台申诉",
    ]
    for seed in range(6):
        rng = random.Random(seed)
        sim = make(seed=seed, rate=4.0, max_active=6, speed=3.0)
        events: list[SimEvent] = []
        t = 0.0
        while t < 1800.0:
            t += 1.0
            events.extend(sim.tick(t))
            for visitor in sim.active_visitors():
                if rng.random() < 0.08:
                    sim.agent_replied(visitor.visitor_id, rng.choice(vocabulary), t)
        sim.set_rate(0.0)
        events.extend(run(sim, t, t + 3600.0, step=5.0))
        assert sim.active_visitors() == ()
        started = [e.visitor_id for e in arrivals(events)]
        left = [e.visitor_id for e in events if isinstance(e, CustomerLeft)]
        assert sorted(started) == sorted(left)  # everyone leaves exactly once
        assert [e.at for e in events] == sorted(e.at for e in events)
        gone: set[str] = set()
        for event in events:
            assert event.visitor_id not in gone
            if isinstance(event, CustomerLeft):
                gone.add(event.visitor_id)
                assert event.reason in ("satisfied", "unsatisfied", "ignored")
            if isinstance(event, CustomerSaid):
                assert event.text and "{" not in event.text
        reasons = {e.reason for e in events if isinstance(e, CustomerLeft)}
        assert "ignored" in reasons


def test_a_reply_during_a_long_opening_is_answered_after_it() -> None:
    from workbench.channels.scenarios import parse_scenario

    tiny = parse_scenario(
        {
            "id": "tiny",
            "title": "分几条发消息的顾客",
            "kind": "presale",
            "opening": [["在吗", "我想问一下这条裙子能不能换个颜色，买大了一码，颜色也不太对", "急"]],
            "start": "ask",
            "steps": {
                "ask": {"say": ["能换吗"], "on": [{"if": "asks_order_number", "goto": "order"}], "default": "ask"},
                "order": {"say": ["订单号{订单号}"], "end": "satisfied"},
            },
        },
        "tiny.json",
    )
    sim = Simulator([tiny], rng=random.Random(4), arrivals_per_minute=0)
    vid = sim.start_visitor(0.0, context={"订单号": "42"})
    assert sim.active_visitors()[0].state == "typing"
    assert sim.agent_replied(vid, "您好，麻烦提供一下订单号", 0.0)
    events = run(sim, 0.0, 120.0)
    assert said(events, vid) == (
        "在吗",
        "我想问一下这条裙子能不能换个颜色，买大了一码，颜色也不太对",
        "急",
        "订单号42",
    )
    assert isinstance(events[-1], CustomerLeft) and events[-1].reason == "satisfied"


def test_what_a_removed_customer_was_still_typing_is_never_handed_out() -> None:
    scenarios = load_scenarios()
    sim = Simulator(scenarios, rng=random.Random(2), arrivals_per_minute=0.0, patience_scale=100.0)
    vid = sim.start_visitor(0.0, "when_ship")
    sim.tick(1.0)
    sim.agent_replied(vid, "亲，麻烦发一下订单号", 1.0)
    sim.agent_replied(vid, "您好", 60.0)  # the clock moved on: the buyer's answer waits for the next tick
    assert sim.remove_visitor(vid)  # the agent ended the chat meanwhile
    assert not [e for e in sim.tick(61.0) if isinstance(e, CustomerSaid)]
