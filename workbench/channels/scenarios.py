"""Scripted customer scenarios: the data model, intent matching and a validating loader.

A scenario is a small graph. The customer opens with one of the `opening` variants and then waits
in the `start` step. Each agent reply is classified by keyword/regex intents and routed along the
step's branches (or its default) to the next step, whose `say` lines the customer then sends. End
steps finish the conversation as satisfied or unsatisfied. The file format is documented in
`workbench/assets/scenarios/README.md`.

Standard library only: the simulator and these objects run without Qt and without a database.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Any, Literal

KINDS: tuple[str, ...] = ("presale", "order", "logistics", "aftersales", "complaint", "review")
# The order states of `workbench.domain.orders.OrderState`, by value.
ORDER_STATES: tuple[str, ...] = ("待付款", "待发货", "已发货", "已签收", "交易成功", "交易关闭", "退款中")
END_STATES: tuple[str, ...] = ("satisfied", "unsatisfied")
EndState = Literal["satisfied", "unsatisfied"]

# Placeholders the simulator can always fill (built-in defaults); a scenario may add its own through
# its `defaults` object.
PLACEHOLDERS: tuple[str, ...] = (
    "买家昵称",
    "订单号",
    "商品",
    "颜色",
    "尺码",
    "新颜色",
    "新尺码",
    "快递",
    "运单号",
    "金额",
    "量词",  # 条 for a skirt or trousers, 件 for a top or a coat: follows 商品
    "品类",  # 裙子 / 裤子 / 衣服: follows 商品
)

# Intents the engine itself relies on; they must be defined in the shared file.
HOLD_WAIT = "asks_to_wait"  # "稍等，我查一下": the customer acknowledges and keeps waiting
HOLD_GREET = "greets"  # a reply that is only a greeting: the customer keeps waiting silently
REQUIRED_SHARED_INTENTS: tuple[str, ...] = (HOLD_WAIT, HOLD_GREET)

SHARED_FILE = "_shared.json"
NEGATORS = frozenset("不没别未")
NEGATION_WINDOW = 2  # characters before a keyword that may negate it ("不能换货", "不太可以")

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")

Variant = tuple[str, ...]  # one variant of what the customer says: one or more chat messages


def normalize_text(text: str) -> str:
    """Fold text for matching: NFKC (full-width → half-width), casefold, keep only letters and digits.

    Punctuation, symbols, emoji and whitespace are dropped, so "订单号？" "订单 号!" and "订单号" are
    the same to an intent.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def placeholders_in(text: str) -> tuple[str, ...]:
    return tuple(m.group(1) for m in _PLACEHOLDER_RE.finditer(text))


def fill_placeholders(text: str, context: Mapping[str, str]) -> str:
    """Replace each {name} by context[name]; unknown names stay as written."""
    return _PLACEHOLDER_RE.sub(lambda m: str(context.get(m.group(1), m.group(0))), text)


