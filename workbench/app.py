"""Composition root: parse arguments, resolve paths and settings, then run the window or a CLI command.

The desk starts in two parts: everything that needs no Qt first (data dir, logging, jieba's cache,
and the workspace opening on a background thread — see `workbench.startup`), then the window, which
fills in when the workspace is ready. The services themselves are built in `workbench.composition`.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from workbench import __version__
from workbench.launch import LaunchConfig, resolve_db_url, resolve_paths
from workbench.settings import LANGUAGES, read_settings

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="千牛-style customer-service workbench")
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.add_argument("--data-dir", type=Path, help="keep all state (database, settings, logs) under DIR")
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db")
    parser.add_argument("--lang", choices=LANGUAGES, help="interface language (default zh_CN)")
    parser.add_argument("--smoke-test", action="store_true", help="open the main window with demo data, then quit")
    parser.add_argument("--reset-demo", action="store_true", help="restore the demo shop (erases the data), then start")
    parser.add_argument("--no-simulator", action="store_true", help="do not start simulated customers")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    kb = sub.add_parser("kb", help="knowledge-base tools (no window)")
    from workbench.kb.cli import add_kb_parser

    add_kb_parser(kb.add_subparsers(dest="kb_command", required=True))
    report = sub.add_parser("report", help="reports from the shop's database (no window)")
    report.add_argument(
        "report_name",
        choices=("cases", "performance", "bot", "unresolved"),
        help="cases: after-sales cases by kind and state; performance: 客服绩效; bot: 店小蜜数据; "
        "unresolved: the bot's unresolved messages in clusters with proposals",
    )
    report.add_argument("--json", action="store_true", help="print JSON")
    # Also accepted after the command; SUPPRESS keeps a value given before it.
    report.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="the data dir")
    report.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="SQLAlchemy database URL")
    report.add_argument("--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD (default: 30 days ago)")
    report.add_argument("--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD (default: today)")
    for kind in ("customers", "orders"):
        _add_io_parser(sub, kind)
    add_admin_parser(sub)
    add_simulate_parser(sub)
    add_submission_parsers(add_exercise_parser(sub))
    return parser


def _add_io_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], kind: str) -> None:
    """`workbench customers|orders import FILE` and `... export --out FILE` (see `workbench.cli`)."""
    what = sub.add_parser(kind, help=f"import or export {kind} as CSV or XLSX (no window)")
    actions = what.add_subparsers(dest="io_action", required=True, metavar="ACTION")
    importing = actions.add_parser("import", help=f"import {kind} from a .csv or .xlsx file (all or nothing)")
    importing.add_argument("file", type=Path, metavar="FILE", help="the .csv or .xlsx file")
    importing.add_argument(
        "--duplicates",
        choices=("skip", "fill", "overwrite"),
        default="skip",
        help="lines matching an existing record: keep it (skip, the default), fill its blank fields, or overwrite",
    )
    exporting = actions.add_parser("export", help=f"export every {kind[:-1]} to a .csv or .xlsx file")
    exporting.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.csv or FILE.xlsx")
    commands = [importing, exporting]
    if kind == "customers":
        exporting.add_argument("--full-phone", action="store_true", help="full phone numbers (masked by default)")
        commands.append(
            actions.add_parser(
                "rebuild-stats", help="recount every customer's order statistics and segments (maintenance)"
            )
        )
    for command in commands:
        # Also accepted after the action; SUPPRESS keeps a value given before the command.
        command.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="the data dir")
        command.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="SQLAlchemy database URL")


def add_admin_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`workbench admin ...`: shops and users without a window (the contract: cli.ADMIN_CONTRACT)."""
    from workbench.domain.identity import Role

    admin = sub.add_parser(
        "admin",
        help="shops and users of a shared database (no window)",
        description="Shops and users without a window. Passwords are read from stdin, never from the command line.",
    )
    commands = admin.add_subparsers(dest="admin_command", metavar="ADMIN_COMMAND", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        # Also accepted before `admin`; SUPPRESS keeps a value given there.
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="the database's SQLAlchemy URL")
        where.add_argument(
            "--data-dir", type=Path, default=argparse.SUPPRESS, help="the SQLite database in DIR instead"
        )
        return parser

    def password(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--password-stdin", action="store_true", required=True, help="read the password from stdin (one line)"
        )

    roles = [r.value for r in Role]
    init = command("init", "migrate the schema, create the shop and its owner (refused if there is a shop)")
    init.add_argument("--shop", required=True, metavar="NAME", help="the shop's (or class's) name")
    init.add_argument("--owner", required=True, metavar="USER", help="the owner's username (主账号)")
    init.add_argument("--display-name", metavar="NAME", help="the owner's name as shown (default 店主)")
    password(init)
    add = command("add-user", "add a user with a password")
    add.add_argument("--username", required=True, metavar="USER")
    add.add_argument("--display-name", required=True, metavar="NAME")
    add.add_argument("--role", required=True, choices=roles)
    password(add)
    set_password = command("set-password", "give a user a new password (their remembered logins stop working)")
    set_password.add_argument("--username", required=True, metavar="USER")
    password(set_password)
    roster = command("import-users", "add the users of a roster (CSV or XLSX: username, name, role, password)")
    roster.add_argument("file", type=Path, metavar="FILE", help="a .csv or .xlsx file; all or nothing")
    listing = command("list-users", "list the users (never their passwords)")
    listing.add_argument("--json", action="store_true", help="print a JSON list")


