"""The commands that run without a window. App layer, next to :mod:`workbench.app` (which parses the
arguments and calls in here); each opens the shop's database like the window does (an empty data dir
starts as the demo shop).

``workbench report cases [--json]``: after-sales cases by kind and state.
``workbench report performance|bot|unresolved [--data-dir DIR | --db URL] [--from DATE --to DATE] [--json]``:
客服绩效 per agent and for the shop, 店小蜜数据, and the bot's unresolved messages in clusters with a
proposal each (days default to the last 30, today included); every figure's definition comes with it.

``workbench admin ...``: shops and users of a shared database; its stable contract is `ADMIN_CONTRACT`.

Customer and order import and export, a stable contract for scripts (school IT, shop tools)::

    workbench customers import [--data-dir DIR | --db URL] [--duplicates skip|fill|overwrite] FILE
    workbench customers export [--data-dir DIR | --db URL] --out FILE.csv|FILE.xlsx [--full-phone]
    workbench customers rebuild-stats [--data-dir DIR | --db URL]
    workbench orders import    [--data-dir DIR | --db URL] [--duplicates skip|fill|overwrite] FILE
    workbench orders export    [--data-dir DIR | --db URL] --out FILE.csv|FILE.xlsx

``--data-dir`` and ``--db`` may also come before the command; without them the platform's data dir is
used, and ``--db`` picks the database as for the window. FILE is .csv (UTF-8 or GB18030) or .xlsx,
with the columns the customer page's import takes. An import is all or nothing; lines that match an
existing record are kept (``skip``, the default), fill its blank fields (``fill``) or overwrite it.
An export writes every customer (phones masked unless ``--full-phone``) or every order.

Classroom exercises, a stable contract for scripts and the teacher's tools::

    workbench exercise list [--json]
    workbench exercise check [--data-dir DIR | --db URL] [--user USERNAME] --exercise ID [--json]

    workbench exercise export [--data-dir DIR | --db URL] [--user USERNAME] --exercise ID --out FILE
                              [--name NAME --number 学号 --class CLASS] [--record FILE.xlsx] [--class-key KEY]
    workbench exercise grade --folder DIR --out grades.xlsx [--class-key KEY]

``list`` prints the exercises the program ships (``--json``: a list of ``{"id", "title", "section",
"max", "items"}``). ``check`` scores the work on USERNAME's seat (default: the owner's) against the
exercise's rubric; ``--json`` prints ``{"exercise", "total", "max", "items": [{"id", "title", "points",
"max", "passed", "why"}, ...]}``, without it a table. Exit 1 with one ``workbench: message`` line on
stderr for an unknown exercise or user; 2 as below.

``export`` checks the work on USERNAME's seat and writes the submission file (see
`workbench.services.submissions`): the student (``--name``/``--number``/``--class``; on a shared
server without them the user's name and username), the result with its evidence and the teacher's
marks filled in, the 实战记录表 and the configuration; ``--record`` also writes the 实战记录表 as XLSX.
Exit 0 with one ``exported …`` line on stdout; 1 for an unknown exercise or user, or no 学号.
``grade`` reads every file in DIR and writes one row per student (学号, 姓名, 班级, each item's points,
总分) per exercise; a student's latest file wins. Exit 0 when every file was a valid submission; 1 when
some were not: one ``FILE: message`` line on stderr for each (changed, not a submission, …), and the
grades of the good ones are still written. One ``graded …`` line on stdout either way.

Exit status and output (import and export):

- 0: done; one line on stdout, e.g. ``imported customers.csv: 120 new, 3 updated, 0 skipped`` or
  ``exported 123 customers to out.xlsx``.
- 1: the file was refused and nothing was written; stderr has one line per problem,
  ``FILE:LINE: COLUMN: message "value"`` (``FILE:LINE: message`` when no column is concerned or the
  file is refused at that line: too many rows, a line too long; ``FILE: message`` when the problem is
  the file as a whole: too big, not readable text).
- 2: usage or environment: bad arguments, a FILE that cannot be opened or written, a data dir or
  database that cannot be used; one ``workbench: message`` line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from workbench.composition import open_workspace
from workbench.domain.crm import CustomerFilter, ImportFailed, ImportIssue, MergePolicy, Selection
from workbench.domain.errors import DomainError
from workbench.domain.exercises import ExerciseResult
from workbench.domain.reports import BOT_DEFINITIONS, DateRange
from workbench.entrance import build_backups, open_database
from workbench.launch import resolve_db_url, resolve_paths
from workbench.paths import DataDirError
from workbench.services.backups import BackupError, BackupService
from workbench.services.crm_io import MAX_IMPORT_ROWS
from workbench.services.exercises import ExerciseFileError, load_exercises
from workbench.services.workspace import Workspace
from workbench.settings import load_settings
from workbench.storage.db import Database
from workbench.storage.errors import DatabaseError


def run_report(args: argparse.Namespace) -> int:
    """`workbench report cases [--json]`: an empty data dir starts as the demo shop, as the window does."""
    paths = resolve_paths(args.data_dir)
    try:
        paths.ensure()
        settings = load_settings(paths.settings_file)
        url = resolve_db_url(args.db, settings, paths)
        backups = build_backups(url, paths.backups, settings.backups_kept)  # before a migration, as the window
        if args.report_name == "cases":
            text = case_report(url, as_json=args.json, backups=backups)
        else:
            text = reception_report(
                url, args.report_name, args.date_from, args.date_to, as_json=args.json, backups=backups
            )
    except (DataDirError, DatabaseError, BackupError, ReportArgumentError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0


class ReportArgumentError(ValueError):
    """A bad --from/--to (the message names the option)."""


def report_range(date_from: str | None, date_to: str | None, today: date) -> DateRange:
    """The days of `--from`/`--to` (default: the last 30 days, today included)."""

    def parse(value: str | None, option: str, default: date) -> date:
        if value is None:
            return default
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ReportArgumentError(f"{option}: not a date like 2026-05-01: {value!r}") from None

    last = parse(date_to, "--to", today)
    first = parse(date_from, "--from", last - timedelta(days=29))
    try:
        return DateRange(first, last)
    except DomainError as exc:
        why = "before --from" if exc.code == "reports.range_reversed" else "more than 366 days after --from"
        raise ReportArgumentError(f"--to: {why}") from None


def reception_report(
    url: str,
    name: str,
    date_from: str | None,
    date_to: str | None,
    *,
    as_json: bool,
    backups: BackupService | None = None,
) -> str:
    """`workbench report performance|bot|unresolved`: 客服绩效, 店小蜜数据, or the 训练 loop's clusters
    (each with its count, examples and proposal) over the days asked."""
    ws = open_workspace(url, backups=backups)
    try:
        days = report_range(date_from, date_to, ws.reports.today())
        data: dict[str, object]
        if name == "performance":
            data = ws.reports.performance(days).as_dict()
        elif name == "bot":
            data = ws.reports.bot(days).as_dict()
        else:
            clusters = ws.training.clusters(days)
            data = {
                "from": days.first.isoformat(),
                "to": days.last.isoformat(),
                "definition": BOT_DEFINITIONS["unresolved"][1],
                "messages": sum(c.count for c in clusters),
                "clusters": [
                    {
                        "key": c.key,
                        "count": c.count,
                        "examples": list(c.examples),
                        "proposal": {
                            "kind": "new_entry" if c.proposal.new_entry else "phrasing",
                            "phrasings": list(c.proposal.phrasings),
                            "entry_id": c.proposal.entry_id,
                            "entry_question": c.proposal.entry_question,
                            "category": c.proposal.category,
                            "score": c.proposal.score,
                        },
                    }
                    for c in clusters
                ],
            }
    finally:
        ws.close()
    if as_json:
        return json.dumps(data, ensure_ascii=False)
    return format_report(data)


def format_report(data: Mapping[str, object], indent: str = "") -> str:
    """The report's JSON as indented `key: value` lines (for reading in a terminal)."""
    lines = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            lines.append(f"{indent}{key}:")
            lines.append(format_report(value, indent + "  "))
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            lines.append(f"{indent}{key}:")
            for item in value:
                lines.append(f"{indent}  - " + ", ".join(f"{k} {v}" for k, v in item.items()))
        else:
            lines.append(f"{indent}{key}: {value}")
    return "\n".join(line for line in lines if line)


