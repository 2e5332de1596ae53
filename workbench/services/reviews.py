"""评价管理: reviews as cases of kind ``review`` — reply, the negative-review workflow, the risk score.

The negative-review workflow (联系买家 → 解决 → 回访) and the appeal go through
:meth:`AftersalesService.transition`; this service adds what only reviews have.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from workbench.domain.aftersales import (
    Case,
    CaseKind,
    CaseState,
    EventAction,
    Rating,
    ReviewDetails,
    RiskAssessment,
    clean_text,
    summary_line,
)
from workbench.domain.errors import DomainError
from workbench.domain.reviews import MAX_REPLY_LENGTH, ReviewContext, ReviewerFacts, reviewer_risk, suggest_replies
from workbench.domain.text import clean_search
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository, CaseFilter
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

NEGATIVE = (Rating.BAD.value, Rating.NEUTRAL.value)
REVIEW_KINDS = ("good", "neutral", "bad", "professional")  # who writes: the last is a 职业差评师
PLACEHOLDERS = ("商品", "颜色", "尺码", "快递")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def short_product(title: str) -> str:
    """How a reply names a product: "南栀 法式碎花茶歇连衣裙女 V领…" → "法式碎花茶歇连衣裙女"."""
    parts = title.split()
    return parts[1] if len(parts) > 2 else title


@dataclass(frozen=True, slots=True)
class ReviewStats:
    total: int
    good: int
    neutral: int
    bad: int
    pending: int  # not replied (good/neutral) or not yet handled (bad)

    @property
    def good_rate(self) -> float:
        return self.good / self.total if self.total else 0.0


def assess_review(s: Any, shop_id: int, case: Case, now: datetime) -> RiskAssessment:
    """The 职业差评师 marks for one review, from the customer, their orders, chats and other reviews."""
    assert isinstance(case.details, ReviewDetails)
    repo = AftersalesRepository(s)
    customer = CustomerRepository(s).get(case.customer_id)
    orders = OrderRepository(s).for_customer(case.customer_id)
    order = next((o for o in orders if o.order_no == case.order_no), None)
    return reviewer_risk(
        ReviewerFacts(
            text=case.details.text,
            rating=case.details.rating,
            registered_at=customer.registered_at if customer else None,
            credit_level=customer.credit_level if customer else "",
            orders_with_shop=len(orders),
            order_total_cents=order.total_cents if order else 0,
            bad_review_count=customer.bad_review_count if customer else 0,
            other_reviews=tuple(repo.texts_of_kind(shop_id, CaseKind.REVIEW, NEGATIVE, case.id)),
            customer_messages=tuple(repo.customer_messages(case.customer_id)),
            now=now,
        )
    )


class ReviewService:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    def add(
        self,
        customer_id: int,
        order_no: str,
        rating: Rating,
        text: str,
        *,
        images: int = 0,
        at: datetime | None = None,
    ) -> Case:
        """A review posted by a customer (the simulator and the demo shop post them)."""
        at = at or self.clock()
        with self.db.session() as s:
            case = add_review(s, self.shop_id, customer_id, order_no, rating, text, images, at)
            self.db.notify(s, Topic.CASES, case.id)
        return case

    def find(self, rating: Rating | None = None, state: CaseState | None = None, query: str = "") -> list[Case]:
        f = CaseFilter(
            query=clean_search(query),
            kinds=(CaseKind.REVIEW,),
            subtypes=(rating.value,) if rating else (),
            states=(state,) if state else (),
        )
        with self.db.session() as s:
            return AftersalesRepository(s).search(self.shop_id, f, limit=1000)

    def stats(self) -> ReviewStats:
        with self.db.session() as s:
            counts = AftersalesRepository(s).counts(self.shop_id)
            by_rating = {
                r: AftersalesRepository(s).count(
                    self.shop_id, CaseFilter(kinds=(CaseKind.REVIEW,), subtypes=(r.value,))
                )
                for r in Rating
            }
        pending = counts.get((CaseKind.REVIEW, CaseState.PENDING), 0)
        return ReviewStats(
            sum(by_rating.values()), by_rating[Rating.GOOD], by_rating[Rating.NEUTRAL], by_rating[Rating.BAD], pending
        )

    def assess(self, case_id: int, actor: str = "") -> RiskAssessment:
        """Check the 职业差评师 marks now; the result is kept with the review (the agent still decides)."""
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._review(repo, case_id)
            risk = assess_review(s, self.shop_id, case, now)
            assert isinstance(case.details, ReviewDetails)
            if risk.signals != case.details.signals:
                repo.update(
                    case_id, case.updated_at, details=replace(case.details, signals=risk.signals), risk_score=risk.score
                )
                repo.add_event(case_id, now, EventAction.SIGNALS, f"职业差评师风险评分 {risk.score}（仅供参考）", actor)
            return risk

    def suggestions(self, case_id: int) -> tuple[str, ...]:
        """Replies drawn from this review's own content."""
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._review(repo, case_id)
            shop = ShopRepository(s).first()
            products = {p.title: p for p in OrderRepository(s).products(self.shop_id)}
            customer = CustomerRepository(s).get(case.customer_id)
        d = case.details
        assert isinstance(d, ReviewDetails)
        product = products.get(d.product_title)
        return suggest_replies(
            ReviewContext(
                rating=d.rating,
                text=d.text,
                nick=customer.nick if customer else case.customer_nick,
                product=short_product(d.product_title),
                spec=d.product_spec,
                material=product.material if product else "",
                images=d.images,
                shop=shop.name if shop else "",
            )
        )

    def reply(self, case_id: int, text: str, actor: str) -> Case:
        """Post the shop's public reply; a good or neutral review waiting for one becomes 已回复."""
        text = clean_text(text)
        if not text:
            raise DomainError("review.reply_empty", field="reply")
        if len(text) > MAX_REPLY_LENGTH:
            raise DomainError("review.reply_too_long", field="reply", limit=MAX_REPLY_LENGTH, length=len(text))
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._review(repo, case_id)
            d = case.details
            assert isinstance(d, ReviewDetails)
            changes: dict[str, Any] = {"details": replace(d, reply=text, replied_at=now)}
            moves = case.state is CaseState.PENDING and d.rating is not Rating.BAD
            if moves:
                changes["state"] = CaseState.REPLIED
            updated = repo.update(case_id, now, **changes)
            repo.add_event(
                case_id,
                now,
                EventAction.REPLY,
                text,
                actor,
                from_state=case.state if moves else None,
                to_state=CaseState.REPLIED if moves else None,
            )
            self.db.notify(s, Topic.CASES, case_id)
            return updated

    def _review(self, repo: AftersalesRepository, case_id: int) -> Case:
        case = repo.get(case_id)
        if case is None:
            raise DomainError("case.missing")
        if case.kind is not CaseKind.REVIEW:
            raise DomainError("case.wrong_kind", kind=case.kind.value)
        return case