def add_exercise_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """`workbench exercise list|check ...`: classroom exercises without a window (see `workbench.cli`).
    Returns the sub-commands, so further exercise commands are added beside these."""
    exercise = sub.add_parser("exercise", help="classroom exercises: list them, check a student's work (no window)")
    commands = exercise.add_subparsers(dest="exercise_command", metavar="EXERCISE_COMMAND", required=True)
    listing = commands.add_parser("list", help="the exercises the program ships")
    listing.add_argument("--json", action="store_true", help="print JSON")
    check = commands.add_parser("check", help="score a student's work against an exercise's rubric")
    check.add_argument("--exercise", required=True, metavar="ID", help="the exercise's id (see exercise list)")
    check.add_argument("--user", default="", metavar="USERNAME", help="whose seat to check (default: the owner)")
    check.add_argument("--json", action="store_true", help="print JSON")
    for command in (listing, check):
        # Also accepted after the command; SUPPRESS keeps a value given before it.
        command.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="the data dir")
        command.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="SQLAlchemy database URL")
    return commands


def add_submission_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`workbench exercise export ...` and `workbench exercise grade ...` (see `workbench.cli`)."""
    export = commands.add_parser("export", help="write a student's submission file for an exercise (no window)")
    export.add_argument("--exercise", required=True, metavar="ID", help="the exercise's id (see exercise list)")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="the submission file to write")
    export.add_argument("--user", default="", metavar="USERNAME", help="whose seat (default: the owner)")
    export.add_argument("--name", default="", metavar="NAME", help="the student's name (default: the user's name)")
    export.add_argument("--number", default="", metavar="NUMBER", help="the student's 学号 (default: the username)")
    export.add_argument("--class", dest="class_name", default="", metavar="CLASS", help="the student's class")
    export.add_argument("--record", type=Path, metavar="FILE.xlsx", help="also write the 实战记录表 as XLSX")
    export.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="the data dir")
    export.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="SQLAlchemy database URL")
    grade = commands.add_parser("grade", help="grade a folder of submission files into an XLSX (no window)")
    grade.add_argument("--folder", required=True, type=Path, metavar="DIR", help="the folder of submission files")
    grade.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx", help="the grades workbook to write")
    for command in (export, grade):
        command.add_argument("--class-key", default="", metavar="KEY", help="the class key the teacher set, if any")


def add_simulate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`workbench simulate --db URL --rate N [--duration S] [--seed N]` (see `workbench.cli.run_simulate`)."""
    from workbench.cli_args import SIMULATE_HELP, positive_int, positive_number

    simulate = sub.add_parser(
        "simulate",
        help="the team's simulated buyers for every desk on a shared database (no window)",
        description=SIMULATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    simulate.add_argument(
        "--db",
        metavar="URL",
        required=True,
        help="the shared database's SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db",
    )
    simulate.add_argument(
        "--rate",
        type=positive_number,
        required=True,
        metavar="N",
        help="new buyers per minute (a number above 0, e.g. 2 or 0.5)",
    )
    simulate.add_argument(
        "--duration", type=positive_number, metavar="S", help="stop after S seconds (default: until Ctrl+C)"
    )
    simulate.add_argument("--seed", type=int, metavar="N", help="random seed: the same buyers in the same order")
    simulate.add_argument(
        "--exercise",
        metavar="ID",
        help="a classroom exercise: wait until the teacher starts it, then bring its scenarios with its seed",
    )
    simulate.add_argument(
        "--max-buyers",
        type=positive_int,
        metavar="N",
        help="at most N buyers in the shop at once (default: five minutes of arrivals, at least 8)",
    )
    simulate.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="where caches are kept")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "kb":
        from workbench.kb import tokenizer
        from workbench.kb.cli import run_kb_command

        # jieba's dictionary cache lives with our other caches (an explicit --cache-dir still wins).
        tokenizer.set_cache_dir(resolve_paths(args.data_dir).cache / "jieba")
        return run_kb_command(args)
    if args.command == "report":
        from workbench.cli import run_report

        return run_report(args)
    if args.command in ("customers", "orders"):
        from workbench.cli import run_io

        return run_io(args)
    if args.command == "admin":
        from workbench.cli import run_admin

        return run_admin(args)
    if args.command == "exercise":
        from workbench.cli import run_exercise

        return run_exercise(args)
    if args.command == "simulate":
        from workbench.cli import run_simulate

        return run_simulate(args)

    paths = resolve_paths(args.data_dir)
    loaded = read_settings(paths.settings_file)  # never raises: unusable values fall back to defaults
    settings = loaded.settings
    if args.lang:
        settings = settings.with_changes(language=args.lang)
    config = LaunchConfig(
        paths=paths,
        db_url=resolve_db_url(args.db, settings, paths),
        settings=settings,
        smoke_test=args.smoke_test,
        reset_demo=args.reset_demo,
        simulator=not args.no_simulator and not args.smoke_test,
        settings_problems=loaded.problems,
    )
    return run_desk(config)


