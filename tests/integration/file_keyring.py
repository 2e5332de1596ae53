"""A keyring backend for desk processes started by tests: secrets in a JSON file named by
``WORKBENCH_TEST_KEYRING_FILE`` (select it with ``PYTHON_KEYRING_BACKEND=tests.integration.file_keyring.FileKeyring``).
It lets a test give a window desk a remembered login, as "记住我" would have left it, without this
machine's real keyring."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _file(self) -> Path:
        return Path(os.environ["WORKBENCH_TEST_KEYRING_FILE"])

    def _read(self) -> dict[str, str]:
        return json.loads(self._file.read_text(encoding="utf-8")) if self._file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = self._read()
        secrets[f"{service}\n{username}"] = password
        self._file.write_text(json.dumps(secrets), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        secrets = self._read()
        secrets.pop(f"{service}\n{username}", None)
        self._file.write_text(json.dumps(secrets), encoding="utf-8")