def case_report(url: str, *, as_json: bool, backups: BackupService | None = None) -> str:
    """Cases by kind and state in the shop at `url` (an empty database starts as the demo shop)."""
    ws = open_workspace(url, backups=backups)
    try:
        counts = ws.aftersales.counts()
    finally:
        ws.close()
    if as_json:
        return json.dumps(counts, ensure_ascii=False)
    return format_case_counts(counts)


def format_case_counts(counts: Mapping[str, Mapping[str, int]]) -> str:
    """One line per kind: its total, then the count in each state (``return  27  completed 19, …``)."""
    lines = []
    for kind, states in counts.items():
        total = sum(states.values())
        detail = ", ".join(f"{state} {n}" for state, n in states.items())
        lines.append(f"{kind:<10} {total:>4}  {detail}")
    return "\n".join(lines)


# -- customer and order import / export -----------------------------------------------------------

# Why a line was refused (the import's issue codes), for the command line.
ISSUE_TEXTS = {
    "import.required": "required, may not be blank",
    "import.too_long": "too long",
    "import.text": "contains control characters or invalid text",
    "import.phone": "not a valid 11-digit mobile number",
    "import.gender": "must be 男 or 女",
    "import.credit": "credit level must read like 3钻 or 2冠",
    "import.bool": "must be 是 or 否",
    "import.source": "source must be 站内免费, 站内付费, 自主访问 or 站外",
    "import.level": "member level must be 普通会员, 银卡, 金卡 or 钻石",
    "import.number": "must be a whole number (0 or more; a quantity 1 or more)",
    "import.points_range": "points must be at most 1,000,000,000",
    "import.quantity_range": "quantity must be at most 100,000",
    "import.date": "date must read like 2024-06-18 or 2024-06-18 14:30",
    "import.date_range": "date must be between 1990-01-01 and 2100-12-31",
    "import.tag_too_long": "a tag has more than 20 characters",
    "import.tag_official": "official tags (88VIP, credit levels) cannot be imported",
    "import.duplicate_in_file": "same as line {other}",
    "import.conflict": "nick and phone belong to two different existing customers",
    "import.missing_column": "this column is missing",
    "import.empty": "the file has no data",
    "import.stopped": "too many problems; the rest of the file was not checked",
    "import.order_no": "order number must be 4-30 letters, digits or dashes",
    "import.state": "unknown order state",
    "import.money": "amount must be 0 or more with at most two decimals",
    "import.money_range": "amount must be at most 10,000,000.00",
    "import.time_order": "earlier than the order time",
    "import.unknown_customer": "no such customer; import the customers first",
    "import.order_other_customer": "this order number belongs to another customer",
}
# Why a whole file was refused (exit 1).
FILE_TEXTS = {
    "import.too_big": "file too big (at most {limit_mb} MB)",
    "import.too_many": "too many rows (at most {limit})",
    "import.line_too_long": "line too long (at most {limit} characters)",
    "import.encoding": "not readable text: save it as UTF-8 CSV or as XLSX",
    "import.unreadable": "cannot be read: {detail}",
}


