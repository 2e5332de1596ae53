"""The class key: set by the teacher, read where the students sign their submission files — the
class database on a server, the system keyring on a PC without one (never a plain-text file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MemoryKeyring
from tests.unit.exercises.conftest import demo_copy, ws  # noqa: F401  (the demo shop on SQLite)
from workbench.domain.errors import DomainError
from workbench.domain.exercises import Student
from workbench.services import lab_exports
from workbench.services.submissions import SubmissionError, read_submission
from workbench.services.workspace import Workspace

KEY = "电商2班-2026-秋"


def test_a_single_seat_keeps_the_class_key_in_the_keyring_and_signs_with_it(
    ws: Workspace,  # noqa: F811
    demo_copy: Path,  # noqa: F811
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
) -> None:
    assert ws.classroom.class_key() is None
    ws.classroom.set_class_key(f"  {KEY} ")
    assert ws.classroom.class_key() == KEY
    assert KEY in memory_keyring.store.values()
    assert KEY.encode("utf-8") not in demo_copy.read_bytes()  # not in the database file

    out = tmp_path / "sub.json"
    lab_exports.export_submission(ws, "p4-t1", ws.user.id, Student("李明", "2026001", "电商2班"), out)
    with pytest.raises(SubmissionError):
        read_submission(out)  # signed with the class key: without it the file does not verify
    assert read_submission(out, KEY).student.number == "2026001"

    ws.classroom.set_class_key("")
    assert ws.classroom.class_key() is None and KEY not in memory_keyring.store.values()


def test_a_class_key_that_is_too_long_is_refused(ws: Workspace) -> None:  # noqa: F811
    with pytest.raises(DomainError) as refused:
        ws.classroom.set_class_key("k" * 201)
    assert refused.value.code == "exercise.class_key_too_long"
