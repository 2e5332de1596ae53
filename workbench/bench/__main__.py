"""Benchmarks: `python -m workbench.bench startup|assist|customers|autoreply|import_wait|desks [--json]`."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.bench")
    sub = parser.add_subparsers(dest="which", required=True)
    startup = sub.add_parser("startup", help="cold start to first painted main window, vs. a bare QMainWindow")
    startup.add_argument("--runs", type=int, default=5)
    startup.add_argument("--json", action="store_true")
    assist = sub.add_parser("assist", help="customer message → suggestions shown, through the real window")
    assist.add_argument("--messages", type=int, default=200)
    assist.add_argument("--json", action="store_true")
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
    customers = sub.add_parser("customers", help="customer list operations, ours vs naive (100k customers)")
    customers.add_argument("--customers", type=int, default=100_000)
    customers.add_argument("--orders", type=int, default=1_000_000)
    customers.add_argument("--json", action="store_true")
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
    elif args.which == "customers":
        from workbench.bench.customers import run as run_customers

        result = run_customers(args.customers, args.orders)
    elif args.which == "startup":
        from workbench.ui.bench.startup import run as run_startup

        result = run_startup(args.runs)
    elif args.which == "assist":
        from workbench.ui.bench.assist import run as run_assist

        result = run_assist(args.messages)
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
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>16}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
