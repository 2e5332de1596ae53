"""What the window needs to start, decided by the composition root (`workbench.app`)."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.paths import AppPaths
from workbench.settings import Settings


@dataclass(frozen=True, slots=True)
class LaunchConfig:
    """Where state lives, which database, which language, and how to start."""

    paths: AppPaths
    db_url: str
    settings: Settings
    smoke_test: bool = False
    reset_demo: bool = False
    simulator: bool = True