@dataclass(frozen=True, slots=True)
class Intent:
    """A named group of keywords and regular expressions that classifies an agent reply.

    `keywords` holds alternatives; each alternative is a tuple of parts that must all occur (written
    "A+B" in the file). `patterns` are searched in the normalised text. Any `exclude` word vetoes the
    intent. With `negatable`, an occurrence preceded within two characters by 不/没/别/未 does not count.
    A `weak` intent (politeness words such as 好的, 抱歉) only decides a branch when no strong intent
    does and the reply is not a request to wait.
    """

    name: str
    keywords: tuple[tuple[str, ...], ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[str, ...] = ()
    negatable: bool = False
    weak: bool = False

    def matches(self, normalized: str) -> bool:
        """True when the (already normalised) text expresses this intent."""
        if any(word in normalized for word in self.exclude):
            return False
        for parts in self.keywords:
            if all(self._occurs(normalized, part) for part in parts):
                return True
        return any(p.search(normalized) for p in self.patterns)

    def _occurs(self, text: str, word: str) -> bool:
        start = text.find(word)
        while start >= 0:
            if not self.negatable or not NEGATORS.intersection(text[max(0, start - NEGATION_WINDOW) : start]):
                return True
            start = text.find(word, start + 1)
        return False


@dataclass(frozen=True, slots=True)
class Branch:
    """If the reply shows any of `intents`, go to step `goto`."""

    intents: tuple[str, ...]
    goto: str


@dataclass(frozen=True, slots=True)
class Step:
    """A point in the conversation where the customer waits for the agent.

    `say` are the variants the customer sends on entering the step. An end step (`end` set) has no
    branches: the customer says its line and leaves with that outcome.
    """

    id: str
    say: tuple[Variant, ...] = ()
    branches: tuple[Branch, ...] = ()
    default: str | None = None
    end: EndState | None = None
    patience: float | None = None
    nudges: tuple[str, ...] = ()
    note: str = ""

    @property
    def is_end(self) -> bool:
        return self.end is not None

    def targets(self) -> tuple[str, ...]:
        """The steps this step can lead to, in file order, without repeats."""
        out: list[str] = []
        for goto in [b.goto for b in self.branches] + ([self.default] if self.default else []):
            if goto not in out:
                out.append(goto)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Route:
    """Where an agent reply leads: `goto`, decided by `intent` (None: the default branch or a hold).

    `hold` is HOLD_WAIT or HOLD_GREET when the customer stays in the step and keeps waiting.
    """

    goto: str
    intent: str | None = None
    hold: str | None = None


@dataclass(frozen=True, slots=True)
class SharedConfig:
    """The shared file: intents every scenario can use and the engine's stock customer lines."""

    intents: Mapping[str, Intent]
    nudges: tuple[str, ...]
    hold_acks: tuple[str, ...]
    give_up: tuple[str, ...]
    ignored: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    kind: str
    weight: float
    order_state: tuple[str, ...]  # the order the caller should attach; () = no order needed
    opening: tuple[Variant, ...]
    start: str
    steps: Mapping[str, Step]
    intents: Mapping[str, Intent]  # shared intents merged with the scenario's own
    defaults: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    product_hint: tuple[str, ...] = ()  # words a fitting product name contains (e.g. 羽绒服)
    description: str = ""
    reference: str = ""  # where in the textbook the case comes from
    patience: float = 90.0
    max_nudges: int = 1
    max_turns: int = 12
    max_repeats: int = 2
    nudges: tuple[str, ...] = ()
    hold_acks: tuple[str, ...] = ()
    give_up: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    file: str = ""

    @property
    def needs_order(self) -> bool:
        return bool(self.order_state)

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]

    def end_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps.values() if s.is_end)

    def intents_in(self, text: str) -> frozenset[str]:
        """Every intent of this scenario that the text shows (for explanations and tests)."""
        normalized = normalize_text(text)
        return frozenset(name for name, intent in self.intents.items() if intent.matches(normalized))

    def route(self, step_id: str, text: str) -> Route:
        """Where the agent's reply `text` leads from step `step_id`.

        Order: branches with a strong intent (file order), a request to wait (hold), a bare greeting
        (hold), branches with a weak intent (file order), then the default branch.
        """
        step = self.steps[step_id]
        normalized = normalize_text(text)
        strong = self._first_branch(step, normalized, weak=False)
        if strong is not None:
            return strong
        if self.intents[HOLD_WAIT].matches(normalized):
            return Route(step.id, hold=HOLD_WAIT)
        if self.intents[HOLD_GREET].matches(normalized):
            return Route(step.id, hold=HOLD_GREET)
        weak = self._first_branch(step, normalized, weak=True)
        if weak is not None:
            return weak
        if step.default is None:  # only end steps lack a default; they take no replies
            return Route(step.id)
        return Route(step.default)

    def _first_branch(self, step: Step, normalized: str, *, weak: bool) -> Route | None:
        for branch in step.branches:
            for name in branch.intents:
                intent = self.intents[name]
                if intent.weak == weak and intent.matches(normalized):
                    return Route(branch.goto, intent=name)
        return None

    def reachable_steps(self) -> frozenset[str]:
        seen = {self.start}
        todo = [self.start]
        while todo:
            for goto in self.steps[todo.pop()].targets():
                if goto not in seen:
                    seen.add(goto)
                    todo.append(goto)
        return frozenset(seen)

    def all_lines(self) -> Iterator[tuple[str, str]]:
        """(where, text) for every customer line: the opening, each step and the stock lines."""
        for variant in self.opening:
            for text in variant:
                yield "opening", text
        for step in self.steps.values():
            for variant in step.say:
                for text in variant:
                    yield f"step '{step.id}'", text
            for text in step.nudges:
                yield f"step '{step.id}' nudges", text
        for name in ("nudges", "hold_acks", "give_up", "ignored"):
            for text in getattr(self, name):
                yield name, text


