"""A headless desk for the team tests: `python -m tests.integration.team_desk_driver URL AGENT`.

It opens the workspace as a desk on a server does (`open_workspace(live=True)`: listener, heartbeat,
presence timings from the environment as `workbench --db URL` reads them) and works from commands on
stdin, one per line, answering on stdout:

    buyer TEXT          a buyer arrives and writes TEXT          → "buyer <conversation id>"
    mine TEXT           a buyer writes TEXT, assigned to me      → "mine <conversation id>"
    serve TEXT REPLY    a buyer writes, I accept and reply       → "serve <conversation id> <message id>"
    reply ID TEXT       I accept chat ID and type TEXT           → "reply <message id>"
    quit                close the desk normally

"ready <agent id>" is printed once the desk is open.
"""

from __future__ import annotations

import sys

from workbench.composition import open_workspace, presence_timings


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
            elif command == "reply":
                conv_text, _, reply = rest.partition(" ")
                ws.reception.accept(int(conv_text), ws.agent.id)
                print(f"reply {ws.reception.agent_sends(int(conv_text), ws.agent.id, reply).id}", flush=True)
            elif command == "quit":
                break
    finally:
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