def add_review(
    s: Any, shop_id: int, customer_id: int, order_no: str, rating: Rating, text: str, images: int, at: datetime
) -> Case:
    """Store a review as a case in 待处理 (used by the service and by the demo seeding)."""
    order = OrderRepository(s).by_number(order_no) if order_no else None
    item = order.items[0] if order is not None and order.items else None
    details = ReviewDetails(
        rating=rating,
        text=text.strip(),
        product_title=item.title if item else "",
        product_spec=f"{item.color}/{item.size}" if item else "",
        images=images,
    )
    repo = AftersalesRepository(s)
    case = repo.add(
        shop_id,
        kind=CaseKind.REVIEW,
        subtype=rating.value,
        state=CaseState.PENDING,
        customer_id=customer_id,
        order_no=order_no,
        conversation_id=None,
        summary=summary_line(text),
        description=text.strip(),
        amount_cents=0,
        details=details,
        at=at,
        actor="",
    )
    repo.add_event(case.id, at, EventAction.CREATED, text.strip(), "", to_state=CaseState.PENDING)
    return case


# -- the reviews simulated buyers write ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfessionalScript:
    """A 职业差评师 as the program can know one: a new account with a thin record and many bad
    reviews elsewhere, a small order, and the same vague, emotional text each time."""

    texts: tuple[str, ...]
    nicks: tuple[str, ...]
    credit_levels: tuple[str, ...]
    account_age_days: tuple[int, int]
    bad_reviews_elsewhere: tuple[int, int]
    order_age_days: tuple[int, int]


