"""A headless desk that writes all the time, for the kill -9 test (`test_kill_reliability.py`).

    python tests/integration/desk_writer.py DATABASE_URL SEED

Opens the workspace (seeding the demo shop into an empty database), then loops: simulated customers
arrive, talk and leave; the agent answers and ends chats; notes go to after-sales cases and customer
profiles. Each write is acknowledged on stdout *after* its commit, one line each: `chat ID`, `msg ID`,
`event ID` or `note ID`. `ready` says the workspace is open. It runs until it is killed.
"""

from __future__ import annotations

import random
import sys

from workbench.composition import build_channel, open_workspace
from workbench.domain.errors import DomainError
from workbench.storage.repositories.aftersales import CaseFilter


def ack(kind: str, key: int) -> None:
    sys.stdout.write(f"{kind} {key}\n")
    sys.stdout.flush()


def main(url: str, seed: int) -> None:
    ws = open_workspace(url)
    rng = random.Random(seed)
    t = [0.0]
    channel = build_channel(ws, rate_per_min=120.0, speed=8.0, seed=seed)
    channel.monotonic = lambda: t[0]
    cases = [c.id for c in ws.aftersales.search(CaseFilter(), limit=40).cases]
    customers = sorted({o.customer_id for o, _ in ws.orders.page(limit=50).rows})
    open_chats: list[int] = []
    ack("ready", 0)
    for i in range(1_000_000):
        t[0] += 1.0
        updates = channel.spawn() if i % 3 == 0 else channel.tick()
        for update in updates:
            if update.arrived:
                ack("chat", update.conversation_id)
                open_chats.append(update.conversation_id)
            for message in update.messages:
                ack("msg", message.id)
            if update.left and update.conversation_id in open_chats:
                open_chats.remove(update.conversation_id)
        if open_chats:
            conv_id = rng.choice(open_chats)
            try:
                if rng.random() < 0.1:
                    note = ws.reception.end_with_note(conv_id, "客服已结束会话", "agent")
                    channel.forget(conv_id)
                    open_chats.remove(conv_id)
                    ack("msg", note.id)
                else:
                    reply = ws.reception.agent_sends(conv_id, ws.agent.id, f"亲，第 {i} 条回复～")
                    channel.agent_replied(conv_id, reply.text)
                    ack("msg", reply.id)
            except DomainError:  # the customer ended it meanwhile
                open_chats.remove(conv_id)
        if cases:
            event = ws.aftersales.add_note(rng.choice(cases), f"跟进记录 {i}", "测试")
            ack("event", event.id)
        if customers:
            notes = ws.customers.add_note(rng.choice(customers), f"备注 {i}", "测试")
            ack("note", max(n.id for n in notes))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