# --------------------------------------------------------------------------------------------------
# Loading and validation


def scenarios_root() -> Traversable:
    return resources.files("workbench.assets") / "scenarios"


def load_scenarios(root: Traversable | None = None) -> list[Scenario]:
    """Load and validate every scenario file (`*.json` not starting with "_"), sorted by file name.

    `root` defaults to the packaged `workbench/assets/scenarios`; the shared file is read from `root`
    when it has one, else from the package. Raises ValueError naming the file (and step) on any error.
    """
    base = root if root is not None else scenarios_root()
    shared_file = base / SHARED_FILE
    shared = load_shared(shared_file if shared_file.is_file() else None)
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if not entry.is_file() or not entry.name.endswith(".json") or entry.name.startswith("_"):
            continue
        scenario = parse_scenario(_read_json(entry), entry.name, shared)
        if scenario.id in seen:
            raise ValueError(f"{entry.name}: duplicate scenario id '{scenario.id}' (also in {seen[scenario.id]})")
        seen[scenario.id] = entry.name
        scenarios.append(scenario)
    return scenarios


def select_scenarios(ids: Sequence[str], root: Traversable | None = None) -> list[Scenario]:
    """The scenarios with these ids, in this order (no ids: every scenario), e.g. an exercise's set.
    An unknown id is a ValueError naming it."""
    every = load_scenarios(root)
    if not ids:
        return every
    by_id = {s.id: s for s in every}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ValueError(f"unknown scenario id(s): {', '.join(missing)}")
    return [by_id[i] for i in dict.fromkeys(ids)]


def load_shared(path: Traversable | None = None) -> SharedConfig:
    """Read the shared intents and stock lines (default: the packaged `_shared.json`)."""
    entry = path if path is not None else scenarios_root() / SHARED_FILE
    return parse_shared(_read_json(entry), entry.name)


def parse_shared(data: Any, source: str) -> SharedConfig:
    fields = _Fields(data, source, "")
    intents = _parse_intents(fields.pop("intents", dict, required=True), source)
    for name in REQUIRED_SHARED_INTENTS:
        if name not in intents:
            raise ValueError(f"{source}: the shared intent '{name}' is missing")
    lines = {}
    for key in ("nudges", "hold_acks", "give_up", "ignored"):
        lines[key] = _string_list(fields.pop(key, list, required=True), source, key, allow_empty=False)
        for text in lines[key]:
            _check_placeholders(text, set(PLACEHOLDERS), source, key)
    fields.done()
    return SharedConfig(
        intents=MappingProxyType(intents),
        nudges=lines["nudges"],
        hold_acks=lines["hold_acks"],
        give_up=lines["give_up"],
        ignored=lines["ignored"],
    )


