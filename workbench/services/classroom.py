"""Classroom labs (实训): lab control, the 互测 / 教师检测 marks, 课后作业 answers, the class roster and the
per-exercise reset.

Who may do what (checked here on every call, in the transaction that does the work):
- starting, stopping and resetting a lab changes what the whole shop (the class) sees: it needs
  Permission.SUPERVISE (the teacher on a shared server; the owner, i.e. the student, on a single seat);
- the 教师检测 column, and so the teacher's rubric items (非技术考评: 态度, 纪律, 协作, 文明), need
  Permission.GRADE (teacher, owner). A classmate enters 学生互测 for another student, never for themself;
- quiz answers are saved by the student themself (or by whoever may grade).

The reset of one exercise (`reset`) puts back only what that exercise asks students to change (see
`lab_areas`), in one transaction, and leaves the rest of the shop as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from workbench.domain.errors import DomainError
from workbench.domain.exercises import (
    MAX_MARK,
    Exercise,
    ExerciseResult,
    ItemKind,
    ItemResult,
    LabArea,
    MarkColumn,
    lab_areas,
)
from workbench.domain.identity import Actor, Permission, Role, denied
from workbench.domain.shops import Agent
from workbench.services.access import current_role, require
from workbench.services.clock import Clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.classroom import ClassroomRepository, QuizAnswer
from workbench.storage.repositories.lab_reset import LabResetRepository
from workbench.storage.repositories.shops import ShopRepository

CLASS_KEY_SETTING = "class_key"  # the class server's shop setting with the class key
MAX_CLASS_KEY = 200

PENDING_TEACHER = "待教师评定"  # ExerciseService.check's `why` for an item the teacher marks
PASS_SHARE = 0.6  # a teacher's mark passes at 60% of the item's points (及格)


# Puts the demo's content back into the areas just cleared, in the reset's session (the demo package
# lives above the services: the composition root hands its restorer in).
Restorer = Callable[[Session, int, frozenset[LabArea], datetime], None]


class ClassKeyStore(Protocol):
    """Where a PC without a class server keeps the class key (the system keyring)."""

    def load(self) -> str | None: ...

    def save(self, key: str | None) -> None: ...


class ClassroomService:
    def __init__(
        self,
        db: Database,
        shop_id: int,
        clock: Clock,
        *,
        actor: Actor,
        restorer: Restorer | None = None,
        kb_reloaded: Callable[[], None] | None = None,
        local_key: ClassKeyStore | None = None,
    ) -> None:
        """`restorer` writes the demo's content back after a reset (None: the areas are only cleared);
        `kb_reloaded` is told when a reset replaced the knowledge base, so this desk's live matcher
        reads it again (other desks hear it as a remote KB change)."""
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor
        self.restorer = restorer
        self.kb_reloaded = kb_reloaded
        self.local_key = local_key

    # -- lab control ------------------------------------------------------------------------------

    def start(self, exercise_id: str) -> None:
        """Start the exercise's lab: the simulator may send its buyers from now on."""
        with self.db.session() as s:
            require(s, self.actor, Permission.SUPERVISE)
            ClassroomRepository(s).start(self.shop_id, exercise_id, self._actor_id(), self.clock())
            self.db.notify(s, Topic.BOT)

    def stop(self, exercise_id: str) -> None:
        with self.db.session() as s:
            require(s, self.actor, Permission.SUPERVISE)
            ClassroomRepository(s).stop(self.shop_id, exercise_id)
            self.db.notify(s, Topic.BOT)

    def started(self, exercise_id: str) -> datetime | None:
        """When the exercise's lab was started, or None while it is not running."""
        with self.db.session() as s:
            return ClassroomRepository(s).started(self.shop_id, exercise_id)

    def running(self) -> dict[str, datetime]:
        """The shop's running labs: exercise id → started."""
        with self.db.session() as s:
            return ClassroomRepository(s).running(self.shop_id)

    def reset(self, exercise: Exercise) -> None:
        """Put back what `exercise` has students change (`lab_areas`), all in one transaction, and stop
        its lab; the students' quiz answers for it are forgotten, the marks kept. The rest of the shop
        (other exercises' areas, customers, orders, accounts) is left alone."""
        areas = lab_areas(exercise)
        with self.db.session() as s:
            require(s, self.actor, Permission.SUPERVISE)
            classroom = ClassroomRepository(s)
            since = classroom.since(self.shop_id, exercise.id)
            LabResetRepository(s).clear(self.shop_id, areas, since, self.clock())
            if self.restorer is not None:
                self.restorer(s, self.shop_id, areas, self.clock())
            classroom.mark_reset(self.shop_id, exercise.id, self.clock())
            classroom.delete_work(exercise.id, [a.id for a in AccountRepository(s).users(self.shop_id)])
            for topic in (Topic.BOT, Topic.KB, Topic.CUSTOMERS, Topic.CONVERSATIONS, Topic.CASES):
                self.db.notify(s, topic)
        if LabArea.KB in areas and self.kb_reloaded is not None:
            self.kb_reloaded()

    # -- the class key ------------------------------------------------------------------------------

    def class_key(self) -> str | None:
        """The class key that signs the class's submission files (None: none set). On a class server
        it is the class database's (every student reads it there); on a PC without one, the one the
        teacher gave, kept in the keyring (`local_key`)."""
        if self.local_key is not None:
            return self.local_key.load() or None
        with self.db.session() as s:
            value = ShopRepository(s).settings(self.shop_id).get(CLASS_KEY_SETTING)
        return str(value) if value else None

    def set_class_key(self, key: str) -> None:
        """Set (an empty `key`: clear) the class key; needs Permission.GRADE (the teacher; the owner on a
        single seat, who keeps the key the teacher gave)."""
        key = key.strip()
        if len(key) > MAX_CLASS_KEY:
            raise DomainError("exercise.class_key_too_long", field="class_key", limit=MAX_CLASS_KEY)
        with self.db.session() as s:
            require(s, self.actor, Permission.GRADE)
            if self.local_key is None:
                ShopRepository(s).merge_settings(self.shop_id, {CLASS_KEY_SETTING: key or None})
        if self.local_key is not None:
            self.local_key.save(key or None)

    # -- marks ------------------------------------------------------------------------------------

    def save_mark(self, exercise_id: str, agent_id: int, item_id: str, column: MarkColumn, points: int) -> None:
        """A 学生互测 (PEER) or 教师检测 (TEACHER) mark for a student's rubric item. The teacher's column
        needs Permission.GRADE; a peer mark is for another student, never one's own."""
        if not 0 <= points <= MAX_MARK:
            raise DomainError("exercise.mark_range", field="points", limit=MAX_MARK)
        with self.db.session() as s:
            if column is MarkColumn.TEACHER:
                require(s, self.actor, Permission.GRADE)
            else:
                role = current_role(s, self.actor)
                if role is None or (self.actor.user_id == agent_id and role is Role.STUDENT):
                    raise denied(Permission.GRADE, role)
            self._need_user(s, agent_id)
            ClassroomRepository(s).save_mark(
                exercise_id, agent_id, item_id, column, points, self._actor_id(), self.clock()
            )

    def marks(self, exercise_id: str, agent_id: int) -> dict[tuple[str, MarkColumn], int]:
        """The marks entered for a student: (item id, column) → points."""
        with self.db.session() as s:
            self._may_read(s, agent_id)
            return ClassroomRepository(s).marks(exercise_id, agent_id)

    # -- quiz -------------------------------------------------------------------------------------

    def save_quiz_answers(self, exercise_id: str, agent_id: int, answers: Mapping[str, QuizAnswer]) -> None:
        """The student's 课后作业 answers (chosen indices, or an open answer's text); others stay."""
        with self.db.session() as s:
            self._may_read(s, agent_id)
            self._need_user(s, agent_id)
            ClassroomRepository(s).save_answers(exercise_id, agent_id, answers, self.clock())

    def quiz_answers(self, exercise_id: str, agent_id: int) -> dict[str, QuizAnswer]:
        with self.db.session() as s:
            self._may_read(s, agent_id)
            return ClassroomRepository(s).answers(exercise_id, agent_id)

    # -- the class --------------------------------------------------------------------------------

    def students(self) -> list[Agent]:
        """The class: the shop's students; on a single seat (no students) the owner, who practises."""
        with self.db.session() as s:
            users = AccountRepository(s).users(self.shop_id)
        students = [u for u in users if u.role is Role.STUDENT]
        return students or [u for u in users if u.role is Role.OWNER]

    def complete(self, result: ExerciseResult, agent_id: int, exercise: Exercise | None = None) -> ExerciseResult:
        """`result` with the teacher's items (非技术考评) filled from the 教师检测 marks. The teacher's items
        are the exercise's TEACHER items when `exercise` is given, else those the check left "待教师评定"."""
        teacher_items = (
            {i.id for i in exercise.rubric if i.kind is ItemKind.TEACHER}
            if exercise is not None
            else {i.id for i in result.items if i.why == PENDING_TEACHER}
        )
        marks = self.marks(result.exercise, agent_id)
        items = tuple(
            _teacher_item(item, marks.get((item.id, MarkColumn.TEACHER))) if item.id in teacher_items else item
            for item in result.items
        )
        return ExerciseResult(result.exercise, items, result.checked_at)

    # -- helpers ----------------------------------------------------------------------------------

    def _actor_id(self) -> int | None:
        return None if self.actor.is_program else self.actor.user_id

    def _may_read(self, s: Session, agent_id: int) -> None:
        """A student's own work, or anybody's for who may grade."""
        if self.actor.user_id != agent_id:
            require(s, self.actor, Permission.GRADE)

    def _need_user(self, s: Session, agent_id: int) -> None:
        user = AccountRepository(s).user(agent_id)
        if user is None or user.shop_id != self.shop_id:
            raise DomainError("account.missing", username=str(agent_id))


def _teacher_item(item: ItemResult, mark: int | None) -> ItemResult:
    if mark is None:
        return item
    points = min(mark, item.max)
    return ItemResult(
        item.id,
        item.title,
        points,
        item.max,
        passed=points >= item.max * PASS_SHARE,
        why=f"教师评定 {points}/{item.max}",
        evidence=item.evidence,
    )