@dataclass(frozen=True, slots=True)
class ReviewScript:
    """What simulated buyers write (`workbench/assets/simulator/reviews.json`)."""

    mix: tuple[tuple[str, float], ...]  # (kind, weight) for kind in REVIEW_KINDS
    good_parts: tuple[tuple[str, ...], ...]  # aspect → lines (one aspect a line at most)
    good_parts_per_review: tuple[int, int]
    good_endings: tuple[str, ...]
    good_images: tuple[int, ...]
    neutral_openings: tuple[str, ...]
    neutral_problems: tuple[tuple[str, ...], ...]  # situation (色差, 物流慢…) → lines
    neutral_endings: tuple[str, ...]
    neutral_images: tuple[int, ...]
    bad_problems: tuple[tuple[str, ...], ...]
    bad_endings: tuple[str, ...]
    bad_images: tuple[int, ...]
    professional: ProfessionalScript


@dataclass(frozen=True, slots=True)
class ComposedReview:
    rating: Rating
    text: str
    images: int


def review_script_file() -> Traversable:
    return resources.files("workbench.assets") / "simulator" / "reviews.json"


@cache
def load_review_script(path: Traversable | None = None) -> ReviewScript:
    """Read and check the review texts; ValueError names the file and the key at fault."""
    entry = path or review_script_file()
    where = entry.name
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{where}: {exc}") from exc
    return parse_review_script(data, where)


