"""Scripted buyers: a channel source that says given lines at given times, for the full-auto benchmark
and tests.

It stands where the scenario `Simulator` stands in a `SimulatedChannel` (`build_channel(..., source=)`),
so everything after it (the channel, the reception bot, the database) is the program's own path. It
does not react to replies (its lines are fixed in advance); it notes when each buyer's reply arrived,
which is after the channel stored it.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from workbench.channels.scenarios import Scenario
from workbench.channels.simulator import CardClick, CustomerArrived, CustomerSaid, SimEvent, Simulator

SCRIPTED = "scripted"  # the scenario id of a scripted buyer's chat


class ScriptedBuyers(Simulator):
    """Buyers who arrive (`arrive`) and say lines at given times (`say`, in the caller's monotonic
    seconds). `tick(now)` hands over whatever is due, in order. `replies[visitor]` collects
    (text, when) for each reply the channel passed back, `when` read from `clock` at that moment."""

    def __init__(
        self,
        scenarios: Sequence[Scenario],
        *,
        clock: Callable[[], float] = time.perf_counter,
        per_tick: int = 0,
    ) -> None:
        """`per_tick`: at most this many events per tick (0: all that are due), as a channel that takes
        in what arrived in bursts; `taken[visitor]` notes when each line was handed over."""
        super().__init__(scenarios, arrivals_per_minute=0.0)
        self.clock = clock
        self.per_tick = per_tick
        self.taken: dict[str, deque[float]] = {}
        self._due: list[tuple[float, int, SimEvent]] = []
        self._order = itertools.count()
        self._buyers: set[str] = set()
        self.replies: dict[str, deque[tuple[str, float]]] = {}

    def arrive(self, visitor_id: str, customer_id: int, at: float = 0.0) -> None:
        """A buyer (the shop's customer `customer_id`) comes in at `at`."""
        context: Mapping[str, str] = {"customer_id": str(customer_id)}
        self._schedule(at, CustomerArrived(visitor_id, SCRIPTED, SCRIPTED, context, at))

    def say(self, visitor_id: str, text: str, at: float = 0.0) -> None:
        """The buyer sends `text` at `at`."""
        self._schedule(at, CustomerSaid(visitor_id, text, at))

    def _schedule(self, at: float, event: SimEvent) -> None:
        heapq.heappush(self._due, (at, next(self._order), event))

    @property
    def pending(self) -> int:
        """Events not handed over yet."""
        return len(self._due)

    def tick(self, now: float) -> list[SimEvent]:
        out: list[SimEvent] = []
        taken_at = self.clock()
        while self._due and self._due[0][0] <= now and (not self.per_tick or len(out) < self.per_tick):
            event = heapq.heappop(self._due)[2]
            if isinstance(event, CustomerArrived):
                self._buyers.add(event.visitor_id)
            else:
                self.taken.setdefault(event.visitor_id, deque()).append(taken_at)
            out.append(event)
        return out

    def agent_replied(self, visitor_id: str, text: str, now: float) -> bool:
        if visitor_id not in self._buyers or not text.strip():
            return False
        self.replies.setdefault(visitor_id, deque()).append((text, self.clock()))
        return True

    def card_shown(
        self, visitor_id: str, questions: Sequence[str], now: float, *, own: int | None = None
    ) -> CardClick | None:
        return None  # scripted buyers type their own lines

    def remove_visitor(self, visitor_id: str) -> bool:
        if visitor_id not in self._buyers:
            return False
        self._buyers.discard(visitor_id)
        return True

    def start_visitor(
        self, now: float, scenario_id: str | None = None, context: Mapping[str, str] | None = None
    ) -> str:
        raise NotImplementedError("scripted buyers come by `arrive`")

    def opening_of(self, visitor_id: str) -> tuple[str, ...]:
        return ()