def parse_scenario(data: Any, source: str, shared: SharedConfig | None = None) -> Scenario:
    """Build and validate one scenario from its decoded JSON; `source` names it in error messages."""
    shared = shared if shared is not None else load_shared()
    f = _Fields(data, source, "")

    sid = f.pop("id", str, required=True)
    if not _ID_RE.match(sid):
        raise ValueError(f"{source}: id '{sid}' must be lower-case letters, digits and underscores")
    title = f.pop("title", str, required=True).strip()
    if not title:
        raise ValueError(f"{source}: 'title' is empty")
    kind = f.pop("kind", str, required=True)
    if kind not in KINDS:
        raise ValueError(f"{source}: kind '{kind}' is not one of {', '.join(KINDS)}")
    weight = float(f.pop("weight", (int, float), default=1))
    if not weight > 0:
        raise ValueError(f"{source}: 'weight' must be positive")
    order_state = _string_list(f.pop("order_state", list, default=[]), source, "order_state")
    for state in order_state:
        if state not in ORDER_STATES:
            raise ValueError(f"{source}: order_state '{state}' is not one of {', '.join(ORDER_STATES)}")
    product_hint = _string_list(f.pop("product_hint", list, default=[]), source, "product_hint")
    description = f.pop("description", str, default="")
    reference = f.pop("reference", str, default="")
    defaults_raw = f.pop("defaults", dict, default={})
    defaults: dict[str, str] = {}
    for key, value in defaults_raw.items():
        if not isinstance(value, str) or not key or "{" in key or "}" in key:
            raise ValueError(f"{source}: defaults: '{key}' must map a placeholder name to a string")
        defaults[key] = value
    known = set(PLACEHOLDERS) | set(defaults)
    for key, value in defaults.items():
        if placeholders_in(value) or "{" in value or "}" in value:
            raise ValueError(f"{source}: defaults: '{key}' may not contain placeholders")
    patience = float(f.pop("patience", (int, float), default=90))
    if not patience > 0:
        raise ValueError(f"{source}: 'patience' must be positive")
    max_nudges = _int_field(f, "max_nudges", 1, 0, 5)
    max_turns = _int_field(f, "max_turns", 12, 1, 100)
    max_repeats = _int_field(f, "max_repeats", 2, 0, 20)

    intents = dict(shared.intents)
    local = _parse_intents(f.pop("intents", dict, default={}), source)
    for name in local:
        if name in REQUIRED_SHARED_INTENTS:
            raise ValueError(f"{source}: intent '{name}' is reserved by the shared file")
    intents.update(local)

    stock: dict[str, tuple[str, ...]] = {}
    for key in ("nudges", "hold_acks", "give_up", "ignored"):
        value = f.pop(key, list, default=None)
        stock[key] = getattr(shared, key) if value is None else _string_list(value, source, key)
        for text in stock[key]:
            _check_placeholders(text, known, source, key)

    opening = _variants(f.pop("opening", list, required=True), source, "opening")
    if not opening:
        raise ValueError(f"{source}: 'opening' has no variants")
    for variant in opening:
        for text in variant:
            _check_placeholders(text, known, source, "opening")

    start = f.pop("start", str, required=True)
    steps_raw = f.pop("steps", dict, required=True)
    f.done()
    if not steps_raw:
        raise ValueError(f"{source}: 'steps' is empty")
    steps = {step_id: _parse_step(step_id, raw, source, known) for step_id, raw in steps_raw.items()}

    if start not in steps:
        raise ValueError(f"{source}: start step '{start}' is not defined in 'steps'")
    targeted: set[str] = set()
    for step in steps.values():
        where = f"{source}: step '{step.id}'"
        for index, branch in enumerate(step.branches, 1):
            for name in branch.intents:
                if name not in intents:
                    raise ValueError(f"{where}: branch {index} uses unknown intent '{name}'")
            if branch.goto not in steps:
                raise ValueError(f"{where}: branch {index} goes to unknown step '{branch.goto}'")
        if step.default is not None and step.default not in steps:
            raise ValueError(f"{where}: default goes to unknown step '{step.default}'")
        targeted.update(step.targets())
    for step_id in sorted(targeted):
        if not steps[step_id].say:
            raise ValueError(f"{source}: step '{step_id}': is the target of a branch but has no 'say' lines")
    if not any(s.is_end for s in steps.values()):
        raise ValueError(f'{source}: no end step (a step with "end": "satisfied" or "unsatisfied")')

    scenario = Scenario(
        id=sid,
        title=title,
        kind=kind,
        weight=weight,
        order_state=order_state,
        opening=opening,
        start=start,
        steps=MappingProxyType(steps),
        intents=MappingProxyType(intents),
        defaults=MappingProxyType(defaults),
        product_hint=product_hint,
        description=description,
        reference=reference,
        patience=patience,
        max_nudges=max_nudges,
        max_turns=max_turns,
        max_repeats=max_repeats,
        nudges=stock["nudges"],
        hold_acks=stock["hold_acks"],
        give_up=stock["give_up"],
        ignored=stock["ignored"],
        file=source,
    )
    reachable = scenario.reachable_steps()
    for step_id in steps:
        if step_id not in reachable:
            raise ValueError(f"{source}: step '{step_id}': unreachable from the start step '{start}'")
    return scenario


