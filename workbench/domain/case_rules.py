"""After-sales case rules that follow a case through its workflow: what a transition changes in
the details, the date the shop must act by, and how a reminder is named.

Pure functions of domain values: the after-sales service and the demo seeding both use them, so a
case moves on the same way whoever moves it. The workflows themselves (which transitions exist,
what each needs) live in :mod:`workbench.domain.aftersales`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from workbench.domain.aftersales import (
    FINAL_STATES,
    SERVICE_KINDS,
    AftersalesPolicy,
    AppealRecord,
    AppealState,
    Case,
    CaseKind,
    CaseState,
    ComplaintDetails,
    DisputeDetails,
    HandlingStep,
    HandlingStepKind,
    PlatformState,
    ReviewDetails,
    ServiceDetails,
    TransitionInput,
)
from workbench.domain.complaints import default_deadlines

REVIEW_FOLLOW_UP = timedelta(days=3)  # a resolved negative review is followed up this long after


def case_due_at(
    kind: CaseKind, state: CaseState, details: Any, created: datetime, policy: AftersalesPolicy
) -> datetime | None:
    """The next date the shop must act by: the review time limit of a request, a complaint's or a
    review's follow-up, a dispute's nearest open deadline; None once the case is closed."""
    if state in FINAL_STATES:
        return None
    if kind in SERVICE_KINDS:
        if state in (CaseState.REQUESTED, CaseState.REVIEWING):
            return created + timedelta(hours=policy.refund_review_hours)
        return None
    if isinstance(details, ComplaintDetails):
        follow = details.step(HandlingStepKind.FOLLOW_UP)
        return None if follow.done else details.follow_up_at
    if isinstance(details, DisputeDetails):
        nxt = details.next_deadline()
        return nxt.due_at if nxt else None
    if isinstance(details, ReviewDetails):
        return details.follow_up_at if state is CaseState.RESOLVED else None
    return None


def apply_transition(case: Case, to: CaseState, data: TransitionInput, now: datetime) -> Any:
    """The case's details after moving to `to`."""
    d = case.details
    if isinstance(d, ServiceDetails):
        if to is CaseState.RETURN_SHIPPED:
            return replace(d, return_carrier=data.carrier, return_tracking_no=data.tracking_no)
        if to in (CaseState.REPLACEMENT_SHIPPED, CaseState.REPAIRED_SHIPPED):
            return replace(d, outbound_carrier=data.carrier, outbound_tracking_no=data.tracking_no)
        if to is CaseState.REFUNDED:
            return replace(d, refunded_cents=data.amount_cents or 0)
        if to is CaseState.QUOTED:
            return replace(d, repair_fee_cents=data.amount_cents or 0)
        return d
    if isinstance(d, ComplaintDetails):
        if to is CaseState.HANDLING and not d.step(HandlingStepKind.LISTEN).done:
            return replace(d, steps=_tick(d.steps, HandlingStepKind.LISTEN, "", now))
        if to is CaseState.RESOLVED:
            return replace(d, steps=_tick(d.steps, HandlingStepKind.SOLUTION, data.reason, now))
        if to is CaseState.APPEALING:
            return replace(d, appeal=_submitted(d.appeal, data.reason, now))
        if to is CaseState.COMPLETED and d.follow_up_at is not None:
            return replace(d, steps=_tick(d.steps, HandlingStepKind.FOLLOW_UP, "", now))
        return d
    if isinstance(d, DisputeDetails):
        deadlines = d.deadlines
        if to is CaseState.PLATFORM:
            if not any(not x.done for x in deadlines):
                deadlines = (*deadlines, *default_deadlines(PlatformState.INTERVENED, now))
            return replace(d, platform=PlatformState.INTERVENED, deadlines=deadlines)
        if to is CaseState.EVIDENCE_SUBMITTED:
            return replace(
                d,
                platform=PlatformState.EVIDENCE_SUBMITTED,
                deadlines=tuple(replace(x, done=True) if "举证" in x.label else x for x in deadlines),
            )
        if to in (CaseState.AGREED, CaseState.RULED):
            return replace(d, agreed=data.reason, deadlines=deadlines)
        if to is CaseState.APPEALING:
            return replace(d, appeal=_submitted(d.appeal, data.reason, now))
        if to in FINAL_STATES:
            return replace(d, deadlines=tuple(replace(x, done=True) for x in deadlines))
        return d
    if isinstance(d, ReviewDetails):
        if to is CaseState.RESOLVED:
            return replace(d, follow_up_at=now + REVIEW_FOLLOW_UP)
        if to is CaseState.APPEALING:
            return replace(d, appeal=_submitted(d.appeal, data.reason, now))
        if to is CaseState.APPEAL_UPHELD:
            return replace(d, appeal=replace(d.appeal, state=AppealState.UPHELD))
        if to is CaseState.APPEAL_REJECTED:
            return replace(d, appeal=replace(d.appeal, state=AppealState.REJECTED))
        return d
    return d  # pragma: no cover - every kind has details


def _tick(steps: Iterable[HandlingStep], kind: HandlingStepKind, note: str, now: datetime) -> tuple[HandlingStep, ...]:
    by_kind = {s.step: s for s in steps}
    old = by_kind.get(kind, HandlingStep(kind))
    by_kind[kind] = HandlingStep(kind, True, note or old.note, old.at or now)
    return tuple(by_kind.get(k, HandlingStep(k)) for k in HandlingStepKind)


def _submitted(appeal: AppealRecord, reason: str, now: datetime) -> AppealRecord:
    return replace(
        appeal, state=AppealState.SUBMITTED, submitted_at=appeal.submitted_at or now, note=appeal.note or reason
    )


FOLLOW_UP_LABEL = "回访"
REVIEW_DEADLINE_LABEL = "审核时限"
"""The labels of the reminders named here (the UI translates them); a dispute's reminders carry the
label of its deadline instead."""


def due_label(case: Case) -> str:
    """What a reminder of the case's due date is called."""
    d = case.details
    if isinstance(d, DisputeDetails) and (nxt := d.next_deadline()) is not None:
        return nxt.label
    if isinstance(d, ComplaintDetails | ReviewDetails):
        return FOLLOW_UP_LABEL
    return REVIEW_DEADLINE_LABEL
