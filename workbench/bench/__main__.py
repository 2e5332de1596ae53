"""Benchmarks: `python -m workbench.bench startup|pages|assist|day|chat|customers|reports|autoreply|import_wait|desks`
(`--json` for machine-readable output)."""

from __future__ import annotations

import argparse
import json
import sys

# What each benchmark's figures leave out, printed with them (docs/performance.md has the method).
EXCLUDES = {
    "startup": "the first start on the shared data dir (it fills the caches and the compiled modules), the simulator",
    "pages": "the results of the reads a page starts (later turns of the event loop), the pages' tabs and forms"
    " not shown at first, the simulator",
    "autoreply": "the UI, jieba and matcher start-up, buyer arrivals unless --customers is smaller than the"
    " buyers, the desk timer's 0.5 s wait for the next channel tick",
    "assist": "the wait for the simulator's next tick (tick_wait_ms_p50), messages of chats that are not open",
    "day": "start-up and the demo seeding, the agent's reading and typing time (one action every 150 ms),"
    " tags and cases made through the services (not their panels), buyers' messages a welcome-card click replaced",
    "chat": "start-up, writing the chat, painting to a real screen; garbage collections counted apart (gc_*)",
    "customers": "painting (offscreen), generating the data, the one-off statistics rebuild after the bulk load",
    "reports": "generating the data, its response_runs and contact_days (backfill_s), building the matcher, "
    "the UI (tables, charts)",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.bench")
    sub = parser.add_subparsers(dest="which", required=True)
    startup = sub.add_parser("startup", help="cold start to paint, lists and suggestions, vs. a bare QMainWindow")
    startup.add_argument("--runs", type=int, default=5)
    startup.add_argument("--kb-entries", type=int, default=0, help="also time suggestions with N more KB entries")
    startup.add_argument("--json", action="store_true")
    pages = sub.add_parser("pages", help="each rail page's first opening in the real window, vs opening it again")
    pages.add_argument("--runs", type=int, default=3)
    pages.add_argument("--json", action="store_true")
    assist = sub.add_parser("assist", help="a busy afternoon: buyer message → suggestions painted, in the real window")
    assist.add_argument("--messages", type=int, default=200, help="open-chat buyer messages to time")
    assist.add_argument("--rate", type=float, default=60.0, help="simulated buyers arriving per minute")
    assist.add_argument("--speed", type=float, default=12.0, help="simulator speed (1 = human pace)")
    assist.add_argument("--kb", type=int, default=2000, help="KB entries")
    assist.add_argument("--json", action="store_true")
    day = sub.add_parser(
        "day", help="a shop day in the real window: buyers, an agent script, lost/duplicate, stalls, RSS"
    )
    day.add_argument("--hours", type=float, default=8.0, help="hours of shop time")
    day.add_argument("--speed", type=float, default=60.0, help="how much faster than real time the day runs")
    day.add_argument("--buyers", type=int, default=500, help="buyers over the day (by the arrival rate)")
    day.add_argument(
        "--trace-stalls", action="store_true", help="sample the UI thread's stack in its longest gaps (slows it a bit)"
    )
    day.add_argument("--json", action="store_true")
    chat = sub.add_parser("chat", help="a long chat opened and scrolled to the top in the real window, vs the old view")
    chat.add_argument("--messages", type=int, default=10_000)
    chat.add_argument("--no-baseline", action="store_true", help="time only the current view")
    chat.add_argument("--baseline-budget", type=float, default=120.0, help="seconds the old view may scroll")
    chat.add_argument("--profile", action="store_true", help="print each view's hottest functions to stderr")
    chat.add_argument("--json", action="store_true")
    autoreply = sub.add_parser(
        "autoreply", help="full-auto reception through the live path: channel, bot, database (SQLite)"
    )
    autoreply.add_argument("--messages", type=int, default=30_000)
    autoreply.add_argument("--customers", type=int, default=5_000, help="buyers talking at once")
    autoreply.add_argument("--batch", type=int, default=0, help="messages per transaction at most (0: the bot's)")
    autoreply.add_argument("--rate", type=float, default=0.0, help="messages offered per second (0: all at once)")
    autoreply.add_argument("--no-baseline", action="store_true", help="skip the per-message and engine-only runs")
    autoreply.add_argument("--profile", default="", metavar="FILE", help="cProfile the timed part into FILE")
    autoreply.add_argument("--pack", default="apparel", help="industry pack used as the KB")
    autoreply.add_argument("--json", action="store_true")
    customers = sub.add_parser(
        "customers", help="customer list operations, ours vs plain indexed SQL vs naive (100k customers)"
    )
    customers.add_argument("--customers", type=int, default=100_000)
    customers.add_argument("--orders", type=int, default=1_000_000)
    customers.add_argument("--db", metavar="URL", help="a PostgreSQL server to use (default: a temp SQLite file)")
    customers.add_argument("--no-naive", action="store_true", help="leave out the naive side (slow at 1M orders)")
    customers.add_argument("--stall-seconds", type=float, default=20.0, help="the list in use during writes")
    customers.add_argument("--profile", action="store_true", help="add a cProfile of the slowest list operation")
    customers.add_argument("--json", action="store_true")
    reports = sub.add_parser(
        "reports", help="数据中心 reports for 30 days: SQL aggregates vs load-everything-into-Python (1M messages)"
    )
    reports.add_argument("--conversations", type=int, default=100_000)
    reports.add_argument("--messages", type=int, default=1_000_000)
    reports.add_argument("--orders", type=int, default=50_000)
    reports.add_argument("--db", metavar="URL", help="a PostgreSQL server to use (default: a temp SQLite file)")
    reports.add_argument("--no-naive", action="store_true", help="leave out the naive side")
    reports.add_argument("--json", action="store_true")
    import_wait = sub.add_parser(
        "import_wait", help="an agent's reply every 100 ms while 150k customers are imported, vs. no import"
    )
    import_wait.add_argument("--customers", type=int, default=150_000)
    import_wait.add_argument("--interval", type=float, default=0.1, help="seconds between two sends")
    import_wait.add_argument("--json", action="store_true")
    desks = sub.add_parser("desks", help="team desks on one PostgreSQL server: message → assigned desk, vs polling")
    desks.add_argument("--db", metavar="URL", help="a PostgreSQL server to use (default: start a throwaway one)")
    desks.add_argument("--desks", type=int, default=20)
    desks.add_argument("--rate", type=float, default=10.0, help="new buyers per second")
    desks.add_argument("--duration", type=float, default=60.0, help="seconds the feed runs")
    desks.add_argument("--processes", type=int, default=4, help="processes the desks are spread over")
    desks.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.which == "desks":
        from workbench.bench.desks import BenchError
        from workbench.bench.desks import run as run_desks

        try:
            result = run_desks(args.desks, args.rate, args.duration, args.db, args.processes)
        except BenchError as exc:
            print(f"desks benchmark: {exc}", file=sys.stderr)
            return 2
    elif args.which == "import_wait":
        from workbench.bench.import_wait import run as run_import_wait

        result = run_import_wait(args.customers, args.interval)
    elif args.which == "reports":
        from workbench.bench.reports import run as run_reports

        result = run_reports(args.conversations, args.messages, args.orders, db_url=args.db, naive=not args.no_naive)
    elif args.which == "customers":
        from workbench.bench.customers import run as run_customers

        result = run_customers(
            args.customers,
            args.orders,
            db_url=args.db,
            naive=not args.no_naive,
            stall_seconds=args.stall_seconds,
            profile=args.profile,
        )
    elif args.which == "startup":
        from workbench.ui.bench.startup import run as run_startup

        result = run_startup(args.runs, args.kb_entries)
    elif args.which == "pages":
        from workbench.ui.bench.pages import run as run_pages

        result = run_pages(args.runs)
    elif args.which == "chat":
        from workbench.bench.chat import run as run_chat

        result = run_chat(args.messages, not args.no_baseline, args.baseline_budget, args.profile)
    elif args.which == "day":
        from workbench.ui.bench.day import run as run_day

        result = run_day(args.hours, args.speed, args.buyers, trace_stalls=args.trace_stalls)
    elif args.which == "assist":
        from workbench.ui.bench.assist import run as run_assist

        result = run_assist(args.messages, rate=args.rate, speed=args.speed, kb_entries=args.kb)
    else:
        from workbench.bench.autoreply import run as run_autoreply

        result = run_autoreply(
            args.messages,
            args.customers,
            batch=args.batch or None,
            rate=args.rate,
            baseline=not args.no_baseline,
            pack_id=args.pack,
            profile=args.profile,
        )
    if args.which in EXCLUDES:
        result.setdefault("excludes", EXCLUDES[args.which])
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>16}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
