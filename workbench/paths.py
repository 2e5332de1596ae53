"""Where the program keeps its files: one data dir (database, evidence, logs), config and cache."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Workbench"
APP_AUTHOR = "Workbench"


class DataDirError(Exception):
    """The data directory cannot be created or written."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


@dataclass(frozen=True, slots=True)
class AppPaths:
    data: Path
    config: Path
    cache: Path
    logs: Path

    @property
    def database(self) -> Path:
        return self.data / "workbench.sqlite3"

    @property
    def evidence(self) -> Path:
        return self.data / "evidence"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def window_state_file(self) -> Path:
        """The main window's geometry (Qt's ini format), with the other settings of this data dir."""
        return self.config / "window.ini"

    @property
    def backups(self) -> Path:
        """Copies of the SQLite database (see workbench.services.backups)."""
        return self.data / "backups"

    @classmethod
    def default(cls) -> AppPaths:
        return cls(
            data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            config=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
            logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        """Every piece of state under one directory (`--data-dir`)."""
        root = root.expanduser().resolve()
        return cls(data=root, config=root / "config", cache=root / "cache", logs=root / "logs")

    def ensure(self) -> None:
        """Create the directories and prove the data dir is writable."""
        for path in (self.data, self.config, self.cache, self.logs):
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataDirError(path, exc.strerror or str(exc)) from exc
        for path in (self.data, self.config):
            try:
                fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test-")
                os.close(fd)
                os.unlink(probe)
            except OSError as exc:
                raise DataDirError(path, exc.strerror or str(exc)) from exc
