"""The students' own shops on a PostgreSQL class server, as the class sees them.

On a class server every student works in a shop of their own (a schema of the class database, made
at their first login: `workbench.composition.open_sandbox`), so 店小蜜, the knowledge base, auto
messages and customer management are each student's own. The teacher checks each student's exercise
in that student's shop and drills down into its configuration and chats; `StudentShops` opens them,
after checking in the class schema that the actor may: a student their own shop only, whoever may
grade (Permission.GRADE) anybody's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from workbench.domain.conversations import Conversation, Message
from workbench.domain.exercises import ExerciseResult
from workbench.domain.identity import Actor, Permission
from workbench.services.access import require
from workbench.services.exercises import ExerciseService
from workbench.services.reception import ReceptionService
from workbench.storage.db import Database


@dataclass(eq=False)
class StudentShop:
    """One student's own shop, open for reading: its database handle (inside the student's schema),
    the student's seat there (the shop's owner) and the services a check and a drill-down read."""

    schema: str
    db: Database
    shop_id: int
    seat_id: int
    exercises: ExerciseService
    reception: ReceptionService

    def close(self) -> None:
        self.db.dispose()


# Opens a student's shop by their class account id; None while they have none (never logged in).
ShopOpener = Callable[[int], StudentShop | None]


class StudentShops:
    """The class's students' own shops, opened on demand and kept open until `close`."""

    def __init__(self, class_db: Database, actor: Actor, opener: ShopOpener) -> None:
        self.class_db = class_db
        self.actor = actor
        self.opener = opener
        self._open: dict[int, StudentShop] = {}
        self._lock = threading.Lock()

    def shop_of(self, agent_id: int) -> StudentShop | None:
        """The student `agent_id`'s own shop (None: they have not logged in yet). Only the student
        themself, or who may grade, opens it: DomainError ``permission.denied`` otherwise."""
        if self.actor.user_id != agent_id:
            with self.class_db.session() as s:
                require(s, self.actor, Permission.GRADE)
        with self._lock:
            found = self._open.get(agent_id)
            if found is None:
                found = self.opener(agent_id)
                if found is not None:
                    self._open[agent_id] = found
            return found

    def check(
        self, exercise_id: str, agent_id: int, *, quiz_answers: dict[str, tuple[int, ...]] | None = None
    ) -> ExerciseResult | None:
        """The program's check of the exercise in the student's own shop (None: no shop yet)."""
        shop = self.shop_of(agent_id)
        if shop is None:
            return None
        return shop.exercises.check(exercise_id, shop.seat_id, quiz_answers=quiz_answers)

    def chats(self, agent_id: int) -> list[Conversation]:
        """The chats of the student's seat in their shop (none without a shop)."""
        shop = self.shop_of(agent_id)
        if shop is None:
            return []
        lists = shop.reception.lists()
        return [c for c in (*lists.active, *lists.waiting, *lists.ended) if c.agent_id == shop.seat_id]

    def messages(self, agent_id: int, conversation_id: int) -> list[Message]:
        shop = self.shop_of(agent_id)
        return shop.reception.messages(conversation_id) if shop is not None else []

    def close(self) -> None:
        with self._lock:
            for shop in self._open.values():
                shop.close()
            self._open.clear()


NO_SHOP = "还没有登录过：没有自己的店铺 ✗"
