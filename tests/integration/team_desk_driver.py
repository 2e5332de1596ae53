"""A headless desk for the team tests: `python -m tests.integration.team_desk_driver URL AGENT`.

It opens the workspace as a desk on a server does (`open_workspace(live=True)`: listener, heartbeat,
presence timings from the environment as `workbench --db URL` reads them) and works from commands on
stdin, one per line, answering on stdout:

    buyer TEXT          a buyer arrives and writes TEXT          → "buyer <conversation id>"
    mine TEXT           a buyer writes TEXT, assigned to me      → "mine <conversation id>"
    serve TEXT REPLY    a buyer writes, I accept and reply       → "serve <conversation id> <message id>"
    transfer AGENT TEXT NOTE
                        a buyer writes TEXT, I accept, answer and hand the chat (转交) to the agent with
                        id AGENT with NOTE     → "transfer <conversation id> <still on my lists: 0 or 1>"
    reply ID TEXT       I accept chat ID and type TEXT           → "reply <message id>"
    race SECONDS        for SECONDS, accept every buyer waiting in my 待接待 as soon as a change is
                        heard (racing the other desks) and greet the ones I got
                                                                 → "race <conversation ids, comma-separated>"
    quit                close the desk normally

"ready <agent id>" is printed once the desk is open.
"""

from __future__ import annotations

import sys
import threading
import time

from workbench.composition import open_workspace, presence_timings
from workbench.domain.conversations import ConversationState
from workbench.domain.errors import DomainError
from workbench.services.notifications import Change, Topic
from workbench.services.workspace import Workspace


def main(url: str, agent: str) -> int:
    offline_after_s, heartbeat_s = presence_timings()
    ws = open_workspace(url, username=agent, live=True, offline_after_s=offline_after_s, heartbeat_s=heartbeat_s)
    customers = iter(row[0].customer_id for row in ws.orders.page(limit=200).rows)
    used: set[int] = set()

    def arrive(text: str) -> int:
        customer_id = next(c for c in customers if c not in used)
        used.add(customer_id)
        conv = ws.reception.customer_arrives(customer_id)
        ws.reception.customer_says(conv.id, text)
        return conv.id

    print(f"ready {ws.agent.id}", flush=True)
    try:
        for line in sys.stdin:
            command, _, rest = line.strip().partition(" ")
            if command == "buyer":
                print(f"buyer {arrive(rest)}", flush=True)
            elif command == "mine":
                conv_id = arrive(rest)
                assert ws.routing.assign(conv_id, ws.agent.id)
                print(f"mine {conv_id}", flush=True)
            elif command == "serve":
                text, _, reply = rest.partition(" ")
                conv_id = arrive(text)
                ws.reception.accept(conv_id, ws.agent.id)
                message = ws.reception.agent_sends(conv_id, ws.agent.id, reply)
                print(f"serve {conv_id} {message.id}", flush=True)
            elif command == "transfer":
                to_agent, text, note = rest.split(" ", 2)
                conv_id = arrive(text)
                ws.reception.accept(conv_id, ws.agent.id)
                ws.reception.agent_sends(conv_id, ws.agent.id, "好的亲，我帮您核实一下")
                ws.reception.transfer_to_agent(conv_id, int(to_agent), note)
                lists = ws.reception.desk_lists(ws.agent.id)
                mine = conv_id in {c.id for c in (*lists.waiting, *lists.active)}
                print(f"transfer {conv_id} {int(mine)}", flush=True)
            elif command == "reply":
                conv_text, _, reply = rest.partition(" ")
                ws.reception.accept(int(conv_text), ws.agent.id)
                print(f"reply {ws.reception.agent_sends(int(conv_text), ws.agent.id, reply).id}", flush=True)
            elif command == "race":
                won = race(ws, float(rest))
                print("race " + ",".join(map(str, won)), flush=True)
            elif command == "quit":
                break
    finally:
        ws.close()
    return 0


def race(ws: Workspace, seconds: float) -> list[int]:
    """Accept the waiting buyers the moment the desk hears of them, as fast as a desk can; greet each
    buyer this desk got (its agent's reply is in the database: who accepted is counted there)."""
    heard = threading.Event()

    def wake(change: Change) -> None:
        if change.topic in (Topic.CONVERSATIONS, Topic.RESYNC):
            heard.set()

    unsubscribe = ws.hub.subscribe(wake)
    won: list[int] = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            heard.clear()
            for conv in ws.reception.desk_lists(ws.agent.id).waiting:
                try:
                    got = ws.reception.accept(conv.id, ws.agent.id)
                except DomainError:  # another desk was quicker (conversation.taken / .forbidden)
                    continue
                if got.state is ConversationState.ACTIVE and got.agent_id == ws.agent.id:
                    ws.reception.agent_sends(conv.id, ws.agent.id, f"您好，我是{ws.agent.display_name}")
                    won.append(conv.id)
            heard.wait(min(0.2, max(0.0, deadline - time.monotonic())))
    finally:
        unsubscribe()
    return won


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
