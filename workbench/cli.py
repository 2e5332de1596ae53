"""The commands that run without a window: ``workbench report cases [--json]`` and ``workbench admin``
(shops and users; its stable contract is `ADMIN_CONTRACT`).

App layer, next to :mod:`workbench.app` (which parses the arguments and calls in here). It opens
the shop's database like the window does, asks the use cases and formats what they return.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping

from workbench.composition import build_backups, open_database, open_workspace
from workbench.domain.errors import DomainError
from workbench.launch import resolve_db_url, resolve_paths
from workbench.paths import DataDirError
from workbench.services.backups import BackupError, BackupService
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
        text = case_report(url, as_json=args.json, backups=backups)
    except (DataDirError, DatabaseError, BackupError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0


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
