"""What the window needs to start, decided by the composition root (`workbench.app`), and where the
data dir and the database are found (the window and the command line find them the same way)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.paths import AppPaths, sqlite_url
from workbench.settings import SettingProblem, Settings


@dataclass(frozen=True, slots=True)
class LaunchConfig:
    """Where state lives, which database, which language, and how to start."""

    paths: AppPaths
    db_url: str
    settings: Settings
    smoke_test: bool = False
    reset_demo: bool = False
    simulator: bool = True
    settings_problems: tuple[SettingProblem, ...] = ()  # values in the settings file replaced by defaults

    @property
    def team_feed(self) -> bool:
        """A shared database (a server, not a SQLite file): the team's one feed (`workbench simulate`)
        brings the buyers, so the desk runs no simulator of its own."""
        return not is_sqlite_url(self.db_url)


def is_sqlite_url(url: str) -> bool:
    """A SQLAlchemy URL of a SQLite database (``sqlite://`` or ``sqlite+driver://``)."""
    return url.partition(":")[0].partition("+")[0].lower() == "sqlite"


def resolve_paths(data_dir: Path | None) -> AppPaths:
    """Everything under `--data-dir` if given, else the platform's user dirs."""
    return AppPaths.under(data_dir) if data_dir else AppPaths.default()


def resolve_db_url(arg: str | None, settings: Settings, paths: AppPaths) -> str:
    """`--db`, else the settings' URL (with its password from keyring), else the SQLite file in the data dir."""
    url = arg or settings.db_url
    if not url:
        return sqlite_url(paths.database)
    from workbench.credentials import with_stored_password  # keyring start-up only when needed

    return with_stored_password(url)