def issue_line(path: Path, issue: ImportIssue) -> str:
    """``FILE:LINE: COLUMN: message "value"`` for one refused line."""
    text = ISSUE_TEXTS.get(issue.code, issue.code).format(other=issue.other_line)
    where = f"{path}:{issue.line}: " + (f"{issue.column}: " if issue.column else "")
    value = f' "{issue.value}"' if issue.value else ""
    return f"{where}{text}{value}"


def run_io(args: argparse.Namespace) -> int:
    """`workbench customers|orders import|export`: see the module's docstring for the contract."""
    paths = resolve_paths(args.data_dir)
    try:
        paths.ensure()
        settings = load_settings(paths.settings_file)
        ws = open_workspace(resolve_db_url(args.db, settings, paths))
    except (DataDirError, DatabaseError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    try:
        if args.io_action == "import":
            return _import(ws, args.command, args.file, MergePolicy(args.duplicates))
        if args.io_action == "rebuild-stats":
            return _rebuild_stats(ws)
        return _export(ws, args.command, args.out, full_phone=getattr(args, "full_phone", False))
    except DatabaseError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    finally:
        ws.close()


def _import(ws: Workspace, kind: str, path: Path, policy: MergePolicy) -> int:
    if not path.exists() or path.is_dir():
        print(f"workbench: {path}: no such file", file=sys.stderr)
        return 2
    io = ws.crm_io
    try:
        result = io.import_customers(path, policy) if kind == "customers" else io.import_orders(path, policy)
    except ImportFailed as exc:
        for issue in exc.issues:
            print(issue_line(path, issue), file=sys.stderr)
        return 1
    except DomainError as exc:
        cause = exc.__cause__
        if exc.code in FILE_TEXTS and not isinstance(cause, (FileNotFoundError, PermissionError, IsADirectoryError)):
            params = {"limit": MAX_IMPORT_ROWS, "limit_mb": 0, "detail": "", **exc.params}
            line = int(params.get("line") or 0)
            print(f"{path}:{line}: " if line else f"{path}: ", end="", file=sys.stderr)
            print(FILE_TEXTS[exc.code].format(**params), file=sys.stderr)
            return 1
        detail = exc.params.get("detail") or exc.code
        print(f"workbench: {path}: {detail}", file=sys.stderr)
        return 2
    print(f"imported {path}: {result.created} new, {result.updated} updated, {result.skipped} skipped")
    return 0


def _rebuild_stats(ws: Workspace) -> int:
    """Statistics are kept as orders are written; this recounts them from the orders (after data was
    loaded around the program, or to check)."""
    started = time.perf_counter()
    ws.crm.refresh()
    print(f"customer statistics rebuilt in {time.perf_counter() - started:.1f} s")
    return 0


def _export(ws: Workspace, kind: str, path: Path, *, full_phone: bool) -> int:
    everyone = Selection.matching(CustomerFilter())
    try:
        if kind == "customers":
            count = ws.crm_io.export_customers(everyone, path, full_phone=full_phone)
        else:
            count = ws.crm_io.export_orders(everyone, path)
    except DomainError as exc:
        detail = exc.params.get("detail") or ("use a .csv or .xlsx name" if exc.code == "import.format" else exc.code)
        print(f"workbench: {path}: {detail}", file=sys.stderr)
        return 2
    print(f"exported {count} {kind} to {path}")
    return 0


# -- workbench admin ... ----------------------------------------------------------------------------

ADMIN_CONTRACT = """\
workbench admin init --db URL --shop NAME --owner USER [--display-name N] --password-stdin
workbench admin add-user --db URL --username U --display-name N --role ROLE --password-stdin
workbench admin set-password --db URL --username U --password-stdin
workbench admin import-users --db URL FILE.xlsx|FILE.csv
workbench admin list-users --db URL [--json]

--data-dir D instead of --db: the SQLite database in D. Passwords are read from stdin (one line; a
terminal is asked without echo), never from the command line. Exit 0 on success, 1 when the input is
refused (nothing is written), 2 on a usage or environment error (unreachable database, bad URL)."""


class _Refused(Exception):
    """The input is refused: exit 1 with this message."""


def run_admin(args: argparse.Namespace) -> int:
    """`workbench admin ...`: users and shops without a window (see ADMIN_CONTRACT)."""
    from workbench.services.accounts import RosterError

    try:
        db = _admin_database(args)
    except (DataDirError, DatabaseError, BackupError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    try:
        print(_admin_command(args, db))
    except _Refused as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 1
    except RosterError as exc:
        for problem in exc.problems:
            where = f"{args.file}:{problem.line}" if problem.line else str(args.file)
            print(f"{where}: {describe(problem.error)}", file=sys.stderr)
        print(f"workbench: {args.file} refused, no user was added", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"workbench: {describe(exc)}", file=sys.stderr)
        return 1
    except DatabaseError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


def _admin_database(args: argparse.Namespace) -> Database:
    """The database `--db` or `--data-dir` names, migrated (a SQLite file is backed up first)."""
    from workbench.storage.db import sqlite_file_of

    paths = resolve_paths(args.data_dir)
    if args.db:
        from workbench.credentials import with_stored_password

        url = with_stored_password(args.db)
        backups = None
    else:
        paths.ensure()
        settings = load_settings(paths.settings_file)
        url = resolve_db_url(None, settings, paths)
        backups = build_backups(url, paths.backups, settings.backups_kept) if sqlite_file_of(url) else None
    return open_database(url, seed_demo=False, backups=backups)


def _admin_command(args: argparse.Namespace, db: Database) -> str:
    from workbench.domain.identity import PROGRAM, Role
    from workbench.services.accounts import AccountService, create_shop
    from workbench.storage.repositories.shops import ShopRepository

    if args.admin_command == "init":
        password = _read_password(args)
        created, owner = create_shop(db, args.shop, args.owner, args.display_name or "店主", password)
        return f"created {created.name} with its owner {owner.username}"
    with db.session() as s:
        shop = ShopRepository(s).first()
    if shop is None:
        raise DomainError("shop.missing")
    accounts = AccountService(db, shop.id, actor=PROGRAM)
    match args.admin_command:
        case "add-user":
            password = _read_password(args)
            user = accounts.add_user(args.username, args.display_name, Role(args.role), password)
            return f"added {user.username} ({user.role.value})"
        case "set-password":
            password = _read_password(args)
            user = accounts.set_password(args.username, password)
            return f"password of {user.username} changed; their remembered logins are revoked"
        case "import-users":
            added = accounts.import_roster(args.file)
            return f"imported {len(added)} users from {args.file}"
        case "list-users":
            users = accounts.users()
            if args.json:
                rows = [
                    {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role.value,
                     "has_password": u.has_password}
                    for u in users
                ]  # fmt: skip
                return json.dumps(rows, ensure_ascii=False)
            return "\n".join(
                f"{u.username:<20} {u.role.value:<11} {'' if u.has_password else '(no password) '}{u.display_name}"
                for u in users
            )
    raise _Refused(f"unknown admin command: {args.admin_command}")


def _read_password(args: argparse.Namespace) -> str:
    """One line from stdin (a terminal is asked without echo); the password is never an argument."""
    if not args.password_stdin:
        raise _Refused("give the password on stdin and say so with --password-stdin")
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("password: ")
    line = sys.stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    password = password[:-1] if password.endswith("\r") else password
    if not password:
        raise _Refused("no password on stdin")
    return password


_MESSAGES = {
    "shop.exists": "this database has a shop already ({name}); nothing was changed",
    "shop.missing": "this database has no shop yet: run `workbench admin init` first (or start a desk on it once "
    "for the demo shop)",
    "shop.name_empty": "the shop name is empty",
    "shop.name_too_long": "the shop name is longer than {limit} characters",
    "account.username_empty": "the username is empty",
    "account.username_too_long": "the username is longer than {limit} characters",
    "account.username_chars": "the username may hold only letters, digits, Chinese characters and _ . - :",
    "account.username_taken": "the username {username} exists already",
    "account.name_empty": "the name is empty",
    "account.name_too_long": "the name is longer than {limit} characters",
    "account.missing": "there is no user {username}",
    "password.too_short": "the password is shorter than {limit} characters",
    "password.too_long": "the password is longer than {limit} characters",
    "password.spaces": "the password begins or ends with a space, or holds a control character",
    "password.too_simple": "the password needs at least 3 different characters",
    "password.is_username": "the password is the username",
    "roster.empty": "no users in the file",
    "roster.missing_column": "no {column} column (the first row names the columns: username, name, role, password)",
    "roster.duplicate": "the username {username} is on line {first} already",
    "roster.bad_role": "unknown role {role!r} (student, teacher, agent, aftersales or supervisor)",
    "roster.role_not_allowed": "the role {role} cannot be given in a roster",
    "roster.too_many": "more than {limit} users in one file",
    "roster.too_big": "the file is larger than {limit_mb} MB",
    "roster.unreadable": "cannot read the file: {reason}",
    "roster.format": "not a .csv or .xlsx file ({suffix})",
    "roster.encoding": "the file is neither UTF-8 nor GB18030 text",
    "permission.denied": "not allowed ({permission})",
    "feed.no_customers": "the shop has no customers yet, and the simulated buyers are its customers: import some "
    "first (workbench customers import --db URL FILE.xlsx)",
}


def describe(exc: DomainError) -> str:
    """A refused input in words, for the command line."""
    template = _MESSAGES.get(exc.code)
    if template is None:
        return f"{exc.code} {exc.params}" if exc.params else exc.code
    try:
        return template.format(**exc.params)
    except (KeyError, IndexError):
        return exc.code


# -- workbench simulate ------------------------------------------------------------------------------


def run_simulate(args: argparse.Namespace) -> int:
    """`workbench simulate --db URL --rate N [--duration S] [--seed N]`: the team's customer feed,
    until Ctrl+C, SIGTERM or the end of `--duration`."""
    import logging
    import signal
    import threading

    from workbench.composition import open_feed
    from workbench.credentials import redact, with_stored_password
    from workbench.kb import tokenizer
    from workbench.launch import is_sqlite_url
    from workbench.logging_setup import env_level

    if is_sqlite_url(args.db):
        print(
            "workbench: simulate feeds a shared PostgreSQL database (--db postgresql+psycopg://…); a single-seat "
            "SQLite desk runs its own simulated customers (模拟客户进店)",
            file=sys.stderr,
        )
        return 2
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(env_level())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step is noise here
    log = logging.getLogger("workbench.simulate")
    paths = resolve_paths(args.data_dir)
    tokenizer.set_cache_dir(paths.cache / "jieba")  # jieba's dictionary cache, as for the desk

    stop = threading.Event()

    def stop_soon(signum: int, _frame: object) -> None:
        if stop.is_set():  # asked twice: stop now (a transaction under way rolls back whole)
            raise KeyboardInterrupt
        log.info("%s: stopping after this tick (again to stop at once)", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, stop_soon)
    signal.signal(signal.SIGTERM, stop_soon)
    url = with_stored_password(args.db)
    log.info("opening %s", redact(url))
    try:
        parts = open_feed(
            url, rate_per_min=args.rate, seed=args.seed, max_active=args.max_buyers, exercise=args.exercise
        )
    except DatabaseError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"workbench: {describe(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    try:
        if parts.seeded_demo:
            log.info("the database was empty: it holds the demo shop now")
        feed = parts.feed
        log.info(
            "feeding %s: %g buyers a minute (at most %d in the shop at once)%s; Ctrl+C stops",
            parts.ws.shop.name,
            args.rate,
            parts.ws.channel.simulator.max_active if parts.ws.channel is not None else 0,
            f" for {args.duration:g} s" if args.duration is not None else "",
        )
        if feed.lab is not None:
            log.info("exercise %s: no buyers until the teacher starts it (开始 in 课堂)", feed.lab.exercise_id)
        if not stop.is_set():
            feed.run(stop, args.duration)
        try:
            feed.finish()
        except Exception as exc:  # the server away: the buyers simply stop writing
            log.warning("could not send the bot's buyers away: %r", exc)
        log.info("stopped: %s", feed.total.describe())
    except KeyboardInterrupt:
        log.warning("stopped at once")
        return 130
    finally:
        parts.close()
    return 0


# -- classroom exercises ------------------------------------------------------------------------------


def run_exercise(args: argparse.Namespace) -> int:
    """`workbench exercise list|check`: see the module's docstring for the contract."""
    if args.exercise_command in ("export", "grade"):
        return run_submissions(args)
    try:
        exercises = load_exercises()
    except ExerciseFileError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    if args.exercise_command == "list":
        listed = [
            {"id": e.id, "title": e.title, "section": e.section, "max": e.max_points, "items": len(e.rubric)}
            for e in exercises
        ]
        if args.json:
            print(json.dumps(listed, ensure_ascii=False))
        else:
            print("\n".join(f"{e['id']:<10} {e['section']:<16} {e['title']} ({e['max']} 分)" for e in listed))
        return 0
    if args.exercise not in {e.id for e in exercises}:
        known = ", ".join(e.id for e in exercises)
        print(f"workbench: unknown exercise {args.exercise!r} (known: {known})", file=sys.stderr)
        return 1
    ws, status = _open_exercise_workspace(args)
    if ws is None:
        return status
    try:
        result = ws.exercises.check(args.exercise)
    except DatabaseError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    finally:
        ws.close()
    print(json.dumps(result.as_json(), ensure_ascii=False) if args.json else format_result(result))
    return 0


def _open_exercise_workspace(args: argparse.Namespace) -> tuple[Workspace | None, int]:
    """The workspace of `--data-dir`/`--db` as `--user` (default: the owner), or None and the exit
    status after saying why on stderr (1: an unknown user; 2: the data dir or database)."""
    paths = resolve_paths(args.data_dir)
    try:
        paths.ensure()
        settings = load_settings(paths.settings_file)
        return open_workspace(resolve_db_url(args.db, settings, paths), username=args.user), 0
    except DomainError as exc:
        if exc.code == "agent.missing":
            print(f"workbench: unknown user {args.user!r}", file=sys.stderr)
            return None, 1
        print(f"workbench: {describe(exc)}", file=sys.stderr)
        return None, 2
    except (DataDirError, DatabaseError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return None, 2


def format_result(result: ExerciseResult) -> str:
    """A readable table: one line per rubric item (✓/✗, points of max, title, why), then the total."""
    lines = [f"{result.exercise}"]
    for item in result.items:
        mark = "✓" if item.passed else "✗"
        lines.append(f"{mark} {item.points:>3}/{item.max:<3} {item.title}: {item.why}")
    lines.append(f"总分 {result.total}/{result.max}")
    return "\n".join(lines)


def run_submissions(args: argparse.Namespace) -> int:
    """`workbench exercise export|grade`: see the module's docstring for the contract."""
    from workbench.services.submissions import SubmissionError, grade_folder, write_grades_xlsx

    if args.exercise_command == "export":
        return _export_submission(args)
    folder: Path = args.folder
    if not folder.is_dir():
        print(f"workbench: {folder}: not a folder", file=sys.stderr)
        return 2
    errors: list[SubmissionError] = []
    graded = grade_folder(folder, args.class_key or None, errors=errors)
    try:
        rows = write_grades_xlsx(graded, args.out)
    except OSError as exc:
        print(f"workbench: {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for error in errors:
        print(str(error), file=sys.stderr)
    print(f"graded {rows} submissions from {folder} to {args.out} ({len(errors)} refused)")
    return 1 if errors else 0


def _export_submission(args: argparse.Namespace) -> int:
    from workbench.domain.exercises import Student
    from workbench.kb.matcher import Matcher
    from workbench.services.lab_exports import student_result
    from workbench.services.lab_record import build_record, configuration_snapshot, write_record_xlsx
    from workbench.services.submissions import write_submission

    try:
        exercises = {e.id: e for e in load_exercises()}
    except ExerciseFileError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    exercise = exercises.get(args.exercise)
    if exercise is None:
        print(f"workbench: unknown exercise {args.exercise!r} (known: {', '.join(exercises)})", file=sys.stderr)
        return 1
    ws, status = _open_exercise_workspace(args)
    if ws is None:
        return status
    try:
        # On a shared server the logged-in student is who they are; on a single seat they say it.
        on_server = bool(args.user)
        name = args.name.strip() or (ws.user.display_name if on_server else "")
        number = args.number.strip() or (ws.user.username if on_server else "")
        if not name or not number:
            print("workbench: --name and --number are needed (the student's name and 学号)", file=sys.stderr)
            return 1
        student = Student(name, number, args.class_name.strip())
        now = ws.clock()
        result = student_result(ws, exercise.id, ws.user.id)  # the quiz marked from the saved answers
        record = build_record(
            ws.db,
            ws.shop.id,
            exercise,
            student,
            result,
            now,
            matcher=Matcher(ws.kb_admin.live_entries()),
            questions=[q.text for q in exercise.questions],
        )
        configuration = configuration_snapshot(ws.db, ws.shop.id, now.date())
        marks = ws.classroom.marks(exercise.id, ws.user.id)
    except DatabaseError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    finally:
        ws.close()
    try:
        write_submission(
            args.out,
            student=student,
            result=result,
            made_at=now,
            record=record,
            configuration=configuration,
            class_key=args.class_key or None,
        )
        if args.record is not None:
            write_record_xlsx(record, args.record, result, marks)
    except OSError as exc:
        print(f"workbench: {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"exported {exercise.id} for {student.name} ({student.number}): {result.total}/{result.max} to {args.out}")
    return 0
