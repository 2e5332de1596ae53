"""评价管理: reviews as cases of kind ``review`` — reply, the negative-review workflow, the risk score.

The negative-review workflow (联系买家 → 解决 → 回访) and the appeal go through
:meth:`AftersalesService.transition`; this service adds what only reviews have.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
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
from workbench.services.clock import Clock, system_clock
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository, CaseFilter
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

NEGATIVE = (Rating.BAD.value, Rating.NEUTRAL.value)


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
            return add_review(s, self.shop_id, customer_id, order_no, rating, text, images, at)

    def find(self, rating: Rating | None = None, state: CaseState | None = None, query: str = "") -> list[Case]:
        f = CaseFilter(
            query=query,
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