def _parse_step(step_id: str, raw: Any, source: str, known: set[str]) -> Step:
    where = f"{source}: step '{step_id}'"
    if not _ID_RE.match(step_id):
        raise ValueError(f"{where}: step ids must be lower-case letters, digits and underscores")
    f = _Fields(raw, source, f"step '{step_id}'")
    say = _variants(f.pop("say", list, default=[]), source, f"step '{step_id}' say")
    for variant in say:
        for text in variant:
            _check_placeholders(text, known, source, f"step '{step_id}'")
    end = f.pop("end", str, default=None)
    if end is not None and end not in END_STATES:
        raise ValueError(f"{where}: end '{end}' must be one of {', '.join(END_STATES)}")
    branches: list[Branch] = []
    for index, raw_branch in enumerate(f.pop("on", list, default=[]), 1):
        bf = _Fields(raw_branch, source, f"step '{step_id}' branch {index}")
        cond = bf.pop("if", (str, list), required=True)
        names = (cond,) if isinstance(cond, str) else _string_list(cond, source, f"step '{step_id}' branch {index}")
        if not names:
            raise ValueError(f"{where}: branch {index} has an empty 'if'")
        goto = bf.pop("goto", str, required=True)
        bf.done()
        branches.append(Branch(tuple(names), goto))
    default = f.pop("default", str, default=None)
    patience_raw = f.pop("patience", (int, float), default=None)
    patience = None if patience_raw is None else float(patience_raw)
    if patience is not None and not patience > 0:
        raise ValueError(f"{where}: 'patience' must be positive")
    nudges = _string_list(f.pop("nudges", list, default=[]), source, f"step '{step_id}' nudges")
    for text in nudges:
        _check_placeholders(text, known, source, f"step '{step_id}'")
    note = f.pop("note", str, default="")
    f.done()
    if end is not None:
        if branches or default is not None:
            raise ValueError(f"{where}: an end step takes no branches and no default")
        if not say:
            raise ValueError(f"{where}: an end step needs 'say' lines")
    elif default is None:
        raise ValueError(f"{where}: 'default' is missing (every step that is not an end needs one)")
    return Step(
        id=step_id,
        say=say,
        branches=tuple(branches),
        default=default,
        end=end,  # checked against END_STATES above
        patience=patience,
        nudges=nudges,
        note=note,
    )