def run_desk(config: LaunchConfig) -> int:
    """Prepare everything that needs no Qt, begin opening the workspace, then start the window."""
    from workbench.kb import tokenizer
    from workbench.logging_setup import log_uncaught_exceptions, setup_logging
    from workbench.paths import DataDirError
    from workbench.settings import log_problems
    from workbench.startup import DeskStartup
    from workbench.ui.instance import InstanceLock

    try:
        config.paths.ensure()
    except DataDirError as exc:
        from workbench.ui.bootstrap import show_fatal

        return show_fatal(config, exc)
    # One program per data dir, decided before anything opens the database or writes the log.
    instance = InstanceLock(config.paths)
    if not instance.acquire():
        from workbench.ui.bootstrap import hand_over

        return hand_over(config, instance)
    try:
        setup_logging(config.paths.logs)
        log_uncaught_exceptions()
        tokenizer.set_cache_dir(config.paths.cache / "jieba")
        log.info("starting workbench %s", __version__)
        log_problems(config.paths.settings_file, config.settings_problems)
        # The cyclic collector runs only on the GUI thread (see ui/gc_guard.py); switch the automatic
        # one off before the start-up thread can trigger it.
        gc.disable()
        startup = DeskStartup(config)
        startup.begin()
        from workbench.ui.bootstrap import run_gui

        return run_gui(config, startup, instance)
    finally:
        instance.release()


if __name__ == "__main__":
    sys.exit(main())