def parse_review_script(data: Any, where: str = "reviews.json") -> ReviewScript:
    def obj(value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: '{key}' must be an object")
        return value

    def lines(value: Any, key: str, *, blank: bool = False) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: '{key}' must be a non-empty list of texts")
        for text in value:
            if not text.strip() and not blank:
                raise ValueError(f"{where}: '{key}' has a blank text")
            unknown = [n for n in _PLACEHOLDER.findall(text) if n not in PLACEHOLDERS]
            if unknown or text.count("{") != text.count("}"):
                raise ValueError(f"{where}: '{key}': bad placeholder in {text!r}")
        return tuple(value)

    def numbers(value: Any, key: str) -> tuple[int, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(v, int) and v >= 0 for v in value):
            raise ValueError(f"{where}: '{key}' must be a non-empty list of whole numbers >= 0")
        return tuple(value)

    def span(value: Any, key: str) -> tuple[int, int]:
        got = numbers(value, key)
        if len(got) != 2 or got[0] > got[1]:
            raise ValueError(f"{where}: '{key}' must be [low, high]")
        return got[0], got[1]

    def groups(value: Any, key: str) -> tuple[tuple[str, ...], ...]:
        found = obj(value, key)
        if not found:
            raise ValueError(f"{where}: '{key}' is empty")
        return tuple(lines(v, f"{key}.{name}") for name, v in found.items())

    root = obj(data, "(file)")
    mix = obj(root.get("mix"), "mix")
    if set(mix) != set(REVIEW_KINDS) or not all(isinstance(w, int | float) and w >= 0 for w in mix.values()):
        raise ValueError(f"{where}: 'mix' must give a weight >= 0 to each of {', '.join(REVIEW_KINDS)}")
    if not sum(mix.values()) > 0:
        raise ValueError(f"{where}: 'mix' weights are all zero")
    good = obj(root.get("good"), "good")
    neutral = obj(root.get("neutral"), "neutral")
    bad = obj(root.get("bad"), "bad")
    pro = obj(root.get("professional"), "professional")
    per_review = span(good.get("parts_per_review"), "good.parts_per_review")
    if per_review[0] < 1:
        raise ValueError(f"{where}: 'good.parts_per_review' starts at 1")
    return ReviewScript(
        mix=tuple((k, float(mix[k])) for k in REVIEW_KINDS),
        good_parts=groups(good.get("parts"), "good.parts"),
        good_parts_per_review=per_review,
        good_endings=lines(good.get("endings"), "good.endings", blank=True),
        good_images=numbers(good.get("images"), "good.images"),
        neutral_openings=lines(neutral.get("openings"), "neutral.openings"),
        neutral_problems=groups(neutral.get("problems"), "neutral.problems"),
        neutral_endings=lines(neutral.get("endings"), "neutral.endings", blank=True),
        neutral_images=numbers(neutral.get("images"), "neutral.images"),
        bad_problems=groups(bad.get("problems"), "bad.problems"),
        bad_endings=lines(bad.get("endings"), "bad.endings", blank=True),
        bad_images=numbers(bad.get("images"), "bad.images"),
        professional=ProfessionalScript(
            texts=lines(pro.get("texts"), "professional.texts"),
            nicks=lines(pro.get("nicks"), "professional.nicks"),
            credit_levels=lines(pro.get("credit_levels"), "professional.credit_levels"),
            account_age_days=span(pro.get("account_age_days"), "professional.account_age_days"),
            bad_reviews_elsewhere=span(pro.get("bad_reviews_elsewhere"), "professional.bad_reviews_elsewhere"),
            order_age_days=span(pro.get("order_age_days"), "professional.order_age_days"),
        ),
    )


def review_kind(script: ReviewScript, rng: random.Random) -> str:
    """Who writes the next review: "good", "neutral", "bad" or "professional" (by the mix)."""
    return rng.choices([k for k, _ in script.mix], weights=[w for _, w in script.mix])[0]


def compose_review(script: ReviewScript, kind: str, rng: random.Random, values: Mapping[str, str]) -> ComposedReview:
    """A review of `kind` about one order; `values` fill {商品} {颜色} {尺码} {快递}.

    Reviews are put together from parts, so two buyers rarely write the same sentence; ordinary
    bad reviews always say what went wrong (a 职业差评师's never do)."""

    def usable(options: tuple[str, ...]) -> list[str]:
        return [o for o in options if all(values.get(n, "").strip() for n in _PLACEHOLDER.findall(o))]

    def pick(options: tuple[str, ...]) -> str:
        found = usable(options)
        return _fill(rng.choice(found), values) if found else ""

    def joined(*parts: str) -> str:
        return "，".join(p for p in parts if p)

    if kind == "good":
        low, high = script.good_parts_per_review
        aspects = rng.sample(script.good_parts, min(rng.randint(low, high), len(script.good_parts)))
        text = joined(*(pick(a) for a in aspects), pick(script.good_endings))
        return ComposedReview(Rating.GOOD, text or "很满意", rng.choice(script.good_images))
    if kind == "neutral":
        problem = pick(rng.choice(script.neutral_problems))
        text = joined(pick(script.neutral_openings), problem, pick(script.neutral_endings))
        return ComposedReview(Rating.NEUTRAL, text, rng.choice(script.neutral_images))
    if kind == "bad":
        # Only situations this order can fill (an item without a colour has no 色差 line).
        situations = [g for g in script.bad_problems if usable(g)] or list(script.bad_problems)
        problem = pick(rng.choice(situations))
        return ComposedReview(Rating.BAD, joined(problem, pick(script.bad_endings)), rng.choice(script.bad_images))
    if kind == "professional":
        return ComposedReview(Rating.BAD, pick(script.professional.texts), 0)
    raise ValueError(f"unknown review kind {kind!r}")


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