def _parse_intents(raw: dict[str, Any], source: str) -> dict[str, Intent]:
    intents: dict[str, Intent] = {}
    for name, spec in raw.items():
        where = f"{source}: intent '{name}'"
        if not _ID_RE.match(name):
            raise ValueError(f"{where}: intent names must be lower-case letters, digits and underscores")
        if isinstance(spec, list):
            spec = {"keywords": spec}
        f = _Fields(spec, source, f"intent '{name}'")
        keywords: list[tuple[str, ...]] = []
        for word in _string_list(f.pop("keywords", list, default=[]), source, f"intent '{name}'"):
            parts = tuple(normalize_text(p) for p in word.split("+"))
            if not all(parts):
                raise ValueError(f"{where}: keyword '{word}' has no letters or digits in one of its parts")
            keywords.append(parts)
        patterns: list[re.Pattern[str]] = []
        for pattern in _string_list(f.pop("regex", list, default=[]), source, f"intent '{name}'"):
            try:
                patterns.append(re.compile(pattern))
            except re.error as exc:
                raise ValueError(f"{where}: bad regex '{pattern}': {exc}") from None
        exclude = tuple(
            normalize_text(w) for w in _string_list(f.pop("exclude", list, default=[]), source, f"intent '{name}'")
        )
        if not all(exclude):
            raise ValueError(f"{where}: an exclude word has no letters or digits")
        negatable = f.pop("negatable", bool, default=False)
        weak = f.pop("weak", bool, default=False)
        f.done()
        if not keywords and not patterns:
            raise ValueError(f"{where}: needs keywords or regex")
        intents[name] = Intent(name, tuple(keywords), tuple(patterns), exclude, negatable, weak)
    return intents


def _variants(raw: list[Any], source: str, where: str) -> tuple[Variant, ...]:
    variants: list[Variant] = []
    for item in raw:
        messages = (item,) if isinstance(item, str) else item
        if (
            not isinstance(messages, (list, tuple))
            or not messages
            or not all(isinstance(m, str) and m.strip() for m in messages)
        ):
            raise ValueError(f"{source}: {where}: each variant is a non-empty string or a list of non-empty strings")
        variants.append(tuple(m.strip() for m in messages))
    return tuple(variants)


def _check_placeholders(text: str, known: set[str], source: str, where: str) -> None:
    for name in placeholders_in(text):
        if name not in known:
            raise ValueError(f"{source}: {where}: unknown placeholder {{{name}}} in '{text}'")
    leftover = _PLACEHOLDER_RE.sub("", text)
    if "{" in leftover or "}" in leftover:
        raise ValueError(f"{source}: {where}: unbalanced brace in '{text}'")


def _string_list(raw: Any, source: str, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise ValueError(f"{source}: {where}: expected a list of non-empty strings")
    if not raw and not allow_empty:
        raise ValueError(f"{source}: {where}: the list is empty")
    return tuple(x.strip() for x in raw)


def _int_field(f: _Fields, key: str, default: int, low: int, high: int) -> int:
    value = f.pop(key, int, default=default)
    if isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{f.source}: '{key}' must be an integer from {low} to {high}")
    return int(value)


def _read_json(entry: Traversable) -> Any:
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{entry.name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


class _Fields:
    """Pops typed fields from a JSON object and reports leftovers as unknown keys."""

    def __init__(self, data: Any, source: str, where: str) -> None:
        prefix = f"{where}: " if where else ""
        if not isinstance(data, dict):
            raise ValueError(f"{source}: {prefix}expected a JSON object")
        self.data: dict[str, Any] = dict(data)
        self.source = source
        self.prefix = prefix

    def pop(self, key: str, kind: type | tuple[type, ...], *, required: bool = False, default: Any = None) -> Any:
        if key not in self.data:
            if required:
                raise ValueError(f"{self.source}: {self.prefix}'{key}' is missing")
            return default
        value = self.data.pop(key)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in ((int, float), int)):
            raise ValueError(f"{self.source}: {self.prefix}'{key}' has the wrong type")
        return value

    def done(self) -> None:
        if self.data:
            raise ValueError(f"{self.source}: {self.prefix}unknown key(s): {', '.join(sorted(self.data))}")
