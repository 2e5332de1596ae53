"""What the window says about a desk's opening (kept apart from the workspace: the desk's entrance
makes notices before any service beyond the database is imported)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class StartupNotice:
    """Something that went wrong (or was done) while the desk opened and did not stop it; the window
    shows it. `code` names it for a translated sentence, `params` fill it in:
    ``simulator.failed`` (error): the simulated customers could not start, the desk works without;
    ``restore.done`` (backup, kept_as): the database was restored from a backup, the replaced file
    renamed; ``restore.failed`` (backup, code, detail): the requested restore was refused (a
    `BackupError` code), the database is unchanged."""

    code: str
    params: dict[str, str] = field(default_factory=dict)
